"""Find the Python interpreter that has moto (and botocore) installed.

The machine's default ``python3`` (pyenv, first on PATH) has moto 5.2.1;
Debian's /usr/bin/python3 does not.  Every tool in tests/aws/ that needs moto
or botocore calls ``ensure_moto_python()`` first: when the running
interpreter cannot ``import moto`` it re-executes the same script under the
first interpreter that can, or exits with a clear message.

Override the search with CMKGATE_MOTO_PYTHON=/path/to/python.
"""

import os
import shutil
import subprocess
import sys

_PROBE = ("import sys, moto, moto.server, botocore, flask, werkzeug; "
          "sys.stdout.write(sys.executable)")


def _candidates():
    env = os.environ.get("CMKGATE_MOTO_PYTHON")
    if env:
        yield env
    yield sys.executable
    for name in ("python3", "python"):
        found = shutil.which(name)
        if found:
            yield found
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if not d or not os.path.isdir(d):
            continue
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        for n in names:
            if n.startswith("python3") and not n.endswith("-config"):
                yield os.path.join(d, n)
    home = os.path.expanduser("~")
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.join(home, ".pyenv"))
    versions = os.path.join(pyenv_root, "versions")
    if os.path.isdir(versions):
        for v in sorted(os.listdir(versions), reverse=True):
            yield os.path.join(versions, v, "bin", "python3")
    for p in ("/usr/local/bin/python3", "/usr/bin/python3"):
        yield p


def _probe(python):
    """The real executable behind `python` (pyenv shims are shell scripts)
    when it can import moto's server and botocore, else None."""
    if python == sys.executable:
        try:
            import moto  # noqa: F401
            import moto.server  # noqa: F401
            import botocore  # noqa: F401
            return sys.executable
        except Exception:
            return None
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        return None
    try:
        r = subprocess.run([python, "-c", _PROBE], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = r.stdout.decode(errors="replace").strip()
    if r.returncode != 0:
        return None
    return out if out and os.path.isfile(out) else python


def has_moto(python):
    """True when `python` can import moto's server and botocore."""
    return _probe(python) is not None


def find_moto_python():
    """Return the path of an interpreter that has moto, or None."""
    tried = set()
    for c in _candidates():
        real = os.path.realpath(c) if os.path.exists(c) else c
        if real in tried:
            continue
        tried.add(real)
        real_exe = _probe(c)
        if real_exe:
            return real_exe
    return None


def ensure_moto_python():
    """Re-exec the current script under a moto-capable interpreter if needed."""
    if has_moto(sys.executable):
        return sys.executable
    if os.environ.get("_CMKGATE_REEXEC") == "1":
        sys.stderr.write("cmkgate tests/aws: re-executed interpreter %s still "
                         "cannot import moto\n" % sys.executable)
        sys.exit(2)
    py = find_moto_python()
    if py is None:
        sys.stderr.write(
            "cmkgate tests/aws: no Python interpreter with moto found.\n"
            "  tried: $CMKGATE_MOTO_PYTHON, %s, python3 on PATH, pyenv versions,\n"
            "  /usr/bin/python3.  moto 5.2.1 (with its server extras) and botocore\n"
            "  are expected in the machine's default python3; set\n"
            "  CMKGATE_MOTO_PYTHON=/path/to/python to choose one.\n" % sys.executable)
        sys.exit(2)
    env = dict(os.environ, _CMKGATE_REEXEC="1")
    os.execve(py, [py] + sys.argv, env)
    return py  # not reached

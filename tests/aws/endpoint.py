#!/usr/bin/env python3
"""Start and stop the local AWS endpoint (moto + cmkgate extension).

    endpoint.py start --dir DIR [--fixture FILE] [--auth] [--port N]
                      [--account ACCT] [--timeout SECONDS] [--transition-seconds S]
    endpoint.py stop  --dir DIR [--timeout SECONDS]
    endpoint.py status --dir DIR
    endpoint.py env --dir DIR [--user NAME]

start: runs moto_server.py on 127.0.0.1 (a free port unless --port) in its own
process group, waits until it answers, loads the fixture, then (with --auth)
switches on moto's request authentication, checks that the gate identity's
keys work, and writes DIR/endpoint.json and DIR/endpoint.env.  It returns
only when the endpoint is ready; on any failure it stops the server, prints
why with the tail of DIR/server.log, and exits non-zero.

stop: sends SIGTERM to the server's process group (SIGKILL after --timeout)
and waits until the server is gone.  Only the recorded process is signalled,
after checking that it still runs moto_server.py.
"""

import argparse
import datetime
import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _interp import ensure_moto_python  # noqa: E402

SERVER = os.path.join(HERE, "moto_server.py")
DEFAULT_ACCOUNT = "123456789012"


class StartError(Exception):
    pass


def _http(method, url, body=None, ctype="application/json", timeout=5):
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else body.encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", ctype)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


def _log_tail(path, lines=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no server log)"


def _is_our_server(pid):
    """True when `pid` is alive and runs moto_server.py (guards against pid reuse)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmd = f.read().split(b"\0")
    except (OSError, IndexError):
        return False
    return any(c.endswith(b"moto_server.py") for c in cmd)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _kill_group(pid, timeout=10.0, proc=None):
    """SIGTERM the process group led by `pid`, SIGKILL after `timeout`; wait."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
        deadline = time.time() + wait
        while time.time() < deadline:
            if proc is not None:
                if proc.poll() is not None:
                    return True
            elif not _alive(pid):
                return True
            time.sleep(0.05)
    return not _alive(pid)


def _write_atomic(path, text, mode=0o600):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _env_lines(url, region, access_key, secret, json_path, who):
    q = shlex.quote
    return "".join([
        "# cmkgate local AWS endpoint: credentials of %s\n" % who,
        "unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE\n",
        "export AWS_ENDPOINT_URL=%s\n" % q(url),
        "export AWS_REGION=%s\n" % q(region),
        "export AWS_DEFAULT_REGION=%s\n" % q(region),
        "export AWS_ACCESS_KEY_ID=%s\n" % q(access_key),
        "export AWS_SECRET_ACCESS_KEY=%s\n" % q(secret),
        "export AWS_EC2_METADATA_DISABLED=true\n",
        "export CMKGATE_ENDPOINT_JSON=%s\n" % q(json_path),
    ])


def cmd_start(args):
    d = os.path.abspath(args.dir)
    os.makedirs(d, exist_ok=True)
    info_path = os.path.join(d, "endpoint.json")
    env_path = os.path.join(d, "endpoint.env")
    log_path = os.path.join(d, "server.log")
    ready_path = os.path.join(d, ".ready.json")

    if os.path.exists(info_path):
        try:
            old = json.load(open(info_path))
            if _is_our_server(int(old.get("pid", 0))):
                raise StartError("an endpoint from %s is still running (pid %s, %s); "
                                 "run: endpoint.py stop --dir %s"
                                 % (info_path, old["pid"], old.get("url"), args.dir))
        except (ValueError, OSError):
            pass
        os.unlink(info_path)
    for p in (env_path, ready_path):
        if os.path.exists(p):
            os.unlink(p)

    fixture = None
    account = args.account
    region = "us-east-1"
    if args.fixture:
        import fixture as fixture_mod
        try:
            fixture = fixture_mod.read_fixture(args.fixture)
            meta = fixture_mod.validate(fixture)
        except fixture_mod.FixtureError as e:
            raise StartError("fixture %s: %s" % (args.fixture, e))
        region = meta["region"]
        fx_account = fixture.get("account")
        if account and fx_account and str(fx_account) != account:
            raise StartError("--account %s contradicts the fixture's account %s"
                             % (account, fx_account))
        account = account or (str(fx_account) if fx_account else None)
    if args.auth and fixture is None:
        raise StartError("--auth needs --fixture: under auth only IAM users' keys work, "
                         "and the fixture must define a user with kind 'gate'")

    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("MOTO_ACCOUNT_ID", None)
    if account and account != DEFAULT_ACCOUNT:
        env["MOTO_ACCOUNT_ID"] = account
    # moto must not pick up a developer's real AWS settings
    for k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        env.pop(k, None)

    cmd = [sys.executable, SERVER, "--port", str(args.port), "--ready-file", ready_path]
    logf = open(log_path, "w")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                            env=env, cwd=d, start_new_session=True, close_fds=True)
    logf.close()
    ok = False
    try:
        deadline = time.time() + args.timeout
        port = None
        while True:
            rc = proc.poll()
            if rc is not None:
                tail = _log_tail(log_path)
                if "already in use" in tail:
                    raise StartError("port %d on 127.0.0.1 is taken (server exited with %d)"
                                     % (args.port, rc))
                raise StartError("the server exited with status %d before it was ready" % rc)
            if port is None and os.path.exists(ready_path):
                try:
                    port = json.load(open(ready_path))["port"]
                except (ValueError, KeyError, OSError):
                    port = None
            if port is not None:
                try:
                    st, body = _http("GET", "http://127.0.0.1:%d/_cmkgate/health" % port, timeout=2)
                    if st == 200 and json.loads(body).get("ok"):
                        break
                except (urllib.error.URLError, OSError, ValueError):
                    pass
            if time.time() > deadline:
                raise StartError("the server did not answer within %g s" % args.timeout)
            time.sleep(0.05)
        url = "http://127.0.0.1:%d" % port

        if args.transition_seconds is not None:
            _http("POST", url + "/_cmkgate/config",
                  json.dumps({"transition_seconds": args.transition_seconds}))

        state = None
        if fixture is not None:
            import fixture as fixture_mod
            try:
                state = fixture_mod.Loader(url, fixture, args.fixture).load()
            except fixture_mod.FixtureError as e:
                raise StartError("loading fixture %s: %s" % (args.fixture, e))
            except Exception as e:
                raise StartError("loading fixture %s failed: %s: %s"
                                 % (args.fixture, type(e).__name__, e))
            account = state["account"]
        else:
            account = account or DEFAULT_ACCOUNT

        gate = state.get("gate") if state else None
        if args.auth:
            if not gate or not gate.get("access_key_id"):
                raise StartError("--auth: the fixture defines no user with kind 'gate' "
                                 "and an access key")
            st, body = _http("POST", url + "/moto-api/reset-auth", b"0", ctype="text/plain")
            if st != 200:
                raise StartError("POST /moto-api/reset-auth answered %d: %r" % (st, body[:200]))
            _check_gate_under_auth(url, region, gate)

        info = {
            "schema": 1,
            "url": url,
            "host": "127.0.0.1",
            "port": port,
            "pid": proc.pid,
            "pgid": proc.pid,
            "python": sys.executable,
            "log": log_path,
            "dir": d,
            "started_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "auth": bool(args.auth),
            "account": account,
            "region": region,
            "gate": gate,
            "fixture": os.path.abspath(args.fixture) if args.fixture else None,
            "state": state,
            "control": {
                "health": url + "/_cmkgate/health",
                "faults": url + "/_cmkgate/faults",
                "requests": url + "/_cmkgate/requests",
                "config": url + "/_cmkgate/config",
                "reset_auth": url + "/moto-api/reset-auth",
            },
        }
        _write_atomic(info_path, json.dumps(info, indent=2, sort_keys=True) + "\n")
        if gate:
            who, ak, sk = "the gate identity %s" % gate["arn"], gate["access_key_id"], gate["secret_access_key"]
        else:
            who, ak, sk = "no one (auth off: any key is accepted)", "testing", "testing"
        _write_atomic(env_path, _env_lines(url, region, ak, sk, info_path, who))
        ok = True
        print("endpoint ready: %s (pid %d, account %s, region %s, auth %s) -> %s"
              % (url, proc.pid, account, region, "on" if args.auth else "off", info_path))
        return 0
    finally:
        if not ok:
            _kill_group(proc.pid, timeout=5.0, proc=proc)
            for p in (ready_path,):
                if os.path.exists(p):
                    os.unlink(p)


def _check_gate_under_auth(url, region, gate):
    import botocore.session
    from botocore.config import Config
    c = botocore.session.Session().create_client(
        "sts", region_name=region, endpoint_url=url,
        aws_access_key_id=gate["access_key_id"], aws_secret_access_key=gate["secret_access_key"],
        config=Config(retries={"max_attempts": 1}))
    try:
        arn = c.get_caller_identity()["Arn"]
    except Exception as e:
        raise StartError("auth is on but the gate's keys do not work: %s" % e)
    if arn != gate["arn"]:
        raise StartError("auth is on but the gate's keys identify %s, not %s" % (arn, gate["arn"]))


def _read_info(d):
    path = os.path.join(os.path.abspath(d), "endpoint.json")
    try:
        with open(path) as f:
            return json.load(f), path
    except OSError:
        return None, path


def cmd_stop(args):
    info, path = _read_info(args.dir)
    if info is None:
        print("no endpoint recorded in %s" % path)
        return 0
    pid = int(info.get("pid", 0))
    if pid <= 1:
        sys.stderr.write("endpoint.py: %s holds no valid pid\n" % path)
        return 1
    if not _is_our_server(pid):
        print("endpoint pid %d is not running (already stopped)" % pid)
        os.unlink(path)
        return 0
    if not _kill_group(pid, timeout=args.timeout):
        sys.stderr.write("endpoint.py: process group %d did not exit\n" % pid)
        return 1
    os.unlink(path)
    ready = os.path.join(os.path.abspath(args.dir), ".ready.json")
    if os.path.exists(ready):
        os.unlink(ready)
    print("endpoint stopped (pid %d)" % pid)
    return 0


def cmd_status(args):
    info, path = _read_info(args.dir)
    if info is None or not _is_our_server(int(info.get("pid", 0))):
        print("not running")
        return 1
    try:
        _http("GET", info["url"] + "/_cmkgate/health", timeout=2)
    except (urllib.error.URLError, OSError) as e:
        print("pid %s alive but %s does not answer: %s" % (info["pid"], info["url"], e))
        return 1
    print("running: %s (pid %s, auth %s)" % (info["url"], info["pid"], "on" if info["auth"] else "off"))
    return 0


def cmd_env(args):
    info, path = _read_info(args.dir)
    if info is None:
        sys.stderr.write("endpoint.py: no endpoint in %s\n" % path)
        return 1
    if args.user:
        users = (info.get("state") or {}).get("users", {})
        u = users.get(args.user)
        if not u or not u.get("access_key_id"):
            sys.stderr.write("endpoint.py: no user %r with an access key in the fixture state\n"
                             % args.user)
            return 1
        sys.stdout.write(_env_lines(info["url"], info["region"], u["access_key_id"],
                                    u["secret_access_key"], path, u["arn"]))
        return 0
    with open(os.path.join(os.path.abspath(args.dir), "endpoint.env")) as f:
        sys.stdout.write(f.read())
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="cmkgate local AWS endpoint")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start")
    s.add_argument("--dir", required=True)
    s.add_argument("--fixture")
    s.add_argument("--auth", action="store_true",
                   help="turn on moto's SigV4 and IAM checks after loading the fixture")
    s.add_argument("--port", type=int, default=0, help="0 (default): a free port")
    s.add_argument("--account", help="12-digit account (default: the fixture's, else 123456789012)")
    s.add_argument("--timeout", type=float, default=30.0)
    s.add_argument("--transition-seconds", type=float,
                   help="make status transitions take this long (default 0: immediate)")
    t = sub.add_parser("stop")
    t.add_argument("--dir", required=True)
    t.add_argument("--timeout", type=float, default=10.0)
    u = sub.add_parser("status")
    u.add_argument("--dir", required=True)
    e = sub.add_parser("env")
    e.add_argument("--dir", required=True)
    e.add_argument("--user", help="print export lines for this fixture user instead of the gate")
    args = ap.parse_args(argv)
    if args.cmd == "start":
        if args.account is not None and not (len(args.account) == 12 and args.account.isdigit()):
            ap.error("--account must be 12 digits")
        ensure_moto_python()

        def interrupted(signum, frame):
            raise KeyboardInterrupt()

        signal.signal(signal.SIGTERM, interrupted)
        try:
            return cmd_start(args)
        except StartError as e:
            log = os.path.join(os.path.abspath(args.dir), "server.log")
            sys.stderr.write("endpoint.py start: %s\n--- last lines of %s ---\n%s\n"
                             % (e, log, _log_tail(log)))
            return 1
        except KeyboardInterrupt:
            sys.stderr.write("endpoint.py start: interrupted; server stopped\n")
            return 130
    if args.cmd == "stop":
        return cmd_stop(args)
    if args.cmd == "status":
        return cmd_status(args)
    return cmd_env(args)


if __name__ == "__main__":
    sys.exit(main())

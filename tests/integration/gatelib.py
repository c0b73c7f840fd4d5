"""Starting cmkgated for integration tests, and talking to it.

Every gate binds a unix socket inside its own temporary directory, and
reaches AWS only through the local endpoint (tests/aws/endpoint.py) on
127.0.0.1 whose environment file the caller has sourced.
"""
import atexit
import http.client
import json
import os
import signal
import socket
import subprocess
import time


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=60):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


def call(sock, method, path, body=None, headers=None, raw=None, timeout=60):
    """One HTTP call; returns (status, parsed JSON or text)."""
    conn = UnixHTTPConnection(sock, timeout)
    hdrs = {"Content-Type": "application/json"} if body is not None or raw is not None else {}
    hdrs.update(headers or {})
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    text = resp.read().decode()
    conn.close()
    try:
        return resp.status, json.loads(text)
    except ValueError:
        return resp.status, text


_running = []


@atexit.register
def _kill_leftovers():
    """No gate outlives the test, whatever way the test ends."""
    for proc in _running:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def raw(sock, data, timeout=30):
    """Sends bytes as they are and reads until the gate closes: (status or None, text)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock)
    got = b""
    try:
        s.sendall(data)
    except OSError:
        pass
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except OSError:
        pass
    s.close()
    text = got.decode(errors="replace")
    status = int(text.split(" ", 2)[1]) if text.startswith("HTTP/1.") else None
    return status, text


class Gate:
    """A cmkgated with its config, state, audit key and socket under dir."""

    def __init__(self, build, top, d, account, operators=None, ops_dir=None, ttl=86400,
                 policy_cache_seconds=60, policy_directory=None):
        self.cmkgate = os.path.join(build, "gate", "cmkgate")
        self.cmkgated = os.path.join(build, "gate", "cmkgated")
        self.dir = d
        self.sock = os.path.join(d, "gate.sock")
        self.state = os.path.join(d, "state")
        self.key = os.path.join(d, "audit.key")
        self.log = os.path.join(self.state, "audit.log")
        self.conf = os.path.join(d, "cmkgated.conf")
        self.proc = None
        self.stderr_path = os.path.join(d, "cmkgated.stderr")
        os.makedirs(self.state, mode=0o700, exist_ok=True)
        if not os.path.exists(self.key):
            subprocess.run([self.cmkgate, "audit", "keygen", "--out", self.key], check=True,
                           stdout=subprocess.DEVNULL)
        if operators is None:
            operators = [{"uid": os.getuid(), "name": "alice",
                          "principal": "arn:aws:sts::%s:assumed-role/cmkgate-operator/op-alice"
                          % account}]
        conf = {
            "socket": {"path": self.sock},
            "state_directory": self.state,
            "ops_directory": ops_dir or os.path.join(top, "contrib", "ops.d"),
            "audit": {"log": self.log, "key": self.key, "checkpoint_every": 8},
            "request_ttl_seconds": ttl,
            "policy_cache_seconds": policy_cache_seconds,
            "operators": operators,
        }
        if policy_directory is not None:
            conf["policy_directory"] = policy_directory
        with open(self.conf, "w") as f:
            json.dump(conf, f)
        os.chmod(self.conf, 0o600)

    def start(self, wait=True, preexec_fn=None):
        err = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen([self.cmkgated, "--config", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=err, preexec_fn=preexec_fn)
        err.close()
        _running.append(self.proc)
        if not wait:
            return self.proc
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("cmkgated exited with %d: %s"
                                   % (self.proc.returncode, self.stderr()))
            try:
                status, _ = call(self.sock, "GET", "/healthz", timeout=2)
                if status == 200:
                    return self.proc
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("cmkgated did not become healthy: " + self.stderr())

    def stderr(self):
        try:
            with open(self.stderr_path) as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode if self.proc is not None else None
        self.proc = None
        return rc

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def cli(self, *args, stdin=None):
        p = subprocess.run([self.cmkgate, "--socket", self.sock] + list(args), input=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return p.returncode, p.stdout, p.stderr

    def verify_audit(self):
        p = subprocess.run([self.cmkgate, "audit", "verify", "--log", self.log, "--key",
                            self.key + ".pub", "--json"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        try:
            rep = json.loads(p.stdout)
        except ValueError:
            rep = None
        return p.returncode, rep, p.stderr

    def audit_entries(self):
        out = []
        with open(self.log) as f:
            for line in f:
                if line.endswith("\n"):
                    out.append(json.loads(line))
        return out

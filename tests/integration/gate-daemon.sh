#!/bin/sh
# cmkgated against the local AWS endpoint (tests/aws/, seed scenarios in
# tests/aws/fixtures/scenarios.json): each operation and refusal reason filed
# through `cmkgate request`, status and list, the audit log, restarts, bad
# input over the raw socket, an unknown caller, and refusals at start-up.
set -u
build=${1:?usage: gate-daemon.sh BUILD-ROOT SOURCE-ROOT}
top=${2:?}
dir=$(mktemp -d)
cleanup() { python3 "$top/tests/aws/endpoint.py" stop --dir "$dir" >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT INT TERM
if ! python3 "$top/tests/aws/endpoint.py" start --dir "$dir" \
	--fixture "$top/tests/aws/fixtures/scenarios.json" --auth >&2; then
	echo "Bail out! the local AWS endpoint did not start"
	exit 1
fi
# shellcheck disable=SC1091
. "$dir/endpoint.env"
PYTHONPATH="$top/tests/integration" python3 - "$build" "$top" "$dir" <<'PY'
import hashlib, json, os, shutil, subprocess, sys, time
from gatelib import Gate, call, raw

build, top, d = sys.argv[1:4]
st = json.load(open(os.path.join(d, "endpoint.json")))["state"]
apps, keys, account = st["applications"], st["keys"], st["account"]
n, failed = 0, 0

def check(name, cond, detail=None):
    global n, failed
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, name))
    if not cond:
        failed += 1
        print("  # " + json.dumps(detail, default=str)[:2000])

def update(app, enc):
    return {"ApplicationName": app, "CurrentApplicationVersionId": apps[app]["version_id"],
            "ApplicationConfigurationUpdate": {"ApplicationEncryptionConfigurationUpdate": enc}}

gd = os.path.join(d, "gate")
os.makedirs(gd)
gate = Gate(build, top, gd, account)
try:
    gate.start()
except RuntimeError as e:
    print("Bail out! " + str(e))
    sys.exit(1)

def request(op, body, reason="CHG-1 test"):
    path = os.path.join(d, "input.json")
    with open(path, "w") as f:
        json.dump(body, f)
    rc, out, err = gate.cli("request", "--operation", op, "--input", path, "--reason", reason,
                            "--json")
    try:
        return rc, json.loads(out), err
    except ValueError:
        return rc, None, err

ids = {}

# (a) enabling CMK#1 on a running application: a key change, pending approvals
rc, a, err = request("UpdateApplication", update("orders-aok", {
    "KeyTypeUpdate": "CUSTOMER_MANAGED_KEY", "KeyIdUpdate": "alias/cmkgate-cmk1"}))
ok = rc == 0 and a["state"] == "pending" and a["record"]["key_change_kind"] == "enable CMK"
check("(a) enabling CMK#1 is filed and waits for two approvals",
      ok and any("approval" in x for x in a["record"]["needs"])
      and [k["arn"] for k in a["record"]["keys"]] == [keys["cmk1"]["arn"]]
      and a["record"]["rules"]["result"] == "pending", [rc, a, err])
if a: ids["a"] = a["id"]

# (b) CMK#1 -> CMK#2 without rights on the current key: denied, naming that key
rc, a, err = request("UpdateApplication", update("payments-locked", {
    "KeyTypeUpdate": "CUSTOMER_MANAGED_KEY", "KeyIdUpdate": keys["cmk2"]["arn"]}))
check("(b) a switch away from a key the operator may not use is denied with the key named",
      rc == 1 and a["state"] == "denied"
      and any(keys["cmk-locked"]["arn"] in x and "current key" in x
              for x in a["record"]["denied_because"]), [rc, a, err])
if a: ids["b"] = a["id"]

# (c) CMK -> the AWS owned key: a key change
rc, a, err = request("UpdateApplication", update("ledger-cmk", {"KeyTypeUpdate": "AWS_OWNED_KEY"}))
check("(c) going back to the AWS owned key is a key change, pending",
      rc == 0 and a["state"] == "pending"
      and a["record"]["key_change_kind"].startswith("disable CMK")
      and all(k["changes"] for k in a["record"]["keys"]), [rc, a, err])

# (d) restoring a snapshot under a disabled key: denied with the fix
rc, a, err = request("StartApplication", {"ApplicationName": "audit-retired", "RunConfiguration": {
    "ApplicationRestoreConfiguration": {"ApplicationRestoreType": "RESTORE_FROM_CUSTOM_SNAPSHOT",
                                        "SnapshotName": "audit-under-retired"}}})
check("(d) a restore from a snapshot under a disabled key is denied with the fix",
      rc == 1 and a["state"] == "denied"
      and any("re-enable" in x and keys["cmk-retired"]["arn"] in x
              for x in a["record"]["denied_because"]), [rc, a, err])

# (e) rollback across keys: both keys involved, pending
rc, a, err = request("RollbackApplication", {"ApplicationName": "metrics-rollback",
                     "CurrentApplicationVersionId": apps["metrics-rollback"]["version_id"]})
check("(e) a rollback across keys names both keys and waits for approvals",
      rc == 0 and a["state"] == "pending"
      and {keys["cmk2"]["arn"], keys["cmk-old"]["arn"]} <= {k["arn"] for k in a["record"]["keys"]}
      and all(k["changes"] for k in a["record"]["keys"]), [rc, a, err])

# a snapshot with unchanged keys needs only the checks
rc, a, err = request("CreateApplicationSnapshot", {"ApplicationName": "ledger-cmk",
                                                   "SnapshotName": "before-change"})
check("a snapshot with the keys unchanged is approved on the checks alone",
      rc == 0 and a["state"] == "approved" and a["record"]["rules"]["result"] == "pass"
      and a["record"]["needs"] == [] and not any(k["changes"] for k in a["record"]["keys"]),
      [rc, a, err])
if a: ids["snap"] = a["id"]

# the request digest (v1, docs/request-digest.md), computed here independently:
# SHA-256 of the domain line and the RFC 8785 form (for these ASCII strings,
# json.dumps with sorted keys and no spaces) of what the request asks
def digest_v1(op, app, inp):
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    o = {"account": account, "application": "arn:aws:kinesisanalytics:%s:%s:application/%s"
         % (region, account, app), "input": inp, "operation": op, "region": region}
    text = json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(b"cmkgate-request-digest-v1\n" + text.encode()).hexdigest()

snap_in = {"ApplicationName": "ledger-cmk", "SnapshotName": "before-change"}
check("the record's request digest is v1 over the operation, account, region, application "
      "and input", a is not None and a["request_digest_version"] == 1
      and a["record"]["request_digest_version"] == 1
      and a["request_digest"] == digest_v1("CreateApplicationSnapshot", "ledger-cmk", snap_in)
      and a["record"]["request_digest"] == a["request_digest"], [a])

# a CMK on FLINK-1_18 is denied
rc, a, err = request("UpdateApplication", update("legacy-118", {
    "KeyTypeUpdate": "CUSTOMER_MANAGED_KEY", "KeyIdUpdate": keys["cmk1"]["arn"]}))
check("a CMK on FLINK-1_18 is denied", rc == 1 and a["state"] == "denied"
      and any("FLINK-1_20" in x for x in a["record"]["denied_because"]), [rc, a, err])

# the text output
path = os.path.join(d, "input.json")
json.dump({"ApplicationName": "ledger-cmk", "SnapshotName": "text-out"}, open(path, "w"))
rc, out, err = gate.cli("request", "--operation", "CreateApplicationSnapshot", "--input", path)
check("request prints the id and state", rc == 0 and out.startswith("r-") and " approved" in
      out.splitlines()[0], [rc, out, err])

# status and list
rc, out, err = gate.cli("status", ids.get("a", "r-0"), "--json")
s = json.loads(out) if rc == 0 else None
check("status shows the record, the input and the history",
      s is not None and s["id"] == ids.get("a") and s["state"] == "pending"
      and s["input"]["ApplicationName"] == "orders-aok"
      and s["history"][0]["to"] == "pending" and s["operator"] == "alice", [rc, out, err])
rc, out, err = gate.cli("status", "r-" + "0" * 32)
check("status of an unknown id fails and says so", rc == 3 and "no request" in err, [rc, out, err])
rc, out, err = gate.cli("list", "--json")
lst = json.loads(out)["requests"] if rc == 0 else []
check("list shows every filed request, newest first", rc == 0 and len(lst) == 8
      and lst[-1]["id"] == ids.get("a"), [rc, out, err])
rc, out, err = gate.cli("list", "--state", "denied", "--json")
check("list --state filters", rc == 0 and len(json.loads(out)["requests"]) == 3, [rc, out, err])

# bad input over the raw socket: refused, nothing stored
sock = gate.sock
before = len(json.loads(gate.cli("list", "--json")[1])["requests"])
st_, text = raw(sock, b"POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 2097152\r\n\r\n")
check("a declared oversized body is refused (413) before it is sent",
      st_ == 413 and '"too-large"' in text, [st_, text])
chunk = b"x" * 65536
body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(24)) + b"0\r\n\r\n"
st_, text = raw(sock, b"POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n" + body)
check("a chunked body past the cap gets the connection closed without an answer",
      st_ is None, [st_, text[:300]])
st_, text = raw(sock, b"POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                b"Content-Length: 1000000\r\n\r\n")
check("a body of the wrong type is refused (415) before it is sent", st_ == 415, [st_, text])
st_, a = call(sock, "POST", "/v1/requests", raw=b'{"operation": "StopApplication", "input": {')
check("malformed JSON is refused (400)", st_ == 400 and a["error"]["code"] == "bad-json", [st_, a])
st_, a = call(sock, "POST", "/v1/requests", body={"operation": "DeleteApplication",
                                                 "input": {"ApplicationName": "x"}})
check("an unknown operation is refused (400)", st_ == 400 and a["error"]["code"] == "unknown-operation",
      [st_, a])
st_, a = call(sock, "POST", "/v1/requests", body={"operation": "StopApplication",
              "input": {"ApplicationName": "orders-aok"}, "operator": "bob"})
check("an identity claimed next to the request is refused (400)",
      st_ == 400 and "unknown member" in a["error"]["message"], [st_, a])
st_, a = call(sock, "POST", "/v1/requests", body={"operation": "StopApplication",
              "input": {"ApplicationName": "orders-aok", "Principal": "arn:aws:iam::1:root"}})
check("an identity claimed inside the request is refused (400)",
      st_ == 400 and "identity" in a["error"]["message"], [st_, a])
for bad_reason in ("CHG-1\u001b[2K  key change: none", "CHG-1 \u202eenon", "CHG-1 \u009b2K",
                   "CHG-1 \u061c", "CHG-1 \u007f"):
    st_, a = call(sock, "POST", "/v1/requests", body={"operation": "StopApplication",
                  "input": {"ApplicationName": "orders-aok"}, "reason": bad_reason})
    check("a reason holding %r is refused (400)" % bad_reason[6:],
          st_ == 400 and "control" in a["error"]["message"], [st_, a])
# outside text cut at a byte count never makes the answer or the audit log invalid UTF-8
st_, a = call(sock, "POST", "/v1/requests", body={"operation": "UpdateApplication",
              "input": update("orders-aok", {"KeyTypeUpdate": "CUSTOMER_MANAGED_KEY",
                                             "KeyIdUpdate": "alias/x" + "\u00e9" * 200})})
check("a long multi-byte key id gives a well-formed answer, not an audit failure",
      st_ in (201, 502) and isinstance(a, dict) and "audit" not in json.dumps(a), [st_, a])
st_, a = call(sock, "GET", "/healthz")
check("... and the gate stays healthy", st_ == 200, [st_, a])
st_, text = raw(sock, b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 900000\r\n\r\n")
check("/healthz takes no body (405 from the headers)", st_ == 405, [st_, text[:200]])
st_, a = call(sock, "POST", "/v1/requests", body={"operation": "StopApplication",
              "input": {"ApplicationName": "orders-aok"}, "region": "us-east-1"})
check("a request for another region is refused (400)", st_ == 400 and a["error"]["code"] == "wrong-region",
      [st_, a])
st_, a = call(sock, "DELETE", "/v1/requests")
check("an unknown method is refused (405)", st_ == 405, [st_, a])
st_, a = call(sock, "GET", "/v2/anything")
check("an unknown path is refused (404)", st_ == 404, [st_, a])
st_, a = call(sock, "GET", "/v1/requests/r-XYZ")
check("a malformed id is refused (400)", st_ == 400 and a["error"]["code"] == "bad-id", [st_, a])
st_, a = call(sock, "GET", "/v1/requests?operator=")
check("a malformed query is refused (400)", st_ == 400 and a["error"]["code"] == "bad-query", [st_, a])
after = len(json.loads(gate.cli("list", "--json")[1])["requests"])
check("bad input stored nothing", before == after, [before, after])

import stat
check("the socket is owner-only by default (mode 0600)",
      stat.S_IMODE(os.stat(sock).st_mode) == 0o600, oct(os.stat(sock).st_mode))

# the store fails after the audit entry is written (another process holds the
# database's write lock past the busy timeout): 500, and the log says so
import sqlite3 as _sqlite3
blocker = _sqlite3.connect(os.path.join(gate.state, "cmkgate.db"), timeout=1, isolation_level=None)
blocker.execute("BEGIN IMMEDIATE")
st_, a = call(sock, "POST", "/v1/requests", body={"operation": "CreateApplicationSnapshot",
              "input": {"ApplicationName": "ledger-cmk", "SnapshotName": "blocked"}}, timeout=60)
blocker.execute("ROLLBACK")
blocker.close()
tail = gate.audit_entries()[-3:]
named = [e for e in tail if e["event"] == "request"]
store_failed = [e for e in tail if e["event"] == "request.store_failed"]
check("a store failure after the audit entry answers 500 and the log records it",
      st_ == 500 and a["error"]["code"] == "store" and len(named) == 1 and len(store_failed) == 1
      and store_failed[0]["request_id"] == named[0]["request_id"], [st_, a, tail])
rc, out, err = gate.cli("status", named[0]["request_id"] if named else "r-" + "0" * 32)
check("the request the failed store never took is not found", rc == 3, [rc, out, err])

# one uid holds at most 8 connections, even ones that never finish their headers
import socket as _socket
idle = []
for _ in range(8):
    c_ = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    c_.connect(sock)
    c_.sendall(b"GET /healthz HTTP/1.1\r\n")     # and never the end of the headers
    idle.append(c_)
time.sleep(0.3)
try:
    st9, _ = call(sock, "GET", "/healthz", timeout=5)
except OSError as e:
    st9 = repr(e)
for c_ in idle:
    c_.close()
time.sleep(0.3)
st_after, _ = call(sock, "GET", "/healthz")
check("a ninth connection from one uid is shut while eight are held; freed ones count again",
      st9 != 200 and st_after == 200, [st9, st_after])

# health and metrics
st_, a = call(sock, "GET", "/healthz")
check("/healthz answers ok", st_ == 200 and a == {"status": "ok"}, [st_, a])
st_, text = call(sock, "GET", "/metrics")
check("/metrics counts requests by state", st_ == 200 and 'cmkgate_requests{state="pending"} 3' in text
      and 'cmkgate_requests_filed_total{state="approved"} 2' in text, [st_, text])

# the audit log names every request, and verifies
entries = gate.audit_entries()
named = {e.get("request_id") for e in entries if e["event"] == "request"}
check("the audit log names every filed request with its decision",
      all(r["id"] in named for r in lst)
      and all(e["decision"] in ("pending", "approved", "denied") for e in entries if e["event"] == "request"),
      [len(entries), sorted(named)[:3]])
rc, rep, err = gate.verify_audit()
check("the audit log verifies", rc == 0, [rc, rep, err])

# a restart keeps everything, and signs a checkpoint on the way out
rc = gate.stop()
check("SIGTERM stops the gate cleanly", rc == 0, [rc, gate.stderr()])
check("the last audit entry is a signed checkpoint", gate.audit_entries()[-1]["event"] == "checkpoint")
gate.start()
rc, out, err = gate.cli("status", ids.get("snap", "r-0"), "--json")
check("a request survives a restart", rc == 0 and json.loads(out)["state"] == "approved", [rc, out, err])

# the digest binds the operation: one input, two operations, two digests
rc1, a1, _ = request("StopApplication", {"ApplicationName": "ledger-cmk"})
rc2, a2, _ = request("StartApplication", {"ApplicationName": "ledger-cmk"})
check("StartApplication and StopApplication with the same input have different digests",
      a1 is not None and a2 is not None and a1["request_digest"] != a2["request_digest"]
      and a1["request_digest"] == digest_v1("StopApplication", "ledger-cmk",
                                            {"ApplicationName": "ledger-cmk"})
      and a2["request_digest"] == digest_v1("StartApplication", "ledger-cmk",
                                            {"ApplicationName": "ledger-cmk"}), [a1, a2])

# expiry: a pending request past its deadline becomes expired, audited.  The
# deadline is moved into the past in the store by hand (the shortest TTL the
# config allows is a minute).
import sqlite3, time
gate.stop()
db = sqlite3.connect(os.path.join(gate.state, "cmkgate.db"))
db.execute("UPDATE requests SET expires_ms = 1 WHERE id = ?", (ids.get("a", ""),))
db.commit()
db.close()
gate.start()
deadline, state = time.time() + 15, None
while time.time() < deadline:
    rc, out, err = gate.cli("status", ids.get("a", "r-0"), "--json")
    state = json.loads(out)["state"] if rc == 0 else None
    if state == "expired":
        break
    time.sleep(0.2)
expired = [e for e in gate.audit_entries() if e["event"] == "request.expired"]
check("an overdue pending request expires, with its own audit entry",
      state == "expired" and [e["request_id"] for e in expired] == [ids.get("a")]
      and json.loads(out)["history"][-1]["from"] == "pending", [state, expired, out])
rc, out, err = gate.cli("status", ids.get("snap", "r-0"), "--json")
check("a request within its deadline does not expire", json.loads(out)["state"] == "approved",
      [rc, out])

# the audit log cannot be written (a file size limit just above its size):
# the gate refuses to act, and keeps refusing
import resource
# a log comfortably larger than SQLite's shared-memory file (32 KiB), so the
# limit stops the audit log and nothing else
while os.path.getsize(gate.log) < 96 * 1024:
    call(sock, "POST", "/v1/requests", body={"operation": "CreateApplicationSnapshot",
         "input": {"ApplicationName": "ledger-cmk", "SnapshotName": "pad"}, "reason": "x" * 1000})
gate.stop()
size = os.path.getsize(gate.log)
limit = size + 1000
db = _sqlite3.connect(os.path.join(gate.state, "cmkgate.db"))
stored_before = db.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
db.close()
gate.start(preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
snap_body = {"operation": "CreateApplicationSnapshot",
             "input": {"ApplicationName": "ledger-cmk", "SnapshotName": "no-audit"}}
st1, a1 = call(sock, "POST", "/v1/requests", body=snap_body)
st2, a2 = call(sock, "POST", "/v1/requests", body=snap_body)
sth, ah = call(sock, "GET", "/healthz")
stm, tm = call(sock, "GET", "/metrics")
gate.stop()
db = _sqlite3.connect(os.path.join(gate.state, "cmkgate.db"))
stored_after = db.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
db.close()
check("when the audit log cannot be written the gate refuses (503), keeps refusing, stores nothing",
      st1 == 503 and a1["error"]["code"] == "audit-unavailable" and st2 == 503 and sth == 503
      and "cmkgate_audit_writable 0" in tm and stored_after == stored_before
      and os.path.getsize(gate.log) == size,
      [st1, a1, st2, sth, stored_before, stored_after, os.path.getsize(gate.log), size])
rc, rep, err = gate.verify_audit()
check("the audit log still verifies after the refused appends", rc == 0, [rc, rep, err])
gate.start()

# a caller whose uid is not an operator is refused
od = os.path.join(d, "other")
os.makedirs(od)
other = Gate(build, top, od, account, operators=[{"uid": os.getuid() + 1, "name": "bob",
             "principal": "arn:aws:iam::%s:role/cmkgate-operator" % account}])
other.start()
st_, a = call(other.sock, "GET", "/v1/requests")
check("a caller whose uid is not an operator is refused (403)",
      st_ == 403 and a["error"]["code"] == "not-an-operator", [st_, a])
st_, text = raw(other.sock, b"POST /v1/requests HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
check("a caller who is not an operator is refused before any body is read (403)",
      st_ == 403 and "not-an-operator" in text, [st_, text])
other.stop()

# start-up refusals: a broken rule stack, a tampered audit log
bad_ops = os.path.join(d, "ops.d")
shutil.copytree(os.path.join(top, "contrib", "ops.d"), bad_ops)
with open(os.path.join(bad_ops, "UpdateApplication"), "a") as f:
    f.write("required approvals quorum=two\n")
bd = os.path.join(d, "broken")
os.makedirs(bd)
broken = Gate(build, top, bd, account, ops_dir=bad_ops)
p = subprocess.run([broken.cmkgated, "--config", broken.conf], stderr=subprocess.PIPE, text=True,
                   timeout=20)
check("a syntax error in ops.d refuses to start, naming file:line",
      p.returncode == 1 and "UpdateApplication:" in p.stderr and "quorum" in p.stderr, [p.returncode, p.stderr])
p = subprocess.run([broken.cmkgated, "--config", broken.conf, "--check"], stderr=subprocess.PIPE,
                   stdout=subprocess.PIPE, text=True, timeout=20)
check("--check finds the same error", p.returncode == 1 and "UpdateApplication:" in p.stderr,
      [p.returncode, p.stderr])

xd = os.path.join(d, "cross")
os.makedirs(xd)
cross = Gate(build, top, xd, account, operators=[{"uid": os.getuid(), "name": "x",
             "principal": "arn:aws:iam::999999999999:role/cmkgate-operator"}])
p = subprocess.run([cross.cmkgated, "--config", cross.conf], stderr=subprocess.PIPE, text=True,
                   timeout=20)
check("an operator principal in another account refuses to start",
      p.returncode == 1 and "not in the gate's account" in p.stderr, [p.returncode, p.stderr])

# a stack cannot lift the gate's own checks: one with only key-state still denies
lax_ops = os.path.join(d, "lax-ops.d")
shutil.copytree(os.path.join(top, "contrib", "ops.d"), lax_ops)
with open(os.path.join(lax_ops, "UpdateApplication"), "w") as f:
    f.write("required key-state\n")
ld = os.path.join(d, "lax")
os.makedirs(ld)
lax = Gate(build, top, ld, account, ops_dir=lax_ops)
lax.start()
st_, a = call(lax.sock, "POST", "/v1/requests", body={"operation": "UpdateApplication",
              "input": update("payments-locked", {"KeyTypeUpdate": "CUSTOMER_MANAGED_KEY",
                                                  "KeyIdUpdate": keys["cmk2"]["arn"]})})
check("a stack without `permissions` still denies a request whose checks fail",
      st_ == 201 and a["state"] == "denied" and a["record"]["rules"]["result"] == "pass", [st_, a])
lax.stop()

# policies are cached for policy_cache_seconds; key states never are
import boto3
ep = json.load(open(os.path.join(d, "endpoint.json")))
iam = boto3.client("iam", endpoint_url=ep["url"], region_name=ep["region"],
                   aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="admin")
deny = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
                   "Action": "kinesisanalytics:CreateApplicationSnapshot", "Resource": "*"}]})
snap = {"operation": "CreateApplicationSnapshot",
        "input": {"ApplicationName": "ledger-cmk", "SnapshotName": "cache"}}
st0, a0 = call(sock, "POST", "/v1/requests", body=snap)
fresh_dir = os.path.join(d, "nocache")
os.makedirs(fresh_dir)
fresh = Gate(build, top, fresh_dir, account, policy_cache_seconds=0)
fresh.start()
def unauthenticated(fn):
    """One IAM change as the endpoint's administrator: moto's auth waits one call."""
    import urllib.request
    def reset(n):
        urllib.request.urlopen(urllib.request.Request(ep["control"]["reset_auth"] if
            isinstance(ep["control"], dict) else ep["url"] + "/moto-api/reset-auth",
            data=str(n).encode(), headers={"Content-Type": "text/plain"}), timeout=5).read()
    reset(1)
    try:
        fn()
        return None
    except Exception as e:
        return repr(e)
    finally:
        reset(0)
put = unauthenticated(lambda: iam.put_role_policy(RoleName="cmkgate-operator",
                      PolicyName="test-deny-snapshots", PolicyDocument=deny))
st1, a1 = call(sock, "POST", "/v1/requests", body=snap)
st2, a2 = call(fresh.sock, "POST", "/v1/requests", body=snap)
check("a policy changed in AWS is seen at once without the cache, not within the TTL with it",
      put is None and a0.get("state") == "approved" and a1.get("state") == "approved"
      and a2.get("state") == "denied"
      and any("test-deny-snapshots" in x for x in a2["record"]["denied_because"]),
      [put, st0, a0.get("state"), st1, a1.get("state"), st2, a2.get("record", a2)])
if put is None:
    unauthenticated(lambda: iam.delete_role_policy(RoleName="cmkgate-operator",
                                                   PolicyName="test-deny-snapshots"))
fresh.stop()

# offline policies: `cmkgate policy sync` writes a snapshot; a gate with
# policy_directory decides from it (key states still come from AWS)
snapdir = os.path.join(d, "snapshot")
p = subprocess.run([gate.cmkgate, "policy", "sync", "--out", snapdir, "--role", "cmkgate-operator",
                    "--key", "alias/cmkgate-cmk1", "--key", keys["cmk2"]["arn"],
                    "--key", keys["cmk-locked"]["arn"]], stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True)
check("policy sync writes a role and three keys",
      p.returncode == 0 and len(os.listdir(os.path.join(snapdir, "keys"))) == 3
      and os.listdir(os.path.join(snapdir, "roles")) == ["cmkgate-operator.json"], [p.returncode, p.stdout, p.stderr])
off_dir = os.path.join(d, "offline")
os.makedirs(off_dir)
off = Gate(build, top, off_dir, account, policy_directory=snapdir)
off.start()
st_a, a = call(off.sock, "POST", "/v1/requests", body={"operation": "UpdateApplication",
               "input": update("orders-aok", {"KeyTypeUpdate": "CUSTOMER_MANAGED_KEY",
                                              "KeyIdUpdate": "alias/cmkgate-cmk1"})})
st_b, b = call(off.sock, "POST", "/v1/requests", body={"operation": "UpdateApplication",
               "input": update("payments-locked", {"KeyTypeUpdate": "CUSTOMER_MANAGED_KEY",
                                                   "KeyIdUpdate": keys["cmk2"]["arn"]})})
check("a gate with policy_directory decides from the snapshot as it does online",
      st_a == 201 and a["state"] == "pending" and st_b == 201 and b["state"] == "denied"
      and any(keys["cmk-locked"]["arn"] in x for x in b["record"]["denied_because"]), [st_a, a, st_b, b])
st_c, c = call(off.sock, "POST", "/v1/requests", body={"operation": "RollbackApplication",
               "input": {"ApplicationName": "metrics-rollback",
                         "CurrentApplicationVersionId": apps["metrics-rollback"]["version_id"]}})
check("a key missing from the snapshot is undecided, naming the command that adds it",
      st_c == 502 and "cmkgate policy sync" in c["error"]["message"], [st_c, c])
off.stop()

wd = os.path.join(d, "open-dir")
os.makedirs(wd)
os.chmod(wd, 0o777)
wide = Gate(build, top, os.path.join(wd), account)
p = subprocess.run([wide.cmkgated, "--config", wide.conf], stderr=subprocess.PIPE, text=True,
                   timeout=20)
check("a socket directory others can write refuses to start",
      p.returncode == 1 and "writable by nobody else" in p.stderr, [p.returncode, p.stderr])

gate.stop()
lines = open(gate.log).read().splitlines(True)
edited = next(i for i, l in enumerate(lines) if '"decision":"pending"' in l)
lines[edited] = lines[edited].replace('"decision":"pending"', '"decision":"approved"', 1)
open(gate.log, "w").write("".join(lines))
try:
    p = subprocess.run([gate.cmkgated, "--config", gate.conf], stderr=subprocess.PIPE, text=True,
                       timeout=20)
    rc, err = p.returncode, p.stderr
except subprocess.TimeoutExpired:
    rc, err = "started", ""
check("a tampered audit log refuses to start, naming the line",
      rc == 1 and "audit log" in err and "line %d" % (edited + 2) in err, [rc, err])
print("1..%d" % n)
sys.exit(1 if failed else 0)
PY

#!/bin/sh
# Crash consistency: cmkgated is killed with SIGKILL while clients file
# requests, again and again.  After every kill the gate must start again
# (its audit log verifies, its store opens), every request the gate
# acknowledged (HTTP 201) must be in the store in the state it was given,
# every stored request must be named by the audit log with that state, and
# the store's own invariants must hold (integrity check, each request's
# state equal to its last history event, version equal to the number of
# events).  Where the kills land is left to timing: the rounds hit requests
# in flight (stored but not acknowledged shows in the counts), but no round
# is sure to land between the audit append and the store write.  The order
# itself is checked deterministically by gate-daemon.sh (a store that fails
# after the audit entry).
set -u
build=${1:?usage: gate-crash.sh BUILD-ROOT SOURCE-ROOT [ROUNDS]}
top=${2:?}
rounds=${3:-8}
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
PYTHONPATH="$top/tests/integration" python3 - "$build" "$top" "$dir" "$rounds" <<'PY'
import json, os, random, sqlite3, sys, threading, time
from gatelib import Gate, call

build, top, d, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
st = json.load(open(os.path.join(d, "endpoint.json")))["state"]
apps, keys, account = st["applications"], st["keys"], st["account"]
rng = random.Random(1)
n, failed = 0, 0

def check(name, cond, detail=None):
    global n, failed
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, name))
    if not cond:
        failed += 1
        print("  # " + json.dumps(detail, default=str)[:2000])
    sys.stdout.flush()

# a mix: approved (snapshot), pending (key change), denied (locked key)
bodies = [
    {"operation": "CreateApplicationSnapshot",
     "input": {"ApplicationName": "ledger-cmk", "SnapshotName": "s"}},
    {"operation": "UpdateApplication",
     "input": {"ApplicationName": "orders-aok",
               "CurrentApplicationVersionId": apps["orders-aok"]["version_id"],
               "ApplicationConfigurationUpdate": {"ApplicationEncryptionConfigurationUpdate": {
                   "KeyTypeUpdate": "CUSTOMER_MANAGED_KEY", "KeyIdUpdate": "alias/cmkgate-cmk1"}}}},
    {"operation": "UpdateApplication",
     "input": {"ApplicationName": "payments-locked",
               "CurrentApplicationVersionId": apps["payments-locked"]["version_id"],
               "ApplicationConfigurationUpdate": {"ApplicationEncryptionConfigurationUpdate": {
                   "KeyTypeUpdate": "CUSTOMER_MANAGED_KEY", "KeyIdUpdate": keys["cmk2"]["arn"]}}}},
]

gd = os.path.join(d, "gate")
os.makedirs(gd)
gate = Gate(build, top, gd, account)
acked = {}          # id -> state the gate answered with
lock = threading.Lock()

def client(stop):
    i = 0
    while not stop.is_set():
        body = dict(bodies[i % len(bodies)])
        body["reason"] = "CHG-%d crash test" % i
        i += 1
        try:
            status, a = call(gate.sock, "POST", "/v1/requests", body=body, timeout=30)
        except OSError:
            time.sleep(0.02)
            continue
        if status == 201:
            with lock:
                acked[a["id"]] = a["state"]

def consistent(round_no):
    """The checks after a restart; returns a list of problems."""
    problems = []
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(gate.state, "cmkgate.db"), uri=True)
    if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        problems.append("integrity_check failed")
    names = {1: "pending", 2: "approved", 3: "denied", 4: "expired", 5: "issued"}
    stored = {}
    for rid, state, version in db.execute("SELECT id, state, version FROM requests"):
        stored[rid] = names[state]
        ev = db.execute("SELECT to_state FROM events WHERE request_id = ? ORDER BY seq",
                        (rid,)).fetchall()
        if not ev or ev[-1][0] != state or len(ev) != version:
            problems.append("request %s: state %d, version %d, events %r" % (rid, state, version, ev))
    db.close()
    with lock:
        for rid, state in acked.items():
            if stored.get(rid) != state:
                problems.append("acknowledged %s (%s) is %s in the store" % (rid, state, stored.get(rid)))
    logged = {}
    for e in gate.audit_entries():
        if e["event"] == "request":
            logged[e["request_id"]] = e["decision"]
    for rid, state in stored.items():
        if logged.get(rid) != state:
            problems.append("stored %s (%s) is %s in the audit log" % (rid, state, logged.get(rid)))
    return problems, len(stored), len(logged)

try:
    gate.start()
except RuntimeError as e:
    print("Bail out! " + str(e))
    sys.exit(1)
kills = 0
for r in range(rounds):
    stop = threading.Event()
    threads = [threading.Thread(target=client, args=(stop,)) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.3 + rng.random() * 0.9)
    gate.kill9()
    kills += 1
    stop.set()
    for t in threads:
        t.join()
    try:
        gate.start()
        started = True
    except RuntimeError as e:
        started = False
        check("round %d: the gate starts again after SIGKILL" % r, False, str(e))
        break
    rc, rep, err = gate.verify_audit()
    problems, nstored, nlogged = consistent(r)
    check("round %d: restarted, audit log intact, %d stored requests consistent with %d "
          "acknowledged and the log" % (r, nstored, len(acked)),
          started and rc in (0,) and not problems,
          {"verify": [rc, rep, err], "problems": problems[:10], "stderr": gate.stderr()[-800:]})
check("the rounds filed requests at all (the test could fail)", len(acked) > 0, len(acked))
gate.stop()
rc, rep, err = gate.verify_audit()
check("after a clean stop the audit log verifies", rc == 0, [rc, rep, err])
print("1..%d" % n)
sys.exit(1 if failed else 0)
PY

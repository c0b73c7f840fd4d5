#!/usr/bin/env bash
# Reproduces the gate-daemon figures in docs/PERFORMANCE.md:
#   1. bench-decide: the in-process decision of one filing (UpdateApplication
#      CMK#1 -> CMK#2, policies cached), pinned to one core;
#   2. bench-filing: the durable part of a filing (audit append + fsync,
#      SQLite commit) with 1, 2, 4, 8 threads sharing the write lock, with
#      and without the decision before the lock;
#   3. end to end: cmkgated against the local AWS endpoint (moto), filing
#      CreateApplicationSnapshot from 1, 2, 4 concurrent clients.  Every
#      filing makes its AWS round trips to moto, so this figure measures
#      moto and the gate's serialized AWS lookups, not the gate's own work.
# usage: tests/bench/run-gate-bench.sh [BUILD-DIR]   (default: build)
# Environment: ITERATIONS (bench-decide, default 100000), SECONDS_PER_RUN
# (bench-filing, default 3), E2E_SECONDS (default 5).
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
iterations=${ITERATIONS:-100000}
seconds=${SECONDS_PER_RUN:-3}
e2e_seconds=${E2E_SECONDS:-5}
tmp=$(mktemp -d)
cleanup() {
	python3 "$top/tests/aws/endpoint.py" stop --dir "$tmp/aws" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
pin() { if command -v taskset >/dev/null; then taskset -c 0 "$@"; else "$@"; fi; }

echo "# bench-decide: one filing's in-process decision, one core"
pin "$build/tests/bench/bench-decide" --ops-dir "$top/contrib/ops.d" --iterations "$iterations"

echo "# bench-filing: durable writes under the gate's write lock (files in $tmp)"
"$build/tests/bench/bench-filing" --ops-dir "$top/contrib/ops.d" --seconds "$seconds" \
	--threads 1,2,4,8 --dir "$tmp"

echo "# end to end: cmkgated + local AWS endpoint (moto), CreateApplicationSnapshot"
mkdir -p "$tmp/aws"
python3 "$top/tests/aws/endpoint.py" start --dir "$tmp/aws" \
	--fixture "$top/tests/aws/fixtures/scenarios.json" --auth >&2
# shellcheck disable=SC1091
. "$tmp/aws/endpoint.env"
PYTHONPATH="$top/tests/integration" python3 - "$build" "$top" "$tmp" "$e2e_seconds" <<'PY'
import json, os, sys, threading, time
from gatelib import Gate, call

build, top, d, secs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
st = json.load(open(os.path.join(d, "aws", "endpoint.json")))["state"]
app = "ledger-cmk"    # on CMK#1: the plan involves a key, the answer is "approved"
os.makedirs(os.path.join(d, "gate"))
gate = Gate(build, top, os.path.join(d, "gate"), st["account"])
gate.start()


def file_one(name):
    return call(gate.sock, "POST", "/v1/requests", {
        "operation": "CreateApplicationSnapshot",
        "input": {"ApplicationName": app, "SnapshotName": name},
        "reason": "bench"})


def metrics():
    status, text = call(gate.sock, "GET", "/metrics")
    out = {}
    for line in text.splitlines():
        if line.startswith("cmkgate_decision_seconds_"):
            k, v = line.split()
            out[k] = float(v)
    return out


failed = []
try:
    status, a = file_one("bench-warmup")   # fills the policy cache
    if status != 201 or a.get("state") != "approved":
        raise RuntimeError("the warm-up filing was not approved: %d %s" % (status, a))
    for clients in (1, 2, 4):
        lat = []
        lock = threading.Lock()
        m0 = metrics()
        deadline = time.monotonic() + secs

        def client(i):
            n = 0
            while time.monotonic() < deadline and not failed:
                t0 = time.monotonic()
                status, a = file_one("bench-%d-%d-%d" % (clients, i, n))
                t1 = time.monotonic()
                if status != 201 or a.get("state") != "approved":
                    failed.append((status, a))
                    return
                with lock:
                    lat.append(t1 - t0)
                n += 1

        t0 = time.monotonic()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        if failed:
            raise RuntimeError("a filing failed: %s" % (failed[0],))
        m1 = metrics()
        lat.sort()
        n = len(lat)
        dn = m1["cmkgate_decision_seconds_count"] - m0["cmkgate_decision_seconds_count"]
        ds = m1["cmkgate_decision_seconds_sum"] - m0["cmkgate_decision_seconds_sum"]
        print(json.dumps({
            "e2e": "CreateApplicationSnapshot via cmkgated + moto", "clients": clients,
            "filings": n, "seconds": round(elapsed, 3),
            "filings_per_second": round(n / elapsed, 1),
            "latency_p50_ms": round(lat[n // 2] * 1e3, 2),
            "latency_p99_ms": round(lat[min(n - 1, int(n * 0.99))] * 1e3, 2),
            "daemon_decide_evaluate_mean_us": round(ds / dn * 1e6, 1) if dn else None}))
        sys.stdout.flush()
finally:
    rc = gate.stop()
vrc, rep, err = gate.verify_audit()
print(json.dumps({"e2e_check": "audit verify", "rc": vrc,
                  "entries": rep.get("entries") if rep else None, "gate_exit": rc}))
sys.exit(0 if vrc == 0 and rc == 0 else 1)
PY

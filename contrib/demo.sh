#!/usr/bin/env bash
# The README demo: what cmkgate does today, end to end on embedded defaults,
# for real from the build directory given as $1.  It grows with each
# feature into the full request -> approvals -> credentials -> AWS call flow.
#
# Today: a local AWS endpoint (moto + cmkgate's Managed Flink extension,
# tests/aws/) on 127.0.0.1 is loaded with tests/aws/fixtures/scenarios.json;
# the gate daemon cmkgated starts on a unix socket in a temporary directory
# with the shipped rule stacks (contrib/ops.d), a fresh audit key, and you
# (your uid) as the operator "alice".  Three requests are filed with
# `cmkgate request`:
#   - switching "payments-locked" from its CMK to CMK#2: denied up front --
#     the current key's policy does not let the operator use it, so the call
#     would fail half-way;
#   - enabling CMK#1 on "orders-aok": allowed by policy, a key change, so it
#     waits for two approvals (approvals are the next feature);
#   - a snapshot of "ledger-cmk": no key changes, approved on the checks.
# Then `cmkgate list`, and `cmkgate audit verify` over the gate's audit log.
# Nothing leaves the machine.
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "$build" && pwd)
cmkgate=$build/gate/cmkgate
cmkgated=$build/gate/cmkgated
dir=$(mktemp -d)
gate_pid=
cleanup() {
	if [ -n "$gate_pid" ]; then kill "$gate_pid" 2>/dev/null || true; wait "$gate_pid" 2>/dev/null || true; fi
	python3 "$top/tests/aws/endpoint.py" stop --dir "$dir" >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

echo "\$ cmkgate --version"
"$cmkgate" --version
echo
echo "Starting the local AWS endpoint with the demo scenarios ..."
python3 "$top/tests/aws/endpoint.py" start --dir "$dir" \
	--fixture "$top/tests/aws/fixtures/scenarios.json" --auth >/dev/null
# shellcheck disable=SC1091
. "$dir/endpoint.env"
state() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["state"]; print(eval(sys.argv[2], {}, {"s": s}))' "$dir/endpoint.json" "$1"; }
account=$(state 's["account"]')

echo "Starting cmkgated: socket $dir/gate.sock, operator alice = uid $(id -u) ..."
mkdir -m 0700 "$dir/state"
"$cmkgate" audit keygen --out "$dir/audit.key" >/dev/null
cat > "$dir/cmkgated.conf" <<JSON
{
  "socket": {"path": "$dir/gate.sock"},
  "state_directory": "$dir/state",
  "ops_directory": "$top/contrib/ops.d",
  "audit": {"log": "$dir/state/audit.log", "key": "$dir/audit.key"},
  "operators": [{"uid": $(id -u), "name": "alice",
                 "principal": "arn:aws:sts::$account:assumed-role/cmkgate-operator/op-alice"}]
}
JSON
chmod 0600 "$dir/cmkgated.conf"
"$cmkgated" --config "$dir/cmkgated.conf" 2>"$dir/cmkgated.log" &
gate_pid=$!
for _ in $(seq 100); do
	[ -S "$dir/gate.sock" ] && break
	kill -0 "$gate_pid" 2>/dev/null || { cat "$dir/cmkgated.log" >&2; exit 1; }
	sleep 0.1
done
export CMKGATE_SOCKET=$dir/gate.sock

cat > "$dir/switch.json" <<JSON
{"ApplicationName": "payments-locked", "CurrentApplicationVersionId": $(state 's["applications"]["payments-locked"]["version_id"]'),
 "ApplicationConfigurationUpdate": {"ApplicationEncryptionConfigurationUpdate":
   {"KeyTypeUpdate": "CUSTOMER_MANAGED_KEY", "KeyIdUpdate": "$(state 's["keys"]["cmk2"]["arn"]')"}}}
JSON
cat > "$dir/enable.json" <<JSON
{"ApplicationName": "orders-aok", "CurrentApplicationVersionId": $(state 's["applications"]["orders-aok"]["version_id"]'),
 "ApplicationConfigurationUpdate": {"ApplicationEncryptionConfigurationUpdate":
   {"KeyTypeUpdate": "CUSTOMER_MANAGED_KEY", "KeyIdUpdate": "alias/cmkgate-cmk1"}}}
JSON
echo '{"ApplicationName": "ledger-cmk", "SnapshotName": "before-rotation"}' > "$dir/snapshot.json"

echo
echo "\$ cmkgate request --operation UpdateApplication --input switch.json --reason 'CHG-101 move payments to CMK#2'"
rc=0
"$cmkgate" request --operation UpdateApplication --input "$dir/switch.json" \
	--reason "CHG-101 move payments to CMK#2" || rc=$?
echo "(exit status $rc: filed and denied)"
[ "$rc" -eq 1 ] || { echo "demo: expected the switch to be denied (exit 1), got $rc" >&2; exit 1; }

echo
echo "\$ cmkgate request --operation UpdateApplication --input enable.json --reason 'CHG-102 orders to CMK#1'"
"$cmkgate" request --operation UpdateApplication --input "$dir/enable.json" \
	--reason "CHG-102 orders to CMK#1"
echo "(exit status 0: filed; it waits for two approvals -- the next feature)"

echo
echo "\$ cmkgate request --operation CreateApplicationSnapshot --input snapshot.json --reason 'CHG-103'"
"$cmkgate" request --operation CreateApplicationSnapshot --input "$dir/snapshot.json" --reason "CHG-103"

echo
echo "\$ cmkgate list"
"$cmkgate" list

kill "$gate_pid"
wait "$gate_pid" || true
gate_pid=
echo
echo "\$ cmkgate audit verify --log audit.log --key audit.key.pub"
"$cmkgate" audit verify --log "$dir/state/audit.log" --key "$dir/audit.key.pub"

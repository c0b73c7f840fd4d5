#!/usr/bin/env bash
# The demo behind the README's first command: what cmkgate does today, run
# for real from the build directory given as $1.  It grows with each
# feature into the full request -> approvals -> credentials -> AWS call flow.
#
# Today: an operator wants to switch the Managed Flink application
# "payments-locked" from its current CMK to CMK#2.  cmkgate plan finds both
# keys, reads the operator role's policies and each key's policy, and
# refuses before anything half-happens: the current key's policy does not
# let the operator use it.  The same operator may enable CMK#1 on
# "orders-aok" -- a key change, so it will need two approvals.  All of it
# runs against the local AWS endpoint (moto + cmkgate's Managed Flink
# extension, tests/aws/) on 127.0.0.1, loaded with
# tests/aws/fixtures/scenarios.json; nothing leaves the machine.
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cmkgate=$build/gate/cmkgate
dir=$(mktemp -d)
cleanup() { python3 "$top/tests/aws/endpoint.py" stop --dir "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT INT TERM

echo "\$ cmkgate --version"
"$cmkgate" --version
echo
echo "Starting the local AWS endpoint with the demo scenarios ..."
python3 "$top/tests/aws/endpoint.py" start --dir "$dir" \
	--fixture "$top/tests/aws/fixtures/scenarios.json" --auth >/dev/null
# shellcheck disable=SC1091
. "$dir/endpoint.env"
account=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["account"])' "$dir/endpoint.json")
principal="arn:aws:sts::$account:assumed-role/cmkgate-operator/op-alice"
version() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["state"]["applications"][sys.argv[2]]["version_id"])' "$dir/endpoint.json" "$1"; }
key_arn() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["state"]["keys"][sys.argv[2]]["arn"])' "$dir/endpoint.json" "$1"; }

cat > "$dir/switch.json" <<JSON
{"ApplicationName": "payments-locked", "CurrentApplicationVersionId": $(version payments-locked),
 "ApplicationConfigurationUpdate": {"ApplicationEncryptionConfigurationUpdate":
   {"KeyTypeUpdate": "CUSTOMER_MANAGED_KEY", "KeyIdUpdate": "$(key_arn cmk2)"}}}
JSON
cat > "$dir/enable.json" <<JSON
{"ApplicationName": "orders-aok", "CurrentApplicationVersionId": $(version orders-aok),
 "ApplicationConfigurationUpdate": {"ApplicationEncryptionConfigurationUpdate":
   {"KeyTypeUpdate": "CUSTOMER_MANAGED_KEY", "KeyIdUpdate": "alias/cmkgate-cmk1"}}}
JSON

echo
echo "\$ cmkgate plan --operation UpdateApplication --input switch.json --principal $principal"
rc=0
"$cmkgate" plan --operation UpdateApplication --input "$dir/switch.json" --principal "$principal" || rc=$?
echo "(exit status $rc: refused)"
[ "$rc" -eq 1 ] || { echo "demo: expected the switch to be refused (exit 1), got $rc" >&2; exit 1; }

echo
echo "\$ cmkgate plan --operation UpdateApplication --input enable.json --principal $principal"
"$cmkgate" plan --operation UpdateApplication --input "$dir/enable.json" --principal "$principal"
echo "(exit status 0: the permissions are there; approvals come next)"

echo
echo "\$ cmkgate policy eval --batch contrib/demo/cmk-switch-queries.jsonl   # the engine on its own"
rc=0
"$cmkgate" policy eval --batch "$top/contrib/demo/cmk-switch-queries.jsonl" > "$dir/answers.jsonl" || rc=$?
python3 - "$dir/answers.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    if "error" in a:
        print(f"  {a['id']:<42} error: {a['error'][:110]}")
    else:
        print(f"  {a['id']:<42} {a['decision']}")
PY
[ "$rc" -eq 1 ] || { echo "demo: expected policy eval to report the malformed query (exit 1), got $rc" >&2; exit 1; }

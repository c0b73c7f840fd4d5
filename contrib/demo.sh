#!/usr/bin/env bash
# The demo behind the README's first command: what cmkgate does today, run
# for real from the build directory given as $1.  It grows with each
# feature into the full request -> approvals -> credentials -> AWS call flow.
#
# Today: the policy engine checks what an operator needs to switch the
# application "payments" from CMK#1 to CMK#2 (contrib/demo/cmk-switch-queries.jsonl):
# the operator may use CMK#2, but CMK#1's key policy does not delegate to
# IAM, so the switch would fail half-way -- the gate will refuse it up front.
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
queries=$top/contrib/demo/cmk-switch-queries.jsonl

echo "\$ cmkgate --version"
"$build/gate/cmkgate" --version
echo
echo "\$ cmkgate policy eval --batch contrib/demo/cmk-switch-queries.jsonl"
rc=0
"$build/gate/cmkgate" policy eval --batch "$queries" > "$build/demo-answers.jsonl" || rc=$?
python3 - "$build/demo-answers.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    if "error" in a:
        print(f"  {a['id']:<42} error: {a['error']}")
        continue
    first = a["explanation"][0] if a["explanation"] else {}
    why = first.get("reason") or ", ".join(
        f"{s['policy']}#{s['statement']}" + (f" ({s['sid']})" if 'sid' in s else "")
        for s in a["explanation"])
    print(f"  {a['id']:<42} {a['decision']:<13} {why}")
PY
echo
echo "exit status $rc: 1 because query 5 could not be evaluated (its policy is malformed);"
echo "the full answers are in $build/demo-answers.jsonl"
[ "$rc" -eq 1 ] || { echo "demo: expected exit status 1, got $rc" >&2; exit 1; }

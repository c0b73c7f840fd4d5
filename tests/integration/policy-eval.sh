#!/bin/sh
# cmkgate policy eval as a user runs it: files and stdin, batch order, error
# lines that do not stop a batch, and the exit statuses the man page promises.
set -u
exe=${1:?usage: policy-eval.sh CMKGATE}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fail=1; }

allow='{"id":"a","principal":"arn:aws:iam::111111111111:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","resource_account":"111111111111","identity_policies":[{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}]}'
deny='{"id":"d","principal":"arn:aws:iam::111111111111:user/alice","action":"s3:PutObject","resource":"arn:aws:s3:::b/k","resource_account":"111111111111","identity_policies":[{"Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}]}'
broken='{"id":"e","principal":"arn:aws:iam::111111111111:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","resource_account":"111111111111","identity_policies":[{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"k":"ten"}}}}]}'

printf '%s\n' "$allow" > "$tmp/one.json"
out=$("$exe" policy eval --query "$tmp/one.json"); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q '"decision":"Allow"' \
	&& ok "--query FILE allows" || bad "--query FILE: rc=$rc out=$out"

# a pretty-printed query over several lines
printf '{\n  "id": 1,\n  "principal": "arn:aws:iam::111111111111:user/alice",\n  "action": "s3:GetObject",\n  "resource": "*",\n  "identity_policies": []\n}\n' > "$tmp/pretty.json"
out=$("$exe" policy eval --query - < "$tmp/pretty.json"); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q '"decision":"ImplicitDeny"' \
	&& ok "--query - reads a multi-line object" || bad "--query -: rc=$rc out=$out"

printf '%s\n\n%s\n%s\n%s' "$allow" "$broken" "$deny" "$allow" > "$tmp/batch.jsonl"
"$exe" policy eval --batch "$tmp/batch.jsonl" > "$tmp/out.jsonl"; rc=$?
[ $rc -eq 1 ] && ok "a batch with an error line exits 1" || bad "batch exit $rc"
[ "$(wc -l < "$tmp/out.jsonl")" -eq 4 ] && ok "one answer per query, blank line skipped" \
	|| bad "answers: $(cat "$tmp/out.jsonl")"
ids=$(sed 's/^{"id":"\(.\)".*/\1/' "$tmp/out.jsonl" | tr -d '\n')
[ "$ids" = "aeda" ] && ok "answers keep input order (no final newline needed)" || bad "order $ids"
sed -n 2p "$tmp/out.jsonl" | grep -q '"error":"identity_policies\[0\]: Statement\[0\]: Condition: k: NumericLessThan value \\"ten\\" is not a number"' \
	&& ok "error names policy, statement, key and value" || bad "error line: $(sed -n 2p "$tmp/out.jsonl")"
sed -n 2p "$tmp/out.jsonl" | grep -q '"decision"' && bad "error line carries a decision" \
	|| ok "error line carries no decision"

printf '%s\n%s\n' "$allow" "$deny" | "$exe" policy eval --batch - > /dev/null; rc=$?
[ $rc -eq 0 ] && ok "a clean batch exits 0" || bad "clean batch exit $rc"

"$exe" policy eval --batch "$tmp/missing.jsonl" 2> "$tmp/err" >/dev/null; rc=$?
[ $rc -eq 1 ] && grep -q "cannot open $tmp/missing.jsonl" "$tmp/err" \
	&& ok "missing file is named" || bad "missing file rc=$rc: $(cat "$tmp/err")"
for args in "policy" "policy eval" "policy eval --query" "policy eval --nope x" "policy frob --query x"; do
	# shellcheck disable=SC2086
	"$exe" $args >/dev/null 2>&1; rc=$?
	[ $rc -eq 2 ] && ok "usage error: $args" || bad "usage '$args' exited $rc"
done
"$exe" policy --help | grep -q "cmkgate policy eval --query FILE" && ok "policy --help" || bad "policy --help"
exit $fail

#!/bin/sh
# cmkgate audit keygen / verify as an auditor runs them: a log written by
# the real writer (audit-write), each kind of tampering named with its line,
# the exit statuses and the --json report the man page promises, and an
# independent check of the format (python3 hashlib for the chain, openssl
# for the Ed25519 signatures) against what docs/audit.md says.
set -u
exe=$(readlink -f "${1:?usage: audit-verify.sh CMKGATE AUDIT-WRITE}")
writer=$(readlink -f "${2:?}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fail=1; }
cd "$tmp" || exit 1

# verify LOG [KEY]: runs verify, leaves its exit status in $rc and output in out/err
verify() {
	"$exe" audit verify --log "$1" --key "${2:-k.pub}" > out 2> err
	rc=$?
}
json_field() {	# json_field FIELD: prints one field of the JSON report in out
	python3 -c 'import json, sys
v = json.load(open("out"))
for k in sys.argv[1].split("."):
    v = v[k]
print(v)' "$1"
}

# --- keygen
out=$("$exe" audit keygen --out k); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q '^key id: [0-9a-f]\{32\}$' \
	&& ok "keygen writes a key pair and names its key id" || bad "keygen: rc=$rc $out"
[ "$(stat -c %a k)" = 600 ] && [ "$(stat -c %s k)" = 64 ] && [ "$(stat -c %a k.pub)" = 644 ] \
	&& ok "secret key is 64 bytes, mode 0600; public key 0644" || bad "modes $(stat -c '%a %s' k k.pub)"
grep -qx 'cmkgate-audit-ed25519 [0-9a-f]\{64\}' k.pub && ok "public key file format" \
	|| bad "k.pub: $(cat k.pub)"
cp k k.orig; cp k.pub k.pub.orig
"$exe" audit keygen --out k > /dev/null 2> err; rc=$?
[ $rc -eq 1 ] && grep -q 'exists already; refusing to overwrite' err && cmp -s k k.orig \
	&& cmp -s k.pub k.pub.orig && ok "keygen refuses to overwrite" || bad "overwrite: rc=$rc $(cat err)"
touch lone.pub
"$exe" audit keygen --out lone > /dev/null 2>&1; rc=$?
[ $rc -eq 1 ] && [ ! -e lone ] && ok "keygen leaves no half pair when FILE.pub exists" \
	|| bad "half pair: rc=$rc"
"$exe" audit keygen --out k2 > /dev/null && ok "a second key pair" || bad "second keygen"

# --- an intact log
"$writer" log k 10 4 || bad "audit-write"
[ "$(wc -l < log)" -eq 12 ] && ok "10 entries and 2 checkpoints written" || bad "lines: $(wc -l < log)"
[ "$(stat -c %a log)" = 640 ] && ok "new log is mode 0640" || bad "log mode $(stat -c %a log)"
verify log
[ $rc -eq 0 ] && grep -q '^log: intact: 12 entries (last seq 12), 2 checkpoints$' out \
	&& grep -q '^last checkpoint: seq 10; 2 entries after it not signed yet$' out \
	&& ok "intact log exits 0 and says so" || bad "intact: rc=$rc $(cat out err)"
"$exe" audit verify --key k.pub --json --log log > out; rc=$?
if [ $rc -eq 0 ] && [ "$(json_field status)" = intact ] && [ "$(json_field entries)" = 12 ] \
	&& [ "$(json_field last_checkpoint_seq)" = 10 ] && [ "$(json_field unsigned_tail)" = 2 ] \
	&& [ "$(json_field problem)" = None ] && [ "$(wc -l < out)" -eq 1 ]; then
	ok "--json: one object, intact, counts"
else
	bad "--json: rc=$rc $(cat out)"
fi
head=$(json_field head)

# --- the format, checked without cmkgate's code
cat > check.py <<'EOF'
import base64, hashlib, json, os, subprocess, sys
log, pubfile = sys.argv[1], sys.argv[2]
word, pub_hex = open(pubfile).read().split()
assert word == "cmkgate-audit-ed25519"
pub = bytes.fromhex(pub_hex)
key_id = hashlib.blake2b(pub, digest_size=16).hexdigest()
with open("pub.pem", "w") as f:
    spki = bytes.fromhex("302a300506032b6570032100") + pub
    f.write("-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % base64.b64encode(spki).decode())
order = ["seq", "time", "event", "who", "what", "source", "request_id", "decision", "keys", "checkpoint", "prev"]
prev = "0" * 64
data = open(log, "rb").read()
assert data.endswith(b"\n")
for n, raw in enumerate(data.split(b"\n")[:-1], 1):
    e = json.loads(raw)
    assert e["seq"] == n and e["prev"] == prev, "line %d: chain" % n
    canon = "{" + ",".join(json.dumps(k) + ":" + json.dumps(e[k], sort_keys=True, separators=(",", ":"), ensure_ascii=False) for k in order if k in e) + "}"
    assert canon.encode() == raw, "line %d: not canonical" % n
    if e["event"] == "checkpoint":
        cp = e["checkpoint"]
        assert cp["seq"] == n - 1 and cp["hash"] == prev and cp["key_id"] == key_id, "line %d: head" % n
        with open("msg", "wb") as f:
            f.write(b"cmkgate-audit-checkpoint-v1\0" + (n - 1).to_bytes(8, "big") + bytes.fromhex(prev))
        with open("sig", "wb") as f:
            f.write(bytes.fromhex(cp["sig"]))
        subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin",
                        "-in", "msg", "-sigfile", "sig"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    prev = hashlib.blake2b(raw + b"\n", digest_size=32).hexdigest()
print(prev)
EOF
if command -v openssl > /dev/null 2>&1; then
	ihead=$(python3 check.py log k.pub); rc=$?
	[ $rc -eq 0 ] && [ "$ihead" = "$head" ] \
		&& ok "independent check (hashlib, openssl) agrees, same head" || bad "independent: rc=$rc $ihead"
	sed -e '5s/"sig":"f/"sig":"e/;t' -e '5s/"sig":"./"sig":"f/' log > forged.log
	python3 check.py forged.log k.pub > /dev/null 2>&1 && bad "independent check took a forged signature" \
		|| ok "independent check refuses a forged signature too"
else
	echo "ok - # SKIP independent check: no openssl"
fi

# --- tampering, each kind on its own copy
sed '3s/alice/mallo/' log > edited.log
verify edited.log
[ $rc -eq 1 ] && grep -q '^edited.log: TAMPERED: line 3: edited: ' out \
	&& ok "edited line 3 is named" || bad "edited: rc=$rc $(cat out)"
sed '3d' log > deleted.log
verify deleted.log
[ $rc -eq 1 ] && grep -q '^deleted.log: TAMPERED: line 3: deleted: .*entry 3 was removed' out \
	&& ok "deleted line is named" || bad "deleted: rc=$rc $(cat out)"
awk 'NR==2 { hold = $0; next } { print } NR==3 { print hold }' log > swapped.log
verify swapped.log
[ $rc -eq 1 ] && grep -q '^swapped.log: TAMPERED: line 2: reordered: ' out \
	&& ok "swapped lines are named" || bad "reordered: rc=$rc $(cat out)"
head -c -1 log > cut.log
verify cut.log
[ $rc -eq 1 ] && grep -q '^cut.log: TAMPERED: line 12: truncated: ' out \
	&& ok "a final line without newline is named" || bad "truncated: rc=$rc $(cat out)"
sed -e '5s/"sig":"f/"sig":"e/;t' -e '5s/"sig":"./"sig":"f/' log > forged.log
verify forged.log
[ $rc -eq 1 ] && grep -q '^forged.log: TAMPERED: line 5: forged: ' out \
	&& ok "a forged checkpoint is named" || bad "forged: rc=$rc $(cat out)"
verify log k2.pub
[ $rc -eq 1 ] && grep -q '^log: TAMPERED: line 5: other-key: ' out \
	&& ok "checkpoints by another key are refused" || bad "other key: rc=$rc $(cat out)"
"$exe" audit verify --log edited.log --key k.pub --json > out; rc=$?
[ $rc -eq 1 ] && [ "$(json_field status)" = tampered ] && [ "$(json_field problem.kind)" = edited ] \
	&& [ "$(json_field problem.line)" = 3 ] && [ "$(json_field entries)" = 3 ] \
	&& ok "--json names kind and line of a tampered log" || bad "--json tampered: rc=$rc $(cat out)"
{ cat log; head -c 70000 /dev/zero | tr '\0' x; echo; } > long.log
verify long.log
[ $rc -eq 1 ] && grep -q 'line 13: too-long' out && ok "a line over 64 KiB is refused" \
	|| bad "too long: rc=$rc $(cat out)"

# the writer will not continue a broken log
cp edited.log append.log
"$writer" append.log k 1 4 2> err; rc=$?
[ $rc -eq 1 ] && grep -q 'line 3' err && cmp -s append.log edited.log \
	&& ok "the writer refuses to append to a tampered log, naming the line" || bad "append: rc=$rc $(cat err)"
# ... and goes on from an intact one
cp log more.log
"$writer" more.log k 1 4 checkpoint && verify more.log && [ $rc -eq 0 ] \
	&& grep -q "intact: 14 entries" out && grep -q '0 entries after it' out \
	&& ok "reopened log continues the chain; explicit checkpoint" || bad "continue: $(cat out err)"

# what a chain cannot see: whole lines cut off the end; the recorded head can
head -n 10 log > rolled.log
verify rolled.log
[ $rc -eq 0 ] && ! grep -q "$head" out && ok "tail cut back to a checkpoint verifies, with another head" \
	|| bad "rollback: rc=$rc $(cat out)"

# --- errors and usage
verify missing.log
[ $rc -eq 1 ] && grep -q 'cannot check missing.log' err && ok "missing log exits 1, named" \
	|| bad "missing: rc=$rc $(cat err)"
"$exe" audit verify --log missing.log --key k.pub --json > out 2>/dev/null; rc=$?
[ $rc -eq 1 ] && [ "$(json_field status)" = error ] && ok "--json reports an error status" \
	|| bad "json error: rc=$rc $(cat out)"
verify log k
[ $rc -eq 1 ] && grep -q 'not a cmkgate audit public key' err && ok "a secret key is not a public key" \
	|| bad "bad pubkey: rc=$rc $(cat err)"
for args in "audit" "audit frob" "audit verify" "audit verify --log log" "audit verify --key k.pub" \
	"audit verify --log log --key" "audit verify --log log --log log --key k.pub" \
	"audit verify --log log --key k.pub --json --json" "audit verify --log log --key k.pub x" \
	"audit keygen" "audit keygen --out" "audit keygen --out a --out b"; do
	# shellcheck disable=SC2086
	"$exe" $args > /dev/null 2>&1; rc=$?
	[ $rc -eq 2 ] && ok "usage error: $args" || bad "usage '$args' exited $rc"
done
"$exe" audit --help | grep -q 'cmkgate audit verify --log FILE --key PUBKEYFILE' \
	&& ok "audit --help" || bad "audit --help"
"$exe" --help | grep -q '^  audit ' && ok "audit is listed in cmkgate --help" || bad "cmkgate --help"
exit $fail

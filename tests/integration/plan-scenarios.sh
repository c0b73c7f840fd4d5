#!/bin/sh
# cmkgate plan against the local AWS endpoint, one seed scenario each
# (tests/aws/fixtures/scenarios.json): enabling a CMK, CMK#1 -> CMK#2 without
# rights on CMK#1, CMK -> AWS owned key, restore of a snapshot under a
# disabled key, rollback across keys, and a CMK on FLINK-1_18.
set -u
exe=${1:?usage: plan-scenarios.sh CMKGATE SOURCE-ROOT}
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
python3 - "$exe" "$dir" <<'PY'
import json, os, subprocess, sys
exe, d = sys.argv[1], sys.argv[2]
st = json.load(open(os.path.join(d, "endpoint.json")))["state"]
apps, keys = st["applications"], st["keys"]
principal = "arn:aws:sts::%s:assumed-role/cmkgate-operator/op-alice" % st["account"]
n, failed = 0, 0

def plan(op, body):
    path = os.path.join(d, "input.json")
    with open(path, "w") as f:
        json.dump(body, f)
    p = subprocess.run([exe, "plan", "--operation", op, "--input", path, "--principal", principal,
                        "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rec = json.loads(p.stdout) if p.stdout.strip() else None
    return p.returncode, rec, p.stderr

def check(name, cond, detail):
    global n, failed
    n += 1
    if cond:
        print("ok %d - %s" % (n, name))
    else:
        failed += 1
        print("not ok %d - %s" % (n, name))
        print("  # " + json.dumps(detail)[:1500])

def update(app, enc):
    return {"ApplicationName": app, "CurrentApplicationVersionId": apps[app]["version_id"],
            "ApplicationConfigurationUpdate": {"ApplicationEncryptionConfigurationUpdate": enc}}

def key_arns(rec):
    return sorted(k["arn"] for k in rec["keys"])

# (a) enable CMK#1 (by alias) on a running application on the AWS owned key
rc, rec, err = plan("UpdateApplication", update("orders-aok", {
    "KeyTypeUpdate": "CUSTOMER_MANAGED_KEY", "KeyIdUpdate": "alias/cmkgate-cmk1"}))
check("(a) enabling CMK#1 is allowed by policy and needs approval",
      rc == 0 and rec["decision"] == "needs-approval" and rec["key_change_kind"] == "enable CMK"
      and key_arns(rec) == [keys["cmk1"]["arn"]], [rc, rec, err])

# (b) CMK#1 -> CMK#2 where CMK#1's key policy names only the key administrator
rc, rec, err = plan("UpdateApplication", update("payments-locked", {
    "KeyTypeUpdate": "CUSTOMER_MANAGED_KEY", "KeyIdUpdate": keys["cmk2"]["arn"]}))
denied = [c for c in (rec or {}).get("checks", []) if c["result"] != "Allow"]
check("(b) switching away from a key the operator has no rights on is refused",
      rc == 1 and rec["decision"] == "refused" and rec["key_change_kind"] == "switch CMK"
      and denied and all(c["resource"] == keys["cmk-locked"]["arn"] and c["stage"] == "key-policy"
                         for c in denied)
      and "the current key" in denied[0]["reason"], [rc, rec, err])

# (c) CMK#1 -> the AWS owned key
rc, rec, err = plan("UpdateApplication", update("ledger-cmk", {"KeyTypeUpdate": "AWS_OWNED_KEY"}))
check("(c) going back to the AWS owned key needs rights on CMK#1 and approval",
      rc == 0 and rec["decision"] == "needs-approval"
      and rec["key_change_kind"].startswith("disable CMK")
      and key_arns(rec) == [keys["cmk1"]["arn"]], [rc, rec, err])

# (d) restore a snapshot encrypted with a key that is now disabled
rc, rec, err = plan("StartApplication", {"ApplicationName": "audit-retired", "RunConfiguration": {
    "ApplicationRestoreConfiguration": {"ApplicationRestoreType": "RESTORE_FROM_CUSTOM_SNAPSHOT",
                                        "SnapshotName": "audit-under-retired"}}})
check("(d) restoring a snapshot under a disabled key is refused with the fix",
      rc == 1 and any("is disabled: re-enable it" in r and keys["cmk-retired"]["arn"] in r
                      for r in rec["refusals"]), [rc, rec, err])
rc, rec, err = plan("StartApplication", {"ApplicationName": "audit-retired", "RunConfiguration": {
    "ApplicationRestoreConfiguration": {"ApplicationRestoreType": "SKIP_RESTORE_FROM_SNAPSHOT"}}})
check("(d) starting without the restore is not refused for the disabled key",
      rec is not None and not any("disabled" in r for r in rec["refusals"]), [rc, rec, err])

# (e) roll back to a version that used another key
rc, rec, err = plan("RollbackApplication", {"ApplicationName": "metrics-rollback",
                                            "CurrentApplicationVersionId": apps["metrics-rollback"]["version_id"]})
check("(e) a rollback across keys involves both keys and needs approval",
      rc == 0 and rec["key_change_kind"] == "rollback across keys"
      and keys["cmk2"]["arn"] in key_arns(rec) and keys["cmk-old"]["arn"] in key_arns(rec),
      [rc, rec, err])

# (f) a CMK on FLINK-1_18
rc, rec, err = plan("UpdateApplication", update("legacy-118", {
    "KeyTypeUpdate": "CUSTOMER_MANAGED_KEY", "KeyIdUpdate": keys["cmk1"]["arn"]}))
check("(f) a CMK on FLINK-1_18 is refused", rc == 1 and any("FLINK-1_20" in r for r in rec["refusals"]),
      [rc, rec, err])

# bad input changes nothing and says why
rc, rec, err = plan("StopApplication", {"ApplicationName": "orders-aok", "Principal": "arn:aws:iam::1:root"})
check("an identity claimed in the body is refused before any AWS call",
      rc == 3 and "claims an identity" in err, [rc, rec, err])
rc, rec, err = plan("UpdateApplication", update("no-such-app", {"KeyTypeUpdate": "AWS_OWNED_KEY"}) if False else
                    {"ApplicationName": "no-such-app", "CurrentApplicationVersionId": 1})
check("an application that does not exist is refused", rc == 1 and any("does not exist" in r for r in rec["refusals"]),
      [rc, rec, err])
print("1..%d" % n)
sys.exit(1 if failed else 0)
PY

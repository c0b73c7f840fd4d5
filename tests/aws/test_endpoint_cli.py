#!/usr/bin/env python3
"""TAP test: the local AWS endpoint speaks AWS's wire protocols to the real AWS CLI v2.

Starts tests/aws/endpoint.py with fixtures/scenarios.json and moto's auth on,
drives it with Debian's AWS CLI v2 (/usr/bin/aws, or $CMKGATE_AWS_CLI) as the
fixture's principals, and always stops it.  Python stdlib only (the endpoint
itself runs under the interpreter that has moto).

The CLI 2.9.19 in Debian 12 predates encryption at rest for Managed Flink: its
kinesisanalyticsv2 model has no ApplicationEncryptionConfiguration*, so the
test hands it the newer model of the installed botocore through AWS_DATA_PATH
(decompressed into a temporary directory at run time).  It also predates
AWS_ENDPOINT_URL support (CLI 2.13), so every call passes --endpoint-url.
"""

import concurrent.futures
import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _interp import find_moto_python  # noqa: E402

AWS = os.environ.get("CMKGATE_AWS_CLI", "/usr/bin/aws")
FIXTURE = os.path.join(HERE, "fixtures", "scenarios.json")
ERR_RE = re.compile(r"An error occurred \(([^)]+)\)")


class Result:
    def __init__(self, rc, out, err):
        self.rc = rc
        self.raw = out
        self.err = err
        try:
            self.json = json.loads(out) if out.strip() else {}
        except ValueError:
            self.json = None
        m = ERR_RE.search(err)
        self.code = m.group(1) if m else None

    def __repr__(self):
        return "rc=%d code=%s err=%s out=%s" % (self.rc, self.code, self.err.strip()[:300],
                                               self.raw.strip()[:300])


class Ctx:
    def __init__(self, tmp, info, model_dir):
        self.tmp = tmp
        self.info = info
        self.state = info["state"]
        self.url = info["url"]
        self.region = info["region"]
        self.home = os.path.join(tmp, "home")
        os.makedirs(self.home, exist_ok=True)
        with open(os.path.join(self.home, "config"), "w") as f:
            f.write("[default]\nregion = %s\noutput = json\ncli_pager =\n" % self.region)
        open(os.path.join(self.home, "credentials"), "w").close()
        self.model_dir = model_dir

    def creds(self, user):
        u = self.state["users"][user]
        return {"AWS_ACCESS_KEY_ID": u["access_key_id"],
                "AWS_SECRET_ACCESS_KEY": u["secret_access_key"]}

    def aws(self, creds, *args, model=True):
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": self.home,
            "LANG": "C.UTF-8",
            "AWS_CONFIG_FILE": os.path.join(self.home, "config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.home, "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }
        if model:
            env["AWS_DATA_PATH"] = self.model_dir
        env.update(creds)
        cmd = [AWS, "--endpoint-url", self.url, "--output", "json",
               "--cli-connect-timeout", "5", "--cli-read-timeout", "30"] + list(args)
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=90)
        return Result(p.returncode, p.stdout, p.stderr)

    def control(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def last_seq(self):
        return self.control("GET", "/_cmkgate/requests?since=999999999")["last_seq"]

    def requests(self, since, **filt):
        q = "&".join("%s=%s" % kv for kv in filt.items())
        return self.control("GET", "/_cmkgate/requests?since=%d%s" % (since, "&" + q if q else ""))["requests"]


class Group:
    """Collects (ok, description, diagnostic) for one block of checks."""

    def __init__(self, name):
        self.name = name
        self.results = []

    def check(self, cond, desc, diag=None):
        self.results.append((bool(cond), desc, None if cond else diag))
        return bool(cond)

    def expect_error(self, r, code, desc, contains=None):
        ok = r.rc != 0 and r.code == code and (contains is None or contains in r.err)
        return self.check(ok, desc, r)

    def expect_ok(self, r, desc):
        return self.check(r.rc == 0 and r.json is not None, desc, r)


def _enc(detail):
    return detail["ApplicationConfigurationDescription"]["ApplicationEncryptionConfigurationDescription"]


KDA = "kinesisanalyticsv2"


def g_identity(c, g):
    st = c.state
    gate = c.creds("gate")
    r = c.aws(gate, "sts", "get-caller-identity")
    if g.expect_ok(r, "sts get-caller-identity as the gate user"):
        g.check(r.json["Arn"] == st["gate"]["arn"] and r.json["Account"] == st["account"],
                "get-caller-identity names the gate user in account %s" % st["account"], r)
    r = c.aws(gate, "kms", "describe-key", "--key-id", "alias/cmkgate-cmk1")
    if g.expect_ok(r, "kms describe-key by alias name"):
        md = r.json["KeyMetadata"]
        g.check(md["Arn"] == st["keys"]["cmk1"]["arn"] and md["KeyState"] == "Enabled",
                "describe-key resolves alias/cmkgate-cmk1 to CMK#1's ARN, Enabled", r)
    r = c.aws(gate, "kms", "describe-key", "--key-id", st["keys"]["cmk-retired"]["alias_arns"][0])
    g.check(r.rc == 0 and r.json["KeyMetadata"]["KeyState"] == "Disabled"
            and r.json["KeyMetadata"]["Enabled"] is False,
            "kms describe-key by alias ARN: the retired key is Disabled", r)
    r = c.aws(gate, "iam", "get-role", "--role-name", "cmkgate-operator")
    g.check(r.rc == 0 and r.json["Role"]["Arn"] == st["roles"]["cmkgate-operator"]["arn"],
            "iam get-role returns the operator role", r)
    r = c.aws(gate, KDA, "describe-application", "--application-name", "legacy-118")
    if g.expect_ok(r, "kinesisanalyticsv2 describe-application as the gate user"):
        d = r.json["ApplicationDetail"]
        g.check(d["ApplicationName"] == "legacy-118" and d["ApplicationStatus"] == "RUNNING"
                and _enc(d) == {"KeyType": "AWS_OWNED_KEY"} and d["RuntimeEnvironment"] == "FLINK-1_18"
                and d["ApplicationVersionId"] == st["applications"]["legacy-118"]["version_id"],
                "describe-application: FLINK-1_18, RUNNING on the AWS owned key, version from STATE.json", d)
    r = c.aws(gate, KDA, "list-applications")
    g.check(r.rc == 0 and sorted(a["ApplicationName"] for a in r.json["ApplicationSummaries"])
            == sorted(st["applications"]), "list-applications lists every fixture application", r)
    gate_key = st["gate"]["access_key_id"]
    log = [e for e in c.requests(0) if e["access_key_id"] == gate_key]
    scopes = {(e["service"], e["action"]): e["credential_scope"] for e in log}
    kda_scope = scopes.get(("kinesisanalytics", "DescribeApplication")) or ""
    g.check(kda_scope.endswith("/%s/kinesisanalytics/aws4_request" % c.region),
            "the CLI signs kinesisanalyticsv2 with signing name kinesisanalytics (%s)" % kda_scope,
            scopes)
    g.check(("kms", "DescribeKey") in scopes and ("sts", "GetCallerIdentity") in scopes
            and ("iam", "GetRole") in scopes,
            "request log classifies kms (JSON), sts and iam (Query) requests", sorted(scopes))


def g_stock_model(c, g):
    r = c.aws(c.creds("op-alice"), KDA, "update-application", "--application-name", "orders-aok",
              "--current-application-version-id", "1", "--application-configuration-update",
              '{"ApplicationEncryptionConfigurationUpdate":{"KeyTypeUpdate":"AWS_OWNED_KEY"}}',
              model=False)
    if r.rc == 252 and "Unknown parameter" in r.err:
        g.check(True, "stock aws-cli 2.9.19 model lacks ApplicationEncryptionConfigurationUpdate "
                "(rejected client-side; the test uses AWS_DATA_PATH with botocore's newer model)")
    else:
        g.check(r.code is not None, "stock aws-cli model accepts encryption updates", r)


def g_enable_cmk(c, g):
    """(a) orders-aok: AWS owned key -> CMK#1, snapshots, stop/start, delete."""
    st = c.state
    alice = c.creds("op-alice")
    app = "orders-aok"
    cmk1 = st["keys"]["cmk1"]["arn"]
    upd = '{"ApplicationEncryptionConfigurationUpdate":{"KeyTypeUpdate":"CUSTOMER_MANAGED_KEY","KeyIdUpdate":"alias/cmkgate-cmk1"}}'
    r = c.aws(alice, KDA, "update-application", "--application-name", app,
              "--current-application-version-id", "1", "--application-configuration-update", upd)
    if g.expect_ok(r, "(a) update-application enables CMK#1 (by alias) on a running application"):
        d = r.json["ApplicationDetail"]
        g.check(d["ApplicationVersionId"] == 2 and d.get("ApplicationVersionUpdatedFrom") == 1
                and _enc(d) == {"KeyType": "CUSTOMER_MANAGED_KEY", "KeyId": "alias/cmkgate-cmk1"}
                and d["ApplicationStatus"] == "RUNNING" and r.json.get("OperationId"),
                "version 2 (updated from 1) uses CUSTOMER_MANAGED_KEY, KeyId echoed as given", d)
    r = c.aws(alice, KDA, "create-application-snapshot", "--application-name", app,
              "--snapshot-name", "orders-after-cmk1")
    g.expect_ok(r, "create-application-snapshot on the running application")
    r = c.aws(alice, KDA, "describe-application-snapshot", "--application-name", app,
              "--snapshot-name", "orders-after-cmk1")
    if g.expect_ok(r, "describe-application-snapshot"):
        s = r.json["SnapshotDetails"]
        g.check(s["ApplicationVersionId"] == 2 and s["SnapshotStatus"] == "READY"
                and s["ApplicationEncryptionConfigurationDescription"]
                == {"KeyType": "CUSTOMER_MANAGED_KEY", "KeyId": cmk1}
                and s["RuntimeEnvironment"] == "FLINK-1_20",
                "the snapshot records version 2 and CMK#1's key ARN", s)
    r = c.aws(alice, KDA, "stop-application", "--application-name", app)
    g.expect_ok(r, "stop-application (no Force)")
    r = c.aws(alice, KDA, "list-application-snapshots", "--application-name", app)
    if g.expect_ok(r, "list-application-snapshots"):
        snaps = r.json["SnapshotSummaries"]
        by = {s["SnapshotName"]: s for s in snaps}
        stop = [s for s in snaps if s["SnapshotName"].startswith("cmkgate-stop-")]
        g.check(len(snaps) == 3 and by["orders-baseline"]["ApplicationEncryptionConfigurationDescription"]
                == {"KeyType": "AWS_OWNED_KEY"} and len(stop) == 1
                and stop[0]["ApplicationEncryptionConfigurationDescription"].get("KeyId") == cmk1,
                "snapshots: baseline under the AWS owned key, ours and the stop snapshot under CMK#1",
                snaps)
    r = c.aws(alice, KDA, "start-application", "--application-name", app, "--run-configuration",
              '{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"RESTORE_FROM_LATEST_SNAPSHOT"}}')
    g.expect_ok(r, "start-application restoring the latest snapshot (CMK#1)")
    r = c.aws(alice, KDA, "describe-application", "--application-name", app)
    if g.expect_ok(r, "describe-application after start"):
        d = r.json["ApplicationDetail"]
        g.check(d["ApplicationStatus"] == "RUNNING" and d["ApplicationConfigurationDescription"]
                ["RunConfigurationDescription"]["ApplicationRestoreConfigurationDescription"]
                ["ApplicationRestoreType"] == "RESTORE_FROM_LATEST_SNAPSHOT",
                "RUNNING, and RunConfigurationDescription shows the restore type", d)


def g_switch(c, g):
    """(b) payments-locked: CMK (locked) -> CMK#2 with a ConditionalToken; refusals."""
    st = c.state
    alice = c.creds("op-alice")
    app = "payments-locked"
    r = c.aws(alice, KDA, "update-application", "--application-name", app,
              "--current-application-version-id", "1", "--application-configuration-update",
              '{"ApplicationEncryptionConfigurationUpdate":{"KeyTypeUpdate":"CUSTOMER_MANAGED_KEY","KeyIdUpdate":"alias/cmkgate-nosvc"}}')
    g.expect_error(r, "InvalidArgumentException",
                   "a CMK whose key policy omits the Managed Flink service principals is refused",
                   contains="service principal")
    r = c.aws(alice, KDA, "update-application", "--application-name", app,
              "--current-application-version-id", "1", "--application-configuration-update",
              '{"ApplicationEncryptionConfigurationUpdate":{"KeyTypeUpdate":"CUSTOMER_MANAGED_KEY","KeyIdUpdate":"alias/cmkgate-missing"}}')
    g.expect_error(r, "InvalidArgumentException", "an unknown alias is refused (InvalidArgumentException)")
    r = c.aws(alice, KDA, "describe-application", "--application-name", app)
    token = r.json["ApplicationDetail"]["ConditionalToken"] if r.rc == 0 else "x"
    cmk2 = st["keys"]["cmk2"]["arn"]
    r = c.aws(alice, KDA, "update-application", "--application-name", app, "--conditional-token", token,
              "--application-configuration-update",
              json.dumps({"ApplicationEncryptionConfigurationUpdate": {
                  "KeyTypeUpdate": "CUSTOMER_MANAGED_KEY", "KeyIdUpdate": cmk2}}))
    if g.expect_ok(r, "(b) update-application switches CMK -> CMK#2 (key ARN, ConditionalToken)"):
        d = r.json["ApplicationDetail"]
        g.check(_enc(d) == {"KeyType": "CUSTOMER_MANAGED_KEY", "KeyId": cmk2}
                and d["ConditionalToken"] != token and d["ApplicationVersionId"] == 2,
                "version 2 on CMK#2 with a new ConditionalToken", d)
    snap = "payments-before-switch"
    r = c.aws(alice, KDA, "list-application-snapshots", "--application-name", app)
    ts = None
    if g.expect_ok(r, "list-application-snapshots after the switch"):
        s = {x["SnapshotName"]: x for x in r.json["SnapshotSummaries"]}.get(snap, {})
        ts = s.get("SnapshotCreationTimestamp")
        g.check(s.get("ApplicationEncryptionConfigurationDescription", {}).get("KeyId")
                == st["keys"]["cmk-locked"]["arn"] and s.get("ApplicationVersionId") == 1,
                "the old snapshot stays under the old key (cmk-locked), version 1", s)
    r = c.aws(alice, KDA, "delete-application-snapshot", "--application-name", app,
              "--snapshot-name", snap, "--snapshot-creation-timestamp", "2001-01-01T00:00:00Z")
    g.expect_error(r, "InvalidArgumentException",
                   "delete-application-snapshot with a wrong creation timestamp is refused")
    r = c.aws(alice, KDA, "delete-application-snapshot", "--application-name", app,
              "--snapshot-name", snap, "--snapshot-creation-timestamp", str(ts))
    g.expect_ok(r, "delete-application-snapshot with the timestamp the CLI printed (%s)" % ts)
    r = c.aws(alice, KDA, "describe-application-snapshot", "--application-name", app,
              "--snapshot-name", snap)
    g.expect_error(r, "ResourceNotFoundException", "the deleted snapshot is gone")


def g_back_to_aok(c, g):
    """(c) ledger-cmk: CMK#1 -> AWS owned key."""
    alice = c.creds("op-alice")
    upd = '{"ApplicationEncryptionConfigurationUpdate":{"KeyTypeUpdate":"AWS_OWNED_KEY"}}'
    r = c.aws(alice, KDA, "update-application", "--application-name", "ledger-cmk",
              "--current-application-version-id", "7", "--application-configuration-update", upd)
    g.expect_error(r, "ConcurrentModificationException",
                   "update-application with a stale version id -> ConcurrentModificationException")
    r = c.aws(alice, KDA, "update-application", "--application-name", "ledger-cmk",
              "--conditional-token", "0" * 32, "--application-configuration-update", upd)
    g.expect_error(r, "ConcurrentModificationException",
                   "update-application with a wrong ConditionalToken -> ConcurrentModificationException")
    r = c.aws(alice, KDA, "create-application-snapshot", "--application-name", "ledger-cmk",
              "--snapshot-name", "ledger-under-cmk1")
    g.expect_error(r, "InvalidArgumentException", "a second snapshot with an existing name is refused")
    r = c.aws(alice, KDA, "update-application", "--application-name", "ledger-cmk",
              "--current-application-version-id", "1", "--application-configuration-update",
              '{"ApplicationEncryptionConfigurationUpdate":{"KeyTypeUpdate":"AWS_OWNED_KEY","KeyIdUpdate":"alias/cmkgate-cmk1"}}')
    g.expect_error(r, "InvalidArgumentException", "AWS_OWNED_KEY together with a KeyIdUpdate is refused")
    r = c.aws(alice, KDA, "update-application", "--application-name", "ledger-cmk",
              "--current-application-version-id", "1", "--application-configuration-update", upd)
    g.check(r.rc == 0 and _enc(r.json["ApplicationDetail"]) == {"KeyType": "AWS_OWNED_KEY"},
            "(c) update-application goes back to the AWS owned key", r)


def g_disabled_key(c, g):
    """(d) audit-retired: disabled key as target and as snapshot key."""
    alice = c.creds("op-alice")
    app = "audit-retired"
    r = c.aws(alice, KDA, "update-application", "--application-name", app,
              "--current-application-version-id", "2", "--application-configuration-update",
              '{"ApplicationEncryptionConfigurationUpdate":{"KeyTypeUpdate":"CUSTOMER_MANAGED_KEY","KeyIdUpdate":"alias/cmkgate-retired"}}')
    g.expect_error(r, "InvalidArgumentException", "update-application to a disabled key is refused",
                   contains="Disabled")
    r = c.aws(alice, KDA, "start-application", "--application-name", app, "--run-configuration",
              '{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"RESTORE_FROM_CUSTOM_SNAPSHOT","SnapshotName":"audit-under-retired"}}')
    g.expect_error(r, "InvalidApplicationConfigurationException",
                   "(d) start restoring a snapshot whose key is disabled is refused", contains="Disabled")
    r = c.aws(alice, KDA, "start-application", "--application-name", app, "--run-configuration",
              '{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"RESTORE_FROM_CUSTOM_SNAPSHOT","SnapshotName":"no-such-snapshot"}}')
    g.expect_error(r, "ResourceNotFoundException", "start restoring an unknown snapshot -> ResourceNotFoundException")
    r = c.aws(alice, KDA, "start-application", "--application-name", app, "--run-configuration",
              '{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"SKIP_RESTORE_FROM_SNAPSHOT"}}')
    g.expect_ok(r, "start with SKIP_RESTORE_FROM_SNAPSHOT works (current key CMK#1 is enabled)")


def g_rollback(c, g):
    """(e) metrics-rollback: versions on two keys, rollback across keys."""
    st = c.state
    alice = c.creds("op-alice")
    app = "metrics-rollback"
    old_alias_arn = st["keys"]["cmk-old"]["alias_arns"][0]
    r = c.aws(alice, KDA, "describe-application-version", "--application-name", app,
              "--application-version-id", "1")
    if g.expect_ok(r, "describe-application-version of version 1"):
        d = r.json["ApplicationVersionDetail"]
        g.check(d["ApplicationVersionId"] == 1 and _enc(d) == {
            "KeyType": "CUSTOMER_MANAGED_KEY", "KeyId": old_alias_arn},
            "version 1 used cmk-old (configured by alias ARN)", d)
    r = c.aws(alice, KDA, "list-application-versions", "--application-name", app)
    g.check(r.rc == 0 and [v["ApplicationVersionId"] for v in r.json["ApplicationVersionSummaries"]] == [2, 1],
            "list-application-versions: 2, 1", r)
    r = c.aws(alice, KDA, "rollback-application", "--application-name", app,
              "--current-application-version-id", "1")
    g.expect_error(r, "ConcurrentModificationException",
                   "rollback-application with a stale version id -> ConcurrentModificationException")
    r = c.aws(alice, KDA, "rollback-application", "--application-name", app,
              "--current-application-version-id", "2")
    if g.expect_ok(r, "(e) rollback-application from version 2 (CMK#2)"):
        d = r.json["ApplicationDetail"]
        g.check(d["ApplicationVersionId"] == 3 and d.get("ApplicationVersionRolledBackFrom") == 2
                and d.get("ApplicationVersionRolledBackTo") == 1
                and _enc(d) == {"KeyType": "CUSTOMER_MANAGED_KEY", "KeyId": old_alias_arn}
                and d["ApplicationStatus"] == "RUNNING",
                "version 3 = version 1's configuration, back on cmk-old", d)
    r = c.aws(alice, KDA, "describe-application-version", "--application-name", app,
              "--application-version-id", "2")
    g.check(r.rc == 0 and r.json["ApplicationVersionDetail"]["ApplicationStatus"] == "ROLLED_BACK",
            "the rolled-back version 2 shows ROLLED_BACK", r)
    r = c.aws(alice, KDA, "describe-application-version", "--application-name", app,
              "--application-version-id", "9")
    g.expect_error(r, "ResourceNotFoundException", "describe-application-version of an unknown version")


def g_old_runtime(c, g):
    """(f) legacy-118 on FLINK-1_18."""
    r = c.aws(c.creds("op-alice"), KDA, "update-application", "--application-name", "legacy-118",
              "--current-application-version-id", "1", "--application-configuration-update",
              '{"ApplicationEncryptionConfigurationUpdate":{"KeyTypeUpdate":"CUSTOMER_MANAGED_KEY","KeyIdUpdate":"alias/cmkgate-cmk1"}}')
    g.expect_error(r, "InvalidArgumentException", "(f) a CMK on FLINK-1_18 is refused",
                   contains="FLINK-1_20")


def g_faults(c, g):
    # Faults match op-bob's access key only, so the other lanes never meet them.
    bob = c.creds("op-bob")
    bob_key = c.state["users"]["op-bob"]["access_key_id"]
    mark = c.last_seq()
    f = c.control("POST", "/_cmkgate/faults", {
        "service": "kinesisanalytics", "action": "DescribeApplication", "status": 503,
        "code": "ServiceUnavailable", "count": 1, "access_key": bob_key})
    g.check(len(f["faults"]) == 1 and f["faults"][0]["remaining"] == 1, "POST /_cmkgate/faults", f)
    r = c.aws(bob, KDA, "describe-application", "--application-name", "legacy-118")
    g.expect_ok(r, "the CLI retries an injected 503 on DescribeApplication and succeeds")
    log = [e for e in c.requests(mark, service="kinesisanalytics", action="DescribeApplication")
           if e["access_key_id"] == bob_key]
    g.check([(e["status"], bool(e["fault"])) for e in log] == [(503, True), (200, False)],
            "request log: a 503 (injected) then a 200 for the same call", log)
    mark = c.last_seq()
    c.control("POST", "/_cmkgate/faults", {"service": "sts", "action": "GetCallerIdentity",
                                          "status": 400, "code": "Throttling", "count": 1,
                                          "access_key": bob_key})
    r = c.aws(bob, "sts", "get-caller-identity")
    log = [e for e in c.requests(mark, service="sts") if e["access_key_id"] == bob_key]
    g.check(r.rc == 0 and [(e["status"], e["error_code"]) for e in log] == [(400, "Throttling"), (200, None)],
            "an injected STS Throttling (Query XML ErrorResponse) is retried by the CLI", (r, log))
    c.control("POST", "/_cmkgate/faults", [{"service": "kms", "action": "DescribeKey", "status": 400,
                                           "code": "KMSInvalidStateException", "message": "injected",
                                           "count": 1, "access_key": bob_key}])
    r = c.aws(bob, "kms", "describe-key", "--key-id", "alias/cmkgate-cmk2")
    g.expect_error(r, "KMSInvalidStateException",
                   "an injected non-retryable KMS error reaches the CLI in the JSON 1.1 error shape")
    c.control("POST", "/_cmkgate/faults", {"service": "*", "status": 500, "count": 5,
                                          "access_key": "AKIANOBODYUSESTHIS00"})
    cleared = c.control("DELETE", "/_cmkgate/faults")
    g.check(cleared["cleared"] == 1 and c.control("GET", "/_cmkgate/faults")["faults"] == [],
            "DELETE /_cmkgate/faults clears pending faults", cleared)


def g_auth(c, g):
    st = c.state
    gate = c.creds("gate")
    wrong = dict(c.creds("appr-dave"), AWS_SECRET_ACCESS_KEY="not-the-secret-" + "x" * 25)
    r = c.aws(wrong, KDA, "describe-application", "--application-name", "orders-aok")
    g.expect_error(r, "InvalidSignatureException",
                   "auth: a request signed with a wrong secret is rejected (InvalidSignatureException)")
    r = c.aws({"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7NOSUCH1", "AWS_SECRET_ACCESS_KEY": "x" * 40},
              "kms", "describe-key", "--key-id", "alias/cmkgate-cmk1")
    g.expect_error(r, "UnrecognizedClientException", "auth: an unknown access key is rejected")
    r = c.aws(gate, KDA, "update-application", "--application-name", "legacy-118",
              "--current-application-version-id", "1", "--application-configuration-update",
              '{"ApplicationSnapshotConfigurationUpdate":{"SnapshotsEnabledUpdate":false}}')
    g.expect_error(r, "AccessDeniedException",
                   "auth: the gate's read-only identity may not call UpdateApplication")
    r = c.aws(gate, "sts", "assume-role", "--role-arn", st["roles"]["cmkgate-operator"]["arn"],
              "--role-session-name", "op-alice-req-1", "--duration-seconds", "900",
              "--source-identity", "op-alice")
    if g.expect_ok(r, "the gate assumes the operator role"):
        cr = r.json["Credentials"]
        sess = {"AWS_ACCESS_KEY_ID": cr["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": cr["SecretAccessKey"],
                "AWS_SESSION_TOKEN": cr["SessionToken"]}
        mark = c.last_seq()
        r = c.aws(sess, KDA, "describe-application", "--application-name", "legacy-118")
        g.expect_ok(r, "assumed-role credentials (with session token) work under auth")
        log = [e for e in c.requests(mark, service="kinesisanalytics")
               if e["access_key_id"] == cr["AccessKeyId"]]
        g.check(len(log) == 1 and log[0]["security_token"] is True
                and log[0]["access_key_id"] == cr["AccessKeyId"],
                "request log records the X-Amz-Security-Token header", log)


def _gone(pid, wait=3.0):
    """True once `pid` no longer exists or is a zombie awaiting its reaper."""
    deadline = time.time() + wait
    while True:
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except (OSError, IndexError):
            return True
        if time.time() > deadline:
            return False
        time.sleep(0.05)


def main():
    t0 = time.time()
    if not os.path.exists(AWS):
        print("Bail out! %s not found: run contrib/dev setup (it installs Debian's awscli)" % AWS)
        return 1
    ver = subprocess.run([AWS, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True).stdout.strip()
    if not ver.startswith("aws-cli/2."):
        print("Bail out! %s is not the AWS CLI v2: %s" % (AWS, ver))
        return 1
    py = find_moto_python()
    if py is None:
        print("Bail out! no Python interpreter with moto (set CMKGATE_MOTO_PYTHON)")
        return 1
    print("# %s; endpoint python %s" % (ver, py))
    tmp = tempfile.mkdtemp(prefix="cmkgate-aws-cli-")
    epdir = os.path.join(tmp, "endpoint")
    n = 0
    failed = 0
    started = False

    def emit(ok, desc, diag=None):
        nonlocal n, failed
        n += 1
        if not ok:
            failed += 1
        print("%s %d - %s" % ("ok" if ok else "not ok", n, desc))
        if diag is not None and not ok:
            for line in str(diag).splitlines()[:30]:
                print("#   " + line)
        sys.stdout.flush()

    try:
        p = subprocess.run([py, os.path.join(HERE, "endpoint.py"), "start", "--dir", epdir,
                            "--fixture", FIXTURE, "--auth"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=90)
        started = os.path.exists(os.path.join(epdir, "endpoint.json"))
        emit(p.returncode == 0 and started,
             "endpoint.py start --fixture scenarios.json --auth (%.1f s)" % (time.time() - t0),
             p.stdout + p.stderr)
        if not started:
            print("Bail out! the endpoint did not start")
            return 1
        with open(os.path.join(epdir, "endpoint.json")) as f:
            info = json.load(f)
        emit(info["auth"] is True and info["url"] == "http://127.0.0.1:%d" % info["port"]
             and info["state"]["account"] == "111111111111" and info["gate"]["access_key_id"]
             and os.path.exists(os.path.join(epdir, "endpoint.env")),
             "endpoint.json: url/port/pid, account 111111111111 (MOTO_ACCOUNT_ID), gate keys", info.get("url"))

        # botocore's newer kinesisanalyticsv2 model for the Debian CLI
        bc = subprocess.run([py, "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))"],
                            stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
        src = os.path.join(bc, "data", "kinesisanalyticsv2", "2018-05-23", "service-2.json.gz")
        model_dir = os.path.join(tmp, "models")
        dst_dir = os.path.join(model_dir, "kinesisanalyticsv2", "2018-05-23")
        os.makedirs(dst_dir)
        with gzip.open(src, "rb") as fi, open(os.path.join(dst_dir, "service-2.json"), "wb") as fo:
            shutil.copyfileobj(fi, fo)

        c = Ctx(tmp, info, model_dir)
        # Lanes run in parallel: one per application for the operator, one for
        # the gate's identity, one for auth, one for faults (which match only
        # op-bob's access key, used nowhere else).
        lanes = [[g_identity], [g_enable_cmk], [g_switch], [g_rollback], [g_stock_model, g_auth],
                 [g_faults], [g_back_to_aok], [g_disabled_key], [g_old_runtime]]

        def run_lane(fns):
            groups = []
            for fn in fns:
                g = Group(fn.__name__)
                t = time.time()
                try:
                    fn(c, g)
                except Exception:
                    g.check(False, "%s raised" % fn.__name__, traceback.format_exc())
                g.seconds = time.time() - t
                groups.append(g)
            return groups

        workers = int(os.environ.get("CMKGATE_TEST_JOBS", str(max(4, 2 * (os.cpu_count() or 2)))))
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as ex:
            futs = [ex.submit(run_lane, lane) for lane in lanes]
            for fut in futs:
                for g in fut.result():
                    print("# %s (%.1f s)" % (g.name, g.seconds))
                    for res in g.results:
                        emit(*res)
    finally:
        if started:
            pid = None
            try:
                pid = json.load(open(os.path.join(epdir, "endpoint.json")))["pid"]
                port = json.load(open(os.path.join(epdir, "endpoint.json")))["port"]
            except (OSError, ValueError, KeyError):
                port = None
            p = subprocess.run([py, os.path.join(HERE, "endpoint.py"), "stop", "--dir", epdir],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
            gone = pid is not None and _gone(pid)
            refused = False
            if port:
                s = socket.socket()
                try:
                    s.settimeout(1)
                    s.connect(("127.0.0.1", port))
                except OSError:
                    refused = True
                finally:
                    s.close()
            emit(p.returncode == 0 and gone and refused,
                 "endpoint.py stop: server process gone, port closed", p.stdout)
        if failed:
            print("# kept %s for inspection (server.log in endpoint/)" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % n)
    print("# %d failed, %.1f s" % (failed, time.time() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

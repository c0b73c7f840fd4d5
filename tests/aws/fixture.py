#!/usr/bin/env python3
"""Build a whole AWS scenario on the local endpoint from one JSON file.

    fixture.py load --endpoint URL FIXTURE.json --out STATE.json
    fixture.py check FIXTURE.json          # validate offline, create nothing

The fixture format is documented in tests/aws/README.md ("Fixture format").
STATE.json holds everything tests need: endpoint URL, region, account, each
principal's ARN and access keys, each key's ARN/aliases/state, each
application's ARN, version, key and snapshots, and the fixture's "scenarios"
block with placeholders resolved.

Loading talks to the endpoint with botocore (the newest kinesisanalyticsv2
model, with the encryption shapes), as an anonymous admin: run it before
moto's auth is switched on (endpoint.py start --auth does this in order).
"""

import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
USER_KINDS = ("operator", "approver", "gate", "key-admin", "other")
RUNTIMES = ("FLINK-1_6", "FLINK-1_8", "FLINK-1_11", "FLINK-1_13", "FLINK-1_15",
            "FLINK-1_18", "FLINK-1_19", "FLINK-1_20", "FLINK-2_2")
KEY_STATES = ("Enabled", "Disabled", "PendingDeletion")
KEY_REF_FORMS = ("arn", "id", "alias", "alias_arn")
PLACEHOLDER = re.compile(r"\$\{([a-z_]+)(?::([A-Za-z0-9_.+=,@-]+))?\}")


class FixtureError(Exception):
    pass


def _fail(msg):
    raise FixtureError(msg)


# ---------------------------------------------------------------------------
# validation (no endpoint needed)


def _obj(v, where):
    if not isinstance(v, dict):
        _fail("%s must be a JSON object" % where)
    return v


def _only(d, allowed, where):
    extra = set(d) - set(allowed)
    if extra:
        _fail("%s: unknown field(s) %s (allowed: %s)"
              % (where, ", ".join(sorted(extra)), ", ".join(sorted(allowed))))


def _name_ok(name, where):
    if not re.match(r"^[A-Za-z0-9_.+=,@-]{1,64}$", name):
        _fail("%s: name %r is not a valid IAM/fixture name" % (where, name))


def _enc_spec(spec, keys, where):
    """Normalize an encryption spec: None | 'AWS_OWNED_KEY' | {key, as} | {key_id}."""
    if spec is None or spec == "AWS_OWNED_KEY":
        return None
    if isinstance(spec, str):
        spec = {"key": spec}
    _obj(spec, where)
    _only(spec, ("key", "as", "key_id"), where)
    if ("key" in spec) == ("key_id" in spec):
        _fail("%s: give exactly one of key (a fixture key name) or key_id (literal)" % where)
    if "key" in spec:
        if spec["key"] not in keys:
            _fail("%s: unknown key %r" % (where, spec["key"]))
        form = spec.get("as", "arn")
        if form not in KEY_REF_FORMS:
            _fail("%s: 'as' must be one of %s" % (where, ", ".join(KEY_REF_FORMS)))
        if form in ("alias", "alias_arn") and not keys[spec["key"]].get("aliases"):
            _fail("%s: key %r has no alias" % (where, spec["key"]))
    elif not isinstance(spec["key_id"], str):
        _fail("%s: key_id must be a string" % where)
    return spec


def validate(fx):
    _obj(fx, "fixture")
    _only(fx, ("description", "account", "region", "policy_templates", "managed_policies",
               "roles", "users", "keys", "applications", "scenarios"), "fixture")
    templates = _obj(fx.get("policy_templates", {}), "policy_templates")
    for n, t in templates.items():
        _obj(t, "policy_templates.%s" % n)

    def _doc(d, where):
        """A policy document, or {"template": NAME} naming a policy template."""
        _obj(d, where)
        if set(d) == {"template"}:
            if d["template"] not in templates:
                _fail("%s: unknown policy template %r" % (where, d["template"]))
        elif "Statement" not in d:
            _fail("%s: a policy document needs a Statement" % where)
    acct = fx.get("account", DEFAULT_ACCOUNT)
    if not re.match(r"^\d{12}$", str(acct)):
        _fail("account must be 12 digits")
    region = fx.get("region", DEFAULT_REGION)
    if not re.match(r"^[a-z]{2}(-[a-z]+)+-\d$", str(region)):
        _fail("region %r does not look like an AWS region" % region)
    pols = _obj(fx.get("managed_policies", {}), "managed_policies")
    for n, p in pols.items():
        _name_ok(n, "managed_policies")
        _only(_obj(p, "managed_policies.%s" % n), ("document", "path", "description"),
              "managed_policies.%s" % n)
        _doc(p.get("document"), "managed_policies.%s.document" % n)
    roles = _obj(fx.get("roles", {}), "roles")
    users = _obj(fx.get("users", {}), "users")
    keys = _obj(fx.get("keys", {}), "keys")

    def check_principal(kind, n, p):
        where = "%s.%s" % (kind, n)
        _name_ok(n, kind)
        _obj(p, where)
        allowed = ["path", "inline_policies", "managed_policies", "permissions_boundary",
                   "tags", "description"]
        if kind == "roles":
            allowed += ["trust", "max_session_duration"]
            _doc(p.get("trust"), where + ".trust")
        else:
            allowed += ["kind", "access_key"]
            if p.get("kind", "other") not in USER_KINDS:
                _fail("%s.kind must be one of %s" % (where, ", ".join(USER_KINDS)))
        _only(p, allowed, where)
        for pn, doc in _obj(p.get("inline_policies", {}), where + ".inline_policies").items():
            _doc(doc, "%s.inline_policies.%s" % (where, pn))
        mp = p.get("managed_policies", [])
        if not isinstance(mp, list):
            _fail("%s.managed_policies must be a list" % where)
        for ref in mp + ([p["permissions_boundary"]] if p.get("permissions_boundary") else []):
            if not (isinstance(ref, str) and (ref in pols or ref.startswith("arn:"))):
                _fail("%s: managed policy %r is neither a fixture policy nor an ARN"
                      % (where, ref))
        path = p.get("path", "/")
        if not (isinstance(path, str) and path.startswith("/") and path.endswith("/")):
            _fail("%s.path must start and end with /" % where)

    for n, p in roles.items():
        check_principal("roles", n, p)
    for n, p in users.items():
        check_principal("users", n, p)
    gates = [n for n, u in users.items() if u.get("kind") == "gate"]
    if len(gates) > 1:
        _fail("more than one user has kind 'gate': %s" % ", ".join(gates))
    aliases_seen = set()
    for n, k in keys.items():
        where = "keys.%s" % n
        _obj(k, where)
        _only(k, ("description", "policy", "aliases", "state", "enabled", "rotation",
                  "key_spec", "key_usage", "tags", "pending_window_days"), where)
        pol = k.get("policy", "default")
        if pol != "default":
            _doc(pol, where + ".policy")
        for a in k.get("aliases", []):
            if not (isinstance(a, str) and a.startswith("alias/") and not a.startswith("alias/aws/")):
                _fail("%s: alias %r must start with alias/ (not alias/aws/)" % (where, a))
            if a in aliases_seen:
                _fail("%s: alias %s used twice" % (where, a))
            aliases_seen.add(a)
        state = k.get("state", "Enabled" if k.get("enabled", True) else "Disabled")
        if state not in KEY_STATES:
            _fail("%s.state must be one of %s" % (where, ", ".join(KEY_STATES)))
    apps = _obj(fx.get("applications", {}), "applications")
    for n, a in apps.items():
        where = "applications.%s" % n
        if not re.match(r"^[a-zA-Z0-9_.-]{1,128}$", n):
            _fail("%s: invalid application name" % where)
        _obj(a, where)
        _only(a, ("description", "runtime", "service_execution_role", "encryption",
                  "snapshots_enabled", "steps", "status", "code", "extra_configuration",
                  "tags"), where)
        rt = a.get("runtime", "FLINK-1_20")
        if rt not in RUNTIMES:
            _fail("%s.runtime %r is not one of %s" % (where, rt, ", ".join(RUNTIMES)))
        role = a.get("service_execution_role")
        if not (isinstance(role, str) and (role in roles or role.startswith("arn:"))):
            _fail("%s.service_execution_role must name a fixture role or be an ARN" % where)
        _enc_spec(a.get("encryption"), keys, where + ".encryption")
        if a.get("status", None) not in (None, "READY", "RUNNING"):
            _fail("%s.status must be READY or RUNNING" % where)
        steps = a.get("steps", [])
        if not isinstance(steps, list):
            _fail("%s.steps must be a list" % where)
        for i, st in enumerate(steps):
            sw = "%s.steps[%d]" % (where, i)
            if not (isinstance(st, dict) and len(st) == 1):
                _fail("%s must be an object with exactly one step name" % sw)
            (kind, arg), = st.items()
            if kind == "start":
                _only(_obj(arg, sw), ("restore", "snapshot"), sw)
            elif kind == "stop":
                _only(_obj(arg, sw), ("force",), sw)
            elif kind in ("snapshot", "delete_snapshot"):
                if not isinstance(arg, str):
                    _fail("%s: %s takes a snapshot name" % (sw, kind))
            elif kind == "update":
                _only(_obj(arg, sw), ("encryption", "runtime", "snapshots_enabled", "use"), sw)
                if "encryption" in arg:
                    _enc_spec(arg["encryption"], keys, sw + ".encryption")
                if arg.get("use", "version") not in ("version", "token"):
                    _fail("%s.use must be version or token" % sw)
            elif kind == "rollback":
                _obj(arg, sw)
            else:
                _fail("%s: unknown step %r (start, stop, snapshot, delete_snapshot, "
                      "update, rollback)" % (sw, kind))
    if "scenarios" in fx:
        _obj(fx["scenarios"], "scenarios")
    # every placeholder must name something the fixture defines
    names = {"key": keys, "key_id": keys, "alias_arn": keys, "role": roles, "user": users,
             "policy": pols, "app": apps}

    def walk(v, where):
        if isinstance(v, str):
            for m in PLACEHOLDER.finditer(v):
                kind, name = m.group(1), m.group(2)
                if kind in ("account", "region", "partition") and name is None:
                    continue
                if kind not in names or name is None:
                    _fail("%s: unknown placeholder ${%s%s}" % (where, kind, ":" + name if name else ""))
                if name not in names[kind]:
                    _fail("%s: ${%s:%s} names no fixture %s" % (where, kind, name, kind))
                if kind == "alias_arn" and not keys[name].get("aliases"):
                    _fail("%s: ${alias_arn:%s}: key has no alias" % (where, name))
        elif isinstance(v, dict):
            for k2, v2 in v.items():
                walk(v2, where)
        elif isinstance(v, list):
            for v2 in v:
                walk(v2, where)

    walk(fx, "fixture")
    return {"account": str(acct), "region": region}


# ---------------------------------------------------------------------------
# loading


class Loader:
    def __init__(self, endpoint, fx, fixture_path=None):
        import botocore.session
        from botocore.config import Config
        self.fx = fx
        self.fixture_path = fixture_path
        meta = validate(fx)
        self.region = meta["region"]
        self.want_account = fx.get("account")
        self.endpoint = endpoint.rstrip("/")
        session = botocore.session.Session()
        cfg = Config(retries={"max_attempts": 2, "mode": "standard"},
                     connect_timeout=5, read_timeout=30)
        self.clients = {}
        for svc in ("iam", "kms", "sts", "kinesisanalyticsv2"):
            self.clients[svc] = session.create_client(
                svc, region_name=self.region, endpoint_url=self.endpoint,
                aws_access_key_id="cmkgatefixtureloader", aws_secret_access_key="unused",
                config=cfg)
        self.ctx = {}
        self.state = None

    def c(self, svc):
        return self.clients[svc]

    def subst(self, v):
        if isinstance(v, str):
            def one(m):
                kind, name = m.group(1), m.group(2)
                key = kind if name is None else "%s:%s" % (kind, name)
                if key not in self.ctx:
                    _fail("placeholder ${%s} cannot be resolved" % key)
                return self.ctx[key]
            return PLACEHOLDER.sub(one, v)
        if isinstance(v, dict):
            return {k: self.subst(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self.subst(x) for x in v]
        return v

    def doc(self, d):
        """Resolve {"template": NAME}, then placeholders; return JSON text."""
        if isinstance(d, dict) and set(d) == {"template"}:
            d = self.fx["policy_templates"][d["template"]]
        return json.dumps(self.subst(d))

    def policy_arn(self, ref):
        return ref if ref.startswith("arn:") else self.ctx["policy:%s" % ref]

    def key_ref(self, spec):
        """The KeyId string an encryption spec passes to the API."""
        if "key_id" in spec:
            return self.subst(spec["key_id"])
        k = self.state["keys"][spec["key"]]
        form = spec.get("as", "arn")
        return {"arn": k["arn"], "id": k["key_id"],
                "alias": (k["aliases"] or [None])[0],
                "alias_arn": (k["alias_arns"] or [None])[0]}[form]

    def load(self):
        fx = self.fx
        ident = self.c("sts").get_caller_identity()
        account = ident["Account"]
        if self.want_account and str(self.want_account) != account:
            _fail("the fixture wants account %s but the endpoint serves account %s; "
                  "start the endpoint with that account (endpoint.py start --fixture "
                  "reads it from the fixture and sets MOTO_ACCOUNT_ID)"
                  % (self.want_account, account))
        region = self.region
        part = "aws"
        self.ctx.update({"account": account, "region": region, "partition": part})
        st = {
            "schema": 1,
            "endpoint_url": self.endpoint,
            "region": region,
            "account": account,
            "fixture": os.path.abspath(self.fixture_path) if self.fixture_path else None,
            "description": fx.get("description"),
            "managed_policies": {},
            "roles": {},
            "users": {},
            "keys": {},
            "applications": {},
            "gate": None,
            "principals_by_kind": {k: [] for k in USER_KINDS},
            "scenarios": {},
        }
        self.state = st
        kms = self.c("kms")
        iam = self.c("iam")

        # 1. keys first: their ARNs are random and policies refer to them
        for name, k in fx.get("keys", {}).items():
            args = {"Description": k.get("description", "cmkgate fixture key %s" % name),
                    "KeyUsage": k.get("key_usage", "ENCRYPT_DECRYPT"),
                    "KeySpec": k.get("key_spec", "SYMMETRIC_DEFAULT")}
            if k.get("tags"):
                args["Tags"] = [{"TagKey": a, "TagValue": b} for a, b in k["tags"].items()]
            md = kms.create_key(**args)["KeyMetadata"]
            aliases = list(k.get("aliases", []))
            st["keys"][name] = {
                "arn": md["Arn"], "key_id": md["KeyId"], "aliases": aliases,
                "alias_arns": ["arn:%s:kms:%s:%s:%s" % (part, region, account, a) for a in aliases],
                "description": args["Description"],
            }
            self.ctx["key:%s" % name] = md["Arn"]
            self.ctx["key_id:%s" % name] = md["KeyId"]
            if aliases:
                self.ctx["alias_arn:%s" % name] = st["keys"][name]["alias_arns"][0]
        # deterministic ARNs of everything else
        for name, p in fx.get("managed_policies", {}).items():
            self.ctx["policy:%s" % name] = "arn:%s:iam::%s:policy%s%s" % (
                part, account, p.get("path", "/"), name)
        for name, r in fx.get("roles", {}).items():
            self.ctx["role:%s" % name] = "arn:%s:iam::%s:role%s%s" % (
                part, account, r.get("path", "/"), name)
        for name, u in fx.get("users", {}).items():
            self.ctx["user:%s" % name] = "arn:%s:iam::%s:user%s%s" % (
                part, account, u.get("path", "/"), name)
        for name in fx.get("applications", {}):
            self.ctx["app:%s" % name] = "arn:%s:kinesisanalytics:%s:%s:application/%s" % (
                part, region, account, name)

        # 2. IAM
        for name, p in fx.get("managed_policies", {}).items():
            r = iam.create_policy(PolicyName=name, Path=p.get("path", "/"),
                                  PolicyDocument=self.doc(p["document"]),
                                  Description=p.get("description", ""))
            st["managed_policies"][name] = {"arn": r["Policy"]["Arn"]}
        for name, r in fx.get("roles", {}).items():
            args = {"RoleName": name, "Path": r.get("path", "/"),
                    "AssumeRolePolicyDocument": self.doc(r["trust"]),
                    "Description": r.get("description", ""),
                    "MaxSessionDuration": r.get("max_session_duration", 3600)}
            if r.get("permissions_boundary"):
                args["PermissionsBoundary"] = self.policy_arn(r["permissions_boundary"])
            if r.get("tags"):
                args["Tags"] = [{"Key": a, "Value": b} for a, b in r["tags"].items()]
            arn = iam.create_role(**args)["Role"]["Arn"]
            for pn, doc in r.get("inline_policies", {}).items():
                iam.put_role_policy(RoleName=name, PolicyName=pn,
                                    PolicyDocument=self.doc(doc))
            for ref in r.get("managed_policies", []):
                iam.attach_role_policy(RoleName=name, PolicyArn=self.policy_arn(ref))
            st["roles"][name] = {"arn": arn, "role_name": name,
                                 "permissions_boundary": args.get("PermissionsBoundary")}
        for name, u in fx.get("users", {}).items():
            args = {"UserName": name, "Path": u.get("path", "/")}
            if u.get("permissions_boundary"):
                args["PermissionsBoundary"] = self.policy_arn(u["permissions_boundary"])
            if u.get("tags"):
                args["Tags"] = [{"Key": a, "Value": b} for a, b in u["tags"].items()]
            arn = iam.create_user(**args)["User"]["Arn"]
            for pn, doc in u.get("inline_policies", {}).items():
                iam.put_user_policy(UserName=name, PolicyName=pn,
                                    PolicyDocument=self.doc(doc))
            for ref in u.get("managed_policies", []):
                iam.attach_user_policy(UserName=name, PolicyArn=self.policy_arn(ref))
            rec = {"arn": arn, "user_name": name, "kind": u.get("kind", "other"),
                   "permissions_boundary": args.get("PermissionsBoundary")}
            if u.get("access_key", True):
                ak = iam.create_access_key(UserName=name)["AccessKey"]
                rec["access_key_id"] = ak["AccessKeyId"]
                rec["secret_access_key"] = ak["SecretAccessKey"]
            st["users"][name] = rec
            st["principals_by_kind"][rec["kind"]].append(name)
            if rec["kind"] == "gate":
                st["gate"] = dict(rec, user=name)

        # 3. key policies, aliases, rotation (state changes come last)
        for name, k in fx.get("keys", {}).items():
            rec = st["keys"][name]
            if k.get("policy", "default") != "default":
                kms.put_key_policy(KeyId=rec["key_id"], PolicyName="default",
                                   Policy=self.doc(k["policy"]))
            for a in rec["aliases"]:
                kms.create_alias(AliasName=a, TargetKeyId=rec["key_id"])
            if k.get("rotation"):
                kms.enable_key_rotation(KeyId=rec["key_id"])

        # 4. applications and their histories
        for name, a in fx.get("applications", {}).items():
            self.build_app(name, a)

        # 5. key states
        for name, k in fx.get("keys", {}).items():
            state = k.get("state", "Enabled" if k.get("enabled", True) else "Disabled")
            # moto's key-state calls take the key id only, not the ARN
            kid = st["keys"][name]["key_id"]
            if state == "Disabled":
                kms.disable_key(KeyId=kid)
            elif state == "PendingDeletion":
                kms.schedule_key_deletion(KeyId=kid,
                                          PendingWindowInDays=k.get("pending_window_days", 7))
        for name in st["keys"]:
            kid = st["keys"][name]["key_id"]
            md = kms.describe_key(KeyId=kid)["KeyMetadata"]
            st["keys"][name].update({
                "key_state": md["KeyState"], "enabled": md["Enabled"],
                "rotation": kms.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"],
            })
        for name in st["applications"]:
            self.record_app(name)
        st["scenarios"] = self.subst(fx.get("scenarios", {}))
        return st

    def build_app(self, name, a):
        kda = self.c("kinesisanalyticsv2")
        role = a["service_execution_role"]
        role_arn = role if role.startswith("arn:") else self.ctx["role:%s" % role]
        conf = {"ApplicationSnapshotConfiguration":
                {"SnapshotsEnabled": bool(a.get("snapshots_enabled", True))}}
        code = a.get("code")
        if code is None:
            code = {"CodeContentType": "ZIPFILE", "CodeContent": {"S3ContentLocation": {
                "BucketARN": "arn:aws:s3:::cmkgate-fixture-code", "FileKey": "%s.jar" % name}}}
        conf["ApplicationCodeConfiguration"] = self.subst(code)
        enc = a.get("encryption")
        if enc is not None and enc != "AWS_OWNED_KEY":
            spec = {"key": enc} if isinstance(enc, str) else enc
            conf["ApplicationEncryptionConfiguration"] = {
                "KeyType": "CUSTOMER_MANAGED_KEY", "KeyId": self.key_ref(spec)}
        conf.update(self.subst(a.get("extra_configuration", {})))
        args = {"ApplicationName": name, "RuntimeEnvironment": a.get("runtime", "FLINK-1_20"),
                "ServiceExecutionRole": role_arn, "ApplicationConfiguration": conf}
        if a.get("description"):
            args["ApplicationDescription"] = a["description"]
        if a.get("tags"):
            args["Tags"] = [{"Key": k, "Value": v} for k, v in a["tags"].items()]
        try:
            kda.create_application(**args)
        except Exception as e:
            _fail("application %s: CreateApplication failed: %s" % (name, e))
        self.state["applications"][name] = {"name": name}
        for i, step in enumerate(a.get("steps", [])):
            (kind, arg), = step.items()
            try:
                self.step(name, kind, arg)
            except FixtureError:
                raise
            except Exception as e:
                _fail("application %s step %d (%s): %s" % (name, i, kind, e))
        want = a.get("status")
        if want is None and not a.get("steps"):
            want = "READY"
        if want is not None:
            cur = kda.describe_application(ApplicationName=name)["ApplicationDetail"]
            if want == "RUNNING" and cur["ApplicationStatus"] == "READY":
                kda.start_application(ApplicationName=name, RunConfiguration={
                    "ApplicationRestoreConfiguration": {
                        "ApplicationRestoreType": "SKIP_RESTORE_FROM_SNAPSHOT"}})
            elif want == "READY" and cur["ApplicationStatus"] == "RUNNING":
                kda.stop_application(ApplicationName=name, Force=True)
            self.settle(name)

    TRANSITIONAL = ("STARTING", "STOPPING", "FORCE_STOPPING", "UPDATING", "ROLLING_BACK",
                    "AUTOSCALING", "MAINTENANCE")

    def settle(self, name, snapshot=None, timeout=120.0):
        """Wait until the application (and a snapshot) left transitional states."""
        import time
        kda = self.c("kinesisanalyticsv2")
        deadline = time.time() + timeout
        while True:
            st = kda.describe_application(ApplicationName=name)["ApplicationDetail"]["ApplicationStatus"]
            snap_ok = True
            if snapshot:
                snap_ok = kda.describe_application_snapshot(
                    ApplicationName=name, SnapshotName=snapshot)["SnapshotDetails"]["SnapshotStatus"] != "CREATING"
            if st not in self.TRANSITIONAL and snap_ok:
                return st
            if time.time() > deadline:
                _fail("application %s still %s after %.0f s" % (name, st, timeout))
            time.sleep(0.1)

    def step(self, name, kind, arg):
        self._step(name, kind, arg)
        self.settle(name, snapshot=arg if kind == "snapshot" else None)

    def _step(self, name, kind, arg):
        kda = self.c("kinesisanalyticsv2")
        if kind == "start":
            restore = {"ApplicationRestoreType": arg.get("restore", "SKIP_RESTORE_FROM_SNAPSHOT")}
            if arg.get("snapshot"):
                restore["SnapshotName"] = arg["snapshot"]
            kda.start_application(ApplicationName=name, RunConfiguration={
                "ApplicationRestoreConfiguration": restore})
        elif kind == "stop":
            kda.stop_application(ApplicationName=name, Force=bool(arg.get("force", False)))
        elif kind == "snapshot":
            kda.create_application_snapshot(ApplicationName=name, SnapshotName=arg)
        elif kind == "delete_snapshot":
            d = kda.describe_application_snapshot(ApplicationName=name, SnapshotName=arg)
            kda.delete_application_snapshot(
                ApplicationName=name, SnapshotName=arg,
                SnapshotCreationTimestamp=d["SnapshotDetails"]["SnapshotCreationTimestamp"])
        elif kind == "update":
            cur = kda.describe_application(ApplicationName=name)["ApplicationDetail"]
            args = {"ApplicationName": name}
            if arg.get("use", "version") == "token":
                args["ConditionalToken"] = cur["ConditionalToken"]
            else:
                args["CurrentApplicationVersionId"] = cur["ApplicationVersionId"]
            acu = {}
            if "encryption" in arg:
                enc = arg["encryption"]
                if enc is None or enc == "AWS_OWNED_KEY":
                    acu["ApplicationEncryptionConfigurationUpdate"] = {"KeyTypeUpdate": "AWS_OWNED_KEY"}
                else:
                    spec = {"key": enc} if isinstance(enc, str) else enc
                    acu["ApplicationEncryptionConfigurationUpdate"] = {
                        "KeyTypeUpdate": "CUSTOMER_MANAGED_KEY", "KeyIdUpdate": self.key_ref(spec)}
            if "snapshots_enabled" in arg:
                acu["ApplicationSnapshotConfigurationUpdate"] = {
                    "SnapshotsEnabledUpdate": bool(arg["snapshots_enabled"])}
            if acu:
                args["ApplicationConfigurationUpdate"] = acu
            if "runtime" in arg:
                args["RuntimeEnvironmentUpdate"] = arg["runtime"]
            kda.update_application(**args)
        elif kind == "rollback":
            cur = kda.describe_application(ApplicationName=name)["ApplicationDetail"]
            kda.rollback_application(ApplicationName=name,
                                     CurrentApplicationVersionId=cur["ApplicationVersionId"])

    def record_app(self, name):
        kda = self.c("kinesisanalyticsv2")
        d = kda.describe_application(ApplicationName=name)["ApplicationDetail"]
        enc = d["ApplicationConfigurationDescription"]["ApplicationEncryptionConfigurationDescription"]
        arn_by_ref = {}
        for kname, k in self.state["keys"].items():
            for ref in [k["arn"], k["key_id"]] + k["aliases"] + k["alias_arns"]:
                arn_by_ref[ref] = k["arn"]

        def key_of(e):
            if e.get("KeyType") != "CUSTOMER_MANAGED_KEY":
                return None, None
            arn = arn_by_ref.get(e.get("KeyId"))
            kname = next((n for n, k in self.state["keys"].items() if k["arn"] == arn), None)
            return arn, kname

        key_arn, key_name = key_of(enc)
        versions = []
        for v in sorted(s["ApplicationVersionId"] for s in kda.list_application_versions(
                ApplicationName=name)["ApplicationVersionSummaries"]):
            vd = kda.describe_application_version(
                ApplicationName=name, ApplicationVersionId=v)["ApplicationVersionDetail"]
            venc = vd["ApplicationConfigurationDescription"]["ApplicationEncryptionConfigurationDescription"]
            varn, vname = key_of(venc)
            versions.append({"version_id": v, "status": vd["ApplicationStatus"],
                             "encryption": venc, "key_arn": varn, "key": vname,
                             "runtime": vd["RuntimeEnvironment"]})
        snaps = []
        for s in kda.list_application_snapshots(ApplicationName=name)["SnapshotSummaries"]:
            senc = s.get("ApplicationEncryptionConfigurationDescription", {})
            sarn, sname = key_of(senc)
            snaps.append({"name": s["SnapshotName"], "status": s["SnapshotStatus"],
                          "version_id": s["ApplicationVersionId"],
                          "creation_timestamp": s["SnapshotCreationTimestamp"].timestamp(),
                          "encryption": senc, "key_arn": sarn, "key": sname})
        self.state["applications"][name] = {
            "name": name, "arn": d["ApplicationARN"], "status": d["ApplicationStatus"],
            "version_id": d["ApplicationVersionId"], "conditional_token": d["ConditionalToken"],
            "runtime": d["RuntimeEnvironment"], "service_execution_role": d["ServiceExecutionRole"],
            "encryption": enc, "key_arn": key_arn, "key": key_name,
            "updated_from": d.get("ApplicationVersionUpdatedFrom"),
            "versions": versions, "snapshots": snaps,
        }


def read_fixture(path):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        _fail("cannot read fixture %s: %s" % (path, e))
    except ValueError as e:
        _fail("fixture %s is not valid JSON: %s" % (path, e))


def load(endpoint, fixture_path):
    """Load FIXTURE into the endpoint; return the state dict."""
    fx = read_fixture(fixture_path)
    return Loader(endpoint, fx, fixture_path).load()


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")
    os.chmod(tmp, 0o600)  # holds secret access keys (test-only, but still)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="cmkgate test fixture loader")
    sub = ap.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("load", help="create the fixture's resources on an endpoint")
    lp.add_argument("--endpoint", required=True, help="e.g. http://127.0.0.1:PORT")
    lp.add_argument("fixture")
    lp.add_argument("--out", required=True, help="where to write STATE.json")
    cp = sub.add_parser("check", help="validate a fixture file offline")
    cp.add_argument("fixture")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "check":
            meta = validate(read_fixture(args.fixture))
            print("fixture ok: account %s region %s" % (meta["account"], meta["region"]))
            return 0
        from _interp import ensure_moto_python
        ensure_moto_python()
        st = load(args.endpoint, args.fixture)
        write_json(args.out, st)
        print("loaded %s into %s: %d keys, %d roles, %d users, %d applications -> %s"
              % (args.fixture, args.endpoint, len(st["keys"]), len(st["roles"]),
                 len(st["users"]), len(st["applications"]), args.out))
        return 0
    except FixtureError as e:
        sys.stderr.write("fixture.py: %s\n" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())

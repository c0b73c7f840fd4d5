"""kinesisanalyticsv2 operations for moto, with encryption at rest (CMK).

moto 5.2.1 implements CreateApplication, DescribeApplication,
ListApplications and tagging for kinesisanalyticsv2 and drops
ApplicationConfiguration.ApplicationEncryptionConfiguration.  This module
extends moto's classes in place (no fork):

* ``CmkgateApplication`` subclasses moto's ``Application`` and adds the
  application's version history, snapshots, encryption configuration and
  status transitions;
* ``install()`` replaces the create/describe/list handlers of
  ``KinesisAnalyticsV2Response`` and adds handlers for UpdateApplication,
  Start/StopApplication, the snapshot operations, DescribeApplicationVersion,
  ListApplicationVersions and RollbackApplication.

Wire format: JSON 1.1 (``X-Amz-Target: KinesisAnalytics_20180523.<Op>``),
errors HTTP 400 ``{"__type": Name, "message": text}``; shapes and error names
from botocore's kinesisanalyticsv2 2018-05-23 service model.  Every choice
where AWS documentation is silent is listed in tests/aws/README.md.
"""

import copy
import json
import re
import threading
import time
import uuid

from moto.core.exceptions import JsonRESTError
from moto.kinesisanalyticsv2 import models as _models
from moto.kinesisanalyticsv2 import responses as _responses

from . import keys as _keys

LOCK = threading.RLock()

# Tunable at run time through POST /_cmkgate/config (see wire.py).
SETTINGS = {
    # 0: transitions (STARTING, STOPPING, UPDATING, ROLLING_BACK, snapshot
    # CREATING) complete at once; > 0: the transitional status is visible for
    # that many seconds and settles on the next request after that.
    "transition_seconds": 0.0,
    # Refuse CMKs whose key policy omits the two MSF service principals.
    "require_service_principals": True,
    # Prefix for "__type" in error bodies, e.g. "com.amazonaws.kinesisanalytics#"
    # to exercise a client's handling of namespaced error types.
    "error_type_prefix": "",
}

AWS_OWNED = "AWS_OWNED_KEY"
CMK = "CUSTOMER_MANAGED_KEY"
KEY_TYPES = (AWS_OWNED, CMK)
RESTORE_TYPES = ("SKIP_RESTORE_FROM_SNAPSHOT", "RESTORE_FROM_LATEST_SNAPSHOT",
                 "RESTORE_FROM_CUSTOM_SNAPSHOT")
NAME_RE = re.compile(r"^[a-zA-Z0-9_.-]{1,128}$")
SNAPSHOT_RE = re.compile(r"^[a-zA-Z0-9_.-]{1,256}$")
MIN_CMK_RUNTIME = (1, 20)


class KdaError(JsonRESTError):
    """An error in the JSON 1.1 wire shape of kinesisanalyticsv2 (HTTP 400)."""

    code = 400

    def __init__(self, error_type, message):
        super().__init__(SETTINGS.get("error_type_prefix", "") + error_type, message)
        self.content_type = "application/x-amz-json-1.1"


def _err(kind, message):
    return KdaError(kind, message)


def _now():
    return round(time.time(), 3)


def _op_id():
    return uuid.uuid4().hex[:20]


def runtime_version(runtime):
    """(major, minor) for FLINK-X_Y runtimes, None for SQL/Zeppelin/unknown."""
    m = re.match(r"^FLINK-(\d+)_(\d+)$", runtime or "")
    if not m:
        return None
    return int(m.group(1)), int(m.group(2))


RUNTIME_RE = re.compile(r"^(SQL|FLINK|ZEPPELIN-FLINK)-\d+_\d+$")


def _check_runtime(runtime, name):
    if not RUNTIME_RE.match(runtime):
        raise _err("InvalidArgumentException",
                   "%s %r is not a Managed Service for Apache Flink runtime" % (name, runtime))
    return runtime


def runtime_allows_cmk(runtime):
    v = runtime_version(runtime)
    return v is not None and v >= MIN_CMK_RUNTIME


def _drop_none(d):
    return {k: v for k, v in d.items() if v is not None}


# --------------------------------------------------------------------------
# request parameter helpers (schema violations -> InvalidRequestException)


def _want(params, name, typ, required=False):
    v = params.get(name)
    if v is None:
        if required:
            raise _err("InvalidRequestException",
                       "1 validation error detected: Value null at '%s' failed "
                       "to satisfy constraint: Member must not be null" % name)
        return None
    ok = isinstance(v, typ) and not (typ is int and isinstance(v, bool))
    if typ is float:
        ok = isinstance(v, (int, float)) and not isinstance(v, bool)
    if not ok:
        raise _err("InvalidRequestException",
                   "Value at '%s' has the wrong type" % name)
    return v


def _app_name(params):
    name = _want(params, "ApplicationName", str, required=True)
    if not NAME_RE.match(name):
        raise _err("InvalidArgumentException",
                   "Application name %r does not match [a-zA-Z0-9_.-]{1,128}" % name)
    return name


# --------------------------------------------------------------------------
# the application model


class CmkgateApplication(_models.Application):
    """moto's Application plus versions, snapshots, encryption and status."""

    def __init__(self, backend, params):
        self.backend = backend
        name = _app_name(params)
        runtime = _check_runtime(_want(params, "RuntimeEnvironment", str, required=True),
                                 "RuntimeEnvironment")
        role = _want(params, "ServiceExecutionRole", str, required=True)
        description = _want(params, "ApplicationDescription", str)
        app_config = _want(params, "ApplicationConfiguration", dict) or {}
        logging = _want(params, "CloudWatchLoggingOptions", list)
        mode = _want(params, "ApplicationMode", str) or "STREAMING"
        enc_in = app_config.get("ApplicationEncryptionConfiguration")
        moto_config = {k: v for k, v in app_config.items()
                       if k != "ApplicationEncryptionConfiguration"}
        try:
            super().__init__(
                account_id=backend.account_id,
                region_name=backend.region_name,
                application_name=name,
                application_description=description,
                runtime_environment=runtime,
                service_execution_role=role,
                application_configuration=moto_config or None,
                cloud_watch_logging_options=logging,
                application_mode=mode,
            )
        except (KeyError, TypeError, AttributeError) as e:
            raise _err("InvalidArgumentException",
                       "ApplicationConfiguration is not valid: %s" % e)
        self.name = name
        self.arn = self.application_arn
        self.application_status = "READY"
        self.created = _now()
        self.last_updated = self.created
        self.pending = None            # (final status, due time)
        self.run_config = None         # RunConfigurationDescription
        self.snapshots = []            # dicts, creation order
        self.versions = {}             # id -> version record
        self.seq = 0

        config = copy.deepcopy(self.app_config_description or {})
        snap = config.get("ApplicationSnapshotConfigurationDescription")
        if not isinstance(snap, dict) or "SnapshotsEnabled" not in snap:
            config["ApplicationSnapshotConfigurationDescription"] = {"SnapshotsEnabled": False}
        rb = config.get("ApplicationSystemRollbackConfigurationDescription")
        if isinstance(rb, dict) and "RollbackEnabled" not in rb:
            rb["RollbackEnabled"] = False
        enc_desc, key_arn = self._encryption_from_create(enc_in, runtime)
        config["ApplicationEncryptionConfigurationDescription"] = enc_desc
        self.versions[1] = {
            "id": 1,
            "description": description,
            "runtime": runtime,
            "role": role,
            "config": config,
            "logging": self.cloud_watch_logging_description,
            "key_arn": key_arn,
            "created": self.created,
            "token": uuid.uuid4().hex,
            "updated_from": None,
            "rolled_back_from": None,
            "rolled_back_to": None,
            "summary_status": None,
        }

    # -- helpers -----------------------------------------------------------

    @property
    def current_id(self):
        return max(self.versions)

    def current(self):
        return self.versions[self.current_id]

    def settle(self):
        now = time.time()
        if self.pending and now >= self.pending[1]:
            self.application_status = self.pending[0]
            self.pending = None
        for s in self.snapshots:
            if s["status"] == "CREATING" and now >= s["ready_at"]:
                s["status"] = "READY"

    def transition(self, intermediate, final):
        delay = float(SETTINGS.get("transition_seconds") or 0)
        if delay > 0:
            self.application_status = intermediate
            self.pending = (final, time.time() + delay)
        else:
            self.application_status = final
            self.pending = None

    def _resolve_for(self, ref, error_kind):
        try:
            key = _keys.resolve(self.backend.account_id, self.backend.region_name, ref)
        except _keys.KeyRefError as e:
            raise _err(error_kind, str(e))
        why = _keys.problem(key, SETTINGS.get("require_service_principals", True))
        if why:
            raise _err(error_kind, why)
        return key

    def _encryption_from_create(self, enc, runtime):
        if enc is None:
            return {"KeyType": AWS_OWNED}, None
        if not isinstance(enc, dict):
            raise _err("InvalidRequestException",
                       "ApplicationEncryptionConfiguration must be an object")
        kt = enc.get("KeyType")
        kid = enc.get("KeyId")
        return self._encryption(kt, kid, runtime, "KeyType", "KeyId")

    def _encryption(self, kt, kid, runtime, kt_name, kid_name):
        if kt not in KEY_TYPES:
            raise _err("InvalidArgumentException",
                       "%s must be one of %s" % (kt_name, ", ".join(KEY_TYPES)))
        if kid is not None and not isinstance(kid, str):
            raise _err("InvalidRequestException", "%s must be a string" % kid_name)
        if kt == AWS_OWNED:
            if kid:
                raise _err("InvalidArgumentException",
                           "%s must not be set when %s is AWS_OWNED_KEY" % (kid_name, kt_name))
            return {"KeyType": AWS_OWNED}, None
        if not kid:
            raise _err("InvalidArgumentException",
                       "%s is required when %s is CUSTOMER_MANAGED_KEY" % (kid_name, kt_name))
        if not runtime_allows_cmk(runtime):
            raise _err("InvalidArgumentException",
                       "Customer managed keys need runtime FLINK-1_20 or later; "
                       "the application runtime is %s" % runtime)
        key = self._resolve_for(kid, "InvalidArgumentException")
        # KeyId is echoed as given (key id, key ARN, alias name or alias ARN).
        return {"KeyType": CMK, "KeyId": kid}, key.arn

    def _check_stored_key(self, key_arn, what, error_kind):
        """A stored key ARN (application version or snapshot) must be usable."""
        if key_arn is None:
            return
        key = _keys.by_arn(self.backend.account_id, self.backend.region_name, key_arn)
        if key is None:
            raise _err(error_kind, "%s is encrypted with KMS key %s, which no "
                       "longer exists" % (what, key_arn))
        why = _keys.problem(key, SETTINGS.get("require_service_principals", True))
        if why:
            raise _err(error_kind, "%s cannot be used: %s" % (what, why))

    def _check_version(self, params, required_version=False):
        cur = self.current()
        vid = params.get("CurrentApplicationVersionId")
        token = params.get("ConditionalToken")
        if vid is not None and (not isinstance(vid, int) or isinstance(vid, bool)):
            raise _err("InvalidRequestException",
                       "CurrentApplicationVersionId must be an integer")
        if token is not None and not isinstance(token, str):
            raise _err("InvalidRequestException", "ConditionalToken must be a string")
        if vid is None and required_version:
            _want(params, "CurrentApplicationVersionId", int, required=True)
        if vid is None and token is None:
            raise _err("InvalidArgumentException",
                       "Provide CurrentApplicationVersionId or ConditionalToken")
        if vid is not None and not 1 <= vid <= 999999999:
            raise _err("InvalidArgumentException",
                       "CurrentApplicationVersionId %d is out of range 1..999999999" % vid)
        if vid is not None and vid != cur["id"]:
            raise _err("ConcurrentModificationException",
                       "Current application version ID %d does not match the "
                       "application's current version %d" % (vid, cur["id"]))
        if token is not None and token != cur["token"]:
            raise _err("ConcurrentModificationException",
                       "ConditionalToken does not match the application's current "
                       "conditional token")

    def _new_version(self, record, **links):
        cur = self.current()
        cur["summary_status"] = self.application_status
        record = copy.deepcopy(record)
        record.update({
            "id": cur["id"] + 1,
            "created": _now(),
            "token": uuid.uuid4().hex,
            "updated_from": None,
            "rolled_back_from": None,
            "rolled_back_to": None,
            "summary_status": None,
        })
        record.update(links)
        self.versions[record["id"]] = record
        self.last_updated = record["created"]
        return record

    def _status_must_be(self, allowed, op):
        if self.application_status not in allowed:
            raise _err("ResourceInUseException",
                       "Application %s is in %s status; %s needs %s"
                       % (self.name, self.application_status, op, " or ".join(allowed)))

    def _add_snapshot(self, name, reason):
        cur = self.current()
        delay = float(SETTINGS.get("transition_seconds") or 0)
        ts = float(int(time.time()))  # whole seconds, see README
        enc = {"KeyType": AWS_OWNED} if cur["key_arn"] is None else {
            "KeyType": CMK, "KeyId": cur["key_arn"]}
        self.seq += 1
        snap = {
            "name": name,
            "status": "CREATING" if delay > 0 else "READY",
            "ready_at": time.time() + delay,
            "version": cur["id"],
            "created": ts,
            "runtime": cur["runtime"],
            "encryption": enc,
            "key_arn": cur["key_arn"],
            "reason": reason,
            "seq": self.seq,
        }
        self.snapshots.append(snap)
        return snap

    def _find_snapshot(self, name):
        for s in self.snapshots:
            if s["name"] == name:
                return s
        return None

    def _latest_snapshot(self):
        ready = [s for s in self.snapshots if s["status"] == "READY"]
        return max(ready, key=lambda s: (s["created"], s["seq"])) if ready else None

    # -- wire shapes -------------------------------------------------------

    def detail(self, record=None):
        rec = record or self.current()
        is_current = rec["id"] == self.current_id
        config = copy.deepcopy(rec["config"])
        if is_current and self.run_config:
            config["RunConfigurationDescription"] = copy.deepcopy(self.run_config)
        return _drop_none({
            "ApplicationARN": self.arn,
            "ApplicationDescription": rec["description"],
            "ApplicationName": self.name,
            "RuntimeEnvironment": rec["runtime"],
            "ServiceExecutionRole": rec["role"],
            "ApplicationStatus": self.application_status if is_current else rec["summary_status"],
            "ApplicationVersionId": rec["id"],
            "CreateTimestamp": self.created,
            "LastUpdateTimestamp": self.last_updated,
            "ApplicationConfigurationDescription": config,
            "CloudWatchLoggingOptionDescriptions": rec["logging"],
            "ApplicationMaintenanceConfigurationDescription": {
                "ApplicationMaintenanceWindowStartTime": "06:00",
                "ApplicationMaintenanceWindowEndTime": "14:00",
            },
            "ApplicationVersionUpdatedFrom": rec["updated_from"],
            "ApplicationVersionRolledBackFrom": rec["rolled_back_from"],
            "ApplicationVersionRolledBackTo": rec["rolled_back_to"],
            "ApplicationVersionCreateTimestamp": rec["created"],
            "ConditionalToken": rec["token"] if is_current else None,
            "ApplicationMode": self.application_mode or "STREAMING",
        })

    def summary(self):
        cur = self.current()
        return {
            "ApplicationName": self.name,
            "ApplicationARN": self.arn,
            "ApplicationStatus": self.application_status,
            "ApplicationVersionId": cur["id"],
            "RuntimeEnvironment": cur["runtime"],
            "ApplicationMode": self.application_mode or "STREAMING",
        }

    @staticmethod
    def snapshot_details(s):
        return {
            "SnapshotName": s["name"],
            "SnapshotStatus": s["status"],
            "ApplicationVersionId": s["version"],
            "SnapshotCreationTimestamp": s["created"],
            "RuntimeEnvironment": s["runtime"],
            "ApplicationEncryptionConfigurationDescription": dict(s["encryption"]),
        }

    # -- operations --------------------------------------------------------

    def update(self, params):
        self._status_must_be(("READY", "RUNNING"), "UpdateApplication")
        self._check_version(params)
        cur = self.current()
        rec = copy.deepcopy(cur)
        changed = False

        runtime_update = _want(params, "RuntimeEnvironmentUpdate", str)
        if runtime_update is not None:
            rec["runtime"] = _check_runtime(runtime_update, "RuntimeEnvironmentUpdate")
            changed = True
        role_update = _want(params, "ServiceExecutionRoleUpdate", str)
        if role_update is not None:
            rec["role"] = role_update
            changed = True
        run_update = _want(params, "RunConfigurationUpdate", dict)
        if run_update is not None:
            changed = True
        if _want(params, "CloudWatchLoggingOptionUpdates", list) is not None:
            changed = True  # accepted, not reflected (README)

        acu = _want(params, "ApplicationConfigurationUpdate", dict) or {}
        cfg = rec["config"]
        enc_update = acu.get("ApplicationEncryptionConfigurationUpdate")
        for part, value in acu.items():
            if value is None:
                continue
            changed = True
            if part == "ApplicationEncryptionConfigurationUpdate":
                continue  # below, after the runtime is known
            if not isinstance(value, (dict, list)):
                raise _err("InvalidRequestException", "%s has the wrong type" % part)
            if part == "ApplicationSnapshotConfigurationUpdate":
                v = value.get("SnapshotsEnabledUpdate")
                if not isinstance(v, bool):
                    raise _err("InvalidRequestException",
                               "SnapshotsEnabledUpdate must be a boolean")
                cfg["ApplicationSnapshotConfigurationDescription"] = {"SnapshotsEnabled": v}
            elif part == "ApplicationSystemRollbackConfigurationUpdate":
                v = value.get("RollbackEnabledUpdate")
                if not isinstance(v, bool):
                    raise _err("InvalidRequestException",
                               "RollbackEnabledUpdate must be a boolean")
                cfg["ApplicationSystemRollbackConfigurationDescription"] = {"RollbackEnabled": v}
            elif part == "EnvironmentPropertyUpdates":
                groups = value.get("PropertyGroups")
                if not isinstance(groups, list):
                    raise _err("InvalidRequestException", "PropertyGroups must be a list")
                cfg["EnvironmentPropertyDescriptions"] = {
                    "PropertyGroupDescriptions": copy.deepcopy(groups)}
            elif part == "ApplicationCodeConfigurationUpdate":
                desc = cfg.setdefault("ApplicationCodeConfigurationDescription", {})
                if "CodeContentTypeUpdate" in value:
                    desc["CodeContentType"] = value["CodeContentTypeUpdate"]
                s3 = (value.get("CodeContentUpdate") or {}).get("S3ContentLocationUpdate")
                if isinstance(s3, dict):
                    loc = desc.setdefault("CodeContentDescription", {}).setdefault(
                        "S3ApplicationCodeLocationDescription", {})
                    for src, dst in (("BucketARNUpdate", "BucketARN"),
                                     ("FileKeyUpdate", "FileKey"),
                                     ("ObjectVersionUpdate", "ObjectVersion")):
                        if src in s3:
                            loc[dst] = s3[src]
            # other parts (Flink, VPC, Zeppelin, SQL): accepted, not reflected

        if enc_update is not None:
            if not isinstance(enc_update, dict):
                raise _err("InvalidRequestException",
                           "ApplicationEncryptionConfigurationUpdate must be an object")
            desc, key_arn = self._encryption(
                enc_update.get("KeyTypeUpdate"), enc_update.get("KeyIdUpdate"),
                rec["runtime"], "KeyTypeUpdate", "KeyIdUpdate")
            cfg["ApplicationEncryptionConfigurationDescription"] = desc
            rec["key_arn"] = key_arn
        elif rec["key_arn"] is not None and not runtime_allows_cmk(rec["runtime"]):
            raise _err("InvalidArgumentException",
                       "Customer managed keys need runtime FLINK-1_20 or later; "
                       "cannot change the runtime to %s while the application uses "
                       "a customer managed key" % rec["runtime"])
        if not changed:
            raise _err("InvalidArgumentException",
                       "UpdateApplication request contains no updates")

        if run_update is not None:
            self.run_config = self._run_config_description(run_update, self.run_config)
        new = self._new_version(rec, updated_from=cur["id"])
        if self.application_status == "RUNNING":
            # AWS restarts a running application with the new configuration.
            self.transition("UPDATING", "RUNNING")
        return {"ApplicationDetail": self.detail(new), "OperationId": _op_id()}

    @staticmethod
    def _run_config_description(run_config, previous=None):
        desc = copy.deepcopy(previous) if previous else {}
        restore = run_config.get("ApplicationRestoreConfiguration")
        if isinstance(restore, dict):
            desc["ApplicationRestoreConfigurationDescription"] = _drop_none({
                "ApplicationRestoreType": restore.get("ApplicationRestoreType"),
                "SnapshotName": restore.get("SnapshotName"),
            })
        flink = run_config.get("FlinkRunConfiguration")
        if isinstance(flink, dict):
            desc["FlinkRunConfigurationDescription"] = copy.deepcopy(flink)
        return desc

    def start(self, params):
        self._status_must_be(("READY",), "StartApplication")
        run = _want(params, "RunConfiguration", dict) or {}
        cur = self.current()
        if cur["key_arn"] is not None and not runtime_allows_cmk(cur["runtime"]):
            raise _err("InvalidApplicationConfigurationException",
                       "Customer managed keys need runtime FLINK-1_20 or later; "
                       "the application runtime is %s" % cur["runtime"])
        self._check_stored_key(cur["key_arn"], "The application's encryption key",
                               "InvalidApplicationConfigurationException")
        restore = run.get("ApplicationRestoreConfiguration")
        if restore is None and self.run_config:
            restore = self.run_config.get("ApplicationRestoreConfigurationDescription")
        if restore is None:
            snaps_on = cur["config"]["ApplicationSnapshotConfigurationDescription"]["SnapshotsEnabled"]
            restore = {"ApplicationRestoreType": "RESTORE_FROM_LATEST_SNAPSHOT"
                       if snaps_on else "SKIP_RESTORE_FROM_SNAPSHOT"}
        if not isinstance(restore, dict):
            raise _err("InvalidRequestException",
                       "ApplicationRestoreConfiguration must be an object")
        rtype = restore.get("ApplicationRestoreType")
        if rtype not in RESTORE_TYPES:
            raise _err("InvalidArgumentException",
                       "ApplicationRestoreType must be one of %s" % ", ".join(RESTORE_TYPES))
        snap = None
        if rtype == "RESTORE_FROM_CUSTOM_SNAPSHOT":
            sname = restore.get("SnapshotName")
            if not isinstance(sname, str) or not sname:
                raise _err("InvalidArgumentException",
                           "SnapshotName is required with RESTORE_FROM_CUSTOM_SNAPSHOT")
            snap = self._find_snapshot(sname)
            if snap is None:
                raise _err("ResourceNotFoundException",
                           "Snapshot %s of application %s does not exist" % (sname, self.name))
            if snap["status"] != "READY":
                raise _err("InvalidApplicationConfigurationException",
                           "Snapshot %s is %s" % (sname, snap["status"]))
        elif rtype == "RESTORE_FROM_LATEST_SNAPSHOT":
            snap = self._latest_snapshot()  # none: start without state (README)
        if snap is not None:
            self._check_stored_key(snap["key_arn"], "Snapshot %s" % snap["name"],
                                   "InvalidApplicationConfigurationException")
        given = dict(run)
        given["ApplicationRestoreConfiguration"] = restore
        self.run_config = self._run_config_description(given, self.run_config)
        self.transition("STARTING", "RUNNING")
        self.last_updated = _now()
        return {"OperationId": _op_id()}

    def stop(self, params):
        force = _want(params, "Force", bool) or False
        if force:
            self._status_must_be(("STARTING", "UPDATING", "STOPPING", "AUTOSCALING",
                                  "RUNNING"), "StopApplication with Force")
            self.pending = None
            self.transition("FORCE_STOPPING", "READY")
            return {"OperationId": _op_id()}
        self._status_must_be(("RUNNING",), "StopApplication")
        cur = self.current()
        if cur["config"]["ApplicationSnapshotConfigurationDescription"]["SnapshotsEnabled"]:
            self._check_stored_key(cur["key_arn"], "The snapshot taken on stop",
                                   "InvalidApplicationConfigurationException")
            name = "cmkgate-stop-v%d-%d-%d" % (cur["id"], int(time.time()), len(self.snapshots) + 1)
            self._add_snapshot(name, "stop")
        self.transition("STOPPING", "READY")
        self.last_updated = _now()
        return {"OperationId": _op_id()}

    def create_snapshot(self, params):
        sname = _want(params, "SnapshotName", str, required=True)
        if not SNAPSHOT_RE.match(sname):
            raise _err("InvalidArgumentException",
                       "Snapshot name %r does not match [a-zA-Z0-9_.-]{1,256}" % sname)
        cur = self.current()
        if not cur["config"]["ApplicationSnapshotConfigurationDescription"]["SnapshotsEnabled"]:
            raise _err("InvalidApplicationConfigurationException",
                       "Snapshots are disabled for application %s" % self.name)
        self._status_must_be(("RUNNING",), "CreateApplicationSnapshot")
        if self._find_snapshot(sname) is not None:
            raise _err("InvalidArgumentException",
                       "Snapshot %s already exists for application %s" % (sname, self.name))
        self._check_stored_key(cur["key_arn"], "A new snapshot",
                               "InvalidApplicationConfigurationException")
        self._add_snapshot(sname, "request")
        return {}

    def describe_snapshot(self, params):
        sname = _want(params, "SnapshotName", str, required=True)
        snap = self._find_snapshot(sname)
        if snap is None:
            raise _err("ResourceNotFoundException",
                       "Snapshot %s of application %s does not exist" % (sname, self.name))
        return {"SnapshotDetails": self.snapshot_details(snap)}

    def list_snapshots(self, params):
        items = [self.snapshot_details(s) for s in
                 sorted(self.snapshots, key=lambda s: (s["created"], s["seq"]))]
        page, token = _paginate(items, params, 50)
        return _drop_none({"SnapshotSummaries": page, "NextToken": token})

    def delete_snapshot(self, params):
        sname = _want(params, "SnapshotName", str, required=True)
        ts = _want(params, "SnapshotCreationTimestamp", float, required=True)
        snap = self._find_snapshot(sname)
        if snap is None:
            raise _err("ResourceNotFoundException",
                       "Snapshot %s of application %s does not exist" % (sname, self.name))
        if int(ts) != int(snap["created"]):
            raise _err("InvalidArgumentException",
                       "SnapshotCreationTimestamp %s does not match snapshot %s "
                       "(created %d)" % (ts, sname, int(snap["created"])))
        self.snapshots.remove(snap)
        return {}

    def describe_version(self, params):
        vid = _want(params, "ApplicationVersionId", int, required=True)
        rec = self.versions.get(vid)
        if rec is None:
            raise _err("ResourceNotFoundException",
                       "Version %d of application %s does not exist" % (vid, self.name))
        return {"ApplicationVersionDetail": self.detail(rec)}

    def list_versions(self, params):
        items = []
        for vid in sorted(self.versions, reverse=True):
            rec = self.versions[vid]
            status = self.application_status if vid == self.current_id else rec["summary_status"]
            items.append({"ApplicationVersionId": vid, "ApplicationStatus": status})
        page, token = _paginate(items, params, 50)
        return _drop_none({"ApplicationVersionSummaries": page, "NextToken": token})

    def rollback(self, params):
        self._check_version(params, required_version=True)
        self._status_must_be(("RUNNING", "UPDATING", "AUTOSCALING"), "RollbackApplication")
        cur = self.current()
        target_id = cur["updated_from"]
        if target_id is None or target_id not in self.versions:
            raise _err("InvalidArgumentException",
                       "Application %s version %d was not created by an update; "
                       "there is no previous version to roll back to" % (self.name, cur["id"]))
        target = self.versions[target_id]
        snap = self._latest_snapshot()
        if snap is None:
            raise _err("InvalidArgumentException",
                       "Application %s has no snapshots; rollback needs one" % self.name)
        if target["key_arn"] is not None and not runtime_allows_cmk(target["runtime"]):
            raise _err("InvalidArgumentException",
                       "Version %d uses a customer managed key on runtime %s"
                       % (target_id, target["runtime"]))
        self._check_stored_key(target["key_arn"], "Version %d's encryption key" % target_id,
                               "InvalidArgumentException")
        self._check_stored_key(snap["key_arn"], "Snapshot %s" % snap["name"],
                               "InvalidArgumentException")
        rolled_from = cur["id"]
        new = self._new_version(target, rolled_back_from=rolled_from,
                                rolled_back_to=target_id)
        self.versions[rolled_from]["summary_status"] = "ROLLED_BACK"
        self.run_config = self._run_config_description(
            {"ApplicationRestoreConfiguration": {
                "ApplicationRestoreType": "RESTORE_FROM_LATEST_SNAPSHOT"}}, self.run_config)
        self.transition("ROLLING_BACK", "RUNNING")
        return {"ApplicationDetail": self.detail(new), "OperationId": _op_id()}


def _paginate(items, params, default_limit):
    limit = _want(params, "Limit", int)
    if limit is None:
        limit = default_limit
    if not 1 <= limit <= 50:
        raise _err("InvalidArgumentException", "Limit must be between 1 and 50")
    token = _want(params, "NextToken", str)
    start = 0
    if token:
        if not token.isdigit() or int(token) > len(items):
            raise _err("InvalidArgumentException", "NextToken is not valid")
        start = int(token)
    page = items[start:start + limit]
    nxt = str(start + limit) if start + limit < len(items) else None
    return page, nxt


# --------------------------------------------------------------------------
# backend methods (added to moto's KinesisAnalyticsV2Backend)


def _backend_get(self, name):
    app = self.applications.get(name)
    if not isinstance(app, CmkgateApplication):
        raise _err("ResourceNotFoundException",
                   "Application %s does not exist in account %s region %s"
                   % (name, self.account_id, self.region_name))
    app.settle()
    return app


def _backend_create(self, params):
    name = _app_name(params)
    if name in self.applications:
        raise _err("ResourceInUseException", "Application %s already exists" % name)
    app = CmkgateApplication(self, params)
    self.applications[name] = app
    tags = params.get("Tags")
    if tags:
        self.tag_resource(resource_arn=app.arn, tags=tags)
    return {"ApplicationDetail": app.detail()}


# --------------------------------------------------------------------------
# response handlers (replace/add methods on moto's KinesisAnalyticsV2Response)


def _params(self):
    try:
        body = self.body
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        p = json.loads(body) if body else {}
    except (ValueError, UnicodeDecodeError):
        raise _err("SerializationException", "The request body is not valid JSON")
    if not isinstance(p, dict):
        raise _err("SerializationException", "The request body must be a JSON object")
    return p


def _reply(obj):
    return json.dumps(obj), {"status": 200, "Content-Type": "application/x-amz-json-1.1"}


def _handler(fn):
    def method(self):
        with LOCK:
            params = _params(self)
            return _reply(fn(self.kinesisanalyticsv2_backend, params))
    method.__name__ = fn.__name__
    return method


def _on_app(op):
    def fn(backend, params):
        app = _backend_get(backend, _app_name(params))
        return getattr(app, op)(params)
    fn.__name__ = op
    return fn


def _h_create(backend, params):
    return _backend_create(backend, params)


def _h_describe(backend, params):
    app = _backend_get(backend, _app_name(params))
    return {"ApplicationDetail": app.detail()}


def _h_list(backend, params):
    apps = []
    for app in list(backend.applications.values()):
        if isinstance(app, CmkgateApplication):
            app.settle()
            apps.append(app.summary())
    apps.sort(key=lambda a: a["ApplicationName"])
    page, token = _paginate(apps, params, 50)
    return _drop_none({"ApplicationSummaries": page, "NextToken": token})


def _h_delete(backend, params):
    name = _app_name(params)
    app = _backend_get(backend, name)
    ts = _want(params, "CreateTimestamp", float, required=True)
    if int(ts) != int(app.created):
        raise _err("InvalidArgumentException",
                   "CreateTimestamp %s does not match application %s (created %d)"
                   % (ts, name, int(app.created)))
    if app.application_status in ("STARTING", "STOPPING", "UPDATING", "ROLLING_BACK",
                                  "FORCE_STOPPING", "AUTOSCALING"):
        raise _err("ResourceInUseException", "Application %s is %s" % (name, app.application_status))
    del backend.applications[name]
    return {}


HANDLERS = {
    "delete_application": _h_delete,
    "create_application": _h_create,
    "describe_application": _h_describe,
    "list_applications": _h_list,
    "update_application": _on_app("update"),
    "start_application": _on_app("start"),
    "stop_application": _on_app("stop"),
    "create_application_snapshot": _on_app("create_snapshot"),
    "describe_application_snapshot": _on_app("describe_snapshot"),
    "list_application_snapshots": _on_app("list_snapshots"),
    "delete_application_snapshot": _on_app("delete_snapshot"),
    "describe_application_version": _on_app("describe_version"),
    "list_application_versions": _on_app("list_versions"),
    "rollback_application": _on_app("rollback"),
}


def _not_implemented(op):
    def fn(backend, params):
        raise _err("NotImplemented", "%s is not implemented by the cmkgate test endpoint "
                   "(tests/aws/cmkgate_moto_ext)" % op)
    fn.__name__ = op
    return fn


def _determine_resource(self):
    """The ARN moto's IAM auth checks identity policies against."""
    try:
        body = self.body.decode() if isinstance(self.body, bytes) else self.body
        p = json.loads(body or "{}")
        if isinstance(p, dict):
            if isinstance(p.get("ResourceARN"), str):
                return p["ResourceARN"]
            name = p.get("ApplicationName")
            if isinstance(name, str) and name:
                return "arn:%s:kinesisanalytics:%s:%s:application/%s" % (
                    self.partition, self.region, self.current_account, name)
    except Exception:
        pass
    return "*"


_installed = False


def install():
    global _installed
    if _installed:
        return
    resp = _responses.KinesisAnalyticsV2Response
    for name, fn in HANDLERS.items():
        setattr(resp, name, _handler(fn))
    resp._determine_resource = _determine_resource
    # Every other operation of the service model answers with a clear JSON
    # error instead of moto's HTML 500 for NotImplementedError.
    from botocore.session import get_session
    from moto.core.utils import camelcase_to_underscores
    model = get_session().get_service_model("kinesisanalyticsv2")
    for op in model.operation_names:
        meth = camelcase_to_underscores(op)
        if meth in HANDLERS or meth in ("list_tags_for_resource", "tag_resource"):
            continue
        if meth == "untag_resource" and hasattr(resp, meth):
            continue
        setattr(resp, meth, _handler(_not_implemented(op)))
    backend = _models.KinesisAnalyticsV2Backend
    backend.cmkgate_get = _backend_get
    backend.cmkgate_create = _backend_create
    _installed = True

"""KMS key references as Managed Service for Apache Flink sees them.

An application's KeyId may be a key id, key ARN, alias name or alias ARN
(botocore model, ApplicationEncryptionConfiguration.KeyId).  The emulator
resolves it against moto's KMS backend of the application's own account and
region, and checks that the key can encrypt application state.
"""

from moto.kms.models import kms_backends

# AWS: "you must add the following service principals to your key policy ...
# If you don't include these service principals, Amazon MSF rejects the
# request" (Managed Service for Apache Flink developer guide, "Managing CMK
# using APIs").
SERVICE_PRINCIPALS = (
    "kinesisanalytics.amazonaws.com",
    "infrastructure.kinesisanalytics.amazonaws.com",
)


class KeyRefError(Exception):
    """The reference names no usable key; str(e) is the message for clients."""


def _kms(account, region):
    return kms_backends[account][region]


def resolve(account, region, ref):
    """Return moto's Key object for `ref` or raise KeyRefError."""
    if not isinstance(ref, str) or not ref:
        raise KeyRefError("KMS key reference must be a non-empty string")
    if len(ref) > 2048:
        raise KeyRefError("KMS key reference is longer than 2048 characters")
    kms = _kms(account, region)
    alias = None
    key_id = None
    if ref.startswith("arn:"):
        parts = ref.split(":", 5)
        if len(parts) != 6 or parts[2] != "kms":
            raise KeyRefError("%s is not a KMS key ARN or alias ARN" % ref)
        if parts[3] != region or parts[4] != account:
            raise KeyRefError(
                "KMS key %s is not in this application's account %s and region %s"
                % (ref, account, region))
        resource = parts[5]
        if resource.startswith("key/"):
            key_id = resource[len("key/"):]
        elif resource.startswith("alias/"):
            alias = resource
        else:
            raise KeyRefError("%s is not a KMS key ARN or alias ARN" % ref)
    elif ref.startswith("alias/"):
        alias = ref
    else:
        key_id = ref
    if alias is not None:
        if alias.startswith("alias/aws/"):
            raise KeyRefError(
                "%s names an AWS managed key; encryption at rest needs a "
                "customer managed key" % ref)
        for key in list(kms.keys.values()):
            if alias in getattr(key, "aliases", {}):
                key_id = key.id
                break
        if key_id is None:
            raise KeyRefError("KMS alias %s does not exist" % alias)
    key = kms.keys.get(key_id)
    if key is None:
        raise KeyRefError("KMS key %s does not exist" % ref)
    return key


def by_arn(account, region, arn):
    """The key a stored ARN names, or None when it no longer exists."""
    try:
        return resolve(account, region, arn)
    except KeyRefError:
        return None


def _policy_service_principals(policy_text):
    import json
    try:
        doc = json.loads(policy_text or "")
    except ValueError:
        return set()
    stmts = doc.get("Statement", []) if isinstance(doc, dict) else []
    if isinstance(stmts, dict):
        stmts = [stmts]
    found = set()
    for st in stmts:
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        principal = st.get("Principal")
        if not isinstance(principal, dict):
            continue
        svc = principal.get("Service")
        if isinstance(svc, str):
            found.add(svc)
        elif isinstance(svc, list):
            found.update(s for s in svc if isinstance(s, str))
    return found


def problem(key, require_service_principals=True):
    """Why `key` cannot encrypt application state, or None when it can."""
    if key.key_state != "Enabled":
        return "KMS key %s is %s" % (key.arn, key.key_state)
    spec = key.key_spec or "SYMMETRIC_DEFAULT"
    usage = key.key_usage or "ENCRYPT_DECRYPT"  # moto stores None when omitted
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        return ("KMS key %s is %s/%s; encryption at rest needs a symmetric "
                "encryption key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT)"
                % (key.arn, spec, usage))
    if getattr(key, "key_manager", "CUSTOMER") != "CUSTOMER":
        return "KMS key %s is not a customer managed key" % key.arn
    if require_service_principals:
        missing = [p for p in SERVICE_PRINCIPALS
                   if p not in _policy_service_principals(key.policy)]
        if missing:
            return ("the key policy of KMS key %s does not allow the service "
                    "principal(s) %s" % (key.arn, ", ".join(missing)))
    return None

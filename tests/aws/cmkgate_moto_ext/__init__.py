"""cmkgate's extension of moto 5.2.1 for the local AWS test endpoint.

    import cmkgate_moto_ext
    cmkgate_moto_ext.install()                 # patch moto's classes
    app = cmkgate_moto_ext.wrap(moto_wsgi_app)  # control API, faults, request log

See tests/aws/README.md for the behaviour and every choice made where AWS
documentation is silent.
"""

from . import kinesis, keys, wire  # noqa: F401

SETTINGS = kinesis.SETTINGS


def _kms_determine_resource(self):
    """Key ARN of a KMS request, so moto's IAM auth can match key ARNs."""
    import json
    try:
        body = self.body.decode() if isinstance(self.body, bytes) else self.body
        p = json.loads(body or "{}")
        ref = p.get("KeyId") if isinstance(p, dict) else None
        if isinstance(ref, str) and ref:
            return keys.resolve(self.current_account, self.region, ref).arn
    except Exception:
        pass
    return "*"


def _accept_key_arn(method):
    """moto's KMS backend indexes some calls by raw key id; AWS takes ARNs too."""
    def wrapper(self, key_id, *args, **kwargs):
        return method(self, self.get_key_id(key_id), *args, **kwargs)
    wrapper.__name__ = method.__name__
    wrapper._cmkgate_wrapped = True
    return wrapper


def install():
    """Patch moto in this process (idempotent)."""
    kinesis.install()
    from moto.kms.models import KmsBackend
    from moto.kms.responses import KmsResponse
    if not hasattr(KmsResponse, "_determine_resource"):
        KmsResponse._determine_resource = _kms_determine_resource
    for name in ("disable_key", "enable_key", "cancel_key_deletion", "schedule_key_deletion"):
        method = getattr(KmsBackend, name)
        if not getattr(method, "_cmkgate_wrapped", False):
            setattr(KmsBackend, name, _accept_key_arn(method))


def wrap(app):
    """Wrap moto's WSGI dispatcher with the control API and fault injection."""
    return wire.Endpoint(app)

"""WSGI layer in front of moto's dispatcher: control API, faults, request log.

Control API (never authenticated, loopback only):

  GET    /_cmkgate/health     {"ok": true, "moto_version": ..., "settings": {...}}
  POST   /_cmkgate/faults     one fault object or a list of them -> {"faults": [...]}
  GET    /_cmkgate/faults     {"faults": [active faults]}
  DELETE /_cmkgate/faults     {"cleared": N}
  GET    /_cmkgate/requests   {"requests": [...], "last_seq": N}  (?since=SEQ&service=&action=)
  DELETE /_cmkgate/requests   {"cleared": N}
  GET    /_cmkgate/config     the extension's settings
  POST   /_cmkgate/config     {"transition_seconds": 2, ...} -> settings

A fault: {"service": "kms"|"sts"|"iam"|"kinesisanalytics"|"*", "action": "DescribeKey"|"*",
"status": 400..599, "code": "ThrottlingException", "message": "...", "count": N,
"access_key": "AKIA..." (optional), "delay_ms": N (optional)}.  The next N
matching requests get that error in their protocol's wire format instead of
reaching moto.  With "delay_ms" and no "status" the request is delayed and
then served normally.

Also, for JSON-protocol requests (X-Amz-Target), this layer rewrites moto's
XML auth errors (it sends the Query-protocol ErrorResponse for every service)
into the JSON 1.1 error shape, and gives successful JSON responses the
``application/x-amz-json-1.1`` content type.
"""

import io
import json
import re
import threading
import time
import uuid
from collections import deque
from urllib.parse import parse_qs

from . import kinesis

TARGET_PREFIX_SERVICE = {
    "TrentService": "kms",
    "KinesisAnalytics_20180523": "kinesisanalytics",
}
QUERY_VERSION_SERVICE = {"2011-06-15": "sts", "2010-05-08": "iam"}
QUERY_XMLNS = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}
SERVICE_ALIASES = {"kinesisanalyticsv2": "kinesisanalytics"}
CRED_RE = re.compile(
    r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")
SIGNED_HEADERS_RE = re.compile(r"SignedHeaders=([^,\s]+)")
# moto's auth errors (Query-protocol XML) -> JSON 1.1 error types AWS JSON
# services use for the same conditions.
AUTH_ERROR_JSON = {
    "SignatureDoesNotMatch": "InvalidSignatureException",
    "InvalidClientTokenId": "UnrecognizedClientException",
    "AccessDenied": "AccessDeniedException",
    "InvalidToken": "UnrecognizedClientException",
}
MAX_LOG = 20000


def _json_body(obj, status="200 OK"):
    data = json.dumps(obj, indent=1, sort_keys=True).encode()
    return status, [("Content-Type", "application/json"),
                    ("Content-Length", str(len(data)))], [data]


class Fault:
    _next_id = 1

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("a fault must be a JSON object")
        known = {"service", "action", "status", "code", "message", "count",
                 "access_key", "delay_ms"}
        extra = set(spec) - known
        if extra:
            raise ValueError("unknown fault field(s): %s" % ", ".join(sorted(extra)))
        svc = spec.get("service", "*")
        if not isinstance(svc, str) or not svc:
            raise ValueError("service must be a non-empty string")
        self.service = SERVICE_ALIASES.get(svc.lower(), svc.lower())
        self.action = spec.get("action", "*")
        if not isinstance(self.action, str) or not self.action:
            raise ValueError("action must be a non-empty string")
        self.status = spec.get("status")
        self.delay_ms = spec.get("delay_ms", 0)
        if not isinstance(self.delay_ms, int) or isinstance(self.delay_ms, bool) \
                or not 0 <= self.delay_ms <= 120000:
            raise ValueError("delay_ms must be an integer 0..120000")
        if self.status is None:
            if not self.delay_ms:
                raise ValueError("status is required (or delay_ms for a pure delay)")
        elif not isinstance(self.status, int) or isinstance(self.status, bool) \
                or not 400 <= self.status <= 599:
            raise ValueError("status must be an integer 400..599")
        self.code = spec.get("code")
        if self.code is not None and (not isinstance(self.code, str) or not self.code):
            raise ValueError("code must be a non-empty string")
        self.message = spec.get("message", "Fault injected by the cmkgate test endpoint")
        if not isinstance(self.message, str):
            raise ValueError("message must be a string")
        self.count = spec.get("count", 1)
        if not isinstance(self.count, int) or isinstance(self.count, bool) or self.count < 1:
            raise ValueError("count must be an integer >= 1")
        self.access_key = spec.get("access_key")
        if self.access_key is not None and not isinstance(self.access_key, str):
            raise ValueError("access_key must be a string")
        self.id = Fault._next_id
        Fault._next_id += 1
        self.hits = 0

    def matches(self, info):
        if self.service != "*" and self.service != (info.get("service") or ""):
            return False
        if self.action != "*" and self.action.lower() != (info.get("action") or "").lower():
            return False
        if self.access_key is not None and self.access_key != info.get("access_key_id"):
            return False
        return True

    def describe(self):
        return {"id": self.id, "service": self.service, "action": self.action,
                "status": self.status, "code": self.code, "message": self.message,
                "remaining": self.count, "hits": self.hits,
                "access_key": self.access_key, "delay_ms": self.delay_ms}


def default_code(protocol, status):
    if status == 400:
        return "ThrottlingException" if protocol == "json" else "Throttling"
    if status == 500:
        return "InternalFailure"
    if status == 503:
        return "ServiceUnavailable"
    if status == 403:
        return "AccessDeniedException" if protocol == "json" else "AccessDenied"
    return "InjectedFault"


def error_response(protocol, service, status, code, message):
    """(status line, headers, body) of an AWS error in `protocol`'s wire format."""
    rid = str(uuid.uuid4())
    reason = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error",
              502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}.get(status, "Error")
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"),
                   ("x-amzn-RequestId", rid), ("X-Amzn-ErrorType", code)]
    else:
        from xml.sax.saxutils import escape
        kind = "Sender" if status < 500 else "Receiver"
        xmlns = QUERY_XMLNS.get(service, "https://%s.amazonaws.com/doc/" % service)
        body = ('<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n'
                '    <Code>%s</Code>\n    <Message>%s</Message>\n  </Error>\n'
                '  <RequestId>%s</RequestId>\n</ErrorResponse>\n'
                % (xmlns, kind, escape(code), escape(message), rid)).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)]
    headers.append(("Content-Length", str(len(body))))
    return "%d %s" % (status, reason), headers, body


def _header(environ, name):
    return environ.get("HTTP_" + name.upper().replace("-", "_"))


def classify(environ, body):
    """Service, action, credential scope and token presence of a request."""
    info = {"service": None, "action": None, "region": None, "access_key_id": None,
            "credential_scope": None, "signed_headers": None, "protocol": "query"}
    auth = _header(environ, "Authorization") or ""
    query = environ.get("QUERY_STRING", "")
    qs = parse_qs(query, keep_blank_values=True)
    m = CRED_RE.search(auth)
    if not m and "X-Amz-Credential" in qs:
        m = CRED_RE.search("Credential=" + qs["X-Amz-Credential"][0])
    if m:
        info["access_key_id"] = m.group(1)
        info["region"] = m.group(3)
        info["service"] = m.group(4).lower()
        info["credential_scope"] = "%s/%s/%s/aws4_request" % (m.group(2), m.group(3), m.group(4))
    sh = SIGNED_HEADERS_RE.search(auth)
    if sh:
        info["signed_headers"] = sh.group(1).split(";")
    target = _header(environ, "X-Amz-Target")
    form = {}
    ctype = environ.get("CONTENT_TYPE", "") or ""
    if body and ctype.startswith("application/x-www-form-urlencoded"):
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            form = {}
    if target:
        info["protocol"] = "json"
        prefix, _, op = target.partition(".")
        info["action"] = op or None
        if info["service"] is None:
            info["service"] = TARGET_PREFIX_SERVICE.get(prefix)
    else:
        action = (form.get("Action") or qs.get("Action") or [None])[0]
        info["action"] = action
        if info["service"] is None:
            version = (form.get("Version") or qs.get("Version") or [None])[0]
            info["service"] = QUERY_VERSION_SERVICE.get(version)
    if info["service"] in ("kms", "kinesisanalytics"):
        info["protocol"] = "json"
    # The service the request is for, independent of how it was signed.
    expected = None
    if target:
        expected = TARGET_PREFIX_SERVICE.get(target.partition(".")[0])
    else:
        expected = QUERY_VERSION_SERVICE.get(
            (form.get("Version") or qs.get("Version") or [None])[0])
    info["expected_service"] = expected
    info["security_token"] = bool(_header(environ, "X-Amz-Security-Token")
                                  or "X-Amz-Security-Token" in qs)
    return info


def _error_code_of(body, ctype):
    if not body:
        return None
    try:
        if body.lstrip().startswith(b"{"):
            t = json.loads(body.decode("utf-8")).get("__type")
            return t.split("#")[-1] if isinstance(t, str) else None
        m = re.search(rb"<Code>([^<]+)</Code>", body)
        return m.group(1).decode() if m else None
    except Exception:
        return None


class Endpoint:
    """The WSGI application: control API + faults + log around moto."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.faults = []
        self.log = deque(maxlen=MAX_LOG)
        self.seq = 0

    # -- control API ------------------------------------------------------

    def _control(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "").rstrip("/")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            status, headers, body = self._control_dispatch(method, path, raw, environ)
        except ValueError as e:
            status, headers, body = _json_body({"error": str(e)}, "400 Bad Request")
        start_response(status, headers)
        return body

    def _control_dispatch(self, method, path, raw, environ):
        def parse():
            try:
                return json.loads(raw.decode("utf-8") or "null")
            except (ValueError, UnicodeDecodeError):
                raise ValueError("request body is not valid JSON")

        if path == "/_cmkgate/health" and method == "GET":
            import moto
            return _json_body({"ok": True, "moto_version": moto.__version__,
                               "extension": "cmkgate", "settings": dict(kinesis.SETTINGS)})
        if path == "/_cmkgate/faults":
            if method == "POST":
                spec = parse()
                specs = spec if isinstance(spec, list) else [spec]
                if not specs:
                    raise ValueError("no fault given")
                new = [Fault(s) for s in specs]
                with self.lock:
                    self.faults.extend(new)
                return _json_body({"faults": [f.describe() for f in new]})
            if method == "GET":
                with self.lock:
                    return _json_body({"faults": [f.describe() for f in self.faults]})
            if method == "DELETE":
                with self.lock:
                    n = len(self.faults)
                    self.faults = []
                return _json_body({"cleared": n})
        if path == "/_cmkgate/requests":
            if method == "GET":
                qs = parse_qs(environ.get("QUERY_STRING", ""))
                since = int((qs.get("since") or ["0"])[0] or 0)
                svc = (qs.get("service") or [None])[0]
                act = (qs.get("action") or [None])[0]
                with self.lock:
                    items = [e for e in self.log if e["seq"] > since
                             and (svc is None or e["service"] == SERVICE_ALIASES.get(svc, svc))
                             and (act is None or (e["action"] or "").lower() == act.lower())]
                    last = self.seq
                return _json_body({"requests": items, "last_seq": last})
            if method == "DELETE":
                with self.lock:
                    n = len(self.log)
                    self.log.clear()
                return _json_body({"cleared": n})
        if path == "/_cmkgate/config":
            if method == "GET":
                return _json_body(dict(kinesis.SETTINGS))
            if method == "POST":
                spec = parse()
                if not isinstance(spec, dict):
                    raise ValueError("config must be a JSON object")
                for k, v in spec.items():
                    if k == "transition_seconds":
                        if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 <= v <= 600:
                            raise ValueError("transition_seconds must be a number 0..600")
                        kinesis.SETTINGS[k] = float(v)
                    elif k == "require_service_principals":
                        if not isinstance(v, bool):
                            raise ValueError("require_service_principals must be a boolean")
                        kinesis.SETTINGS[k] = v
                    elif k == "error_type_prefix":
                        if not isinstance(v, str):
                            raise ValueError("error_type_prefix must be a string")
                        kinesis.SETTINGS[k] = v
                    else:
                        raise ValueError("unknown setting %r" % k)
                return _json_body(dict(kinesis.SETTINGS))
        return _json_body({"error": "no such control resource: %s %s" % (method, path)},
                          "404 Not Found")

    # -- AWS requests -------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "") or ""
        if path.startswith("/_cmkgate/"):
            return self._control(environ, start_response)

        body = b""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > 0:
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
        is_aws = not path.startswith("/moto-api")
        info = classify(environ, body) if is_aws else {}
        started = time.time()
        entry = None
        fault = None
        wrong_scope = bool(is_aws and info.get("credential_scope") and info.get("expected_service")
                           and info["service"] != info["expected_service"])
        if is_aws:
            with self.lock:
                self.seq += 1
                entry = {
                    "seq": self.seq,
                    "time": round(started, 3),
                    "method": environ.get("REQUEST_METHOD"),
                    "path": path,
                    "service": info["service"],
                    "action": info["action"],
                    "region": info["region"],
                    "access_key_id": info["access_key_id"],
                    "credential_scope": info["credential_scope"],
                    "signed_headers": info["signed_headers"],
                    "security_token": info["security_token"],
                    "user_agent": _header(environ, "User-Agent"),
                    "status": None,
                    "error_code": None,
                    "fault": None,
                }
                self.log.append(entry)
                for f in ([] if wrong_scope else self.faults):
                    if f.matches(info):
                        fault = f
                        f.count -= 1
                        f.hits += 1
                        if f.count <= 0:
                            self.faults.remove(f)
                        break
        if wrong_scope:
            # AWS rejects a signature scoped to another service before anything
            # else; moto would route it to the wrong backend (or none: HTML 500).
            kind = "InvalidSignatureException" if info["protocol"] == "json" else "SignatureDoesNotMatch"
            msg = "Credential should be scoped to correct service: '%s'. " % info["expected_service"]
            status, headers, data = error_response(
                "json" if _header(environ, "X-Amz-Target") else "query",
                info["expected_service"], 400 if _header(environ, "X-Amz-Target") else 403,
                kind, msg)
            with self.lock:
                entry.update(status=int(status.split()[0]), error_code=kind,
                             duration_ms=round((time.time() - started) * 1000, 1))
            start_response(status, headers)
            return [data]
        if fault is not None:
            if fault.delay_ms:
                time.sleep(fault.delay_ms / 1000.0)
            if fault.status is not None:
                code = fault.code or default_code(info["protocol"], fault.status)
                status, headers, data = error_response(
                    info["protocol"], info["service"], fault.status, code, fault.message)
                with self.lock:
                    entry.update(status=fault.status, error_code=code, fault=fault.id,
                                 duration_ms=round((time.time() - started) * 1000, 1))
                start_response(status, headers)
                return [data]
            entry["fault"] = fault.id

        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"] = status
            captured["headers"] = list(headers)
            return lambda data: captured.setdefault("written", []).append(data)

        result = self.app(environ, capture)
        try:
            chunks = captured.get("written", []) + [c for c in result]
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        data = b"".join(chunks)
        status = captured.get("status", "500 Internal Server Error")
        headers = captured.get("headers", [])
        code = int(status.split()[0])
        if is_aws and info.get("protocol") == "json" and _header(environ, "X-Amz-Target"):
            status, headers, data, code = self._jsonify(info, status, headers, data, code)
        if entry is not None:
            ctype = dict((k.lower(), v) for k, v in headers).get("content-type", "")
            with self.lock:
                entry["status"] = code
                if code >= 400:
                    entry["error_code"] = _error_code_of(data, ctype)
                entry["duration_ms"] = round((time.time() - started) * 1000, 1)
        start_response(status, headers)
        return [data]

    @staticmethod
    def _jsonify(info, status, headers, data, code):
        hmap = {k.lower(): v for k, v in headers}
        ctype = hmap.get("content-type", "")
        if code >= 400 and data.lstrip().startswith(b"<"):
            m_code = re.search(rb"<Code>([^<]+)</Code>", data)
            m_msg = re.search(rb"<Message>([^<]*)</Message>", data)
            if m_code:
                import html
                xcode = m_code.group(1).decode()
                msg = html.unescape(m_msg.group(1).decode()) if m_msg else xcode
                jcode = AUTH_ERROR_JSON.get(xcode, xcode)
                new_status = 400 if xcode in AUTH_ERROR_JSON else code
                st, hd, body = error_response("json", info["service"], new_status, jcode, msg)
                return st, hd, body, new_status
        if code < 400 and (not ctype or ctype.startswith("text/html")):
            headers = [(k, v) for k, v in headers if k.lower() not in ("content-type", "content-length")]
            headers.append(("Content-Type", "application/x-amz-json-1.1"))
            headers.append(("Content-Length", str(len(data))))
        return status, headers, data, code

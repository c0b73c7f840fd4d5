#!/bin/sh
# cmkgated's TLS listener on 127.0.0.1: the caller is the client certificate
# (its SHA-256 in the config), which must chain to tls.client_ca.  Test
# certificates are made with openssl in a temporary directory.
set -u
build=${1:?usage: gate-tls.sh BUILD-ROOT SOURCE-ROOT}
top=${2:?}
dir=$(mktemp -d)
cleanup() { python3 "$top/tests/aws/endpoint.py" stop --dir "$dir" >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT INT TERM
if ! command -v openssl >/dev/null; then
	echo "Bail out! openssl is missing (contrib/dev setup installs it)"
	exit 1
fi
if ! python3 "$top/tests/aws/endpoint.py" start --dir "$dir" \
	--fixture "$top/tests/aws/fixtures/scenarios.json" --auth >&2; then
	echo "Bail out! the local AWS endpoint did not start"
	exit 1
fi
# shellcheck disable=SC1091
. "$dir/endpoint.env"
PYTHONPATH="$top/tests/integration" python3 - "$build" "$top" "$dir" <<'PY'
import http.client, json, os, socket, ssl, subprocess, sys
from gatelib import Gate

build, top, d = sys.argv[1:4]
st = json.load(open(os.path.join(d, "endpoint.json")))["state"]
account = st["account"]
pki = os.path.join(d, "pki")
os.makedirs(pki)
n, failed = 0, 0

def check(name, cond, detail=None):
    global n, failed
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, name))
    if not cond:
        failed += 1
        print("  # " + json.dumps(detail, default=str)[:2000])

def ossl(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)

def ca(name):
    ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", os.path.join(pki, name + ".key"), "-out", os.path.join(pki, name + ".crt"),
         "-subj", "/CN=" + name, "-days", "2")

def issue(name, issuer, ext):
    key, csr, crt = (os.path.join(pki, name + x) for x in (".key", ".csr", ".crt"))
    ossl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", key, "-out", csr, "-subj", "/CN=" + name)
    extfile = os.path.join(pki, name + ".ext")
    open(extfile, "w").write(ext)
    ossl("x509", "-req", "-in", csr, "-CA", os.path.join(pki, issuer + ".crt"), "-CAkey",
         os.path.join(pki, issuer + ".key"), "-CAcreateserial", "-out", crt, "-days", "2",
         "-extfile", extfile)
    os.chmod(key, 0o600)
    return crt, key

def fingerprint(crt):
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", crt],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    return out.strip().split("=", 1)[1].replace(":", "").lower()

ca("server-ca")
ca("client-ca")
ca("other-ca")
server_crt, server_key = issue("gate", "server-ca",
                               "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
client_ext = "extendedKeyUsage=clientAuth\n"
alice_crt, alice_key = issue("alice", "client-ca", client_ext)
mallory_crt, mallory_key = issue("mallory", "client-ca", client_ext)
eve_crt, eve_key = issue("eve", "other-ca", client_ext)

s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
url = "https://127.0.0.1:%d" % port
principal = "arn:aws:sts::%s:assumed-role/cmkgate-operator/op-alice" % account
gd = os.path.join(d, "gate")
os.makedirs(gd)
gate = Gate(build, top, gd, account, operators=[
    {"name": "alice", "principal": principal, "certificate_sha256": fingerprint(alice_crt)},
    {"name": "eve", "principal": principal, "certificate_sha256": fingerprint(eve_crt)},
    {"uid": os.getuid(), "name": "carol", "principal": principal}])
conf = json.load(open(gate.conf))
conf["tls"] = {"listen": "127.0.0.1:%d" % port, "certificate": server_crt, "key": server_key,
               "client_ca": os.path.join(pki, "client-ca.crt")}
json.dump(conf, open(gate.conf, "w"))
try:
    gate.start()
except RuntimeError as e:
    print("Bail out! " + str(e))
    sys.exit(1)

snapshot = os.path.join(d, "snapshot.json")
json.dump({"ApplicationName": "ledger-cmk", "SnapshotName": "tls"}, open(snapshot, "w"))

def over_tls(crt, key, *args):
    p = subprocess.run([gate.cmkgate, "--url", url, "--cert", crt, "--key", key, "--cacert",
                        os.path.join(pki, "server-ca.crt")] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr

rc, out, err = over_tls(alice_crt, alice_key, "request", "--operation", "CreateApplicationSnapshot",
                        "--input", snapshot, "--reason", "CHG-7 over TLS", "--json")
a = json.loads(out) if rc == 0 else {}
check("an operator known by her client certificate files a request over TLS",
      rc == 0 and a["state"] == "approved" and a["operator"] == "alice", [rc, out, err])
entry = [e for e in gate.audit_entries() if e.get("request_id") == a.get("id")]
check("the audit entry names the certificate and the TLS client address",
      len(entry) == 1 and entry[0]["who"].get("certificate_sha256") == fingerprint(alice_crt)
      and entry[0]["source"] == {"transport": "tls", "address": "127.0.0.1"}, entry)

rc, out, err = over_tls(mallory_crt, mallory_key, "list")
check("a certificate from the client CA that no operator has is refused",
      rc == 3 and "not an operator" in err, [rc, out, err])
rc, out, err = over_tls(eve_crt, eve_key, "list")
check("a listed certificate from another CA is refused (the chain is checked, not only the hash)",
      rc == 3 and "does not verify" in err, [rc, out, err])

ctx = ssl.create_default_context(cafile=os.path.join(pki, "server-ca.crt"))
conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
conn.request("GET", "/v1/requests")
resp = conn.getresponse()
body = json.loads(resp.read())
check("a client without a certificate is refused (403)",
      resp.status == 403 and "no client certificate" in body["error"]["message"], [resp.status, body])
conn.close()
conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
conn.request("GET", "/metrics")
resp = conn.getresponse()
resp.read()
check("over TLS even /metrics needs an operator's certificate", resp.status == 403, resp.status)
conn.close()
# trusting only another CA, the handshake fails: the gate presents the configured
# certificate, and nothing else would do
ctx_untrusting = ssl.create_default_context(cafile=os.path.join(pki, "client-ca.crt"))
try:
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx_untrusting, timeout=10)
    conn.request("GET", "/healthz")
    conn.getresponse()
    verified = True
except ssl.SSLError:
    verified = False
check("the gate presents its configured server certificate (another CA does not verify it)",
      not verified)
try:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/v1/requests")
    plain = conn.getresponse().status
except (OSError, http.client.HTTPException):
    plain = None
check("plain HTTP on the TLS port gets nothing", plain is None or plain >= 400, plain)

rc, out, err = gate.cli("list", "--json")
check("the unix socket serves uid operators next to it",
      rc == 0 and len(json.loads(out)["requests"]) == 1, [rc, out, err])
gate.stop()

p = subprocess.run([gate.cmkgated, "--config", gate.conf, "--check"], stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True, timeout=20)
check("--check reads the TLS files", p.returncode == 0 and "TLS files" in p.stdout,
      [p.returncode, p.stdout, p.stderr])
os.chmod(server_key, 0o644)
p = subprocess.run([gate.cmkgated, "--config", gate.conf], stderr=subprocess.PIPE, text=True,
                   timeout=20)
check("a TLS key others can read refuses to start", p.returncode == 1 and server_key in p.stderr,
      [p.returncode, p.stderr])
p = subprocess.run([gate.cmkgated, "--config", gate.conf, "--check"], stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True, timeout=20)
check("--check finds it too", p.returncode == 1 and server_key in p.stderr, [p.returncode, p.stderr])
print("1..%d" % n)
sys.exit(1 if failed else 0)
PY

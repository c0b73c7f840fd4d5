/*
 * cmkgated's HTTP API (docs/api.md), served by libmicrohttpd on a unix
 * socket and, when configured, a TLS listener.  The caller is the socket
 * peer's uid (SO_PEERCRED) or the verified client certificate, mapped to
 * an operator by the configuration; nothing in a body can claim an
 * identity.
 *
 *   POST /v1/requests        file a request: decide, audit, store
 *   GET  /v1/requests        list requests (?state=&operator=&limit=)
 *   GET  /v1/requests/ID     one request with its record and history
 *   GET  /healthz            the store answers and the audit log is writable
 *   GET  /metrics            Prometheus text format
 *
 * Filing a request: the body is parsed strictly, the request is decided
 * (decide.c: AWS lookups under aws_lock, then the pure evaluation), and
 * then, under write_lock, the audit entry is appended and fsync()ed
 * *before* the request is stored.  When the audit append fails the gate
 * refuses (503) and keeps refusing until it is restarted: it never acts on
 * something it could not record.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>

#include "audit.h"
#include "aws.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "config.h"
#include "decide.h"
#include "filing.h"
#include "gated.h"
#include "jcs.h"
#include "store.h"

/*
 * A thread per connection: a filing waiting on AWS holds up only its own
 * connection, never /healthz or another operator's reads.  The connection
 * limit bounds the threads (per listener).
 */
#define API_FLAGS		(MHD_USE_INTERNAL_POLLING_THREAD | \
				 MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL)
#define API_CONN_TIMEOUT	30	/* seconds of silence before a connection is closed */
#define API_CONN_LIMIT		64
/*
 * Connections one uid (unix socket) or one address (TLS) may hold at once:
 * one local user cannot take every connection, even with a client that
 * never finishes its headers.
 */
#define API_CONN_PER_PEER	8
#define API_PEERS_MAX		API_CONN_LIMIT
#define API_REQ_PREFIX		"/v1/requests"
/* TLS 1.2 and 1.3 only, GnuTLS's secure defaults otherwise */
#define API_TLS_PRIORITIES	"SECURE256:SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* One HTTP request in flight. */
struct call {
	struct cg_buf	*body;
	bool		 tls;		/* came through the TLS listener */
	bool		 have_peer;	/* unix: uid and pid read; tls: a verified certificate */
	uid_t		 uid;
	pid_t		 pid;
	char		 cert[65];	/* tls: SHA-256 of the client certificate, hex */
	char		 address[64];	/* tls: the client's address */
	const char	*peer_problem;	/* tls: why there is no verified certificate */
	const struct config_operator *op;	/* the operator, once identified */
	bool		 answered;	/* refused from its headers alone */
};

int64_t
gated_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- answers */

static enum MHD_Result
respond_text(struct gated *g, struct MHD_Connection *conn, unsigned status,
    const char *type, const char *text, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret = MHD_NO;

	if (status >= 400)
		atomic_fetch_add(&g->http_errors, 1);
	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)text,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type) == MHD_YES &&
	    MHD_add_response_header(resp, "Cache-Control", "no-store") == MHD_YES &&
	    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") == MHD_YES)
		ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
respond_json(struct gated *g, struct MHD_Connection *conn, unsigned status,
    struct json_object *o)
{
	const char *s;
	size_t len = 0;
	char *copy = NULL;
	enum MHD_Result ret = MHD_NO;

	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (s != NULL && (copy = malloc(len + 1)) != NULL) {
		memcpy(copy, s, len);
		copy[len] = '\n';
		ret = respond_text(g, conn, status, "application/json", copy, len + 1);
	}
	free(copy);
	return ret;
}

/* {"error": {"code": CODE, "message": MESSAGE}} */
static enum MHD_Result respond_error(struct gated *g, struct MHD_Connection *conn, unsigned status,
    const char *code, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static enum MHD_Result
respond_error(struct gated *g, struct MHD_Connection *conn, unsigned status,
    const char *code, const char *fmt, ...)
{
	struct json_object *o = NULL, *e = NULL;
	char msg[2048];
	va_list ap;
	enum MHD_Result ret = MHD_NO;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cg_utf8_scrub(msg);
	if ((o = json_object_new_object()) == NULL || (e = json_object_new_object()) == NULL ||
	    json_object_object_add(e, "code", json_object_new_string(code)) != 0 ||
	    json_object_object_add(e, "message", json_object_new_string(msg)) != 0 ||
	    json_object_object_add(o, "error", e) != 0) {
		json_object_put(e);
		json_object_put(o);
		return respond_text(g, conn, 500, "application/json",
		    "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}\n", 57);
	}
	ret = respond_json(g, conn, status, o);
	json_object_put(o);
	return ret;
}

/* ------------------------------------------------------------ the caller */

static int
peer_of(struct MHD_Connection *conn, uid_t *ret_uid, pid_t *ret_pid)
{
	const union MHD_ConnectionInfo *ci;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int r = CG_ERR_INTERNAL;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	ENSURE(ci != NULL, CG_ERR_IO);
	ENSURE(getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    len == sizeof(cred), CG_ERR_IO);
	*ret_uid = cred.uid;
	*ret_pid = cred.pid;
	r = 0;
 out:
	return r;
}

/*
 * The TLS client: its certificate must chain to tls.client_ca (GnuTLS
 * verifies the chain, validity and signature; the handshake proved the
 * client holds the key), and its SHA-256 names the operator.
 */
static void
tls_peer_of(struct MHD_Connection *conn, struct call *c)
{
	const union MHD_ConnectionInfo *ci;
	const gnutls_datum_t *certs;
	gnutls_session_t session;
	unsigned int status = 0, n = 0;
	uint8_t digest[crypto_hash_sha256_BYTES];
	char host[INET6_ADDRSTRLEN];
	size_t i;

	c->peer_problem = "the connection has no TLS session";
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		const struct sockaddr *sa = ci->client_addr;

		if ((sa->sa_family == AF_INET && inet_ntop(AF_INET,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr, host,
		    sizeof(host)) != NULL) || (sa->sa_family == AF_INET6 && inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, host,
		    sizeof(host)) != NULL))
			(void)snprintf(c->address, sizeof(c->address), "%s", host);
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL)
		return;
	session = ci->tls_session;
	certs = gnutls_certificate_get_peers(session, &n);
	if (certs == NULL || n == 0) {
		c->peer_problem = "no client certificate was presented";
		return;
	}
	if (gnutls_certificate_verify_peers2(session, &status) != GNUTLS_E_SUCCESS ||
	    status != 0) {
		c->peer_problem = "the client certificate does not verify against tls.client_ca "
		    "(unknown issuer, expired, or not valid yet)";
		return;
	}
	crypto_hash_sha256(digest, certs[0].data, certs[0].size);
	for (i = 0; i < sizeof(digest); i++)
		(void)snprintf(&c->cert[2 * i], 3, "%02x", digest[i]);
	c->have_peer = true;
	c->peer_problem = NULL;
}

/* who and source of an audit entry: the caller as the transport knows it. */
static int
add_caller(struct json_object *f, const struct call *c, const char *operator_name,
    const char *principal)
{
	struct json_object *who = NULL, *src = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE((who = json_object_new_object()) != NULL, CG_ERR_NOMEM);
	ENSURE((src = json_object_new_object()) != NULL, CG_ERR_NOMEM);
	GUARD(cg_json_add(who, "operator", json_object_new_string(operator_name)));
	if (principal != NULL)
		GUARD(cg_json_add(who, "principal", json_object_new_string(principal)));
	if (c->tls) {
		GUARD(cg_json_add(who, "certificate_sha256", json_object_new_string(c->cert)));
		GUARD(cg_json_add(src, "transport", json_object_new_string("tls")));
		GUARD(cg_json_add(src, "address", json_object_new_string(c->address)));
	} else {
		GUARD(cg_json_add(who, "uid", json_object_new_int64(c->uid)));
		GUARD(cg_json_add(src, "transport", json_object_new_string("unix")));
		GUARD(cg_json_add(src, "pid", json_object_new_int64(c->pid)));
	}
	r = cg_json_add(f, "who", who);
	who = NULL;		/* taken over, or put */
	GUARD(r);
	r = cg_json_add(f, "source", src);
	src = NULL;
	GUARD(r);
	r = 0;
 out:
	json_object_put(who);
	json_object_put(src);
	return r;
}

/* ---------------------------------------------------------- the records */

static struct json_object *
history_json(struct gated *g, const char *id)
{
	struct store_event *ev = NULL;
	struct json_object *a = NULL, *e;
	size_t n = 0, i;

	if (store_history(g->store, id, &ev, &n, NULL) < 0)
		return NULL;
	if ((a = json_object_new_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if ((e = json_object_new_object()) == NULL ||
		    json_object_array_add(a, e) != 0) {
			json_object_put(e);
			json_object_put(a);
			a = NULL;
			goto out;
		}
		if (ev[i].from != 0)
			json_object_object_add(e, "from",
			    json_object_new_string(store_state_name(ev[i].from)));
		json_object_object_add(e, "to", json_object_new_string(store_state_name(ev[i].to)));
		json_object_object_add(e, "at_ms", json_object_new_int64(ev[i].at_ms));
		json_object_object_add(e, "note", json_object_new_string(ev[i].note != NULL ?
		    ev[i].note : ""));
	}
 out:
	store_events_free(ev, n);
	return a;
}

/* A stored request as the API shows it; full adds the record and history. */
static struct json_object *
request_json(struct gated *g, const struct store_request *sr, bool full)
{
	struct json_object *o, *rec = NULL, *h;
	const char *msg = NULL;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_string(sr->id));
	json_object_object_add(o, "state", json_object_new_string(store_state_name(sr->state)));
	json_object_object_add(o, "operation", json_object_new_string(sr->operation));
	json_object_object_add(o, "operator", json_object_new_string(sr->operator_name));
	json_object_object_add(o, "principal", json_object_new_string(sr->principal));
	json_object_object_add(o, "region", json_object_new_string(sr->region));
	json_object_object_add(o, "reason", json_object_new_string(sr->reason));
	json_object_object_add(o, "request_digest", json_object_new_string(sr->digest));
	json_object_object_add(o, "created_ms", json_object_new_int64(sr->created_ms));
	json_object_object_add(o, "updated_ms", json_object_new_int64(sr->updated_ms));
	json_object_object_add(o, "expires_ms", json_object_new_int64(sr->expires_ms));
	json_object_object_add(o, "version", json_object_new_int64(sr->version));
	if (!full)
		return o;
	if (cg_json_parse(sr->input, strlen(sr->input), STORE_TEXT_MAX, &rec, &msg) == 0)
		json_object_object_add(o, "input", rec);
	rec = NULL;
	if (cg_json_parse(sr->record, strlen(sr->record), STORE_TEXT_MAX, &rec, &msg) == 0)
		json_object_object_add(o, "record", rec);
	if ((h = history_json(g, sr->id)) != NULL)
		json_object_object_add(o, "history", h);
	return o;
}

/* ------------------------------------------------------------ the audit */

/*
 * A new array of the elements of record[name], each cut down to the members
 * in fields (the audit log keeps the gist; the store keeps the record).
 */
static int
project(struct json_object *record, const char *name, const char *const *fields,
    struct json_object **ret)
{
	struct json_object *src = NULL, *out = NULL, *e = NULL, *x;
	size_t i, k;
	int r = CG_ERR_INTERNAL;

	ENSURE((out = json_object_new_array()) != NULL, CG_ERR_NOMEM);
	if (json_object_object_get_ex(record, name, &src) &&
	    json_object_is_type(src, json_type_array)) {
		for (i = 0; i < json_object_array_length(src); i++) {
			ENSURE((e = json_object_new_object()) != NULL, CG_ERR_NOMEM);
			for (k = 0; fields[k] != NULL; k++)
				if (json_object_object_get_ex(json_object_array_get_idx(src, i),
				    fields[k], &x))
					GUARD(cg_json_add(e, fields[k], json_object_get(x)));
			ENSURE(json_object_array_add(out, e) == 0, CG_ERR_NOMEM);
			e = NULL;
		}
	}
	*ret = out;
	out = NULL;
	r = 0;
 out:
	json_object_put(e);
	json_object_put(out);
	return r;
}

static const char *const check_fields[] = { "action", "resource", "result", "stage", NULL };
static const char *const key_fields[] = { "arn", "role", "state", "changes", NULL };

/*
 * The audit entry of a filed request: who (operator, uid, principal), what
 * (operation, application, digest, region, reason, key change, each check
 * and rule step in short), source (unix socket peer), the request id, the
 * decision (the first state) and the keys involved.
 */
static int
audit_request(struct gated *g, const struct call *c, const struct store_request *sr,
    struct json_object *record)
{
	struct json_object *f = NULL, *what = NULL, *list = NULL, *v, *res;
	int r = CG_ERR_INTERNAL;

	ENSURE((f = json_object_new_object()) != NULL, CG_ERR_NOMEM);
	GUARD(add_caller(f, c, sr->operator_name, sr->principal));
	ENSURE((what = json_object_new_object()) != NULL, CG_ERR_NOMEM);
	GUARD(cg_json_add(f, "what", what));	/* f owns it now, even on failure */
	GUARD(cg_json_add(what, "operation", json_object_new_string(sr->operation)));
	if (json_object_object_get_ex(record, "application", &v))
		GUARD(cg_json_add(what, "application", json_object_get(v)));
	GUARD(cg_json_add(what, "request_digest", json_object_new_string(sr->digest)));
	GUARD(cg_json_add(what, "region", json_object_new_string(sr->region)));
	GUARD(cg_json_add(what, "reason", json_object_new_string(sr->reason)));
	if (json_object_object_get_ex(record, "key_change_kind", &v))
		GUARD(cg_json_add(what, "key_change", json_object_get(v)));
	GUARD(project(record, "checks", check_fields, &list));
	GUARD(cg_json_add(what, "checks", list));
	if (json_object_object_get_ex(record, "refusals", &v))
		GUARD(cg_json_add(what, "refusals", json_object_get(v)));
	if (json_object_object_get_ex(record, "rules", &v) &&
	    json_object_object_get_ex(v, "result", &res))
		GUARD(cg_json_add(what, "rules", json_object_get(res)));
	GUARD(cg_json_add(f, "request_id", json_object_new_string(sr->id)));
	GUARD(cg_json_add(f, "decision", json_object_new_string(store_state_name(sr->state))));
	GUARD(project(record, "keys", key_fields, &list));
	GUARD(cg_json_add(f, "keys", list));
	r = audit_append(g->audit, "request", f);
 out:
	json_object_put(f);
	return r;
}

/* A request the gate could not decide (AWS unreachable, ...): audited too. */
static int
audit_undecided(struct gated *g, const struct call *c, const char *operator_name,
    const char *operation, const char *digest, const char *why)
{
	struct json_object *f = NULL, *what;
	int r = CG_ERR_INTERNAL;

	ENSURE((f = json_object_new_object()) != NULL, CG_ERR_NOMEM);
	GUARD(add_caller(f, c, operator_name, NULL));
	ENSURE((what = json_object_new_object()) != NULL, CG_ERR_NOMEM);
	GUARD(cg_json_add(f, "what", what));
	GUARD(cg_json_add(what, "operation", json_object_new_string(operation)));
	GUARD(cg_json_add(what, "request_digest", json_object_new_string(digest)));
	GUARD(cg_json_add(what, "error", json_object_new_string(why)));
	GUARD(cg_json_add(f, "decision", json_object_new_string("undecided")));
	r = audit_append(g->audit, "request.undecided", f);
 out:
	json_object_put(f);
	return r;
}

/* The store refused a request the log already names: the log says so. */
static int
audit_store_failed(struct gated *g, const char *id, int code)
{
	struct json_object *f = NULL, *what;
	int r = CG_ERR_INTERNAL;

	ENSURE((f = json_object_new_object()) != NULL, CG_ERR_NOMEM);
	ENSURE((what = json_object_new_object()) != NULL, CG_ERR_NOMEM);
	GUARD(cg_json_add(f, "what", what));
	GUARD(cg_json_add(what, "error", json_object_new_string(cg_strerror(code))));
	GUARD(cg_json_add(f, "request_id", json_object_new_string(id)));
	GUARD(cg_json_add(f, "decision", json_object_new_string("not-stored")));
	r = audit_append(g->audit, "request.store_failed", f);
 out:
	json_object_put(f);
	return r;
}

/* Appends under write_lock; on failure the gate stops acting. */
static bool
audit_ok(struct gated *g, int r)
{
	if (r == 0)
		return true;
	atomic_fetch_add(&g->audit_failures, 1);
	if (r != CG_ERR_INVALID_ARG && r != CG_ERR_LIMIT)
		atomic_store(&g->audit_broken, true);
	return false;
}

/*
 * The result of an append made under write_lock, for a refusal: 0,
 * CG_ERR_IO when the log is (now) broken and the gate refuses everything,
 * or the append's own error for an entry the log would not take (the gate
 * goes on; this one request is refused).
 */
static int
audit_refusal(struct gated *g, int r)
{
	if (atomic_load(&g->audit_broken))
		return CG_ERR_IO;
	if (audit_ok(g, r))
		return 0;
	return atomic_load(&g->audit_broken) ? CG_ERR_IO : (r < 0 ? r : CG_ERR_INTERNAL);
}

static enum MHD_Result
respond_audit_failure(struct gated *g, struct MHD_Connection *conn, int r)
{
	if (r == CG_ERR_IO)
		return respond_error(g, conn, 503, "audit-unavailable", "the audit log cannot be "
		    "written: the gate refuses to act until it is restarted");
	return respond_error(g, conn, 500, "audit-entry", "the audit log would not take this "
	    "request's entry (%s): nothing was filed", cg_strerror(r));
}

/* ------------------------------------------------------- POST /v1/requests */

static enum MHD_Result
file_request(struct gated *g, struct MHD_Connection *conn, struct call *c,
    const struct config_operator *op)
{
	static const char *const codes[] = {
		[FILING_OK] = "internal", [FILING_BAD_JSON] = "bad-json",
		[FILING_BAD_REQUEST] = "bad-request",
		[FILING_UNKNOWN_OPERATION] = "unknown-operation", [FILING_BAD_INPUT] = "bad-input",
	};
	struct json_object *record = NULL, *answer = NULL;
	struct filing f;
	struct decide_facts facts;
	struct decide_who who;
	struct store_request sr;
	struct cg_buf *why = NULL;
	const char *msg = "";
	char role[DECIDE_ROLE_MAX], reason[2048];
	enum decide_outcome outcome = DECIDE_DENIED;
	enum filing_error kind = FILING_OK;
	struct timespec t0, t1;
	int64_t now;
	unsigned k;
	enum MHD_Result ret = MHD_NO;
	int r;

	memset(&f, 0, sizeof(f));
	memset(&facts, 0, sizeof(facts));
	memset(&sr, 0, sizeof(sr));
	if (cg_buf_new(16384, &why) < 0) {
		ret = respond_error(g, conn, 500, "internal", "out of memory");
		goto out;
	}
	if (c->body == NULL) {
		ret = respond_error(g, conn, 400, "bad-json", "the body is empty");
		goto out;
	}
	if (filing_parse((const char *)cg_buf_ptr(c->body), cg_buf_len(c->body), &f, &kind,
	    why) < 0) {
		(void)cg_buf_cstr(why, &msg);
		ret = respond_error(g, conn, 400, codes[kind], "%s", msg);
		goto out;
	}
	if (f.region != NULL && strcmp(f.region, g->region) != 0) {
		ret = respond_error(g, conn, 400, "wrong-region", "this gate serves region %s, "
		    "not %.64s: file the request with the gate of that region", g->region,
		    f.region);
		goto out;
	}
	if (decide_role_of(op->principal, role) < 0) {
		ret = respond_error(g, conn, 500, "config", "operator %s's principal %s is not "
		    "a role: fix cmkgated.conf", op->name, op->principal);
		goto out;
	}
	memset(&who, 0, sizeof(who));
	who.operator_name = op->name;
	who.principal = op->principal;
	who.reason = f.reason;

	k = atomic_fetch_add(&g->aws_next, 1) % GATED_AWS_CLIENTS;
	pthread_mutex_lock(&g->aws_lock[k]);
	r = decide_gather(g->aws[k], g->policies, &f.req, role, g->account, gated_now_ms(), &facts,
	    why);
	pthread_mutex_unlock(&g->aws_lock[k]);
	if (r == 0) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = decide_evaluate(&f.req, f.digest, &facts, &who, g->rules, time(NULL), &outcome,
		    &record, why);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		atomic_fetch_add(&g->decide_ns_total, (uint64_t)((t1.tv_sec - t0.tv_sec) *
		    1000000000LL + (t1.tv_nsec - t0.tv_nsec)));
		atomic_fetch_add(&g->decide_count, 1);
	}
	if (r < 0) {
		(void)cg_buf_cstr(why, &msg);
		(void)snprintf(reason, sizeof(reason), "%s", msg);
		cg_utf8_scrub(reason);
		atomic_fetch_add(&g->undecided, 1);
		pthread_mutex_lock(&g->write_lock);
		r = audit_refusal(g, audit_undecided(g, c, op->name, f.operation, f.digest, reason));
		pthread_mutex_unlock(&g->write_lock);
		if (r < 0) {
			ret = respond_audit_failure(g, conn, r);
			goto out;
		}
		ret = respond_error(g, conn, 502, "undecided", "the gate could not decide: %s "
		    "(nothing was filed; retry when the cause is fixed)", reason);
		goto out;
	}

	/* what is stored */
	now = gated_now_ms();
	store_new_id(sr.id);
	sr.state = outcome == DECIDE_APPROVED ? STORE_APPROVED :
	    outcome == DECIDE_PENDING ? STORE_PENDING : STORE_DENIED;
	sr.operation = (char *)(uintptr_t)f.operation;
	sr.operator_name = op->name;
	sr.principal = op->principal;
	sr.region = g->region;
	sr.reason = (char *)(uintptr_t)(f.reason != NULL ? f.reason : "");
	sr.digest = f.digest;
	sr.created_ms = now;
	sr.updated_ms = now;
	sr.expires_ms = now + (int64_t)g->config->request_ttl_seconds * 1000;
	if (jcs_text(f.input, STORE_TEXT_MAX, &sr.input) < 0 || json_object_object_add(record, "id",
	    json_object_new_string(sr.id)) != 0 ||
	    (sr.record = strdup(json_object_to_json_string_ext(record, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE))) == NULL) {
		ret = respond_error(g, conn, 500, "internal", "out of memory");
		goto out;
	}

	cg_buf_reset(why);
	if (store_request_check(&sr, why) < 0) {
		(void)cg_buf_cstr(why, &msg);
		ret = respond_error(g, conn, 500, "store", "the request cannot be stored: %s", msg);
		goto out;
	}

	/*
	 * Audit first, then store: never a stored request the log does not
	 * name.  When the store then fails, the log says so at once, so that
	 * it never leaves a request it names as if it stood.
	 */
	pthread_mutex_lock(&g->write_lock);
	if ((r = audit_refusal(g, audit_request(g, c, &sr, record))) < 0) {
		pthread_mutex_unlock(&g->write_lock);
		ret = respond_audit_failure(g, conn, r);
		goto out;
	}
	r = store_create(g->store, &sr, outcome == DECIDE_DENIED ? "filed and denied" :
	    outcome == DECIDE_PENDING ? "filed; waiting for approvals" : "filed and approved",
	    why);
	if (r < 0)
		(void)audit_ok(g, audit_store_failed(g, sr.id, r));
	pthread_mutex_unlock(&g->write_lock);
	if (r < 0) {
		(void)cg_buf_cstr(why, &msg);
		ret = respond_error(g, conn, 500, "store", "the request could not be stored: %s",
		    msg);
		goto out;
	}
	atomic_fetch_add(&g->filed[outcome], 1);
	sr.version = 1;
	if ((answer = request_json(g, &sr, false)) == NULL) {
		ret = respond_error(g, conn, 500, "internal", "out of memory");
		goto out;
	}
	json_object_object_add(answer, "record", record);
	record = NULL;
	ret = respond_json(g, conn, 201, answer);
 out:
	free(sr.input);
	free(sr.record);
	json_object_put(answer);
	json_object_put(record);
	filing_clear(&f);
	decide_facts_clear(&facts);
	cg_buf_free(why);
	return ret;
}

/* ------------------------------------------------------------ the reads */

static enum MHD_Result
get_request(struct gated *g, struct MHD_Connection *conn, const char *id)
{
	struct store_request *sr = NULL;
	struct json_object *o = NULL;
	enum MHD_Result ret;
	int r;

	if (!store_id_valid(id))
		return respond_error(g, conn, 400, "bad-id", "\"%.64s\" is not a request id "
		    "(r- and 32 hex digits)", id);
	r = store_get(g->store, id, &sr, NULL);
	if (r == 0)
		o = request_json(g, sr, true);
	if (r == CG_ERR_NOT_FOUND)
		ret = respond_error(g, conn, 404, "not-found", "no request %s", id);
	else if (r < 0 || o == NULL)
		ret = respond_error(g, conn, 500, "store", "the store could not be read: %s",
		    cg_strerror(r));
	else
		ret = respond_json(g, conn, 200, o);
	json_object_put(o);
	store_request_free(sr);
	return ret;
}

static enum MHD_Result
list_requests(struct gated *g, struct MHD_Connection *conn)
{
	struct store_list_filter filter;
	struct store_request **reqs = NULL;
	struct json_object *o = NULL, *a = NULL, *e;
	const char *state, *opname, *limit;
	char *end = NULL;
	unsigned long n;
	size_t count = 0, i;
	enum MHD_Result ret;
	int r;

	memset(&filter, 0, sizeof(filter));
	state = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "state");
	opname = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "operator");
	limit = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit");
	if (state != NULL && store_state_lookup(state, &filter.state) < 0)
		return respond_error(g, conn, 400, "bad-query", "state must be pending, approved, "
		    "denied, expired or issued");
	if (opname != NULL && (*opname == '\0' || strlen(opname) > CONFIG_NAME_MAX ||
	    strspn(opname, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(opname)))
		return respond_error(g, conn, 400, "bad-query", "operator must be an operator "
		    "name (1 to %d of a-z, 0-9, _, . and -)", CONFIG_NAME_MAX);
	if (limit != NULL) {
		errno = 0;
		n = strtoul(limit, &end, 10);
		if (errno != 0 || end == limit || *end != '\0' || n < 1 || n > STORE_LIST_MAX)
			return respond_error(g, conn, 400, "bad-query", "limit must be a number "
			    "from 1 to %d", STORE_LIST_MAX);
		filter.limit = n;
	}
	filter.operator_name = opname;
	r = store_list(g->store, &filter, &reqs, &count, NULL);
	if (r < 0)
		return respond_error(g, conn, 500, "store", "the store could not be read: %s",
		    cg_strerror(r));
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL) {
		ret = respond_error(g, conn, 500, "internal", "out of memory");
		goto out;
	}
	for (i = 0; i < count; i++)
		if ((e = request_json(g, reqs[i], false)) != NULL)
			json_object_array_add(a, e);
	json_object_object_add(o, "requests", a);
	a = NULL;
	ret = respond_json(g, conn, 200, o);
 out:
	json_object_put(a);
	json_object_put(o);
	store_list_free(reqs, count);
	return ret;
}

static enum MHD_Result
healthz(struct gated *g, struct MHD_Connection *conn)
{
	uint64_t counts[STORE_ISSUED + 1];
	int r;

	r = store_count_by_state(g->store, counts, NULL);
	if (atomic_load(&g->audit_broken))
		return respond_error(g, conn, 503, "audit-unavailable", "the audit log cannot be "
		    "written: the gate refuses to act until it is restarted");
	if (r < 0)
		return respond_error(g, conn, 503, "store", "the store does not answer: %s",
		    cg_strerror(r));
	return respond_text(g, conn, 200, "application/json", "{\"status\":\"ok\"}\n", 16);
}

static enum MHD_Result
metrics(struct gated *g, struct MHD_Connection *conn)
{
	uint64_t counts[STORE_ISSUED + 1];
	struct cg_buf *b = NULL;
	const char *s;
	enum MHD_Result ret;
	int st, r;

	memset(counts, 0, sizeof(counts));
	r = store_count_by_state(g->store, counts, NULL);
	if (cg_buf_new(16384, &b) < 0)
		return respond_error(g, conn, 500, "internal", "out of memory");
	(void)cg_buf_putf(b,
	    "# HELP cmkgate_http_requests_total HTTP requests answered.\n"
	    "# TYPE cmkgate_http_requests_total counter\n"
	    "cmkgate_http_requests_total %" PRIuFAST64 "\n"
	    "# HELP cmkgate_http_errors_total HTTP answers with a 4xx or 5xx status.\n"
	    "# TYPE cmkgate_http_errors_total counter\n"
	    "cmkgate_http_errors_total %" PRIuFAST64 "\n"
	    "# HELP cmkgate_requests_filed_total Requests filed, by first state.\n"
	    "# TYPE cmkgate_requests_filed_total counter\n"
	    "cmkgate_requests_filed_total{state=\"denied\"} %" PRIuFAST64 "\n"
	    "cmkgate_requests_filed_total{state=\"pending\"} %" PRIuFAST64 "\n"
	    "cmkgate_requests_filed_total{state=\"approved\"} %" PRIuFAST64 "\n"
	    "# HELP cmkgate_requests_undecided_total Requests the gate could not decide.\n"
	    "# TYPE cmkgate_requests_undecided_total counter\n"
	    "cmkgate_requests_undecided_total %" PRIuFAST64 "\n"
	    "# HELP cmkgate_audit_failures_total Audit appends that failed.\n"
	    "# TYPE cmkgate_audit_failures_total counter\n"
	    "cmkgate_audit_failures_total %" PRIuFAST64 "\n"
	    "# HELP cmkgate_audit_writable Whether the gate can write its audit log.\n"
	    "# TYPE cmkgate_audit_writable gauge\n"
	    "cmkgate_audit_writable %d\n"
	    "# HELP cmkgate_decision_seconds Time spent deciding (no AWS round trips).\n"
	    "# TYPE cmkgate_decision_seconds summary\n"
	    "cmkgate_decision_seconds_sum %.6f\n"
	    "cmkgate_decision_seconds_count %" PRIuFAST64 "\n",
	    atomic_load(&g->http_requests), atomic_load(&g->http_errors),
	    atomic_load(&g->filed[DECIDE_DENIED]), atomic_load(&g->filed[DECIDE_PENDING]),
	    atomic_load(&g->filed[DECIDE_APPROVED]), atomic_load(&g->undecided),
	    atomic_load(&g->audit_failures), atomic_load(&g->audit_broken) ? 0 : 1,
	    (double)atomic_load(&g->decide_ns_total) / 1e9, atomic_load(&g->decide_count));
	if (r == 0) {
		(void)cg_buf_putf(b, "# HELP cmkgate_requests Requests in the store, by state.\n"
		    "# TYPE cmkgate_requests gauge\n");
		for (st = STORE_PENDING; st <= STORE_ISSUED; st++)
			(void)cg_buf_putf(b, "cmkgate_requests{state=\"%s\"} %" PRIu64 "\n",
			    store_state_name((enum store_state)st), counts[st]);
	}
	if (cg_buf_cstr(b, &s) < 0)
		ret = respond_error(g, conn, 500, "internal", "metrics too large");
	else
		ret = respond_text(g, conn, 200, "text/plain; version=0.0.4", s, strlen(s));
	cg_buf_free(b);
	return ret;
}

/* -------------------------------------------------- connections per uid */

static pthread_mutex_t peers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	uid_t		uid;
	unsigned	n;
} peers[API_PEERS_MAX];

/* Counts a new connection of uid; false when uid holds API_CONN_PER_PEER already. */
static bool
peer_enter(uid_t uid)
{
	size_t i, free_slot = API_PEERS_MAX;
	bool ok = false;

	pthread_mutex_lock(&peers_lock);
	for (i = 0; i < API_PEERS_MAX; i++) {
		if (peers[i].n > 0 && peers[i].uid == uid)
			break;
		if (peers[i].n == 0 && free_slot == API_PEERS_MAX)
			free_slot = i;
	}
	if (i == API_PEERS_MAX)
		i = free_slot;		/* the daemon's own limit keeps a slot free */
	if (i < API_PEERS_MAX && peers[i].n < API_CONN_PER_PEER) {
		peers[i].uid = uid;
		peers[i].n++;
		ok = true;
	}
	pthread_mutex_unlock(&peers_lock);
	return ok;
}

static void
peer_leave(uid_t uid)
{
	size_t i;

	pthread_mutex_lock(&peers_lock);
	for (i = 0; i < API_PEERS_MAX; i++)
		if (peers[i].n > 0 && peers[i].uid == uid) {
			peers[i].n--;
			break;
		}
	pthread_mutex_unlock(&peers_lock);
}

/* One accounting record per unix socket connection, in its socket_context. */
struct conn_peer {
	uid_t	uid;
};

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *ci;
	struct conn_peer *p = *socket_context;
	struct ucred cred;
	socklen_t len = sizeof(cred);

	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (p != NULL) {
			peer_leave(p->uid);
			free(p);
			*socket_context = NULL;
		}
		return;
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL)
		return;
	/* without its uid, or over its share, the connection is shut at once */
	if (getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
	    len != sizeof(cred) || (p = malloc(sizeof(*p))) == NULL) {
		(void)shutdown(ci->connect_fd, SHUT_RDWR);
		return;
	}
	if (!peer_enter(cred.uid)) {
		free(p);
		(void)shutdown(ci->connect_fd, SHUT_RDWR);
		return;
	}
	p->uid = cred.uid;
	*socket_context = p;
}

/* ---------------------------------------------------------- dispatching */

/*
 * Who is calling, decided when the request's headers are in and before any
 * body is read: a caller that is not an operator is answered at once and
 * cannot make the gate buffer anything.
 */
static enum MHD_Result
identify(struct gated *g, struct MHD_Connection *conn, struct call *c)
{
	if (!c->have_peer)
		return respond_error(g, conn, 403, "no-peer", "%s", c->tls ? c->peer_problem :
		    "the caller's uid cannot be read from the socket");
	if (c->tls && (c->op = config_operator_by_certificate(g->config, c->cert)) == NULL)
		return respond_error(g, conn, 403, "not-an-operator", "the client certificate "
		    "with SHA-256 %s is not an operator's in the gate's configuration: ask the "
		    "gate's administrators to add it", c->cert);
	if (!c->tls && (c->op = config_operator_by_uid(g->config, c->uid)) == NULL)
		return respond_error(g, conn, 403, "not-an-operator", "uid %u is not an operator "
		    "in the gate's configuration: ask the gate's administrators to add it",
		    (unsigned)c->uid);
	return MHD_YES;
}

/*
 * A POST body's headers: JSON, and a declared length within the cap.  Sets
 * c->answered when it answered (the caller returns *ret).
 */
static enum MHD_Result
check_body_headers(struct gated *g, struct MHD_Connection *conn, struct call *c)
{
	const char *type, *len_hdr;
	char *end = NULL;
	unsigned long long declared;

	type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (type == NULL || (strcmp(type, "application/json") != 0 &&
	    strncmp(type, "application/json;", 17) != 0)) {
		c->answered = true;
		return respond_error(g, conn, 415, "content-type", "send the body as "
		    "Content-Type: application/json");
	}
	len_hdr = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (len_hdr != NULL) {
		errno = 0;
		declared = strtoull(len_hdr, &end, 10);
		if (errno != 0 || end == len_hdr || *end != '\0' || declared > GATED_BODY_MAX) {
			c->answered = true;
			return respond_error(g, conn, 413, "too-large", "the body is larger than %d "
			    "bytes", GATED_BODY_MAX);
		}
	}
	return MHD_YES;
}

/* Whether the request announces a body (a length above zero, or chunks). */
static bool
has_body(struct MHD_Connection *conn)
{
	const char *len = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);

	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL ||
	    (len != NULL && strspn(len, "0") != strlen(len));
}

/*
 * The first call for a request: everything that can be decided from the
 * headers alone is, and a refusal is answered at once (libmicrohttpd then
 * closes the connection without reading the body).
 */
static enum MHD_Result
first_call(struct gated *g, struct MHD_Connection *conn, struct call *c, const char *url,
    const char *method)
{
	enum MHD_Result ret;

	if (strncmp(url, "/v1/", 4) != 0) {
		/*
		 * /healthz, /metrics and 404s take no body, from anyone; over TLS
		 * they are for operators only, like everything else.
		 */
		if (c->tls && (ret = identify(g, conn, c), c->op == NULL)) {
			c->answered = true;
			return ret;
		}
		if (strcmp(method, "GET") != 0 || has_body(conn)) {
			c->answered = true;
			return respond_error(g, conn, 405, "method", "%s takes GET without a body",
			    url);
		}
		return MHD_YES;
	}
	ret = identify(g, conn, c);
	if (c->op == NULL) {
		c->answered = true;
		atomic_fetch_add(&g->http_requests, 1);
		return ret;
	}
	if (strcmp(method, "POST") == 0 && strcmp(url, API_REQ_PREFIX) == 0) {
		ret = check_body_headers(g, conn, c);
		if (c->answered)
			atomic_fetch_add(&g->http_requests, 1);
		return ret;
	}
	return MHD_YES;
}

static enum MHD_Result
route(struct gated *g, struct MHD_Connection *conn, struct call *c, const char *url,
    const char *method)
{
	bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;

	if (strcmp(url, "/healthz") == 0)
		return get ? healthz(g, conn) :
		    respond_error(g, conn, 405, "method", "use GET on /healthz");
	if (strcmp(url, "/metrics") == 0)
		return get ? metrics(g, conn) :
		    respond_error(g, conn, 405, "method", "use GET on /metrics");
	if (strncmp(url, "/v1/", 4) != 0)
		return respond_error(g, conn, 404, "not-found", "no such path; the API is under "
		    "/v1/ (see docs/api.md)");
	if (c->op == NULL)	/* first_call() answered already; never reached */
		return MHD_NO;
	if (strcmp(url, API_REQ_PREFIX) == 0) {
		if (post)
			return file_request(g, conn, c, c->op);
		return get ? list_requests(g, conn) :
		    respond_error(g, conn, 405, "method", "use GET or POST on /v1/requests");
	}
	if (strncmp(url, API_REQ_PREFIX "/", sizeof(API_REQ_PREFIX)) == 0)
		return get ? get_request(g, conn, url + sizeof(API_REQ_PREFIX)) :
		    respond_error(g, conn, 405, "method", "use GET on /v1/requests/ID");
	return respond_error(g, conn, 404, "not-found", "no such path (see docs/api.md)");
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	const struct listener *l = cls;
	struct gated *g = l->g;
	struct call *c = *con_cls;

	(void)version;
	if (c == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return MHD_NO;
		c->tls = l->tls;
		if (c->tls)
			tls_peer_of(conn, c);
		else
			c->have_peer = peer_of(conn, &c->uid, &c->pid) == 0;
		*con_cls = c;
		return first_call(g, conn, c, url, method);
	}
	if (c->answered) {		/* refused from its headers: nothing more to read */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		/* a body past the cap without a declared length: close the connection */
		if (c->body == NULL && cg_buf_new(GATED_BODY_MAX, &c->body) < 0)
			return MHD_NO;
		if (cg_buf_put(c->body, upload, *upload_size) < 0)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	atomic_fetch_add(&g->http_requests, 1);
	return route(g, conn, c, url, method);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode code)
{
	struct call *c = *con_cls;

	(void)cls;
	(void)conn;
	(void)code;
	if (c != NULL) {
		cg_buf_free(c->body);
		free(c);
		*con_cls = NULL;
	}
}

int
api_start(struct gated *g, int listen_fd, struct MHD_Daemon **ret_daemon)
{
	struct MHD_Daemon *d;

	g->unix_listener.g = g;
	g->unix_listener.tls = false;
	d = MHD_start_daemon(API_FLAGS, 0, NULL, NULL, on_request, &g->unix_listener,
	    MHD_OPTION_LISTEN_SOCKET, listen_fd,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)API_CONN_TIMEOUT,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)API_CONN_LIMIT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, g,
	    MHD_OPTION_END);
	if (d == NULL)
		return CG_ERR_IO;
	*ret_daemon = d;
	return 0;
}

int
api_start_tls(struct gated *g, const struct sockaddr *addr, const char *cert_pem,
    const char *key_pem, const char *ca_pem, struct MHD_Daemon **ret_daemon)
{
	struct MHD_Daemon *d;
	unsigned int flags = API_FLAGS | MHD_USE_TLS;

	if (addr->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	g->tls_listener.g = g;
	g->tls_listener.tls = true;
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &g->tls_listener,
	    MHD_OPTION_SOCK_ADDR, addr,
	    MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
	    MHD_OPTION_HTTPS_MEM_KEY, key_pem,
	    MHD_OPTION_HTTPS_MEM_TRUST, ca_pem,
	    MHD_OPTION_HTTPS_PRIORITIES, API_TLS_PRIORITIES,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)API_CONN_PER_PEER,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)API_CONN_TIMEOUT,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)API_CONN_LIMIT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, g,
	    MHD_OPTION_END);
	if (d == NULL)
		return CG_ERR_IO;
	*ret_daemon = d;
	return 0;
}

void
api_stop(struct MHD_Daemon *daemon)
{
	if (daemon != NULL)
		MHD_stop_daemon(daemon);
}

/* Moves overdue requests to expired, one audit entry each (audit first). */
void
gated_expire(struct gated *g)
{
	char (*ids)[STORE_ID_SIZE] = NULL;
	struct json_object *f;
	size_t n = 0, i;

	pthread_mutex_lock(&g->write_lock);
	if (atomic_load(&g->audit_broken))
		goto out;
	/*
	 * The store expires in one transaction, and the log names each one
	 * right after.  A crash in between leaves expired requests the log does
	 * not name yet; they are final and harmless (an expired request grants
	 * nothing), unlike a grant the log would not name.
	 */
	if (store_expire(g->store, gated_now_ms(), &ids, &n, NULL) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((f = json_object_new_object()) == NULL ||
		    cg_json_add(f, "request_id", json_object_new_string(ids[i])) < 0 ||
		    cg_json_add(f, "decision", json_object_new_string("expired")) < 0 ||
		    !audit_ok(g, audit_append(g->audit, "request.expired", f))) {
			json_object_put(f);
			break;
		}
		json_object_put(f);
	}
 out:
	pthread_mutex_unlock(&g->write_lock);
	free(ids);
}

/*
 * cmkgated's HTTP API (docs/api.md): a thin adapter over the request
 * lifecycle (lifecycle.h).  libmicrohttpd serves it on a unix socket and,
 * when configured, a TLS listener.  This file knows connections: it reads
 * who the caller is from the transport (SO_PEERCRED, or the verified
 * client certificate), refuses from the headers alone what it can before
 * any body is read, collects the body, makes one lifecycle call and turns
 * its result into an HTTP answer.  It holds no audit or store call.
 *
 *   POST /v1/requests        lifecycle_file
 *   GET  /v1/requests        lifecycle_list (?state=&operator=&limit=)
 *   GET  /v1/requests/ID     lifecycle_get
 *   GET  /healthz            lifecycle_health
 *   GET  /metrics            lifecycle_stats, Prometheus text format
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

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_jbuild.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "gated.h"
#include "lifecycle.h"

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
	struct cg_buf		*body;
	struct lc_caller	 caller;	/* who, as the transport knows them */
	const struct config_operator *op;	/* the operator, once identified */
	bool			 answered;	/* refused from its headers alone */
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
	struct cg_jb b = CG_JB_INIT;
	struct json_object *o, *e;
	char msg[2048];
	va_list ap;
	enum MHD_Result ret = MHD_NO;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cg_utf8_scrub(msg);
	o = cg_jb_object(&b);
	e = cg_jb_add_object(&b, o, "error");
	cg_jb_str(&b, e, "code", code);
	cg_jb_str(&b, e, "message", msg);
	if (cg_jb_done(&b, &o) < 0)
		return respond_text(g, conn, 500, "application/json",
		    "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}\n", 57);
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
tls_peer_of(struct MHD_Connection *conn, struct lc_caller *c)
{
	const union MHD_ConnectionInfo *ci;
	const gnutls_datum_t *certs;
	gnutls_session_t session;
	unsigned int status = 0, n = 0;
	uint8_t digest[crypto_hash_sha256_BYTES];
	char host[INET6_ADDRSTRLEN];

	c->unknown_why = "the connection has no TLS session";
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
		c->unknown_why = "no client certificate was presented";
		return;
	}
	if (gnutls_certificate_verify_peers2(session, &status) != GNUTLS_E_SUCCESS ||
	    status != 0) {
		c->unknown_why = "the client certificate does not verify against tls.client_ca "
		    "(unknown issuer, expired, or not valid yet)";
		return;
	}
	crypto_hash_sha256(digest, certs[0].data, certs[0].size);
	(void)sodium_bin2hex(c->cert_sha256, sizeof(c->cert_sha256), digest, sizeof(digest));
	c->known = true;
	c->unknown_why = NULL;
}

/* ---------------------------------------------------- lifecycle results */

static unsigned
http_status(enum lc_status status)
{
	switch (status) {
	case LC_OK:		return 200;
	case LC_CREATED:	return 201;
	case LC_BAD_REQUEST:	return 400;
	case LC_FORBIDDEN:	return 403;
	case LC_NOT_FOUND:	return 404;
	case LC_UNDECIDED:	return 502;
	case LC_UNAVAILABLE:	return 503;
	case LC_INTERNAL:
	default:		return 500;
	}
}

/* A lifecycle call's result as the HTTP answer (and cleared). */
static enum MHD_Result
respond_result(struct gated *g, struct MHD_Connection *conn, struct lc_result *res)
{
	enum MHD_Result ret;

	if (res->code == NULL && res->answer != NULL)
		ret = respond_json(g, conn, http_status(res->status), res->answer);
	else
		ret = respond_error(g, conn, http_status(res->status), res->code != NULL ?
		    res->code : "internal", "%s", res->message[0] != '\0' ? res->message :
		    "out of memory");
	lc_result_clear(res);
	return ret;
}

static enum MHD_Result
file_request(struct gated *g, struct MHD_Connection *conn, struct call *c)
{
	struct lc_result res;

	memset(&res, 0, sizeof(res));
	lifecycle_file(g->lc, &c->caller, c->op, c->body != NULL ?
	    (const char *)cg_buf_ptr(c->body) : NULL, c->body != NULL ? cg_buf_len(c->body) : 0,
	    gated_now_ms(), &res);
	return respond_result(g, conn, &res);
}

static enum MHD_Result
get_request(struct gated *g, struct MHD_Connection *conn, const char *id)
{
	struct lc_result res;

	memset(&res, 0, sizeof(res));
	lifecycle_get(g->lc, id, &res);
	return respond_result(g, conn, &res);
}

static enum MHD_Result
list_requests(struct gated *g, struct MHD_Connection *conn)
{
	struct lc_result res;

	memset(&res, 0, sizeof(res));
	lifecycle_list(g->lc,
	    MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "state"),
	    MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "operator"),
	    MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit"), &res);
	return respond_result(g, conn, &res);
}

static enum MHD_Result
healthz(struct gated *g, struct MHD_Connection *conn)
{
	struct lc_result res;

	memset(&res, 0, sizeof(res));
	lifecycle_health(g->lc, &res);
	return respond_result(g, conn, &res);
}

static enum MHD_Result
metrics(struct gated *g, struct MHD_Connection *conn)
{
	struct lc_stats st;
	struct cg_buf *b = NULL;
	const char *s;
	enum MHD_Result ret;
	size_t i;

	lifecycle_stats(g->lc, &st);
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
	    "cmkgate_requests_filed_total{state=\"denied\"} %" PRIu64 "\n"
	    "cmkgate_requests_filed_total{state=\"pending\"} %" PRIu64 "\n"
	    "cmkgate_requests_filed_total{state=\"approved\"} %" PRIu64 "\n"
	    "# HELP cmkgate_requests_undecided_total Requests the gate could not decide.\n"
	    "# TYPE cmkgate_requests_undecided_total counter\n"
	    "cmkgate_requests_undecided_total %" PRIu64 "\n"
	    "# HELP cmkgate_audit_failures_total Audit appends that failed.\n"
	    "# TYPE cmkgate_audit_failures_total counter\n"
	    "cmkgate_audit_failures_total %" PRIu64 "\n"
	    "# HELP cmkgate_audit_writable Whether the gate can write its audit log.\n"
	    "# TYPE cmkgate_audit_writable gauge\n"
	    "cmkgate_audit_writable %d\n"
	    "# HELP cmkgate_decision_seconds Time spent deciding (no AWS round trips).\n"
	    "# TYPE cmkgate_decision_seconds summary\n"
	    "cmkgate_decision_seconds_sum %.6f\n"
	    "cmkgate_decision_seconds_count %" PRIu64 "\n",
	    atomic_load(&g->http_requests), atomic_load(&g->http_errors),
	    st.filed[DECIDE_DENIED], st.filed[DECIDE_PENDING], st.filed[DECIDE_APPROVED],
	    st.undecided, st.audit_failures, st.audit_writable ? 1 : 0,
	    (double)st.decide_ns_total / 1e9, st.decide_count);
	if (st.nstates > 0)
		(void)cg_buf_putf(b, "# HELP cmkgate_requests Requests in the store, by state.\n"
		    "# TYPE cmkgate_requests gauge\n");
	for (i = 0; i < st.nstates; i++)
		(void)cg_buf_putf(b, "cmkgate_requests{state=\"%s\"} %" PRIu64 "\n",
		    st.requests[i].state, st.requests[i].n);
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
	struct lc_result res;

	memset(&res, 0, sizeof(res));
	if ((c->op = lifecycle_identify(g->lc, &c->caller, &res)) != NULL)
		return MHD_YES;
	return respond_result(g, conn, &res);
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
		if (c->caller.transport == LC_TLS && (ret = identify(g, conn, c), c->op == NULL)) {
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
			return file_request(g, conn, c);
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
		if (l->tls) {
			c->caller.transport = LC_TLS;
			tls_peer_of(conn, &c->caller);
		} else {
			c->caller.transport = LC_UNIX;
			c->caller.known = peer_of(conn, &c->caller.uid, &c->caller.pid) == 0;
			c->caller.unknown_why = "the caller's uid cannot be read from the socket";
		}
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

/*
 * The request lifecycle: see lifecycle.h.
 *
 * The writer discipline lives in lc_write() and lc_append() alone: audit
 * first, then the store, never a stored change the log does not name.
 * When the store then fails, the log says so at once, so that it never
 * leaves a change it names as if it stood.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "audit.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_jbuild.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "config.h"
#include "decide.h"
#include "entries.h"
#include "filing.h"
#include "jcs.h"
#include "lifecycle.h"
#include "ops_read.h"
#include "store.h"

#define LC_WHY_MAX	16384

struct lifecycle {
	struct lc_parts		 p;
	pthread_mutex_t		 write_lock;	/* every audit append and store write */
	atomic_bool		 audit_broken;	/* an append failed: refuse until restart */
	atomic_uint_fast64_t	 filed[3];
	atomic_uint_fast64_t	 undecided;
	atomic_uint_fast64_t	 audit_failures;
	atomic_uint_fast64_t	 decide_ns_total;
	atomic_uint_fast64_t	 decide_count;
};

/* ------------------------------------------------------------- results */

void
lc_result_clear(struct lc_result *res)
{
	json_object_put(res->answer);
	memset(res, 0, sizeof(*res));
}

static void refuse(struct lc_result *res, enum lc_status status, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
refuse(struct lc_result *res, enum lc_status status, const char *code, const char *fmt, ...)
{
	va_list ap;

	json_object_put(res->answer);
	res->answer = NULL;
	res->status = status;
	res->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	cg_utf8_scrub(res->message);
}

static void
answer(struct lc_result *res, enum lc_status status, struct json_object *o)
{
	if (o == NULL) {
		refuse(res, LC_INTERNAL, "internal", "out of memory");
		return;
	}
	json_object_put(res->answer);
	res->status = status;
	res->code = NULL;
	res->message[0] = '\0';
	res->answer = o;
}

/* ------------------------------------------------------------ the writer */

/*
 * Appends one entry under write_lock (fields are put).  0; CG_ERR_IO when
 * the log is (now) broken, so the gate refuses everything until restarted;
 * or the append's own error for an entry the log would not take (the gate
 * goes on; this one change is refused).
 */
static int
lc_append(struct lifecycle *lc, const char *event, struct json_object *fields, int built)
{
	int r = built;

	if (atomic_load(&lc->audit_broken)) {
		r = CG_ERR_IO;
		goto out;
	}
	if (r == 0)
		r = audit_append(lc->p.audit, event, fields);
	if (r < 0) {
		atomic_fetch_add(&lc->audit_failures, 1);
		/* an entry refused for its contents leaves the log as it was */
		if (built < 0 || r == CG_ERR_INVALID_ARG || r == CG_ERR_LIMIT)
			goto out;
		atomic_store(&lc->audit_broken, true);
		r = CG_ERR_IO;
	}
 out:
	json_object_put(fields);
	return r;
}

/* One change of the store, named by the log first. */
enum lc_change {
	LC_CREATE,		/* store_create(req, note) */
	LC_MOVE,		/* store_transition(req->id, from -> to, note) */
};

struct lc_write {
	enum lc_change			 change;
	const struct store_request	*req;		/* LC_CREATE: the whole request */
	const char			*id;		/* LC_MOVE */
	enum store_state		 from, to;	/* LC_MOVE */
	int64_t				 now_ms;	/* LC_MOVE */
	const char			*note;
	const char			*event;		/* the entry that names it */
	struct json_object		*fields;	/* taken over */
	int				 built;		/* the builder's result for fields */
};

/*
 * The one writer: the entry, fsync()ed, then the store's change; a store
 * failure (also a lost compare-and-set: CG_ERR_DENIED) is audited as
 * request.store_failed.  Returns 0, the append's error (nothing was
 * stored) or the store's (the log says it was not stored); *ret_audit_r
 * says which failed (0 when the append went through).
 */
static int
lc_write(struct lifecycle *lc, struct lc_write *w, int *ret_audit_r, struct cg_buf *why)
{
	struct json_object *failed = NULL;
	int r, ar;

	pthread_mutex_lock(&lc->write_lock);
	if ((ar = lc_append(lc, w->event, w->fields, w->built)) < 0) {
		r = ar;
		goto out;
	}
	if (w->change == LC_CREATE)
		r = store_create(lc->p.store, w->req, w->note, why);
	else
		r = store_transition(lc->p.store, w->id, w->from, w->to, w->now_ms, w->note, NULL,
		    why);
	if (r < 0) {
		ar = audit_entry_store_failed(w->change == LC_CREATE ? w->req->id : w->id,
		    store_state_name(w->change == LC_CREATE ? w->req->state : w->to),
		    cg_strerror(r), &failed);
		(void)lc_append(lc, AUDIT_EV_STORE_FAILED, failed, ar);
		ar = 0;
	}
 out:
	pthread_mutex_unlock(&lc->write_lock);
	w->fields = NULL;
	*ret_audit_r = ar;
	return r;
}

static void
refuse_audit(struct lc_result *res, int r)
{
	if (r == CG_ERR_IO)
		refuse(res, LC_UNAVAILABLE, "audit-unavailable", "the audit log cannot be "
		    "written: the gate refuses to act until it is restarted");
	else
		refuse(res, LC_INTERNAL, "audit-entry", "the audit log would not take this "
		    "request's entry (%s): nothing was filed", cg_strerror(r));
}

/* --------------------------------------------------------------- callers */

static void
who_of(const struct lc_caller *c, const char *operator_name, const char *principal,
    struct audit_who *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->operator_name = operator_name;
	ret->principal = principal;
	if (c->transport == LC_TLS) {
		ret->transport = "tls";
		ret->certificate_sha256 = c->cert_sha256;
		ret->address = c->address;
	} else {
		ret->transport = "unix";
		ret->uid = (int64_t)c->uid;
		ret->pid = (int64_t)c->pid;
	}
}

const struct config_operator *
lifecycle_identify(struct lifecycle *lc, const struct lc_caller *c, struct lc_result *res)
{
	const struct config_operator *op = NULL;

	if (!c->known) {
		refuse(res, LC_FORBIDDEN, "no-peer", "%s", c->unknown_why != NULL ?
		    c->unknown_why : "the caller cannot be identified");
	} else if (c->transport == LC_TLS) {
		if ((op = config_operator_by_certificate(lc->p.config, c->cert_sha256)) == NULL)
			refuse(res, LC_FORBIDDEN, "not-an-operator", "the client certificate with "
			    "SHA-256 %s is not an operator's in the gate's configuration: ask the "
			    "gate's administrators to add it", c->cert_sha256);
	} else if ((op = config_operator_by_uid(lc->p.config, c->uid)) == NULL) {
		refuse(res, LC_FORBIDDEN, "not-an-operator", "uid %u is not an operator in the "
		    "gate's configuration: ask the gate's administrators to add it",
		    (unsigned)c->uid);
	}
	return op;
}

/* ------------------------------------------------------------ the records */

static struct json_object *
history_json(struct lifecycle *lc, const char *id, struct cg_jb *b)
{
	struct store_event *ev = NULL;
	struct json_object *a, *e;
	size_t n = 0, i;

	if (store_history(lc->p.store, id, &ev, &n, NULL) < 0) {
		b->r = b->r != 0 ? b->r : CG_ERR_IO;
		return NULL;
	}
	a = cg_jb_array(b);
	for (i = 0; i < n; i++) {
		e = cg_jb_push_object(b, a);
		if (ev[i].from != 0)
			cg_jb_str(b, e, "from", store_state_name(ev[i].from));
		cg_jb_str(b, e, "to", store_state_name(ev[i].to));
		cg_jb_int(b, e, "at_ms", ev[i].at_ms);
		cg_jb_str(b, e, "note", ev[i].note != NULL ? ev[i].note : "");
	}
	store_events_free(ev, n);
	return a;
}

/* A stored JSON text as a value (the store wrote it; it parses). */
static struct json_object *
stored_json(const char *text, struct cg_jb *b)
{
	struct json_object *o = NULL;

	if (b->r == 0 && cg_json_parse(text, strlen(text), STORE_TEXT_MAX, &o, NULL) < 0)
		b->r = CG_ERR_PARSE;
	return o;
}

/*
 * A stored request as the gate shows it (docs/api.md); full adds its
 * input, record and history.  NULL on failure.
 */
static struct json_object *
request_json(struct lifecycle *lc, const struct store_request *sr, bool full)
{
	struct cg_jb b = CG_JB_INIT;
	struct json_object *o;

	o = cg_jb_object(&b);
	cg_jb_str(&b, o, "id", sr->id);
	cg_jb_str(&b, o, "state", store_state_name(sr->state));
	cg_jb_str(&b, o, "operation", sr->operation);
	cg_jb_str(&b, o, "operator", sr->operator_name);
	cg_jb_str(&b, o, "principal", sr->principal);
	cg_jb_str(&b, o, "region", sr->region);
	cg_jb_str(&b, o, "reason", sr->reason);
	cg_jb_str(&b, o, "request_digest", sr->digest);
	cg_jb_int(&b, o, "request_digest_version", (int64_t)sr->digest_version);
	cg_jb_int(&b, o, "created_ms", sr->created_ms);
	cg_jb_int(&b, o, "updated_ms", sr->updated_ms);
	cg_jb_int(&b, o, "expires_ms", sr->expires_ms);
	cg_jb_int(&b, o, "version", sr->version);
	if (full) {
		cg_jb_add(&b, o, "input", stored_json(sr->input, &b));
		cg_jb_add(&b, o, "record", stored_json(sr->record, &b));
		cg_jb_add(&b, o, "history", history_json(lc, sr->id, &b));
	}
	(void)cg_jb_done(&b, &o);
	return o;
}

/* ---------------------------------------------------------------- filing */

static const char *const filing_codes[] = {
	[FILING_OK] = "internal", [FILING_BAD_JSON] = "bad-json",
	[FILING_BAD_REQUEST] = "bad-request",
	[FILING_UNKNOWN_OPERATION] = "unknown-operation", [FILING_BAD_INPUT] = "bad-input",
};

static enum store_state
first_state(enum decide_outcome outcome)
{
	return outcome == DECIDE_APPROVED ? STORE_APPROVED :
	    outcome == DECIDE_PENDING ? STORE_PENDING : STORE_DENIED;
}

static const char *
first_note(enum decide_outcome outcome)
{
	return outcome == DECIDE_DENIED ? "filed and denied" :
	    outcome == DECIDE_PENDING ? "filed; waiting for approvals" : "filed and approved";
}

/* Gathers and decides; counts the decision's own time. */
static int
decide(struct lifecycle *lc, const struct filing *f, const struct config_operator *op,
    int64_t now_ms, struct decide_facts *facts, enum decide_outcome *ret_outcome,
    struct json_object **ret_record, struct cg_buf *why)
{
	struct decide_who who;
	struct timespec t0, t1;
	char role[DECIDE_ROLE_MAX];
	int r = CG_ERR_INTERNAL;

	if ((r = decide_role_of(op->principal, role)) < 0) {
		(void)cg_buf_putf(why, "operator %s's principal %s is not a role: fix "
		    "cmkgated.conf", op->name, op->principal);
		goto out;
	}
	GUARD(lc->p.gather(lc->p.gather_ctx, &f->req, role, now_ms, facts, why));
	memset(&who, 0, sizeof(who));
	who.operator_name = op->name;
	who.principal = op->principal;
	who.reason = f->reason;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	r = decide_evaluate(&f->req, f->digest, facts, &who, lc->p.rules, (time_t)(now_ms / 1000),
	    ret_outcome, ret_record, why);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	atomic_fetch_add(&lc->decide_ns_total, (uint64_t)((t1.tv_sec - t0.tv_sec) *
	    1000000000LL + (t1.tv_nsec - t0.tv_nsec)));
	atomic_fetch_add(&lc->decide_count, 1);
 out:
	return r;
}

/* A request the gate could not decide: audited, nothing filed. */
static void
file_undecided(struct lifecycle *lc, const struct lc_caller *c,
    const struct config_operator *op, const struct filing *f, struct cg_buf *why,
    struct lc_result *res)
{
	struct json_object *fields = NULL;
	struct audit_who who;
	const char *msg = "";
	char reason[1024];
	int r;

	(void)cg_buf_cstr(why, &msg);
	(void)snprintf(reason, sizeof(reason), "%s", msg);
	cg_utf8_scrub(reason);
	atomic_fetch_add(&lc->undecided, 1);
	who_of(c, op->name, NULL, &who);
	r = audit_entry_undecided(&who, f->operation, f->digest, OPS_DIGEST_VERSION, reason,
	    &fields);
	pthread_mutex_lock(&lc->write_lock);
	r = lc_append(lc, AUDIT_EV_UNDECIDED, fields, r);
	pthread_mutex_unlock(&lc->write_lock);
	if (r < 0)
		refuse_audit(res, r);
	else
		refuse(res, LC_UNDECIDED, "undecided", "the gate could not decide: %s (nothing "
		    "was filed; retry when the cause is fixed)", reason);
}

void
lifecycle_file(struct lifecycle *lc, const struct lc_caller *c, const struct config_operator *op,
    const char *body, size_t len, int64_t now_ms, struct lc_result *res)
{
	struct json_object *record = NULL, *o = NULL;
	struct lc_write w;
	struct audit_filed filed;
	struct audit_who who;
	struct decide_facts facts;
	struct store_request sr;
	struct filing f;
	struct cg_buf *why = NULL;
	const char *msg = "";
	enum decide_outcome outcome = DECIDE_DENIED;
	enum filing_error kind = FILING_OK;
	int r, ar;

	memset(&f, 0, sizeof(f));
	memset(&facts, 0, sizeof(facts));
	memset(&sr, 0, sizeof(sr));
	memset(&w, 0, sizeof(w));
	if (cg_buf_new(LC_WHY_MAX, &why) < 0) {
		refuse(res, LC_INTERNAL, "internal", "out of memory");
		goto out;
	}
	if (body == NULL || len == 0) {
		refuse(res, LC_BAD_REQUEST, "bad-json", "the body is empty");
		goto out;
	}
	if (filing_parse(body, len, lc->p.region, lc->p.account, &f, &kind, why) < 0) {
		(void)cg_buf_cstr(why, &msg);
		refuse(res, LC_BAD_REQUEST, filing_codes[kind], "%s", msg);
		goto out;
	}
	if (f.region != NULL && strcmp(f.region, lc->p.region) != 0) {
		refuse(res, LC_BAD_REQUEST, "wrong-region", "this gate serves region %s, not "
		    "%.64s: file the request with the gate of that region", lc->p.region,
		    f.region);
		goto out;
	}
	if (decide(lc, &f, op, now_ms, &facts, &outcome, &record, why) < 0) {
		file_undecided(lc, c, op, &f, why, res);
		goto out;
	}

	/* what is stored */
	store_new_id(sr.id);
	sr.state = first_state(outcome);
	sr.operation = (char *)(uintptr_t)f.operation;
	sr.operator_name = op->name;
	sr.principal = op->principal;
	sr.region = (char *)(uintptr_t)lc->p.region;
	sr.reason = (char *)(uintptr_t)(f.reason != NULL ? f.reason : "");
	sr.digest = f.digest;
	sr.digest_version = OPS_DIGEST_VERSION;
	sr.created_ms = now_ms;
	sr.updated_ms = now_ms;
	sr.expires_ms = now_ms + (int64_t)lc->p.config->request_ttl_seconds * 1000;
	if (jcs_text(f.input, STORE_TEXT_MAX, &sr.input) < 0 || cg_json_add(record, "id",
	    json_object_new_string(sr.id)) < 0 ||
	    (sr.record = strdup(json_object_to_json_string_ext(record, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE))) == NULL) {
		refuse(res, LC_INTERNAL, "internal", "out of memory");
		goto out;
	}
	cg_buf_reset(why);
	if (store_request_check(&sr, why) < 0) {
		(void)cg_buf_cstr(why, &msg);
		refuse(res, LC_INTERNAL, "store", "the request cannot be stored: %s", msg);
		goto out;
	}

	who_of(c, op->name, op->principal, &who);
	memset(&filed, 0, sizeof(filed));
	filed.id = sr.id;
	filed.decision = store_state_name(sr.state);
	filed.operation = sr.operation;
	filed.digest = sr.digest;
	filed.digest_version = sr.digest_version;
	filed.region = sr.region;
	filed.reason = sr.reason;
	filed.record = record;
	w.change = LC_CREATE;
	w.req = &sr;
	w.note = first_note(outcome);
	w.event = AUDIT_EV_REQUEST;
	w.built = audit_entry_request(&who, &filed, &w.fields);
	if ((r = lc_write(lc, &w, &ar, why)) < 0) {
		(void)cg_buf_cstr(why, &msg);
		if (ar < 0)
			refuse_audit(res, ar);
		else
			refuse(res, LC_INTERNAL, "store", "the request could not be stored: %s",
			    msg);
		goto out;
	}
	atomic_fetch_add(&lc->filed[outcome], 1);
	sr.version = 1;
	o = request_json(lc, &sr, false);
	r = o != NULL ? cg_json_add(o, "record", record) : CG_ERR_NOMEM;
	if (o != NULL)
		record = NULL;		/* o has it, or cg_json_add put it */
	if (r < 0) {
		refuse(res, LC_INTERNAL, "internal", "out of memory (the request %s was filed)",
		    sr.id);
		goto out;
	}
	answer(res, LC_CREATED, o);
	o = NULL;
 out:
	json_object_put(o);
	json_object_put(record);
	free(sr.input);
	free(sr.record);
	filing_clear(&f);
	decide_facts_clear(&facts);
	cg_buf_free(why);
}

/* ------------------------------------------------------------------ reads */

void
lifecycle_get(struct lifecycle *lc, const char *id, struct lc_result *res)
{
	struct store_request *sr = NULL;
	int r;

	if (!store_id_valid(id)) {
		refuse(res, LC_BAD_REQUEST, "bad-id", "\"%.64s\" is not a request id (r- and 32 "
		    "hex digits)", id);
		goto out;
	}
	r = store_get(lc->p.store, id, &sr, NULL);
	if (r == CG_ERR_NOT_FOUND)
		refuse(res, LC_NOT_FOUND, "not-found", "no request %s", id);
	else if (r < 0)
		refuse(res, LC_INTERNAL, "store", "the store could not be read: %s",
		    cg_strerror(r));
	else
		answer(res, LC_OK, request_json(lc, sr, true));
 out:
	store_request_free(sr);
}

/* A query's limit: 1..STORE_LIST_MAX. */
static bool
parse_limit(const char *s, size_t *ret)
{
	char *end = NULL;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s < '0' || *s > '9' || n < 1 ||
	    n > STORE_LIST_MAX)
		return false;
	*ret = n;
	return true;
}

void
lifecycle_list(struct lifecycle *lc, const char *state, const char *opname, const char *limit,
    struct lc_result *res)
{
	struct cg_jb b = CG_JB_INIT;
	struct store_list_filter filter;
	struct store_request **reqs = NULL;
	struct json_object *o = NULL, *a;
	size_t count = 0, i;
	int r;

	memset(&filter, 0, sizeof(filter));
	if (state != NULL && store_state_lookup(state, &filter.state) < 0) {
		refuse(res, LC_BAD_REQUEST, "bad-query", "state must be pending, approved, "
		    "denied, expired or issued");
		goto out;
	}
	if (opname != NULL && (*opname == '\0' || strlen(opname) > CONFIG_NAME_MAX ||
	    strspn(opname, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(opname))) {
		refuse(res, LC_BAD_REQUEST, "bad-query", "operator must be an operator name (1 "
		    "to %d of a-z, 0-9, _, . and -)", CONFIG_NAME_MAX);
		goto out;
	}
	if (limit != NULL && !parse_limit(limit, &filter.limit)) {
		refuse(res, LC_BAD_REQUEST, "bad-query", "limit must be a number from 1 to %d",
		    STORE_LIST_MAX);
		goto out;
	}
	filter.operator_name = opname;
	if ((r = store_list(lc->p.store, &filter, &reqs, &count, NULL)) < 0) {
		refuse(res, LC_INTERNAL, "store", "the store could not be read: %s",
		    cg_strerror(r));
		goto out;
	}
	o = cg_jb_object(&b);
	a = cg_jb_add_array(&b, o, "requests");
	for (i = 0; i < count; i++)
		cg_jb_push(&b, a, request_json(lc, reqs[i], false));
	(void)cg_jb_done(&b, &o);
	answer(res, LC_OK, o);
 out:
	store_list_free(reqs, count);
}

void
lifecycle_health(struct lifecycle *lc, struct lc_result *res)
{
	uint64_t counts[STORE_ISSUED + 1];
	struct cg_jb b = CG_JB_INIT;
	struct json_object *o;
	int r;

	r = store_count_by_state(lc->p.store, counts, NULL);
	if (atomic_load(&lc->audit_broken)) {
		refuse(res, LC_UNAVAILABLE, "audit-unavailable", "the audit log cannot be "
		    "written: the gate refuses to act until it is restarted");
	} else if (r < 0) {
		refuse(res, LC_UNAVAILABLE, "store", "the store does not answer: %s",
		    cg_strerror(r));
	} else {
		o = cg_jb_object(&b);
		cg_jb_str(&b, o, "status", "ok");
		(void)cg_jb_done(&b, &o);
		answer(res, LC_OK, o);
	}
}

void
lifecycle_stats(struct lifecycle *lc, struct lc_stats *s)
{
	uint64_t counts[STORE_ISSUED + 1];
	size_t i;
	int st;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < CG_NELEM(s->filed); i++)
		s->filed[i] = atomic_load(&lc->filed[i]);
	s->undecided = atomic_load(&lc->undecided);
	s->audit_failures = atomic_load(&lc->audit_failures);
	s->audit_writable = !atomic_load(&lc->audit_broken);
	s->decide_ns_total = atomic_load(&lc->decide_ns_total);
	s->decide_count = atomic_load(&lc->decide_count);
	if (store_count_by_state(lc->p.store, counts, NULL) < 0)
		return;
	for (st = STORE_PENDING; st <= STORE_ISSUED; st++) {
		s->requests[s->nstates].state = store_state_name((enum store_state)st);
		s->requests[s->nstates].n = counts[st];
		s->nstates++;
	}
}

/* ----------------------------------------------------------------- expiry */

int
lifecycle_expire(struct lifecycle *lc, int64_t now_ms, size_t *ret_n)
{
	struct store_due *due = NULL;
	struct lc_write w;
	size_t n = 0, i, expired = 0;
	int r = CG_ERR_INTERNAL, ar = 0;

	if (atomic_load(&lc->audit_broken)) {
		r = CG_ERR_IO;
		goto out;
	}
	GUARD(store_due(lc->p.store, now_ms, &due, &n, NULL));
	for (i = 0; i < n; i++) {
		memset(&w, 0, sizeof(w));
		w.change = LC_MOVE;
		w.id = due[i].id;
		w.from = due[i].state;
		w.to = STORE_EXPIRED;
		w.now_ms = now_ms;
		w.note = "expired";
		w.event = AUDIT_EV_EXPIRED;
		w.built = audit_entry_expired(due[i].id, &w.fields);
		if (lc_write(lc, &w, &ar, NULL) == 0)
			expired++;
		else if (ar == CG_ERR_IO)
			break;		/* the log is broken: nothing more is changed */
	}
	r = ar == CG_ERR_IO ? CG_ERR_IO : 0;
	if (r == 0)
		*ret_n = expired;
 out:
	free(due);
	return r;
}

/* ------------------------------------------------------------- lifetime */

int
lifecycle_new(const struct lc_parts *parts, struct lifecycle **ret_lc)
{
	struct lifecycle *lc = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE(parts != NULL && ret_lc != NULL && parts->config != NULL &&
	    parts->store != NULL && parts->audit != NULL && parts->region != NULL &&
	    parts->account != NULL && parts->gather != NULL, CG_ERR_INVALID_ARG);
	ENSURE((lc = calloc(1, sizeof(*lc))) != NULL, CG_ERR_NOMEM);
	lc->p = *parts;
	ENSURE(pthread_mutex_init(&lc->write_lock, NULL) == 0, CG_ERR_NOMEM);
	*ret_lc = lc;
	lc = NULL;
	r = 0;
 out:
	free(lc);
	return r;
}

void
lifecycle_free(struct lifecycle *lc)
{
	if (lc == NULL)
		return;
	pthread_mutex_lock(&lc->write_lock);
	if (!atomic_load(&lc->audit_broken))
		(void)audit_checkpoint(lc->p.audit);
	pthread_mutex_unlock(&lc->write_lock);
	pthread_mutex_destroy(&lc->write_lock);
	free(lc);
}

/*
 * The request store's front: the state machine, request ids, the checks
 * every argument passes before a backend sees it, and the dispatch to the
 * backend's ops table (store_backend.h).  The SQLite backend is in
 * store_sqlite.c; the API and its promises are in store.h.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "store.h"
#include "store_backend.h"

#define ID_RANDOM_BYTES	16	/* 128 bits */
#define ID_PREFIX	"r-"

_Static_assert(STORE_ID_LEN == 2 + 2 * ID_RANDOM_BYTES, "an id is r- and 32 hex digits");

static const char *const state_names[] = {
	[STORE_PENDING] = "pending",
	[STORE_APPROVED] = "approved",
	[STORE_DENIED] = "denied",
	[STORE_EXPIRED] = "expired",
	[STORE_ISSUED] = "issued",
};

/* ---------------------------------------------------------- state machine */

static bool
state_valid(enum store_state state)
{
	return state >= STORE_PENDING && state <= STORE_ISSUED;
}

const char *
store_state_name(enum store_state state)
{
	return state_valid(state) ? state_names[state] : "?";
}

int
store_state_lookup(const char *name, enum store_state *ret_state)
{
	enum store_state st;
	int r = CG_ERR_INTERNAL;

	ENSURE(name != NULL && ret_state != NULL, CG_ERR_INVALID_ARG);
	for (st = STORE_PENDING; st <= STORE_ISSUED; st++)
		if (strcmp(name, state_names[st]) == 0)
			break;
	ENSURE(st <= STORE_ISSUED, CG_ERR_NOT_FOUND);
	*ret_state = st;
	r = 0;
 out:
	return r;
}

bool
store_transition_allowed(enum store_state from, enum store_state to)
{
	switch (from) {
	case STORE_PENDING:
		return to == STORE_APPROVED || to == STORE_DENIED || to == STORE_EXPIRED;
	case STORE_APPROVED:
		return to == STORE_ISSUED || to == STORE_EXPIRED;
	default:
		return false;	/* denied, expired and issued are final */
	}
}

/* -------------------------------------------------------------------- ids */

void
store_new_id(char ret_id[STORE_ID_SIZE])
{
	uint8_t rnd[ID_RANDOM_BYTES];

	/*
	 * This cannot report a failure, and an id must never come from a
	 * predictable source; libsodium itself aborts when the kernel's
	 * generator fails, so do the same when it cannot even start.
	 */
	if (sodium_init() < 0)
		abort();
	randombytes_buf(rnd, sizeof(rnd));
	memcpy(ret_id, ID_PREFIX, 2);
	sodium_bin2hex(&ret_id[2], STORE_ID_SIZE - 2, rnd, sizeof(rnd));
}

bool
store_id_valid(const char *s)
{
	size_t i;

	if (s == NULL || strncmp(s, ID_PREFIX, 2) != 0)
		return false;
	for (i = 2; i < STORE_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;	/* also stops at a NUL before the end */
	return s[STORE_ID_LEN] == '\0';
}

/* ------------------------------------------------------------------ frees */

void
store_request_free(struct store_request *req)
{
	if (req == NULL)
		return;
	free(req->operation);
	free(req->operator_name);
	free(req->principal);
	free(req->region);
	free(req->reason);
	free(req->digest);
	free(req->input);
	free(req->record);
	free(req);
}

void
store_events_free(struct store_event *events, size_t n)
{
	size_t i;

	if (events == NULL)
		return;
	for (i = 0; i < n; i++)
		free(events[i].note);
	free(events);
}

void
store_list_free(struct store_request **reqs, size_t n)
{
	size_t i;

	if (reqs == NULL)
		return;
	for (i = 0; i < n; i++)
		store_request_free(reqs[i]);
	free(reqs);
}

/* ----------------------------------------------------------------- checks */

/* A string that is set, at most max bytes, and not empty unless may_be_empty. */
static bool
text_ok(const char *s, size_t max, bool may_be_empty)
{
	size_t len;

	if (s == NULL)
		return false;
	len = strnlen(s, max + 1);
	return len <= max && (may_be_empty || len > 0);
}

static bool
digest_ok(const char *s)
{
	size_t i;

	if (s == NULL || strnlen(s, STORE_DIGEST_LEN + 1) != STORE_DIGEST_LEN)
		return false;
	for (i = 0; i < STORE_DIGEST_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int
id_check(const char *what, const char *id, struct cg_buf *why)
{
	int r = CG_ERR_INTERNAL;

	if (!store_id_valid(id)) {
		cg_buf_putf(why, "store: %s: a request id is \"r-\" and 32 lowercase hex digits",
		    what);
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	r = 0;
 out:
	return r;
}

/* input and record: set, not empty, at most STORE_TEXT_MAX bytes (CG_ERR_LIMIT). */
static int
big_text_check(const char *what, const char *field, const char *s, struct cg_buf *why)
{
	int r = CG_ERR_INTERNAL;

	if (s == NULL || *s == '\0') {
		cg_buf_putf(why, "store: %s: %s is missing", what, field);
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	if (strnlen(s, STORE_TEXT_MAX + 1) > STORE_TEXT_MAX) {
		cg_buf_putf(why, "store: %s: %s is larger than %d bytes", what, field,
		    STORE_TEXT_MAX);
		r = CG_ERR_LIMIT;
		goto out;
	}
	r = 0;
 out:
	return r;
}

static int
note_check(const char *what, const char *note, struct cg_buf *why)
{
	int r = CG_ERR_INTERNAL;

	if (!text_ok(note, STORE_FIELD_MAX, true)) {
		cg_buf_putf(why, "store: %s: the note must be set and at most %d bytes", what,
		    STORE_FIELD_MAX);
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	r = 0;
 out:
	return r;
}

int
store_request_check(const struct store_request *req, struct cg_buf *why)
{
	static const char what[] = "create";
	const char *bad = NULL;
	int r = CG_ERR_INTERNAL;

	GUARD(id_check(what, req->id, why));
	if (req->state != STORE_PENDING && req->state != STORE_APPROVED &&
	    req->state != STORE_DENIED)
		bad = "the first state must be pending, approved or denied";
	else if (!text_ok(req->operation, STORE_FIELD_MAX, false))
		bad = "the operation must be set";
	else if (!text_ok(req->operator_name, STORE_FIELD_MAX, false))
		bad = "the operator name must be set";
	else if (!text_ok(req->principal, STORE_FIELD_MAX, false))
		bad = "the principal must be set";
	else if (!text_ok(req->region, STORE_FIELD_MAX, false))
		bad = "the region must be set";
	else if (!text_ok(req->reason, STORE_FIELD_MAX, true))
		bad = "the reason must be set (\"\" when none)";
	else if (!digest_ok(req->digest))
		bad = "the digest must be 64 lowercase hex digits";
	else if (req->digest_version > STORE_DIGEST_VERSION_MAX)
		bad = "the digest version is not one this build knows";
	else if (req->created_ms < 0 || req->expires_ms < req->created_ms)
		bad = "the times must be >= 0 and expires_ms not before created_ms";
	if (bad != NULL) {
		cg_buf_putf(why, "store: %s %s: %s (strings at most %d bytes)", what, req->id,
		    bad, STORE_FIELD_MAX);
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	GUARD(big_text_check(what, "the input", req->input, why));
	GUARD(big_text_check(what, "the record", req->record, why));
	r = 0;
 out:
	return r;
}

/* --------------------------------------------------------------- dispatch */

int
store_wrap(const struct store_ops *ops, void *impl, struct store **ret_store)
{
	struct store *s = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE(ops != NULL && impl != NULL && ret_store != NULL, CG_ERR_INVALID_ARG);
	ENSURE((s = calloc(1, sizeof(*s))) != NULL, CG_ERR_NOMEM);
	ENSURE(pthread_mutex_init(&s->lock, NULL) == 0, CG_ERR_NOMEM);
	s->ops = ops;
	s->impl = impl;
	*ret_store = s;
	s = NULL;
	r = 0;
 out:
	free(s);
	return r;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	s->ops->close(s->impl);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/*
 * Each call below checks its arguments, then runs the backend's call under
 * the handle's lock; r is the backend's answer.
 */

int
store_create(struct store *s, const struct store_request *req, const char *note,
    struct cg_buf *why)
{
	int r = CG_ERR_INTERNAL;

	ENSURE(s != NULL && req != NULL, CG_ERR_INVALID_ARG);
	GUARD(store_request_check(req, why));
	GUARD(note_check("create", note, why));
	pthread_mutex_lock(&s->lock);
	r = s->ops->create(s->impl, req, note, why);
	pthread_mutex_unlock(&s->lock);
 out:
	return r;
}

int
store_get(struct store *s, const char *id, struct store_request **ret_req,
    struct cg_buf *why)
{
	int r = CG_ERR_INTERNAL;

	ENSURE(s != NULL && ret_req != NULL, CG_ERR_INVALID_ARG);
	GUARD(id_check("get", id, why));
	pthread_mutex_lock(&s->lock);
	r = s->ops->get(s->impl, id, ret_req, why);
	pthread_mutex_unlock(&s->lock);
 out:
	return r;
}

int
store_history(struct store *s, const char *id, struct store_event **ret_events,
    size_t *ret_n, struct cg_buf *why)
{
	int r = CG_ERR_INTERNAL;

	ENSURE(s != NULL && ret_events != NULL && ret_n != NULL, CG_ERR_INVALID_ARG);
	GUARD(id_check("history", id, why));
	pthread_mutex_lock(&s->lock);
	r = s->ops->history(s->impl, id, ret_events, ret_n, why);
	pthread_mutex_unlock(&s->lock);
 out:
	return r;
}

int
store_list(struct store *s, const struct store_list_filter *filter,
    struct store_request ***ret_reqs, size_t *ret_n, struct cg_buf *why)
{
	struct store_list_filter f;
	int r = CG_ERR_INTERNAL;

	ENSURE(s != NULL && filter != NULL && ret_reqs != NULL && ret_n != NULL,
	    CG_ERR_INVALID_ARG);
	f = *filter;
	if (f.limit == 0)
		f.limit = STORE_LIST_MAX;
	if ((f.state != 0 && !state_valid(f.state)) || f.limit > STORE_LIST_MAX ||
	    (f.operator_name != NULL && !text_ok(f.operator_name, STORE_FIELD_MAX, false))) {
		cg_buf_putf(why, "store: list: the filter needs a state of 0..%d, a limit of "
		    "0..%d and an operator name that is NULL or not empty", STORE_ISSUED,
		    STORE_LIST_MAX);
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	pthread_mutex_lock(&s->lock);
	r = s->ops->list(s->impl, &f, ret_reqs, ret_n, why);
	pthread_mutex_unlock(&s->lock);
 out:
	return r;
}

int
store_transition(struct store *s, const char *id, enum store_state from,
    enum store_state to, int64_t now_ms, const char *note, const char *record,
    struct cg_buf *why)
{
	int r = CG_ERR_INTERNAL;

	ENSURE(s != NULL, CG_ERR_INVALID_ARG);
	GUARD(id_check("transition", id, why));
	if (!store_transition_allowed(from, to)) {
		cg_buf_putf(why, "store: transition %s: %s -> %s is not a move of the state "
		    "machine", id, store_state_name(from), store_state_name(to));
		r = CG_ERR_DENIED;
		goto out;
	}
	if (now_ms < 0) {
		cg_buf_putf(why, "store: transition %s: the time must be >= 0", id);
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	GUARD(note_check("transition", note, why));
	if (record != NULL)
		GUARD(big_text_check("transition", "the record", record, why));
	pthread_mutex_lock(&s->lock);
	r = s->ops->transition(s->impl, id, from, to, now_ms, note, record, why);
	pthread_mutex_unlock(&s->lock);
 out:
	return r;
}

int
store_due(struct store *s, int64_t now_ms, struct store_due **ret_due, size_t *ret_n,
    struct cg_buf *why)
{
	int r = CG_ERR_INTERNAL;

	ENSURE(s != NULL && ret_due != NULL && ret_n != NULL, CG_ERR_INVALID_ARG);
	if (now_ms < 0) {
		cg_buf_putf(why, "store: due: the time must be >= 0");
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	pthread_mutex_lock(&s->lock);
	r = s->ops->due(s->impl, now_ms, ret_due, ret_n, why);
	pthread_mutex_unlock(&s->lock);
 out:
	return r;
}

int
store_count_by_state(struct store *s, uint64_t counts[STORE_ISSUED + 1], struct cg_buf *why)
{
	int r = CG_ERR_INTERNAL;

	ENSURE(s != NULL && counts != NULL, CG_ERR_INVALID_ARG);
	pthread_mutex_lock(&s->lock);
	r = s->ops->count_by_state(s->impl, counts, why);
	pthread_mutex_unlock(&s->lock);
 out:
	return r;
}

int
store_check(struct store *s, struct cg_buf *why)
{
	int r = CG_ERR_INTERNAL;

	ENSURE(s != NULL, CG_ERR_INVALID_ARG);
	pthread_mutex_lock(&s->lock);
	r = s->ops->check(s->impl, why);
	pthread_mutex_unlock(&s->lock);
 out:
	return r;
}

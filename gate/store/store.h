/*
 * The gate's durable store of requests and their state machine.
 *
 * The daemon talks to a store only through struct store and the functions
 * below; the SQLite backend (store_sqlite.c) is the embedded default, and a
 * PostgreSQL backend, so that several gates can share state, will sit
 * behind the same interface.  Therefore nothing here may assume one
 * process or one writer: every state change is a compare-and-set on the
 * current state (store_transition), ids come from a CSPRNG, not a counter,
 * and a list is a consistent snapshot.
 *
 * A request's life:
 *
 *	pending ------> approved ------> issued
 *	   |   \            |
 *	   |    --> denied  |
 *	   |                v
 *	    ----------> expired
 *
 * (approved -> expired: approved but not used in time; see store_due.)
 * A request is created in its first state (pending, approved or denied:
 * the gate decides before it stores) and moves only along the arrows; the
 * store refuses every other move with CG_ERR_DENIED.  Each move is one
 * transaction with its history row: after a crash a request is in its old
 * state or its new one, never in between, and what was acknowledged (the
 * function returned 0) is on disk (SQLite: WAL, synchronous=FULL).
 *
 * Functions follow cg_err.h: 0 or a negative CG_ERR_* code; ret_* written
 * only on success.  Nothing here prints; `why` (may be NULL) gets the
 * backend's message on failure.  A malformed id argument is
 * CG_ERR_INVALID_ARG.  Several threads may share one struct store: calls
 * on one handle run one at a time.
 */
#ifndef CMKGATE_STORE_H
#define CMKGATE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cg_buf;
struct store;

/* "r-" and 32 lowercase hex digits (128 random bits), and the NUL. */
#define STORE_ID_LEN		34
#define STORE_ID_SIZE		(STORE_ID_LEN + 1)
#define STORE_TEXT_MAX		(1024 * 1024)	/* bytes of input or record */
#define STORE_LIST_MAX		1000		/* requests one store_list returns at most */
#define STORE_DIGEST_VERSION_MAX	1	/* the newest request digest version */

enum store_state {
	STORE_PENDING = 1,	/* waiting for approvals */
	STORE_APPROVED,		/* the rule stack passed; credentials may be issued */
	STORE_DENIED,		/* refused by a check, a rule or a veto: final */
	STORE_EXPIRED,		/* not approved (or not used) in time: final */
	STORE_ISSUED,		/* credentials were issued: final */
};

/* "pending", "approved", ...; "?" for anything else. */
const char *store_state_name(enum store_state state);
/* CG_ERR_NOT_FOUND for an unknown name. */
int store_state_lookup(const char *name, enum store_state *ret_state);
/* Whether from -> to is one of the arrows above. */
bool store_transition_allowed(enum store_state from, enum store_state to);

/* Makes a new request id ("r-" + 32 hex digits from randombytes_buf). */
void store_new_id(char ret_id[STORE_ID_SIZE]);
/* Whether s is a well-formed request id (exactly that shape). */
bool store_id_valid(const char *s);

struct store_request {
	char			 id[STORE_ID_SIZE];
	enum store_state	 state;
	char			*operation;	/* "UpdateApplication" */
	char			*operator_name;	/* from the config, never from the body */
	char			*principal;	/* the IAM principal that was checked */
	char			*region;
	char			*reason;	/* the requester's reason; "" when none */
	char			*digest;	/* the request digest, hex (docs/request-digest.md) */
	unsigned		 digest_version;	/* 1: ops_request_digest(); 0: stored
						   before v1, SHA-256 of input's RFC 8785 form */
	char			*input;		/* the request JSON, RFC 8785 form */
	char			*record;	/* the decision record (JSON object text) */
	int64_t			 created_ms;	/* Unix time in milliseconds */
	int64_t			 updated_ms;	/* of the last state change */
	int64_t			 expires_ms;	/* pending or approved after this: expire */
	uint32_t		 version;	/* 1 at creation, +1 per state change */
};

/* Frees the strings and the struct; NULL is fine. */
void store_request_free(struct store_request *req);

/* One state change, as kept in the request's history. */
struct store_event {
	enum store_state	 from;		/* 0 for the creation */
	enum store_state	 to;
	int64_t			 at_ms;
	char			*note;		/* why, in words */
};

struct store_list_filter {
	enum store_state	 state;		/* 0: any */
	const char		*operator_name;	/* NULL: any */
	size_t			 limit;		/* 1..STORE_LIST_MAX; 0 means STORE_LIST_MAX */
};

/*
 * Opens the SQLite store at path, creating it (mode 0600) and its schema
 * when missing, and applying every migration the file lacks, each in its
 * own transaction.  A file whose schema is newer than this build knows is
 * refused (CG_ERR_DENIED): never run old code on a newer store.  The file
 * must be a regular file, not a symlink.
 */
int store_open_sqlite(const char *path, struct store **ret_store, struct cg_buf *why);
void store_close(struct store *s);
/* The schema version this build writes (the newest migration). */
int store_schema_version(void);

/*
 * Inserts req (id, state, every string set; version is set to 1 and
 * updated_ms to created_ms) with its first history event (from 0, at
 * created_ms, note; note must not be NULL).  CG_ERR_DENIED when the id
 * exists; CG_ERR_INVALID_ARG when a field is missing or malformed (also
 * expires_ms before created_ms), or the state is expired or issued;
 * CG_ERR_LIMIT when input or record is larger than STORE_TEXT_MAX.
 */
int store_create(struct store *s, const struct store_request *req, const char *note,
    struct cg_buf *why);

/*
 * What store_create() checks of req before it writes anything, on its own:
 * the gate checks a request before it names it in the audit log.
 */
int store_request_check(const struct store_request *req, struct cg_buf *why);

/* The request with that id, a copy the caller frees.  CG_ERR_NOT_FOUND. */
int store_get(struct store *s, const char *id, struct store_request **ret_req,
    struct cg_buf *why);

/* Its history, oldest first; the caller frees with store_events_free(). */
int store_history(struct store *s, const char *id, struct store_event **ret_events,
    size_t *ret_n, struct cg_buf *why);
void store_events_free(struct store_event *events, size_t n);

/*
 * Requests matching filter (not NULL), newest first (created_ms descending,
 * then id ascending), at most filter->limit; NULL and 0 when none.  The
 * caller frees with store_list_free().
 */
int store_list(struct store *s, const struct store_list_filter *filter,
    struct store_request ***ret_reqs, size_t *ret_n, struct cg_buf *why);
void store_list_free(struct store_request **reqs, size_t n);

/*
 * Moves request id from `from` to `to`, in one transaction with its history
 * event, only if it is in state `from` now: CG_ERR_DENIED when the move is
 * not an arrow or the request is in another state (somebody else moved it
 * first), CG_ERR_NOT_FOUND when there is no such request.  record, when not
 * NULL, replaces the decision record in the same transaction.
 */
int store_transition(struct store *s, const char *id, enum store_state from,
    enum store_state to, int64_t now_ms, const char *note, const char *record,
    struct cg_buf *why);

/* A request whose time is up: pending or approved, expires_ms passed. */
struct store_due {
	char			id[STORE_ID_SIZE];
	enum store_state	state;		/* pending or approved, when it was read */
};

/*
 * Every pending or approved request whose expires_ms <= now_ms, soonest
 * first (then by id), read in one snapshot; NULL and 0 when none.  The
 * caller frees *ret_due with free().  Nothing is changed: the caller
 * expires each one with store_transition() (after auditing it), and a
 * request somebody moved in between then loses the compare-and-set.
 */
int store_due(struct store *s, int64_t now_ms, struct store_due **ret_due, size_t *ret_n,
    struct cg_buf *why);

/* Counts per state, for /metrics: counts[state] for state 1..5 (counts[0] unused). */
int store_count_by_state(struct store *s, uint64_t counts[STORE_ISSUED + 1],
    struct cg_buf *why);

/* Checks the store's own consistency (SQLite: PRAGMA integrity_check and
 * foreign_key_check; and for every request, a history numbered 1..n whose
 * events follow the arrows from creation to its current state, with n
 * equal to its version).  CG_ERR_PARSE, naming the first problem in why,
 * when it is not consistent. */
int store_check(struct store *s, struct cg_buf *why);

#endif

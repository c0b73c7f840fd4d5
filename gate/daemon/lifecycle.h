/*
 * A request's life, in one place and without HTTP.
 *
 * Every verb a request goes through is a function here: file (parse the
 * filing, decide, audit, store), the reads (one request, a list), and
 * expire, which the daemon's clock calls.  Approve, veto and issue come
 * next and go through the same writer (lc_write() in lifecycle.c): the
 * audit entry is appended and fsync()ed, *then* the store's compare-and-set
 * runs, and a store failure is itself audited; an append that fails makes
 * the gate refuse every change until it is restarted.  Nothing else in the
 * daemon calls the audit log or the store.
 *
 * Each call is plain data in, plain data out: a caller (who asks, as the
 * transport knows them), bytes or strings, the time, and a struct
 * lc_result (a status, an error code and message, or a JSON answer).  No
 * call sees a connection, so the HTTP adapter (api.c) is thin, and the
 * lifecycle can later run behind a privilege-separation boundary with the
 * same messages.
 *
 * Threads: every call may run on any thread at once; the writer takes the
 * lifecycle's write lock, so the log's order is the order of the store's
 * changes.  Gathering from AWS happens before the lock is taken.
 */
#ifndef CMKGATE_LIFECYCLE_H
#define CMKGATE_LIFECYCLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "decide.h"

struct audit;
struct cg_buf;
struct config;
struct config_operator;
struct json_object;
struct op_request;
struct rules_set;
struct store;

/* How a caller reached the gate. */
enum lc_transport {
	LC_UNIX = 1,		/* the unix socket: uid and pid from SO_PEERCRED */
	LC_TLS,			/* the TLS listener: a verified client certificate */
};

/* Who asks, as the transport knows them; never anything from a body. */
struct lc_caller {
	enum lc_transport	 transport;
	bool			 known;		/* unix: uid read; tls: certificate verified */
	const char		*unknown_why;	/* !known: why, for the refusal */
	uid_t			 uid;		/* unix */
	pid_t			 pid;		/* unix */
	char			 cert_sha256[65];	/* tls: SHA-256 of its DER, hex */
	char			 address[64];	/* tls: the client's address */
};

/* What a call answered. */
enum lc_status {
	LC_OK = 0,		/* answer holds the result */
	LC_CREATED,		/* a request was filed: answer holds it */
	LC_BAD_REQUEST,		/* the input is wrong: nothing changed */
	LC_FORBIDDEN,		/* the caller may not do this */
	LC_NOT_FOUND,
	LC_INTERNAL,		/* the gate's own failure: nothing changed */
	LC_UNDECIDED,		/* AWS could not be read: nothing filed */
	LC_UNAVAILABLE,		/* the audit log or the store cannot be used */
};

struct lc_result {
	enum lc_status		 status;
	const char		*code;		/* "bad-json", "not-found", ...; NULL on success */
	char			 message[2048];	/* valid UTF-8; "" on success */
	struct json_object	*answer;	/* on success; owned: lc_result_clear() */
};

void lc_result_clear(struct lc_result *res);

/*
 * Where a filing's facts come from: the daemon reads AWS (aws_pool.h); a
 * test or a benchmark hands facts it made.  Follows decide_gather().
 */
typedef int (*lc_gather_fn)(void *ctx, const struct op_request *req, const char *role,
    int64_t now_ms, struct decide_facts *ret_facts, struct cg_buf *why);

/* What a lifecycle works with; all borrowed, and must outlive it. */
struct lc_parts {
	const struct config	*config;
	const struct rules_set	*rules;
	struct store		*store;
	struct audit		*audit;
	const char		*region;	/* the region this gate serves */
	const char		*account;	/* the gate's own account (12 digits) */
	lc_gather_fn		 gather;
	void			*gather_ctx;
};

/* Counters for /metrics. */
struct lc_stats {
	uint64_t	filed[3];		/* by enum decide_outcome */
	uint64_t	undecided;		/* AWS or internal errors */
	uint64_t	audit_failures;
	bool		audit_writable;
	uint64_t	decide_ns_total;	/* decide_evaluate time */
	uint64_t	decide_count;
	size_t		nstates;		/* 0 when the store did not answer, else: */
	struct {
		const char	*state;		/* "pending", ... */
		uint64_t	 n;
	}		requests[5];		/* requests in the store, by state */
};

struct lifecycle;

/* 0, CG_ERR_NOMEM or CG_ERR_INVALID_ARG (a part missing). */
int lifecycle_new(const struct lc_parts *parts, struct lifecycle **ret_lc);
/* Signs a last audit checkpoint (unless the log is broken) and frees lc. */
void lifecycle_free(struct lifecycle *lc);

/*
 * The operator the caller is, or NULL with res saying why (LC_FORBIDDEN:
 * "no-peer" or "not-an-operator").  Needs nothing but the caller, so the
 * transport can refuse before it reads a body.
 */
const struct config_operator *lifecycle_identify(struct lifecycle *lc,
    const struct lc_caller *caller, struct lc_result *res);

/*
 * Files a request for op (identified from caller): parses the body
 * (filing.h), decides it (gather, then decide_evaluate), and, under the
 * write lock, audits it and stores it in its first state.  On success
 * LC_CREATED with the stored request and its record.  On failure nothing
 * is stored: LC_BAD_REQUEST (the filing; its code names which part),
 * LC_UNDECIDED (audited as request.undecided), LC_INTERNAL or
 * LC_UNAVAILABLE.
 */
void lifecycle_file(struct lifecycle *lc, const struct lc_caller *caller,
    const struct config_operator *op, const char *body, size_t len, int64_t now_ms,
    struct lc_result *res);

/* One request with its input, record and history: LC_OK, LC_BAD_REQUEST (bad id), LC_NOT_FOUND. */
void lifecycle_get(struct lifecycle *lc, const char *id, struct lc_result *res);

/*
 * Requests, newest first: {"requests": [...]}.  state, operator_name and
 * limit are the query as given (NULL: not given), checked here.
 */
void lifecycle_list(struct lifecycle *lc, const char *state, const char *operator_name,
    const char *limit, struct lc_result *res);

/* LC_OK when the store answers and the audit log is writable, else LC_UNAVAILABLE. */
void lifecycle_health(struct lifecycle *lc, struct lc_result *res);

void lifecycle_stats(struct lifecycle *lc, struct lc_stats *ret_stats);

/*
 * Expires every request whose time is up: for each, the request.expired
 * entry, then the compare-and-set (a request somebody moved in between is
 * left as it is, and the log says the expiry was not stored).  *ret_n:
 * how many were expired.  CG_ERR_IO when the audit log is (now) broken.
 */
int lifecycle_expire(struct lifecycle *lc, int64_t now_ms, size_t *ret_n);

#endif

/*
 * The audit entries the gate writes, each built here and nowhere else
 * (the daemon's request lifecycle and the benchmarks use these; docs/audit.md
 * lists the events and their members).  Each builder returns the fields
 * object for audit_append() with the event name beside it.
 *
 * Functions follow cg_err.h: 0, or CG_ERR_NOMEM / CG_ERR_INVALID_ARG;
 * *ret_fields (the caller puts it) is written only on success.  Nothing
 * here writes to the log.
 */
#ifndef CMKGATE_AUDIT_ENTRIES_H
#define CMKGATE_AUDIT_ENTRIES_H

#include <stdint.h>

#include <json-c/json.h>

#define AUDIT_EV_REQUEST		"request"
#define AUDIT_EV_UNDECIDED		"request.undecided"
#define AUDIT_EV_STORE_FAILED		"request.store_failed"
#define AUDIT_EV_EXPIRED		"request.expired"

/* Who asks and how they reached the gate: "who" and "source" of an entry. */
struct audit_who {
	const char	*operator_name;
	const char	*principal;		/* NULL: not named */
	const char	*transport;		/* "unix" or "tls" */
	int64_t		 uid;			/* unix */
	int64_t		 pid;			/* unix */
	const char	*certificate_sha256;	/* tls */
	const char	*address;		/* tls */
};

/* A filed request: what the store keeps of it, and its decision record. */
struct audit_filed {
	const char		*id;
	const char		*decision;	/* its first state: "pending", ... */
	const char		*operation;
	const char		*digest;
	unsigned		 digest_version;
	const char		*region;
	const char		*reason;	/* "" when none */
	struct json_object	*record;	/* only read */
};

/*
 * "request": who, what (operation, application, digest, region, reason,
 * key change, each check and the refusals in short, the rule stack's
 * result), source, request id, decision and the keys involved (arn, role,
 * state, changes).  The store keeps the whole record; the log the gist.
 */
int audit_entry_request(const struct audit_who *who, const struct audit_filed *filed,
    struct json_object **ret_fields);

/* "request.undecided": a request the gate could not decide (AWS unreachable, ...). */
int audit_entry_undecided(const struct audit_who *who, const char *operation,
    const char *digest, unsigned digest_version, const char *error,
    struct json_object **ret_fields);

/* "request.store_failed": the store refused a change the log already names. */
int audit_entry_store_failed(const char *id, const char *decision, const char *error,
    struct json_object **ret_fields);

/* "request.expired": a pending or approved request whose time ran out. */
int audit_entry_expired(const char *id, struct json_object **ret_fields);

#endif

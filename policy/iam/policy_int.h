/* The engine's compiled form, shared by policy_doc.c, principal.c and eval.c. */
#ifndef CMKGATE_POLICY_INT_H
#define CMKGATE_POLICY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "condition.h"
#include "pattern.h"
#include "policy.h"

#define ARN_ACCOUNT_LEN 12

enum principal_type {
	PT_USER, PT_ROLE, PT_SESSION, PT_FEDERATED_USER, PT_ROOT, PT_SERVICE
};

/* A request's principal, parsed; the spans point into `text`. */
struct principal {
	enum principal_type	 type;
	const char		*text;
	size_t			 len;
	const char		*partition;
	size_t			 partition_len;
	char			 account[ARN_ACCOUNT_LEN + 1];	/* "" for services */
	const char		*role_name;	/* PT_ROLE, PT_SESSION */
	size_t			 role_name_len;
};

/*
 * How a statement's Principal element names a request's principal, and so
 * how far a resource-policy grant reaches on its own (AWS "Policy
 * evaluation logic"; where AWS is silent, the limited reading).
 */
enum grant_kind {
	GRANT_NONE = 0,
	GRANT_ACCOUNT,	/* the principal's account: delegation to its IAM policies */
	GRANT_LIMITED,	/* a role ARN (for its sessions), "*", NotPrincipal: limited by
			 * the permission boundary and session policies */
	GRANT_USER,	/* an IAM user ARN: session policies limit, the boundary does not */
	GRANT_DIRECT,	/* the session ARN itself, a service: no limits */
	GRANT_KINDS
};

enum pref_type {
	PR_ANY, PR_ACCOUNT, PR_ROLE, PR_USER, PR_EXACT, PR_SERVICE, PR_FEDERATED, PR_CANONICAL
};

struct principal_ref {
	enum pref_type	 type;
	char		*value;
	char		 account[ARN_ACCOUNT_LEN + 1];
	char		*partition;	/* PR_ACCOUNT from an ARN, PR_ROLE; NULL: any */
	char		*role_name;	/* PR_ROLE */
};

struct statement {
	uint64_t		 service_mask;	/* bit (hash & 63) per service its actions can name */
	size_t			 index;
	char			*sid;
	bool			 deny;
	bool			 not_action;
	struct pattern		*actions;
	size_t			 nactions;
	bool			 not_resource;
	struct pattern		*resources;
	size_t			 nresources;
	bool			 has_principal;
	bool			 not_principal;
	struct principal_ref	*principals;
	size_t			 nprincipals;
	struct condition	*conditions;
	size_t			 nconditions;
};

struct policy {
	uint64_t		 service_mask;	/* OR of its statements' masks */
	enum policy_kind	 kind;
	char			*name;
	bool			 v2012;
	struct statement	*statements;
	size_t			 nstatements;
};

/* The service_mask bit of a lower-cased service prefix ("kms"). */
static inline uint64_t
service_bit(const char *service, size_t len)
{
	return 1ULL << (cg_hash(service, len, false) & 63);
}

int principal_parse(const char *text, struct principal *ret, struct cg_buf *why);
/* Compiles one Principal element entry ("AWS", "Service", ... and its value). */
int principal_ref_compile(const char *type, const char *value, struct principal_ref *ret,
    struct cg_buf *why);
void principal_ref_clear(struct principal_ref *ref);
enum grant_kind principal_ref_match(const struct principal_ref *ref,
    const struct principal *p);
/*
 * NotPrincipal: AWS checks each identity in the caller's chain (account,
 * then role or user, then session), so a caller is exempt only when every
 * one of them is listed.  True when the statement applies to p.
 */
bool principal_not_listed(const struct principal_ref *refs, size_t n,
    const struct principal *p);

#endif

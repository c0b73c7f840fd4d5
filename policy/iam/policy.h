/*
 * The IAM policy engine: compile policy documents once, evaluate requests
 * against them many times, and explain every decision.
 *
 * Evaluation follows AWS "Policy evaluation logic": an explicit deny in any
 * applicable policy wins; every SCP level must allow; an allow comes from
 * the identity policies (limited by the permission boundary and the session
 * policies) or from the resource-based policy, with AWS's same-account and
 * cross-account rules; for a KMS key the key policy is authoritative and
 * identity policies count only when it allows the account principal.
 * docs/policy-engine.md lists every rule and the choices made where AWS is
 * silent.
 *
 * Functions follow cg_err.h.  Errors that concern a document or a request
 * come with a message naming the policy, statement and field in `why`.
 */
#ifndef CMKGATE_POLICY_H
#define CMKGATE_POLICY_H

#include <stdbool.h>
#include <stddef.h>

struct cg_buf;
struct context;
struct json_object;
struct policy;

enum policy_kind {
	POLICY_IDENTITY,	/* identity-based: no Principal */
	POLICY_RESOURCE,	/* resource-based (a KMS key policy too): Principal required */
	POLICY_BOUNDARY,	/* permission boundary: no Principal */
	POLICY_SESSION,		/* session policy: no Principal */
	POLICY_SCP,		/* service control policy: no Principal */
};

#define POLICY_DOC_MAX		(1024 * 1024)	/* bytes of JSON text */
#define POLICY_STATEMENTS_MAX	1024
#define POLICY_ELEMENTS_MAX	1024		/* entries in one Action, Resource, ... list */
#define POLICY_ENTRIES_MAX	10000		/* entries in all lists of one policy */

/*
 * Compiles a policy document (a JSON object, or a JSON string holding one)
 * of the given kind.  name labels the policy in explanations and errors
 * ("identity_policies[2]").  CG_ERR_POLICY with the reason in why when the
 * document is malformed; nothing is returned then.
 */
int policy_compile(struct json_object *doc, enum policy_kind kind, const char *name,
    struct policy **ret_policy, struct cg_buf *why);
int policy_compile_text(const char *text, size_t len, enum policy_kind kind,
    const char *name, struct policy **ret_policy, struct cg_buf *why);
void policy_free(struct policy *policy);

const char *policy_name(const struct policy *policy);
size_t policy_statement_count(const struct policy *policy);
/* The statement's Sid, or NULL when it has none. */
const char *policy_statement_sid(const struct policy *policy, size_t index);

/* The policies that apply to one request.  Pointers are borrowed. */
struct policy_set {
	struct policy	**identity;
	size_t		  nidentity;
	struct policy	 *resource;	/* NULL: none (for a KMS key: no key policy) */
	struct policy	 *boundary;	/* NULL: none */
	struct policy	**session;
	size_t		  nsession;	/* 0: not a session with session policies */
	struct policy	***scp_levels;	/* root first */
	size_t		 *nscp;		/* policies at each level */
	size_t		  nlevels;
};

struct policy_request {
	const char		*principal;	/* ARN, or a service principal name */
	const char		*action;	/* "service:Action" */
	const char		*resource;	/* ARN, or "*" */
	const char		*resource_account; /* NULL: from the resource ARN */
	const struct context	*context;	/* NULL: empty */
};

enum policy_decision {
	POLICY_IMPLICIT_DENY = 0,	/* the starting value: deny unless shown otherwise */
	POLICY_ALLOW,
	POLICY_EXPLICIT_DENY,
};

enum policy_stage {
	STAGE_NONE = 0,
	/* where a request was refused */
	STAGE_EXPLICIT_DENY,		/* a Deny statement matched */
	STAGE_SCP,			/* an SCP level has no Allow */
	STAGE_NO_ALLOW,			/* nothing allows */
	STAGE_BOUNDARY,			/* the permission boundary does not allow */
	STAGE_SESSION,			/* no session policy allows */
	STAGE_KEY_POLICY,		/* the key policy neither grants nor delegates to IAM */
	STAGE_RESOURCE_POLICY,		/* cross-account: the resource policy does not allow */
	/* what contributed to an allow */
	STAGE_IDENTITY,
	STAGE_RESOURCE_GRANT,
	STAGE_ACCOUNT_DELEGATION,	/* the resource (key) policy allows the account */
};

/* One decisive statement, or (policy NULL) a stage with no statement. */
struct policy_step {
	enum policy_stage	 stage;
	const struct policy	*policy;
	size_t			 statement;
	size_t			 level;		/* SCP steps: the level, root = 0 */
};

#define POLICY_STEPS_MAX 24

struct policy_result {
	enum policy_decision	decision;
	enum policy_stage	deny_stage;	/* for a deny: the stage that refused */
	struct policy_step	steps[POLICY_STEPS_MAX];
	size_t			nsteps;
};

/*
 * Evaluates req against set.  Fails (CG_ERR_INVALID_ARG, reason in why)
 * when the request itself is malformed: a principal that is neither an ARN
 * AWS uses for principals nor a service name, an action without a service
 * prefix.  On failure *ret_result is not written: the caller has no
 * decision, and must treat the request as refused.
 */
int policy_evaluate(const struct policy_set *set, const struct policy_request *req,
    struct policy_result *ret_result, struct cg_buf *why);

const char *policy_decision_name(enum policy_decision d);
const char *policy_stage_name(enum policy_stage s);

#endif

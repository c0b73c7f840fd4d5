/*
 * The gate's decision for one operator request (DESIGN steps 2-5), shared
 * by `cmkgate plan` and the daemon:
 *
 *   (reading the request itself is ops_read_request(), policy/kda/ops_read.h)
 *   decide_gather()   what it involves, read from AWS: the application, every
 *                     key (DescribeKey), and -- compiled, through the policy
 *                     cache -- the operator role's policies and every key's
 *                     policy -> struct decide_facts;
 *   decide_evaluate() the facts -> plan, permission checks, key state, the
 *                     operation's rule stack -> outcome and a JSON record.
 *
 * decide_evaluate() makes no AWS call and no I/O: what it needs is in the
 * facts, so it can be measured and tested on its own.
 *
 * Functions follow cg_err.h; the reason of a failure goes to why.
 */
#ifndef CMKGATE_DECIDE_H
#define CMKGATE_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "jcs.h"
#include "ops.h"

struct aws_client;
struct cg_buf;
struct json_object;
struct pc_entry;
struct policy_cache;
struct rules_set;

#define DECIDE_ROLE_MAX		130

/* What a request involves: the world as read now, and the policies (held entries). */
struct decide_facts {
	struct op_world	 world;
	struct pc_entry	*role;				/* the operator role's policies */
	struct pc_entry	*keys[OPS_KEYS_MAX];		/* distinct keys, each with its policy */
	size_t		 nkeys;
};

void decide_facts_clear(struct decide_facts *facts);
/* *ret = *src, holding its own references to the policies (never fails). */
void decide_facts_copy(const struct decide_facts *src, struct decide_facts *ret);

enum decide_outcome {
	DECIDE_DENIED = 0,	/* zero: an outcome nobody set refuses */
	DECIDE_PENDING,		/* everything passed but approvals */
	DECIDE_APPROVED,	/* everything passed */
};

const char *decide_outcome_name(enum decide_outcome outcome);

/*
 * The role name of a role ARN (arn:aws:iam::A:role/[path/]NAME) or role
 * session ARN (arn:aws:sts::A:assumed-role/NAME/SESSION); CG_ERR_INVALID_ARG
 * for anything else.
 */
int decide_role_of(const char *principal, char ret_role[DECIDE_ROLE_MAX]);

/*
 * Reads what req involves (always fresh: application, key states, aliases,
 * snapshots, versions) and the policies of role and of every key involved
 * (through cache, which may hold them for its TTL).  account is the gate's
 * own account when known (NULL: asked of STS).  Any AWS error but "not
 * found" fails the call with the service, code and message in why: nothing
 * is decided on a partial view.
 */
int decide_gather(struct aws_client *c, struct policy_cache *cache, const struct op_request *req,
    const char *role, const char *account, int64_t now_ms, struct decide_facts *ret_facts,
    struct cg_buf *why);

struct decide_who {
	const char	*operator_name;		/* for messages and the record */
	const char	*principal;		/* whose permissions are checked */
	const char	*reason;		/* the requester's reason; NULL: none */
};

/*
 * Decides.  With rules NULL only the plan and the permission checks count
 * (`cmkgate plan`): DENIED on a refusal or a denied check, else PENDING for
 * a key change and APPROVED otherwise.  With rules, a refusal of the plan
 * (missing application, disabled key, CMK on an old runtime), a denied
 * permission check or an unusable key denies whatever the stack says; the
 * operation's stack can only add requirements (ticket, window, approvals,
 * deny) and decides between APPROVED (PASS), PENDING and DENIED (FAIL).  Approvals are not collected
 * yet: the approvals module answers PENDING whenever it needs any.
 *
 * *ret_record is a new JSON object: operation, application, request
 * digest (as given: the caller computes it, ops_request_digest()) and its
 * version, operator, principal, outcome, keys involved (arn, role, why,
 * state), key change, refusals, warnings, each check with its result and
 * reason, the rule stack's verdict step by step, and what is still needed.
 */
int decide_evaluate(const struct op_request *req, const char *digest,
    const struct decide_facts *facts, const struct decide_who *who,
    const struct rules_set *rules, time_t now, enum decide_outcome *ret_outcome,
    struct json_object **ret_record, struct cg_buf *why);

#endif

/*
 * The permission checks of an operation plan, evaluated with the policy
 * engine against the operator's policies and each key's key policy.  A
 * refusal names the operator, the action, the key and why it is involved,
 * and the deciding policy and stage.
 */
#ifndef CMKGATE_OPS_CHECK_H
#define CMKGATE_OPS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "ops.h"
#include "policy.h"

struct cg_buf;

/* The operator's side and every key's policy.  Pointers are borrowed. */
struct ops_policies {
	const char	 *operator_name;	/* for messages */
	const char	 *principal;		/* the IAM principal whose rights are checked */
	struct policy	**identity;
	size_t		  nidentity;
	struct policy	 *boundary;
	struct policy	***scp_levels;
	size_t		 *nscp;
	size_t		  nlevels;
	const char	**key_arns;		/* key_arns[i] has key_policies[i] */
	struct policy	**key_policies;
	size_t		  nkeys;
	/*
	 * The global condition keys the gate knows for the call the operator
	 * will make with the session the gate issues (each NULL/0: left out,
	 * so a condition on it sees a missing key):
	 * aws:RequestedRegion, aws:PrincipalAccount, aws:PrincipalArn (the
	 * role ARN), aws:CurrentTime and aws:EpochTime (at now); and, when
	 * region is set (the gate's own calls set them all),
	 * aws:SecureTransport "true" and aws:PrincipalType "AssumedRole".
	 * Keys the gate cannot know (aws:SourceIp, aws:PrincipalTag/..., MFA)
	 * stay missing: docs/policy-engine.md says what that means.
	 */
	const char	 *region;
	const char	 *principal_account;
	const char	 *principal_role_arn;
	time_t		  now;
};

struct ops_check_result {
	enum policy_decision	decision;
	enum policy_stage	stage;		/* for a deny */
	char			reason[1024];	/* for a deny: the whole refusal in words */
};

/*
 * Evaluates every check of plan into results[0..plan->nchecks); *ret_allowed
 * is true only when every check is Allow.  An evaluation error fails the
 * call (no result is then trustworthy); a key without a given key policy is
 * an ImplicitDeny at the key-policy stage, as the engine rules.
 */
int ops_check_permissions(const struct op_plan *plan, const struct ops_policies *pol,
    struct ops_check_result *results, bool *ret_allowed, struct cg_buf *why);

#endif

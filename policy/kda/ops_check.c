#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "context.h"
#include "ops_check.h"

static const char *
role_words(enum op_key_role role)
{
	switch (role) {
	case KEY_ROLE_CURRENT:	return "the current key";
	case KEY_ROLE_TARGET:	return "the requested key";
	case KEY_ROLE_SNAPSHOT:	return "the snapshot's key";
	case KEY_ROLE_ROLLBACK:	return "the previous version's key";
	}
	return "a key";
}

static struct policy *
key_policy(const struct ops_policies *pol, const char *arn)
{
	size_t i;

	for (i = 0; i < pol->nkeys; i++)
		if (strcmp(pol->key_arns[i], arn) == 0)
			return pol->key_policies[i];
	return NULL;
}

static int
add_single(struct context *ctx, const char *key, const char *value)
{
	return value != NULL ? context_add(ctx, key, &value, 1, false) : 0;
}

static int
build_context(const struct op_check *c, const struct ops_policies *pol, struct context *ctx)
{
	const char *v;
	char when[32], epoch[24];
	struct tm tm;
	size_t i;
	int r = 0;

	context_init(ctx);
	for (i = 0; i < c->ncontext; i++) {
		v = c->context[i].value;
		GUARD(context_add(ctx, c->context[i].key, &v, 1, c->context[i].multi));
	}
	GUARD(add_single(ctx, "aws:RequestedRegion", pol->region));
	GUARD(add_single(ctx, "aws:PrincipalAccount", pol->principal_account));
	GUARD(add_single(ctx, "aws:PrincipalArn", pol->principal_role_arn));
	if (pol->now > 0 && gmtime_r(&pol->now, &tm) != NULL &&
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0) {
		(void)snprintf(epoch, sizeof(epoch), "%lld", (long long)pol->now);
		GUARD(add_single(ctx, "aws:CurrentTime", when));
		GUARD(add_single(ctx, "aws:EpochTime", epoch));
	}
	if (pol->region != NULL) {
		GUARD(add_single(ctx, "aws:SecureTransport", "true"));
		GUARD(add_single(ctx, "aws:PrincipalType", "AssumedRole"));
	}
 out:
	return r;
}

static void
describe_refusal(const struct op_plan *plan, const struct op_check *c,
    const struct ops_policies *pol, const struct policy_result *res,
    struct ops_check_result *out)
{
	const struct policy_step *s = res->nsteps > 0 ? &res->steps[0] : NULL;
	char decisive[256] = "";
	int n;

	if (res->decision == POLICY_EXPLICIT_DENY && s != NULL && s->policy != NULL)
		snprintf(decisive, sizeof(decisive), "; denied by %s statement %zu%s%s",
		    policy_name(s->policy), s->statement,
		    policy_statement_sid(s->policy, s->statement) != NULL ? " " : "",
		    policy_statement_sid(s->policy, s->statement) != NULL ?
		    policy_statement_sid(s->policy, s->statement) : "");
	n = snprintf(out->reason, sizeof(out->reason), "operator %s (%s) may not %s on %s",
	    pol->operator_name, pol->principal, c->action, c->resource);
	if (n < 0 || (size_t)n >= sizeof(out->reason))
		return;
	if (c->key >= 0)
		n += snprintf(out->reason + n, sizeof(out->reason) - (size_t)n, " (%s: %s)",
		    role_words(plan->keys[c->key].role), plan->keys[c->key].why);
	if (n < 0 || (size_t)n >= sizeof(out->reason))
		return;
	snprintf(out->reason + n, sizeof(out->reason) - (size_t)n, ", needed because %s: "
	    "%s at stage %s%s", c->why, policy_decision_name(res->decision),
	    policy_stage_name(res->deny_stage), decisive);
}

int
ops_check_permissions(const struct op_plan *plan, const struct ops_policies *pol,
    struct ops_check_result *results, bool *ret_allowed, struct cg_buf *why)
{
	struct policy_set set;
	struct policy_request req;
	struct policy_result res;
	struct context ctx;
	bool allowed = true;
	size_t i;
	int r = CG_ERR_INTERNAL;

	context_init(&ctx);
	ENSURE(plan != NULL && pol != NULL && results != NULL && ret_allowed != NULL &&
	    why != NULL && pol->principal != NULL && pol->operator_name != NULL,
	    CG_ERR_INVALID_ARG);
	memset(&set, 0, sizeof(set));
	set.identity = pol->identity;
	set.nidentity = pol->nidentity;
	set.boundary = pol->boundary;
	set.scp_levels = pol->scp_levels;
	set.nscp = pol->nscp;
	set.nlevels = pol->nlevels;
	for (i = 0; i < plan->nchecks; i++) {
		const struct op_check *c = &plan->checks[i];

		context_clear(&ctx);
		GUARD(build_context(c, pol, &ctx));
		set.resource = c->key >= 0 ? key_policy(pol, plan->keys[c->key].arn) : NULL;
		req.principal = pol->principal;
		req.action = c->action;
		req.resource = c->resource;
		req.resource_account = NULL;
		req.context = &ctx;
		if ((r = policy_evaluate(&set, &req, &res, why)) < 0)
			goto out;
		memset(&results[i], 0, sizeof(results[i]));
		results[i].decision = res.decision;
		results[i].stage = res.deny_stage;
		if (res.decision != POLICY_ALLOW) {
			allowed = false;
			describe_refusal(plan, c, pol, &res, &results[i]);
		}
	}
	*ret_allowed = allowed;
	r = 0;
 out:
	context_clear(&ctx);
	return r;
}

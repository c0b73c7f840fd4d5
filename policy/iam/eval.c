/*
 * Policy evaluation: which statements apply to a request, and how the
 * policies' answers combine into one decision (AWS "Policy evaluation
 * logic", "Cross-account policy evaluation logic", and KMS key policies).
 * The decision starts as ImplicitDeny and only the allow paths below
 * change it; any error on the way -- a malformed request, a context value
 * an operator cannot read, memory, the step budget -- gives no decision.
 */
#include <string.h>

#include "arn.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "context.h"
#include "policy_int.h"

#define ACTION_MAX	256
#define BUDGET_STEPS	20000000ULL	/* matching steps per evaluation (~20 ms) */

struct prepared {
	struct principal	 principal;
	char			 action[ACTION_MAX];	/* lower-cased */
	size_t			 action_len;
	uint64_t		 action_hash;
	uint64_t		 service_bit;
	const char		*resource;
	size_t			 resource_len;
	char			 resource_account[ARN_ACCOUNT_LEN + 1];
	bool			 kms_key;
	bool			 cross_account;
	bool			 has_boundary;
	const struct context	*ctx;
	struct cg_budget	 budget;
	struct cg_buf		*why;
};

/* What one policy, or one list of policies, says about the request. */
struct scan {
	const struct policy	*deny_policy;
	const struct statement	*deny;
	const struct policy	*allow_policy;
	const struct statement	*allow;
	const struct statement	*grant[GRANT_KINDS];	/* resource policies, per kind */
};

static int
action_matches(const struct statement *st, struct prepared *rq)
{
	const struct pattern *p;
	size_t i;
	int m = 0, r = CG_ERR_INTERNAL;

	for (i = 0; i < st->nactions && m == 0; i++) {
		p = &st->actions[i];
		if (p->literal)
			m = p->hash == rq->action_hash && p->len == rq->action_len &&
			    memcmp(p->text, rq->action, rq->action_len) == 0;
		else
			GUARD(m = pattern_match(p, rq->action, rq->action_len, rq->ctx,
			    &rq->budget));
	}
	r = st->not_action ? !m : m;
 out:
	return r;
}

static int
resource_matches(const struct statement *st, struct prepared *rq)
{
	size_t i;
	int m = 0, r = CG_ERR_INTERNAL;

	for (i = 0; i < st->nresources && m == 0; i++)
		GUARD(m = pattern_match_arn(&st->resources[i], rq->resource, rq->resource_len,
		    rq->ctx, &rq->budget));
	r = st->not_resource ? !m : m;
 out:
	return r;
}

static enum grant_kind
principal_matches(const struct statement *st, const struct prepared *rq)
{
	enum grant_kind best = GRANT_NONE, k;
	size_t i;

	if (st->not_principal) {
		/* AWS: a Deny with NotPrincipal always applies to a principal with a boundary */
		if (st->deny && rq->has_boundary)
			return GRANT_DIRECT;
		return principal_not_listed(st->principals, st->nprincipals, &rq->principal) ?
		    GRANT_LIMITED : GRANT_NONE;
	}
	for (i = 0; i < st->nprincipals; i++) {
		k = principal_ref_match(&st->principals[i], &rq->principal);
		if (k > best)
			best = k;
	}
	return best;
}

static int
conditions_match(const struct statement *st, struct prepared *rq)
{
	size_t i;
	int m = 1, r = CG_ERR_INTERNAL;

	for (i = 0; i < st->nconditions && m == 1; i++)
		GUARD(m = condition_eval(&st->conditions[i], rq->ctx, st->deny, &rq->budget,
		    rq->why));
	r = m;
 out:
	return r;
}

/*
 * Scans one policy into sc (adding to what sc holds): its first matching
 * Deny, first matching Allow, and for resource policies the first grant
 * of each kind.
 */
static int
scan_policy(const struct policy *pol, struct prepared *rq, struct scan *sc)
{
	const struct statement *st;
	enum grant_kind kind = GRANT_DIRECT;
	size_t i;
	int m, r = CG_ERR_INTERNAL;

	if (pol == NULL || (pol->service_mask & rq->service_bit) == 0) {
		r = 0;
		goto out;
	}
	for (i = 0; i < pol->nstatements && sc->deny == NULL; i++) {
		st = &pol->statements[i];
		if ((st->service_mask & rq->service_bit) == 0)
			continue;
		GUARD(m = action_matches(st, rq));
		if (m == 0)
			continue;
		GUARD(m = resource_matches(st, rq));
		if (m == 0)
			continue;
		if (st->has_principal && (kind = principal_matches(st, rq)) == GRANT_NONE)
			continue;
		GUARD(m = conditions_match(st, rq));
		if (m == 0)
			continue;
		if (st->deny) {
			sc->deny = st;
			sc->deny_policy = pol;
		} else {
			if (sc->allow == NULL) {
				sc->allow = st;
				sc->allow_policy = pol;
			}
			if (st->has_principal && sc->grant[kind] == NULL)
				sc->grant[kind] = st;
		}
	}
	r = 0;
 out:
	return r;
}

static int
scan_list(struct policy *const *list, size_t n, struct prepared *rq, struct scan *sc)
{
	size_t i;
	int r = 0;

	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < n && sc->deny == NULL; i++)
		GUARD(scan_policy(list[i], rq, sc));
 out:
	return r;
}

static void
add_step(struct policy_result *res, enum policy_stage stage, const struct policy *pol,
    const struct statement *st, size_t level)
{
	struct policy_step *s;

	if (res->nsteps >= POLICY_STEPS_MAX)
		return;
	s = &res->steps[res->nsteps++];
	s->stage = stage;
	s->policy = st != NULL ? pol : NULL;
	s->statement = st != NULL ? st->index : SIZE_MAX;
	s->level = level;
}

static bool
alnum_or(char c, char extra1, char extra2)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == extra1 || c == extra2;
}

/* service:Action, the service of [A-Za-z0-9-], the action of [A-Za-z0-9_-]. */
static bool
valid_action(const char *a, size_t len, size_t colon)
{
	size_t i;

	if (colon == 0 || colon + 1 >= len || len >= ACTION_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (i != colon && !alnum_or(a[i], '-', i > colon ? '_' : '-'))
			return false;
	return true;
}

static int
prepare(const struct policy_request *req, struct prepared *rq, struct cg_buf *why)
{
	const char *colon;
	struct arn a;
	bool star;
	size_t i;
	int r = CG_ERR_INVALID_ARG;

	memset(rq, 0, sizeof(*rq));
	rq->why = why;
	rq->budget.left = BUDGET_STEPS;
	ENSURE(req->principal != NULL && req->action != NULL && req->resource != NULL,
	    CG_ERR_INVALID_ARG);
	GUARD(principal_parse(req->principal, &rq->principal, why));

	rq->action_len = strlen(req->action);
	colon = strchr(req->action, ':');
	if (colon == NULL || !valid_action(req->action, rq->action_len,
	    (size_t)(colon - req->action))) {
		cg_buf_putf(why, "action \"%.64s\" is not service:Action (no wildcards)",
		    req->action);
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	for (i = 0; i < rq->action_len; i++)
		rq->action[i] = cg_ascii_lower(req->action[i]);
	rq->action_hash = cg_hash(rq->action, rq->action_len, false);
	rq->service_bit = service_bit(rq->action, (size_t)(colon - req->action));
	rq->ctx = req->context;

	/* The resource: "*" or a well-formed ARN, nothing else. */
	rq->resource = req->resource;
	rq->resource_len = strlen(req->resource);
	star = strcmp(req->resource, "*") == 0;
	if (!star && arn_parse(req->resource, rq->resource_len, &a) < 0) {
		cg_buf_putf(why, "resource \"%.200s\" is neither \"*\" nor an ARN "
		    "(arn:partition:service:region:account:resource, lower-case)", req->resource);
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	if (req->resource_account != NULL &&
	    !arn_is_account(req->resource_account, strlen(req->resource_account))) {
		cg_buf_putf(why, "resource_account \"%.32s\" is not a 12-digit account id",
		    req->resource_account);
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	/* The resource's account: from the ARN; given when the ARN has none. */
	if (!star && arn_is_account(a.account.p, a.account.len)) {
		if (req->resource_account != NULL &&
		    memcmp(req->resource_account, a.account.p, ARN_ACCOUNT_LEN) != 0) {
			cg_buf_putf(why, "resource_account %s differs from the account in the "
			    "resource ARN", req->resource_account);
			r = CG_ERR_INVALID_ARG;
			goto out;
		}
		memcpy(rq->resource_account, a.account.p, ARN_ACCOUNT_LEN);
	} else if (req->resource_account != NULL) {
		memcpy(rq->resource_account, req->resource_account, ARN_ACCOUNT_LEN);
	} else if (star || rq->principal.type == PT_SERVICE) {
		memcpy(rq->resource_account, rq->principal.account, ARN_ACCOUNT_LEN);
	} else {
		cg_buf_putf(why, "resource \"%.200s\" names no account: give resource_account "
		    "(same-account and cross-account requests are judged differently)",
		    req->resource);
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	rq->cross_account = rq->principal.type != PT_SERVICE &&
	    memcmp(rq->resource_account, rq->principal.account, ARN_ACCOUNT_LEN) != 0;

	/* KMS: an action on a key, where the key policy is authoritative */
	if (strncmp(rq->action, "kms:", 4) == 0 && !star) {
		if (!arn_field_is(&a.service, "kms")) {
			cg_buf_putf(why, "%s takes a KMS ARN (arn:...:kms:...:key/ID or alias/NAME) "
			    "or \"*\"", req->action);
			r = CG_ERR_INVALID_ARG;
			goto out;
		}
		/* an alias is a resource of its own (CreateAlias); key use resolves to the key */
		rq->kms_key = arn_field_has_prefix(&a.resource, "key/");
	}
	r = 0;
 out:
	return r;
}

static int
scan_failed(int r, struct prepared *rq)
{
	if (r == CG_ERR_LIMIT && cg_buf_len(rq->why) == 0)
		cg_buf_putf(rq->why, "the query needs more than %llu matching steps: its "
		    "patterns or context values are too large", (unsigned long long)BUDGET_STEPS);
	return r;
}

int
policy_evaluate(const struct policy_set *set, const struct policy_request *req,
    struct policy_result *ret_result, struct cg_buf *why)
{
	struct prepared rq;
	struct policy_result res;
	struct scan ids, bnd, rsc, ses;
	struct scan scp[16];
	const struct statement *st;
	bool service, boundary_ok, session_ok, id_side, delegated;
	size_t l, k;
	int r = CG_ERR_INTERNAL;

	memset(&res, 0, sizeof(res));
	res.decision = POLICY_IMPLICIT_DENY;
	memset(&ids, 0, sizeof(ids));
	memset(&bnd, 0, sizeof(bnd));
	memset(&rsc, 0, sizeof(rsc));
	memset(&ses, 0, sizeof(ses));
	ENSURE(set != NULL && req != NULL && ret_result != NULL && why != NULL,
	    CG_ERR_INVALID_ARG);
	if (set->nlevels > CG_NELEM(scp)) {
		cg_buf_putf(why, "more than %zu SCP levels", CG_NELEM(scp));
		r = CG_ERR_LIMIT;
		goto out;
	}
	GUARD(prepare(req, &rq, why));
	rq.has_boundary = set->boundary != NULL;
	service = rq.principal.type == PT_SERVICE;

	/*
	 * 1. An explicit deny in any policy that applies wins.  Identity-side
	 * policies (SCPs, identity, boundary, session) do not apply to a
	 * service principal.
	 */
	if ((r = scan_policy(set->resource, &rq, &rsc)) < 0)
		goto failed;
	if (rsc.deny != NULL) {
		add_step(&res, STAGE_EXPLICIT_DENY, rsc.deny_policy, rsc.deny, 0);
		goto deny_explicit;
	}
	if (!service) {
		for (l = 0; l < set->nlevels; l++) {
			if ((r = scan_list(set->scp_levels[l], set->nscp[l], &rq, &scp[l])) < 0)
				goto failed;
			if (scp[l].deny != NULL) {
				add_step(&res, STAGE_EXPLICIT_DENY, scp[l].deny_policy, scp[l].deny, l);
				goto deny_explicit;
			}
		}
		if ((r = scan_list(set->identity, set->nidentity, &rq, &ids)) < 0 ||
		    (r = scan_policy(set->boundary, &rq, &bnd)) < 0 ||
		    (r = scan_list(set->session, set->nsession, &rq, &ses)) < 0)
			goto failed;
		for (k = 0; k < 3; k++) {
			const struct scan *sc = k == 0 ? &ids : k == 1 ? &bnd : &ses;

			if (sc->deny != NULL) {
				add_step(&res, STAGE_EXPLICIT_DENY, sc->deny_policy, sc->deny, 0);
				goto deny_explicit;
			}
		}
		/* 2. Every SCP level must allow. */
		for (l = 0; l < set->nlevels; l++) {
			if (scp[l].allow == NULL) {
				res.deny_stage = STAGE_SCP;
				add_step(&res, STAGE_SCP, NULL, NULL, l);
				goto done;
			}
		}
		for (l = 0; l < set->nlevels; l++)
			add_step(&res, STAGE_SCP, scp[l].allow_policy, scp[l].allow, l);
	}

	/* 3. A service principal has only the resource policy. */
	if (service) {
		st = rsc.grant[GRANT_DIRECT] != NULL ? rsc.grant[GRANT_DIRECT] :
		    rsc.grant[GRANT_LIMITED];
		if (st != NULL) {
			add_step(&res, STAGE_RESOURCE_GRANT, set->resource, st, 0);
			res.decision = POLICY_ALLOW;
		} else {
			res.deny_stage = rq.kms_key ? STAGE_KEY_POLICY : STAGE_NO_ALLOW;
		}
		goto done;
	}
	boundary_ok = set->boundary == NULL || bnd.allow != NULL;
	session_ok = set->nsession == 0 || ses.allow != NULL;
	id_side = ids.allow != NULL && boundary_ok && session_ok;

	if (rq.cross_account) {
		/* 4. Cross-account: the identity side and the resource policy must both allow. */
		for (k = GRANT_KINDS - 1, st = NULL; k > GRANT_NONE && st == NULL; k--)
			st = rsc.grant[k];
		if (id_side && st != NULL) {
			res.decision = POLICY_ALLOW;
			add_step(&res, STAGE_RESOURCE_GRANT, set->resource, st, 0);
			goto allow_identity;
		}
		if (ids.allow == NULL)
			res.deny_stage = STAGE_NO_ALLOW;
		else if (!boundary_ok)
			res.deny_stage = STAGE_BOUNDARY;
		else if (!session_ok)
			res.deny_stage = STAGE_SESSION;
		else
			res.deny_stage = rq.kms_key ? STAGE_KEY_POLICY : STAGE_RESOURCE_POLICY;
		goto deny_context;
	}

	/* 5. Same account: a resource-policy grant, within its limits ... */
	if (rsc.grant[GRANT_DIRECT] != NULL) {
		res.decision = POLICY_ALLOW;
		add_step(&res, STAGE_RESOURCE_GRANT, set->resource, rsc.grant[GRANT_DIRECT], 0);
		goto done;
	}
	if (rsc.grant[GRANT_USER] != NULL && session_ok) {
		res.decision = POLICY_ALLOW;
		add_step(&res, STAGE_RESOURCE_GRANT, set->resource, rsc.grant[GRANT_USER], 0);
		add_step(&res, STAGE_SESSION, ses.allow_policy, ses.allow, 0);
		goto done;
	}
	if (rsc.grant[GRANT_LIMITED] != NULL && boundary_ok && session_ok) {
		res.decision = POLICY_ALLOW;
		add_step(&res, STAGE_RESOURCE_GRANT, set->resource, rsc.grant[GRANT_LIMITED], 0);
		add_step(&res, STAGE_BOUNDARY, set->boundary, bnd.allow, 0);
		add_step(&res, STAGE_SESSION, ses.allow_policy, ses.allow, 0);
		goto done;
	}
	/* ... or the identity side, which for a KMS key the key policy must delegate to */
	delegated = !rq.kms_key || rsc.grant[GRANT_ACCOUNT] != NULL;
	if (id_side && delegated) {
		res.decision = POLICY_ALLOW;
		if (rq.kms_key)
			add_step(&res, STAGE_ACCOUNT_DELEGATION, set->resource,
			    rsc.grant[GRANT_ACCOUNT], 0);
		goto allow_identity;
	}
	if (id_side)
		res.deny_stage = STAGE_KEY_POLICY;
	else if ((ids.allow != NULL || rsc.grant[GRANT_LIMITED] != NULL) && !boundary_ok)
		res.deny_stage = STAGE_BOUNDARY;
	else if ((ids.allow != NULL || rsc.grant[GRANT_LIMITED] != NULL ||
	    rsc.grant[GRANT_USER] != NULL) && !session_ok)
		res.deny_stage = STAGE_SESSION;
	else if (!delegated)
		res.deny_stage = STAGE_KEY_POLICY;
	else
		res.deny_stage = STAGE_NO_ALLOW;

 deny_context:
	/* say what did allow, so the refusal shows which stage took it away */
	add_step(&res, STAGE_IDENTITY, ids.allow_policy, ids.allow, 0);
	goto done;

 allow_identity:
	add_step(&res, STAGE_IDENTITY, ids.allow_policy, ids.allow, 0);
	add_step(&res, STAGE_BOUNDARY, set->boundary, bnd.allow, 0);
	add_step(&res, STAGE_SESSION, ses.allow_policy, ses.allow, 0);
	goto done;

 deny_explicit:
	res.decision = POLICY_EXPLICIT_DENY;
	res.deny_stage = STAGE_EXPLICIT_DENY;
 done:
	if (res.decision == POLICY_IMPLICIT_DENY && res.deny_stage == STAGE_NONE)
		res.deny_stage = STAGE_NO_ALLOW;
	*ret_result = res;
	r = 0;
	goto out;
 failed:
	r = scan_failed(r, &rq);
 out:
	return r;
}

const char *
policy_decision_name(enum policy_decision d)
{
	switch (d) {
	case POLICY_ALLOW:		return "Allow";
	case POLICY_EXPLICIT_DENY:	return "ExplicitDeny";
	case POLICY_IMPLICIT_DENY:	return "ImplicitDeny";
	}
	return "ImplicitDeny";
}

const char *
policy_stage_name(enum policy_stage s)
{
	switch (s) {
	case STAGE_NONE:		return "none";
	case STAGE_EXPLICIT_DENY:	return "explicit-deny";
	case STAGE_SCP:			return "scp";
	case STAGE_NO_ALLOW:		return "no-allow";
	case STAGE_BOUNDARY:		return "permission-boundary";
	case STAGE_SESSION:		return "session-policy";
	case STAGE_KEY_POLICY:		return "key-policy";
	case STAGE_RESOURCE_POLICY:	return "resource-policy";
	case STAGE_IDENTITY:		return "identity";
	case STAGE_RESOURCE_GRANT:	return "resource-grant";
	case STAGE_ACCOUNT_DELEGATION:	return "account-delegation";
	}
	return "unknown";
}

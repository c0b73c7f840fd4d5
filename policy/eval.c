/*
 * Policy evaluation: which statements apply to a request, and how the
 * policies' answers combine into one decision (AWS "Policy evaluation
 * logic", "Cross-account policy evaluation logic", and KMS key policies).
 * The decision starts as ImplicitDeny and only the allow paths below
 * change it.
 */
#include <string.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "context.h"
#include "policy_int.h"

#define ACTION_MAX 256

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
};

/* What one policy says about the request. */
struct scan {
	const struct statement	*deny;
	const struct statement	*allow;			/* identity-like policies */
	const struct statement	*grant[GRANT_KINDS];	/* resource policies, per kind */
};

static bool
action_matches(const struct statement *st, const struct prepared *rq)
{
	const struct pattern *p;
	bool any = false;
	size_t i;

	for (i = 0; i < st->nactions && !any; i++) {
		p = &st->actions[i];
		if (p->literal)
			any = p->hash == rq->action_hash && p->len == rq->action_len &&
			    memcmp(p->text, rq->action, rq->action_len) == 0;
		else
			any = pattern_match(p, rq->action, rq->action_len, rq->ctx);
	}
	return st->not_action ? !any : any;
}

static bool
resource_matches(const struct statement *st, const struct prepared *rq)
{
	bool any = false;
	size_t i;

	for (i = 0; i < st->nresources && !any; i++)
		any = pattern_match_arn(&st->resources[i], rq->resource, rq->resource_len,
		    rq->ctx);
	return st->not_resource ? !any : any;
}

static enum grant_kind
principal_matches(const struct statement *st, const struct prepared *rq)
{
	enum grant_kind best = GRANT_NONE, k;
	size_t i;

	if (st->not_principal && st->deny && rq->has_boundary)
		return GRANT_DIRECT;	/* AWS: such a Deny always applies to a principal with a boundary */
	for (i = 0; i < st->nprincipals && !st->not_principal; i++) {
		k = principal_ref_match(&st->principals[i], &rq->principal);
		if (k > best)
			best = k;
	}
	if (st->not_principal)	/* everyone but those listed: no limits apply */
		return principal_not_listed(st->principals, st->nprincipals,
		    &rq->principal) ? GRANT_DIRECT : GRANT_NONE;
	return best;
}

static bool
conditions_match(const struct statement *st, const struct prepared *rq)
{
	size_t i;

	for (i = 0; i < st->nconditions; i++)
		if (!condition_eval(&st->conditions[i], rq->ctx))
			return false;
	return true;
}

static void
scan_policy(const struct policy *pol, const struct prepared *rq, struct scan *sc)
{
	const struct statement *st;
	enum grant_kind kind = GRANT_DIRECT;
	size_t i;

	memset(sc, 0, sizeof(*sc));
	if (pol == NULL || (pol->service_mask & rq->service_bit) == 0)
		return;
	for (i = 0; i < pol->nstatements; i++) {
		st = &pol->statements[i];
		if ((st->service_mask & rq->service_bit) == 0)
			continue;
		if (!action_matches(st, rq) || !resource_matches(st, rq))
			continue;
		if (st->has_principal && (kind = principal_matches(st, rq)) == GRANT_NONE)
			continue;
		if (!conditions_match(st, rq))
			continue;
		if (st->deny) {
			sc->deny = st;
			return;		/* one explicit deny decides */
		}
		if (sc->allow == NULL)
			sc->allow = st;
		if (st->has_principal && sc->grant[kind] == NULL)
			sc->grant[kind] = st;
	}
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
	s->policy = pol;
	s->statement = st != NULL ? st->index : SIZE_MAX;
	s->level = level;
}

static int
prepare(const struct policy_request *req, struct prepared *rq, struct cg_buf *why)
{
	const char *colon, *p;
	size_t i, f;
	int r = CG_ERR_INVALID_ARG;

	memset(rq, 0, sizeof(*rq));
	ENSURE(req->principal != NULL && req->action != NULL && req->resource != NULL,
	    CG_ERR_INVALID_ARG);
	GUARD(principal_parse(req->principal, &rq->principal, why));
	rq->action_len = strlen(req->action);
	colon = strchr(req->action, ':');
	if (colon == NULL || colon == req->action || colon[1] == '\0' ||
	    rq->action_len >= ACTION_MAX || strpbrk(req->action, "*?") != NULL) {
		cg_buf_putf(why, "action \"%.64s\" is not service:Action", req->action);
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	for (i = 0; i < rq->action_len; i++)
		rq->action[i] = cg_ascii_lower(req->action[i]);
	rq->action_hash = cg_hash(rq->action, rq->action_len, false);
	rq->service_bit = service_bit(rq->action, (size_t)(colon - req->action));
	rq->resource = req->resource;
	rq->resource_len = strlen(req->resource);
	rq->ctx = req->context;

	/* The resource's account: given, else the ARN's fifth field, else the principal's. */
	if (req->resource_account != NULL) {
		if (strlen(req->resource_account) != ARN_ACCOUNT_LEN ||
		    strspn(req->resource_account, "0123456789") != ARN_ACCOUNT_LEN) {
			cg_buf_putf(why, "resource_account \"%.32s\" is not a 12-digit "
			    "account id", req->resource_account);
			r = CG_ERR_INVALID_ARG;
			goto out;
		}
		memcpy(rq->resource_account, req->resource_account, ARN_ACCOUNT_LEN);
	} else {
		for (p = req->resource, f = 0; *p != '\0' && f < 4; p++)
			f += *p == ':';
		if (f == 4 && strncmp(req->resource, "arn:", 4) == 0 &&
		    strspn(p, "0123456789") == ARN_ACCOUNT_LEN && p[ARN_ACCOUNT_LEN] == ':')
			memcpy(rq->resource_account, p, ARN_ACCOUNT_LEN);
		else
			memcpy(rq->resource_account, rq->principal.account, ARN_ACCOUNT_LEN);
	}
	rq->cross_account = rq->principal.type != PT_SERVICE &&
	    memcmp(rq->resource_account, rq->principal.account, ARN_ACCOUNT_LEN) != 0;

	/* A KMS action on a key: the key policy is authoritative. */
	if (strncmp(rq->action, "kms:", 4) == 0 && strncmp(req->resource, "arn:", 4) == 0) {
		for (p = req->resource, f = 0; *p != '\0' && f < 5; p++)
			f += *p == ':';
		rq->kms_key = f == 5 && strncmp(p, "key/", 4) == 0 &&
		    strstr(req->resource, ":kms:") != NULL;
	}
	r = 0;
 out:
	return r;
}

int
policy_evaluate(const struct policy_set *set, const struct policy_request *req,
    struct policy_result *ret_result, struct cg_buf *why)
{
	struct prepared rq;
	struct policy_result res;
	struct scan idsc, bsc, rsc, ssc, lvl;
	const struct statement *id_allow = NULL, *sess_allow = NULL, *st;
	const struct policy *id_pol = NULL, *sess_pol = NULL;
	const struct statement *scp_allow[16];
	const struct policy *scp_pol[16];
	bool service, boundary_ok, session_ok, id_side, id_counts, delegated, granted;
	size_t i, l;
	int r = CG_ERR_INTERNAL;

	memset(&res, 0, sizeof(res));
	res.decision = POLICY_IMPLICIT_DENY;
	ENSURE(set != NULL && req != NULL && ret_result != NULL, CG_ERR_INVALID_ARG);
	if (set->nlevels > CG_NELEM(scp_allow)) {
		cg_buf_putf(why, "more than %zu SCP levels", CG_NELEM(scp_allow));
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
	memset(&idsc, 0, sizeof(idsc));
	memset(&bsc, 0, sizeof(bsc));
	memset(&ssc, 0, sizeof(ssc));
	scan_policy(set->resource, &rq, &rsc);
	if (rsc.deny != NULL) {
		add_step(&res, STAGE_EXPLICIT_DENY, set->resource, rsc.deny, 0);
		goto deny_explicit;
	}
	if (!service) {
		for (l = 0; l < set->nlevels; l++) {
			scp_allow[l] = NULL;
			scp_pol[l] = NULL;
			for (i = 0; i < set->nscp[l]; i++) {
				scan_policy(set->scp_levels[l][i], &rq, &lvl);
				if (lvl.deny != NULL) {
					add_step(&res, STAGE_EXPLICIT_DENY,
					    set->scp_levels[l][i], lvl.deny, l);
					goto deny_explicit;
				}
				if (scp_allow[l] == NULL && lvl.allow != NULL) {
					scp_allow[l] = lvl.allow;
					scp_pol[l] = set->scp_levels[l][i];
				}
			}
		}
		for (i = 0; i < set->nidentity; i++) {
			scan_policy(set->identity[i], &rq, &idsc);
			if (idsc.deny != NULL) {
				add_step(&res, STAGE_EXPLICIT_DENY, set->identity[i], idsc.deny, 0);
				goto deny_explicit;
			}
			if (id_allow == NULL && idsc.allow != NULL) {
				id_allow = idsc.allow;
				id_pol = set->identity[i];
			}
		}
		scan_policy(set->boundary, &rq, &bsc);
		if (bsc.deny != NULL) {
			add_step(&res, STAGE_EXPLICIT_DENY, set->boundary, bsc.deny, 0);
			goto deny_explicit;
		}
		for (i = 0; i < set->nsession; i++) {
			scan_policy(set->session[i], &rq, &ssc);
			if (ssc.deny != NULL) {
				add_step(&res, STAGE_EXPLICIT_DENY, set->session[i], ssc.deny, 0);
				goto deny_explicit;
			}
			if (sess_allow == NULL && ssc.allow != NULL) {
				sess_allow = ssc.allow;
				sess_pol = set->session[i];
			}
		}
		/* 2. Every SCP level must allow. */
		for (l = 0; l < set->nlevels; l++) {
			if (scp_allow[l] == NULL) {
				res.deny_stage = STAGE_SCP;
				add_step(&res, STAGE_SCP, NULL, NULL, l);
				goto done;
			}
		}
		for (l = 0; l < set->nlevels; l++)
			add_step(&res, STAGE_SCP, scp_pol[l], scp_allow[l], l);
	}

	/* 3. Allows: a service principal has only the resource policy. */
	if (service) {
		st = rsc.grant[GRANT_DIRECT];
		if (st != NULL) {
			add_step(&res, STAGE_RESOURCE_GRANT, set->resource, st, 0);
			res.decision = POLICY_ALLOW;
		} else {
			res.deny_stage = rq.kms_key ? STAGE_KEY_POLICY : STAGE_NO_ALLOW;
		}
		goto done;
	}
	boundary_ok = set->boundary == NULL || bsc.allow != NULL;
	session_ok = set->nsession == 0 || sess_allow != NULL;
	id_side = id_allow != NULL && boundary_ok && session_ok;

	if (rq.cross_account) {
		/* Both the identity side and the resource policy must allow. */
		for (i = GRANT_KINDS - 1, st = NULL; i > GRANT_NONE && st == NULL; i--)
			st = rsc.grant[i];
		if (id_side && st != NULL) {
			res.decision = POLICY_ALLOW;
			add_step(&res, STAGE_RESOURCE_GRANT, set->resource, st, 0);
			goto allow_identity;
		}
		if (id_allow != NULL)
			add_step(&res, STAGE_IDENTITY, id_pol, id_allow, 0);
		if (id_allow == NULL)
			res.deny_stage = STAGE_NO_ALLOW;
		else if (!boundary_ok)
			res.deny_stage = STAGE_BOUNDARY;
		else if (!session_ok)
			res.deny_stage = STAGE_SESSION;
		else
			res.deny_stage = rq.kms_key ? STAGE_KEY_POLICY : STAGE_RESOURCE_POLICY;
		goto done;
	}

	/* Same account. */
	delegated = !rq.kms_key || rsc.grant[GRANT_ACCOUNT] != NULL;
	id_counts = id_side && delegated;
	if (rsc.grant[GRANT_DIRECT] != NULL) {
		granted = true;
		add_step(&res, STAGE_RESOURCE_GRANT, set->resource, rsc.grant[GRANT_DIRECT], 0);
	} else if (rsc.grant[GRANT_USER] != NULL && session_ok) {
		granted = true;
		add_step(&res, STAGE_RESOURCE_GRANT, set->resource, rsc.grant[GRANT_USER], 0);
		if (sess_allow != NULL)
			add_step(&res, STAGE_SESSION, sess_pol, sess_allow, 0);
	} else if (rsc.grant[GRANT_ROLE] != NULL && boundary_ok && session_ok) {
		granted = true;
		add_step(&res, STAGE_RESOURCE_GRANT, set->resource, rsc.grant[GRANT_ROLE], 0);
		if (bsc.allow != NULL)
			add_step(&res, STAGE_BOUNDARY, set->boundary, bsc.allow, 0);
		if (sess_allow != NULL)
			add_step(&res, STAGE_SESSION, sess_pol, sess_allow, 0);
	} else {
		granted = false;
	}
	if (granted) {
		res.decision = POLICY_ALLOW;
		goto done;
	}
	if (id_counts) {
		res.decision = POLICY_ALLOW;
		if (rq.kms_key)
			add_step(&res, STAGE_ACCOUNT_DELEGATION, set->resource,
			    rsc.grant[GRANT_ACCOUNT], 0);
		goto allow_identity;
	}
	/* Say what did allow, so the refusal shows which stage took it away. */
	if (id_allow != NULL)
		add_step(&res, STAGE_IDENTITY, id_pol, id_allow, 0);
	if (id_side && !delegated)
		res.deny_stage = STAGE_KEY_POLICY;
	else if ((id_allow != NULL || rsc.grant[GRANT_ROLE] != NULL) && !boundary_ok)
		res.deny_stage = STAGE_BOUNDARY;
	else if ((id_allow != NULL || rsc.grant[GRANT_ROLE] != NULL ||
	    rsc.grant[GRANT_USER] != NULL) && !session_ok)
		res.deny_stage = STAGE_SESSION;
	else if (rq.kms_key && set->resource == NULL)
		res.deny_stage = STAGE_KEY_POLICY;
	else
		res.deny_stage = STAGE_NO_ALLOW;
	goto done;

 allow_identity:
	add_step(&res, STAGE_IDENTITY, id_pol, id_allow, 0);
	if (bsc.allow != NULL)
		add_step(&res, STAGE_BOUNDARY, set->boundary, bsc.allow, 0);
	if (sess_allow != NULL)
		add_step(&res, STAGE_SESSION, sess_pol, sess_allow, 0);
	goto done;

 deny_explicit:
	res.decision = POLICY_EXPLICIT_DENY;
	res.deny_stage = STAGE_EXPLICIT_DENY;
 done:
	if (res.decision == POLICY_IMPLICIT_DENY && res.deny_stage == STAGE_NONE)
		res.deny_stage = STAGE_NO_ALLOW;
	*ret_result = res;
	r = 0;
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

/*
 * The gate's decision for one request: parse, gather from AWS, evaluate.
 * See decide.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "arn.h"
#include "aws.h"
#include "aws_api.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "decide.h"
#include "jcs.h"
#include "ops.h"
#include "ops_check.h"
#include "ops_read.h"
#include "policy.h"
#include "policy_cache.h"
#include "rules.h"
#include "shapes.h"
#include "world.h"

/* What the caller-evaluated rule modules read. */
struct module_facts {
	const struct op_plan	*plan;
	bool			 allowed;	/* every permission check is Allow */
	size_t			 denied;	/* how many are not */
	const char		*first_denied;	/* the first denial in words */
	bool			 keys_usable;
	const char		*key_problem;	/* the first key that is not */
};

const char *
decide_outcome_name(enum decide_outcome outcome)
{
	switch (outcome) {
	case DECIDE_DENIED:	return "denied";
	case DECIDE_PENDING:	return "pending";
	case DECIDE_APPROVED:	return "approved";
	}
	return "denied";
}

void
decide_facts_clear(struct decide_facts *f)
{
	size_t i;

	pc_entry_release(f->role);
	for (i = 0; i < f->nkeys; i++)
		pc_entry_release(f->keys[i]);
	memset(f, 0, sizeof(*f));
}

void
decide_facts_copy(const struct decide_facts *src, struct decide_facts *ret)
{
	size_t i;

	*ret = *src;
	if (ret->role != NULL)
		(void)pc_entry_hold(ret->role);
	for (i = 0; i < ret->nkeys; i++)
		(void)pc_entry_hold(ret->keys[i]);
}

int
decide_role_of(const char *principal, char ret_role[DECIDE_ROLE_MAX])
{
	struct arn a;
	const char *p = NULL, *slash;
	size_t len = 0;
	int r = CG_ERR_INTERNAL;

	ENSURE(arn_parse(principal, strlen(principal), &a) == 0, CG_ERR_INVALID_ARG);
	if (arn_field_is(&a.service, "sts") && arn_field_has_prefix(&a.resource, "assumed-role/")) {
		p = a.resource.p + 13;
		slash = memchr(p, '/', a.resource.len - 13);
		ENSURE(slash != NULL, CG_ERR_INVALID_ARG);
		len = (size_t)(slash - p);
	} else {
		ENSURE(arn_field_is(&a.service, "iam") &&
		    arn_field_has_prefix(&a.resource, "role/"), CG_ERR_INVALID_ARG);
		for (p = a.resource.p + a.resource.len; p > a.resource.p && p[-1] != '/'; p--)
			;
		len = (size_t)(a.resource.p + a.resource.len - p);
	}
	ENSURE(len > 0 && len < DECIDE_ROLE_MAX, CG_ERR_INVALID_ARG);
	memcpy(ret_role, p, len);
	ret_role[len] = '\0';
	r = 0;
 out:
	return r;
}

/*
 * The role ARN and account of the operator's principal, for aws:PrincipalArn
 * and aws:PrincipalAccount.  A role session ARN does not carry the role's
 * path: the role ARN is then built without one (docs/policy-engine.md).
 */
static int
principal_globals(const char *principal, char *ret_role_arn, size_t max,
    char ret_account[16])
{
	struct arn a;
	char role[DECIDE_ROLE_MAX];
	int r = CG_ERR_INTERNAL;

	ENSURE(arn_parse(principal, strlen(principal), &a) == 0 && a.account.len == 12,
	    CG_ERR_INVALID_ARG);
	GUARD(decide_role_of(principal, role));
	memcpy(ret_account, a.account.p, 12);
	ret_account[12] = '\0';
	if (arn_field_is(&a.service, "iam"))
		ENSURE(snprintf(ret_role_arn, max, "%s", principal) < (int)max, CG_ERR_LIMIT);
	else
		ENSURE(snprintf(ret_role_arn, max, "arn:%.*s:iam::%s:role/%s",
		    (int)a.partition.len, a.partition.p, ret_account, role) < (int)max,
		    CG_ERR_LIMIT);
	r = 0;
 out:
	return r;
}

/* A key of the world the plan may name, with its key policy, once. */
static int
gather_key(struct aws_client *c, struct policy_cache *cache, const struct op_key_state *k,
    int64_t now_ms, struct decide_facts *f, struct cg_buf *why)
{
	size_t i;
	int r = CG_ERR_INTERNAL;

	if (!k->found || k->arn[0] == '\0') {
		r = 0;
		goto out;
	}
	for (i = 0; i < f->nkeys; i++)
		if (strcmp(f->keys[i]->name, k->arn) == 0) {
			r = 0;
			goto out;
		}
	ENSURE(f->nkeys < OPS_KEYS_MAX, CG_ERR_LIMIT);
	GUARD(policy_cache_key(cache, c, k->arn, now_ms, &f->keys[f->nkeys], why));
	f->nkeys++;
	r = 0;
 out:
	return r;
}

int
decide_gather(struct aws_client *c, struct policy_cache *cache, const struct op_request *req,
    const char *role, const char *account, int64_t now_ms, struct decide_facts *ret_facts,
    struct cg_buf *why)
{
	struct decide_facts f;
	int r = CG_ERR_INTERNAL;

	memset(&f, 0, sizeof(f));
	GUARD(world_resolve(c, req, account, &f.world, why));
	GUARD(policy_cache_role(cache, c, role, now_ms, &f.role, why));
	if (f.world.current_cmk)
		GUARD(gather_key(c, cache, &f.world.current, now_ms, &f, why));
	if (req->key_given && req->key_cmk)
		GUARD(gather_key(c, cache, &f.world.target, now_ms, &f, why));
	if (f.world.snapshot_found && f.world.snapshot_cmk)
		GUARD(gather_key(c, cache, &f.world.snapshot, now_ms, &f, why));
	if (f.world.previous_found && f.world.previous_cmk)
		GUARD(gather_key(c, cache, &f.world.previous, now_ms, &f, why));
	*ret_facts = f;
	memset(&f, 0, sizeof(f));
	r = 0;
 out:
	decide_facts_clear(&f);
	return r;
}

static const char *
role_label(enum op_key_role role)
{
	switch (role) {
	case KEY_ROLE_CURRENT:	return "current";
	case KEY_ROLE_TARGET:	return "requested";
	case KEY_ROLE_SNAPSHOT:	return "snapshot";
	case KEY_ROLE_ROLLBACK:	return "rollback";
	}
	return "key";
}

/* The key state the world holds for a plan key; NULL when not looked up. */
static const struct op_key_state *
key_state_of(const struct op_world *w, const struct op_plan_key *k)
{
	const struct op_key_state *s = NULL;

	switch (k->role) {
	case KEY_ROLE_CURRENT:	s = &w->current; break;
	case KEY_ROLE_TARGET:	s = &w->target; break;
	case KEY_ROLE_SNAPSHOT:	s = &w->snapshot; break;
	case KEY_ROLE_ROLLBACK:	s = &w->previous; break;
	}
	return s != NULL && s->found && strcmp(s->arn, k->arn) == 0 ? s : NULL;
}

static int
answer_module(void *userdata, const struct rules_module *m, enum rules_outcome *ret,
    struct cg_buf *reason)
{
	const struct module_facts *mf = userdata;

	switch (m->kind) {
	case RULES_MOD_PERMISSIONS:
		if (mf->allowed) {
			(void)cg_buf_putf(reason, "all %zu permission checks allow",
			    mf->plan->nchecks);
			*ret = RULES_OUTCOME_PASS;
		} else {
			(void)cg_buf_putf(reason, "%zu of %zu permission checks deny: %s",
			    mf->denied, mf->plan->nchecks,
			    mf->first_denied != NULL ? mf->first_denied : "");
			*ret = RULES_OUTCOME_FAIL;
		}
		break;
	case RULES_MOD_KEY_STATE:
		if (mf->keys_usable) {
			(void)cg_buf_putf(reason, "%zu key(s) involved, every one Enabled",
			    mf->plan->nkeys);
			*ret = RULES_OUTCOME_PASS;
		} else {
			(void)cg_buf_putf(reason, "%s", mf->key_problem);
			*ret = RULES_OUTCOME_FAIL;
		}
		break;
	case RULES_MOD_APPROVALS:
		if (m->approvals.when == RULES_WHEN_KEY_CHANGE && !mf->plan->key_change) {
			(void)cg_buf_putf(reason, "no key changes (when=key-change)");
			*ret = RULES_OUTCOME_PASS;
		} else {
			(void)cg_buf_putf(reason, "waiting for %u approval(s)%s; none received",
			    m->approvals.quorum, mf->plan->key_change ? " for a key change" : "");
			*ret = RULES_OUTCOME_PENDING;
		}
		break;
	default:
		*ret = RULES_OUTCOME_ERROR;
		break;
	}
	return 0;
}

static const char *
step_effect_name(enum rules_step_effect e)
{
	switch (e) {
	case RULES_STEP_NOT_RUN:	return "not-run";
	case RULES_STEP_COUNTED:	return "counted";
	case RULES_STEP_IGNORED:	return "ignored";
	case RULES_STEP_ENDED:		return "ended";
	case RULES_STEP_LOOKAHEAD:	return "lookahead";
	}
	return "?";
}

/* json-c's constructors return NULL only without memory; each add checks. */
#define ADD(obj, key, val) GUARD(cg_json_add((obj), (key), (val)))

#define PUSH(arr, val) do {						\
	struct json_object *v_ = (val);					\
	ENSURE(v_ != NULL, CG_ERR_NOMEM);				\
	if (json_object_array_add((arr), v_) != 0) {			\
		json_object_put(v_);					\
		r = CG_ERR_NOMEM;					\
		goto out;						\
	}								\
} while (0)

/*
 * Whether key i starts or stops protecting the application's state: it is
 * in the keys before the call (the current one) or in the keys after it
 * (the requested, restored or rolled-back-to ones; none when a CMK is
 * given up for the AWS owned key), but not in both.
 */
static bool
key_changes(const struct op_plan *p, size_t i)
{
	bool before = false, after = false;
	size_t j;

	if (!p->key_change)
		return false;
	for (j = 0; j < p->nkeys; j++) {
		if (strcmp(p->keys[j].arn, p->keys[i].arn) != 0)
			continue;
		if (p->keys[j].role == KEY_ROLE_CURRENT)
			before = true;
		else
			after = true;
	}
	return before != after;
}

static int
record_keys(struct json_object *o, const struct op_plan *p, const struct op_world *w)
{
	struct json_object *a = NULL, *e = NULL;
	const struct op_key_state *s;
	size_t i;
	int r = CG_ERR_INTERNAL;

	ENSURE((a = json_object_new_array()) != NULL, CG_ERR_NOMEM);
	for (i = 0; i < p->nkeys; i++) {
		ENSURE((e = json_object_new_object()) != NULL, CG_ERR_NOMEM);
		s = key_state_of(w, &p->keys[i]);
		ADD(e, "arn", json_object_new_string(p->keys[i].arn));
		ADD(e, "role", json_object_new_string(role_label(p->keys[i].role)));
		ADD(e, "why", json_object_new_string(p->keys[i].why));
		ADD(e, "state", json_object_new_string(s != NULL ? s->state : "unknown"));
		/* it starts or stops protecting the state: a key change, not the same key in two roles */
		ADD(e, "changes", json_object_new_boolean(key_changes(p, i)));
		if (s != NULL && s->rotation)
			ADD(e, "rotation", json_object_new_boolean(true));
		PUSH(a, e);
		e = NULL;
	}
	ADD(o, "keys", a);
	a = NULL;
	r = 0;
 out:
	json_object_put(e);
	json_object_put(a);
	return r;
}

static int
record_notes(struct json_object *o, const char *name, const char (*notes)[OPS_NOTE_LEN],
    size_t n)
{
	struct json_object *a = NULL;
	size_t i;
	int r = CG_ERR_INTERNAL;

	ENSURE((a = json_object_new_array()) != NULL, CG_ERR_NOMEM);
	for (i = 0; i < n; i++)
		PUSH(a, json_object_new_string(notes[i]));
	ADD(o, name, a);
	a = NULL;
	r = 0;
 out:
	json_object_put(a);
	return r;
}

static int
record_checks(struct json_object *o, const struct op_plan *p,
    const struct ops_check_result *res)
{
	struct json_object *a = NULL, *e = NULL, *ctx = NULL;
	size_t i, k;
	int r = CG_ERR_INTERNAL;

	ENSURE((a = json_object_new_array()) != NULL, CG_ERR_NOMEM);
	for (i = 0; i < p->nchecks; i++) {
		ENSURE((e = json_object_new_object()) != NULL, CG_ERR_NOMEM);
		ENSURE((ctx = json_object_new_object()) != NULL, CG_ERR_NOMEM);
		ADD(e, "action", json_object_new_string(p->checks[i].action));
		ADD(e, "resource", json_object_new_string(p->checks[i].resource));
		for (k = 0; k < p->checks[i].ncontext; k++)
			ADD(ctx, p->checks[i].context[k].key,
			    json_object_new_string(p->checks[i].context[k].value));
		ADD(e, "context", ctx);
		ctx = NULL;
		ADD(e, "result", json_object_new_string(policy_decision_name(res[i].decision)));
		if (res[i].decision != POLICY_ALLOW) {
			ADD(e, "stage", json_object_new_string(policy_stage_name(res[i].stage)));
			ADD(e, "reason", json_object_new_string(res[i].reason));
		}
		PUSH(a, e);
		e = NULL;
	}
	ADD(o, "checks", a);
	a = NULL;
	r = 0;
 out:
	json_object_put(ctx);
	json_object_put(e);
	json_object_put(a);
	return r;
}

static int
record_rules(struct json_object *o, const struct rules_verdict *v)
{
	struct json_object *rules = NULL, *a = NULL, *e = NULL;
	const struct rules_step *s;
	size_t i;
	int r = CG_ERR_INTERNAL;

	ENSURE((rules = json_object_new_object()) != NULL, CG_ERR_NOMEM);
	ENSURE((a = json_object_new_array()) != NULL, CG_ERR_NOMEM);
	ADD(rules, "file", json_object_new_string(v->file));
	ADD(rules, "result", json_object_new_string(v->result == RULES_PASS ? "pass" :
	    v->result == RULES_PENDING ? "pending" : "fail"));
	for (i = 0; i < v->nsteps; i++) {
		s = &v->steps[i];
		ENSURE((e = json_object_new_object()) != NULL, CG_ERR_NOMEM);
		ADD(e, "line", json_object_new_int64(s->line));
		ADD(e, "control", json_object_new_string(rules_control_name(s->control)));
		ADD(e, "module", json_object_new_string(rules_module_name(s->kind)));
		ADD(e, "args", json_object_new_string(s->args));
		ADD(e, "outcome", json_object_new_string(s->ran ?
		    rules_outcome_name(s->outcome) : "not-run"));
		ADD(e, "effect", json_object_new_string(step_effect_name(s->effect)));
		ADD(e, "reason", json_object_new_string(s->reason));
		if (i == v->decisive)
			ADD(e, "decisive", json_object_new_boolean(true));
		PUSH(a, e);
		e = NULL;
	}
	ADD(rules, "steps", a);
	a = NULL;
	ADD(o, "rules", rules);
	rules = NULL;
	r = 0;
 out:
	json_object_put(e);
	json_object_put(a);
	json_object_put(rules);
	return r;
}

/* What the request still needs (pending) or why it was denied, in words. */
static int
record_needs(struct json_object *o, enum decide_outcome outcome, const struct op_plan *p,
    const struct ops_check_result *res, const struct rules_verdict *v)
{
	struct json_object *a = NULL;
	const struct rules_step *s;
	size_t i;
	int r = CG_ERR_INTERNAL;

	ENSURE((a = json_object_new_array()) != NULL, CG_ERR_NOMEM);
	if (outcome == DECIDE_PENDING) {
		for (i = 0; v != NULL && i < v->nsteps; i++) {
			s = &v->steps[i];
			if (s->ran && s->outcome == RULES_OUTCOME_PENDING)
				PUSH(a, json_object_new_string_len(s->reason,
				    (int)strnlen(s->reason, sizeof(s->reason))));
		}
		if (v == NULL && p->key_change)
			PUSH(a, json_object_new_string("approvals for a key change"));
	} else if (outcome == DECIDE_DENIED) {
		for (i = 0; i < p->nrefusals; i++)
			PUSH(a, json_object_new_string(p->refusals[i]));
		for (i = 0; i < p->nchecks; i++)
			if (res[i].decision != POLICY_ALLOW)
				PUSH(a, json_object_new_string(res[i].reason));
		for (i = 0; v != NULL && i < v->nsteps; i++) {
			s = &v->steps[i];
			if (s->ran && s->effect != RULES_STEP_LOOKAHEAD &&
			    s->effect != RULES_STEP_IGNORED &&
			    (s->outcome == RULES_OUTCOME_FAIL || s->outcome == RULES_OUTCOME_ERROR) &&
			    s->kind != RULES_MOD_PERMISSIONS && s->kind != RULES_MOD_KEY_STATE) {
				char line[RULES_STEP_REASON_MAX + 160];

				(void)snprintf(line, sizeof(line), "%s:%u: %s %s: %s", v->file,
				    s->line, rules_module_name(s->kind),
				    rules_outcome_name(s->outcome), s->reason);
				PUSH(a, json_object_new_string(line));
			}
		}
	}
	ADD(o, outcome == DECIDE_DENIED ? "denied_because" : "needs", a);
	a = NULL;
	r = 0;
 out:
	json_object_put(a);
	return r;
}

static int
build_record(const struct op_request *req, const char *digest, const struct decide_facts *f,
    const struct decide_who *who, const struct op_plan *p, const struct ops_check_result *res,
    const struct rules_verdict *v, enum decide_outcome outcome, struct json_object **ret)
{
	struct json_object *o = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE((o = json_object_new_object()) != NULL, CG_ERR_NOMEM);
	ADD(o, "operation", json_object_new_string(ops_name(req->op)));
	ADD(o, "application", json_object_new_string(req->app_name));
	if (f->world.app_exists)
		ADD(o, "application_arn", json_object_new_string(f->world.app_arn));
	ADD(o, "request_digest", json_object_new_string(digest));
	ADD(o, "request_digest_version", json_object_new_int(OPS_DIGEST_VERSION));
	if (who->operator_name != NULL)
		ADD(o, "operator", json_object_new_string(who->operator_name));
	ADD(o, "principal", json_object_new_string(who->principal));
	ADD(o, "outcome", json_object_new_string(decide_outcome_name(outcome)));
	ADD(o, "key_change", json_object_new_boolean(p->key_change));
	if (p->key_change_kind != NULL)
		ADD(o, "key_change_kind", json_object_new_string(p->key_change_kind));
	GUARD(record_keys(o, p, &f->world));
	GUARD(record_notes(o, "refusals", (const char (*)[OPS_NOTE_LEN])p->refusals,
	    p->nrefusals));
	GUARD(record_notes(o, "warnings", (const char (*)[OPS_NOTE_LEN])p->warnings,
	    p->nwarnings));
	GUARD(record_checks(o, p, res));
	if (v != NULL)
		GUARD(record_rules(o, v));
	GUARD(record_needs(o, outcome, p, res, v));
	*ret = o;
	o = NULL;
	r = 0;
 out:
	json_object_put(o);
	return r;
}

/* Every key involved must be Enabled; the first that is not, in words. */
static void
check_key_states(const struct op_plan *p, const struct op_world *w, struct module_facts *mf,
    char *problem, size_t max)
{
	const struct op_key_state *s;
	size_t i;

	mf->keys_usable = true;
	for (i = 0; i < p->nkeys && mf->keys_usable; i++) {
		s = key_state_of(w, &p->keys[i]);
		if (s == NULL) {
			(void)snprintf(problem, max, "the %s key %.300s was not found",
			    role_label(p->keys[i].role), p->keys[i].arn);
			mf->keys_usable = false;
		} else if (strcmp(s->state, "Enabled") != 0) {
			(void)snprintf(problem, max, "the %s key %.300s is %.40s, not Enabled",
			    role_label(p->keys[i].role), s->arn, s->state);
			mf->keys_usable = false;
		}
	}
	mf->key_problem = problem;
}

int
decide_evaluate(const struct op_request *req, const char *digest,
    const struct decide_facts *facts, const struct decide_who *who,
    const struct rules_set *rules, time_t now, enum decide_outcome *ret_outcome,
    struct json_object **ret_record, struct cg_buf *why)
{
	struct op_plan *plan = NULL;
	struct ops_check_result *res = NULL;
	struct policy *key_policies[OPS_KEYS_MAX];
	const char *key_arns[OPS_KEYS_MAX];
	struct ops_policies pol;
	struct module_facts mf;
	struct rules_request rreq;
	struct rules_verdict *v = NULL;
	struct json_object *rec = NULL;
	const struct rules_stack *stack = NULL;
	enum decide_outcome outcome = DECIDE_DENIED;
	char key_problem[OPS_NOTE_LEN], role_arn[OPS_ARN_MAX], account[16];
	size_t i;
	int r = CG_ERR_INTERNAL;

	memset(&mf, 0, sizeof(mf));
	ENSURE(facts->role != NULL, CG_ERR_INVALID_ARG);
	ENSURE((plan = calloc(1, sizeof(*plan))) != NULL, CG_ERR_NOMEM);
	ENSURE((res = calloc(OPS_CHECKS_MAX, sizeof(*res))) != NULL, CG_ERR_NOMEM);
	GUARD(ops_plan(req, &facts->world, plan, why));
	for (i = 0; i < facts->nkeys; i++) {
		key_arns[i] = facts->keys[i]->name;
		key_policies[i] = facts->keys[i]->key_policy;
	}
	memset(&pol, 0, sizeof(pol));
	GUARD(principal_globals(who->principal, role_arn, sizeof(role_arn), account));
	pol.region = facts->world.region[0] != '\0' ? facts->world.region : NULL;
	pol.principal_account = account;
	pol.principal_role_arn = role_arn;
	pol.now = now;
	pol.operator_name = who->operator_name != NULL ? who->operator_name : who->principal;
	pol.principal = who->principal;
	pol.identity = facts->role->identity;
	pol.nidentity = facts->role->nidentity;
	pol.boundary = facts->role->boundary;
	pol.key_arns = key_arns;
	pol.key_policies = key_policies;
	pol.nkeys = facts->nkeys;
	GUARD(ops_check_permissions(plan, &pol, res, &mf.allowed, why));
	mf.plan = plan;
	for (i = 0; i < plan->nchecks; i++)
		if (res[i].decision != POLICY_ALLOW && mf.denied++ == 0)
			mf.first_denied = res[i].reason;
	check_key_states(plan, &facts->world, &mf, key_problem, sizeof(key_problem));

	/*
	 * What the gate enforces whatever a stack says: a refused precondition,
	 * a denied permission check or an unusable key denies.  The stack can
	 * only add requirements; its permissions and key-state modules place
	 * these checks in its order and its explanation.  Anything but an
	 * explicit PASS or PENDING denies.
	 */
	if (rules == NULL) {
		outcome = plan->nrefusals > 0 || !mf.allowed ? DECIDE_DENIED :
		    plan->key_change ? DECIDE_PENDING : DECIDE_APPROVED;
	} else {
		GUARD(rules_for(rules, ops_name(req->op), &stack));
		memset(&rreq, 0, sizeof(rreq));
		rreq.reason = who->reason;
		rreq.runtime = req->runtime[0] != '\0' ? req->runtime :
		    facts->world.app_runtime[0] != '\0' ? facts->world.app_runtime : NULL;
		rreq.now = now;
		rreq.cmk = req->key_given ? req->key_cmk : facts->world.current_cmk;
		GUARD(rules_eval(stack, &rreq, answer_module, &mf, &v));
		if (plan->nrefusals > 0 || !mf.allowed || !mf.keys_usable)
			outcome = DECIDE_DENIED;
		else if (v->result == RULES_PASS)
			outcome = DECIDE_APPROVED;
		else if (v->result == RULES_PENDING)
			outcome = DECIDE_PENDING;
		else
			outcome = DECIDE_DENIED;
	}
	GUARD(build_record(req, digest, facts, who, plan, res, v, outcome, &rec));
	/* messages quote outside text cut at byte counts: the record must be UTF-8 */
	GUARD(cg_json_scrub(rec));
	*ret_record = rec;
	rec = NULL;
	*ret_outcome = outcome;
	r = 0;
 out:
	json_object_put(rec);
	rules_verdict_free(v);
	free(res);
	free(plan);
	return r;
}

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_jbuild.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "context.h"
#include "policy.h"
#include "query.h"

#define QUERY_POLICIES_MAX	64
#define QUERY_LEVELS_MAX	16
#define NAME_MAX_LEN		64
#define QUERY_ID_MAX		1024	/* bytes of the echoed id */

struct query {
	struct json_object	*root;
	struct json_object	*id;		/* borrowed from root */
	const char		*principal, *action, *resource, *resource_account;
	struct context		 ctx;
	struct policy		*identity[QUERY_POLICIES_MAX];
	size_t			 nidentity;
	struct policy		*resource_policy;
	struct policy		*boundary;
	struct policy		*session[QUERY_POLICIES_MAX];
	size_t			 nsession;
	struct policy		*scp[QUERY_LEVELS_MAX][QUERY_POLICIES_MAX];
	struct policy		**scp_rows[QUERY_LEVELS_MAX];
	size_t			 nscp[QUERY_LEVELS_MAX];
	size_t			 nlevels;
};

static const char *const query_fields[] = {
	"id", "principal", "action", "resource", "resource_account", "context",
	"identity_policies", "resource_policy", "permission_boundary",
	"session_policies", "scp_levels",
};

static void
query_clear(struct query *q)
{
	size_t i, l;

	for (i = 0; i < q->nidentity; i++)
		policy_free(q->identity[i]);
	policy_free(q->resource_policy);
	policy_free(q->boundary);
	for (i = 0; i < q->nsession; i++)
		policy_free(q->session[i]);
	for (l = 0; l < q->nlevels; l++)
		for (i = 0; i < q->nscp[l]; i++)
			policy_free(q->scp[l][i]);
	context_clear(&q->ctx);
	json_object_put(q->root);
	memset(q, 0, sizeof(*q));
}

static int
bad(struct cg_buf *why, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
bad(struct cg_buf *why, int code, const char *fmt, ...)
{
	va_list ap;

	cg_buf_reset(why);
	va_start(ap, fmt);
	cg_buf_vputf(why, fmt, ap);
	va_end(ap);
	return code;
}

static int
get_str_field(struct json_object *root, const char *field, bool required,
    const char **ret, struct cg_buf *why)
{
	struct json_object *o;
	size_t len;

	if (!json_object_object_get_ex(root, field, &o)) {
		*ret = NULL;
		return required ? bad(why, CG_ERR_PARSE, "\"%s\" is missing", field) : 0;
	}
	if (!json_object_is_type(o, json_type_string))
		return bad(why, CG_ERR_PARSE, "\"%s\": expected a string, got %s", field,
		    cg_json_type_name(o));
	len = (size_t)json_object_get_string_len(o);
	if (strlen(json_object_get_string(o)) != len || len == 0 || len > 2048)
		return bad(why, CG_ERR_PARSE, "\"%s\": empty, too long or holds a NUL", field);
	*ret = json_object_get_string(o);
	return 0;
}

/* A context scalar as the text conditions compare. */
static int
scalar_text(struct json_object *v, const char **ret)
{
	if (json_object_is_type(v, json_type_string) &&
	    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return CG_ERR_PARSE;
	switch (json_object_get_type(v)) {
	case json_type_string:
	case json_type_int:
	case json_type_double:
	case json_type_boolean:
		*ret = json_object_get_string(v);
		return 0;
	default:
		return CG_ERR_PARSE;
	}
}

static int
parse_context(struct query *q, struct cg_buf *why)
{
	struct json_object *o, *v;
	struct json_object_iterator it, end;
	const char *vals[CONTEXT_VALUES_MAX];
	size_t n, i;
	int r = CG_ERR_INTERNAL;

	if (!json_object_object_get_ex(q->root, "context", &o)) {
		r = 0;
		goto out;
	}
	if (!json_object_is_type(o, json_type_object)) {
		r = bad(why, CG_ERR_PARSE, "\"context\": expected an object, got %s",
		    cg_json_type_name(o));
		goto out;
	}
	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *key = json_object_iter_peek_name(&it);
		bool multi;

		v = json_object_iter_peek_value(&it);
		multi = json_object_is_type(v, json_type_array);
		if (multi) {
			n = json_object_array_length(v);
			if (n > CONTEXT_VALUES_MAX) {
				r = bad(why, CG_ERR_LIMIT, "context key \"%.64s\": more than "
				    "%d values", key, CONTEXT_VALUES_MAX);
				goto out;
			}
			for (i = 0; i < n; i++) {
				struct json_object *e = json_object_array_get_idx(v, i);

				if (!json_object_is_type(e, json_type_string) ||
				    scalar_text(e, &vals[i]) < 0) {
					r = bad(why, CG_ERR_PARSE, "context key \"%.64s\": a "
					    "list must hold only strings", key);
					goto out;
				}
			}
		} else {
			n = 1;
			if (scalar_text(v, &vals[0]) < 0) {
				r = bad(why, CG_ERR_PARSE, "context key \"%.64s\": expected a "
				    "string, number, boolean or list of strings, got %s", key,
				    cg_json_type_name(v));
				goto out;
			}
		}
		if ((r = context_add(&q->ctx, key, vals, n, multi)) < 0) {
			r = bad(why, r == CG_ERR_NOMEM ? r : CG_ERR_PARSE,
			    "context key \"%.64s\": %s", key,
			    r == CG_ERR_INVALID_ARG ? "empty, or given twice (keys are "
			    "case-insensitive)" : cg_strerror(r));
			goto out;
		}
	}
	r = 0;
 out:
	return r;
}

static int
compile_one(struct json_object *doc, enum policy_kind kind, const char *name,
    struct policy **ret, struct cg_buf *why)
{
	if (!json_object_is_type(doc, json_type_object) &&
	    !json_object_is_type(doc, json_type_string))
		return bad(why, CG_ERR_POLICY, "%s: expected a policy document (object or "
		    "string of JSON), got %s", name, cg_json_type_name(doc));
	cg_buf_reset(why);
	return policy_compile(doc, kind, name, ret, why);
}

static int
compile_list(struct json_object *arr, enum policy_kind kind, const char *field,
    struct policy **out, size_t *nout, struct cg_buf *why)
{
	char name[NAME_MAX_LEN];
	size_t n, i;
	int r = CG_ERR_INTERNAL;

	if (!json_object_is_type(arr, json_type_array)) {
		r = bad(why, CG_ERR_PARSE, "\"%s\": expected an array of policy documents, "
		    "got %s", field, cg_json_type_name(arr));
		goto out;
	}
	n = json_object_array_length(arr);
	if (n > QUERY_POLICIES_MAX) {
		r = bad(why, CG_ERR_LIMIT, "\"%s\": more than %d policies", field,
		    QUERY_POLICIES_MAX);
		goto out;
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s[%zu]", field, i);
		GUARD(compile_one(json_object_array_get_idx(arr, i), kind, name, &out[i], why));
		(*nout)++;
	}
	r = 0;
 out:
	return r;
}

static int
parse_policies(struct query *q, struct cg_buf *why)
{
	struct json_object *o, *row;
	char field[NAME_MAX_LEN];
	size_t l;
	int r = CG_ERR_INTERNAL;

	if (!json_object_object_get_ex(q->root, "identity_policies", &o)) {
		r = bad(why, CG_ERR_PARSE, "\"identity_policies\" is missing (give [] for none)");
		goto out;
	}
	GUARD(compile_list(o, POLICY_IDENTITY, "identity_policies", q->identity,
	    &q->nidentity, why));
	if (json_object_object_get_ex(q->root, "resource_policy", &o))
		GUARD(compile_one(o, POLICY_RESOURCE, "resource_policy", &q->resource_policy,
		    why));
	if (json_object_object_get_ex(q->root, "permission_boundary", &o))
		GUARD(compile_one(o, POLICY_BOUNDARY, "permission_boundary", &q->boundary, why));
	if (json_object_object_get_ex(q->root, "session_policies", &o))
		GUARD(compile_list(o, POLICY_SESSION, "session_policies", q->session,
		    &q->nsession, why));
	if (json_object_object_get_ex(q->root, "scp_levels", &o)) {
		if (!json_object_is_type(o, json_type_array)) {
			r = bad(why, CG_ERR_PARSE, "\"scp_levels\": expected an array of "
			    "arrays of policy documents, got %s", cg_json_type_name(o));
			goto out;
		}
		if (json_object_array_length(o) > QUERY_LEVELS_MAX) {
			r = bad(why, CG_ERR_LIMIT, "\"scp_levels\": more than %d levels",
			    QUERY_LEVELS_MAX);
			goto out;
		}
		for (l = 0; l < json_object_array_length(o); l++) {
			row = json_object_array_get_idx(o, l);
			snprintf(field, sizeof(field), "scp_levels[%zu]", l);
			q->nlevels++;
			GUARD(compile_list(row, POLICY_SCP, field, q->scp[l], &q->nscp[l], why));
			q->scp_rows[l] = q->scp[l];
		}
	}
	r = 0;
 out:
	return r;
}

static int
query_parse(const char *text, size_t len, struct query *q, struct cg_buf *why)
{
	struct json_object_iterator it, end;
	const char *msg = NULL;
	size_t i;
	int r = CG_ERR_INTERNAL;

	if ((r = cg_json_parse(text, len, QUERY_MAX, &q->root, &msg)) < 0) {
		r = bad(why, r == CG_ERR_LIMIT ? CG_ERR_LIMIT : CG_ERR_PARSE,
		    "query is not valid JSON: %s", msg);
		goto out;
	}
	if (!json_object_is_type(q->root, json_type_object)) {
		r = bad(why, CG_ERR_PARSE, "query: expected an object, got %s",
		    cg_json_type_name(q->root));
		goto out;
	}
	(void)json_object_object_get_ex(q->root, "id", &q->id);
	if (q->id != NULL && strlen(json_object_to_json_string_ext(q->id,
	    JSON_C_TO_STRING_PLAIN)) > QUERY_ID_MAX) {
		q->id = NULL;	/* not echoed: the answer stays small */
		r = bad(why, CG_ERR_LIMIT, "\"id\" is longer than %d bytes of JSON", QUERY_ID_MAX);
		goto out;
	}
	it = json_object_iter_begin(q->root);
	end = json_object_iter_end(q->root);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *k = json_object_iter_peek_name(&it);

		for (i = 0; i < CG_NELEM(query_fields); i++)
			if (strcmp(k, query_fields[i]) == 0)
				break;
		if (i == CG_NELEM(query_fields)) {
			r = bad(why, CG_ERR_PARSE, "unknown query field \"%.64s\"", k);
			goto out;
		}
	}
	GUARD(get_str_field(q->root, "principal", true, &q->principal, why));
	GUARD(get_str_field(q->root, "action", true, &q->action, why));
	GUARD(get_str_field(q->root, "resource", true, &q->resource, why));
	GUARD(get_str_field(q->root, "resource_account", false, &q->resource_account, why));
	GUARD(parse_context(q, why));
	GUARD(parse_policies(q, why));
	r = 0;
 out:
	return r;
}

static void
reason_text(const struct query *q, const struct policy_result *res, struct cg_buf *b)
{
	const struct policy_step *s = res->nsteps > 0 ? &res->steps[0] : NULL;

	switch (res->deny_stage) {
	case STAGE_EXPLICIT_DENY:
		cg_buf_putf(b, "%s on %s is explicitly denied by %s statement %zu",
		    q->action, q->resource, s != NULL && s->policy != NULL ?
		    policy_name(s->policy) : "?", s != NULL ? s->statement : 0);
		break;
	case STAGE_SCP:
		cg_buf_putf(b, "no SCP at organization level %zu allows %s on %s",
		    s != NULL ? s->level : 0, q->action, q->resource);
		break;
	case STAGE_BOUNDARY:
		cg_buf_putf(b, "an identity policy allows %s on %s, but the permission "
		    "boundary does not", q->action, q->resource);
		break;
	case STAGE_SESSION:
		cg_buf_putf(b, "%s on %s is allowed to the role or user, but no session "
		    "policy allows it", q->action, q->resource);
		break;
	case STAGE_KEY_POLICY:
		if (q->resource_policy == NULL)
			cg_buf_putf(b, "no key policy was given for %s: a KMS key's policy "
			    "must allow %s or delegate to its account", q->resource,
			    q->principal);
		else
			cg_buf_putf(b, "the key policy of %s neither allows %s to call %s "
			    "nor delegates to the principal's account (arn:aws:iam::ACCOUNT:root), "
			    "so identity policies do not count: add one of them to the key "
			    "policy", q->resource, q->principal, q->action);
		break;
	case STAGE_RESOURCE_POLICY:
		cg_buf_putf(b, "cross-account: the resource policy of %s does not allow "
		    "%s %s", q->resource, q->principal, q->action);
		break;
	default:
		cg_buf_putf(b, "no policy allows %s %s on %s", q->principal, q->action,
		    q->resource);
		break;
	}
}

static void
step_json(struct cg_jb *b, struct json_object *expl, const struct policy_step *s)
{
	struct json_object *o = cg_jb_push_object(b, expl);
	const char *sid;

	cg_jb_str(b, o, "stage", policy_stage_name(s->stage));
	if (s->stage == STAGE_SCP)
		cg_jb_int(b, o, "level", (int64_t)s->level);
	if (s->policy != NULL) {
		cg_jb_str(b, o, "policy", policy_name(s->policy));
		cg_jb_int(b, o, "statement", (int64_t)s->statement);
		if ((sid = policy_statement_sid(s->policy, s->statement)) != NULL)
			cg_jb_str(b, o, "sid", sid);
		cg_jb_str(b, o, "effect", s->stage == STAGE_EXPLICIT_DENY ? "Deny" : "Allow");
	}
}

static int
answer_put(struct json_object *ans, struct cg_buf *out)
{
	const char *s;

	s = json_object_to_json_string_ext(ans, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	return s == NULL ? CG_ERR_NOMEM : cg_buf_put_str(out, s);
}

int
query_eval_json(const char *text, size_t len, struct cg_buf *out)
{
	struct query q;
	struct policy_set set;
	struct policy_request req;
	struct policy_result res;
	struct cg_jb b = CG_JB_INIT;
	struct json_object *ans = NULL, *expl, *d;
	struct cg_buf *why = NULL, *reason = NULL;
	const char *msg = "";
	size_t i;
	int r = CG_ERR_INTERNAL, qr;

	memset(&q, 0, sizeof(q));
	GUARD(cg_buf_new(4096, &why));
	GUARD(cg_buf_new(4096, &reason));
	ans = cg_jb_object(&b);
	qr = query_parse(text, len, &q, why);
	if (q.id != NULL)
		cg_jb_ref(&b, ans, "id", q.id);
	else
		cg_jb_null(&b, ans, "id");
	if (qr == 0) {
		memset(&set, 0, sizeof(set));
		set.identity = q.identity;
		set.nidentity = q.nidentity;
		set.resource = q.resource_policy;
		set.boundary = q.boundary;
		set.session = q.session;
		set.nsession = q.nsession;
		set.scp_levels = q.scp_rows;
		set.nscp = q.nscp;
		set.nlevels = q.nlevels;
		req.principal = q.principal;
		req.action = q.action;
		req.resource = q.resource;
		req.resource_account = q.resource_account;
		req.context = &q.ctx;
		cg_buf_reset(why);
		qr = policy_evaluate(&set, &req, &res, why);
	}
	if (qr == CG_ERR_NOMEM) {
		r = qr;
		goto out;
	}
	if (qr < 0) {
		if (cg_buf_cstr(why, &msg) < 0 || *msg == '\0')
			msg = cg_strerror(qr);
		cg_jb_str(&b, ans, "error", msg);
		GUARD(cg_jb_done(&b, &ans));
		GUARD(answer_put(ans, out));
		r = qr;
		goto out;
	}
	cg_jb_str(&b, ans, "decision", policy_decision_name(res.decision));
	expl = cg_jb_add_array(&b, ans, "explanation");
	if (res.decision != POLICY_ALLOW) {
		reason_text(&q, &res, reason);
		(void)cg_buf_cstr(reason, &msg);
		d = cg_jb_push_object(&b, expl);
		cg_jb_str(&b, d, "stage", policy_stage_name(res.deny_stage));
		cg_jb_bool(&b, d, "decisive", true);
		cg_jb_str(&b, d, "reason", msg);
	}
	for (i = 0; i < res.nsteps; i++)
		if (res.steps[i].policy != NULL)
			step_json(&b, expl, &res.steps[i]);
	GUARD(cg_jb_done(&b, &ans));
	GUARD(answer_put(ans, out));
	r = 0;
 out:
	json_object_put(ans);
	cg_buf_free(why);
	cg_buf_free(reason);
	query_clear(&q);
	return r;
}

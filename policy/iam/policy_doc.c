/*
 * Policy documents: strict parsing into the compiled form of policy_int.h.
 *
 * A malformed document is refused with a message naming the policy, the
 * statement (index and Sid) and the field; it is never evaluated as "no
 * match".  Accepted: Version 2012-10-17 or 2008-10-17 (missing = 2008-10-17,
 * as AWS does; policy variables only in 2012-10-17), Id, Statement as an
 * array or a single object; per statement Sid, Effect, exactly one of
 * Action/NotAction, exactly one of Resource/NotResource, Condition, and
 * Principal/NotPrincipal exactly in resource-based policies.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "policy_int.h"

#define STRING_MAX 8192

struct doc_ctx {
	const char	*name;
	struct cg_buf	*why;
	size_t		 stmt;		/* SIZE_MAX: not inside a statement */
	const char	*sid;
	size_t		 elements;	/* entries compiled so far, against POLICY_ENTRIES_MAX */
};

/* Writes "NAME: Statement[i] (Sid "X"): " then the formatted message. */
static int
fail(struct doc_ctx *dc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(struct doc_ctx *dc, const char *fmt, ...)
{
	va_list ap;

	if (dc->why != NULL) {
		cg_buf_reset(dc->why);
		cg_buf_putf(dc->why, "%s: ", dc->name);
		if (dc->stmt != SIZE_MAX) {
			cg_buf_putf(dc->why, "Statement[%zu]", dc->stmt);
			if (dc->sid != NULL)
				cg_buf_putf(dc->why, " (Sid \"%.64s\")", dc->sid);
			cg_buf_put_str(dc->why, ": ");
		}
		va_start(ap, fmt);
		cg_buf_vputf(dc->why, fmt, ap);
		va_end(ap);
	}
	return CG_ERR_POLICY;
}

/* A JSON string without NUL bytes and within STRING_MAX. */
static int
get_string(struct doc_ctx *dc, struct json_object *o, const char *field,
    const char **ret, size_t *ret_len)
{
	const char *s;
	size_t len;

	if (!json_object_is_type(o, json_type_string))
		return fail(dc, "%s: expected a string, got %s", field, cg_json_type_name(o));
	s = json_object_get_string(o);
	len = (size_t)json_object_get_string_len(o);
	if (strlen(s) != len)
		return fail(dc, "%s: NUL character in string", field);
	if (len > STRING_MAX)
		return fail(dc, "%s: string longer than %d bytes", field, STRING_MAX);
	*ret = s;
	if (ret_len != NULL)
		*ret_len = len;
	return 0;
}

/*
 * Calls each(dc, item, i, arg) for a string or each string of an array.
 * Empty arrays and non-string items are refused.
 */
static int
for_each_string(struct doc_ctx *dc, struct json_object *o, const char *field,
    size_t *ret_count, int (*each)(struct doc_ctx *, const char *, size_t, size_t, void *),
    void *arg)
{
	const char *s;
	size_t n, i, len;
	int r = CG_ERR_INTERNAL;

	if (json_object_is_type(o, json_type_string)) {
		GUARD(get_string(dc, o, field, &s, &len));
		GUARD(each(dc, s, len, 0, arg));
		*ret_count = 1;
		goto out;
	}
	if (!json_object_is_type(o, json_type_array)) {
		r = fail(dc, "%s: expected a string or an array of strings, got %s", field,
		    cg_json_type_name(o));
		goto out;
	}
	n = json_object_array_length(o);
	if (n == 0) {
		r = fail(dc, "%s: empty array", field);
		goto out;
	}
	if (n > POLICY_ELEMENTS_MAX) {
		r = fail(dc, "%s: more than %d entries", field, POLICY_ELEMENTS_MAX);
		goto out;
	}
	for (i = 0; i < n; i++) {
		GUARD(get_string(dc, json_object_array_get_idx(o, i), field, &s, &len));
		GUARD(each(dc, s, len, i, arg));
	}
	*ret_count = n;
	r = 0;
 out:
	return r;
}

/* Counts one more entry against the policy's total (memory grows with it). */
static int
count_strings(struct doc_ctx *dc, const char *s, size_t len, size_t i, void *arg)
{
	(void)s; (void)len; (void)i; (void)arg;
	if (++dc->elements > POLICY_ENTRIES_MAX)
		return fail(dc, "more than %d entries in all (actions, resources, "
		    "principals, condition values)", POLICY_ENTRIES_MAX);
	return 0;
}

struct pattern_list {
	struct pattern	*pats;
	unsigned	 flags;
	bool		 action;
};

static int
add_pattern(struct doc_ctx *dc, const char *s, size_t len, size_t i, void *arg)
{
	struct pattern_list *pl = arg;
	int r;

	if (pl->action && !(len == 1 && s[0] == '*') && memchr(s, ':', len) == NULL)
		return fail(dc, "%s: \"%s\" is not \"*\" nor service:action",
		    "Action", s);
	if (!pl->action && !(len == 1 && s[0] == '*') && strncmp(s, "arn:", 4) != 0 &&
	    strncmp(s, "${", 2) != 0)
		return fail(dc, "%s: \"%s\" is not \"*\" nor an ARN", "Resource", s);
	if ((r = pattern_compile(&pl->pats[i], s, len, pl->flags)) < 0)
		return r == CG_ERR_LIMIT ? fail(dc, "value too long") : r;
	return 0;
}

static int
compile_patterns(struct doc_ctx *dc, struct json_object *o, const char *field,
    unsigned flags, bool action, struct pattern **ret, size_t *ret_n)
{
	struct pattern_list pl = { NULL, flags, action };
	size_t n = 0, i;
	int r = CG_ERR_INTERNAL;

	GUARD(for_each_string(dc, o, field, &n, count_strings, NULL));
	ENSURE((pl.pats = calloc(n, sizeof(*pl.pats))) != NULL, CG_ERR_NOMEM);
	GUARD(for_each_string(dc, o, field, &n, add_pattern, &pl));
	*ret = pl.pats;
	*ret_n = n;
	pl.pats = NULL;
	r = 0;
 out:
	if (pl.pats != NULL) {
		for (i = 0; i < n; i++)
			pattern_clear(&pl.pats[i]);
		free(pl.pats);
	}
	return r;
}

struct ref_list {
	struct principal_ref	*refs;
	size_t			 n;
	const char		*type;
};

static int
add_ref(struct doc_ctx *dc, const char *s, size_t len, size_t i, void *arg)
{
	struct ref_list *rl = arg;
	struct cg_buf *tmp = NULL;
	const char *msg = "";
	int r = CG_ERR_INTERNAL;

	(void)len;
	(void)i;
	GUARD(cg_buf_new(1024, &tmp));
	if ((r = principal_ref_compile(rl->type, s, &rl->refs[rl->n], tmp)) == CG_ERR_POLICY) {
		(void)cg_buf_cstr(tmp, &msg);
		r = fail(dc, "Principal: %s", msg);
		goto out;
	}
	GUARD(r);
	rl->n++;
 out:
	cg_buf_free(tmp);
	return r;
}

static int
compile_principals(struct doc_ctx *dc, struct json_object *o, const char *field,
    struct principal_ref **ret, size_t *ret_n)
{
	struct ref_list rl = { NULL, 0, "AWS" };
	struct json_object_iterator it, end;
	size_t total = 0, n, i;
	int r = CG_ERR_INTERNAL;

	if (json_object_is_type(o, json_type_string)) {
		const char *s;

		GUARD(get_string(dc, o, field, &s, NULL));
		if (strcmp(s, "*") != 0) {
			r = fail(dc, "%s: a string Principal must be \"*\"; name principals "
			    "as {\"AWS\": ...}", field);
			goto out;
		}
		ENSURE((rl.refs = calloc(1, sizeof(*rl.refs))) != NULL, CG_ERR_NOMEM);
		GUARD(add_ref(dc, s, 1, 0, &rl));
		goto done;
	}
	if (!json_object_is_type(o, json_type_object) || json_object_object_length(o) == 0) {
		r = fail(dc, "%s: expected \"*\" or a non-empty object, got %s", field,
		    cg_json_type_name(o));
		goto out;
	}
	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		GUARD(for_each_string(dc, json_object_iter_peek_value(&it), field, &n,
		    count_strings, NULL));
		total += n;
	}
	ENSURE((rl.refs = calloc(total, sizeof(*rl.refs))) != NULL, CG_ERR_NOMEM);
	it = json_object_iter_begin(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		rl.type = json_object_iter_peek_name(&it);
		GUARD(for_each_string(dc, json_object_iter_peek_value(&it), field, &n,
		    add_ref, &rl));
	}
 done:
	*ret = rl.refs;
	*ret_n = rl.n;
	rl.refs = NULL;
	r = 0;
 out:
	if (rl.refs != NULL) {
		for (i = 0; i < rl.n; i++)
			principal_ref_clear(&rl.refs[i]);
		free(rl.refs);
	}
	return r;
}

/* The text of a condition value: strings as they are, numbers and booleans as JSON writes them. */
static int
value_text(struct doc_ctx *dc, struct json_object *v, const char *op, const char **ret,
    size_t *ret_len)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		return get_string(dc, v, op, ret, ret_len);
	case json_type_int:
	case json_type_double:
	case json_type_boolean:
		*ret = json_object_get_string(v);
		*ret_len = strlen(*ret);
		return 0;
	default:
		return fail(dc, "Condition: %s: values must be strings, numbers or "
		    "booleans, got %s", op, cg_json_type_name(v));
	}
}

static int
compile_condition(struct doc_ctx *dc, const struct policy *pol, const char *opname,
    const char *key, struct json_object *vals, struct condition *c)
{
	struct cg_buf *tmp = NULL;
	struct json_object *v;
	const char *msg = "", *text;
	size_t n, i, len;
	int r = CG_ERR_INTERNAL;

	memset(c, 0, sizeof(*c));
	GUARD(cg_buf_new(1024, &tmp));
	if (condition_lookup_op(opname, &c->op, &c->set, &c->if_exists, tmp) < 0) {
		(void)cg_buf_cstr(tmp, &msg);
		r = fail(dc, "Condition: %s", msg);
		goto out;
	}
	if (strlen(key) == 0 || strlen(key) > STRING_MAX) {
		r = fail(dc, "Condition: %s: empty or over-long condition key", opname);
		goto out;
	}
	ENSURE((c->opname = strdup(opname)) != NULL, CG_ERR_NOMEM);
	ENSURE((c->key = strdup(key)) != NULL, CG_ERR_NOMEM);
	for (i = 0; c->key[i] != '\0'; i++)
		c->key[i] = cg_ascii_lower(c->key[i]);
	c->key_hash = cg_hash(c->key, i, false);
	n = json_object_is_type(vals, json_type_array) ? json_object_array_length(vals) : 1;
	dc->elements += n;
	if (n == 0 || n > POLICY_ELEMENTS_MAX || dc->elements > POLICY_ENTRIES_MAX) {
		r = fail(dc, "Condition: %.64s: %.100s: %s", opname, key,
		    n == 0 ? "empty list of values" : "too many values");
		goto out;
	}
	ENSURE((c->values = calloc(n, sizeof(*c->values))) != NULL, CG_ERR_NOMEM);
	for (i = 0; i < n; i++) {
		v = json_object_is_type(vals, json_type_array) ?
		    json_object_array_get_idx(vals, i) : vals;
		GUARD(value_text(dc, v, opname, &text, &len));
		cg_buf_reset(tmp);
		r = condition_value_compile(c->op, text, len,
		    pol->v2012 && (c->op->type == COND_STRING || c->op->type == COND_ARN),
		    &c->values[i], tmp);
		if (r == CG_ERR_POLICY) {
			(void)cg_buf_cstr(tmp, &msg);
			r = fail(dc, "Condition: %s: %s", key, msg);
			goto out;
		}
		GUARD(r);
		c->nvalues++;
	}
	r = 0;
 out:
	if (r < 0)
		condition_clear(c);
	cg_buf_free(tmp);
	return r;
}

static int
compile_conditions(struct doc_ctx *dc, const struct policy *pol, struct json_object *o,
    struct statement *st)
{
	struct json_object_iterator it, end, kit, kend;
	size_t total = 0;
	int r = CG_ERR_INTERNAL;

	if (!json_object_is_type(o, json_type_object)) {
		r = fail(dc, "Condition: expected an object, got %s", cg_json_type_name(o));
		goto out;
	}
	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		struct json_object *block = json_object_iter_peek_value(&it);

		if (!json_object_is_type(block, json_type_object) ||
		    json_object_object_length(block) == 0) {
			r = fail(dc, "Condition: %s: expected a non-empty object of "
			    "condition keys, got %s", json_object_iter_peek_name(&it),
			    cg_json_type_name(block));
			goto out;
		}
		total += (size_t)json_object_object_length(block);
	}
	if (total > POLICY_ELEMENTS_MAX) {
		r = fail(dc, "Condition: more than %d condition keys", POLICY_ELEMENTS_MAX);
		goto out;
	}
	if (total > 0)
		ENSURE((st->conditions = calloc(total, sizeof(*st->conditions))) != NULL,
		    CG_ERR_NOMEM);
	it = json_object_iter_begin(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		struct json_object *block = json_object_iter_peek_value(&it);

		kit = json_object_iter_begin(block);
		kend = json_object_iter_end(block);
		for (; !json_object_iter_equal(&kit, &kend); json_object_iter_next(&kit)) {
			GUARD(compile_condition(dc, pol, json_object_iter_peek_name(&it),
			    json_object_iter_peek_name(&kit), json_object_iter_peek_value(&kit),
			    &st->conditions[st->nconditions]));
			st->nconditions++;
		}
	}
	r = 0;
 out:
	return r;
}

static void
statement_clear(struct statement *st)
{
	size_t i;

	free(st->sid);
	for (i = 0; i < st->nactions; i++)
		pattern_clear(&st->actions[i]);
	free(st->actions);
	for (i = 0; i < st->nresources; i++)
		pattern_clear(&st->resources[i]);
	free(st->resources);
	for (i = 0; i < st->nprincipals; i++)
		principal_ref_clear(&st->principals[i]);
	free(st->principals);
	for (i = 0; i < st->nconditions; i++)
		condition_clear(&st->conditions[i]);
	free(st->conditions);
	memset(st, 0, sizeof(*st));
}

/*
 * Which services the statement's actions can name, as a 64-bit filter the
 * evaluator checks before any matching.  NotAction, a wildcard in the
 * service part ("*", "k*:Get"), or no service prefix: every service.
 */
static uint64_t
action_service_mask(const struct statement *st)
{
	char svc[64];
	uint64_t mask = 0;
	size_t i, k;

	if (st->not_action)
		return UINT64_MAX;
	for (i = 0; i < st->nactions; i++) {
		const struct pattern *p = &st->actions[i];

		for (k = 0; k < p->natoms && k < sizeof(svc) && p->atoms[k] != ':'; k++) {
			if (p->atoms[k] > 0xff)
				return UINT64_MAX;
			svc[k] = (char)p->atoms[k];
		}
		if (k == p->natoms || k == sizeof(svc))
			return UINT64_MAX;
		mask |= service_bit(svc, k);
	}
	return mask;
}

static const char *const statement_fields[] = {
	"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
	"Principal", "NotPrincipal", "Condition",
};

static int
compile_statement(struct doc_ctx *dc, const struct policy *pol, struct json_object *o,
    size_t index, struct statement *st)
{
	struct json_object *sid, *effect, *act, *nact, *res, *nres, *pr, *npr, *cond;
	struct json_object_iterator it, end;
	const char *s;
	unsigned rflags;
	size_t i;
	int r = CG_ERR_INTERNAL;

	memset(st, 0, sizeof(*st));
	st->index = index;
	dc->stmt = index;
	dc->sid = NULL;
	if (!json_object_is_type(o, json_type_object)) {
		r = fail(dc, "expected an object, got %s", cg_json_type_name(o));
		goto out;
	}
	if (json_object_object_get_ex(o, "Sid", &sid)) {
		GUARD(get_string(dc, sid, "Sid", &s, NULL));
		ENSURE((st->sid = strdup(s)) != NULL, CG_ERR_NOMEM);
		dc->sid = st->sid;
	}
	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *k = json_object_iter_peek_name(&it);

		for (i = 0; i < CG_NELEM(statement_fields); i++)
			if (strcmp(k, statement_fields[i]) == 0)
				break;
		if (i == CG_NELEM(statement_fields)) {
			r = fail(dc, "unknown field \"%.64s\"", k);
			goto out;
		}
	}
	if (!json_object_object_get_ex(o, "Effect", &effect)) {
		r = fail(dc, "Effect is missing");
		goto out;
	}
	GUARD(get_string(dc, effect, "Effect", &s, NULL));
	if (strcmp(s, "Allow") != 0 && strcmp(s, "Deny") != 0) {
		r = fail(dc, "Effect: \"%.64s\" is neither \"Allow\" nor \"Deny\"", s);
		goto out;
	}
	st->deny = strcmp(s, "Deny") == 0;

	act = json_object_object_get_ex(o, "Action", &act) ? act : NULL;
	nact = json_object_object_get_ex(o, "NotAction", &nact) ? nact : NULL;
	if ((act == NULL) == (nact == NULL)) {
		r = fail(dc, "needs exactly one of Action and NotAction");
		goto out;
	}
	st->not_action = nact != NULL;
	GUARD(compile_patterns(dc, act != NULL ? act : nact,
	    act != NULL ? "Action" : "NotAction", PATTERN_GLOB | PATTERN_ICASE, true,
	    &st->actions, &st->nactions));

	st->service_mask = action_service_mask(st);

	res = json_object_object_get_ex(o, "Resource", &res) ? res : NULL;
	nres = json_object_object_get_ex(o, "NotResource", &nres) ? nres : NULL;
	if ((res == NULL) == (nres == NULL)) {
		r = fail(dc, "needs exactly one of Resource and NotResource");
		goto out;
	}
	st->not_resource = nres != NULL;
	rflags = PATTERN_GLOB | (pol->v2012 ? PATTERN_VARS : 0);
	GUARD(compile_patterns(dc, res != NULL ? res : nres,
	    res != NULL ? "Resource" : "NotResource", rflags, false,
	    &st->resources, &st->nresources));

	pr = json_object_object_get_ex(o, "Principal", &pr) ? pr : NULL;
	npr = json_object_object_get_ex(o, "NotPrincipal", &npr) ? npr : NULL;
	if (pol->kind != POLICY_RESOURCE && (pr != NULL || npr != NULL)) {
		r = fail(dc, "%s is only allowed in resource-based policies",
		    pr != NULL ? "Principal" : "NotPrincipal");
		goto out;
	}
	if (pol->kind == POLICY_RESOURCE) {
		if ((pr == NULL) == (npr == NULL)) {
			r = fail(dc, "a resource-based policy statement needs exactly one "
			    "of Principal and NotPrincipal");
			goto out;
		}
		st->has_principal = true;
		st->not_principal = npr != NULL;
		GUARD(compile_principals(dc, pr != NULL ? pr : npr,
		    pr != NULL ? "Principal" : "NotPrincipal", &st->principals,
		    &st->nprincipals));
	}
	if (json_object_object_get_ex(o, "Condition", &cond))
		GUARD(compile_conditions(dc, pol, cond, st));
	r = 0;
 out:
	if (r < 0)
		statement_clear(st);
	return r;
}

static int
compile_document(struct json_object *doc, struct policy *pol, struct doc_ctx *dc)
{
	struct json_object *ver, *stmts, *id;
	struct json_object_iterator it, end;
	const char *s, *k;
	size_t n, i;
	int r = CG_ERR_INTERNAL;

	if (!json_object_is_type(doc, json_type_object)) {
		r = fail(dc, "expected a policy document object, got %s",
		    cg_json_type_name(doc));
		goto out;
	}
	it = json_object_iter_begin(doc);
	end = json_object_iter_end(doc);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		if (strcmp(k, "Version") != 0 && strcmp(k, "Id") != 0 &&
		    strcmp(k, "Statement") != 0) {
			r = fail(dc, "unknown top-level field \"%.64s\"", k);
			goto out;
		}
	}
	if (json_object_object_get_ex(doc, "Version", &ver)) {
		GUARD(get_string(dc, ver, "Version", &s, NULL));
		if (strcmp(s, "2012-10-17") == 0) {
			pol->v2012 = true;
		} else if (strcmp(s, "2008-10-17") != 0) {
			r = fail(dc, "Version: \"%.32s\" is not 2012-10-17 or 2008-10-17", s);
			goto out;
		}
	}
	if (json_object_object_get_ex(doc, "Id", &id))
		GUARD(get_string(dc, id, "Id", &s, NULL));
	if (!json_object_object_get_ex(doc, "Statement", &stmts)) {
		r = fail(dc, "Statement is missing");
		goto out;
	}
	if (json_object_is_type(stmts, json_type_object)) {
		n = 1;
	} else if (json_object_is_type(stmts, json_type_array)) {
		n = json_object_array_length(stmts);
	} else {
		r = fail(dc, "Statement: expected an object or an array, got %s",
		    cg_json_type_name(stmts));
		goto out;
	}
	if (n > POLICY_STATEMENTS_MAX) {
		r = fail(dc, "more than %d statements", POLICY_STATEMENTS_MAX);
		goto out;
	}
	if (n > 0)
		ENSURE((pol->statements = calloc(n, sizeof(*pol->statements))) != NULL,
		    CG_ERR_NOMEM);
	for (i = 0; i < n; i++) {
		GUARD(compile_statement(dc, pol,
		    json_object_is_type(stmts, json_type_array) ?
		    json_object_array_get_idx(stmts, i) : stmts, i, &pol->statements[i]));
		pol->service_mask |= pol->statements[i].service_mask;
		pol->nstatements++;
	}
	r = 0;
 out:
	return r;
}

int
policy_compile(struct json_object *doc, enum policy_kind kind, const char *name,
    struct policy **ret_policy, struct cg_buf *why)
{
	struct json_object *parsed = NULL;
	struct doc_ctx dc = { name, why, SIZE_MAX, NULL, 0 };
	struct policy *pol = NULL;
	const char *msg = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE(name != NULL && ret_policy != NULL, CG_ERR_INVALID_ARG);
	if (json_object_is_type(doc, json_type_string)) {
		if ((r = cg_json_parse(json_object_get_string(doc),
		    (size_t)json_object_get_string_len(doc), POLICY_DOC_MAX, &parsed,
		    &msg)) < 0) {
			r = fail(&dc, "policy text is not valid JSON: %s", msg);
			goto out;
		}
		doc = parsed;
	}
	ENSURE((pol = calloc(1, sizeof(*pol))) != NULL, CG_ERR_NOMEM);
	pol->kind = kind;
	ENSURE((pol->name = strdup(name)) != NULL, CG_ERR_NOMEM);
	GUARD(compile_document(doc, pol, &dc));
	*ret_policy = pol;
	pol = NULL;
	r = 0;
 out:
	policy_free(pol);
	json_object_put(parsed);
	return r;
}

int
policy_compile_text(const char *text, size_t len, enum policy_kind kind,
    const char *name, struct policy **ret_policy, struct cg_buf *why)
{
	struct json_object *doc = NULL;
	struct doc_ctx dc = { name, why, SIZE_MAX, NULL, 0 };
	const char *msg = NULL;
	int r = CG_ERR_INTERNAL;

	if ((r = cg_json_parse(text, len, POLICY_DOC_MAX, &doc, &msg)) < 0) {
		r = fail(&dc, "not valid JSON: %s", msg);
		goto out;
	}
	if (json_object_is_type(doc, json_type_string)) {
		r = fail(&dc, "expected a policy document object, got string");
		goto out;
	}
	GUARD(policy_compile(doc, kind, name, ret_policy, why));
 out:
	json_object_put(doc);
	return r;
}

void
policy_free(struct policy *pol)
{
	size_t i;

	if (pol == NULL)
		return;
	for (i = 0; i < pol->nstatements; i++)
		statement_clear(&pol->statements[i]);
	free(pol->statements);
	free(pol->name);
	free(pol);
}

const char *
policy_name(const struct policy *pol)
{
	return pol->name;
}

size_t
policy_statement_count(const struct policy *pol)
{
	return pol->nstatements;
}

const char *
policy_statement_sid(const struct policy *pol, size_t index)
{
	return index < pol->nstatements ? pol->statements[index].sid : NULL;
}

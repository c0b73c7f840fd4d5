#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_jschema.h"
#include "cg_macros.h"
#include "cg_text.h"

#define SHOWN_MAX	64	/* bytes of an outside name quoted in a message */

unsigned
cg_jtype(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_string:	return CG_JT_STRING;
	case json_type_int:	return CG_JT_INT;
	case json_type_double:	return CG_JT_DOUBLE;
	case json_type_boolean:	return CG_JT_BOOL;
	case json_type_object:	return CG_JT_OBJECT;
	case json_type_array:	return CG_JT_ARRAY;
	case json_type_null:	return CG_JT_NULL;
	default:		return 0;
	}
}

static const char *
type_word(unsigned bit)
{
	switch (bit) {
	case CG_JT_STRING:	return "a string";
	case CG_JT_INT:		return "an integer";
	case CG_JT_DOUBLE:	return "a number";
	case CG_JT_BOOL:	return "true or false";
	case CG_JT_OBJECT:	return "an object";
	case CG_JT_ARRAY:	return "an array";
	case CG_JT_NULL:	return "null";
	default:		return "?";
	}
}

/* "a string or an integer" */
static void
put_types(struct cg_buf *why, unsigned types)
{
	unsigned bit;
	bool first = true;

	if ((types & CG_JT_NUMBER) == CG_JT_NUMBER) {
		(void)cg_buf_putf(why, "a number");
		types &= ~CG_JT_NUMBER;
		first = false;
	}
	for (bit = 1; bit <= CG_JT_NULL; bit <<= 1) {
		if (!(types & bit))
			continue;
		(void)cg_buf_putf(why, "%s%s", first ? "" : " or ", type_word(bit));
		first = false;
	}
}

/* "where.name: " (or "name: " at the top, where is ""); name is shown safely. */
static void
put_path(struct cg_buf *why, const char *where, const char *name)
{
	(void)cg_buf_putf(why, "%s%s", where, *where != '\0' && name != NULL ? "." : "");
	if (name != NULL)
		(void)cg_text_put_shown(why, name, SHOWN_MAX);
	if (*where != '\0' || name != NULL)
		(void)cg_buf_putf(why, ": ");
}

static int
bad(struct cg_buf *why, const char *where, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
bad(struct cg_buf *why, const char *where, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL) {
		put_path(why, where, name);
		va_start(ap, fmt);
		(void)cg_buf_vputf(why, fmt, ap);
		va_end(ap);
	}
	return CG_ERR_PARSE;
}

static const struct cg_jmember *
find(const struct cg_jmember *table, size_t n, const char *name, size_t *ret_i)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0) {
			*ret_i = i;
			return &table[i];
		}
	return NULL;
}

/* One present member's shape: type and bounds. */
static int
check_value(const struct cg_jmember *m, struct json_object *v, const char *where,
    struct cg_buf *why)
{
	unsigned t = cg_jtype(v);
	size_t len;
	int64_t x;

	if (!(m->types & t)) {
		(void)bad(why, where, m->name, "must be ");
		if (why != NULL) {
			put_types(why, m->types);
			(void)cg_buf_putf(why, ", not %s", type_word(t));
		}
		return CG_ERR_PARSE;
	}
	switch (t) {
	case CG_JT_STRING:
		len = (size_t)json_object_get_string_len(v);
		if (strlen(json_object_get_string(v)) != len)
			return bad(why, where, m->name, "holds a NUL character");
		if (len < m->min || (m->max > 0 && len > m->max)) {
			if (m->max > 0)
				return bad(why, where, m->name, "must be %zu to %zu bytes long, "
				    "not %zu", m->min, m->max, len);
			return bad(why, where, m->name, "must be at least %zu bytes long",
			    m->min);
		}
		break;
	case CG_JT_ARRAY:
		len = json_object_array_length(v);
		if (len < m->min || (m->max > 0 && len > m->max))
			return bad(why, where, m->name, "must have %zu to %zu elements, not %zu",
			    m->min, m->max > 0 ? m->max : (size_t)SIZE_MAX, len);
		break;
	case CG_JT_OBJECT:
		len = (size_t)json_object_object_length(v);
		if (len < m->min || (m->max > 0 && len > m->max))
			return bad(why, where, m->name, "must have %zu to %zu members, not %zu",
			    m->min, m->max > 0 ? m->max : (size_t)SIZE_MAX, len);
		break;
	case CG_JT_INT:
		if (m->lo < m->hi) {
			errno = 0;
			x = json_object_get_int64(v);
			/* json-c saturates beyond int64 and says so only through errno */
			if (errno != 0 || x < m->lo || x > m->hi)
				return bad(why, where, m->name, "must be an integer from %lld to "
				    "%lld", (long long)m->lo, (long long)m->hi);
		}
		break;
	default:
		break;
	}
	return 0;
}

int
cg_jmembers(struct json_object *obj, const struct cg_jmember *table, size_t n,
    const struct cg_jrefused *refused, const char *where, struct json_object **ret_values,
    struct cg_buf *why)
{
	struct json_object_iterator it, end;
	const struct cg_jmember *m;
	const char *name;
	size_t i, k;
	int r = CG_ERR_INTERNAL;

	ENSURE(table != NULL && ret_values != NULL && where != NULL, CG_ERR_INVALID_ARG);
	if (!json_object_is_type(obj, json_type_object)) {
		r = bad(why, where, NULL, "must be an object, not %s", obj == NULL ? "null" :
		    type_word(cg_jtype(obj)));
		goto out;
	}
	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		name = json_object_iter_peek_name(&it);
		if ((m = find(table, n, name, &i)) != NULL) {
			GUARD(check_value(m, json_object_iter_peek_value(&it), where, why));
			continue;
		}
		for (k = 0; refused != NULL && refused->names[k] != NULL; k++)
			if (strcasecmp(name, refused->names[k]) == 0) {
				r = bad(why, where, name, "%s", refused->message);
				goto out;
			}
		(void)bad(why, where, name, "unknown member (%s may hold ", *where != '\0' ?
		    where : "it");
		for (i = 0; why != NULL && i < n; i++)
			(void)cg_buf_putf(why, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
			    table[i].name);
		if (why != NULL)
			(void)cg_buf_putf(why, ")");
		r = CG_ERR_PARSE;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (table[i].required && !json_object_object_get_ex(obj, table[i].name, NULL)) {
			r = bad(why, where, table[i].name, "missing");
			goto out;
		}
	for (i = 0; i < n; i++)
		if (!json_object_object_get_ex(obj, table[i].name, &ret_values[i]))
			ret_values[i] = NULL;
	r = 0;
 out:
	return r;
}

/*
 * Request shape validation for kinesisanalyticsv2.  See shapes.h.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "shapes.h"

#define PATH_MAX_LEN	512
#define MODEL_MAX	(1024 * 1024)

static pthread_once_t model_once = PTHREAD_ONCE_INIT;
static struct json_object *model;	/* never freed: lives as long as the process */
static struct json_object *model_shapes;
static struct json_object *model_operations;

static void
model_load(void)
{
	struct json_object *m = NULL;

	if (cg_json_parse(kda_model_json, strlen(kda_model_json), MODEL_MAX, &m, NULL) < 0)
		return;
	if (!json_object_object_get_ex(m, "shapes", &model_shapes) ||
	    !json_object_object_get_ex(m, "operations", &model_operations)) {
		json_object_put(m);
		model_shapes = model_operations = NULL;
		return;
	}
	model = m;
}

static int
fail(struct cg_buf *why, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct cg_buf *why, const char *path, const char *fmt, ...)
{
	va_list ap;

	(void)cg_buf_putf(why, "%s: ", *path != '\0' ? path : "the request");
	va_start(ap, fmt);
	(void)cg_buf_vputf(why, fmt, ap);
	va_end(ap);
	return CG_ERR_PARSE;
}

/* Characters (code points) of valid UTF-8: the bytes that do not continue one. */
static size_t
utf8_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static bool
get_int(struct json_object *shape, const char *key, int64_t *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(shape, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

/* min <= n <= max where the shape sets them. */
static int
check_range(struct json_object *shape, int64_t n, const char *what, const char *path,
    struct cg_buf *why)
{
	int64_t lim;

	if (get_int(shape, "min", &lim) && n < lim)
		return fail(why, path, "%s %lld is less than the minimum %lld", what,
		    (long long)n, (long long)lim);
	if (get_int(shape, "max", &lim) && n > lim)
		return fail(why, path, "%s %lld is more than the maximum %lld", what,
		    (long long)n, (long long)lim);
	return 0;
}

static int
check_enum(struct json_object *shape, const char *s, const char *path, struct cg_buf *why)
{
	struct json_object *e;
	size_t i;

	if (!json_object_object_get_ex(shape, "enum", &e))
		return 0;
	for (i = 0; i < json_object_array_length(e); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(e, i)), s) == 0)
			return 0;
	return fail(why, path, "\"%.64s\" is not one of the values AWS's model lists (a value "
	    "newer than this cmkgate's model needs a newer cmkgate)", s);
}

static int validate(const char *shape_name, struct json_object *v, char *path, size_t plen,
    int depth, struct cg_buf *why);

/* path + suffix, for the duration of one call. */
static int
descend(const char *shape_name, struct json_object *v, char *path, size_t plen,
    const char *suffix, int depth, struct cg_buf *why)
{
	int n, r;

	n = snprintf(path + plen, PATH_MAX_LEN - plen, "%s", suffix);
	if (n < 0 || (size_t)n >= PATH_MAX_LEN - plen)
		return fail(why, path, "nested too deep");
	r = validate(shape_name, v, path, plen + (size_t)n, depth + 1, why);
	path[plen] = '\0';
	return r;
}

static int
validate_structure(struct json_object *shape, struct json_object *v, char *path, size_t plen,
    int depth, struct cg_buf *why)
{
	struct json_object *members = NULL, *req = NULL, *m;
	struct json_object_iterator it, end;
	char suffix[160];
	const char *name;
	size_t i;
	int r = 0;

	if (!json_object_is_type(v, json_type_object))
		return fail(why, path, "must be an object, not %s", cg_json_type_name(v));
	(void)json_object_object_get_ex(shape, "members", &members);
	it = json_object_iter_begin(v);
	end = json_object_iter_end(v);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		name = json_object_iter_peek_name(&it);
		if (members == NULL || !json_object_object_get_ex(members, name, &m))
			return fail(why, path, "unknown member \"%.64s\"", name);
		(void)snprintf(suffix, sizeof(suffix), "%s%.128s", plen > 0 ? "." : "", name);
		if ((r = descend(json_object_get_string(m), json_object_iter_peek_value(&it),
		    path, plen, suffix, depth, why)) < 0)
			return r;
	}
	if (json_object_object_get_ex(shape, "required", &req))
		for (i = 0; i < json_object_array_length(req); i++) {
			name = json_object_get_string(json_object_array_get_idx(req, i));
			if (!json_object_object_get_ex(v, name, NULL))
				return fail(why, path, "%s is required", name);
		}
	return 0;
}

static int
validate_list(struct json_object *shape, struct json_object *v, char *path, size_t plen,
    int depth, struct cg_buf *why)
{
	struct json_object *member;
	char suffix[32];
	size_t i;
	int r;

	if (!json_object_is_type(v, json_type_array))
		return fail(why, path, "must be an array, not %s", cg_json_type_name(v));
	if ((r = check_range(shape, (int64_t)json_object_array_length(v), "the number of items",
	    path, why)) < 0)
		return r;
	if (!json_object_object_get_ex(shape, "member", &member))
		return CG_ERR_INTERNAL;
	for (i = 0; i < json_object_array_length(v); i++) {
		(void)snprintf(suffix, sizeof(suffix), "[%zu]", i);
		if ((r = descend(json_object_get_string(member), json_object_array_get_idx(v, i),
		    path, plen, suffix, depth, why)) < 0)
			return r;
	}
	return 0;
}

static int
validate_map(struct json_object *shape, struct json_object *v, char *path, size_t plen,
    int depth, struct cg_buf *why)
{
	struct json_object *key, *value, *k = NULL;
	struct json_object_iterator it, end;
	char suffix[160];
	const char *name;
	int r;

	if (!json_object_is_type(v, json_type_object))
		return fail(why, path, "must be an object, not %s", cg_json_type_name(v));
	if ((r = check_range(shape, json_object_object_length(v), "the number of entries", path,
	    why)) < 0)
		return r;
	if (!json_object_object_get_ex(shape, "key", &key) ||
	    !json_object_object_get_ex(shape, "value", &value))
		return CG_ERR_INTERNAL;
	it = json_object_iter_begin(v);
	end = json_object_iter_end(v);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		name = json_object_iter_peek_name(&it);
		(void)snprintf(suffix, sizeof(suffix), "[\"%.128s\"]", name);
		if ((k = json_object_new_string(name)) == NULL)
			return CG_ERR_NOMEM;
		r = descend(json_object_get_string(key), k, path, plen, suffix, depth, why);
		json_object_put(k);
		if (r < 0)
			return r;
		if ((r = descend(json_object_get_string(value), json_object_iter_peek_value(&it),
		    path, plen, suffix, depth, why)) < 0)
			return r;
	}
	return 0;
}

static int
validate(const char *shape_name, struct json_object *v, char *path, size_t plen, int depth,
    struct cg_buf *why)
{
	struct json_object *shape = NULL, *t = NULL;
	const char *type, *s;
	size_t len;
	int r;

	if (depth > CG_JSON_DEPTH_MAX)
		return fail(why, path, "nested too deep");
	if (shape_name == NULL || !json_object_object_get_ex(model_shapes, shape_name, &shape) ||
	    !json_object_object_get_ex(shape, "type", &t))
		return CG_ERR_INTERNAL;
	type = json_object_get_string(t);
	if (strcmp(type, "structure") == 0)
		return validate_structure(shape, v, path, plen, depth, why);
	if (strcmp(type, "list") == 0)
		return validate_list(shape, v, path, plen, depth, why);
	if (strcmp(type, "map") == 0)
		return validate_map(shape, v, path, plen, depth, why);
	if (strcmp(type, "string") == 0 || strcmp(type, "blob") == 0) {
		if (!json_object_is_type(v, json_type_string))
			return fail(why, path, "must be a string, not %s", cg_json_type_name(v));
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		if ((r = check_range(shape, (int64_t)utf8_chars(s, len), "the length", path,
		    why)) < 0)
			return r;
		return check_enum(shape, s, path, why);
	}
	if (strcmp(type, "integer") == 0 || strcmp(type, "long") == 0) {
		if (!json_object_is_type(v, json_type_int))
			return fail(why, path, "must be an integer, not %s", cg_json_type_name(v));
		return check_range(shape, json_object_get_int64(v), "the value", path, why);
	}
	if (strcmp(type, "boolean") == 0)
		return json_object_is_type(v, json_type_boolean) ? 0 :
		    fail(why, path, "must be true or false, not %s", cg_json_type_name(v));
	if (strcmp(type, "timestamp") == 0)
		return json_object_is_type(v, json_type_int) ||
		    json_object_is_type(v, json_type_double) ||
		    (json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0) ?
		    0 : fail(why, path, "must be a time (seconds since 1970, or an ISO 8601 string)");
	return CG_ERR_INTERNAL;
}

int
shapes_validate(const char *operation, struct json_object *input, struct cg_buf *why)
{
	struct json_object *op = NULL;
	char path[PATH_MAX_LEN];
	int r = CG_ERR_INTERNAL;

	ENSURE(pthread_once(&model_once, model_load) == 0 && model != NULL, CG_ERR_INTERNAL);
	if (operation == NULL || !json_object_object_get_ex(model_operations, operation, &op)) {
		r = CG_ERR_NOT_FOUND;
		goto out;
	}
	path[0] = '\0';
	r = validate(json_object_get_string(op), input, path, 0, 0, why);
	if (r == CG_ERR_INTERNAL)
		(void)cg_buf_putf(why, "the built-in kinesisanalyticsv2 model is damaged "
		    "(policy/kda_model.c)");
 out:
	return r;
}

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"

/* Members of every object in the tree (depth is bounded by the tokener). */
static size_t
count_members(struct json_object *o)
{
	struct json_object_iterator it, end;
	size_t n = 0, i;

	switch (json_object_get_type(o)) {
	case json_type_object:
		it = json_object_iter_begin(o);
		end = json_object_iter_end(o);
		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
			n += 1 + count_members(json_object_iter_peek_value(&it));
		break;
	case json_type_array:
		for (i = 0; i < json_object_array_length(o); i++)
			n += count_members(json_object_array_get_idx(o, i));
		break;
	default:
		break;
	}
	return n;
}

/*
 * In valid JSON every ':' outside a string separates one object member
 * from its value.  json-c keeps only the last of duplicate keys, so fewer
 * members in the tree than colons in the text means a key was repeated --
 * also when the repeats are spelled differently ("a" and "\u0061").
 */
static size_t
count_colons(const char *data, size_t len)
{
	size_t i, n = 0;
	bool in_string = false;

	for (i = 0; i < len; i++) {
		if (in_string) {
			if ((unsigned char)data[i] < 0x20)
				return SIZE_MAX;	/* raw control character */
			if (data[i] == '\\' && i + 5 < len && memcmp(data + i, "\\u0000", 6) == 0)
				return SIZE_MAX;	/* json-c cuts keys at an escaped NUL */
			if (data[i] == '\\')
				i++;
			else if (data[i] == '"')
				in_string = false;
		} else if (data[i] == '"') {
			in_string = true;
		} else if (data[i] == ':') {
			n++;
		} else if (data[i] == '.' && (i + 1 >= len || data[i + 1] < '0' ||
		    data[i + 1] > '9')) {
			return SIZE_MAX;	/* "1." */
		} else if (strchr(" \t\r\n{}[],-+.0123456789eEtrufalsn", data[i]) == NULL) {
			return SIZE_MAX;	/* 'quotes', comments, NaN, Infinity */
		}
	}
	return n;
}

/* json-c reads "nan" and "infinity"; JSON has no such numbers. */
static bool
all_finite(struct json_object *o)
{
	struct json_object_iterator it, end;
	size_t i;

	switch (json_object_get_type(o)) {
	case json_type_double:
		return isfinite(json_object_get_double(o));
	case json_type_object:
		it = json_object_iter_begin(o);
		end = json_object_iter_end(o);
		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
			if (!all_finite(json_object_iter_peek_value(&it)))
				return false;
		return true;
	case json_type_array:
		for (i = 0; i < json_object_array_length(o); i++)
			if (!all_finite(json_object_array_get_idx(o, i)))
				return false;
		return true;
	default:
		return true;
	}
}

int
cg_json_parse(const char *data, size_t len, size_t max_len,
    struct json_object **ret_obj, const char **ret_why)
{
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;
	const char *why = "invalid JSON";
	size_t end, colons;
	int r = CG_ERR_INTERNAL;

	ENSURE(data != NULL || len == 0, CG_ERR_INVALID_ARG);
	if (len > max_len) {
		why = "input too large";
		r = CG_ERR_LIMIT;
		goto out;
	}
	ENSURE(len <= INT32_MAX, CG_ERR_LIMIT);
	if (len > 0 && memchr(data, '\0', len) != NULL) {
		why = "NUL byte in JSON input";
		r = CG_ERR_PARSE;
		goto out;
	}
	ENSURE((tok = json_tokener_new_ex(CG_JSON_DEPTH_MAX)) != NULL, CG_ERR_NOMEM);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, data == NULL ? "" : data, (int)len);
	if (json_tokener_get_error(tok) == json_tokener_continue) {
		/* all input consumed but the value is not complete */
		json_object_put(obj);
		obj = NULL;
		why = "JSON input ends early";
		r = CG_ERR_PARSE;
		goto out;
	}
	if (json_tokener_get_error(tok) != json_tokener_success) {
		why = json_tokener_get_error(tok) == json_tokener_error_depth ?
		    "JSON nested too deeply" :
		    json_tokener_error_desc(json_tokener_get_error(tok));
		r = json_tokener_get_error(tok) == json_tokener_error_depth ?
		    CG_ERR_LIMIT : CG_ERR_PARSE;
		goto out;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (strchr(" \t\r\n", data[end]) == NULL) {
			why = "unexpected data after the JSON value";
			r = CG_ERR_TRAILING;
			goto out;
		}
	}
	colons = count_colons(data, len);
	if (colons == SIZE_MAX || !all_finite(obj)) {
		why = "not strict JSON (quotes, comments, NaN, control characters, escaped NUL)";
		r = CG_ERR_PARSE;
		goto out;
	}
	if (colons != count_members(obj)) {
		why = "duplicate key in a JSON object";
		r = CG_ERR_PARSE;
		goto out;
	}
	*ret_obj = obj;
	obj = NULL;
	why = NULL;
	r = 0;
 out:
	if (ret_why != NULL)
		*ret_why = why;
	json_object_put(obj);
	if (tok != NULL)
		json_tokener_free(tok);
	return r;
}

const char *
cg_json_type_name(const struct json_object *obj)
{
	switch (json_object_get_type(obj)) {
	case json_type_null:	return "null";
	case json_type_boolean:	return "boolean";
	case json_type_double:	return "number";
	case json_type_int:	return "number";
	case json_type_object:	return "object";
	case json_type_array:	return "array";
	case json_type_string:	return "string";
	}
	return "unknown";
}

int
cg_json_add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (val == NULL)
		return CG_ERR_NOMEM;
	if (json_object_object_add(obj, key, val) != 0) {
		json_object_put(val);
		return CG_ERR_NOMEM;
	}
	return 0;
}

/* The length of the well-formed UTF-8 sequence at p (RFC 3629), or 0. */
static size_t
utf8_seq(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f))
			return 0;	/* overlong, or a surrogate */
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

char *
cg_utf8_scrub(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t n;

	while (*p != '\0') {
		if ((n = utf8_seq(p)) == 0) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
	return s;
}

int
cg_json_scrub(struct json_object *obj)
{
	struct json_object_iterator it, end;
	char *copy;
	size_t i;
	int r = 0;

	switch (json_object_get_type(obj)) {
	case json_type_string:
		if ((copy = strdup(json_object_get_string(obj))) == NULL)
			return CG_ERR_NOMEM;
		if (strcmp(cg_utf8_scrub(copy), json_object_get_string(obj)) != 0 &&
		    json_object_set_string(obj, copy) == 0)
			r = CG_ERR_NOMEM;
		free(copy);
		return r;
	case json_type_array:
		for (i = 0; r == 0 && i < json_object_array_length(obj); i++)
			r = cg_json_scrub(json_object_array_get_idx(obj, i));
		return r;
	case json_type_object:
		it = json_object_iter_begin(obj);
		end = json_object_iter_end(obj);
		for (; r == 0 && !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
			r = cg_json_scrub(json_object_iter_peek_value(&it));
		return r;
	default:
		return 0;
	}
}

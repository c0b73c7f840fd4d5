#include <string.h>

#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"

int
cg_json_parse(const char *data, size_t len, size_t max_len,
    struct json_object **ret_obj, const char **ret_why)
{
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;
	const char *why = "invalid JSON";
	size_t end;
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
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
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

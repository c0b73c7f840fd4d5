/*
 * Strict JSON input through json-c.
 *
 * cg_json_parse() accepts exactly one JSON value in the given bytes: a
 * depth limit, json-c's strict mode, no NUL bytes, no key twice in one
 * object, nothing but whitespace after the value.  Anything else fails with CG_ERR_PARSE (or
 * CG_ERR_LIMIT for size/depth) and a message in ret_why when given.
 */
#ifndef CMKGATE_CG_JSON_H
#define CMKGATE_CG_JSON_H

#include <stddef.h>
#include <json-c/json.h>

#define CG_JSON_DEPTH_MAX 32

/* On success *ret_obj is a new reference the caller puts. */
int cg_json_parse(const char *data, size_t len, size_t max_len,
    struct json_object **ret_obj, const char **ret_why);

/*
 * Adds val under key in obj, taking val over: on failure (val NULL, no
 * memory) val is put and CG_ERR_NOMEM returned, so that a constructor can
 * be passed straight in: cg_json_add(o, "k", json_object_new_string(s)).
 */
int cg_json_add(struct json_object *obj, const char *key, struct json_object *val);

/*
 * Makes s valid UTF-8 in place: every byte that does not belong to a
 * well-formed sequence (one cut by a byte-count limit, say) becomes '?'.
 * Messages that quote outside text are put through it before they become
 * JSON.  Returns s.
 */
char *cg_utf8_scrub(char *s);

/*
 * The same for every string in a JSON value, recursively (object keys are
 * left alone: they are the caller's own).  0, or CG_ERR_NOMEM.
 */
int cg_json_scrub(struct json_object *obj);

/* The JSON type name for messages ("object", "array", "string", ...). */
const char *cg_json_type_name(const struct json_object *obj);

#endif

/*
 * Building JSON without dropping a failure: a builder remembers the first
 * thing that went wrong (no memory, a NULL value), every later call on it
 * does nothing, and the caller checks once, at the end.
 *
 *	struct cg_jb b = CG_JB_INIT;
 *	struct json_object *o = cg_jb_object(&b), *keys;
 *	cg_jb_str(&b, o, "id", id);
 *	keys = cg_jb_add_array(&b, o, "keys");
 *	cg_jb_push(&b, keys, json_object_new_string(arn));
 *	GUARD(cg_jb_done(&b, &o));	// o is NULL (and put) on failure
 *
 * Every value handed to the builder is taken over: on failure it is put.
 * A container returned by cg_jb_add_object()/cg_jb_add_array() is borrowed
 * from its parent; it is NULL after a failure, and the builder accepts
 * NULL containers once it has failed.
 */
#ifndef CMKGATE_CG_JBUILD_H
#define CMKGATE_CG_JBUILD_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

struct cg_jb {
	int	r;	/* 0, or the first failure (a negative CG_ERR_*) */
};

#define CG_JB_INIT	{ 0 }

/* A new object or array owned by the caller (NULL on failure). */
struct json_object *cg_jb_object(struct cg_jb *b);
struct json_object *cg_jb_array(struct cg_jb *b);

/* o[key] = v, taking v over. */
void cg_jb_add(struct cg_jb *b, struct json_object *o, const char *key, struct json_object *v);
void cg_jb_str(struct cg_jb *b, struct json_object *o, const char *key, const char *s);
void cg_jb_int(struct cg_jb *b, struct json_object *o, const char *key, int64_t v);
void cg_jb_bool(struct cg_jb *b, struct json_object *o, const char *key, bool v);
/* o[key] = null. */
void cg_jb_null(struct cg_jb *b, struct json_object *o, const char *key);
/* o[key] = a new reference to v (v stays the caller's); nothing when v is NULL. */
void cg_jb_ref(struct cg_jb *b, struct json_object *o, const char *key, struct json_object *v);
/* o[key] = a new object or array, returned borrowed. */
struct json_object *cg_jb_add_object(struct cg_jb *b, struct json_object *o, const char *key);
struct json_object *cg_jb_add_array(struct cg_jb *b, struct json_object *o, const char *key);
/* Appends v to the array a, taking v over. */
void cg_jb_push(struct cg_jb *b, struct json_object *a, struct json_object *v);
/* Appends a new object to a, returned borrowed. */
struct json_object *cg_jb_push_object(struct cg_jb *b, struct json_object *a);

/*
 * The builder's result: 0 when nothing failed; else the first failure, and
 * *root (when root is not NULL) is put and set to NULL.
 */
int cg_jb_done(struct cg_jb *b, struct json_object **root);

#endif

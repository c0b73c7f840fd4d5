#include "cg_err.h"
#include "cg_jbuild.h"

static bool
failed(struct cg_jb *b, struct json_object *v)
{
	if (b->r == 0)
		return false;
	json_object_put(v);
	return true;
}

static void
fail(struct cg_jb *b, int r, struct json_object *v)
{
	json_object_put(v);
	if (b->r == 0)
		b->r = r;
}

struct json_object *
cg_jb_object(struct cg_jb *b)
{
	struct json_object *o;

	if (b->r != 0)
		return NULL;
	if ((o = json_object_new_object()) == NULL)
		b->r = CG_ERR_NOMEM;
	return o;
}

struct json_object *
cg_jb_array(struct cg_jb *b)
{
	struct json_object *a;

	if (b->r != 0)
		return NULL;
	if ((a = json_object_new_array()) == NULL)
		b->r = CG_ERR_NOMEM;
	return a;
}

void
cg_jb_add(struct cg_jb *b, struct json_object *o, const char *key, struct json_object *v)
{
	if (failed(b, v))
		return;
	if (o == NULL || key == NULL)
		fail(b, CG_ERR_INVALID_ARG, v);
	else if (v == NULL)
		fail(b, CG_ERR_NOMEM, NULL);
	else if (json_object_object_add(o, key, v) != 0)
		fail(b, CG_ERR_NOMEM, v);
}

void
cg_jb_str(struct cg_jb *b, struct json_object *o, const char *key, const char *s)
{
	if (b->r != 0)
		return;
	if (s == NULL) {
		fail(b, CG_ERR_INVALID_ARG, NULL);
		return;
	}
	cg_jb_add(b, o, key, json_object_new_string(s));
}

void
cg_jb_int(struct cg_jb *b, struct json_object *o, const char *key, int64_t v)
{
	if (b->r == 0)
		cg_jb_add(b, o, key, json_object_new_int64(v));
}

void
cg_jb_bool(struct cg_jb *b, struct json_object *o, const char *key, bool v)
{
	if (b->r == 0)
		cg_jb_add(b, o, key, json_object_new_boolean(v));
}

void
cg_jb_null(struct cg_jb *b, struct json_object *o, const char *key)
{
	if (b->r != 0)
		return;
	if (o == NULL || key == NULL)
		fail(b, CG_ERR_INVALID_ARG, NULL);
	else if (json_object_object_add(o, key, NULL) != 0)
		fail(b, CG_ERR_NOMEM, NULL);
}

void
cg_jb_ref(struct cg_jb *b, struct json_object *o, const char *key, struct json_object *v)
{
	if (b->r == 0 && v != NULL)
		cg_jb_add(b, o, key, json_object_get(v));
}

static struct json_object *
add_container(struct cg_jb *b, struct json_object *o, const char *key, struct json_object *c)
{
	cg_jb_add(b, o, key, c);
	return b->r == 0 ? c : NULL;
}

struct json_object *
cg_jb_add_object(struct cg_jb *b, struct json_object *o, const char *key)
{
	return b->r != 0 ? NULL : add_container(b, o, key, json_object_new_object());
}

struct json_object *
cg_jb_add_array(struct cg_jb *b, struct json_object *o, const char *key)
{
	return b->r != 0 ? NULL : add_container(b, o, key, json_object_new_array());
}

void
cg_jb_push(struct cg_jb *b, struct json_object *a, struct json_object *v)
{
	if (failed(b, v))
		return;
	if (a == NULL || !json_object_is_type(a, json_type_array))
		fail(b, CG_ERR_INVALID_ARG, v);
	else if (v == NULL)
		fail(b, CG_ERR_NOMEM, NULL);
	else if (json_object_array_add(a, v) != 0)
		fail(b, CG_ERR_NOMEM, v);
}

struct json_object *
cg_jb_push_object(struct cg_jb *b, struct json_object *a)
{
	struct json_object *o;

	if (b->r != 0)
		return NULL;
	o = json_object_new_object();
	cg_jb_push(b, a, o);
	return b->r == 0 ? o : NULL;
}

int
cg_jb_done(struct cg_jb *b, struct json_object **root)
{
	if (b->r != 0 && root != NULL) {
		json_object_put(*root);
		*root = NULL;
	}
	return b->r;
}

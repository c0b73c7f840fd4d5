/* Unit tests for the member reader (cg_jschema.c) and the JSON builder (cg_jbuild.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_jbuild.h"
#include "cg_json.h"
#include "cg_jschema.h"
#include "cg_macros.h"

static const struct cg_jmember table[] = {
	{ "name", CG_JT_STRING, true, .min = 1, .max = 8 },
	{ "uid", CG_JT_INT, false, .lo = 0, .hi = 65535 },
	{ "size", CG_JT_NUMBER, false, 0, 0, 0, 0 },
	{ "tags", CG_JT_ARRAY, false, .max = 2 },
	{ "opts", CG_JT_OBJECT | CG_JT_NULL, false, .min = 1 },
	{ "on", CG_JT_BOOL, false, 0, 0, 0, 0 },
};

static const char *const claims[] = { "Principal", "Operator", NULL };
static const struct cg_jrefused refused = { claims, "claims an identity" };

/* Parses text and reads it through the table; why gets the message. */
static int
read_members(const char *text, struct json_object **values, struct cg_buf *why)
{
	struct json_object *o = NULL;
	int r;

	assert_int_equal(cg_json_parse(text, strlen(text), 4096, &o, NULL), 0);
	cg_buf_reset(why);
	r = cg_jmembers(o, table, CG_NELEM(table), &refused, "thing", values, why);
	json_object_put(o);
	return r;
}

static const char *
text(struct cg_buf *b)
{
	const char *s = "";

	assert_int_equal(cg_buf_cstr(b, &s), 0);
	return s;
}

static void
test_accepts_and_fills(void **state)
{
	struct json_object *o = NULL, *v[CG_NELEM(table)];
	struct cg_buf *why = NULL;
	const char *t = "{\"name\": \"alice\", \"uid\": 7, \"size\": 1.5, \"tags\": [1], "
	    "\"on\": false}";

	(void)state;
	assert_int_equal(cg_buf_new(1024, &why), 0);
	assert_int_equal(cg_json_parse(t, strlen(t), 4096, &o, NULL), 0);
	assert_int_equal(cg_jmembers(o, table, CG_NELEM(table), NULL, "thing", v, why), 0);
	assert_string_equal(json_object_get_string(v[0]), "alice");
	assert_int_equal(json_object_get_int64(v[1]), 7);
	assert_non_null(v[2]);
	assert_non_null(v[3]);
	assert_null(v[4]);		/* absent */
	assert_non_null(v[5]);
	json_object_put(o);
	cg_buf_free(why);
}

static void
test_refuses_every_shape(void **state)
{
	static const struct {
		const char	*text;
		const char	*message;	/* a part of it */
	} bad[] = {
		{ "[]", "thing: must be an object, not an array" },
		{ "{}", "thing.name: missing" },
		{ "{\"name\": \"\"}", "thing.name: must be 1 to 8 bytes long, not 0" },
		{ "{\"name\": \"123456789\"}", "thing.name: must be 1 to 8 bytes long, not 9" },
		{ "{\"name\": 5}", "thing.name: must be a string, not an integer" },
		{ "{\"name\": \"a\", \"uid\": -1}", "thing.uid: must be an integer from 0 to 65535" },
		{ "{\"name\": \"a\", \"uid\": 65536}", "thing.uid: must be an integer from 0 to 65535" },
		{ "{\"name\": \"a\", \"uid\": 99999999999999999999}", "thing.uid: must be an integer" },
		{ "{\"name\": \"a\", \"uid\": 1.0}", "thing.uid: must be an integer, not a number" },
		{ "{\"name\": \"a\", \"size\": \"1\"}", "thing.size: must be a number, not a string" },
		{ "{\"name\": \"a\", \"tags\": [1, 2, 3]}", "thing.tags: must have 0 to 2 elements, not 3" },
		{ "{\"name\": \"a\", \"opts\": {}}", "thing.opts: must have 1 to" },
		{ "{\"name\": \"a\", \"opts\": []}", "thing.opts: must be an object or null, not an array" },
		{ "{\"name\": \"a\", \"on\": 1}", "thing.on: must be true or false, not an integer" },
		{ "{\"name\": \"a\", \"extra\": 1}", "thing.extra: unknown member (thing may hold name, uid, size, tags, opts or on)" },
		{ "{\"name\": \"a\", \"a\\u001bb\": 1}", "thing.a?b: unknown member" },
		{ "{\"name\": \"a\", \"0123456789012345678901234567890123456789012345678901234567890123"
		  "456789\": 1}", "thing.0123456789012345678901234567890123456789012345678901234567890123"
		  "...: unknown member" },
		{ "{\"name\": \"a\", \"principal\": \"x\"}", "thing.principal: claims an identity" },
	};
	struct json_object *v[CG_NELEM(table)];
	struct cg_buf *why = NULL;
	size_t i;

	(void)state;
	assert_int_equal(cg_buf_new(1024, &why), 0);
	for (i = 0; i < CG_NELEM(bad); i++) {
		memset(v, 0x5a, sizeof(v));
		assert_int_equal(read_members(bad[i].text, v, why), CG_ERR_PARSE);
		if (strstr(text(why), bad[i].message) == NULL)
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i].text, text(why),
			    bad[i].message);
		/* nothing written on failure */
		assert_ptr_equal(v[0], (void *)(uintptr_t)0x5a5a5a5a5a5a5a5aULL);
	}
	/* a NUL inside a string (the strict parser refuses it; a caller's object may not) */
	{
		struct json_object *o = json_object_new_object();

		assert_int_equal(json_object_object_add(o, "name",
		    json_object_new_string_len("a\0b", 3)), 0);
		cg_buf_reset(why);
		assert_int_equal(cg_jmembers(o, table, CG_NELEM(table), NULL, "thing", v, why),
		    CG_ERR_PARSE);
		assert_non_null(strstr(text(why), "thing.name: holds a NUL character"));
		json_object_put(o);
	}
	assert_int_equal(cg_jmembers(NULL, table, CG_NELEM(table), NULL, "x", v, NULL),
	    CG_ERR_PARSE);
	assert_int_equal(cg_jmembers(NULL, NULL, 0, NULL, "x", v, NULL), CG_ERR_INVALID_ARG);
	cg_buf_free(why);
}

static void
test_builder_builds(void **state)
{
	struct cg_jb b = CG_JB_INIT;
	struct json_object *o, *keys, *e, *shared;

	(void)state;
	shared = json_object_new_string("s");
	o = cg_jb_object(&b);
	cg_jb_str(&b, o, "id", "r-1");
	cg_jb_int(&b, o, "n", 42);
	cg_jb_bool(&b, o, "ok", true);
	cg_jb_ref(&b, o, "shared", shared);
	cg_jb_ref(&b, o, "absent", NULL);
	keys = cg_jb_add_array(&b, o, "keys");
	cg_jb_push(&b, keys, json_object_new_string("k1"));
	e = cg_jb_push_object(&b, keys);
	cg_jb_str(&b, e, "arn", "k2");
	e = cg_jb_add_object(&b, o, "who");
	cg_jb_str(&b, e, "operator", "alice");
	assert_int_equal(cg_jb_done(&b, &o), 0);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	    "{\"id\":\"r-1\",\"n\":42,\"ok\":true,\"shared\":\"s\",\"keys\":[\"k1\",{\"arn\":\"k2\"}],"
	    "\"who\":{\"operator\":\"alice\"}}");
	json_object_put(o);
	json_object_put(shared);	/* still the caller's */
}

static void
test_builder_remembers_first_failure(void **state)
{
	struct cg_jb b = CG_JB_INIT;
	struct json_object *o, *a;

	(void)state;
	o = cg_jb_object(&b);
	cg_jb_add(&b, o, "x", NULL);		/* a constructor that failed */
	assert_int_equal(b.r, CG_ERR_NOMEM);
	cg_jb_str(&b, o, "y", NULL);		/* later failures do not replace it */
	a = cg_jb_add_array(&b, o, "a");	/* nothing more is built */
	assert_null(a);
	cg_jb_push(&b, a, json_object_new_string("taken over and put"));
	assert_null(cg_jb_push_object(&b, a));
	assert_null(cg_jb_object(&b));
	assert_int_equal(cg_jb_done(&b, &o), CG_ERR_NOMEM);
	assert_null(o);

	b.r = 0;
	o = cg_jb_object(&b);
	cg_jb_str(&b, o, "y", NULL);		/* a NULL string is a caller's bug */
	assert_int_equal(cg_jb_done(&b, &o), CG_ERR_INVALID_ARG);
	assert_null(o);

	b.r = 0;
	o = cg_jb_object(&b);
	cg_jb_push(&b, o, json_object_new_int(1));	/* not an array */
	assert_int_equal(cg_jb_done(&b, &o), CG_ERR_INVALID_ARG);
	assert_null(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts_and_fills),
		cmocka_unit_test(test_refuses_every_shape),
		cmocka_unit_test(test_builder_builds),
		cmocka_unit_test(test_builder_remembers_first_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for strict JSON input (policy/cg_json.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cg_err.h"
#include "cg_json.h"

static int
parse(const char *text, const char **why)
{
	struct json_object *o = NULL;
	int r;

	r = cg_json_parse(text, strlen(text), 1 << 20, &o, why);
	if (r == 0)
		assert_non_null(o);
	else
		assert_null(o);
	json_object_put(o);
	return r;
}

static void
test_accepts_one_value(void **state)
{
	const char *why = "x";

	(void)state;
	assert_int_equal(parse("{\"a\": [1, 2, {\"b\": \"c:d\"}]}", &why), 0);
	assert_null(why);
	assert_int_equal(parse("  \"s\"\n", NULL), 0);
	assert_int_equal(parse("[{\"a\":1},{\"a\":2}]", NULL), 0);	/* same key, other objects */
	assert_int_equal(parse("{\"k\\\":\": \"v:\\\"x\"}", NULL), 0);	/* colons inside strings */
}

static void
test_refuses_trailing_and_truncated(void **state)
{
	const char *why = NULL;
	int r;

	(void)state;
	/* json-c's strict mode or our own check: either way a refusal */
	r = parse("{} {}", &why);
	assert_true(r == CG_ERR_TRAILING || r == CG_ERR_PARSE);
	r = parse("[1] x", &why);
	assert_true(r == CG_ERR_TRAILING || r == CG_ERR_PARSE);
	assert_int_equal(parse("{\"a\": ", &why), CG_ERR_PARSE);
	assert_int_equal(parse("", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{'a': 1}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("[1,]", &why), CG_ERR_PARSE);
	/* what json-c lets through but RFC 8259 does not */
	assert_int_equal(parse("[NaN]", &why), CG_ERR_PARSE);
	assert_int_equal(parse("[nan]", &why), CG_ERR_PARSE);
	assert_int_equal(parse("[-Infinity]", &why), CG_ERR_PARSE);
	assert_int_equal(parse("[1.]", &why), CG_ERR_PARSE);
	assert_int_equal(parse("[\"a\tb\"]", &why), CG_ERR_PARSE);
	assert_string_equal(why, "not strict JSON (quotes, comments, NaN, control characters, escaped NUL)");
	assert_int_equal(parse("{\"Bool\\u0000IfExists\": 1}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("[\"\xff\"]", &why), CG_ERR_PARSE);	/* not UTF-8 */
	assert_int_equal(parse("[1, // c\n 2]", &why), CG_ERR_PARSE);
	assert_int_equal(parse("[\"a\\tb\", -0.5e-3, true, null]", &why), 0);
}

static void
test_refuses_duplicate_keys(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(parse("{\"a\":1,\"a\":2}", &why), CG_ERR_PARSE);
	assert_string_equal(why, "duplicate key in a JSON object");
	assert_int_equal(parse("{\"a\":1,\"\\u0061\":2}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"x\":{\"a\":{},\"a\":[]}}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("[{\"a\":1,\"b\":{\"c\":1,\"c\":1}}]", &why), CG_ERR_PARSE);
}

static void
test_limits(void **state)
{
	struct json_object *o = NULL;
	const char *why = NULL;
	char deep[200];
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++)
		deep[i] = '[';
	for (i = 100; i < 200; i++)
		deep[i] = ']';
	assert_int_equal(cg_json_parse(deep, sizeof(deep), 1024, &o, &why), CG_ERR_LIMIT);
	assert_string_equal(why, "JSON nested too deeply");
	assert_int_equal(cg_json_parse("[1]", 3, 2, &o, &why), CG_ERR_LIMIT);
	assert_int_equal(cg_json_parse("[\"a\0\"]", 6, 100, &o, &why), CG_ERR_PARSE);
	assert_string_equal(why, "NUL byte in JSON input");
	assert_int_equal(cg_json_parse(NULL, 1, 100, &o, &why), CG_ERR_INVALID_ARG);
	assert_null(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts_one_value),
		cmocka_unit_test(test_refuses_trailing_and_truncated),
		cmocka_unit_test(test_refuses_duplicate_keys),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}

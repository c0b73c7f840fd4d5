/* Unit tests for RFC 8785 canonical JSON and request digests (policy/jcs.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "jcs.h"

static int
canon(const char *in, const char **ret, struct cg_buf **buf)
{
	struct json_object *o = NULL;
	int r;

	assert_int_equal(cg_json_parse(in, strlen(in), 1 << 20, &o, NULL), 0);
	assert_int_equal(cg_buf_new(1 << 20, buf), 0);
	r = jcs_serialize(o, *buf);
	if (r == 0)
		assert_int_equal(cg_buf_cstr(*buf, ret), 0);
	json_object_put(o);
	return r;
}

static void
expect(const char *in, const char *want)
{
	struct cg_buf *b = NULL;
	const char *got = NULL;

	assert_int_equal(canon(in, &got, &b), 0);
	assert_string_equal(got, want);
	cg_buf_free(b);
}

static void
test_rfc8785_examples(void **state)
{
	(void)state;
	/* RFC 8785 section 3.2.2 and appendix examples */
	expect("{\"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],"
	    " \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\","
	    " \"literals\": [null, true, false]}",
	    "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
	    "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
	/* member order by UTF-16 code units: U+FB33 sorts after the surrogate pair of U+1F600 */
	expect("{\"\\u20ac\":1,\"\\r\":2,\"\\ufb33\":3,\"1\":4,\"\\ud83d\\ude00\":5,\"\\u0080\":6,\"\\u00f6\":7}",
	    "{\"\\r\":2,\"1\":4,\"\xc2\x80\":6,\"\xc3\xb6\":7,\"\xe2\x82\xac\":1,\"\xf0\x9f\x98\x80\":5,"
	    "\"\xef\xac\xb3\":3}");
}

static void
test_numbers(void **state)
{
	char out[40];

	(void)state;
	expect("[-0, 1e21, 1e20, 5e-324, 1.7976931348623157e308, 0.1, 100, 1e-7, 1.5e-7, -12.5]",
	    "[0,1e+21,100000000000000000000,5e-324,1.7976931348623157e+308,0.1,100,1e-7,1.5e-7,-12.5]");
	assert_int_equal(jcs_number(1.0 / 3, out, sizeof(out)), 0);
	assert_string_equal(out, "0.3333333333333333");
	assert_int_equal(jcs_number(9007199254740992.0, out, sizeof(out)), 0);
	assert_string_equal(out, "9007199254740992");
	assert_int_equal(jcs_number(1e300 * 1e300, out, sizeof(out)), CG_ERR_INVALID_ARG);
	assert_int_equal(jcs_number(1, out, 8), CG_ERR_INVALID_ARG);
}

static void
test_integers_a_double_cannot_hold(void **state)
{
	struct cg_buf *b = NULL;
	const char *got = NULL;

	(void)state;
	expect("[9007199254740992, -9007199254740992]", "[9007199254740992,-9007199254740992]");
	assert_int_equal(canon("[9007199254740993]", &got, &b), CG_ERR_LIMIT);
	cg_buf_free(b);
	assert_int_equal(canon("[123456789012345678901]", &got, &b), CG_ERR_LIMIT);
	cg_buf_free(b);
}

static void
test_digest_ignores_layout_not_content(void **state)
{
	struct json_object *a = NULL, *b = NULL, *c = NULL;
	char ha[65], hb[65], hc[65];
	const char *x = "{\"ApplicationName\":\"payments\",\"CurrentApplicationVersionId\":7}";
	const char *y = "{ \"CurrentApplicationVersionId\" : 7.0,\n \"ApplicationName\" : \"payments\" }";
	const char *z = "{\"ApplicationName\":\"payments\",\"CurrentApplicationVersionId\":8}";

	(void)state;
	assert_int_equal(cg_json_parse(x, strlen(x), 4096, &a, NULL), 0);
	assert_int_equal(cg_json_parse(y, strlen(y), 4096, &b, NULL), 0);
	assert_int_equal(cg_json_parse(z, strlen(z), 4096, &c, NULL), 0);
	assert_int_equal(jcs_digest(a, NULL, ha), 0);
	assert_int_equal(jcs_digest(b, NULL, hb), 0);
	assert_int_equal(jcs_digest(c, NULL, hc), 0);
	assert_string_equal(ha, hb);
	assert_string_not_equal(ha, hc);
	assert_int_equal(strlen(ha), 64);
	json_object_put(a);
	json_object_put(b);
	json_object_put(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8785_examples),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_integers_a_double_cannot_hold),
		cmocka_unit_test(test_digest_ignores_layout_not_content),
	};

	return cmocka_run_group_tests_name("jcs", tests, NULL, NULL);
}

/* Unit tests for glob and ARN matching with policy variables (policy/pattern.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cg_err.h"
#include "context.h"
#include "pattern.h"

static bool
m(const char *pat, unsigned flags, const char *s, const struct context *ctx)
{
	struct pattern p;
	bool res;

	struct cg_budget b = { 1000000 };
	int r;

	assert_int_equal(pattern_compile(&p, pat, strlen(pat), flags), 0);
	r = pattern_match(&p, s, strlen(s), ctx, &b);
	assert_true(r == 0 || r == 1);
	res = r == 1;
	pattern_clear(&p);
	return res;
}

static bool
marn(const char *pat, unsigned flags, const char *s, const struct context *ctx)
{
	struct pattern p;
	bool res;

	struct cg_budget b = { 1000000 };
	int r;

	assert_int_equal(pattern_compile(&p, pat, strlen(pat), flags), 0);
	r = pattern_match_arn(&p, s, strlen(s), ctx, &b);
	assert_true(r == 0 || r == 1);
	res = r == 1;
	pattern_clear(&p);
	return res;
}

static void
test_glob_basics(void **state)
{
	(void)state;
	assert_true(m("*", PATTERN_GLOB, "", NULL));
	assert_true(m("*", PATTERN_GLOB, "anything", NULL));
	assert_true(m("kms:*", PATTERN_GLOB, "kms:Decrypt", NULL));
	assert_true(m("kms:Generate*", PATTERN_GLOB, "kms:GenerateDataKey", NULL));
	assert_true(m("kms:?ecrypt", PATTERN_GLOB, "kms:Decrypt", NULL));
	assert_false(m("kms:?ecrypt", PATTERN_GLOB, "kms:ecrypt", NULL));
	assert_true(m("a*b*c", PATTERN_GLOB, "aXXbYYbZc", NULL));
	assert_false(m("a*b*c", PATTERN_GLOB, "aXXbYYbZ", NULL));
	assert_true(m("**", PATTERN_GLOB, "x", NULL));
	assert_false(m("", PATTERN_GLOB, "x", NULL));
	assert_true(m("", PATTERN_GLOB, "", NULL));
}

static void
test_case_folding(void **state)
{
	(void)state;
	assert_true(m("KMS:decrypt", PATTERN_GLOB | PATTERN_ICASE, "kms:Decrypt", NULL));
	assert_true(m("kms:DEC*", PATTERN_GLOB | PATTERN_ICASE, "kms:decrypt", NULL));
	assert_false(m("KMS:decrypt", PATTERN_GLOB, "kms:Decrypt", NULL));
	assert_false(m("Bucket", 0, "bucket", NULL));
}

static void
test_without_glob_star_is_literal(void **state)
{
	(void)state;
	assert_true(m("a*", 0, "a*", NULL));
	assert_false(m("a*", 0, "ab", NULL));
	assert_false(m("a?", 0, "ab", NULL));
}

static void
test_arn_segments(void **state)
{
	const char *key = "arn:aws:kms:eu-west-1:111111111111:key/abc";

	(void)state;
	assert_true(marn("arn:aws:kms:*:111111111111:key/*", PATTERN_GLOB, key, NULL));
	assert_true(marn("arn:aws:kms:eu-west-?:*:key/*", PATTERN_GLOB, key, NULL));
	/* a `*` inside a field cannot cross a colon ... */
	assert_true(marn("arn:aws:kms:eu-*1:111111111111:key/abc", PATTERN_GLOB, key, NULL));
	assert_false(marn("arn:aws:kms:e*1:key/abc", PATTERN_GLOB, key, NULL));
	assert_false(marn("arn:aws:kms:eu-west-?:1*2:k*", PATTERN_GLOB, key, NULL));
	assert_true(marn("arn:aws:kms:eu-west-?:1*1:k*", PATTERN_GLOB, key, NULL));
	/* ... but one that ends a field may (AWS: "expand to match beyond the colon boundaries") */
	assert_true(marn("arn:aws:kms:*:key/abc", PATTERN_GLOB, key, NULL));
	assert_true(marn("arn:aws:kms:eu-west-1:1*:key/abc", PATTERN_GLOB, key, NULL));
	assert_false(marn("arn:aws:kms:eu-*:abc", PATTERN_GLOB, key, NULL));
	assert_false(marn("arn:aws:kms:*:222222222222:key/*", PATTERN_GLOB, key, NULL));
	/* the resource part may contain colons and slashes */
	assert_true(marn("arn:aws:logs:*:*:log-group:*", PATTERN_GLOB,
	    "arn:aws:logs:eu-west-1:111111111111:log-group:g:log-stream:s", NULL));
	assert_true(marn("arn:aws:logs:*:*:log-group:g*s", PATTERN_GLOB,
	    "arn:aws:logs:eu-west-1:111111111111:log-group:g:log-stream:s", NULL));
	/* case-sensitive */
	assert_false(marn("arn:aws:kms:*:*:KEY/*", PATTERN_GLOB, key, NULL));
	assert_true(marn("*", PATTERN_GLOB, key, NULL));
	/* short patterns: only a field-ending star reaches further */
	assert_true(marn("arn:aws:kms:*", PATTERN_GLOB, key, NULL));
	assert_false(marn("arn:aws:kms", PATTERN_GLOB, key, NULL));
	assert_false(marn("arn:aws:s3:*", PATTERN_GLOB, key, NULL));
	assert_true(marn(key, PATTERN_GLOB, key, NULL));
	/* subjects that are not ARNs are matched whole */
	assert_true(marn("a*c", PATTERN_GLOB, "a:b:c", NULL));
	assert_true(marn(key, PATTERN_GLOB, key, NULL));
}

static void
test_variables(void **state)
{
	struct context ctx;
	const char *alice[] = { "alice" };
	const char *star[] = { "*" };
	const char *two[] = { "a", "b" };

	(void)state;
	context_init(&ctx);
	assert_int_equal(context_add(&ctx, "aws:username", alice, 1, false), 0);
	assert_int_equal(context_add(&ctx, "aws:PrincipalTag/team", star, 1, false), 0);
	assert_int_equal(context_add(&ctx, "aws:TagKeys", two, 2, true), 0);

	assert_true(m("home/${aws:username}/*", PATTERN_GLOB | PATTERN_VARS,
	    "home/alice/x", &ctx));
	assert_false(m("home/${aws:username}/*", PATTERN_GLOB | PATTERN_VARS,
	    "home/bob/x", &ctx));
	/* key lookup is case-insensitive */
	assert_true(m("${AWS:UserName}", PATTERN_VARS, "alice", &ctx));
	/* a value's * is literal */
	assert_true(m("t-${aws:PrincipalTag/team}", PATTERN_GLOB | PATTERN_VARS, "t-*", &ctx));
	assert_false(m("t-${aws:PrincipalTag/team}", PATTERN_GLOB | PATTERN_VARS, "t-x", &ctx));
	/* missing without default: never matches, even "*"-like text */
	assert_false(m("${aws:userid}", PATTERN_VARS, "", &ctx));
	assert_false(m("${aws:userid}*", PATTERN_GLOB | PATTERN_VARS, "x", NULL));
	/* defaults */
	assert_true(m("${aws:userid, 'nobody'}", PATTERN_VARS, "nobody", &ctx));
	assert_true(m("${aws:userid,'nobody'}", PATTERN_VARS, "nobody", &ctx));
	assert_true(m("${aws:username, 'nobody'}", PATTERN_VARS, "alice", &ctx));
	/* multivalued keys are not variables */
	assert_false(m("${aws:TagKeys}", PATTERN_VARS, "a", &ctx));
	/* escapes */
	assert_true(m("a${*}b${?}c${$}", PATTERN_GLOB | PATTERN_VARS, "a*b?c$", &ctx));
	assert_false(m("a${*}", PATTERN_GLOB | PATTERN_VARS, "ab", &ctx));
	/* without PATTERN_VARS the text is literal */
	assert_true(m("${aws:username}", 0, "${aws:username}", &ctx));
	/* malformed variables are literal text */
	assert_true(m("${aws:username", PATTERN_VARS, "${aws:username", &ctx));
	assert_true(m("${}", PATTERN_VARS, "${}", &ctx));
	/* variables in ARNs, with icase */
	assert_true(marn("arn:aws:s3:::b/${aws:username}/*", PATTERN_GLOB | PATTERN_VARS,
	    "arn:aws:s3:::b/alice/f", &ctx));
	assert_true(m("X${aws:username}", PATTERN_ICASE | PATTERN_VARS, "xALICE", &ctx));
	context_clear(&ctx);
}

static void
test_compile_limits(void **state)
{
	static char big[9000];
	struct pattern p;

	(void)state;
	memset(big, 'a', sizeof(big));
	assert_int_equal(pattern_compile(&p, big, sizeof(big), PATTERN_GLOB), CG_ERR_LIMIT);
	assert_int_equal(pattern_compile(&p, NULL, 0, 0), CG_ERR_INVALID_ARG);
	pattern_clear(&p);
	pattern_clear(NULL);
}

static void
test_budget_and_limits(void **state)
{
	struct pattern p;
	struct cg_budget b = { 100 };
	char big[4001], src[64 * 8 + 16];
	size_t i;

	(void)state;
	/* a pathological glob runs out of budget instead of running on */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(pattern_compile(&p, "*a*a*a*a*b", 10, PATTERN_GLOB), 0);
	assert_int_equal(pattern_match(&p, big, strlen(big), NULL, &b), CG_ERR_LIMIT);
	assert_int_equal(b.left, 0);
	pattern_clear(&p);
	/* 64 variables are fine, the 65th is refused rather than read as text */
	src[0] = '\0';
	for (i = 0; i < 64; i++)
		strcat(src, "${a:b}");
	assert_int_equal(pattern_compile(&p, src, strlen(src), PATTERN_VARS), 0);
	pattern_clear(&p);
	strcat(src, "${a:b}");
	assert_int_equal(pattern_compile(&p, src, strlen(src), PATTERN_VARS), CG_ERR_LIMIT);
}

static void
test_variable_colons_do_not_split_fields(void **state)
{
	struct context ctx;
	struct pattern p;
	struct cg_budget b = { 1000000 };
	const char *v[] = { "x:111111111111:key" };
	const char *arn = "arn:aws:kms:x:111111111111:key/k";

	(void)state;
	context_init(&ctx);
	assert_int_equal(context_add(&ctx, "aws:PrincipalTag/t", v, 1, false), 0);
	/* the tag's colons would shift the account field; they may not */
	assert_int_equal(pattern_compile(&p, "arn:aws:kms:${aws:PrincipalTag/t}/k",
	    35, PATTERN_GLOB | PATTERN_VARS), 0);
	assert_int_equal(pattern_match_arn_fields(&p, arn, strlen(arn), &ctx, &b), 0);
	pattern_clear(&p);
	context_clear(&ctx);
}

static void
test_context_rules(void **state)
{
	struct context ctx;
	const char *v[] = { "x" };

	(void)state;
	context_init(&ctx);
	assert_int_equal(context_add(&ctx, "Key", v, 1, false), 0);
	assert_int_equal(context_add(&ctx, "KEY", v, 1, false), CG_ERR_INVALID_ARG);
	assert_int_equal(context_add(&ctx, "", v, 1, false), CG_ERR_INVALID_ARG);
	assert_int_equal(context_add(&ctx, "empty", NULL, 0, true), 0);
	assert_null(context_get_single(&ctx, "empty"));
	assert_string_equal(context_get_single(&ctx, "key"), "x");
	context_clear(&ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob_basics),
		cmocka_unit_test(test_case_folding),
		cmocka_unit_test(test_without_glob_star_is_literal),
		cmocka_unit_test(test_arn_segments),
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_compile_limits),
		cmocka_unit_test(test_budget_and_limits),
		cmocka_unit_test(test_variable_colons_do_not_split_fields),
		cmocka_unit_test(test_context_rules),
	};

	return cmocka_run_group_tests_name("pattern", tests, NULL, NULL);
}

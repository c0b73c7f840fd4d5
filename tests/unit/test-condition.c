/* Unit tests for condition operators and value parsers (policy/condition.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "condition.h"
#include "context.h"

static struct context ctx;

static int
setup(void **state)
{
	const char *ip[] = { "203.0.113.7" };
	const char *ip6[] = { "2001:db8::1" };
	const char *via[] = { "kinesisanalytics.eu-west-1.amazonaws.com" };
	const char *num[] = { "10" };
	const char *mfa[] = { "True" };
	const char *now[] = { "2026-06-01T12:00:00Z" };
	const char *ops[] = { "Decrypt", "GenerateDataKey" };
	const char *arn[] = { "arn:aws:kinesisanalytics:eu-west-1:111111111111:application/payments" };
	const char *bin[] = { "aGVsbG8=" };
	const char *user[] = { "alice" };

	(void)state;
	context_init(&ctx);
	assert_int_equal(context_add(&ctx, "aws:SourceIp", ip, 1, false), 0);
	assert_int_equal(context_add(&ctx, "test:ip6", ip6, 1, false), 0);
	assert_int_equal(context_add(&ctx, "kms:ViaService", via, 1, false), 0);
	assert_int_equal(context_add(&ctx, "test:num", num, 1, false), 0);
	assert_int_equal(context_add(&ctx, "aws:MultiFactorAuthPresent", mfa, 1, false), 0);
	assert_int_equal(context_add(&ctx, "aws:CurrentTime", now, 1, false), 0);
	assert_int_equal(context_add(&ctx, "kms:GrantOperations", ops, 2, true), 0);
	assert_int_equal(context_add(&ctx, "kms:EncryptionContext:aws:kinesisanalytics:arn",
	    arn, 1, false), 0);
	assert_int_equal(context_add(&ctx, "test:bin", bin, 1, false), 0);
	assert_int_equal(context_add(&ctx, "aws:username", user, 1, false), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	context_clear(&ctx);
	return 0;
}

/*
 * Compiles opname/key over n values and evaluates it: 1 or 0; -1 when it
 * does not compile; -2 when a context value cannot be read (an error).
 */
static int
cond(const char *opname, const char *key, const char *const *vals, size_t n, bool vars)
{
	struct condition c;
	struct cg_buf *why = NULL;
	size_t i;
	int res;

	memset(&c, 0, sizeof(c));
	assert_int_equal(cg_buf_new(512, &why), 0);
	if (condition_lookup_op(opname, &c.op, &c.set, &c.if_exists, why) < 0) {
		cg_buf_free(why);
		return -1;
	}
	c.key = strdup(key);
	for (i = 0; c.key[i] != '\0'; i++)
		c.key[i] = cg_ascii_lower(c.key[i]);
	c.key_hash = cg_hash(c.key, i, false);
	c.values = calloc(n, sizeof(*c.values));
	for (i = 0; i < n; i++) {
		if (condition_value_compile(c.op, vals[i], strlen(vals[i]), vars,
		    &c.values[i], why) < 0) {
			assert_true(cg_buf_len(why) > 0);
			condition_clear(&c);
			cg_buf_free(why);
			return -1;
		}
		c.nvalues++;
	}
	{
		struct cg_budget b = { 1000000 };

		res = condition_eval(&c, &ctx, false, &b, why);
		/* a context value the operator cannot read is an error: -2 */
		if (res < 0) {
			assert_int_equal(res, CG_ERR_INVALID_ARG);
			res = -2;
		}
	}
	condition_clear(&c);
	cg_buf_free(why);
	return res;
}

#define V(...) ((const char *const[]){ __VA_ARGS__ }), (sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *))

static void
test_string_ops(void **state)
{
	(void)state;
	assert_int_equal(cond("StringEquals", "kms:viaservice",
	    V("kinesisanalytics.eu-west-1.amazonaws.com"), false), 1);
	assert_int_equal(cond("StringEquals", "KMS:VIASERVICE", V("x", "kinesisanalytics.eu-west-1.amazonaws.com"), false), 1);
	assert_int_equal(cond("StringEquals", "kms:ViaService", V("KINESISANALYTICS.eu-west-1.amazonaws.com"), false), 0);
	assert_int_equal(cond("StringEqualsIgnoreCase", "kms:ViaService", V("KINESISANALYTICS.eu-west-1.amazonaws.com"), false), 1);
	assert_int_equal(cond("StringNotEquals", "kms:ViaService", V("a", "b"), false), 1);
	assert_int_equal(cond("StringNotEquals", "kms:ViaService", V("a", "kinesisanalytics.eu-west-1.amazonaws.com"), false), 0);
	assert_int_equal(cond("StringNotEqualsIgnoreCase", "kms:ViaService", V("KINESISANALYTICS.EU-WEST-1.AMAZONAWS.COM"), false), 0);
	assert_int_equal(cond("StringLike", "kms:ViaService", V("kinesisanalytics.*.amazonaws.com"), false), 1);
	assert_int_equal(cond("StringNotLike", "kms:ViaService", V("s3.*"), false), 1);
	/* StringEquals does not glob */
	assert_int_equal(cond("StringEquals", "kms:ViaService", V("kinesisanalytics.*"), false), 0);
}

static void
test_missing_key_rules(void **state)
{
	(void)state;
	assert_int_equal(cond("StringEquals", "test:absent", V("x"), false), 0);
	assert_int_equal(cond("StringNotEquals", "test:absent", V("x"), false), 1);
	assert_int_equal(cond("StringEqualsIfExists", "test:absent", V("x"), false), 1);
	assert_int_equal(cond("StringEqualsIfExists", "kms:ViaService", V("x"), false), 0);
	assert_int_equal(cond("NumericLessThan", "test:absent", V("5"), false), 0);
	assert_int_equal(cond("NotIpAddress", "test:absent", V("10.0.0.0/8"), false), 1);
	assert_int_equal(cond("ForAnyValue:StringEquals", "test:absent", V("x"), false), 0);
	assert_int_equal(cond("ForAllValues:StringEquals", "test:absent", V("x"), false), 1);
	/* AWS is silent on ForAnyValue:...IfExists without the key: an Allow does not match */
	assert_int_equal(cond("ForAnyValue:StringEqualsIfExists", "test:absent", V("x"), false), 0);
	assert_int_equal(cond("Null", "test:absent", V("true"), false), 1);
	assert_int_equal(cond("Null", "test:absent", V("false"), false), 0);
	assert_int_equal(cond("Null", "kms:ViaService", V("false"), false), 1);
	assert_int_equal(cond("Null", "kms:ViaService", V("true"), false), 0);
}

static void
test_numeric_and_date(void **state)
{
	(void)state;
	assert_int_equal(cond("NumericEquals", "test:num", V("10"), false), 1);
	assert_int_equal(cond("NumericEquals", "test:num", V("10.0"), false), 1);
	assert_int_equal(cond("NumericNotEquals", "test:num", V("10"), false), 0);
	assert_int_equal(cond("NumericLessThan", "test:num", V("11"), false), 1);
	assert_int_equal(cond("NumericLessThan", "test:num", V("10"), false), 0);
	assert_int_equal(cond("NumericLessThanEquals", "test:num", V("10"), false), 1);
	assert_int_equal(cond("NumericGreaterThan", "test:num", V("-3.5"), false), 1);
	assert_int_equal(cond("NumericGreaterThanEquals", "test:num", V("10.5"), false), 0);
	/* a context value that is not a number is an error, not "no match" */
	assert_int_equal(cond("NumericEquals", "kms:ViaService", V("1"), false), -2);
	assert_int_equal(cond("NumericEquals", "test:num", V("1e1"), false), 1);
	assert_int_equal(cond("NumericEquals", "test:num", V("ten"), false), -1);
	assert_int_equal(cond("NumericEquals", "test:num", V("0x10"), false), -1);
	assert_int_equal(cond("NumericEquals", "test:num", V("+10"), false), -1);
	assert_int_equal(cond("NumericEquals", "test:num", V("1e"), false), -1);

	assert_int_equal(cond("DateGreaterThan", "aws:CurrentTime", V("2026-01-01T00:00:00Z"), false), 1);
	assert_int_equal(cond("DateLessThan", "aws:CurrentTime", V("2026-06-01"), false), 0);
	assert_int_equal(cond("DateEquals", "aws:CurrentTime", V("2026-06-01T14:00:00+02:00"), false), 1);
	assert_int_equal(cond("DateEquals", "aws:CurrentTime", V("1780315200"), false), 1);
	assert_int_equal(cond("DateLessThanEquals", "aws:CurrentTime", V("2026-06-01T12:00:00.000Z"), false), 1);
	assert_int_equal(cond("DateNotEquals", "aws:CurrentTime", V("2026-06-01T12:00:00Z"), false), 0);
	assert_int_equal(cond("DateGreaterThanEquals", "aws:CurrentTime", V("2026-13-01"), false), -1);
	assert_int_equal(cond("DateGreaterThan", "aws:CurrentTime", V("2026-02-30"), false), -1);
	assert_int_equal(cond("DateGreaterThan", "aws:CurrentTime", V("yesterday"), false), -1);
}

static void
test_date_parser(void **state)
{
	double d = 0;

	(void)state;
	assert_int_equal(cond_parse_date("1970-01-01T00:00:00Z", 20, &d), 0);
	assert_true(d == 0);
	assert_int_equal(cond_parse_date("2000-02-29", 10, &d), 0);
	assert_true(d == 951782400);
	assert_int_equal(cond_parse_date("1900-02-29", 10, &d), CG_ERR_PARSE);
	assert_int_equal(cond_parse_date("2020-01-01T24:00Z", 17, &d), CG_ERR_PARSE);
	assert_int_equal(cond_parse_date("2020-01-01T10:00Zjunk", 21, &d), CG_ERR_PARSE);
	assert_int_equal(cond_parse_date("", 0, &d), CG_ERR_PARSE);
}

static void
test_bool_binary(void **state)
{
	(void)state;
	assert_int_equal(cond("Bool", "aws:MultiFactorAuthPresent", V("true"), false), 1);
	assert_int_equal(cond("Bool", "aws:MultiFactorAuthPresent", V("false"), false), 0);
	assert_int_equal(cond("BoolIfExists", "test:absent", V("false"), false), 1);
	assert_int_equal(cond("Bool", "kms:ViaService", V("true"), false), -2);
	assert_int_equal(cond("Bool", "aws:MultiFactorAuthPresent", V("yes"), false), -1);
	assert_int_equal(cond("BinaryEquals", "test:bin", V("aGVsbG8="), false), 1);
	assert_int_equal(cond("BinaryEquals", "test:bin", V("aGVsbG9v"), false), 0);
	assert_int_equal(cond("BinaryEquals", "test:bin", V("!!notbase64"), false), -1);
}

static void
test_ip(void **state)
{
	struct cond_ip net, a;

	(void)state;
	assert_int_equal(cond("IpAddress", "aws:SourceIp", V("203.0.113.0/24"), false), 1);
	assert_int_equal(cond("IpAddress", "aws:SourceIp", V("203.0.112.0/24", "10.0.0.0/8"), false), 0);
	assert_int_equal(cond("IpAddress", "aws:SourceIp", V("203.0.113.7"), false), 1);
	assert_int_equal(cond("IpAddress", "aws:SourceIp", V("0.0.0.0/0"), false), 1);
	assert_int_equal(cond("NotIpAddress", "aws:SourceIp", V("203.0.113.0/25"), false), 0);
	assert_int_equal(cond("NotIpAddress", "aws:SourceIp", V("203.0.113.128/25"), false), 1);
	assert_int_equal(cond("IpAddress", "test:ip6", V("2001:db8::/32"), false), 1);
	assert_int_equal(cond("IpAddress", "test:ip6", V("2001:db9::/32"), false), 0);
	/* families never match each other */
	assert_int_equal(cond("IpAddress", "test:ip6", V("0.0.0.0/0"), false), 0);
	assert_int_equal(cond("IpAddress", "aws:SourceIp", V("10.0.0.0/33"), false), -1);
	assert_int_equal(cond("IpAddress", "aws:SourceIp", V("10.0.0/8"), false), -1);
	assert_int_equal(cond("IpAddress", "aws:SourceIp", V("10.0.0.0/"), false), -1);
	assert_int_equal(cond_parse_ip("10.1.2.3/8", 10, true, &net), 0);
	assert_int_equal(cond_parse_ip("10.200.0.1", 10, false, &a), 0);
	assert_true(cond_ip_contains(&net, &a));
	assert_int_equal(cond_parse_ip("10.1.2.3/8", 10, false, &a), CG_ERR_PARSE);
	assert_int_equal(cond_parse_ip("2001:db8::/129", 14, true, &net), CG_ERR_PARSE);
}

static void
test_arn_ops(void **state)
{
	const char *key = "kms:EncryptionContext:aws:kinesisanalytics:arn";

	(void)state;
	assert_int_equal(cond("ArnLike", key, V("arn:aws:kinesisanalytics:*:111111111111:application/*"), false), 1);
	assert_int_equal(cond("ArnEquals", key, V("arn:aws:kinesisanalytics:eu-west-1:111111111111:application/payments"), false), 1);
	assert_int_equal(cond("ArnNotEquals", key, V("arn:aws:kinesisanalytics:eu-west-1:111111111111:application/payments"), false), 0);
	assert_int_equal(cond("ArnNotLike", key, V("arn:aws:kinesisanalytics:*:222222222222:*"), false), 1);
	/* each of the six fields on its own: no star spans fields, short patterns never match */
	assert_int_equal(cond("ArnLike", key, V("arn:aws:kinesisanalytics:e*1:application/payments"), false), 0);
	assert_int_equal(cond("ArnLike", key, V("arn:aws:kinesisanalytics:*:application/payments"), false), 0);
	assert_int_equal(cond("ArnLike", key, V("arn:aws:kinesisanalytics:*"), false), 0);
	assert_int_equal(cond("ArnLike", key, V("*"), false), 1);
	assert_int_equal(cond("ArnLike", key, V("arn:aws:kinesisanalytics:eu-west-?:1*:application/pay*"), false), 1);
	/* a non-ARN context value is an error for Arn operators */
	assert_int_equal(cond("ArnLike", "kms:ViaService", V("arn:*:*:*:*:*"), false), -2);
}

static void
test_arn_crafted_context(void **state)
{
	struct context c2;
	const char *crafted[] = { "arn:aws:kinesisanalytics:eu-west-1:999999999999:"
	    "application/x:111111111111:application/payments" };
	struct condition c;
	struct cg_buf *why = NULL;
	const char *pat = "arn:aws:kinesisanalytics:*:111111111111:application/*";

	(void)state;
	context_init(&c2);
	assert_int_equal(context_add(&c2, "aws:SourceArn", crafted, 1, false), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(cg_buf_new(256, &why), 0);
	assert_int_equal(condition_lookup_op("ArnLike", &c.op, &c.set, &c.if_exists, why), 0);
	c.key = strdup("aws:sourcearn");
	c.key_hash = cg_hash(c.key, strlen(c.key), false);
	c.values = calloc(1, sizeof(*c.values));
	assert_int_equal(condition_value_compile(c.op, pat, strlen(pat), false, &c.values[0], why), 0);
	c.nvalues = 1;
	/* the region star must not swallow "eu-west-1:999999999999:..." */
	{
		struct cg_budget b = { 1000000 };

		assert_int_equal(condition_eval(&c, &c2, false, &b, why), 0);
	}
	condition_clear(&c);
	cg_buf_free(why);
	context_clear(&c2);
}

static void
test_set_operators(void **state)
{
	(void)state;
	assert_int_equal(cond("ForAllValues:StringEquals", "kms:GrantOperations", V("Decrypt", "GenerateDataKey"), false), 1);
	assert_int_equal(cond("ForAllValues:StringEquals", "kms:GrantOperations", V("Decrypt"), false), 0);
	assert_int_equal(cond("ForAnyValue:StringEquals", "kms:GrantOperations", V("Decrypt"), false), 1);
	assert_int_equal(cond("ForAnyValue:StringEquals", "kms:GrantOperations", V("Encrypt"), false), 0);
	assert_int_equal(cond("ForAnyValue:StringNotEquals", "kms:GrantOperations", V("Decrypt"), false), 1);
	assert_int_equal(cond("ForAllValues:StringNotEquals", "kms:GrantOperations", V("Encrypt"), false), 1);
	assert_int_equal(cond("ForAllValues:StringNotEquals", "kms:GrantOperations", V("Decrypt"), false), 0);
	/* a single-valued operator on a multivalued key: any value */
	assert_int_equal(cond("StringEquals", "kms:GrantOperations", V("GenerateDataKey"), false), 1);
	assert_int_equal(cond("StringNotEquals", "kms:GrantOperations", V("GenerateDataKey"), false), 0);
}

static void
test_variables_in_values(void **state)
{
	(void)state;
	assert_int_equal(cond("StringEquals", "aws:username", V("${aws:username}"), true), 1);
	assert_int_equal(cond("StringEquals", "aws:username", V("${aws:username}"), false), 0);
	assert_int_equal(cond("StringLike", "aws:username", V("${aws:userid, 'ali'}*"), true), 1);
}

static void
test_unknown_operators(void **state)
{
	(void)state;
	assert_int_equal(cond("StringEqual", "k", V("x"), false), -1);
	assert_int_equal(cond("stringequals", "k", V("x"), false), -1);
	assert_int_equal(cond("NullIfExists", "k", V("true"), false), -1);
	assert_int_equal(cond("ForSomeValues:StringEquals", "k", V("x"), false), -1);
	assert_int_equal(cond("IfExists", "k", V("x"), false), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_ops),
		cmocka_unit_test(test_missing_key_rules),
		cmocka_unit_test(test_numeric_and_date),
		cmocka_unit_test(test_date_parser),
		cmocka_unit_test(test_bool_binary),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_arn_ops),
		cmocka_unit_test(test_arn_crafted_context),
		cmocka_unit_test(test_set_operators),
		cmocka_unit_test(test_variables_in_values),
		cmocka_unit_test(test_unknown_operators),
	};

	return cmocka_run_group_tests_name("condition", tests, setup, teardown);
}

/* Unit tests for the filing parser (gate/daemon/filing.c): the body of POST /v1/requests. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "filing.h"
#include "ops.h"

#define REGION	"eu-west-1"
#define ACCOUNT	"111111111111"

static struct cg_buf *why;

static int
setup(void **state)
{
	(void)state;
	return cg_buf_new(1 << 16, &why);
}

static int
teardown(void **state)
{
	(void)state;
	cg_buf_free(why);
	return 0;
}

static const char *
message(void)
{
	const char *s = "";

	assert_int_equal(cg_buf_cstr(why, &s), 0);
	return s;
}

/* Parses text; on failure checks the kind, a message holding want, and an untouched ret. */
static void
refused(const char *text, size_t len, enum filing_error want_kind, const char *want)
{
	struct filing f;
	enum filing_error kind = FILING_OK;
	const uint8_t *p = (const uint8_t *)&f;
	size_t i;

	cg_buf_reset(why);
	memset(&f, 0xA5, sizeof(f));
	assert_true(filing_parse(text, len, REGION, ACCOUNT, &f, &kind, why) < 0);
	if (kind != want_kind || strstr(message(), want) == NULL)
		fail_msg("%.*s: kind %d \"%s\", want %d \"%s\"", (int)len, text, kind, message(),
		    want_kind, want);
	for (i = 0; i < sizeof(f); i++)
		assert_int_equal(p[i], 0xA5);
}

#define REFUSED(text, kind, want)	refused(text, strlen(text), kind, want)

static void
test_accepts_a_filing(void **state)
{
	const char *text = "{\"operation\": \"StopApplication\", \"reason\": \"CHG-1 \\u00e9\", "
	    "\"region\": \"eu-west-1\", \"input\": {\"ApplicationName\": \"orders\", "
	    "\"Force\": false}}";
	struct filing f, g;
	enum filing_error kind = FILING_BAD_JSON;

	(void)state;
	assert_int_equal(filing_parse(text, strlen(text), REGION, ACCOUNT, &f, &kind, why), 0);
	assert_int_equal(kind, FILING_OK);
	assert_string_equal(f.operation, "StopApplication");
	assert_int_equal(f.req.op, OP_STOP_APPLICATION);
	assert_string_equal(f.region, "eu-west-1");
	assert_string_equal(f.reason, "CHG-1 \xc3\xa9");
	assert_int_equal(strlen(f.digest), 64);
	/* the digest is of the input in canonical form: member order and spacing do not count */
	text = "{\"input\":{\"Force\":false,\"ApplicationName\":\"orders\"},"
	    "\"operation\":\"StopApplication\"}";
	assert_int_equal(filing_parse(text, strlen(text), REGION, ACCOUNT, &g, &kind, why), 0);
	assert_string_equal(g.digest, f.digest);
	assert_null(g.region);
	assert_null(g.reason);
	filing_clear(&g);
	filing_clear(&f);
	filing_clear(&f);	/* clearing twice is fine */
}

static void
test_refuses_every_shape(void **state)
{
	char big[FILING_REASON_MAX + 128];

	(void)state;
	REFUSED("", FILING_BAD_JSON, "not valid JSON");
	REFUSED("{\"operation\": \"StopApplication\", \"input\": {", FILING_BAD_JSON,
	    "not valid JSON");
	REFUSED("{\"operation\": \"A\", \"operation\": \"B\", \"input\": {}}", FILING_BAD_JSON,
	    "not valid JSON");
	refused("{\"operation\": \"StopApplication\"}\0x", 35, FILING_BAD_JSON, "not valid JSON");
	REFUSED("[]", FILING_BAD_REQUEST, "the body must be a JSON object");
	REFUSED("\"x\"", FILING_BAD_REQUEST, "the body must be a JSON object");
	REFUSED("{\"input\": {}}", FILING_BAD_REQUEST, "operation: missing");
	REFUSED("{\"operation\": \"StopApplication\"}", FILING_BAD_REQUEST, "input: missing");
	REFUSED("{\"operation\": 1, \"input\": {}}", FILING_BAD_REQUEST,
	    "operation: must be a string, not an integer");
	REFUSED("{\"operation\": \"StopApplication\", \"input\": []}", FILING_BAD_REQUEST,
	    "input: must be an object, not an array");
	REFUSED("{\"operation\": \"StopApplication\", \"input\": {}, \"region\": \"\"}",
	    FILING_BAD_REQUEST, "region: must be 1 to 32 bytes long");
	REFUSED("{\"operation\": \"StopApplication\", \"input\": {}, "
	    "\"region\": \"123456789012345678901234567890123\"}", FILING_BAD_REQUEST,
	    "region: must be 1 to 32 bytes long, not 33");
	REFUSED("{\"operation\": \"StopApplication\", \"input\": {}, \"reason\": 5}",
	    FILING_BAD_REQUEST, "reason: must be a string");
	(void)snprintf(big, sizeof(big), "{\"operation\": \"StopApplication\", \"input\": {}, "
	    "\"reason\": \"%0*d\"}", FILING_REASON_MAX + 1, 0);
	REFUSED(big, FILING_BAD_REQUEST, "reason: must be 0 to 1024 bytes long, not 1025");
	/* who asks is the connection's to say, never the body's */
	REFUSED("{\"operation\": \"StopApplication\", \"input\": {}, \"operator\": \"bob\"}",
	    FILING_BAD_REQUEST, "operator: unknown member, and it claims an identity");
	REFUSED("{\"operation\": \"StopApplication\", \"input\": {}, \"Principal\": \"x\"}",
	    FILING_BAD_REQUEST, "Principal: unknown member, and it claims an identity");
	REFUSED("{\"operation\": \"StopApplication\", \"input\": {}, \"extra\": 1}",
	    FILING_BAD_REQUEST, "extra: unknown member (it may hold operation, input, region or "
	    "reason)");
	/* text approvers will read on their terminals */
	REFUSED("{\"operation\": \"StopApplication\", \"input\": {}, \"reason\": \"a\\u001b[2K\"}",
	    FILING_BAD_REQUEST, "control or bidirectional-override");
	REFUSED("{\"operation\": \"StopApplication\", \"input\": {}, \"reason\": \"a\\u202eb\"}",
	    FILING_BAD_REQUEST, "control or bidirectional-override");
	REFUSED("{\"operation\": \"StopApplication\", \"input\": {}, \"reason\": \"a\\u0085\"}",
	    FILING_BAD_REQUEST, "control or bidirectional-override");
	/* the operation and its input */
	REFUSED("{\"operation\": \"DeleteApplication\", \"input\": {}}", FILING_UNKNOWN_OPERATION,
	    "does not handle operation \"DeleteApplication\"");
	REFUSED("{\"operation\": \"\", \"input\": {}}", FILING_UNKNOWN_OPERATION,
	    "does not handle operation");
	REFUSED("{\"operation\": \"StopApplication\", \"input\": {}}", FILING_BAD_INPUT,
	    "ApplicationName");
	REFUSED("{\"operation\": \"StopApplication\", \"input\": {\"ApplicationName\": \"a\", "
	    "\"Bogus\": 1}}", FILING_BAD_INPUT, "Bogus");
	REFUSED("{\"operation\": \"StopApplication\", \"input\": {\"ApplicationName\": \"a\", "
	    "\"Force\": \"yes\"}}", FILING_BAD_INPUT, "Force");
	REFUSED("{\"operation\": \"RollbackApplication\", \"input\": {\"ApplicationName\": \"a\", "
	    "\"CurrentApplicationVersionId\": 18014398509481985}}", FILING_BAD_INPUT, "");
}

/* The digest of one filing for the gate of region in account. */
static void
digest_of(const char *text, const char *region, const char *account, char out[OPS_DIGEST_HEX])
{
	struct filing f;
	enum filing_error kind = FILING_OK;

	cg_buf_reset(why);
	assert_int_equal(filing_parse(text, strlen(text), region, account, &f, &kind, why), 0);
	memcpy(out, f.digest, OPS_DIGEST_HEX);
	filing_clear(&f);
}

/*
 * The request digest binds the operation, the region, the account and the
 * application as well as the input (docs/request-digest.md); the expected
 * values were computed outside the gate: SHA-256 of the domain line and
 * Python's json.dumps(sort_keys=True, separators=(",", ":")) of the object,
 * which is its RFC 8785 form for these ASCII strings.
 */
static void
test_digest_binds_the_request(void **state)
{
	char stop[OPS_DIGEST_HEX], start[OPS_DIGEST_HEX], other[OPS_DIGEST_HEX];

	(void)state;
	digest_of("{\"operation\": \"StopApplication\", \"input\": "
	    "{\"ApplicationName\": \"orders\"}}", REGION, ACCOUNT, stop);
	assert_string_equal(stop,
	    "117fc89522e8b70c03b37f3b6693e51ad0b1eb2fbd54a23191d4be9a73c48c3e");
	digest_of("{\"operation\": \"StartApplication\", \"input\": "
	    "{\"ApplicationName\": \"orders\"}}", REGION, ACCOUNT, start);
	assert_string_equal(start,
	    "474accad4eb64c4c77f155e3d92c84709354178d03fb5f0a3d6ea51d97150454");
	/* another region, account or application: another digest */
	digest_of("{\"operation\": \"StopApplication\", \"input\": "
	    "{\"ApplicationName\": \"orders\"}}", "eu-central-1", ACCOUNT, other);
	assert_string_not_equal(other, stop);
	digest_of("{\"operation\": \"StopApplication\", \"input\": "
	    "{\"ApplicationName\": \"orders\"}}", REGION, "222222222222", other);
	assert_string_not_equal(other, stop);
	digest_of("{\"operation\": \"StopApplication\", \"input\": "
	    "{\"ApplicationName\": \"orders2\"}}", REGION, ACCOUNT, other);
	assert_string_not_equal(other, stop);
	/* any member of the input counts */
	digest_of("{\"operation\": \"StopApplication\", \"input\": "
	    "{\"ApplicationName\": \"orders\", \"Force\": false}}", REGION, ACCOUNT, other);
	assert_string_not_equal(other, stop);
	/* the reason does not: it is not part of what AWS is asked to do */
	digest_of("{\"operation\": \"StopApplication\", \"reason\": \"CHG-2\", \"input\": "
	    "{\"ApplicationName\": \"orders\"}}", REGION, ACCOUNT, other);
	assert_string_equal(other, stop);
}

static void
test_digest_refuses_a_bad_gate(void **state)
{
	const char *text = "{\"operation\": \"StopApplication\", \"input\": "
	    "{\"ApplicationName\": \"orders\"}}";
	struct filing f;
	enum filing_error kind = FILING_OK;

	(void)state;
	cg_buf_reset(why);
	assert_true(filing_parse(text, strlen(text), REGION, "1234", &f, &kind, why) < 0);
	assert_int_equal(kind, FILING_BAD_INPUT);
	assert_non_null(strstr(message(), "request digest cannot be computed"));
	cg_buf_reset(why);
	assert_true(filing_parse(text, strlen(text), "EU WEST", ACCOUNT, &f, &kind, why) < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts_a_filing),
		cmocka_unit_test(test_refuses_every_shape),
		cmocka_unit_test(test_digest_binds_the_request),
		cmocka_unit_test(test_digest_refuses_a_bad_gate),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

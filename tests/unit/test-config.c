/* Unit tests for cmkgated.conf (gate/config.c): the schema walk, its messages, file checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "config.h"

#define LABEL		"cmkgated.conf"
#define PRINCIPAL	"arn:aws:iam::111111111111:role/ops"
#define OP(uid, name) \
	"{\"uid\":" #uid ",\"name\":\"" name "\",\"principal\":\"" PRINCIPAL "\"}"
#define OPS		"\"operators\":[" OP(1001, "alice") "]"
#define MINIMAL		"{" OPS "}"
#define FP		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define TLS_FILES	"\"certificate\":\"/c.pem\",\"key\":\"/k.pem\",\"client_ca\":\"/ca.pem\""

/* What a failed parse must leave in *ret_config: this, untouched. */
static struct config untouched;

/*
 * Parses text and checks the error convention either way: on success a
 * config and an empty why; on failure ret untouched, a parse or limit
 * code and a message that starts with the file's label.  The message is
 * copied to msg.
 */
static int
parse_len(const char *text, size_t len, struct config **ret, char *msg, size_t msglen)
{
	struct config *c = &untouched;
	struct cg_buf *why = NULL;
	const char *s = NULL;
	int r;

	assert_int_equal(cg_buf_new(16384, &why), 0);
	r = config_parse(LABEL, text, len, &c, why);
	assert_int_equal(cg_buf_cstr(why, &s), 0);
	if (r == 0) {
		assert_non_null(c);
		assert_ptr_not_equal(c, &untouched);
		if (cg_buf_len(why) != 0)
			fail_msg("success with a message: %s", s);
	} else {
		assert_ptr_equal(c, &untouched);
		if (r != CG_ERR_PARSE && r != CG_ERR_LIMIT)
			fail_msg("unexpected code %s: %s", cg_strerror(r), s);
		assert_true(cg_buf_len(why) > strlen(LABEL ": "));
		assert_memory_equal(s, LABEL ": ", strlen(LABEL ": "));
	}
	if (msg != NULL)
		(void)snprintf(msg, msglen, "%s", s);
	cg_buf_free(why);
	if (ret != NULL)
		*ret = r == 0 ? c : NULL;
	else if (r == 0)
		config_free(c);
	return r;
}

static struct config *
parse_ok(const char *text)
{
	struct config *c = NULL;
	char msg[1024];

	if (parse_len(text, strlen(text), &c, msg, sizeof(msg)) != 0)
		fail_msg("unexpected refusal of %.300s: %s", text, msg);
	return c;
}

/* Refused with code, and the message holds want. */
static void
refused(const char *text, int code, const char *want)
{
	char msg[1024];
	int r;

	r = parse_len(text, strlen(text), NULL, msg, sizeof(msg));
	if (r != code || strstr(msg, want) == NULL)
		fail_msg("%.300s: got %s \"%s\", want %s with \"%s\"", text,
		    r == 0 ? "success" : cg_strerror(r), msg, cg_strerror(code), want);
}

/* prefix VALUE suffix, in a buffer the caller frees. */
static char *
joined(const char *prefix, const char *value, const char *suffix)
{
	size_t n = strlen(prefix) + strlen(value) + strlen(suffix) + 1;
	char *s = malloc(n);

	assert_non_null(s);
	assert_int_equal(snprintf(s, n, "%s%s%s", prefix, value, suffix), (int)(n - 1));
	return s;
}

/* A JSON string of n copies of c, with head in front. */
static char *
long_string(const char *head, size_t n, char c)
{
	size_t hl = strlen(head);
	char *s = malloc(hl + n + 3);

	assert_non_null(s);
	s[0] = '"';
	memcpy(s + 1, head, hl);
	memset(s + 1 + hl, c, n);
	s[1 + hl + n] = '"';
	s[2 + hl + n] = '\0';
	return s;
}

/* ---- success ---- */

static void
test_defaults(void **state)
{
	struct config *c;

	(void)state;
	c = parse_ok(MINIMAL);
	assert_string_equal(c->socket_path, "/run/cmkgate/cmkgated.sock");
	assert_int_equal(c->socket_mode, 0600);
	assert_null(c->socket_group);
	assert_string_equal(c->state_directory, "/var/lib/cmkgate");
	assert_string_equal(c->ops_directory, "/etc/cmkgate/ops.d");
	assert_string_equal(c->audit_log, "/var/lib/cmkgate/audit.log");
	assert_string_equal(c->audit_key, "/etc/cmkgate/audit.key");
	assert_int_equal(c->checkpoint_every, 64);
	assert_null(c->region);
	assert_null(c->endpoint);
	assert_int_equal(c->request_ttl_seconds, 86400);
	assert_int_equal(c->policy_cache_seconds, 60);
	assert_null(c->policy_directory);
	assert_int_equal(c->noperators, 1);
	assert_int_equal(c->operators[0].uid, 1001);
	assert_string_equal(c->operators[0].name, "alice");
	assert_string_equal(c->operators[0].principal, PRINCIPAL);
	config_free(c);

	/* empty sub-objects keep the defaults too */
	c = parse_ok("{\"socket\":{},\"audit\":{},\"aws\":{}," OPS "}");
	assert_string_equal(c->socket_path, "/run/cmkgate/cmkgated.sock");
	assert_int_equal(c->socket_mode, 0600);
	assert_int_equal(c->checkpoint_every, 64);
	assert_null(c->region);
	config_free(c);
}

static void
test_tls_and_certificates(void **state)
{
	struct config *c;

	(void)state;
	c = parse_ok("{\"tls\":{" TLS_FILES ",\"listen\":\"[::1]:8443\"},\"operators\":["
	    "{\"name\":\"remote\",\"principal\":\"" PRINCIPAL "\",\"certificate_sha256\":\"" FP "\"},"
	    "{\"uid\":7,\"name\":\"both\",\"principal\":\"" PRINCIPAL "\",\"certificate_sha256\":"
	    "\"" "f123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" "\"}]}");
	assert_string_equal(c->tls_listen, "[::1]:8443");
	assert_string_equal(c->tls_certificate, "/c.pem");
	assert_string_equal(c->tls_key, "/k.pem");
	assert_string_equal(c->tls_client_ca, "/ca.pem");
	assert_false(c->operators[0].has_uid);
	assert_string_equal(config_operator_by_certificate(c, FP)->name, "remote");
	assert_null(config_operator_by_uid(c, 0));	/* no uid is not uid 0 */
	assert_string_equal(config_operator_by_uid(c, 7)->name, "both");
	assert_null(config_operator_by_certificate(c,
	    "0000000000000000000000000000000000000000000000000000000000000000"));
	config_free(c);
	c = parse_ok(MINIMAL);
	assert_null(c->tls_listen);
	assert_null(c->operators[0].certificate_sha256);
	config_free(c);
}

static void
test_full(void **state)
{
	struct config *c;

	(void)state;
	c = parse_ok("{\n"
	    "  \"socket\": {\"path\": \"/run/gate/s\", \"mode\": \"0660\", \"group\": \"ops-team\"},\n"
	    "  \"state_directory\": \"/srv/gate/state\",\n"
	    "  \"ops_directory\": \"/srv/gate/ops.d\",\n"
	    "  \"audit\": {\"log\": \"/srv/gate/audit.log\", \"key\": \"/srv/gate/audit.key\",\n"
	    "            \"checkpoint_every\": 0},\n"
	    "  \"aws\": {\"region\": \"us-gov-west-1\", \"endpoint\": \"http://127.0.0.1:5000\"},\n"
	    "  \"request_ttl_seconds\": 3600,\n"
	    "  \"policy_cache_seconds\": 0,\n"
	    "  \"policy_directory\": \"/srv/gate/policies\",\n"
	    "  \"operators\": [\n"
	    "    {\"uid\": 0, \"name\": \"root\", \"principal\":\n"
	    "     \"arn:aws-us-gov:iam::123456789012:role/a/b/gate-admin\"},\n"
	    "    {\"uid\": 4294967294, \"name\": \"_svc.x-1\", \"principal\":\n"
	    "     \"arn:aws-cn:sts::123456789012:assumed-role/ops/alice@example.com\"}\n"
	    "  ]\n"
	    "}\n");
	assert_string_equal(c->socket_path, "/run/gate/s");
	assert_int_equal(c->socket_mode, 0660);
	assert_string_equal(c->socket_group, "ops-team");
	assert_string_equal(c->state_directory, "/srv/gate/state");
	assert_string_equal(c->ops_directory, "/srv/gate/ops.d");
	assert_string_equal(c->audit_log, "/srv/gate/audit.log");
	assert_string_equal(c->audit_key, "/srv/gate/audit.key");
	assert_int_equal(c->checkpoint_every, 0);
	assert_string_equal(c->region, "us-gov-west-1");
	assert_string_equal(c->endpoint, "http://127.0.0.1:5000");
	assert_int_equal(c->request_ttl_seconds, 3600);
	assert_int_equal(c->policy_cache_seconds, 0);
	assert_string_equal(c->policy_directory, "/srv/gate/policies");
	assert_int_equal(c->noperators, 2);
	assert_int_equal(c->operators[0].uid, 0);
	assert_string_equal(c->operators[0].name, "root");
	assert_int_equal(c->operators[1].uid, 4294967294u);
	assert_string_equal(c->operators[1].name, "_svc.x-1");
	assert_string_equal(c->operators[1].principal,
	    "arn:aws-cn:sts::123456789012:assumed-role/ops/alice@example.com");

	assert_ptr_equal(config_operator_by_uid(c, 0), &c->operators[0]);
	assert_ptr_equal(config_operator_by_uid(c, 4294967294u), &c->operators[1]);
	assert_null(config_operator_by_uid(c, 1001));
	assert_null(config_operator_by_uid(c, (uid_t)-1));
	assert_null(config_operator_by_uid(NULL, 0));
	config_free(c);
	config_free(NULL);
}

/* The shipped example (contrib/cmkgated.conf.example) is what cmkgated.conf(5) shows. */
static void
test_shipped_example(void **state)
{
	const char *path = getenv("CMKGATE_CONF_EXAMPLE");
	struct config *c = NULL;
	char text[8192], msg[1024];
	size_t n;
	FILE *f;

	(void)state;
	if (path == NULL)
		fail_msg("CMKGATE_CONF_EXAMPLE is not set (tests/meson.build sets it)");
	assert_non_null(f = fopen(path, "r"));
	n = fread(text, 1, sizeof(text), f);
	assert_true(n > 0 && n < sizeof(text));
	fclose(f);
	if (parse_len(text, n, &c, msg, sizeof(msg)) != 0)
		fail_msg("%s: %s", path, msg);
	assert_string_equal(c->socket_path, "/run/cmkgate/cmkgated.sock");
	assert_int_equal(c->socket_mode, 0660);
	assert_string_equal(c->socket_group, "cmkgate-ops");
	assert_string_equal(c->region, "eu-west-1");
	assert_null(c->endpoint);
	assert_int_equal(c->noperators, 3);
	assert_string_equal(config_operator_by_uid(c, 1002)->name, "bob");
	assert_string_equal(config_operator_by_uid(c, 1001)->principal,
	    "arn:aws:iam::111111111111:role/cmkgate/key-admin");
	config_free(c);
}

/* ---- refusals ---- */

/* Each JSON kind once; a member refuses all but its own. */
static const struct {
	const char	*json;
	char		 kind;	/* o object, a array, s string, i integer, d other number */
} kinds[] = {
	{ "{}", 'o' }, { "[]", 'a' }, { "\"x\"", 's' }, { "1", 'i' }, { "1.5", 'd' },
	{ "1e3", 'd' }, { "true", 'b' }, { "null", 'n' },
};

static const struct {
	const char	*path;
	const char	*prefix, *suffix;	/* around the value */
	char		 kind;
} members[] = {
	{ "socket",		"{\"socket\":", "," OPS "}", 'o' },
	{ "socket.path",	"{\"socket\":{\"path\":", "}," OPS "}", 's' },
	{ "socket.mode",	"{\"socket\":{\"mode\":", "}," OPS "}", 's' },
	{ "socket.group",	"{\"socket\":{\"group\":", "}," OPS "}", 's' },
	{ "state_directory",	"{\"state_directory\":", "," OPS "}", 's' },
	{ "ops_directory",	"{\"ops_directory\":", "," OPS "}", 's' },
	{ "policy_directory",	"{\"policy_directory\":", "," OPS "}", 's' },
	{ "audit",		"{\"audit\":", "," OPS "}", 'o' },
	{ "audit.log",		"{\"audit\":{\"log\":", "}," OPS "}", 's' },
	{ "audit.key",		"{\"audit\":{\"key\":", "}," OPS "}", 's' },
	{ "audit.checkpoint_every", "{\"audit\":{\"checkpoint_every\":", "}," OPS "}", 'i' },
	{ "aws",		"{\"aws\":", "," OPS "}", 'o' },
	{ "aws.region",		"{\"aws\":{\"region\":", "}," OPS "}", 's' },
	{ "aws.endpoint",	"{\"aws\":{\"endpoint\":", "}," OPS "}", 's' },
	{ "request_ttl_seconds", "{\"request_ttl_seconds\":", "," OPS "}", 'i' },
	{ "policy_cache_seconds", "{\"policy_cache_seconds\":", "," OPS "}", 'i' },
	{ "operators",		"{\"operators\":", "}", 'a' },
	{ "operators[0]",	"{\"operators\":[", "]}", 'o' },
	{ "operators[0].uid",	"{\"operators\":[{\"uid\":",
	    ",\"name\":\"a\",\"principal\":\"" PRINCIPAL "\"}]}", 'i' },
	{ "operators[0].name",	"{\"operators\":[{\"uid\":1,\"name\":",
	    ",\"principal\":\"" PRINCIPAL "\"}]}", 's' },
	{ "operators[0].principal", "{\"operators\":[{\"uid\":1,\"name\":\"a\",\"principal\":",
	    "}]}", 's' },
};

static void
test_wrong_types(void **state)
{
	char want[128], msg[1024], *text;
	const char *exact;
	size_t i, j;

	(void)state;
	for (i = 0; i < CG_NELEM(members); i++) {
		for (j = 0; j < CG_NELEM(kinds); j++) {
			if (kinds[j].kind == members[i].kind)
				continue;
			text = joined(members[i].prefix, kinds[j].json, members[i].suffix);
			(void)snprintf(want, sizeof(want), LABEL ": %s: must be ", members[i].path);
			refused(text, CG_ERR_PARSE, want);
			free(text);
		}
	}
	/* the message the daemon's admin sees, exactly */
	exact = "{\"operators\":[" OP(1, "a") ",{\"uid\":-1,\"name\":\"b\",\"principal\":\""
	    PRINCIPAL "\"}]}";
	assert_int_equal(parse_len(exact, strlen(exact), NULL, msg, sizeof(msg)), CG_ERR_PARSE);
	assert_string_equal(msg, LABEL ": operators[1].uid: must be an integer from 0 to "
	    "4294967294");
}

static void
test_unknown_members(void **state)
{
	(void)state;
	refused("{\"bogus\":1," OPS "}", CG_ERR_PARSE, LABEL ": bogus: unknown member");
	refused("{\"socket\":{\"owner\":\"x\"}," OPS "}", CG_ERR_PARSE,
	    LABEL ": socket.owner: unknown member (socket may hold path, mode or group)");
	refused("{\"audit\":{\"logfile\":\"/x\"}," OPS "}", CG_ERR_PARSE,
	    LABEL ": audit.logfile: unknown member");
	refused("{\"aws\":{\"profile\":\"x\"}," OPS "}", CG_ERR_PARSE,
	    LABEL ": aws.profile: unknown member");
	refused("{\"operators\":[{\"uid\":1,\"name\":\"a\",\"principal\":\"" PRINCIPAL "\","
	    "\"admin\":true}]}", CG_ERR_PARSE, LABEL ": operators[0].admin: unknown member");
	refused("{\"operators\":[" OP(1, "a") ",{\"uid\":2,\"name\":\"b\",\"principal\":\""
	    PRINCIPAL "\",\"x\":1}]}", CG_ERR_PARSE, LABEL ": operators[1].x: unknown member");
	/* case matters */
	refused("{\"Socket\":{}," OPS "}", CG_ERR_PARSE, LABEL ": Socket: unknown member");
	/* names from the file are shown printable and bounded */
	refused("{\"a\\u0001\\nb\":1," OPS "}", CG_ERR_PARSE, LABEL ": a??b: unknown member");
	refused("{\"\\u00e9t\\u00e9\":1," OPS "}", CG_ERR_PARSE, LABEL ": ??t??: unknown");
	refused("{\"" "0123456789012345678901234567890123456789012345678901234567890123456789"
	    "\":1," OPS "}", CG_ERR_PARSE,
	    LABEL ": 0123456789012345678901234567890123456789012345678901234567890123...: "
	    "unknown member");
	refused("{\"\":1," OPS "}", CG_ERR_PARSE, LABEL ": : unknown member");
}

static struct {
	const char	*text;
	int		 code;
	const char	*want;
} refusals[] = {
	/* not a strict JSON object */
	{ "", CG_ERR_PARSE, LABEL ": not a strict JSON object: " },
	{ "[]", CG_ERR_PARSE, LABEL ": the configuration must be an object, not an array" },
	{ "\"x\"", CG_ERR_PARSE, LABEL ": the configuration must be an object, not a string" },
	{ "null\n", CG_ERR_PARSE, LABEL ": the configuration must be an object, not null" },
	{ "null", CG_ERR_PARSE, LABEL ": not a strict JSON object" },
	{ "1\n", CG_ERR_PARSE, LABEL ": the configuration must be an object, not a number" },
	{ "{\"operators\":[null]}", CG_ERR_PARSE,
	    LABEL ": operators[0]: must be an object, not null" },
	{ MINIMAL " x", CG_ERR_PARSE, LABEL ": not a strict JSON object" },
	{ MINIMAL "{}", CG_ERR_PARSE, LABEL ": not a strict JSON object" },
	{ MINIMAL "\n\n,", CG_ERR_PARSE, LABEL ": not a strict JSON object" },
	{ "{" OPS "," OPS "}", CG_ERR_PARSE, "duplicate key" },
	{ "{\"socket\":{\"mode\":\"0600\",\"mode\":\"0600\"}," OPS "}", CG_ERR_PARSE,
	    "duplicate key" },
	{ "{\"operators\":[{\"uid\":1,\"uid\":1,\"name\":\"a\",\"principal\":\"" PRINCIPAL
	    "\"}]}", CG_ERR_PARSE, "duplicate key" },
	{ "{\"request_ttl_seconds\":NaN," OPS "}", CG_ERR_PARSE, "not a strict JSON object" },
	{ "{/* c */" OPS "}", CG_ERR_PARSE, "not a strict JSON object" },
	{ "{" OPS ",}", CG_ERR_PARSE, "not a strict JSON object" },
	{ "{\"state_directory\":\"/a\\u0000b\"," OPS "}", CG_ERR_PARSE,
	    "not a strict JSON object" },
	{ "{\"state_directory\":\"/a\xff\"," OPS "}", CG_ERR_PARSE, "not a strict JSON object" },

	/* operators */
	{ "{}", CG_ERR_PARSE, LABEL ": operators: missing" },
	{ "{\"socket\":{}}", CG_ERR_PARSE, LABEL ": operators: missing" },
	{ "{\"operators\":[]}", CG_ERR_PARSE, LABEL ": operators: must list at least one" },
	{ "{\"operators\":[{\"name\":\"a\",\"principal\":\"" PRINCIPAL "\"}]}", CG_ERR_PARSE,
	    LABEL ": operators[0].uid: missing" },
	{ "{\"operators\":[{\"uid\":1,\"principal\":\"" PRINCIPAL "\"}]}", CG_ERR_PARSE,
	    LABEL ": operators[0].name: missing" },
	{ "{\"operators\":[{\"uid\":1,\"name\":\"a\"}]}", CG_ERR_PARSE,
	    LABEL ": operators[0].principal: missing" },
	{ "{\"operators\":[{}]}", CG_ERR_PARSE, LABEL ": operators[0].name: missing" },
	{ "{\"operators\":[" OP(65534, "nobody") "]}", CG_ERR_PARSE,
	    LABEL ": operators[0].uid: 65534 is the overflow uid" },
	/* a uid, a certificate, or both */
	{ "{\"operators\":[{\"name\":\"a\",\"principal\":\"" PRINCIPAL "\",\"certificate_sha256\":"
	    "\"ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789\"}]}", CG_ERR_PARSE,
	    LABEL ": operators[0].certificate_sha256: must be the SHA-256" },
	{ "{\"operators\":[{\"name\":\"a\",\"principal\":\"" PRINCIPAL "\",\"certificate_sha256\":"
	    "\"abcdef\"}]}", CG_ERR_PARSE, LABEL ": operators[0].certificate_sha256: must be" },
	{ "{\"operators\":[{\"name\":\"a\",\"principal\":\"" PRINCIPAL "\",\"certificate_sha256\":"
	    "\"" FP "\"},{\"name\":\"b\",\"principal\":\"" PRINCIPAL "\",\"certificate_sha256\":"
	    "\"" FP "\"}]}", CG_ERR_PARSE,
	    LABEL ": operators[1].certificate_sha256: is also operators[0]'s" },
	/* tls */
	{ "{\"tls\":{\"listen\":\"127.0.0.1:8443\"}," OPS "}", CG_ERR_PARSE,
	    LABEL ": tls.certificate: missing" },
	{ "{\"tls\":{" TLS_FILES ",\"listen\":\"localhost:8443\"}," OPS "}", CG_ERR_PARSE,
	    LABEL ": tls.listen: must be ADDRESS:PORT" },
	{ "{\"tls\":{" TLS_FILES ",\"listen\":\"127.0.0.1\"}," OPS "}", CG_ERR_PARSE,
	    LABEL ": tls.listen: must be ADDRESS:PORT" },
	{ "{\"tls\":{" TLS_FILES ",\"listen\":\"127.0.0.1:0\"}," OPS "}", CG_ERR_PARSE,
	    LABEL ": tls.listen: must be ADDRESS:PORT" },
	{ "{\"tls\":{" TLS_FILES ",\"listen\":\"127.0.0.1:65536\"}," OPS "}", CG_ERR_PARSE,
	    LABEL ": tls.listen: must be ADDRESS:PORT" },
	{ "{\"tls\":{" TLS_FILES ",\"listen\":\"::1:8443\"}," OPS "}", CG_ERR_PARSE,
	    LABEL ": tls.listen: must be ADDRESS:PORT" },
	{ "{\"tls\":{" TLS_FILES ",\"listen\":\"127.0.0.1:8443\",\"x\":1}," OPS "}",
	    CG_ERR_PARSE, LABEL ": tls.x: unknown member" },
	{ "{\"tls\":{\"listen\":\"127.0.0.1:8443\",\"certificate\":\"rel/c.pem\","
	    "\"key\":\"/k\",\"client_ca\":\"/ca\"}," OPS "}", CG_ERR_PARSE,
	    LABEL ": tls.certificate:" },
	{ "{\"operators\":[" OP(1001, "alice") "," OP(1002, "bob") "," OP(1001, "carol") "]}",
	    CG_ERR_PARSE, LABEL ": operators[2].uid: uid 1001 is also operators[0].uid" },
	{ "{\"operators\":[" OP(1001, "alice") "," OP(1002, "bob") "," OP(1003, "bob") "]}",
	    CG_ERR_PARSE, LABEL ": operators[2].name: \"bob\" is also operators[1].name" },
	{ "{\"operators\":[" OP(0, "root") "," OP(0, "root") "]}", CG_ERR_PARSE,
	    LABEL ": operators[1].uid: uid 0 is also operators[0].uid" },
	{ "{\"operators\":[{\"uid\":1,\"name\":\"a\",\"principal\":\"" PRINCIPAL "\"},"
	    "{\"uid\":1.0,\"name\":\"b\",\"principal\":\"" PRINCIPAL "\"}]}", CG_ERR_PARSE,
	    LABEL ": operators[1].uid: must be an integer" },

	/* integers that json-c reads as something else, or clamps */
	{ "{\"request_ttl_seconds\":3600.0," OPS "}", CG_ERR_PARSE, "request_ttl_seconds: must be" },
	{ "{\"request_ttl_seconds\":36e2," OPS "}", CG_ERR_PARSE, "request_ttl_seconds: must be" },
	{ "{\"request_ttl_seconds\":\"3600\"," OPS "}", CG_ERR_PARSE,
	    "request_ttl_seconds: must be an integer from 60 to 2592000, not a string" },
	{ "{\"request_ttl_seconds\":18446744073709551616," OPS "}", CG_ERR_PARSE,
	    "request_ttl_seconds: must be an integer from 60 to 2592000" },
	{ "{\"request_ttl_seconds\":18446744073709551615," OPS "}", CG_ERR_PARSE,
	    "request_ttl_seconds: must be an integer from 60 to 2592000" },
	{ "{\"request_ttl_seconds\":-9223372036854775809," OPS "}", CG_ERR_PARSE,
	    "request_ttl_seconds: must be an integer from 60 to 2592000" },
	{ "{\"operators\":[{\"uid\":4294967296,\"name\":\"a\",\"principal\":\"" PRINCIPAL
	    "\"}]}", CG_ERR_PARSE, "operators[0].uid: must be an integer from 0 to 4294967294" },
	{ "{\"operators\":[{\"uid\":-4294967296,\"name\":\"a\",\"principal\":\"" PRINCIPAL
	    "\"}]}", CG_ERR_PARSE, "operators[0].uid: must be an integer from 0 to 4294967294" },
};

static void
test_refusal_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < CG_NELEM(refusals); i++)
		refused(refusals[i].text, refusals[i].code, refusals[i].want);
}

static unsigned
get_checkpoint(const struct config *c)
{
	return c->checkpoint_every;
}

static unsigned
get_ttl(const struct config *c)
{
	return c->request_ttl_seconds;
}

static unsigned
get_cache(const struct config *c)
{
	return c->policy_cache_seconds;
}

static unsigned
get_uid(const struct config *c)
{
	return c->operators[0].uid;
}

static const struct {
	const char	*path;
	const char	*prefix, *suffix;
	long long	 min, max;
	unsigned	(*get)(const struct config *);
} ranges[] = {
	{ "audit.checkpoint_every", "{\"audit\":{\"checkpoint_every\":", "}," OPS "}",
	    0, 100000, get_checkpoint },
	{ "request_ttl_seconds", "{\"request_ttl_seconds\":", "," OPS "}",
	    60, 2592000, get_ttl },
	{ "policy_cache_seconds", "{\"policy_cache_seconds\":", "," OPS "}",
	    0, 3600, get_cache },
	{ "operators[0].uid", "{\"operators\":[{\"uid\":",
	    ",\"name\":\"a\",\"principal\":\"" PRINCIPAL "\"}]}", 0, 4294967294LL, get_uid },
};

static void
test_ranges(void **state)
{
	char num[32], want[160], *text;
	struct config *c;
	long long v;
	size_t i, k;

	(void)state;
	for (i = 0; i < CG_NELEM(ranges); i++) {
		const long long inside[] = { ranges[i].min, ranges[i].min + 1, ranges[i].max - 1,
		    ranges[i].max };
		const long long outside[] = { ranges[i].min - 1, ranges[i].max + 1, -1,
		    INT64_MAX, INT64_MIN };

		for (k = 0; k < CG_NELEM(inside); k++) {
			v = inside[k];
			(void)snprintf(num, sizeof(num), "%lld", v);
			text = joined(ranges[i].prefix, num, ranges[i].suffix);
			c = parse_ok(text);
			assert_int_equal(ranges[i].get(c), (unsigned)v);
			config_free(c);
			free(text);
		}
		for (k = 0; k < CG_NELEM(outside); k++) {
			v = outside[k];
			if (v >= ranges[i].min && v <= ranges[i].max)
				continue;
			(void)snprintf(num, sizeof(num), "%lld", v);
			text = joined(ranges[i].prefix, num, ranges[i].suffix);
			(void)snprintf(want, sizeof(want), LABEL ": %s: must be an integer from "
			    "%lld to %lld", ranges[i].path, ranges[i].min, ranges[i].max);
			refused(text, CG_ERR_PARSE, want);
			free(text);
		}
	}
}

static const struct {
	const char	*path;
	const char	*prefix, *suffix;
	size_t		 max;	/* bytes */
} path_members[] = {
	{ "socket.path",	"{\"socket\":{\"path\":", "}," OPS "}", 107 },
	{ "state_directory",	"{\"state_directory\":", "," OPS "}", CONFIG_PATH_MAX - 1 },
	{ "ops_directory",	"{\"ops_directory\":", "," OPS "}", CONFIG_PATH_MAX - 1 },
	{ "policy_directory",	"{\"policy_directory\":", "," OPS "}", CONFIG_PATH_MAX - 1 },
	{ "audit.log",		"{\"audit\":{\"log\":", "}," OPS "}", CONFIG_PATH_MAX - 1 },
	{ "audit.key",		"{\"audit\":{\"key\":", "}," OPS "}", CONFIG_PATH_MAX - 1 },
};

static const struct {
	const char	*json;
	const char	*want;
} bad_paths[] = {
	{ "\"\"", "must be an absolute path" },
	{ "\"relative/path\"", "must be an absolute path" },
	{ "\"./x\"", "must be an absolute path" },
	{ "\"~/x\"", "must be an absolute path" },
	{ "\"/a/../b\"", "must not have a \\\"..\\\" component" },
	{ "\"/..\"", "component" },
	{ "\"/a/..\"", "component" },
	{ "\"/a/../\"", "component" },
	{ "\"/../a\"", "component" },
	{ "\"/a\\u0001b\"", "control characters" },
	{ "\"/a\\nb\"", "control characters" },
	{ "\"/a\\u007fb\"", "control characters" },
};

static const char *const good_paths[] = {
	"/", "/a", "/a/..b", "/a/b..", "/a/.../b", "/./a", "/a/", "//a", "/a b/\\u00e9",
};

static void
test_paths(void **state)
{
	char want[160], *text, *value;
	struct config *c;
	size_t i, k;

	(void)state;
	for (i = 0; i < CG_NELEM(path_members); i++) {
		for (k = 0; k < CG_NELEM(bad_paths); k++) {
			text = joined(path_members[i].prefix, bad_paths[k].json,
			    path_members[i].suffix);
			(void)snprintf(want, sizeof(want), LABEL ": %s: ", path_members[i].path);
			refused(text, CG_ERR_PARSE, want);
			free(text);
		}
		for (k = 0; k < CG_NELEM(good_paths); k++) {
			value = joined("\"", good_paths[k], "\"");
			text = joined(path_members[i].prefix, value, path_members[i].suffix);
			config_free(parse_ok(text));
			free(text);
			free(value);
		}
		/* the longest path, and one byte more */
		value = long_string("/", path_members[i].max - 1, 'p');
		text = joined(path_members[i].prefix, value, path_members[i].suffix);
		c = parse_ok(text);
		config_free(c);
		free(text);
		free(value);
		value = long_string("/", path_members[i].max, 'p');
		text = joined(path_members[i].prefix, value, path_members[i].suffix);
		(void)snprintf(want, sizeof(want), LABEL ": %s: longer than %zu bytes",
		    path_members[i].path, path_members[i].max);
		refused(text, CG_ERR_LIMIT, want);
		free(text);
		free(value);
	}
	/* "..": the quoted want above is only a message check; here the exact text */
	refused("{\"state_directory\":\"/var/lib/../../etc\"," OPS "}", CG_ERR_PARSE,
	    LABEL ": state_directory: must not have a \"..\" component");
}

static void
test_socket_mode(void **state)
{
	static const struct {
		const char	*json;
		mode_t		 mode;
	} good[] = {
		{ "\"0600\"", 0600 }, { "\"600\"", 0600 }, { "\"0660\"", 0660 },
		{ "\"660\"", 0660 }, { "\"0640\"", 0640 }, { "\"0620\"", 0620 },
		{ "\"0000\"", 0 }, { "\"0060\"", 060 }, { "\"000\"", 0 },
	};
	static const struct {
		const char	*json;
		const char	*want;
	} bad[] = {
		{ "\"0644\"", "\"0644\" grants more than 0660" },
		{ "\"0700\"", "\"0700\" grants more than 0660" },
		{ "\"0666\"", "\"0666\" grants more than 0660" },
		{ "\"0606\"", "\"0606\" grants more than 0660" },
		{ "\"0602\"", "\"0602\" grants more than 0660" },
		{ "\"0601\"", "\"0601\" grants more than 0660" },
		{ "\"0610\"", "\"0610\" grants more than 0660" },
		{ "\"0670\"", "\"0670\" grants more than 0660" },
		{ "\"0777\"", "\"0777\" grants more than 0660" },
		{ "\"1660\"", "\"1660\" grants more than 0660" },
		{ "\"2660\"", "\"2660\" grants more than 0660" },
		{ "\"4600\"", "\"4600\" grants more than 0660" },
		{ "\"664\"", "\"664\" grants more than 0660" },
		{ "\"600x\"", "must be 3 or 4 octal digits" },
		{ "\"0669\"", "must be 3 or 4 octal digits" },
		{ "\"06600\"", "must be 3 or 4 octal digits" },
		{ "\"00600\"", "must be 3 or 4 octal digits" },
		{ "\"60\"", "must be 3 or 4 octal digits" },
		{ "\"\"", "must be 3 or 4 octal digits" },
		{ "\" 600\"", "must be 3 or 4 octal digits" },
		{ "\"+600\"", "must be 3 or 4 octal digits" },
		{ "\"0o600\"", "must be 3 or 4 octal digits" },
		{ "\"u=rw\"", "must be 3 or 4 octal digits" },
		{ "600", "must be a string of octal digits such as \"0660\", not a number" },
		{ "384", "must be a string" },
		{ "0", "must be a string" },
	};
	struct config *c;
	char want[160], *text;
	size_t i;

	(void)state;
	for (i = 0; i < CG_NELEM(good); i++) {
		text = joined("{\"socket\":{\"mode\":", good[i].json, "}," OPS "}");
		c = parse_ok(text);
		assert_int_equal(c->socket_mode, good[i].mode);
		config_free(c);
		free(text);
	}
	for (i = 0; i < CG_NELEM(bad); i++) {
		text = joined("{\"socket\":{\"mode\":", bad[i].json, "}," OPS "}");
		(void)snprintf(want, sizeof(want), LABEL ": socket.mode: %s", bad[i].want);
		refused(text, CG_ERR_PARSE, want);
		free(text);
	}
}

/* A string member's accepted and refused values. */
struct string_case {
	const char	*json;
	bool		 ok;
};

static void
check_strings(const char *path, const char *prefix, const char *suffix,
    const struct string_case *cases, size_t n, const char *want_detail)
{
	char want[256], *text;
	size_t i;

	for (i = 0; i < n; i++) {
		text = joined(prefix, cases[i].json, suffix);
		if (cases[i].ok) {
			config_free(parse_ok(text));
		} else {
			(void)snprintf(want, sizeof(want), LABEL ": %s: %s", path, want_detail);
			refused(text, CG_ERR_PARSE, want);
		}
		free(text);
	}
}

static void
test_principals(void **state)
{
	static const struct string_case cases[] = {
		{ "\"arn:aws:iam::111111111111:role/ops\"", true },
		{ "\"arn:aws:iam::111111111111:role/path/to/ops\"", true },
		{ "\"arn:aws:iam::111111111111:role/a+=,.@_-Z9\"", true },
		{ "\"arn:aws-cn:iam::111111111111:role/ops\"", true },
		{ "\"arn:aws-us-gov:iam::111111111111:role/ops\"", true },
		{ "\"arn:aws:sts::111111111111:assumed-role/ops/alice\"", true },
		{ "\"arn:aws:sts::111111111111:assumed-role/ops/i-0123456789abcdef0\"", true },
		{ "\"arn:aws:sts::111111111111:assumed-role/ops/ab\"", true },
		/* users, groups, root, other services */
		{ "\"arn:aws:iam::111111111111:user/alice\"", false },
		{ "\"arn:aws:iam::111111111111:group/ops\"", false },
		{ "\"arn:aws:iam::111111111111:root\"", false },
		{ "\"arn:aws:sts::111111111111:federated-user/alice\"", false },
		{ "\"arn:aws:kms::111111111111:role/ops\"", false },
		{ "\"arn:aws:iam::111111111111:roles/ops\"", false },
		{ "\"arn:aws:iam::111111111111:role/\"", false },
		{ "\"arn:aws:iam::111111111111:role//ops\"", false },
		{ "\"arn:aws:iam::111111111111:role/path//ops\"", false },
		{ "\"arn:aws:iam::111111111111:role/ops/\"", false },
		{ "\"arn:aws:iam::111111111111:role/o ps\"", false },
		{ "\"arn:aws:iam::111111111111:role/ops\\u00e9\"", false },
		/* sessions need a role and a session of 2 to 64 characters */
		{ "\"arn:aws:sts::111111111111:assumed-role/ops\"", false },
		{ "\"arn:aws:sts::111111111111:assumed-role/ops/\"", false },
		{ "\"arn:aws:sts::111111111111:assumed-role//alice\"", false },
		{ "\"arn:aws:sts::111111111111:assumed-role/ops/a\"", false },
		{ "\"arn:aws:sts::111111111111:assumed-role/ops/alice/x\"", false },
		{ "\"arn:aws:iam::111111111111:assumed-role/ops/alice\"", false },
		{ "\"arn:aws:sts::111111111111:role/ops\"", false },
	};
	static const struct {
		const char	*json;
		const char	*want;
	} detailed[] = {
		/* the account */
		{ "\"arn:aws:iam::11111111111:role/ops\"", "with a 12-digit account" },
		{ "\"arn:aws:iam::1111111111111:role/ops\"", "with a 12-digit account" },
		{ "\"arn:aws:iam:::role/ops\"", "with a 12-digit account" },
		{ "\"arn:aws:iam::aws:role/ops\"", "with a 12-digit account" },
		{ "\"arn:aws:iam::11111111111a:role/ops\"", "with a 12-digit account" },
		{ "\"arn:aws:iam::*:role/ops\"", "with a 12-digit account" },
		{ "\"arn:aws:iam:eu-west-1:111111111111:role/ops\"", "no region" },
		/* not ARNs at all */
		{ "\"alice\"", "must be an ARN" },
		{ "\"\"", "must be an ARN" },
		{ "\"arn:aws:iam::111111111111\"", "must be an ARN" },
		{ "\"ARN:aws:iam::111111111111:role/ops\"", "must be an ARN" },
		{ "\"arn:aws:iam::111111111111:role/o\\tps\"", "must be an ARN" },
		/* partitions */
		{ "\"arn:aws-iso:iam::111111111111:role/ops\"", "partition must be aws, aws-cn" },
		{ "\"arn:AWS:iam::111111111111:role/ops\"", "must be an ARN" },
		/* wildcards, whole or partial */
		{ "\"arn:aws:iam::111111111111:role/*\"", "without wildcards" },
		{ "\"arn:aws:iam::111111111111:role/ops*\"", "without wildcards" },
		{ "\"arn:aws:iam::111111111111:role/o?s\"", "without wildcards" },
		{ "\"arn:aws:iam::111111111111:role/*/ops\"", "without wildcards" },
		{ "\"arn:aws:sts::111111111111:assumed-role/ops/*\"", "without wildcards" },
		{ "\"arn:aws:iam::111111111111:*\"", "without wildcards" },
		{ "\"*\"", "must be an ARN" },
	};
	const char *prefix = "{\"operators\":[{\"uid\":1,\"name\":\"a\",\"principal\":";
	char want[256], *text, *value;
	size_t i;

	(void)state;
	check_strings("operators[0].principal", prefix, "}]}", cases, CG_NELEM(cases),
	    "must be a role ARN");
	for (i = 0; i < CG_NELEM(detailed); i++) {
		text = joined(prefix, detailed[i].json, "}]}");
		(void)snprintf(want, sizeof(want), LABEL ": operators[0].principal: ");
		refused(text, CG_ERR_PARSE, want);
		refused(text, CG_ERR_PARSE, detailed[i].want);
		free(text);
	}
	/* a role name of 64 characters, and 65 */
	value = long_string("arn:aws:iam::111111111111:role/", 64, 'r');
	text = joined(prefix, value, "}]}");
	config_free(parse_ok(text));
	free(text);
	free(value);
	value = long_string("arn:aws:iam::111111111111:role/", 65, 'r');
	text = joined(prefix, value, "}]}");
	refused(text, CG_ERR_PARSE, "operators[0].principal: must be a role ARN");
	free(text);
	free(value);
	/* a session name of 64 characters, and 65 */
	value = long_string("arn:aws:sts::111111111111:assumed-role/ops/", 64, 's');
	text = joined(prefix, value, "}]}");
	config_free(parse_ok(text));
	free(text);
	free(value);
	value = long_string("arn:aws:sts::111111111111:assumed-role/ops/", 65, 's');
	text = joined(prefix, value, "}]}");
	refused(text, CG_ERR_PARSE, "operators[0].principal: must be a role ARN");
	free(text);
	free(value);
	/* longer than CONFIG_PRINCIPAL_MAX */
	value = long_string("arn:aws:iam::111111111111:role/", CONFIG_PRINCIPAL_MAX, 'r');
	text = joined(prefix, value, "}]}");
	refused(text, CG_ERR_LIMIT, "operators[0].principal: longer than 2048 bytes");
	free(text);
	free(value);
}

static void
test_role_path_length(void **state)
{
	const char *head = "{\"operators\":[{\"uid\":1,\"name\":\"a\",\"principal\":"
	    "\"arn:aws:iam::111111111111:role/";
	char text[1024];
	size_t n, seg;

	(void)state;
	/* IAM paths are at most 512 characters with both slashes: "/" + 510 + "/" */
	for (seg = 509; seg <= 511; seg++) {
		n = (size_t)snprintf(text, sizeof(text), "%s", head);
		memset(text + n, 'p', seg);
		n += seg;
		n += (size_t)snprintf(text + n, sizeof(text) - n, "/ops\"}]}");
		assert_true(n < sizeof(text));
		if (seg <= 510)
			config_free(parse_ok(text));
		else
			refused(text, CG_ERR_PARSE, "operators[0].principal: must be a role ARN");
	}
}

static void
test_names(void **state)
{
	static const struct string_case names[] = {
		{ "\"alice\"", true }, { "\"_svc\"", true }, { "\"a.b-c_d9\"", true },
		{ "\"a\"", true },
		{ "\"\"", false }, { "\"Alice\"", false }, { "\"1alice\"", false },
		{ "\"-a\"", false }, { "\".a\"", false }, { "\"al ice\"", false },
		{ "\"al/ice\"", false }, { "\"al:ice\"", false }, { "\"al\\u00efce\"", false },
		{ "\"a$\"", false },
	};
	static const struct string_case groups[] = {
		{ "\"cmkgate\"", true }, { "\"_x\"", true }, { "\"ops-team_2\"", true },
		{ "\"\"", false }, { "\"Ops\"", false }, { "\"1ops\"", false },
		{ "\"-ops\"", false }, { "\"ops team\"", false }, { "\"ops.team\"", false },
		{ "\"1000\"", false },
	};
	static const struct string_case regions[] = {
		{ "\"eu-west-1\"", true }, { "\"us-gov-west-1\"", true },
		{ "\"cn-north-1\"", true }, { "\"-\"", true },
		{ "\"euwest1\"", false }, { "\"EU-WEST-1\"", false }, { "\"\"", false },
		{ "\"eu_west_1\"", false }, { "\"eu-west-1 \"", false },
		{ "\"eu-west-1.amazonaws.com\"", false },
	};
	static const struct string_case endpoints[] = {
		{ "\"https://kms.eu-west-1.amazonaws.com\"", true },
		{ "\"https://kms.eu-west-1.amazonaws.com/\"", true },
		{ "\"http://127.0.0.1:5000\"", true },
		{ "\"http://[::1]:5000/\"", true },
		{ "\"http://localhost:5000\"", true },
		{ "\"https://host/a@b/\"", true },
		{ "\"https://host/path?x=y\"", false }, { "\"https://host?\"", false },
		{ "\"ftp://host\"", false }, { "\"https://\"", false }, { "\"https:///x\"", false },
		{ "\"https://?x\"", false }, { "\"https://#x\"", false }, { "\"host\"", false }, { "\"//host\"", false },
		{ "\"HTTPS://host\"", false }, { "\"https:host\"", false },
		{ "\"https://user:pw@host\"", false }, { "\"https://user@host/\"", false },
		{ "\"https://host/#frag\"", false }, { "\"https://host#\"", false },
		{ "\"https://host /\"", false }, { "\"https://host\\t\"", false },
		{ "\"https://ho\\u00e9st\"", false }, { "\"https://evil\\\\@host\"", false },
		{ "\"\"", false },
	};
	char *text, *value;

	(void)state;
	check_strings("operators[0].name", "{\"operators\":[{\"uid\":1,\"name\":",
	    ",\"principal\":\"" PRINCIPAL "\"}]}", names, CG_NELEM(names),
	    "must be 1 to 64 characters");
	check_strings("socket.group", "{\"socket\":{\"group\":", "}," OPS "}", groups,
	    CG_NELEM(groups), "must be a group name");
	check_strings("aws.region", "{\"aws\":{\"region\":", "}," OPS "}", regions,
	    CG_NELEM(regions), "must be a region");
	check_strings("aws.endpoint", "{\"aws\":{\"endpoint\":", "}," OPS "}", endpoints,
	    CG_NELEM(endpoints), "must ");

	/* lengths: names 64, groups 32, regions 32 */
	value = long_string("", 64, 'n');
	text = joined("{\"operators\":[{\"uid\":1,\"name\":", value,
	    ",\"principal\":\"" PRINCIPAL "\"}]}");
	config_free(parse_ok(text));
	free(text);
	free(value);
	value = long_string("", 65, 'n');
	text = joined("{\"operators\":[{\"uid\":1,\"name\":", value,
	    ",\"principal\":\"" PRINCIPAL "\"}]}");
	refused(text, CG_ERR_PARSE, "operators[0].name: must be 1 to 64 characters");
	free(text);
	free(value);
	value = long_string("", 32, 'g');
	text = joined("{\"socket\":{\"group\":", value, "}," OPS "}");
	config_free(parse_ok(text));
	free(text);
	free(value);
	value = long_string("", 33, 'g');
	text = joined("{\"socket\":{\"group\":", value, "}," OPS "}");
	refused(text, CG_ERR_PARSE, "socket.group: must be a group name");
	free(text);
	free(value);
	value = long_string("e-", 30, 'w');
	text = joined("{\"aws\":{\"region\":", value, "}," OPS "}");
	config_free(parse_ok(text));
	free(text);
	free(value);
	value = long_string("e-", 31, 'w');
	text = joined("{\"aws\":{\"region\":", value, "}," OPS "}");
	refused(text, CG_ERR_PARSE, "aws.region: must be a region");
	free(text);
	free(value);
	/* endpoints: the specific reasons, and the length limit */
	refused("{\"aws\":{\"endpoint\":\"https://u:p@host\"}," OPS "}", CG_ERR_PARSE,
	    "aws.endpoint: must not hold a user name or password");
	refused("{\"aws\":{\"endpoint\":\"https://host#x\"}," OPS "}", CG_ERR_PARSE,
	    "aws.endpoint: must not have a query (?...) or a fragment");
	refused("{\"aws\":{\"endpoint\":\"https://host/?a=b\"}," OPS "}", CG_ERR_PARSE,
	    "aws.endpoint: must not have a query (?...) or a fragment");
	refused("{\"aws\":{\"endpoint\":\"ftp://host\"}," OPS "}", CG_ERR_PARSE,
	    "aws.endpoint: must start with https://");
	value = long_string("https://h/", 511 - 10, 'x');
	text = joined("{\"aws\":{\"endpoint\":", value, "}," OPS "}");
	config_free(parse_ok(text));
	free(text);
	free(value);
	value = long_string("https://h/", 511 - 9, 'x');
	text = joined("{\"aws\":{\"endpoint\":", value, "}," OPS "}");
	refused(text, CG_ERR_LIMIT, "aws.endpoint: longer than 511 bytes");
	free(text);
	free(value);
}

static void
test_operator_count(void **state)
{
	struct cg_buf *b = NULL;
	struct config *c = NULL;
	char msg[1024];
	size_t i;

	(void)state;
	assert_int_equal(cg_buf_new(CONFIG_FILE_MAX, &b), 0);
	assert_int_equal(cg_buf_put_str(b, "{\"operators\":["), 0);
	for (i = 0; i < CONFIG_OPERATORS_MAX; i++)
		assert_int_equal(cg_buf_putf(b, "%s{\"uid\":%zu,\"name\":\"op%zu\",\"principal\":"
		    "\"" PRINCIPAL "\"}", i == 0 ? "" : ",", 1000 + i, i), 0);
	assert_int_equal(cg_buf_put_str(b, "]}"), 0);
	assert_int_equal(parse_len((const char *)cg_buf_ptr(b), cg_buf_len(b), &c, msg,
	    sizeof(msg)), 0);
	assert_int_equal(c->noperators, CONFIG_OPERATORS_MAX);
	assert_string_equal(config_operator_by_uid(c, 1000 + CONFIG_OPERATORS_MAX - 1)->name,
	    "op1023");
	config_free(c);

	/* one more */
	cg_buf_reset(b);
	assert_int_equal(cg_buf_put_str(b, "{\"operators\":["), 0);
	for (i = 0; i <= CONFIG_OPERATORS_MAX; i++)
		assert_int_equal(cg_buf_putf(b, "%s{\"uid\":%zu,\"name\":\"op%zu\",\"principal\":"
		    "\"" PRINCIPAL "\"}", i == 0 ? "" : ",", 1000 + i, i), 0);
	assert_int_equal(cg_buf_put_str(b, "]}"), 0);
	assert_int_equal(parse_len((const char *)cg_buf_ptr(b), cg_buf_len(b), NULL, msg,
	    sizeof(msg)), CG_ERR_LIMIT);
	assert_string_equal(msg, LABEL ": operators: more than 1024 operators");
	cg_buf_free(b);
}

static void
test_arguments(void **state)
{
	struct config *c = &untouched;
	struct cg_buf *why = NULL;
	char *big;

	(void)state;
	assert_int_equal(config_parse(LABEL, MINIMAL, strlen(MINIMAL), NULL, NULL),
	    CG_ERR_INVALID_ARG);
	assert_int_equal(config_parse(LABEL, NULL, 1, &c, NULL), CG_ERR_INVALID_ARG);
	assert_ptr_equal(c, &untouched);
	/* why is optional; the label is too */
	assert_int_equal(config_parse(LABEL, "{}", 2, &c, NULL), CG_ERR_PARSE);
	assert_ptr_equal(c, &untouched);
	assert_int_equal(config_parse(NULL, MINIMAL, strlen(MINIMAL), &c, NULL), 0);
	config_free(c);
	/* only len bytes are read */
	c = &untouched;
	assert_int_equal(config_parse(LABEL, MINIMAL "garbage", strlen(MINIMAL), &c, NULL), 0);
	config_free(c);
	/* more than a file may hold */
	assert_non_null(big = malloc(CONFIG_FILE_MAX + 1));
	memset(big, ' ', CONFIG_FILE_MAX + 1);
	memcpy(big, MINIMAL, strlen(MINIMAL));
	assert_int_equal(cg_buf_new(1024, &why), 0);
	c = &untouched;
	assert_int_equal(config_parse(LABEL, big, CONFIG_FILE_MAX + 1, &c, why), CG_ERR_LIMIT);
	assert_ptr_equal(c, &untouched);
	assert_true(cg_buf_len(why) > 0);
	assert_int_equal(config_parse(LABEL, big, CONFIG_FILE_MAX, &c, why), 0);
	config_free(c);
	cg_buf_free(why);
	free(big);
}

/* ---- config_load ---- */

static char tmpdir[] = "/tmp/test-config-XXXXXX";

static void
write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd;

	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* config_load(path) fails with code; the message starts with the path and holds want. */
static void
load_refused(const char *path, int code, const char *want)
{
	struct config *c = &untouched;
	struct cg_buf *why = NULL;
	const char *msg = NULL;
	int r;

	assert_int_equal(cg_buf_new(4096, &why), 0);
	r = config_load(path, &c, why);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	if (r != code || strncmp(msg, path, strlen(path)) != 0 || strstr(msg, want) == NULL)
		fail_msg("%s: got %s \"%s\", want %s with \"%s\"", path,
		    r == 0 ? "success" : cg_strerror(r), msg, cg_strerror(code), want);
	assert_ptr_equal(c, &untouched);
	cg_buf_free(why);
}

static struct config *
load_ok(const char *path)
{
	struct config *c = NULL;
	struct cg_buf *why = NULL;
	const char *msg = NULL;
	int r;

	assert_int_equal(cg_buf_new(4096, &why), 0);
	r = config_load(path, &c, why);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	if (r != 0)
		fail_msg("%s: %s (%s)", path, msg, cg_strerror(r));
	assert_int_equal(cg_buf_len(why), 0);
	cg_buf_free(why);
	return c;
}

static void
test_load(void **state)
{
	char good[256], path[256], want[512], *big;
	static const mode_t ok_modes[] = { 0600, 0640, 0644, 0400, 0444 };
	struct config *c;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	(void)snprintf(good, sizeof(good), "%s/good.conf", tmpdir);
	write_file(good, MINIMAL "\n", strlen(MINIMAL) + 1, 0644);
	for (i = 0; i < CG_NELEM(ok_modes); i++) {
		assert_int_equal(chmod(good, ok_modes[i]), 0);
		c = load_ok(good);
		assert_string_equal(c->operators[0].name, "alice");
		config_free(c);
	}
	assert_int_equal(chmod(good, 0644), 0);

	/* missing */
	(void)snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	load_refused(path, CG_ERR_NOT_FOUND, "no such file");

	/* a symbolic link, even to a good file */
	(void)snprintf(path, sizeof(path), "%s/link.conf", tmpdir);
	assert_int_equal(symlink(good, path), 0);
	load_refused(path, CG_ERR_DENIED, "a symbolic link, which is not followed");
	assert_int_equal(unlink(path), 0);

	/* writable by the group or by everyone */
	(void)snprintf(path, sizeof(path), "%s/gw.conf", tmpdir);
	write_file(path, MINIMAL, strlen(MINIMAL), 0664);
	(void)snprintf(want, sizeof(want), "writable by its group: run chmod go-w %s", path);
	load_refused(path, CG_ERR_DENIED, want);
	assert_int_equal(chmod(path, 0620), 0);
	load_refused(path, CG_ERR_DENIED, "chmod go-w");
	assert_int_equal(chmod(path, 0646), 0);
	load_refused(path, CG_ERR_DENIED, "writable by every user: run chmod go-w");
	assert_int_equal(unlink(path), 0);

	/* owned by someone other than root and us (only root can set that up) */
	if (geteuid() == 0) {
		(void)snprintf(path, sizeof(path), "%s/owner.conf", tmpdir);
		write_file(path, MINIMAL, strlen(MINIMAL), 0644);
		assert_int_equal(chown(path, 4242, 4242), 0);
		load_refused(path, CG_ERR_DENIED, "owned by uid 4242");
		load_refused(path, CG_ERR_DENIED, "chown root");
		assert_int_equal(unlink(path), 0);
	}

	/* not a regular file */
	load_refused(tmpdir, CG_ERR_DENIED, "not a regular file");
	(void)snprintf(path, sizeof(path), "%s/fifo.conf", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	load_refused(path, CG_ERR_DENIED, "not a regular file");
	assert_int_equal(unlink(path), 0);
	load_refused("/dev/null", CG_ERR_DENIED, "not a regular file");

	/* as big as allowed, and one byte more */
	(void)snprintf(path, sizeof(path), "%s/big.conf", tmpdir);
	assert_non_null(big = malloc(CONFIG_FILE_MAX + 1));
	memset(big, '\n', CONFIG_FILE_MAX + 1);
	memcpy(big, MINIMAL, strlen(MINIMAL));
	write_file(path, big, CONFIG_FILE_MAX, 0600);
	config_free(load_ok(path));
	write_file(path, big, CONFIG_FILE_MAX + 1, 0600);
	load_refused(path, CG_ERR_LIMIT, "larger than 262144 bytes");
	assert_int_equal(unlink(path), 0);
	free(big);

	/* the content is checked, and the messages name the file */
	(void)snprintf(path, sizeof(path), "%s/bad.conf", tmpdir);
	write_file(path, "{\"operators\":[]}", 16, 0600);
	(void)snprintf(want, sizeof(want), "%s: operators: must list at least one operator", path);
	load_refused(path, CG_ERR_PARSE, want);
	write_file(path, "", 0, 0600);
	load_refused(path, CG_ERR_PARSE, "not a strict JSON object");
	assert_int_equal(unlink(path), 0);

	/* arguments */
	c = &untouched;
	assert_int_equal(config_load(NULL, &c, NULL), CG_ERR_INVALID_ARG);
	assert_int_equal(config_load(good, NULL, NULL), CG_ERR_INVALID_ARG);
	assert_ptr_equal(c, &untouched);
	assert_int_equal(config_load(good, &c, NULL), 0);
	config_free(c);

	assert_int_equal(unlink(good), 0);
	assert_int_equal(rmdir(tmpdir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_tls_and_certificates),
		cmocka_unit_test(test_shipped_example),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_unknown_members),
		cmocka_unit_test(test_refusal_table),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_socket_mode),
		cmocka_unit_test(test_principals),
		cmocka_unit_test(test_role_path_length),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_operator_count),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}

/*
 * The AWS layer against the local AWS endpoint (moto with cmkgate's
 * extension, auth on), started by aws-client.sh with
 * tests/aws/fixtures/scenarios.json.  Every call, its success and its
 * failures: throttling and 5xx injected, retries counted in the endpoint's
 * request log, expired and wrong credentials, no answer at all, an
 * over-large answer, and the credential chain's metadata sources.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "aws.h"
#include "aws_api.h"
#include "aws_creds.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "policy.h"
#include "secret.h"

static struct json_object *ep;		/* endpoint.json */
static const char *url;

static const char *
jstr(const char *path)
{
	struct json_object *o = ep, *n;
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok != NULL; tok = strtok_r(NULL, ".", &save)) {
		if (!json_object_object_get_ex(o, tok, &n))
			fail_msg("endpoint.json has no %s", path);
		o = n;
	}
	return json_object_get_string(o);
}

static struct aws_client *
client(const struct aws_credentials *creds, const char *endpoint, size_t max_response)
{
	struct aws_config cfg;
	struct aws_client *c = NULL;
	struct cg_buf *why = NULL;

	memset(&cfg, 0, sizeof(cfg));
	cfg.region = jstr("region");
	cfg.endpoint_url = endpoint;
	cfg.credentials = creds;
	cfg.retry_base_ms = 5;
	cfg.retry_cap_ms = 20;
	cfg.max_response = max_response;
	assert_int_equal(cg_buf_new(1024, &why), 0);
	assert_int_equal(aws_client_new(&cfg, &c, why), 0);
	cg_buf_free(why);
	return c;
}

/* The gate identity's credentials, from the environment endpoint.env set. */
static struct aws_client *
gate(void)
{
	return client(NULL, NULL, 0);
}

static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
	return cg_buf_put(arg, p, size * n) == 0 ? size * n : 0;
}

/* One control call to the endpoint (faults, request log); returns the body. */
static struct json_object *
control(const char *method, const char *path, const char *body)
{
	struct cg_buf *b = NULL;
	struct json_object *o = NULL;
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	char u[512];
	CURL *curl = curl_easy_init();

	assert_int_equal(cg_buf_new(8 << 20, &b), 0);
	snprintf(u, sizeof(u), "%s%s", url, path);
	curl_easy_setopt(curl, CURLOPT_URL, u);
	curl_easy_setopt(curl, CURLOPT_PROXY, "");	/* aws-client.sh sets a dead proxy */
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	if (body != NULL)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, b);
	assert_int_equal(curl_easy_perform(curl), CURLE_OK);
	if (cg_buf_len(b) > 0)
		(void)cg_json_parse((const char *)cg_buf_ptr(b), cg_buf_len(b), 8 << 20, &o, NULL);
	curl_easy_cleanup(curl);
	curl_slist_free_all(h);
	cg_buf_free(b);
	return o;
}

static void
clear_faults(void)
{
	json_object_put(control("DELETE", "/_cmkgate/faults", NULL));
}

static void
test_caller_identity(void **state)
{
	struct aws_client *c = gate();
	struct sts_identity id;

	(void)state;
	assert_int_equal(sts_get_caller_identity(c, &id), 0);
	assert_string_equal(id.arn, jstr("gate.arn"));
	assert_string_equal(id.account, jstr("account"));
	assert_int_equal(aws_client_error(c)->attempts, 1);
	aws_client_free(c);
}

static void
test_kms_keys(void **state)
{
	struct aws_client *c = gate();
	struct kms_key k;
	struct kms_alias *al = NULL;
	char *pol = NULL;
	const char *cmk1 = jstr("state.keys.cmk1.arn");
	struct cg_buf *why = NULL;
	struct policy *p = NULL;
	size_t n = 0, i;
	bool rot, found = false;

	(void)state;
	/* a key ARN, an alias name and an alias ARN all resolve to the key */
	assert_int_equal(kms_describe_key(c, cmk1, &k), 0);
	assert_string_equal(k.arn, cmk1);
	assert_true(k.enabled);
	assert_int_equal(kms_describe_key(c, "alias/cmkgate-cmk1", &k), 0);
	assert_string_equal(k.arn, cmk1);
	assert_int_equal(kms_describe_key(c, "arn:aws:kms:eu-west-1:111111111111:alias/cmkgate-cmk1",
	    &k), 0);
	assert_string_equal(k.arn, cmk1);
	assert_int_equal(kms_describe_key(c, jstr("state.keys.cmk-retired.arn"), &k), 0);
	assert_false(k.enabled);
	assert_string_equal(k.state, "Disabled");
	assert_int_equal(kms_describe_key(c, jstr("state.keys.cmk-pending.arn"), &k), 0);
	assert_string_equal(k.state, "PendingDeletion");

	/*
	 * An unknown key: moto's auth layer refuses the request before KMS
	 * looks the key up (real AWS answers NotFoundException when the
	 * policy allows every key), so this is the real AccessDenied path: a
	 * typed error with AWS's message, not retried.
	 */
	assert_int_equal(kms_describe_key(c, "alias/no-such-key", &k), CG_ERR_AWS);
	assert_int_equal(aws_client_error(c)->kind, AWS_ERR_ACCESS_DENIED);
	assert_string_equal(aws_client_error(c)->code, "AccessDeniedException");
	assert_non_null(strstr(aws_client_error(c)->message, "kms:DescribeKey"));
	assert_int_equal(aws_client_error(c)->attempts, 1);

	/* the key policy is a policy the engine compiles */
	assert_int_equal(kms_get_key_policy(c, cmk1, &pol), 0);
	assert_int_equal(cg_buf_new(4096, &why), 0);
	assert_int_equal(policy_compile_text(pol, strlen(pol), POLICY_RESOURCE, "cmk1", &p, why), 0);
	policy_free(p);
	cg_buf_free(why);
	free(pol);

	assert_int_equal(kms_get_key_rotation_status(c, cmk1, &rot), 0);

	assert_int_equal(kms_list_aliases(c, NULL, &al, &n), 0);
	for (i = 0; i < n; i++)
		if (strcmp(al[i].name, "alias/cmkgate-cmk1") == 0 &&
		    strstr(cmk1, al[i].target_key_id) != NULL)
			found = true;
	assert_true(found);
	free(al);
	al = NULL;
	assert_int_equal(kms_list_aliases(c, cmk1, &al, &n), 0);
	assert_int_equal(n, 1);
	free(al);
	aws_client_free(c);
}

static void
test_iam_role_policies(void **state)
{
	struct aws_client *c = gate();
	struct iam_role_policies rp;
	struct iam_role role;
	struct cg_buf *why = NULL;
	struct policy *p = NULL;
	size_t i;

	(void)state;
	assert_int_equal(iam_get_role(c, "cmkgate-operator", &role), 0);
	assert_string_equal(role.arn, jstr("state.roles.cmkgate-operator.arn"));
	assert_string_equal(role.boundary_arn, jstr("state.roles.cmkgate-operator.permissions_boundary"));
	assert_non_null(role.trust_policy);
	iam_role_clear(&role);

	assert_int_equal(iam_read_role_policies(c, "cmkgate-operator", &rp), 0);
	assert_true(rp.ninline + rp.nmanaged > 0);
	assert_non_null(rp.boundary_doc);
	assert_int_equal(cg_buf_new(4096, &why), 0);
	for (i = 0; i < rp.ninline; i++) {
		assert_int_equal(policy_compile_text(rp.inline_docs[i], strlen(rp.inline_docs[i]),
		    POLICY_IDENTITY, rp.inline_names[i], &p, why), 0);
		policy_free(p);
	}
	for (i = 0; i < rp.nmanaged; i++) {
		assert_int_equal(policy_compile_text(rp.managed_docs[i], strlen(rp.managed_docs[i]),
		    POLICY_IDENTITY, rp.managed_arns[i], &p, why), 0);
		policy_free(p);
	}
	assert_int_equal(policy_compile_text(rp.boundary_doc, strlen(rp.boundary_doc),
	    POLICY_BOUNDARY, "boundary", &p, why), 0);
	policy_free(p);
	cg_buf_free(why);
	iam_role_policies_clear(&rp);

	assert_int_equal(iam_get_role(c, "no-such-role", &role), CG_ERR_AWS);
	assert_int_equal(aws_client_error(c)->kind, AWS_ERR_NOT_FOUND);
	assert_int_equal(iam_get_role(c, "bad name!", &role), CG_ERR_INVALID_ARG);
	aws_client_free(c);
}

static void
test_applications(void **state)
{
	struct aws_client *c = gate();
	struct kda_application a, v;
	struct kda_snapshot *snaps = NULL, s;
	size_t n = 0, i;

	(void)state;
	assert_int_equal(kda_describe_application(c, "payments-locked", &a), 0);
	assert_string_equal(a.arn, jstr("state.applications.payments-locked.arn"));
	assert_true(a.encryption.present);
	assert_string_equal(a.encryption.key_type, "CUSTOMER_MANAGED_KEY");
	assert_string_equal(a.encryption.key_id, jstr("state.applications.payments-locked.encryption.KeyId"));

	assert_int_equal(kda_describe_application(c, "orders-aok", &a), 0);
	assert_string_equal(a.encryption.key_type, "AWS_OWNED_KEY");
	assert_int_equal(kda_describe_application(c, "legacy-118", &a), 0);
	assert_string_equal(a.runtime, "FLINK-1_18");

	/* a snapshot records the key it was encrypted with */
	assert_int_equal(kda_list_application_snapshots(c, "audit-retired", &snaps, &n), 0);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		assert_int_equal(kda_describe_application_snapshot(c, "audit-retired",
		    snaps[i].name, &s), 0);
		assert_string_equal(s.encryption.key_id, snaps[i].encryption.key_id);
	}
	free(snaps);

	/* the previous version of a rolled-forward application used another key */
	assert_int_equal(kda_describe_application(c, "metrics-rollback", &a), 0);
	assert_true(a.version_id >= 2);
	assert_int_equal(kda_describe_application_version(c, "metrics-rollback",
	    a.version_id - 1, &v), 0);
	assert_int_equal(v.version_id, a.version_id - 1);
	assert_true(v.encryption.present);
	assert_string_not_equal(v.encryption.key_id, a.encryption.key_id);

	assert_int_equal(kda_describe_application(c, "no-such-app", &a), CG_ERR_AWS);
	assert_int_equal(aws_client_error(c)->kind, AWS_ERR_NOT_FOUND);
	assert_int_equal(kda_describe_application(c, "bad/name", &a), CG_ERR_INVALID_ARG);
	aws_client_free(c);
}

static void
test_assume_role_and_session_token(void **state)
{
	struct aws_client *c = gate(), *s;
	struct sts_assume_role_params p;
	struct sts_assumed_role ar;
	struct sts_identity id;
	struct aws_tag tags[] = { { "cmkgate-request", "r-0001" } };
	struct cg_buf *why = NULL;
	struct json_object *log, *reqs, *e, *v;
	char want[256];
	size_t i;
	bool token_seen = false;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.role_arn = jstr("state.roles.cmkgate-operator.arn");
	p.session_name = "cmkgate-r-0001";
	p.policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	    "\"Action\":\"sts:GetCallerIdentity\",\"Resource\":\"*\"}]}";
	p.duration_seconds = 900;
	p.source_identity = "op-alice";
	p.tags = tags;
	p.ntags = 1;
	assert_int_equal(cg_buf_new(1024, &why), 0);
	assert_int_equal(sts_assume_role(c, &p, &ar, why), 0);
	assert_non_null(ar.creds.session_token);
	assert_true(ar.creds.expiration > 0);
	snprintf(want, sizeof(want), "arn:aws:sts::%s:assumed-role/cmkgate-operator/cmkgate-r-0001",
	    jstr("account"));
	assert_string_equal(ar.assumed_role_arn, want);

	/* the issued credentials work, with the session token in the request */
	json_object_put(control("DELETE", "/_cmkgate/requests", NULL));
	s = client(&ar.creds, url, 0);
	assert_int_equal(sts_get_caller_identity(s, &id), 0);
	assert_string_equal(id.arn, want);
	log = control("GET", "/_cmkgate/requests", NULL);
	assert_non_null(log);
	reqs = json_object_is_type(log, json_type_array) ? log :
	    (json_object_object_get_ex(log, "requests", &v) ? v : NULL);
	assert_non_null(reqs);
	for (i = 0; i < json_object_array_length(reqs); i++) {
		e = json_object_array_get_idx(reqs, i);
		if (json_object_object_get_ex(e, "security_token", &v) && json_object_get_boolean(v))
			token_seen = true;
	}
	assert_true(token_seen);
	json_object_put(log);
	aws_client_free(s);
	sts_assumed_role_clear(&ar);
	cg_buf_free(why);
	aws_client_free(c);
}

static int
count_requests(const char *action)
{
	struct json_object *log, *reqs, *e, *v;
	size_t i;
	int n = 0;

	log = control("GET", "/_cmkgate/requests", NULL);
	reqs = json_object_is_type(log, json_type_array) ? log :
	    (json_object_object_get_ex(log, "requests", &v) ? v : NULL);
	for (i = 0; reqs != NULL && i < json_object_array_length(reqs); i++) {
		e = json_object_array_get_idx(reqs, i);
		if (json_object_object_get_ex(e, "action", &v) &&
		    strcmp(json_object_get_string(v), action) == 0)
			n++;
	}
	json_object_put(log);
	return n;
}

static void
test_retries(void **state)
{
	struct aws_client *c = gate();
	struct kms_key k;
	struct sts_identity id;
	const char *cmk1 = jstr("state.keys.cmk1.arn");

	(void)state;
	clear_faults();
	/* two 503s, then success: three attempts, all seen by the endpoint */
	json_object_put(control("DELETE", "/_cmkgate/requests", NULL));
	json_object_put(control("POST", "/_cmkgate/faults", "{\"service\":\"kms\",\"action\":"
	    "\"DescribeKey\",\"status\":503,\"code\":\"ServiceUnavailableException\",\"count\":2}"));
	assert_int_equal(kms_describe_key(c, cmk1, &k), 0);
	assert_int_equal(aws_client_error(c)->attempts, 3);
	assert_int_equal(count_requests("DescribeKey"), 3);

	/* throttling that does not stop: four attempts, then a typed error */
	json_object_put(control("POST", "/_cmkgate/faults", "{\"service\":\"kms\",\"action\":"
	    "\"DescribeKey\",\"status\":400,\"code\":\"ThrottlingException\",\"count\":10}"));
	assert_int_equal(kms_describe_key(c, cmk1, &k), CG_ERR_AWS);
	assert_int_equal(aws_client_error(c)->kind, AWS_ERR_THROTTLING);
	assert_int_equal(aws_client_error(c)->attempts, 4);
	clear_faults();

	/* a Query-protocol 500 is retried too */
	json_object_put(control("POST", "/_cmkgate/faults", "{\"service\":\"sts\",\"action\":"
	    "\"GetCallerIdentity\",\"status\":500,\"code\":\"InternalFailure\",\"count\":1}"));
	assert_int_equal(sts_get_caller_identity(c, &id), 0);
	assert_int_equal(aws_client_error(c)->attempts, 2);

	/* AccessDenied and expired tokens are not retried */
	json_object_put(control("POST", "/_cmkgate/faults", "{\"service\":\"kms\",\"action\":"
	    "\"DescribeKey\",\"status\":400,\"code\":\"AccessDeniedException\",\"count\":1}"));
	assert_int_equal(kms_describe_key(c, cmk1, &k), CG_ERR_AWS);
	assert_int_equal(aws_client_error(c)->kind, AWS_ERR_ACCESS_DENIED);
	assert_int_equal(aws_client_error(c)->attempts, 1);
	/* credentials from the chain refused as expired: fetched again, one more try */
	json_object_put(control("POST", "/_cmkgate/faults", "{\"service\":\"sts\",\"action\":"
	    "\"GetCallerIdentity\",\"status\":403,\"code\":\"ExpiredToken\",\"count\":1}"));
	assert_int_equal(sts_get_caller_identity(c, &id), 0);
	assert_int_equal(aws_client_error(c)->attempts, 2);
	/* credentials given to the client (issued ones): expired is final */
	{
		const struct aws_credentials *cr;
		struct aws_credentials copy;
		struct aws_client *fixed;

		assert_int_equal(aws_client_credentials(c, &cr), 0);
		assert_int_equal(aws_credentials_copy(cr, &copy), 0);
		fixed = client(&copy, url, 0);
		json_object_put(control("POST", "/_cmkgate/faults", "{\"service\":\"sts\","
		    "\"action\":\"GetCallerIdentity\",\"status\":403,\"code\":\"ExpiredToken\","
		    "\"count\":1}"));
		assert_int_equal(sts_get_caller_identity(fixed, &id), CG_ERR_AWS);
		assert_int_equal(aws_client_error(fixed)->kind, AWS_ERR_EXPIRED_CREDENTIALS);
		assert_int_equal(aws_client_error(fixed)->attempts, 1);
		aws_client_free(fixed);
		aws_credentials_clear(&copy);
	}
	clear_faults();
	aws_client_free(c);
}

static void
test_bad_credentials_rejected(void **state)
{
	struct aws_credentials bad;
	struct aws_client *c;
	struct sts_identity id;
	struct kms_key k;
	const char *akid = jstr("gate.access_key_id");

	(void)state;
	memset(&bad, 0, sizeof(bad));
	snprintf(bad.access_key_id, sizeof(bad.access_key_id), "%s", akid);
	assert_int_equal(cg_secret_new("not-the-secret", 14, &bad.secret_access_key), 0);
	c = client(&bad, url, 0);
	/* auth is on: a signature made with the wrong secret is refused */
	assert_int_equal(sts_get_caller_identity(c, &id), CG_ERR_AWS);
	assert_int_equal(aws_client_error(c)->kind, AWS_ERR_INVALID_CREDENTIALS);
	assert_int_equal(kms_describe_key(c, "alias/cmkgate-cmk1", &k), CG_ERR_AWS);
	assert_int_equal(aws_client_error(c)->kind, AWS_ERR_INVALID_CREDENTIALS);
	aws_client_free(c);
	aws_credentials_clear(&bad);
}

static void
test_transport_and_size(void **state)
{
	struct aws_client *c;
	struct sts_identity id;
	struct kda_application a;
	const struct aws_credentials *cr;

	(void)state;
	/* nothing listens on port 1: retried, then a transport error */
	c = gate();
	assert_int_equal(aws_client_credentials(c, &cr), 0);
	aws_client_free(c);
	c = client(NULL, "http://127.0.0.1:1", 0);
	assert_int_equal(sts_get_caller_identity(c, &id), CG_ERR_TRANSPORT);
	assert_int_equal(aws_client_error(c)->kind, AWS_ERR_TRANSPORT);
	assert_int_equal(aws_client_error(c)->attempts, 4);
	aws_client_free(c);
	/* a response over the cap is refused, not truncated, and not retried */
	c = client(NULL, url, 128);
	assert_int_equal(kda_describe_application(c, "payments-locked", &a), CG_ERR_LIMIT);
	assert_string_equal(aws_client_error(c)->code, "ResponseTooLarge");
	assert_int_equal(aws_client_error(c)->attempts, 1);
	aws_client_free(c);
}

static void
test_metadata_credentials(void **state)
{
	char *akid = strdup(getenv("AWS_ACCESS_KEY_ID")), *secret = strdup(getenv("AWS_SECRET_ACCESS_KEY"));
	struct aws_credentials cr;
	struct cg_buf *why = NULL;
	char full[512];

	(void)state;
	assert_int_equal(cg_buf_new(2048, &why), 0);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	setenv("HOME", "/nonexistent-cmkgate-test-home", 1);
	/* IMDSv2 at the endpoint's instance-metadata paths */
	unsetenv("AWS_EC2_METADATA_DISABLED");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
	memset(&cr, 0, sizeof(cr));
	assert_int_equal(aws_creds_resolve(&cr, why), 0);
	assert_string_equal(cr.source, "instance-metadata");
	assert_non_null(cr.session_token);
	assert_true(cr.expiration > 0);
	aws_credentials_clear(&cr);
	/* container credentials: a loopback FULL_URI with a token */
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	snprintf(full, sizeof(full), "%s/latest/meta-data/iam/security-credentials/default-role", url);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", full, 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer t0k", 1);
	assert_int_equal(aws_creds_resolve(&cr, why), 0);
	assert_string_equal(cr.source, "container");
	aws_credentials_clear(&cr);
	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	setenv("AWS_ACCESS_KEY_ID", akid, 1);
	setenv("AWS_SECRET_ACCESS_KEY", secret, 1);
	free(akid);
	free(secret);
	cg_buf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caller_identity),
		cmocka_unit_test(test_kms_keys),
		cmocka_unit_test(test_iam_role_policies),
		cmocka_unit_test(test_applications),
		cmocka_unit_test(test_assume_role_and_session_token),
		cmocka_unit_test(test_retries),
		cmocka_unit_test(test_bad_credentials_rejected),
		cmocka_unit_test(test_transport_and_size),
		cmocka_unit_test(test_metadata_credentials),
	};
	const char *path = getenv("CMKGATE_ENDPOINT_JSON");
	int rc;

	if (path == NULL || (ep = json_object_from_file(path)) == NULL) {
		fprintf(stderr, "test-aws-client: CMKGATE_ENDPOINT_JSON must name endpoint.json\n");
		return 1;
	}
	url = jstr("url");
	if (aws_global_init() < 0)
		return 1;
	rc = cmocka_run_group_tests_name("aws-client", tests, NULL, NULL);
	curl_global_cleanup();
	json_object_put(ep);
	return rc;
}

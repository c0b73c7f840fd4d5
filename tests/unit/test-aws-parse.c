/* Unit tests for the AWS layer's parsers and configuration (gate/aws/). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "aws.h"
#include "aws_api.h"
#include "aws_creds.h"
#include "aws_int.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "secret.h"

#define S(x) (x), strlen(x)

static const char assume_role_ok[] =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    "<AssumeRoleResult><SourceIdentity>alice</SourceIdentity><AssumedRoleUser>"
    "<Arn>arn:aws:sts::123456789012:assumed-role/ops/cmkgate-r1</Arn>"
    "<AssumedRoleId>AROA3XFRBF535PLBIFPI4:cmkgate-r1</AssumedRoleId></AssumedRoleUser>"
    "<Credentials><AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>"
    "<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>"
    "<SessionToken>FwoGZXIvYXdzEXAMPLE</SessionToken>"
    "<Expiration>2026-11-23T12:15:00Z</Expiration></Credentials>"
    "<PackedPolicySize>6</PackedPolicySize></AssumeRoleResult>"
    "<ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>"
    "</ResponseMetadata></AssumeRoleResponse>";

static void
test_sts_assume_role(void **state)
{
	struct sts_assumed_role a;

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(sts_parse_assume_role(S(assume_role_ok), &a), 0);
	assert_string_equal(a.creds.access_key_id, "ASIAIOSFODNN7EXAMPLE");
	assert_string_equal(cg_secret_str(a.creds.secret_access_key),
	    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
	assert_string_equal(cg_secret_str(a.creds.session_token), "FwoGZXIvYXdzEXAMPLE");
	assert_int_equal(a.creds.expiration, 1795436100);
	assert_string_equal(a.assumed_role_arn, "arn:aws:sts::123456789012:assumed-role/ops/cmkgate-r1");
	assert_string_equal(a.source_identity, "alice");
	assert_int_equal(a.packed_policy_size, 6);
	sts_assumed_role_clear(&a);
}

static void
test_sts_assume_role_malformed(void **state)
{
	static const char *bad[] = {
		"",
		"<AssumeRoleResponse/>",
		"<GetCallerIdentityResponse><GetCallerIdentityResult/></GetCallerIdentityResponse>",
		/* no session token */
		"<AssumeRoleResponse><AssumeRoleResult><AssumedRoleUser><Arn>a</Arn>"
		"<AssumedRoleId>b</AssumedRoleId></AssumedRoleUser><Credentials>"
		"<AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
		"<Expiration>2026-11-23T12:15:00Z</Expiration></Credentials>"
		"</AssumeRoleResult></AssumeRoleResponse>",
		/* an element where text belongs */
		"<AssumeRoleResponse><AssumeRoleResult><AssumedRoleUser><Arn><x/></Arn>"
		"</AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>",
		/* a key id or token that would break a header */
		"<AssumeRoleResponse><AssumeRoleResult><AssumedRoleUser><Arn>a</Arn>"
		"<AssumedRoleId>b</AssumedRoleId></AssumedRoleUser><Credentials>"
		"<AccessKeyId>ASIA&#13;&#10;X-Injected: yes</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
		"<SessionToken>t</SessionToken><Expiration>2026-11-23T12:15:00Z</Expiration></Credentials>"
		"</AssumeRoleResult></AssumeRoleResponse>",
		"<AssumeRoleResponse><AssumeRoleResult><AssumedRoleUser><Arn>a</Arn>"
		"<AssumedRoleId>b</AssumedRoleId></AssumedRoleUser><Credentials>"
		"<AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
		"<SessionToken>t&#10;X: 1</SessionToken><Expiration>2026-11-23T12:15:00Z</Expiration>"
		"</Credentials></AssumeRoleResult></AssumeRoleResponse>",
		/* a DTD with an entity: refused before anything is read */
		"<!DOCTYPE r [<!ENTITY e \"ASIAEVIL\">]><AssumeRoleResponse/>",
		"<AssumeRoleResponse><unclosed></AssumeRoleResponse>",
		NULL
	};
	struct sts_assumed_role a;
	size_t i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		memset(&a, 0x5a, sizeof(a));
		assert_int_not_equal(sts_parse_assume_role(S(bad[i]), &a), 0);
		assert_int_equal(a.packed_policy_size, 0x5a5a5a5a);	/* untouched */
	}
}

static void
test_sts_caller_identity(void **state)
{
	struct sts_identity id;
	const char *ok = "<GetCallerIdentityResponse><GetCallerIdentityResult>"
	    "<Arn>arn:aws:iam::123456789012:user/gate</Arn><UserId>AIDAEXAMPLE</UserId>"
	    "<Account>123456789012</Account></GetCallerIdentityResult>"
	    "</GetCallerIdentityResponse>";
	const char *bad_account = "<GetCallerIdentityResponse><GetCallerIdentityResult>"
	    "<Arn>x</Arn><UserId>y</UserId><Account>12345</Account></GetCallerIdentityResult>"
	    "</GetCallerIdentityResponse>";

	(void)state;
	assert_int_equal(sts_parse_caller_identity(S(ok), &id), 0);
	assert_string_equal(id.account, "123456789012");
	assert_string_equal(id.arn, "arn:aws:iam::123456789012:user/gate");
	assert_int_equal(sts_parse_caller_identity(S(bad_account), &id), CG_ERR_PARSE);
}

static void
test_errors(void **state)
{
	struct aws_error e;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.http_status = 400;
	aws_parse_json_error(S("{\"__type\":\"com.amazonaws.kms#NotFoundException\","
	    "\"message\":\"Key 'x' does not exist\"}"), &e);
	assert_string_equal(e.code, "NotFoundException");
	assert_string_equal(e.message, "Key 'x' does not exist");
	assert_int_equal(aws_classify_error(400, e.code), AWS_ERR_NOT_FOUND);

	memset(&e, 0, sizeof(e));
	aws_parse_json_error(S("{\"__type\":\"ThrottlingException:http://internal\","
	    "\"Message\":\"Rate exceeded\"}"), &e);
	assert_string_equal(e.code, "ThrottlingException");
	assert_true(aws_error_retryable(&(struct aws_error){ .kind = AWS_ERR_THROTTLING }));

	memset(&e, 0, sizeof(e));
	e.http_status = 403;
	aws_parse_xml_error(S("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	    "<Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized"
	    "</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"), &e);
	assert_string_equal(e.code, "AccessDenied");
	assert_string_equal(e.request_id, "r-1");
	assert_int_equal(aws_classify_error(403, e.code), AWS_ERR_ACCESS_DENIED);

	/* a signature error's message quotes the signed request: it is withheld */
	memset(&e, 0, sizeof(e));
	e.http_status = 403;
	aws_parse_xml_error(S("<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>"
	    "The request signature we calculated does not match. The Canonical String for this "
	    "request should have been 'POST / x-amz-security-token:SECRETTOKEN' and the String to "
	    "sign 'AWS4-HMAC-SHA256'</Message></Error><RequestId>r-2</RequestId></ErrorResponse>"),
	    &e);
	assert_string_equal(e.code, "SignatureDoesNotMatch");
	assert_null(strstr(e.message, "SECRETTOKEN"));
	assert_non_null(strstr(e.message, "withheld"));
	memset(&e, 0, sizeof(e));
	aws_parse_json_error(S("{\"__type\":\"InvalidSignatureException\",\"message\":"
	    "\"The canonical request x-amz-security-token:SECRETTOKEN\"}"), &e);
	assert_null(strstr(e.message, "SECRETTOKEN"));
	/* control characters in a message do not reach a terminal or the log */
	memset(&e, 0, sizeof(e));
	aws_parse_json_error(S("{\"__type\":\"ValidationException\",\"message\":"
	    "\"bad\\u001b[2Kvalue\"}"), &e);
	assert_string_equal(e.message, "bad?[2Kvalue");

	/* unreadable bodies still give a code */
	memset(&e, 0, sizeof(e));
	e.http_status = 502;
	aws_parse_xml_error(S("<html>bad gateway"), &e);
	assert_string_equal(e.code, "HTTP502");
	assert_int_equal(aws_classify_error(502, e.code), AWS_ERR_SERVER);
	memset(&e, 0, sizeof(e));
	e.http_status = 500;
	aws_parse_json_error(S("not json"), &e);
	assert_string_equal(e.code, "HTTP500");

	assert_int_equal(aws_classify_error(400, "ExpiredTokenException"),
	    AWS_ERR_EXPIRED_CREDENTIALS);
	assert_int_equal(aws_classify_error(403, "SignatureDoesNotMatch"),
	    AWS_ERR_INVALID_CREDENTIALS);
	assert_int_equal(aws_classify_error(400, "ConcurrentModificationException"),
	    AWS_ERR_CONFLICT);
	assert_int_equal(aws_classify_error(400, "DisabledException"), AWS_ERR_KEY_STATE);
	assert_int_equal(aws_classify_error(429, "Whatever"), AWS_ERR_THROTTLING);
	assert_string_equal(aws_error_kind_name(AWS_ERR_MALFORMED), "malformed-response");
	assert_false(aws_error_retryable(&(struct aws_error){ .kind = AWS_ERR_TRANSPORT,
	    .code = "TLSVerificationFailed" }));
	assert_false(aws_error_retryable(&(struct aws_error){ .kind = AWS_ERR_ACCESS_DENIED }));
	assert_false(aws_error_retryable(&(struct aws_error){ .kind = AWS_ERR_TRANSPORT,
	    .code = "ResponseTooLarge" }));
	assert_true(aws_error_retryable(&(struct aws_error){ .kind = AWS_ERR_TRANSPORT,
	    .code = "TransportError" }));
}

static void
test_kms(void **state)
{
	struct kms_key k;
	struct kms_alias *al = NULL;
	char next[64], *pol = NULL;
	size_t n = 0;
	bool rot = true;

	(void)state;
	assert_int_equal(kms_parse_describe_key(S("{\"KeyMetadata\":{\"AWSAccountId\":"
	    "\"123456789012\",\"KeyId\":\"k1\",\"Arn\":\"arn:aws:kms:eu-west-1:123456789012:key/k1\","
	    "\"Enabled\":false,\"KeyState\":\"Disabled\",\"KeyManager\":\"CUSTOMER\","
	    "\"NewFieldAwsAddedLater\":{\"x\":1}}}"), &k), 0);
	assert_false(k.enabled);
	assert_string_equal(k.state, "Disabled");
	assert_string_equal(k.manager, "CUSTOMER");
	/* Enabled must be a boolean; the ARN must be a key ARN */
	assert_int_equal(kms_parse_describe_key(S("{\"KeyMetadata\":{\"KeyId\":\"k1\",\"Arn\":"
	    "\"arn:aws:kms:eu-west-1:123456789012:key/k1\",\"Enabled\":\"true\",\"KeyState\":"
	    "\"Enabled\"}}"), &k), CG_ERR_PARSE);
	assert_int_equal(kms_parse_describe_key(S("{\"KeyMetadata\":{\"KeyId\":\"k1\",\"Arn\":"
	    "\"arn:aws:kms:eu-west-1:123456789012:alias/a\",\"Enabled\":true,\"KeyState\":"
	    "\"Enabled\"}}"), &k), CG_ERR_PARSE);
	assert_int_equal(kms_parse_describe_key(S("[]"), &k), CG_ERR_PARSE);

	assert_int_equal(kms_parse_get_key_policy(S("{\"Policy\":\"{\\\"Version\\\":\\\"2012-10-17\\\"}\"}"),
	    &pol), 0);
	assert_string_equal(pol, "{\"Version\":\"2012-10-17\"}");
	free(pol);
	assert_int_equal(kms_parse_get_key_policy(S("{\"Policy\":7}"), &pol), CG_ERR_PARSE);

	assert_int_equal(kms_parse_key_rotation_status(S("{\"KeyRotationEnabled\":false}"), &rot), 0);
	assert_false(rot);
	assert_int_equal(kms_parse_key_rotation_status(S("{}"), &rot), CG_ERR_PARSE);

	assert_int_equal(kms_parse_list_aliases(S("{\"Aliases\":[{\"AliasName\":\"alias/a\","
	    "\"AliasArn\":\"arn:aws:kms:eu-west-1:123456789012:alias/a\",\"TargetKeyId\":\"k1\"}],"
	    "\"Truncated\":true,\"NextMarker\":\"m2\"}"), &al, &n, next, sizeof(next)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(next, "m2");
	assert_int_equal(kms_parse_list_aliases(S("{\"Aliases\":[{\"AliasName\":\"alias/b\","
	    "\"AliasArn\":\"arn:aws:kms:eu-west-1:123456789012:alias/b\"}],\"Truncated\":false}"),
	    &al, &n, next, sizeof(next)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(next, "");
	assert_string_equal(al[1].target_key_id, "");
	/* Truncated must be a boolean */
	assert_int_equal(kms_parse_list_aliases(S("{\"Aliases\":[],\"Truncated\":\"false\"}"),
	    &al, &n, next, sizeof(next)), CG_ERR_PARSE);
	/* truncated without a marker is malformed */
	assert_int_equal(kms_parse_list_aliases(S("{\"Aliases\":[],\"Truncated\":true}"),
	    &al, &n, next, sizeof(next)), CG_ERR_PARSE);
	free(al);
}

static void
test_kda(void **state)
{
	struct kda_application a;
	struct kda_snapshot s, *list = NULL;
	char next[64];
	size_t n = 0;

	(void)state;
	assert_int_equal(kda_parse_describe_application(S("{\"ApplicationDetail\":{"
	    "\"ApplicationARN\":\"arn:aws:kinesisanalytics:eu-west-1:123456789012:application/p\","
	    "\"ApplicationName\":\"p\",\"RuntimeEnvironment\":\"FLINK-1_20\","
	    "\"ApplicationStatus\":\"RUNNING\",\"ApplicationVersionId\":7,"
	    "\"ApplicationConfigurationDescription\":{\"ApplicationEncryptionConfigurationDescription\":"
	    "{\"KeyType\":\"CUSTOMER_MANAGED_KEY\",\"KeyId\":\"alias/cmk1\"}}}}"), &a), 0);
	assert_int_equal(a.version_id, 7);
	assert_true(a.encryption.present);
	assert_string_equal(a.encryption.key_id, "alias/cmk1");
	/* no encryption description: AWS owned key by default, present=false */
	assert_int_equal(kda_parse_describe_application(S("{\"ApplicationDetail\":{"
	    "\"ApplicationARN\":\"arn\",\"ApplicationName\":\"p\",\"RuntimeEnvironment\":\"FLINK-1_18\","
	    "\"ApplicationStatus\":\"READY\",\"ApplicationVersionId\":1}}"), &a), 0);
	assert_false(a.encryption.present);
	/* a CMK without a key id, an unknown key type, a version id as a string */
	assert_int_equal(kda_parse_describe_application(S("{\"ApplicationDetail\":{"
	    "\"ApplicationARN\":\"a\",\"ApplicationName\":\"p\",\"RuntimeEnvironment\":\"F\","
	    "\"ApplicationStatus\":\"R\",\"ApplicationVersionId\":1,"
	    "\"ApplicationConfigurationDescription\":{\"ApplicationEncryptionConfigurationDescription\":"
	    "{\"KeyType\":\"CUSTOMER_MANAGED_KEY\"}}}}"), &a), CG_ERR_PARSE);
	assert_int_equal(kda_parse_describe_application(S("{\"ApplicationDetail\":{"
	    "\"ApplicationARN\":\"a\",\"ApplicationName\":\"p\",\"RuntimeEnvironment\":\"F\","
	    "\"ApplicationStatus\":\"R\",\"ApplicationVersionId\":1,"
	    "\"ApplicationConfigurationDescription\":{\"ApplicationEncryptionConfigurationDescription\":"
	    "{\"KeyType\":\"SOMETHING_ELSE\"}}}}"), &a), CG_ERR_PARSE);
	assert_int_equal(kda_parse_describe_application(S("{\"ApplicationDetail\":{"
	    "\"ApplicationARN\":\"a\",\"ApplicationName\":\"p\",\"RuntimeEnvironment\":\"F\","
	    "\"ApplicationStatus\":\"R\",\"ApplicationVersionId\":\"1\"}}"), &a), CG_ERR_PARSE);

	assert_int_equal(kda_parse_describe_application_version(S("{\"ApplicationVersionDetail\":{"
	    "\"ApplicationARN\":\"a\",\"ApplicationName\":\"p\",\"RuntimeEnvironment\":\"F\","
	    "\"ApplicationStatus\":\"R\",\"ApplicationVersionId\":3}}"), &a), 0);
	assert_int_equal(a.version_id, 3);

	assert_int_equal(kda_parse_describe_snapshot(S("{\"SnapshotDetails\":{\"SnapshotName\":"
	    "\"s1\",\"SnapshotStatus\":\"READY\",\"ApplicationVersionId\":4,"
	    "\"SnapshotCreationTimestamp\":1763900000.5,"
	    "\"ApplicationEncryptionConfigurationDescription\":{\"KeyType\":\"CUSTOMER_MANAGED_KEY\","
	    "\"KeyId\":\"arn:aws:kms:eu-west-1:123456789012:key/k1\"}}}"), &s), 0);
	assert_int_equal(s.created, 1763900000);
	assert_string_equal(s.encryption.key_id, "arn:aws:kms:eu-west-1:123456789012:key/k1");
	assert_int_equal(kda_parse_describe_snapshot(S("{\"SnapshotDetails\":{\"SnapshotName\":"
	    "\"s1\",\"SnapshotStatus\":\"READY\",\"ApplicationVersionId\":4,"
	    "\"SnapshotCreationTimestamp\":\"yesterday\"}}"), &s), CG_ERR_PARSE);

	assert_int_equal(kda_parse_list_snapshots(S("{\"SnapshotSummaries\":[{\"SnapshotName\":\"a\","
	    "\"SnapshotStatus\":\"READY\",\"ApplicationVersionId\":1},{\"SnapshotName\":\"b\","
	    "\"SnapshotStatus\":\"READY\",\"ApplicationVersionId\":2}],\"NextToken\":\"t\"}"),
	    &list, &n, next, sizeof(next)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(next, "t");
	free(list);
}

static void
test_iam(void **state)
{
	struct iam_role role;
	char **names = NULL, marker[64], *doc = NULL, ver[16];
	size_t n = 0, i;

	(void)state;
	assert_int_equal(iam_parse_get_role(S("<GetRoleResponse><GetRoleResult><Role>"
	    "<Arn>arn:aws:iam::123456789012:role/ops</Arn><RoleName>ops</RoleName>"
	    "<RoleId>AROAEXAMPLE</RoleId><AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D"
	    "</AssumeRolePolicyDocument><PermissionsBoundary><PermissionsBoundaryType>Policy"
	    "</PermissionsBoundaryType><PermissionsBoundaryArn>arn:aws:iam::123456789012:policy/b"
	    "</PermissionsBoundaryArn></PermissionsBoundary></Role></GetRoleResult></GetRoleResponse>"),
	    &role), 0);
	assert_string_equal(role.trust_policy, "{\"Version\":\"2012-10-17\"}");
	assert_string_equal(role.boundary_arn, "arn:aws:iam::123456789012:policy/b");
	iam_role_clear(&role);

	assert_int_equal(iam_parse_name_list(S("<ListRolePoliciesResponse><ListRolePoliciesResult>"
	    "<PolicyNames><member>p1</member><member>p2</member></PolicyNames>"
	    "<IsTruncated>true</IsTruncated><Marker>m</Marker></ListRolePoliciesResult>"
	    "</ListRolePoliciesResponse>"), "ListRolePolicies", "PolicyNames", NULL, &names, &n,
	    marker, sizeof(marker)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(marker, "m");
	assert_int_equal(iam_parse_name_list(S("<ListAttachedRolePoliciesResponse>"
	    "<ListAttachedRolePoliciesResult><AttachedPolicies><member><PolicyName>x</PolicyName>"
	    "<PolicyArn>arn:aws:iam::aws:policy/X</PolicyArn></member></AttachedPolicies>"
	    "<IsTruncated>false</IsTruncated></ListAttachedRolePoliciesResult>"
	    "</ListAttachedRolePoliciesResponse>"), "ListAttachedRolePolicies", "AttachedPolicies",
	    "PolicyArn", &names, &n, marker, sizeof(marker)), 0);
	assert_int_equal(n, 3);
	assert_string_equal(names[2], "arn:aws:iam::aws:policy/X");
	assert_string_equal(marker, "");
	/* IsTruncated is true or false; a member holds text only */
	assert_int_equal(iam_parse_name_list(S("<ListRolePoliciesResponse><ListRolePoliciesResult>"
	    "<PolicyNames/><IsTruncated>TRUE</IsTruncated></ListRolePoliciesResult>"
	    "</ListRolePoliciesResponse>"), "ListRolePolicies", "PolicyNames", NULL, &names, &n,
	    marker, sizeof(marker)), CG_ERR_PARSE);
	assert_int_equal(iam_parse_name_list(S("<ListRolePoliciesResponse><ListRolePoliciesResult>"
	    "<PolicyNames><member>p<b/>2</member></PolicyNames></ListRolePoliciesResult>"
	    "</ListRolePoliciesResponse>"), "ListRolePolicies", "PolicyNames", NULL, &names, &n,
	    marker, sizeof(marker)), CG_ERR_PARSE);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);

	assert_int_equal(iam_parse_policy_document(S("<GetPolicyVersionResponse>"
	    "<GetPolicyVersionResult><PolicyVersion><Document>%7B%7D</Document></PolicyVersion>"
	    "</GetPolicyVersionResult></GetPolicyVersionResponse>"), "GetPolicyVersion",
	    "PolicyVersion", &doc), 0);
	assert_string_equal(doc, "{}");
	free(doc);
	assert_int_equal(iam_parse_default_version(S("<GetPolicyResponse><GetPolicyResult>"
	    "<Policy><DefaultVersionId>v3</DefaultVersionId></Policy></GetPolicyResult>"
	    "</GetPolicyResponse>"), ver, sizeof(ver)), 0);
	assert_string_equal(ver, "v3");

	assert_int_equal(iam_url_decode("a%2Fb%zz", &doc), CG_ERR_PARSE);
	assert_int_equal(iam_url_decode("a%2", &doc), CG_ERR_PARSE);
	assert_int_equal(iam_url_decode("a%00b", &doc), CG_ERR_PARSE);
	assert_int_equal(iam_url_decode("a+b%20c", &doc), 0);
	assert_string_equal(doc, "a+b c");
	free(doc);
}

static void
test_time(void **state)
{
	time_t t;

	(void)state;
	assert_int_equal(aws_parse_time("2026-11-23T12:15:00Z", &t), 0);
	assert_int_equal(t, 1795436100);
	assert_int_equal(aws_parse_time("2026-11-23T12:15:00.123Z", &t), 0);
	assert_int_equal(aws_parse_time("2026-11-23T12:15:00+00:00", &t), 0);
	assert_int_equal(aws_parse_time("1795436100", &t), 0);
	assert_int_equal(t, 1795436100);
	assert_int_equal(aws_parse_time("2026-11-23T12:15:00+02:00", &t), CG_ERR_PARSE);
	assert_int_equal(aws_parse_time("2026-11-23", &t), CG_ERR_PARSE);
	assert_int_equal(aws_parse_time("", &t), CG_ERR_PARSE);
	assert_int_equal(aws_parse_time("1.2.3", &t), CG_ERR_PARSE);
	assert_int_equal(aws_parse_time("99999999999999999999", &t), CG_ERR_PARSE);
	assert_int_equal(aws_parse_time("2026-02-31T00:00:00Z", &t), CG_ERR_PARSE);
	assert_int_equal(aws_parse_time("1795436100.25", &t), 0);
	assert_int_equal(t, 1795436100);
}

static void
test_ini(void **state)
{
	struct aws_ini *ini = NULL;
	struct cg_buf *why = NULL;
	const char *msg;
	const char *text =
	    "# comment\n"
	    "[default]\n"
	    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
	    "aws_secret_access_key=wJalr/K7=MDENG\r\n"
	    "s3 =\n"
	    "  max_concurrent_requests = 20\n"
	    "; another\n"
	    "[profile ops]\n"
	    "region = eu-west-1\n"
	    "region = eu-central-1";

	(void)state;
	assert_int_equal(cg_buf_new(512, &why), 0);
	assert_int_equal(aws_ini_parse(S(text), &ini, why), 0);
	assert_string_equal(aws_ini_get(ini, "default", "aws_secret_access_key"), "wJalr/K7=MDENG");
	assert_string_equal(aws_ini_get(ini, "profile ops", "region"), "eu-central-1");
	assert_null(aws_ini_get(ini, "default", "max_concurrent_requests"));
	assert_null(aws_ini_get(ini, "ops", "region"));
	assert_true(aws_ini_has_section(ini, "profile ops"));
	aws_ini_free(ini);
	ini = NULL;

	assert_int_equal(aws_ini_parse(S("key = before any section\n"), &ini, why), CG_ERR_PARSE);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	assert_non_null(strstr(msg, "line 1"));
	assert_int_equal(aws_ini_parse(S("[default]\n  indented = x\n"), &ini, why), CG_ERR_PARSE);
	assert_int_equal(aws_ini_parse(S("[]\n"), &ini, why), CG_ERR_PARSE);
	assert_int_equal(aws_ini_parse(S("[a\n"), &ini, why), CG_ERR_PARSE);
	assert_int_equal(aws_ini_parse("[a]\nk=\0v\n", 9, &ini, why), CG_ERR_PARSE);
	assert_null(ini);
	cg_buf_free(why);
}

static void
test_credentials_json(void **state)
{
	struct aws_credentials c;
	struct cg_buf *why = NULL;

	(void)state;
	assert_int_equal(cg_buf_new(512, &why), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(aws_parse_credentials_json(S("{\"Code\":\"Success\",\"AccessKeyId\":"
	    "\"ASIAIOSFODNN7EXAMPLE\",\"SecretAccessKey\":\"s3cr3t\",\"Token\":\"tok\","
	    "\"Expiration\":\"2026-11-23T12:15:00Z\",\"Type\":\"AWS-HMAC\"}"), &c, why), 0);
	assert_int_equal(c.expiration, 1795436100);
	assert_string_equal(cg_secret_str(c.session_token), "tok");
	aws_credentials_clear(&c);
	assert_int_equal(aws_parse_credentials_json(S("{\"Code\":\"Failure\"}"), &c, why),
	    CG_ERR_CREDENTIALS);
	assert_int_equal(aws_parse_credentials_json(S("{\"AccessKeyId\":\"id with space\","
	    "\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"2026-11-23T12:15:00Z\"}"),
	    &c, why), CG_ERR_CREDENTIALS);
	assert_int_equal(aws_parse_credentials_json(S("{\"AccessKeyId\":\"ASIAIOSFODNN7EXAMPLE\"}"),
	    &c, why), CG_ERR_PARSE);
	assert_int_equal(aws_parse_credentials_json(S("{\"AccessKeyId\":\"ASIAIOSFODNN7EXAMPLE\","
	    "\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"soon\"}"), &c, why), CG_ERR_PARSE);
	/* metadata credentials always expire: no Token or Expiration is malformed */
	assert_int_equal(aws_parse_credentials_json(S("{\"AccessKeyId\":\"ASIAIOSFODNN7EXAMPLE\","
	    "\"SecretAccessKey\":\"s\",\"Token\":\"t\"}"), &c, why), CG_ERR_PARSE);
	assert_int_equal(aws_parse_credentials_json(S("{\"AccessKeyId\":\"ASIAIOSFODNN7EXAMPLE\","
	    "\"SecretAccessKey\":\"s\",\"Expiration\":\"2026-11-23T12:15:00Z\"}"), &c, why),
	    CG_ERR_PARSE);
	/* a CR/LF would smuggle a header into the next request */
	assert_int_equal(aws_parse_credentials_json(S("{\"AccessKeyId\":\"ASIAIOSFODNN7EXAMPLE\","
	    "\"SecretAccessKey\":\"s\",\"Token\":\"t\\r\\nX-Injected: 1\","
	    "\"Expiration\":\"2026-11-23T12:15:00Z\"}"), &c, why), CG_ERR_CREDENTIALS);
	assert_int_equal(aws_parse_credentials_json(S("{\"Code\":[\"x\"],\"AccessKeyId\":\"A\"}"),
	    &c, why), CG_ERR_CREDENTIALS);
	cg_buf_free(why);
}

/* The chain and endpoint rules read the environment: run them in a clean one. */
static void
clear_aws_env(void)
{
	static const char *vars[] = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
	    "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
	    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS",
	    "AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_KINESIS_ANALYTICS_V2",
	    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
	    "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_CONTAINER_AUTHORIZATION_TOKEN", NULL };
	size_t i;

	for (i = 0; vars[i] != NULL; i++)
		unsetenv(vars[i]);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("HOME", "/nonexistent-cmkgate-test-home", 1);
}

static void
test_endpoints_and_region(void **state)
{
	struct aws_config cfg;
	struct aws_client *c = NULL;
	struct cg_buf *why = NULL;
	const char *msg;

	(void)state;
	clear_aws_env();
	assert_int_equal(cg_buf_new(1024, &why), 0);
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(aws_client_new(&cfg, &c, why), CG_ERR_INVALID_ARG);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	assert_non_null(strstr(msg, "no AWS region"));
	cg_buf_reset(why);

	setenv("AWS_DEFAULT_REGION", "eu-west-1", 1);
	assert_int_equal(aws_client_new(&cfg, &c, why), 0);
	assert_string_equal(aws_client_endpoint(c, AWS_KDA), "https://kinesisanalytics.eu-west-1.amazonaws.com");
	assert_string_equal(aws_client_endpoint(c, AWS_IAM), "https://iam.amazonaws.com");
	aws_client_free(c);

	setenv("AWS_REGION", "eu-central-1", 1);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/", 1);
	setenv("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:9999", 1);
	assert_int_equal(aws_client_new(&cfg, &c, why), 0);
	assert_string_equal(aws_client_region(c), "eu-central-1");
	assert_string_equal(aws_client_endpoint(c, AWS_STS), "http://127.0.0.1:4566");
	assert_string_equal(aws_client_endpoint(c, AWS_KMS), "http://127.0.0.1:9999");
	aws_client_free(c);

	/* the gate config wins over the environment */
	cfg.endpoint_url = "https://gate-config.example";
	cfg.service_endpoint_url[AWS_KDA] = "https://kda.example";
	assert_int_equal(aws_client_new(&cfg, &c, why), 0);
	assert_string_equal(aws_client_endpoint(c, AWS_KMS), "https://gate-config.example");
	assert_string_equal(aws_client_endpoint(c, AWS_KDA), "https://kda.example");
	aws_client_free(c);
	memset(&cfg, 0, sizeof(cfg));

	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	assert_int_equal(aws_client_new(&cfg, &c, why), 0);
	assert_string_equal(aws_client_endpoint(c, AWS_KMS), "https://kms.eu-central-1.amazonaws.com");
	aws_client_free(c);
	unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");

	/* refused: other schemes, credentials in URLs, bad regions */
	setenv("AWS_ENDPOINT_URL_KMS", "file:///etc/passwd", 1);
	assert_int_equal(aws_client_new(&cfg, &c, why), CG_ERR_INVALID_ARG);
	setenv("AWS_ENDPOINT_URL_KMS", "https://user:pw@kms.example", 1);
	assert_int_equal(aws_client_new(&cfg, &c, why), CG_ERR_INVALID_ARG);
	/* plain http only to a loopback literal: names could resolve anywhere */
	setenv("AWS_ENDPOINT_URL_KMS", "http://kms.internal.example:8080", 1);
	assert_int_equal(aws_client_new(&cfg, &c, why), CG_ERR_INVALID_ARG);
	setenv("AWS_ENDPOINT_URL_KMS", "http://127.attacker.example/", 1);
	assert_int_equal(aws_client_new(&cfg, &c, why), CG_ERR_INVALID_ARG);
	setenv("AWS_ENDPOINT_URL_KMS", "http://[::1]:4566", 1);
	assert_int_equal(aws_client_new(&cfg, &c, why), 0);
	aws_client_free(c);
	setenv("AWS_ENDPOINT_URL_KMS", "https://kms.internal.example:8443/prefix", 1);
	assert_int_equal(aws_client_new(&cfg, &c, why), 0);
	aws_client_free(c);
	unsetenv("AWS_ENDPOINT_URL_KMS");
	cfg.region = "EU_WEST";
	assert_int_equal(aws_client_new(&cfg, &c, why), CG_ERR_INVALID_ARG);
	cg_buf_free(why);
	clear_aws_env();
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_credential_chain(void **state)
{
	struct aws_credentials c;
	struct cg_buf *why = NULL;
	char dir[] = "/tmp/cmkgate-creds-XXXXXX", credpath[256], cfgpath[256];
	const char *msg;

	(void)state;
	clear_aws_env();
	assert_int_equal(cg_buf_new(2048, &why), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(aws_creds_resolve(&c, why), CG_ERR_CREDENTIALS);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	assert_non_null(strstr(msg, "no AWS credentials"));

	/* environment first */
	setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
	assert_int_equal(aws_creds_resolve(&c, why), 0);
	assert_string_equal(c.source, "environment");
	assert_null(c.session_token);
	aws_credentials_clear(&c);
	unsetenv("AWS_SECRET_ACCESS_KEY");
	cg_buf_reset(why);
	assert_int_equal(aws_creds_resolve(&c, why), CG_ERR_CREDENTIALS);	/* half set */
	unsetenv("AWS_ACCESS_KEY_ID");

	/* then the shared files, by profile */
	assert_non_null(mkdtemp(dir));
	snprintf(credpath, sizeof(credpath), "%s/credentials", dir);
	snprintf(cfgpath, sizeof(cfgpath), "%s/config", dir);
	write_file(credpath, "[default]\naws_access_key_id=AKIADEFAULTEXAMPLE1\n"
	    "aws_secret_access_key=default-secret\n");
	write_file(cfgpath, "[profile ops]\naws_access_key_id=AKIAOPSPROFILEEXAM1\n"
	    "aws_secret_access_key=ops-secret\naws_session_token=ops-token\nregion=eu-north-1\n"
	    "[profile chained]\nrole_arn=arn:aws:iam::123456789012:role/x\nsource_profile=default\n");
	setenv("AWS_SHARED_CREDENTIALS_FILE", credpath, 1);
	setenv("AWS_CONFIG_FILE", cfgpath, 1);
	assert_int_equal(aws_creds_resolve(&c, why), 0);
	assert_string_equal(c.access_key_id, "AKIADEFAULTEXAMPLE1");
	aws_credentials_clear(&c);
	setenv("AWS_PROFILE", "ops", 1);
	assert_int_equal(aws_creds_resolve(&c, why), 0);
	assert_string_equal(c.access_key_id, "AKIAOPSPROFILEEXAM1");
	assert_string_equal(cg_secret_str(c.session_token), "ops-token");
	assert_string_equal(aws_creds_profile_region(), "eu-north-1");
	aws_credentials_clear(&c);
	setenv("AWS_PROFILE", "chained", 1);
	cg_buf_reset(why);
	assert_int_equal(aws_creds_resolve(&c, why), CG_ERR_CREDENTIALS);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	assert_non_null(strstr(msg, "role_arn"));
	/* static keys in the credentials file, role_arn for the same profile in
	 * config: the SDKs would assume the role, so the gate refuses */
	write_file(credpath, "[chained]\nAWS_ACCESS_KEY_ID=AKIASTATICKEYEXAMPL\n"
	    "aws_secret_access_key=static-secret\n[default]\naws_access_key_id=AKIADEFAULTEXAMPLE1\n"
	    "aws_secret_access_key=default-secret\n");
	cg_buf_reset(why);
	assert_int_equal(aws_creds_resolve(&c, why), CG_ERR_CREDENTIALS);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	assert_non_null(strstr(msg, "role_arn"));
	setenv("AWS_PROFILE", "missing", 1);
	cg_buf_reset(why);
	assert_int_equal(aws_creds_resolve(&c, why), CG_ERR_CREDENTIALS);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	assert_non_null(strstr(msg, "\"missing\""));

	/* web identity is there but not run by the gate: refused, not skipped */
	unsetenv("AWS_PROFILE");
	setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa", 1);
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token", 1);
	cg_buf_reset(why);
	assert_int_equal(aws_creds_resolve(&c, why), CG_ERR_CREDENTIALS);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	assert_non_null(strstr(msg, "web identity"));
	unsetenv("AWS_ROLE_ARN");
	unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("AWS_CONFIG_FILE");
	/* container URLs: RELATIVE_URI must be a path; no DNS names over http */
	setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "@127.0.0.1:18081/v2/creds", 1);
	cg_buf_reset(why);
	assert_int_equal(aws_creds_resolve(&c, why), CG_ERR_CREDENTIALS);
	unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1.nip.io/creds", 1);
	cg_buf_reset(why);
	assert_int_equal(aws_creds_resolve(&c, why), CG_ERR_CREDENTIALS);
	/* container FULL_URI over http only to loopback */
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("AWS_CONFIG_FILE");
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://203.0.113.9/creds", 1);
	cg_buf_reset(why);
	assert_int_equal(aws_creds_resolve(&c, why), CG_ERR_CREDENTIALS);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	assert_non_null(strstr(msg, "not a loopback address"));
	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");

	unlink(credpath);
	unlink(cfgpath);
	rmdir(dir);
	cg_buf_free(why);
	clear_aws_env();
}

static void
test_assume_role_params(void **state)
{
	struct aws_config cfg;
	struct aws_client *c = NULL;
	struct sts_assumed_role out;
	struct sts_assume_role_params p;
	struct cg_buf *why = NULL;
	char big[2100];

	(void)state;
	clear_aws_env();
	memset(&cfg, 0, sizeof(cfg));
	cfg.region = "eu-west-1";
	cfg.endpoint_url = "http://127.0.0.1:1";	/* nothing is sent: params are refused first */
	assert_int_equal(cg_buf_new(1024, &why), 0);
	assert_int_equal(aws_client_new(&cfg, &c, why), 0);
	memset(&p, 0, sizeof(p));
	p.role_arn = "arn:aws:iam::123456789012:role/ops";
	p.session_name = "x";
	assert_int_equal(sts_assume_role(c, &p, &out, why), CG_ERR_INVALID_ARG);
	p.session_name = "cmkgate-r1";
	p.duration_seconds = 600;
	assert_int_equal(sts_assume_role(c, &p, &out, why), CG_ERR_INVALID_ARG);
	p.duration_seconds = 900;
	p.source_identity = "aws:alice";
	assert_int_equal(sts_assume_role(c, &p, &out, why), CG_ERR_INVALID_ARG);
	p.source_identity = "alice";
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	p.policy = big;
	assert_int_equal(sts_assume_role(c, &p, &out, why), CG_ERR_INVALID_ARG);
	aws_client_free(c);
	cg_buf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sts_assume_role),
		cmocka_unit_test(test_sts_assume_role_malformed),
		cmocka_unit_test(test_sts_caller_identity),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_kms),
		cmocka_unit_test(test_kda),
		cmocka_unit_test(test_iam),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_ini),
		cmocka_unit_test(test_credentials_json),
		cmocka_unit_test(test_endpoints_and_region),
		cmocka_unit_test(test_credential_chain),
		cmocka_unit_test(test_assume_role_params),
	};

	return cmocka_run_group_tests_name("aws-parse", tests, NULL, NULL);
}

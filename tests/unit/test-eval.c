/* Unit tests for policy parsing, principals and decision combination
 * (policy/policy_doc.c, policy/principal.c, policy/eval.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "context.h"
#include "policy.h"

#define ACCT "111111111111"
#define SESSION "arn:aws:sts::" ACCT ":assumed-role/ops/alice"
#define ROLE "arn:aws:iam::" ACCT ":role/ops"
#define KEY "arn:aws:kms:eu-west-1:" ACCT ":key/k1"
#define APP "arn:aws:kinesisanalytics:eu-west-1:" ACCT ":application/payments"

#define ALLOW_ALL "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"
#define ALLOW_KMS "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Kms\",\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\"}]}"
#define ALLOW_S3 "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"
#define DENY_DECRYPT "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"No\",\"Effect\":\"Deny\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}]}"
#define KEYPOL(principal) "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":" principal ",\"Action\":\"kms:*\",\"Resource\":\"*\"}]}"

struct fixture {
	struct policy	*id[4];
	size_t		 nid;
	struct policy	*res, *bnd, *sess[2];
	size_t		 nsess;
	struct policy	*scp[2][2];
	struct policy	**rows[2];
	size_t		 nscp[2];
	size_t		 nlevels;
};

static struct policy *
compile(const char *text, enum policy_kind kind)
{
	struct cg_buf *why = NULL;
	struct policy *p = NULL;
	const char *msg = "";

	assert_int_equal(cg_buf_new(4096, &why), 0);
	if (policy_compile_text(text, strlen(text), kind, "p", &p, why) < 0) {
		(void)cg_buf_cstr(why, &msg);
		fail_msg("policy did not compile: %s", msg);
	}
	cg_buf_free(why);
	return p;
}

static void
fixture_free(struct fixture *f)
{
	size_t i, l;

	for (i = 0; i < f->nid; i++)
		policy_free(f->id[i]);
	policy_free(f->res);
	policy_free(f->bnd);
	for (i = 0; i < f->nsess; i++)
		policy_free(f->sess[i]);
	for (l = 0; l < f->nlevels; l++)
		for (i = 0; i < f->nscp[l]; i++)
			policy_free(f->scp[l][i]);
	memset(f, 0, sizeof(*f));
}

static struct policy_result
eval(struct fixture *f, const char *principal, const char *action, const char *resource)
{
	struct policy_set set;
	/* S3 ARNs name no account: these tests put the bucket in ACCT */
	struct policy_request req = { principal, action, resource,
	    strstr(resource, ":::") != NULL ? ACCT : NULL, NULL };
	struct policy_result res;
	struct cg_buf *why = NULL;
	size_t l;

	memset(&set, 0, sizeof(set));
	set.identity = f->id;
	set.nidentity = f->nid;
	set.resource = f->res;
	set.boundary = f->bnd;
	set.session = f->sess;
	set.nsession = f->nsess;
	for (l = 0; l < f->nlevels; l++)
		f->rows[l] = f->scp[l];
	set.scp_levels = f->rows;
	set.nscp = f->nscp;
	set.nlevels = f->nlevels;
	assert_int_equal(cg_buf_new(4096, &why), 0);
	assert_int_equal(policy_evaluate(&set, &req, &res, why), 0);
	cg_buf_free(why);
	return res;
}

static void
test_default_is_implicit_deny(void **state)
{
	struct fixture f = { 0 };
	struct policy_result r;

	(void)state;
	r = eval(&f, SESSION, "s3:GetObject", "arn:aws:s3:::b/k");
	assert_int_equal(r.decision, POLICY_IMPLICIT_DENY);
	assert_int_equal(r.deny_stage, STAGE_NO_ALLOW);
}

static void
test_explicit_deny_wins(void **state)
{
	struct fixture f = { 0 };
	struct policy_result r;

	(void)state;
	f.id[f.nid++] = compile(ALLOW_ALL, POLICY_IDENTITY);
	f.id[f.nid++] = compile(DENY_DECRYPT, POLICY_IDENTITY);
	f.res = compile(KEYPOL("{\"AWS\":\"" SESSION "\"}"), POLICY_RESOURCE);
	r = eval(&f, SESSION, "kms:Decrypt", KEY);
	assert_int_equal(r.decision, POLICY_EXPLICIT_DENY);
	assert_int_equal(r.deny_stage, STAGE_EXPLICIT_DENY);
	assert_int_equal(r.steps[0].statement, 0);
	assert_string_equal(policy_statement_sid(r.steps[0].policy, 0), "No");
	r = eval(&f, SESSION, "kms:Encrypt", KEY);
	assert_int_equal(r.decision, POLICY_ALLOW);
	fixture_free(&f);
}

static void
test_boundary_and_session_limit_identity(void **state)
{
	struct fixture f = { 0 };
	struct policy_result r;

	(void)state;
	f.id[f.nid++] = compile(ALLOW_ALL, POLICY_IDENTITY);
	f.bnd = compile(ALLOW_S3, POLICY_BOUNDARY);
	r = eval(&f, SESSION, "kinesisanalytics:UpdateApplication", APP);
	assert_int_equal(r.decision, POLICY_IMPLICIT_DENY);
	assert_int_equal(r.deny_stage, STAGE_BOUNDARY);
	r = eval(&f, SESSION, "s3:GetObject", "arn:aws:s3:::b/k");
	assert_int_equal(r.decision, POLICY_ALLOW);

	f.sess[f.nsess++] = compile(ALLOW_KMS, POLICY_SESSION);
	r = eval(&f, SESSION, "s3:GetObject", "arn:aws:s3:::b/k");
	assert_int_equal(r.decision, POLICY_IMPLICIT_DENY);
	assert_int_equal(r.deny_stage, STAGE_SESSION);
	fixture_free(&f);
}

static void
test_kms_key_policy_is_authoritative(void **state)
{
	struct fixture f = { 0 };
	struct policy_result r;

	(void)state;
	f.id[f.nid++] = compile(ALLOW_KMS, POLICY_IDENTITY);
	/* no key policy at all */
	r = eval(&f, SESSION, "kms:Decrypt", KEY);
	assert_int_equal(r.decision, POLICY_IMPLICIT_DENY);
	assert_int_equal(r.deny_stage, STAGE_KEY_POLICY);
	/* a key policy for someone else: IAM allows do not count */
	f.res = compile(KEYPOL("{\"AWS\":\"arn:aws:iam::" ACCT ":role/admin\"}"), POLICY_RESOURCE);
	r = eval(&f, SESSION, "kms:Decrypt", KEY);
	assert_int_equal(r.deny_stage, STAGE_KEY_POLICY);
	policy_free(f.res);
	/* delegation to the account, as root ARN and as bare id */
	f.res = compile(KEYPOL("{\"AWS\":\"arn:aws:iam::" ACCT ":root\"}"), POLICY_RESOURCE);
	r = eval(&f, SESSION, "kms:Decrypt", KEY);
	assert_int_equal(r.decision, POLICY_ALLOW);
	policy_free(f.res);
	f.res = compile(KEYPOL("{\"AWS\":\"" ACCT "\"}"), POLICY_RESOURCE);
	r = eval(&f, SESSION, "kms:Decrypt", KEY);
	assert_int_equal(r.decision, POLICY_ALLOW);
	/* the same identity allow on a non-key resource needs no delegation */
	r = eval(&f, SESSION, "kms:ListAliases", "*");
	assert_int_equal(r.decision, POLICY_ALLOW);
	fixture_free(&f);
}

static void
test_grant_kinds(void **state)
{
	struct fixture f = { 0 };
	struct policy_result r;

	(void)state;
	/* session ARN grant: not limited by boundary or session policy */
	f.bnd = compile(ALLOW_S3, POLICY_BOUNDARY);
	f.sess[f.nsess++] = compile(ALLOW_S3, POLICY_SESSION);
	f.res = compile(KEYPOL("{\"AWS\":\"" SESSION "\"}"), POLICY_RESOURCE);
	r = eval(&f, SESSION, "kms:Decrypt", KEY);
	assert_int_equal(r.decision, POLICY_ALLOW);
	assert_int_equal(r.steps[0].stage, STAGE_RESOURCE_GRANT);
	policy_free(f.res);
	/* role ARN grant: limited */
	f.res = compile(KEYPOL("{\"AWS\":\"arn:aws:iam::" ACCT ":role/path/ops\"}"), POLICY_RESOURCE);
	r = eval(&f, SESSION, "kms:Decrypt", KEY);
	assert_int_equal(r.decision, POLICY_IMPLICIT_DENY);
	assert_int_equal(r.deny_stage, STAGE_BOUNDARY);
	policy_free(f.bnd);
	f.bnd = NULL;
	r = eval(&f, SESSION, "kms:Decrypt", KEY);
	assert_int_equal(r.deny_stage, STAGE_SESSION);
	policy_free(f.sess[0]);
	f.nsess = 0;
	r = eval(&f, SESSION, "kms:Decrypt", KEY);
	assert_int_equal(r.decision, POLICY_ALLOW);
	/* another role's sessions do not match */
	r = eval(&f, "arn:aws:sts::" ACCT ":assumed-role/ops2/alice", "kms:Decrypt", KEY);
	assert_int_equal(r.decision, POLICY_IMPLICIT_DENY);
	fixture_free(&f);
}

static void
test_star_grant_is_limited_and_names_ignore_case(void **state)
{
	struct fixture f = { 0 };
	struct policy_result r;

	(void)state;
	/* Principal "*" does not escape a session policy (AWS is silent: the limited reading) */
	f.res = compile(KEYPOL("\"*\""), POLICY_RESOURCE);
	f.sess[f.nsess++] = compile(ALLOW_S3, POLICY_SESSION);
	r = eval(&f, SESSION, "kms:Decrypt", KEY);
	assert_int_equal(r.decision, POLICY_IMPLICIT_DENY);
	assert_int_equal(r.deny_stage, STAGE_SESSION);
	fixture_free(&f);
	/* role names are unique regardless of case: a Deny on role/OPS applies to role/ops */
	f.res = compile("{\"Version\":\"2012-10-17\",\"Statement\":["
	    "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" ACCT "\"},\"Action\":\"kms:*\",\"Resource\":\"*\"},"
	    "{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"arn:aws:iam::" ACCT ":role/OPS\"},"
	    "\"Action\":\"kms:*\",\"Resource\":\"*\"}]}", POLICY_RESOURCE);
	f.id[f.nid++] = compile(ALLOW_KMS, POLICY_IDENTITY);
	r = eval(&f, SESSION, "kms:Decrypt", KEY);
	assert_int_equal(r.decision, POLICY_EXPLICIT_DENY);
	fixture_free(&f);
}

static void
test_cross_account_needs_both(void **state)
{
	struct fixture f = { 0 };
	struct policy_result r;
	const char *other = "arn:aws:sts::222222222222:assumed-role/ops/bob";

	(void)state;
	f.res = compile(KEYPOL("{\"AWS\":\"222222222222\"}"), POLICY_RESOURCE);
	r = eval(&f, other, "kms:Decrypt", KEY);
	assert_int_equal(r.decision, POLICY_IMPLICIT_DENY);
	assert_int_equal(r.deny_stage, STAGE_NO_ALLOW);
	f.id[f.nid++] = compile(ALLOW_KMS, POLICY_IDENTITY);
	r = eval(&f, other, "kms:Decrypt", KEY);
	assert_int_equal(r.decision, POLICY_ALLOW);
	policy_free(f.res);
	f.res = compile(KEYPOL("{\"AWS\":\"333333333333\"}"), POLICY_RESOURCE);
	r = eval(&f, other, "kms:Decrypt", KEY);
	assert_int_equal(r.deny_stage, STAGE_KEY_POLICY);
	fixture_free(&f);
}

static void
test_scp_levels(void **state)
{
	struct fixture f = { 0 };
	struct policy_result r;

	(void)state;
	f.id[f.nid++] = compile(ALLOW_ALL, POLICY_IDENTITY);
	f.scp[0][f.nscp[0]++] = compile(ALLOW_ALL, POLICY_SCP);
	f.scp[1][f.nscp[1]++] = compile(ALLOW_S3, POLICY_SCP);
	f.nlevels = 2;
	r = eval(&f, SESSION, "kinesisanalytics:StartApplication", APP);
	assert_int_equal(r.decision, POLICY_IMPLICIT_DENY);
	assert_int_equal(r.deny_stage, STAGE_SCP);
	assert_int_equal(r.steps[0].level, 1);
	r = eval(&f, SESSION, "s3:GetObject", "arn:aws:s3:::b/k");
	assert_int_equal(r.decision, POLICY_ALLOW);
	fixture_free(&f);
}

static void
test_service_principal(void **state)
{
	struct fixture f = { 0 };
	struct policy_result r;

	(void)state;
	f.id[f.nid++] = compile(ALLOW_ALL, POLICY_IDENTITY);
	r = eval(&f, "kinesisanalytics.amazonaws.com", "kms:Decrypt", KEY);
	assert_int_equal(r.decision, POLICY_IMPLICIT_DENY);
	f.res = compile(KEYPOL("{\"Service\":[\"kinesisanalytics.amazonaws.com\"]}"), POLICY_RESOURCE);
	r = eval(&f, "kinesisanalytics.amazonaws.com", "kms:Decrypt", KEY);
	assert_int_equal(r.decision, POLICY_ALLOW);
	r = eval(&f, "infrastructure.kinesisanalytics.amazonaws.com", "kms:Decrypt", KEY);
	assert_int_equal(r.decision, POLICY_IMPLICIT_DENY);
	fixture_free(&f);
}

static void
expect_malformed(const char *text, enum policy_kind kind, const char *needle)
{
	struct cg_buf *why = NULL;
	struct policy *p = NULL;
	const char *msg = "";

	assert_int_equal(cg_buf_new(4096, &why), 0);
	assert_int_equal(policy_compile_text(text, strlen(text), kind, "doc", &p, why),
	    CG_ERR_POLICY);
	assert_null(p);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	if (strstr(msg, needle) == NULL)
		fail_msg("message \"%s\" does not mention \"%s\"", msg, needle);
	cg_buf_free(why);
}

static void
test_malformed_documents(void **state)
{
	(void)state;
	expect_malformed("{", POLICY_IDENTITY, "not valid JSON");
	expect_malformed("[]", POLICY_IDENTITY, "expected a policy document object");
	expect_malformed("{\"Statement\":[]}x", POLICY_IDENTITY, "not valid JSON");
	expect_malformed("{\"Version\":\"2012-10-18\",\"Statement\":[]}", POLICY_IDENTITY, "Version");
	expect_malformed("{\"Statement\":[],\"Extra\":1}", POLICY_IDENTITY, "unknown top-level field");
	expect_malformed("{\"Version\":\"2012-10-17\"}", POLICY_IDENTITY, "Statement is missing");
	expect_malformed("{\"Statement\":[{\"Sid\":\"S\",\"Effect\":\"allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
	    POLICY_IDENTITY, "Statement[0] (Sid \"S\"): Effect");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"NotAction\":\"s3:*\",\"Resource\":\"*\"}]}",
	    POLICY_IDENTITY, "exactly one of Action and NotAction");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\"}]}",
	    POLICY_IDENTITY, "exactly one of Resource and NotResource");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[],\"Resource\":\"*\"}]}",
	    POLICY_IDENTITY, "Action: empty array");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"Decrypt\",\"Resource\":\"*\"}]}",
	    POLICY_IDENTITY, "service:action");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:*\",5],\"Resource\":\"*\"}]}",
	    POLICY_IDENTITY, "Action: expected a string");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"bucket\"}]}",
	    POLICY_IDENTITY, "nor an ARN");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
	    POLICY_IDENTITY, "only allowed in resource-based policies");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
	    POLICY_RESOURCE, "needs exactly one of Principal and NotPrincipal");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111111111111:role/*\"},\"Action\":\"*\",\"Resource\":\"*\"}]}",
	    POLICY_RESOURCE, "wildcards");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Bogus\":\"x\"},\"Action\":\"*\",\"Resource\":\"*\"}]}",
	    POLICY_RESOURCE, "unknown principal type");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"alice\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
	    POLICY_RESOURCE, "must be \"*\"");
	/* principals AWS would refuse are malformed, never a silent non-match */
	expect_malformed("{\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"arn:aws:iam:111111111111:role/ops\"},\"Action\":\"*\",\"Resource\":\"*\"}]}",
	    POLICY_RESOURCE, "is not an AWS principal");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"ops\"},\"Action\":\"*\",\"Resource\":\"*\"}]}",
	    POLICY_RESOURCE, "is not an AWS principal");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"alice.smith\"},\"Action\":\"*\",\"Resource\":\"*\"}]}",
	    POLICY_RESOURCE, "is not a service principal");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":\"x\"}}]}",
	    POLICY_IDENTITY, "Condition: StringEquals");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"1.2.3\"}}}]}",
	    POLICY_IDENTITY, "aws:SourceIp");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"k\":{\"a\":1}}}}]}",
	    POLICY_IDENTITY, "values must be strings");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"k\":[]}}}]}",
	    POLICY_IDENTITY, "empty list of values");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Cond\":{}}]}",
	    POLICY_IDENTITY, "unknown field \"Cond\"");
	expect_malformed("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:\\u0000x\",\"Resource\":\"*\"}]}",
	    POLICY_IDENTITY, "NUL");
}

static void
test_version_and_variables(void **state)
{
	struct fixture f = { 0 };
	struct policy_result r;
	struct context ctx;
	struct policy_set set;
	struct policy_request req;
	struct cg_buf *why = NULL;
	const char *user[] = { "alice" };

	(void)state;
	context_init(&ctx);
	assert_int_equal(context_add(&ctx, "aws:username", user, 1, false), 0);
	f.id[f.nid++] = compile("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\","
	    "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/${aws:username}/*\"}}",
	    POLICY_IDENTITY);
	f.id[f.nid++] = compile("{\"Statement\":{\"Effect\":\"Allow\","
	    "\"Action\":\"s3:PutObject\",\"Resource\":\"arn:aws:s3:::b/${aws:username}/*\"}}",
	    POLICY_IDENTITY);
	memset(&set, 0, sizeof(set));
	set.identity = f.id;
	set.nidentity = f.nid;
	assert_int_equal(cg_buf_new(1024, &why), 0);
	req = (struct policy_request){ "arn:aws:iam::" ACCT ":user/alice", "s3:GetObject",
	    "arn:aws:s3:::b/alice/x", ACCT, &ctx };
	assert_int_equal(policy_evaluate(&set, &req, &r, why), 0);
	assert_int_equal(r.decision, POLICY_ALLOW);
	/* 2008-10-17 (or no Version): ${...} is literal text */
	req.action = "s3:PutObject";
	assert_int_equal(policy_evaluate(&set, &req, &r, why), 0);
	assert_int_equal(r.decision, POLICY_IMPLICIT_DENY);
	req.resource = "arn:aws:s3:::b/${aws:username}/x";
	assert_int_equal(policy_evaluate(&set, &req, &r, why), 0);
	assert_int_equal(r.decision, POLICY_ALLOW);
	cg_buf_free(why);
	context_clear(&ctx);
	fixture_free(&f);
}

static void
test_bad_requests(void **state)
{
	struct policy_set set;
	struct policy_request req = { "alice", "s3:GetObject", "*", NULL, NULL };
	struct policy_result r;
	struct cg_buf *why = NULL;

	(void)state;
	memset(&set, 0, sizeof(set));
	memset(&r, 0x5a, sizeof(r));
	assert_int_equal(cg_buf_new(1024, &why), 0);
	assert_int_equal(policy_evaluate(&set, &req, &r, why), CG_ERR_INVALID_ARG);
	assert_int_equal(r.nsteps, (size_t)0x5a5a5a5a5a5a5a5aULL);	/* untouched */
	req.principal = "arn:aws:iam::12345:user/x";
	assert_int_equal(policy_evaluate(&set, &req, &r, why), CG_ERR_INVALID_ARG);
	req.principal = "arn:aws:sts::" ACCT ":assumed-role/ops";
	assert_int_equal(policy_evaluate(&set, &req, &r, why), CG_ERR_INVALID_ARG);
	req.principal = SESSION;
	req.action = "GetObject";
	assert_int_equal(policy_evaluate(&set, &req, &r, why), CG_ERR_INVALID_ARG);
	req.action = "s3:Get*";
	assert_int_equal(policy_evaluate(&set, &req, &r, why), CG_ERR_INVALID_ARG);
	req.action = "s3:GetObject";
	req.resource_account = "1234";
	assert_int_equal(policy_evaluate(&set, &req, &r, why), CG_ERR_INVALID_ARG);
	req.resource_account = NULL;
	assert_int_equal(policy_evaluate(&set, &req, &r, why), 0);
	assert_int_equal(r.decision, POLICY_IMPLICIT_DENY);
	/* the resource: "*" or a well-formed ARN; KMS actions take key ARNs */
	req.action = "kms:Decrypt";
	req.resource = "k1";
	assert_int_equal(policy_evaluate(&set, &req, &r, why), CG_ERR_INVALID_ARG);
	req.resource = "ARN:aws:kms:eu-west-1:" ACCT ":key/k1";
	assert_int_equal(policy_evaluate(&set, &req, &r, why), CG_ERR_INVALID_ARG);
	req.resource = "arn:aws:KMS:eu-west-1:" ACCT ":key/k1";
	assert_int_equal(policy_evaluate(&set, &req, &r, why), CG_ERR_INVALID_ARG);
	req.resource = " " KEY;
	assert_int_equal(policy_evaluate(&set, &req, &r, why), CG_ERR_INVALID_ARG);
	req.resource = "arn:aws:s3:::bucket";
	req.resource_account = ACCT;
	assert_int_equal(policy_evaluate(&set, &req, &r, why), CG_ERR_INVALID_ARG);
	req.resource_account = NULL;
	/* resource_account must agree with the ARN; an account-less ARN needs one */
	req.resource = "arn:aws:kms:eu-west-1:222222222222:key/k1";
	req.resource_account = ACCT;
	assert_int_equal(policy_evaluate(&set, &req, &r, why), CG_ERR_INVALID_ARG);
	req.action = "s3:GetObject";
	req.resource = "arn:aws:s3:::b/k";
	req.resource_account = NULL;
	assert_int_equal(policy_evaluate(&set, &req, &r, why), CG_ERR_INVALID_ARG);
	/* only NAME.amazonaws.com is a service principal */
	req.principal = "alice.smith";
	req.resource = "*";
	assert_int_equal(policy_evaluate(&set, &req, &r, why), CG_ERR_INVALID_ARG);
	cg_buf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_is_implicit_deny),
		cmocka_unit_test(test_explicit_deny_wins),
		cmocka_unit_test(test_boundary_and_session_limit_identity),
		cmocka_unit_test(test_kms_key_policy_is_authoritative),
		cmocka_unit_test(test_grant_kinds),
		cmocka_unit_test(test_star_grant_is_limited_and_names_ignore_case),
		cmocka_unit_test(test_cross_account_needs_both),
		cmocka_unit_test(test_scp_levels),
		cmocka_unit_test(test_service_principal),
		cmocka_unit_test(test_malformed_documents),
		cmocka_unit_test(test_version_and_variables),
		cmocka_unit_test(test_bad_requests),
	};

	return cmocka_run_group_tests_name("eval", tests, NULL, NULL);
}

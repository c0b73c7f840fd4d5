/* Unit tests for the operation table: requests, keys involved, checks (policy/ops.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "ops.h"
#include "ops_check.h"
#include "policy.h"

#define APP "arn:aws:kinesisanalytics:eu-west-1:111111111111:application/payments"
#define CMK1 "arn:aws:kms:eu-west-1:111111111111:key/1111"
#define CMK2 "arn:aws:kms:eu-west-1:111111111111:key/2222"

static int
parse(enum op_kind op, const char *json, struct op_request *req, const char **msg)
{
	static struct cg_buf *why;
	struct json_object *o = NULL;
	int r;

	if (why == NULL)
		assert_int_equal(cg_buf_new(2048, &why), 0);
	cg_buf_reset(why);
	assert_int_equal(cg_json_parse(json, strlen(json), 1 << 20, &o, NULL), 0);
	r = ops_parse_request(op, o, req, why);
	json_object_put(o);
	if (msg != NULL)
		(void)cg_buf_cstr(why, msg);
	return r;
}

static struct op_world
world(const char *status, const char *runtime, const char *current)
{
	struct op_world w;

	memset(&w, 0, sizeof(w));
	snprintf(w.region, sizeof(w.region), "eu-west-1");
	snprintf(w.account, sizeof(w.account), "111111111111");
	w.app_exists = true;
	snprintf(w.app_arn, sizeof(w.app_arn), APP);
	snprintf(w.app_status, sizeof(w.app_status), "%s", status);
	snprintf(w.app_runtime, sizeof(w.app_runtime), "%s", runtime);
	w.app_version = 7;
	if (current != NULL) {
		w.current_cmk = true;
		w.current.found = true;
		snprintf(w.current.arn, sizeof(w.current.arn), "%s", current);
		snprintf(w.current.state, sizeof(w.current.state), "Enabled");
	}
	return w;
}

static void
set_key(struct op_key_state *k, const char *arn, const char *state)
{
	k->found = true;
	snprintf(k->arn, sizeof(k->arn), "%s", arn);
	snprintf(k->state, sizeof(k->state), "%s", state);
}

static struct op_plan
plan(const struct op_request *req, const struct op_world *w)
{
	struct op_plan p;
	struct cg_buf *why = NULL;

	assert_int_equal(cg_buf_new(1024, &why), 0);
	assert_int_equal(ops_plan(req, w, &p, why), 0);
	cg_buf_free(why);
	return p;
}

static size_t
count_checks(const struct op_plan *p, const char *action, const char *resource)
{
	size_t i, n = 0;

	for (i = 0; i < p->nchecks; i++)
		if (strcmp(p->checks[i].action, action) == 0 &&
		    (resource == NULL || strcmp(p->checks[i].resource, resource) == 0))
			n++;
	return n;
}

static void
test_enable_cmk_on_running_application(void **state)
{
	struct op_request req;
	struct op_world w = world("RUNNING", "FLINK-1_20", NULL);
	struct op_plan p;
	const struct op_check *c = NULL;
	size_t i;

	(void)state;
	assert_int_equal(parse(OP_UPDATE_APPLICATION, "{\"ApplicationName\":\"payments\","
	    "\"CurrentApplicationVersionId\":7,\"ApplicationConfigurationUpdate\":{"
	    "\"ApplicationEncryptionConfigurationUpdate\":{\"KeyTypeUpdate\":\"CUSTOMER_MANAGED_KEY\","
	    "\"KeyIdUpdate\":\"alias/cmk1\"}}}", &req, NULL), 0);
	assert_true(req.key_given && req.key_cmk);
	assert_string_equal(req.key_id, "alias/cmk1");
	assert_true(req.need_application);
	set_key(&w.target, CMK1, "Enabled");
	p = plan(&req, &w);
	assert_true(p.key_change);
	assert_string_equal(p.key_change_kind, "enable CMK");
	assert_int_equal(p.nkeys, 1);
	assert_int_equal(p.keys[0].role, KEY_ROLE_TARGET);
	assert_int_equal(p.nrefusals, 0);
	assert_int_equal(p.nwarnings, 1);	/* used after a restart */
	assert_int_equal(count_checks(&p, "kinesisanalytics:UpdateApplication", APP), 1);
	assert_int_equal(count_checks(&p, "kms:Decrypt", CMK1), 1);
	assert_int_equal(count_checks(&p, "kms:CreateGrant", CMK1), 1);
	assert_int_equal(p.nchecks, 6);
	for (i = 0; i < p.nchecks; i++)
		if (strcmp(p.checks[i].action, "kms:CreateGrant") == 0)
			c = &p.checks[i];
	if (c == NULL)
		fail_msg("no kms:CreateGrant check");
	else {
		assert_int_equal(c->ncontext, 4);
		assert_string_equal(c->context[0].value, "kinesisanalytics.eu-west-1.amazonaws.com");
		assert_string_equal(c->context[1].value, APP);
		assert_true(c->context[3].multi);
	}
}

static void
test_switch_cmk1_to_cmk2_needs_both_keys(void **state)
{
	struct op_request req;
	struct op_world w = world("READY", "FLINK-1_20", CMK1);
	struct op_plan p;

	(void)state;
	assert_int_equal(parse(OP_UPDATE_APPLICATION, "{\"ApplicationName\":\"payments\","
	    "\"ConditionalToken\":\"abc\",\"ApplicationConfigurationUpdate\":{"
	    "\"ApplicationEncryptionConfigurationUpdate\":{\"KeyTypeUpdate\":\"CUSTOMER_MANAGED_KEY\","
	    "\"KeyIdUpdate\":\"" CMK2 "\"}}}", &req, NULL), 0);
	set_key(&w.target, CMK2, "Enabled");
	p = plan(&req, &w);
	assert_string_equal(p.key_change_kind, "switch CMK");
	assert_int_equal(p.nkeys, 2);
	assert_int_equal(count_checks(&p, "kms:Decrypt", CMK1), 1);
	assert_int_equal(count_checks(&p, "kms:Decrypt", CMK2), 1);
	assert_int_equal(p.nchecks, 11);
	assert_non_null(strstr(p.warnings[0], "stay encrypted"));
	/* the same key again is no key change */
	set_key(&w.target, CMK1, "Enabled");
	p = plan(&req, &w);
	assert_false(p.key_change);
	assert_int_equal(p.nchecks, 6);
}

static void
test_back_to_aws_owned_key(void **state)
{
	struct op_request req;
	struct op_world w = world("READY", "FLINK-1_20", CMK1);
	struct op_plan p;

	(void)state;
	assert_int_equal(parse(OP_UPDATE_APPLICATION, "{\"ApplicationName\":\"payments\","
	    "\"CurrentApplicationVersionId\":7,\"ApplicationConfigurationUpdate\":{"
	    "\"ApplicationEncryptionConfigurationUpdate\":{\"KeyTypeUpdate\":\"AWS_OWNED_KEY\"}}}",
	    &req, NULL), 0);
	p = plan(&req, &w);
	assert_true(p.key_change);
	assert_string_equal(p.key_change_kind, "disable CMK (back to the AWS owned key)");
	assert_int_equal(p.nkeys, 1);
	assert_int_equal(p.keys[0].role, KEY_ROLE_CURRENT);
	assert_int_equal(count_checks(&p, "kms:Decrypt", CMK1), 1);
}

static void
test_restore_under_disabled_key_is_refused_with_the_fix(void **state)
{
	struct op_request req;
	struct op_world w = world("READY", "FLINK-1_20", CMK1);
	struct op_plan p;

	(void)state;
	assert_int_equal(parse(OP_START_APPLICATION, "{\"ApplicationName\":\"payments\","
	    "\"RunConfiguration\":{\"ApplicationRestoreConfiguration\":{\"ApplicationRestoreType\":"
	    "\"RESTORE_FROM_CUSTOM_SNAPSHOT\",\"SnapshotName\":\"before-switch\"}}}", &req, NULL), 0);
	assert_true(req.need_snapshots);
	w.snapshot_found = true;
	w.snapshot_cmk = true;
	set_key(&w.snapshot, CMK2, "Disabled");
	p = plan(&req, &w);
	assert_int_equal(p.nrefusals, 1);
	assert_non_null(strstr(p.refusals[0], "is disabled: re-enable it (aws kms enable-key --key-id "
	    CMK2 ")"));
	assert_string_equal(p.key_change_kind, "restore across keys");
	/* a snapshot that is not there */
	w.snapshot_found = false;
	p = plan(&req, &w);
	assert_non_null(strstr(p.refusals[0], "snapshot before-switch"));
	/* pending deletion */
	w.snapshot_found = true;
	set_key(&w.snapshot, CMK2, "PendingDeletion");
	p = plan(&req, &w);
	assert_non_null(strstr(p.refusals[0], "cancel the deletion"));
}

static void
test_rollback_across_keys(void **state)
{
	struct op_request req;
	struct op_world w = world("RUNNING", "FLINK-1_20", CMK2);
	struct op_plan p;

	(void)state;
	assert_int_equal(parse(OP_ROLLBACK_APPLICATION, "{\"ApplicationName\":\"payments\","
	    "\"CurrentApplicationVersionId\":7}", &req, NULL), 0);
	assert_true(req.need_previous_version && req.need_snapshots);
	w.previous_found = true;
	w.previous_cmk = true;
	set_key(&w.previous, CMK1, "Enabled");
	p = plan(&req, &w);
	assert_true(p.key_change);
	assert_string_equal(p.key_change_kind, "rollback across keys");
	assert_int_equal(count_checks(&p, "kms:Decrypt", CMK1), 1);
	assert_int_equal(count_checks(&p, "kms:Decrypt", CMK2), 1);
	w.previous_found = false;
	p = plan(&req, &w);
	assert_non_null(strstr(p.refusals[0], "no version before 7"));
	/* no application: refused, and nothing to check */
	w.app_exists = false;
	p = plan(&req, &w);
	assert_int_equal(p.nrefusals, 1);
	assert_non_null(strstr(p.refusals[0], "does not exist"));
	assert_int_equal(p.nchecks, 0);
}

static void
test_cmk_needs_flink_1_20(void **state)
{
	struct op_request req;
	struct op_world w = world("READY", "FLINK-1_18", NULL);
	struct op_plan p;
	int ma, mi;

	(void)state;
	assert_int_equal(parse(OP_UPDATE_APPLICATION, "{\"ApplicationName\":\"legacy\","
	    "\"CurrentApplicationVersionId\":1,\"ApplicationConfigurationUpdate\":{"
	    "\"ApplicationEncryptionConfigurationUpdate\":{\"KeyTypeUpdate\":\"CUSTOMER_MANAGED_KEY\","
	    "\"KeyIdUpdate\":\"" CMK1 "\"}}}", &req, NULL), 0);
	set_key(&w.target, CMK1, "Enabled");
	p = plan(&req, &w);
	assert_int_equal(p.nrefusals, 1);
	assert_non_null(strstr(p.refusals[0], "FLINK-1_20"));
	/* upgrading the runtime in the same call is fine */
	assert_int_equal(parse(OP_UPDATE_APPLICATION, "{\"ApplicationName\":\"legacy\","
	    "\"CurrentApplicationVersionId\":1,\"RuntimeEnvironmentUpdate\":\"FLINK-2_0\","
	    "\"ApplicationConfigurationUpdate\":{\"ApplicationEncryptionConfigurationUpdate\":"
	    "{\"KeyTypeUpdate\":\"CUSTOMER_MANAGED_KEY\",\"KeyIdUpdate\":\"" CMK1 "\"}}}", &req, NULL), 0);
	p = plan(&req, &w);
	assert_int_equal(p.nrefusals, 0);
	assert_int_equal(ops_runtime_version("FLINK-1_20", &ma, &mi), 0);
	assert_int_equal(ma * 100 + mi, 120);
	assert_int_equal(ops_runtime_version("FLINK-1", &ma, &mi), CG_ERR_PARSE);
	assert_int_equal(ops_runtime_version("SQL-1_0", &ma, &mi), CG_ERR_PARSE);
}

static void
test_create_snapshot_stop_delete_and_create(void **state)
{
	struct op_request req;
	struct op_world w = world("RUNNING", "FLINK-1_20", CMK1);
	struct op_plan p;

	(void)state;
	assert_int_equal(parse(OP_CREATE_APPLICATION_SNAPSHOT, "{\"ApplicationName\":\"payments\","
	    "\"SnapshotName\":\"s-1\"}", &req, NULL), 0);
	p = plan(&req, &w);
	assert_false(p.key_change);
	assert_int_equal(p.nchecks, 6);
	assert_int_equal(parse(OP_STOP_APPLICATION, "{\"ApplicationName\":\"payments\",\"Force\":true}",
	    &req, NULL), 0);
	assert_true(req.force);
	assert_int_equal(parse(OP_DELETE_APPLICATION_SNAPSHOT, "{\"ApplicationName\":\"payments\","
	    "\"SnapshotName\":\"s-1\",\"SnapshotCreationTimestamp\":1763900000}", &req, NULL), 0);
	p = plan(&req, &w);
	assert_int_equal(p.nkeys, 0);
	assert_int_equal(p.nchecks, 1);
	/* a new application with a CMK: enable CMK, PassRole, the ARN built from the name */
	assert_int_equal(parse(OP_CREATE_APPLICATION, "{\"ApplicationName\":\"payments2\","
	    "\"RuntimeEnvironment\":\"FLINK-1_20\",\"ServiceExecutionRole\":"
	    "\"arn:aws:iam::111111111111:role/flink-exec\",\"ApplicationConfiguration\":{"
	    "\"ApplicationEncryptionConfiguration\":{\"KeyType\":\"CUSTOMER_MANAGED_KEY\","
	    "\"KeyId\":\"" CMK1 "\"},\"FlinkApplicationConfiguration\":{\"ParallelismConfiguration\":"
	    "{\"ConfigurationType\":\"DEFAULT\"}}}}", &req, NULL), 0);
	w = world("", "", NULL);
	w.app_exists = false;
	set_key(&w.target, CMK1, "Enabled");
	w.target.rotation = true;
	p = plan(&req, &w);
	assert_string_equal(p.key_change_kind, "enable CMK");
	assert_int_equal(count_checks(&p, "kinesisanalytics:CreateApplication",
	    "arn:aws:kinesisanalytics:eu-west-1:111111111111:application/payments2"), 1);
	assert_int_equal(count_checks(&p, "iam:PassRole", "arn:aws:iam::111111111111:role/flink-exec"), 1);
	assert_non_null(strstr(p.warnings[0], "automatic rotation"));
}

static void
test_refusals_for_bad_requests(void **state)
{
	struct op_request req;
	const char *msg = NULL;
	enum op_kind op;

	(void)state;
	assert_int_equal(parse(OP_STOP_APPLICATION, "{\"ApplicationName\":\"p\",\"Principal\":"
	    "\"arn:aws:iam::1:user/admin\"}", &req, &msg), CG_ERR_PARSE);
	assert_non_null(strstr(msg, "claims an identity"));
	assert_int_equal(parse(OP_STOP_APPLICATION, "{\"ApplicationName\":\"p\",\"Bogus\":1}",
	    &req, &msg), CG_ERR_PARSE);
	assert_non_null(strstr(msg, "unknown member \"Bogus\""));
	assert_int_equal(parse(OP_STOP_APPLICATION, "{\"Force\":true}", &req, &msg), CG_ERR_PARSE);
	assert_non_null(strstr(msg, "ApplicationName is required"));
	assert_int_equal(parse(OP_STOP_APPLICATION, "{\"ApplicationName\":\"p\",\"Force\":\"yes\"}",
	    &req, &msg), CG_ERR_PARSE);
	assert_int_equal(parse(OP_STOP_APPLICATION, "{\"ApplicationName\":\"a/b\"}", &req, &msg),
	    CG_ERR_PARSE);
	assert_int_equal(parse(OP_UPDATE_APPLICATION, "{\"ApplicationName\":\"p\"}", &req, &msg),
	    CG_ERR_PARSE);
	assert_non_null(strstr(msg, "ConditionalToken"));
	assert_int_equal(parse(OP_UPDATE_APPLICATION, "{\"ApplicationName\":\"p\","
	    "\"CurrentApplicationVersionId\":1,\"ApplicationConfigurationUpdate\":{"
	    "\"ApplicationEncryptionConfigurationUpdate\":{\"KeyTypeUpdate\":\"CUSTOMER_MANAGED_KEY\"}}}",
	    &req, &msg), CG_ERR_PARSE);
	assert_non_null(strstr(msg, "needs a key id"));
	assert_int_equal(parse(OP_UPDATE_APPLICATION, "{\"ApplicationName\":\"p\","
	    "\"CurrentApplicationVersionId\":1,\"ApplicationConfigurationUpdate\":{"
	    "\"ApplicationEncryptionConfigurationUpdate\":{\"KeyTypeUpdate\":\"AWS_OWNED_KEY\","
	    "\"KeyIdUpdate\":\"k\",\"Extra\":1}}}", &req, &msg), CG_ERR_PARSE);
	assert_int_equal(parse(OP_START_APPLICATION, "{\"ApplicationName\":\"p\",\"RunConfiguration\":"
	    "{\"ApplicationRestoreConfiguration\":{\"ApplicationRestoreType\":"
	    "\"RESTORE_FROM_LATEST_SNAPSHOT\",\"SnapshotName\":\"s\"}}}", &req, &msg), CG_ERR_PARSE);
	assert_int_equal(parse(OP_CREATE_APPLICATION, "{\"ApplicationName\":\"p\","
	    "\"RuntimeEnvironment\":\"FLINK-1_20\",\"ServiceExecutionRole\":\"not-a-role\"}",
	    &req, &msg), CG_ERR_PARSE);
	assert_non_null(strstr(msg, "IAM role ARN"));
	assert_int_equal(parse(OP_ROLLBACK_APPLICATION, "{\"ApplicationName\":\"p\","
	    "\"CurrentApplicationVersionId\":0}", &req, &msg), CG_ERR_PARSE);
	assert_int_equal(parse(OP_ROLLBACK_APPLICATION, "[]", &req, &msg), CG_ERR_PARSE);
	assert_int_equal(ops_lookup("UpdateApplication", &op), 0);
	assert_int_equal(op, OP_UPDATE_APPLICATION);
	assert_int_equal(ops_lookup("DeleteApplication", &op), CG_ERR_NOT_FOUND);
	assert_string_equal(ops_name(OP_ROLLBACK_APPLICATION), "RollbackApplication");
}

static struct policy *
compile(const char *text, enum policy_kind kind, const char *name)
{
	struct cg_buf *why = NULL;
	struct policy *p = NULL;

	assert_int_equal(cg_buf_new(2048, &why), 0);
	assert_int_equal(policy_compile_text(text, strlen(text), kind, name, &p, why), 0);
	cg_buf_free(why);
	return p;
}

static void
test_permission_checks_name_operator_key_and_stage(void **state)
{
	struct op_request req;
	struct op_world w = world("READY", "FLINK-1_20", CMK1);
	struct op_plan p;
	struct ops_policies pol;
	struct ops_check_result res[OPS_CHECKS_MAX];
	struct policy *id, *kp1, *kp2;
	struct policy *kps[2];
	const char *arns[2] = { CMK1, CMK2 };
	struct cg_buf *why = NULL;
	bool allowed = true;
	size_t i, refused = 0;

	(void)state;
	assert_int_equal(parse(OP_UPDATE_APPLICATION, "{\"ApplicationName\":\"payments\","
	    "\"CurrentApplicationVersionId\":7,\"ApplicationConfigurationUpdate\":{"
	    "\"ApplicationEncryptionConfigurationUpdate\":{\"KeyTypeUpdate\":\"CUSTOMER_MANAGED_KEY\","
	    "\"KeyIdUpdate\":\"" CMK2 "\"}}}", &req, NULL), 0);
	set_key(&w.target, CMK2, "Enabled");
	p = plan(&req, &w);
	id = compile("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	    "\"Action\":[\"kinesisanalytics:UpdateApplication\",\"kms:*\"],\"Resource\":\"*\"}]}",
	    POLICY_IDENTITY, "operator-policy");
	/* CMK#1's key policy names only the key administrator; CMK#2 delegates to IAM */
	kp1 = compile("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
	    "\"arn:aws:iam::111111111111:role/key-admin\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}",
	    POLICY_RESOURCE, "key policy of CMK#1");
	kp2 = compile("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
	    "\"111111111111\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}",
	    POLICY_RESOURCE, "key policy of CMK#2");
	kps[0] = kp1;
	kps[1] = kp2;
	memset(&pol, 0, sizeof(pol));
	pol.operator_name = "alice";
	pol.principal = "arn:aws:sts::111111111111:assumed-role/flink-operator/alice";
	pol.identity = &id;
	pol.nidentity = 1;
	pol.key_arns = arns;
	pol.key_policies = kps;
	pol.nkeys = 2;
	assert_int_equal(cg_buf_new(1024, &why), 0);
	assert_int_equal(ops_check_permissions(&p, &pol, res, &allowed, why), 0);
	assert_false(allowed);
	for (i = 0; i < p.nchecks; i++) {
		if (res[i].decision == POLICY_ALLOW)
			continue;
		refused++;
		assert_string_equal(p.checks[i].resource, CMK1);
		assert_int_equal(res[i].stage, STAGE_KEY_POLICY);
		assert_non_null(strstr(res[i].reason, "operator alice"));
		assert_non_null(strstr(res[i].reason, "the current key"));
		assert_non_null(strstr(res[i].reason, "at stage key-policy"));
		if (refused == 1)
			print_message("example refusal: %s\n", res[i].reason);
	}
	assert_int_equal(refused, 5);	/* every KMS action on CMK#1, none on CMK#2 */
	/* with CMK#1 delegating too, everything passes */
	kps[0] = kp2;
	assert_int_equal(ops_check_permissions(&p, &pol, res, &allowed, why), 0);
	assert_true(allowed);
	policy_free(id);
	policy_free(kp1);
	policy_free(kp2);
	cg_buf_free(why);
}

/* The global condition keys the gate knows reach the policy engine. */
static void
test_permission_checks_see_global_keys(void **state)
{
	struct op_request req;
	struct op_world w = world("READY", "FLINK-1_20", CMK1);
	struct op_plan p;
	struct ops_policies pol;
	struct ops_check_result res[OPS_CHECKS_MAX];
	struct policy *id, *kp;
	const char *arns[1] = { CMK1 };
	struct cg_buf *why = NULL;
	bool allowed = false;

	(void)state;
	assert_int_equal(parse(OP_CREATE_APPLICATION_SNAPSHOT, "{\"ApplicationName\":\"payments\","
	    "\"SnapshotName\":\"s\"}", &req, NULL), 0);
	p = plan(&req, &w);
	id = compile("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	    "\"Action\":[\"kinesisanalytics:*\",\"kms:*\"],\"Resource\":\"*\",\"Condition\":{"
	    "\"StringEquals\":{\"aws:RequestedRegion\":\"eu-west-1\",\"aws:PrincipalAccount\":"
	    "\"111111111111\",\"aws:PrincipalType\":\"AssumedRole\"},"
	    "\"ArnEquals\":{\"aws:PrincipalArn\":\"arn:aws:iam::111111111111:role/flink-operator\"},"
	    "\"Bool\":{\"aws:SecureTransport\":\"true\"},"
	    "\"DateLessThan\":{\"aws:CurrentTime\":\"2100-01-01T00:00:00Z\"}}},"
	    "{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{"
	    "\"NumericGreaterThan\":{\"aws:EpochTime\":\"4102444800\"}}}]}",
	    POLICY_IDENTITY, "region-bound");
	kp = compile("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
	    "\"111111111111\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}",
	    POLICY_RESOURCE, "key policy");
	memset(&pol, 0, sizeof(pol));
	pol.operator_name = "alice";
	pol.principal = "arn:aws:sts::111111111111:assumed-role/flink-operator/alice";
	pol.identity = &id;
	pol.nidentity = 1;
	pol.key_arns = arns;
	pol.key_policies = &kp;
	pol.nkeys = 1;
	assert_int_equal(cg_buf_new(1024, &why), 0);
	/* without the keys the conditions cannot match: denied */
	assert_int_equal(ops_check_permissions(&p, &pol, res, &allowed, why), 0);
	assert_false(allowed);
	pol.region = "eu-west-1";
	pol.principal_account = "111111111111";
	pol.principal_role_arn = "arn:aws:iam::111111111111:role/flink-operator";
	pol.now = (time_t)1764526800;	/* 2025-11-30 */
	assert_int_equal(ops_check_permissions(&p, &pol, res, &allowed, why), 0);
	assert_true(allowed);
	/* another region, or a time past the Deny's epoch, is refused */
	pol.region = "us-east-1";
	assert_int_equal(ops_check_permissions(&p, &pol, res, &allowed, why), 0);
	assert_false(allowed);
	pol.region = "eu-west-1";
	pol.now = (time_t)4102444801;
	assert_int_equal(ops_check_permissions(&p, &pol, res, &allowed, why), 0);
	assert_false(allowed);
	policy_free(id);
	policy_free(kp);
	cg_buf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_permission_checks_see_global_keys),
		cmocka_unit_test(test_enable_cmk_on_running_application),
		cmocka_unit_test(test_switch_cmk1_to_cmk2_needs_both_keys),
		cmocka_unit_test(test_back_to_aws_owned_key),
		cmocka_unit_test(test_restore_under_disabled_key_is_refused_with_the_fix),
		cmocka_unit_test(test_rollback_across_keys),
		cmocka_unit_test(test_cmk_needs_flink_1_20),
		cmocka_unit_test(test_create_snapshot_stop_delete_and_create),
		cmocka_unit_test(test_refusals_for_bad_requests),
		cmocka_unit_test(test_permission_checks_name_operator_key_and_stage),
	};

	return cmocka_run_group_tests_name("ops", tests, NULL, NULL);
}

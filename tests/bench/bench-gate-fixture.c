/*
 * The corpus of the gate benchmarks.  See bench-gate-fixture.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "policy_cache.h"
#include "rules.h"

#include "bench-gate-fixture.h"

#define VIA		"kinesisanalytics." BENCH_GATE_REGION ".amazonaws.com"
#define APP_PATTERN	"arn:aws:kinesisanalytics:" BENCH_GATE_REGION ":" BENCH_GATE_ACCOUNT \
			":application/*"
#define ROLE_ARN	"arn:aws:iam::" BENCH_GATE_ACCOUNT ":role/" BENCH_GATE_ROLE
#define POLICY_TEXT_MAX	(1 << 20)

/* Actions of statements that are not about Managed Flink or KMS. */
static const char *const filler_actions[] = {
	"s3:GetObject", "s3:PutObject", "logs:PutLogEvents", "logs:Describe*",
	"cloudwatch:PutMetricData", "ec2:Describe*", "kinesis:GetRecords",
	"kinesis:PutRecord*", "glue:GetTable", "kafka-cluster:Connect",
	"kinesisanalytics:Describe*", "kinesisanalytics:List*", "sqs:SendMessage",
	"dynamodb:GetItem", "secretsmanager:GetSecretValue",
};

/*
 * Statement s of identity policy p.  The last policy's first four carry
 * what the plan checks; the call's region condition reads the
 * aws:RequestedRegion the gate's checks carry.  The filler statements'
 * conditions never hold, which costs the engine the same either way.
 */
static int
identity_statement(struct cg_buf *b, int p, int s, bool last)
{
	const char *act = filler_actions[(p * 7 + s) % (int)CG_NELEM(filler_actions)];
	const char *act2 = filler_actions[(p + s) % (int)CG_NELEM(filler_actions)];
	int r = CG_ERR_INTERNAL;

	if (last && s == 0)
		GUARD(cg_buf_putf(b, "{\"Sid\":\"FlinkLifecycle\",\"Effect\":\"Allow\",\"Action\":"
		    "[\"kinesisanalytics:UpdateApplication\",\"kinesisanalytics:Start*\","
		    "\"kinesisanalytics:Stop*\",\"kinesisanalytics:CreateApplicationSnapshot\"],"
		    "\"Resource\":\"%s\",\"Condition\":{\"StringEquals\":"
		    "{\"aws:RequestedRegion\":\"%s\"}}}", APP_PATTERN, BENCH_GATE_REGION));
	else if (last && s == 1)
		GUARD(cg_buf_putf(b, "{\"Sid\":\"KeyUse\",\"Effect\":\"Allow\",\"Action\":"
		    "[\"kms:Decrypt\",\"kms:GenerateDataKey\",\"kms:GenerateDataKeyWithoutPlaintext\"],"
		    "\"Resource\":\"arn:aws:kms:%s:%s:key/*\",\"Condition\":{"
		    "\"StringEquals\":{\"kms:ViaService\":\"%s\"},"
		    "\"ArnLike\":{\"kms:EncryptionContext:aws:kinesisanalytics:arn\":\"%s\"}}}",
		    BENCH_GATE_REGION, BENCH_GATE_ACCOUNT, VIA, APP_PATTERN));
	else if (last && s == 2)
		GUARD(cg_buf_putf(b, "{\"Sid\":\"KeyDescribe\",\"Effect\":\"Allow\",\"Action\":"
		    "\"kms:DescribeKey\",\"Resource\":\"arn:aws:kms:%s:%s:key/*\","
		    "\"Condition\":{\"StringEquals\":{\"kms:ViaService\":\"%s\"}}}",
		    BENCH_GATE_REGION, BENCH_GATE_ACCOUNT, VIA));
	else if (last && s == 3)
		GUARD(cg_buf_putf(b, "{\"Sid\":\"KeyGrant\",\"Effect\":\"Allow\",\"Action\":"
		    "\"kms:CreateGrant\",\"Resource\":\"arn:aws:kms:%s:%s:key/*\","
		    "\"Condition\":{\"StringEquals\":{\"kms:ViaService\":\"%s\","
		    "\"kms:GrantConstraintType\":\"EncryptionContextSubset\"},"
		    "\"ForAllValues:StringEquals\":{\"kms:GrantOperations\":\"Decrypt\"}}}",
		    BENCH_GATE_REGION, BENCH_GATE_ACCOUNT, VIA));
	else if (s % 5 == 4)
		GUARD(cg_buf_putf(b, "{\"Sid\":\"DenyOutside%d\",\"Effect\":\"Deny\",\"Action\":"
		    "\"%s\",\"Resource\":\"*\",\"Condition\":{\"NotIpAddress\":{\"aws:SourceIp\":"
		    "[\"10.0.0.0/8\",\"2001:db8::/32\"]},\"Bool\":{\"aws:ViaAWSService\":\"false\"}}}",
		    s, act));
	else
		GUARD(cg_buf_putf(b, "{\"Sid\":\"F%dx%d\",\"Effect\":\"Allow\",\"Action\":[\"%s\","
		    "\"%s\"],\"Resource\":[\"arn:aws:*:%s:%s:*/team-%d-*\",\"arn:aws:s3:::bucket-%d/*\"],"
		    "\"Condition\":{\"StringLike\":{\"aws:PrincipalTag/team\":\"team-%d*\"},"
		    "\"DateLessThan\":{\"aws:CurrentTime\":\"2030-01-01T00:00:00Z\"}}}",
		    p, s, act, act2, BENCH_GATE_REGION, BENCH_GATE_ACCOUNT, p, s, p));
	r = 0;
 out:
	return r;
}

static int
identity_text(struct cg_buf *b, int p, int n, bool last)
{
	int s, r = CG_ERR_INTERNAL;

	cg_buf_reset(b);
	GUARD(cg_buf_put_str(b, "{\"Version\":\"2012-10-17\",\"Statement\":["));
	for (s = 0; s < n; s++) {
		if (s > 0)
			GUARD(cg_buf_put_str(b, ","));
		GUARD(identity_statement(b, p, s, last));
	}
	GUARD(cg_buf_put_str(b, "]}"));
	GUARD(cg_buf_put(b, "", 1));
	r = 0;
 out:
	return r;
}

static int
key_policy_text(struct cg_buf *b)
{
	static const char *const operators = "[\"" ROLE_ARN "\",\"arn:aws:iam::"
	    BENCH_GATE_ACCOUNT ":user/op-alice\",\"arn:aws:iam::" BENCH_GATE_ACCOUNT
	    ":user/op-bob\"]";
	int r = CG_ERR_INTERNAL;

	cg_buf_reset(b);
	GUARD(cg_buf_putf(b, "{\"Version\":\"2012-10-17\",\"Statement\":["
	    "{\"Sid\":\"KeyAdministration\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
	    "\"arn:aws:iam::%s:user/key-admin\"},\"Action\":\"kms:*\",\"Resource\":\"*\"},"
	    "{\"Sid\":\"EnableIAMPolicies\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
	    "\"arn:aws:iam::%s:root\"},\"Action\":\"kms:*\",\"Resource\":\"*\"},"
	    "{\"Sid\":\"GateReadsKey\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
	    "\"arn:aws:iam::%s:user/gate\"},\"Action\":[\"kms:DescribeKey\",\"kms:GetKeyPolicy\","
	    "\"kms:GetKeyRotationStatus\",\"kms:ListResourceTags\"],\"Resource\":\"*\"},",
	    BENCH_GATE_ACCOUNT, BENCH_GATE_ACCOUNT, BENCH_GATE_ACCOUNT));
	GUARD(cg_buf_putf(b, "{\"Sid\":\"OperatorDescribeKey\",\"Effect\":\"Allow\","
	    "\"Principal\":{\"AWS\":%s},\"Action\":\"kms:DescribeKey\",\"Resource\":\"*\","
	    "\"Condition\":{\"StringEquals\":{\"kms:ViaService\":\"%s\"}}},"
	    "{\"Sid\":\"OperatorUseKeyThroughFlink\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":%s},"
	    "\"Action\":[\"kms:Decrypt\",\"kms:GenerateDataKey\","
	    "\"kms:GenerateDataKeyWithoutPlaintext\"],\"Resource\":\"*\",\"Condition\":{"
	    "\"StringEquals\":{\"kms:ViaService\":\"%s\"},"
	    "\"ArnLike\":{\"kms:EncryptionContext:aws:kinesisanalytics:arn\":\"%s\"}}},",
	    operators, VIA, operators, VIA, APP_PATTERN));
	GUARD(cg_buf_putf(b, "{\"Sid\":\"OperatorGrantDecryptToFlink\",\"Effect\":\"Allow\","
	    "\"Principal\":{\"AWS\":%s},\"Action\":\"kms:CreateGrant\",\"Resource\":\"*\","
	    "\"Condition\":{\"StringEquals\":{\"kms:ViaService\":\"%s\","
	    "\"kms:GrantConstraintType\":\"EncryptionContextSubset\"},"
	    "\"ArnLike\":{\"kms:EncryptionContext:aws:kinesisanalytics:arn\":\"%s\"},"
	    "\"ForAllValues:StringEquals\":{\"kms:GrantOperations\":\"Decrypt\"}}},",
	    operators, VIA, APP_PATTERN));
	GUARD(cg_buf_putf(b, "{\"Sid\":\"ManagedFlinkService\",\"Effect\":\"Allow\","
	    "\"Principal\":{\"Service\":[\"kinesisanalytics.amazonaws.com\","
	    "\"infrastructure.kinesisanalytics.amazonaws.com\"]},\"Action\":[\"kms:DescribeKey\","
	    "\"kms:Decrypt\",\"kms:GenerateDataKey\",\"kms:GenerateDataKeyWithoutPlaintext\","
	    "\"kms:CreateGrant\"],\"Resource\":\"*\",\"Condition\":{\"StringEquals\":"
	    "{\"aws:SourceAccount\":\"%s\"},\"ArnLike\":{\"aws:SourceArn\":\"%s\"}}},"
	    "{\"Sid\":\"DenyRetirement\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":"
	    "[\"kms:ScheduleKeyDeletion\",\"kms:DisableKey\"],\"Resource\":\"*\",\"Condition\":"
	    "{\"StringNotLike\":{\"aws:PrincipalArn\":\"arn:aws:iam::%s:user/key-admin\"}}}]}",
	    BENCH_GATE_ACCOUNT, APP_PATTERN, BENCH_GATE_ACCOUNT));
	GUARD(cg_buf_put(b, "", 1));
	r = 0;
 out:
	return r;
}

static const char *const boundary_text =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
    "[\"kinesisanalytics:*\",\"kms:*\",\"s3:*\",\"logs:*\"],\"Resource\":\"*\"},"
    "{\"Effect\":\"Deny\",\"Action\":\"iam:*\",\"Resource\":\"*\"}]}";

/* The filing a client of the daemon sends for the switch. */
static const char *const filing_text =
    "{\"operation\":\"UpdateApplication\",\"region\":\"" BENCH_GATE_REGION "\","
    "\"reason\":\"CHG-4711 move payments to CMK#2 before CMK#1 is retired\","
    "\"input\":{\"ApplicationName\":\"" BENCH_GATE_APP_NAME "\","
    "\"CurrentApplicationVersionId\":7,\"ApplicationConfigurationUpdate\":"
    "{\"ApplicationEncryptionConfigurationUpdate\":{\"KeyTypeUpdate\":\"CUSTOMER_MANAGED_KEY\","
    "\"KeyIdUpdate\":\"" BENCH_GATE_KEY2 "\"}}}}";

static void
key_state(struct op_key_state *k, const char *arn)
{
	k->found = true;
	(void)snprintf(k->arn, sizeof(k->arn), "%s", arn);
	(void)snprintf(k->state, sizeof(k->state), "Enabled");
	k->rotation = false;
}

/* What decide_gather() would have read from AWS for the switch. */
static void
world_by_hand(struct op_world *w)
{
	memset(w, 0, sizeof(*w));
	(void)snprintf(w->region, sizeof(w->region), "%s", BENCH_GATE_REGION);
	(void)snprintf(w->account, sizeof(w->account), "%s", BENCH_GATE_ACCOUNT);
	w->app_exists = true;
	(void)snprintf(w->app_arn, sizeof(w->app_arn), "%s", BENCH_GATE_APP_ARN);
	(void)snprintf(w->app_status, sizeof(w->app_status), "RUNNING");
	w->app_version = 7;
	(void)snprintf(w->app_runtime, sizeof(w->app_runtime), "FLINK-1_20");
	w->current_cmk = true;
	key_state(&w->current, BENCH_GATE_KEY1);
	key_state(&w->target, BENCH_GATE_KEY2);
}

static int
role_entry(struct pc_entry **ret, size_t *ret_statements, struct cg_buf *why)
{
	struct cg_buf *texts[BENCH_GATE_POLICIES];
	const char *docs[BENCH_GATE_POLICIES], *names[BENCH_GATE_POLICIES];
	char name_store[BENCH_GATE_POLICIES][32];
	int p, r = CG_ERR_INTERNAL;

	memset(texts, 0, sizeof(texts));
	for (p = 0; p < BENCH_GATE_POLICIES; p++) {
		GUARD(cg_buf_new(POLICY_TEXT_MAX, &texts[p]));
		GUARD(identity_text(texts[p], p, BENCH_GATE_STATEMENTS,
		    p == BENCH_GATE_POLICIES - 1));
		docs[p] = (const char *)cg_buf_ptr(texts[p]);
		(void)snprintf(name_store[p], sizeof(name_store[p]), "flink-operator-%02d", p);
		names[p] = name_store[p];
	}
	GUARD(pc_entry_from_role_texts(BENCH_GATE_ROLE, names, docs, BENCH_GATE_POLICIES,
	    boundary_text, ret, why));
	*ret_statements = (size_t)BENCH_GATE_POLICIES * BENCH_GATE_STATEMENTS;
	r = 0;
 out:
	for (p = 0; p < BENCH_GATE_POLICIES; p++)
		cg_buf_free(texts[p]);
	return r;
}

int
bench_gate_setup(const char *ops_dir, struct bench_gate *ret, struct cg_buf *why)
{
	struct bench_gate g;
	struct cg_buf *kp = NULL;
	int r = CG_ERR_INTERNAL;

	memset(&g, 0, sizeof(g));
	world_by_hand(&g.facts.world);
	GUARD(role_entry(&g.facts.role, &g.identity_statements, why));
	GUARD(cg_buf_new(POLICY_TEXT_MAX, &kp));
	GUARD(key_policy_text(kp));
	GUARD(pc_entry_from_key_text(BENCH_GATE_KEY1, (const char *)cg_buf_ptr(kp),
	    &g.facts.keys[0], why));
	g.facts.nkeys = 1;
	GUARD(pc_entry_from_key_text(BENCH_GATE_KEY2, (const char *)cg_buf_ptr(kp),
	    &g.facts.keys[1], why));
	g.facts.nkeys = 2;
	GUARD(rules_load_dir(ops_dir, &g.rules, why));
	g.who.operator_name = BENCH_GATE_OPERATOR;
	g.who.principal = BENCH_GATE_PRINCIPAL;
	ENSURE((g.body = strdup(filing_text)) != NULL, CG_ERR_NOMEM);
	g.body_len = strlen(g.body);
	*ret = g;
	memset(&g, 0, sizeof(g));
	r = 0;
 out:
	cg_buf_free(kp);
	bench_gate_clear(&g);
	return r;
}

void
bench_gate_clear(struct bench_gate *g)
{
	decide_facts_clear(&g->facts);
	rules_set_free(g->rules);
	free(g->body);
	memset(g, 0, sizeof(*g));
}

int
bench_gate_decide(const struct bench_gate *g, const struct filing *f,
    enum decide_outcome *ret_outcome, struct json_object **ret_record, struct cg_buf *why)
{
	struct decide_who who = g->who;

	who.reason = f->reason;
	return decide_evaluate(&f->req, f->digest, &g->facts, &who, g->rules, time(NULL),
	    ret_outcome, ret_record, why);
}

/* The string member name of o, or "" when it has none. */
static const char *
member_string(struct json_object *o, const char *name)
{
	struct json_object *v = NULL;
	const char *s = "";

	if (json_object_object_get_ex(o, name, &v) && json_object_is_type(v, json_type_string))
		s = json_object_get_string(v);
	return s;
}

int
bench_gate_expect(enum decide_outcome outcome, struct json_object *record,
    size_t *ret_nchecks, struct cg_buf *why)
{
	struct json_object *checks = NULL, *rules = NULL, *c;
	size_t i, n;
	int r = CG_ERR_INTERNAL;

	if (outcome != DECIDE_PENDING) {
		(void)cg_buf_putf(why, "the outcome is %s, not pending: %s",
		    decide_outcome_name(outcome), json_object_to_json_string_ext(record,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		r = CG_ERR_DENIED;
		goto out;
	}
	ENSURE(json_object_object_get_ex(record, "checks", &checks) &&
	    json_object_is_type(checks, json_type_array), CG_ERR_PARSE);
	n = json_object_array_length(checks);
	ENSURE(n > 0, CG_ERR_PARSE);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(checks, i);
		if (strcmp(member_string(c, "result"), "Allow") != 0) {
			(void)cg_buf_putf(why, "check %zu (%s on %s) is %s: %s", i,
			    member_string(c, "action"), member_string(c, "resource"),
			    member_string(c, "result"), member_string(c, "reason"));
			r = CG_ERR_DENIED;
			goto out;
		}
	}
	ENSURE(json_object_object_get_ex(record, "rules", &rules), CG_ERR_PARSE);
	if (strcmp(member_string(rules, "result"), "pending") != 0) {
		(void)cg_buf_putf(why, "the rule stack's result is %s, not pending",
		    member_string(rules, "result"));
		r = CG_ERR_DENIED;
		goto out;
	}
	*ret_nchecks = n;
	r = 0;
 out:
	return r;
}

int
bench_gate_gather(void *ctx, const struct op_request *req, const char *role, int64_t now_ms,
    struct decide_facts *ret_facts, struct cg_buf *why)
{
	const struct bench_gate *g = ctx;

	(void)req;
	(void)role;
	(void)now_ms;
	(void)why;
	decide_facts_copy(&g->facts, ret_facts);
	return 0;
}

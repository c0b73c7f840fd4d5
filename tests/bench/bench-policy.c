/*
 * Policy engine benchmark: compile once, evaluate many times.
 *
 * The corpus is an operator (a role session) with NPOL identity policies
 * of NSTMT statements each, most with conditions; two KMS key policies
 * (CMK#1 and CMK#2), a permission boundary and a session policy.  The
 * queries are what an UpdateApplication switching CMK#1 -> CMK#2 needs:
 * the kinesisanalytics action on the application and the KMS actions on
 * both keys, with the ViaService and encryption-context keys.
 *
 *   bench-policy [--seconds S] [--queries-out FILE] [--scaling]
 *
 * Prints one JSON object per measurement.  --queries-out writes the same
 * queries as `cmkgate policy eval` JSON Lines, so another evaluator can be
 * timed on exactly the same input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "context.h"
#include "policy.h"

#define ACCT "111111111111"
#define REGION "eu-west-1"
#define KEY1 "arn:aws:kms:" REGION ":" ACCT ":key/1111aaaa-1111-4111-8111-111111111111"
#define KEY2 "arn:aws:kms:" REGION ":" ACCT ":key/2222bbbb-2222-4222-8222-222222222222"
#define APP "arn:aws:kinesisanalytics:" REGION ":" ACCT ":application/payments"
#define PRINCIPAL "arn:aws:sts::" ACCT ":assumed-role/flink-operator/alice"
#define VIA "kinesisanalytics." REGION ".amazonaws.com"

static const char *const filler_actions[] = {
	"s3:GetObject", "s3:PutObject", "logs:PutLogEvents", "logs:Describe*",
	"cloudwatch:PutMetricData", "ec2:Describe*", "kinesis:GetRecords",
	"kinesis:PutRecord*", "glue:GetTable", "kafka-cluster:Connect",
	"kinesisanalytics:Describe*", "kinesisanalytics:List*", "sqs:SendMessage",
	"dynamodb:GetItem", "secretsmanager:GetSecretValue",
};

static void
die(const char *what, struct cg_buf *why)
{
	const char *msg = "";

	(void)cg_buf_cstr(why, &msg);
	fprintf(stderr, "bench-policy: %s: %s\n", what, msg);
	exit(1);
}

/* Identity policy number p with n statements; the last policy carries the real grants. */
static void
identity_text(struct cg_buf *b, int p, int n, int last)
{
	int s;

	cg_buf_reset(b);
	cg_buf_put_str(b, "{\"Version\":\"2012-10-17\",\"Statement\":[");
	for (s = 0; s < n; s++) {
		const char *act = filler_actions[(p * 7 + s) % 15];

		if (s > 0)
			cg_buf_put_str(b, ",");
		if (last && s == 0) {
			cg_buf_putf(b, "{\"Sid\":\"Flink\",\"Effect\":\"Allow\",\"Action\":"
			    "[\"kinesisanalytics:UpdateApplication\",\"kinesisanalytics:Start*\","
			    "\"kinesisanalytics:Stop*\",\"kinesisanalytics:CreateApplicationSnapshot\"],"
			    "\"Resource\":\"arn:aws:kinesisanalytics:%s:%s:application/*\","
			    "\"Condition\":{\"StringEquals\":{\"aws:RequestedRegion\":\"%s\"}}}",
			    REGION, ACCT, REGION);
		} else if (last && s == 1) {
			cg_buf_putf(b, "{\"Sid\":\"KeyUse\",\"Effect\":\"Allow\",\"Action\":"
			    "[\"kms:Decrypt\",\"kms:GenerateDataKey\",\"kms:GenerateDataKeyWithoutPlaintext\"],"
			    "\"Resource\":\"arn:aws:kms:%s:%s:key/*\",\"Condition\":{"
			    "\"StringEquals\":{\"kms:ViaService\":\"%s\"},"
			    "\"ArnLike\":{\"kms:EncryptionContext:aws:kinesisanalytics:arn\":"
			    "\"arn:aws:kinesisanalytics:%s:%s:application/*\"}}}",
			    REGION, ACCT, VIA, REGION, ACCT);
		} else if (last && s == 2) {
			cg_buf_putf(b, "{\"Sid\":\"KeyDescribe\",\"Effect\":\"Allow\",\"Action\":"
			    "\"kms:DescribeKey\",\"Resource\":\"arn:aws:kms:%s:%s:key/*\","
			    "\"Condition\":{\"StringEquals\":{\"kms:ViaService\":\"%s\"}}}",
			    REGION, ACCT, VIA);
		} else if (last && s == 3) {
			cg_buf_putf(b, "{\"Sid\":\"KeyGrant\",\"Effect\":\"Allow\",\"Action\":"
			    "\"kms:CreateGrant\",\"Resource\":\"arn:aws:kms:%s:%s:key/*\","
			    "\"Condition\":{\"StringEquals\":{\"kms:ViaService\":\"%s\","
			    "\"kms:GrantConstraintType\":\"EncryptionContextSubset\"},"
			    "\"ForAllValues:StringEquals\":{\"kms:GrantOperations\":\"Decrypt\"}}}",
			    REGION, ACCT, VIA);
		} else if (s % 5 == 4) {
			cg_buf_putf(b, "{\"Sid\":\"DenyOutside%d\",\"Effect\":\"Deny\",\"Action\":\"%s\","
			    "\"Resource\":\"*\",\"Condition\":{\"NotIpAddress\":{\"aws:SourceIp\":"
			    "[\"10.0.0.0/8\",\"2001:db8::/32\"]},\"Bool\":{\"aws:ViaAWSService\":\"false\"}}}",
			    s, act);
		} else {
			cg_buf_putf(b, "{\"Sid\":\"F%dx%d\",\"Effect\":\"Allow\",\"Action\":[\"%s\","
			    "\"%s\"],\"Resource\":[\"arn:aws:*:%s:%s:*/team-%d-*\",\"arn:aws:s3:::bucket-%d/*\"],"
			    "\"Condition\":{\"StringLike\":{\"aws:PrincipalTag/team\":\"team-%d*\"},"
			    "\"DateLessThan\":{\"aws:CurrentTime\":\"2030-01-01T00:00:00Z\"}}}",
			    p, s, act, filler_actions[(p + s) % 15], REGION, ACCT, p, s, p);
		}
	}
	cg_buf_put_str(b, "]}");
}

static void
key_policy_text(struct cg_buf *b)
{
	cg_buf_reset(b);
	cg_buf_putf(b, "{\"Version\":\"2012-10-17\",\"Statement\":["
	    "{\"Sid\":\"EnableIAM\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::%s:root\"},"
	    "\"Action\":\"kms:*\",\"Resource\":\"*\"},"
	    "{\"Sid\":\"Service\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
	    "[\"kinesisanalytics.amazonaws.com\",\"infrastructure.kinesisanalytics.amazonaws.com\"]},"
	    "\"Action\":[\"kms:Decrypt\",\"kms:GenerateDataKey*\",\"kms:DescribeKey\",\"kms:CreateGrant\"],"
	    "\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":\"%s\"},"
	    "\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:kinesisanalytics:%s:%s:application/*\"}}},"
	    "{\"Sid\":\"DenyDelete\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":"
	    "[\"kms:ScheduleKeyDeletion\",\"kms:DisableKey\"],\"Resource\":\"*\","
	    "\"Condition\":{\"StringNotLike\":{\"aws:PrincipalArn\":\"arn:aws:iam::%s:role/key-admin\"}}}]}",
	    ACCT, ACCT, REGION, ACCT, ACCT);
}

static const char *boundary_text =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
    "[\"kinesisanalytics:*\",\"kms:*\",\"s3:*\",\"logs:*\"],\"Resource\":\"*\"},"
    "{\"Effect\":\"Deny\",\"Action\":\"iam:*\",\"Resource\":\"*\"}]}";

static const char *session_text =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
    "\"kinesisanalytics:UpdateApplication\",\"Resource\":\"" APP "\"},"
    "{\"Effect\":\"Allow\",\"Action\":[\"kms:Decrypt\",\"kms:GenerateDataKey\","
    "\"kms:GenerateDataKeyWithoutPlaintext\",\"kms:DescribeKey\",\"kms:CreateGrant\"],"
    "\"Resource\":[\"" KEY1 "\",\"" KEY2 "\"],\"Condition\":{\"StringEquals\":"
    "{\"kms:ViaService\":\"" VIA "\"}}}]}";

struct req {
	const char	*action;
	const char	*resource;
	int		 key;	/* 0: none, 1 or 2 */
};

static const struct req reqs[] = {
	{ "kinesisanalytics:UpdateApplication", APP, 0 },
	{ "kms:DescribeKey", KEY1, 1 },
	{ "kms:Decrypt", KEY1, 1 },
	{ "kms:GenerateDataKey", KEY1, 1 },
	{ "kms:CreateGrant", KEY1, 1 },
	{ "kms:DescribeKey", KEY2, 2 },
	{ "kms:Decrypt", KEY2, 2 },
	{ "kms:GenerateDataKey", KEY2, 2 },
	{ "kms:GenerateDataKeyWithoutPlaintext", KEY2, 2 },
	{ "kms:CreateGrant", KEY2, 2 },
};
#define NREQS (sizeof(reqs) / sizeof(reqs[0]))

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
build_context(struct context *ctx)
{
	const char *via[] = { VIA }, *app[] = { APP }, *region[] = { REGION };
	const char *ops[] = { "Decrypt" }, *ct[] = { "EncryptionContextSubset" };
	const char *ip[] = { "10.1.2.3" }, *tag[] = { "team-3" };
	const char *nowv[] = { "2026-11-23T12:00:00Z" }, *pa[] = { "arn:aws:iam::" ACCT ":role/flink-operator" };
	const char *f[] = { "false" };

	context_init(ctx);
	if (context_add(ctx, "kms:ViaService", via, 1, false) < 0 ||
	    context_add(ctx, "kms:EncryptionContext:aws:kinesisanalytics:arn", app, 1, false) < 0 ||
	    context_add(ctx, "aws:RequestedRegion", region, 1, false) < 0 ||
	    context_add(ctx, "kms:GrantOperations", ops, 1, true) < 0 ||
	    context_add(ctx, "kms:GrantConstraintType", ct, 1, false) < 0 ||
	    context_add(ctx, "aws:SourceIp", ip, 1, false) < 0 ||
	    context_add(ctx, "aws:PrincipalTag/team", tag, 1, false) < 0 ||
	    context_add(ctx, "aws:CurrentTime", nowv, 1, false) < 0 ||
	    context_add(ctx, "aws:PrincipalArn", pa, 1, false) < 0 ||
	    context_add(ctx, "aws:ViaAWSService", f, 1, false) < 0) {
		fprintf(stderr, "bench-policy: context\n");
		exit(1);
	}
}

static void
write_queries(const char *path, struct cg_buf *idtext[], int npol, struct cg_buf *kp)
{
	FILE *f = fopen(path, "we");
	size_t i;
	int p;

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	for (i = 0; i < NREQS; i++) {
		fprintf(f, "{\"id\":%zu,\"principal\":\"%s\",\"action\":\"%s\",\"resource\":\"%s\","
		    "\"context\":{\"kms:ViaService\":\"%s\",\"kms:EncryptionContext:aws:kinesisanalytics:arn\":\"%s\","
		    "\"aws:RequestedRegion\":\"%s\",\"kms:GrantOperations\":[\"Decrypt\"],"
		    "\"kms:GrantConstraintType\":\"EncryptionContextSubset\",\"aws:SourceIp\":\"10.1.2.3\","
		    "\"aws:PrincipalTag/team\":\"team-3\",\"aws:CurrentTime\":\"2026-11-23T12:00:00Z\","
		    "\"aws:PrincipalArn\":\"arn:aws:iam::%s:role/flink-operator\",\"aws:ViaAWSService\":\"false\"},"
		    "\"identity_policies\":[", i, PRINCIPAL, reqs[i].action, reqs[i].resource,
		    VIA, APP, REGION, ACCT);
		for (p = 0; p < npol; p++)
			fprintf(f, "%s%.*s", p ? "," : "", (int)cg_buf_len(idtext[p]),
			    (const char *)cg_buf_ptr(idtext[p]));
		fprintf(f, "]");
		if (reqs[i].key != 0)
			fprintf(f, ",\"resource_policy\":%.*s", (int)cg_buf_len(kp),
			    (const char *)cg_buf_ptr(kp));
		fprintf(f, ",\"permission_boundary\":%s,\"session_policies\":[%s]}\n",
		    boundary_text, session_text);
	}
	fclose(f);
}

/* Runs one configuration; returns evaluations per second. */
static double
run(int npol, int nstmt, double seconds, const char *queries_out, int verbose)
{
	struct cg_buf *why = NULL, *kp = NULL, *idtext[64];
	struct policy *id[64], *key1 = NULL, *key2 = NULL, *bnd = NULL, *sess = NULL;
	struct policy_set set;
	struct policy_request rq;
	struct policy_result res;
	struct context ctx;
	double t0, t1, elapsed;
	unsigned long n = 0, allowed = 0;
	size_t i;
	int p;

	if (cg_buf_new(1 << 20, &why) < 0 || cg_buf_new(1 << 16, &kp) < 0)
		exit(1);
	for (p = 0; p < npol; p++) {
		char name[32];

		if (cg_buf_new(1 << 20, &idtext[p]) < 0)
			exit(1);
		identity_text(idtext[p], p, nstmt, p == npol - 1);
		snprintf(name, sizeof(name), "identity_policies[%d]", p);
		if (policy_compile_text((const char *)cg_buf_ptr(idtext[p]), cg_buf_len(idtext[p]),
		    POLICY_IDENTITY, name, &id[p], why) < 0)
			die("identity policy", why);
	}
	key_policy_text(kp);
	if (policy_compile_text((const char *)cg_buf_ptr(kp), cg_buf_len(kp), POLICY_RESOURCE,
	    "key1", &key1, why) < 0 ||
	    policy_compile_text((const char *)cg_buf_ptr(kp), cg_buf_len(kp), POLICY_RESOURCE,
	    "key2", &key2, why) < 0 ||
	    policy_compile_text(boundary_text, strlen(boundary_text), POLICY_BOUNDARY,
	    "permission_boundary", &bnd, why) < 0 ||
	    policy_compile_text(session_text, strlen(session_text), POLICY_SESSION,
	    "session_policies[0]", &sess, why) < 0)
		die("policy", why);
	if (queries_out != NULL)
		write_queries(queries_out, idtext, npol, kp);
	build_context(&ctx);

	memset(&set, 0, sizeof(set));
	set.identity = id;
	set.nidentity = (size_t)npol;
	set.boundary = bnd;
	set.session = &sess;
	set.nsession = 1;
	rq.principal = PRINCIPAL;
	rq.resource_account = NULL;
	rq.context = &ctx;

	t0 = now();
	do {
		for (i = 0; i < NREQS; i++) {
			set.resource = reqs[i].key == 1 ? key1 : reqs[i].key == 2 ? key2 : NULL;
			rq.action = reqs[i].action;
			rq.resource = reqs[i].resource;
			if (policy_evaluate(&set, &rq, &res, why) < 0)
				die("evaluate", why);
			allowed += res.decision == POLICY_ALLOW;
			n++;
		}
		t1 = now();
	} while (t1 - t0 < seconds);
	elapsed = t1 - t0;
	if (verbose || allowed != n)
		printf("{\"policies\":%d,\"statements_per_policy\":%d,\"statements_total\":%d,"
		    "\"evaluations\":%lu,\"allowed\":%lu,\"seconds\":%.3f,"
		    "\"evaluations_per_second\":%.0f,\"ns_per_evaluation\":%.0f}\n",
		    npol, nstmt, npol * nstmt, n, allowed, elapsed, (double)n / elapsed,
		    elapsed * 1e9 / (double)n);
	if (allowed != n) {
		fprintf(stderr, "bench-policy: %lu of %lu evaluations were not Allow: the "
		    "corpus is wrong\n", n - allowed, n);
		exit(1);
	}
	context_clear(&ctx);
	for (p = 0; p < npol; p++) {
		policy_free(id[p]);
		cg_buf_free(idtext[p]);
	}
	policy_free(key1);
	policy_free(key2);
	policy_free(bnd);
	policy_free(sess);
	cg_buf_free(why);
	cg_buf_free(kp);
	return (double)n / elapsed;
}

int
main(int argc, char **argv)
{
	static const int sizes[][2] = { { 1, 5 }, { 2, 10 }, { 5, 20 }, { 10, 20 },
	    { 20, 20 }, { 20, 50 }, { 40, 50 } };
	const char *queries_out = NULL;
	double seconds = 2.0;
	int scaling = 0, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--queries-out") == 0 && i + 1 < argc)
			queries_out = argv[++i];
		else if (strcmp(argv[i], "--scaling") == 0)
			scaling = 1;
		else {
			fprintf(stderr, "usage: bench-policy [--seconds S] [--queries-out FILE] "
			    "[--scaling]\n");
			return 2;
		}
	}
	run(10, 20, seconds, queries_out, 1);
	if (scaling)
		for (i = 0; i < (int)(sizeof(sizes) / sizeof(sizes[0])); i++)
			run(sizes[i][0], sizes[i][1], seconds / 2, NULL, 1);
	return 0;
}

/*
 * cmkgate plan: what an operation involves and whether the operator may
 * make it, decided now against AWS (DESIGN steps 2-4 without the daemon):
 *
 *   cmkgate plan --operation OP --input FILE --principal ARN [--json]
 *
 * It parses the kinesisanalyticsv2 request, looks up the application and
 * every key involved with the gate's own credentials, reads the operator
 * role's policies and each key's policy, and runs every permission check
 * through the policy engine.  Nothing is changed in AWS.
 *
 * Exit status: 0 the operation may go ahead (a key change still needs
 * approvals, which the gate will collect), 1 refused, 2 usage error,
 * 3 could not decide (AWS or input error; the message says which).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "arn.h"
#include "aws.h"
#include "aws_api.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "commands.h"
#include "jcs.h"
#include "ops.h"
#include "ops_check.h"
#include "ops_read.h"
#include "policy.h"
#include "decide.h"
#include "policy_cache.h"

#define EXIT_REFUSED	1
#define EXIT_USAGE	2
#define EXIT_UNDECIDED	3
#define INPUT_MAX	(1024 * 1024)

static void
plan_usage(FILE *f)
{
	fprintf(f,
	    "usage: cmkgate plan --operation OP --input FILE --principal ARN [--json]\n"
	    "\n"
	    "Finds every KMS key a kinesisanalyticsv2 call involves and checks the\n"
	    "operator's permissions on each, against AWS, without changing anything.\n"
	    "OP is CreateApplication, UpdateApplication, StartApplication,\n"
	    "StopApplication, CreateApplicationSnapshot, DeleteApplicationSnapshot or\n"
	    "RollbackApplication; FILE is the request JSON (as --cli-input-json takes;\n"
	    "- for standard input); ARN is the operator's role session\n"
	    "(arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) or role ARN.\n"
	    "AWS credentials, region and endpoints come from the standard variables.\n"
	    "\n"
	    "Exit status: 0 may go ahead, 1 refused, 2 usage error, 3 could not decide.\n");
}

static int
read_input(const char *path, struct json_object **ret, struct cg_buf *why)
{
	struct cg_buf *b = NULL;
	char chunk[8192];
	const char *msg = NULL;
	size_t n;
	FILE *f = NULL;
	int r = CG_ERR_IO;

	if ((f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re")) == NULL) {
		cg_buf_putf(why, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	GUARD(cg_buf_new(INPUT_MAX, &b));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if ((r = cg_buf_put(b, chunk, n)) < 0) {
			cg_buf_putf(why, "%s is larger than %d bytes", path, INPUT_MAX);
			goto out;
		}
	}
	if (ferror(f)) {
		cg_buf_putf(why, "cannot read %s", path);
		r = CG_ERR_IO;
		goto out;
	}
	if ((r = cg_json_parse((const char *)cg_buf_ptr(b), cg_buf_len(b), INPUT_MAX, ret,
	    &msg)) < 0) {
		cg_buf_putf(why, "%s is not valid JSON: %s", path, msg);
		goto out;
	}
 out:
	if (f != NULL && f != stdin)
		fclose(f);
	cg_buf_free(b);
	return r;
}

static void
print_text(struct json_object *rec)
{
	struct json_object *v, *a, *e;
	size_t i, shown;

	printf("%s %s: %s\n", json_object_get_string(json_object_object_get(rec, "operation")),
	    json_object_get_string(json_object_object_get(rec, "application")),
	    json_object_get_string(json_object_object_get(rec, "decision")));
	printf("  request digest %s\n",
	    json_object_get_string(json_object_object_get(rec, "request_digest")));
	if (json_object_object_get_ex(rec, "key_change_kind", &v))
		printf("  key change: %s\n", json_object_get_string(v));
	a = json_object_object_get(rec, "keys");
	for (i = 0; i < json_object_array_length(a); i++) {
		e = json_object_array_get_idx(a, i);
		printf("  key (%s) %s: %s\n",
		    json_object_get_string(json_object_object_get(e, "role")),
		    json_object_get_string(json_object_object_get(e, "arn")),
		    json_object_get_string(json_object_object_get(e, "why")));
	}
	a = json_object_object_get(rec, "refusals");
	for (i = 0; i < json_object_array_length(a); i++)
		printf("  refused: %s\n", json_object_get_string(json_object_array_get_idx(a, i)));
	a = json_object_object_get(rec, "checks");
	for (i = 0, shown = 0; i < json_object_array_length(a); i++) {
		e = json_object_array_get_idx(a, i);
		if (!json_object_object_get_ex(e, "reason", &v))
			continue;
		/* the first refusal in full, the rest in one line each */
		if (shown++ == 0)
			printf("  denied: %s\n", json_object_get_string(v));
		else
			printf("  denied: %s on %s (%s)\n",
			    json_object_get_string(json_object_object_get(e, "action")),
			    json_object_get_string(json_object_object_get(e, "resource")),
			    json_object_get_string(json_object_object_get(e, "stage")));
	}
	a = json_object_object_get(rec, "warnings");
	for (i = 0; i < json_object_array_length(a); i++)
		printf("  warning: %s\n", json_object_get_string(json_object_array_get_idx(a, i)));
	printf("  %zu permission checks, see --json for each\n",
	    json_object_array_length(json_object_object_get(rec, "checks")));
}

/* The plan's own words for the outcome: without approvals there is no "pending" yet. */
static const char *
plan_decision(enum decide_outcome outcome)
{
	switch (outcome) {
	case DECIDE_APPROVED:	return "allowed";
	case DECIDE_PENDING:	return "needs-approval";
	case DECIDE_DENIED:	return "refused";
	}
	return "refused";
}

/* The request digest, for the account and region the plan read (the gate's own). */
static int
plan_digest(const char *opname, const struct decide_facts *facts, const struct op_request *req,
    struct json_object *input, char ret_digest[OPS_DIGEST_HEX], struct cg_buf *why)
{
	int r;

	if ((r = ops_request_digest(opname, facts->world.region, facts->world.account,
	    req->app_name, input, ret_digest)) < 0)
		(void)cg_buf_putf(why, "the request digest cannot be computed for region %s, "
		    "account %s: %s", facts->world.region, facts->world.account, cg_strerror(r));
	return r;
}

int
cmd_plan(int argc, char **argv)
{
	const char *opname = NULL, *input = NULL, *principal = NULL, *msg = "";
	struct json_object *in = NULL, *rec = NULL, *d = NULL;
	struct aws_config cfg;
	struct aws_client *c = NULL;
	struct policy_cache *cache = NULL;
	struct op_request req;
	struct decide_facts facts;
	struct decide_who who;
	struct cg_buf *why = NULL;
	char role[DECIDE_ROLE_MAX], digest[OPS_DIGEST_HEX];
	enum decide_outcome outcome = DECIDE_DENIED;
	enum op_kind op;
	bool json = false;
	int i, rc = EXIT_UNDECIDED;

	memset(&facts, 0, sizeof(facts));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			plan_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (i + 1 < argc && strcmp(argv[i], "--operation") == 0) {
			opname = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--input") == 0) {
			input = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--principal") == 0) {
			principal = argv[++i];
		} else {
			plan_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (opname == NULL || input == NULL || principal == NULL) {
		plan_usage(stderr);
		return EXIT_USAGE;
	}
	if (ops_lookup(opname, &op) < 0) {
		fprintf(stderr, "cmkgate plan: unknown operation %s (see --help)\n", opname);
		return EXIT_USAGE;
	}
	if (decide_role_of(principal, role) < 0) {
		fprintf(stderr, "cmkgate plan: --principal must be a role session or role ARN; "
		    "IAM users' policies are not read yet\n");
		return EXIT_USAGE;
	}
	if (cg_buf_new(8192, &why) < 0)
		goto out;
	if (read_input(input, &in, why) < 0 || ops_read_request(opname, in, &req, why) < 0) {
		(void)cg_buf_cstr(why, &msg);
		fprintf(stderr, "cmkgate plan: %s\n", msg);
		rc = EXIT_UNDECIDED;
		goto out;
	}
	memset(&cfg, 0, sizeof(cfg));
	memset(&who, 0, sizeof(who));
	who.principal = principal;
	who.operator_name = strrchr(principal, '/') != NULL &&
	    strstr(principal, ":assumed-role/") != NULL ? strrchr(principal, '/') + 1 : principal;
	if (policy_cache_new(0, &cache) < 0 || aws_client_new(&cfg, &c, why) < 0 ||
	    decide_gather(c, cache, &req, role, NULL, 0, &facts, why) < 0 ||
	    plan_digest(opname, &facts, &req, in, digest, why) < 0 ||
	    decide_evaluate(&req, digest, &facts, &who, NULL, time(NULL), &outcome, &rec,
	    why) < 0) {
		(void)cg_buf_cstr(why, &msg);
		fprintf(stderr, "cmkgate plan: could not decide: %s\n", msg);
		goto out;
	}
	if ((d = json_object_new_string(plan_decision(outcome))) == NULL ||
	    json_object_object_add(rec, "decision", d) != 0) {
		json_object_put(d);
		fprintf(stderr, "cmkgate plan: out of memory\n");
		goto out;
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_text(rec);
	rc = outcome == DECIDE_DENIED ? EXIT_REFUSED : 0;
 out:
	json_object_put(in);
	json_object_put(rec);
	decide_facts_clear(&facts);
	policy_cache_free(cache);
	aws_client_free(c);
	cg_buf_free(why);
	return rc;
}

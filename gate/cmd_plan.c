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
#include "policy.h"
#include "world.h"

#define EXIT_REFUSED	1
#define EXIT_USAGE	2
#define EXIT_UNDECIDED	3
#define INPUT_MAX	(1024 * 1024)
#define POLICIES_MAX	32

struct loaded {
	struct policy	*identity[POLICIES_MAX];
	size_t		 nidentity;
	struct policy	*boundary;
	struct policy	*keys[OPS_KEYS_MAX];
	const char	*key_arns[OPS_KEYS_MAX];
	size_t		 nkeys;
};

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

/* The role name of an assumed-role or role ARN. */
static int
role_of(const char *principal, char *out, size_t max)
{
	struct arn a;
	const char *p, *slash;
	size_t len;

	if (arn_parse(principal, strlen(principal), &a) < 0)
		return CG_ERR_INVALID_ARG;
	if (arn_field_is(&a.service, "sts") && arn_field_has_prefix(&a.resource, "assumed-role/")) {
		p = a.resource.p + 13;
		slash = memchr(p, '/', a.resource.len - 13);
		if (slash == NULL)
			return CG_ERR_INVALID_ARG;
		len = (size_t)(slash - p);
	} else if (arn_field_is(&a.service, "iam") &&
	    arn_field_has_prefix(&a.resource, "role/")) {
		for (p = a.resource.p + a.resource.len; p > a.resource.p && p[-1] != '/'; p--)
			;
		len = (size_t)(a.resource.p + a.resource.len - p);
	} else {
		return CG_ERR_INVALID_ARG;
	}
	if (len == 0 || len >= max)
		return CG_ERR_INVALID_ARG;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

static int
load_policies(struct aws_client *c, const char *role, const struct op_plan *plan,
    struct loaded *l, struct cg_buf *why)
{
	struct iam_role_policies rp;
	char *doc = NULL;
	size_t i, j;
	int r = CG_ERR_INTERNAL;

	memset(&rp, 0, sizeof(rp));
	if ((r = iam_read_role_policies(c, role, &rp)) < 0) {
		cg_buf_putf(why, "reading the policies of role %s: %s: %s", role,
		    aws_client_error(c)->code, aws_client_error(c)->message);
		goto out;
	}
	ENSURE(rp.ninline + rp.nmanaged <= POLICIES_MAX, CG_ERR_LIMIT);
	for (i = 0; i < rp.ninline; i++) {
		GUARD(policy_compile_text(rp.inline_docs[i], strlen(rp.inline_docs[i]),
		    POLICY_IDENTITY, rp.inline_names[i], &l->identity[l->nidentity], why));
		l->nidentity++;
	}
	for (i = 0; i < rp.nmanaged; i++) {
		GUARD(policy_compile_text(rp.managed_docs[i], strlen(rp.managed_docs[i]),
		    POLICY_IDENTITY, rp.managed_arns[i], &l->identity[l->nidentity], why));
		l->nidentity++;
	}
	if (rp.boundary_doc != NULL)
		GUARD(policy_compile_text(rp.boundary_doc, strlen(rp.boundary_doc),
		    POLICY_BOUNDARY, "permission boundary", &l->boundary, why));
	for (i = 0; i < plan->nkeys; i++) {
		for (j = 0; j < l->nkeys && strcmp(l->key_arns[j], plan->keys[i].arn) != 0; j++)
			;
		if (j < l->nkeys)
			continue;
		if ((r = kms_get_key_policy(c, plan->keys[i].arn, &doc)) < 0) {
			cg_buf_putf(why, "reading the key policy of %s: %s: %s", plan->keys[i].arn,
			    aws_client_error(c)->code, aws_client_error(c)->message);
			goto out;
		}
		l->key_arns[l->nkeys] = plan->keys[i].arn;
		r = policy_compile_text(doc, strlen(doc), POLICY_RESOURCE, plan->keys[i].arn,
		    &l->keys[l->nkeys], why);
		free(doc);
		doc = NULL;
		GUARD(r);
		l->nkeys++;
	}
	r = 0;
 out:
	free(doc);
	iam_role_policies_clear(&rp);
	return r;
}

static void
loaded_clear(struct loaded *l)
{
	size_t i;

	for (i = 0; i < l->nidentity; i++)
		policy_free(l->identity[i]);
	policy_free(l->boundary);
	for (i = 0; i < l->nkeys; i++)
		policy_free(l->keys[i]);
	memset(l, 0, sizeof(*l));
}

static const char *
role_label(enum op_key_role role)
{
	switch (role) {
	case KEY_ROLE_CURRENT:	return "current";
	case KEY_ROLE_TARGET:	return "requested";
	case KEY_ROLE_SNAPSHOT:	return "snapshot";
	case KEY_ROLE_ROLLBACK:	return "rollback";
	}
	return "key";
}

static struct json_object *
record_json(const struct op_request *req, const char *digest, const char *principal,
    const struct op_plan *p, const struct ops_check_result *res, bool allowed)
{
	struct json_object *o = json_object_new_object(), *a, *e;
	size_t i, k;

	json_object_object_add(o, "operation", json_object_new_string(ops_name(req->op)));
	json_object_object_add(o, "application", json_object_new_string(req->app_name));
	json_object_object_add(o, "request_digest", json_object_new_string(digest));
	json_object_object_add(o, "principal", json_object_new_string(principal));
	json_object_object_add(o, "decision", json_object_new_string(
	    p->nrefusals > 0 || !allowed ? "refused" :
	    p->key_change ? "needs-approval" : "allowed"));
	json_object_object_add(o, "key_change", json_object_new_boolean(p->key_change));
	if (p->key_change_kind != NULL)
		json_object_object_add(o, "key_change_kind",
		    json_object_new_string(p->key_change_kind));
	a = json_object_new_array();
	for (i = 0; i < p->nkeys; i++) {
		e = json_object_new_object();
		json_object_object_add(e, "arn", json_object_new_string(p->keys[i].arn));
		json_object_object_add(e, "role", json_object_new_string(role_label(p->keys[i].role)));
		json_object_object_add(e, "why", json_object_new_string(p->keys[i].why));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "keys", a);
	a = json_object_new_array();
	for (i = 0; i < p->nrefusals; i++)
		json_object_array_add(a, json_object_new_string(p->refusals[i]));
	json_object_object_add(o, "refusals", a);
	a = json_object_new_array();
	for (i = 0; i < p->nwarnings; i++)
		json_object_array_add(a, json_object_new_string(p->warnings[i]));
	json_object_object_add(o, "warnings", a);
	a = json_object_new_array();
	for (i = 0; i < p->nchecks; i++) {
		struct json_object *ctx = json_object_new_object();

		e = json_object_new_object();
		json_object_object_add(e, "action", json_object_new_string(p->checks[i].action));
		json_object_object_add(e, "resource", json_object_new_string(p->checks[i].resource));
		for (k = 0; k < p->checks[i].ncontext; k++)
			json_object_object_add(ctx, p->checks[i].context[k].key,
			    json_object_new_string(p->checks[i].context[k].value));
		json_object_object_add(e, "context", ctx);
		json_object_object_add(e, "result", json_object_new_string(
		    policy_decision_name(res[i].decision)));
		if (res[i].decision != POLICY_ALLOW) {
			json_object_object_add(e, "stage", json_object_new_string(
			    policy_stage_name(res[i].stage)));
			json_object_object_add(e, "reason", json_object_new_string(res[i].reason));
		}
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "checks", a);
	return o;
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

int
cmd_plan(int argc, char **argv)
{
	const char *opname = NULL, *input = NULL, *principal = NULL, *msg = "";
	struct json_object *in = NULL, *rec = NULL;
	struct aws_config cfg;
	struct aws_client *c = NULL;
	struct op_request req;
	struct op_world w;
	struct op_plan plan;
	struct ops_policies pol;
	struct ops_check_result res[OPS_CHECKS_MAX];
	struct loaded l;
	struct cg_buf *why = NULL;
	char role[130], digest[2 * JCS_DIGEST_LEN + 1];
	enum op_kind op;
	bool json = false, allowed = false;
	int i, rc = EXIT_UNDECIDED;

	memset(&l, 0, sizeof(l));
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
	if (role_of(principal, role, sizeof(role)) < 0) {
		fprintf(stderr, "cmkgate plan: --principal must be a role session or role ARN; "
		    "IAM users' policies are not read yet\n");
		return EXIT_USAGE;
	}
	if (cg_buf_new(8192, &why) < 0)
		goto out;
	if (read_input(input, &in, why) < 0 || ops_parse_request(op, in, &req, why) < 0 ||
	    jcs_digest(in, NULL, digest) < 0) {
		(void)cg_buf_cstr(why, &msg);
		fprintf(stderr, "cmkgate plan: %s\n", *msg != '\0' ? msg : "the request cannot "
		    "be canonicalized (a number too large for JSON's doubles?)");
		rc = EXIT_UNDECIDED;
		goto out;
	}
	memset(&cfg, 0, sizeof(cfg));
	if (aws_client_new(&cfg, &c, why) < 0 || world_resolve(c, &req, &w, why) < 0 ||
	    ops_plan(&req, &w, &plan, why) < 0 || load_policies(c, role, &plan, &l, why) < 0) {
		(void)cg_buf_cstr(why, &msg);
		fprintf(stderr, "cmkgate plan: could not decide: %s\n", msg);
		goto out;
	}
	memset(&pol, 0, sizeof(pol));
	pol.operator_name = strrchr(principal, '/') != NULL && strstr(principal, ":assumed-role/") != NULL ?
	    strrchr(principal, '/') + 1 : principal;
	pol.principal = principal;
	pol.identity = l.identity;
	pol.nidentity = l.nidentity;
	pol.boundary = l.boundary;
	pol.key_arns = l.key_arns;
	pol.key_policies = l.keys;
	pol.nkeys = l.nkeys;
	if (ops_check_permissions(&plan, &pol, res, &allowed, why) < 0) {
		(void)cg_buf_cstr(why, &msg);
		fprintf(stderr, "cmkgate plan: could not decide: %s\n", msg);
		goto out;
	}
	rec = record_json(&req, digest, principal, &plan, res, allowed);
	if (json)
		printf("%s\n", json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_text(rec);
	rc = plan.nrefusals > 0 || !allowed ? EXIT_REFUSED : 0;
 out:
	json_object_put(in);
	json_object_put(rec);
	loaded_clear(&l);
	aws_client_free(c);
	cg_buf_free(why);
	return rc;
}

/*
 * Fuzz target: every Query/XML response parser of the AWS layer (STS, IAM,
 * error bodies) on the same input.  Whatever they accept must be
 * consistent: NUL-terminated fields within their caps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws_api.h"
#include "aws_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *x = (const char *)data;
	struct sts_assumed_role a;
	struct sts_identity id;
	struct iam_role role;
	struct aws_error err;
	char **names = NULL, marker[256], ver[64], *doc = NULL;
	size_t n = 0, i;

	if (sts_parse_assume_role(x, size, &a) == 0) {
		check(strlen(a.creds.access_key_id) < sizeof(a.creds.access_key_id));
		check(a.creds.secret_access_key != NULL && a.creds.session_token != NULL);
		sts_assumed_role_clear(&a);
	}
	if (sts_parse_caller_identity(x, size, &id) == 0)
		check(strlen(id.account) == 12);
	if (iam_parse_get_role(x, size, &role) == 0)
		iam_role_clear(&role);
	(void)iam_parse_name_list(x, size, "ListRolePolicies", "PolicyNames", NULL, &names, &n,
	    marker, sizeof(marker));
	(void)iam_parse_name_list(x, size, "ListAttachedRolePolicies", "AttachedPolicies",
	    "PolicyArn", &names, &n, marker, sizeof(marker));
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (iam_parse_policy_document(x, size, "GetRolePolicy", NULL, &doc) == 0)
		free(doc);
	if (iam_parse_policy_document(x, size, "GetPolicyVersion", "PolicyVersion", &doc) == 0)
		free(doc);
	(void)iam_parse_default_version(x, size, ver, sizeof(ver));
	memset(&err, 0, sizeof(err));
	aws_parse_xml_error(x, size, &err);
	check(strlen(err.code) < sizeof(err.code) && err.code[0] != '\0');
	return 0;
}

/*
 * cmkgate policy sync: writes the policies the gate checks permissions
 * against into a snapshot directory (policy_snapshot.h), for a gate that
 * must not read IAM and KMS policies itself (cmkgated.conf:
 * policy_directory).
 *
 *   cmkgate policy sync --out DIR [--role ROLE]... [--key KEY]...
 *
 * ROLE is a role name or ARN; KEY a key id, key ARN, alias name or alias
 * ARN (resolved with KMS DescribeKey).  Each file is written atomically;
 * a failure leaves the files written so far and says which one failed.
 *
 * Exit status: 0 every file written, 1 an AWS or file error, 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "aws_api.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "commands.h"
#include "decide.h"
#include "policy_cache.h"
#include "policy_snapshot.h"

#define EXIT_USAGE	2
#define SYNC_MAX	64	/* roles or keys in one run */

static void
sync_usage(FILE *f)
{
	fprintf(f,
	    "usage: cmkgate policy sync --out DIR [--role ROLE]... [--key KEY]...\n"
	    "\n"
	    "Reads each role's identity policies and permission boundary (IAM) and\n"
	    "each key's key policy (KMS) with the AWS credentials at hand, and writes\n"
	    "them to DIR/roles/ROLE.json and DIR/keys/KEYID.json for a gate whose\n"
	    "cmkgated.conf names DIR as policy_directory.  ROLE is a role name or\n"
	    "ARN; KEY a key id, key ARN or alias.  Run it again whenever a policy\n"
	    "changes: the gate sees only what was synced.\n"
	    "\n"
	    "Exit status: 0 all written, 1 an AWS or file error, 2 usage error.\n");
}

static int
sync_role(struct aws_client *c, const char *dir, const char *arg, time_t now,
    struct cg_buf *text, struct cg_buf *why)
{
	struct pc_role_texts t;
	char role[DECIDE_ROLE_MAX], file[128];
	int r;

	memset(&t, 0, sizeof(t));
	if (strncmp(arg, "arn:", 4) == 0 ? decide_role_of(arg, role) < 0 :
	    snprintf(role, sizeof(role), "%s", arg) >= (int)sizeof(role)) {
		(void)cg_buf_putf(why, "%s is not a role name or role ARN", arg);
		return CG_ERR_INVALID_ARG;
	}
	if ((r = snapshot_role_file(role, file, sizeof(file))) < 0) {
		(void)cg_buf_putf(why, "%s is not a role name", role);
		return r;
	}
	if ((r = pc_role_texts_read(c, role, &t, why)) < 0)
		return r;
	cg_buf_reset(text);
	if ((r = snapshot_role_text(role, t.names, t.docs, t.n, t.boundary, now, text, why)) == 0 &&
	    (r = snapshot_write(dir, "roles", file, text, why)) == 0)
		printf("wrote %s/roles/%s: %zu policies%s\n", dir, file, t.n,
		    t.boundary != NULL ? " and a permission boundary" : "");
	pc_role_texts_clear(&t);
	return r;
}

static int
sync_key(struct aws_client *c, const char *dir, const char *arg, time_t now,
    struct cg_buf *text, struct cg_buf *why)
{
	struct kms_key k;
	char file[128], *doc = NULL;
	int r;

	memset(&k, 0, sizeof(k));
	if ((r = kms_describe_key(c, arg, &k)) < 0) {
		(void)cg_buf_putf(why, "describing key %s: %s: %s", arg,
		    aws_client_error(c)->code, aws_client_error(c)->message);
		return r;
	}
	if ((r = snapshot_key_file(k.arn, file, sizeof(file))) < 0) {
		(void)cg_buf_putf(why, "key %s has an ARN the gate cannot name a file after", k.arn);
		return r;
	}
	if ((r = kms_get_key_policy(c, k.arn, &doc)) < 0) {
		(void)cg_buf_putf(why, "reading the key policy of %s: %s: %s", k.arn,
		    aws_client_error(c)->code, aws_client_error(c)->message);
		return r;
	}
	cg_buf_reset(text);
	if ((r = snapshot_key_text(k.arn, doc, now, text, why)) == 0 &&
	    (r = snapshot_write(dir, "keys", file, text, why)) == 0)
		printf("wrote %s/keys/%s: the key policy of %s\n", dir, file, k.arn);
	free(doc);
	return r;
}

int
cmd_policy_sync(int argc, char **argv)
{
	const char *dir = NULL, *roles[SYNC_MAX], *keys[SYNC_MAX], *msg = "";
	struct aws_config cfg;
	struct aws_client *c = NULL;
	struct cg_buf *why = NULL, *text = NULL;
	size_t nroles = 0, nkeys = 0, i;
	time_t now = time(NULL);
	int a, rc = 1;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-h") == 0 || strcmp(argv[a], "--help") == 0) {
			sync_usage(stdout);
			return 0;
		} else if (a + 1 < argc && strcmp(argv[a], "--out") == 0) {
			dir = argv[++a];
		} else if (a + 1 < argc && strcmp(argv[a], "--role") == 0 && nroles < SYNC_MAX) {
			roles[nroles++] = argv[++a];
		} else if (a + 1 < argc && strcmp(argv[a], "--key") == 0 && nkeys < SYNC_MAX) {
			keys[nkeys++] = argv[++a];
		} else {
			sync_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (dir == NULL || dir[0] != '/' || nroles + nkeys == 0) {
		fprintf(stderr, "cmkgate policy sync: --out takes an absolute directory, and at "
		    "least one --role or --key is needed\n");
		return EXIT_USAGE;
	}
	memset(&cfg, 0, sizeof(cfg));
	if (cg_buf_new(4096, &why) < 0 || cg_buf_new(SNAPSHOT_FILE_MAX, &text) < 0 ||
	    aws_client_new(&cfg, &c, why) < 0)
		goto out;
	for (i = 0; i < nroles; i++)
		if (sync_role(c, dir, roles[i], now, text, why) < 0)
			goto out;
	for (i = 0; i < nkeys; i++)
		if (sync_key(c, dir, keys[i], now, text, why) < 0)
			goto out;
	rc = 0;
 out:
	if (rc != 0) {
		if (why != NULL)
			(void)cg_buf_cstr(why, &msg);
		fprintf(stderr, "cmkgate policy sync: %s\n", *msg != '\0' ? msg : "out of memory");
	}
	aws_client_free(c);
	cg_buf_free(text);
	cg_buf_free(why);
	return rc;
}

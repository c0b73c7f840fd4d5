#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_jbuild.h"
#include "cg_macros.h"
#include "jcs.h"
#include "ops.h"
#include "ops_read.h"
#include "shapes.h"

/* The canonical form of a request is at most this long (a filing body's cap, with room). */
#define OPS_CANONICAL_MAX	(2 * 1024 * 1024)

int
ops_read_request(const char *opname, struct json_object *input, struct op_request *ret_req,
    struct cg_buf *why)
{
	uint8_t digest[JCS_DIGEST_LEN];
	enum op_kind op;
	int r = CG_ERR_INTERNAL;

	if ((r = ops_lookup(opname, &op)) < 0) {
		(void)cg_buf_putf(why, "the gate does not handle operation \"%.64s\"", opname);
		goto out;
	}
	GUARD(ops_parse_request(op, input, ret_req, why));
	/* every member, at every depth, against AWS's own request shapes */
	if ((r = shapes_validate(opname, input, why)) < 0) {
		r = r == CG_ERR_PARSE ? CG_ERR_PARSE : CG_ERR_INTERNAL;
		goto out;
	}
	/* what is digested must have a canonical form */
	if ((r = jcs_digest(input, digest, NULL)) < 0) {
		(void)cg_buf_putf(why, "the request cannot be put in canonical form (RFC 8785): "
		    "%s", r == CG_ERR_LIMIT ? "a number beyond 2^53 or nesting too deep" :
		    cg_strerror(r));
		r = CG_ERR_PARSE;
		goto out;
	}
	r = 0;
 out:
	return r;
}

static const char *
partition_of(const char *region)
{
	if (strncmp(region, "cn-", 3) == 0)
		return "aws-cn";
	if (strncmp(region, "us-gov-", 7) == 0)
		return "aws-us-gov";
	return "aws";
}

int
ops_application_arn(const char *region, const char *account, const char *name, char *ret,
    size_t max)
{
	size_t len;
	int n, r = CG_ERR_INTERNAL;

	ENSURE(region != NULL && account != NULL && name != NULL && ret != NULL,
	    CG_ERR_INVALID_ARG);
	len = strlen(region);
	ENSURE(len >= 1 && len <= 32 && strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
	    len, CG_ERR_INVALID_ARG);
	ENSURE(strlen(account) == 12 && strspn(account, "0123456789") == 12, CG_ERR_INVALID_ARG);
	ENSURE(*name != '\0', CG_ERR_INVALID_ARG);
	n = snprintf(ret, max, "arn:%s:kinesisanalytics:%s:%s:application/%s",
	    partition_of(region), region, account, name);
	ENSURE(n > 0 && (size_t)n < max, CG_ERR_INVALID_ARG);
	r = 0;
 out:
	return r;
}

int
ops_request_digest(const char *operation, const char *region, const char *account,
    const char *app_name, struct json_object *input, char ret_hex[OPS_DIGEST_HEX])
{
	struct cg_jb b = CG_JB_INIT;
	struct json_object *o = NULL;
	crypto_hash_sha256_state st;
	uint8_t digest[crypto_hash_sha256_BYTES];
	char arn[OPS_ARN_MAX];
	char *text = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE(operation != NULL && input != NULL && ret_hex != NULL, CG_ERR_INVALID_ARG);
	GUARD(ops_application_arn(region, account, app_name, arn, sizeof(arn)));
	o = cg_jb_object(&b);
	cg_jb_str(&b, o, "account", account);
	cg_jb_str(&b, o, "application", arn);
	cg_jb_ref(&b, o, "input", input);
	cg_jb_str(&b, o, "operation", operation);
	cg_jb_str(&b, o, "region", region);
	GUARD(cg_jb_done(&b, &o));
	GUARD(jcs_text(o, OPS_CANONICAL_MAX, &text));
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)OPS_DIGEST_DOMAIN,
	    sizeof(OPS_DIGEST_DOMAIN) - 1);
	crypto_hash_sha256_update(&st, (const uint8_t *)text, strlen(text));
	crypto_hash_sha256_final(&st, digest);
	(void)sodium_bin2hex(ret_hex, OPS_DIGEST_HEX, digest, sizeof(digest));
	r = 0;
 out:
	free(text);
	json_object_put(o);
	return r;
}

/* KMS: DescribeKey, GetKeyPolicy, GetKeyRotationStatus, ListAliases (JSON 1.1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_api.h"
#include "aws_int.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_jbuild.h"
#include "cg_json.h"
#include "cg_macros.h"

#define KMS_TARGET(op) "TrentService." op
#define ALIASES_MAX 10000

static int
parse_object(const char *json, size_t len, struct json_object **ret)
{
	int r = cg_json_parse(json, len, len + 1, ret, NULL);

	if (r == 0 && !json_object_is_type(*ret, json_type_object)) {
		json_object_put(*ret);
		*ret = NULL;
		r = CG_ERR_PARSE;
	}
	return r < 0 ? CG_ERR_PARSE : 0;
}

/* A request {"KeyId": key_id} with the key id checked for length. */
static int
key_request(const char *key_id, const char *policy_name, struct json_object **ret)
{
	struct cg_jb b = CG_JB_INIT;
	struct json_object *o;
	int r = CG_ERR_INTERNAL;

	ENSURE(key_id != NULL && *key_id != '\0' && strlen(key_id) < AWS_ARN_MAX,
	    CG_ERR_INVALID_ARG);
	o = cg_jb_object(&b);
	cg_jb_str(&b, o, "KeyId", key_id);
	if (policy_name != NULL)
		cg_jb_str(&b, o, "PolicyName", policy_name);
	GUARD(cg_jb_done(&b, &o));
	*ret = o;
	r = 0;
 out:
	return r;
}

static void
malformed(struct aws_client *c, const char *what)
{
	c->err.kind = AWS_ERR_MALFORMED;
	snprintf(c->err.code, sizeof(c->err.code), "MalformedResponse");
	snprintf(c->err.message, sizeof(c->err.message), "kms %s: the response lacks a "
	    "field or has one of the wrong type or length", what);
}

int
kms_parse_describe_key(const char *json, size_t len, struct kms_key *ret)
{
	struct json_object *o = NULL, *md, *v;
	struct kms_key k;
	int r = CG_ERR_PARSE;

	memset(&k, 0, sizeof(k));
	GUARD(parse_object(json, len, &o));
	ENSURE(json_object_object_get_ex(o, "KeyMetadata", &md) &&
	    json_object_is_type(md, json_type_object), CG_ERR_PARSE);
	GUARD(aws_json_str(md, "Arn", k.arn, sizeof(k.arn), true));
	GUARD(aws_json_str(md, "KeyId", k.key_id, sizeof(k.key_id), true));
	GUARD(aws_json_str(md, "AWSAccountId", k.account, sizeof(k.account), false));
	GUARD(aws_json_str(md, "KeyState", k.state, sizeof(k.state), true));
	GUARD(aws_json_str(md, "KeyManager", k.manager, sizeof(k.manager), false));
	GUARD(aws_json_str(md, "KeySpec", k.spec, sizeof(k.spec), false));
	GUARD(aws_json_str(md, "KeyUsage", k.usage, sizeof(k.usage), false));
	GUARD(aws_json_str(md, "Origin", k.origin, sizeof(k.origin), false));
	ENSURE(json_object_object_get_ex(md, "Enabled", &v) &&
	    json_object_is_type(v, json_type_boolean), CG_ERR_PARSE);
	k.enabled = json_object_get_boolean(v);
	ENSURE(strncmp(k.arn, "arn:", 4) == 0 && strstr(k.arn, ":key/") != NULL, CG_ERR_PARSE);
	*ret = k;
	r = 0;
 out:
	json_object_put(o);
	return r;
}

int
kms_describe_key(struct aws_client *c, const char *key_id, struct kms_key *ret)
{
	struct json_object *req = NULL;
	int r = CG_ERR_INTERNAL;

	GUARD(key_request(key_id, NULL, &req));
	GUARD(aws_call_json(c, AWS_KMS, KMS_TARGET("DescribeKey"), req, NULL));
	if ((r = kms_parse_describe_key((const char *)cg_buf_ptr(c->body),
	    cg_buf_len(c->body), ret)) < 0)
		malformed(c, "DescribeKey");
 out:
	json_object_put(req);
	return r;
}

int
kms_parse_get_key_policy(const char *json, size_t len, char **ret_policy)
{
	struct json_object *o = NULL;
	int r = CG_ERR_PARSE;

	GUARD(parse_object(json, len, &o));
	GUARD(aws_json_strdup(o, "Policy", AWS_DOC_MAX, true, ret_policy));
 out:
	json_object_put(o);
	return r;
}

int
kms_get_key_policy(struct aws_client *c, const char *key_id, char **ret_policy)
{
	struct json_object *req = NULL;
	int r = CG_ERR_INTERNAL;

	GUARD(key_request(key_id, "default", &req));
	GUARD(aws_call_json(c, AWS_KMS, KMS_TARGET("GetKeyPolicy"), req, NULL));
	if ((r = kms_parse_get_key_policy((const char *)cg_buf_ptr(c->body),
	    cg_buf_len(c->body), ret_policy)) < 0)
		malformed(c, "GetKeyPolicy");
 out:
	json_object_put(req);
	return r;
}

int
kms_parse_key_rotation_status(const char *json, size_t len, bool *ret_enabled)
{
	struct json_object *o = NULL, *v;
	int r = CG_ERR_PARSE;

	GUARD(parse_object(json, len, &o));
	ENSURE(json_object_object_get_ex(o, "KeyRotationEnabled", &v) &&
	    json_object_is_type(v, json_type_boolean), CG_ERR_PARSE);
	*ret_enabled = json_object_get_boolean(v);
	r = 0;
 out:
	json_object_put(o);
	return r;
}

int
kms_get_key_rotation_status(struct aws_client *c, const char *key_id, bool *ret_enabled)
{
	struct json_object *req = NULL;
	int r = CG_ERR_INTERNAL;

	GUARD(key_request(key_id, NULL, &req));
	GUARD(aws_call_json(c, AWS_KMS, KMS_TARGET("GetKeyRotationStatus"), req, NULL));
	if ((r = kms_parse_key_rotation_status((const char *)cg_buf_ptr(c->body),
	    cg_buf_len(c->body), ret_enabled)) < 0)
		malformed(c, "GetKeyRotationStatus");
 out:
	json_object_put(req);
	return r;
}

int
kms_parse_list_aliases(const char *json, size_t len, struct kms_alias **list, size_t *n,
    char *next, size_t next_max)
{
	struct json_object *o = NULL, *arr, *v, *e;
	struct kms_alias *grown, a;
	size_t i, count;
	int r = CG_ERR_PARSE;

	GUARD(parse_object(json, len, &o));
	ENSURE(json_object_object_get_ex(o, "Aliases", &arr) &&
	    json_object_is_type(arr, json_type_array), CG_ERR_PARSE);
	count = json_object_array_length(arr);
	ENSURE(*n + count <= ALIASES_MAX, CG_ERR_LIMIT);
	if (count > 0) {
		ENSURE((grown = realloc(*list, (*n + count) * sizeof(**list))) != NULL,
		    CG_ERR_NOMEM);
		*list = grown;
	}
	for (i = 0; i < count; i++) {
		e = json_object_array_get_idx(arr, i);
		ENSURE(json_object_is_type(e, json_type_object), CG_ERR_PARSE);
		memset(&a, 0, sizeof(a));
		GUARD(aws_json_str(e, "AliasName", a.name, sizeof(a.name), true));
		GUARD(aws_json_str(e, "AliasArn", a.arn, sizeof(a.arn), true));
		GUARD(aws_json_str(e, "TargetKeyId", a.target_key_id, sizeof(a.target_key_id),
		    false));
		(*list)[(*n)++] = a;
	}
	next[0] = '\0';
	if (json_object_object_get_ex(o, "Truncated", &v)) {
		ENSURE(json_object_is_type(v, json_type_boolean), CG_ERR_PARSE);
		if (json_object_get_boolean(v))
			GUARD(aws_json_str(o, "NextMarker", next, next_max, true));
	}
	r = 0;
 out:
	json_object_put(o);
	return r;
}

int
kms_list_aliases(struct aws_client *c, const char *key_id, struct kms_alias **ret,
    size_t *ret_n)
{
	struct cg_jb b = CG_JB_INIT;
	struct json_object *req = NULL;
	struct kms_alias *list = NULL;
	char marker[1024] = "";
	size_t n = 0, pages = 0;
	int r = CG_ERR_INTERNAL;

	do {
		json_object_put(req);
		b.r = 0;
		req = cg_jb_object(&b);
		if (key_id != NULL)
			cg_jb_str(&b, req, "KeyId", key_id);
		if (marker[0] != '\0')
			cg_jb_str(&b, req, "Marker", marker);
		GUARD(cg_jb_done(&b, &req));
		GUARD(aws_call_json(c, AWS_KMS, KMS_TARGET("ListAliases"), req, NULL));
		if ((r = kms_parse_list_aliases((const char *)cg_buf_ptr(c->body),
		    cg_buf_len(c->body), &list, &n, marker, sizeof(marker))) < 0) {
			malformed(c, "ListAliases");
			goto out;
		}
		ENSURE(++pages <= 1000, CG_ERR_LIMIT);
	} while (marker[0] != '\0');
	*ret = list;
	*ret_n = n;
	list = NULL;
	r = 0;
 out:
	free(list);
	json_object_put(req);
	return r;
}

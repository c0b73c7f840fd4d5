/*
 * Managed Service for Apache Flink (kinesisanalyticsv2): the read calls the
 * gate needs to find every key an operation involves.  JSON 1.1, target
 * prefix KinesisAnalytics_20180523, signing name "kinesisanalytics".
 */
#include <math.h>
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

#define KDA_TARGET(op) "KinesisAnalytics_20180523." op
#define SNAPSHOTS_MAX 10000

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

static void
malformed(struct aws_client *c, const char *what)
{
	c->err.kind = AWS_ERR_MALFORMED;
	snprintf(c->err.code, sizeof(c->err.code), "MalformedResponse");
	snprintf(c->err.message, sizeof(c->err.message), "kinesisanalyticsv2 %s: the "
	    "response lacks a field or has one of the wrong type or length", what);
}

static int
get_int64(struct json_object *o, const char *key, bool required, long long *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return required ? CG_ERR_PARSE : 0;
	if (!json_object_is_type(v, json_type_int))
		return CG_ERR_PARSE;
	*ret = (long long)json_object_get_int64(v);
	return 0;
}

/* {KeyType, KeyId} under o[key]; absent is fine (present stays false). */
static int
parse_encryption(struct json_object *o, const char *key, struct kda_encryption *ret)
{
	struct json_object *e;
	int r = CG_ERR_PARSE;

	memset(ret, 0, sizeof(*ret));
	if (!json_object_object_get_ex(o, key, &e)) {
		r = 0;
		goto out;
	}
	ENSURE(json_object_is_type(e, json_type_object), CG_ERR_PARSE);
	GUARD(aws_json_str(e, "KeyType", ret->key_type, sizeof(ret->key_type), true));
	ENSURE(strcmp(ret->key_type, "AWS_OWNED_KEY") == 0 ||
	    strcmp(ret->key_type, "CUSTOMER_MANAGED_KEY") == 0, CG_ERR_PARSE);
	GUARD(aws_json_str(e, "KeyId", ret->key_id, sizeof(ret->key_id), false));
	ENSURE(strcmp(ret->key_type, "AWS_OWNED_KEY") == 0 || ret->key_id[0] != '\0',
	    CG_ERR_PARSE);
	ret->present = true;
	r = 0;
 out:
	return r;
}

static int
parse_application_detail(struct json_object *d, struct kda_application *ret)
{
	struct kda_application a;
	struct json_object *cfg;
	int r = CG_ERR_PARSE;

	memset(&a, 0, sizeof(a));
	ENSURE(json_object_is_type(d, json_type_object), CG_ERR_PARSE);
	GUARD(aws_json_str(d, "ApplicationARN", a.arn, sizeof(a.arn), true));
	GUARD(aws_json_str(d, "ApplicationName", a.name, sizeof(a.name), true));
	GUARD(aws_json_str(d, "ApplicationStatus", a.status, sizeof(a.status), true));
	GUARD(aws_json_str(d, "RuntimeEnvironment", a.runtime, sizeof(a.runtime), true));
	GUARD(aws_json_str(d, "ServiceExecutionRole", a.service_role, sizeof(a.service_role),
	    false));
	GUARD(get_int64(d, "ApplicationVersionId", true, &a.version_id));
	ENSURE(a.version_id >= 1, CG_ERR_PARSE);
	if (json_object_object_get_ex(d, "ApplicationConfigurationDescription", &cfg)) {
		ENSURE(json_object_is_type(cfg, json_type_object), CG_ERR_PARSE);
		GUARD(parse_encryption(cfg, "ApplicationEncryptionConfigurationDescription",
		    &a.encryption));
	}
	*ret = a;
	r = 0;
 out:
	return r;
}

int
kda_parse_describe_application(const char *json, size_t len, struct kda_application *ret)
{
	struct json_object *o = NULL, *d;
	int r = CG_ERR_PARSE;

	GUARD(parse_object(json, len, &o));
	ENSURE(json_object_object_get_ex(o, "ApplicationDetail", &d), CG_ERR_PARSE);
	GUARD(parse_application_detail(d, ret));
 out:
	json_object_put(o);
	return r;
}

int
kda_parse_describe_application_version(const char *json, size_t len,
    struct kda_application *ret)
{
	struct json_object *o = NULL, *d;
	int r = CG_ERR_PARSE;

	GUARD(parse_object(json, len, &o));
	ENSURE(json_object_object_get_ex(o, "ApplicationVersionDetail", &d), CG_ERR_PARSE);
	GUARD(parse_application_detail(d, ret));
 out:
	json_object_put(o);
	return r;
}

static bool
valid_name(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= 1 && n <= 128 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* A request {"ApplicationName": name}, built with b (which fails for a bad name). */
static struct json_object *
app_request(struct cg_jb *b, const char *name)
{
	struct json_object *o;

	if (b->r == 0 && !valid_name(name))
		b->r = CG_ERR_INVALID_ARG;
	o = cg_jb_object(b);
	cg_jb_str(b, o, "ApplicationName", name);
	return o;
}

int
kda_describe_application(struct aws_client *c, const char *name, struct kda_application *ret)
{
	struct cg_jb b = CG_JB_INIT;
	struct json_object *req = NULL;
	int r = CG_ERR_INTERNAL;

	req = app_request(&b, name);
	GUARD(cg_jb_done(&b, &req));
	GUARD(aws_call_json(c, AWS_KDA, KDA_TARGET("DescribeApplication"), req, NULL));
	if ((r = kda_parse_describe_application((const char *)cg_buf_ptr(c->body),
	    cg_buf_len(c->body), ret)) < 0)
		malformed(c, "DescribeApplication");
 out:
	json_object_put(req);
	return r;
}

int
kda_describe_application_version(struct aws_client *c, const char *name,
    long long version_id, struct kda_application *ret)
{
	struct cg_jb b = CG_JB_INIT;
	struct json_object *req = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE(version_id >= 1, CG_ERR_INVALID_ARG);
	req = app_request(&b, name);
	cg_jb_int(&b, req, "ApplicationVersionId", version_id);
	GUARD(cg_jb_done(&b, &req));
	GUARD(aws_call_json(c, AWS_KDA, KDA_TARGET("DescribeApplicationVersion"), req, NULL));
	if ((r = kda_parse_describe_application_version((const char *)cg_buf_ptr(c->body),
	    cg_buf_len(c->body), ret)) < 0)
		malformed(c, "DescribeApplicationVersion");
 out:
	json_object_put(req);
	return r;
}

static int
parse_snapshot(struct json_object *d, struct kda_snapshot *ret)
{
	struct kda_snapshot s;
	struct json_object *v;
	double t;
	int r = CG_ERR_PARSE;

	memset(&s, 0, sizeof(s));
	ENSURE(json_object_is_type(d, json_type_object), CG_ERR_PARSE);
	GUARD(aws_json_str(d, "SnapshotName", s.name, sizeof(s.name), true));
	GUARD(aws_json_str(d, "SnapshotStatus", s.status, sizeof(s.status), true));
	GUARD(get_int64(d, "ApplicationVersionId", true, &s.version_id));
	if (json_object_object_get_ex(d, "SnapshotCreationTimestamp", &v)) {
		ENSURE(json_object_is_type(v, json_type_int) ||
		    json_object_is_type(v, json_type_double), CG_ERR_PARSE);
		t = json_object_get_double(v);
		ENSURE(isfinite(t) && t >= 0 && t < 1e11, CG_ERR_PARSE);
		s.created = (time_t)t;
	}
	GUARD(parse_encryption(d, "ApplicationEncryptionConfigurationDescription",
	    &s.encryption));
	*ret = s;
	r = 0;
 out:
	return r;
}

int
kda_parse_describe_snapshot(const char *json, size_t len, struct kda_snapshot *ret)
{
	struct json_object *o = NULL, *d;
	int r = CG_ERR_PARSE;

	GUARD(parse_object(json, len, &o));
	ENSURE(json_object_object_get_ex(o, "SnapshotDetails", &d), CG_ERR_PARSE);
	GUARD(parse_snapshot(d, ret));
 out:
	json_object_put(o);
	return r;
}

int
kda_describe_application_snapshot(struct aws_client *c, const char *app,
    const char *snapshot, struct kda_snapshot *ret)
{
	struct cg_jb b = CG_JB_INIT;
	struct json_object *req = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE(valid_name(snapshot) || (snapshot != NULL && strlen(snapshot) <= 256 &&
	    strspn(snapshot, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-") == strlen(snapshot) && *snapshot != '\0'), CG_ERR_INVALID_ARG);
	req = app_request(&b, app);
	cg_jb_str(&b, req, "SnapshotName", snapshot);
	GUARD(cg_jb_done(&b, &req));
	GUARD(aws_call_json(c, AWS_KDA, KDA_TARGET("DescribeApplicationSnapshot"), req, NULL));
	if ((r = kda_parse_describe_snapshot((const char *)cg_buf_ptr(c->body),
	    cg_buf_len(c->body), ret)) < 0)
		malformed(c, "DescribeApplicationSnapshot");
 out:
	json_object_put(req);
	return r;
}

int
kda_parse_list_snapshots(const char *json, size_t len, struct kda_snapshot **list,
    size_t *n, char *next, size_t next_max)
{
	struct json_object *o = NULL, *arr;
	struct kda_snapshot *grown, s;
	size_t i, count;
	int r = CG_ERR_PARSE;

	GUARD(parse_object(json, len, &o));
	ENSURE(json_object_object_get_ex(o, "SnapshotSummaries", &arr) &&
	    json_object_is_type(arr, json_type_array), CG_ERR_PARSE);
	count = json_object_array_length(arr);
	ENSURE(*n + count <= SNAPSHOTS_MAX, CG_ERR_LIMIT);
	if (count > 0) {
		ENSURE((grown = realloc(*list, (*n + count) * sizeof(**list))) != NULL,
		    CG_ERR_NOMEM);
		*list = grown;
	}
	for (i = 0; i < count; i++) {
		GUARD(parse_snapshot(json_object_array_get_idx(arr, i), &s));
		(*list)[(*n)++] = s;
	}
	GUARD(aws_json_str(o, "NextToken", next, next_max, false));
	r = 0;
 out:
	json_object_put(o);
	return r;
}

int
kda_list_application_snapshots(struct aws_client *c, const char *app,
    struct kda_snapshot **ret, size_t *ret_n)
{
	struct cg_jb b = CG_JB_INIT;
	struct json_object *req = NULL;
	struct kda_snapshot *list = NULL;
	char token[1024] = "";
	size_t n = 0, pages = 0;
	int r = CG_ERR_INTERNAL;

	do {
		json_object_put(req);
		req = NULL;
		b.r = 0;
		req = app_request(&b, app);
		cg_jb_int(&b, req, "Limit", 50);
		if (token[0] != '\0')
			cg_jb_str(&b, req, "NextToken", token);
		GUARD(cg_jb_done(&b, &req));
		GUARD(aws_call_json(c, AWS_KDA, KDA_TARGET("ListApplicationSnapshots"), req,
		    NULL));
		if ((r = kda_parse_list_snapshots((const char *)cg_buf_ptr(c->body),
		    cg_buf_len(c->body), &list, &n, token, sizeof(token))) < 0) {
			malformed(c, "ListApplicationSnapshots");
			goto out;
		}
		ENSURE(++pages <= 1000, CG_ERR_LIMIT);
	} while (token[0] != '\0');
	*ret = list;
	*ret_n = n;
	list = NULL;
	r = 0;
 out:
	free(list);
	json_object_put(req);
	return r;
}

/* STS: AssumeRole and GetCallerIdentity (Query protocol, Version 2011-06-15). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_api.h"
#include "aws_creds.h"
#include "aws_int.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "secret.h"

#define STS_VERSION		"2011-06-15"
#define SESSION_POLICY_MAX	2048	/* plain-text characters, inline + managed ARNs */
#define TAGS_MAX		50
#define POLICY_ARNS_MAX		10

static bool
name_chars(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	return n >= min && n <= max && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-") == n;
}

static int
check_params(const struct sts_assume_role_params *p, struct cg_buf *why)
{
	size_t i, plain = 0;
	int r = CG_ERR_INVALID_ARG;

	if (p->role_arn == NULL || strncmp(p->role_arn, "arn:", 4) != 0 ||
	    strlen(p->role_arn) >= AWS_ARN_MAX) {
		cg_buf_putf(why, "AssumeRole: RoleArn must be a role ARN");
		goto out;
	}
	if (p->session_name == NULL || !name_chars(p->session_name, 2, 64)) {
		cg_buf_putf(why, "AssumeRole: RoleSessionName must be 2-64 characters of "
		    "[A-Za-z0-9+=,.@_-]");
		goto out;
	}
	if (p->duration_seconds != 0 &&
	    (p->duration_seconds < 900 || p->duration_seconds > 43200)) {
		cg_buf_putf(why, "AssumeRole: DurationSeconds must be 900-43200, not %u",
		    p->duration_seconds);
		goto out;
	}
	if (p->source_identity != NULL && (!name_chars(p->source_identity, 2, 64) ||
	    strncmp(p->source_identity, "aws:", 4) == 0)) {
		cg_buf_putf(why, "AssumeRole: SourceIdentity must be 2-64 characters of "
		    "[A-Za-z0-9+=,.@_-] and not start with \"aws:\"");
		goto out;
	}
	if (p->ntags > TAGS_MAX || p->npolicy_arns > POLICY_ARNS_MAX) {
		cg_buf_putf(why, "AssumeRole: at most %d tags and %d policy ARNs", TAGS_MAX,
		    POLICY_ARNS_MAX);
		goto out;
	}
	for (i = 0; i < p->ntags; i++) {
		if (p->tags[i].key == NULL || p->tags[i].value == NULL ||
		    strlen(p->tags[i].key) == 0 || strlen(p->tags[i].key) > 128 ||
		    strlen(p->tags[i].value) > 256) {
			cg_buf_putf(why, "AssumeRole: tag %zu needs a key of 1-128 and a "
			    "value of 0-256 characters", i);
			goto out;
		}
	}
	plain = p->policy != NULL ? strlen(p->policy) : 0;
	for (i = 0; i < p->npolicy_arns; i++)
		plain += p->policy_arns[i] != NULL ? strlen(p->policy_arns[i]) : SIZE_MAX / 2;
	if (plain > SESSION_POLICY_MAX) {
		cg_buf_putf(why, "AssumeRole: the session policy and policy ARNs are %zu "
		    "characters; STS allows %d", plain, SESSION_POLICY_MAX);
		goto out;
	}
	r = 0;
 out:
	return r;
}

void
sts_assumed_role_clear(struct sts_assumed_role *a)
{
	if (a == NULL)
		return;
	aws_credentials_clear(&a->creds);
	memset(a, 0, sizeof(*a));
}

int
sts_parse_assume_role(const char *xml, size_t len, struct sts_assumed_role *ret)
{
	struct sts_assumed_role a;
	xmlDocPtr doc = NULL;
	xmlNodePtr res, cr, ar;
	char *secret = NULL, *token = NULL, exp[64], pps[16];
	int r = CG_ERR_PARSE;

	memset(&a, 0, sizeof(a));
	a.packed_policy_size = -1;
	GUARD(aws_xml_parse(xml, len, &doc));
	GUARD(aws_xml_result(doc, "AssumeRole", &res));
	ENSURE((cr = aws_xml_child(res, "Credentials")) != NULL, CG_ERR_PARSE);
	ENSURE((ar = aws_xml_child(res, "AssumedRoleUser")) != NULL, CG_ERR_PARSE);
	GUARD(aws_xml_text(cr, "AccessKeyId", a.creds.access_key_id,
	    sizeof(a.creds.access_key_id), true));
	GUARD(aws_xml_strdup(cr, "SecretAccessKey", CG_SECRET_MAX, true, &secret));
	GUARD(aws_xml_strdup(cr, "SessionToken", CG_SECRET_MAX, true, &token));
	GUARD(aws_xml_text(cr, "Expiration", exp, sizeof(exp), true));
	GUARD(aws_parse_time(exp, &a.creds.expiration));
	ENSURE(aws_key_id_ok(a.creds.access_key_id, strlen(a.creds.access_key_id)) &&
	    aws_credential_text_ok(secret, strlen(secret)) &&
	    aws_credential_text_ok(token, strlen(token)), CG_ERR_PARSE);
	GUARD(cg_secret_new(secret, strlen(secret), &a.creds.secret_access_key));
	GUARD(cg_secret_new(token, strlen(token), &a.creds.session_token));
	a.creds.source = "assume-role";
	GUARD(aws_xml_text(ar, "Arn", a.assumed_role_arn, sizeof(a.assumed_role_arn), true));
	GUARD(aws_xml_text(ar, "AssumedRoleId", a.assumed_role_id,
	    sizeof(a.assumed_role_id), true));
	GUARD(aws_xml_text(res, "SourceIdentity", a.source_identity,
	    sizeof(a.source_identity), false));
	GUARD(aws_xml_text(res, "PackedPolicySize", pps, sizeof(pps), false));
	if (pps[0] != '\0') {
		char *end;
		long v = strtol(pps, &end, 10);

		ENSURE(*end == '\0' && v >= 0 && v <= 100000, CG_ERR_PARSE);
		a.packed_policy_size = (int)v;
	}
	*ret = a;
	memset(&a, 0, sizeof(a));
	r = 0;
 out:
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	sts_assumed_role_clear(&a);
	if (doc != NULL)
		aws_xml_wipe(xmlDocGetRootElement(doc));	/* libxml2's copy of the secrets */
	xmlFreeDoc(doc);
	return r;
}

int
sts_assume_role(struct aws_client *c, const struct sts_assume_role_params *p,
    struct sts_assumed_role *ret, struct cg_buf *why)
{
	const char *params[2 * (8 + POLICY_ARNS_MAX + 2 * TAGS_MAX) + 1];
	char names[POLICY_ARNS_MAX + 2 * TAGS_MAX][48], dur[16];
	size_t n = 0, k = 0, i;
	int r = CG_ERR_INTERNAL;

	GUARD(check_params(p, why));
	snprintf(dur, sizeof(dur), "%u", p->duration_seconds ? p->duration_seconds : 900);
	params[n++] = "Action";			params[n++] = "AssumeRole";
	params[n++] = "Version";		params[n++] = STS_VERSION;
	params[n++] = "RoleArn";		params[n++] = p->role_arn;
	params[n++] = "RoleSessionName";	params[n++] = p->session_name;
	params[n++] = "DurationSeconds";	params[n++] = dur;
	if (p->policy != NULL) {
		params[n++] = "Policy";
		params[n++] = p->policy;
	}
	if (p->source_identity != NULL) {
		params[n++] = "SourceIdentity";
		params[n++] = p->source_identity;
	}
	for (i = 0; i < p->npolicy_arns; i++) {
		snprintf(names[k], sizeof(names[k]), "PolicyArns.member.%zu.arn", i + 1);
		params[n++] = names[k++];
		params[n++] = p->policy_arns[i];
	}
	for (i = 0; i < p->ntags; i++) {
		snprintf(names[k], sizeof(names[k]), "Tags.member.%zu.Key", i + 1);
		params[n++] = names[k++];
		params[n++] = p->tags[i].key;
		snprintf(names[k], sizeof(names[k]), "Tags.member.%zu.Value", i + 1);
		params[n++] = names[k++];
		params[n++] = p->tags[i].value;
	}
	params[n] = NULL;
	/* STS may have issued credentials for an attempt whose answer was lost:
	 * retry only what STS refused before acting (throttling) */
	c->once = true;
	r = aws_call_query(c, AWS_STS, params, NULL);
	c->once = false;
	GUARD(r);
	if ((r = sts_parse_assume_role((const char *)cg_buf_ptr(c->body), cg_buf_len(c->body),
	    ret)) < 0) {
		c->err.kind = AWS_ERR_MALFORMED;
		snprintf(c->err.code, sizeof(c->err.code), "MalformedResponse");
		snprintf(c->err.message, sizeof(c->err.message), "sts AssumeRole: the "
		    "response lacks credentials or has a malformed field");
	}
 out:
	cg_buf_reset(c->body);	/* it held the new secret key and token */
	return r;
}

int
sts_parse_caller_identity(const char *xml, size_t len, struct sts_identity *ret)
{
	struct sts_identity id;
	xmlDocPtr doc = NULL;
	xmlNodePtr res;
	int r = CG_ERR_PARSE;

	memset(&id, 0, sizeof(id));
	GUARD(aws_xml_parse(xml, len, &doc));
	GUARD(aws_xml_result(doc, "GetCallerIdentity", &res));
	GUARD(aws_xml_text(res, "Account", id.account, sizeof(id.account), true));
	GUARD(aws_xml_text(res, "Arn", id.arn, sizeof(id.arn), true));
	GUARD(aws_xml_text(res, "UserId", id.user_id, sizeof(id.user_id), true));
	ENSURE(strlen(id.account) == 12 && strspn(id.account, "0123456789") == 12, CG_ERR_PARSE);
	*ret = id;
	r = 0;
 out:
	xmlFreeDoc(doc);
	return r;
}

int
sts_get_caller_identity(struct aws_client *c, struct sts_identity *ret)
{
	static const char *const params[] = { "Action", "GetCallerIdentity",
	    "Version", STS_VERSION, NULL };
	int r = CG_ERR_INTERNAL;

	GUARD(aws_call_query(c, AWS_STS, params, NULL));
	if ((r = sts_parse_caller_identity((const char *)cg_buf_ptr(c->body),
	    cg_buf_len(c->body), ret)) < 0) {
		c->err.kind = AWS_ERR_MALFORMED;
		snprintf(c->err.code, sizeof(c->err.code), "MalformedResponse");
		snprintf(c->err.message, sizeof(c->err.message),
		    "sts GetCallerIdentity: malformed response");
	}
 out:
	return r;
}

/*
 * IAM: what the gate reads to learn a role's permissions -- the role (with
 * its permission boundary), its inline policies and its attached managed
 * policies (Query protocol, Version 2010-05-08, URL-encoded documents).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_api.h"
#include "aws_int.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"

#define IAM_VERSION	"2010-05-08"
#define LIST_MAX	1000
#define PAGES_MAX	100

static void
malformed(struct aws_client *c, const char *what)
{
	c->err.kind = AWS_ERR_MALFORMED;
	snprintf(c->err.code, sizeof(c->err.code), "MalformedResponse");
	snprintf(c->err.message, sizeof(c->err.message), "iam %s: the response lacks a "
	    "field or has one of the wrong type or length", what);
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int
iam_url_decode(const char *in, char **ret)
{
	size_t i, n = 0, len = strlen(in);
	char *out;
	int hi, lo;

	if ((out = malloc(len + 1)) == NULL)
		return CG_ERR_NOMEM;
	for (i = 0; i < len; i++) {
		if (in[i] != '%') {
			out[n++] = in[i];
			continue;
		}
		if (i + 2 >= len || (hi = hexval(in[i + 1])) < 0 ||
		    (lo = hexval(in[i + 2])) < 0 || (hi == 0 && lo == 0)) {
			free(out);
			return CG_ERR_PARSE;	/* bad escape, or an encoded NUL */
		}
		out[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[n] = '\0';
	*ret = out;
	return 0;
}

void
iam_role_clear(struct iam_role *role)
{
	if (role == NULL)
		return;
	free(role->trust_policy);
	memset(role, 0, sizeof(*role));
}

int
iam_parse_get_role(const char *xml, size_t len, struct iam_role *ret)
{
	struct iam_role role;
	xmlDocPtr doc = NULL;
	xmlNodePtr res, node, pb;
	char *enc = NULL;
	int r = CG_ERR_PARSE;

	memset(&role, 0, sizeof(role));
	GUARD(aws_xml_parse(xml, len, &doc));
	GUARD(aws_xml_result(doc, "GetRole", &res));
	ENSURE((node = aws_xml_child(res, "Role")) != NULL, CG_ERR_PARSE);
	GUARD(aws_xml_text(node, "Arn", role.arn, sizeof(role.arn), true));
	GUARD(aws_xml_text(node, "RoleName", role.name, sizeof(role.name), true));
	GUARD(aws_xml_text(node, "RoleId", role.role_id, sizeof(role.role_id), true));
	GUARD(aws_xml_strdup(node, "AssumeRolePolicyDocument", AWS_DOC_MAX, false, &enc));
	if (enc != NULL)
		GUARD(iam_url_decode(enc, &role.trust_policy));
	if ((pb = aws_xml_child(node, "PermissionsBoundary")) != NULL)
		GUARD(aws_xml_text(pb, "PermissionsBoundaryArn", role.boundary_arn,
		    sizeof(role.boundary_arn), true));
	*ret = role;
	memset(&role, 0, sizeof(role));
	r = 0;
 out:
	free(enc);
	iam_role_clear(&role);
	xmlFreeDoc(doc);
	return r;
}

int
iam_parse_name_list(const char *xml, size_t len, const char *action, const char *list,
    const char *member_field, char ***names, size_t *n, char *marker, size_t marker_max)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr res, l, m;
	char trunc[8], **grown, *name = NULL;
	int r = CG_ERR_PARSE;

	GUARD(aws_xml_parse(xml, len, &doc));
	GUARD(aws_xml_result(doc, action, &res));
	ENSURE((l = aws_xml_child(res, list)) != NULL, CG_ERR_PARSE);
	for (m = l->children; m != NULL; m = m->next) {
		if (m->type != XML_ELEMENT_NODE)
			continue;
		ENSURE(strcmp((const char *)m->name, "member") == 0, CG_ERR_PARSE);
		ENSURE(*n < LIST_MAX, CG_ERR_LIMIT);
		if (member_field != NULL) {
			GUARD(aws_xml_strdup(m, member_field, AWS_ARN_MAX, true, &name));
		} else {
			xmlChar *t;
			xmlNodePtr ch;

			for (ch = m->children; ch != NULL; ch = ch->next)
				ENSURE(ch->type == XML_TEXT_NODE, CG_ERR_PARSE);
			ENSURE((t = xmlNodeGetContent(m)) != NULL, CG_ERR_NOMEM);
			name = strlen((const char *)t) < AWS_NAME_MAX ?
			    strdup((const char *)t) : NULL;
			xmlFree(t);
			ENSURE(name != NULL, CG_ERR_PARSE);
		}
		ENSURE((grown = realloc(*names, (*n + 1) * sizeof(*grown))) != NULL,
		    CG_ERR_NOMEM);
		*names = grown;
		(*names)[(*n)++] = name;
		name = NULL;
	}
	GUARD(aws_xml_text(res, "IsTruncated", trunc, sizeof(trunc), false));
	ENSURE(trunc[0] == '\0' || strcmp(trunc, "true") == 0 || strcmp(trunc, "false") == 0,
	    CG_ERR_PARSE);
	marker[0] = '\0';
	if (strcmp(trunc, "true") == 0)
		GUARD(aws_xml_text(res, "Marker", marker, marker_max, true));
	r = 0;
 out:
	free(name);
	xmlFreeDoc(doc);
	return r;
}

int
iam_parse_policy_document(const char *xml, size_t len, const char *action,
    const char *container, char **ret_doc)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr res;
	char *enc = NULL;
	int r = CG_ERR_PARSE;

	GUARD(aws_xml_parse(xml, len, &doc));
	GUARD(aws_xml_result(doc, action, &res));
	if (container != NULL) {
		ENSURE((res = aws_xml_child(res, container)) != NULL, CG_ERR_PARSE);
		GUARD(aws_xml_strdup(res, "Document", AWS_DOC_MAX, true, &enc));
	} else {
		GUARD(aws_xml_strdup(res, "PolicyDocument", AWS_DOC_MAX, true, &enc));
	}
	GUARD(iam_url_decode(enc, ret_doc));
 out:
	free(enc);
	xmlFreeDoc(doc);
	return r;
}

int
iam_parse_default_version(const char *xml, size_t len, char *version, size_t max)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr res, pol;
	int r = CG_ERR_PARSE;

	GUARD(aws_xml_parse(xml, len, &doc));
	GUARD(aws_xml_result(doc, "GetPolicy", &res));
	ENSURE((pol = aws_xml_child(res, "Policy")) != NULL, CG_ERR_PARSE);
	GUARD(aws_xml_text(pol, "DefaultVersionId", version, max, true));
	ENSURE(version[0] == 'v', CG_ERR_PARSE);
 out:
	xmlFreeDoc(doc);
	return r;
}

static bool
valid_role_name(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= 1 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-") == n;
}

int
iam_get_role(struct aws_client *c, const char *role_name, struct iam_role *ret)
{
	const char *params[] = { "Action", "GetRole", "Version", IAM_VERSION,
	    "RoleName", role_name, NULL };
	int r = CG_ERR_INTERNAL;

	ENSURE(valid_role_name(role_name), CG_ERR_INVALID_ARG);
	GUARD(aws_call_query(c, AWS_IAM, params, NULL));
	if ((r = iam_parse_get_role((const char *)cg_buf_ptr(c->body), cg_buf_len(c->body),
	    ret)) < 0)
		malformed(c, "GetRole");
 out:
	return r;
}

static void
free_list(char **l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

/* Every page of a List* call. */
static int
list_all(struct aws_client *c, const char *action, const char *role, const char *list,
    const char *member_field, char ***ret, size_t *ret_n)
{
	char marker[1024] = "", **names = NULL;
	size_t n = 0, pages = 0;
	int r = CG_ERR_INTERNAL;

	do {
		const char *params[] = { "Action", action, "Version", IAM_VERSION,
		    "RoleName", role, marker[0] != '\0' ? "Marker" : NULL, marker, NULL };

		GUARD(aws_call_query(c, AWS_IAM, params, NULL));
		if ((r = iam_parse_name_list((const char *)cg_buf_ptr(c->body),
		    cg_buf_len(c->body), action, list, member_field, &names, &n, marker,
		    sizeof(marker))) < 0) {
			malformed(c, action);
			goto out;
		}
		ENSURE(++pages <= PAGES_MAX, CG_ERR_LIMIT);
	} while (marker[0] != '\0');
	*ret = names;
	*ret_n = n;
	names = NULL;
	n = 0;
	r = 0;
 out:
	free_list(names, n);
	return r;
}

static int
managed_document(struct aws_client *c, const char *arn, char **ret_doc)
{
	const char *gp[] = { "Action", "GetPolicy", "Version", IAM_VERSION,
	    "PolicyArn", arn, NULL };
	char version[64];
	int r = CG_ERR_INTERNAL;

	GUARD(aws_call_query(c, AWS_IAM, gp, NULL));
	if ((r = iam_parse_default_version((const char *)cg_buf_ptr(c->body),
	    cg_buf_len(c->body), version, sizeof(version))) < 0) {
		malformed(c, "GetPolicy");
		goto out;
	}
	{
		const char *gv[] = { "Action", "GetPolicyVersion", "Version", IAM_VERSION,
		    "PolicyArn", arn, "VersionId", version, NULL };

		GUARD(aws_call_query(c, AWS_IAM, gv, NULL));
	}
	if ((r = iam_parse_policy_document((const char *)cg_buf_ptr(c->body),
	    cg_buf_len(c->body), "GetPolicyVersion", "PolicyVersion", ret_doc)) < 0)
		malformed(c, "GetPolicyVersion");
 out:
	return r;
}

void
iam_role_policies_clear(struct iam_role_policies *p)
{
	if (p == NULL)
		return;
	free_list(p->inline_names, p->ninline);
	free_list(p->inline_docs, p->ninline);
	free_list(p->managed_arns, p->nmanaged);
	free_list(p->managed_docs, p->nmanaged);
	free(p->boundary_doc);
	memset(p, 0, sizeof(*p));
}

int
iam_read_role_policies(struct aws_client *c, const char *role_name,
    struct iam_role_policies *ret)
{
	struct iam_role_policies p;
	struct iam_role role;
	size_t i;
	int r = CG_ERR_INTERNAL;

	memset(&p, 0, sizeof(p));
	memset(&role, 0, sizeof(role));
	GUARD(iam_get_role(c, role_name, &role));
	GUARD(list_all(c, "ListRolePolicies", role_name, "PolicyNames", NULL,
	    &p.inline_names, &p.ninline));
	ENSURE((p.inline_docs = calloc(p.ninline + 1, sizeof(char *))) != NULL, CG_ERR_NOMEM);
	for (i = 0; i < p.ninline; i++) {
		const char *params[] = { "Action", "GetRolePolicy", "Version", IAM_VERSION,
		    "RoleName", role_name, "PolicyName", p.inline_names[i], NULL };

		GUARD(aws_call_query(c, AWS_IAM, params, NULL));
		if ((r = iam_parse_policy_document((const char *)cg_buf_ptr(c->body),
		    cg_buf_len(c->body), "GetRolePolicy", NULL, &p.inline_docs[i])) < 0) {
			malformed(c, "GetRolePolicy");
			goto out;
		}
	}
	GUARD(list_all(c, "ListAttachedRolePolicies", role_name, "AttachedPolicies",
	    "PolicyArn", &p.managed_arns, &p.nmanaged));
	ENSURE((p.managed_docs = calloc(p.nmanaged + 1, sizeof(char *))) != NULL,
	    CG_ERR_NOMEM);
	for (i = 0; i < p.nmanaged; i++)
		GUARD(managed_document(c, p.managed_arns[i], &p.managed_docs[i]));
	if (role.boundary_arn[0] != '\0')
		GUARD(managed_document(c, role.boundary_arn, &p.boundary_doc));
	*ret = p;
	memset(&p, 0, sizeof(p));
	r = 0;
 out:
	iam_role_clear(&role);
	iam_role_policies_clear(&p);
	return r;
}

/*
 * Principals: parsing a request's principal, compiling the entries of a
 * statement's Principal element, and matching one against the other.
 *
 * AWS matches principals exactly (no partial wildcards; user and role
 * names are unique regardless of case, so they compare without case); a
 * role ARN names every session of that role; an account id or its root
 * ARN names the account, which in a resource policy means "delegate to
 * the account's IAM policies".  A Principal entry that is none of the
 * forms AWS accepts is a malformed document, never a silent non-match.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arn.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "policy_int.h"

static bool
span_is(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

static bool
ends_with(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len > n && memcmp(s + len - n, lit, n) == 0;
}

/* "kinesisanalytics.amazonaws.com", "logs.eu-west-1.amazonaws.com", ".cn" too. */
static bool
is_service_name(const char *s, size_t len)
{
	return len > 0 && len <= 256 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") == len && s[0] != '.' &&
	    (ends_with(s, len, ".amazonaws.com") || ends_with(s, len, ".amazonaws.com.cn"));
}

/* AIDA..., AROA..., AKIA...: the unique ids AWS may show in a Principal. */
static bool
is_unique_id(const char *s, size_t len)
{
	return len >= 16 && len <= 128 && s[0] == 'A' &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == len;
}

/* The last '/'-separated part of a resource (a name after its path). */
static struct arn_field
last_part(const struct arn_field *res)
{
	struct arn_field f = *res;
	size_t i = res->len;

	while (i > 0 && res->p[i - 1] != '/')
		i--;
	f.p = res->p + i;
	f.len = res->len - i;
	return f;
}

int
principal_parse(const char *text, struct principal *ret, struct cg_buf *why)
{
	struct principal p;
	struct arn a;
	struct arn_field name;
	const char *slash;
	size_t len;
	int r = CG_ERR_INVALID_ARG;

	memset(&p, 0, sizeof(p));
	ENSURE(text != NULL, CG_ERR_INVALID_ARG);
	len = strlen(text);
	p.text = text;
	p.len = len;
	if (is_service_name(text, len)) {
		p.type = PT_SERVICE;
		goto done;
	}
	if (arn_parse(text, len, &a) < 0 || !arn_is_account(a.account.p, a.account.len) ||
	    a.region.len != 0) {
		cg_buf_putf(why, "principal \"%.200s\" is not an IAM or STS principal ARN "
		    "(arn:PARTITION:iam::ACCOUNT:user/NAME, ...:role/NAME, ...:root, "
		    "arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION) nor a service "
		    "principal (NAME.amazonaws.com)", text);
		goto out;
	}
	p.partition = a.partition.p;
	p.partition_len = a.partition.len;
	memcpy(p.account, a.account.p, ARN_ACCOUNT_LEN);
	if (arn_field_is(&a.service, "iam") && arn_field_is(&a.resource, "root")) {
		p.type = PT_ROOT;
	} else if (arn_field_is(&a.service, "iam") && arn_field_has_prefix(&a.resource, "user/") &&
	    (name = last_part(&a.resource)).len > 0) {
		p.type = PT_USER;
	} else if (arn_field_is(&a.service, "iam") && arn_field_has_prefix(&a.resource, "role/") &&
	    (name = last_part(&a.resource)).len > 0) {
		p.type = PT_ROLE;
		p.role_name = name.p;
		p.role_name_len = name.len;
	} else if (arn_field_is(&a.service, "sts") &&
	    arn_field_has_prefix(&a.resource, "assumed-role/")) {
		p.role_name = a.resource.p + 13;
		slash = memchr(p.role_name, '/', a.resource.len - 13);
		if (slash == NULL || slash == p.role_name ||
		    slash == a.resource.p + a.resource.len - 1) {
			cg_buf_putf(why, "principal \"%.200s\": an assumed-role ARN needs "
			    "assumed-role/ROLE/SESSION", text);
			goto out;
		}
		p.role_name_len = (size_t)(slash - p.role_name);
		p.type = PT_SESSION;
	} else if (arn_field_is(&a.service, "sts") &&
	    arn_field_has_prefix(&a.resource, "federated-user/") && a.resource.len > 15) {
		p.type = PT_FEDERATED_USER;
	} else {
		cg_buf_putf(why, "principal \"%.200s\" is not a user, role, root, assumed-role "
		    "or federated-user ARN", text);
		goto out;
	}
 done:
	*ret = p;
	r = 0;
 out:
	return r;
}

int
principal_ref_compile(const char *type, const char *value, struct principal_ref *ret,
    struct cg_buf *why)
{
	struct principal_ref ref;
	struct arn a;
	struct arn_field name;
	size_t len;
	int r = CG_ERR_POLICY;

	memset(&ref, 0, sizeof(ref));
	len = strlen(value);
	ENSURE((ref.value = strdup(value)) != NULL, CG_ERR_NOMEM);
	if (strcmp(value, "*") == 0) {
		if (strcmp(type, "AWS") != 0) {
			cg_buf_putf(why, "\"*\" is only valid as Principal \"*\" or "
			    "{\"AWS\": \"*\"}, not under \"%.32s\"", type);
			goto out;
		}
		ref.type = PR_ANY;
		goto done;
	}
	if (strpbrk(value, "*?") != NULL) {
		cg_buf_putf(why, "\"%.200s\": principals cannot hold wildcards except a lone "
		    "\"*\"", value);
		goto out;
	}
	if (strcmp(type, "Service") == 0) {
		if (!is_service_name(value, len)) {
			cg_buf_putf(why, "Service \"%.200s\" is not a service principal "
			    "(NAME.amazonaws.com)", value);
			goto out;
		}
		ref.type = PR_SERVICE;
		goto done;
	}
	if (strcmp(type, "Federated") == 0) {
		if (len == 0 || len > 2048 || strpbrk(value, " \t\r\n") != NULL) {
			cg_buf_putf(why, "Federated \"%.200s\" is not an identity provider", value);
			goto out;
		}
		ref.type = PR_FEDERATED;
		goto done;
	}
	if (strcmp(type, "CanonicalUser") == 0) {
		if (len != 64 || strspn(value, "0123456789abcdef") != 64) {
			cg_buf_putf(why, "CanonicalUser \"%.200s\" is not 64 hex digits", value);
			goto out;
		}
		ref.type = PR_CANONICAL;
		goto done;
	}
	if (strcmp(type, "AWS") != 0) {
		cg_buf_putf(why, "unknown principal type \"%.32s\" (AWS, Service, Federated, "
		    "CanonicalUser)", type);
		goto out;
	}
	if (arn_is_account(value, len)) {
		ref.type = PR_ACCOUNT;
		memcpy(ref.account, value, ARN_ACCOUNT_LEN);
		goto done;
	}
	if (is_unique_id(value, len)) {
		ref.type = PR_EXACT;	/* matches no ARN: the request names principals by ARN */
		goto done;
	}
	if (arn_parse(value, len, &a) < 0 || !arn_is_account(a.account.p, a.account.len) ||
	    a.region.len != 0 || (!arn_field_is(&a.service, "iam") &&
	    !arn_field_is(&a.service, "sts"))) {
		cg_buf_putf(why, "\"%.200s\" is not an AWS principal: give \"*\", a 12-digit "
		    "account id, an IAM or STS principal ARN, or a unique id", value);
		goto out;
	}
	memcpy(ref.account, a.account.p, ARN_ACCOUNT_LEN);
	ENSURE((ref.partition = strndup(a.partition.p, a.partition.len)) != NULL, CG_ERR_NOMEM);
	if (arn_field_is(&a.service, "iam") && arn_field_is(&a.resource, "root")) {
		ref.type = PR_ACCOUNT;
	} else if (arn_field_is(&a.service, "iam") && arn_field_has_prefix(&a.resource, "role/") &&
	    (name = last_part(&a.resource)).len > 0) {
		ENSURE((ref.role_name = strndup(name.p, name.len)) != NULL, CG_ERR_NOMEM);
		ref.type = PR_ROLE;
	} else if (arn_field_is(&a.service, "iam") && arn_field_has_prefix(&a.resource, "user/") &&
	    last_part(&a.resource).len > 0) {
		ref.type = PR_USER;
	} else if (arn_field_is(&a.service, "sts") &&
	    (arn_field_has_prefix(&a.resource, "assumed-role/") ||
	    arn_field_has_prefix(&a.resource, "federated-user/"))) {
		ref.type = PR_EXACT;
	} else {
		cg_buf_putf(why, "\"%.200s\" is not a root, user, role, assumed-role or "
		    "federated-user ARN", value);
		goto out;
	}
 done:
	*ret = ref;
	memset(&ref, 0, sizeof(ref));
	r = 0;
 out:
	principal_ref_clear(&ref);
	return r;
}

void
principal_ref_clear(struct principal_ref *ref)
{
	free(ref->value);
	free(ref->partition);
	free(ref->role_name);
	memset(ref, 0, sizeof(*ref));
}

static bool
partition_ok(const struct principal_ref *ref, const struct principal *p)
{
	return ref->partition == NULL ||
	    span_is(p->partition, p->partition_len, ref->partition);
}

static bool
same_account(const struct principal_ref *ref, const struct principal *p)
{
	return partition_ok(ref, p) && memcmp(ref->account, p->account, ARN_ACCOUNT_LEN) == 0;
}

enum grant_kind
principal_ref_match(const struct principal_ref *ref, const struct principal *p)
{
	bool is_service = p->type == PT_SERVICE;

	switch (ref->type) {
	case PR_ANY:
		return GRANT_LIMITED;
	case PR_ACCOUNT:
		return !is_service && same_account(ref, p) ? GRANT_ACCOUNT : GRANT_NONE;
	case PR_ROLE:
		if ((p->type != PT_ROLE && p->type != PT_SESSION) || !same_account(ref, p))
			return GRANT_NONE;
		return strlen(ref->role_name) == p->role_name_len &&
		    strncasecmp(p->role_name, ref->role_name, p->role_name_len) == 0 ?
		    GRANT_LIMITED : GRANT_NONE;
	case PR_USER:
		return p->type == PT_USER && strlen(ref->value) == p->len &&
		    strncasecmp(p->text, ref->value, p->len) == 0 ? GRANT_USER : GRANT_NONE;
	case PR_EXACT:
		return !is_service && span_is(p->text, p->len, ref->value) ?
		    GRANT_DIRECT : GRANT_NONE;
	case PR_SERVICE:
		return is_service && span_is(p->text, p->len, ref->value) ?
		    GRANT_DIRECT : GRANT_NONE;
	case PR_FEDERATED:
	case PR_CANONICAL:
		return span_is(p->text, p->len, ref->value) ? GRANT_DIRECT : GRANT_NONE;
	}
	return GRANT_NONE;
}

/* Is one identity of the principal named by some entry of the list? */
static bool
listed(const struct principal_ref *refs, size_t n, const struct principal *p,
    enum pref_type want)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct principal_ref *ref = &refs[i];

		if (ref->type == PR_ANY)
			return true;
		if (ref->type != want)
			continue;
		if (principal_ref_match(ref, p) != GRANT_NONE)
			return true;
	}
	return false;
}

bool
principal_not_listed(const struct principal_ref *refs, size_t n, const struct principal *p)
{
	switch (p->type) {
	case PT_SERVICE:
		return !listed(refs, n, p, PR_SERVICE);
	case PT_ROOT:
		return !listed(refs, n, p, PR_ACCOUNT);
	case PT_USER:
		return !listed(refs, n, p, PR_ACCOUNT) || !listed(refs, n, p, PR_USER);
	case PT_ROLE:
		return !listed(refs, n, p, PR_ACCOUNT) || !listed(refs, n, p, PR_ROLE);
	case PT_SESSION:
		return !listed(refs, n, p, PR_ACCOUNT) || !listed(refs, n, p, PR_ROLE) ||
		    !listed(refs, n, p, PR_EXACT);
	case PT_FEDERATED_USER:
		return !listed(refs, n, p, PR_ACCOUNT) || !listed(refs, n, p, PR_EXACT);
	}
	return true;
}

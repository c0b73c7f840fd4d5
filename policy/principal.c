/*
 * Principals: parsing a request's principal ARN, compiling the entries of a
 * statement's Principal element, and matching one against the other.
 *
 * AWS matches principals exactly (no partial wildcards); a role ARN names
 * every session of that role; an account id or its root ARN names the
 * account, which in a resource policy means "delegate to the account's
 * IAM policies".
 */
#include <stdlib.h>
#include <string.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "policy_int.h"

struct arn {
	const char	*f[6];
	size_t		 l[6];
};

/* Splits text at its first five colons; false unless it is "arn:..." with six fields. */
static bool
arn_split(const char *text, size_t len, struct arn *a)
{
	size_t f = 0, i, start = 0;

	for (i = 0; i < len && f < 5; i++) {
		if (text[i] == ':') {
			a->f[f] = text + start;
			a->l[f] = i - start;
			f++;
			start = i + 1;
		}
	}
	if (f != 5)
		return false;
	a->f[5] = text + start;
	a->l[5] = len - start;
	return a->l[0] == 3 && memcmp(a->f[0], "arn", 3) == 0 && a->l[1] > 0 &&
	    a->l[2] > 0;
}

static bool
is_account(const char *s, size_t len)
{
	size_t i;

	if (len != ARN_ACCOUNT_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool
span_is(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

static bool
has_prefix(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len >= n && memcmp(s, lit, n) == 0;
}

static bool
is_service_name(const char *s, size_t len)
{
	size_t i;
	bool dot = false;

	if (len == 0 || len > 256)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] == '.')
			dot = true;
		else if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-'))
			return false;
	}
	return dot && s[0] != '.' && s[len - 1] != '.';
}

/* The last '/'-separated part of s (a name after its path). */
static void
last_part(const char *s, size_t len, const char **ret, size_t *ret_len)
{
	size_t i = len;

	while (i > 0 && s[i - 1] != '/')
		i--;
	*ret = s + i;
	*ret_len = len - i;
}

int
principal_parse(const char *text, struct principal *ret, struct cg_buf *why)
{
	struct principal p;
	struct arn a;
	const char *res, *slash;
	size_t len, rl;
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
	if (!arn_split(text, len, &a) || !is_account(a.f[4], a.l[4]) || a.l[3] != 0) {
		cg_buf_putf(why, "principal \"%.*s\" is not an IAM or STS principal ARN "
		    "(arn:PARTITION:iam::ACCOUNT:user/NAME, ...:role/NAME, ...:root, "
		    "arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION) nor a service "
		    "name", (int)(len > 200 ? 200 : len), text);
		goto out;
	}
	p.partition = a.f[1];
	p.partition_len = a.l[1];
	memcpy(p.account, a.f[4], ARN_ACCOUNT_LEN);
	res = a.f[5];
	rl = a.l[5];
	if (span_is(a.f[2], a.l[2], "iam") && span_is(res, rl, "root")) {
		p.type = PT_ROOT;
	} else if (span_is(a.f[2], a.l[2], "iam") && has_prefix(res, rl, "user/") && rl > 5 &&
	    res[rl - 1] != '/') {
		p.type = PT_USER;
	} else if (span_is(a.f[2], a.l[2], "iam") && has_prefix(res, rl, "role/") && rl > 5 &&
	    res[rl - 1] != '/') {
		p.type = PT_ROLE;
		last_part(res, rl, &p.role_name, &p.role_name_len);
	} else if (span_is(a.f[2], a.l[2], "sts") && has_prefix(res, rl, "assumed-role/")) {
		p.role_name = res + 13;
		slash = memchr(p.role_name, '/', rl - 13);
		if (slash == NULL || slash == p.role_name || slash == res + rl - 1) {
			cg_buf_putf(why, "principal \"%s\": an assumed-role ARN needs "
			    "assumed-role/ROLE/SESSION", text);
			goto out;
		}
		p.role_name_len = (size_t)(slash - p.role_name);
		p.type = PT_SESSION;
	} else if (span_is(a.f[2], a.l[2], "sts") && has_prefix(res, rl, "federated-user/") &&
	    rl > 15) {
		p.type = PT_FEDERATED_USER;
	} else {
		cg_buf_putf(why, "principal \"%s\" is not a user, role, root, assumed-role "
		    "or federated-user ARN", text);
		goto out;
	}
 done:
	*ret = p;
	r = 0;
 out:
	return r;
}

static bool
has_wildcard(const char *s)
{
	return strpbrk(s, "*?") != NULL;
}

int
principal_ref_compile(const char *type, const char *value, struct principal_ref *ret,
    struct cg_buf *why)
{
	struct principal_ref ref;
	struct arn a;
	const char *name;
	size_t len, nl;
	int r = CG_ERR_POLICY;

	memset(&ref, 0, sizeof(ref));
	len = strlen(value);
	ENSURE((ref.value = strdup(value)) != NULL, CG_ERR_NOMEM);
	if (strcmp(value, "*") == 0) {
		if (strcmp(type, "AWS") != 0) {
			cg_buf_putf(why, "\"*\" is only valid as Principal \"*\" or "
			    "{\"AWS\": \"*\"}, not under \"%s\"", type);
			goto out;
		}
		ref.type = PR_ANY;
		goto done;
	}
	if (has_wildcard(value)) {
		cg_buf_putf(why, "\"%s\": principals cannot hold wildcards except a lone \"*\"",
		    value);
		goto out;
	}
	if (strcmp(type, "Service") == 0) {
		ref.type = PR_SERVICE;
		goto done;
	}
	if (strcmp(type, "Federated") == 0) {
		ref.type = PR_FEDERATED;
		goto done;
	}
	if (strcmp(type, "CanonicalUser") == 0) {
		ref.type = PR_CANONICAL;
		goto done;
	}
	if (strcmp(type, "AWS") != 0) {
		cg_buf_putf(why, "unknown principal type \"%s\" (AWS, Service, Federated, "
		    "CanonicalUser)", type);
		goto out;
	}
	if (is_account(value, len)) {
		ref.type = PR_ACCOUNT;
		memcpy(ref.account, value, ARN_ACCOUNT_LEN);
		goto done;
	}
	if (!arn_split(value, len, &a)) {
		/* a unique id (AIDA..., AROA...) or other exact name */
		ref.type = PR_EXACT;
		goto done;
	}
	if (!is_account(a.f[4], a.l[4])) {
		cg_buf_putf(why, "principal ARN \"%s\" has no 12-digit account", value);
		goto out;
	}
	memcpy(ref.account, a.f[4], ARN_ACCOUNT_LEN);
	ENSURE((ref.partition = strndup(a.f[1], a.l[1])) != NULL, CG_ERR_NOMEM);
	if (span_is(a.f[2], a.l[2], "iam") && span_is(a.f[5], a.l[5], "root")) {
		ref.type = PR_ACCOUNT;
	} else if (span_is(a.f[2], a.l[2], "iam") && has_prefix(a.f[5], a.l[5], "role/")) {
		last_part(a.f[5], a.l[5], &name, &nl);
		ENSURE(nl > 0, CG_ERR_POLICY);
		ENSURE((ref.role_name = strndup(name, nl)) != NULL, CG_ERR_NOMEM);
		ref.type = PR_ROLE;
	} else if (span_is(a.f[2], a.l[2], "iam") && has_prefix(a.f[5], a.l[5], "user/")) {
		ref.type = PR_USER;
	} else {
		ref.type = PR_EXACT;
	}
 done:
	*ret = ref;
	memset(&ref, 0, sizeof(ref));
	r = 0;
 out:
	if (r == CG_ERR_POLICY && cg_buf_len(why) == 0)
		cg_buf_putf(why, "invalid principal \"%s\"", value);
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

enum grant_kind
principal_ref_match(const struct principal_ref *ref, const struct principal *p)
{
	bool is_service = p->type == PT_SERVICE;

	switch (ref->type) {
	case PR_ANY:
		return GRANT_DIRECT;
	case PR_ACCOUNT:
		return !is_service && partition_ok(ref, p) &&
		    memcmp(ref->account, p->account, ARN_ACCOUNT_LEN) == 0 ?
		    GRANT_ACCOUNT : GRANT_NONE;
	case PR_ROLE:
		if ((p->type != PT_ROLE && p->type != PT_SESSION) || !partition_ok(ref, p) ||
		    memcmp(ref->account, p->account, ARN_ACCOUNT_LEN) != 0)
			return GRANT_NONE;
		return span_is(p->role_name, p->role_name_len, ref->role_name) ?
		    GRANT_ROLE : GRANT_NONE;
	case PR_USER:
		return p->type == PT_USER && span_is(p->text, p->len, ref->value) ?
		    GRANT_USER : GRANT_NONE;
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
    enum pref_type want, const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct principal_ref *ref = &refs[i];

		if (ref->type == PR_ANY)
			return true;
		if (ref->type != want && !(want == PR_USER && ref->type == PR_EXACT))
			continue;
		switch (want) {
		case PR_ACCOUNT:
		case PR_ROLE:
			if (principal_ref_match(ref, p) != GRANT_NONE)
				return true;
			break;
		default:
			if (span_is(text, len, ref->value))
				return true;
			break;
		}
	}
	return false;
}

bool
principal_not_listed(const struct principal_ref *refs, size_t n, const struct principal *p)
{
	switch (p->type) {
	case PT_SERVICE:
		return !listed(refs, n, p, PR_SERVICE, p->text, p->len);
	case PT_ROOT:
		return !listed(refs, n, p, PR_ACCOUNT, NULL, 0);
	case PT_USER:
		return !listed(refs, n, p, PR_ACCOUNT, NULL, 0) ||
		    !listed(refs, n, p, PR_USER, p->text, p->len);
	case PT_ROLE:
		return !listed(refs, n, p, PR_ACCOUNT, NULL, 0) ||
		    !listed(refs, n, p, PR_ROLE, NULL, 0);
	case PT_SESSION:
		return !listed(refs, n, p, PR_ACCOUNT, NULL, 0) ||
		    !listed(refs, n, p, PR_ROLE, NULL, 0) ||
		    !listed(refs, n, p, PR_EXACT, p->text, p->len);
	case PT_FEDERATED_USER:
		return !listed(refs, n, p, PR_ACCOUNT, NULL, 0) ||
		    !listed(refs, n, p, PR_EXACT, p->text, p->len);
	}
	return true;
}

#include <string.h>

#include "arn.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"

#define ARN_MAX 2048

/* Every byte of f is one of [a-z0-9-]. */
static bool
lower_name(const struct arn_field *f)
{
	size_t i;
	char c;

	for (i = 0; i < f->len; i++) {
		c = f->p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

bool
arn_is_account(const char *s, size_t len)
{
	size_t i;

	if (len != 12)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool
arn_field_is(const struct arn_field *f, const char *lit)
{
	return strlen(lit) == f->len && memcmp(f->p, lit, f->len) == 0;
}

bool
arn_field_has_prefix(const struct arn_field *f, const char *lit)
{
	size_t n = strlen(lit);

	return f->len >= n && memcmp(f->p, lit, n) == 0;
}

static int
take_field(struct cg_cursor *cur, struct arn_field *f)
{
	const uint8_t *p;
	size_t len;
	int r = CG_ERR_INTERNAL;

	GUARD(cg_cursor_get_until(cur, ':', ARN_MAX, &p, &len));
	f->p = (const char *)p;
	f->len = len;
 out:
	return r;
}

int
arn_parse(const char *s, size_t len, struct arn *ret)
{
	struct cg_cursor cur;
	struct arn a;
	const uint8_t *rest;
	size_t i;
	int r = CG_ERR_PARSE;

	memset(&a, 0, sizeof(a));
	ENSURE(s != NULL && len <= ARN_MAX, CG_ERR_PARSE);
	for (i = 0; i < len; i++)
		ENSURE((unsigned char)s[i] >= 0x20 && s[i] != 0x7f, CG_ERR_PARSE);
	cg_cursor_init(&cur, s, len);
	ENSURE(cg_cursor_expect(&cur, "arn:", 4) == 0, CG_ERR_PARSE);
	ENSURE(take_field(&cur, &a.partition) == 0 && a.partition.len > 0 &&
	    lower_name(&a.partition), CG_ERR_PARSE);
	ENSURE(take_field(&cur, &a.service) == 0 && a.service.len > 0 &&
	    lower_name(&a.service), CG_ERR_PARSE);
	ENSURE(take_field(&cur, &a.region) == 0 && lower_name(&a.region), CG_ERR_PARSE);
	ENSURE(take_field(&cur, &a.account) == 0, CG_ERR_PARSE);
	ENSURE(a.account.len == 0 || arn_is_account(a.account.p, a.account.len) ||
	    arn_field_is(&a.account, "aws"), CG_ERR_PARSE);
	a.resource.len = cg_cursor_remaining(&cur);
	ENSURE(a.resource.len > 0, CG_ERR_PARSE);
	ENSURE(cg_cursor_get_bytes(&cur, a.resource.len, &rest) == 0, CG_ERR_PARSE);
	a.resource.p = (const char *)rest;
	*ret = a;
	r = 0;
 out:
	return r;
}

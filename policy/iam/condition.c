#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "condition.h"
#include "context.h"

static const struct cond_op ops[] = {
	{ "StringEquals",			COND_STRING,  CMP_EQ,   false, false },
	{ "StringNotEquals",			COND_STRING,  CMP_EQ,   true,  false },
	{ "StringEqualsIgnoreCase",		COND_STRING,  CMP_EQ,   false, true },
	{ "StringNotEqualsIgnoreCase",		COND_STRING,  CMP_EQ,   true,  true },
	{ "StringLike",				COND_STRING,  CMP_LIKE, false, false },
	{ "StringNotLike",			COND_STRING,  CMP_LIKE, true,  false },
	{ "NumericEquals",			COND_NUMERIC, CMP_EQ,   false, false },
	{ "NumericNotEquals",			COND_NUMERIC, CMP_EQ,   true,  false },
	{ "NumericLessThan",			COND_NUMERIC, CMP_LT,   false, false },
	{ "NumericLessThanEquals",		COND_NUMERIC, CMP_LE,   false, false },
	{ "NumericGreaterThan",			COND_NUMERIC, CMP_GT,   false, false },
	{ "NumericGreaterThanEquals",		COND_NUMERIC, CMP_GE,   false, false },
	{ "DateEquals",				COND_DATE,    CMP_EQ,   false, false },
	{ "DateNotEquals",			COND_DATE,    CMP_EQ,   true,  false },
	{ "DateLessThan",			COND_DATE,    CMP_LT,   false, false },
	{ "DateLessThanEquals",			COND_DATE,    CMP_LE,   false, false },
	{ "DateGreaterThan",			COND_DATE,    CMP_GT,   false, false },
	{ "DateGreaterThanEquals",		COND_DATE,    CMP_GE,   false, false },
	{ "Bool",				COND_BOOL,    CMP_EQ,   false, false },
	{ "BinaryEquals",			COND_BINARY,  CMP_EQ,   false, false },
	{ "IpAddress",				COND_IP,      CMP_EQ,   false, false },
	{ "NotIpAddress",			COND_IP,      CMP_EQ,   true,  false },
	{ "ArnEquals",				COND_ARN,     CMP_LIKE, false, false },
	{ "ArnLike",				COND_ARN,     CMP_LIKE, false, false },
	{ "ArnNotEquals",			COND_ARN,     CMP_LIKE, true,  false },
	{ "ArnNotLike",				COND_ARN,     CMP_LIKE, true,  false },
	{ "Null",				COND_NULL,    CMP_EQ,   false, false },
};

#define IFEXISTS "IfExists"

int
condition_lookup_op(const char *name, const struct cond_op **ret_op,
    enum cond_set *ret_set, bool *ret_if_exists, struct cg_buf *why)
{
	enum cond_set set = SET_NONE;
	bool if_exists = false;
	const char *base = name;
	size_t len, i, sfx = strlen(IFEXISTS);
	int r = CG_ERR_POLICY;

	if (strncmp(base, "ForAnyValue:", 12) == 0) {
		set = SET_ANY;
		base += 12;
	} else if (strncmp(base, "ForAllValues:", 13) == 0) {
		set = SET_ALL;
		base += 13;
	}
	len = strlen(base);
	if (len > sfx && strcmp(base + len - sfx, IFEXISTS) == 0) {
		if_exists = true;
		len -= sfx;
	}
	for (i = 0; i < CG_NELEM(ops); i++) {
		if (strlen(ops[i].name) == len && strncmp(ops[i].name, base, len) == 0)
			break;
	}
	if (i == CG_NELEM(ops)) {
		cg_buf_putf(why, "unknown condition operator \"%.64s\"", name);
		goto out;
	}
	if (ops[i].type == COND_NULL && if_exists) {
		cg_buf_putf(why, "condition operator \"%.64s\": Null takes no IfExists", name);
		goto out;
	}
	*ret_op = &ops[i];
	*ret_set = set;
	*ret_if_exists = if_exists;
	r = 0;
 out:
	return r;
}

/*
 * A decimal number: optional '-', digits, optional fraction, optional
 * exponent (what JSON writes for 1e9).  No '+', hex, inf or nan.
 */
int
cond_parse_number(const char *s, size_t len, double *ret)
{
	char tmp[64];
	size_t i = 0, digits = 0, frac = 0, exp = 0;
	double v;

	if (len == 0 || len >= sizeof(tmp))
		return CG_ERR_PARSE;
	if (s[i] == '-')
		i++;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			frac++;
		if (frac == 0)
			return CG_ERR_PARSE;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			exp++;
		if (exp == 0)
			return CG_ERR_PARSE;
	}
	if (i != len || digits == 0)
		return CG_ERR_PARSE;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	v = strtod(tmp, NULL);
	if (!isfinite(v))
		return CG_ERR_PARSE;
	*ret = v;
	return 0;
}

static int
digits_at(const char *s, size_t len, size_t pos, size_t n, int *ret)
{
	int v = 0;
	size_t i;

	if (pos + n > len)
		return CG_ERR_PARSE;
	for (i = 0; i < n; i++) {
		if (s[pos + i] < '0' || s[pos + i] > '9')
			return CG_ERR_PARSE;
		v = v * 10 + (s[pos + i] - '0');
	}
	*ret = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool
valid_day(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int max;

	if (m < 1 || m > 12 || d < 1)
		return false;
	max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

/*
 * ISO 8601 as AWS documents for Date operators (YYYY-MM-DD, optionally
 * THH:MM[:SS[.fff]] and Z or +-HH:MM), or whole seconds since the epoch.
 */
int
cond_parse_date(const char *s, size_t len, double *ret)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, zh = 0, zm = 0, sign;
	double frac = 0, scale = 0.1;
	size_t i, p;

	if (len > 0 && len <= 24) {
		for (i = 0; i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'); i++)
			;
		if (i == len)		/* epoch seconds, maybe with a fraction */
			return cond_parse_number(s, len, ret);
	}
	if (digits_at(s, len, 0, 4, &y) < 0 || len < 10 || s[4] != '-' ||
	    digits_at(s, len, 5, 2, &mo) < 0 || s[7] != '-' ||
	    digits_at(s, len, 8, 2, &d) < 0 || !valid_day(y, mo, d))
		return CG_ERR_PARSE;
	p = 10;
	if (p < len && (s[p] == 'T' || s[p] == 't')) {
		if (digits_at(s, len, p + 1, 2, &h) < 0 || p + 3 >= len || s[p + 3] != ':' ||
		    digits_at(s, len, p + 4, 2, &mi) < 0 || h > 23 || mi > 59)
			return CG_ERR_PARSE;
		p += 6;
		if (p < len && s[p] == ':') {
			if (digits_at(s, len, p + 1, 2, &sec) < 0 || sec > 60)
				return CG_ERR_PARSE;
			p += 3;
			if (p < len && s[p] == '.') {
				for (p++, i = 0; p < len && s[p] >= '0' && s[p] <= '9'; p++, i++) {
					frac += (s[p] - '0') * scale;
					scale /= 10;
				}
				if (i == 0)
					return CG_ERR_PARSE;
			}
		}
		if (p < len && (s[p] == 'Z' || s[p] == 'z')) {
			p++;
		} else if (p < len && (s[p] == '+' || s[p] == '-')) {
			sign = s[p] == '-' ? -1 : 1;
			if (digits_at(s, len, p + 1, 2, &zh) < 0 || zh > 23)
				return CG_ERR_PARSE;
			p += 3;
			if (p < len && s[p] == ':')
				p++;
			if (digits_at(s, len, p, 2, &zm) < 0 || zm > 59)
				return CG_ERR_PARSE;
			p += 2;
			zh *= sign;
			zm *= sign;
		}
	}
	if (p != len)
		return CG_ERR_PARSE;
	*ret = (double)(days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + sec - (zh * 3600 + zm * 60)) + frac;
	return 0;
}

int
cond_parse_ip(const char *s, size_t len, bool allow_prefix, struct cond_ip *ret)
{
	char tmp[64];
	const char *slash;
	size_t alen = len;
	int pfx = -1, maxp;

	if (len == 0 || len >= sizeof(tmp))
		return CG_ERR_PARSE;
	slash = memchr(s, '/', len);
	if (slash != NULL) {
		size_t plen = len - (size_t)(slash - s) - 1, i;

		if (!allow_prefix || plen == 0 || plen > 3)
			return CG_ERR_PARSE;
		alen = (size_t)(slash - s);
		pfx = 0;
		for (i = 0; i < plen; i++) {
			if (slash[1 + i] < '0' || slash[1 + i] > '9')
				return CG_ERR_PARSE;
			pfx = pfx * 10 + (slash[1 + i] - '0');
		}
	}
	memcpy(tmp, s, alen);
	tmp[alen] = '\0';
	memset(ret, 0, sizeof(*ret));
	if (inet_pton(AF_INET, tmp, ret->addr) == 1) {
		ret->family = AF_INET;
		maxp = 32;
	} else if (inet_pton(AF_INET6, tmp, ret->addr) == 1) {
		ret->family = AF_INET6;
		maxp = 128;
	} else {
		return CG_ERR_PARSE;
	}
	if (pfx > maxp)
		return CG_ERR_PARSE;
	ret->prefix = pfx < 0 ? (unsigned)maxp : (unsigned)pfx;
	return 0;
}

bool
cond_ip_contains(const struct cond_ip *net, const struct cond_ip *addr)
{
	unsigned full, rem;

	if (net->family != addr->family)
		return false;
	full = net->prefix / 8;
	rem = net->prefix % 8;
	if (memcmp(net->addr, addr->addr, full) != 0)
		return false;
	if (rem == 0)
		return true;
	return ((net->addr[full] ^ addr->addr[full]) & (uint8_t)(0xff << (8 - rem))) == 0;
}

static bool
parse_bool(const char *s, size_t len, bool *ret)
{
	if (len == 4 && strncasecmp(s, "true", 4) == 0) {
		*ret = true;
		return true;
	}
	if (len == 5 && strncasecmp(s, "false", 5) == 0) {
		*ret = false;
		return true;
	}
	return false;
}

static int
decode_base64(const char *s, size_t len, uint8_t **ret, size_t *ret_len)
{
	uint8_t *bin;
	size_t n = 0;

	if ((bin = malloc(len / 4 * 3 + 3)) == NULL)
		return CG_ERR_NOMEM;
	if (sodium_base642bin(bin, len / 4 * 3 + 3, s, len, NULL, &n, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(bin);
		return CG_ERR_PARSE;
	}
	*ret = bin;
	*ret_len = n;
	return 0;
}

int
condition_value_compile(const struct cond_op *op, const char *text, size_t len,
    bool vars, struct cond_value *ret_val, struct cg_buf *why)
{
	struct cond_value v;
	unsigned flags;
	int r = CG_ERR_POLICY;

	memset(&v, 0, sizeof(v));
	switch (op->type) {
	case COND_STRING:
	case COND_ARN:
		flags = (vars ? PATTERN_VARS : 0) | (op->icase ? PATTERN_ICASE : 0) |
		    (op->cmp == CMP_LIKE ? PATTERN_GLOB : 0);
		if ((r = pattern_compile(&v.pat, text, len, flags)) < 0) {
			cg_buf_putf(why, "%s value too long", op->name);
			goto out;
		}
		break;
	case COND_NUMERIC:
		if (cond_parse_number(text, len, &v.num) < 0) {
			cg_buf_putf(why, "%s value \"%.*s\" is not a number", op->name,
			    (int)(len > 64 ? 64 : len), text);
			goto out;
		}
		break;
	case COND_DATE:
		if (cond_parse_date(text, len, &v.num) < 0) {
			cg_buf_putf(why, "%s value \"%.*s\" is not an ISO 8601 date "
			    "or epoch seconds", op->name, (int)(len > 64 ? 64 : len), text);
			goto out;
		}
		break;
	case COND_BOOL:
	case COND_NULL:
		if (!parse_bool(text, len, &v.b)) {
			cg_buf_putf(why, "%s value \"%.*s\" is not true or false", op->name,
			    (int)(len > 64 ? 64 : len), text);
			goto out;
		}
		break;
	case COND_BINARY:
		if ((r = decode_base64(text, len, &v.bin, &v.binlen)) < 0) {
			if (r == CG_ERR_PARSE)
				cg_buf_putf(why, "%s value is not base64", op->name);
			r = r == CG_ERR_PARSE ? CG_ERR_POLICY : r;
			goto out;
		}
		break;
	case COND_IP:
		if (cond_parse_ip(text, len, true, &v.ip) < 0) {
			cg_buf_putf(why, "%s value \"%.*s\" is not an IPv4 or IPv6 "
			    "address or CIDR block", op->name, (int)(len > 64 ? 64 : len), text);
			goto out;
		}
		break;
	}
	*ret_val = v;
	memset(&v, 0, sizeof(v));
	r = 0;
 out:
	condition_value_clear(op, &v);
	return r;
}

void
condition_value_clear(const struct cond_op *op, struct cond_value *val)
{
	(void)op;
	pattern_clear(&val->pat);
	free(val->bin);
	memset(val, 0, sizeof(*val));
}

void
condition_clear(struct condition *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nvalues; i++)
		condition_value_clear(c->op, &c->values[i]);
	free(c->values);
	free(c->key);
	free(c->opname);
	memset(c, 0, sizeof(*c));
}

static bool
compare(enum cond_cmp cmp, double ctxv, double polv)
{
	switch (cmp) {
	case CMP_EQ:	return ctxv == polv;
	case CMP_LT:	return ctxv < polv;
	case CMP_LE:	return ctxv <= polv;
	case CMP_GT:	return ctxv > polv;
	case CMP_GE:	return ctxv >= polv;
	case CMP_LIKE:	break;
	}
	return false;
}

/* A context value read once as the operator's type. */
struct ctx_value {
	double		 num;
	bool		 b;
	struct cond_ip	 ip;
	uint8_t		*bin;
	size_t		 binlen;
};

/*
 * Reads the context value s for c's operator.  A value the operator cannot
 * read is an error (CG_ERR_INVALID_ARG, reason in why), not "no match":
 * otherwise a Deny with NumericGreaterThan would silently stop applying to
 * a request whose value is malformed.
 */
static int
ctx_value_read(const struct condition *c, const char *s, size_t len, struct ctx_value *cv,
    struct cg_buf *why)
{
	const char *what = NULL;
	int r = CG_ERR_INTERNAL;

	memset(cv, 0, sizeof(*cv));
	switch (c->op->type) {
	case COND_STRING:
	case COND_NULL:
		break;
	case COND_ARN: {
		size_t i, colons = 0;

		for (i = 0; i < len; i++)
			colons += s[i] == ':';
		if (len < 4 || memcmp(s, "arn:", 4) != 0 || colons < 5)
			what = "an ARN";
		break;
	}
	case COND_NUMERIC:
		if (cond_parse_number(s, len, &cv->num) < 0)
			what = "a number";
		break;
	case COND_DATE:
		if (cond_parse_date(s, len, &cv->num) < 0)
			what = "an ISO 8601 date or epoch seconds";
		break;
	case COND_BOOL:
		if (!parse_bool(s, len, &cv->b))
			what = "true or false";
		break;
	case COND_BINARY:
		if ((r = decode_base64(s, len, &cv->bin, &cv->binlen)) == CG_ERR_NOMEM)
			goto out;
		if (r < 0)
			what = "base64";
		break;
	case COND_IP:
		if (cond_parse_ip(s, len, false, &cv->ip) < 0)
			what = "an IPv4 or IPv6 address";
		break;
	}
	if (what != NULL) {
		cg_buf_putf(why, "context key \"%.100s\" has value \"%.100s\", which %s cannot "
		    "read: it must be %s", c->key, s, c->opname, what);
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	r = 0;
 out:
	return r;
}

/* Does the context value match the policy value v (positive sense)? 1, 0, or <0. */
static int
value_match(const struct condition *c, const struct cond_value *v, const char *s,
    size_t len, const struct ctx_value *cv, const struct context *ctx, struct cg_budget *b)
{
	switch (c->op->type) {
	case COND_STRING:
		return pattern_match(&v->pat, s, len, ctx, b);
	case COND_ARN:
		return pattern_match_arn_fields(&v->pat, s, len, ctx, b);
	case COND_NUMERIC:
	case COND_DATE:
		return compare(c->op->cmp, cv->num, v->num) ? 1 : 0;
	case COND_BOOL:
		return cv->b == v->b ? 1 : 0;
	case COND_BINARY:
		return cv->binlen == v->binlen &&
		    (cv->binlen == 0 || memcmp(cv->bin, v->bin, cv->binlen) == 0) ? 1 : 0;
	case COND_IP:
		return cond_ip_contains(&v->ip, &cv->ip) ? 1 : 0;
	case COND_NULL:
		break;
	}
	return CG_ERR_INTERNAL;
}

/* Does the context value s match any of the condition's values? 1, 0, or <0. */
static int
any_value_matches(const struct condition *c, const char *s, size_t len,
    const struct context *ctx, struct cg_budget *b, struct cg_buf *why)
{
	struct ctx_value cv;
	size_t i;
	int r = CG_ERR_INTERNAL, m = 0;

	memset(&cv, 0, sizeof(cv));
	GUARD(cg_budget_spend(b, len + 1));
	GUARD(ctx_value_read(c, s, len, &cv, why));
	for (i = 0; i < c->nvalues && m == 0; i++)
		GUARD(m = value_match(c, &c->values[i], s, len, &cv, ctx, b));
	r = m;
 out:
	free(cv.bin);
	return r;
}

int
condition_eval(const struct condition *c, const struct context *ctx, bool in_deny,
    struct cg_budget *b, struct cg_buf *why)
{
	const struct context_entry *e;
	size_t i;
	int r = CG_ERR_INTERNAL, m = 0;

	e = context_find(ctx, c->key, c->key_hash);
	if (c->op->type == COND_NULL) {
		r = 0;
		for (i = 0; i < c->nvalues; i++)
			if (c->values[i].b == (e == NULL))
				r = 1;
		goto out;
	}
	if (e == NULL) {
		if (c->set == SET_ANY && c->if_exists)
			r = in_deny ? 1 : 0;	/* AWS is silent: the reading that refuses */
		else if (c->set == SET_ALL || c->if_exists)
			r = 1;
		else if (c->set == SET_ANY)
			r = 0;
		else
			r = c->op->negated ? 1 : 0;
		goto out;
	}
	switch (c->set) {
	case SET_NONE:
		for (i = 0; i < e->nvalues && m == 0; i++)
			GUARD(m = any_value_matches(c, e->values[i], e->lens[i], ctx, b, why));
		r = c->op->negated ? !m : m;
		break;
	case SET_ANY:
		r = 0;
		for (i = 0; i < e->nvalues && r == 0; i++) {
			GUARD(m = any_value_matches(c, e->values[i], e->lens[i], ctx, b, why));
			r = c->op->negated ? !m : m;
		}
		break;
	case SET_ALL:
		r = 1;
		for (i = 0; i < e->nvalues && r == 1; i++) {
			GUARD(m = any_value_matches(c, e->values[i], e->lens[i], ctx, b, why));
			r = c->op->negated ? !m : m;
		}
		break;
	}
 out:
	return r;
}

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "jcs.h"

#define JCS_DEPTH_MAX 64

/*
 * ECMAScript's Number::toString: the shortest decimal digits that read back
 * as the same double (found by trying precisions 1..17), then placed as
 * ECMA-262 7.1.12.1 says: integers up to 21 digits in full, small numbers
 * down to 1e-7 in plain decimal, the rest as d.ddde+NN.
 */
int
jcs_number(double v, char *out, size_t max)
{
	char e[40], digits[20];
	int prec, exp10, nd, k, n, i;
	char *p;
	size_t o = 0;
	int r = CG_ERR_INTERNAL;

	ENSURE(isfinite(v) && max >= 32, CG_ERR_INVALID_ARG);
	if (v == 0) {			/* also -0, which ECMAScript prints as "0" */
		snprintf(out, max, "0");
		r = 0;
		goto out;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	/* e is [-]d[.ddd]e[+-]NN: gather the digits and the exponent */
	p = e;
	if (*p == '-') {
		out[o++] = '-';
		p++;
	}
	nd = 0;
	for (; *p != 'e'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	exp10 = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')	/* %.*e may pad */
		nd--;
	n = exp10 + 1;			/* the decimal point sits after n digits */
	k = nd;
	if (k <= n && n <= 21) {	/* an integer: digits then zeros */
		for (i = 0; i < k; i++)
			out[o++] = digits[i];
		for (i = k; i < n; i++)
			out[o++] = '0';
	} else if (0 < n && n <= 21) {	/* a point inside the digits */
		for (i = 0; i < n; i++)
			out[o++] = digits[i];
		out[o++] = '.';
		for (i = n; i < k; i++)
			out[o++] = digits[i];
	} else if (-6 < n && n <= 0) {	/* 0.000ddd */
		out[o++] = '0';
		out[o++] = '.';
		for (i = 0; i < -n; i++)
			out[o++] = '0';
		for (i = 0; i < k; i++)
			out[o++] = digits[i];
	} else {			/* d.ddde+NN */
		out[o++] = digits[0];
		if (k > 1) {
			out[o++] = '.';
			for (i = 1; i < k; i++)
				out[o++] = digits[i];
		}
		o += (size_t)snprintf(out + o, max - o, "e%c%d", n - 1 >= 0 ? '+' : '-',
		    abs(n - 1));
	}
	out[o] = '\0';
	r = 0;
 out:
	return r;
}

static int
put_string(struct cg_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	unsigned char c;
	int r = CG_ERR_INTERNAL;

	GUARD(cg_buf_put_u8(out, '"'));
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		switch (c) {
		case '"':	GUARD(cg_buf_put(out, "\\\"", 2)); break;
		case '\\':	GUARD(cg_buf_put(out, "\\\\", 2)); break;
		case '\b':	GUARD(cg_buf_put(out, "\\b", 2)); break;
		case '\t':	GUARD(cg_buf_put(out, "\\t", 2)); break;
		case '\n':	GUARD(cg_buf_put(out, "\\n", 2)); break;
		case '\f':	GUARD(cg_buf_put(out, "\\f", 2)); break;
		case '\r':	GUARD(cg_buf_put(out, "\\r", 2)); break;
		default:
			if (c < 0x20) {
				char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

				GUARD(cg_buf_put(out, u, sizeof(u)));
			} else {
				GUARD(cg_buf_put_u8(out, c));
			}
		}
	}
	GUARD(cg_buf_put_u8(out, '"'));
	r = 0;
 out:
	return r;
}

/*
 * The next UTF-16 code unit of a UTF-8 string (input is valid UTF-8, as
 * json-c checked it); *pending carries the low surrogate of a pair.
 */
static unsigned
next_unit(const unsigned char **p, const unsigned char *end, unsigned *pending)
{
	unsigned cp, u;
	const unsigned char *s = *p;

	if (*pending != 0) {
		u = *pending;
		*pending = 0;
		return u;
	}
	if (s[0] < 0x80) {
		cp = s[0];
		*p = s + 1;
	} else if ((s[0] & 0xe0) == 0xc0 && s + 1 < end) {
		cp = (unsigned)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		*p = s + 2;
	} else if ((s[0] & 0xf0) == 0xe0 && s + 2 < end) {
		cp = (unsigned)(s[0] & 0x0f) << 12 | (unsigned)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		*p = s + 3;
	} else if (s + 3 < end) {
		cp = (unsigned)(s[0] & 0x07) << 18 | (unsigned)(s[1] & 0x3f) << 12 |
		    (unsigned)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
		*p = s + 4;
	} else {
		cp = s[0];	/* not reached for valid UTF-8 */
		*p = s + 1;
	}
	if (cp < 0x10000)
		return cp;
	cp -= 0x10000;
	*pending = 0xdc00 | (cp & 0x3ff);
	return 0xd800 | (cp >> 10);
}

static int
utf16_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	const unsigned char *p = (const unsigned char *)x, *q = (const unsigned char *)y;
	const unsigned char *pe = p + strlen(x), *qe = q + strlen(y);
	unsigned pp = 0, qp = 0, u, v;

	while ((p < pe || pp != 0) && (q < qe || qp != 0)) {
		u = next_unit(&p, pe, &pp);
		v = next_unit(&q, qe, &qp);
		if (u != v)
			return u < v ? -1 : 1;
	}
	if ((p < pe || pp != 0) == (q < qe || qp != 0))
		return 0;
	return (p < pe || pp != 0) ? 1 : -1;
}

static int
serialize(struct json_object *o, struct cg_buf *out, int depth)
{
	struct json_object_iterator it, end;
	const char **names = NULL;
	char num[40];
	size_t n, i;
	int r = CG_ERR_INTERNAL;

	ENSURE(depth <= JCS_DEPTH_MAX, CG_ERR_LIMIT);
	switch (json_object_get_type(o)) {
	case json_type_null:
		GUARD(cg_buf_put_str(out, "null"));
		break;
	case json_type_boolean:
		GUARD(cg_buf_put_str(out, json_object_get_boolean(o) ? "true" : "false"));
		break;
	case json_type_int: {
		int64_t iv = json_object_get_int64(o);

		/* JCS numbers are doubles: refuse integers a double cannot hold
		 * exactly (json-c also saturates values past int64 silently) */
		ENSURE(iv >= -(INT64_C(1) << 53) && iv <= (INT64_C(1) << 53), CG_ERR_LIMIT);
		GUARD(jcs_number((double)iv, num, sizeof(num)));
		GUARD(cg_buf_put_str(out, num));
		break;
	}
	case json_type_double:
		GUARD(jcs_number(json_object_get_double(o), num, sizeof(num)));
		GUARD(cg_buf_put_str(out, num));
		break;
	case json_type_string:
		GUARD(put_string(out, json_object_get_string(o),
		    (size_t)json_object_get_string_len(o)));
		break;
	case json_type_array:
		GUARD(cg_buf_put_u8(out, '['));
		for (i = 0; i < json_object_array_length(o); i++) {
			if (i > 0)
				GUARD(cg_buf_put_u8(out, ','));
			GUARD(serialize(json_object_array_get_idx(o, i), out, depth + 1));
		}
		GUARD(cg_buf_put_u8(out, ']'));
		break;
	case json_type_object:
		n = (size_t)json_object_object_length(o);
		if (n > 0)
			ENSURE((names = calloc(n, sizeof(*names))) != NULL, CG_ERR_NOMEM);
		i = 0;
		it = json_object_iter_begin(o);
		end = json_object_iter_end(o);
		for (; !json_object_iter_equal(&it, &end) && i < n; json_object_iter_next(&it))
			names[i++] = json_object_iter_peek_name(&it);
		if (n > 1)
			qsort(names, n, sizeof(*names), utf16_cmp);
		GUARD(cg_buf_put_u8(out, '{'));
		for (i = 0; i < n; i++) {
			struct json_object *v = NULL;

			if (i > 0)
				GUARD(cg_buf_put_u8(out, ','));
			GUARD(put_string(out, names[i], strlen(names[i])));
			GUARD(cg_buf_put_u8(out, ':'));
			(void)json_object_object_get_ex(o, names[i], &v);
			GUARD(serialize(v, out, depth + 1));
		}
		GUARD(cg_buf_put_u8(out, '}'));
		break;
	}
	r = 0;
 out:
	free(names);
	return r;
}

int
jcs_serialize(struct json_object *obj, struct cg_buf *out)
{
	if (out == NULL)
		return CG_ERR_INVALID_ARG;
	return serialize(obj, out, 0);
}

int
jcs_digest(struct json_object *obj, uint8_t ret_digest[JCS_DIGEST_LEN],
    char ret_hex[2 * JCS_DIGEST_LEN + 1])
{
	struct cg_buf *b = NULL;
	uint8_t d[JCS_DIGEST_LEN];
	int r = CG_ERR_INTERNAL;

	GUARD(cg_buf_new(CG_BUF_MAX_LIMIT, &b));
	GUARD(jcs_serialize(obj, b));
	ENSURE(crypto_hash_sha256(d, cg_buf_ptr(b) != NULL ? cg_buf_ptr(b) :
	    (const uint8_t *)"", cg_buf_len(b)) == 0, CG_ERR_INTERNAL);
	if (ret_digest != NULL)
		memcpy(ret_digest, d, sizeof(d));
	if (ret_hex != NULL)
		sodium_bin2hex(ret_hex, 2 * JCS_DIGEST_LEN + 1, d, sizeof(d));
	r = 0;
 out:
	cg_buf_free(b);
	return r;
}

int
jcs_text(struct json_object *obj, size_t max, char **ret_text)
{
	struct cg_buf *b = NULL;
	const char *s = NULL;
	char *copy = NULL;
	int r = CG_ERR_INTERNAL;

	GUARD(cg_buf_new(max, &b));
	GUARD(jcs_serialize(obj, b));
	GUARD(cg_buf_cstr(b, &s));
	ENSURE((copy = strdup(s)) != NULL, CG_ERR_NOMEM);
	*ret_text = copy;
	r = 0;
 out:
	cg_buf_free(b);
	return r;
}

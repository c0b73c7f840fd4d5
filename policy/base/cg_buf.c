#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"

#define CG_BUF_INITIAL 64

struct cg_buf {
	uint8_t	*data;
	size_t	 len;
	size_t	 cap;	/* allocated; always >= len + 1 when data != NULL */
	size_t	 max;
};

static void
wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

int
cg_buf_new(size_t max, struct cg_buf **ret_buf)
{
	struct cg_buf *buf = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE(ret_buf != NULL, CG_ERR_INVALID_ARG);
	ENSURE(max > 0 && max <= CG_BUF_MAX_LIMIT, CG_ERR_INVALID_ARG);
	ENSURE((buf = calloc(1, sizeof(*buf))) != NULL, CG_ERR_NOMEM);
	buf->max = max;
	*ret_buf = buf;
	buf = NULL;
	r = 0;
 out:
	free(buf);
	return r;
}

void
cg_buf_free(struct cg_buf *buf)
{
	if (buf == NULL)
		return;
	wipe(buf->data, buf->cap);
	free(buf->data);
	free(buf);
}

size_t
cg_buf_len(const struct cg_buf *buf)
{
	return buf->len;
}

size_t
cg_buf_max(const struct cg_buf *buf)
{
	return buf->max;
}

const uint8_t *
cg_buf_ptr(const struct cg_buf *buf)
{
	return buf->len == 0 ? NULL : buf->data;
}

/* Makes room for `extra` more bytes plus a NUL, moving (and wiping) the old copy. */
static int
reserve(struct cg_buf *buf, size_t extra)
{
	uint8_t *n = NULL;
	size_t need, cap;
	int r = CG_ERR_INTERNAL;

	ENSURE(extra <= buf->max - buf->len, CG_ERR_LIMIT);
	need = buf->len + extra + 1;
	if (buf->data != NULL && need <= buf->cap) {
		r = 0;
		goto out;
	}
	cap = buf->cap < CG_BUF_INITIAL ? CG_BUF_INITIAL : buf->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > buf->max + 1)
		cap = buf->max + 1;
	ENSURE((n = malloc(cap)) != NULL, CG_ERR_NOMEM);
	if (buf->len > 0)
		memcpy(n, buf->data, buf->len);
	wipe(buf->data, buf->cap);
	free(buf->data);
	buf->data = n;
	buf->cap = cap;
	r = 0;
 out:
	return r;
}

int
cg_buf_put(struct cg_buf *buf, const void *data, size_t len)
{
	int r = CG_ERR_INTERNAL;

	ENSURE(buf != NULL && (data != NULL || len == 0), CG_ERR_INVALID_ARG);
	if (len > 0) {
		GUARD(reserve(buf, len));
		memcpy(buf->data + buf->len, data, len);
		buf->len += len;
	}
	r = 0;
 out:
	return r;
}

int
cg_buf_put_u8(struct cg_buf *buf, uint8_t v)
{
	return cg_buf_put(buf, &v, 1);
}

int
cg_buf_put_u32be(struct cg_buf *buf, uint32_t v)
{
	uint8_t b[4];

	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
	return cg_buf_put(buf, b, sizeof(b));
}

int
cg_buf_put_str(struct cg_buf *buf, const char *s)
{
	return s == NULL ? CG_ERR_INVALID_ARG : cg_buf_put(buf, s, strlen(s));
}

int
cg_buf_vputf(struct cg_buf *buf, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, r = CG_ERR_INTERNAL;

	ENSURE(buf != NULL && fmt != NULL, CG_ERR_INVALID_ARG);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	ENSURE(n >= 0, CG_ERR_INVALID_ARG);
	GUARD(reserve(buf, (size_t)n));
	/* reserve() left room for n bytes and the NUL vsnprintf writes. */
	ENSURE(vsnprintf((char *)buf->data + buf->len, (size_t)n + 1, fmt, ap) == n,
	    CG_ERR_INTERNAL);
	buf->len += (size_t)n;
	r = 0;
 out:
	return r;
}

int
cg_buf_putf(struct cg_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = cg_buf_vputf(buf, fmt, ap);
	va_end(ap);
	return r;
}

int
cg_buf_cstr(struct cg_buf *buf, const char **ret_str)
{
	int r = CG_ERR_INTERNAL;

	ENSURE(buf != NULL && ret_str != NULL, CG_ERR_INVALID_ARG);
	if (buf->data == NULL)
		GUARD(reserve(buf, 0));
	ENSURE(buf->len == 0 || memchr(buf->data, '\0', buf->len) == NULL, CG_ERR_PARSE);
	buf->data[buf->len] = '\0';
	*ret_str = (const char *)buf->data;
	r = 0;
 out:
	return r;
}

void
cg_buf_reset(struct cg_buf *buf)
{
	if (buf == NULL)
		return;
	/* bytes past len (and its NUL) never held contents: reserve() copies only len */
	wipe(buf->data, buf->len + 1 < buf->cap ? buf->len + 1 : buf->cap);
	buf->len = 0;
}

void
cg_cursor_init(struct cg_cursor *cur, const void *data, size_t len)
{
	cur->data = data;
	cur->len = data == NULL ? 0 : len;
	cur->off = 0;
}

void
cg_cursor_from_buf(struct cg_cursor *cur, const struct cg_buf *buf)
{
	cg_cursor_init(cur, cg_buf_ptr(buf), cg_buf_len(buf));
}

size_t
cg_cursor_remaining(const struct cg_cursor *cur)
{
	return cur->len - cur->off;
}

int
cg_cursor_end(const struct cg_cursor *cur)
{
	return cg_cursor_remaining(cur) == 0 ? 0 : CG_ERR_TRAILING;
}

int
cg_cursor_peek_u8(const struct cg_cursor *cur, uint8_t *ret_v)
{
	int r = CG_ERR_INTERNAL;

	ENSURE(cg_cursor_remaining(cur) >= 1, CG_ERR_TRUNCATED);
	*ret_v = cur->data[cur->off];
	r = 0;
 out:
	return r;
}

int
cg_cursor_get_bytes(struct cg_cursor *cur, size_t len, const uint8_t **ret_p)
{
	int r = CG_ERR_INTERNAL;

	ENSURE(len <= cg_cursor_remaining(cur), CG_ERR_TRUNCATED);
	if (ret_p != NULL)
		*ret_p = cur->data + cur->off;
	cur->off += len;
	r = 0;
 out:
	return r;
}

int
cg_cursor_skip(struct cg_cursor *cur, size_t len)
{
	return cg_cursor_get_bytes(cur, len, NULL);
}

int
cg_cursor_get_u8(struct cg_cursor *cur, uint8_t *ret_v)
{
	const uint8_t *p;
	int r = CG_ERR_INTERNAL;

	GUARD(cg_cursor_get_bytes(cur, 1, &p));
	*ret_v = p[0];
 out:
	return r;
}

int
cg_cursor_get_u32be(struct cg_cursor *cur, uint32_t *ret_v)
{
	const uint8_t *p;
	int r = CG_ERR_INTERNAL;

	GUARD(cg_cursor_get_bytes(cur, 4, &p));
	*ret_v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
 out:
	return r;
}

int
cg_cursor_expect(struct cg_cursor *cur, const void *lit, size_t len)
{
	int r = CG_ERR_INTERNAL;

	ENSURE(len <= cg_cursor_remaining(cur), CG_ERR_TRUNCATED);
	ENSURE(len == 0 || memcmp(cur->data + cur->off, lit, len) == 0, CG_ERR_PARSE);
	cur->off += len;
	r = 0;
 out:
	return r;
}

int
cg_cursor_get_until(struct cg_cursor *cur, uint8_t delim, size_t max,
    const uint8_t **ret_p, size_t *ret_len)
{
	const uint8_t *start, *hit;
	size_t avail, scan;
	int r = CG_ERR_INTERNAL;

	avail = cg_cursor_remaining(cur);
	scan = max >= avail ? avail : max + 1;	/* room for the token and its delim */
	start = cur->data == NULL ? NULL : cur->data + cur->off;
	hit = scan == 0 ? NULL : memchr(start, delim, scan);
	ENSURE(hit != NULL, avail <= max ? CG_ERR_TRUNCATED : CG_ERR_LIMIT);
	*ret_p = start;
	*ret_len = (size_t)(hit - start);
	cur->off += *ret_len + 1;
	r = 0;
 out:
	return r;
}

int
cg_cursor_get_string(struct cg_cursor *cur, size_t max,
    const uint8_t **ret_p, size_t *ret_len)
{
	struct cg_cursor save = *cur;
	const uint8_t *p;
	uint32_t n;
	int r = CG_ERR_INTERNAL;

	GUARD(cg_cursor_get_u32be(cur, &n));
	ENSURE(n <= max, CG_ERR_LIMIT);
	GUARD(cg_cursor_get_bytes(cur, n, &p));
	*ret_p = p;
	*ret_len = n;
	r = 0;
 out:
	if (r < 0)
		*cur = save;
	return r;
}

/*
 * Bounded byte buffers and read cursors.
 *
 * Untrusted bytes enter cmkgate through these two types and nothing else:
 *
 *  - struct cg_buf is an owned, growable buffer with a hard maximum set at
 *    creation.  Appending past the maximum fails with CG_ERR_LIMIT and
 *    leaves the buffer unchanged.  Its memory is wiped whenever it is
 *    released or moved, so a buffer may hold secrets.
 *
 *  - struct cg_cursor is a read-only view over bytes someone else owns.
 *    Parsers take fields from it; a read past the end fails with
 *    CG_ERR_TRUNCATED and moves nothing.  Parsers do no pointer arithmetic
 *    of their own.
 *
 * All functions follow cg_err.h: 0 or a negative CG_ERR_* code, outputs
 * through ret_* only on success.
 */
#ifndef CMKGATE_CG_BUF_H
#define CMKGATE_CG_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* The largest maximum a buffer may be created with (256 MiB). */
#define CG_BUF_MAX_LIMIT ((size_t)256 * 1024 * 1024)

struct cg_buf;

/* A new empty buffer that will never hold more than max bytes (1..CG_BUF_MAX_LIMIT). */
int cg_buf_new(size_t max, struct cg_buf **ret_buf);
/* Wipes and frees; NULL is fine. */
void cg_buf_free(struct cg_buf *buf);

size_t cg_buf_len(const struct cg_buf *buf);
size_t cg_buf_max(const struct cg_buf *buf);
/* The contents; valid until the next change to buf.  NULL when empty. */
const uint8_t *cg_buf_ptr(const struct cg_buf *buf);

int cg_buf_put(struct cg_buf *buf, const void *data, size_t len);
int cg_buf_put_u8(struct cg_buf *buf, uint8_t v);
int cg_buf_put_u32be(struct cg_buf *buf, uint32_t v);
int cg_buf_put_str(struct cg_buf *buf, const char *s);
/* printf-style append; nothing is appended when the result would not fit. */
int cg_buf_putf(struct cg_buf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cg_buf_vputf(struct cg_buf *buf, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * The contents as a NUL-terminated string (the NUL is not counted in the
 * length).  Fails with CG_ERR_PARSE when the contents hold a NUL byte, so
 * a string never silently ends early.
 */
int cg_buf_cstr(struct cg_buf *buf, const char **ret_str);

/* Empties the buffer (wiping what it held); the maximum stays. */
void cg_buf_reset(struct cg_buf *buf);

struct cg_cursor {
	const uint8_t	*data;
	size_t		 len;
	size_t		 off;
};

void cg_cursor_init(struct cg_cursor *cur, const void *data, size_t len);
void cg_cursor_from_buf(struct cg_cursor *cur, const struct cg_buf *buf);

size_t cg_cursor_remaining(const struct cg_cursor *cur);
/* CG_ERR_TRAILING unless every byte was consumed. */
int cg_cursor_end(const struct cg_cursor *cur);

int cg_cursor_peek_u8(const struct cg_cursor *cur, uint8_t *ret_v);
int cg_cursor_get_u8(struct cg_cursor *cur, uint8_t *ret_v);
int cg_cursor_get_u32be(struct cg_cursor *cur, uint32_t *ret_v);
int cg_cursor_skip(struct cg_cursor *cur, size_t len);
/* A pointer to the next len bytes (inside the cursor's data), consumed. */
int cg_cursor_get_bytes(struct cg_cursor *cur, size_t len, const uint8_t **ret_p);
/* CG_ERR_PARSE (consuming nothing) unless the next bytes equal lit. */
int cg_cursor_expect(struct cg_cursor *cur, const void *lit, size_t len);
/*
 * The bytes up to the first delim, which is consumed but not returned.
 * CG_ERR_LIMIT when no delim occurs within max bytes, CG_ERR_TRUNCATED
 * when the input ends first; nothing is consumed on failure.
 */
int cg_cursor_get_until(struct cg_cursor *cur, uint8_t delim, size_t max,
    const uint8_t **ret_p, size_t *ret_len);
/* An SSH-style string: a big-endian u32 length, then that many bytes, at most max. */
int cg_cursor_get_string(struct cg_cursor *cur, size_t max,
    const uint8_t **ret_p, size_t *ret_len);

#endif

/*
 * Fuzz target: the bounded buffer and cursor against a plain model.
 *
 * The input is a little program: each byte picks an operation on a
 * cg_buf with a small maximum, the following bytes are its operands.  A
 * flat array tracks what the buffer must hold; any difference, a write
 * past the maximum, or a cursor that moves on failure aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg_buf.h"
#include "cg_err.h"

#define MODEL_MAX 96

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
cursor_ops(struct cg_cursor *in, const uint8_t *model, size_t model_len)
{
	struct cg_cursor c, before;
	const uint8_t *p;
	size_t n;
	uint32_t v;
	uint8_t op = 0, arg = 0;
	int r;

	cg_cursor_init(&c, model, model_len);
	while (cg_cursor_get_u8(in, &op) == 0 && cg_cursor_get_u8(in, &arg) == 0) {
		before = c;
		switch (op % 5) {
		case 0:
			r = cg_cursor_get_bytes(&c, arg % 16, &p);
			check(r == 0 ? c.off == before.off + arg % 16 : c.off == before.off);
			break;
		case 1:
			r = cg_cursor_get_u32be(&c, &v);
			check(r == 0 || c.off == before.off);
			break;
		case 2:
			r = cg_cursor_get_until(&c, arg, arg % 8, &p, &n);
			check(r == 0 ? (n <= arg % 8 && c.off == before.off + n + 1) :
			    c.off == before.off);
			break;
		case 3:
			r = cg_cursor_get_string(&c, arg, &p, &n);
			check(r == 0 ? n <= arg : c.off == before.off);
			break;
		default:
			r = cg_cursor_expect(&c, model, arg % 4);
			check(r == 0 || c.off == before.off);
			break;
		}
		check(c.off <= c.len);
		if (r < 0)
			check(r == CG_ERR_TRUNCATED || r == CG_ERR_LIMIT || r == CG_ERR_PARSE);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t model[MODEL_MAX];
	size_t model_len = 0, n;
	struct cg_cursor in;
	struct cg_buf *b = NULL;
	const uint8_t *p;
	uint8_t op = 0;
	int r;

	if (cg_buf_new(MODEL_MAX, &b) < 0)
		abort();
	cg_cursor_init(&in, data, size);
	while (cg_cursor_get_u8(&in, &op) == 0) {
		if (op == 0xff) {	/* the rest of the input drives a cursor */
			cursor_ops(&in, model, model_len);
			break;
		}
		switch (op % 4) {
		case 0:
			n = op / 4 % 40;
			if (cg_cursor_get_bytes(&in, n, &p) < 0)
				goto done;
			r = cg_buf_put(b, p, n);
			check((r == 0) == (model_len + n <= MODEL_MAX));
			if (r == 0) {
				memcpy(model + model_len, p, n);
				model_len += n;
			}
			break;
		case 1:
			r = cg_buf_putf(b, "%u", (unsigned)op);
			check(r == 0 || r == CG_ERR_LIMIT);
			if (r == 0) {
				char tmp[8];
				int k = snprintf(tmp, sizeof(tmp), "%u", (unsigned)op);

				memcpy(model + model_len, tmp, (size_t)k);
				model_len += (size_t)k;
			}
			break;
		case 2:
			cg_buf_reset(b);
			model_len = 0;
			break;
		default: {
			const char *s;

			r = cg_buf_cstr(b, &s);
			check((r == 0) == (memchr(model, 0, model_len) == NULL));
			if (r == 0)
				check(strlen(s) == model_len);
			break;
		}
		}
		check(cg_buf_len(b) == model_len);
		check(model_len == 0 || memcmp(cg_buf_ptr(b), model, model_len) == 0);
	}
 done:
	cg_buf_free(b);
	return 0;
}

/* Unit tests for the bounded buffer and read cursor (policy/cg_buf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cg_buf.h"
#include "cg_err.h"

static void
test_new_rejects_bad_max(void **state)
{
	struct cg_buf *b = (struct cg_buf *)0x1;

	(void)state;
	assert_int_equal(cg_buf_new(0, &b), CG_ERR_INVALID_ARG);
	assert_int_equal(cg_buf_new(CG_BUF_MAX_LIMIT + 1, &b), CG_ERR_INVALID_ARG);
	assert_int_equal(cg_buf_new(16, NULL), CG_ERR_INVALID_ARG);
	/* ret_buf untouched on failure */
	assert_ptr_equal(b, (struct cg_buf *)0x1);
}

static void
test_put_and_read_back(void **state)
{
	struct cg_buf *b = NULL;

	(void)state;
	assert_int_equal(cg_buf_new(1024, &b), 0);
	assert_int_equal(cg_buf_len(b), 0);
	assert_null(cg_buf_ptr(b));
	assert_int_equal(cg_buf_put(b, "abc", 3), 0);
	assert_int_equal(cg_buf_put_u8(b, 'd'), 0);
	assert_int_equal(cg_buf_put_str(b, "ef"), 0);
	assert_int_equal(cg_buf_len(b), 6);
	assert_memory_equal(cg_buf_ptr(b), "abcdef", 6);
	cg_buf_free(b);
}

static void
test_grows_across_many_appends(void **state)
{
	struct cg_buf *b = NULL;
	size_t i;

	(void)state;
	assert_int_equal(cg_buf_new(100000, &b), 0);
	for (i = 0; i < 100000; i++)
		assert_int_equal(cg_buf_put_u8(b, (uint8_t)i), 0);
	assert_int_equal(cg_buf_len(b), 100000);
	for (i = 0; i < 100000; i += 997)
		assert_int_equal(cg_buf_ptr(b)[i], (uint8_t)i);
	cg_buf_free(b);
}

static void
test_max_is_hard_and_failure_changes_nothing(void **state)
{
	struct cg_buf *b = NULL;

	(void)state;
	assert_int_equal(cg_buf_new(8, &b), 0);
	assert_int_equal(cg_buf_put(b, "12345", 5), 0);
	assert_int_equal(cg_buf_put(b, "6789", 4), CG_ERR_LIMIT);
	assert_int_equal(cg_buf_len(b), 5);
	assert_int_equal(cg_buf_putf(b, "%d", 1234), CG_ERR_LIMIT);
	assert_int_equal(cg_buf_len(b), 5);
	assert_int_equal(cg_buf_put(b, "678", 3), 0);
	assert_int_equal(cg_buf_len(b), 8);
	assert_int_equal(cg_buf_put_u8(b, 'x'), CG_ERR_LIMIT);
	assert_memory_equal(cg_buf_ptr(b), "12345678", 8);
	cg_buf_free(b);
}

static void
test_put_rejects_null_data(void **state)
{
	struct cg_buf *b = NULL;

	(void)state;
	assert_int_equal(cg_buf_new(8, &b), 0);
	assert_int_equal(cg_buf_put(b, NULL, 1), CG_ERR_INVALID_ARG);
	assert_int_equal(cg_buf_put(b, NULL, 0), 0);
	assert_int_equal(cg_buf_put_str(b, NULL), CG_ERR_INVALID_ARG);
	assert_int_equal(cg_buf_len(b), 0);
	cg_buf_free(b);
}

static void
test_putf_and_cstr(void **state)
{
	struct cg_buf *b = NULL;
	const char *s = NULL;

	(void)state;
	assert_int_equal(cg_buf_new(64, &b), 0);
	assert_int_equal(cg_buf_cstr(b, &s), 0);
	assert_string_equal(s, "");
	assert_int_equal(cg_buf_putf(b, "%s-%u", "key", 42u), 0);
	assert_int_equal(cg_buf_putf(b, "%s", ""), 0);
	assert_int_equal(cg_buf_cstr(b, &s), 0);
	assert_string_equal(s, "key-42");
	assert_int_equal(cg_buf_len(b), 6);
	cg_buf_free(b);
}

static void
test_cstr_refuses_embedded_nul(void **state)
{
	struct cg_buf *b = NULL;
	const char *s = "unchanged";

	(void)state;
	assert_int_equal(cg_buf_new(64, &b), 0);
	assert_int_equal(cg_buf_put(b, "ab\0cd", 5), 0);
	assert_int_equal(cg_buf_cstr(b, &s), CG_ERR_PARSE);
	assert_string_equal(s, "unchanged");
	cg_buf_free(b);
}

static void
test_cstr_at_exact_max(void **state)
{
	struct cg_buf *b = NULL;
	const char *s = NULL;

	(void)state;
	assert_int_equal(cg_buf_new(4, &b), 0);
	assert_int_equal(cg_buf_put(b, "wxyz", 4), 0);
	assert_int_equal(cg_buf_cstr(b, &s), 0);
	assert_string_equal(s, "wxyz");
	cg_buf_free(b);
}

static void
test_reset_keeps_max(void **state)
{
	struct cg_buf *b = NULL;

	(void)state;
	assert_int_equal(cg_buf_new(4, &b), 0);
	assert_int_equal(cg_buf_put(b, "1234", 4), 0);
	cg_buf_reset(b);
	assert_int_equal(cg_buf_len(b), 0);
	assert_int_equal(cg_buf_max(b), 4);
	assert_int_equal(cg_buf_put(b, "12345", 5), CG_ERR_LIMIT);
	assert_int_equal(cg_buf_put(b, "abcd", 4), 0);
	cg_buf_free(b);
	cg_buf_free(NULL);
}

static void
test_cursor_fields(void **state)
{
	static const uint8_t in[] = { 0x7f, 0x01, 0x02, 0x03, 0x04, 'h', 'i' };
	struct cg_cursor c;
	const uint8_t *p = NULL;
	uint32_t u32 = 0;
	uint8_t u8 = 0;

	(void)state;
	cg_cursor_init(&c, in, sizeof(in));
	assert_int_equal(cg_cursor_peek_u8(&c, &u8), 0);
	assert_int_equal(u8, 0x7f);
	assert_int_equal(cg_cursor_remaining(&c), 7);
	assert_int_equal(cg_cursor_get_u8(&c, &u8), 0);
	assert_int_equal(cg_cursor_get_u32be(&c, &u32), 0);
	assert_int_equal(u32, 0x01020304);
	assert_int_equal(cg_cursor_end(&c), CG_ERR_TRAILING);
	assert_int_equal(cg_cursor_get_bytes(&c, 2, &p), 0);
	assert_memory_equal(p, "hi", 2);
	assert_int_equal(cg_cursor_end(&c), 0);
}

static void
test_cursor_truncation_moves_nothing(void **state)
{
	static const uint8_t in[] = { 1, 2, 3 };
	struct cg_cursor c;
	const uint8_t *p = NULL;
	uint32_t u32 = 99;
	uint8_t u8 = 0;

	(void)state;
	cg_cursor_init(&c, in, sizeof(in));
	assert_int_equal(cg_cursor_get_u32be(&c, &u32), CG_ERR_TRUNCATED);
	assert_int_equal(u32, 99);
	assert_int_equal(cg_cursor_remaining(&c), 3);
	assert_int_equal(cg_cursor_get_bytes(&c, 4, &p), CG_ERR_TRUNCATED);
	assert_int_equal(cg_cursor_skip(&c, SIZE_MAX), CG_ERR_TRUNCATED);
	assert_int_equal(cg_cursor_skip(&c, 3), 0);
	assert_int_equal(cg_cursor_get_u8(&c, &u8), CG_ERR_TRUNCATED);
	assert_int_equal(cg_cursor_peek_u8(&c, &u8), CG_ERR_TRUNCATED);
}

static void
test_cursor_empty_and_null(void **state)
{
	struct cg_cursor c;
	const uint8_t *p = NULL;
	size_t n = 0;

	(void)state;
	cg_cursor_init(&c, NULL, 10);
	assert_int_equal(cg_cursor_remaining(&c), 0);
	assert_int_equal(cg_cursor_end(&c), 0);
	assert_int_equal(cg_cursor_get_until(&c, ';', 10, &p, &n), CG_ERR_TRUNCATED);
	assert_int_equal(cg_cursor_expect(&c, "", 0), 0);
}

static void
test_cursor_expect(void **state)
{
	struct cg_cursor c;

	(void)state;
	cg_cursor_init(&c, "SSHSIGrest", 10);
	assert_int_equal(cg_cursor_expect(&c, "SSHSIX", 6), CG_ERR_PARSE);
	assert_int_equal(cg_cursor_remaining(&c), 10);
	assert_int_equal(cg_cursor_expect(&c, "SSHSIG", 6), 0);
	assert_int_equal(cg_cursor_expect(&c, "restmore", 8), CG_ERR_TRUNCATED);
	assert_int_equal(cg_cursor_remaining(&c), 4);
}

static void
test_cursor_get_until(void **state)
{
	struct cg_cursor c;
	const uint8_t *p = NULL;
	size_t n = 0;

	(void)state;
	cg_cursor_init(&c, "required permissions\nrest", 25);
	assert_int_equal(cg_cursor_get_until(&c, '\n', 100, &p, &n), 0);
	assert_int_equal(n, 20);
	assert_memory_equal(p, "required permissions", 20);
	assert_int_equal(cg_cursor_remaining(&c), 4);
	/* no delimiter before the end */
	assert_int_equal(cg_cursor_get_until(&c, '\n', 100, &p, &n), CG_ERR_TRUNCATED);
	assert_int_equal(cg_cursor_remaining(&c), 4);

	/* token longer than max: limit, not truncation, nothing consumed */
	cg_cursor_init(&c, "abcdef\n", 7);
	assert_int_equal(cg_cursor_get_until(&c, '\n', 5, &p, &n), CG_ERR_LIMIT);
	assert_int_equal(cg_cursor_remaining(&c), 7);
	/* exactly max bytes before the delimiter is fine */
	assert_int_equal(cg_cursor_get_until(&c, '\n', 6, &p, &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(cg_cursor_end(&c), 0);

	/* empty token */
	cg_cursor_init(&c, "\nx", 2);
	assert_int_equal(cg_cursor_get_until(&c, '\n', 0, &p, &n), 0);
	assert_int_equal(n, 0);
	/* max of SIZE_MAX must not wrap around */
	assert_int_equal(cg_cursor_get_until(&c, '\n', SIZE_MAX, &p, &n), CG_ERR_TRUNCATED);
}

static void
test_cursor_get_string(void **state)
{
	static const uint8_t good[] = { 0, 0, 0, 3, 'k', 'e', 'y', 0xff };
	static const uint8_t big[] = { 0xff, 0xff, 0xff, 0xff, 'a' };
	static const uint8_t shortd[] = { 0, 0, 0, 9, 'a', 'b' };
	struct cg_cursor c;
	const uint8_t *p = NULL;
	size_t n = 0;

	(void)state;
	cg_cursor_init(&c, good, sizeof(good));
	assert_int_equal(cg_cursor_get_string(&c, 3, &p, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "key", 3);
	assert_int_equal(cg_cursor_remaining(&c), 1);

	cg_cursor_init(&c, good, sizeof(good));
	assert_int_equal(cg_cursor_get_string(&c, 2, &p, &n), CG_ERR_LIMIT);
	assert_int_equal(cg_cursor_remaining(&c), sizeof(good));

	cg_cursor_init(&c, big, sizeof(big));
	assert_int_equal(cg_cursor_get_string(&c, SIZE_MAX, &p, &n), CG_ERR_TRUNCATED);
	assert_int_equal(cg_cursor_remaining(&c), sizeof(big));

	cg_cursor_init(&c, shortd, sizeof(shortd));
	assert_int_equal(cg_cursor_get_string(&c, 100, &p, &n), CG_ERR_TRUNCATED);
	assert_int_equal(cg_cursor_remaining(&c), sizeof(shortd));
}

static void
test_cursor_from_buf(void **state)
{
	struct cg_buf *b = NULL;
	struct cg_cursor c;
	uint32_t v = 0;

	(void)state;
	assert_int_equal(cg_buf_new(16, &b), 0);
	assert_int_equal(cg_buf_put_u32be(b, 0xdeadbeef), 0);
	cg_cursor_from_buf(&c, b);
	assert_int_equal(cg_cursor_get_u32be(&c, &v), 0);
	assert_int_equal(v, 0xdeadbeef);
	assert_int_equal(cg_cursor_end(&c), 0);
	cg_buf_free(b);
}

static void
test_strerror_covers_every_code(void **state)
{
	int code;

	(void)state;
	for (code = 0; code > CG_ERR_LAST; code--)
		assert_string_not_equal(cg_strerror(code), "unknown error");
	assert_string_equal(cg_strerror(CG_ERR_LAST), "unknown error");
	assert_string_equal(cg_strerror(12345), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_rejects_bad_max),
		cmocka_unit_test(test_put_and_read_back),
		cmocka_unit_test(test_grows_across_many_appends),
		cmocka_unit_test(test_max_is_hard_and_failure_changes_nothing),
		cmocka_unit_test(test_put_rejects_null_data),
		cmocka_unit_test(test_putf_and_cstr),
		cmocka_unit_test(test_cstr_refuses_embedded_nul),
		cmocka_unit_test(test_cstr_at_exact_max),
		cmocka_unit_test(test_reset_keeps_max),
		cmocka_unit_test(test_cursor_fields),
		cmocka_unit_test(test_cursor_truncation_moves_nothing),
		cmocka_unit_test(test_cursor_empty_and_null),
		cmocka_unit_test(test_cursor_expect),
		cmocka_unit_test(test_cursor_get_until),
		cmocka_unit_test(test_cursor_get_string),
		cmocka_unit_test(test_cursor_from_buf),
		cmocka_unit_test(test_strerror_covers_every_code),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}

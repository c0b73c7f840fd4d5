/* Unit tests for the audit log (gate/audit.c): keys, writing, verifying,
 * and every kind of tampering the verifier must name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "audit.h"
#include "cg_err.h"
#include "cg_json.h"

#define MAX_LINES 64

struct fixture {
	char			 dir[512];
	char			 log[PATH_MAX];
	char			 key[PATH_MAX];
	struct audit_key	*k;
	struct audit_pubkey	 pub;
};

struct lines {
	char	*v[MAX_LINES];
	size_t	 n;
	bool	 final_newline;
};

/* ------------------------------------------------------------- helpers */

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "%s/test-audit-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->log, sizeof(fx->log), "%s/audit.log", fx->dir);
	snprintf(fx->key, sizeof(fx->key), "%s/gate.key", fx->dir);
	assert_int_equal(audit_key_generate(&fx->k), 0);
	audit_key_public(fx->k, &fx->pub);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	audit_key_free(fx->k);
	nftw(fx->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static char *
slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	*ret_len = (size_t)n;
	return data;
}

static void
spit(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static off_t
file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void
lines_read(const char *path, struct lines *ls)
{
	size_t len, start = 0, i;
	char *data = slurp(path, &len);

	memset(ls, 0, sizeof(*ls));
	for (i = 0; i < len; i++) {
		if (data[i] != '\n')
			continue;
		assert_true(ls->n < MAX_LINES);
		ls->v[ls->n++] = strndup(&data[start], i - start);
		start = i + 1;
	}
	assert_int_equal(start, len);	/* tests start from whole lines */
	ls->final_newline = true;
	free(data);
}

static void
lines_write(const char *path, const struct lines *ls)
{
	FILE *f = fopen(path, "wb");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < ls->n; i++) {
		fputs(ls->v[i], f);
		if (i + 1 < ls->n || ls->final_newline)
			fputc('\n', f);
	}
	assert_int_equal(fclose(f), 0);
}

static void
lines_free(struct lines *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		free(ls->v[i]);
	ls->n = 0;
}

/* Removes line number `no` (from 1). */
static void
lines_delete(struct lines *ls, size_t no)
{
	free(ls->v[no - 1]);
	memmove(&ls->v[no - 1], &ls->v[no], (ls->n - no) * sizeof(ls->v[0]));
	ls->n--;
}

/* Replaces the first `from` in line `no` by `to` (same length or not). */
static void
line_replace(struct lines *ls, size_t no, const char *from, const char *to)
{
	char *old = ls->v[no - 1], *hit = strstr(old, from), *n;
	size_t len;

	assert_non_null(hit);
	len = strlen(old) - strlen(from) + strlen(to) + 1;
	n = malloc(len);
	assert_non_null(n);
	snprintf(n, len, "%.*s%s%s", (int)(hit - old), old, to, hit + strlen(from));
	free(old);
	ls->v[no - 1] = n;
}

static void
hash_hex(const char *line, char out[65])
{
	uint8_t h[32];
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)line, strlen(line));
	crypto_generichash_update(&st, (const uint8_t *)"\n", 1);
	crypto_generichash_final(&st, h, 32);
	sodium_bin2hex(out, 65, h, 32);
}

/*
 * What an attacker without the key can do after editing a line: make every
 * later prev (and checkpoint hash) match again.  Only a signature stops it.
 */
static void
lines_rechain(struct lines *ls, size_t from)
{
	char h[65], *p;
	size_t i, len;

	for (i = from; i < ls->n; i++) {
		hash_hex(ls->v[i - 1], h);
		len = strlen(ls->v[i]);
		assert_true(len > 66);
		memcpy(&ls->v[i][len - 66], h, 64);	/* ..."prev":"<64 hex>"} */
		if ((p = strstr(ls->v[i], "\"checkpoint\":{\"hash\":\"")) != NULL)
			memcpy(p + strlen("\"checkpoint\":{\"hash\":\""), h, 64);
	}
}

static struct json_object *
sample_fields(unsigned i)
{
	char buf[128];
	struct json_object *f = json_object_new_object(), *who = json_object_new_object(),
	    *what = json_object_new_object(), *keys = json_object_new_array(),
	    *key = json_object_new_object();

	json_object_object_add(who, "operator", json_object_new_string("alice"));
	json_object_object_add(who, "uid", json_object_new_int(1000));
	json_object_object_add(what, "action", json_object_new_string("UpdateApplication"));
	snprintf(buf, sizeof(buf), "app-%u", i);
	json_object_object_add(what, "application", json_object_new_string(buf));
	json_object_object_add(key, "arn", json_object_new_string(
	    "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"));
	json_object_object_add(key, "why", json_object_new_string("current"));
	json_object_array_add(keys, key);
	json_object_object_add(f, "who", who);
	json_object_object_add(f, "what", what);
	snprintf(buf, sizeof(buf), "req-%u", i);
	json_object_object_add(f, "request_id", json_object_new_string(buf));
	json_object_object_add(f, "decision", json_object_new_string("allow"));
	json_object_object_add(f, "keys", keys);
	return f;
}

/* n entries, a checkpoint after every `every`. */
static void
make_log(struct fixture *fx, unsigned n, unsigned every)
{
	static const char *const events[] = { "request.filed", "check", "approval", "issuance" };
	struct json_object *f;
	struct audit *a = NULL;
	unsigned i;

	assert_int_equal(audit_open(fx->log, fx->k, every, &a, NULL), 0);
	for (i = 0; i < n; i++) {
		f = sample_fields(i);
		assert_int_equal(audit_append(a, events[i % 4], f), 0);
		json_object_put(f);
	}
	audit_close(a);
}

static int
verify(struct fixture *fx, struct audit_report *rep)
{
	int r = audit_verify(fx->log, &fx->pub, rep);

	assert_true(r == 0 || r == CG_ERR_DENIED);
	assert_true((r == 0) == (rep->problem == AUDIT_OK));
	return r;
}

/* The standard log: entries on lines 1-4, 6-9, 11-12, checkpoints on 5 and 10. */
static void
make_standard_log(struct fixture *fx)
{
	make_log(fx, 10, 4);
}

static void
expect_problem(struct fixture *fx, enum audit_problem problem, uint64_t line)
{
	struct audit_report rep;

	assert_int_equal(verify(fx, &rep), CG_ERR_DENIED);
	if (rep.problem != problem || rep.line != line)
		fail_msg("expected %s at line %u, got %s at line %u: %s",
		    audit_problem_name(problem), (unsigned)line,
		    audit_problem_name(rep.problem), (unsigned)rep.line, rep.detail);
	assert_true(rep.detail[0] != '\0');
}

/* ---------------------------------------------------------------- keys */

static void
test_key_save_load(void **state)
{
	struct fixture *fx = *state;
	struct audit_key *k2 = NULL;
	struct audit_pubkey pub, pub2;
	struct stat st;
	char pub_path[PATH_MAX + 8], id[33], *before, *after;
	size_t n1, n2;

	assert_int_equal(audit_key_save(fx->k, fx->key), 0);
	snprintf(pub_path, sizeof(pub_path), "%s.pub", fx->key);
	assert_int_equal(stat(fx->key, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 64);
	assert_int_equal(stat(pub_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);

	assert_int_equal(audit_key_load(fx->key, &k2), 0);
	audit_key_public(k2, &pub);
	assert_memory_equal(pub.bytes, fx->pub.bytes, sizeof(pub.bytes));
	assert_int_equal(audit_pubkey_load(pub_path, &pub2), 0);
	assert_memory_equal(pub2.bytes, fx->pub.bytes, sizeof(pub2.bytes));
	audit_pubkey_id(&pub2, id);
	assert_int_equal(strlen(id), 32);
	assert_int_equal(strspn(id, "0123456789abcdef"), 32);
	audit_key_free(k2);

	/* never overwrites, neither half */
	before = slurp(fx->key, &n1);
	assert_int_equal(audit_key_generate(&k2), 0);
	assert_int_equal(audit_key_save(k2, fx->key), CG_ERR_DENIED);
	after = slurp(fx->key, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	free(before);
	free(after);
	/* only the .pub exists: the secret written first is removed again */
	assert_int_equal(unlink(fx->key), 0);
	assert_int_equal(audit_key_save(k2, fx->key), CG_ERR_DENIED);
	assert_int_equal(access(fx->key, F_OK), -1);
	audit_key_free(k2);
	audit_key_free(NULL);
}

static void
test_key_load_refuses(void **state)
{
	struct fixture *fx = *state;
	struct audit_key *k = NULL;
	char path[PATH_MAX + 16], link[PATH_MAX + 16];
	uint8_t raw[64];
	size_t len;
	char *data;

	assert_int_equal(audit_key_load(fx->key, &k), CG_ERR_NOT_FOUND);
	assert_int_equal(audit_key_save(fx->k, fx->key), 0);
	data = slurp(fx->key, &len);
	assert_int_equal(len, 64);
	memcpy(raw, data, 64);
	free(data);

	/* readable or writable by group or others */
	assert_int_equal(chmod(fx->key, 0640), 0);
	assert_int_equal(audit_key_load(fx->key, &k), CG_ERR_DENIED);
	assert_int_equal(chmod(fx->key, 0604), 0);
	assert_int_equal(audit_key_load(fx->key, &k), CG_ERR_DENIED);
	assert_int_equal(chmod(fx->key, 0602), 0);
	assert_int_equal(audit_key_load(fx->key, &k), CG_ERR_DENIED);
	assert_int_equal(chmod(fx->key, 0400), 0);
	assert_int_equal(audit_key_load(fx->key, &k), 0);
	audit_key_free(k);
	k = NULL;
	assert_int_equal(chmod(fx->key, 0600), 0);

	/* someone else's file (needs root to make one) */
	if (geteuid() == 0) {
		assert_int_equal(chown(fx->key, 1, 1), 0);
		assert_int_equal(audit_key_load(fx->key, &k), CG_ERR_DENIED);
		assert_int_equal(chown(fx->key, 0, 0), 0);
	}

	/* a symlink, even to a good key */
	snprintf(link, sizeof(link), "%s/link.key", fx->dir);
	assert_int_equal(symlink(fx->key, link), 0);
	assert_int_equal(audit_key_load(link, &k), CG_ERR_DENIED);
	/* a directory */
	assert_int_equal(audit_key_load(fx->dir, &k), CG_ERR_DENIED);

	/* wrong size */
	snprintf(path, sizeof(path), "%s/short.key", fx->dir);
	spit(path, (const char *)raw, 63);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(audit_key_load(path, &k), CG_ERR_PARSE);
	snprintf(path, sizeof(path), "%s/long.key", fx->dir);
	{
		uint8_t longer[65];

		memcpy(longer, raw, 64);
		longer[64] = '\n';
		spit(path, (const char *)longer, 65);
	}
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(audit_key_load(path, &k), CG_ERR_PARSE);
	/* a public half that is not the seed's */
	snprintf(path, sizeof(path), "%s/mixed.key", fx->dir);
	raw[40] ^= 1;
	spit(path, (const char *)raw, 64);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(audit_key_load(path, &k), CG_ERR_PARSE);
	sodium_memzero(raw, sizeof(raw));
	assert_null(k);
	assert_int_equal(audit_key_load(NULL, &k), CG_ERR_INVALID_ARG);
}

static void
test_pubkey_parse(void **state)
{
	struct fixture *fx = *state;
	struct audit_pubkey pub;
	char text[200], hex[65];

	sodium_bin2hex(hex, sizeof(hex), fx->pub.bytes, 32);
	snprintf(text, sizeof(text), "cmkgate-audit-ed25519 %s\n", hex);
	assert_int_equal(audit_pubkey_parse((const uint8_t *)text, strlen(text), &pub), 0);
	assert_memory_equal(pub.bytes, fx->pub.bytes, 32);
	/* without the final newline too */
	assert_int_equal(audit_pubkey_parse((const uint8_t *)text, strlen(text) - 1, &pub), 0);
	/* but nothing else */
	snprintf(text, sizeof(text), "cmkgate-audit-ed25519 %s\n\n", hex);
	assert_int_equal(audit_pubkey_parse((const uint8_t *)text, strlen(text), &pub), CG_ERR_PARSE);
	snprintf(text, sizeof(text), "cmkgate-audit-ed25519 %s x", hex);
	assert_int_equal(audit_pubkey_parse((const uint8_t *)text, strlen(text), &pub), CG_ERR_PARSE);
	snprintf(text, sizeof(text), "cmkgate-audit-ed25519  %s", hex);
	assert_int_equal(audit_pubkey_parse((const uint8_t *)text, strlen(text), &pub), CG_ERR_PARSE);
	snprintf(text, sizeof(text), "ssh-ed25519 %s", hex);
	assert_int_equal(audit_pubkey_parse((const uint8_t *)text, strlen(text), &pub), CG_ERR_PARSE);
	snprintf(text, sizeof(text), "cmkgate-audit-ed25519 %.63s", hex);
	assert_int_equal(audit_pubkey_parse((const uint8_t *)text, strlen(text), &pub), CG_ERR_PARSE);
	hex[0] = 'A';
	snprintf(text, sizeof(text), "cmkgate-audit-ed25519 %s", hex);
	assert_int_equal(audit_pubkey_parse((const uint8_t *)text, strlen(text), &pub), CG_ERR_PARSE);
	assert_int_equal(audit_pubkey_parse(NULL, 0, &pub), CG_ERR_PARSE);
}

/* -------------------------------------------------------------- writing */

static void
test_append_canonical_line(void **state)
{
	struct fixture *fx = *state;
	struct json_object *f = json_object_new_object(), *what = json_object_new_object(),
	    *who = json_object_new_object(), *keys = json_object_new_array();
	struct audit *a = NULL;
	struct audit_entry e;
	char expect[1024], *data;
	size_t len;

	/* members given out of order, a string that needs escapes */
	json_object_object_add(what, "b", json_object_new_string("x\"\\\n\x01/\xc3\xa9"));
	json_object_object_add(what, "a", json_object_new_int(-1));
	json_object_object_add(what, "c", json_object_new_double(0.25));
	json_object_object_add(who, "name", json_object_new_string("alice"));
	json_object_array_add(keys, json_object_new_string("k1"));
	json_object_array_add(keys, NULL);
	json_object_array_add(keys, json_object_new_boolean(1));
	json_object_object_add(f, "keys", keys);
	json_object_object_add(f, "decision", json_object_new_string("allow"));
	json_object_object_add(f, "what", what);
	json_object_object_add(f, "request_id", json_object_new_string("r1"));
	json_object_object_add(f, "who", who);
	json_object_object_add(f, "source", json_object_new_object());	/* empty is fine */

	assert_int_equal(audit_open(fx->log, fx->k, 0, &a, NULL), 0);
	assert_int_equal(audit_append(a, "check", f), 0);
	assert_int_equal(audit_append(a, "state", NULL), 0);
	audit_close(a);
	json_object_put(f);

	data = slurp(fx->log, &len);
	assert_true(len > 40);
	snprintf(expect, sizeof(expect),
	    "{\"seq\":1,\"time\":\"%.24s\",\"event\":\"check\",\"who\":{\"name\":\"alice\"},"
	    "\"what\":{\"a\":-1,\"b\":\"x\\\"\\\\\\n\\u0001/\xc3\xa9\",\"c\":0.25},\"source\":{},\"request_id\":\"r1\","
	    "\"decision\":\"allow\",\"keys\":[\"k1\",null,true],\"prev\":\"%064d\"}\n",
	    data + strlen("{\"seq\":1,\"time\":\""), 0);
	assert_true(strlen(expect) < len);
	assert_memory_equal(data, expect, strlen(expect));
	assert_int_equal(audit_entry_parse((const uint8_t *)data, strlen(expect) - 1, &e, NULL), 0);
	assert_int_equal(e.seq, 1);
	assert_string_equal(e.event, "check");
	assert_false(e.is_checkpoint);
	/* the time: UTC, milliseconds */
	assert_int_equal(e.time[10], 'T');
	assert_int_equal(e.time[19], '.');
	assert_int_equal(e.time[23], 'Z');
	/* the second entry is bare and chains to the first */
	assert_non_null(strstr(data + strlen(expect), "\"event\":\"state\",\"prev\":\""));
	free(data);
}

static void
test_append_and_verify(void **state)
{
	struct fixture *fx = *state;
	struct audit_report rep;
	struct audit *a = NULL;
	struct lines ls;
	uint8_t head[32];
	uint64_t seq;
	char hex[65];

	make_standard_log(fx);
	lines_read(fx->log, &ls);
	assert_int_equal(ls.n, 12);
	assert_non_null(strstr(ls.v[4], "\"event\":\"checkpoint\",\"checkpoint\":{\"hash\":\""));
	assert_non_null(strstr(ls.v[9], "\"event\":\"checkpoint\""));
	assert_null(strstr(ls.v[10], "checkpoint"));
	lines_free(&ls);

	assert_int_equal(verify(fx, &rep), 0);
	assert_int_equal(rep.entries, 12);
	assert_int_equal(rep.last_seq, 12);
	assert_int_equal(rep.checkpoints, 2);
	assert_int_equal(rep.last_checkpoint_seq, 10);
	assert_int_equal(rep.unsigned_tail, 2);
	assert_int_equal(rep.line, 0);
	assert_string_equal(rep.detail, "");

	/* reopening finds the same head and goes on from it */
	assert_int_equal(audit_open(fx->log, fx->k, 4, &a, &rep), 0);
	audit_head(a, &seq, head);
	assert_int_equal(seq, 12);
	sodium_bin2hex(hex, sizeof(hex), head, 32);
	assert_int_equal(verify(fx, &rep), 0);
	assert_string_equal(hex, rep.head);
	assert_int_equal(audit_append(a, "check", NULL), 0);
	assert_int_equal(audit_append(a, "check", NULL), 0);	/* 4 since seq 10: checkpoint */
	audit_head(a, &seq, head);
	assert_int_equal(seq, 15);
	assert_int_equal(audit_checkpoint(a), 0);		/* last is one already: nothing */
	audit_head(a, &seq, head);
	assert_int_equal(seq, 15);
	assert_int_equal(audit_append(a, "check", NULL), 0);
	assert_int_equal(audit_checkpoint(a), 0);
	audit_head(a, &seq, head);
	assert_int_equal(seq, 17);
	audit_close(a);
	assert_int_equal(verify(fx, &rep), 0);
	assert_int_equal(rep.last_seq, 17);
	assert_int_equal(rep.checkpoints, 4);
	assert_int_equal(rep.unsigned_tail, 0);
	audit_close(NULL);
}

static void
test_empty_and_unsigned_logs(void **state)
{
	struct fixture *fx = *state;
	struct audit_report rep;
	struct audit *a = NULL;
	uint8_t head[32], zero[32] = { 0 };
	uint64_t seq;

	assert_int_equal(audit_open(fx->log, fx->k, 0, &a, NULL), 0);
	assert_int_equal(audit_checkpoint(a), 0);	/* empty: nothing to sign */
	audit_head(a, &seq, head);
	assert_int_equal(seq, 0);
	assert_memory_equal(head, zero, 32);
	audit_close(a);
	assert_int_equal(file_size(fx->log), 0);
	assert_int_equal(verify(fx, &rep), 0);
	assert_int_equal(rep.entries, 0);
	assert_string_equal(rep.head, "0000000000000000000000000000000000000000000000000000000000000000");

	make_log(fx, 5, 0);			/* no automatic checkpoints */
	assert_int_equal(verify(fx, &rep), 0);
	assert_int_equal(rep.entries, 5);
	assert_int_equal(rep.checkpoints, 0);
	assert_int_equal(rep.last_checkpoint_seq, 0);
	assert_int_equal(rep.unsigned_tail, 5);
}

static void
test_append_refuses(void **state)
{
	struct fixture *fx = *state;
	struct json_object *f, *v;
	struct audit *a = NULL;
	char name[80], *big;
	off_t size;
	int i;

	assert_int_equal(audit_open(fx->log, fx->k, 0, &a, NULL), 0);
	assert_int_equal(audit_append(a, "check", NULL), 0);
	size = file_size(fx->log);

	assert_int_equal(audit_append(a, "", NULL), CG_ERR_INVALID_ARG);
	assert_int_equal(audit_append(a, "Check", NULL), CG_ERR_INVALID_ARG);
	assert_int_equal(audit_append(a, "9lives", NULL), CG_ERR_INVALID_ARG);
	assert_int_equal(audit_append(a, "a b", NULL), CG_ERR_INVALID_ARG);
	assert_int_equal(audit_append(a, "checkpoint", NULL), CG_ERR_INVALID_ARG);
	memset(name, 'a', 65);
	name[65] = '\0';
	assert_int_equal(audit_append(a, name, NULL), CG_ERR_INVALID_ARG);
	assert_int_equal(audit_append(a, NULL, NULL), CG_ERR_INVALID_ARG);
	assert_int_equal(audit_append(NULL, "check", NULL), CG_ERR_INVALID_ARG);

	/* fields: not an object; fields that are not the caller's to give */
	f = json_object_new_array();
	assert_int_equal(audit_append(a, "check", f), CG_ERR_INVALID_ARG);
	json_object_put(f);
	for (i = 0; i < 5; i++) {
		static const char *const reserved[] = { "seq", "prev", "time", "checkpoint", "extra" };

		f = json_object_new_object();
		json_object_object_add(f, reserved[i], json_object_new_string("x"));
		assert_int_equal(audit_append(a, "check", f), CG_ERR_INVALID_ARG);
		json_object_put(f);
	}
	/* wrong types and sizes */
	f = json_object_new_object();
	json_object_object_add(f, "who", json_object_new_string("alice"));
	assert_int_equal(audit_append(a, "check", f), CG_ERR_INVALID_ARG);
	json_object_put(f);
	f = json_object_new_object();
	json_object_object_add(f, "keys", json_object_new_object());
	assert_int_equal(audit_append(a, "check", f), CG_ERR_INVALID_ARG);
	json_object_put(f);
	f = json_object_new_object();
	memset(name, 'r', 70);
	json_object_object_add(f, "decision", json_object_new_string_len(name, 65));
	assert_int_equal(audit_append(a, "check", f), CG_ERR_INVALID_ARG);
	json_object_put(f);
	f = json_object_new_object();
	json_object_object_add(f, "request_id", json_object_new_string(""));
	assert_int_equal(audit_append(a, "check", f), CG_ERR_INVALID_ARG);
	json_object_put(f);
	/* values the verifier could not read back, or JSON cannot carry */
	f = json_object_new_object();
	v = json_object_new_object();
	json_object_object_add(v, "ratio", json_object_new_double(NAN));
	json_object_object_add(f, "what", v);
	assert_int_equal(audit_append(a, "check", f), CG_ERR_INVALID_ARG);
	json_object_put(f);
	f = json_object_new_object();
	v = json_object_new_object();
	json_object_object_add(v, "s", json_object_new_string_len("a\0b", 3));
	json_object_object_add(f, "what", v);
	assert_int_equal(audit_append(a, "check", f), CG_ERR_INVALID_ARG);
	json_object_put(f);
	f = json_object_new_object();
	v = json_object_new_object();
	json_object_object_add(v, "s", json_object_new_string("\xff\xfe"));
	json_object_object_add(f, "what", v);
	assert_int_equal(audit_append(a, "check", f), CG_ERR_INVALID_ARG);
	json_object_put(f);
	f = json_object_new_object();
	v = json_object_new_object();
	json_object_object_add(v, "n", json_object_new_uint64(UINT64_MAX));
	json_object_object_add(f, "what", v);
	assert_int_equal(audit_append(a, "check", f), CG_ERR_LIMIT);
	json_object_put(f);
	f = json_object_new_object();
	v = json_object_new_object();
	json_object_object_add(v, "n", json_object_new_int64((INT64_C(1) << 53) + 1));
	json_object_object_add(f, "what", v);
	assert_int_equal(audit_append(a, "check", f), CG_ERR_LIMIT);
	json_object_put(f);
	/* nested deeper than the verifier reads */
	f = json_object_new_object();
	v = json_object_new_array();
	for (i = 0; i < CG_JSON_DEPTH_MAX + 4; i++) {
		struct json_object *outer = json_object_new_array();

		json_object_array_add(outer, v);
		v = outer;
	}
	json_object_object_add(f, "keys", v);
	assert_int_equal(audit_append(a, "check", f), CG_ERR_LIMIT);
	json_object_put(f);
	/* a line over 64 KiB */
	big = malloc(AUDIT_LINE_MAX);
	assert_non_null(big);
	memset(big, 'x', AUDIT_LINE_MAX);
	f = json_object_new_object();
	v = json_object_new_object();
	json_object_object_add(v, "blob", json_object_new_string_len(big, AUDIT_LINE_MAX - 100));
	json_object_object_add(f, "what", v);
	assert_int_equal(audit_append(a, "check", f), CG_ERR_LIMIT);
	json_object_put(f);
	/* ... but one just under the cap is fine */
	f = json_object_new_object();
	v = json_object_new_object();
	json_object_object_add(v, "blob", json_object_new_string_len(big, AUDIT_LINE_MAX - 300));
	json_object_object_add(f, "what", v);
	assert_int_equal(audit_append(a, "check", f), 0);
	json_object_put(f);
	free(big);

	/* the refusals wrote nothing and left the handle usable */
	assert_true(file_size(fx->log) > size);
	assert_int_equal(audit_append(a, "check", NULL), 0);
	audit_close(a);
	{
		struct audit_report rep;

		assert_int_equal(verify(fx, &rep), 0);
		assert_int_equal(rep.entries, 3);
	}
}

static void
test_open_refuses(void **state)
{
	struct fixture *fx = *state;
	struct audit_report rep;
	struct audit *a = NULL, *b = NULL;
	char path[PATH_MAX + 16];

	/* a second writer */
	assert_int_equal(audit_open(fx->log, fx->k, 0, &a, NULL), 0);
	assert_int_equal(audit_open(fx->log, fx->k, 0, &b, &rep), CG_ERR_DENIED);
	assert_non_null(strstr(rep.detail, "another process"));
	assert_null(b);
	audit_close(a);
	a = NULL;

	/* group-writable */
	assert_int_equal(chmod(fx->log, 0660), 0);
	assert_int_equal(audit_open(fx->log, fx->k, 0, &a, &rep), CG_ERR_DENIED);
	assert_int_equal(chmod(fx->log, 0640), 0);
	/* a symlink to a good log */
	snprintf(path, sizeof(path), "%s/link.log", fx->dir);
	assert_int_equal(symlink(fx->log, path), 0);
	assert_int_equal(audit_open(path, fx->k, 0, &a, &rep), CG_ERR_DENIED);
	/* a directory; a missing directory */
	assert_int_equal(audit_open(fx->dir, fx->k, 0, &a, &rep), CG_ERR_IO);
	snprintf(path, sizeof(path), "%s/nope/audit.log", fx->dir);
	assert_int_equal(audit_open(path, fx->k, 0, &a, &rep), CG_ERR_NOT_FOUND);
	/* read-only (root can write anyway) */
	if (geteuid() != 0) {
		assert_int_equal(chmod(fx->log, 0440), 0);
		assert_int_equal(audit_open(fx->log, fx->k, 0, &a, &rep), CG_ERR_DENIED);
		assert_int_equal(chmod(fx->log, 0640), 0);
	}
	assert_int_equal(audit_open(NULL, fx->k, 0, &a, NULL), CG_ERR_INVALID_ARG);
	assert_int_equal(audit_open(fx->log, NULL, 0, &a, NULL), CG_ERR_INVALID_ARG);
	assert_null(a);
}

static void
test_open_refuses_broken_chain(void **state)
{
	struct fixture *fx = *state;
	struct audit_report rep;
	struct audit *a = NULL;
	struct lines ls;
	char *before, *after;
	size_t n1, n2;

	make_standard_log(fx);
	lines_read(fx->log, &ls);
	line_replace(&ls, 7, "alice", "mal0r");
	lines_write(fx->log, &ls);
	lines_free(&ls);
	before = slurp(fx->log, &n1);
	assert_int_equal(audit_open(fx->log, fx->k, 4, &a, &rep), CG_ERR_DENIED);
	assert_null(a);
	assert_int_equal(rep.problem, AUDIT_EDITED);
	assert_int_equal(rep.line, 7);
	assert_non_null(strstr(rep.detail, "line 7"));
	assert_int_equal(rep.entries, 7);	/* lines 1-7 verified as far as they go */
	after = slurp(fx->log, &n2);
	assert_int_equal(n1, n2);		/* nothing was written */
	assert_memory_equal(before, after, n1);
	free(before);
	free(after);

	/* a log signed by another key is not ours to continue */
	{
		struct fixture other = *fx;

		assert_int_equal(audit_key_generate(&other.k), 0);
		snprintf(other.log, sizeof(other.log), "%s/other.log", fx->dir);
		make_log(&other, 5, 2);
		assert_int_equal(audit_open(other.log, fx->k, 4, &a, &rep), CG_ERR_DENIED);
		assert_int_equal(rep.problem, AUDIT_OTHER_KEY);
		assert_int_equal(rep.line, 3);
		audit_key_free(other.k);
	}
}

/* A write that fails half-way (file size limit) leaves no partial line,
 * and the handle refuses to go on until reopened. */
static void
test_write_failure(void **state)
{
	struct fixture *fx = *state;
	struct audit_report rep;
	struct audit *a = NULL;
	struct rlimit old, lim;
	off_t size, size3, line_len;

	assert_int_equal(audit_open(fx->log, fx->k, 2, &a, NULL), 0);
	assert_int_equal(audit_append(a, "check", NULL), 0);
	size = file_size(fx->log);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)size + 20;	/* room for part of the next line */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(audit_append(a, "check", NULL), CG_ERR_IO);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(file_size(fx->log), size);	/* the partial line is gone */
	/* broken: even now that writing would work */
	assert_int_equal(audit_append(a, "check", NULL), CG_ERR_IO);
	assert_int_equal(audit_checkpoint(a), CG_ERR_IO);
	audit_close(a);
	assert_int_equal(file_size(fx->log), size);

	/* reopening verifies and goes on */
	assert_int_equal(audit_open(fx->log, fx->k, 2, &a, NULL), 0);
	assert_int_equal(audit_append(a, "check", NULL), 0);	/* and a checkpoint */

	/* the entry is written, the checkpoint due after it is refused outright:
	 * the call fails (the caller refuses to act), the entry stays */
	size3 = file_size(fx->log);
	assert_int_equal(audit_append(a, "check", NULL), 0);
	size = file_size(fx->log);
	line_len = size - size3;		/* the next bare entry is as long */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)(size + line_len);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(audit_append(a, "check", NULL), CG_ERR_IO);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(audit_append(a, "check", NULL), CG_ERR_IO);
	audit_close(a);
	assert_int_equal(file_size(fx->log), size + line_len);
	assert_int_equal(verify(fx, &rep), 0);
	assert_int_equal(rep.entries, 5);
	assert_int_equal(rep.last_checkpoint_seq, 3);
	assert_int_equal(rep.unsigned_tail, 2);
}

/* ------------------------------------------------------------ tampering */

static void
test_tamper_edited(void **state)
{
	struct fixture *fx = *state;
	struct lines ls;

	make_standard_log(fx);
	lines_read(fx->log, &ls);
	line_replace(&ls, 3, "\"allow\"", "\"deny!\"");
	lines_write(fx->log, &ls);
	lines_free(&ls);
	expect_problem(fx, AUDIT_EDITED, 3);

	/* the first line */
	unlink(fx->log);
	make_standard_log(fx);
	lines_read(fx->log, &ls);
	line_replace(&ls, 1, "app-0", "app-9");
	lines_write(fx->log, &ls);
	lines_free(&ls);
	expect_problem(fx, AUDIT_EDITED, 1);

	/* a checkpoint's unsigned time */
	unlink(fx->log);
	make_standard_log(fx);
	lines_read(fx->log, &ls);
	{
		char *ms = strstr(ls.v[4], "\"time\":\"") + strlen("\"time\":\"") + 22;

		*ms = *ms == '0' ? '1' : '0';
	}
	lines_write(fx->log, &ls);
	lines_free(&ls);
	expect_problem(fx, AUDIT_EDITED, 5);
}

static void
test_tamper_edited_and_rechained(void **state)
{
	struct fixture *fx = *state;
	struct audit_report rep;
	struct lines ls;

	make_standard_log(fx);
	lines_read(fx->log, &ls);
	line_replace(&ls, 2, "alice", "mal0r");
	lines_rechain(&ls, 2);
	lines_write(fx->log, &ls);
	lines_free(&ls);
	expect_problem(fx, AUDIT_FORGED, 5);

	/* in the unsigned tail, the same trick works: that is the tail's limit */
	unlink(fx->log);
	make_standard_log(fx);
	assert_int_equal(verify(fx, &rep), 0);
	{
		char head[65];

		memcpy(head, rep.head, sizeof(head));
		lines_read(fx->log, &ls);
		line_replace(&ls, 11, "alice", "mal0r");
		lines_rechain(&ls, 11);
		lines_write(fx->log, &ls);
		lines_free(&ls);
		assert_int_equal(verify(fx, &rep), 0);
		/* ... unless the head was recorded elsewhere */
		assert_string_not_equal(rep.head, head);
	}
}

static void
test_tamper_deleted(void **state)
{
	struct fixture *fx = *state;
	struct lines ls;

	make_standard_log(fx);
	lines_read(fx->log, &ls);
	lines_delete(&ls, 3);
	lines_write(fx->log, &ls);
	lines_free(&ls);
	expect_problem(fx, AUDIT_DELETED, 3);

	unlink(fx->log);
	make_standard_log(fx);
	lines_read(fx->log, &ls);
	lines_delete(&ls, 1);
	lines_write(fx->log, &ls);
	lines_free(&ls);
	expect_problem(fx, AUDIT_DELETED, 1);

	/* removed and renumbered: the chain still breaks */
	unlink(fx->log);
	make_standard_log(fx);
	lines_read(fx->log, &ls);
	lines_delete(&ls, 2);
	line_replace(&ls, 2, "{\"seq\":3,", "{\"seq\":2,");
	lines_write(fx->log, &ls);
	lines_free(&ls);
	expect_problem(fx, AUDIT_EDITED, 1);
}

static void
test_tamper_reordered(void **state)
{
	struct fixture *fx = *state;
	struct lines ls;
	char *tmp;

	make_standard_log(fx);
	lines_read(fx->log, &ls);
	tmp = ls.v[1];
	ls.v[1] = ls.v[2];
	ls.v[2] = tmp;
	lines_write(fx->log, &ls);
	lines_free(&ls);
	expect_problem(fx, AUDIT_REORDERED, 2);

	/* a line copied */
	unlink(fx->log);
	make_standard_log(fx);
	lines_read(fx->log, &ls);
	memmove(&ls.v[3], &ls.v[2], (ls.n - 2) * sizeof(ls.v[0]));
	ls.v[2] = strdup(ls.v[1]);
	ls.n++;
	lines_write(fx->log, &ls);
	lines_free(&ls);
	expect_problem(fx, AUDIT_REORDERED, 3);

	/* the last line moved to the front */
	unlink(fx->log);
	make_standard_log(fx);
	lines_read(fx->log, &ls);
	tmp = ls.v[ls.n - 1];
	memmove(&ls.v[1], &ls.v[0], (ls.n - 1) * sizeof(ls.v[0]));
	ls.v[0] = tmp;
	lines_write(fx->log, &ls);
	lines_free(&ls);
	expect_problem(fx, AUDIT_REORDERED, 1);
}

static void
test_tamper_truncated(void **state)
{
	struct fixture *fx = *state;
	struct audit_report rep;
	struct audit *a = NULL;
	char *data;
	size_t len;

	make_standard_log(fx);
	data = slurp(fx->log, &len);
	spit(fx->log, data, len - 1);		/* only the final newline */
	expect_problem(fx, AUDIT_TRUNCATED, 12);
	spit(fx->log, data, len - 50);		/* half a line */
	expect_problem(fx, AUDIT_TRUNCATED, 12);
	/*
	 * The writer cuts an unfinished last line off (an append killed
	 * between write and fsync was never acknowledged), says so, and
	 * goes on from the line before it.
	 */
	assert_int_equal(audit_open(fx->log, fx->k, 4, &a, &rep), 0);
	assert_int_equal(rep.problem, AUDIT_OK);
	assert_int_equal(rep.last_seq, 11);
	assert_non_null(strstr(rep.detail, "unfinished last line"));
	assert_int_equal(audit_append(a, "after.crash", NULL), 0);
	audit_close(a);
	a = NULL;
	assert_int_equal(verify(fx, &rep), 0);
	assert_int_equal(rep.last_seq, 12);
	/* a complete log is opened without a word */
	assert_int_equal(audit_open(fx->log, fx->k, 4, &a, &rep), 0);
	assert_string_equal(rep.detail, "");
	audit_close(a);
	free(data);
}

static void
test_tail_truncation_is_not_seen(void **state)
{
	struct fixture *fx = *state;
	struct audit_report rep;
	struct lines ls;

	/* documented limit: whole lines cut off the end, back to a checkpoint
	 * or not, leave an intact (shorter) log */
	make_standard_log(fx);
	lines_read(fx->log, &ls);
	lines_delete(&ls, 12);
	lines_delete(&ls, 11);
	lines_write(fx->log, &ls);
	lines_free(&ls);
	assert_int_equal(verify(fx, &rep), 0);
	assert_int_equal(rep.last_seq, 10);
	assert_int_equal(rep.unsigned_tail, 0);
}

static void
test_tamper_checkpoints(void **state)
{
	struct fixture *fx = *state;
	struct audit_pubkey other;
	struct audit_key *ok = NULL;
	struct audit_report rep;
	struct lines ls;
	char *p;

	/* a signature changed */
	make_standard_log(fx);
	lines_read(fx->log, &ls);
	p = strstr(ls.v[4], "\"sig\":\"") + strlen("\"sig\":\"");
	*p = *p == '0' ? '1' : '0';
	lines_write(fx->log, &ls);
	lines_free(&ls);
	expect_problem(fx, AUDIT_FORGED, 5);

	/* a checkpoint naming another head */
	unlink(fx->log);
	make_standard_log(fx);
	lines_read(fx->log, &ls);
	p = strstr(ls.v[9], "\"hash\":\"") + strlen("\"hash\":\"");
	*p = *p == 'a' ? 'b' : 'a';
	lines_write(fx->log, &ls);
	lines_free(&ls);
	expect_problem(fx, AUDIT_BAD_CHECKPOINT, 10);

	/* a checkpoint inserted by someone with another key */
	unlink(fx->log);
	make_standard_log(fx);
	assert_int_equal(audit_key_generate(&ok), 0);
	audit_key_public(ok, &other);
	assert_int_equal(audit_verify(fx->log, &other, &rep), CG_ERR_DENIED);
	assert_int_equal(rep.problem, AUDIT_OTHER_KEY);
	assert_int_equal(rep.line, 5);
	assert_int_equal(rep.entries, 4);
	audit_key_free(ok);

	/* a checkpoint with its key id changed to the verifier's, still signed by another */
	{
		struct fixture forger = *fx;
		char real_id[33], forged_id[33];

		assert_int_equal(audit_key_generate(&forger.k), 0);
		snprintf(forger.log, sizeof(forger.log), "%s/forged.log", fx->dir);
		make_log(&forger, 2, 2);
		audit_key_public(forger.k, &other);
		audit_pubkey_id(&other, forged_id);
		audit_pubkey_id(&fx->pub, real_id);
		lines_read(forger.log, &ls);
		line_replace(&ls, 3, forged_id, real_id);
		lines_write(forger.log, &ls);
		lines_free(&ls);
		assert_int_equal(audit_verify(forger.log, &fx->pub, &rep), CG_ERR_DENIED);
		assert_int_equal(rep.problem, AUDIT_FORGED);
		assert_int_equal(rep.line, 3);
		audit_key_free(forger.k);
	}
}

static void
test_tamper_malformed(void **state)
{
	struct fixture *fx = *state;
	struct lines ls;
	FILE *f;
	int i;

	make_standard_log(fx);
	lines_read(fx->log, &ls);
	free(ls.v[1]);
	ls.v[1] = strdup("not json");
	lines_write(fx->log, &ls);
	lines_free(&ls);
	expect_problem(fx, AUDIT_MALFORMED, 2);

	unlink(fx->log);
	make_standard_log(fx);
	lines_read(fx->log, &ls);
	free(ls.v[3]);
	ls.v[3] = strdup("");
	lines_write(fx->log, &ls);
	lines_free(&ls);
	expect_problem(fx, AUDIT_MALFORMED, 4);

	/* same JSON, other spelling: not the canonical line */
	unlink(fx->log);
	make_standard_log(fx);
	lines_read(fx->log, &ls);
	line_replace(&ls, 2, "\"event\":", "\"event\": ");
	lines_write(fx->log, &ls);
	lines_free(&ls);
	expect_problem(fx, AUDIT_MALFORMED, 2);

	/* a line over the cap, after a good one */
	unlink(fx->log);
	make_log(fx, 1, 0);
	f = fopen(fx->log, "ab");
	assert_non_null(f);
	for (i = 0; i < AUDIT_LINE_MAX + 10; i++)
		fputc('x', f);
	fputc('\n', f);
	fclose(f);
	expect_problem(fx, AUDIT_TOO_LONG, 2);
}

static void
test_verify_errors(void **state)
{
	struct fixture *fx = *state;
	struct audit_report rep;

	assert_int_equal(audit_verify(fx->log, &fx->pub, &rep), CG_ERR_NOT_FOUND);
	assert_int_equal(rep.problem, AUDIT_OK);
	assert_true(rep.detail[0] != '\0');
	assert_int_equal(audit_verify(fx->dir, &fx->pub, &rep), CG_ERR_IO);
	/* a FIFO neither hangs the reader nor passes for a log or a key */
	assert_int_equal(mkfifo(fx->log, 0600), 0);
	assert_int_equal(audit_verify(fx->log, &fx->pub, &rep), CG_ERR_IO);
	{
		struct audit_pubkey pub;
		struct audit_key *k = NULL;

		assert_int_equal(audit_pubkey_load(fx->log, &pub), CG_ERR_PARSE);
		assert_int_equal(audit_key_load(fx->log, &k), CG_ERR_DENIED);
		assert_null(k);
	}
	assert_int_equal(audit_verify(NULL, &fx->pub, &rep), CG_ERR_INVALID_ARG);
	assert_int_equal(audit_verify(fx->log, NULL, &rep), CG_ERR_INVALID_ARG);
	assert_int_equal(audit_verify(fx->log, &fx->pub, NULL), CG_ERR_INVALID_ARG);
	assert_int_equal(audit_verify_fd(-1, &fx->pub, &rep), CG_ERR_INVALID_ARG);
	assert_string_equal(audit_problem_name(AUDIT_EDITED), "edited");
	assert_string_equal(audit_problem_name((enum audit_problem)99), "unknown");
}

/* ---------------------------------------------------------- entry parser */

static int
parse(const char *line, const char **why)
{
	struct audit_entry e;

	return audit_entry_parse((const uint8_t *)line, strlen(line), &e, why);
}

#define Z64 "0000000000000000000000000000000000000000000000000000000000000000"
#define T "\"time\":\"2025-01-31T12:00:00.000Z\""

static void
test_entry_parse(void **state)
{
	struct audit_entry e;
	const char *why = NULL;
	const char *good = "{\"seq\":1," T ",\"event\":\"check\",\"what\":{\"a\":1},\"prev\":\"" Z64 "\"}";
	const char *cp = "{\"seq\":2," T ",\"event\":\"checkpoint\",\"checkpoint\":{\"hash\":\"" Z64
	    "\",\"key_id\":\"00000000000000000000000000000000\",\"seq\":1,\"sig\":\"" Z64 Z64
	    "\"},\"prev\":\"" Z64 "\"}";

	(void)state;
	assert_int_equal(audit_entry_parse((const uint8_t *)good, strlen(good), &e, &why), 0);
	assert_null(why);
	assert_int_equal(e.seq, 1);
	assert_string_equal(e.time, "2025-01-31T12:00:00.000Z");
	assert_int_equal(audit_entry_parse((const uint8_t *)cp, strlen(cp), &e, &why), 0);
	assert_true(e.is_checkpoint);
	assert_int_equal(e.cp_seq, 1);

	/* other spellings of the same entry */
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"what\":{\"a\":1},"
	    "\"prev\":\"" Z64 "\"} ", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{" T ",\"seq\":1,\"event\":\"check\",\"prev\":\"" Z64 "\"}", &why),
	    CG_ERR_PARSE);
	assert_string_equal(why, "not in canonical form (member order, whitespace, escapes or number spelling)");
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"what\":{\"b\":1,\"a\":1},"
	    "\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"what\":{\"a\":\"\\u0041\"},"
	    "\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"what\":{\"a\":\"\\/\"},"
	    "\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"what\":{\"a\":-0},"
	    "\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"what\":{\"a\":1.50},"
	    "\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"what\":{\"a\":1.0},"
	    "\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"what\":{\"a\":"
	    "9007199254740993},\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_non_null(strstr(why, "beyond 2^53"));
	assert_int_equal(parse("{\"seq\":9007199254740993," T ",\"event\":\"check\",\"prev\":\""
	    Z64 "\"}", &why), CG_ERR_PARSE);
	/* fractions in their one RFC 8785 spelling are fine */
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"what\":{\"a\":1.5,"
	    "\"b\":1e+21,\"c\":1e-7},\"prev\":\"" Z64 "\"}", &why), 0);
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"what\":{\"a\":1e3},"
	    "\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"what\":{\"a\":"
	    "99999999999999999999},\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	/* the schema */
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"extra\":1,"
	    "\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_string_equal(why, "unknown field");
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"what\":{\"a\":1},\"what\":{},"
	    "\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":0," T ",\"event\":\"check\",\"prev\":\"" Z64 "\"}", &why),
	    CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":\"1\"," T ",\"event\":\"check\",\"prev\":\"" Z64 "\"}", &why),
	    CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1,\"time\":\"2025-13-31T12:00:00.000Z\",\"event\":\"check\","
	    "\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1,\"time\":\"2025-01-31 12:00:00.000Z\",\"event\":\"check\","
	    "\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1,\"time\":\"2025-01-31T12:00:00Z\",\"event\":\"check\","
	    "\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"Check\",\"prev\":\"" Z64 "\"}", &why),
	    CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"prev\":\"" Z64 "0\"}", &why),
	    CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"prev\":"
	    "\"A000000000000000000000000000000000000000000000000000000000000000\"}", &why),
	    CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\"}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"who\":\"me\",\"prev\":\"" Z64 "\"}",
	    &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"check\",\"decision\":\"\",\"prev\":\"" Z64 "\"}",
	    &why), CG_ERR_PARSE);
	/* checkpoints carry exactly their own object */
	assert_int_equal(parse("{\"seq\":1," T ",\"event\":\"checkpoint\",\"prev\":\"" Z64 "\"}", &why),
	    CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":2," T ",\"event\":\"checkpoint\",\"who\":{},\"checkpoint\":"
	    "{\"hash\":\"" Z64 "\",\"key_id\":\"00000000000000000000000000000000\",\"seq\":1,"
	    "\"sig\":\"" Z64 Z64 "\"},\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":2," T ",\"event\":\"check\",\"checkpoint\":"
	    "{\"hash\":\"" Z64 "\",\"key_id\":\"00000000000000000000000000000000\",\"seq\":1,"
	    "\"sig\":\"" Z64 Z64 "\"},\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":2," T ",\"event\":\"checkpoint\",\"checkpoint\":"
	    "{\"hash\":\"" Z64 "\",\"key_id\":\"00000000000000000000000000000000\",\"seq\":1},"
	    "\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	assert_int_equal(parse("{\"seq\":2," T ",\"event\":\"checkpoint\",\"checkpoint\":"
	    "{\"hash\":\"" Z64 "\",\"key_id\":\"000000000000000000000000000000\",\"seq\":1,"
	    "\"sig\":\"" Z64 Z64 "\"},\"prev\":\"" Z64 "\"}", &why), CG_ERR_PARSE);
	/* not an object, not JSON */
	assert_int_equal(parse("[1]", &why), CG_ERR_PARSE);
	assert_int_equal(parse("", &why), CG_ERR_PARSE);
	assert_int_equal(audit_entry_parse(NULL, 0, &e, NULL), CG_ERR_PARSE);
	assert_int_equal(audit_entry_parse((const uint8_t *)good, strlen(good), NULL, NULL),
	    CG_ERR_INVALID_ARG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key_save_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_load_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pubkey_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_canonical_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_and_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_unsigned_logs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses_broken_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_edited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_edited_and_rechained, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_reordered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_truncation_is_not_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_checkpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_errors, setup, teardown),
		cmocka_unit_test(test_entry_parse),
	};

	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}

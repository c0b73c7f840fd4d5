/* Unit tests for policy snapshot files (gate/policy_snapshot.c) and reading them through the cache. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "policy_cache.h"
#include "policy_snapshot.h"

#define KEY_ARN	"arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
#define DOC	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\"}]}"
#define KEY_DOC	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111111111111:root\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}"
#define T0	((time_t)1764526800)	/* 2025-11-30T18:20:00Z */

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	(void)snprintf(dir, sizeof(dir), "/tmp/cmkgate-snapshot-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static struct cg_buf *
buf(void)
{
	struct cg_buf *b = NULL;

	assert_int_equal(cg_buf_new(SNAPSHOT_FILE_MAX, &b), 0);
	return b;
}

static void
test_file_names(void **state)
{
	char f[128];

	(void)state;
	assert_int_equal(snapshot_role_file("cmkgate-operator", f, sizeof(f)), 0);
	assert_string_equal(f, "cmkgate-operator.json");
	assert_int_equal(snapshot_role_file("a+b=c,d.e@f_g", f, sizeof(f)), 0);
	assert_int_equal(snapshot_key_file(KEY_ARN, f, sizeof(f)), 0);
	assert_string_equal(f, "1234abcd-12ab-34cd-56ef-1234567890ab.json");
	/* nothing that could leave the directory or hide */
	assert_int_equal(snapshot_role_file("../etc", f, sizeof(f)), CG_ERR_INVALID_ARG);
	assert_int_equal(snapshot_role_file("a/b", f, sizeof(f)), CG_ERR_INVALID_ARG);
	assert_int_equal(snapshot_role_file(".hidden", f, sizeof(f)), CG_ERR_INVALID_ARG);
	assert_int_equal(snapshot_role_file("", f, sizeof(f)), CG_ERR_INVALID_ARG);
	assert_int_equal(snapshot_key_file("arn:aws:kms:eu-west-1:1:key/../x", f, sizeof(f)),
	    CG_ERR_INVALID_ARG);
	assert_int_equal(snapshot_key_file("alias/x", f, sizeof(f)), CG_ERR_INVALID_ARG);
	assert_int_equal(snapshot_key_file("arn:aws:kms:eu-west-1:1:alias/x", f, sizeof(f)),
	    CG_ERR_INVALID_ARG);
}

static void
test_round_trip(void **state)
{
	const char *names[] = { "inline-1", "arn:aws:iam::111111111111:policy/managed" };
	const char *docs[] = { DOC, DOC };
	struct cg_buf *text = buf(), *why = buf();
	struct snapshot_role sr;
	char *doc = NULL;

	(void)state;
	assert_int_equal(snapshot_role_text("ops", names, docs, 2, DOC, T0, text, why), 0);
	assert_non_null(strstr((const char *)cg_buf_ptr(text), "\"synced\": \"2025-11-30T18:20:00Z\""));
	assert_int_equal(snapshot_role_parse((const char *)cg_buf_ptr(text), cg_buf_len(text),
	    "ops", &sr, why), 0);
	assert_int_equal(sr.n, 2);
	assert_string_equal(sr.names[1], names[1]);
	assert_non_null(strstr(sr.docs[0], "kms:*"));
	assert_non_null(sr.boundary);
	snapshot_role_clear(&sr);
	/* the file names its role: another role's file is refused */
	assert_int_equal(snapshot_role_parse((const char *)cg_buf_ptr(text), cg_buf_len(text),
	    "other", &sr, why), CG_ERR_PARSE);

	cg_buf_reset(text);
	assert_int_equal(snapshot_key_text(KEY_ARN, DOC, T0, text, why), 0);
	assert_int_equal(snapshot_key_parse((const char *)cg_buf_ptr(text), cg_buf_len(text),
	    KEY_ARN, &doc, why), 0);
	assert_non_null(strstr(doc, "kms:*"));
	free(doc);
	assert_int_equal(snapshot_key_parse((const char *)cg_buf_ptr(text), cg_buf_len(text),
	    "arn:aws:kms:eu-west-1:111111111111:key/other", &doc, why), CG_ERR_PARSE);
	/* a document that is not an object is not written */
	cg_buf_reset(text);
	assert_true(snapshot_key_text(KEY_ARN, "[1]", T0, text, why) < 0);
	assert_true(snapshot_key_text(KEY_ARN, "{", T0, text, why) < 0);
	cg_buf_free(text);
	cg_buf_free(why);
}

#define HEAD "{\"format\":\"" SNAPSHOT_FORMAT "\",\"synced\":\"2025-11-30T18:20:00Z\","

static const char *const bad_roles[] = {
	"",
	"[]",
	"{}",
	HEAD "\"kind\":\"role\",\"name\":\"ops\"}",					/* no policies */
	HEAD "\"kind\":\"key\",\"name\":\"ops\",\"policies\":[]}",			/* kind */
	"{\"format\":\"v0\",\"synced\":\"2025-11-30T18:20:00Z\",\"kind\":\"role\",\"name\":\"ops\",\"policies\":[]}",
	HEAD "\"kind\":\"role\",\"name\":\"ops\",\"policies\":[],\"extra\":1}",		/* unknown */
	HEAD "\"kind\":\"role\",\"name\":\"ops\",\"policies\":{}}",
	HEAD "\"kind\":\"role\",\"name\":\"ops\",\"policies\":[{\"name\":\"p\"}]}",	/* no document */
	HEAD "\"kind\":\"role\",\"name\":\"ops\",\"policies\":[{\"name\":\"p\",\"document\":\"{}\"}]}",
	HEAD "\"kind\":\"role\",\"name\":\"ops\",\"policies\":[{\"name\":\"\",\"document\":{}}]}",
	HEAD "\"kind\":\"role\",\"name\":\"ops\",\"policies\":[{\"name\":\"p\",\"document\":{},\"x\":1}]}",
	HEAD "\"kind\":\"role\",\"name\":\"ops\",\"policies\":[],\"boundary\":[]}",
	HEAD "\"kind\":\"role\",\"name\":\"ops\",\"name\":\"ops\",\"policies\":[]}",	/* duplicate */
	"{\"format\":\"" SNAPSHOT_FORMAT "\",\"synced\":\"yesterday\",\"kind\":\"role\",\"name\":\"ops\",\"policies\":[]}",
	HEAD "\"kind\":\"role\",\"name\":\"ops\",\"policies\":[]} trailing",
};

static void
test_strict_parsing(void **state)
{
	struct cg_buf *why = buf();
	struct snapshot_role sr;
	char *doc = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_roles) / sizeof(bad_roles[0]); i++) {
		memset(&sr, 0x5a, sizeof(sr));
		cg_buf_reset(why);
		if (snapshot_role_parse(bad_roles[i], strlen(bad_roles[i]), "ops", &sr, why) >= 0)
			fail_msg("accepted bad role file %zu: %s", i, bad_roles[i]);
		assert_true(cg_buf_len(why) > 0);
		assert_int_equal(((unsigned char *)&sr)[0], 0x5a);	/* untouched */
	}
	assert_int_equal(snapshot_role_parse(HEAD "\"kind\":\"role\",\"name\":\"ops\",\"policies\":[]}",
	    strlen(HEAD "\"kind\":\"role\",\"name\":\"ops\",\"policies\":[]}"), "ops", &sr, why), 0);
	assert_int_equal(sr.n, 0);
	assert_null(sr.boundary);
	snapshot_role_clear(&sr);
	/* a key file needs every member */
	assert_true(snapshot_key_parse(HEAD "\"kind\":\"key\",\"arn\":\"" KEY_ARN "\"}",
	    strlen(HEAD "\"kind\":\"key\",\"arn\":\"" KEY_ARN "\"}"), KEY_ARN, &doc, why) < 0);
	assert_null(doc);
	cg_buf_free(why);
}

static void
test_files_and_cache(void **state)
{
	const char *names[] = { "inline" };
	const char *docs[] = { DOC };
	struct cg_buf *text = buf(), *why = buf(), *back = buf();
	struct policy_cache *pc = NULL;
	struct pc_entry *e = NULL;
	char path[256];

	(void)state;
	assert_int_equal(snapshot_role_text("ops", names, docs, 1, NULL, T0, text, why), 0);
	assert_int_equal(snapshot_write(dir, "roles", "ops.json", text, why), 0);
	assert_int_equal(snapshot_read(dir, "roles", "ops.json", back, why), 0);
	assert_int_equal(cg_buf_len(back), cg_buf_len(text));
	cg_buf_reset(text);
	assert_int_equal(snapshot_key_text(KEY_ARN, KEY_DOC, T0, text, why), 0);
	assert_int_equal(snapshot_write(dir, "keys", "1234abcd-12ab-34cd-56ef-1234567890ab.json",
	    text, why), 0);

	/* the cache reads them instead of AWS (no client: NULL must never be used) */
	assert_int_equal(policy_cache_new(0, &pc), 0);
	assert_int_equal(policy_cache_use_directory(pc, dir), 0);
	assert_int_equal(policy_cache_role(pc, NULL, "ops", 0, &e, why), 0);
	assert_int_equal(e->nidentity, 1);
	assert_null(e->boundary);
	pc_entry_release(e);
	assert_int_equal(policy_cache_key(pc, NULL, KEY_ARN, 0, &e, why), 0);
	assert_non_null(e->key_policy);
	pc_entry_release(e);
	/* a missing file says which command writes it */
	cg_buf_reset(why);
	assert_int_equal(policy_cache_role(pc, NULL, "absent", 0, &e, why), CG_ERR_NOT_FOUND);
	assert_non_null(strstr((const char *)cg_buf_ptr(why), "cmkgate policy sync"));

	/* a file others may write is refused, and so is a symlink */
	(void)snprintf(path, sizeof(path), "%s/roles/ops.json", dir);
	assert_int_equal(chmod(path, 0666), 0);
	cg_buf_reset(back);
	assert_int_equal(snapshot_read(dir, "roles", "ops.json", back, why), CG_ERR_DENIED);
	assert_int_equal(policy_cache_role(pc, NULL, "ops", 0, &e, why), CG_ERR_DENIED);
	assert_int_equal(chmod(path, 0644), 0);
	(void)snprintf(path, sizeof(path), "%s/roles/link.json", dir);
	assert_int_equal(symlink("ops.json", path), 0);
	assert_int_equal(snapshot_read(dir, "roles", "link.json", back, why), CG_ERR_DENIED);
	/* a directory others may write could have an old file renamed into place */
	(void)snprintf(path, sizeof(path), "%s/roles", dir);
	assert_int_equal(chmod(path, 0777), 0);
	assert_int_equal(snapshot_read(dir, "roles", "ops.json", back, why), CG_ERR_DENIED);
	assert_int_equal(chmod(path, 0755), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(snapshot_read(dir, "roles", "ops.json", back, why), CG_ERR_DENIED);
	assert_int_equal(chmod(dir, 0700), 0);
	cg_buf_reset(back);
	assert_int_equal(snapshot_read(dir, "roles", "ops.json", back, why), 0);
	policy_cache_free(pc);
	cg_buf_free(text);
	cg_buf_free(why);
	cg_buf_free(back);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_names),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_strict_parsing),
		cmocka_unit_test_setup_teardown(test_files_and_cache, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

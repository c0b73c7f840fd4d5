/* Unit tests for the request store (gate/store.c, gate/store_sqlite.c): the
 * state machine, ids, every field through a round trip, compare-and-set
 * between two handles, listing, expiry, migrations, refusing files, and
 * store_check() noticing hand-made damage. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "store.h"

struct fixture {
	char		 dir[512];
	char		 path[PATH_MAX];
	struct store	*s;
	struct cg_buf	*why;
};

/* The fields of every test request; char arrays because the struct holds char *. */
static char f_operation[] = "UpdateApplication";
static char f_alice[] = "alice";
static char f_bob[] = "bob";
static char f_principal[] = "arn:aws:iam::111111111111:role/cmkgate-operator";
static char f_region[] = "eu-west-1";
static char f_reason[] = "rotate the key, ticket OPS-1";
static char f_digest[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static char f_input[] = "{\"ApplicationName\":\"orders\",\"CurrentApplicationVersionId\":3}";
static char f_record[] = "{\"decision\":\"pending\",\"rules\":[]}";
static char f_record2[] = "{\"decision\":\"approved\",\"approvers\":[\"bob\",\"carol\"]}";

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
	snprintf(fx->dir, sizeof(fx->dir), "%s/test-store-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/cmkgate.db", fx->dir);
	assert_int_equal(cg_buf_new(8192, &fx->why), 0);
	assert_int_equal(store_open_sqlite(fx->path, &fx->s, fx->why), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	store_close(fx->s);
	cg_buf_free(fx->why);
	nftw(fx->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* why as a string, then emptied for the next call. */
static const char *
why_text(struct fixture *fx)
{
	static char copy[8192];
	const char *s = NULL;

	assert_int_equal(cg_buf_cstr(fx->why, &s), 0);
	snprintf(copy, sizeof(copy), "%s", s);
	cg_buf_reset(fx->why);
	return copy;
}

static void
assert_why(struct fixture *fx, const char *part)
{
	const char *w = why_text(fx);

	if (strstr(w, part) == NULL || strncmp(w, "store: ", 7) != 0)
		fail_msg("why is \"%s\", expected \"store: ...%s...\"", w, part);
}

static void
req_fill(struct store_request *r, enum store_state state, int64_t created_ms)
{
	memset(r, 0, sizeof(*r));
	store_new_id(r->id);
	r->state = state;
	r->operation = f_operation;
	r->operator_name = f_alice;
	r->principal = f_principal;
	r->region = f_region;
	r->reason = f_reason;
	r->digest = f_digest;
	r->input = f_input;
	r->record = f_record;
	r->created_ms = created_ms;
	r->updated_ms = created_ms;
	r->expires_ms = created_ms + 1000;
}

/* Creates a request and returns its id in id. */
static void
add(struct fixture *fx, enum store_state state, int64_t created_ms, int64_t expires_ms,
    char *operator_name, char id[STORE_ID_SIZE])
{
	struct store_request r;

	req_fill(&r, state, created_ms);
	r.expires_ms = expires_ms;
	r.operator_name = operator_name;
	assert_int_equal(store_create(fx->s, &r, "created", fx->why), 0);
	memcpy(id, r.id, STORE_ID_SIZE);
}

/* A request in any state: created in its first state, then moved. */
static void
reach(struct fixture *fx, enum store_state state, char id[STORE_ID_SIZE])
{
	enum store_state first = state == STORE_EXPIRED ? STORE_PENDING :
	    state == STORE_ISSUED ? STORE_APPROVED : state;

	add(fx, first, 1000, 2000, f_alice, id);
	if (state != first)
		assert_int_equal(store_transition(fx->s, id, first, state, 1500, "moved", NULL,
		    fx->why), 0);
}

static struct store_request *
get(struct fixture *fx, const char *id)
{
	struct store_request *r = NULL;

	assert_int_equal(store_get(fx->s, id, &r, fx->why), 0);
	assert_non_null(r);
	return r;
}

/*
 * SQL by hand, as somebody with the file would do it: each statement in
 * sql, with ?1 bound to id in those that have it.
 */
static void
raw_exec(const char *path, const char *sql, const char *id)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	const char *next = sql;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	while (*next != '\0') {
		assert_int_equal(sqlite3_prepare_v2(db, next, -1, &stmt, &next), SQLITE_OK);
		if (stmt == NULL)
			break;		/* only white space was left */
		if (sqlite3_bind_parameter_count(stmt) > 0)
			assert_int_equal(sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC),
			    SQLITE_OK);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			fail_msg("%s: %s", sql, sqlite3_errmsg(db));
		sqlite3_finalize(stmt);
	}
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	int64_t v;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	return v;
}

/* A string of n copies of c (the caller frees). */
static char *
filled(size_t n, char c)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void
make_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	assert_int_equal(close(fd), 0);
}

/* --------------------------------------------------- the state machine */

static void
test_state_names(void **state)
{
	enum store_state st, got;

	(void)state;
	for (st = STORE_PENDING; st <= STORE_ISSUED; st++) {
		assert_int_equal(store_state_lookup(store_state_name(st), &got), 0);
		assert_int_equal(got, st);
	}
	assert_string_equal(store_state_name(STORE_PENDING), "pending");
	assert_string_equal(store_state_name(STORE_ISSUED), "issued");
	assert_string_equal(store_state_name(0), "?");
	assert_string_equal(store_state_name(STORE_ISSUED + 1), "?");
	got = STORE_DENIED;
	assert_int_equal(store_state_lookup("PENDING", &got), CG_ERR_NOT_FOUND);
	assert_int_equal(store_state_lookup("", &got), CG_ERR_NOT_FOUND);
	assert_int_equal(store_state_lookup("?", &got), CG_ERR_NOT_FOUND);
	assert_int_equal(got, STORE_DENIED);
	assert_int_equal(store_state_lookup(NULL, &got), CG_ERR_INVALID_ARG);
	assert_int_equal(store_state_lookup("pending", NULL), CG_ERR_INVALID_ARG);
}

static bool
is_arrow(int from, int to)
{
	static const int arrows[][2] = {
		{ STORE_PENDING, STORE_APPROVED },
		{ STORE_PENDING, STORE_DENIED },
		{ STORE_PENDING, STORE_EXPIRED },
		{ STORE_APPROVED, STORE_ISSUED },
		{ STORE_APPROVED, STORE_EXPIRED },
	};
	size_t i;

	for (i = 0; i < sizeof(arrows) / sizeof(arrows[0]); i++)
		if (arrows[i][0] == from && arrows[i][1] == to)
			return true;
	return false;
}

static void
test_transition_table(void **state)
{
	int from, to, n = 0;

	(void)state;
	for (from = 0; from <= STORE_ISSUED + 1; from++)
		for (to = 0; to <= STORE_ISSUED + 1; to++) {
			assert_int_equal(store_transition_allowed(from, to), is_arrow(from, to));
			n += store_transition_allowed(from, to);
		}
	assert_int_equal(n, 5);
}

/* ------------------------------------------------------------------ ids */

static void
test_ids(void **state)
{
	static const char *const bad[] = {
		"",
		"r-",
		"r-0123456789abcdef0123456789abcde",	/* 31 digits */
		"r-0123456789abcdef0123456789abcdef0",	/* 33 */
		"r-0123456789ABCDEF0123456789abcdef",	/* upper case */
		"r-0123456789abcdeg0123456789abcdef",
		"R-0123456789abcdef0123456789abcdef",
		"x-0123456789abcdef0123456789abcdef",
		"r_0123456789abcdef0123456789abcdef",
		"r-0123456789abcdef 123456789abcdef",
		"r-0123456789abcdef0123456789abcdef\n",
		" r-0123456789abcdef0123456789abcdef",
		"r--123456789abcdef0123456789abcdef",
	};
	char id[STORE_ID_SIZE], prev[STORE_ID_SIZE] = "";
	size_t i, j;

	(void)state;
	for (i = 0; i < 200; i++) {
		store_new_id(id);
		assert_int_equal(strlen(id), STORE_ID_LEN);
		assert_memory_equal(id, "r-", 2);
		for (j = 2; j < STORE_ID_LEN; j++)
			assert_non_null(strchr("0123456789abcdef", id[j]));
		assert_true(store_id_valid(id));
		assert_string_not_equal(id, prev);
		memcpy(prev, id, sizeof(id));
	}
	assert_true(store_id_valid("r-0123456789abcdef0123456789abcdef"));
	assert_false(store_id_valid(NULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (store_id_valid(bad[i]))
			fail_msg("\"%s\" was taken for an id", bad[i]);
}

/* ------------------------------------------------------ open, migrations */

static void
test_open_fresh(void **state)
{
	struct fixture *fx = *state;
	struct stat st;

	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(store_schema_version() >= 1);
	assert_int_equal(raw_int(fx->path, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(raw_int(fx->path, "PRAGMA application_id"), 0x434d4b47);
	assert_int_equal(raw_int(fx->path,
	    "SELECT count(*) FROM sqlite_master WHERE name IN ('requests', 'events')"), 2);
	assert_int_equal(raw_int(fx->path,
	    "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
	assert_int_equal(store_check(fx->s, fx->why), 0);
}

static void
test_reopen_keeps_data(void **state)
{
	struct fixture *fx = *state;
	struct store_request *r;
	struct store_event *ev = NULL;
	size_t n = 0;
	char id[STORE_ID_SIZE];

	add(fx, STORE_PENDING, 1000, 9000, f_alice, id);
	assert_int_equal(store_transition(fx->s, id, STORE_PENDING, STORE_APPROVED, 2000,
	    "approved", f_record2, fx->why), 0);
	store_close(fx->s);
	fx->s = NULL;
	assert_int_equal(store_open_sqlite(fx->path, &fx->s, fx->why), 0);
	r = get(fx, id);
	assert_int_equal(r->state, STORE_APPROVED);
	assert_int_equal(r->version, 2);
	assert_string_equal(r->record, f_record2);
	store_request_free(r);
	assert_int_equal(store_history(fx->s, id, &ev, &n, fx->why), 0);
	assert_int_equal(n, 2);
	store_events_free(ev, n);
	assert_int_equal(store_check(fx->s, fx->why), 0);
	assert_int_equal(raw_int(fx->path, "PRAGMA user_version"), store_schema_version());
}

/*
 * A store written before request digests had versions (schema 1): it is
 * migrated, its requests read as digest version 0, new ones keep theirs.
 */
static void
test_digest_version_migration(void **state)
{
	struct fixture *fx = *state;
	struct store_request req, *r;
	char old[STORE_ID_SIZE];

	add(fx, STORE_PENDING, 1000, 9000, f_alice, old);
	store_close(fx->s);
	fx->s = NULL;
	raw_exec(fx->path, "ALTER TABLE requests DROP COLUMN digest_version; "
	    "PRAGMA user_version = 1;", NULL);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM pragma_table_info('requests') "
	    "WHERE name = 'digest_version'"), 0);
	assert_int_equal(store_open_sqlite(fx->path, &fx->s, fx->why), 0);
	assert_int_equal(raw_int(fx->path, "PRAGMA user_version"), store_schema_version());
	r = get(fx, old);
	assert_int_equal(r->digest_version, 0);
	store_request_free(r);
	req_fill(&req, STORE_PENDING, 2000);
	req.digest_version = 1;
	assert_int_equal(store_create(fx->s, &req, "created", fx->why), 0);
	r = get(fx, req.id);
	assert_int_equal(r->digest_version, 1);
	store_request_free(r);
	/* a version this build does not know is refused before anything is written */
	req_fill(&req, STORE_PENDING, 3000);
	req.digest_version = STORE_DIGEST_VERSION_MAX + 1;
	assert_int_equal(store_create(fx->s, &req, "created", fx->why), CG_ERR_INVALID_ARG);
	assert_why(fx, "digest version");
	assert_int_equal(store_check(fx->s, fx->why), 0);
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *fx = *state;
	struct store *s = NULL;
	char sql[64];

	store_close(fx->s);
	fx->s = NULL;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", store_schema_version() + 1);
	raw_exec(fx->path, sql, NULL);
	assert_int_equal(store_open_sqlite(fx->path, &s, fx->why), CG_ERR_DENIED);
	assert_null(s);
	assert_why(fx, "newer than this build");
	/* and it was left alone */
	assert_int_equal(raw_int(fx->path, "PRAGMA user_version"), store_schema_version() + 1);
}

static void
test_foreign_database_refused(void **state)
{
	struct fixture *fx = *state;
	struct store *s = NULL;
	char path[PATH_MAX];

	/* somebody else's database, with our mode: not ours to migrate */
	snprintf(path, sizeof(path), "%s/other.db", fx->dir);
	make_file(path, "", 0600);
	raw_exec(path, "CREATE TABLE t (x INTEGER)", NULL);
	assert_int_equal(store_open_sqlite(path, &s, fx->why), CG_ERR_DENIED);
	assert_why(fx, "not a cmkgate store");
	assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_master"), 1);

	/* ours by schema version, but another program's application_id */
	raw_exec(fx->path, "PRAGMA application_id = 7", NULL);
	store_close(fx->s);
	fx->s = NULL;
	assert_int_equal(store_open_sqlite(fx->path, &s, fx->why), CG_ERR_DENIED);
	assert_why(fx, "not a cmkgate store");

	/* not a database at all */
	snprintf(path, sizeof(path), "%s/garbage.db", fx->dir);
	make_file(path, "this is not an SQLite file, though it is long enough to have a "
	    "header where SQLite looks for its magic string, and then some more bytes", 0600);
	assert_true(store_open_sqlite(path, &s, fx->why) < 0);
	assert_null(s);
	assert_why(fx, "not a database");
}

static void
test_open_refuses(void **state)
{
	struct fixture *fx = *state;
	struct store *s = NULL;
	char path[PATH_MAX], target[PATH_MAX];
	struct stat st;

	/* a symlink to a good store */
	snprintf(path, sizeof(path), "%s/link.db", fx->dir);
	assert_int_equal(symlink(fx->path, path), 0);
	assert_int_equal(store_open_sqlite(path, &s, fx->why), CG_ERR_DENIED);
	assert_null(s);
	assert_why(fx, "symlink");

	/* a dangling symlink: nothing is created where it points */
	snprintf(path, sizeof(path), "%s/dangling.db", fx->dir);
	snprintf(target, sizeof(target), "%s/target.db", fx->dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(store_open_sqlite(path, &s, fx->why), CG_ERR_DENIED);
	assert_why(fx, "symlink");
	assert_int_equal(lstat(target, &st), -1);

	/* a directory */
	assert_int_equal(store_open_sqlite(fx->dir, &s, fx->why), CG_ERR_DENIED);
	why_text(fx);

	/* readable by others */
	snprintf(path, sizeof(path), "%s/open.db", fx->dir);
	make_file(path, "", 0644);
	assert_int_equal(store_open_sqlite(path, &s, fx->why), CG_ERR_DENIED);
	assert_why(fx, "mode 0600");

	/* a missing directory */
	snprintf(path, sizeof(path), "%s/missing/cmkgate.db", fx->dir);
	assert_int_equal(store_open_sqlite(path, &s, fx->why), CG_ERR_NOT_FOUND);
	why_text(fx);

	assert_int_equal(store_open_sqlite(NULL, &s, fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_open_sqlite("", &s, fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_open_sqlite(fx->path, NULL, fx->why), CG_ERR_INVALID_ARG);
	assert_null(s);
}

/* ------------------------------------------------------- create and get */

static void
test_create_get_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct store_request req, *r;
	struct store_event *ev = NULL;
	size_t n = 0;

	req_fill(&req, STORE_PENDING, 1700000000123);
	req.operator_name = f_bob;
	req.expires_ms = 1700086400123;
	req.updated_ms = 5;		/* set by the store: created_ms */
	req.version = 77;		/* set by the store: 1 */
	assert_int_equal(store_create(fx->s, &req, "checked by the gate", fx->why), 0);
	r = get(fx, req.id);
	assert_string_equal(r->id, req.id);
	assert_int_equal(r->state, STORE_PENDING);
	assert_string_equal(r->operation, f_operation);
	assert_string_equal(r->operator_name, f_bob);
	assert_string_equal(r->principal, f_principal);
	assert_string_equal(r->region, f_region);
	assert_string_equal(r->reason, f_reason);
	assert_string_equal(r->digest, f_digest);
	assert_string_equal(r->input, f_input);
	assert_string_equal(r->record, f_record);
	assert_int_equal(r->created_ms, 1700000000123);
	assert_int_equal(r->updated_ms, 1700000000123);
	assert_int_equal(r->expires_ms, 1700086400123);
	assert_int_equal(r->version, 1);
	store_request_free(r);

	assert_int_equal(store_history(fx->s, req.id, &ev, &n, fx->why), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].from, 0);
	assert_int_equal(ev[0].to, STORE_PENDING);
	assert_int_equal(ev[0].at_ms, 1700000000123);
	assert_string_equal(ev[0].note, "checked by the gate");
	store_events_free(ev, n);

	/* created approved or denied, an empty reason and note */
	req_fill(&req, STORE_DENIED, 0);
	req.reason = f_reason + strlen(f_reason);
	req.expires_ms = 0;
	assert_int_equal(store_create(fx->s, &req, "", fx->why), 0);
	r = get(fx, req.id);
	assert_int_equal(r->state, STORE_DENIED);
	assert_string_equal(r->reason, "");
	store_request_free(r);
	req_fill(&req, STORE_APPROVED, 10);
	assert_int_equal(store_create(fx->s, &req, "n", fx->why), 0);

	/* a missing one, and unusable arguments */
	store_new_id(req.id);
	r = NULL;
	assert_int_equal(store_get(fx->s, req.id, &r, fx->why), CG_ERR_NOT_FOUND);
	assert_why(fx, "no request");
	assert_int_equal(store_get(fx->s, "r-nope", &r, fx->why), CG_ERR_INVALID_ARG);
	assert_why(fx, "request id");
	assert_int_equal(store_get(fx->s, NULL, &r, fx->why), CG_ERR_INVALID_ARG);
	why_text(fx);
	assert_int_equal(store_get(NULL, req.id, &r, fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_get(fx->s, req.id, NULL, fx->why), CG_ERR_INVALID_ARG);
	assert_null(r);
	assert_int_equal(store_check(fx->s, fx->why), 0);
}

static void
test_create_duplicate(void **state)
{
	struct fixture *fx = *state;
	struct store_request req, *r;
	struct store_event *ev = NULL;
	size_t n = 0;

	req_fill(&req, STORE_PENDING, 1000);
	assert_int_equal(store_create(fx->s, &req, "first", fx->why), 0);
	req.state = STORE_APPROVED;
	req.operator_name = f_bob;
	req.record = f_record2;
	assert_int_equal(store_create(fx->s, &req, "second", fx->why), CG_ERR_DENIED);
	assert_why(fx, "exists");
	r = get(fx, req.id);
	assert_int_equal(r->state, STORE_PENDING);
	assert_string_equal(r->operator_name, f_alice);
	assert_string_equal(r->record, f_record);
	store_request_free(r);
	assert_int_equal(store_history(fx->s, req.id, &ev, &n, fx->why), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].note, "first");
	store_events_free(ev, n);
	assert_int_equal(store_check(fx->s, fx->why), 0);
}

enum { N_BAD_CREATES = 26 };

/* Spoils one field of r (case i); returns what store_create must answer. */
static int
spoil(struct store_request *r, const char **note, int i, char *big, char *long_field)
{
	static char short_digest[] = "0123456789abcdef";
	static char upper_digest[] =
	    "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef";
	static char hex_but_long[] =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0";
	static char empty[] = "";

	switch (i) {
	case 0: memcpy(r->id, "r-0123456789abcdef0123456789ABCDEF", STORE_ID_SIZE); break;
	case 1: r->id[0] = '\0'; break;
	case 2: r->state = STORE_EXPIRED; break;
	case 3: r->state = STORE_ISSUED; break;
	case 4: r->state = 0; break;
	case 5: r->state = STORE_ISSUED + 1; break;
	case 6: r->operation = NULL; break;
	case 7: r->operation = empty; break;
	case 8: r->operator_name = NULL; break;
	case 9: r->operator_name = empty; break;
	case 10: r->principal = NULL; break;
	case 11: r->region = empty; break;
	case 12: r->reason = NULL; break;
	case 13: r->digest = short_digest; break;
	case 14: r->digest = upper_digest; break;
	case 15: r->digest = hex_but_long; break;
	case 16: r->digest = NULL; break;
	case 17: r->input = NULL; break;
	case 18: r->record = empty; break;
	case 19: r->created_ms = -1; break;
	case 20: r->expires_ms = r->created_ms - 1; break;
	case 21: *note = NULL; break;
	case 22: r->principal = long_field; break;
	case 23: *note = long_field; break;
	case 24: r->input = big; return CG_ERR_LIMIT;
	case 25: r->record = big; return CG_ERR_LIMIT;
	default: fail();
	}
	return CG_ERR_INVALID_ARG;
}

static void
test_create_invalid(void **state)
{
	struct fixture *fx = *state;
	struct store_request req, *r = NULL;
	char *big = filled(STORE_TEXT_MAX + 1, 'x');
	char *long_field = filled(4097, 'a');
	const char *note;
	uint64_t counts[STORE_ISSUED + 1];
	int i, want;

	for (i = 0; i < N_BAD_CREATES; i++) {
		req_fill(&req, STORE_PENDING, 1000);
		note = "n";
		want = spoil(&req, &note, i, big, long_field);
		if (store_create(fx->s, &req, note, fx->why) != want)
			fail_msg("bad request %d: not refused with %d", i, want);
		assert_why(fx, "");
		if (store_id_valid(req.id))
			assert_int_equal(store_get(fx->s, req.id, &r, fx->why), CG_ERR_NOT_FOUND);
		why_text(fx);
	}
	/* exactly at the limit is fine */
	big[STORE_TEXT_MAX] = '\0';
	req_fill(&req, STORE_PENDING, 1000);
	req.input = big;
	req.record = big;
	assert_int_equal(store_create(fx->s, &req, "big", fx->why), 0);
	r = get(fx, req.id);
	assert_int_equal(strlen(r->input), STORE_TEXT_MAX);
	store_request_free(r);

	assert_int_equal(store_create(NULL, &req, "n", fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_create(fx->s, NULL, "n", fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_count_by_state(fx->s, counts, fx->why), 0);
	assert_int_equal(counts[STORE_PENDING], 1);
	free(big);
	free(long_field);
}

/* ------------------------------------------------------------ transitions */

static void
test_every_transition(void **state)
{
	struct fixture *fx = *state;
	struct store_request *r;
	struct store_event *ev = NULL;
	size_t n = 0;
	char id[STORE_ID_SIZE];
	int from, to, moved = 0;
	uint32_t v0;

	for (from = STORE_PENDING; from <= STORE_ISSUED; from++)
		for (to = 0; to <= STORE_ISSUED + 1; to++) {
			reach(fx, from, id);
			r = get(fx, id);
			v0 = r->version;
			store_request_free(r);
			if (is_arrow(from, to)) {
				assert_int_equal(store_transition(fx->s, id, from, to, 3000, "move",
				    NULL, fx->why), 0);
				moved++;
			} else {
				assert_int_equal(store_transition(fx->s, id, from, to, 3000, "move",
				    NULL, fx->why), CG_ERR_DENIED);
				assert_why(fx, "not a move");
			}
			r = get(fx, id);
			assert_int_equal(r->state, is_arrow(from, to) ? to : from);
			assert_int_equal(r->version, v0 + is_arrow(from, to));
			assert_int_equal(r->updated_ms, is_arrow(from, to) ? 3000 :
			    v0 == 1 ? 1000 : 1500);
			store_request_free(r);
			assert_int_equal(store_history(fx->s, id, &ev, &n, fx->why), 0);
			assert_int_equal(n, v0 + is_arrow(from, to));
			assert_int_equal(ev[n - 1].to, is_arrow(from, to) ? to : from);
			store_events_free(ev, n);
		}
	assert_int_equal(moved, 5);

	/* from a state that is not one */
	reach(fx, STORE_PENDING, id);
	assert_int_equal(store_transition(fx->s, id, 0, STORE_PENDING, 3000, "x", NULL,
	    fx->why), CG_ERR_DENIED);
	assert_int_equal(store_transition(fx->s, id, STORE_ISSUED + 1, STORE_PENDING, 3000, "x",
	    NULL, fx->why), CG_ERR_DENIED);
	why_text(fx);
	assert_int_equal(store_check(fx->s, fx->why), 0);
}

static void
test_transition_record_and_refusals(void **state)
{
	struct fixture *fx = *state;
	struct store_request *r;
	char id[STORE_ID_SIZE], other[STORE_ID_SIZE];
	char *big = filled(STORE_TEXT_MAX + 1, 'y');
	static char empty[] = "";

	add(fx, STORE_PENDING, 1000, 9000, f_alice, id);
	/* a move the request is not in: the state it is in now is named */
	assert_int_equal(store_transition(fx->s, id, STORE_APPROVED, STORE_ISSUED, 2000, "x",
	    NULL, fx->why), CG_ERR_DENIED);
	assert_why(fx, "it is pending now, not approved");
	/* a record in the same move */
	assert_int_equal(store_transition(fx->s, id, STORE_PENDING, STORE_APPROVED, 2000,
	    "approved", f_record2, fx->why), 0);
	r = get(fx, id);
	assert_string_equal(r->record, f_record2);
	store_request_free(r);
	/* none: kept */
	assert_int_equal(store_transition(fx->s, id, STORE_APPROVED, STORE_ISSUED, 2500,
	    "issued", NULL, fx->why), 0);
	r = get(fx, id);
	assert_string_equal(r->record, f_record2);
	assert_int_equal(r->updated_ms, 2500);
	assert_int_equal(r->version, 3);
	store_request_free(r);

	/* nothing changes on a refusal */
	add(fx, STORE_PENDING, 1000, 9000, f_alice, id);
	store_new_id(other);
	assert_int_equal(store_transition(fx->s, other, STORE_PENDING, STORE_APPROVED, 2000,
	    "x", NULL, fx->why), CG_ERR_NOT_FOUND);
	assert_why(fx, "no request");
	assert_int_equal(store_transition(fx->s, "r-1", STORE_PENDING, STORE_APPROVED, 2000,
	    "x", NULL, fx->why), CG_ERR_INVALID_ARG);
	assert_why(fx, "request id");
	assert_int_equal(store_transition(fx->s, NULL, STORE_PENDING, STORE_APPROVED, 2000,
	    "x", NULL, fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_transition(fx->s, id, STORE_PENDING, STORE_APPROVED, 2000,
	    NULL, NULL, fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_transition(fx->s, id, STORE_PENDING, STORE_APPROVED, -1,
	    "x", NULL, fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_transition(fx->s, id, STORE_PENDING, STORE_APPROVED, 2000,
	    "x", empty, fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_transition(fx->s, id, STORE_PENDING, STORE_APPROVED, 2000,
	    "x", big, fx->why), CG_ERR_LIMIT);
	assert_int_equal(store_transition(NULL, id, STORE_PENDING, STORE_APPROVED, 2000,
	    "x", NULL, fx->why), CG_ERR_INVALID_ARG);
	why_text(fx);
	r = get(fx, id);
	assert_int_equal(r->state, STORE_PENDING);
	assert_int_equal(r->version, 1);
	assert_string_equal(r->record, f_record);
	store_request_free(r);
	assert_int_equal(store_check(fx->s, fx->why), 0);
	free(big);
}

/* Two handles on one file: the compare-and-set is in the database, not in either. */
static void
test_compare_and_set_two_handles(void **state)
{
	struct fixture *fx = *state;
	struct store *b = NULL;
	struct store_request *r = NULL;
	struct store_event *ev = NULL;
	size_t n = 0;
	char id[STORE_ID_SIZE];

	assert_int_equal(store_open_sqlite(fx->path, &b, fx->why), 0);
	add(fx, STORE_PENDING, 1000, 9000, f_alice, id);
	/* B sees what A wrote */
	assert_int_equal(store_get(b, id, &r, fx->why), 0);
	assert_int_equal(r->state, STORE_PENDING);
	store_request_free(r);

	/* A approves; B, still believing pending, tries to deny and loses */
	assert_int_equal(store_transition(fx->s, id, STORE_PENDING, STORE_APPROVED, 2000,
	    "approved by bob", f_record2, fx->why), 0);
	assert_int_equal(store_transition(b, id, STORE_PENDING, STORE_DENIED, 2001,
	    "vetoed by carol", NULL, fx->why), CG_ERR_DENIED);
	assert_why(fx, "somebody else moved it");
	/* and B's expiry of a pending request also loses */
	assert_int_equal(store_transition(b, id, STORE_PENDING, STORE_EXPIRED, 2002,
	    "expired", NULL, fx->why), CG_ERR_DENIED);
	why_text(fx);

	/* B issues; A's late expiry from approved loses */
	assert_int_equal(store_transition(b, id, STORE_APPROVED, STORE_ISSUED, 3000, "issued",
	    NULL, fx->why), 0);
	assert_int_equal(store_transition(fx->s, id, STORE_APPROVED, STORE_EXPIRED, 3001,
	    "expired", NULL, fx->why), CG_ERR_DENIED);
	why_text(fx);

	r = get(fx, id);
	assert_int_equal(r->state, STORE_ISSUED);
	assert_int_equal(r->version, 3);
	assert_string_equal(r->record, f_record2);
	store_request_free(r);
	assert_int_equal(store_history(b, id, &ev, &n, fx->why), 0);
	assert_int_equal(n, 3);
	assert_string_equal(ev[1].note, "approved by bob");
	assert_string_equal(ev[2].note, "issued");
	store_events_free(ev, n);
	assert_int_equal(store_check(fx->s, fx->why), 0);
	assert_int_equal(store_check(b, fx->why), 0);
	store_close(b);
}

static void
test_history_order(void **state)
{
	struct fixture *fx = *state;
	struct store_event *ev = NULL;
	size_t n = 0;
	char id[STORE_ID_SIZE];

	add(fx, STORE_PENDING, 1000, 9000, f_alice, id);
	assert_int_equal(store_transition(fx->s, id, STORE_PENDING, STORE_APPROVED, 2000,
	    "approved by bob", NULL, fx->why), 0);
	/* a clock that went back does not reorder the history */
	assert_int_equal(store_transition(fx->s, id, STORE_APPROVED, STORE_ISSUED, 1500,
	    "issued", NULL, fx->why), 0);
	assert_int_equal(store_history(fx->s, id, &ev, &n, fx->why), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ev[0].from, 0);
	assert_int_equal(ev[0].to, STORE_PENDING);
	assert_int_equal(ev[0].at_ms, 1000);
	assert_string_equal(ev[0].note, "created");
	assert_int_equal(ev[1].from, STORE_PENDING);
	assert_int_equal(ev[1].to, STORE_APPROVED);
	assert_int_equal(ev[1].at_ms, 2000);
	assert_string_equal(ev[1].note, "approved by bob");
	assert_int_equal(ev[2].from, STORE_APPROVED);
	assert_int_equal(ev[2].to, STORE_ISSUED);
	assert_int_equal(ev[2].at_ms, 1500);
	assert_string_equal(ev[2].note, "issued");
	store_events_free(ev, n);

	ev = NULL;
	n = 0;
	store_new_id(id);
	assert_int_equal(store_history(fx->s, id, &ev, &n, fx->why), CG_ERR_NOT_FOUND);
	assert_why(fx, "no request");
	assert_int_equal(store_history(fx->s, "r-", &ev, &n, fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_history(fx->s, id, NULL, &n, fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_history(fx->s, id, &ev, NULL, fx->why), CG_ERR_INVALID_ARG);
	assert_null(ev);
	assert_int_equal(n, 0);
}

/* ------------------------------------------------------------------ list */

static void
test_list(void **state)
{
	struct fixture *fx = *state;
	struct store_list_filter f = { 0 };
	struct store_request **reqs = NULL;
	char a[STORE_ID_SIZE], b[STORE_ID_SIZE], c[STORE_ID_SIZE], d[STORE_ID_SIZE];
	char e[STORE_ID_SIZE];
	const char *lo, *hi;
	size_t n = 0;

	add(fx, STORE_PENDING, 1000, 9000, f_alice, a);
	add(fx, STORE_APPROVED, 3000, 9000, f_bob, b);
	add(fx, STORE_DENIED, 2000, 9000, f_alice, c);
	add(fx, STORE_PENDING, 3000, 9000, f_alice, d);	/* same time as b */
	add(fx, STORE_PENDING, 4000, 9000, f_bob, e);
	lo = strcmp(b, d) < 0 ? b : d;
	hi = strcmp(b, d) < 0 ? d : b;

	/* all, newest first, ties by id */
	assert_int_equal(store_list(fx->s, &f, &reqs, &n, fx->why), 0);
	assert_int_equal(n, 5);
	assert_string_equal(reqs[0]->id, e);
	assert_string_equal(reqs[1]->id, lo);
	assert_string_equal(reqs[2]->id, hi);
	assert_string_equal(reqs[3]->id, c);
	assert_string_equal(reqs[4]->id, a);
	/* whole requests, not just ids */
	assert_string_equal(reqs[0]->input, f_input);
	assert_string_equal(reqs[0]->operator_name, f_bob);
	assert_int_equal(reqs[3]->state, STORE_DENIED);
	store_list_free(reqs, n);

	f.state = STORE_PENDING;
	assert_int_equal(store_list(fx->s, &f, &reqs, &n, fx->why), 0);
	assert_int_equal(n, 3);
	assert_string_equal(reqs[0]->id, e);
	assert_string_equal(reqs[1]->id, d);
	assert_string_equal(reqs[2]->id, a);
	store_list_free(reqs, n);

	f.operator_name = "alice";
	assert_int_equal(store_list(fx->s, &f, &reqs, &n, fx->why), 0);
	assert_int_equal(n, 2);
	assert_string_equal(reqs[0]->id, d);
	assert_string_equal(reqs[1]->id, a);
	store_list_free(reqs, n);

	f.state = 0;
	assert_int_equal(store_list(fx->s, &f, &reqs, &n, fx->why), 0);
	assert_int_equal(n, 3);
	assert_string_equal(reqs[0]->id, d);
	assert_string_equal(reqs[1]->id, c);
	assert_string_equal(reqs[2]->id, a);
	store_list_free(reqs, n);

	f.operator_name = NULL;
	f.limit = 2;
	assert_int_equal(store_list(fx->s, &f, &reqs, &n, fx->why), 0);
	assert_int_equal(n, 2);
	assert_string_equal(reqs[0]->id, e);
	assert_string_equal(reqs[1]->id, lo);
	store_list_free(reqs, n);

	/* nothing matches */
	f.limit = 0;
	f.state = STORE_ISSUED;
	reqs = (struct store_request **)&f;
	assert_int_equal(store_list(fx->s, &f, &reqs, &n, fx->why), 0);
	assert_int_equal(n, 0);
	assert_null(reqs);
	f.state = 0;
	f.operator_name = "carol";
	assert_int_equal(store_list(fx->s, &f, &reqs, &n, fx->why), 0);
	assert_int_equal(n, 0);

	/* bad filters */
	f.operator_name = NULL;
	f.limit = STORE_LIST_MAX + 1;
	assert_int_equal(store_list(fx->s, &f, &reqs, &n, fx->why), CG_ERR_INVALID_ARG);
	assert_why(fx, "filter");
	f.limit = STORE_LIST_MAX;
	f.state = STORE_ISSUED + 1;
	assert_int_equal(store_list(fx->s, &f, &reqs, &n, fx->why), CG_ERR_INVALID_ARG);
	f.state = 0;
	f.operator_name = "";
	assert_int_equal(store_list(fx->s, &f, &reqs, &n, fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_list(fx->s, NULL, &reqs, &n, fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_list(fx->s, &f, NULL, &n, fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_list(NULL, &f, &reqs, &n, fx->why), CG_ERR_INVALID_ARG);
	why_text(fx);
}

/* ---------------------------------------------------- expiry and counts */

/* Expires what store_due() found, as the lifecycle does: each one a compare-and-set. */
static size_t
expire_due(struct fixture *fx, int64_t now_ms, char ids[][STORE_ID_SIZE], size_t max)
{
	struct store_due *due = NULL;
	size_t n = 0, i, moved = 0;

	assert_int_equal(store_due(fx->s, now_ms, &due, &n, fx->why), 0);
	assert_true(n <= max);
	for (i = 0; i < n; i++) {
		assert_int_equal(store_transition(fx->s, due[i].id, due[i].state, STORE_EXPIRED,
		    now_ms, "expired", NULL, fx->why), 0);
		memcpy(ids[moved++], due[i].id, STORE_ID_SIZE);
	}
	free(due);
	return moved;
}

static void
test_due(void **state)
{
	struct fixture *fx = *state;
	char ids[8][STORE_ID_SIZE];
	char p1[STORE_ID_SIZE], p2[STORE_ID_SIZE], p3[STORE_ID_SIZE], a1[STORE_ID_SIZE];
	char d1[STORE_ID_SIZE], i1[STORE_ID_SIZE];
	struct store_request *r;
	struct store_event *ev = NULL;
	struct store_due *due = NULL;
	size_t n = 0;

	add(fx, STORE_PENDING, 1000, 5000, f_alice, p1);
	add(fx, STORE_PENDING, 1000, 6000, f_alice, p2);	/* exactly now: due */
	add(fx, STORE_PENDING, 1000, 7000, f_alice, p3);
	add(fx, STORE_APPROVED, 1000, 5500, f_bob, a1);
	add(fx, STORE_DENIED, 1000, 1000, f_bob, d1);		/* final: stays */
	add(fx, STORE_APPROVED, 1000, 1000, f_bob, i1);
	assert_int_equal(store_transition(fx->s, i1, STORE_APPROVED, STORE_ISSUED, 1001,
	    "issued", NULL, fx->why), 0);

	/* reading what is due changes nothing */
	assert_int_equal(store_due(fx->s, 6000, &due, &n, fx->why), 0);
	assert_int_equal(n, 3);
	assert_string_equal(due[0].id, p1);
	assert_int_equal(due[0].state, STORE_PENDING);
	assert_string_equal(due[1].id, a1);
	assert_int_equal(due[1].state, STORE_APPROVED);
	assert_string_equal(due[2].id, p2);
	free(due);
	r = get(fx, p1);
	assert_int_equal(r->state, STORE_PENDING);
	store_request_free(r);

	assert_int_equal(expire_due(fx, 6000, ids, 8), 3);
	r = get(fx, a1);
	assert_int_equal(r->state, STORE_EXPIRED);
	assert_int_equal(r->version, 2);
	assert_int_equal(r->updated_ms, 6000);
	store_request_free(r);
	assert_int_equal(store_history(fx->s, a1, &ev, &n, fx->why), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ev[1].from, STORE_APPROVED);
	assert_int_equal(ev[1].to, STORE_EXPIRED);
	assert_int_equal(ev[1].at_ms, 6000);
	assert_string_equal(ev[1].note, "expired");
	store_events_free(ev, n);
	r = get(fx, p3);
	assert_int_equal(r->state, STORE_PENDING);
	store_request_free(r);
	r = get(fx, d1);
	assert_int_equal(r->state, STORE_DENIED);
	store_request_free(r);
	r = get(fx, i1);
	assert_int_equal(r->state, STORE_ISSUED);
	store_request_free(r);

	/* nothing more due */
	due = (struct store_due *)p1;
	assert_int_equal(store_due(fx->s, 6000, &due, &n, fx->why), 0);
	assert_null(due);
	assert_int_equal(n, 0);
	assert_int_equal(expire_due(fx, 7000, ids, 8), 1);
	assert_string_equal(ids[0], p3);

	/* one that somebody moved after it was read loses the compare-and-set */
	add(fx, STORE_PENDING, 1000, 8000, f_alice, p1);
	assert_int_equal(store_due(fx->s, 9000, &due, &n, fx->why), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_transition(fx->s, p1, STORE_PENDING, STORE_DENIED, 8500, "vetoed",
	    NULL, fx->why), 0);
	assert_int_equal(store_transition(fx->s, due[0].id, due[0].state, STORE_EXPIRED, 9000,
	    "expired", NULL, fx->why), CG_ERR_DENIED);
	free(due);

	assert_int_equal(store_due(fx->s, -1, &due, &n, fx->why), CG_ERR_INVALID_ARG);
	assert_why(fx, "time");
	assert_int_equal(store_due(fx->s, 1, NULL, &n, fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_due(NULL, 1, &due, &n, fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_check(fx->s, fx->why), 0);
}

static void
test_count_by_state(void **state)
{
	struct fixture *fx = *state;
	uint64_t counts[STORE_ISSUED + 1];
	char id[STORE_ID_SIZE];
	int i;

	memset(counts, 0xff, sizeof(counts));
	assert_int_equal(store_count_by_state(fx->s, counts, fx->why), 0);
	for (i = STORE_PENDING; i <= STORE_ISSUED; i++)
		assert_int_equal(counts[i], 0);

	for (i = 0; i < 3; i++)
		reach(fx, STORE_PENDING, id);
	for (i = 0; i < 2; i++)
		reach(fx, STORE_ISSUED, id);
	reach(fx, STORE_EXPIRED, id);
	reach(fx, STORE_DENIED, id);
	assert_int_equal(store_count_by_state(fx->s, counts, fx->why), 0);
	assert_int_equal(counts[STORE_PENDING], 3);
	assert_int_equal(counts[STORE_APPROVED], 0);
	assert_int_equal(counts[STORE_DENIED], 1);
	assert_int_equal(counts[STORE_EXPIRED], 1);
	assert_int_equal(counts[STORE_ISSUED], 2);
	assert_int_equal(store_count_by_state(fx->s, NULL, fx->why), CG_ERR_INVALID_ARG);
	assert_int_equal(store_count_by_state(NULL, counts, fx->why), CG_ERR_INVALID_ARG);
}

/* A change and its history row are one transaction: when the row cannot be written, nothing is. */
static void
test_changes_are_atomic(void **state)
{
	struct fixture *fx = *state;
	struct store_request req, *r;
	char ids[1][STORE_ID_SIZE];
	char id[STORE_ID_SIZE];

	add(fx, STORE_PENDING, 1000, 2000, f_alice, id);
	raw_exec(fx->path, "CREATE TRIGGER no_events BEFORE INSERT ON events "
	    "BEGIN SELECT RAISE(ABORT, 'no more events'); END", NULL);

	assert_true(store_transition(fx->s, id, STORE_PENDING, STORE_APPROVED, 1500, "x",
	    f_record2, fx->why) < 0);
	assert_why(fx, "no more events");
	assert_true(store_transition(fx->s, id, STORE_PENDING, STORE_EXPIRED, 5000, "expired",
	    NULL, fx->why) < 0);
	assert_why(fx, "no more events");
	req_fill(&req, STORE_PENDING, 1000);
	assert_true(store_create(fx->s, &req, "x", fx->why) < 0);
	why_text(fx);
	r = NULL;
	assert_int_equal(store_get(fx->s, req.id, &r, fx->why), CG_ERR_NOT_FOUND);
	why_text(fx);

	r = get(fx, id);
	assert_int_equal(r->state, STORE_PENDING);
	assert_int_equal(r->version, 1);
	assert_int_equal(r->updated_ms, 1000);
	assert_string_equal(r->record, f_record);
	store_request_free(r);

	/* and the handle is still usable afterwards: no transaction was left open */
	raw_exec(fx->path, "DROP TRIGGER no_events", NULL);
	assert_int_equal(expire_due(fx, 5000, ids, 1), 1);
	assert_string_equal(ids[0], id);
	assert_int_equal(store_check(fx->s, fx->why), 0);
}

/* ----------------------------------------------------------------- check */

static void
assert_check_fails(struct fixture *fx, const char *part)
{
	assert_int_equal(store_check(fx->s, fx->why), CG_ERR_PARSE);
	assert_why(fx, part);
}

static void
test_check_finds_damage(void **state)
{
	struct fixture *fx = *state;
	char pending[STORE_ID_SIZE], approved[STORE_ID_SIZE], denied[STORE_ID_SIZE];
	char lone[STORE_ID_SIZE];

	reach(fx, STORE_PENDING, pending);
	reach(fx, STORE_APPROVED, approved);
	assert_int_equal(store_transition(fx->s, approved, STORE_APPROVED, STORE_ISSUED, 2000,
	    "issued", NULL, fx->why), 0);
	reach(fx, STORE_DENIED, denied);
	assert_int_equal(store_check(fx->s, fx->why), 0);

	/* a state changed without an event */
	raw_exec(fx->path, "UPDATE requests SET state = 2 WHERE id = ?1", pending);
	assert_check_fails(fx, "it is approved but its last event says pending");
	raw_exec(fx->path, "UPDATE requests SET state = 1 WHERE id = ?1", pending);
	assert_int_equal(store_check(fx->s, fx->why), 0);

	/* a version that does not count the events */
	raw_exec(fx->path, "UPDATE requests SET version = 7 WHERE id = ?1", approved);
	assert_check_fails(fx, "version 7 but 2 events");
	raw_exec(fx->path, "UPDATE requests SET version = 2 WHERE id = ?1", approved);

	/* an event taken away */
	raw_exec(fx->path, "DELETE FROM events WHERE request_id = ?1 AND seq = 2", approved);
	assert_check_fails(fx, "last event says approved");
	raw_exec(fx->path, "INSERT INTO events VALUES (?1, 2, 2, 5, 2000, 'issued')", approved);
	assert_int_equal(store_check(fx->s, fx->why), 0);

	/* a move the state machine does not have, recorded consistently */
	raw_exec(fx->path, "INSERT INTO events VALUES (?1, 2, 3, 2, 3000, 'undenied')", denied);
	raw_exec(fx->path, "UPDATE requests SET state = 2, version = 2 WHERE id = ?1", denied);
	assert_check_fails(fx, "not a move of the state machine");
	raw_exec(fx->path, "DELETE FROM events WHERE request_id = ?1 AND seq = 2", denied);
	raw_exec(fx->path, "UPDATE requests SET state = 3, version = 1 WHERE id = ?1", denied);
	assert_int_equal(store_check(fx->s, fx->why), 0);

	/* a gap in the numbering */
	raw_exec(fx->path, "UPDATE events SET seq = 3 WHERE request_id = ?1 AND seq = 2",
	    approved);
	assert_check_fails(fx, "not numbered");
	raw_exec(fx->path, "UPDATE events SET seq = 2 WHERE request_id = ?1 AND seq = 3",
	    approved);

	/* an event whose request is not there (the raw connection has no foreign keys) */
	store_new_id(lone);
	raw_exec(fx->path, "INSERT INTO events VALUES (?1, 1, 0, 1, 1, 'orphan')", lone);
	assert_check_fails(fx, "table events has a row whose requests is missing");
	raw_exec(fx->path, "DELETE FROM events WHERE request_id = ?1", lone);
	assert_int_equal(store_check(fx->s, fx->why), 0);

	/* a request with no history at all */
	raw_exec(fx->path, "INSERT INTO requests SELECT ?1, state, operation, operator_name, "
	    "principal, region, reason, digest, input, record, created_ms, updated_ms, "
	    "expires_ms, version, digest_version FROM requests LIMIT 1", lone);
	assert_check_fails(fx, "has no history");
	{
		struct store_event *ev = NULL;
		size_t n = 0;

		assert_int_equal(store_history(fx->s, lone, &ev, &n, fx->why), CG_ERR_PARSE);
		assert_why(fx, "no events");
		assert_null(ev);
	}
	assert_int_equal(store_check(NULL, fx->why), CG_ERR_INVALID_ARG);
}

/* What the store reads back from the file is checked like any outside input. */
static void
test_damaged_rows_refused(void **state)
{
	struct fixture *fx = *state;
	struct store_request *r = NULL;
	char id[STORE_ID_SIZE];
	uint64_t counts[STORE_ISSUED + 1];

	add(fx, STORE_PENDING, 1000, 9000, f_alice, id);
	/* a blob: TEXT affinity would have turned a number into text */
	raw_exec(fx->path, "UPDATE requests SET operation = x'4142' WHERE id = ?1", id);
	assert_int_equal(store_get(fx->s, id, &r, fx->why), CG_ERR_PARSE);
	assert_why(fx, "operation is not text");
	assert_null(r);
	raw_exec(fx->path, "UPDATE requests SET operation = 'Update' || char(0) || 'x' "
	    "WHERE id = ?1", id);
	assert_int_equal(store_get(fx->s, id, &r, fx->why), CG_ERR_PARSE);
	assert_why(fx, "NUL");
	raw_exec(fx->path, "UPDATE requests SET operation = 'UpdateApplication' WHERE id = ?1",
	    id);
	r = get(fx, id);
	store_request_free(r);
	/* a state outside the enum, past the schema's CHECK */
	raw_exec(fx->path, "PRAGMA ignore_check_constraints = ON; "
	    "UPDATE requests SET state = 9 WHERE id = ?1", id);
	assert_int_equal(store_count_by_state(fx->s, counts, fx->why), CG_ERR_PARSE);
	assert_why(fx, "state is not an integer in 1..5");
	r = NULL;
	assert_int_equal(store_get(fx->s, id, &r, fx->why), CG_ERR_PARSE);
	why_text(fx);
	assert_null(r);
}

static void
test_null_frees(void **state)
{
	(void)state;
	store_close(NULL);
	store_request_free(NULL);
	store_events_free(NULL, 0);
	store_list_free(NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_transition_table),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_null_frees),
		cmocka_unit_test_setup_teardown(test_open_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_version_migration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_database_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_get_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_transition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transition_record_and_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_compare_and_set_two_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_due, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_by_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes_are_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_finds_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_rows_refused, setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}

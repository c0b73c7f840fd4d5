/*
 * The SQLite backend of the request store (store.h; the ops it implements
 * are in store_backend.h; the schema and its guarantees in docs/store.md).
 *
 * Durability: WAL with synchronous=FULL, so a COMMIT has reached the disk
 * (the WAL is fsync()ed) before the call that made it returns 0.
 *
 * Concurrency: nothing about requests is kept in this process.  Every
 * change is one BEGIN IMMEDIATE transaction, and a state change is a
 * compare-and-set in SQL (UPDATE ... WHERE id = ? AND state = ?) whose
 * row count says whether this caller won; several handles, processes or
 * (with the PostgreSQL backend) gates can share the data.  The connection
 * is opened SQLITE_OPEN_NOMUTEX: store.c holds the handle's lock around
 * each call, which SQLite's FULLMUTEX could not replace (it serializes
 * single library calls, not a transaction made of several).
 *
 * Every statement is prepared with bound parameters and finalized on every
 * path; the only SQL built at run time is "PRAGMA user_version = N", from
 * this file's own migration count (a PRAGMA takes no parameters).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "store.h"
#include "store_backend.h"

#define BUSY_TIMEOUT_MS	5000
/* PRAGMA application_id: "CMKG", so that another program's database is not taken for ours */
#define APPLICATION_ID	1129139015
#define STRINGIFY_(x)	#x
#define STRINGIFY(x)	STRINGIFY_(x)

/* The states are stored as their enum values: these numbers are the file format. */
_Static_assert(STORE_PENDING == 1 && STORE_APPROVED == 2 && STORE_DENIED == 3 &&
    STORE_EXPIRED == 4 && STORE_ISSUED == 5, "store states are on disk");
_Static_assert(APPLICATION_ID == 0x434d4b47, "application_id is \"CMKG\"");

/*
 * The schema, one migration per entry, each applied in its own transaction;
 * PRAGMA user_version is the number applied.  Append only: never edit an
 * entry that has shipped, add one that changes what it made.
 */
static const char *const migrations[] = {
	/* 1: requests and their history */
	"CREATE TABLE requests ("
	"  id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 34 AND id GLOB 'r-*'),"
	"  state INTEGER NOT NULL CHECK (state IN (1, 2, 3, 4, 5)),"
	"  operation TEXT NOT NULL,"
	"  operator_name TEXT NOT NULL,"
	"  principal TEXT NOT NULL,"
	"  region TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  digest TEXT NOT NULL CHECK (length(digest) = 64),"
	"  input TEXT NOT NULL,"
	"  record TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL CHECK (typeof(created_ms) = 'integer'),"
	"  updated_ms INTEGER NOT NULL CHECK (typeof(updated_ms) = 'integer'),"
	"  expires_ms INTEGER NOT NULL CHECK (typeof(expires_ms) = 'integer'),"
	"  version INTEGER NOT NULL CHECK (typeof(version) = 'integer' AND version >= 1)"
	");"
	"CREATE INDEX requests_newest ON requests (created_ms DESC, id);"
	"CREATE INDEX requests_due ON requests (state, expires_ms);"
	"CREATE TABLE events ("
	"  request_id TEXT NOT NULL REFERENCES requests (id),"
	"  seq INTEGER NOT NULL CHECK (typeof(seq) = 'integer' AND seq >= 1),"
	"  from_state INTEGER NOT NULL CHECK (from_state IN (0, 1, 2, 3, 4, 5)),"
	"  to_state INTEGER NOT NULL CHECK (to_state IN (1, 2, 3, 4, 5)),"
	"  at_ms INTEGER NOT NULL CHECK (typeof(at_ms) = 'integer'),"
	"  note TEXT NOT NULL,"
	"  PRIMARY KEY (request_id, seq)"
	") WITHOUT ROWID;"
	"PRAGMA application_id = " STRINGIFY(APPLICATION_ID) ";",
	/*
	 * 2: which request digest a request carries.  Requests stored before
	 * are version 0: SHA-256 of the RFC 8785 form of the input alone
	 * (docs/request-digest.md).
	 */
	"ALTER TABLE requests ADD COLUMN digest_version INTEGER NOT NULL DEFAULT 0 "
	"CHECK (digest_version IN (0, 1));",
};

#define REQUEST_COLUMNS							\
	"id, state, operation, operator_name, principal, region, reason, "	\
	"digest, input, record, created_ms, updated_ms, expires_ms, version, digest_version"
enum {
	COL_ID, COL_STATE, COL_OPERATION, COL_OPERATOR_NAME, COL_PRINCIPAL, COL_REGION,
	COL_REASON, COL_DIGEST, COL_INPUT, COL_RECORD, COL_CREATED, COL_UPDATED,
	COL_EXPIRES, COL_VERSION, COL_DIGEST_VERSION,
};

/* updated_ms starts as created_ms (?11 twice), version as 1 */
static const char sql_insert_request[] =
	"INSERT INTO requests (" REQUEST_COLUMNS ") "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, 1, ?13)";
/* The event's seq is the request's version after the change it records. */
static const char sql_insert_event[] =
	"INSERT INTO events (request_id, seq, from_state, to_state, at_ms, note) "
	"SELECT id, version, ?2, ?3, ?4, ?5 FROM requests WHERE id = ?1";
/* The compare-and-set: changes nothing unless the request is in state ?5 now. */
static const char sql_move[] =
	"UPDATE requests SET state = ?1, version = version + 1, updated_ms = ?2, "
	"record = COALESCE(?3, record) WHERE id = ?4 AND state = ?5";
static const char sql_state_of[] =
	"SELECT state FROM requests WHERE id = ?1";
static const char sql_get[] =
	"SELECT " REQUEST_COLUMNS " FROM requests WHERE id = ?1";
/* One row with NULL event columns when the request has no history. */
static const char sql_history[] =
	"SELECT e.from_state, e.to_state, e.at_ms, e.note FROM requests AS r "
	"LEFT JOIN events AS e ON e.request_id = r.id WHERE r.id = ?1 ORDER BY e.seq";
static const char sql_list[] =
	"SELECT " REQUEST_COLUMNS " FROM requests "
	"WHERE (?1 = 0 OR state = ?1) AND (?2 IS NULL OR operator_name = ?2) "
	"ORDER BY created_ms DESC, id LIMIT ?3";
static const char sql_due[] =
	"SELECT id, state FROM requests WHERE state IN (?2, ?3) AND expires_ms <= ?1 "
	"ORDER BY expires_ms, id";
static const char sql_count[] =
	"SELECT state, count(*) FROM requests GROUP BY state";
static const char sql_walk[] =
	"SELECT r.id, r.state, r.version, e.seq, e.from_state, e.to_state "
	"FROM requests AS r LEFT JOIN events AS e ON e.request_id = r.id "
	"ORDER BY r.id, e.seq";

struct sqlite_store {
	sqlite3	*db;
};

/* ---------------------------------------------------------------- helpers */

static int
code_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return CG_ERR_NOMEM;
	case SQLITE_TOOBIG:
		return CG_ERR_LIMIT;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_FORMAT:
		return CG_ERR_PARSE;
	case SQLITE_CONSTRAINT:
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_READONLY:
		return CG_ERR_DENIED;
	case SQLITE_MISUSE:
	case SQLITE_RANGE:
		return CG_ERR_INTERNAL;
	default:	/* SQLITE_IOERR, SQLITE_FULL, SQLITE_BUSY, SQLITE_CANTOPEN, ... */
		return CG_ERR_IO;
	}
}

/* "store: what: SQLite's message", and the matching code. */
static int
db_fail(struct sqlite_store *st, int rc, const char *what, struct cg_buf *why)
{
	cg_buf_putf(why, "store: %s: %s", what, st->db != NULL ? sqlite3_errmsg(st->db) :
	    sqlite3_errstr(rc));
	return code_of(rc);
}

static int
errno_code(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return CG_ERR_NOT_FOUND;
	case ELOOP:		/* O_NOFOLLOW met a symlink */
	case EACCES:
	case EPERM:
	case EISDIR:
	case EROFS:
		return CG_ERR_DENIED;
	case ENOMEM:
		return CG_ERR_NOMEM;
	default:
		return CG_ERR_IO;
	}
}

/* Exactly one statement. */
static int
prepare(struct sqlite_store *st, const char *sql, const char *what, sqlite3_stmt **ret_stmt,
    struct cg_buf *why)
{
	sqlite3_stmt *stmt = NULL;
	const char *tail = NULL;
	int rc, r = CG_ERR_INTERNAL;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, &tail);
	if (rc != SQLITE_OK) {
		r = db_fail(st, rc, what, why);
		goto out;
	}
	ENSURE(stmt != NULL && tail != NULL && *tail == '\0', CG_ERR_INTERNAL);
	*ret_stmt = stmt;
	stmt = NULL;
	r = 0;
 out:
	sqlite3_finalize(stmt);
	return r;
}

/* s NULL binds NULL.  The text is bound SQLITE_STATIC: it outlives the statement's use. */
static int
bind_text(struct sqlite_store *st, sqlite3_stmt *stmt, int idx, const char *s,
    struct cg_buf *why)
{
	int rc, r = CG_ERR_INTERNAL;

	rc = s != NULL ? sqlite3_bind_text(stmt, idx, s, -1, SQLITE_STATIC) :
	    sqlite3_bind_null(stmt, idx);
	if (rc != SQLITE_OK) {
		r = db_fail(st, rc, "binding a parameter", why);
		goto out;
	}
	r = 0;
 out:
	return r;
}

static int
bind_int(struct sqlite_store *st, sqlite3_stmt *stmt, int idx, int64_t v, struct cg_buf *why)
{
	int rc, r = CG_ERR_INTERNAL;

	rc = sqlite3_bind_int64(stmt, idx, v);
	if (rc != SQLITE_OK) {
		r = db_fail(st, rc, "binding a parameter", why);
		goto out;
	}
	r = 0;
 out:
	return r;
}

/* Steps once; *ret_row says whether a row came (false: the statement is done). */
static int
step(struct sqlite_store *st, sqlite3_stmt *stmt, const char *what, bool *ret_row,
    struct cg_buf *why)
{
	int rc, r = CG_ERR_INTERNAL;

	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		r = db_fail(st, rc, what, why);
		goto out;
	}
	*ret_row = rc == SQLITE_ROW;
	r = 0;
 out:
	return r;
}

/* Steps a statement that returns no rows. */
static int
step_done(struct sqlite_store *st, sqlite3_stmt *stmt, const char *what, struct cg_buf *why)
{
	bool row = false;
	int r = CG_ERR_INTERNAL;

	GUARD(step(st, stmt, what, &row, why));
	ENSURE(!row, CG_ERR_INTERNAL);
	r = 0;
 out:
	return r;
}

/* Constant SQL only (transaction control, migrations): no data is ever formatted in. */
static int
exec(struct sqlite_store *st, const char *sql, const char *what, struct cg_buf *why)
{
	int rc, r = CG_ERR_INTERNAL;

	rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		r = db_fail(st, rc, what, why);
		goto out;
	}
	r = 0;
 out:
	return r;
}

/* BEGIN IMMEDIATE: the write lock now, so no other writer comes between our reads and writes. */
static int
begin_write(struct sqlite_store *st, struct cg_buf *why)
{
	return exec(st, "BEGIN IMMEDIATE", "starting a write transaction", why);
}

/* A read transaction: the reads in it see one snapshot. */
static int
begin_read(struct sqlite_store *st, struct cg_buf *why)
{
	return exec(st, "BEGIN", "starting a read transaction", why);
}

static int
commit(struct sqlite_store *st, struct cg_buf *why)
{
	return exec(st, "COMMIT", "committing", why);
}

/* Undoes the open transaction, if any (a failed COMMIT may or may not have ended it). */
static void
rollback(struct sqlite_store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* The one integer a query such as a PRAGMA answers. */
static int
query_int(struct sqlite_store *st, const char *sql, int64_t *ret_v, struct cg_buf *why)
{
	sqlite3_stmt *stmt = NULL;
	bool row = false;
	int r = CG_ERR_INTERNAL;

	GUARD(prepare(st, sql, sql, &stmt, why));
	GUARD(step(st, stmt, sql, &row, why));
	if (!row || sqlite3_column_type(stmt, 0) != SQLITE_INTEGER) {
		cg_buf_putf(why, "store: %s: no integer answer", sql);
		r = CG_ERR_IO;
		goto out;
	}
	*ret_v = sqlite3_column_int64(stmt, 0);
	r = 0;
 out:
	sqlite3_finalize(stmt);
	return r;
}

/* Runs a PRAGMA and checks that its first answer is expect. */
static int
pragma_expect(struct sqlite_store *st, const char *sql, const char *expect,
    struct cg_buf *why)
{
	sqlite3_stmt *stmt = NULL;
	const unsigned char *got = NULL;
	bool row = false;
	int r = CG_ERR_INTERNAL;

	GUARD(prepare(st, sql, sql, &stmt, why));
	GUARD(step(st, stmt, sql, &row, why));
	if (row)
		got = sqlite3_column_text(stmt, 0);
	if (got == NULL || strcmp((const char *)got, expect) != 0) {
		cg_buf_putf(why, "store: %s: the answer is \"%s\", not \"%s\"", sql,
		    got != NULL ? (const char *)got : "nothing", expect);
		r = CG_ERR_IO;
		goto out;
	}
	r = 0;
 out:
	sqlite3_finalize(stmt);
	return r;
}

/* ----------------------------------------------------------- reading rows */

static const char *
column_name(sqlite3_stmt *stmt, int col)
{
	const char *name = sqlite3_column_name(stmt, col);

	return name != NULL ? name : "?";
}

/* A TEXT column of at most max bytes with no NUL in it, copied. */
static int
column_text(sqlite3_stmt *stmt, int col, size_t max, char **ret_s, struct cg_buf *why)
{
	const unsigned char *p;
	char *s = NULL;
	int n, r = CG_ERR_INTERNAL;

	if (sqlite3_column_type(stmt, col) != SQLITE_TEXT) {
		cg_buf_putf(why, "store: reading a row: %s is not text", column_name(stmt, col));
		r = CG_ERR_PARSE;
		goto out;
	}
	p = sqlite3_column_text(stmt, col);
	n = sqlite3_column_bytes(stmt, col);
	ENSURE(p != NULL || sqlite3_errcode(sqlite3_db_handle(stmt)) != SQLITE_NOMEM,
	    CG_ERR_NOMEM);
	if (n < 0 || (size_t)n > max || (p != NULL && memchr(p, '\0', (size_t)n) != NULL)) {
		cg_buf_putf(why, "store: reading a row: %s is longer than %zu bytes or holds "
		    "a NUL", column_name(stmt, col), max);
		r = CG_ERR_PARSE;
		goto out;
	}
	ENSURE((s = malloc((size_t)n + 1)) != NULL, CG_ERR_NOMEM);
	if (n > 0)
		memcpy(s, p, (size_t)n);
	s[n] = '\0';
	*ret_s = s;
	s = NULL;
	r = 0;
 out:
	free(s);
	return r;
}

/* An INTEGER column within min..max. */
static int
column_int(sqlite3_stmt *stmt, int col, int64_t min, int64_t max, int64_t *ret_v,
    struct cg_buf *why)
{
	int64_t v;
	int r = CG_ERR_INTERNAL;

	v = sqlite3_column_int64(stmt, col);
	if (sqlite3_column_type(stmt, col) != SQLITE_INTEGER || v < min || v > max) {
		cg_buf_putf(why, "store: reading a row: %s is not an integer in %" PRId64
		    "..%" PRId64, column_name(stmt, col), min, max);
		r = CG_ERR_PARSE;
		goto out;
	}
	*ret_v = v;
	r = 0;
 out:
	return r;
}

/* A well-formed request id, into id. */
static int
column_id(sqlite3_stmt *stmt, int col, char id[STORE_ID_SIZE], struct cg_buf *why)
{
	const unsigned char *p = NULL;
	int r = CG_ERR_INTERNAL;

	if (sqlite3_column_type(stmt, col) == SQLITE_TEXT)
		p = sqlite3_column_text(stmt, col);
	if (p == NULL || sqlite3_column_bytes(stmt, col) != STORE_ID_LEN ||
	    !store_id_valid((const char *)p)) {
		cg_buf_putf(why, "store: reading a row: %s is not a request id",
		    column_name(stmt, col));
		r = CG_ERR_PARSE;
		goto out;
	}
	memcpy(id, p, STORE_ID_SIZE);
	r = 0;
 out:
	return r;
}

/* One row of REQUEST_COLUMNS; what comes from the file is checked like any outside input. */
static int
row_request(sqlite3_stmt *stmt, struct store_request **ret_req, struct cg_buf *why)
{
	struct store_request *req = NULL;
	int64_t v;
	int r = CG_ERR_INTERNAL;

	ENSURE((req = calloc(1, sizeof(*req))) != NULL, CG_ERR_NOMEM);
	GUARD(column_id(stmt, COL_ID, req->id, why));
	GUARD(column_int(stmt, COL_STATE, STORE_PENDING, STORE_ISSUED, &v, why));
	req->state = (enum store_state)v;
	GUARD(column_text(stmt, COL_OPERATION, STORE_FIELD_MAX, &req->operation, why));
	GUARD(column_text(stmt, COL_OPERATOR_NAME, STORE_FIELD_MAX, &req->operator_name, why));
	GUARD(column_text(stmt, COL_PRINCIPAL, STORE_FIELD_MAX, &req->principal, why));
	GUARD(column_text(stmt, COL_REGION, STORE_FIELD_MAX, &req->region, why));
	GUARD(column_text(stmt, COL_REASON, STORE_FIELD_MAX, &req->reason, why));
	GUARD(column_text(stmt, COL_DIGEST, STORE_DIGEST_LEN, &req->digest, why));
	GUARD(column_text(stmt, COL_INPUT, STORE_TEXT_MAX, &req->input, why));
	GUARD(column_text(stmt, COL_RECORD, STORE_TEXT_MAX, &req->record, why));
	GUARD(column_int(stmt, COL_CREATED, INT64_MIN, INT64_MAX, &req->created_ms, why));
	GUARD(column_int(stmt, COL_UPDATED, INT64_MIN, INT64_MAX, &req->updated_ms, why));
	GUARD(column_int(stmt, COL_EXPIRES, INT64_MIN, INT64_MAX, &req->expires_ms, why));
	GUARD(column_int(stmt, COL_VERSION, 1, UINT32_MAX, &v, why));
	req->version = (uint32_t)v;
	GUARD(column_int(stmt, COL_DIGEST_VERSION, 0, STORE_DIGEST_VERSION_MAX, &v, why));
	req->digest_version = (unsigned)v;
	*ret_req = req;
	req = NULL;
	r = 0;
 out:
	store_request_free(req);
	return r;
}

/* ------------------------------------------------------------ the writes */

/* Appends the event for the change just made to request id (its seq is the new version). */
static int
insert_event(struct sqlite_store *st, const char *id, enum store_state from,
    enum store_state to, int64_t at_ms, const char *note, struct cg_buf *why)
{
	sqlite3_stmt *stmt = NULL;
	int r = CG_ERR_INTERNAL;

	GUARD(prepare(st, sql_insert_event, "preparing to add an event", &stmt, why));
	GUARD(bind_text(st, stmt, 1, id, why));
	GUARD(bind_int(st, stmt, 2, from, why));
	GUARD(bind_int(st, stmt, 3, to, why));
	GUARD(bind_int(st, stmt, 4, at_ms, why));
	GUARD(bind_text(st, stmt, 5, note, why));
	GUARD(step_done(st, stmt, "adding an event", why));
	ENSURE(sqlite3_changes(st->db) == 1, CG_ERR_INTERNAL);
	r = 0;
 out:
	sqlite3_finalize(stmt);
	return r;
}

/*
 * The compare-and-set, inside the caller's write transaction: moves id from
 * `from` to `to` and appends its event only if it is in `from` now.
 * *ret_moved says whether it was.
 */
static int
move(struct sqlite_store *st, const char *id, enum store_state from, enum store_state to,
    int64_t now_ms, const char *note, const char *record, bool *ret_moved,
    struct cg_buf *why)
{
	sqlite3_stmt *stmt = NULL;
	bool moved = false;
	int r = CG_ERR_INTERNAL;

	GUARD(prepare(st, sql_move, "preparing a state change", &stmt, why));
	GUARD(bind_int(st, stmt, 1, to, why));
	GUARD(bind_int(st, stmt, 2, now_ms, why));
	GUARD(bind_text(st, stmt, 3, record, why));
	GUARD(bind_text(st, stmt, 4, id, why));
	GUARD(bind_int(st, stmt, 5, from, why));
	GUARD(step_done(st, stmt, "changing a request's state", why));
	/* 0: not in `from` (or absent); more than 1 cannot happen with id the key */
	ENSURE(sqlite3_changes(st->db) <= 1, CG_ERR_INTERNAL);
	moved = sqlite3_changes(st->db) == 1;
	if (moved)
		GUARD(insert_event(st, id, from, to, now_ms, note, why));
	*ret_moved = moved;
	r = 0;
 out:
	sqlite3_finalize(stmt);
	return r;
}

/* The state request id is in now; CG_ERR_NOT_FOUND when there is no such request. */
static int
state_of(struct sqlite_store *st, const char *id, enum store_state *ret_state,
    struct cg_buf *why)
{
	sqlite3_stmt *stmt = NULL;
	bool row = false;
	int64_t v;
	int r = CG_ERR_INTERNAL;

	GUARD(prepare(st, sql_state_of, "preparing to read a state", &stmt, why));
	GUARD(bind_text(st, stmt, 1, id, why));
	GUARD(step(st, stmt, "reading a request's state", &row, why));
	ENSURE(row, CG_ERR_NOT_FOUND);
	GUARD(column_int(stmt, 0, STORE_PENDING, STORE_ISSUED, &v, why));
	*ret_state = (enum store_state)v;
	r = 0;
 out:
	sqlite3_finalize(stmt);
	return r;
}

static int
sq_create(void *impl, const struct store_request *req, const char *note, struct cg_buf *why)
{
	struct sqlite_store *st = impl;
	sqlite3_stmt *stmt = NULL;
	bool in_tx = false;
	int rc, r = CG_ERR_INTERNAL;

	GUARD(begin_write(st, why));
	in_tx = true;
	GUARD(prepare(st, sql_insert_request, "preparing to add a request", &stmt, why));
	GUARD(bind_text(st, stmt, 1, req->id, why));
	GUARD(bind_int(st, stmt, 2, req->state, why));
	GUARD(bind_text(st, stmt, 3, req->operation, why));
	GUARD(bind_text(st, stmt, 4, req->operator_name, why));
	GUARD(bind_text(st, stmt, 5, req->principal, why));
	GUARD(bind_text(st, stmt, 6, req->region, why));
	GUARD(bind_text(st, stmt, 7, req->reason, why));
	GUARD(bind_text(st, stmt, 8, req->digest, why));
	GUARD(bind_text(st, stmt, 9, req->input, why));
	GUARD(bind_text(st, stmt, 10, req->record, why));
	GUARD(bind_int(st, stmt, 11, req->created_ms, why));
	GUARD(bind_int(st, stmt, 12, req->expires_ms, why));
	GUARD(bind_int(st, stmt, 13, (int64_t)req->digest_version, why));
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
		cg_buf_putf(why, "store: create: request %s exists already", req->id);
		r = CG_ERR_DENIED;
		goto out;
	}
	if (rc != SQLITE_DONE) {
		r = db_fail(st, rc, "adding a request", why);
		goto out;
	}
	GUARD(insert_event(st, req->id, 0, req->state, req->created_ms, note, why));
	GUARD(commit(st, why));
	in_tx = false;
	r = 0;
 out:
	sqlite3_finalize(stmt);
	if (in_tx)
		rollback(st);
	return r;
}

static int
sq_transition(void *impl, const char *id, enum store_state from, enum store_state to,
    int64_t now_ms, const char *note, const char *record, struct cg_buf *why)
{
	struct sqlite_store *st = impl;
	enum store_state now_in = 0;
	bool in_tx = false, moved = false;
	int r = CG_ERR_INTERNAL;

	GUARD(begin_write(st, why));
	in_tx = true;
	GUARD(move(st, id, from, to, now_ms, note, record, &moved, why));
	if (!moved) {
		/* lost the compare-and-set: say why, and change nothing */
		if ((r = state_of(st, id, &now_in, why)) == CG_ERR_NOT_FOUND)
			cg_buf_putf(why, "store: transition: no request %s", id);
		else if (r == 0) {
			cg_buf_putf(why, "store: transition %s: it is %s now, not %s (somebody "
			    "else moved it)", id, store_state_name(now_in), store_state_name(from));
			r = CG_ERR_DENIED;
		}
		goto out;
	}
	GUARD(commit(st, why));
	in_tx = false;
	r = 0;
 out:
	if (in_tx)
		rollback(st);
	return r;
}

/* The pending and approved requests whose time is up, read in the caller's transaction. */
static int
due_requests(struct sqlite_store *st, int64_t now_ms, struct store_due **ret_due, size_t *ret_n,
    struct cg_buf *why)
{
	sqlite3_stmt *stmt = NULL;
	struct store_due *due = NULL, *grown;
	size_t n = 0, cap = 0;
	bool row = false;
	int64_t v;
	int r = CG_ERR_INTERNAL;

	GUARD(prepare(st, sql_due, "preparing to find expired requests", &stmt, why));
	GUARD(bind_int(st, stmt, 1, now_ms, why));
	GUARD(bind_int(st, stmt, 2, STORE_PENDING, why));
	GUARD(bind_int(st, stmt, 3, STORE_APPROVED, why));
	for (;;) {
		GUARD(step(st, stmt, "finding expired requests", &row, why));
		if (!row)
			break;
		if (n == cap) {
			ENSURE(cap < SIZE_MAX / 2 / sizeof(*due), CG_ERR_LIMIT);
			cap = cap == 0 ? 16 : 2 * cap;
			ENSURE((grown = realloc(due, cap * sizeof(*due))) != NULL, CG_ERR_NOMEM);
			due = grown;
		}
		GUARD(column_id(stmt, 0, due[n].id, why));
		GUARD(column_int(stmt, 1, STORE_PENDING, STORE_APPROVED, &v, why));
		due[n].state = (enum store_state)v;
		n++;
	}
	*ret_due = due;
	*ret_n = n;
	due = NULL;
	r = 0;
 out:
	sqlite3_finalize(stmt);
	free(due);
	return r;
}

static int
sq_due(void *impl, int64_t now_ms, struct store_due **ret_due, size_t *ret_n,
    struct cg_buf *why)
{
	struct sqlite_store *st = impl;
	struct store_due *due = NULL;
	size_t n = 0;
	int r = CG_ERR_INTERNAL;

	/* one statement: one snapshot */
	GUARD(due_requests(st, now_ms, &due, &n, why));
	if (n == 0) {
		free(due);
		due = NULL;
	}
	*ret_due = due;
	*ret_n = n;
	due = NULL;
	r = 0;
 out:
	free(due);
	return r;
}

/* ------------------------------------------------------------- the reads */

static int
sq_get(void *impl, const char *id, struct store_request **ret_req, struct cg_buf *why)
{
	struct sqlite_store *st = impl;
	sqlite3_stmt *stmt = NULL;
	struct store_request *req = NULL;
	bool row = false;
	int r = CG_ERR_INTERNAL;

	GUARD(prepare(st, sql_get, "preparing to read a request", &stmt, why));
	GUARD(bind_text(st, stmt, 1, id, why));
	GUARD(step(st, stmt, "reading a request", &row, why));
	if (!row) {
		cg_buf_putf(why, "store: get: no request %s", id);
		r = CG_ERR_NOT_FOUND;
		goto out;
	}
	GUARD(row_request(stmt, &req, why));
	*ret_req = req;
	req = NULL;
	r = 0;
 out:
	sqlite3_finalize(stmt);
	store_request_free(req);
	return r;
}

static int
sq_history(void *impl, const char *id, struct store_event **ret_events, size_t *ret_n,
    struct cg_buf *why)
{
	struct sqlite_store *st = impl;
	sqlite3_stmt *stmt = NULL;
	struct store_event *ev = NULL, *e;
	size_t n = 0;
	bool row = false;
	int64_t v;
	int r = CG_ERR_INTERNAL;

	GUARD(prepare(st, sql_history, "preparing to read a history", &stmt, why));
	GUARD(bind_text(st, stmt, 1, id, why));
	GUARD(step(st, stmt, "reading a history", &row, why));
	if (!row) {
		cg_buf_putf(why, "store: history: no request %s", id);
		r = CG_ERR_NOT_FOUND;
		goto out;
	}
	ENSURE((ev = calloc(STORE_HISTORY_MAX, sizeof(*ev))) != NULL, CG_ERR_NOMEM);
	while (row) {
		if (n == STORE_HISTORY_MAX || sqlite3_column_type(stmt, 0) == SQLITE_NULL) {
			cg_buf_putf(why, "store: history: request %s has %s events",
			    id, n == 0 ? "no" : "too many");
			r = CG_ERR_PARSE;
			goto out;
		}
		e = &ev[n++];
		GUARD(column_int(stmt, 0, 0, STORE_ISSUED, &v, why));
		e->from = (enum store_state)v;
		GUARD(column_int(stmt, 1, STORE_PENDING, STORE_ISSUED, &v, why));
		e->to = (enum store_state)v;
		GUARD(column_int(stmt, 2, INT64_MIN, INT64_MAX, &e->at_ms, why));
		GUARD(column_text(stmt, 3, STORE_FIELD_MAX, &e->note, why));
		GUARD(step(st, stmt, "reading a history", &row, why));
	}
	*ret_events = ev;
	*ret_n = n;
	ev = NULL;
	r = 0;
 out:
	sqlite3_finalize(stmt);
	store_events_free(ev, n);
	return r;
}

static int
sq_list(void *impl, const struct store_list_filter *filter, struct store_request ***ret_reqs,
    size_t *ret_n, struct cg_buf *why)
{
	struct sqlite_store *st = impl;
	sqlite3_stmt *stmt = NULL;
	struct store_request **reqs = NULL;
	size_t n = 0;
	bool row = false;
	int r = CG_ERR_INTERNAL;

	ENSURE(filter->limit >= 1 && filter->limit <= STORE_LIST_MAX, CG_ERR_INVALID_ARG);
	ENSURE((reqs = calloc(filter->limit, sizeof(*reqs))) != NULL, CG_ERR_NOMEM);
	/* one statement: one snapshot */
	GUARD(prepare(st, sql_list, "preparing to list requests", &stmt, why));
	GUARD(bind_int(st, stmt, 1, filter->state, why));
	GUARD(bind_text(st, stmt, 2, filter->operator_name, why));
	GUARD(bind_int(st, stmt, 3, (int64_t)filter->limit, why));
	for (;;) {
		GUARD(step(st, stmt, "listing requests", &row, why));
		if (!row)
			break;
		ENSURE(n < filter->limit, CG_ERR_INTERNAL);
		GUARD(row_request(stmt, &reqs[n], why));
		n++;
	}
	if (n == 0) {
		free(reqs);
		reqs = NULL;
	}
	*ret_reqs = reqs;
	*ret_n = n;
	reqs = NULL;
	r = 0;
 out:
	sqlite3_finalize(stmt);
	store_list_free(reqs, n);
	return r;
}

static int
sq_count_by_state(void *impl, uint64_t counts[STORE_ISSUED + 1], struct cg_buf *why)
{
	struct sqlite_store *st = impl;
	sqlite3_stmt *stmt = NULL;
	uint64_t c[STORE_ISSUED + 1] = { 0 };
	bool row = false;
	int64_t state, n;
	int r = CG_ERR_INTERNAL;

	GUARD(prepare(st, sql_count, "preparing to count requests", &stmt, why));
	for (;;) {
		GUARD(step(st, stmt, "counting requests", &row, why));
		if (!row)
			break;
		GUARD(column_int(stmt, 0, STORE_PENDING, STORE_ISSUED, &state, why));
		GUARD(column_int(stmt, 1, 0, INT64_MAX, &n, why));
		c[state] = (uint64_t)n;
	}
	memcpy(counts, c, sizeof(c));
	r = 0;
 out:
	sqlite3_finalize(stmt);
	return r;
}

/* ------------------------------------------------------------- the check */

/* Where the walk over one request's history is. */
struct walk {
	char		id[STORE_ID_SIZE];
	int64_t		state;
	int64_t		version;
	int64_t		events;		/* seen so far */
	int64_t		last_to;	/* 0 before the first */
};

static int
check_fail(const char *id, const char *problem, struct cg_buf *why)
{
	cg_buf_putf(why, "store: check: request %s: %s", id, problem);
	return CG_ERR_PARSE;
}

/* The end of one request's history: it must have led to its state and version. */
static int
walk_finish(const struct walk *w, struct cg_buf *why)
{
	int r = CG_ERR_INTERNAL;

	if (w->events == 0) {
		r = check_fail(w->id, "has no history", why);
		goto out;
	}
	if (w->last_to != w->state) {
		cg_buf_putf(why, "store: check: request %s: it is %s but its last event says %s",
		    w->id, store_state_name((enum store_state)w->state),
		    store_state_name((enum store_state)w->last_to));
		r = CG_ERR_PARSE;
		goto out;
	}
	if (w->version != w->events) {
		cg_buf_putf(why, "store: check: request %s: version %" PRId64 " but %" PRId64
		    " events", w->id, w->version, w->events);
		r = CG_ERR_PARSE;
		goto out;
	}
	r = 0;
 out:
	return r;
}

/* One event of w's request: the next seq, from where the last one went, along an arrow. */
static int
walk_event(struct walk *w, int64_t seq, int64_t from, int64_t to, struct cg_buf *why)
{
	int r = CG_ERR_INTERNAL;

	if (seq != w->events + 1) {
		r = check_fail(w->id, "its events are not numbered 1, 2, 3, ...", why);
		goto out;
	}
	if (from != w->last_to) {
		r = check_fail(w->id, "an event does not start where the one before it ended",
		    why);
		goto out;
	}
	if (from == 0 ? !(to == STORE_PENDING || to == STORE_APPROVED || to == STORE_DENIED) :
	    !store_transition_allowed((enum store_state)from, (enum store_state)to)) {
		r = check_fail(w->id, "an event is not a move of the state machine", why);
		goto out;
	}
	w->events++;
	w->last_to = to;
	r = 0;
 out:
	return r;
}

static int
check_histories(struct sqlite_store *st, struct cg_buf *why)
{
	sqlite3_stmt *stmt = NULL;
	struct walk w = { .id = "" };
	char id[STORE_ID_SIZE];
	int64_t seq, from, to;
	bool row = false;
	int r = CG_ERR_INTERNAL;

	GUARD(prepare(st, sql_walk, "preparing to walk the histories", &stmt, why));
	for (;;) {
		GUARD(step(st, stmt, "walking the histories", &row, why));
		if (!row)
			break;
		GUARD(column_id(stmt, 0, id, why));
		if (strcmp(id, w.id) != 0) {
			if (w.id[0] != '\0')
				GUARD(walk_finish(&w, why));
			memset(&w, 0, sizeof(w));
			memcpy(w.id, id, sizeof(id));
			GUARD(column_int(stmt, 1, STORE_PENDING, STORE_ISSUED, &w.state, why));
			GUARD(column_int(stmt, 2, 1, UINT32_MAX, &w.version, why));
		}
		if (sqlite3_column_type(stmt, 3) == SQLITE_NULL)
			continue;	/* no events at all: walk_finish says so */
		GUARD(column_int(stmt, 3, 1, INT64_MAX, &seq, why));
		GUARD(column_int(stmt, 4, 0, STORE_ISSUED, &from, why));
		GUARD(column_int(stmt, 5, STORE_PENDING, STORE_ISSUED, &to, why));
		GUARD(walk_event(&w, seq, from, to, why));
	}
	if (w.id[0] != '\0')
		GUARD(walk_finish(&w, why));
	r = 0;
 out:
	sqlite3_finalize(stmt);
	return r;
}

static int
sq_check(void *impl, struct cg_buf *why)
{
	struct sqlite_store *st = impl;
	sqlite3_stmt *stmt = NULL;
	bool in_tx = false, row = false;
	int r = CG_ERR_INTERNAL;

	GUARD(begin_read(st, why));
	in_tx = true;
	GUARD(pragma_expect(st, "PRAGMA integrity_check", "ok", why));
	/* events whose request is missing */
	GUARD(prepare(st, "PRAGMA foreign_key_check", "PRAGMA foreign_key_check", &stmt, why));
	GUARD(step(st, stmt, "PRAGMA foreign_key_check", &row, why));
	if (row) {
		cg_buf_putf(why, "store: check: table %s has a row whose %s is missing",
		    sqlite3_column_text(stmt, 0) != NULL ?
		    (const char *)sqlite3_column_text(stmt, 0) : "?",
		    sqlite3_column_text(stmt, 2) != NULL ?
		    (const char *)sqlite3_column_text(stmt, 2) : "parent");
		r = CG_ERR_PARSE;
		goto out;
	}
	GUARD(check_histories(st, why));
	GUARD(commit(st, why));
	in_tx = false;
	r = 0;
 out:
	sqlite3_finalize(stmt);
	if (in_tx)
		rollback(st);
	return r;
}

/* ----------------------------------------------------------- open, close */

static void
sqlite_store_free(struct sqlite_store *st)
{
	if (st == NULL)
		return;
	sqlite3_close(st->db);	/* every statement is finalized: this closes */
	free(st);
}

static void
sq_close(void *impl)
{
	sqlite_store_free(impl);
}

static const struct store_ops sqlite_ops = {
	.close = sq_close,
	.create = sq_create,
	.get = sq_get,
	.history = sq_history,
	.list = sq_list,
	.transition = sq_transition,
	.due = sq_due,
	.count_by_state = sq_count_by_state,
	.check = sq_check,
};

int
store_schema_version(void)
{
	return (int)CG_NELEM(migrations);
}

/*
 * Creates the file (0600) when missing and checks it: a regular file, not
 * a symlink, ours, no group or other access.  Its identity goes to ret_st
 * so that the caller can check SQLite opened this same file.
 */
static int
file_prepare(const char *path, struct stat *ret_st, struct cg_buf *why)
{
	struct stat sb;
	int fd = -1, r = CG_ERR_INTERNAL;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = errno_code(errno);
		cg_buf_putf(why, "store: opening %s: %s%s", path, strerror(errno),
		    errno == ELOOP ? " (a symlink is not accepted)" : "");
		goto out;
	}
	if (fstat(fd, &sb) < 0) {
		r = errno_code(errno);
		cg_buf_putf(why, "store: fstat %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid() || (sb.st_mode & 077) != 0) {
		cg_buf_putf(why, "store: %s must be a regular file owned by uid %u with mode "
		    "0600 (it is mode %04o, uid %u)", path, (unsigned)geteuid(),
		    (unsigned)(sb.st_mode & 07777), (unsigned)sb.st_uid);
		r = CG_ERR_DENIED;
		goto out;
	}
	*ret_st = sb;
	r = 0;
 out:
	/*
	 * Closed before SQLite takes any lock: closing any descriptor of a file
	 * drops all of the process's POSIX locks on it, SQLite's included.
	 */
	if (fd >= 0)
		close(fd);
	return r;
}

/* The connection's settings; each one read back, since a PRAGMA fails silently. */
static int
configure(struct sqlite_store *st, struct cg_buf *why)
{
	int on = -1, r = CG_ERR_INTERNAL;

	sqlite3_extended_result_codes(st->db, 1);
	/* no writes to the schema by hand, no functions with side effects from the schema */
	ENSURE(sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on) == SQLITE_OK &&
	    on == 1, CG_ERR_INTERNAL);
	ENSURE(sqlite3_db_config(st->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &on) == SQLITE_OK &&
	    on == 0, CG_ERR_INTERNAL);
	ENSURE(sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS) == SQLITE_OK, CG_ERR_INTERNAL);
	/* a COMMIT is on disk when it returns: WAL, fsync()ed at every commit */
	GUARD(pragma_expect(st, "PRAGMA journal_mode=WAL", "wal", why));
	GUARD(exec(st, "PRAGMA synchronous=FULL", "PRAGMA synchronous=FULL", why));
	GUARD(pragma_expect(st, "PRAGMA synchronous", "2", why));
	GUARD(exec(st, "PRAGMA foreign_keys=ON", "PRAGMA foreign_keys=ON", why));
	GUARD(pragma_expect(st, "PRAGMA foreign_keys", "1", why));
	/* a replaced decision record does not linger in free pages */
	GUARD(exec(st, "PRAGMA secure_delete=ON", "PRAGMA secure_delete=ON", why));
	GUARD(pragma_expect(st, "PRAGMA secure_delete", "1", why));
	r = 0;
 out:
	return r;
}

/*
 * One transaction: reads the schema version under the write lock (another
 * process may have migrated in the meantime), refuses a file that is not a
 * cmkgate store or is newer than this build, and applies the next missing
 * migration if there is one.  *ret_version is the file's version after.
 */
static int
migrate_step(struct sqlite_store *st, int64_t *ret_version, struct cg_buf *why)
{
	const int64_t known = (int64_t)CG_NELEM(migrations);
	char set_version[64];
	int64_t version = 0, app = 0, objects = 0;
	bool in_tx = false;
	int n, r = CG_ERR_INTERNAL;

	GUARD(begin_write(st, why));
	in_tx = true;
	GUARD(query_int(st, "PRAGMA user_version", &version, why));
	GUARD(query_int(st, "PRAGMA application_id", &app, why));
	GUARD(query_int(st, "SELECT count(*) FROM sqlite_master", &objects, why));
	if (version > known) {
		cg_buf_putf(why, "store: the file's schema version is %" PRId64 ", newer than "
		    "this build's %" PRId64 ": run the cmkgate that wrote it, or a newer one",
		    version, known);
		r = CG_ERR_DENIED;
		goto out;
	}
	if (version < 0 || (version == 0 && (app != 0 || objects != 0)) ||
	    (version > 0 && app != APPLICATION_ID)) {
		cg_buf_putf(why, "store: the file is a database but not a cmkgate store "
		    "(application_id %" PRId64 ", schema version %" PRId64 ")", app, version);
		r = CG_ERR_DENIED;
		goto out;
	}
	if (version < known) {
		GUARD(exec(st, migrations[version], "applying a schema migration", why));
		/* a PRAGMA takes no parameters; the number is this file's own */
		n = snprintf(set_version, sizeof(set_version), "PRAGMA user_version = %" PRId64,
		    version + 1);
		ENSURE(n > 0 && (size_t)n < sizeof(set_version), CG_ERR_INTERNAL);
		GUARD(exec(st, set_version, "recording the schema version", why));
		version++;
	}
	GUARD(commit(st, why));
	in_tx = false;
	*ret_version = version;
	r = 0;
 out:
	if (in_tx)
		rollback(st);
	return r;
}

static int
migrate(struct sqlite_store *st, struct cg_buf *why)
{
	int64_t version = 0;
	int r = CG_ERR_INTERNAL;

	do {
		GUARD(migrate_step(st, &version, why));
	} while (version < (int64_t)CG_NELEM(migrations));
	r = 0;
 out:
	return r;
}

int
store_open_sqlite(const char *path, struct store **ret_store, struct cg_buf *why)
{
	struct sqlite_store *st = NULL;
	struct stat created = { 0 }, opened = { 0 };
	const char *name;
	int rc, r = CG_ERR_INTERNAL;

	ENSURE(path != NULL && *path != '\0' && ret_store != NULL, CG_ERR_INVALID_ARG);
	ENSURE(sodium_init() >= 0, CG_ERR_INTERNAL);	/* store_new_id() */
	GUARD(file_prepare(path, &created, why));
	ENSURE((st = calloc(1, sizeof(*st))) != NULL, CG_ERR_NOMEM);
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE, NULL);
	if (rc != SQLITE_OK) {
		r = db_fail(st, rc, "opening the database", why);
		goto out;
	}
	/* the file SQLite opened is the one checked above, not one swapped in since */
	name = sqlite3_db_filename(st->db, "main");
	if (name == NULL || lstat(name, &opened) < 0 || !S_ISREG(opened.st_mode) ||
	    opened.st_dev != created.st_dev || opened.st_ino != created.st_ino) {
		cg_buf_putf(why, "store: %s was replaced while it was being opened", path);
		r = CG_ERR_DENIED;
		goto out;
	}
	GUARD(configure(st, why));
	GUARD(migrate(st, why));
	GUARD(store_wrap(&sqlite_ops, st, ret_store));
	st = NULL;
	r = 0;
 out:
	sqlite_store_free(st);
	return r;
}

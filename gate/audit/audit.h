/*
 * The gate's audit log: JSON lines, each chained to the one before it by
 * hash, the chain head signed now and then by the gate's Ed25519 key.
 * The format is specified in docs/audit.md; in short, one line is
 *
 *   {"seq":N,"time":"2025-01-31T12:00:00.000Z","event":"check",
 *    "who":{..},"what":{..},"source":{..},"request_id":"..","decision":"..",
 *    "keys":[..],"prev":"<hex BLAKE2b-256 of the previous line, newline included>"}
 *
 * in that member order, each value in RFC 8785 (JCS) canonical form
 * (policy/jcs.h), no whitespace, ending in one '\n', at most AUDIT_LINE_MAX
 * bytes in all.  A "checkpoint" entry carries {"hash","key_id","seq","sig"}
 * under "checkpoint" instead of the caller's fields.
 *
 * Writing (the gate):
 *
 *	audit_open()		verifies the existing file (chain and signatures),
 *				takes an exclusive lock on it, and finds the head;
 *				a log that does not verify is not opened.
 *	audit_append()		adds seq, time and prev, writes the line with
 *				O_APPEND and fsync()s it before returning 0.
 *	audit_checkpoint()	appends a signed checkpoint now (audit_append
 *				also does every checkpoint_every entries).
 *
 * THE CALLER MUST NOT ACT WHEN audit_append() FAILS.  A non-zero return
 * means the entry may not be on disk; the gate refuses the operation it
 * was about to record.  After a failed write or fsync the handle refuses
 * every further append (CG_ERR_IO): close it and audit_open() again, which
 * verifies the file once more.  An entry whose append failed may still be
 * in the file (fsync failed after the write), so the log can name an
 * action that was then refused, never the other way round.
 *
 * Reading (anyone with the public key): audit_verify().
 *
 * All functions follow cg_err.h: 0 or a negative CG_ERR_* code, ret_*
 * outputs written only on success.  The one exception is struct
 * audit_report, a diagnostic that is filled in on every return (that is
 * its point), hence it is called `report`, not `ret_report`.  Nothing here
 * prints.
 */
#ifndef CMKGATE_AUDIT_H
#define CMKGATE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* One line, its newline included. */
#define AUDIT_LINE_MAX		65536
#define AUDIT_HASH_BYTES	32		/* BLAKE2b-256 */
#define AUDIT_KEY_ID_BYTES	16		/* BLAKE2b-128 of the public key */
#define AUDIT_PUBKEY_BYTES	32		/* Ed25519 */
#define AUDIT_SIG_BYTES		64		/* Ed25519 */
#define AUDIT_EVENT_MAX		64
#define AUDIT_REQUEST_ID_MAX	256
#define AUDIT_DECISION_MAX	64
/* The signed message starts with these bytes, its NUL included. */
#define AUDIT_CHECKPOINT_DOMAIN	"cmkgate-audit-checkpoint-v1"
/* The public key file: this word, one space, 64 lowercase hex digits, '\n'. */
#define AUDIT_PUBKEY_PREFIX	"cmkgate-audit-ed25519"

/* ------------------------------------------------------------------ keys */

/* A secret signing key: sodium_malloc'd, read-only after creation, wiped
 * when freed.  Never printed, logged or put on a command line. */
struct audit_key;

struct audit_pubkey {
	uint8_t	bytes[AUDIT_PUBKEY_BYTES];
};

int audit_key_generate(struct audit_key **ret_key);
/*
 * Reads a secret key file: exactly 64 bytes, libsodium's Ed25519 secret
 * key (the 32-byte seed, then the 32-byte public key).  The file is opened
 * with O_NOFOLLOW|O_CLOEXEC and must be a regular file owned by the
 * effective uid with no group or other permission bits (CG_ERR_DENIED
 * otherwise, also for a symlink); CG_ERR_NOT_FOUND when missing,
 * CG_ERR_PARSE when the size is wrong or the public half does not belong
 * to the seed.
 */
int audit_key_load(const char *path, struct audit_key **ret_key);
/*
 * Writes key to path (mode 0600) and its public key to path + ".pub"
 * (mode 0644, the format of audit_pubkey_parse), both fsync()ed.  Never
 * overwrites: CG_ERR_DENIED when either exists (or is a symlink); when the
 * .pub file cannot be written the secret file is removed again.
 */
int audit_key_save(const struct audit_key *key, const char *path);
void audit_key_free(struct audit_key *key);
void audit_key_public(const struct audit_key *key, struct audit_pubkey *ret_pub);

/* "cmkgate-audit-ed25519 <64 lowercase hex>", an optional final '\n', nothing else. */
int audit_pubkey_parse(const uint8_t *data, size_t len, struct audit_pubkey *ret_pub);
/* Reads and parses a public key file (at most 1 KiB). */
int audit_pubkey_load(const char *path, struct audit_pubkey *ret_pub);
/* The key id checkpoints name: BLAKE2b-128 of the 32 public key bytes, as
 * 32 lowercase hex digits and a NUL. */
void audit_pubkey_id(const struct audit_pubkey *pub, char ret_hex[2 * AUDIT_KEY_ID_BYTES + 1]);

/* ---------------------------------------------------------- verification */

enum audit_problem {
	AUDIT_OK = 0,
	AUDIT_MALFORMED,	/* a line is not a valid entry (JSON, schema, canonical form) */
	AUDIT_TOO_LONG,		/* a line is longer than AUDIT_LINE_MAX */
	AUDIT_TRUNCATED,	/* the last line has no newline: cut short */
	AUDIT_DELETED,		/* seq skips numbers that appear nowhere later: lines removed */
	AUDIT_REORDERED,	/* seq out of order, or repeated: lines moved or copied */
	AUDIT_EDITED,		/* prev does not match the line before: that line was changed */
	AUDIT_BAD_CHECKPOINT,	/* a checkpoint's head is not the chain's head at that point */
	AUDIT_OTHER_KEY,	/* a checkpoint is signed by another key id */
	AUDIT_FORGED,		/* a checkpoint signature does not verify */
};

/* "malformed", "too-long", "truncated", ...; never NULL. */
const char *audit_problem_name(enum audit_problem problem);

struct audit_report {
	/* what verified, up to the first problem (the whole log when intact) */
	uint64_t		entries;		/* lines verified */
	uint64_t		last_seq;		/* of the last verified line; 0: none */
	char			head[2 * AUDIT_HASH_BYTES + 1];	/* its hash, hex; zeros: none */
	uint64_t		checkpoints;		/* verified checkpoints */
	uint64_t		last_checkpoint_seq;	/* seq of the last one; 0: none */
	uint64_t		unsigned_tail;		/* entries after it (all, when none) */
	/* the first problem */
	enum audit_problem	problem;		/* AUDIT_OK: none */
	uint64_t		line;			/* its line number, from 1; 0: none */
	char			detail[256];		/* what, in words; "" when none */
};

/*
 * Verifies the log at path against pub: every line is a canonical entry,
 * seq counts 1, 2, 3, ..., every prev is the hash of the line before it
 * (64 zeros for the first), every checkpoint names the head before it and
 * carries a valid signature by pub.  An empty file is an intact, empty log.
 *
 * Returns 0 when the log is intact; CG_ERR_DENIED when it is not (report
 * says what and where); another negative code when it could not be checked
 * (CG_ERR_NOT_FOUND, CG_ERR_IO, CG_ERR_NOMEM; report->detail says why).
 * report is always filled in.
 *
 * A hash chain cannot show that entries were cut off the end: the unsigned
 * tail after the last checkpoint can be truncated, and the whole log can be
 * rolled back to any earlier checkpoint, without a trace.  Compare
 * report->last_seq and report->head with a copy kept elsewhere.
 */
int audit_verify(const char *path, const struct audit_pubkey *pub,
    struct audit_report *report);
/* The same over an open file, read from its current offset to the end. */
int audit_verify_fd(int fd, const struct audit_pubkey *pub, struct audit_report *report);

/* One entry as verification reads it (a parsed, schema-checked line). */
struct audit_entry {
	uint64_t	seq;
	char		time[25];			/* YYYY-MM-DDTHH:MM:SS.mmmZ */
	char		event[AUDIT_EVENT_MAX + 1];
	uint8_t		prev[AUDIT_HASH_BYTES];
	bool		is_checkpoint;			/* the fields below are set */
	uint64_t	cp_seq;				/* the head it signs */
	uint8_t		cp_hash[AUDIT_HASH_BYTES];
	uint8_t		cp_key_id[AUDIT_KEY_ID_BYTES];
	uint8_t		cp_sig[AUDIT_SIG_BYTES];
};

/*
 * Parses one line (without its newline): strict JSON, the schema above,
 * unknown fields refused, and the line must be exactly the canonical
 * serialization of what it holds (so integers beyond 2^53 are refused).
 * CG_ERR_PARSE or CG_ERR_LIMIT on failure, with a static reason in
 * *ret_why when ret_why is not NULL.
 */
int audit_entry_parse(const uint8_t *line, size_t len, struct audit_entry *ret_entry,
    const char **ret_why);

/* ---------------------------------------------------------------- writing */

struct audit;

/*
 * Opens (creating it, mode 0640, when missing) the log at path for
 * appending, with key as the checkpoint signing key (copied; the caller
 * keeps and frees its own).  The file must be a regular file, not a
 * symlink, not writable by group or others (CG_ERR_DENIED); it is locked
 * with flock(LOCK_EX) for as long as the handle lives, so a second writer
 * gets CG_ERR_DENIED.  The existing contents are verified as audit_verify()
 * does with key's public half; a log that is not intact is refused with
 * CG_ERR_DENIED and report naming the line -- except for an unfinished
 * last line (no newline: an append killed between write and fsync, never
 * acknowledged), which is cut off, with report->detail saying so (and ""
 * when nothing was cut).  checkpoint_every: append a
 * checkpoint after that many entries (0: only on audit_checkpoint()).
 * report may be NULL.
 */
int audit_open(const char *path, const struct audit_key *key, unsigned checkpoint_every,
    struct audit **ret_audit, struct audit_report *report);

/*
 * Appends one entry, durable (write + fsync) when it returns 0; see the
 * warning at the top of this file for what a failure means.
 *
 * event: 1..AUDIT_EVENT_MAX of [a-z0-9._-], starting with a letter, not
 * "checkpoint".  fields: NULL or an object with any of "who", "what",
 * "source" (objects), "request_id" (string, at most AUDIT_REQUEST_ID_MAX
 * bytes), "decision" (string, at most AUDIT_DECISION_MAX bytes), "keys"
 * (array); values hold only UTF-8, no NUL bytes and finite numbers.
 * Anything else is CG_ERR_INVALID_ARG; a line over AUDIT_LINE_MAX, values
 * nested deeper than CG_JSON_DEPTH_MAX or integers beyond 2^53 are
 * CG_ERR_LIMIT; both write nothing and leave the handle usable.  fields is
 * not taken over.
 *
 * When checkpoint_every entries have gone by, the checkpoint is appended
 * too; if only the checkpoint fails, the entry is on disk but the call
 * still fails (and the handle refuses further appends).
 */
int audit_append(struct audit *audit, const char *event, struct json_object *fields);

/* Appends a signed checkpoint of the current head, unless the log is empty
 * or its last entry already is a checkpoint (then 0, nothing written). */
int audit_checkpoint(struct audit *audit);

/* The current head: the last entry's seq (0: empty log) and hash
 * (zeros when empty), for recording outside the log. */
void audit_head(const struct audit *audit, uint64_t *ret_seq,
    uint8_t ret_hash[AUDIT_HASH_BYTES]);

/* Unlocks, closes and frees (wiping the key copy); NULL is fine. */
void audit_close(struct audit *audit);

#endif

/*
 * Policy snapshots: the policies the gate checks permissions against,
 * written to a directory by `cmkgate policy sync` so that a gate can decide
 * without reading IAM and KMS policies from AWS (cmkgated.conf:
 * policy_directory).  Key states and the application are still read from
 * AWS for every request.
 *
 *   DIR/roles/NAME.json   {"format": "cmkgate-policy-snapshot-v1", "kind": "role",
 *                          "name": NAME, "synced": "2026-11-30T18:00:00Z",
 *                          "policies": [{"name": N, "document": {...}}, ...],
 *                          "boundary": {...}}            (boundary optional)
 *   DIR/keys/KEYID.json   {"format": "cmkgate-policy-snapshot-v1", "kind": "key",
 *                          "arn": KEY-ARN, "synced": "...", "policy": {...}}
 *
 * The files are ours, so they are parsed strictly: unknown members,
 * missing ones, a name or ARN other than the one asked for, more than
 * SNAPSHOT_POLICIES_MAX policies, a file over SNAPSHOT_FILE_MAX bytes are
 * refused.  A file is read only when it is a regular file (not a symlink)
 * owned by root or the effective uid and not writable by group or others.
 * Files are written atomically (temporary file, fsync, rename, fsync of the
 * directory).  Functions follow cg_err.h.
 */
#ifndef CMKGATE_POLICY_SNAPSHOT_H
#define CMKGATE_POLICY_SNAPSHOT_H

#include <stddef.h>
#include <time.h>

struct cg_buf;

#define SNAPSHOT_FORMAT		"cmkgate-policy-snapshot-v1"
#define SNAPSHOT_FILE_MAX	(1024 * 1024)
#define SNAPSHOT_POLICIES_MAX	32

/* A role's policies as texts (owned). */
struct snapshot_role {
	char	*names[SNAPSHOT_POLICIES_MAX];
	char	*docs[SNAPSHOT_POLICIES_MAX];	/* JSON text */
	size_t	 n;
	char	*boundary;			/* JSON text; NULL: none */
};

void snapshot_role_clear(struct snapshot_role *role);

/* Parses a role file; role must be its "name".  CG_ERR_PARSE/LIMIT with why. */
int snapshot_role_parse(const char *text, size_t len, const char *role,
    struct snapshot_role *ret, struct cg_buf *why);
/* Parses a key file; key_arn must be its "arn".  *ret_doc is JSON text. */
int snapshot_key_parse(const char *text, size_t len, const char *key_arn, char **ret_doc,
    struct cg_buf *why);

/* The file texts (pretty-printed JSON); docs are JSON texts as AWS gives them. */
int snapshot_role_text(const char *role, const char *const *names, const char *const *docs,
    size_t n, const char *boundary, time_t synced, struct cg_buf *out, struct cg_buf *why);
int snapshot_key_text(const char *key_arn, const char *doc, time_t synced, struct cg_buf *out,
    struct cg_buf *why);

/*
 * The file name for a role (NAME.json: a role name, [A-Za-z0-9+=,.@_-],
 * 1..64) or a key (KEYID.json from arn:...:key/KEYID: [A-Za-z0-9-], 1..64).
 * CG_ERR_INVALID_ARG for anything else (a path never comes from outside).
 */
int snapshot_role_file(const char *role, char *out, size_t max);
int snapshot_key_file(const char *key_arn, char *out, size_t max);

/* Reads DIR/SUB/FILE with the checks above (CG_ERR_NOT_FOUND when missing). */
int snapshot_read(const char *dir, const char *sub, const char *file, struct cg_buf *out,
    struct cg_buf *why);
/* Writes DIR/SUB/FILE atomically, mode 0644, creating DIR/SUB (0755) if needed. */
int snapshot_write(const char *dir, const char *sub, const char *file, const struct cg_buf *data,
    struct cg_buf *why);

#endif

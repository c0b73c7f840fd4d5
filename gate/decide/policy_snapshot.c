/*
 * Policy snapshot files: parsing, writing, safe reading.  See
 * policy_snapshot.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "policy_snapshot.h"

#define NAME_MAX_LEN	64
#define SYNCED_LEN	20	/* YYYY-MM-DDTHH:MM:SSZ */

void
snapshot_role_clear(struct snapshot_role *role)
{
	size_t i;

	for (i = 0; i < role->n; i++) {
		free(role->names[i]);
		free(role->docs[i]);
	}
	free(role->boundary);
	memset(role, 0, sizeof(*role));
}

static bool
all_in(const char *s, const char *set)
{
	return strspn(s, set) == strlen(s);
}

int
snapshot_role_file(const char *role, char *out, size_t max)
{
	int r = CG_ERR_INTERNAL;

	ENSURE(strlen(role) >= 1 && strlen(role) <= NAME_MAX_LEN && all_in(role,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+=,.@_-") &&
	    role[0] != '.', CG_ERR_INVALID_ARG);
	ENSURE(snprintf(out, max, "%s.json", role) < (int)max, CG_ERR_LIMIT);
	r = 0;
 out:
	return r;
}

int
snapshot_key_file(const char *key_arn, char *out, size_t max)
{
	const char *id = strstr(key_arn, ":key/");
	int r = CG_ERR_INTERNAL;

	ENSURE(strncmp(key_arn, "arn:", 4) == 0 && id != NULL, CG_ERR_INVALID_ARG);
	id += 5;
	ENSURE(strlen(id) >= 1 && strlen(id) <= NAME_MAX_LEN && all_in(id,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"), CG_ERR_INVALID_ARG);
	ENSURE(snprintf(out, max, "%s.json", id) < (int)max, CG_ERR_LIMIT);
	r = 0;
 out:
	return r;
}

/* ---------------------------------------------------------------- parsing */

/* Exactly these members, each present (optional ones may be missing). */
static int
check_members(struct json_object *o, const char *const *names, size_t n, size_t required,
    struct cg_buf *why)
{
	struct json_object_iterator it, end;
	const char *name;
	size_t i;
	int r = CG_ERR_INTERNAL;

	if (!json_object_is_type(o, json_type_object)) {
		(void)cg_buf_putf(why, "a JSON object is needed");
		r = CG_ERR_PARSE;
		goto out;
	}
	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		name = json_object_iter_peek_name(&it);
		for (i = 0; i < n && strcmp(names[i], name) != 0; i++)
			;
		if (i == n) {
			(void)cg_buf_putf(why, "unknown member \"%.64s\"", name);
			r = CG_ERR_PARSE;
			goto out;
		}
	}
	for (i = 0; i < required; i++)
		if (!json_object_object_get_ex(o, names[i], NULL)) {
			(void)cg_buf_putf(why, "member \"%s\" is missing", names[i]);
			r = CG_ERR_PARSE;
			goto out;
		}
	r = 0;
 out:
	return r;
}

static int
get_string(struct json_object *o, const char *name, const char **ret, struct cg_buf *why)
{
	struct json_object *v = NULL;
	int r = CG_ERR_INTERNAL;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string)) {
		(void)cg_buf_putf(why, "member \"%s\" must be a string", name);
		r = CG_ERR_PARSE;
		goto out;
	}
	*ret = json_object_get_string(v);
	r = 0;
 out:
	return r;
}

/* The header every file has: format, kind, synced. */
static int
check_header(struct json_object *o, const char *kind, struct cg_buf *why)
{
	const char *s = NULL;
	int r = CG_ERR_INTERNAL;

	GUARD(get_string(o, "format", &s, why));
	if (strcmp(s, SNAPSHOT_FORMAT) != 0) {
		(void)cg_buf_putf(why, "format is \"%.64s\", not " SNAPSHOT_FORMAT, s);
		r = CG_ERR_PARSE;
		goto out;
	}
	GUARD(get_string(o, "kind", &s, why));
	if (strcmp(s, kind) != 0) {
		(void)cg_buf_putf(why, "kind is \"%.16s\", not %s", s, kind);
		r = CG_ERR_PARSE;
		goto out;
	}
	GUARD(get_string(o, "synced", &s, why));
	if (strlen(s) != SYNCED_LEN || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z') {
		(void)cg_buf_putf(why, "synced must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
		r = CG_ERR_PARSE;
		goto out;
	}
	r = 0;
 out:
	return r;
}

/* A policy document member: an object, given back as JSON text. */
static int
doc_text(struct json_object *o, const char *name, char **ret, struct cg_buf *why)
{
	struct json_object *v = NULL;
	const char *s;
	int r = CG_ERR_INTERNAL;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_object)) {
		(void)cg_buf_putf(why, "member \"%s\" must be a policy document (an object)", name);
		r = CG_ERR_PARSE;
		goto out;
	}
	ENSURE((s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE)) != NULL, CG_ERR_NOMEM);
	ENSURE((*ret = strdup(s)) != NULL, CG_ERR_NOMEM);
	r = 0;
 out:
	return r;
}

static int
parse_file(const char *text, size_t len, struct json_object **ret, struct cg_buf *why)
{
	const char *msg = "";
	int r = CG_ERR_INTERNAL;

	if ((r = cg_json_parse(text, len, SNAPSHOT_FILE_MAX, ret, &msg)) < 0) {
		(void)cg_buf_putf(why, "not strict JSON: %s", msg);
		if (r != CG_ERR_NOMEM && r != CG_ERR_LIMIT)
			r = CG_ERR_PARSE;
	}
	return r;
}

int
snapshot_role_parse(const char *text, size_t len, const char *role, struct snapshot_role *ret,
    struct cg_buf *why)
{
	static const char *const top[] = { "format", "kind", "name", "synced", "policies",
	    "boundary" };
	static const char *const item[] = { "name", "document" };
	struct json_object *root = NULL, *a = NULL, *e;
	struct snapshot_role sr;
	const char *name = NULL;
	size_t i;
	int r = CG_ERR_INTERNAL;

	memset(&sr, 0, sizeof(sr));
	GUARD(parse_file(text, len, &root, why));
	GUARD(check_members(root, top, CG_NELEM(top), 5, why));
	GUARD(check_header(root, "role", why));
	GUARD(get_string(root, "name", &name, why));
	if (strcmp(name, role) != 0) {
		(void)cg_buf_putf(why, "the file is for role \"%.64s\", not %s", name, role);
		r = CG_ERR_PARSE;
		goto out;
	}
	if (!json_object_object_get_ex(root, "policies", &a) ||
	    !json_object_is_type(a, json_type_array)) {
		(void)cg_buf_putf(why, "member \"policies\" must be an array");
		r = CG_ERR_PARSE;
		goto out;
	}
	if (json_object_array_length(a) > SNAPSHOT_POLICIES_MAX) {
		(void)cg_buf_putf(why, "more than %d policies", SNAPSHOT_POLICIES_MAX);
		r = CG_ERR_LIMIT;
		goto out;
	}
	for (i = 0; i < json_object_array_length(a); i++) {
		e = json_object_array_get_idx(a, i);
		if ((r = check_members(e, item, CG_NELEM(item), 2, why)) < 0) {
			(void)cg_buf_putf(why, " in policies[%zu]", i);
			goto out;
		}
		GUARD(get_string(e, "name", &name, why));
		if (*name == '\0' || strlen(name) > 2048) {
			(void)cg_buf_putf(why, "policies[%zu].name must be 1 to 2048 bytes", i);
			r = CG_ERR_PARSE;
			goto out;
		}
		ENSURE((sr.names[sr.n] = strdup(name)) != NULL, CG_ERR_NOMEM);
		if ((r = doc_text(e, "document", &sr.docs[sr.n], why)) < 0) {
			free(sr.names[sr.n]);
			goto out;
		}
		sr.n++;
	}
	if (json_object_object_get_ex(root, "boundary", NULL))
		GUARD(doc_text(root, "boundary", &sr.boundary, why));
	*ret = sr;
	memset(&sr, 0, sizeof(sr));
	r = 0;
 out:
	snapshot_role_clear(&sr);
	json_object_put(root);
	return r;
}

int
snapshot_key_parse(const char *text, size_t len, const char *key_arn, char **ret_doc,
    struct cg_buf *why)
{
	static const char *const top[] = { "format", "kind", "arn", "synced", "policy" };
	struct json_object *root = NULL;
	const char *arn = NULL;
	int r = CG_ERR_INTERNAL;

	GUARD(parse_file(text, len, &root, why));
	GUARD(check_members(root, top, CG_NELEM(top), CG_NELEM(top), why));
	GUARD(check_header(root, "key", why));
	GUARD(get_string(root, "arn", &arn, why));
	if (strcmp(arn, key_arn) != 0) {
		(void)cg_buf_putf(why, "the file is for key %.300s, not %s", arn, key_arn);
		r = CG_ERR_PARSE;
		goto out;
	}
	GUARD(doc_text(root, "policy", ret_doc, why));
	r = 0;
 out:
	json_object_put(root);
	return r;
}

/* ---------------------------------------------------------------- writing */

/* A document from AWS, parsed strictly so that the file holds an object. */
static int
add_doc(struct json_object *o, const char *key, const char *doc, struct cg_buf *why)
{
	struct json_object *v = NULL;
	const char *msg = "";
	int r = CG_ERR_INTERNAL;

	if ((r = cg_json_parse(doc, strlen(doc), SNAPSHOT_FILE_MAX, &v, &msg)) < 0 ||
	    !json_object_is_type(v, json_type_object)) {
		(void)cg_buf_putf(why, "a policy document (%s) is not a JSON object: %s", key, msg);
		r = r < 0 ? r : CG_ERR_PARSE;
		goto out;
	}
	GUARD(cg_json_add(o, key, v));
	v = NULL;
 out:
	json_object_put(v);
	return r;
}

static int
header(struct json_object **ret, const char *kind, time_t synced)
{
	struct json_object *o = NULL;
	struct tm tm;
	char when[SYNCED_LEN + 1];
	int r = CG_ERR_INTERNAL;

	ENSURE(gmtime_r(&synced, &tm) != NULL, CG_ERR_INVALID_ARG);
	ENSURE(strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == SYNCED_LEN,
	    CG_ERR_INVALID_ARG);
	ENSURE((o = json_object_new_object()) != NULL, CG_ERR_NOMEM);
	GUARD(cg_json_add(o, "format", json_object_new_string(SNAPSHOT_FORMAT)));
	GUARD(cg_json_add(o, "kind", json_object_new_string(kind)));
	GUARD(cg_json_add(o, "synced", json_object_new_string(when)));
	*ret = o;
	o = NULL;
	r = 0;
 out:
	json_object_put(o);
	return r;
}

static int
finish(struct json_object *o, struct cg_buf *out)
{
	const char *s;
	int r = CG_ERR_INTERNAL;

	ENSURE((s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)) != NULL, CG_ERR_NOMEM);
	GUARD(cg_buf_put(out, s, strlen(s)));
	GUARD(cg_buf_put(out, "\n", 1));
 out:
	return r;
}

int
snapshot_role_text(const char *role, const char *const *names, const char *const *docs,
    size_t n, const char *boundary, time_t synced, struct cg_buf *out, struct cg_buf *why)
{
	struct json_object *o = NULL, *a = NULL, *e = NULL;
	size_t i;
	int r = CG_ERR_INTERNAL;

	ENSURE(n <= SNAPSHOT_POLICIES_MAX, CG_ERR_LIMIT);
	GUARD(header(&o, "role", synced));
	GUARD(cg_json_add(o, "name", json_object_new_string(role)));
	ENSURE((a = json_object_new_array()) != NULL, CG_ERR_NOMEM);
	for (i = 0; i < n; i++) {
		ENSURE((e = json_object_new_object()) != NULL, CG_ERR_NOMEM);
		GUARD(cg_json_add(e, "name", json_object_new_string(names[i])));
		GUARD(add_doc(e, "document", docs[i], why));
		if (json_object_array_add(a, e) != 0) {
			r = CG_ERR_NOMEM;
			goto out;
		}
		e = NULL;
	}
	GUARD(cg_json_add(o, "policies", a));
	a = NULL;
	if (boundary != NULL)
		GUARD(add_doc(o, "boundary", boundary, why));
	GUARD(finish(o, out));
 out:
	json_object_put(e);
	json_object_put(a);
	json_object_put(o);
	return r;
}

int
snapshot_key_text(const char *key_arn, const char *doc, time_t synced, struct cg_buf *out,
    struct cg_buf *why)
{
	struct json_object *o = NULL;
	int r = CG_ERR_INTERNAL;

	GUARD(header(&o, "key", synced));
	GUARD(cg_json_add(o, "arn", json_object_new_string(key_arn)));
	GUARD(add_doc(o, "policy", doc, why));
	GUARD(finish(o, out));
 out:
	json_object_put(o);
	return r;
}

/* --------------------------------------------------------------- the files */

/*
 * A directory of the snapshot: a real directory (not a symlink) owned by
 * root or the gate's user that nobody else may write, so that nobody else
 * can put, rename or link an old file into place.
 */
static int
check_dir(const char *dir, struct cg_buf *why)
{
	struct stat st;
	int r = CG_ERR_INTERNAL;

	if (lstat(dir, &st) != 0) {
		r = errno == ENOENT ? CG_ERR_NOT_FOUND : CG_ERR_IO;
		(void)cg_buf_putf(why, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode) || (st.st_mode & 022) != 0 ||
	    (st.st_uid != 0 && st.st_uid != geteuid())) {
		(void)cg_buf_putf(why, "%s must be a directory (not a symlink) owned by root or the "
		    "gate's user and writable by nobody else", dir);
		r = CG_ERR_DENIED;
		goto out;
	}
	r = 0;
 out:
	return r;
}

int
snapshot_read(const char *dir, const char *sub, const char *file, struct cg_buf *out,
    struct cg_buf *why)
{
	char path[4096], subdir[4096];
	char chunk[8192];
	struct stat st;
	ssize_t got;
	int fd = -1, r = CG_ERR_INTERNAL;

	ENSURE(snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, file) < (int)sizeof(path),
	    CG_ERR_LIMIT);
	GUARD(check_dir(dir, why));
	ENSURE(snprintf(subdir, sizeof(subdir), "%s/%s", dir, sub) < (int)sizeof(subdir),
	    CG_ERR_LIMIT);
	GUARD(check_dir(subdir, why));
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0) {
		r = errno == ENOENT ? CG_ERR_NOT_FOUND : errno == ELOOP ? CG_ERR_DENIED : CG_ERR_IO;
		(void)cg_buf_putf(why, "%s: %s", path, r == CG_ERR_DENIED ? "is a symlink" :
		    strerror(errno));
		goto out;
	}
	ENSURE(fstat(fd, &st) == 0, CG_ERR_IO);
	if (!S_ISREG(st.st_mode) || (st.st_mode & 022) != 0 ||
	    (st.st_uid != 0 && st.st_uid != geteuid())) {
		(void)cg_buf_putf(why, "%s must be a regular file owned by root or the gate's "
		    "user and writable by nobody else", path);
		r = CG_ERR_DENIED;
		goto out;
	}
	if (st.st_size > SNAPSHOT_FILE_MAX) {
		(void)cg_buf_putf(why, "%s is larger than %d bytes", path, SNAPSHOT_FILE_MAX);
		r = CG_ERR_LIMIT;
		goto out;
	}
	for (;;) {
		got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		ENSURE(got >= 0, CG_ERR_IO);
		if (got == 0)
			break;
		if ((r = cg_buf_put(out, chunk, (size_t)got)) < 0) {
			(void)cg_buf_putf(why, "%s is larger than %d bytes", path, SNAPSHOT_FILE_MAX);
			goto out;
		}
	}
	r = 0;
 out:
	if (fd >= 0)
		close(fd);
	return r;
}

static int
fsync_dir(const char *dir)
{
	int fd, r = CG_ERR_INTERNAL;

	ENSURE((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0, CG_ERR_IO);
	r = fsync(fd) == 0 || errno == EINVAL ? 0 : CG_ERR_IO;
	close(fd);
 out:
	return r;
}

int
snapshot_write(const char *dir, const char *sub, const char *file, const struct cg_buf *data,
    struct cg_buf *why)
{
	char subdir[4096], path[4096], tmp[4096];
	const uint8_t *p = cg_buf_ptr(data);
	size_t left = cg_buf_len(data);
	ssize_t put;
	int fd = -1, r = CG_ERR_INTERNAL;

	ENSURE(snprintf(subdir, sizeof(subdir), "%s/%s", dir, sub) < (int)sizeof(subdir) &&
	    snprintf(path, sizeof(path), "%s/%s", subdir, file) < (int)sizeof(path) &&
	    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", subdir, file) < (int)sizeof(tmp),
	    CG_ERR_LIMIT);
	if ((mkdir(dir, 0755) != 0 && errno != EEXIST) ||
	    (mkdir(subdir, 0755) != 0 && errno != EEXIST)) {
		(void)cg_buf_putf(why, "cannot create %s: %s", subdir, strerror(errno));
		r = CG_ERR_IO;
		goto out;
	}
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0) {
		(void)cg_buf_putf(why, "cannot create %s: %s", tmp, strerror(errno));
		r = CG_ERR_IO;
		goto out;
	}
	while (left > 0) {
		put = write(fd, p, left);
		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0) {
			(void)cg_buf_putf(why, "cannot write %s: %s", tmp, strerror(errno));
			r = CG_ERR_IO;
			goto out;
		}
		p += put;
		left -= (size_t)put;
	}
	if (fchmod(fd, 0644) != 0 || fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		(void)cg_buf_putf(why, "cannot write %s: %s", tmp, strerror(errno));
		r = CG_ERR_IO;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		(void)cg_buf_putf(why, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		r = CG_ERR_IO;
		goto out;
	}
	GUARD(fsync_dir(subdir));
	r = 0;
 out:
	if (fd >= 0)
		close(fd);
	if (r < 0)
		(void)unlink(tmp);
	return r;
}

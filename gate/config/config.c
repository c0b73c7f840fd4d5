/*
 * cmkgated.conf(5): the daemon's configuration, read like its schema.
 *
 * The text goes through cg_json_parse() (strict JSON, no duplicate keys,
 * depth-limited), then every object is walked against the table of the
 * members it may hold: an unknown member, a wrong type or a bad value is
 * refused with the member's path ("operators[1].uid") so that the admin
 * can find it.  Nothing is half-accepted: a config comes back whole or
 * not at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "arn.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "config.h"

#define MEMBER_PATH_MAX		96	/* "operators[1023].principal" fits easily */
#define KEY_SHOWN_MAX		64	/* bytes of an unknown member's name put in a message */
#define ENDPOINT_MAX		511	/* what the AWS layer takes (AWS_URL_MAX - 1) */
#define GROUP_NAME_MAX		32
#define ROLE_NAME_MAX		64	/* IAM: role names are 1..64 characters */
#define ROLE_PATH_MAX		512	/* IAM: a role's path is at most 512 characters */
#define SESSION_NAME_MAX	64	/* STS: session names are 2..64 characters */
#define UID_LAST		4294967294LL	/* (uid_t)-1 means "no uid" to the kernel */
#define READ_CHUNK		8192

/* A Unix socket's path must fit sun_path with its NUL. */
#define SOCKET_PATH_MAX		(sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1)

#define DEFAULT_SOCKET_PATH	"/run/cmkgate/cmkgated.sock"
#define DEFAULT_SOCKET_MODE	0600
#define DEFAULT_STATE_DIRECTORY	"/var/lib/cmkgate"
#define DEFAULT_OPS_DIRECTORY	"/etc/cmkgate/ops.d"
#define DEFAULT_AUDIT_LOG	"/var/lib/cmkgate/audit.log"
#define DEFAULT_AUDIT_KEY	"/etc/cmkgate/audit.key"
#define DEFAULT_CHECKPOINT	64
#define DEFAULT_REQUEST_TTL	86400
#define DEFAULT_POLICY_CACHE	60

/* The characters IAM allows in role and session names. */
#define IAM_NAME_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+=,.@_-"

struct walk {
	const char	*file;		/* labels every message */
	struct cg_buf	*why;		/* may be NULL */
};

/* The members one object of the file may hold. */
struct schema {
	const char		*where;		/* for messages: "socket", "an operator" */
	const char *const	*names;
	size_t			 nnames;
};

static const char *const top_names[] = {
	"socket", "state_directory", "ops_directory", "audit", "aws",
	"request_ttl_seconds", "policy_cache_seconds", "policy_directory", "tls", "operators",
};
static const char *const socket_names[] = { "path", "mode", "group" };
static const char *const audit_names[] = { "log", "key", "checkpoint_every" };
static const char *const aws_names[] = { "region", "endpoint" };
static const char *const operator_names[] = { "name", "principal", "uid",
	"certificate_sha256" };
static const char *const tls_names[] = { "listen", "certificate", "key", "client_ca" };

static const struct schema top_schema = { "the top level", top_names, CG_NELEM(top_names) };
static const struct schema socket_schema = { "socket", socket_names, CG_NELEM(socket_names) };
static const struct schema audit_schema = { "audit", audit_names, CG_NELEM(audit_names) };
static const struct schema aws_schema = { "aws", aws_names, CG_NELEM(aws_names) };
static const struct schema tls_schema = { "tls", tls_names, CG_NELEM(tls_names) };
static const struct schema operator_schema = { "an operator", operator_names,
	CG_NELEM(operator_names) };

static int refuse(const struct walk *w, int code, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Appends "file: path: message" (or "file: message" for an empty path) and returns code. */
static int
refuse(const struct walk *w, int code, const char *path, const char *fmt, ...)
{
	va_list ap;

	if (w->why != NULL) {
		(void)cg_buf_putf(w->why, "%s: ", w->file);
		if (path[0] != '\0')
			(void)cg_buf_putf(w->why, "%s: ", path);
		va_start(ap, fmt);
		(void)cg_buf_vputf(w->why, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* "parent.name", or "name" at the top level. */
static void
member_path(char *out, size_t outlen, const char *parent, const char *name)
{
	if (snprintf(out, outlen, "%s%s%s", parent, parent[0] != '\0' ? "." : "", name) < 0)
		out[0] = '\0';
}

/* "an object", "a string", ... for "must be X, not Y". */
static const char *
type_phrase(const struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_object:	return "an object";
	case json_type_array:	return "an array";
	case json_type_string:	return "a string";
	case json_type_boolean:	return "a boolean";
	case json_type_null:	return "null";
	case json_type_int:
	case json_type_double:	return "a number";
	}
	return "something else";
}

/* s is exactly len bytes, every one of them in set. */
static bool
all_in(const char *s, size_t len, const char *set)
{
	return strspn(s, set) == len && strlen(s) == len;
}

/* s starts with a byte from set. */
static bool
starts_with_one_of(const char *s, const char *set)
{
	return s[0] != '\0' && strchr(set, s[0]) != NULL;
}

/* ---- objects and their members ---- */

/* A member name from the file, made safe to show: printable ASCII, bounded. */
static void
put_shown_name(struct cg_buf *b, const char *name)
{
	size_t i;
	char c;

	for (i = 0; name[i] != '\0' && i < KEY_SHOWN_MAX; i++) {
		c = name[i];
		(void)cg_buf_put_u8(b, (c > 0x20 && c < 0x7f && c != '"') ? (uint8_t)c : '?');
	}
	if (name[i] != '\0')
		(void)cg_buf_put_str(b, "...");
}

/* The names a schema allows, for the message about one it does not. */
static void
put_allowed(struct cg_buf *b, const struct schema *s)
{
	size_t i;

	for (i = 0; i < s->nnames; i++)
		(void)cg_buf_putf(b, "%s%s", i == 0 ? "" : i + 1 == s->nnames ? " or " : ", ",
		    s->names[i]);
}

/* obj is an object whose members are all in the schema. */
static int
check_object(const struct walk *w, const char *path, struct json_object *obj,
    const struct schema *s)
{
	struct json_object_iterator it, end;
	const char *k;
	size_t i;
	int r = CG_ERR_INTERNAL;

	if (!json_object_is_type(obj, json_type_object)) {
		r = refuse(w, CG_ERR_PARSE, path, "%s be an object, not %s",
		    path[0] == '\0' ? "the configuration must" : "must", type_phrase(obj));
		goto out;
	}
	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		for (i = 0; i < s->nnames && strcmp(k, s->names[i]) != 0; i++)
			;
		if (i < s->nnames)
			continue;
		if (w->why != NULL) {
			(void)cg_buf_putf(w->why, "%s: %s%s", w->file, path,
			    path[0] != '\0' ? "." : "");
			put_shown_name(w->why, k);
			(void)cg_buf_putf(w->why, ": unknown member (%s may hold ", s->where);
			put_allowed(w->why, s);
			(void)cg_buf_put_str(w->why, ")");
		}
		r = CG_ERR_PARSE;
		goto out;
	}
	r = 0;
 out:
	return r;
}

/* Whether obj has the member; *ret_v is its value, which json-c makes NULL for null. */
static bool
member_get(struct json_object *obj, const char *name, struct json_object **ret_v)
{
	*ret_v = NULL;
	return json_object_object_get_ex(obj, name, ret_v);
}

/* v is a string without NUL bytes; its text and length. */
static int
need_string(const struct walk *w, const char *path, struct json_object *v, const char *what,
    const char **ret_s, size_t *ret_len)
{
	const char *s;
	size_t len;
	int r = CG_ERR_INTERNAL;

	if (!json_object_is_type(v, json_type_string)) {
		r = refuse(w, CG_ERR_PARSE, path, "must be %s, not %s", what, type_phrase(v));
		goto out;
	}
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (strlen(s) != len) {
		r = refuse(w, CG_ERR_PARSE, path, "must not hold a NUL character");
		goto out;
	}
	*ret_s = s;
	*ret_len = len;
	r = 0;
 out:
	return r;
}

/* Replaces *dst (a default or NULL) with a copy of s. */
static int
store_string(char **dst, const char *s)
{
	char *copy = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE((copy = strdup(s)) != NULL, CG_ERR_NOMEM);
	free(*dst);
	*dst = copy;
	r = 0;
 out:
	return r;
}

/* ---- values ---- */

/*
 * An integer from min to max.  json-c keeps 1.5 and 1e3 as doubles, so
 * they are refused here; integers beyond 64 bits are clamped by json-c to
 * the extremes, which are outside every range below.
 */
static int
take_integer(const struct walk *w, const char *parent, struct json_object *obj,
    const char *name, long long min, long long max, long long *dst)
{
	struct json_object *v;
	char path[MEMBER_PATH_MAX];
	int64_t n;
	int r = CG_ERR_INTERNAL;

	member_path(path, sizeof(path), parent, name);
	if (!member_get(obj, name, &v)) {
		r = 0;
		goto out;
	}
	if (!json_object_is_type(v, json_type_int)) {
		r = refuse(w, CG_ERR_PARSE, path, "must be an integer from %lld to %lld, not %s",
		    min, max, json_object_is_type(v, json_type_double) ?
		    "a number with a fraction or an exponent" : type_phrase(v));
		goto out;
	}
	n = json_object_get_int64(v);
	if (n < min || n > max) {
		r = refuse(w, CG_ERR_PARSE, path, "must be an integer from %lld to %lld", min, max);
		goto out;
	}
	*dst = n;
	r = 0;
 out:
	return r;
}

static int
take_unsigned(const struct walk *w, const char *parent, struct json_object *obj,
    const char *name, unsigned min, unsigned max, unsigned *dst)
{
	long long n = *dst;
	int r = CG_ERR_INTERNAL;

	GUARD(take_integer(w, parent, obj, name, min, max, &n));
	*dst = (unsigned)n;
 out:
	return r;
}

/*
 * An absolute path: it starts with '/', has no ".." component, no control
 * characters (it ends up in messages and logs) and fits max bytes.
 */
static int
check_path(const struct walk *w, const char *path, const char *s, size_t len, size_t max)
{
	size_t i, start;
	int r = CG_ERR_INTERNAL;

	if (len > max) {
		r = refuse(w, CG_ERR_LIMIT, path, "longer than %zu bytes", max);
		goto out;
	}
	if (len == 0 || s[0] != '/') {
		r = refuse(w, CG_ERR_PARSE, path, "must be an absolute path (starting with /)");
		goto out;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			r = refuse(w, CG_ERR_PARSE, path, "must not hold control characters");
			goto out;
		}
	}
	for (start = 1; start <= len; start = i + 1) {
		for (i = start; i < len && s[i] != '/'; i++)
			;
		if (i - start == 2 && s[start] == '.' && s[start + 1] == '.') {
			r = refuse(w, CG_ERR_PARSE, path, "must not have a \"..\" component");
			goto out;
		}
	}
	r = 0;
 out:
	return r;
}

static int
take_path(const struct walk *w, const char *parent, struct json_object *obj, const char *name,
    size_t max, char **dst)
{
	struct json_object *v;
	char path[MEMBER_PATH_MAX];
	const char *s;
	size_t len;
	int r = CG_ERR_INTERNAL;

	member_path(path, sizeof(path), parent, name);
	if (!member_get(obj, name, &v)) {
		r = 0;
		goto out;
	}
	GUARD(need_string(w, path, v, "a string (an absolute path)", &s, &len));
	GUARD(check_path(w, path, s, len, max));
	GUARD(store_string(dst, s));
 out:
	return r;
}

/* "0660", "660", "0600": 3 or 4 octal digits, no bit outside 0660. */
static int
take_mode(const struct walk *w, struct json_object *obj, mode_t *dst)
{
	struct json_object *v;
	const char *path = "socket.mode", *s;
	unsigned mode = 0;
	size_t len, i;
	int r = CG_ERR_INTERNAL;

	if (!member_get(obj, "mode", &v)) {
		r = 0;
		goto out;
	}
	GUARD(need_string(w, path, v, "a string of octal digits such as \"0660\"", &s, &len));
	if (len < 3 || len > 4 || !all_in(s, len, "01234567")) {
		r = refuse(w, CG_ERR_PARSE, path, "must be 3 or 4 octal digits such as \"0660\"");
		goto out;
	}
	for (i = 0; i < len; i++)
		mode = mode * 8 + (unsigned)(s[i] - '0');
	if ((mode & ~0660u) != 0) {
		r = refuse(w, CG_ERR_PARSE, path, "\"%s\" grants more than 0660 (read and write "
		    "for the owner and the group): the socket must not be usable by other users "
		    "or executable; use \"0600\" or \"0660\"", s);
		goto out;
	}
	*dst = (mode_t)mode;
	r = 0;
 out:
	return r;
}

/* A group name the way useradd/groupadd accept it by default: [a-z_][a-z0-9_-]{0,31}. */
static int
take_group(const struct walk *w, struct json_object *obj, char **dst)
{
	struct json_object *v;
	const char *path = "socket.group", *s;
	size_t len;
	int r = CG_ERR_INTERNAL;

	if (!member_get(obj, "group", &v)) {
		r = 0;
		goto out;
	}
	GUARD(need_string(w, path, v, "a string (a group name)", &s, &len));
	if (len < 1 || len > GROUP_NAME_MAX || !starts_with_one_of(s, "abcdefghijklmnopqrstuvwxyz_") ||
	    !all_in(s, len, "abcdefghijklmnopqrstuvwxyz0123456789_-")) {
		r = refuse(w, CG_ERR_PARSE, path, "must be a group name: 1 to %d characters of "
		    "a-z, 0-9, _ and -, starting with a letter or _", GROUP_NAME_MAX);
		goto out;
	}
	GUARD(store_string(dst, s));
 out:
	return r;
}

/* "eu-west-1", "us-gov-west-1", "cn-north-1": [a-z0-9-]{1,32} with a '-'. */
static int
take_region(const struct walk *w, struct json_object *obj, char **dst)
{
	struct json_object *v;
	const char *path = "aws.region", *s;
	size_t len;
	int r = CG_ERR_INTERNAL;

	if (!member_get(obj, "region", &v)) {
		r = 0;
		goto out;
	}
	GUARD(need_string(w, path, v, "a string (a region such as \"eu-west-1\")", &s, &len));
	if (len < 1 || len > CONFIG_REGION_MAX ||
	    !all_in(s, len, "abcdefghijklmnopqrstuvwxyz0123456789-") || strchr(s, '-') == NULL) {
		r = refuse(w, CG_ERR_PARSE, path, "must be a region such as \"eu-west-1\" (1 to %d "
		    "characters of a-z, 0-9 and -)", CONFIG_REGION_MAX);
		goto out;
	}
	GUARD(store_string(dst, s));
 out:
	return r;
}

/*
 * An http:// or https:// URL with a host, in printable ASCII without
 * spaces, backslashes, user information, query or fragment.  Which hosts
 * may use plain http (only loopback literals) is the AWS layer's rule,
 * checked when the client is made (docs/aws-layer.md).
 */
static int
take_endpoint(const struct walk *w, struct json_object *obj, char **dst)
{
	struct json_object *v;
	struct cg_cursor cur;
	const char *path = "aws.endpoint", *s;
	const uint8_t *host;
	size_t len, host_len, i;
	int r = CG_ERR_INTERNAL;

	if (!member_get(obj, "endpoint", &v)) {
		r = 0;
		goto out;
	}
	GUARD(need_string(w, path, v, "a string (an https:// URL)", &s, &len));
	if (len > ENDPOINT_MAX) {
		r = refuse(w, CG_ERR_LIMIT, path, "longer than %d bytes", ENDPOINT_MAX);
		goto out;
	}
	cg_cursor_init(&cur, s, len);
	if (cg_cursor_expect(&cur, "https://", 8) != 0 &&
	    cg_cursor_expect(&cur, "http://", 7) != 0) {
		r = refuse(w, CG_ERR_PARSE, path, "must start with https:// (or http:// for a "
		    "local test endpoint)");
		goto out;
	}
	for (i = 0; i < len; i++) {
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '\\') {
			r = refuse(w, CG_ERR_PARSE, path, "must be printable ASCII without spaces or "
			    "backslashes (write international host names in punycode)");
			goto out;
		}
	}
	if (strpbrk(s, "?#") != NULL) {
		r = refuse(w, CG_ERR_PARSE, path, "must not have a query (?...) or a fragment "
		    "(#...)");
		goto out;
	}
	/* the authority: up to the first '/', or all the rest */
	if (cg_cursor_get_until(&cur, '/', ENDPOINT_MAX, &host, &host_len) != 0) {
		host_len = cg_cursor_remaining(&cur);
		GUARD(cg_cursor_get_bytes(&cur, host_len, &host));
	}
	if (host_len == 0) {
		r = refuse(w, CG_ERR_PARSE, path, "must name a host after the scheme");
		goto out;
	}
	if (memchr(host, '@', host_len) != NULL) {
		r = refuse(w, CG_ERR_PARSE, path, "must not hold a user name or password "
		    "(user@host): credentials come from the AWS credential chain");
		goto out;
	}
	GUARD(store_string(dst, s));
 out:
	return r;
}

/* ---- operators ---- */

/* An operator's login-style name: [a-z_][a-z0-9_.-]{0,63}. */
static bool
is_operator_name(const char *s, size_t len)
{
	return len >= 1 && len <= CONFIG_NAME_MAX &&
	    starts_with_one_of(s, "abcdefghijklmnopqrstuvwxyz_") &&
	    all_in(s, len, "abcdefghijklmnopqrstuvwxyz0123456789_.-");
}

/* len bytes of IAM name characters, from min to max of them. */
static bool
is_iam_name(const uint8_t *s, size_t len, size_t min, size_t max)
{
	size_t i;
	bool ok = len >= min && len <= max;

	for (i = 0; ok && i < len; i++)
		ok = s[i] != '\0' && strchr(IAM_NAME_CHARS, s[i]) != NULL;
	return ok;
}

/*
 * "role/NAME" or "role/PATH/NAME": every part of PATH and NAME of IAM
 * name characters, the path at most ROLE_PATH_MAX with its two slashes.
 */
static bool
is_role_resource(const struct arn_field *res)
{
	struct cg_cursor cur;
	const uint8_t *part;
	size_t len, path_len = 1;	/* the path's leading '/' */
	bool ok;

	cg_cursor_init(&cur, res->p, res->len);
	ok = cg_cursor_expect(&cur, "role/", 5) == 0;
	while (ok && cg_cursor_get_until(&cur, '/', ROLE_PATH_MAX, &part, &len) == 0) {
		path_len += len + 1;
		ok = is_iam_name(part, len, 1, ROLE_PATH_MAX) && path_len <= ROLE_PATH_MAX;
	}
	len = cg_cursor_remaining(&cur);
	return ok && cg_cursor_get_bytes(&cur, len, &part) == 0 &&
	    is_iam_name(part, len, 1, ROLE_NAME_MAX);
}

/* "assumed-role/ROLE/SESSION". */
static bool
is_session_resource(const struct arn_field *res)
{
	struct cg_cursor cur;
	const uint8_t *role, *session;
	size_t role_len, session_len;
	bool ok;

	cg_cursor_init(&cur, res->p, res->len);
	ok = cg_cursor_expect(&cur, "assumed-role/", 13) == 0 &&
	    cg_cursor_get_until(&cur, '/', ROLE_NAME_MAX, &role, &role_len) == 0 &&
	    is_iam_name(role, role_len, 1, ROLE_NAME_MAX);
	session_len = cg_cursor_remaining(&cur);
	return ok && cg_cursor_get_bytes(&cur, session_len, &session) == 0 &&
	    is_iam_name(session, session_len, 2, SESSION_NAME_MAX);
}

/*
 * An IAM role ARN or an STS role session ARN in one of the partitions
 * cmkgate knows.  The outer shape is arn_parse()'s; the resource is
 * checked here, with no wildcards (IAM names cannot hold '*' or '?').
 */
static int
check_principal(const struct walk *w, const char *path, const char *s, size_t len)
{
	struct arn a;
	int r = CG_ERR_INTERNAL;

	if (len > CONFIG_PRINCIPAL_MAX) {
		r = refuse(w, CG_ERR_LIMIT, path, "longer than %d bytes", CONFIG_PRINCIPAL_MAX);
		goto out;
	}
	if (arn_parse(s, len, &a) < 0 || !arn_is_account(a.account.p, a.account.len) ||
	    a.region.len != 0) {
		r = refuse(w, CG_ERR_PARSE, path, "must be an ARN with a 12-digit account and no "
		    "region: arn:aws:iam::ACCOUNT:role/NAME or "
		    "arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION");
		goto out;
	}
	if (!arn_field_is(&a.partition, "aws") && !arn_field_is(&a.partition, "aws-cn") &&
	    !arn_field_is(&a.partition, "aws-us-gov")) {
		r = refuse(w, CG_ERR_PARSE, path, "the partition must be aws, aws-cn or aws-us-gov");
		goto out;
	}
	if (memchr(s, '*', len) != NULL || memchr(s, '?', len) != NULL) {
		r = refuse(w, CG_ERR_PARSE, path, "must name one role, without wildcards");
		goto out;
	}
	if (!(arn_field_is(&a.service, "iam") && is_role_resource(&a.resource)) &&
	    !(arn_field_is(&a.service, "sts") && is_session_resource(&a.resource))) {
		r = refuse(w, CG_ERR_PARSE, path, "must be a role ARN (arn:PARTITION:iam::ACCOUNT:"
		    "role/[PATH/]NAME) or a role session ARN (arn:PARTITION:sts::ACCOUNT:"
		    "assumed-role/ROLE/SESSION); users, groups and root are not operators' "
		    "principals");
		goto out;
	}
	r = 0;
 out:
	return r;
}

static int
parse_operator(const struct walk *w, size_t index, struct json_object *obj,
    struct config_operator *op)
{
	struct json_object *v;
	char parent[MEMBER_PATH_MAX], path[MEMBER_PATH_MAX];
	const char *s;
	size_t len, i;
	long long uid = -1;
	int r = CG_ERR_INTERNAL;

	(void)snprintf(parent, sizeof(parent), "operators[%zu]", index);
	GUARD(check_object(w, parent, obj, &operator_schema));
	/* name and principal always; a uid (unix socket), a certificate (TLS), or both */
	for (i = 0; i < 2; i++) {
		if (!member_get(obj, operator_schema.names[i], &v)) {
			member_path(path, sizeof(path), parent, operator_schema.names[i]);
			r = refuse(w, CG_ERR_PARSE, path, "missing (every operator has a name, a "
			    "principal, and a uid, a certificate_sha256 or both)");
			goto out;
		}
	}
	if (!member_get(obj, "uid", &v) && !member_get(obj, "certificate_sha256", &v)) {
		member_path(path, sizeof(path), parent, "uid");
		r = refuse(w, CG_ERR_PARSE, path, "missing (an operator is known by a uid on the "
		    "unix socket, a certificate_sha256 over TLS, or both)");
		goto out;
	}
	if (member_get(obj, "uid", &v)) {
		GUARD(take_integer(w, parent, obj, "uid", 0, UID_LAST, &uid));
		if (uid == 65534) {
			member_path(path, sizeof(path), parent, "uid");
			r = refuse(w, CG_ERR_PARSE, path, "65534 is the overflow uid (nobody): every "
			    "process in a user namespace without a mapping appears as it, so it "
			    "cannot name one operator");
			goto out;
		}
		op->uid = (uid_t)uid;
		op->has_uid = true;
	}
	if (member_get(obj, "certificate_sha256", &v)) {
		member_path(path, sizeof(path), parent, "certificate_sha256");
		GUARD(need_string(w, path, v, "a string (64 hex digits)", &s, &len));
		if (len != 64 || !all_in(s, len, "0123456789abcdef")) {
			r = refuse(w, CG_ERR_PARSE, path, "must be the SHA-256 of the operator's "
			    "client certificate (DER) as 64 lowercase hex digits, as `openssl x509 "
			    "-noout -fingerprint -sha256` prints it without colons");
			goto out;
		}
		GUARD(store_string(&op->certificate_sha256, s));
	}

	member_path(path, sizeof(path), parent, "name");
	(void)member_get(obj, "name", &v);
	GUARD(need_string(w, path, v, "a string (a user name)", &s, &len));
	if (!is_operator_name(s, len)) {
		r = refuse(w, CG_ERR_PARSE, path, "must be 1 to %d characters of a-z, 0-9, _, . "
		    "and -, starting with a letter or _", CONFIG_NAME_MAX);
		goto out;
	}
	GUARD(store_string(&op->name, s));

	member_path(path, sizeof(path), parent, "principal");
	(void)member_get(obj, "principal", &v);
	GUARD(need_string(w, path, v, "a string (a role ARN)", &s, &len));
	GUARD(check_principal(w, path, s, len));
	GUARD(store_string(&op->principal, s));
 out:
	return r;
}

/* No two operators share a uid or a name. */
static int
check_unique(const struct walk *w, const struct config *c)
{
	char path[MEMBER_PATH_MAX];
	size_t i, j;
	int r = CG_ERR_INTERNAL;

	for (i = 1; i < c->noperators; i++) {
		for (j = 0; j < i; j++) {
			if (c->operators[i].has_uid && c->operators[j].has_uid &&
			    c->operators[i].uid == c->operators[j].uid) {
				(void)snprintf(path, sizeof(path), "operators[%zu].uid", i);
				r = refuse(w, CG_ERR_PARSE, path, "uid %u is also operators[%zu].uid: "
				    "each uid is one operator", (unsigned)c->operators[i].uid, j);
				goto out;
			}
			if (c->operators[i].certificate_sha256 != NULL &&
			    c->operators[j].certificate_sha256 != NULL &&
			    strcmp(c->operators[i].certificate_sha256,
			    c->operators[j].certificate_sha256) == 0) {
				(void)snprintf(path, sizeof(path), "operators[%zu].certificate_sha256",
				    i);
				r = refuse(w, CG_ERR_PARSE, path, "is also operators[%zu]'s: each "
				    "certificate is one operator", j);
				goto out;
			}
			if (strcmp(c->operators[i].name, c->operators[j].name) == 0) {
				(void)snprintf(path, sizeof(path), "operators[%zu].name", i);
				r = refuse(w, CG_ERR_PARSE, path, "\"%s\" is also operators[%zu].name: "
				    "each name is one operator", c->operators[i].name, j);
				goto out;
			}
		}
	}
	r = 0;
 out:
	return r;
}

static int
parse_operators(const struct walk *w, struct json_object *root, struct config *c)
{
	struct json_object *v;
	size_t n, i;
	int r = CG_ERR_INTERNAL;

	if (!member_get(root, "operators", &v)) {
		r = refuse(w, CG_ERR_PARSE, "operators", "missing: list the operators who may use "
		    "the gate ({\"uid\": ..., \"name\": ..., \"principal\": ...})");
		goto out;
	}
	if (!json_object_is_type(v, json_type_array)) {
		r = refuse(w, CG_ERR_PARSE, "operators", "must be an array, not %s",
		    type_phrase(v));
		goto out;
	}
	n = json_object_array_length(v);
	if (n == 0) {
		r = refuse(w, CG_ERR_PARSE, "operators", "must list at least one operator");
		goto out;
	}
	if (n > CONFIG_OPERATORS_MAX) {
		r = refuse(w, CG_ERR_LIMIT, "operators", "more than %d operators",
		    CONFIG_OPERATORS_MAX);
		goto out;
	}
	ENSURE((c->operators = calloc(n, sizeof(*c->operators))) != NULL, CG_ERR_NOMEM);
	for (i = 0; i < n; i++) {
		c->noperators = i + 1;	/* what config_free() must look at */
		GUARD(parse_operator(w, i, json_object_array_get_idx(v, i), &c->operators[i]));
	}
	GUARD(check_unique(w, c));
 out:
	return r;
}

/* ---- the file ---- */

/* What a file without the optional members means; see cmkgated.conf(5). */
static int
config_defaults(struct config **ret_config)
{
	struct config *c = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE((c = calloc(1, sizeof(*c))) != NULL, CG_ERR_NOMEM);
	c->socket_mode = DEFAULT_SOCKET_MODE;
	c->checkpoint_every = DEFAULT_CHECKPOINT;
	c->request_ttl_seconds = DEFAULT_REQUEST_TTL;
	c->policy_cache_seconds = DEFAULT_POLICY_CACHE;
	GUARD(store_string(&c->socket_path, DEFAULT_SOCKET_PATH));
	GUARD(store_string(&c->state_directory, DEFAULT_STATE_DIRECTORY));
	GUARD(store_string(&c->ops_directory, DEFAULT_OPS_DIRECTORY));
	GUARD(store_string(&c->audit_log, DEFAULT_AUDIT_LOG));
	GUARD(store_string(&c->audit_key, DEFAULT_AUDIT_KEY));
	*ret_config = c;
	c = NULL;
	r = 0;
 out:
	config_free(c);
	return r;
}

static int
parse_socket(const struct walk *w, struct json_object *root, struct config *c)
{
	struct json_object *v;
	int r = CG_ERR_INTERNAL;

	if (!member_get(root, "socket", &v)) {
		r = 0;
		goto out;
	}
	GUARD(check_object(w, "socket", v, &socket_schema));
	GUARD(take_path(w, "socket", v, "path", SOCKET_PATH_MAX, &c->socket_path));
	GUARD(take_mode(w, v, &c->socket_mode));
	GUARD(take_group(w, v, &c->socket_group));
 out:
	return r;
}

static int
parse_audit(const struct walk *w, struct json_object *root, struct config *c)
{
	struct json_object *v;
	int r = CG_ERR_INTERNAL;

	if (!member_get(root, "audit", &v)) {
		r = 0;
		goto out;
	}
	GUARD(check_object(w, "audit", v, &audit_schema));
	GUARD(take_path(w, "audit", v, "log", CONFIG_PATH_MAX - 1, &c->audit_log));
	GUARD(take_path(w, "audit", v, "key", CONFIG_PATH_MAX - 1, &c->audit_key));
	GUARD(take_unsigned(w, "audit", v, "checkpoint_every", 0, 100000, &c->checkpoint_every));
 out:
	return r;
}

static int
parse_aws(const struct walk *w, struct json_object *root, struct config *c)
{
	struct json_object *v;
	int r = CG_ERR_INTERNAL;

	if (!member_get(root, "aws", &v)) {
		r = 0;
		goto out;
	}
	GUARD(check_object(w, "aws", v, &aws_schema));
	GUARD(take_region(w, v, &c->region));
	GUARD(take_endpoint(w, v, &c->endpoint));
 out:
	return r;
}

/*
 * "127.0.0.1:8443" or "[::1]:8443": a numeric address (no names: what the
 * gate binds must not depend on DNS) and a port 1..65535.
 */
static int
take_listen(const struct walk *w, struct json_object *obj, char **dst)
{
	struct json_object *v;
	const char *path = "tls.listen", *s, *colon;
	char host[64];
	size_t len, hlen;
	unsigned long port;
	char *end = NULL;
	unsigned char addr[16];
	bool bracketed;
	int r = CG_ERR_INTERNAL;

	(void)member_get(obj, "listen", &v);
	GUARD(need_string(w, path, v, "a string (ADDRESS:PORT)", &s, &len));
	colon = strrchr(s, ':');
	hlen = colon != NULL ? (size_t)(colon - s) : 0;
	bracketed = colon != NULL && hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']';
	if (bracketed) {
		s++;
		hlen -= 2;
	}
	/* an IPv6 address needs its brackets: "::1:8443" is ambiguous */
	if (colon == NULL || hlen == 0 || hlen >= sizeof(host) || colon[1] == '\0' ||
	    (!bracketed && memchr(s, ':', hlen) != NULL) ||
	    !all_in(colon + 1, strlen(colon + 1), "0123456789")) {
		r = refuse(w, CG_ERR_PARSE, path, "must be ADDRESS:PORT with a numeric address, "
		    "such as \"127.0.0.1:8443\" or \"[::1]:8443\"");
		goto out;
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || port < 1 || port > 65535 || strlen(colon + 1) > 5 ||
	    (inet_pton(AF_INET, host, addr) != 1 && inet_pton(AF_INET6, host, addr) != 1)) {
		r = refuse(w, CG_ERR_PARSE, path, "must be ADDRESS:PORT with a numeric address "
		    "and a port from 1 to 65535");
		goto out;
	}
	(void)member_get(obj, "listen", &v);
	GUARD(store_string(dst, json_object_get_string(v)));
 out:
	return r;
}

static int
parse_tls(const struct walk *w, struct json_object *root, struct config *c)
{
	struct json_object *v, *m;
	char path[MEMBER_PATH_MAX];
	size_t i;
	int r = CG_ERR_INTERNAL;

	if (!member_get(root, "tls", &v)) {
		r = 0;
		goto out;
	}
	GUARD(check_object(w, "tls", v, &tls_schema));
	for (i = 0; i < tls_schema.nnames; i++)
		if (!member_get(v, tls_schema.names[i], &m)) {
			member_path(path, sizeof(path), "tls", tls_schema.names[i]);
			r = refuse(w, CG_ERR_PARSE, path, "missing (a TLS listener needs listen, "
			    "certificate, key and client_ca)");
			goto out;
		}
	GUARD(take_listen(w, v, &c->tls_listen));
	GUARD(take_path(w, "tls", v, "certificate", CONFIG_PATH_MAX - 1, &c->tls_certificate));
	GUARD(take_path(w, "tls", v, "key", CONFIG_PATH_MAX - 1, &c->tls_key));
	GUARD(take_path(w, "tls", v, "client_ca", CONFIG_PATH_MAX - 1, &c->tls_client_ca));
 out:
	return r;
}

int
config_parse(const char *file, const char *text, size_t len, struct config **ret_config,
    struct cg_buf *why)
{
	struct walk w = { file != NULL ? file : "config", why };
	struct json_object *root = NULL;
	struct config *c = NULL;
	const char *json_why = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE(ret_config != NULL && (text != NULL || len == 0), CG_ERR_INVALID_ARG);
	if ((r = cg_json_parse(text, len, CONFIG_FILE_MAX, &root, &json_why)) < 0) {
		/* trailing data and the like are all "not the expected form" */
		if (r != CG_ERR_LIMIT && r != CG_ERR_NOMEM)
			r = CG_ERR_PARSE;
		r = refuse(&w, r, "", "not a strict JSON object: %s",
		    json_why != NULL ? json_why : "invalid JSON");
		goto out;
	}
	GUARD(check_object(&w, "", root, &top_schema));
	GUARD(config_defaults(&c));
	GUARD(parse_socket(&w, root, c));
	GUARD(take_path(&w, "", root, "state_directory", CONFIG_PATH_MAX - 1,
	    &c->state_directory));
	GUARD(take_path(&w, "", root, "ops_directory", CONFIG_PATH_MAX - 1, &c->ops_directory));
	GUARD(parse_audit(&w, root, c));
	GUARD(parse_aws(&w, root, c));
	GUARD(take_unsigned(&w, "", root, "request_ttl_seconds", 60, 2592000,
	    &c->request_ttl_seconds));
	GUARD(take_unsigned(&w, "", root, "policy_cache_seconds", 0, 3600,
	    &c->policy_cache_seconds));
	GUARD(take_path(&w, "", root, "policy_directory", CONFIG_PATH_MAX - 1,
	    &c->policy_directory));
	GUARD(parse_tls(&w, root, c));
	GUARD(parse_operators(&w, root, c));
	*ret_config = c;
	c = NULL;
	r = 0;
 out:
	config_free(c);
	json_object_put(root);
	return r;
}

/* Root or the gate's own user owns it, and only the owner may change it. */
static int
check_file(const struct walk *w, const char *path, const struct stat *st)
{
	int r = CG_ERR_INTERNAL;

	if (!S_ISREG(st->st_mode)) {
		r = refuse(w, CG_ERR_DENIED, "", "not a regular file");
		goto out;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		r = refuse(w, CG_ERR_DENIED, "", "owned by uid %u, not by root or the gate's user "
		    "(uid %u): run chown root %s", (unsigned)st->st_uid, (unsigned)geteuid(), path);
		goto out;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		r = refuse(w, CG_ERR_DENIED, "", "writable by %s: run chmod go-w %s",
		    (st->st_mode & S_IWOTH) != 0 ? "every user" : "its group", path);
		goto out;
	}
	if (st->st_size > CONFIG_FILE_MAX) {
		r = refuse(w, CG_ERR_LIMIT, "", "larger than %d bytes", CONFIG_FILE_MAX);
		goto out;
	}
	r = 0;
 out:
	return r;
}

int
config_load(const char *path, struct config **ret_config, struct cg_buf *why)
{
	struct walk w = { path, why };
	struct cg_buf *text = NULL;
	struct stat st;
	char chunk[READ_CHUNK], ebuf[128];
	ssize_t got;
	int fd = -1, r = CG_ERR_INTERNAL;

	ENSURE(path != NULL && ret_config != NULL, CG_ERR_INVALID_ARG);
	/* O_NONBLOCK: a FIFO in the file's place must not hang the open; it is refused below */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
		if (errno == ENOENT)
			r = refuse(&w, CG_ERR_NOT_FOUND, "", "no such file: create it "
			    "(see cmkgated.conf(5)) or name another with --config");
		else if (errno == ELOOP)
			r = refuse(&w, CG_ERR_DENIED, "", "a symbolic link, which is not followed: "
			    "name the file itself");
		else if (errno == EACCES || errno == EPERM)
			r = refuse(&w, CG_ERR_DENIED, "", "cannot open: %s",
			    strerror_r(errno, ebuf, sizeof(ebuf)));
		else
			r = refuse(&w, CG_ERR_IO, "", "cannot open: %s",
			    strerror_r(errno, ebuf, sizeof(ebuf)));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		r = refuse(&w, CG_ERR_IO, "", "cannot stat: %s",
		    strerror_r(errno, ebuf, sizeof(ebuf)));
		goto out;
	}
	GUARD(check_file(&w, path, &st));
	GUARD(cg_buf_new(CONFIG_FILE_MAX, &text));
	while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = refuse(&w, CG_ERR_IO, "", "cannot read: %s",
			    strerror_r(errno, ebuf, sizeof(ebuf)));
			goto out;
		}
		/* the file may have grown since fstat */
		if ((r = cg_buf_put(text, chunk, (size_t)got)) == CG_ERR_LIMIT)
			r = refuse(&w, CG_ERR_LIMIT, "", "larger than %d bytes", CONFIG_FILE_MAX);
		GUARD(r);
	}
	GUARD(config_parse(path, (const char *)cg_buf_ptr(text), cg_buf_len(text), ret_config,
	    why));
 out:
	cg_buf_free(text);
	if (fd >= 0)
		close(fd);
	return r;
}

void
config_free(struct config *config)
{
	size_t i;

	if (config == NULL)
		return;
	free(config->socket_path);
	free(config->socket_group);
	free(config->state_directory);
	free(config->ops_directory);
	free(config->policy_directory);
	free(config->tls_listen);
	free(config->tls_certificate);
	free(config->tls_key);
	free(config->tls_client_ca);
	free(config->audit_log);
	free(config->audit_key);
	free(config->region);
	free(config->endpoint);
	for (i = 0; config->operators != NULL && i < config->noperators; i++) {
		free(config->operators[i].name);
		free(config->operators[i].principal);
		free(config->operators[i].certificate_sha256);
	}
	free(config->operators);
	free(config);
}

const struct config_operator *
config_operator_by_uid(const struct config *config, uid_t uid)
{
	const struct config_operator *found = NULL;
	size_t i;

	for (i = 0; config != NULL && found == NULL && i < config->noperators; i++)
		if (config->operators[i].has_uid && config->operators[i].uid == uid)
			found = &config->operators[i];
	return found;
}

const struct config_operator *
config_operator_by_certificate(const struct config *config, const char *sha256_hex)
{
	const struct config_operator *found = NULL;
	size_t i;

	for (i = 0; config != NULL && found == NULL && i < config->noperators; i++)
		if (config->operators[i].certificate_sha256 != NULL &&
		    strcmp(config->operators[i].certificate_sha256, sha256_hex) == 0)
			found = &config->operators[i];
	return found;
}

/*
 * The audit log: writing (audit_open/append/checkpoint), verifying
 * (audit_verify), and the gate's signing keys.  The format is in
 * docs/audit.md; the API and its promises in audit.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "audit.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "jcs.h"

#define SECRET_KEY_BYTES	64		/* libsodium Ed25519: seed || public key */
#define PUBKEY_FILE_MAX		1024
#define TIME_LEN		24		/* YYYY-MM-DDTHH:MM:SS.mmmZ */
#define READ_CHUNK		16384
/* JCS numbers are doubles: integers beyond this are not exact */
#define SEQ_MAX			(UINT64_C(1) << 53)

_Static_assert(AUDIT_PUBKEY_BYTES == crypto_sign_PUBLICKEYBYTES, "Ed25519 public key size");
_Static_assert(AUDIT_SIG_BYTES == crypto_sign_BYTES, "Ed25519 signature size");
_Static_assert(SECRET_KEY_BYTES == crypto_sign_SECRETKEYBYTES, "Ed25519 secret key size");
_Static_assert(AUDIT_HASH_BYTES == crypto_generichash_BYTES, "BLAKE2b-256");
_Static_assert(AUDIT_KEY_ID_BYTES >= crypto_generichash_BYTES_MIN, "BLAKE2b output size");

/*
 * Like ENSURE, for the entry parser: fail with CG_ERR_PARSE and say why.
 * Assumes `int r`, `const char *why` and an `out:` label.
 */
#define ENSURE_WHY(cond, reason) do {		\
	if (!(cond)) {				\
		why = (reason);			\
		r = CG_ERR_PARSE;		\
		goto out;			\
	}					\
} while (0)

struct audit_key {
	uint8_t	sk[SECRET_KEY_BYTES];
	uint8_t	pk[AUDIT_PUBKEY_BYTES];
};

struct audit {
	int			 fd;
	struct audit_key	*key;
	struct audit_pubkey	 pub;
	char			 key_id[2 * AUDIT_KEY_ID_BYTES + 1];
	unsigned		 checkpoint_every;
	uint64_t		 seq;			/* of the last entry; 0: empty */
	uint8_t			 head[AUDIT_HASH_BYTES];	/* its hash; zeros: empty */
	uint64_t		 since_checkpoint;	/* entries after the last checkpoint */
	uint64_t		 size;			/* bytes verified or written */
	bool			 broken;		/* a write or fsync failed */
	struct cg_buf		*line;			/* the line being built */
};

/* The members of an entry, in the order they are written. */
static const char *const entry_fields[] = {
	"seq", "time", "event", "who", "what", "source", "request_id", "decision",
	"keys", "checkpoint", "prev",
};
/* The members a caller may give audit_append(). */
static const char *const caller_fields[] = {
	"who", "what", "source", "request_id", "decision", "keys",
};

/* ---------------------------------------------------------------- helpers */

static bool
name_in(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

static int
errno_code(int e)
{
	switch (e) {
	case ENOENT:
		return CG_ERR_NOT_FOUND;
	case ELOOP:		/* O_NOFOLLOW met a symlink */
	case EACCES:
	case EPERM:
	case EEXIST:
		return CG_ERR_DENIED;
	case ENOMEM:
		return CG_ERR_NOMEM;
	default:
		return CG_ERR_IO;
	}
}

static void
hex_encode(const uint8_t *bin, size_t len, char *hex, size_t hex_max)
{
	sodium_bin2hex(hex, hex_max, bin, len);
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly 2 * len lowercase hex digits into len bytes. */
static bool
hex_decode(const char *hex, size_t hex_len, uint8_t *bin, size_t len)
{
	size_t i;
	int hi, lo;

	if (hex_len != 2 * len)
		return false;
	for (i = 0; i < len; i++) {
		hi = hex_value(hex[2 * i]);
		lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		bin[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static void
put_u64be(uint8_t out[8], uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

static int
write_all(int fd, const uint8_t *data, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int r = CG_ERR_INTERNAL;

	while (off < len) {
		n = write(fd, &data[off], len - off);
		if (n < 0 && errno == EINTR)
			continue;
		ENSURE(n > 0, CG_ERR_IO);
		off += (size_t)n;
	}
	r = 0;
 out:
	return r;
}

/* Reads until len bytes or the end of the file; *ret_got says how many. */
static int
read_upto(int fd, uint8_t *data, size_t len, size_t *ret_got)
{
	size_t off = 0;
	ssize_t n;
	int r = CG_ERR_INTERNAL;

	while (off < len) {
		n = read(fd, &data[off], len - off);
		if (n < 0 && errno == EINTR)
			continue;
		ENSURE(n >= 0, CG_ERR_IO);
		if (n == 0)
			break;
		off += (size_t)n;
	}
	*ret_got = off;
	r = 0;
 out:
	return r;
}

/* fsync()s the directory holding path, so a new file's name is durable too. */
static int
fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash;
	int fd = -1, r = CG_ERR_INTERNAL;

	slash = strrchr(path, '/');
	if (slash == NULL)
		ENSURE(snprintf(dir, sizeof(dir), ".") > 0, CG_ERR_INTERNAL);
	else if (slash == path)
		ENSURE(snprintf(dir, sizeof(dir), "/") > 0, CG_ERR_INTERNAL);
	else
		ENSURE((size_t)(slash - path) < sizeof(dir) &&
		    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path) > 0,
		    CG_ERR_LIMIT);
	ENSURE((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0, CG_ERR_IO);
	/* some file systems cannot sync a directory; they say EINVAL */
	ENSURE(fsync(fd) == 0 || errno == EINVAL, CG_ERR_IO);
	r = 0;
 out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* BLAKE2b-256 of a line and the newline that ends it. */
static int
line_hash(const uint8_t *line, size_t len, uint8_t out[AUDIT_HASH_BYTES])
{
	crypto_generichash_state st;
	int r = CG_ERR_INTERNAL;

	ENSURE(crypto_generichash_init(&st, NULL, 0, AUDIT_HASH_BYTES) == 0 &&
	    crypto_generichash_update(&st, line, len) == 0 &&
	    crypto_generichash_update(&st, (const uint8_t *)"\n", 1) == 0 &&
	    crypto_generichash_final(&st, out, AUDIT_HASH_BYTES) == 0, CG_ERR_INTERNAL);
	r = 0;
 out:
	return r;
}

/* The message a checkpoint signs: domain (NUL included) || seq (u64 BE) || hash. */
#define CHECKPOINT_MSG_LEN (sizeof(AUDIT_CHECKPOINT_DOMAIN) + 8 + AUDIT_HASH_BYTES)

static void
checkpoint_message(uint64_t seq, const uint8_t hash[AUDIT_HASH_BYTES],
    uint8_t msg[CHECKPOINT_MSG_LEN])
{
	memcpy(msg, AUDIT_CHECKPOINT_DOMAIN, sizeof(AUDIT_CHECKPOINT_DOMAIN));
	put_u64be(&msg[sizeof(AUDIT_CHECKPOINT_DOMAIN)], seq);
	memcpy(&msg[sizeof(AUDIT_CHECKPOINT_DOMAIN) + 8], hash, AUDIT_HASH_BYTES);
}

/* ------------------------------------------------------------------- keys */

static int
key_alloc(struct audit_key **ret_key)
{
	struct audit_key *k = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE(sodium_init() >= 0, CG_ERR_INTERNAL);
	ENSURE((k = sodium_malloc(sizeof(*k))) != NULL, CG_ERR_NOMEM);
	sodium_memzero(k, sizeof(*k));
	*ret_key = k;
	r = 0;
 out:
	return r;
}

void
audit_key_free(struct audit_key *key)
{
	if (key != NULL)
		sodium_free(key);	/* wipes, also when read-only */
}

static int
key_seal(struct audit_key *key)
{
	return sodium_mprotect_readonly(key) == 0 ? 0 : CG_ERR_INTERNAL;
}

int
audit_key_generate(struct audit_key **ret_key)
{
	struct audit_key *k = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE(ret_key != NULL, CG_ERR_INVALID_ARG);
	GUARD(key_alloc(&k));
	ENSURE(crypto_sign_keypair(k->pk, k->sk) == 0, CG_ERR_INTERNAL);
	GUARD(key_seal(k));
	*ret_key = k;
	k = NULL;
	r = 0;
 out:
	audit_key_free(k);
	return r;
}

static int
key_copy(const struct audit_key *src, struct audit_key **ret_key)
{
	struct audit_key *k = NULL;
	int r = CG_ERR_INTERNAL;

	GUARD(key_alloc(&k));
	memcpy(k, src, sizeof(*k));
	GUARD(key_seal(k));
	*ret_key = k;
	k = NULL;
	r = 0;
 out:
	audit_key_free(k);
	return r;
}

int
audit_key_load(const char *path, struct audit_key **ret_key)
{
	struct audit_key *k = NULL, *check = NULL;
	struct stat st;
	size_t got = 0;
	uint8_t extra;
	int fd = -1, r = CG_ERR_INTERNAL;

	ENSURE(path != NULL && ret_key != NULL, CG_ERR_INVALID_ARG);
	/* O_NONBLOCK: a FIFO put in the key's place must not hang the gate */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY)) < 0) {
		r = errno_code(errno);
		goto out;
	}
	ENSURE(fstat(fd, &st) == 0, CG_ERR_IO);
	ENSURE(S_ISREG(st.st_mode), CG_ERR_DENIED);
	/* a secret key others can read, or someone else owns, is not ours to use */
	ENSURE(st.st_uid == geteuid() && (st.st_mode & 077) == 0, CG_ERR_DENIED);
	ENSURE(st.st_size == SECRET_KEY_BYTES, CG_ERR_PARSE);
	GUARD(key_alloc(&k));
	GUARD(read_upto(fd, k->sk, sizeof(k->sk), &got));
	ENSURE(got == sizeof(k->sk), CG_ERR_PARSE);
	GUARD(read_upto(fd, &extra, 1, &got));
	ENSURE(got == 0, CG_ERR_PARSE);
	/* the stored public half must be the one the seed gives */
	GUARD(key_alloc(&check));
	ENSURE(crypto_sign_seed_keypair(check->pk, check->sk, k->sk) == 0, CG_ERR_INTERNAL);
	ENSURE(sodium_memcmp(check->sk, k->sk, sizeof(k->sk)) == 0, CG_ERR_PARSE);
	memcpy(k->pk, check->pk, sizeof(k->pk));
	GUARD(key_seal(k));
	*ret_key = k;
	k = NULL;
	r = 0;
 out:
	audit_key_free(check);
	audit_key_free(k);
	if (fd >= 0)
		close(fd);
	return r;
}

void
audit_key_public(const struct audit_key *key, struct audit_pubkey *ret_pub)
{
	memcpy(ret_pub->bytes, key->pk, sizeof(ret_pub->bytes));
}

void
audit_pubkey_id(const struct audit_pubkey *pub, char ret_hex[2 * AUDIT_KEY_ID_BYTES + 1])
{
	uint8_t id[AUDIT_KEY_ID_BYTES];

	crypto_generichash(id, sizeof(id), pub->bytes, sizeof(pub->bytes), NULL, 0);
	hex_encode(id, sizeof(id), ret_hex, 2 * AUDIT_KEY_ID_BYTES + 1);
}

/* Creates path (never an existing file or symlink) holding data, fsync()ed. */
static int
create_file(const char *path, mode_t mode, const uint8_t *data, size_t len, bool *ret_created)
{
	int fd = -1, r = CG_ERR_INTERNAL;

	*ret_created = false;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
	    mode)) < 0) {
		r = errno_code(errno);
		goto out;
	}
	*ret_created = true;
	ENSURE(fchmod(fd, mode) == 0, CG_ERR_IO);	/* whatever the umask */
	GUARD(write_all(fd, data, len));
	ENSURE(fsync(fd) == 0, CG_ERR_IO);
	r = 0;
 out:
	if (fd >= 0 && close(fd) != 0 && r == 0)
		r = CG_ERR_IO;
	return r;
}

int
audit_key_save(const struct audit_key *key, const char *path)
{
	struct cg_buf *pub_path = NULL, *text = NULL;
	const char *pub_name;
	char hex[2 * AUDIT_PUBKEY_BYTES + 1];
	bool made_secret = false, made_pub = false;
	int r = CG_ERR_INTERNAL;

	ENSURE(key != NULL && path != NULL && *path != '\0', CG_ERR_INVALID_ARG);
	GUARD(cg_buf_new(PATH_MAX, &pub_path));
	GUARD(cg_buf_putf(pub_path, "%s.pub", path));
	GUARD(cg_buf_cstr(pub_path, &pub_name));
	hex_encode(key->pk, sizeof(key->pk), hex, sizeof(hex));
	GUARD(cg_buf_new(PUBKEY_FILE_MAX, &text));
	GUARD(cg_buf_putf(text, "%s %s\n", AUDIT_PUBKEY_PREFIX, hex));
	GUARD(create_file(path, 0600, key->sk, sizeof(key->sk), &made_secret));
	GUARD(create_file(pub_name, 0644, cg_buf_ptr(text), cg_buf_len(text), &made_pub));
	GUARD(fsync_parent(path));
	r = 0;
 out:
	/* never leave half a key pair, and never remove what was there before */
	if (r < 0 && made_secret)
		(void)unlink(path);
	if (r < 0 && made_pub)
		(void)unlink(pub_name);
	cg_buf_free(pub_path);
	cg_buf_free(text);
	return r;
}

int
audit_pubkey_parse(const uint8_t *data, size_t len, struct audit_pubkey *ret_pub)
{
	static const char prefix[] = AUDIT_PUBKEY_PREFIX " ";
	struct audit_pubkey pub;
	struct cg_cursor cur;
	const uint8_t *hex;
	int r = CG_ERR_INTERNAL;

	ENSURE(ret_pub != NULL && (data != NULL || len == 0), CG_ERR_INVALID_ARG);
	cg_cursor_init(&cur, data, len);
	ENSURE(cg_cursor_expect(&cur, prefix, sizeof(prefix) - 1) == 0, CG_ERR_PARSE);
	ENSURE(cg_cursor_get_bytes(&cur, 2 * AUDIT_PUBKEY_BYTES, &hex) == 0, CG_ERR_PARSE);
	ENSURE(hex_decode((const char *)hex, 2 * AUDIT_PUBKEY_BYTES, pub.bytes,
	    sizeof(pub.bytes)), CG_ERR_PARSE);
	if (cg_cursor_remaining(&cur) > 0)
		ENSURE(cg_cursor_expect(&cur, "\n", 1) == 0, CG_ERR_PARSE);
	ENSURE(cg_cursor_end(&cur) == 0, CG_ERR_PARSE);
	*ret_pub = pub;
	r = 0;
 out:
	return r;
}

int
audit_pubkey_load(const char *path, struct audit_pubkey *ret_pub)
{
	uint8_t data[PUBKEY_FILE_MAX + 1];
	struct stat st;
	size_t got = 0;
	int fd = -1, r = CG_ERR_INTERNAL;

	ENSURE(path != NULL && ret_pub != NULL, CG_ERR_INVALID_ARG);
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) < 0) {
		r = errno_code(errno);
		goto out;
	}
	ENSURE(fstat(fd, &st) == 0, CG_ERR_IO);
	ENSURE(S_ISREG(st.st_mode), CG_ERR_PARSE);
	GUARD(read_upto(fd, data, sizeof(data), &got));
	ENSURE(got <= PUBKEY_FILE_MAX, CG_ERR_LIMIT);
	GUARD(audit_pubkey_parse(data, got, ret_pub));
	r = 0;
 out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* -------------------------------------------------------- canonical form */

/*
 * An entry: its members in entry_fields order, each value in RFC 8785
 * (JCS) form, the canonical JSON request digests use too.  The member
 * names are plain ASCII and need no escaping.
 */
static int
entry_serialize(struct cg_buf *b, struct json_object *entry)
{
	struct json_object *v;
	size_t i, n = 0;
	int r = CG_ERR_INTERNAL;

	GUARD(cg_buf_put_u8(b, '{'));
	for (i = 0; i < CG_NELEM(entry_fields); i++) {
		if (!json_object_object_get_ex(entry, entry_fields[i], &v))
			continue;
		if (n++ > 0)
			GUARD(cg_buf_put_u8(b, ','));
		GUARD(cg_buf_putf(b, "\"%s\":", entry_fields[i]));
		GUARD(jcs_serialize(v, b));
	}
	ENSURE(n == (size_t)json_object_object_length(entry), CG_ERR_INVALID_ARG);
	GUARD(cg_buf_put_u8(b, '}'));
	r = 0;
 out:
	return r;
}

/* ----------------------------------------------------------- entry parser */

static bool
time_valid(const char *s, size_t len)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	int mon, day, hour, min, sec;
	size_t i;

	if (len != TIME_LEN)
		return false;
	for (i = 0; i < TIME_LEN; i++) {
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return false;
	}
	mon = (s[5] - '0') * 10 + (s[6] - '0');
	day = (s[8] - '0') * 10 + (s[9] - '0');
	hour = (s[11] - '0') * 10 + (s[12] - '0');
	min = (s[14] - '0') * 10 + (s[15] - '0');
	sec = (s[17] - '0') * 10 + (s[18] - '0');
	return mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && hour <= 23 &&
	    min <= 59 && sec <= 60;
}

static bool
event_valid(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > AUDIT_EVENT_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 1; i < len; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	}
	return true;
}

/* A member of type int holding 0..SEQ_MAX (false also when missing). */
static bool
get_u64(struct json_object *obj, const char *name, uint64_t *ret_v)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(obj, name, &v) || !json_object_is_type(v, json_type_int))
		return false;
	n = json_object_get_int64(v);
	if (n < 0 || (uint64_t)n > SEQ_MAX)
		return false;
	*ret_v = (uint64_t)n;
	return true;
}

/* A string member of 1..max bytes (false also when missing). */
static bool
get_str(struct json_object *obj, const char *name, size_t max, const char **ret_s,
    size_t *ret_len)
{
	struct json_object *v;
	size_t len;

	if (!json_object_object_get_ex(obj, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return false;
	len = (size_t)json_object_get_string_len(v);
	if (len < 1 || len > max)
		return false;
	*ret_s = json_object_get_string(v);
	*ret_len = len;
	return true;
}

static bool
get_hex(struct json_object *obj, const char *name, uint8_t *bin, size_t len)
{
	const char *s;
	size_t slen;

	return get_str(obj, name, 2 * len, &s, &slen) && hex_decode(s, slen, bin, len);
}

/* Absent, or present with the given type. */
static bool
optional_type(struct json_object *obj, const char *name, json_type type)
{
	struct json_object *v;

	return !json_object_object_get_ex(obj, name, &v) || json_object_is_type(v, type);
}

static bool
optional_str(struct json_object *obj, const char *name, size_t max)
{
	const char *s;
	size_t len;

	return !json_object_object_get_ex(obj, name, NULL) || get_str(obj, name, max, &s, &len);
}

static int
checkpoint_parse(struct json_object *cp, struct audit_entry *e, const char **ret_why)
{
	const char *why = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE_WHY(json_object_is_type(cp, json_type_object), "checkpoint: not an object");
	ENSURE_WHY(json_object_object_length(cp) == 4,
	    "checkpoint: needs exactly seq, hash, key_id and sig");
	ENSURE_WHY(get_u64(cp, "seq", &e->cp_seq),
	    "checkpoint: seq: not an integer from 0 to 2^53");
	ENSURE_WHY(get_hex(cp, "hash", e->cp_hash, sizeof(e->cp_hash)),
	    "checkpoint: hash: not 64 lowercase hex digits");
	ENSURE_WHY(get_hex(cp, "key_id", e->cp_key_id, sizeof(e->cp_key_id)),
	    "checkpoint: key_id: not 32 lowercase hex digits");
	ENSURE_WHY(get_hex(cp, "sig", e->cp_sig, sizeof(e->cp_sig)),
	    "checkpoint: sig: not 128 lowercase hex digits");
	r = 0;
 out:
	*ret_why = why;
	return r;
}

int
audit_entry_parse(const uint8_t *line, size_t len, struct audit_entry *ret_entry,
    const char **ret_why)
{
	struct json_object *obj = NULL, *cp;
	struct json_object_iterator it, end;
	struct cg_buf *canon = NULL;
	struct audit_entry e;
	const char *why = NULL, *s;
	size_t slen, i;
	int r = CG_ERR_INTERNAL;

	memset(&e, 0, sizeof(e));
	ENSURE(ret_entry != NULL && (line != NULL || len == 0), CG_ERR_INVALID_ARG);
	if ((r = cg_json_parse((const char *)line, len, AUDIT_LINE_MAX - 1, &obj, &why)) < 0)
		goto out;
	ENSURE_WHY(json_object_is_type(obj, json_type_object), "not a JSON object");
	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		ENSURE_WHY(name_in(json_object_iter_peek_name(&it), entry_fields,
		    CG_NELEM(entry_fields)), "unknown field");

	ENSURE_WHY(get_u64(obj, "seq", &e.seq) && e.seq >= 1,
	    "seq: not an integer from 1 to 2^53");
	ENSURE_WHY(get_str(obj, "time", TIME_LEN, &s, &slen) && time_valid(s, slen),
	    "time: not YYYY-MM-DDTHH:MM:SS.mmmZ");
	memcpy(e.time, s, slen);
	ENSURE_WHY(get_str(obj, "event", AUDIT_EVENT_MAX, &s, &slen) && event_valid(s, slen),
	    "event: not a lowercase event name");
	memcpy(e.event, s, slen);
	ENSURE_WHY(get_hex(obj, "prev", e.prev, sizeof(e.prev)),
	    "prev: not 64 lowercase hex digits");

	e.is_checkpoint = strcmp(e.event, "checkpoint") == 0;
	if (e.is_checkpoint) {
		for (i = 0; i < CG_NELEM(caller_fields); i++)
			ENSURE_WHY(!json_object_object_get_ex(obj, caller_fields[i], NULL),
			    "a checkpoint carries no who, what, source, request_id, "
			    "decision or keys");
		ENSURE_WHY(json_object_object_get_ex(obj, "checkpoint", &cp),
		    "a checkpoint entry needs a checkpoint object");
		GUARD(checkpoint_parse(cp, &e, &why));
	} else {
		ENSURE_WHY(!json_object_object_get_ex(obj, "checkpoint", NULL),
		    "only a checkpoint entry carries a checkpoint object");
		ENSURE_WHY(optional_type(obj, "who", json_type_object), "who: not an object");
		ENSURE_WHY(optional_type(obj, "what", json_type_object), "what: not an object");
		ENSURE_WHY(optional_type(obj, "source", json_type_object),
		    "source: not an object");
		ENSURE_WHY(optional_type(obj, "keys", json_type_array), "keys: not an array");
		ENSURE_WHY(optional_str(obj, "request_id", AUDIT_REQUEST_ID_MAX),
		    "request_id: not a string of 1 to 256 bytes");
		ENSURE_WHY(optional_str(obj, "decision", AUDIT_DECISION_MAX),
		    "decision: not a string of 1 to 64 bytes");
	}

	/* one entry, one spelling: what the writer would have written, byte for byte */
	GUARD(cg_buf_new(AUDIT_LINE_MAX, &canon));
	r = entry_serialize(canon, obj);
	if (r == CG_ERR_NOMEM)
		goto out;
	ENSURE_WHY(r == 0, "a number JSON cannot carry exactly (an integer beyond 2^53)");
	ENSURE_WHY(cg_buf_len(canon) == len &&
	    (len == 0 || memcmp(cg_buf_ptr(canon), line, len) == 0),
	    "not in canonical form (member order, whitespace, escapes or number spelling)");
	*ret_entry = e;
	r = 0;
 out:
	if (ret_why != NULL)
		*ret_why = r < 0 ? (why != NULL ? why : cg_strerror(r)) : NULL;
	cg_buf_free(canon);
	json_object_put(obj);
	return r;
}

/* ------------------------------------------------------------ line reader */

struct line_reader {
	int		 fd;
	uint8_t		 chunk[READ_CHUNK];
	struct cg_cursor cur;		/* the unread part of chunk */
	struct cg_buf	*line;		/* the current line, without its newline */
	uint64_t	 number;	/* of the current line, from 1 */
	uint64_t	 consumed;	/* bytes of complete lines, newlines included */
};

static void
reader_free(struct line_reader *rd)
{
	if (rd == NULL)
		return;
	cg_buf_free(rd->line);
	free(rd);
}

static int
reader_new(int fd, struct line_reader **ret_rd)
{
	struct line_reader *rd = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE((rd = calloc(1, sizeof(*rd))) != NULL, CG_ERR_NOMEM);
	rd->fd = fd;
	cg_cursor_init(&rd->cur, NULL, 0);
	GUARD(cg_buf_new(AUDIT_LINE_MAX - 1, &rd->line));
	*ret_rd = rd;
	rd = NULL;
	r = 0;
 out:
	reader_free(rd);
	return r;
}

/*
 * The next line into rd->line: 0, or 1 at the end of the file,
 * CG_ERR_LIMIT when the line is longer than AUDIT_LINE_MAX with its
 * newline, CG_ERR_TRUNCATED when the file ends inside a line, CG_ERR_IO.
 */
static int
reader_next(struct line_reader *rd)
{
	const uint8_t *p;
	size_t n, room;
	ssize_t got;
	int r = CG_ERR_INTERNAL;

	cg_buf_reset(rd->line);
	rd->number++;
	for (;;) {
		if (cg_cursor_remaining(&rd->cur) > 0) {
			room = cg_buf_max(rd->line) - cg_buf_len(rd->line);
			r = cg_cursor_get_until(&rd->cur, '\n', room, &p, &n);
			if (r == 0) {
				GUARD(cg_buf_put(rd->line, p, n));
				rd->consumed += cg_buf_len(rd->line) + 1;
				goto out;
			}
			if (r != CG_ERR_TRUNCATED)
				goto out;
			/* no newline in this chunk: keep what there is, read on */
			n = cg_cursor_remaining(&rd->cur);
			GUARD(cg_cursor_get_bytes(&rd->cur, n, &p));
			GUARD(cg_buf_put(rd->line, p, n));
		}
		got = read(rd->fd, rd->chunk, sizeof(rd->chunk));
		if (got < 0 && errno == EINTR)
			continue;
		ENSURE(got >= 0, CG_ERR_IO);
		if (got == 0) {
			r = cg_buf_len(rd->line) > 0 ? CG_ERR_TRUNCATED : 1;
			goto out;
		}
		cg_cursor_init(&rd->cur, rd->chunk, (size_t)got);
	}
 out:
	return r;
}

/* --------------------------------------------------------------- verifier */

const char *
audit_problem_name(enum audit_problem problem)
{
	switch (problem) {
	case AUDIT_OK:			return "none";
	case AUDIT_MALFORMED:		return "malformed";
	case AUDIT_TOO_LONG:		return "too-long";
	case AUDIT_TRUNCATED:		return "truncated";
	case AUDIT_DELETED:		return "deleted";
	case AUDIT_REORDERED:		return "reordered";
	case AUDIT_EDITED:		return "edited";
	case AUDIT_BAD_CHECKPOINT:	return "bad-checkpoint";
	case AUDIT_OTHER_KEY:		return "other-key";
	case AUDIT_FORGED:		return "forged";
	}
	return "unknown";
}

static void
report_init(struct audit_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	memset(rep->head, '0', 2 * AUDIT_HASH_BYTES);
}

/* Records the first problem; always returns CG_ERR_DENIED. */
static int
report_problem(struct audit_report *rep, enum audit_problem problem, uint64_t line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
report_problem(struct audit_report *rep, enum audit_problem problem, uint64_t line,
    const char *fmt, ...)
{
	va_list ap;

	rep->problem = problem;
	rep->line = line;
	va_start(ap, fmt);
	(void)vsnprintf(rep->detail, sizeof(rep->detail), fmt, ap);
	va_end(ap);
	return CG_ERR_DENIED;
}

/*
 * After seq jumped ahead from `due` to `seen`: do the skipped numbers turn
 * up later in the file (lines moved) or not at all (lines removed)?  Reads
 * the rest of the file; lines that do not parse are passed over.
 */
static int
skipped_seq_later(struct line_reader *rd, uint64_t due, uint64_t seen, uint64_t *ret_line)
{
	struct audit_entry e;
	int r = CG_ERR_INTERNAL;

	*ret_line = 0;
	for (;;) {
		r = reader_next(rd);
		/* the end, or a line too long to step over: the numbers were not seen */
		if (r == 1 || r == CG_ERR_TRUNCATED || r == CG_ERR_LIMIT) {
			r = 0;
			goto out;
		}
		if (r < 0)
			goto out;
		if (audit_entry_parse(cg_buf_ptr(rd->line), cg_buf_len(rd->line), &e,
		    NULL) == 0 && e.seq >= due && e.seq < seen) {
			*ret_line = rd->number;
			r = 0;
			goto out;
		}
	}
 out:
	return r;
}

struct verifier {
	const struct audit_pubkey	*pub;
	uint8_t				 key_id[AUDIT_KEY_ID_BYTES];
	struct audit_report		*rep;
	uint8_t				 head[AUDIT_HASH_BYTES];
};

static int
check_checkpoint(struct verifier *v, const struct audit_entry *e, uint64_t line)
{
	uint8_t msg[CHECKPOINT_MSG_LEN];
	char want[2 * AUDIT_KEY_ID_BYTES + 1], got[2 * AUDIT_KEY_ID_BYTES + 1];

	if (e->cp_seq != e->seq - 1 ||
	    sodium_memcmp(e->cp_hash, v->head, AUDIT_HASH_BYTES) != 0)
		return report_problem(v->rep, AUDIT_BAD_CHECKPOINT, line,
		    "the checkpoint on line %" PRIu64 " names seq %" PRIu64 " and a head hash "
		    "that are not the chain's head before it (seq %" PRIu64 ")",
		    line, e->cp_seq, e->seq - 1);
	if (sodium_memcmp(e->cp_key_id, v->key_id, AUDIT_KEY_ID_BYTES) != 0) {
		hex_encode(e->cp_key_id, AUDIT_KEY_ID_BYTES, got, sizeof(got));
		hex_encode(v->key_id, AUDIT_KEY_ID_BYTES, want, sizeof(want));
		return report_problem(v->rep, AUDIT_OTHER_KEY, line,
		    "the checkpoint on line %" PRIu64 " names key id %s, not the given key's "
		    "id %s", line, got, want);
	}
	checkpoint_message(e->cp_seq, e->cp_hash, msg);
	if (crypto_sign_verify_detached(e->cp_sig, msg, sizeof(msg), v->pub->bytes) != 0)
		return report_problem(v->rep, AUDIT_FORGED, line,
		    "the signature of the checkpoint on line %" PRIu64 " does not verify: the "
		    "checkpoint is forged, or lines before it were changed and the chain "
		    "recomputed", line);
	return 0;
}

/* Checks one line against the chain so far; CG_ERR_DENIED with the report filled. */
static int
check_line(struct verifier *v, struct line_reader *rd, const struct audit_entry *e)
{
	struct audit_report *rep = v->rep;
	uint64_t n = rd->number, due = rep->last_seq + 1, later = 0;
	int r = CG_ERR_INTERNAL;

	if (e->seq > due) {
		GUARD(skipped_seq_later(rd, due, e->seq, &later));
		if (later > 0)
			r = report_problem(rep, AUDIT_REORDERED, n,
			    "line %" PRIu64 " has seq %" PRIu64 " where seq %" PRIu64
			    " was due; a skipped seq is on line %" PRIu64 ": lines were moved",
			    n, e->seq, due, later);
		else if (e->seq - due == 1)
			r = report_problem(rep, AUDIT_DELETED, n,
			    "line %" PRIu64 " has seq %" PRIu64 " where seq %" PRIu64
			    " was due: entry %" PRIu64 " was removed", n, e->seq, due, due);
		else
			r = report_problem(rep, AUDIT_DELETED, n,
			    "line %" PRIu64 " has seq %" PRIu64 " where seq %" PRIu64
			    " was due: entries %" PRIu64 " to %" PRIu64 " were removed",
			    n, e->seq, due, due, e->seq - 1);
		goto out;
	}
	if (e->seq < due) {
		r = report_problem(rep, AUDIT_REORDERED, n,
		    "line %" PRIu64 " has seq %" PRIu64 " after seq %" PRIu64 ": lines were "
		    "moved or copied", n, e->seq, rep->last_seq);
		goto out;
	}
	if (sodium_memcmp(e->prev, v->head, AUDIT_HASH_BYTES) != 0) {
		if (n == 1)
			r = report_problem(rep, AUDIT_EDITED, 1,
			    "line 1 does not start a chain (its prev is not 64 zeros): it "
			    "was changed, or the lines before it were removed and it was "
			    "renumbered");
		else
			r = report_problem(rep, AUDIT_EDITED, n - 1,
			    "line %" PRIu64 " (seq %" PRIu64 ") was changed: its hash is not "
			    "the prev recorded on line %" PRIu64 " (or that prev was changed, "
			    "or lines between them removed)", n - 1, rep->last_seq, n);
		goto out;
	}
	if (e->is_checkpoint)
		GUARD(check_checkpoint(v, e, n));
	r = 0;
 out:
	return r;
}

/*
 * Verifies what fd holds from its offset on.  On success (and on
 * CG_ERR_DENIED, for the verified part) the report is filled in; ret_head
 * and ret_size get the head's hash and the bytes read only on success.
 */
static int
verify_stream(int fd, const struct audit_pubkey *pub, bool torn_ok, struct audit_report *rep,
    uint8_t ret_head[AUDIT_HASH_BYTES], uint64_t *ret_size)
{
	struct line_reader *rd = NULL;
	struct verifier v;
	struct audit_entry e;
	const char *why = NULL;
	int r = CG_ERR_INTERNAL;

	memset(&v, 0, sizeof(v));
	v.pub = pub;
	v.rep = rep;
	crypto_generichash(v.key_id, sizeof(v.key_id), pub->bytes, sizeof(pub->bytes), NULL, 0);
	GUARD(reader_new(fd, &rd));
	for (;;) {
		r = reader_next(rd);
		if (r == 1)
			break;
		if (r == CG_ERR_LIMIT) {
			r = report_problem(rep, AUDIT_TOO_LONG, rd->number,
			    "line %" PRIu64 " is longer than %d bytes", rd->number,
			    AUDIT_LINE_MAX);
			goto out;
		}
		if (r == CG_ERR_TRUNCATED && torn_ok)
			break;	/* *ret_size ends before the unfinished line */
		if (r == CG_ERR_TRUNCATED) {
			r = report_problem(rep, AUDIT_TRUNCATED, rd->number,
			    "line %" PRIu64 " has no newline: the log was cut short, or a "
			    "write was interrupted", rd->number);
			goto out;
		}
		if (r < 0) {
			(void)snprintf(rep->detail, sizeof(rep->detail),
			    "reading line %" PRIu64 " failed: %s", rd->number, cg_strerror(r));
			goto out;
		}
		r = audit_entry_parse(cg_buf_ptr(rd->line), cg_buf_len(rd->line), &e, &why);
		if (r == CG_ERR_NOMEM || r == CG_ERR_INTERNAL) {
			(void)snprintf(rep->detail, sizeof(rep->detail),
			    "reading line %" PRIu64 " failed: %s", rd->number, cg_strerror(r));
			goto out;
		}
		if (r < 0) {
			r = report_problem(rep, AUDIT_MALFORMED, rd->number,
			    "line %" PRIu64 " is not a valid audit entry: %s", rd->number, why);
			goto out;
		}
		GUARD(check_line(&v, rd, &e));
		GUARD(line_hash(cg_buf_ptr(rd->line), cg_buf_len(rd->line), v.head));
		rep->entries++;
		rep->last_seq = e.seq;
		if (e.is_checkpoint) {
			rep->checkpoints++;
			rep->last_checkpoint_seq = e.seq;
		}
	}
	memcpy(ret_head, v.head, AUDIT_HASH_BYTES);
	*ret_size = rd->consumed;
	r = 0;
 out:
	rep->unsigned_tail = rep->last_seq - rep->last_checkpoint_seq;
	if (rep->entries > 0)
		hex_encode(v.head, AUDIT_HASH_BYTES, rep->head, sizeof(rep->head));
	reader_free(rd);
	return r;
}

int
audit_verify_fd(int fd, const struct audit_pubkey *pub, struct audit_report *report)
{
	uint8_t head[AUDIT_HASH_BYTES];
	uint64_t size;
	int r = CG_ERR_INTERNAL;

	ENSURE(report != NULL, CG_ERR_INVALID_ARG);
	report_init(report);
	ENSURE(fd >= 0 && pub != NULL, CG_ERR_INVALID_ARG);
	ENSURE(sodium_init() >= 0, CG_ERR_INTERNAL);
	GUARD(verify_stream(fd, pub, false, report, head, &size));
	r = 0;
 out:
	return r;
}

int
audit_verify(const char *path, const struct audit_pubkey *pub, struct audit_report *report)
{
	struct stat st;
	int fd = -1, r = CG_ERR_INTERNAL;

	ENSURE(report != NULL, CG_ERR_INVALID_ARG);
	report_init(report);
	ENSURE(path != NULL && pub != NULL, CG_ERR_INVALID_ARG);
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) < 0) {
		r = errno_code(errno);
		(void)snprintf(report->detail, sizeof(report->detail),
		    "cannot open the log: %s", strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = CG_ERR_IO;
		(void)snprintf(report->detail, sizeof(report->detail), "not a regular file");
		goto out;
	}
	GUARD(audit_verify_fd(fd, pub, report));
	r = 0;
 out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* ----------------------------------------------------------------- writer */

void
audit_close(struct audit *audit)
{
	if (audit == NULL)
		return;
	if (audit->fd >= 0)
		close(audit->fd);	/* drops the lock */
	audit_key_free(audit->key);
	cg_buf_free(audit->line);
	free(audit);
}

/* Opens path for appending, creating it when missing; *ret_created says which. */
static int
open_log(const char *path, int *ret_fd, bool *ret_created)
{
	const int flags = O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	int fd, r = CG_ERR_INTERNAL;

	*ret_created = false;
	if ((fd = open(path, flags | O_CREAT | O_EXCL, 0640)) >= 0)
		*ret_created = true;
	else if (errno == EEXIST)
		fd = open(path, flags);
	if (fd < 0) {
		r = errno_code(errno);
		goto out;
	}
	*ret_fd = fd;
	r = 0;
 out:
	return r;
}

int
audit_open(const char *path, const struct audit_key *key, unsigned checkpoint_every,
    struct audit **ret_audit, struct audit_report *report)
{
	struct audit_report scratch;
	struct audit *a = NULL;
	struct stat st;
	bool created = false, busy;
	int r = CG_ERR_INTERNAL;

	if (report == NULL)
		report = &scratch;
	report_init(report);
	ENSURE(path != NULL && key != NULL && ret_audit != NULL, CG_ERR_INVALID_ARG);
	ENSURE(sodium_init() >= 0, CG_ERR_INTERNAL);
	ENSURE((a = calloc(1, sizeof(*a))) != NULL, CG_ERR_NOMEM);
	a->fd = -1;
	a->checkpoint_every = checkpoint_every;
	GUARD(key_copy(key, &a->key));
	audit_key_public(a->key, &a->pub);
	audit_pubkey_id(&a->pub, a->key_id);
	GUARD(cg_buf_new(AUDIT_LINE_MAX, &a->line));
	if ((r = open_log(path, &a->fd, &created)) < 0) {
		(void)snprintf(report->detail, sizeof(report->detail),
		    "cannot open or create the log (a symlink is refused): %s",
		    strerror(errno));
		goto out;
	}
	ENSURE(fstat(a->fd, &st) == 0, CG_ERR_IO);
	if (!S_ISREG(st.st_mode) || (st.st_mode & 022) != 0) {
		(void)snprintf(report->detail, sizeof(report->detail),
		    "the log must be a regular file not writable by group or others");
		r = CG_ERR_DENIED;
		goto out;
	}
	if (flock(a->fd, LOCK_EX | LOCK_NB) != 0) {
		busy = errno == EWOULDBLOCK;
		(void)snprintf(report->detail, sizeof(report->detail),
		    "cannot lock the log: %s",
		    busy ? "another process has it open for writing" : strerror(errno));
		r = busy ? CG_ERR_DENIED : CG_ERR_IO;
		goto out;
	}
	if (created)
		GUARD(fsync_parent(path));
	GUARD(verify_stream(a->fd, &a->pub, true, report, a->head, &a->size));
	/*
	 * An unfinished last line is an append that never returned (it is
	 * written before it is fsync()ed, and acknowledged only after): the
	 * writer was killed in between.  Nothing acted on it, so it is cut
	 * off, and said so.  Cutting a whole line off the end is what a hash
	 * chain cannot detect anyway (see the warning at audit_verify).
	 */
	ENSURE(fstat(a->fd, &st) == 0, CG_ERR_IO);
	if ((uint64_t)st.st_size > a->size) {
		ENSURE(ftruncate(a->fd, (off_t)a->size) == 0 && fsync(a->fd) == 0, CG_ERR_IO);
		(void)snprintf(report->detail, sizeof(report->detail),
		    "cut off %" PRIu64 " bytes of an unfinished last line (an append "
		    "interrupted before it completed)", (uint64_t)st.st_size - a->size);
	}
	a->seq = report->last_seq;
	a->since_checkpoint = report->unsigned_tail;
	*ret_audit = a;
	a = NULL;
	r = 0;
 out:
	audit_close(a);
	return r;
}

static int
now_iso8601(char out[TIME_LEN + 1])
{
	struct timespec ts;
	struct tm tm;
	int r = CG_ERR_INTERNAL;

	ENSURE(clock_gettime(CLOCK_REALTIME, &ts) == 0, CG_ERR_IO);
	ENSURE(gmtime_r(&ts.tv_sec, &tm) != NULL, CG_ERR_INTERNAL);
	ENSURE(tm.tm_year >= -1900 && tm.tm_year <= 9999 - 1900, CG_ERR_INTERNAL);
	ENSURE(snprintf(out, TIME_LEN + 1, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(ts.tv_nsec / 1000000)) == TIME_LEN, CG_ERR_INTERNAL);
	r = 0;
 out:
	return r;
}


/*
 * Builds the next entry's line, newline included, into a->line, and reads
 * it back with the verifier's parser: what the gate writes, it can verify.
 */
static int
build_line(struct audit *a, const char *event, struct json_object *fields,
    struct json_object *checkpoint)
{
	struct json_object_iterator it, end;
	struct json_object *entry = NULL;
	struct audit_entry e;
	char now[TIME_LEN + 1], prev[2 * AUDIT_HASH_BYTES + 1];
	const char *name;
	int r = CG_ERR_INTERNAL;

	ENSURE(a->seq < SEQ_MAX, CG_ERR_LIMIT);
	GUARD(now_iso8601(now));
	hex_encode(a->head, sizeof(a->head), prev, sizeof(prev));
	ENSURE((entry = json_object_new_object()) != NULL, CG_ERR_NOMEM);
	GUARD(cg_json_add(entry, "seq", json_object_new_int64((int64_t)(a->seq + 1))));
	GUARD(cg_json_add(entry, "time", json_object_new_string(now)));
	GUARD(cg_json_add(entry, "event", json_object_new_string(event)));
	if (fields != NULL) {
		it = json_object_iter_begin(fields);
		end = json_object_iter_end(fields);
		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
			name = json_object_iter_peek_name(&it);
			ENSURE(name_in(name, caller_fields, CG_NELEM(caller_fields)),
			    CG_ERR_INVALID_ARG);
			GUARD(cg_json_add(entry, name,
			    json_object_get(json_object_iter_peek_value(&it))));
		}
	}
	if (checkpoint != NULL)
		GUARD(cg_json_add(entry, "checkpoint", json_object_get(checkpoint)));
	GUARD(cg_json_add(entry, "prev", json_object_new_string(prev)));

	cg_buf_reset(a->line);
	if ((r = entry_serialize(a->line, entry)) < 0) {
		/* the caller's values: too big, too deep, or not representable */
		r = r == CG_ERR_NOMEM || r == CG_ERR_LIMIT ? r : CG_ERR_INVALID_ARG;
		goto out;
	}
	GUARD(cg_buf_put_u8(a->line, '\n'));
	r = audit_entry_parse(cg_buf_ptr(a->line), cg_buf_len(a->line) - 1, &e, NULL);
	if (r < 0) {
		r = r == CG_ERR_NOMEM || r == CG_ERR_LIMIT ? r : CG_ERR_INVALID_ARG;
		goto out;
	}
	ENSURE(e.seq == a->seq + 1, CG_ERR_INTERNAL);
	r = 0;
 out:
	if (r < 0)
		cg_buf_reset(a->line);
	json_object_put(entry);
	return r;
}

/*
 * Appends a->line and makes it durable.  On any failure the handle is
 * marked broken; a partly written line is cut off again.
 */
static int
write_line(struct audit *a)
{
	const uint8_t *p = cg_buf_ptr(a->line);
	size_t len = cg_buf_len(a->line);
	uint8_t hash[AUDIT_HASH_BYTES];
	int r = CG_ERR_INTERNAL;

	ENSURE(p != NULL && len > 0 && p[len - 1] == '\n', CG_ERR_INTERNAL);
	GUARD(line_hash(p, len - 1, hash));
	if ((r = write_all(a->fd, p, len)) < 0) {
		a->broken = true;
		/* we hold the lock: nobody else wrote past our size.  If even
		 * this fails, audit_open() will name the partial line. */
		if (ftruncate(a->fd, (off_t)a->size) != 0)
			r = CG_ERR_IO;
		goto out;
	}
	if (fsync(a->fd) != 0) {
		/* the line may or may not be on disk; keeping it is the honest choice */
		a->broken = true;
		r = CG_ERR_IO;
		goto out;
	}
	a->size += len;
	a->seq++;
	memcpy(a->head, hash, sizeof(a->head));
	r = 0;
 out:
	cg_buf_reset(a->line);
	return r;
}

static int
append_checkpoint(struct audit *a)
{
	struct json_object *cp = NULL;
	uint8_t msg[CHECKPOINT_MSG_LEN], sig[AUDIT_SIG_BYTES];
	char hash_hex[2 * AUDIT_HASH_BYTES + 1], sig_hex[2 * AUDIT_SIG_BYTES + 1];
	int r = CG_ERR_INTERNAL;

	checkpoint_message(a->seq, a->head, msg);
	ENSURE(crypto_sign_detached(sig, NULL, msg, sizeof(msg), a->key->sk) == 0,
	    CG_ERR_INTERNAL);
	hex_encode(a->head, sizeof(a->head), hash_hex, sizeof(hash_hex));
	hex_encode(sig, sizeof(sig), sig_hex, sizeof(sig_hex));
	ENSURE((cp = json_object_new_object()) != NULL, CG_ERR_NOMEM);
	GUARD(cg_json_add(cp, "seq", json_object_new_int64((int64_t)a->seq)));
	GUARD(cg_json_add(cp, "hash", json_object_new_string(hash_hex)));
	GUARD(cg_json_add(cp, "key_id", json_object_new_string(a->key_id)));
	GUARD(cg_json_add(cp, "sig", json_object_new_string(sig_hex)));
	GUARD(build_line(a, "checkpoint", NULL, cp));
	GUARD(write_line(a));
	a->since_checkpoint = 0;
	r = 0;
 out:
	json_object_put(cp);
	return r;
}

int
audit_append(struct audit *audit, const char *event, struct json_object *fields)
{
	int r = CG_ERR_INTERNAL;

	ENSURE(audit != NULL && event != NULL, CG_ERR_INVALID_ARG);
	ENSURE(!audit->broken, CG_ERR_IO);
	ENSURE(event_valid(event, strlen(event)) && strcmp(event, "checkpoint") != 0,
	    CG_ERR_INVALID_ARG);
	ENSURE(fields == NULL || json_object_is_type(fields, json_type_object),
	    CG_ERR_INVALID_ARG);
	GUARD(build_line(audit, event, fields, NULL));
	GUARD(write_line(audit));
	audit->since_checkpoint++;
	if (audit->checkpoint_every > 0 && audit->since_checkpoint >= audit->checkpoint_every)
		GUARD(append_checkpoint(audit));
	r = 0;
 out:
	return r;
}

int
audit_checkpoint(struct audit *audit)
{
	int r = CG_ERR_INTERNAL;

	ENSURE(audit != NULL, CG_ERR_INVALID_ARG);
	ENSURE(!audit->broken, CG_ERR_IO);
	if (audit->since_checkpoint > 0)
		GUARD(append_checkpoint(audit));
	r = 0;
 out:
	return r;
}

void
audit_head(const struct audit *audit, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_BYTES])
{
	*ret_seq = audit->seq;
	memcpy(ret_hash, audit->head, AUDIT_HASH_BYTES);
}

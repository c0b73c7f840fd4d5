/*
 * The standard AWS credential chain (see aws_creds.h) and the two formats
 * it reads: INI files and the credentials JSON of the container and
 * instance metadata endpoints.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "aws_creds.h"
#include "aws_int.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "secret.h"

#define INI_LINE_MAX	8192
#define INI_ENTRIES_MAX	4096
#define META_MAX	(64 * 1024)
#define META_CONNECT_MS	1000
#define META_TOTAL_MS	3000

struct ini_entry {
	char	*section;
	char	*key;
	char	*value;
};

struct aws_ini {
	struct ini_entry	*e;
	size_t			 n;
};

void
aws_credentials_clear(struct aws_credentials *c)
{
	if (c == NULL)
		return;
	cg_secret_free(c->secret_access_key);
	cg_secret_free(c->session_token);
	memset(c, 0, sizeof(*c));
}

int
aws_credentials_copy(const struct aws_credentials *src, struct aws_credentials *ret_copy)
{
	struct aws_credentials c;
	int r = CG_ERR_INTERNAL;

	memset(&c, 0, sizeof(c));
	ENSURE(src != NULL && src->secret_access_key != NULL, CG_ERR_INVALID_ARG);
	memcpy(c.access_key_id, src->access_key_id, sizeof(c.access_key_id));
	c.expiration = src->expiration;
	c.source = src->source;
	GUARD(cg_secret_dup(src->secret_access_key, &c.secret_access_key));
	if (src->session_token != NULL)
		GUARD(cg_secret_dup(src->session_token, &c.session_token));
	*ret_copy = c;
	memset(&c, 0, sizeof(c));
	r = 0;
 out:
	aws_credentials_clear(&c);
	return r;
}

/*
 * AWS's own key ids are 16-128 word characters (AKIA..., ASIA...); local
 * stand-ins use shorter ones ("test-key"), so this only keeps out what
 * could break a header: 3-128 of [A-Za-z0-9_-].
 */
bool
aws_key_id_ok(const char *s, size_t len)
{
	return len >= 3 && len < 129 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_-") >= len;
}

bool
aws_credential_text_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;	/* no spaces, CR, LF or bytes a header cannot hold */
	return len > 0;
}

static int
creds_set(struct aws_credentials *c, const char *akid, size_t akid_len, const char *secret,
    size_t secret_len, const char *token, size_t token_len, const char *source,
    struct cg_buf *why)
{
	int r = CG_ERR_CREDENTIALS;

	if (!aws_key_id_ok(akid, akid_len) || !aws_credential_text_ok(secret, secret_len) ||
	    (token != NULL && token_len > 0 && !aws_credential_text_ok(token, token_len))) {
		cg_buf_putf(why, "%s: the access key id must be 3-128 of [A-Za-z0-9_-], and the "
		    "secret key and session token printable characters without spaces", source);
		goto out;
	}
	memcpy(c->access_key_id, akid, akid_len);
	c->access_key_id[akid_len] = '\0';
	if ((r = cg_secret_new(secret, secret_len, &c->secret_access_key)) < 0 ||
	    (token != NULL && token_len > 0 &&
	    (r = cg_secret_new(token, token_len, &c->session_token)) < 0)) {
		cg_buf_putf(why, "%s: the secret key or session token is too long or holds "
		    "a NUL", source);
		r = CG_ERR_CREDENTIALS;
		goto out;
	}
	c->source = source;
	r = 0;
 out:
	return r;
}

/* ---- INI ---- */

static char *
dup_trim(const uint8_t *p, size_t len)
{
	char *s;

	while (len > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
		len--;
	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

void
aws_ini_free(struct aws_ini *ini)
{
	size_t i;

	if (ini == NULL)
		return;
	for (i = 0; i < ini->n; i++) {
		free(ini->e[i].section);
		free(ini->e[i].key);
		if (ini->e[i].value != NULL) {
			explicit_bzero(ini->e[i].value, strlen(ini->e[i].value));
			free(ini->e[i].value);
		}
	}
	free(ini->e);
	free(ini);
}

int
aws_ini_parse(const char *text, size_t len, struct aws_ini **ret_ini, struct cg_buf *why)
{
	struct aws_ini *ini = NULL;
	struct cg_cursor cur;
	const uint8_t *line, *eq, *p;
	char *section = NULL;
	size_t llen, lineno = 0, cap = 0, k;
	bool in_sub = false;
	int r = CG_ERR_INTERNAL;

	ENSURE(text != NULL || len == 0, CG_ERR_INVALID_ARG);
	ENSURE(len <= AWS_INI_MAX, CG_ERR_LIMIT);
	ENSURE((ini = calloc(1, sizeof(*ini))) != NULL, CG_ERR_NOMEM);
	cg_cursor_init(&cur, text, len);
	while (cg_cursor_remaining(&cur) > 0) {
		lineno++;
		r = cg_cursor_get_until(&cur, '\n', INI_LINE_MAX, &line, &llen);
		if (r == CG_ERR_TRUNCATED) {	/* last line without '\n' */
			llen = cg_cursor_remaining(&cur);
			GUARD(cg_cursor_get_bytes(&cur, llen, &line));
		} else if (r == CG_ERR_LIMIT) {
			cg_buf_putf(why, "line %zu is longer than %d bytes", lineno, INI_LINE_MAX);
			goto out;
		} else {
			GUARD(r);
		}
		if (llen > 0 && memchr(line, '\0', llen) != NULL) {
			cg_buf_putf(why, "line %zu holds a NUL byte", lineno);
			r = CG_ERR_PARSE;
			goto out;
		}
		for (p = line; p < line + llen && (*p == ' ' || *p == '\t' || *p == '\r'); p++)
			;
		if (p == line + llen || *p == '#' || *p == ';')
			continue;
		if (p != line) {
			/* indented: a sub-property of the previous key ("s3 =\n  x = y"), ignored */
			if (!in_sub) {
				cg_buf_putf(why, "line %zu: indented line outside a nested "
				    "setting", lineno);
				r = CG_ERR_PARSE;
				goto out;
			}
			continue;
		}
		in_sub = false;
		if (*p == '[') {
			const uint8_t *close = memchr(p, ']', llen - (size_t)(p - line));

			if (close == NULL || close == p + 1) {
				cg_buf_putf(why, "line %zu: a section header needs [name]", lineno);
				r = CG_ERR_PARSE;
				goto out;
			}
			free(section);
			ENSURE((section = dup_trim(p + 1, (size_t)(close - p - 1))) != NULL,
			    CG_ERR_NOMEM);
			continue;
		}
		eq = memchr(p, '=', llen - (size_t)(p - line));
		if (eq == NULL || eq == p || section == NULL) {
			cg_buf_putf(why, "line %zu: expected key = value inside a [section]",
			    lineno);
			r = CG_ERR_PARSE;
			goto out;
		}
		ENSURE(ini->n < INI_ENTRIES_MAX, CG_ERR_LIMIT);
		if (ini->n == cap) {
			struct ini_entry *ne;

			cap = cap == 0 ? 16 : cap * 2;
			ENSURE((ne = realloc(ini->e, cap * sizeof(*ne))) != NULL, CG_ERR_NOMEM);
			ini->e = ne;
		}
		memset(&ini->e[ini->n], 0, sizeof(ini->e[ini->n]));
		ini->e[ini->n].key = dup_trim(p, (size_t)(eq - p));
		for (k = 0; ini->e[ini->n].key != NULL && ini->e[ini->n].key[k] != '\0'; k++)
			ini->e[ini->n].key[k] = (char)tolower((unsigned char)ini->e[ini->n].key[k]);
		ini->e[ini->n].value = dup_trim(eq + 1, (size_t)(line + llen - eq - 1));
		ini->e[ini->n].section = strdup(section);
		ini->n++;
		ENSURE(ini->e[ini->n - 1].key != NULL && ini->e[ini->n - 1].value != NULL &&
		    ini->e[ini->n - 1].section != NULL, CG_ERR_NOMEM);
		in_sub = ini->e[ini->n - 1].value[0] == '\0';
	}
	*ret_ini = ini;
	ini = NULL;
	r = 0;
 out:
	free(section);
	aws_ini_free(ini);
	return r;
}

const char *
aws_ini_get(const struct aws_ini *ini, const char *section, const char *key)
{
	size_t i;

	for (i = ini->n; i-- > 0; )	/* the last assignment wins */
		if (strcmp(ini->e[i].section, section) == 0 && strcmp(ini->e[i].key, key) == 0)
			return ini->e[i].value;
	return NULL;
}

int
aws_ini_has_section(const struct aws_ini *ini, const char *section)
{
	size_t i;

	for (i = 0; i < ini->n; i++)
		if (strcmp(ini->e[i].section, section) == 0)
			return 1;
	return 0;
}

/* Reads a whole small file; CG_ERR_NOT_FOUND when it does not exist. */
static int
read_small_file(const char *path, size_t max, struct cg_buf **ret)
{
	struct cg_buf *b = NULL;
	struct stat st;
	char chunk[4096];
	ssize_t n;
	int fd = -1, r = CG_ERR_INTERNAL;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		r = errno == ENOENT ? CG_ERR_NOT_FOUND : CG_ERR_IO;
		goto out;
	}
	ENSURE(fstat(fd, &st) == 0 && S_ISREG(st.st_mode), CG_ERR_IO);
	ENSURE((size_t)st.st_size <= max, CG_ERR_LIMIT);
	GUARD(cg_buf_new(max, &b));
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		ENSURE(n > 0, CG_ERR_IO);
		GUARD(cg_buf_put(b, chunk, (size_t)n));
	}
	*ret = b;
	b = NULL;
	r = 0;
 out:
	explicit_bzero(chunk, sizeof(chunk));
	cg_buf_free(b);
	if (fd >= 0)
		close(fd);
	return r;
}

static const char *
env(const char *name)
{
	const char *v = secure_getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static int
home_path(const char *envname, const char *rel, char *out, size_t max)
{
	const char *v = env(envname), *home;

	if (v != NULL)
		return (size_t)snprintf(out, max, "%s", v) < max ? 0 : CG_ERR_LIMIT;
	if ((home = env("HOME")) == NULL)
		return CG_ERR_NOT_FOUND;
	return (size_t)snprintf(out, max, "%s/%s", home, rel) < max ? 0 : CG_ERR_LIMIT;
}

static int
load_ini(const char *envname, const char *rel, struct aws_ini **ret, char *path, size_t pmax,
    struct cg_buf *why)
{
	struct cg_buf *text = NULL, *msg = NULL;
	const char *m = "";
	int r = CG_ERR_INTERNAL;

	*ret = NULL;
	if ((r = home_path(envname, rel, path, pmax)) < 0) {
		r = r == CG_ERR_NOT_FOUND ? 0 : r;
		goto out;
	}
	if ((r = read_small_file(path, AWS_INI_MAX, &text)) == CG_ERR_NOT_FOUND) {
		r = 0;
		goto out;
	}
	if (r < 0) {
		cg_buf_putf(why, "cannot read %s: %s", path, cg_strerror(r));
		goto out;
	}
	GUARD(cg_buf_new(512, &msg));
	if ((r = aws_ini_parse((const char *)cg_buf_ptr(text), cg_buf_len(text), ret, msg)) < 0) {
		(void)cg_buf_cstr(msg, &m);
		cg_buf_putf(why, "%s: %s", path, m);
		goto out;
	}
 out:
	cg_buf_free(text);
	cg_buf_free(msg);
	return r;
}

static const char *
profile_name(void)
{
	const char *p = env("AWS_PROFILE");

	return p != NULL ? p : "default";
}

const char *
aws_creds_profile_region(void)
{
	static char region[AWS_REGION_MAX];
	struct aws_ini *cfg = NULL;
	struct cg_buf *why = NULL;
	char path[1024], section[300];
	const char *v, *res = NULL;

	if (cg_buf_new(512, &why) < 0)
		return NULL;
	if (load_ini("AWS_CONFIG_FILE", ".aws/config", &cfg, path, sizeof(path), why) == 0 &&
	    cfg != NULL) {
		if (strcmp(profile_name(), "default") == 0)
			snprintf(section, sizeof(section), "default");
		else
			snprintf(section, sizeof(section), "profile %s", profile_name());
		if ((v = aws_ini_get(cfg, section, "region")) != NULL &&
		    strlen(v) < sizeof(region)) {
			memcpy(region, v, strlen(v) + 1);
			res = region;
		}
	}
	aws_ini_free(cfg);
	cg_buf_free(why);
	return res;
}

static int
from_environment(struct aws_credentials *c, struct cg_buf *why)
{
	const char *akid = env("AWS_ACCESS_KEY_ID"), *secret = env("AWS_SECRET_ACCESS_KEY");
	const char *token = env("AWS_SESSION_TOKEN");

	if (akid == NULL && secret == NULL)
		return CG_ERR_NOT_FOUND;
	if (akid == NULL || secret == NULL) {
		cg_buf_putf(why, "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
		    "must be set together");
		return CG_ERR_CREDENTIALS;
	}
	return creds_set(c, akid, strlen(akid), secret, strlen(secret), token,
	    token != NULL ? strlen(token) : 0, "environment", why);
}

static const char *const unsupported_keys[] = { "role_arn", "credential_process",
    "sso_session", "sso_start_url", "web_identity_token_file", NULL };

/* A profile that gets its credentials some way the gate does not run. */
static int
refuse_unsupported(const struct aws_ini *ini, const char *section, const char *file,
    struct cg_buf *why)
{
	size_t i;

	for (i = 0; ini != NULL && unsupported_keys[i] != NULL; i++) {
		if (aws_ini_get(ini, section, unsupported_keys[i]) != NULL) {
			cg_buf_putf(why, "%s [%s] uses %s, which the gate does not run: give "
			    "it static keys or run it with an instance or container role",
			    file, section, unsupported_keys[i]);
			return CG_ERR_CREDENTIALS;
		}
	}
	return 0;
}

static int
profile_creds(const struct aws_ini *ini, const char *section, const char *file,
    struct aws_credentials *c, struct cg_buf *why)
{
	const char *akid, *secret, *token;

	akid = aws_ini_get(ini, section, "aws_access_key_id");
	secret = aws_ini_get(ini, section, "aws_secret_access_key");
	token = aws_ini_get(ini, section, "aws_session_token");
	if (akid == NULL && secret == NULL)
		return CG_ERR_NOT_FOUND;
	if (akid == NULL || secret == NULL) {
		cg_buf_putf(why, "%s [%s]: aws_access_key_id and aws_secret_access_key "
		    "must be set together", file, section);
		return CG_ERR_CREDENTIALS;
	}
	return creds_set(c, akid, strlen(akid), secret, strlen(secret), token,
	    token != NULL ? strlen(token) : 0, "shared-config-files", why);
}

static int
from_web_identity(struct aws_credentials *c, struct cg_buf *why)
{
	(void)c;
	if (env("AWS_WEB_IDENTITY_TOKEN_FILE") == NULL && env("AWS_ROLE_ARN") == NULL)
		return CG_ERR_NOT_FOUND;
	cg_buf_putf(why, "AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE are set (web identity, "
	    "e.g. EKS service accounts), which the gate does not run: give it a container "
	    "or instance role, or static keys");
	return CG_ERR_CREDENTIALS;
}

static int
from_shared_files(struct aws_credentials *c, struct cg_buf *why)
{
	struct aws_ini *creds = NULL, *cfg = NULL;
	char cpath[1024], fpath[1024], section[300];
	const char *profile = profile_name();
	bool named = env("AWS_PROFILE") != NULL, seen = false;
	int r = CG_ERR_INTERNAL;

	GUARD(load_ini("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", &creds, cpath,
	    sizeof(cpath), why));
	GUARD(load_ini("AWS_CONFIG_FILE", ".aws/config", &cfg, fpath, sizeof(fpath), why));
	if (strcmp(profile, "default") == 0)
		snprintf(section, sizeof(section), "default");
	else
		ENSURE((size_t)snprintf(section, sizeof(section), "profile %s", profile) <
		    sizeof(section), CG_ERR_LIMIT);
	/* the SDKs prefer an assumed role or SSO in either file over static keys */
	GUARD(refuse_unsupported(creds, profile, cpath, why));
	GUARD(refuse_unsupported(cfg, section, fpath, why));
	if (creds != NULL && aws_ini_has_section(creds, profile)) {
		seen = true;
		if ((r = profile_creds(creds, profile, cpath, c, why)) != CG_ERR_NOT_FOUND)
			goto out;
	}
	if (cfg != NULL && aws_ini_has_section(cfg, section)) {
		seen = true;
		if ((r = profile_creds(cfg, section, fpath, c, why)) != CG_ERR_NOT_FOUND)
			goto out;
	}
	if (named && !seen) {
		cg_buf_putf(why, "AWS_PROFILE names profile \"%s\", which neither the "
		    "credentials file nor the config file has", profile);
		r = CG_ERR_CREDENTIALS;
		goto out;
	}
	r = CG_ERR_NOT_FOUND;
 out:
	aws_ini_free(creds);
	aws_ini_free(cfg);
	return r;
}

int
aws_parse_credentials_json(const char *text, size_t len, struct aws_credentials *ret_creds,
    struct cg_buf *why)
{
	struct aws_credentials c;
	struct json_object *o = NULL;
	char akid[129], code[64] = "", exp[64] = "";
	char *secret = NULL, *token = NULL;
	int r = CG_ERR_INTERNAL;

	memset(&c, 0, sizeof(c));
	if (cg_json_parse(text, len, META_MAX, &o, NULL) < 0 ||
	    !json_object_is_type(o, json_type_object)) {
		cg_buf_putf(why, "the credentials answer is not a JSON object");
		r = CG_ERR_PARSE;
		goto out;
	}
	if (aws_json_str(o, "Code", code, sizeof(code), false) < 0) {
		cg_buf_putf(why, "the credentials answer has a malformed Code");
		r = CG_ERR_CREDENTIALS;
		goto out;
	}
	if (code[0] != '\0' && strcmp(code, "Success") != 0) {
		cg_buf_putf(why, "the credentials answer says Code \"%.60s\"", code);
		r = CG_ERR_CREDENTIALS;
		goto out;
	}
	if (aws_json_str(o, "AccessKeyId", akid, sizeof(akid), true) < 0 ||
	    aws_json_strdup(o, "SecretAccessKey", CG_SECRET_MAX, true, &secret) < 0 ||
	    aws_json_strdup(o, "Token", CG_SECRET_MAX, true, &token) < 0 ||
	    aws_json_str(o, "Expiration", exp, sizeof(exp), true) < 0) {
		cg_buf_putf(why, "the credentials answer lacks AccessKeyId, SecretAccessKey, "
		    "Token or Expiration, or a field has the wrong type or length (metadata "
		    "credentials always expire)");
		r = CG_ERR_PARSE;
		goto out;
	}
	GUARD(creds_set(&c, akid, strlen(akid), secret, strlen(secret), token,
	    token != NULL ? strlen(token) : 0, "metadata", why));
	if (aws_parse_time(exp, &c.expiration) < 0 || c.expiration <= 0) {
		cg_buf_putf(why, "the credentials answer has an unreadable Expiration");
		r = CG_ERR_PARSE;
		goto out;
	}
	*ret_creds = c;
	memset(&c, 0, sizeof(c));
	r = 0;
 out:
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	aws_credentials_clear(&c);
	/* json-c's copy of the strings goes with the object; wipe it first */
	if (o != NULL) {
		struct json_object *v;

		if (json_object_object_get_ex(o, "SecretAccessKey", &v) &&
		    json_object_is_type(v, json_type_string))
			explicit_bzero((char *)json_object_get_string(v),
			    (size_t)json_object_get_string_len(v));
		if (json_object_object_get_ex(o, "Token", &v) &&
		    json_object_is_type(v, json_type_string))
			explicit_bzero((char *)json_object_get_string(v),
			    (size_t)json_object_get_string_len(v));
	}
	json_object_put(o);
	return r;
}

static size_t
meta_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	return size == 1 && cg_buf_put(arg, ptr, nmemb) == 0 ? nmemb : 0;
}

/* A plain (unsigned) metadata request; *ret_status the HTTP status. */
static int
meta_request(const char *method, const char *url, const char *const *headers,
    struct cg_buf *out, long *ret_status)
{
	struct curl_slist *hdrs = NULL, *h;
	CURL *curl = NULL;
	size_t i;
	int r = CG_ERR_INTERNAL;

	cg_buf_reset(out);
	ENSURE((curl = curl_easy_init()) != NULL, CG_ERR_NOMEM);
	for (i = 0; headers != NULL && headers[i] != NULL; i++) {
		ENSURE((h = curl_slist_append(hdrs, headers[i])) != NULL, CG_ERR_NOMEM);
		hdrs = h;
	}
	if (curl_easy_setopt(curl, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*") != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)META_CONNECT_MS) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)META_TOTAL_MS) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, meta_write) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out) != CURLE_OK) {
		r = CG_ERR_INTERNAL;
		goto out;
	}
	if (strcmp(method, "PUT") == 0 &&
	    (curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "") != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L) != CURLE_OK)) {
		r = CG_ERR_INTERNAL;
		goto out;
	}
	ENSURE(curl_easy_perform(curl) == CURLE_OK, CG_ERR_TRANSPORT);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, ret_status);
	r = 0;
 out:
	curl_slist_free_all(hdrs);
	if (curl != NULL)
		curl_easy_cleanup(curl);
	return r;
}

static int
from_container(struct aws_credentials *c, struct cg_buf *why)
{
	const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *tok = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *tokfile = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	struct cg_buf *body = NULL, *tokbuf = NULL, *hdr = NULL;
	const char *headers[2] = { NULL, NULL }, *bad = NULL;
	char url[1024];
	long status = 0;
	int r = CG_ERR_INTERNAL;

	if (rel == NULL && full == NULL) {
		r = CG_ERR_NOT_FOUND;
		goto out;
	}
	if (rel != NULL) {
		if (rel[0] != '/') {
			cg_buf_putf(why, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start "
			    "with /");
			r = CG_ERR_CREDENTIALS;
			goto out;
		}
		ENSURE((size_t)snprintf(url, sizeof(url), "http://169.254.170.2%s", rel) <
		    sizeof(url), CG_ERR_LIMIT);
	} else {
		ENSURE((size_t)snprintf(url, sizeof(url), "%s", full) < sizeof(url),
		    CG_ERR_LIMIT);
	}
	if (aws_url_check(url, true, &bad) < 0) {
		cg_buf_putf(why, "container credentials URL %.200s is %s", url, bad);
		r = CG_ERR_CREDENTIALS;
		goto out;
	}
	GUARD(cg_buf_new(16 * 1024, &hdr));
	if (tokfile != NULL) {
		size_t tlen;

		if ((r = read_small_file(tokfile, 16 * 1024, &tokbuf)) < 0) {
			cg_buf_putf(why, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE "
			    "%s: %s", tokfile, cg_strerror(r));
			r = CG_ERR_CREDENTIALS;
			goto out;
		}
		/* the file's final newline is not part of the token */
		for (tlen = cg_buf_len(tokbuf); tlen > 0 &&
		    (cg_buf_ptr(tokbuf)[tlen - 1] == '\n' || cg_buf_ptr(tokbuf)[tlen - 1] == '\r');
		    tlen--)
			;
		GUARD(cg_buf_put_str(hdr, "Authorization: "));
		GUARD(cg_buf_put(hdr, cg_buf_ptr(tokbuf), tlen));
	} else if (tok != NULL) {
		GUARD(cg_buf_putf(hdr, "Authorization: %s", tok));
	}
	if (cg_buf_len(hdr) > 0) {
		if (cg_buf_cstr(hdr, &headers[0]) < 0 || strpbrk(headers[0], "\r\n") != NULL) {
			cg_buf_putf(why, "the container authorization token holds a NUL or "
			    "a line break");
			r = CG_ERR_CREDENTIALS;
			goto out;
		}
	}
	GUARD(cg_buf_new(META_MAX, &body));
	if ((r = meta_request("GET", url, headers, body, &status)) < 0 || status != 200) {
		cg_buf_putf(why, "container credentials endpoint %s: %s", url,
		    r < 0 ? "no answer" : "HTTP error");
		r = CG_ERR_CREDENTIALS;
		goto out;
	}
	GUARD(aws_parse_credentials_json((const char *)cg_buf_ptr(body), cg_buf_len(body), c,
	    why));
	c->source = "container";
 out:
	cg_buf_free(body);
	cg_buf_free(tokbuf);
	cg_buf_free(hdr);
	return r;
}

static int
from_imds(struct aws_credentials *c, struct cg_buf *why)
{
	const char *disabled = env("AWS_EC2_METADATA_DISABLED");
	const char *base = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	struct cg_buf *body = NULL, *tokhdr = NULL;
	const char *headers[2] = { NULL, NULL };
	const char *ttl[] = { "X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL };
	const char *bad = NULL;
	char url[1024], role[256];
	long status = 0;
	size_t n;
	int r = CG_ERR_INTERNAL;

	if (disabled != NULL && strcasecmp(disabled, "true") == 0) {
		r = CG_ERR_NOT_FOUND;
		goto out;
	}
	if (base == NULL)
		base = "http://169.254.169.254";
	else if (aws_url_check(base, false, &bad) < 0 || strlen(base) > 512) {
		cg_buf_putf(why, "AWS_EC2_METADATA_SERVICE_ENDPOINT %.200s is %s", base,
		    bad != NULL ? bad : "too long");
		r = CG_ERR_CREDENTIALS;
		goto out;
	}
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	GUARD(cg_buf_new(META_MAX, &body));
	GUARD(cg_buf_new(META_MAX + 64, &tokhdr));
	/* IMDSv2: a session token first; IMDSv1 is not used */
	snprintf(url, sizeof(url), "%.*s/latest/api/token", (int)n, base);
	if ((r = meta_request("PUT", url, ttl, body, &status)) < 0 || status != 200 ||
	    cg_buf_len(body) == 0) {
		cg_buf_putf(why, "instance metadata at %.*s: no IMDSv2 token", (int)n, base);
		r = CG_ERR_NOT_FOUND;
		goto out;
	}
	GUARD(cg_buf_put_str(tokhdr, "X-aws-ec2-metadata-token: "));
	GUARD(cg_buf_put(tokhdr, cg_buf_ptr(body), cg_buf_len(body)));
	if (cg_buf_cstr(tokhdr, &headers[0]) < 0 || strpbrk(headers[0], "\r\n") != NULL) {
		cg_buf_putf(why, "instance metadata: malformed IMDSv2 token");
		r = CG_ERR_CREDENTIALS;
		goto out;
	}
	snprintf(url, sizeof(url), "%.*s/latest/meta-data/iam/security-credentials/",
	    (int)n, base);
	if ((r = meta_request("GET", url, headers, body, &status)) < 0 || status != 200 ||
	    cg_buf_len(body) == 0 || cg_buf_len(body) >= sizeof(role)) {
		cg_buf_putf(why, "instance metadata: no instance role");
		r = CG_ERR_CREDENTIALS;
		goto out;
	}
	memcpy(role, cg_buf_ptr(body), cg_buf_len(body));
	role[cg_buf_len(body)] = '\0';
	role[strcspn(role, "\r\n")] = '\0';
	if (role[0] == '\0' || strspn(role, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789+=,.@_-") != strlen(role)) {
		cg_buf_putf(why, "instance metadata: malformed role name");
		r = CG_ERR_CREDENTIALS;
		goto out;
	}
	snprintf(url, sizeof(url), "%.*s/latest/meta-data/iam/security-credentials/%s",
	    (int)n, base, role);
	if ((r = meta_request("GET", url, headers, body, &status)) < 0 || status != 200) {
		cg_buf_putf(why, "instance metadata: no credentials for role %s", role);
		r = CG_ERR_CREDENTIALS;
		goto out;
	}
	GUARD(aws_parse_credentials_json((const char *)cg_buf_ptr(body), cg_buf_len(body), c,
	    why));
	c->source = "instance-metadata";
 out:
	cg_buf_free(body);
	cg_buf_free(tokhdr);
	return r;
}

int
aws_creds_resolve(struct aws_credentials *ret_creds, struct cg_buf *why)
{
	static int (*const chain[])(struct aws_credentials *, struct cg_buf *) = {
		from_environment, from_web_identity, from_shared_files, from_container, from_imds,
	};
	struct aws_credentials c;
	size_t i;
	int r = CG_ERR_CREDENTIALS;

	for (i = 0; i < CG_NELEM(chain); i++) {
		memset(&c, 0, sizeof(c));
		r = chain[i](&c, why);
		if (r == 0) {
			*ret_creds = c;
			goto out;
		}
		aws_credentials_clear(&c);
		if (r != CG_ERR_NOT_FOUND)	/* a source that is there but broken stops the chain */
			goto out;
	}
	cg_buf_putf(why, "%sno AWS credentials: set AWS_ACCESS_KEY_ID and "
	    "AWS_SECRET_ACCESS_KEY, a profile in ~/.aws/credentials, or run with a "
	    "container or instance role", cg_buf_len(why) > 0 ? "; " : "");
	r = CG_ERR_CREDENTIALS;
 out:
	return r;
}

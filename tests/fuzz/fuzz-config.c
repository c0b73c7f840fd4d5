/*
 * Fuzz target: cmkgated.conf (gate/config.c).  Each input is parsed twice,
 * with and without a message buffer, and must get the same answer.
 * Checked:
 *  - a refusal is a parse, limit or memory error, leaves the result
 *    untouched and says why, starting with the file's label;
 *  - an accepted config holds only what cmkgated.conf(5) allows: absolute
 *    paths without "..", a socket mode within 0660, the documented ranges,
 *    1 to CONFIG_OPERATORS_MAX operators with distinct uids and names,
 *    role principals without wildcards, each found again by uid.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "config.h"

#define FILE_LABEL "fuzz.conf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
	if (!ok)
		abort();
}

static bool
only(const char *s, const char *set)
{
	return strspn(s, set) == strlen(s);
}

static void
check_path(const char *p, size_t max)
{
	size_t i, len;

	check(p != NULL && p[0] == '/');
	len = strlen(p);
	check(len <= max);
	for (i = 0; i < len; i++)
		check((unsigned char)p[i] >= 0x20 && p[i] != 0x7f);
	check(strstr(p, "/../") == NULL && strcmp(p, "/..") != 0 &&
	    (len < 3 || strcmp(p + len - 3, "/..") != 0));
}

static void
check_config(const struct config *c)
{
	const struct config_operator *op;
	size_t i, j, host;

	check_path(c->socket_path, 107);
	check_path(c->state_directory, CONFIG_PATH_MAX - 1);
	check_path(c->ops_directory, CONFIG_PATH_MAX - 1);
	check_path(c->audit_log, CONFIG_PATH_MAX - 1);
	check_path(c->audit_key, CONFIG_PATH_MAX - 1);
	check((c->socket_mode & ~(mode_t)0660) == 0);
	check(c->socket_group == NULL || (strlen(c->socket_group) >= 1 &&
	    strlen(c->socket_group) <= 32 &&
	    only(c->socket_group, "abcdefghijklmnopqrstuvwxyz0123456789_-") &&
	    strchr("abcdefghijklmnopqrstuvwxyz_", c->socket_group[0]) != NULL));
	check(c->checkpoint_every <= 100000);
	check(c->request_ttl_seconds >= 60 && c->request_ttl_seconds <= 2592000);
	check(c->policy_cache_seconds <= 3600);
	check(c->region == NULL || (strlen(c->region) >= 1 &&
	    strlen(c->region) <= CONFIG_REGION_MAX && strchr(c->region, '-') != NULL &&
	    only(c->region, "abcdefghijklmnopqrstuvwxyz0123456789-")));
	if (c->endpoint != NULL) {
		i = strncmp(c->endpoint, "https://", 8) == 0 ? 8 :
		    strncmp(c->endpoint, "http://", 7) == 0 ? 7 : 0;
		check(i != 0);
		host = strcspn(c->endpoint + i, "/");
		check(host > 0 && memchr(c->endpoint + i, '@', host) == NULL);
		check(strlen(c->endpoint) <= 511 &&
		    strpbrk(c->endpoint, "?# \t\r\n\\") == NULL);
	}
	check(c->noperators >= 1 && c->noperators <= CONFIG_OPERATORS_MAX &&
	    c->operators != NULL);
	for (i = 0; i < c->noperators; i++) {
		op = &c->operators[i];
		check(op->uid != (uid_t)-1);
		check(op->name != NULL && strlen(op->name) >= 1 &&
		    strlen(op->name) <= CONFIG_NAME_MAX &&
		    only(op->name, "abcdefghijklmnopqrstuvwxyz0123456789_.-") &&
		    strchr("abcdefghijklmnopqrstuvwxyz_", op->name[0]) != NULL);
		check(op->principal != NULL && strlen(op->principal) <= CONFIG_PRINCIPAL_MAX &&
		    strncmp(op->principal, "arn:aws", 7) == 0 &&
		    strpbrk(op->principal, "*?") == NULL &&
		    (strstr(op->principal, ":role/") != NULL ||
		    strstr(op->principal, ":assumed-role/") != NULL));
		for (j = 0; j < i; j++)
			check(op->uid != c->operators[j].uid &&
			    strcmp(op->name, c->operators[j].name) != 0);
		check(config_operator_by_uid(c, op->uid) == op);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config untouched;
	struct config *c = &untouched, *c2 = &untouched;
	struct cg_buf *why = NULL;
	const char *msg = NULL;
	int r, r2;

	if (cg_buf_new(65536, &why) < 0)
		abort();
	r = config_parse(FILE_LABEL, (const char *)data, size, &c, why);
	check(cg_buf_cstr(why, &msg) == 0);
	if (r == 0) {
		check(c != NULL && c != &untouched && cg_buf_len(why) == 0);
		check_config(c);
	} else {
		check(r == CG_ERR_PARSE || r == CG_ERR_LIMIT || r == CG_ERR_NOMEM);
		check(c == &untouched);
		check(r == CG_ERR_NOMEM || (cg_buf_len(why) > strlen(FILE_LABEL ": ") &&
		    strncmp(msg, FILE_LABEL ": ", strlen(FILE_LABEL ": ")) == 0));
	}
	r2 = config_parse(FILE_LABEL, (const char *)data, size, &c2, NULL);
	check(r2 == r || r2 == CG_ERR_NOMEM || r == CG_ERR_NOMEM);
	check(r2 == 0 ? c2 != &untouched : c2 == &untouched);
	if (r2 == 0)
		config_free(c2);
	if (r == 0)
		config_free(c);
	cg_buf_free(why);
	return 0;
}

/*
 * The operator's commands that talk to the gate (cmkgate(1)):
 *
 *   cmkgate [--socket PATH] request --operation OP --input FILE [--region R]
 *           [--reason TEXT] [--json]
 *   cmkgate [--socket PATH] status ID [--json]
 *   cmkgate [--socket PATH] list [--state STATE] [--limit N] [--json]
 *
 * Exit status: 0 done (request: filed, pending or approved); 1 request:
 * filed but denied; 2 usage error; 3 the gate refused the call or could not
 * be reached (the message says why).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "client.h"
#include "commands.h"

#define EXIT_DENIED	1
#define EXIT_USAGE	2
#define EXIT_GATE	3
#define INPUT_MAX	(1024 * 1024)

const char *cmkgate_socket_path;
const char *cmkgate_url;
const char *cmkgate_cert;
const char *cmkgate_key;
const char *cmkgate_cacert;

/* An option, else its variable, else NULL (or the default). */
static const char *
setting(const char *option, const char *variable, const char *fallback)
{
	const char *env;

	if (option != NULL)
		return option;
	env = getenv(variable);
	return env != NULL && *env != '\0' ? env : fallback;
}

static void
target(struct client_target *to)
{
	to->socket_path = setting(cmkgate_socket_path, "CMKGATE_SOCKET", CLIENT_DEFAULT_SOCKET);
	/* an explicit --socket wins over a CMKGATE_URL in the environment */
	to->url = cmkgate_socket_path != NULL && cmkgate_url == NULL ? NULL :
	    setting(cmkgate_url, "CMKGATE_URL", NULL);
	to->cert = setting(cmkgate_cert, "CMKGATE_CERT", NULL);
	to->key = setting(cmkgate_key, "CMKGATE_KEY", NULL);
	to->cacert = setting(cmkgate_cacert, "CMKGATE_CACERT", NULL);
}

#define SHOWN_MAX	4096	/* bytes of one string shown on a terminal */
#define SHOWN_SLOTS	8	/* strings one printf may show */

/*
 * s made safe for a terminal: every byte of a control character (C0, DEL,
 * C1) or a direction mark/override becomes '?', so that nothing the gate
 * relays -- a requester's reason, an AWS message -- can move the cursor,
 * rewrite a line or reorder text on the screen of whoever reads it.  The
 * result lives until SHOWN_SLOTS more calls.
 */
static const char *
shown(const char *s)
{
	static char slots[SHOWN_SLOTS][SHOWN_MAX];
	static unsigned next;
	const unsigned char *p = (const unsigned char *)s;
	char *out = slots[next++ % SHOWN_SLOTS];
	size_t n = 0, skip;

	while (*p != '\0' && n + 4 < SHOWN_MAX) {
		skip = 0;
		if (*p < 0x20 || *p == 0x7f)
			skip = 1;
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			skip = 2;
		else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f ||
		    (p[2] >= 0xaa && p[2] <= 0xae)))
			skip = 3;
		else if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
			skip = 3;
		else if (p[0] == 0xd8 && p[1] == 0x9c)
			skip = 2;
		if (skip > 0) {
			out[n++] = '?';
			p += skip;
		} else {
			out[n++] = (char)*p++;
		}
	}
	if (*p != '\0')
		memcpy(&out[n - (n > 3 ? 3 : 0)], "...", 4);
	else
		out[n] = '\0';
	return out;
}

static const char *
str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return shown(json_object_get_string(v));
	return "";
}

/*
 * The JSON text with what json-c leaves raw and a terminal would obey --
 * DEL, C1 controls, direction marks and overrides -- written as \\uXXXX
 * escapes, which are the same JSON.
 */
static void
print_json(struct json_object *o)
{
	const unsigned char *p = (const unsigned char *)json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	unsigned cp;

	for (; p != NULL && *p != '\0'; p++) {
		cp = 0;
		if (*p == 0x7f)
			cp = 0x7f;
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			cp = p[1];
		else if (p[0] == 0xd8 && p[1] == 0x9c)
			cp = 0x061c;
		else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f ||
		    (p[2] >= 0xaa && p[2] <= 0xae)))
			cp = 0x2000u + (p[2] - 0x80u);
		else if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
			cp = 0x2040u + (p[2] - 0x80u);
		if (cp == 0) {
			putchar(*p);
			continue;
		}
		printf("\\u%04x", cp);
		p += cp == 0x7f ? 0 : cp < 0x100 || cp == 0x061c ? 1 : 2;
	}
	putchar('\n');
}

static void
print_list(const char *label, struct json_object *a)
{
	size_t i;

	for (i = 0; a != NULL && i < json_object_array_length(a); i++)
		printf("  %s: %s\n", label,
		    shown(json_object_get_string(json_object_array_get_idx(a, i))));
}

/* A request as a person reads it: id, state, what, keys, what is missing. */
static void
print_request(struct json_object *req)
{
	struct json_object *rec = NULL, *a = NULL, *e, *ch = NULL;
	size_t i;

	printf("%s %s\n", str_of(req, "id"), str_of(req, "state"));
	json_object_object_get_ex(req, "record", &rec);
	printf("  %s %s by %s", str_of(req, "operation"), rec != NULL ?
	    str_of(rec, "application") : "", str_of(req, "operator"));
	if (*str_of(req, "reason") != '\0')
		printf(" (%s)", str_of(req, "reason"));
	printf("\n  request digest %s\n", str_of(req, "request_digest"));
	if (rec == NULL)
		return;
	if (*str_of(rec, "key_change_kind") != '\0')
		printf("  key change: %s\n", str_of(rec, "key_change_kind"));
	if (json_object_object_get_ex(rec, "keys", &a))
		for (i = 0; i < json_object_array_length(a); i++) {
			e = json_object_array_get_idx(a, i);
			printf("  key (%s, %s%s) %s: %s\n", str_of(e, "role"), str_of(e, "state"),
			    json_object_object_get_ex(e, "changes", &ch) &&
			    json_object_get_boolean(ch) ? ", changes" : "",
			    str_of(e, "arn"), str_of(e, "why"));
		}
	a = NULL;
	json_object_object_get_ex(rec, "warnings", &a);
	print_list("warning", a);
	a = NULL;
	if (json_object_object_get_ex(rec, "denied_because", &a))
		print_list("denied", a);
	a = NULL;
	if (json_object_object_get_ex(rec, "needs", &a))
		print_list("needs", a);
}

static int
read_file(const char *path, struct json_object **ret, struct cg_buf *why)
{
	struct cg_buf *b = NULL;
	char chunk[8192];
	const char *msg = NULL;
	size_t n;
	FILE *f;
	int r = CG_ERR_IO;

	if ((f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re")) == NULL) {
		(void)cg_buf_putf(why, "cannot open %s: %s", path, strerror(errno));
		return CG_ERR_IO;
	}
	if ((r = cg_buf_new(INPUT_MAX, &b)) < 0)
		goto out;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((r = cg_buf_put(b, chunk, n)) < 0) {
			(void)cg_buf_putf(why, "%s is larger than %d bytes", path, INPUT_MAX);
			goto out;
		}
	if (ferror(f)) {
		(void)cg_buf_putf(why, "cannot read %s", path);
		r = CG_ERR_IO;
		goto out;
	}
	if ((r = cg_json_parse((const char *)cg_buf_ptr(b), cg_buf_len(b), INPUT_MAX, ret,
	    &msg)) < 0)
		(void)cg_buf_putf(why, "%s is not valid JSON: %s", path, msg);
 out:
	if (f != stdin)
		fclose(f);
	cg_buf_free(b);
	return r;
}

/* Makes the call; on failure prints why and returns EXIT_GATE. */
static int
call(const char *cmd, const char *method, const char *path, struct json_object *body,
    long *ret_status, struct json_object **ret_answer)
{
	struct client_target to;
	struct cg_buf *why = NULL;
	const char *msg = "";
	int rc = 0;

	target(&to);
	if (cg_buf_new(4096, &why) < 0)
		return EXIT_GATE;
	if (client_call(&to, method, path, body, ret_status, ret_answer, why) < 0) {
		(void)cg_buf_cstr(why, &msg);
		fprintf(stderr, "cmkgate %s: %s\n", cmd, msg);
		rc = EXIT_GATE;
	}
	cg_buf_free(why);
	return rc;
}

static void
request_usage(FILE *f)
{
	fprintf(f,
	    "usage: cmkgate [--socket PATH] request --operation OP --input FILE\n"
	    "                [--region REGION] [--reason TEXT] [--json]\n"
	    "\n"
	    "Files a request with the gate: OP is the kinesisanalyticsv2 operation\n"
	    "(CreateApplication, UpdateApplication, StartApplication, StopApplication,\n"
	    "CreateApplicationSnapshot, DeleteApplicationSnapshot, RollbackApplication)\n"
	    "and FILE its request JSON as --cli-input-json takes it (- for stdin).\n"
	    "Prints the request id and state, the keys involved and what is still\n"
	    "needed; --json prints the whole record.  The gate knows who you are\n"
	    "from the socket; nothing you send can say otherwise.\n"
	    "\n"
	    "Exit status: 0 filed (pending or approved), 1 filed and denied,\n"
	    "2 usage error, 3 the gate refused the call or could not be reached.\n");
}

int
cmd_request(int argc, char **argv)
{
	const char *op = NULL, *input = NULL, *region = NULL, *reason = NULL, *msg = "";
	struct json_object *in = NULL, *body = NULL, *answer = NULL;
	struct cg_buf *why = NULL;
	bool json = false;
	long status = 0;
	int i, rc = EXIT_GATE;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			request_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (i + 1 < argc && strcmp(argv[i], "--operation") == 0) {
			op = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--input") == 0) {
			input = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--region") == 0) {
			region = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--reason") == 0) {
			reason = argv[++i];
		} else {
			request_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (op == NULL || input == NULL) {
		request_usage(stderr);
		return EXIT_USAGE;
	}
	if (cg_buf_new(4096, &why) < 0)
		goto out;
	if (read_file(input, &in, why) < 0) {
		(void)cg_buf_cstr(why, &msg);
		fprintf(stderr, "cmkgate request: %s\n", msg);
		rc = EXIT_USAGE;
		goto out;
	}
	if ((body = json_object_new_object()) == NULL ||
	    json_object_object_add(body, "operation", json_object_new_string(op)) != 0 ||
	    json_object_object_add(body, "input", json_object_get(in)) != 0 ||
	    (region != NULL && json_object_object_add(body, "region",
	    json_object_new_string(region)) != 0) ||
	    (reason != NULL && json_object_object_add(body, "reason",
	    json_object_new_string(reason)) != 0))
		goto out;
	if ((rc = call("request", "POST", "/v1/requests", body, &status, &answer)) != 0)
		goto out;
	if (status != 201) {
		fprintf(stderr, "cmkgate request: the gate refused to file it (HTTP %ld): %s\n",
		    status, shown(client_error_message(answer)));
		if (json)
			print_json(answer);
		rc = EXIT_GATE;
		goto out;
	}
	if (json)
		print_json(answer);
	else
		print_request(answer);
	rc = strcmp(str_of(answer, "state"), "denied") == 0 ? EXIT_DENIED : 0;
 out:
	json_object_put(answer);
	json_object_put(body);
	json_object_put(in);
	cg_buf_free(why);
	return rc;
}

int
cmd_status(int argc, char **argv)
{
	struct json_object *answer = NULL;
	const char *id = NULL;
	char path[128];
	bool json = false;
	long status = 0;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("usage: cmkgate [--socket PATH] status ID [--json]\n\n"
			    "Shows a request: its state, keys, checks and what it still needs.\n");
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (id == NULL && argv[i][0] != '-') {
			id = argv[i];
		} else {
			fprintf(stderr, "usage: cmkgate [--socket PATH] status ID [--json]\n");
			return EXIT_USAGE;
		}
	}
	if (id == NULL || strlen(id) > 64 || strchr(id, '/') != NULL || strchr(id, '?') != NULL) {
		fprintf(stderr, "usage: cmkgate [--socket PATH] status ID [--json]\n");
		return EXIT_USAGE;
	}
	(void)snprintf(path, sizeof(path), "/v1/requests/%s", id);
	if ((rc = call("status", "GET", path, NULL, &status, &answer)) != 0)
		return rc;
	if (status != 200) {
		fprintf(stderr, "cmkgate status: %s (HTTP %ld)\n", shown(client_error_message(answer)),
		    status);
		rc = EXIT_GATE;
	} else if (json) {
		print_json(answer);
	} else {
		print_request(answer);
	}
	json_object_put(answer);
	return rc;
}

int
cmd_list(int argc, char **argv)
{
	struct json_object *answer = NULL, *a = NULL, *e;
	const char *state = NULL, *limit = NULL;
	char path[128];
	bool json = false;
	long status = 0;
	size_t n;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("usage: cmkgate [--socket PATH] list [--state STATE] [--limit N] "
			    "[--json]\n\nLists requests, newest first.  STATE is pending, "
			    "approved, denied, expired or issued.\n");
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (i + 1 < argc && strcmp(argv[i], "--state") == 0) {
			state = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--limit") == 0) {
			limit = argv[++i];
		} else {
			fprintf(stderr, "usage: cmkgate [--socket PATH] list [--state STATE] "
			    "[--limit N] [--json]\n");
			return EXIT_USAGE;
		}
	}
	if ((state != NULL && strspn(state, "abcdefghijklmnopqrstuvwxyz") != strlen(state)) ||
	    (limit != NULL && strspn(limit, "0123456789") != strlen(limit)) ||
	    (state != NULL && strlen(state) > 16) || (limit != NULL && strlen(limit) > 8)) {
		fprintf(stderr, "cmkgate list: --state takes a state name, --limit a number\n");
		return EXIT_USAGE;
	}
	(void)snprintf(path, sizeof(path), "/v1/requests%s%s%s%s%s", state != NULL ||
	    limit != NULL ? "?" : "", state != NULL ? "state=" : "", state != NULL ? state : "",
	    state != NULL && limit != NULL ? "&limit=" : limit != NULL ? "limit=" : "",
	    limit != NULL ? limit : "");
	if ((rc = call("list", "GET", path, NULL, &status, &answer)) != 0)
		return rc;
	if (status != 200) {
		fprintf(stderr, "cmkgate list: %s (HTTP %ld)\n", shown(client_error_message(answer)),
		    status);
		rc = EXIT_GATE;
	} else if (json) {
		print_json(answer);
	} else if (json_object_object_get_ex(answer, "requests", &a)) {
		n = json_object_array_length(a);
		for (i = 0; (size_t)i < n; i++) {
			e = json_object_array_get_idx(a, (size_t)i);
			printf("%s  %-8s  %-26s  %-10s  %s\n", str_of(e, "id"), str_of(e, "state"),
			    str_of(e, "operation"), str_of(e, "operator"), str_of(e, "reason"));
		}
		if (n == 0)
			printf("no requests\n");
	}
	json_object_put(answer);
	return rc;
}

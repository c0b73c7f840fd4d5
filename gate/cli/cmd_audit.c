/*
 * cmkgate audit: check the gate's audit log, make its signing key.
 *
 *   cmkgate audit verify --log FILE --key PUBKEYFILE [--json]
 *	exit 0 when the log is intact, 1 when it is not or could not be
 *	checked (what and where on standard output), 2 for usage errors
 *   cmkgate audit keygen --out FILE
 *	writes a new key pair, FILE (secret, 0600) and FILE.pub; never
 *	overwrites; exit 0, 1 on failure, 2 for usage errors
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "cg_err.h"
#include "commands.h"

#define EXIT_USAGE 2

static void
audit_usage(FILE *f)
{
	fprintf(f,
	    "usage: cmkgate audit verify --log FILE --key PUBKEYFILE [--json]\n"
	    "       cmkgate audit keygen --out FILE\n"
	    "\n"
	    "verify checks the audit log's hash chain and every signed checkpoint,\n"
	    "and names the first line that was edited, removed, moved or cut short.\n"
	    "--json prints the report as one JSON object.\n"
	    "keygen writes a new signing key to FILE (mode 0600) and its public key\n"
	    "to FILE.pub; it never overwrites a file.\n"
	    "\n"
	    "Exit status: 0 intact (or key written), 1 tampered or failed, 2 usage error.\n"
	    "See cmkgate-audit(1).\n");
}

/* The value of an option that takes one; NULL (after a message) when missing or repeated. */
static const char *
option_value(int argc, char **argv, int *i, const char *seen)
{
	if (seen != NULL) {
		fprintf(stderr, "cmkgate audit: %s given twice\n", argv[*i]);
		return NULL;
	}
	if (*i + 1 >= argc) {
		fprintf(stderr, "cmkgate audit: %s needs a value\n", argv[*i]);
		return NULL;
	}
	*i += 1;
	return argv[*i];
}

static const char *
pubkey_error(int r)
{
	switch (r) {
	case CG_ERR_NOT_FOUND:
		return "no such file";
	case CG_ERR_PARSE:
		return "not a cmkgate audit public key (one line: '" AUDIT_PUBKEY_PREFIX
		    " ' and 64 lowercase hex digits)";
	case CG_ERR_LIMIT:
		return "file too large for a public key";
	default:
		return cg_strerror(r);
	}
}

static int
print_json(const char *log, const char *key_id, const struct audit_report *rep, int r)
{
	struct json_object *o = NULL, *p = NULL;
	int rc = -1;

#define ADD(obj, k, v) do {						\
	struct json_object *v_ = (v);					\
	if (v_ == NULL || json_object_object_add((obj), (k), v_) != 0) {	\
		json_object_put(v_);					\
		goto out;						\
	}								\
} while (0)

	if ((o = json_object_new_object()) == NULL)
		goto out;
	ADD(o, "log", json_object_new_string(log));
	ADD(o, "status", json_object_new_string(r == 0 ? "intact" :
	    r == CG_ERR_DENIED ? "tampered" : "error"));
	if (key_id != NULL)
		ADD(o, "key_id", json_object_new_string(key_id));
	if (r != 0 && r != CG_ERR_DENIED) {
		ADD(o, "error", json_object_new_string(rep->detail[0] != '\0' ? rep->detail :
		    cg_strerror(r)));
	} else {
		ADD(o, "entries", json_object_new_int64((int64_t)rep->entries));
		ADD(o, "last_seq", json_object_new_int64((int64_t)rep->last_seq));
		ADD(o, "head", json_object_new_string(rep->head));
		ADD(o, "checkpoints", json_object_new_int64((int64_t)rep->checkpoints));
		ADD(o, "last_checkpoint_seq",
		    json_object_new_int64((int64_t)rep->last_checkpoint_seq));
		ADD(o, "unsigned_tail", json_object_new_int64((int64_t)rep->unsigned_tail));
		if (rep->problem == AUDIT_OK) {
			/* json-c spells JSON null as a NULL object */
			if (json_object_object_add(o, "problem", NULL) != 0)
				goto out;
		} else {
			if ((p = json_object_new_object()) == NULL)
				goto out;
			ADD(p, "kind",
			    json_object_new_string(audit_problem_name(rep->problem)));
			ADD(p, "line", json_object_new_int64((int64_t)rep->line));
			ADD(p, "detail", json_object_new_string(rep->detail));
			ADD(o, "problem", p);
			p = NULL;
		}
	}
#undef ADD
	if (puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE)) == EOF)
		goto out;
	rc = 0;
 out:
	json_object_put(p);
	json_object_put(o);
	return rc;
}

static const char *
entries(uint64_t n)
{
	return n == 1 ? "entry" : "entries";
}

static void
print_human(const char *log, const struct audit_report *rep, int r)
{
	if (r == 0) {
		printf("%s: intact: %" PRIu64 " %s (last seq %" PRIu64 "), %" PRIu64
		    " checkpoints\n", log, rep->entries, entries(rep->entries), rep->last_seq,
		    rep->checkpoints);
		printf("head: %s\n", rep->head);
	} else {
		printf("%s: TAMPERED: line %" PRIu64 ": %s: %s\n", log, rep->line,
		    audit_problem_name(rep->problem), rep->detail);
		printf("verified before it: %" PRIu64 " %s (last seq %" PRIu64 "), %" PRIu64
		    " checkpoints\n", rep->entries, entries(rep->entries), rep->last_seq,
		    rep->checkpoints);
	}
	if (rep->last_checkpoint_seq > 0)
		printf("last checkpoint: seq %" PRIu64 "; %" PRIu64 " %s after it not "
		    "signed yet\n", rep->last_checkpoint_seq, rep->unsigned_tail,
		    entries(rep->unsigned_tail));
	else
		printf("last checkpoint: none; %" PRIu64 " %s not signed yet\n",
		    rep->unsigned_tail, entries(rep->unsigned_tail));
	if (r == 0 && rep->unsigned_tail > 0)
		printf("note: unsigned entries are protected by the hash chain alone: cutting "
		    "them off the end leaves no trace; compare the head with a copy kept "
		    "elsewhere\n");
}

static int
audit_verify_cmd(int argc, char **argv)
{
	struct audit_pubkey pub;
	struct audit_report rep;
	const char *log = NULL, *key = NULL;
	char key_id[2 * AUDIT_KEY_ID_BYTES + 1];
	bool json = false;
	int i, r;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--log") == 0) {
			if ((log = option_value(argc, argv, &i, log)) == NULL)
				return EXIT_USAGE;
		} else if (strcmp(argv[i], "--key") == 0) {
			if ((key = option_value(argc, argv, &i, key)) == NULL)
				return EXIT_USAGE;
		} else if (strcmp(argv[i], "--json") == 0 && !json) {
			json = true;
		} else {
			fprintf(stderr, "cmkgate audit verify: unexpected argument '%s'\n",
			    argv[i]);
			audit_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (log == NULL || key == NULL) {
		fprintf(stderr, "cmkgate audit verify: --log and --key are both needed\n");
		audit_usage(stderr);
		return EXIT_USAGE;
	}
	if ((r = audit_pubkey_load(key, &pub)) < 0) {
		fprintf(stderr, "cmkgate audit verify: cannot use public key %s: %s\n", key,
		    pubkey_error(r));
		if (json) {
			memset(&rep, 0, sizeof(rep));
			(void)snprintf(rep.detail, sizeof(rep.detail), "public key %s: %s", key,
			    pubkey_error(r));
			(void)print_json(log, NULL, &rep, r == CG_ERR_DENIED ? CG_ERR_IO : r);
		}
		return 1;
	}
	audit_pubkey_id(&pub, key_id);
	r = audit_verify(log, &pub, &rep);
	if (r < 0 && r != CG_ERR_DENIED)
		fprintf(stderr, "cmkgate audit verify: cannot check %s: %s\n", log,
		    rep.detail[0] != '\0' ? rep.detail : cg_strerror(r));
	if (json) {
		if (print_json(log, key_id, &rep, r) < 0) {
			fprintf(stderr, "cmkgate audit verify: writing the report failed\n");
			return 1;
		}
	} else if (r == 0 || r == CG_ERR_DENIED) {
		print_human(log, &rep, r);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "cmkgate audit verify: writing the report failed\n");
		return 1;
	}
	return r == 0 ? 0 : 1;
}

static int
audit_keygen_cmd(int argc, char **argv)
{
	struct audit_key *k = NULL;
	struct audit_pubkey pub;
	struct stat st;
	const char *out = NULL;
	char key_id[2 * AUDIT_KEY_ID_BYTES + 1], pub_path[PATH_MAX];
	int i, r, rc = 1;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0) {
			if ((out = option_value(argc, argv, &i, out)) == NULL)
				return EXIT_USAGE;
		} else {
			fprintf(stderr, "cmkgate audit keygen: unexpected argument '%s'\n",
			    argv[i]);
			audit_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (out == NULL || *out == '\0') {
		fprintf(stderr, "cmkgate audit keygen: --out FILE is needed\n");
		audit_usage(stderr);
		return EXIT_USAGE;
	}
	if ((size_t)snprintf(pub_path, sizeof(pub_path), "%s.pub", out) >= sizeof(pub_path)) {
		fprintf(stderr, "cmkgate audit keygen: path too long: %s\n", out);
		return 1;
	}
	if ((r = audit_key_generate(&k)) < 0) {
		fprintf(stderr, "cmkgate audit keygen: cannot generate a key: %s\n",
		    cg_strerror(r));
		goto out;
	}
	if ((r = audit_key_save(k, out)) < 0) {
		if (lstat(out, &st) == 0 || lstat(pub_path, &st) == 0)
			fprintf(stderr, "cmkgate audit keygen: %s or %s exists already; "
			    "refusing to overwrite it (move it away first)\n", out, pub_path);
		else
			fprintf(stderr, "cmkgate audit keygen: cannot write %s and %s: %s "
			    "(is the directory there and writable?)\n", out, pub_path,
			    cg_strerror(r));
		goto out;
	}
	audit_key_public(k, &pub);
	audit_pubkey_id(&pub, key_id);
	printf("wrote %s (secret key, mode 0600) and %s (public key)\nkey id: %s\n",
	    out, pub_path, key_id);
	rc = fflush(stdout) == 0 ? 0 : 1;
 out:
	audit_key_free(k);
	return rc;
}

int
cmd_audit(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		audit_usage(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return audit_verify_cmd(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "keygen") == 0)
		return audit_keygen_cmd(argc, argv);
	audit_usage(stderr);
	return EXIT_USAGE;
}

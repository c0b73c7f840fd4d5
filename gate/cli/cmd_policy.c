/*
 * cmkgate policy eval: the policy engine from the command line.
 *
 *   cmkgate policy eval --query FILE	one query (FILE may be -), one answer line
 *   cmkgate policy eval --batch FILE	JSON Lines in (FILE may be -), one answer
 *					line per query, in order
 *
 * Exit status: 0 when every query was evaluated, 1 when any could not be
 * (its answer line carries "error"), 2 for usage errors.
 *
 * `cmkgate policy sync` (policy snapshots for a gate) is in cmd_policy_sync.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "commands.h"
#include "query.h"

#define EXIT_USAGE 2

static void
policy_usage(FILE *f)
{
	fprintf(f,
	    "usage: cmkgate policy eval --query FILE\n"
	    "       cmkgate policy eval --batch FILE\n"
	    "       cmkgate policy sync --out DIR [--role ROLE]... [--key KEY]...\n"
	    "\n"
	    "Evaluates IAM policy queries (JSON; FILE may be - for standard input).\n"
	    "--query reads one query object; --batch reads one query per line.\n"
	    "Each answer is one line of JSON: {\"id\", \"decision\", \"explanation\"}\n"
	    "or {\"id\", \"error\"}.  The query format is in cmkgate-policy(1).\n"
	    "\n"
	    "Exit status: 0 all queries evaluated, 1 some query had an error,\n"
	    "2 usage error.\n"
	    "\n"
	    "policy sync writes policy snapshots for a gate's policy_directory;\n"
	    "see cmkgate policy sync --help.\n");
}

static FILE *
open_input(const char *path)
{
	FILE *f;

	if (strcmp(path, "-") == 0)
		return stdin;
	if ((f = fopen(path, "re")) == NULL)
		fprintf(stderr, "cmkgate policy eval: cannot open %s: %s\n", path,
		    strerror(errno));
	return f;
}

/* Prints the answer in out plus a newline; 0, or -1 when stdout failed. */
static int
emit(struct cg_buf *out)
{
	size_t n = cg_buf_len(out);

	if ((n > 0 && fwrite(cg_buf_ptr(out), 1, n, stdout) != n) || putchar('\n') == EOF)
		return -1;
	return 0;
}

/*
 * Reads one line (without its newline) into line: 1 at the end of input,
 * 0 for a line, CG_ERR_LIMIT for an over-long line (the rest of it is
 * skipped), CG_ERR_IO when reading failed.
 */
static int
read_line(FILE *in, struct cg_buf *line)
{
	uint8_t chunk[8192];
	size_t n = 0;
	bool over = false, got = false;
	int c;

	cg_buf_reset(line);
	/* byte by byte into a local chunk: NUL bytes stay in the line (and are
	 * refused by the JSON parser) instead of cutting it short */
	while ((c = getc_unlocked(in)) != EOF) {
		got = true;
		if (c == '\n')
			break;
		chunk[n++] = (uint8_t)c;
		if (n == sizeof(chunk)) {
			if (!over && cg_buf_put(line, chunk, n) < 0)
				over = true;
			n = 0;
		}
	}
	if (!over && n > 0 && cg_buf_put(line, chunk, n) < 0)
		over = true;
	explicit_bzero(chunk, sizeof(chunk));
	if (ferror(in))
		return CG_ERR_IO;
	if (over)
		return CG_ERR_LIMIT;
	return got ? 0 : 1;
}

static int
eval_one(const char *text, size_t len, struct cg_buf *out, bool *errored)
{
	int r;

	cg_buf_reset(out);
	r = query_eval_json(text, len, out);
	if (r == CG_ERR_NOMEM || r == CG_ERR_INTERNAL || cg_buf_len(out) == 0) {
		fprintf(stderr, "cmkgate policy eval: %s\n", cg_strerror(r));
		return -1;
	}
	if (r < 0)
		*errored = true;
	return emit(out);
}

static bool
blank(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

static int
run_batch(FILE *in, struct cg_buf *line, struct cg_buf *out, bool *errored)
{
	int r;

	while ((r = read_line(in, line)) != 1) {
		if (r == CG_ERR_IO)
			return -1;
		if (r == CG_ERR_LIMIT) {
			*errored = true;
			cg_buf_reset(out);
			cg_buf_putf(out, "{\"id\":null,\"error\":\"query line longer than "
			    "%d bytes\"}", QUERY_MAX);
			if (emit(out) < 0)
				return -1;
			continue;
		}
		if (blank(cg_buf_ptr(line), cg_buf_len(line)))
			continue;
		if (eval_one((const char *)cg_buf_ptr(line), cg_buf_len(line), out,
		    errored) < 0)
			return -1;
	}
	return ferror(in) ? -1 : 0;
}

static int
run_query(FILE *in, struct cg_buf *line, struct cg_buf *out, bool *errored)
{
	uint8_t chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0) {
		if (cg_buf_put(line, chunk, n) < 0) {
			*errored = true;
			cg_buf_reset(out);
			cg_buf_putf(out, "{\"id\":null,\"error\":\"query longer than %d "
			    "bytes\"}", QUERY_MAX);
			return emit(out);
		}
	}
	if (ferror(in))
		return -1;
	return eval_one((const char *)cg_buf_ptr(line), cg_buf_len(line), out, errored);
}

int
cmd_policy(int argc, char **argv)
{
	struct cg_buf *line = NULL, *out = NULL;
	bool errored = false, batch;
	FILE *in = NULL;
	int rc = 1;

	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		policy_usage(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "sync") == 0)
		return cmd_policy_sync(argc - 1, argv + 1);
	if (argc != 4 || strcmp(argv[1], "eval") != 0 ||
	    (strcmp(argv[2], "--query") != 0 && strcmp(argv[2], "--batch") != 0)) {
		policy_usage(stderr);
		return EXIT_USAGE;
	}
	batch = strcmp(argv[2], "--batch") == 0;
	if ((in = open_input(argv[3])) == NULL)
		return 1;
	if (cg_buf_new(QUERY_MAX, &line) < 0 || cg_buf_new(QUERY_MAX, &out) < 0) {
		fprintf(stderr, "cmkgate policy eval: out of memory\n");
		goto out;
	}
	if ((batch ? run_batch(in, line, out, &errored) :
	    run_query(in, line, out, &errored)) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "cmkgate policy eval: reading input or writing output "
		    "failed: %s\n", strerror(errno));
		goto out;
	}
	rc = errored ? 1 : 0;
 out:
	cg_buf_free(line);
	cg_buf_free(out);
	if (in != stdin)
		fclose(in);
	return rc;
}

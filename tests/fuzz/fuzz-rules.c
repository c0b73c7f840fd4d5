/*
 * Fuzz target: one ops.d stack file, parsed and, when it parses, evaluated
 * with module answers derived from the input, then explained.  Checked:
 *  - a refusal returns no stack and a message that starts with file:line;
 *  - every module's arguments, as shown in explanations, parse back to the
 *    same arguments (the re-quoting is faithful);
 *  - an error never passes, PENDING needs a pending module, PASS needs a
 *    module that passed;
 *  - the explanation can always be written.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "rules.h"

#define FILE_LABEL "ops.d/fuzz"
#define WEEK (7 * 24 * 3600)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t
fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Answers taken from the input's hash: two bits per line. */
static int
answer(void *userdata, const struct rules_module *m, enum rules_outcome *ret, struct cg_buf *why)
{
	static const enum rules_outcome outcomes[] = {
		RULES_OUTCOME_PASS, RULES_OUTCOME_FAIL, RULES_OUTCOME_PENDING, RULES_OUTCOME_ERROR,
	};
	uint64_t h = *(const uint64_t *)userdata;

	*ret = outcomes[(h >> ((m->line % 32) * 2)) & 3];
	(void)cg_buf_putf(why, "fuzz answer %s", rules_outcome_name(*ret));
	return 0;
}

/* "control module args" for one module parses back to the same args. */
static void
check_round_trip(const struct rules_module *m)
{
	struct rules_stack *again = NULL;
	struct cg_buf *line = NULL;
	const struct rules_module *m2;

	if (cg_buf_new(3 * RULES_LINE_MAX, &line) < 0)
		abort();
	if (cg_buf_putf(line, "%s %s %s\n", rules_control_name(m->control),
	    rules_module_name(m->kind), m->args) < 0)
		abort();
	/* re-quoting may lengthen a line (every bare backslash doubles): check what fits */
	if (cg_buf_len(line) > RULES_LINE_MAX + 1)
		goto out;
	if (rules_stack_parse("fuzz", FILE_LABEL, (const char *)cg_buf_ptr(line),
	    cg_buf_len(line), &again, NULL) < 0)
		abort();
	m2 = rules_stack_module(again, 0);
	if (m2 == NULL || m2->kind != m->kind || m2->control != m->control ||
	    strcmp(m2->args, m->args) != 0)
		abort();
	if (m->kind == RULES_MOD_TICKET && strcmp(m->ticket.pattern, m2->ticket.pattern) != 0)
		abort();
 out:
	rules_stack_free(again);
	cg_buf_free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_stack *stack = NULL;
	struct rules_verdict *v = NULL;
	struct cg_buf *why = NULL, *out = NULL;
	struct rules_request req;
	const char *msg;
	uint64_t h = fnv1a(data, size);
	bool error = false, pending = false, passed = false;
	size_t i;
	int r;

	if (cg_buf_new(1 << 20, &why) < 0 || cg_buf_new(1 << 20, &out) < 0)
		abort();
	r = rules_stack_parse("fuzz", FILE_LABEL, (const char *)data, size, &stack, why);
	if (r == CG_ERR_NOMEM)
		goto done;
	if (r < 0) {
		if (stack != NULL || cg_buf_cstr(why, &msg) < 0 ||
		    strncmp(msg, FILE_LABEL ":", strlen(FILE_LABEL) + 1) != 0)
			abort();
		goto done;
	}
	if (stack == NULL || cg_buf_len(why) != 0)
		abort();
	for (i = 0; i < rules_stack_count(stack); i++)
		check_round_trip(rules_stack_module(stack, i));

	req.reason = (h & 1) ? "CHG-1234 rotate the key" : (const char *)NULL;
	req.runtime = (h & 2) ? "FLINK-1_20" : "FLINK-1_15";
	req.now = (time_t)1704067200 + (time_t)(h % WEEK);
	req.cmk = (h & 4) != 0;
	if ((r = rules_eval(stack, &req, answer, &h, &v)) == CG_ERR_NOMEM)
		goto done;
	if (r < 0 || v == NULL || v->nsteps != rules_stack_count(stack))
		abort();
	for (i = 0; i < v->nsteps; i++) {
		if (!v->steps[i].ran)
			continue;
		error |= v->steps[i].outcome == RULES_OUTCOME_ERROR;
		pending |= v->steps[i].outcome == RULES_OUTCOME_PENDING;
		passed |= v->steps[i].outcome == RULES_OUTCOME_PASS;
	}
	if (error && v->result != RULES_FAIL)
		abort();
	if (v->result == RULES_PENDING && !pending)
		abort();
	if (v->result == RULES_PASS && !passed)
		abort();
	if (v->nsteps == 0 && v->result != RULES_FAIL)
		abort();
	if (rules_verdict_explain(v, out) < 0 || cg_buf_len(out) == 0)
		abort();
 done:
	rules_verdict_free(v);
	rules_stack_free(stack);
	cg_buf_free(why);
	cg_buf_free(out);
	return 0;
}

/* Unit tests for rule stacks (policy/rules.c): syntax, controls, modules, loading. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "rules.h"

/* 2024-01-01 was a Monday. */
#define MON_0000 ((time_t)1704067200)
#define HOUR 3600
#define DAY (24 * HOUR)

static struct rules_stack *
parse_ok(const char *text)
{
	struct rules_stack *s = NULL;
	struct cg_buf *why = NULL;
	const char *msg = "";
	int r;

	assert_int_equal(cg_buf_new(4096, &why), 0);
	r = rules_stack_parse("T", "ops.d/T", text, strlen(text), &s, why);
	if (r != 0) {
		(void)cg_buf_cstr(why, &msg);
		fail_msg("unexpected refusal of \"%s\": %s (%s)", text, msg, cg_strerror(r));
	}
	assert_int_equal(cg_buf_len(why), 0);
	cg_buf_free(why);
	return s;
}

/* ---- control semantics ---- */

/*
 * The caller-evaluated modules answer from a string, one letter per line:
 * P pass, F fail, W pending, E error, X the callback fails, I an invalid
 * outcome, U the outcome left unset.
 */
struct answers {
	const char	*letters;
	unsigned	 calls;
	unsigned	 called;	/* bit (line - 1) */
};

static int
answer(void *userdata, const struct rules_module *m, enum rules_outcome *ret, struct cg_buf *why)
{
	struct answers *a = userdata;
	char c;

	assert_true(m->line >= 1 && m->line <= strlen(a->letters));
	assert_false(a->called & (1u << (m->line - 1)));	/* each module at most once */
	a->called |= 1u << (m->line - 1);
	a->calls++;
	c = a->letters[m->line - 1];
	(void)cg_buf_putf(why, "answered %c", c);
	switch (c) {
	case 'P': *ret = RULES_OUTCOME_PASS; break;
	case 'F': *ret = RULES_OUTCOME_FAIL; break;
	case 'W': *ret = RULES_OUTCOME_PENDING; break;
	case 'E': *ret = RULES_OUTCOME_ERROR; break;
	case 'X': return CG_ERR_IO;
	case 'I': *ret = (enum rules_outcome)42; break;
	case 'U': break;
	default: fail_msg("bad answer letter %c", c);
	}
	return 0;
}

static const char *
control_word(char c)
{
	switch (c) {
	case 'R': return "required";
	case 'Q': return "requisite";
	case 'S': return "sufficient";
	case 'O': return "optional";
	}
	fail_msg("bad control letter %c", c);
	return NULL;
}

/* A stack of one approvals module per control letter (R, Q, S, O), one per line. */
static struct rules_stack *
stack_of(const char *controls)
{
	char text[1024] = "";
	size_t i, len = 0;

	for (i = 0; controls[i] != '\0'; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "%s approvals quorum=1\n", control_word(controls[i]));
	return parse_ok(text);
}

static enum rules_result
run(const struct rules_stack *s, const char *letters, unsigned *ret_calls,
    struct rules_verdict **ret_v)
{
	struct rules_request req = { "CHG-1", "FLINK-1_20", MON_0000 + 9 * HOUR, false };
	struct answers a = { letters, 0, 0 };
	struct rules_verdict *v = NULL;
	enum rules_result res;

	assert_int_equal(rules_eval(s, &req, answer, &a, &v), 0);
	assert_non_null(v);
	res = v->result;
	if (ret_calls != NULL)
		*ret_calls = a.calls;
	if (ret_v != NULL)
		*ret_v = v;
	else
		rules_verdict_free(v);
	return res;
}

static enum rules_result
eval_with(const struct rules_stack *s, const struct rules_request *req, const char *letters)
{
	struct answers a = { letters, 0, 0 };
	struct rules_verdict *v = NULL;
	enum rules_result res;

	assert_int_equal(rules_eval(s, req, answer, &a, &v), 0);
	res = v->result;
	rules_verdict_free(v);
	return res;
}

static const struct {
	const char		*controls;	/* R required, Q requisite, S sufficient, O optional */
	const char		*answers;
	enum rules_result	 result;
	unsigned		 calls;		/* modules run */
	unsigned		 decisive;	/* its line; 0: no single module decided */
} table[] = {
	/* empty */
	{ "",	"",	RULES_FAIL,	0, 0 },
	/* required: a failure fails the stack, the rest still runs */
	{ "R",	"P",	RULES_PASS,	1, 0 },
	{ "R",	"F",	RULES_FAIL,	1, 1 },
	{ "RR",	"PF",	RULES_FAIL,	2, 2 },
	{ "RR",	"FP",	RULES_FAIL,	2, 1 },
	{ "RRR", "FFP",	RULES_FAIL,	3, 1 },
	/* requisite: a failure ends the stack at once */
	{ "QR",	"FP",	RULES_FAIL,	1, 1 },
	{ "QR",	"PP",	RULES_PASS,	2, 0 },
	{ "RQR", "FFP",	RULES_FAIL,	2, 1 },	/* the first failure is reported */
	{ "RQR", "PFP",	RULES_FAIL,	2, 2 },
	/* sufficient: a pass ends with PASS unless something failed before; a failure is ignored */
	{ "S",	"P",	RULES_PASS,	1, 1 },
	{ "S",	"F",	RULES_FAIL,	1, 0 },
	{ "SS",	"FF",	RULES_FAIL,	2, 0 },
	{ "SR",	"PF",	RULES_PASS,	1, 1 },
	{ "SR",	"FP",	RULES_PASS,	2, 0 },
	{ "SR",	"FF",	RULES_FAIL,	2, 2 },
	{ "RSR", "FPP",	RULES_FAIL,	3, 1 },	/* an earlier required failure: no shortcut */
	{ "RSR", "PPF",	RULES_PASS,	2, 2 },
	{ "QSR", "PPF",	RULES_PASS,	2, 2 },
	{ "SQ",	"FF",	RULES_FAIL,	2, 2 },
	/* optional: counts only as the only module */
	{ "O",	"P",	RULES_PASS,	1, 0 },
	{ "O",	"F",	RULES_FAIL,	1, 1 },
	{ "OO",	"PP",	RULES_FAIL,	2, 0 },	/* only optionals: nothing counts, fail closed */
	{ "OO",	"FF",	RULES_FAIL,	2, 0 },
	{ "OR",	"FP",	RULES_PASS,	2, 0 },
	{ "OR",	"PF",	RULES_FAIL,	2, 2 },
	{ "OS",	"PF",	RULES_FAIL,	2, 0 },
	/* error: always FAIL, whatever the control, and it ends the stack */
	{ "R",	"E",	RULES_FAIL,	1, 1 },
	{ "OR",	"EP",	RULES_FAIL,	1, 1 },
	{ "SR",	"EP",	RULES_FAIL,	1, 1 },
	{ "RS",	"PE",	RULES_FAIL,	2, 2 },
	{ "RR",	"PE",	RULES_FAIL,	2, 2 },
	{ "RR",	"EP",	RULES_FAIL,	1, 1 },
	/* pending: PENDING only when completing the approvals would make the stack pass */
	{ "R",	"W",	RULES_PENDING,	1, 1 },
	{ "O",	"W",	RULES_PENDING,	1, 1 },
	{ "RR",	"WP",	RULES_PENDING,	2, 1 },
	{ "RR",	"PW",	RULES_PENDING,	2, 2 },
	{ "RR",	"WW",	RULES_PENDING,	2, 1 },
	{ "RR",	"WF",	RULES_FAIL,	2, 2 },	/* a failure stays a failure */
	{ "RR",	"FW",	RULES_FAIL,	2, 1 },
	{ "QR",	"FW",	RULES_FAIL,	1, 1 },
	{ "QR",	"WP",	RULES_PENDING,	2, 1 },	/* line 2 run only to look ahead */
	{ "QR",	"WF",	RULES_FAIL,	2, 2 },
	{ "QRR", "WPE",	RULES_FAIL,	3, 3 },	/* an error found looking ahead still fails */
	{ "SR",	"WF",	RULES_PENDING,	2, 1 },	/* the approvals would end the stack first */
	{ "SR",	"WP",	RULES_PASS,	2, 0 },	/* passes without them */
	{ "RSR", "WPF",	RULES_PENDING,	3, 1 },
	{ "RSR", "WFP",	RULES_PENDING,	3, 1 },
	{ "OR",	"WP",	RULES_PASS,	2, 0 },	/* an optional among others is ignored */
	{ "OR",	"WF",	RULES_FAIL,	2, 2 },
	{ "OO",	"WP",	RULES_FAIL,	2, 0 },
	{ "RR",	"WE",	RULES_FAIL,	2, 2 },
	/* callback misbehaviour is an error */
	{ "R",	"X",	RULES_FAIL,	1, 1 },
	{ "R",	"I",	RULES_FAIL,	1, 1 },
	{ "R",	"U",	RULES_FAIL,	1, 1 },
	{ "SR",	"XP",	RULES_FAIL,	1, 1 },
	{ "OR",	"IP",	RULES_FAIL,	1, 1 },
};

static void
test_control_table(void **state)
{
	struct rules_stack *s;
	struct rules_verdict *v;
	unsigned calls;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		s = stack_of(table[i].controls);
		if (run(s, table[i].answers, &calls, &v) != table[i].result ||
		    calls != table[i].calls ||
		    (table[i].decisive == 0 ? v->decisive != v->nsteps :
		    v->decisive >= v->nsteps || v->steps[v->decisive].line != table[i].decisive))
			fail_msg("row %zu (%s %s): got %s, %u calls, decisive index %zu; want %s, "
			    "%u calls, decisive line %u", i, table[i].controls, table[i].answers,
			    rules_result_name(v->result), calls, v->decisive,
			    rules_result_name(table[i].result), table[i].calls, table[i].decisive);
		rules_verdict_free(v);
		rules_stack_free(s);
	}
}

static void
test_step_effects(void **state)
{
	struct rules_stack *s;
	struct rules_verdict *v;

	(void)state;
	s = stack_of("QRS");
	assert_int_equal(run(s, "WPP", NULL, &v), RULES_PENDING);
	assert_int_equal(v->steps[0].effect, RULES_STEP_ENDED);
	assert_int_equal(v->steps[0].outcome, RULES_OUTCOME_PENDING);
	assert_int_equal(v->steps[1].effect, RULES_STEP_LOOKAHEAD);
	assert_true(v->steps[1].ran);
	assert_int_equal(v->steps[2].effect, RULES_STEP_LOOKAHEAD);
	assert_string_equal(v->steps[1].reason, "answered P");
	rules_verdict_free(v);

	assert_int_equal(run(s, "PPF", NULL, &v), RULES_PASS);
	assert_int_equal(v->steps[0].effect, RULES_STEP_COUNTED);
	assert_int_equal(v->steps[1].effect, RULES_STEP_COUNTED);
	assert_int_equal(v->steps[2].effect, RULES_STEP_IGNORED);
	rules_verdict_free(v);

	assert_int_equal(run(s, "FPP", NULL, &v), RULES_FAIL);
	assert_int_equal(v->steps[0].effect, RULES_STEP_ENDED);
	assert_false(v->steps[1].ran);
	assert_int_equal(v->steps[1].effect, RULES_STEP_NOT_RUN);
	rules_verdict_free(v);
	rules_stack_free(s);
}

/* A letter string of length n from counter k over alphabet. */
static void
letters_of(unsigned k, size_t n, const char *alphabet, char *out)
{
	size_t i, base = strlen(alphabet);

	for (i = 0; i < n; i++) {
		out[i] = alphabet[k % base];
		k /= (unsigned)base;
	}
	out[n] = '\0';
}

static void
replace(char *s, char from, char to)
{
	for (; *s != '\0'; s++)
		if (*s == from)
			*s = to;
}

/*
 * Every stack of up to three lines, every combination of answers: the
 * properties that make the result safe to act on.
 */
static void
test_fail_closed_exhaustive(void **state)
{
	char controls[4], ans[4], other[4];
	struct rules_stack *s;
	struct rules_verdict *v;
	enum rules_result res, as_fail, as_pass;
	unsigned c, a, pow, calls;
	size_t n, i;
	bool error, pending, any_pass;

	(void)state;
	for (n = 0, pow = 1; n <= 3; n++, pow *= 4) {
		for (c = 0; c < pow; c++) {
			letters_of(c, n, "RQSO", controls);
			s = stack_of(controls);
			for (a = 0; a < pow; a++) {
				letters_of(a, n, "PFWE", ans);
				res = run(s, ans, &calls, &v);
				error = pending = any_pass = false;
				for (i = 0; i < n; i++) {
					if (!v->steps[i].ran)
						continue;
					error |= ans[i] == 'E';
					pending |= ans[i] == 'W';
					any_pass |= ans[i] == 'P' || ans[i] == 'W';
				}
				if (error && res != RULES_FAIL)
					fail_msg("%s %s: an error did not fail", controls, ans);
				if (!pending && res == RULES_PENDING)
					fail_msg("%s %s: PENDING without a pending module", controls, ans);
				if (!any_pass && res != RULES_FAIL)
					fail_msg("%s %s: no pass, yet %s", controls, ans,
					    rules_result_name(res));
				if (res == RULES_PASS && v->decisive < v->nsteps &&
				    v->steps[v->decisive].control != RULES_SUFFICIENT)
					fail_msg("%s %s: PASS decided by a non-sufficient", controls, ans);
				rules_verdict_free(v);

				/* pending never helps now ... */
				memcpy(other, ans, sizeof(ans));
				replace(other, 'W', 'F');
				as_fail = run(s, other, NULL, NULL);
				if ((res == RULES_PASS) != (as_fail == RULES_PASS))
					fail_msg("%s %s: PASS differs from %s", controls, ans, other);
				/*
				 * ... and PENDING means the approvals would make it pass
				 * (an error fails even when approvals would have ended
				 * the stack before it: "SR" with "WE")
				 */
				memcpy(other, ans, sizeof(ans));
				replace(other, 'W', 'P');
				as_pass = run(s, other, NULL, NULL);
				if (!error && (res != RULES_FAIL) != (as_pass == RULES_PASS))
					fail_msg("%s %s: %s, but with the approvals: %s", controls, ans,
					    rules_result_name(res), rules_result_name(as_pass));
				/* more passes never make a pass go away */
				for (i = 0; i < n && res == RULES_PASS; i++) {
					if (ans[i] != 'F')
						continue;
					memcpy(other, ans, sizeof(ans));
					other[i] = 'P';
					if (run(s, other, NULL, NULL) != RULES_PASS)
						fail_msg("%s %s: not monotone at %zu", controls, ans, i);
				}
			}
			rules_stack_free(s);
		}
	}
}

static void
test_pending_only_from_approvals(void **state)
{
	struct rules_request req = { "x", "FLINK-1_20", MON_0000, false };
	struct answers a = { "W", 0, 0 };
	struct rules_stack *s;
	struct rules_verdict *v = NULL;

	(void)state;
	s = parse_ok("required permissions\n");
	assert_int_equal(rules_eval(s, &req, answer, &a, &v), 0);
	assert_int_equal(v->result, RULES_FAIL);
	assert_int_equal(v->steps[0].outcome, RULES_OUTCOME_ERROR);
	assert_non_null(strstr(v->steps[0].reason, "only approvals"));
	rules_verdict_free(v);
	rules_stack_free(s);

	/* no callback: the caller-evaluated modules cannot run */
	s = parse_ok("sufficient key-state\nrequired deny\n");
	assert_int_equal(rules_eval(s, &req, NULL, NULL, &v), 0);
	assert_int_equal(v->result, RULES_FAIL);
	assert_int_equal(v->steps[0].outcome, RULES_OUTCOME_ERROR);
	assert_false(v->steps[1].ran);
	rules_verdict_free(v);
	rules_stack_free(s);

	/* the callback's failure shows in the reason */
	s = parse_ok("required permissions\n");
	a.letters = "X";
	a.called = 0;
	assert_int_equal(rules_eval(s, &req, answer, &a, &v), 0);
	assert_int_equal(v->result, RULES_FAIL);
	assert_string_equal(v->steps[0].reason,
	    "answered X; the module could not run (input/output error)");
	rules_verdict_free(v);
	assert_int_equal(rules_eval(NULL, &req, answer, &a, &v), CG_ERR_INVALID_ARG);
	assert_int_equal(rules_eval(s, NULL, answer, &a, &v), CG_ERR_INVALID_ARG);
	assert_int_equal(rules_eval(s, &req, answer, &a, NULL), CG_ERR_INVALID_ARG);
	rules_stack_free(s);
}

/* ---- parsing ---- */

static void
test_parse_valid(void **state)
{
	const struct rules_module *m;
	struct rules_stack *s;

	(void)state;
	s = parse_ok(
	    "# UpdateApplication\n"
	    "\n"
	    "   \t\n"
	    "required\tpermissions   # trailing comment\n"
	    "requisite key-state\n"
	    "sufficient runtime min=FLINK-1_20\n"
	    "optional approvals quorum=2 distinct-roles=key-admin,app-owner when=key-change\n"
	    "required ticket pattern=\"CHG-[0-9]+ \\\"quoted\\\" \\\\ .*\"\n"
	    "required ticket pattern=a#b\n"
	    "required window days=Mon-Fri,Sun hours=08-12,13-18 tz=UTC\n"
	    "required approvals quorum=10\n"
	    "required deny");	/* no final newline */
	assert_string_equal(rules_stack_name(s), "T");
	assert_string_equal(rules_stack_file(s), "ops.d/T");
	assert_int_equal(rules_stack_count(s), 9);
	m = rules_stack_module(s, 0);
	assert_int_equal(m->line, 4);
	assert_int_equal(m->control, RULES_REQUIRED);
	assert_int_equal(m->kind, RULES_MOD_PERMISSIONS);
	assert_string_equal(m->args, "");
	m = rules_stack_module(s, 2);
	assert_int_equal(m->control, RULES_SUFFICIENT);
	assert_int_equal(m->runtime.major, 1);
	assert_int_equal(m->runtime.minor, 20);
	assert_string_equal(m->args, "min=FLINK-1_20");
	m = rules_stack_module(s, 3);
	assert_int_equal(m->control, RULES_OPTIONAL);
	assert_int_equal(m->approvals.quorum, 2);
	assert_int_equal(m->approvals.nroles, 2);
	assert_string_equal(m->approvals.roles[0], "key-admin");
	assert_string_equal(m->approvals.roles[1], "app-owner");
	assert_int_equal(m->approvals.when, RULES_WHEN_KEY_CHANGE);
	m = rules_stack_module(s, 4);
	assert_string_equal(m->ticket.pattern, "CHG-[0-9]+ \"quoted\" \\ .*");
	assert_string_equal(m->args, "pattern=\"CHG-[0-9]+ \\\"quoted\\\" \\\\ .*\"");
	m = rules_stack_module(s, 5);
	assert_string_equal(m->ticket.pattern, "a#b");
	m = rules_stack_module(s, 6);
	assert_int_equal(m->window.days, 0x3f);	/* Sun..Fri */
	assert_int_equal(m->window.hours, 0x3ef00);	/* 8-11, 13-17 */
	m = rules_stack_module(s, 7);
	assert_int_equal(m->approvals.quorum, 10);
	assert_int_equal(m->approvals.nroles, 0);
	assert_int_equal(m->approvals.when, RULES_WHEN_ALWAYS);
	m = rules_stack_module(s, 8);
	assert_int_equal(m->line, 12);
	assert_int_equal(m->kind, RULES_MOD_DENY);
	assert_null(rules_stack_module(s, 9));
	rules_stack_free(s);

	/* nothing but comments: parses, evaluates to FAIL */
	s = parse_ok("# nothing here\n\n");
	assert_int_equal(rules_stack_count(s), 0);
	assert_int_equal(run(s, "", NULL, NULL), RULES_FAIL);
	rules_stack_free(s);
	s = parse_ok("");
	assert_int_equal(rules_stack_count(s), 0);
	rules_stack_free(s);

	/* wrapping day ranges and the whole day */
	s = parse_ok("required window days=Fri-Mon hours=00-24\nrequired window days=Mon-Sun hours=22-24\n");
	assert_int_equal(rules_stack_module(s, 0)->window.days, 0x63);	/* Fri Sat Sun Mon */
	assert_int_equal(rules_stack_module(s, 0)->window.hours, 0xffffff);
	assert_int_equal(rules_stack_module(s, 1)->window.days, 0x7f);
	rules_stack_free(s);
}

static const struct {
	const char	*text;
	int		 code;
	const char	*message;	/* the whole message after "ops.d/T:" */
} syntax_errors[] = {
	/* controls */
	{ "requird permissions", CG_ERR_PARSE,
	    "1: unknown control \"requird\": use required, requisite, sufficient or optional" },
	{ "# a\n[success=ok default=bad] permissions", CG_ERR_PARSE,
	    "2: the [value=action] control syntax is not supported: use required, requisite, "
	    "sufficient or optional" },
	{ "include common", CG_ERR_PARSE, "1: unknown control \"include\": use required, "
	    "requisite, sufficient or optional" },
	{ "Required deny", CG_ERR_PARSE, NULL },
	{ "required", CG_ERR_PARSE, "1: required needs a module after it" },
	{ "required # deny", CG_ERR_PARSE, "1: required needs a module after it" },
	/* modules */
	{ "required pam_unix.so", CG_ERR_PARSE, "1: unknown module \"pam_unix.so\" (known: "
	    "permissions, key-state, runtime, approvals, ticket, window, deny)" },
	{ "required permissions x=1", CG_ERR_PARSE,
	    "1: module permissions takes no arguments, found \"x=1\"" },
	{ "required deny now", CG_ERR_PARSE, "1: module deny takes no arguments, found \"now\"" },
	{ "required key-state all=yes", CG_ERR_PARSE, NULL },
	/* arguments in general */
	{ "required runtime", CG_ERR_PARSE,
	    "1: module runtime needs min=... (usage: runtime min=FLINK-N_N [when=always|cmk])" },
	{ "required runtime min", CG_ERR_PARSE,
	    "1: argument \"min\" is not key=value (usage: runtime min=FLINK-N_N [when=always|cmk])" },
	{ "required runtime =FLINK-1_20", CG_ERR_PARSE,
	    "1: argument \"=FLINK-1_20\" is not key=value (usage: runtime min=FLINK-N_N [when=always|cmk])" },
	{ "required runtime max=FLINK-1_20", CG_ERR_PARSE,
	    "1: module runtime has no argument \"max\" (usage: runtime min=FLINK-N_N [when=always|cmk])" },
	{ "required runtime min=FLINK-1_20 min=FLINK-1_19", CG_ERR_PARSE,
	    "1: argument min is given twice" },
	{ "required runtime MIN=FLINK-1_20", CG_ERR_PARSE, NULL },
	/* runtime values */
	{ "required runtime min=FLINK-1", CG_ERR_PARSE, "1: runtime min=\"FLINK-1\" is not a "
	    "runtime name FLINK-N_N (for example FLINK-1_20; at most 6 digits per number)" },
	{ "required runtime min=SQL-1_0", CG_ERR_PARSE, NULL },
	{ "required runtime min=flink-1_20", CG_ERR_PARSE, NULL },
	{ "required runtime min=FLINK-1_20x", CG_ERR_PARSE, NULL },
	{ "required runtime min=FLINK-1.20", CG_ERR_PARSE, NULL },
	{ "required runtime min=FLINK-_20", CG_ERR_PARSE, NULL },
	{ "required runtime min=FLINK-1234567_1", CG_ERR_PARSE, NULL },
	{ "required runtime min=", CG_ERR_PARSE, NULL },
	{ "required runtime min=FLINK-1_20 when=sometimes", CG_ERR_PARSE, "1: runtime "
	    "when=\"sometimes\": use when=always or when=cmk" },
	/* approvals */
	{ "required approvals", CG_ERR_PARSE, "1: module approvals needs quorum=... (usage: "
	    "approvals quorum=1..10 [distinct-roles=ROLE,...] [when=always|key-change])" },
	{ "required approvals quorum=0", CG_ERR_PARSE,
	    "1: approvals quorum=\"0\" is not a number from 1 to 10" },
	{ "required approvals quorum=11", CG_ERR_PARSE, NULL },
	{ "required approvals quorum=-1", CG_ERR_PARSE, NULL },
	{ "required approvals quorum=two", CG_ERR_PARSE, NULL },
	{ "required approvals quorum=2x", CG_ERR_PARSE, NULL },
	{ "required approvals quorum=", CG_ERR_PARSE, NULL },
	{ "required approvals quorum=002", CG_ERR_PARSE, NULL },
	{ "required approvals quorum=2 distinct-roles=Key-Admin", CG_ERR_PARSE,
	    "1: approvals distinct-roles=\"Key-Admin\": a role is 1 to 64 of a-z, 0-9 and '-', "
	    "roles separated by ','" },
	{ "required approvals quorum=2 distinct-roles=a,,b", CG_ERR_PARSE,
	    "1: approvals distinct-roles=\"a,,b\": empty role name" },
	{ "required approvals quorum=2 distinct-roles=a,", CG_ERR_PARSE, NULL },
	{ "required approvals quorum=2 distinct-roles=,a", CG_ERR_PARSE, NULL },
	{ "required approvals quorum=2 distinct-roles=", CG_ERR_PARSE, NULL },
	{ "required approvals quorum=2 distinct-roles=a,a", CG_ERR_PARSE,
	    "1: approvals distinct-roles: role \"a\" is named twice" },
	{ "required approvals quorum=2 distinct-roles=a,b,c", CG_ERR_PARSE,
	    "1: approvals distinct-roles names 3 roles but quorum is 2: each role needs its own "
	    "approver, so raise the quorum" },
	{ "required approvals distinct-roles=a,b quorum=1", CG_ERR_PARSE, NULL },
	{ "required approvals quorum=10 distinct-roles=a,b,c,d,e,f,g,h,i,j,k", CG_ERR_LIMIT,
	    "1: approvals distinct-roles: more than 10 roles" },
	{ "required approvals quorum=2 distinct-roles="
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", CG_ERR_PARSE, NULL },
	{ "required approvals quorum=2 when=sometimes", CG_ERR_PARSE,
	    "1: approvals when=\"sometimes\": use when=always or when=key-change" },
	/* ticket */
	{ "required ticket", CG_ERR_PARSE, "1: module ticket needs pattern=... (usage: ticket "
	    "pattern=REGEX)" },
	{ "required ticket pattern=", CG_ERR_PARSE, "1: ticket pattern is empty" },
	{ "required ticket pattern=\"\"", CG_ERR_PARSE, "1: ticket pattern is empty" },
	{ "required ticket pattern=CHG-(", CG_ERR_PARSE, NULL },
	{ "required ticket pattern=[a-", CG_ERR_PARSE, NULL },
	{ "required ticket pattern=*a", CG_ERR_PARSE, NULL },
	{ "required ticket pattern=(a)\\1", CG_ERR_PARSE, "1: ticket pattern: backreferences "
	    "(\\1) are not allowed: they can make matching take very long" },
	{ "required ticket pattern=(abcdefgh){200}", CG_ERR_LIMIT, "1: ticket pattern would "
	    "unroll to more than 1024 elements (its + and {n,m} repetitions multiply what they "
	    "repeat): simplify it" },
	{ "required ticket pattern=a*++++++++++++++++++++++++++++++++++++++++++++++++++",
	    CG_ERR_PARSE, "1: ticket pattern repeats a repetition (such as a*+ or a{2}?): use a "
	    "single one" },
	{ "required ticket pattern=(a){2}?", CG_ERR_PARSE, NULL },
	{ "required ticket pattern=((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+", CG_ERR_PARSE,
	    "1: ticket pattern repeats a group that holds a repeated group (such as ((a+)+)+): "
	    "such nesting makes compiling it take very long" },
	{ "required ticket pattern=((a)*x)*", CG_ERR_PARSE, NULL },
	{ "required ticket pattern=(((a){2}))+", CG_ERR_PARSE, NULL },
	{ "required ticket pattern=a||b", CG_ERR_PARSE, "1: ticket pattern has an empty "
	    "alternative or group (such as a||b, (a|) or ()): write an optional part as (...)?" },
	{ "required ticket pattern=(a|)", CG_ERR_PARSE, NULL },
	{ "required ticket pattern=()", CG_ERR_PARSE, NULL },
	{ "required ticket pattern=|a", CG_ERR_PARSE, NULL },
	{ "required ticket pattern=a|", CG_ERR_PARSE, NULL },
	{ "required ticket pattern=(((((runti||||e+)+)+)+)+)+", CG_ERR_PARSE, NULL },
	{ "required ticket pattern=a{255}b{255}c{255}d{255}e", CG_ERR_LIMIT, NULL },
	{ "required ticket pattern=((a|b){64}){64}", CG_ERR_PARSE, NULL },
	{ "required ticket pattern=a{1,256}", CG_ERR_LIMIT,
	    "1: ticket pattern: repetition bounds {n,m} may be at most 255" },
	{ "required ticket pattern=a{99999}", CG_ERR_LIMIT, NULL },
	{ "required ticket pattern=a{2,}b{,600}", CG_ERR_LIMIT, NULL },
	/* window */
	{ "required window hours=08-18", CG_ERR_PARSE, "1: module window needs days=... (usage: "
	    "window days=Mon-Fri hours=08-18 [tz=UTC])" },
	{ "required window days=Mon-Fri", CG_ERR_PARSE, NULL },
	{ "required window days=Mon-Foo hours=08-18", CG_ERR_PARSE,
	    "1: window days=\"Mon-Foo\": expected day names (Mon, Tue, Wed, Thu, Fri, Sat, Sun), "
	    "ranges such as Mon-Fri and lists such as Mon,Wed" },
	{ "required window days=mon-fri hours=08-18", CG_ERR_PARSE, NULL },
	{ "required window days=Monday hours=08-18", CG_ERR_PARSE, NULL },
	{ "required window days=Mon, hours=08-18", CG_ERR_PARSE, NULL },
	{ "required window days=Mon--Fri hours=08-18", CG_ERR_PARSE, NULL },
	{ "required window days= hours=08-18", CG_ERR_PARSE, NULL },
	{ "required window days=Mon-Fri hours=18-08", CG_ERR_PARSE,
	    "1: window hours=\"18-08\": expected ranges START-END (from START:00 up to END:00, "
	    "0 <= START < END <= 24), such as 08-18 or 00-06,22-24" },
	{ "required window days=Mon-Fri hours=08", CG_ERR_PARSE, NULL },
	{ "required window days=Mon-Fri hours=08-25", CG_ERR_PARSE, NULL },
	{ "required window days=Mon-Fri hours=08-08", CG_ERR_PARSE, NULL },
	{ "required window days=Mon-Fri hours=008-18", CG_ERR_PARSE, NULL },
	{ "required window days=Mon-Fri hours=08:00-18:00", CG_ERR_PARSE, NULL },
	{ "required window days=Mon-Fri hours=08-18,", CG_ERR_PARSE, NULL },
	{ "required window days=Mon-Fri hours=08-18 tz=Europe/Berlin", CG_ERR_PARSE,
	    "1: window tz=\"Europe/Berlin\": only tz=UTC is supported for now; give the hours "
	    "in UTC" },
	{ "required window days=Mon-Fri hours=08-18 tz=utc", CG_ERR_PARSE, NULL },
	/* quoting */
	{ "required ticket pattern=\"CHG-1", CG_ERR_PARSE,
	    "1: a quoted value has no closing quote" },
	{ "required ticket pattern=\"a\\nb\"", CG_ERR_PARSE,
	    "1: unknown escape in a quoted value: only \\\" and \\\\ are allowed" },
	{ "required ticket pattern=\"a\\", CG_ERR_PARSE, "1: a quoted value has no closing quote" },
	{ "required \"deny\"", CG_ERR_PARSE,
	    "1: a '\"' may only open a value, as in key=\"a value\"" },
	{ "required ticket \"pattern\"=a", CG_ERR_PARSE, NULL },
	{ "required ticket pattern=a\"b\"", CG_ERR_PARSE, NULL },
	{ "required ticket pattern=\"a\"b", CG_ERR_PARSE,
	    "1: text right after a closing quote: put a space between arguments" },
	{ "required ticket pattern=\"a\"#c", CG_ERR_PARSE, NULL },
	/* bytes */
	{ "required deny\r\n", CG_ERR_PARSE,
	    "1: the line holds control character 0x0d (a CR: save the file with Unix line ends)" },
	{ "# \x01\n", CG_ERR_PARSE, "1: the line holds control character 0x01" },
	{ "required\x0b" "deny", CG_ERR_PARSE, NULL },
	{ "required deny\x7f", CG_ERR_PARSE, NULL },
	/* words */
	{ "required approvals quorum=1 when=always when=always when=always when=always "
	    "when=always when=always when=always when=always when=always when=always "
	    "when=always when=always when=always when=always", CG_ERR_LIMIT,
	    "1: more than 16 words on one line" },
};

static void
test_syntax_errors(void **state)
{
	struct rules_stack *s = NULL;
	struct cg_buf *why = NULL;
	const char *msg;
	char want[1024];
	size_t i;
	int r;

	(void)state;
	assert_int_equal(cg_buf_new(4096, &why), 0);
	for (i = 0; i < sizeof(syntax_errors) / sizeof(syntax_errors[0]); i++) {
		cg_buf_reset(why);
		r = rules_stack_parse("T", "ops.d/T", syntax_errors[i].text,
		    strlen(syntax_errors[i].text), &s, why);
		assert_int_equal(cg_buf_cstr(why, &msg), 0);
		if (r != syntax_errors[i].code || s != NULL)
			fail_msg("\"%s\": got %s (%s), want %s", syntax_errors[i].text,
			    cg_strerror(r), msg, cg_strerror(syntax_errors[i].code));
		if (strncmp(msg, "ops.d/T:", 8) != 0)
			fail_msg("\"%s\": message without file:line: %s", syntax_errors[i].text, msg);
		snprintf(want, sizeof(want), "ops.d/T:%s", syntax_errors[i].message != NULL ?
		    syntax_errors[i].message : "");
		if (syntax_errors[i].message != NULL && strcmp(msg, want) != 0)
			fail_msg("\"%s\":\n got  %s\n want %s", syntax_errors[i].text, msg, want);
	}
	cg_buf_free(why);
}

static void
test_limits(void **state)
{
	struct rules_stack *s = NULL;
	struct cg_buf *why = NULL, *text = NULL;
	const char *msg;
	size_t i;

	(void)state;
	assert_int_equal(cg_buf_new(4096, &why), 0);
	assert_int_equal(cg_buf_new(2 * RULES_FILE_MAX, &text), 0);

	/* 64 modules fit, the 65th does not; comments around them do not count */
	for (i = 0; i < RULES_MODULES_MAX; i++)
		assert_int_equal(cg_buf_putf(text, "# %zu\nrequired deny\n", i), 0);
	assert_int_equal(rules_stack_parse("T", NULL, (const char *)cg_buf_ptr(text),
	    cg_buf_len(text), &s, why), 0);
	assert_int_equal(rules_stack_count(s), RULES_MODULES_MAX);
	rules_stack_free(s);
	s = NULL;
	assert_int_equal(cg_buf_put_str(text, "# more\nrequired deny\n"), 0);
	assert_int_equal(rules_stack_parse("T", NULL, (const char *)cg_buf_ptr(text),
	    cg_buf_len(text), &s, why), CG_ERR_LIMIT);
	assert_null(s);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	assert_string_equal(msg, "T:130: more than 64 modules in one stack");

	/* a line of 4096 bytes is fine, 4097 is not */
	cg_buf_reset(text);
	cg_buf_reset(why);
	assert_int_equal(cg_buf_put_str(text, "required deny #"), 0);
	while (cg_buf_len(text) < RULES_LINE_MAX)
		assert_int_equal(cg_buf_put_u8(text, 'x'), 0);
	assert_int_equal(rules_stack_parse("T", NULL, (const char *)cg_buf_ptr(text),
	    cg_buf_len(text), &s, why), 0);
	rules_stack_free(s);
	s = NULL;
	assert_int_equal(cg_buf_put_str(text, "x\n"), 0);
	assert_int_equal(rules_stack_parse("T", NULL, (const char *)cg_buf_ptr(text),
	    cg_buf_len(text), &s, why), CG_ERR_LIMIT);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	assert_string_equal(msg, "T:1: the line is longer than 4096 bytes");

	/* the file */
	cg_buf_reset(text);
	cg_buf_reset(why);
	while (cg_buf_len(text) <= RULES_FILE_MAX)
		assert_int_equal(cg_buf_put_str(text, "# filler line\n"), 0);
	assert_int_equal(rules_stack_parse("T", NULL, (const char *)cg_buf_ptr(text),
	    cg_buf_len(text), &s, why), CG_ERR_LIMIT);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	assert_string_equal(msg, "T: larger than 65536 bytes");

	/* a regex of 512 bytes is fine, 513 is not */
	cg_buf_reset(text);
	cg_buf_reset(why);
	assert_int_equal(cg_buf_put_str(text, "required ticket pattern="), 0);
	for (i = 0; i < RULES_REGEX_MAX; i++)
		assert_int_equal(cg_buf_put_u8(text, 'a'), 0);
	assert_int_equal(rules_stack_parse("T", NULL, (const char *)cg_buf_ptr(text),
	    cg_buf_len(text), &s, why), 0);
	rules_stack_free(s);
	s = NULL;
	assert_int_equal(cg_buf_put_u8(text, 'a'), 0);
	assert_int_equal(rules_stack_parse("T", NULL, (const char *)cg_buf_ptr(text),
	    cg_buf_len(text), &s, why), CG_ERR_LIMIT);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	assert_string_equal(msg, "T:1: ticket pattern is longer than 512 bytes");

	/* NUL bytes, and the line they are on */
	cg_buf_reset(why);
	assert_int_equal(rules_stack_parse("T", NULL, "# a\nrequired deny\0\n", 19, &s, why),
	    CG_ERR_PARSE);
	assert_int_equal(cg_buf_cstr(why, &msg), 0);
	assert_string_equal(msg, "T:2: the line holds a NUL byte");

	/* names and arguments */
	assert_int_equal(rules_stack_parse("Update.bak", NULL, "", 0, &s, why), CG_ERR_INVALID_ARG);
	assert_int_equal(rules_stack_parse("", NULL, "", 0, &s, why), CG_ERR_INVALID_ARG);
	assert_int_equal(rules_stack_parse(NULL, NULL, "", 0, &s, why), CG_ERR_INVALID_ARG);
	assert_int_equal(rules_stack_parse("T", NULL, NULL, 3, &s, why), CG_ERR_INVALID_ARG);
	assert_int_equal(rules_stack_parse("T", NULL, "", 0, NULL, why), CG_ERR_INVALID_ARG);
	assert_null(s);
	cg_buf_free(text);
	cg_buf_free(why);
}

/* ---- the pure modules ---- */

static enum rules_outcome
pure(const char *line, const struct rules_request *req, char *reason, size_t len)
{
	struct rules_stack *s = parse_ok(line);
	struct cg_buf *why = NULL;
	enum rules_outcome o = RULES_OUTCOME_PASS;
	const char *msg;

	assert_int_equal(cg_buf_new(1024, &why), 0);
	assert_int_equal(rules_module_eval(rules_stack_module(s, 0), req, &o, why), 0);
	if (reason != NULL) {
		assert_int_equal(cg_buf_cstr(why, &msg), 0);
		snprintf(reason, len, "%s", msg);
	}
	cg_buf_free(why);
	rules_stack_free(s);
	return o;
}

static void
test_runtime(void **state)
{
	struct rules_request req = { NULL, NULL, MON_0000, false };
	const char *min20 = "required runtime min=FLINK-1_20";
	char why[256];

	(void)state;
	req.runtime = "FLINK-1_20";
	assert_int_equal(pure(min20, &req, why, sizeof(why)), RULES_OUTCOME_PASS);
	assert_string_equal(why, "runtime FLINK-1_20 is FLINK-1_20 or later");
	req.runtime = "FLINK-1_19";
	assert_int_equal(pure(min20, &req, why, sizeof(why)), RULES_OUTCOME_FAIL);
	assert_string_equal(why, "runtime FLINK-1_19 is older than FLINK-1_20");
	/* numbers, not strings: 1_3 < 1_20 < 1_100 < 2_0 */
	req.runtime = "FLINK-1_3";
	assert_int_equal(pure(min20, &req, NULL, 0), RULES_OUTCOME_FAIL);
	req.runtime = "FLINK-1_100";
	assert_int_equal(pure(min20, &req, NULL, 0), RULES_OUTCOME_PASS);
	req.runtime = "FLINK-2_0";
	assert_int_equal(pure(min20, &req, NULL, 0), RULES_OUTCOME_PASS);
	req.runtime = "FLINK-0_99";
	assert_int_equal(pure(min20, &req, NULL, 0), RULES_OUTCOME_FAIL);
	req.runtime = "FLINK-01_020";
	assert_int_equal(pure(min20, &req, NULL, 0), RULES_OUTCOME_PASS);
	/* not a FLINK runtime at all */
	req.runtime = "ZEPPELIN-FLINK-3_0";
	assert_int_equal(pure(min20, &req, why, sizeof(why)), RULES_OUTCOME_FAIL);
	assert_string_equal(why, "runtime \"ZEPPELIN-FLINK-3_0\" is not a FLINK-N_N runtime; "
	    "FLINK-1_20 or later is needed");
	req.runtime = "SQL-1_0";
	assert_int_equal(pure(min20, &req, NULL, 0), RULES_OUTCOME_FAIL);
	req.runtime = "FLINK-1_20 ";
	assert_int_equal(pure(min20, &req, NULL, 0), RULES_OUTCOME_FAIL);
	req.runtime = "FLINK-9999999_0";
	assert_int_equal(pure(min20, &req, NULL, 0), RULES_OUTCOME_FAIL);
	req.runtime = "";
	assert_int_equal(pure(min20, &req, NULL, 0), RULES_OUTCOME_FAIL);
	/* unknown is an error, not a failure */
	req.runtime = NULL;
	assert_int_equal(pure(min20, &req, why, sizeof(why)), RULES_OUTCOME_ERROR);
	assert_string_equal(why, "the application's runtime is not known");
	/* when=cmk: only a state under a customer managed key needs the floor */
	req.runtime = "FLINK-1_15";
	req.cmk = false;
	assert_int_equal(pure("required runtime min=FLINK-1_20 when=cmk", &req, why, sizeof(why)),
	    RULES_OUTCOME_PASS);
	assert_string_equal(why, "the application's state is under the AWS owned key (when=cmk)");
	assert_int_equal(pure(min20, &req, NULL, 0), RULES_OUTCOME_FAIL);
	assert_int_equal(pure("required runtime min=FLINK-1_20 when=always", &req, NULL, 0),
	    RULES_OUTCOME_FAIL);
	req.cmk = true;
	assert_int_equal(pure("required runtime min=FLINK-1_20 when=cmk", &req, NULL, 0),
	    RULES_OUTCOME_FAIL);
	req.runtime = NULL;
	assert_int_equal(pure("required runtime min=FLINK-1_20 when=cmk", &req, NULL, 0),
	    RULES_OUTCOME_ERROR);
}

static void
test_ticket(void **state)
{
	struct rules_request req = { NULL, "FLINK-1_20", MON_0000, false };
	const char *chg = "required ticket pattern=\"CHG-[0-9]+( .*)?\"";
	char why[256], longer[RULES_REASON_MAX + 2];

	(void)state;
	req.reason = "CHG-1234";
	assert_int_equal(pure(chg, &req, why, sizeof(why)), RULES_OUTCOME_PASS);
	assert_string_equal(why, "the reason matches pattern=\"CHG-[0-9]+( .*)?\"");
	req.reason = "CHG-1234 rotate the key";
	assert_int_equal(pure(chg, &req, NULL, 0), RULES_OUTCOME_PASS);
	/* the whole reason must match: no prefix, no suffix */
	req.reason = "see CHG-1234";
	assert_int_equal(pure(chg, &req, why, sizeof(why)), RULES_OUTCOME_FAIL);
	assert_string_equal(why, "the reason does not match pattern=\"CHG-[0-9]+( .*)?\" (the "
	    "whole reason must)");
	req.reason = "CHG-12x";
	assert_int_equal(pure(chg, &req, NULL, 0), RULES_OUTCOME_FAIL);
	req.reason = "CHG-";
	assert_int_equal(pure(chg, &req, NULL, 0), RULES_OUTCOME_FAIL);
	/* anchoring holds across alternation ("^a|b$" would take "ab") */
	req.reason = "ab";
	assert_int_equal(pure("required ticket pattern=a|b", &req, NULL, 0), RULES_OUTCOME_FAIL);
	req.reason = "a";
	assert_int_equal(pure("required ticket pattern=a|b", &req, NULL, 0), RULES_OUTCOME_PASS);
	req.reason = "xb";
	assert_int_equal(pure("required ticket pattern=a|b", &req, NULL, 0), RULES_OUTCOME_FAIL);
	/* what the subset keeps: a repeated group of repeated elements, groups in a repeated group */
	req.reason = "CHG-1,OPS-22 fix";
	assert_int_equal(pure("required ticket pattern=\"[A-Z]+-[0-9]+(,[A-Z]+-[0-9]+){0,15}( .*)?\"",
	    &req, NULL, 0), RULES_OUTCOME_PASS);
	req.reason = "xyzzxyz";
	assert_int_equal(pure("required ticket pattern=((x)(y?)(z*))+", &req, NULL, 0),
	    RULES_OUTCOME_PASS);
	req.reason = "y";
	assert_int_equal(pure("required ticket pattern=(^|x)y", &req, NULL, 0), RULES_OUTCOME_PASS);
	/* many repetitions side by side cost little; escaped parentheses are not groups */
	req.reason = "abcdefghijkl";
	assert_int_equal(pure("required ticket pattern=a+b+c+d+e+f+g+h+i+j+k+l+", &req, NULL, 0),
	    RULES_OUTCOME_PASS);
	req.reason = "(((x)))";
	assert_int_equal(pure("required ticket pattern=\\(\\(\\(x{255}\\)\\)\\)", &req, NULL, 0),
	    RULES_OUTCOME_FAIL);
	req.reason = "CHG-1";
	assert_int_equal(pure("required ticket pattern=(([A-Z]{1,16})-([0-9]{1,16}))(,[A-Z]+-[0-9]+){0,15}",
	    &req, NULL, 0), RULES_OUTCOME_PASS);
	/* the pattern is matched as written: an unmatched ')' is literal, nothing is spliced */
	req.reason = "x)";
	assert_int_equal(pure("required ticket pattern=x)|y", &req, NULL, 0), RULES_OUTCOME_PASS);
	req.reason = "x)|y";
	assert_int_equal(pure("required ticket pattern=x)|y", &req, NULL, 0), RULES_OUTCOME_FAIL);
	req.reason = "CHG-1\nrm -rf";
	assert_int_equal(pure("required ticket pattern=CHG-[0-9]+$", &req, NULL, 0),
	    RULES_OUTCOME_FAIL);
	/* no reason, an empty one, an over-long one */
	req.reason = NULL;
	assert_int_equal(pure(chg, &req, why, sizeof(why)), RULES_OUTCOME_FAIL);
	assert_string_equal(why, "no reason given; it must match pattern=\"CHG-[0-9]+( .*)?\"");
	req.reason = "";
	assert_int_equal(pure("required ticket pattern=.*", &req, NULL, 0), RULES_OUTCOME_FAIL);
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	req.reason = longer;
	assert_int_equal(pure("required ticket pattern=a*", &req, why, sizeof(why)),
	    RULES_OUTCOME_FAIL);
	assert_string_equal(why, "the reason is longer than 1024 bytes");
	longer[RULES_REASON_MAX] = '\0';
	assert_int_equal(pure("required ticket pattern=a*", &req, NULL, 0), RULES_OUTCOME_PASS);
}

static void
test_window(void **state)
{
	struct rules_request req = { "x", "FLINK-1_20", 0, false };
	const char *office = "required window days=Mon-Fri hours=08-18";
	const char *weekend = "required window days=Sat,Sun hours=00-06,22-24 tz=UTC";
	char why[256];

	(void)state;
	req.now = MON_0000 + 8 * HOUR;
	assert_int_equal(pure(office, &req, why, sizeof(why)), RULES_OUTCOME_PASS);
	assert_string_equal(why, "Mon 08:00 UTC is inside days=Mon-Fri hours=08-18");
	req.now = MON_0000 + 8 * HOUR - 60;
	assert_int_equal(pure(office, &req, why, sizeof(why)), RULES_OUTCOME_FAIL);
	assert_string_equal(why, "Mon 07:59 UTC is outside days=Mon-Fri hours=08-18");
	req.now = MON_0000 + 18 * HOUR - 1;
	assert_int_equal(pure(office, &req, NULL, 0), RULES_OUTCOME_PASS);
	req.now = MON_0000 + 18 * HOUR;
	assert_int_equal(pure(office, &req, NULL, 0), RULES_OUTCOME_FAIL);
	req.now = MON_0000 + 4 * DAY + 17 * HOUR;	/* Friday */
	assert_int_equal(pure(office, &req, NULL, 0), RULES_OUTCOME_PASS);
	req.now = MON_0000 + 5 * DAY + 10 * HOUR;	/* Saturday */
	assert_int_equal(pure(office, &req, why, sizeof(why)), RULES_OUTCOME_FAIL);
	assert_string_equal(why, "Sat 10:00 UTC is outside days=Mon-Fri hours=08-18");
	assert_int_equal(pure(weekend, &req, NULL, 0), RULES_OUTCOME_FAIL);
	req.now = MON_0000 + 6 * DAY + 23 * HOUR;	/* Sunday night */
	assert_int_equal(pure(weekend, &req, NULL, 0), RULES_OUTCOME_PASS);
	req.now = MON_0000 + 6 * DAY + 5 * HOUR + 59 * 60;
	assert_int_equal(pure(weekend, &req, NULL, 0), RULES_OUTCOME_PASS);
	req.now = MON_0000 + 7 * DAY + 1 * HOUR;	/* Monday again */
	assert_int_equal(pure(weekend, &req, NULL, 0), RULES_OUTCOME_FAIL);
	req.now = MON_0000 - DAY + 12 * HOUR;		/* Sunday before: wraps Fri-Mon */
	assert_int_equal(pure("required window days=Fri-Mon hours=00-24", &req, NULL, 0),
	    RULES_OUTCOME_PASS);
	req.now = MON_0000 + DAY + 12 * HOUR;		/* Tuesday */
	assert_int_equal(pure("required window days=Fri-Mon hours=00-24", &req, NULL, 0),
	    RULES_OUTCOME_FAIL);
	/* a time gmtime_r cannot convert is an error */
	req.now = (time_t)INT64_MAX;
	assert_int_equal(pure(office, &req, why, sizeof(why)), RULES_OUTCOME_ERROR);
	assert_string_equal(why, "the time cannot be converted to UTC");
}

static void
test_deny_and_caller_modules(void **state)
{
	struct rules_request req = { "x", "FLINK-1_20", MON_0000, false };
	struct rules_stack *s;
	enum rules_outcome o = RULES_OUTCOME_PASS;
	size_t i;

	(void)state;
	assert_int_equal(pure("required deny", &req, NULL, 0), RULES_OUTCOME_FAIL);
	s = parse_ok("required permissions\nrequired key-state\nrequired approvals quorum=2\n");
	for (i = 0; i < rules_stack_count(s); i++)
		assert_int_equal(rules_module_eval(rules_stack_module(s, i), &req, &o, NULL),
		    CG_ERR_INVALID_ARG);
	assert_int_equal(o, RULES_OUTCOME_PASS);	/* not written on failure */
	assert_int_equal(rules_module_eval(NULL, &req, &o, NULL), CG_ERR_INVALID_ARG);
	rules_stack_free(s);
}

static void
test_explain(void **state)
{
	struct rules_request req = { "CHG-7 rotate", "FLINK-1_20", MON_0000 + 9 * HOUR, false };
	struct answers a = { "P?W", 0, 0 };
	struct rules_stack *s;
	struct rules_verdict *v = NULL;
	struct cg_buf *out = NULL;
	const char *text;

	(void)state;
	assert_int_equal(cg_buf_new(8192, &out), 0);
	s = parse_ok(
	    "required permissions\n"
	    "required ticket pattern=\"CHG-[0-9]+ .*\"\n"
	    "requisite approvals quorum=2 distinct-roles=key-admin,app-owner\n"
	    "required window days=Sat hours=00-24\n"
	    "required deny\n");
	assert_int_equal(rules_eval(s, &req, answer, &a, &v), 0);
	assert_int_equal(v->result, RULES_FAIL);
	assert_int_equal(rules_verdict_explain(v, out), 0);
	assert_int_equal(cg_buf_cstr(out, &text), 0);
	assert_string_equal(text,
	    "FAIL: ops.d/T:4: required window days=Sat hours=00-24: fail: Mon 09:00 UTC is "
	    "outside days=Sat hours=00-24\n"
	    "  ops.d/T:1: required permissions: pass (counted): answered P\n"
	    "  ops.d/T:2: required ticket pattern=\"CHG-[0-9]+ .*\": pass (counted): the reason "
	    "matches pattern=\"CHG-[0-9]+ .*\"\n"
	    "  ops.d/T:3: requisite approvals quorum=2 distinct-roles=key-admin,app-owner: "
	    "pending (ended the stack): answered W\n"
	    "  ops.d/T:4: required window days=Sat hours=00-24: fail (run to see whether pending "
	    "approvals would be enough): Mon 09:00 UTC is outside days=Sat hours=00-24\n"
	    "  ops.d/T:5: required deny: fail (run to see whether pending approvals would be "
	    "enough): deny always fails\n");
	rules_verdict_free(v);

	/* PENDING names the approvals; not-run lines say so */
	cg_buf_reset(out);
	req.now = MON_0000 + 5 * DAY;
	rules_stack_free(s);
	s = parse_ok("required approvals quorum=1\nsufficient permissions\nrequired deny\n");
	a.letters = "WPF";
	a.called = 0;
	assert_int_equal(rules_eval(s, &req, answer, &a, &v), 0);
	assert_int_equal(v->result, RULES_PENDING);
	assert_int_equal(rules_verdict_explain(v, out), 0);
	assert_int_equal(cg_buf_cstr(out, &text), 0);
	assert_string_equal(text,
	    "PENDING: ops.d/T:1: required approvals quorum=1: pending; the stack passes once it "
	    "does: answered W\n"
	    "  ops.d/T:1: required approvals quorum=1: pending (counted): answered W\n"
	    "  ops.d/T:2: sufficient permissions: pass (ignored): answered P\n"
	    "  ops.d/T:3: required deny: fail (counted): deny always fails\n");
	rules_verdict_free(v);

	cg_buf_reset(out);
	a.letters = "PPF";
	a.called = 0;
	assert_int_equal(rules_eval(s, &req, answer, &a, &v), 0);
	assert_int_equal(v->result, RULES_PASS);
	assert_int_equal(rules_verdict_explain(v, out), 0);
	assert_int_equal(cg_buf_cstr(out, &text), 0);
	assert_string_equal(text,
	    "PASS: ops.d/T:2: sufficient permissions: passed, and nothing that counts failed "
	    "before it: answered P\n"
	    "  ops.d/T:1: required approvals quorum=1: pass (counted): answered P\n"
	    "  ops.d/T:2: sufficient permissions: pass (ended the stack): answered P\n"
	    "  ops.d/T:3: required deny: not run\n");
	rules_verdict_free(v);
	rules_stack_free(s);

	/* an empty stack, and a stack where nothing counts */
	cg_buf_reset(out);
	s = parse_ok("");
	assert_int_equal(rules_eval(s, &req, answer, &a, &v), 0);
	assert_int_equal(rules_verdict_explain(v, out), 0);
	assert_int_equal(cg_buf_cstr(out, &text), 0);
	assert_string_equal(text, "FAIL: the stack is empty (fail closed)\n");
	rules_verdict_free(v);
	rules_stack_free(s);
	cg_buf_reset(out);
	s = parse_ok("optional permissions\noptional key-state\n");
	a.letters = "PP";
	a.called = 0;
	assert_int_equal(rules_eval(s, &req, answer, &a, &v), 0);
	assert_int_equal(rules_verdict_explain(v, out), 0);
	assert_int_equal(cg_buf_cstr(out, &text), 0);
	assert_string_equal(text, "FAIL: no module that counts passed (a stack passes only on a "
	    "pass: fail closed)\n"
	    "  ops.d/T:1: optional permissions: pass (ignored): answered P\n"
	    "  ops.d/T:2: optional key-state: pass (ignored): answered P\n");
	rules_verdict_free(v);
	rules_stack_free(s);
	cg_buf_free(out);
}

/* The example in cmkgate-ops.d(5): office hours suffice, otherwise one approver. */
static void
test_man_page_example(void **state)
{
	struct rules_request req = { "CHG-12 deploy", "FLINK-1_20", MON_0000 + 10 * HOUR, false };
	struct rules_stack *s;

	(void)state;
	s = parse_ok(
	    "required   permissions\n"
	    "required   ticket     pattern=\"CHG-[0-9]+( .*)?\"\n"
	    "sufficient window     days=Mon-Fri hours=08-18\n"
	    "required   approvals  quorum=1\n");
	assert_int_equal(eval_with(s, &req, "P??W"), RULES_PASS);	/* in hours */
	req.now = MON_0000 + 5 * DAY + 10 * HOUR;			/* Saturday */
	assert_int_equal(eval_with(s, &req, "P??W"), RULES_PENDING);
	assert_int_equal(eval_with(s, &req, "P??P"), RULES_PASS);
	assert_int_equal(eval_with(s, &req, "P??F"), RULES_FAIL);
	assert_int_equal(eval_with(s, &req, "F??W"), RULES_FAIL);
	req.reason = "no ticket";
	assert_int_equal(eval_with(s, &req, "P??P"), RULES_FAIL);
	req.now = MON_0000 + 10 * HOUR;
	assert_int_equal(eval_with(s, &req, "P??P"), RULES_FAIL);	/* a failure before sufficient */
	rules_stack_free(s);
}

/* A callback reason with control characters or of any length is kept safe. */
static int
noisy(void *userdata, const struct rules_module *m, enum rules_outcome *ret, struct cg_buf *why)
{
	size_t i;

	(void)userdata;
	(void)m;
	(void)cg_buf_put_str(why, "line1\nline2\x1b[31m");
	for (i = 0; i < 600; i++)
		(void)cg_buf_put_u8(why, 'z');
	*ret = RULES_OUTCOME_FAIL;
	return 0;
}

static void
test_reason_sanitized(void **state)
{
	struct rules_request req = { "x", "FLINK-1_20", MON_0000, false };
	struct rules_stack *s;
	struct rules_verdict *v = NULL;

	(void)state;
	s = parse_ok("required permissions\n");
	assert_int_equal(rules_eval(s, &req, noisy, NULL, &v), 0);
	assert_int_equal(strlen(v->steps[0].reason), RULES_STEP_REASON_MAX - 1);
	assert_int_equal(strncmp(v->steps[0].reason, "line1?line2?[31mzzz", 19), 0);
	rules_verdict_free(v);
	rules_stack_free(s);
}

/* ---- loading ops.d ---- */

static char tmpdir[64];

static void
put_file(const char *name, const char *text, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void
drop(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if (unlink(path) < 0)
		assert_int_equal(rmdir(path), 0);
}

/* Loads tmpdir; on failure the message, with tmpdir replaced by "D". */
static int
load(struct rules_set **ret, char *msg, size_t len)
{
	struct cg_buf *why = NULL;
	const char *m;
	size_t n = strlen(tmpdir);
	int r;

	assert_int_equal(cg_buf_new(4096, &why), 0);
	r = rules_load_dir(tmpdir, ret, why);
	assert_int_equal(cg_buf_cstr(why, &m), 0);
	msg[0] = '\0';
	while (*m != '\0' && len > 1) {
		if (strncmp(m, tmpdir, n) == 0) {
			*msg++ = 'D';
			m += n;
		} else {
			*msg++ = *m++;
		}
		len--;
	}
	*msg = '\0';
	cg_buf_free(why);
	return r;
}

static void
test_load_dir(void **state)
{
	struct rules_set *set = NULL;
	const struct rules_stack *s = NULL;
	char msg[1024], path[256], big[RULES_FILE_MAX + 64];
	struct cg_buf *why = NULL;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cmkgate-rules-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	assert_int_equal(chmod(tmpdir, 0755), 0);

	/* no other: refused */
	put_file("UpdateApplication", "required permissions\nrequired approvals quorum=2\n", 0644);
	assert_int_equal(load(&set, msg, sizeof(msg)), CG_ERR_NOT_FOUND);
	assert_null(set);
	assert_string_equal(msg, "D: no \"other\" stack: operations without their own file "
	    "fall back to it, so the gate cannot run without it; add D/other (the shipped one "
	    "is \"required deny\")");

	put_file("other", "required deny\n", 0644);
	put_file(".UpdateApplication.swp", "not a stack", 0644);	/* hidden: skipped */
	put_file("session", "requisite permissions\n", 0600);
	assert_int_equal(load(&set, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
	assert_int_equal(rules_for(set, "UpdateApplication", &s), 0);
	assert_string_equal(rules_stack_name(s), "UpdateApplication");
	snprintf(path, sizeof(path), "%s/UpdateApplication", tmpdir);
	assert_string_equal(rules_stack_file(s), path);
	assert_int_equal(rules_stack_count(s), 2);
	assert_int_equal(rules_for(set, "session", &s), 0);
	assert_string_equal(rules_stack_name(s), "session");
	/* unknown operations, and other spellings, fall back to other */
	assert_int_equal(rules_for(set, "StopApplication", &s), 0);
	assert_string_equal(rules_stack_name(s), "other");
	assert_int_equal(rules_for(set, "updateapplication", &s), 0);
	assert_string_equal(rules_stack_name(s), "other");
	assert_int_equal(run(s, "", NULL, NULL), RULES_FAIL);
	/* not a name at all */
	s = NULL;
	assert_int_equal(rules_for(set, "../other", &s), CG_ERR_INVALID_ARG);
	assert_int_equal(rules_for(set, "", &s), CG_ERR_INVALID_ARG);
	assert_int_equal(rules_for(set, NULL, &s), CG_ERR_INVALID_ARG);
	assert_int_equal(rules_for(set, "Update Application", &s), CG_ERR_INVALID_ARG);
	assert_int_equal(rules_for(NULL, "other", &s), CG_ERR_INVALID_ARG);
	assert_null(s);
	rules_set_free(set);
	set = NULL;

	/* one syntax error refuses the whole set, naming file and line */
	put_file("StopApplication", "required permissions\nrequird key-state\n", 0644);
	assert_int_equal(load(&set, msg, sizeof(msg)), CG_ERR_PARSE);
	assert_null(set);
	assert_string_equal(msg, "D/StopApplication:2: unknown control \"requird\": use "
	    "required, requisite, sufficient or optional");
	drop("StopApplication");

	/* a name that is not an operation */
	put_file("UpdateApplication.rpmsave", "required deny\n", 0644);
	assert_int_equal(load(&set, msg, sizeof(msg)), CG_ERR_PARSE);
	assert_string_equal(msg, "D/UpdateApplication.rpmsave: not an operation name (1 to 64 "
	    "letters A-Z, a-z): move the file out of D");
	drop("UpdateApplication.rpmsave");

	/* a symlink is not followed */
	snprintf(path, sizeof(path), "%s/StartApplication", tmpdir);
	assert_int_equal(symlink("other", path), 0);
	assert_int_equal(load(&set, msg, sizeof(msg)), CG_ERR_IO);
	assert_string_equal(msg, "D/StartApplication: a symbolic link, which is not followed: "
	    "put the file itself in D");
	drop("StartApplication");

	/* a directory, a FIFO (which must not hang the load) */
	snprintf(path, sizeof(path), "%s/StartApplication", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(load(&set, msg, sizeof(msg)), CG_ERR_IO);
	assert_string_equal(msg, "D/StartApplication: not a regular file");
	drop("StartApplication");
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(load(&set, msg, sizeof(msg)), CG_ERR_IO);
	assert_string_equal(msg, "D/StartApplication: not a regular file");
	drop("StartApplication");

	/* writable by everyone */
	put_file("StartApplication", "required deny\n", 0666);
	assert_int_equal(load(&set, msg, sizeof(msg)), CG_ERR_DENIED);
	assert_string_equal(msg, "D/StartApplication: writable by every user: run chmod o-w on it");
	drop("StartApplication");
	assert_int_equal(chmod(tmpdir, 0777), 0);
	assert_int_equal(load(&set, msg, sizeof(msg)), CG_ERR_DENIED);
	assert_string_equal(msg, "D: writable by every user: run chmod o-w on it");
	assert_int_equal(chmod(tmpdir, 0755), 0);

	/* owned by someone else (only root can arrange that) */
	if (geteuid() == 0) {
		put_file("StartApplication", "required deny\n", 0644);
		snprintf(path, sizeof(path), "%s/StartApplication", tmpdir);
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(load(&set, msg, sizeof(msg)), CG_ERR_DENIED);
		assert_string_equal(msg, "D/StartApplication: owned by uid 65534: rule files and "
		    "their directory must belong to root or to the gate's own user");
		drop("StartApplication");
	}

	/* too large */
	memset(big, '#', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put_file("StartApplication", big, 0644);
	assert_int_equal(load(&set, msg, sizeof(msg)), CG_ERR_LIMIT);
	assert_string_equal(msg, "D/StartApplication: larger than 65536 bytes");
	drop("StartApplication");

	/* the directory itself: missing, a symlink */
	assert_int_equal(load(&set, msg, sizeof(msg)), 0);
	rules_set_free(set);
	set = NULL;
	assert_int_equal(cg_buf_new(1024, &why), 0);
	assert_int_equal(rules_load_dir("/nonexistent/ops.d", &set, why), CG_ERR_NOT_FOUND);
	snprintf(path, sizeof(path), "%s-link", tmpdir);
	assert_int_equal(symlink(tmpdir, path), 0);
	assert_int_equal(rules_load_dir(path, &set, why), CG_ERR_IO);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rules_load_dir(NULL, &set, why), CG_ERR_INVALID_ARG);
	assert_null(set);
	cg_buf_free(why);

	drop("UpdateApplication");
	drop("other");
	drop("session");
	drop(".UpdateApplication.swp");
	assert_int_equal(rmdir(tmpdir), 0);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(rules_control_name(RULES_REQUISITE), "requisite");
	assert_string_equal(rules_module_name(RULES_MOD_KEY_STATE), "key-state");
	assert_string_equal(rules_outcome_name(RULES_OUTCOME_PENDING), "pending");
	assert_string_equal(rules_result_name(RULES_PENDING), "PENDING");
	assert_string_equal(rules_module_name((enum rules_module_kind)99), "?");
	/* zero values fail closed */
	assert_string_equal(rules_outcome_name((enum rules_outcome)0), "error");
	assert_string_equal(rules_result_name((enum rules_result)0), "FAIL");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_table),
		cmocka_unit_test(test_step_effects),
		cmocka_unit_test(test_fail_closed_exhaustive),
		cmocka_unit_test(test_pending_only_from_approvals),
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_runtime),
		cmocka_unit_test(test_ticket),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_deny_and_caller_modules),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_man_page_example),
		cmocka_unit_test(test_reason_sanitized),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}

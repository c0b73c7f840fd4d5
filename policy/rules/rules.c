/*
 * Rule stacks: ops.d files parsed into typed module lines, the pure
 * module evaluators, and the PAM-style evaluation (docs/rules.md).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "rules.h"

#define RULES_WORDS_MAX		16	/* control, module and arguments on one line */
#define RULES_REPEAT_BOUND_MAX	255	/* n and m in a ticket pattern's {n,m} */
#define RULES_REGEX_EXPANDED_MAX 1024	/* elements of a ticket pattern once its repetitions unroll */
#define RULES_RUNTIME_DIGITS	6	/* digits of each number in FLINK-N_N */
#define RULES_PATH_MAX		4096

/* ---- names ---- */

static const struct {
	const char		*name;
	enum rules_control	 control;
} controls[] = {
	{ "required",	RULES_REQUIRED },
	{ "requisite",	RULES_REQUISITE },
	{ "sufficient",	RULES_SUFFICIENT },
	{ "optional",	RULES_OPTIONAL },
};

struct parser;

static int parse_runtime_min(const struct parser *, struct rules_module *, const char *);
static int parse_quorum(const struct parser *, struct rules_module *, const char *);
static int parse_roles(const struct parser *, struct rules_module *, const char *);
static int parse_when(const struct parser *, struct rules_module *, const char *);
static int parse_runtime_when(const struct parser *, struct rules_module *, const char *);
static int parse_pattern(const struct parser *, struct rules_module *, const char *);
static int parse_days(const struct parser *, struct rules_module *, const char *);
static int parse_hours(const struct parser *, struct rules_module *, const char *);
static int parse_tz(const struct parser *, struct rules_module *, const char *);

static const struct module_spec {
	const char		*name;
	enum rules_module_kind	 kind;
	bool			 pure;		/* evaluated here, from the request */
	const char		*usage;
} modules[] = {
	{ "permissions", RULES_MOD_PERMISSIONS, false, "permissions" },
	{ "key-state", RULES_MOD_KEY_STATE, false, "key-state" },
	{ "runtime", RULES_MOD_RUNTIME, true, "runtime min=FLINK-N_N [when=always|cmk]" },
	{ "approvals", RULES_MOD_APPROVALS, false,
	    "approvals quorum=1..10 [distinct-roles=ROLE,...] [when=always|key-change]" },
	{ "ticket", RULES_MOD_TICKET, true, "ticket pattern=REGEX" },
	{ "window", RULES_MOD_WINDOW, true, "window days=Mon-Fri hours=08-18 [tz=UTC]" },
	{ "deny", RULES_MOD_DENY, true, "deny" },
};

static const struct arg_spec {
	enum rules_module_kind	 kind;
	const char		*key;
	bool			 required;
	int			(*parse)(const struct parser *, struct rules_module *, const char *);
} args[] = {
	{ RULES_MOD_RUNTIME,	"min",			true,	parse_runtime_min },
	{ RULES_MOD_RUNTIME,	"when",			false,	parse_runtime_when },
	{ RULES_MOD_APPROVALS,	"quorum",		true,	parse_quorum },
	{ RULES_MOD_APPROVALS,	"distinct-roles",	false,	parse_roles },
	{ RULES_MOD_APPROVALS,	"when",			false,	parse_when },
	{ RULES_MOD_TICKET,	"pattern",		true,	parse_pattern },
	{ RULES_MOD_WINDOW,	"days",			true,	parse_days },
	{ RULES_MOD_WINDOW,	"hours",		true,	parse_hours },
	{ RULES_MOD_WINDOW,	"tz",			false,	parse_tz },
};

/* Indexed by struct tm's tm_wday. */
static const char *const day_names[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

static const struct module_spec *
module_spec(enum rules_module_kind kind)
{
	size_t i;

	for (i = 0; i < CG_NELEM(modules); i++)
		if (modules[i].kind == kind)
			return &modules[i];
	return NULL;
}

const char *
rules_control_name(enum rules_control control)
{
	size_t i;

	for (i = 0; i < CG_NELEM(controls); i++)
		if (controls[i].control == control)
			return controls[i].name;
	return "?";
}

const char *
rules_module_name(enum rules_module_kind kind)
{
	const struct module_spec *s = module_spec(kind);

	return s != NULL ? s->name : "?";
}

const char *
rules_outcome_name(enum rules_outcome outcome)
{
	switch (outcome) {
	case RULES_OUTCOME_ERROR:	return "error";
	case RULES_OUTCOME_FAIL:	return "fail";
	case RULES_OUTCOME_PASS:	return "pass";
	case RULES_OUTCOME_PENDING:	return "pending";
	}
	return "?";
}

const char *
rules_result_name(enum rules_result result)
{
	switch (result) {
	case RULES_FAIL:	return "FAIL";
	case RULES_PASS:	return "PASS";
	case RULES_PENDING:	return "PENDING";
	}
	return "?";
}

/* An operation name: [A-Za-z]{1,RULES_NAME_MAX}. */
static bool
valid_name(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		return false;
	for (i = 0; name[i] != '\0'; i++) {
		if (i == RULES_NAME_MAX)
			return false;
		if (!((name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= 'a' && name[i] <= 'z')))
			return false;
	}
	return true;
}

/* ---- parsing ---- */

struct rules_stack {
	char			*name;		/* the operation */
	char			*file;		/* for messages */
	struct rules_module	*modules;	/* RULES_MODULES_MAX slots, nmodules used */
	size_t			 nmodules;
};

struct parser {
	const char	*file;
	size_t		 lineno;
	struct cg_buf	*why;
};

/* Writes "file:line: message" to why and returns code, for GUARD(refuse(...)). */
static int refuse(const struct parser *p, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
refuse(const struct parser *p, int code, const char *fmt, ...)
{
	va_list ap;

	(void)cg_buf_putf(p->why, "%s:%zu: ", p->file, p->lineno);
	va_start(ap, fmt);
	(void)cg_buf_vputf(p->why, fmt, ap);
	va_end(ap);
	return code;
}

static void
module_clear(struct rules_module *m)
{
	size_t i;

	free(m->args);
	for (i = 0; i < m->approvals.nroles; i++)
		free(m->approvals.roles[i]);
	free(m->ticket.pattern);
	if (m->ticket.compiled)
		regfree(&m->ticket.re);
	memset(m, 0, sizeof(*m));
}

static bool
is_digit(uint8_t b)
{
	return b >= '0' && b <= '9';
}

/* 1..maxdigits (at most 9) decimal digits. */
static int
get_number(struct cg_cursor *c, size_t maxdigits, uint32_t *ret)
{
	uint32_t v = 0;
	size_t n = 0;
	uint8_t b;
	int r = CG_ERR_INTERNAL;

	while (cg_cursor_peek_u8(c, &b) == 0 && is_digit(b)) {
		ENSURE(n < maxdigits, CG_ERR_LIMIT);
		v = v * 10 + (uint32_t)(b - '0');
		n++;
		GUARD(cg_cursor_skip(c, 1));
	}
	ENSURE(n > 0, CG_ERR_PARSE);
	*ret = v;
	r = 0;
 out:
	return r;
}

/* "FLINK-<major>_<minor>", each number 1..6 digits, nothing else. */
static int
parse_flink(const char *s, uint32_t *ret_major, uint32_t *ret_minor)
{
	struct cg_cursor c;
	uint32_t major, minor;
	int r = CG_ERR_INTERNAL;

	cg_cursor_init(&c, s, strlen(s));
	GUARD(cg_cursor_expect(&c, "FLINK-", 6));
	GUARD(get_number(&c, RULES_RUNTIME_DIGITS, &major));
	GUARD(cg_cursor_expect(&c, "_", 1));
	GUARD(get_number(&c, RULES_RUNTIME_DIGITS, &minor));
	GUARD(cg_cursor_end(&c));
	*ret_major = major;
	*ret_minor = minor;
 out:
	return r;
}

static int
parse_runtime_min(const struct parser *p, struct rules_module *m, const char *v)
{
	int r = CG_ERR_INTERNAL;

	if (parse_flink(v, &m->runtime.major, &m->runtime.minor) < 0)
		GUARD(refuse(p, CG_ERR_PARSE, "runtime min=\"%.64s\" is not a runtime name "
		    "FLINK-N_N (for example FLINK-1_20; at most %d digits per number)", v,
		    RULES_RUNTIME_DIGITS));
	r = 0;
 out:
	return r;
}

static int
parse_runtime_when(const struct parser *p, struct rules_module *m, const char *v)
{
	int r = CG_ERR_INTERNAL;

	if (strcmp(v, "always") == 0)
		m->runtime.only_cmk = false;
	else if (strcmp(v, "cmk") == 0)
		m->runtime.only_cmk = true;
	else
		GUARD(refuse(p, CG_ERR_PARSE, "runtime when=\"%.64s\": use when=always or "
		    "when=cmk", v));
	r = 0;
 out:
	return r;
}

static int
parse_quorum(const struct parser *p, struct rules_module *m, const char *v)
{
	struct cg_cursor c;
	uint32_t n = 0;
	int r = CG_ERR_INTERNAL;

	cg_cursor_init(&c, v, strlen(v));
	if (get_number(&c, 2, &n) < 0 || cg_cursor_end(&c) < 0 || n < 1 ||
	    n > RULES_QUORUM_MAX)
		GUARD(refuse(p, CG_ERR_PARSE, "approvals quorum=\"%.64s\" is not a number "
		    "from 1 to %d", v, RULES_QUORUM_MAX));
	m->approvals.quorum = n;
	r = 0;
 out:
	return r;
}

static bool
is_role_char(uint8_t b)
{
	return (b >= 'a' && b <= 'z') || is_digit(b) || b == '-';
}

static int
parse_roles(const struct parser *p, struct rules_module *m, const char *v)
{
	struct rules_approvals_args *a = &m->approvals;
	struct cg_cursor c;
	char role[RULES_ROLE_MAX + 1];
	size_t len, i;
	uint8_t b = 0;
	int r = CG_ERR_INTERNAL;

	cg_cursor_init(&c, v, strlen(v));
	do {
		len = 0;
		while (cg_cursor_get_u8(&c, &b) == 0 && b != ',') {
			if (!is_role_char(b) || len == RULES_ROLE_MAX)
				GUARD(refuse(p, CG_ERR_PARSE, "approvals distinct-roles=\"%.64s\": "
				    "a role is 1 to %d of a-z, 0-9 and '-', roles separated by ','",
				    v, RULES_ROLE_MAX));
			role[len++] = (char)b;
		}
		role[len] = '\0';
		if (len == 0)
			GUARD(refuse(p, CG_ERR_PARSE, "approvals distinct-roles=\"%.64s\": "
			    "empty role name", v));
		for (i = 0; i < a->nroles; i++)
			if (strcmp(a->roles[i], role) == 0)
				GUARD(refuse(p, CG_ERR_PARSE, "approvals distinct-roles: role "
				    "\"%s\" is named twice", role));
		if (a->nroles == RULES_ROLES_MAX)
			GUARD(refuse(p, CG_ERR_LIMIT, "approvals distinct-roles: more than %d roles",
			    RULES_ROLES_MAX));
		ENSURE((a->roles[a->nroles] = strdup(role)) != NULL, CG_ERR_NOMEM);
		a->nroles++;
	} while (b == ',' && cg_cursor_remaining(&c) > 0);
	if (b == ',')
		GUARD(refuse(p, CG_ERR_PARSE, "approvals distinct-roles=\"%.64s\": empty role "
		    "name", v));
	r = 0;
 out:
	return r;
}

static int
parse_when(const struct parser *p, struct rules_module *m, const char *v)
{
	int r = CG_ERR_INTERNAL;

	if (strcmp(v, "always") == 0)
		m->approvals.when = RULES_WHEN_ALWAYS;
	else if (strcmp(v, "key-change") == 0)
		m->approvals.when = RULES_WHEN_KEY_CHANGE;
	else
		GUARD(refuse(p, CG_ERR_PARSE, "approvals when=\"%.64s\": use when=always or "
		    "when=key-change", v));
	r = 0;
 out:
	return r;
}

/* Skips a bracket expression whose '[' was just read: "]" first is literal, [:x:] [=x=] [.x.] nest. */
static void
skip_bracket(struct cg_cursor *c)
{
	uint8_t b, open;

	if (cg_cursor_peek_u8(c, &b) == 0 && b == '^')
		(void)cg_cursor_skip(c, 1);
	if (cg_cursor_peek_u8(c, &b) == 0 && b == ']')
		(void)cg_cursor_skip(c, 1);
	while (cg_cursor_get_u8(c, &b) == 0 && b != ']') {
		if (b != '[' || cg_cursor_peek_u8(c, &open) < 0 ||
		    (open != ':' && open != '=' && open != '.'))
			continue;
		(void)cg_cursor_skip(c, 1);
		while (cg_cursor_get_u8(c, &b) == 0) {
			if (b == open && cg_cursor_peek_u8(c, &b) == 0 && b == ']') {
				(void)cg_cursor_skip(c, 1);
				break;
			}
		}
	}
}

/* Saturating arithmetic for the size estimate below: anything over the cap stays over it. */
static uint32_t
size_add(uint32_t a, uint32_t b)
{
	uint32_t cap = RULES_REGEX_EXPANDED_MAX + 1;

	return a >= cap || b >= cap - a ? cap : a + b;
}

static uint32_t
size_mul(uint32_t a, uint32_t b)
{
	uint32_t cap = RULES_REGEX_EXPANDED_MAX + 1;

	return b != 0 && a > cap / b ? cap : a * b;
}

/*
 * After a '{': the interval "n}", "n,}", "n,m}" or ",m}" and how many
 * copies of its operand glibc makes for it (m, or n + 1 when open).
 * Nothing is consumed when it is not an interval (regcomp() judges it).
 */
/* Every digit that follows, the value saturated just above RULES_REPEAT_BOUND_MAX. */
static uint32_t
get_bound(struct cg_cursor *c)
{
	uint32_t v = 0;
	uint8_t b;

	while (cg_cursor_peek_u8(c, &b) == 0 && is_digit(b)) {
		v = v * 10 + (uint32_t)(b - '0');
		if (v > RULES_REPEAT_BOUND_MAX)
			v = RULES_REPEAT_BOUND_MAX + 1;
		(void)cg_cursor_skip(c, 1);
	}
	return v;
}

static int
get_interval(struct cg_cursor *c, uint32_t *ret_copies, bool *ret_too_big)
{
	struct cg_cursor t = *c;
	uint32_t lo, hi = 0;
	bool comma = false, have_hi = false;
	uint8_t b;
	int r = CG_ERR_INTERNAL;

	lo = get_bound(&t);
	if (cg_cursor_peek_u8(&t, &b) == 0 && b == ',') {
		comma = true;
		(void)cg_cursor_skip(&t, 1);
		have_hi = cg_cursor_peek_u8(&t, &b) == 0 && is_digit(b);
		hi = get_bound(&t);
	}
	GUARD(cg_cursor_expect(&t, "}", 1));
	*ret_too_big = lo > RULES_REPEAT_BOUND_MAX || hi > RULES_REPEAT_BOUND_MAX;
	*ret_copies = !comma ? lo : have_hi ? (hi > lo ? hi : lo) : lo + 1;
	if (*ret_copies == 0)
		*ret_copies = 1;
	*c = t;
 out:
	return r;
}

/* Where check_pattern_cost() is inside one group (or the whole pattern). */
struct re_level {
	uint32_t	done;		/* size of the finished items and alternatives */
	uint32_t	last;		/* size of the last item: what a repetition repeats */
	bool		empty;		/* the current alternative has no item yet */
	bool		alternatives;	/* a '|' was seen */
	bool		last_group;	/* the last item is a group ... */
	bool		last_nested;	/* ... that holds a repeated group */
	bool		last_repeated;	/* the last item already has a repetition */
	bool		nested;		/* this level holds a repeated group */
};

/*
 * What regcomp() would accept but the gate should not run.  glibc's
 * compiler copies what `+` and `{n,m}` repeat and computes closures over
 * empty transitions, so nested repetitions, stacked repetitions and empty
 * alternatives make it take exponential time and memory (the fuzzer found
 * both); backreferences make matching an operator's reason exponential.
 * Ticket patterns are therefore a subset of ERE: no backreferences, no
 * empty alternative or group, no repetition of a repetition, no repeated
 * group inside a repeated group, and at most RULES_REGEX_EXPANDED_MAX
 * elements once repetitions unroll (a sequence or alternation adds, a
 * repetition multiplies its operand).  Anything malformed is left for
 * regcomp() to refuse.
 */
static int
check_pattern_cost(const struct parser *p, const char *v)
{
	struct re_level lv[RULES_REGEX_MAX + 1], *l;
	struct cg_cursor c;
	uint32_t copies, size, total = 0;
	size_t depth = 0, i;
	bool too_big, nested;
	uint8_t b;
	int r = CG_ERR_INTERNAL;

	memset(&lv[0], 0, sizeof(lv[0]));
	lv[0].empty = true;
	cg_cursor_init(&c, v, strlen(v));
	while (cg_cursor_get_u8(&c, &b) == 0) {
		l = &lv[depth];
		copies = 0;
		if (b == '\\') {
			if (cg_cursor_get_u8(&c, &b) == 0 && b >= '1' && b <= '9')
				GUARD(refuse(p, CG_ERR_PARSE, "ticket pattern: backreferences (\\%c) "
				    "are not allowed: they can make matching take very long", b));
			b = 'x';	/* an escaped character is one element, even \\( */
		} else if (b == '*' || b == '?') {
			copies = 1;
		} else if (b == '+') {
			copies = 2;
		} else if (b == '{' && get_interval(&c, &copies, &too_big) == 0) {
			if (too_big)
				GUARD(refuse(p, CG_ERR_LIMIT, "ticket pattern: repetition bounds {n,m} "
				    "may be at most %d", RULES_REPEAT_BOUND_MAX));
		}
		if (copies > 0 && !l->empty) {
			if (l->last_repeated)
				GUARD(refuse(p, CG_ERR_PARSE, "ticket pattern repeats a repetition "
				    "(such as a*+ or a{2}?): use a single one"));
			if (l->last_group && l->last_nested)
				GUARD(refuse(p, CG_ERR_PARSE, "ticket pattern repeats a group that "
				    "holds a repeated group (such as ((a+)+)+): such nesting makes "
				    "compiling it take very long"));
			l->nested |= l->last_group;
			l->last_repeated = true;
			l->last = size_add(size_mul(l->last, copies), 1);
		} else if (copies > 0) {
			continue;	/* nothing to repeat: regcomp() refuses it */
		} else if (b == '(' && depth < RULES_REGEX_MAX) {
			l->done = size_add(l->done, l->last);
			l->last = 0;
			l->empty = false;
			depth++;
			memset(&lv[depth], 0, sizeof(lv[depth]));
			lv[depth].empty = true;
		} else if ((b == ')' && depth > 0) || b == '|') {
			if (l->empty)
				GUARD(refuse(p, CG_ERR_PARSE, "ticket pattern has an empty alternative "
				    "or group (such as a||b, (a|) or ()): write an optional part as "
				    "(...)?"));
			if (b == '|') {
				l->done = size_add(l->done, l->last);
				l->last = 0;
				l->empty = l->alternatives = true;
				l->last_group = l->last_repeated = false;
				continue;
			}
			size = size_add(l->done, l->last);
			nested = l->nested;
			l = &lv[--depth];
			l->last = size;
			l->last_group = true;
			l->last_nested = nested;
			l->last_repeated = false;
			l->nested |= nested;
		} else {
			/* one element: a character, an escaped one, a bracket expression, . ^ $ */
			if (b == '[')
				skip_bracket(&c);
			l->done = size_add(l->done, l->last);
			l->last = 1;
			l->empty = l->last_group = l->last_repeated = false;
		}
	}
	if (lv[depth].empty && lv[depth].alternatives)
		GUARD(refuse(p, CG_ERR_PARSE, "ticket pattern has an empty alternative or group "
		    "(such as a||b, (a|) or ()): write an optional part as (...)?"));
	for (i = 0; i <= depth; i++)
		total = size_add(total, size_add(lv[i].done, lv[i].last));
	if (total > RULES_REGEX_EXPANDED_MAX)
		GUARD(refuse(p, CG_ERR_LIMIT, "ticket pattern would unroll to more than %d "
		    "elements (its + and {n,m} repetitions multiply what they repeat): simplify "
		    "it", RULES_REGEX_EXPANDED_MAX));
	r = 0;
 out:
	return r;
}

static int
parse_pattern(const struct parser *p, struct rules_module *m, const char *v)
{
	struct rules_ticket_args *t = &m->ticket;
	char msg[128];
	size_t len = strlen(v);
	int rc, r = CG_ERR_INTERNAL;

	if (len == 0)
		GUARD(refuse(p, CG_ERR_PARSE, "ticket pattern is empty"));
	if (len > RULES_REGEX_MAX)
		GUARD(refuse(p, CG_ERR_LIMIT, "ticket pattern is longer than %d bytes",
		    RULES_REGEX_MAX));
	GUARD(check_pattern_cost(p, v));
	if ((rc = regcomp(&t->re, v, REG_EXTENDED)) != 0) {
		(void)regerror(rc, NULL, msg, sizeof(msg));
		GUARD(refuse(p, CG_ERR_PARSE, "ticket pattern is not a valid POSIX extended "
		    "regular expression: %s", msg));
	}
	t->compiled = true;
	ENSURE((t->pattern = strdup(v)) != NULL, CG_ERR_NOMEM);
	r = 0;
 out:
	return r;
}

static int
get_day(struct cg_cursor *c, unsigned *ret_day)
{
	const uint8_t *p;
	unsigned d;
	int r = CG_ERR_INTERNAL;

	GUARD(cg_cursor_get_bytes(c, 3, &p));
	for (d = 0; d < 7; d++)
		if (memcmp(p, day_names[d], 3) == 0)
			break;
	ENSURE(d < 7, CG_ERR_PARSE);
	*ret_day = d;
 out:
	return r;
}

/* "Mon-Fri,Sun": day names, forward ranges that may wrap (Fri-Mon), commas. */
static int
scan_days(const char *v, uint8_t *ret_days)
{
	struct cg_cursor c;
	unsigned from, to, d;
	uint8_t b = 0, days = 0;
	int r = CG_ERR_INTERNAL;

	cg_cursor_init(&c, v, strlen(v));
	do {
		GUARD(get_day(&c, &from));
		to = from;
		if (cg_cursor_peek_u8(&c, &b) == 0 && b == '-') {
			GUARD(cg_cursor_skip(&c, 1));
			GUARD(get_day(&c, &to));
		}
		for (d = from; ; d = (d + 1) % 7) {
			days |= (uint8_t)(1u << d);
			if (d == to)
				break;
		}
		b = 0;
		if (cg_cursor_get_u8(&c, &b) == 0)
			ENSURE(b == ',', CG_ERR_PARSE);
	} while (b == ',');
	*ret_days = days;
	r = 0;
 out:
	return r;
}

static int
parse_days(const struct parser *p, struct rules_module *m, const char *v)
{
	int r = CG_ERR_INTERNAL;

	if (scan_days(v, &m->window.days) < 0)
		GUARD(refuse(p, CG_ERR_PARSE, "window days=\"%.64s\": expected day names (Mon, "
		    "Tue, Wed, Thu, Fri, Sat, Sun), ranges such as Mon-Fri and lists such as "
		    "Mon,Wed", v));
	r = 0;
 out:
	return r;
}

/* "08-12,13-18": ranges from START:00 up to END:00, 0 <= START < END <= 24. */
static int
scan_hours(const char *v, uint32_t *ret_hours)
{
	struct cg_cursor c;
	uint32_t from, to, h, hours = 0;
	uint8_t b = 0;
	int r = CG_ERR_INTERNAL;

	cg_cursor_init(&c, v, strlen(v));
	do {
		GUARD(get_number(&c, 2, &from));
		GUARD(cg_cursor_expect(&c, "-", 1));
		GUARD(get_number(&c, 2, &to));
		ENSURE(from < to && to <= 24, CG_ERR_PARSE);
		for (h = from; h < to; h++)
			hours |= (uint32_t)1 << h;
		b = 0;
		if (cg_cursor_get_u8(&c, &b) == 0)
			ENSURE(b == ',', CG_ERR_PARSE);
	} while (b == ',');
	*ret_hours = hours;
	r = 0;
 out:
	return r;
}

static int
parse_hours(const struct parser *p, struct rules_module *m, const char *v)
{
	int r = CG_ERR_INTERNAL;

	if (scan_hours(v, &m->window.hours) < 0)
		GUARD(refuse(p, CG_ERR_PARSE, "window hours=\"%.64s\": expected ranges START-END "
		    "(from START:00 up to END:00, 0 <= START < END <= 24), such as 08-18 or "
		    "00-06,22-24", v));
	r = 0;
 out:
	return r;
}

static int
parse_tz(const struct parser *p, struct rules_module *m, const char *v)
{
	int r = CG_ERR_INTERNAL;

	(void)m;
	if (strcmp(v, "UTC") != 0)
		GUARD(refuse(p, CG_ERR_PARSE, "window tz=\"%.64s\": only tz=UTC is supported "
		    "for now; give the hours in UTC", v));
	r = 0;
 out:
	return r;
}

/* key=value for messages, the value quoted the way the parser reads it back. */
static int
put_arg(struct cg_buf *b, const char *key, const char *value)
{
	size_t i;
	int r = CG_ERR_INTERNAL;

	GUARD(cg_buf_putf(b, "%s%s=", cg_buf_len(b) > 0 ? " " : "", key));
	if (value[0] != '\0' && strpbrk(value, " \t\"\\#") == NULL) {
		GUARD(cg_buf_put_str(b, value));
	} else {
		GUARD(cg_buf_put_u8(b, '"'));
		for (i = 0; value[i] != '\0'; i++) {
			if (value[i] == '"' || value[i] == '\\')
				GUARD(cg_buf_put_u8(b, '\\'));
			GUARD(cg_buf_put_u8(b, (uint8_t)value[i]));
		}
		GUARD(cg_buf_put_u8(b, '"'));
	}
	r = 0;
 out:
	return r;
}

/* The arguments after the module name: each key=value, validated and stored in m. */
static int
parse_args(const struct parser *p, const struct module_spec *spec, char **words, size_t n,
    struct rules_module *m)
{
	struct cg_buf *text = NULL;
	const char *s;
	uint32_t seen = 0;
	size_t i, j, klen;
	bool takes_args = false;
	int r = CG_ERR_INTERNAL;

	GUARD(cg_buf_new(2 * RULES_LINE_MAX, &text));
	for (j = 0; j < CG_NELEM(args); j++)
		takes_args |= args[j].kind == spec->kind;
	for (i = 0; i < n; i++) {
		if (!takes_args)
			GUARD(refuse(p, CG_ERR_PARSE, "module %s takes no arguments, found \"%.64s\"",
			    spec->name, words[i]));
		klen = strcspn(words[i], "=");
		if (words[i][klen] != '=' || klen == 0)
			GUARD(refuse(p, CG_ERR_PARSE, "argument \"%.64s\" is not key=value "
			    "(usage: %s)", words[i], spec->usage));
		for (j = 0; j < CG_NELEM(args); j++)
			if (args[j].kind == spec->kind && strlen(args[j].key) == klen &&
			    strncmp(args[j].key, words[i], klen) == 0)
				break;
		if (j == CG_NELEM(args))
			GUARD(refuse(p, CG_ERR_PARSE, "module %s has no argument \"%.*s\" "
			    "(usage: %s)", spec->name, (int)(klen > 64 ? 64 : klen), words[i],
			    spec->usage));
		if (seen & (UINT32_C(1) << j))
			GUARD(refuse(p, CG_ERR_PARSE, "argument %s is given twice", args[j].key));
		seen |= UINT32_C(1) << j;
		GUARD(args[j].parse(p, m, &words[i][klen + 1]));
		GUARD(put_arg(text, args[j].key, &words[i][klen + 1]));
	}
	for (j = 0; j < CG_NELEM(args); j++)
		if (args[j].kind == spec->kind && args[j].required && !(seen & (UINT32_C(1) << j)))
			GUARD(refuse(p, CG_ERR_PARSE, "module %s needs %s=... (usage: %s)",
			    spec->name, args[j].key, spec->usage));
	if (spec->kind == RULES_MOD_APPROVALS && m->approvals.nroles > m->approvals.quorum)
		GUARD(refuse(p, CG_ERR_PARSE, "approvals distinct-roles names %zu roles but "
		    "quorum is %u: each role needs its own approver, so raise the quorum",
		    m->approvals.nroles, m->approvals.quorum));
	GUARD(cg_buf_cstr(text, &s));
	ENSURE((m->args = strdup(s)) != NULL, CG_ERR_NOMEM);
	r = 0;
 out:
	cg_buf_free(text);
	return r;
}

/* Bytes a stack file may not hold: NUL and control characters other than tab. */
static int
check_bytes(const struct parser *p, const struct cg_cursor *line)
{
	struct cg_cursor c = *line;
	uint8_t b;
	int r = CG_ERR_INTERNAL;

	while (cg_cursor_get_u8(&c, &b) == 0) {
		if (b == '\0')
			GUARD(refuse(p, CG_ERR_PARSE, "the line holds a NUL byte"));
		if ((b < 0x20 && b != '\t') || b == 0x7f)
			GUARD(refuse(p, CG_ERR_PARSE, "the line holds control character 0x%02x%s",
			    b, b == '\r' ? " (a CR: save the file with Unix line ends)" : ""));
	}
	r = 0;
 out:
	return r;
}

static bool
is_blank(uint8_t b)
{
	return b == ' ' || b == '\t';
}

/* The rest of a "quoted value" after its opening quote: \" and \\ are the only escapes. */
static int
read_quoted(const struct parser *p, struct cg_cursor *c, struct cg_buf *word)
{
	uint8_t b;
	int r = CG_ERR_INTERNAL;

	for (;;) {
		if (cg_cursor_get_u8(c, &b) < 0)
			GUARD(refuse(p, CG_ERR_PARSE, "a quoted value has no closing quote"));
		if (b == '"')
			break;
		if (b == '\\') {
			if (cg_cursor_get_u8(c, &b) < 0)
				GUARD(refuse(p, CG_ERR_PARSE, "a quoted value has no closing quote"));
			if (b != '"' && b != '\\')
				GUARD(refuse(p, CG_ERR_PARSE, "unknown escape in a quoted value: only "
				    "\\\" and \\\\ are allowed"));
		}
		GUARD(cg_buf_put_u8(word, b));
	}
	if (cg_cursor_peek_u8(c, &b) == 0 && !is_blank(b))
		GUARD(refuse(p, CG_ERR_PARSE, "text right after a closing quote: put a space "
		    "between arguments"));
	r = 0;
 out:
	return r;
}

/*
 * The next word of the line into word (emptied first); *ret_found false at
 * the end of the line or at a '#' that starts a word (a comment).  A '"'
 * may only open a value: key="...".
 */
static int
read_word(const struct parser *p, struct cg_cursor *c, struct cg_buf *word, bool *ret_found)
{
	size_t eq = SIZE_MAX;
	uint8_t b;
	int r = CG_ERR_INTERNAL;

	cg_buf_reset(word);
	while (cg_cursor_peek_u8(c, &b) == 0 && is_blank(b))
		GUARD(cg_cursor_skip(c, 1));
	if (cg_cursor_peek_u8(c, &b) < 0 || b == '#') {
		*ret_found = false;
		r = 0;
		goto out;
	}
	while (cg_cursor_peek_u8(c, &b) == 0 && !is_blank(b)) {
		GUARD(cg_cursor_skip(c, 1));
		if (b == '"') {
			if (eq == SIZE_MAX || cg_buf_len(word) != eq + 1)
				GUARD(refuse(p, CG_ERR_PARSE, "a '\"' may only open a value, as in "
				    "key=\"a value\""));
			GUARD(read_quoted(p, c, word));
			break;
		}
		if (b == '=' && eq == SIZE_MAX)
			eq = cg_buf_len(word);
		GUARD(cg_buf_put_u8(word, b));
	}
	*ret_found = true;
	r = 0;
 out:
	return r;
}

static int
split_words(const struct parser *p, struct cg_cursor *line, char **words, size_t *ret_n)
{
	struct cg_buf *word = NULL;
	const char *s;
	size_t n = 0;
	bool found;
	int r = CG_ERR_INTERNAL;

	GUARD(cg_buf_new(RULES_LINE_MAX, &word));
	for (;;) {
		GUARD(read_word(p, line, word, &found));
		if (!found)
			break;
		if (n == RULES_WORDS_MAX)
			GUARD(refuse(p, CG_ERR_LIMIT, "more than %d words on one line",
			    RULES_WORDS_MAX));
		GUARD(cg_buf_cstr(word, &s));
		ENSURE((words[n] = strdup(s)) != NULL, CG_ERR_NOMEM);
		n++;
	}
	*ret_n = n;
	r = 0;
 out:
	cg_buf_free(word);
	return r;
}

static int
parse_control(const struct parser *p, const char *word, enum rules_control *ret)
{
	size_t i;
	int r = CG_ERR_INTERNAL;

	for (i = 0; i < CG_NELEM(controls); i++)
		if (strcmp(word, controls[i].name) == 0)
			break;
	if (i == CG_NELEM(controls) && word[0] == '[')
		GUARD(refuse(p, CG_ERR_PARSE, "the [value=action] control syntax is not "
		    "supported: use required, requisite, sufficient or optional"));
	if (i == CG_NELEM(controls))
		GUARD(refuse(p, CG_ERR_PARSE, "unknown control \"%.64s\": use required, "
		    "requisite, sufficient or optional", word));
	*ret = controls[i].control;
	r = 0;
 out:
	return r;
}

static int
parse_line(const struct parser *p, struct cg_cursor *line, struct rules_stack *stack)
{
	char *words[RULES_WORDS_MAX] = { NULL };
	struct rules_module *m = NULL;
	const struct module_spec *spec = NULL;
	size_t n = 0, i;
	int r = CG_ERR_INTERNAL;

	GUARD(check_bytes(p, line));
	GUARD(split_words(p, line, words, &n));
	if (n == 0) {
		r = 0;
		goto out;
	}
	if (stack->nmodules == RULES_MODULES_MAX)
		GUARD(refuse(p, CG_ERR_LIMIT, "more than %d modules in one stack",
		    RULES_MODULES_MAX));
	/* parsed in place: a compiled regex_t is not copied around */
	m = &stack->modules[stack->nmodules];
	GUARD(parse_control(p, words[0], &m->control));
	if (n < 2)
		GUARD(refuse(p, CG_ERR_PARSE, "%s needs a module after it", words[0]));
	for (i = 0; i < CG_NELEM(modules); i++)
		if (strcmp(words[1], modules[i].name) == 0)
			spec = &modules[i];
	if (spec == NULL)
		GUARD(refuse(p, CG_ERR_PARSE, "unknown module \"%.64s\" (known: permissions, "
		    "key-state, runtime, approvals, ticket, window, deny)", words[1]));
	m->kind = spec->kind;
	m->line = (unsigned)p->lineno;
	GUARD(parse_args(p, spec, words + 2, n - 2, m));
	stack->nmodules++;
	m = NULL;
	r = 0;
 out:
	for (i = 0; i < CG_NELEM(words); i++)
		free(words[i]);
	if (m != NULL)
		module_clear(m);
	return r;
}

int
rules_stack_parse(const char *name, const char *file, const char *text, size_t len,
    struct rules_stack **ret_stack, struct cg_buf *why)
{
	struct rules_stack *stack = NULL;
	struct parser p = { file != NULL ? file : name, 0, why };
	struct cg_cursor cur, line;
	const uint8_t *lp;
	size_t llen;
	int r = CG_ERR_INTERNAL;

	ENSURE(ret_stack != NULL && valid_name(name) && (text != NULL || len == 0),
	    CG_ERR_INVALID_ARG);
	if (len > RULES_FILE_MAX) {
		(void)cg_buf_putf(why, "%s: larger than %d bytes", p.file, RULES_FILE_MAX);
		r = CG_ERR_LIMIT;
		goto out;
	}
	ENSURE((stack = calloc(1, sizeof(*stack))) != NULL, CG_ERR_NOMEM);
	ENSURE((stack->name = strdup(name)) != NULL, CG_ERR_NOMEM);
	ENSURE((stack->file = strdup(p.file)) != NULL, CG_ERR_NOMEM);
	ENSURE((stack->modules = calloc(RULES_MODULES_MAX, sizeof(*stack->modules))) != NULL,
	    CG_ERR_NOMEM);
	cg_cursor_init(&cur, text, len);
	while (cg_cursor_remaining(&cur) > 0) {
		p.lineno++;
		r = cg_cursor_get_until(&cur, '\n', RULES_LINE_MAX, &lp, &llen);
		if (r == CG_ERR_TRUNCATED) {	/* the last line has no '\n' */
			llen = cg_cursor_remaining(&cur);
			GUARD(cg_cursor_get_bytes(&cur, llen, &lp));
		} else if (r == CG_ERR_LIMIT) {
			GUARD(refuse(&p, CG_ERR_LIMIT, "the line is longer than %d bytes",
			    RULES_LINE_MAX));
		} else {
			GUARD(r);
		}
		cg_cursor_init(&line, lp, llen);
		GUARD(parse_line(&p, &line, stack));
	}
	*ret_stack = stack;
	stack = NULL;
	r = 0;
 out:
	rules_stack_free(stack);
	return r;
}

void
rules_stack_free(struct rules_stack *stack)
{
	size_t i;

	if (stack == NULL)
		return;
	for (i = 0; i < stack->nmodules; i++)
		module_clear(&stack->modules[i]);
	free(stack->modules);
	free(stack->name);
	free(stack->file);
	free(stack);
}

const char *
rules_stack_name(const struct rules_stack *stack)
{
	return stack->name;
}

const char *
rules_stack_file(const struct rules_stack *stack)
{
	return stack->file;
}

size_t
rules_stack_count(const struct rules_stack *stack)
{
	return stack->nmodules;
}

const struct rules_module *
rules_stack_module(const struct rules_stack *stack, size_t index)
{
	return index < stack->nmodules ? &stack->modules[index] : NULL;
}

/* ---- loading ops.d ---- */

struct rules_set {
	struct rules_stack	**stacks;
	size_t			  nstacks;
};

void
rules_set_free(struct rules_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->nstacks; i++)
		rules_stack_free(set->stacks[i]);
	free(set->stacks);
	free(set);
}

static const char *
errno_text(int e, char *buf, size_t len)
{
	return strerror_r(e, buf, len);
}

/* Root or our own user owns it, and not everyone may write to it. */
static int
check_owner(const char *path, const struct stat *st, struct cg_buf *why)
{
	int r = CG_ERR_INTERNAL;

	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		(void)cg_buf_putf(why, "%s: owned by uid %u: rule files and their directory must "
		    "belong to root or to the gate's own user", path, (unsigned)st->st_uid);
		r = CG_ERR_DENIED;
		goto out;
	}
	if (st->st_mode & S_IWOTH) {
		(void)cg_buf_putf(why, "%s: writable by every user: run chmod o-w on it", path);
		r = CG_ERR_DENIED;
		goto out;
	}
	r = 0;
 out:
	return r;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The stack files' names in d, sorted; hidden files skipped, anything else not a name refused. */
static int
list_names(const char *dir, DIR *d, char ***ret_names, size_t *ret_n, struct cg_buf *why)
{
	struct dirent *de;
	char **names = NULL, ebuf[128];
	size_t n = 0, i;
	int r = CG_ERR_INTERNAL;

	ENSURE((names = calloc(RULES_STACKS_MAX, sizeof(*names))) != NULL, CG_ERR_NOMEM);
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0) {
				(void)cg_buf_putf(why, "%s: cannot list: %s", dir,
				    errno_text(errno, ebuf, sizeof(ebuf)));
				r = CG_ERR_IO;
				goto out;
			}
			break;
		}
		if (de->d_name[0] == '.')
			continue;
		if (!valid_name(de->d_name)) {
			(void)cg_buf_putf(why, "%s/%.255s: not an operation name (1 to %d letters "
			    "A-Z, a-z): move the file out of %s", dir, de->d_name, RULES_NAME_MAX, dir);
			r = CG_ERR_PARSE;
			goto out;
		}
		if (n == RULES_STACKS_MAX) {
			(void)cg_buf_putf(why, "%s: more than %d stack files", dir, RULES_STACKS_MAX);
			r = CG_ERR_LIMIT;
			goto out;
		}
		ENSURE((names[n] = strdup(de->d_name)) != NULL, CG_ERR_NOMEM);
		n++;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	*ret_names = names;
	*ret_n = n;
	names = NULL;
	r = 0;
 out:
	for (i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static int
load_file(const char *dir, int dfd, const char *name, struct rules_stack **ret_stack,
    struct cg_buf *why)
{
	struct cg_buf *text = NULL;
	struct stat st;
	char path[RULES_PATH_MAX], chunk[4096], ebuf[128];
	ssize_t got;
	int fd = -1, r = CG_ERR_INTERNAL;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		(void)cg_buf_putf(why, "%s: path too long", dir);
		r = CG_ERR_LIMIT;
		goto out;
	}
	/* O_NONBLOCK: a FIFO must not hang the open; it is refused below */
	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) < 0) {
		if (errno == ELOOP)
			(void)cg_buf_putf(why, "%s: a symbolic link, which is not followed: put "
			    "the file itself in %s", path, dir);
		else
			(void)cg_buf_putf(why, "%s: cannot open: %s", path,
			    errno_text(errno, ebuf, sizeof(ebuf)));
		r = CG_ERR_IO;
		goto out;
	}
	ENSURE(fstat(fd, &st) == 0, CG_ERR_IO);
	if (!S_ISREG(st.st_mode)) {
		(void)cg_buf_putf(why, "%s: not a regular file", path);
		r = CG_ERR_IO;
		goto out;
	}
	GUARD(check_owner(path, &st, why));
	if (st.st_size > RULES_FILE_MAX) {
		(void)cg_buf_putf(why, "%s: larger than %d bytes", path, RULES_FILE_MAX);
		r = CG_ERR_LIMIT;
		goto out;
	}
	GUARD(cg_buf_new(RULES_FILE_MAX, &text));
	while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			(void)cg_buf_putf(why, "%s: cannot read: %s", path,
			    errno_text(errno, ebuf, sizeof(ebuf)));
			r = CG_ERR_IO;
			goto out;
		}
		if ((r = cg_buf_put(text, chunk, (size_t)got)) == CG_ERR_LIMIT)
			(void)cg_buf_putf(why, "%s: larger than %d bytes", path, RULES_FILE_MAX);
		GUARD(r);
	}
	GUARD(rules_stack_parse(name, path, (const char *)cg_buf_ptr(text), cg_buf_len(text),
	    ret_stack, why));
 out:
	cg_buf_free(text);
	if (fd >= 0)
		close(fd);
	return r;
}

static const struct rules_stack *
find_stack(const struct rules_set *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->nstacks; i++)
		if (strcmp(set->stacks[i]->name, name) == 0)
			return set->stacks[i];
	return NULL;
}

int
rules_load_dir(const char *dir, struct rules_set **ret_set, struct cg_buf *why)
{
	struct rules_set *set = NULL;
	struct stat st;
	char **names = NULL, ebuf[128];
	size_t n = 0, i;
	DIR *d = NULL;
	int dfd = -1, err, r = CG_ERR_INTERNAL;

	ENSURE(dir != NULL && ret_set != NULL, CG_ERR_INVALID_ARG);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		err = errno;
		(void)cg_buf_putf(why, "%s: cannot open the rule directory: %s", dir,
		    err == ELOOP ? "it is a symbolic link, which is not followed" :
		    errno_text(err, ebuf, sizeof(ebuf)));
		r = err == ENOENT ? CG_ERR_NOT_FOUND : CG_ERR_IO;
		goto out;
	}
	ENSURE(fstat(dfd, &st) == 0, CG_ERR_IO);
	GUARD(check_owner(dir, &st, why));
	ENSURE((d = fdopendir(dfd)) != NULL, CG_ERR_IO);
	dfd = -1;	/* d owns it now */
	GUARD(list_names(dir, d, &names, &n, why));
	ENSURE((set = calloc(1, sizeof(*set))) != NULL, CG_ERR_NOMEM);
	ENSURE((set->stacks = calloc(n == 0 ? 1 : n, sizeof(*set->stacks))) != NULL,
	    CG_ERR_NOMEM);
	for (i = 0; i < n; i++) {
		GUARD(load_file(dir, dirfd(d), names[i], &set->stacks[i], why));
		set->nstacks++;
	}
	if (find_stack(set, "other") == NULL) {
		(void)cg_buf_putf(why, "%s: no \"other\" stack: operations without their own "
		    "file fall back to it, so the gate cannot run without it; add %s/other "
		    "(the shipped one is \"required deny\")", dir, dir);
		r = CG_ERR_NOT_FOUND;
		goto out;
	}
	*ret_set = set;
	set = NULL;
	r = 0;
 out:
	for (i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
	rules_set_free(set);
	if (d != NULL)
		closedir(d);
	if (dfd >= 0)
		close(dfd);
	return r;
}

int
rules_for(const struct rules_set *set, const char *operation,
    const struct rules_stack **ret_stack)
{
	const struct rules_stack *s;
	int r = CG_ERR_INTERNAL;

	ENSURE(set != NULL && ret_stack != NULL && valid_name(operation), CG_ERR_INVALID_ARG);
	if ((s = find_stack(set, operation)) == NULL)
		s = find_stack(set, "other");
	ENSURE(s != NULL, CG_ERR_INTERNAL);	/* rules_load_dir() refuses a set without it */
	*ret_stack = s;
	r = 0;
 out:
	return r;
}

/* ---- the pure modules ---- */

static int
eval_runtime(const struct rules_module *m, const struct rules_request *req,
    enum rules_outcome *ret, struct cg_buf *why)
{
	const struct rules_runtime_args *min = &m->runtime;
	uint32_t major, minor;

	if (min->only_cmk && !req->cmk) {
		(void)cg_buf_putf(why, "the application's state is under the AWS owned key "
		    "(when=cmk)");
		*ret = RULES_OUTCOME_PASS;
	} else if (req->runtime == NULL) {
		(void)cg_buf_putf(why, "the application's runtime is not known");
		*ret = RULES_OUTCOME_ERROR;
	} else if (parse_flink(req->runtime, &major, &minor) < 0) {
		(void)cg_buf_putf(why, "runtime \"%.40s\" is not a FLINK-N_N runtime; FLINK-%u_%u "
		    "or later is needed", req->runtime, min->major, min->minor);
		*ret = RULES_OUTCOME_FAIL;
	} else if (major < min->major || (major == min->major && minor < min->minor)) {
		(void)cg_buf_putf(why, "runtime FLINK-%u_%u is older than FLINK-%u_%u", major,
		    minor, min->major, min->minor);
		*ret = RULES_OUTCOME_FAIL;
	} else {
		(void)cg_buf_putf(why, "runtime FLINK-%u_%u is FLINK-%u_%u or later", major, minor,
		    min->major, min->minor);
		*ret = RULES_OUTCOME_PASS;
	}
	return 0;
}

static int
eval_ticket(const struct rules_module *m, const struct rules_request *req,
    enum rules_outcome *ret, struct cg_buf *why)
{
	regmatch_t match[1];
	size_t len;
	int rc;

	len = req->reason == NULL ? 0 : strnlen(req->reason, RULES_REASON_MAX + 1);
	if (len == 0) {
		(void)cg_buf_putf(why, "no reason given; it must match %s", m->args);
		*ret = RULES_OUTCOME_FAIL;
		return 0;
	}
	if (len > RULES_REASON_MAX) {
		(void)cg_buf_putf(why, "the reason is longer than %d bytes", RULES_REASON_MAX);
		*ret = RULES_OUTCOME_FAIL;
		return 0;
	}
	/* anchored by checking the match spans the whole reason, never by editing the pattern */
	rc = regexec(&m->ticket.re, req->reason, 1, match, 0);
	if (rc == 0 && match[0].rm_so == 0 && (size_t)match[0].rm_eo == len) {
		(void)cg_buf_putf(why, "the reason matches %s", m->args);
		*ret = RULES_OUTCOME_PASS;
	} else if (rc == 0 || rc == REG_NOMATCH) {
		(void)cg_buf_putf(why, "the reason does not match %s (the whole reason must)",
		    m->args);
		*ret = RULES_OUTCOME_FAIL;
	} else {
		(void)cg_buf_putf(why, "matching the reason failed (regexec %d)", rc);
		*ret = RULES_OUTCOME_ERROR;
	}
	return 0;
}

static int
eval_window(const struct rules_module *m, const struct rules_request *req,
    enum rules_outcome *ret, struct cg_buf *why)
{
	struct tm tm;

	if (gmtime_r(&req->now, &tm) == NULL || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_hour < 0 || tm.tm_hour > 23) {
		(void)cg_buf_putf(why, "the time cannot be converted to UTC");
		*ret = RULES_OUTCOME_ERROR;
		return 0;
	}
	if ((m->window.days & (1u << tm.tm_wday)) && (m->window.hours & (1u << tm.tm_hour))) {
		(void)cg_buf_putf(why, "%s %02d:%02d UTC is inside %s", day_names[tm.tm_wday],
		    tm.tm_hour, tm.tm_min, m->args);
		*ret = RULES_OUTCOME_PASS;
	} else {
		(void)cg_buf_putf(why, "%s %02d:%02d UTC is outside %s", day_names[tm.tm_wday],
		    tm.tm_hour, tm.tm_min, m->args);
		*ret = RULES_OUTCOME_FAIL;
	}
	return 0;
}

int
rules_module_eval(const struct rules_module *module, const struct rules_request *req,
    enum rules_outcome *ret_outcome, struct cg_buf *reason)
{
	enum rules_outcome o = RULES_OUTCOME_ERROR;
	int r = CG_ERR_INTERNAL;

	ENSURE(module != NULL && req != NULL && ret_outcome != NULL, CG_ERR_INVALID_ARG);
	switch (module->kind) {
	case RULES_MOD_RUNTIME:
		GUARD(eval_runtime(module, req, &o, reason));
		break;
	case RULES_MOD_TICKET:
		ENSURE(module->ticket.compiled, CG_ERR_INVALID_ARG);
		GUARD(eval_ticket(module, req, &o, reason));
		break;
	case RULES_MOD_WINDOW:
		GUARD(eval_window(module, req, &o, reason));
		break;
	case RULES_MOD_DENY:
		(void)cg_buf_putf(reason, "deny always fails");
		o = RULES_OUTCOME_FAIL;
		break;
	case RULES_MOD_PERMISSIONS:
	case RULES_MOD_KEY_STATE:
	case RULES_MOD_APPROVALS:
	default:
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	*ret_outcome = o;
	r = 0;
 out:
	return r;
}

/* ---- evaluation ---- */

struct eval {
	const struct rules_stack	*stack;
	const struct rules_request	*req;
	rules_module_fn			 fn;
	void				*userdata;
	struct rules_verdict		*v;
	struct cg_buf			*reason;
};

/* One walk over the stack: its result and the step that decided it. */
struct walk {
	enum rules_result	 result;
	size_t			 decisive;
	bool			 error;
};

/* What a control makes of a pass or a fail (PENDING was already mapped to one of them). */
enum action {
	NOTE_PASS,
	NOTE_FAIL,
	END_FAIL,
	END_PASS,
	IGNORE,
	END_ERROR,	/* an error, whatever the control */
};

static enum action
control_action(enum rules_control control, bool only_module, bool passed, bool failed_before)
{
	switch (control) {
	case RULES_REQUIRED:
		return passed ? NOTE_PASS : NOTE_FAIL;
	case RULES_REQUISITE:
		return passed ? NOTE_PASS : END_FAIL;
	case RULES_SUFFICIENT:
		return passed && !failed_before ? END_PASS : IGNORE;
	case RULES_OPTIONAL:
		if (!only_module)
			return IGNORE;
		return passed ? NOTE_PASS : NOTE_FAIL;
	}
	return END_ERROR;	/* not a control: fail closed */
}

/* Copies the module's explanation, control characters made visible as '?'. */
static void
keep_reason(struct rules_step *st, struct cg_buf *reason)
{
	const uint8_t *p = cg_buf_ptr(reason);
	size_t len = cg_buf_len(reason), i;

	if (len >= sizeof(st->reason))
		len = sizeof(st->reason) - 1;
	for (i = 0; i < len; i++)
		st->reason[i] = (char)((p[i] < 0x20 || p[i] == 0x7f) ? '?' : p[i]);
	st->reason[len] = '\0';
}

/* Runs module i once per evaluation; later calls reuse its outcome. */
static int
run_step(struct eval *e, size_t i, bool lookahead)
{
	const struct rules_module *m = &e->stack->modules[i];
	const struct module_spec *spec = module_spec(m->kind);
	struct rules_step *st = &e->v->steps[i];
	enum rules_outcome o = RULES_OUTCOME_ERROR;
	int rc;

	if (st->ran)
		return 0;
	st->ran = true;
	if (lookahead)
		st->effect = RULES_STEP_LOOKAHEAD;
	cg_buf_reset(e->reason);
	if (spec == NULL)
		rc = CG_ERR_INTERNAL;
	else if (spec->pure)
		rc = rules_module_eval(m, e->req, &o, e->reason);
	else if (e->fn == NULL)
		rc = CG_ERR_INVALID_ARG;
	else
		rc = e->fn(e->userdata, m, &o, e->reason);
	if (rc < 0) {
		(void)cg_buf_putf(e->reason, "%sthe module could not run (%s)",
		    cg_buf_len(e->reason) > 0 ? "; " : "", cg_strerror(rc));
		o = RULES_OUTCOME_ERROR;
	} else if (o != RULES_OUTCOME_PASS && o != RULES_OUTCOME_FAIL &&
	    o != RULES_OUTCOME_PENDING && o != RULES_OUTCOME_ERROR) {
		cg_buf_reset(e->reason);
		(void)cg_buf_putf(e->reason, "the module answered an invalid outcome (%d)", (int)o);
		o = RULES_OUTCOME_ERROR;
	} else if (o == RULES_OUTCOME_PENDING && m->kind != RULES_MOD_APPROVALS) {
		cg_buf_reset(e->reason);
		(void)cg_buf_putf(e->reason, "the module answered pending, which only approvals "
		    "may");
		o = RULES_OUTCOME_ERROR;
	}
	keep_reason(st, e->reason);
	st->outcome = o;
	return 0;
}

/*
 * One PAM walk over the stack.  The real walk counts PENDING as a failure
 * and records each step's effect; the lookahead walk counts it as a pass
 * and only runs modules the real walk did not reach.
 */
static int
walk_stack(struct eval *e, bool pending_passes, struct walk *ret)
{
	struct rules_verdict *v = e->v;
	struct walk w = { RULES_FAIL, v->nsteps, false };
	enum rules_step_effect effect;
	enum rules_outcome o;
	size_t i, first_fail = v->nsteps;
	bool passed = false, failed = false, stop = false;
	int r = CG_ERR_INTERNAL;

	for (i = 0; i < v->nsteps && !stop; i++) {
		GUARD(run_step(e, i, pending_passes));
		o = v->steps[i].outcome;
		if (o == RULES_OUTCOME_PENDING)
			o = pending_passes ? RULES_OUTCOME_PASS : RULES_OUTCOME_FAIL;
		switch (o == RULES_OUTCOME_ERROR ? END_ERROR : control_action(v->steps[i].control,
		    v->nsteps == 1, o == RULES_OUTCOME_PASS, failed)) {
		case NOTE_PASS:
			passed = true;
			effect = RULES_STEP_COUNTED;
			break;
		case NOTE_FAIL:
			first_fail = failed ? first_fail : i;
			failed = true;
			effect = RULES_STEP_COUNTED;
			break;
		case END_PASS:
			w.result = RULES_PASS;
			w.decisive = i;
			effect = RULES_STEP_ENDED;
			stop = true;
			break;
		case IGNORE:
			effect = RULES_STEP_IGNORED;
			break;
		case END_FAIL:
			first_fail = failed ? first_fail : i;
			failed = true;
			effect = RULES_STEP_ENDED;
			stop = true;
			break;
		case END_ERROR:
		default:
			w.error = true;
			w.decisive = i;
			effect = RULES_STEP_ENDED;
			stop = true;
			break;
		}
		if (!pending_passes)
			v->steps[i].effect = effect;
	}
	if (!w.error && w.result != RULES_PASS) {
		if (failed)
			w.decisive = first_fail;
		else if (passed)
			w.result = RULES_PASS;	/* decisive stays nsteps: everything that counts passed */
	}
	*ret = w;
	r = 0;
 out:
	return r;
}

/* The first pending module whose control lets it count (not an optional among others). */
static size_t
first_pending(const struct rules_verdict *v)
{
	size_t i, any = v->nsteps;

	for (i = 0; i < v->nsteps; i++) {
		if (!v->steps[i].ran || v->steps[i].outcome != RULES_OUTCOME_PENDING)
			continue;
		if (v->steps[i].control != RULES_OPTIONAL || v->nsteps == 1)
			return i;
		any = any < v->nsteps ? any : i;
	}
	return any;
}

int
rules_eval(const struct rules_stack *stack, const struct rules_request *req,
    rules_module_fn fn, void *userdata, struct rules_verdict **ret_verdict)
{
	struct rules_verdict *v = NULL;
	struct eval e;
	struct walk real, ahead;
	size_t i, n;
	int r = CG_ERR_INTERNAL;

	memset(&e, 0, sizeof(e));
	ENSURE(stack != NULL && req != NULL && ret_verdict != NULL, CG_ERR_INVALID_ARG);
	n = stack->nmodules;
	ENSURE((v = calloc(1, sizeof(*v) + n * sizeof(v->steps[0]))) != NULL, CG_ERR_NOMEM);
	ENSURE((v->file = strdup(stack->file)) != NULL, CG_ERR_NOMEM);
	v->result = RULES_FAIL;
	v->nsteps = n;
	v->decisive = n;
	for (i = 0; i < n; i++) {
		v->steps[i].line = stack->modules[i].line;
		v->steps[i].control = stack->modules[i].control;
		v->steps[i].kind = stack->modules[i].kind;
		v->steps[i].args = stack->modules[i].args;
	}
	/* roomy, so one long message still arrives; keep_reason() cuts it */
	GUARD(cg_buf_new(4 * RULES_STEP_REASON_MAX, &e.reason));
	e.stack = stack;
	e.req = req;
	e.fn = fn;
	e.userdata = userdata;
	e.v = v;

	GUARD(walk_stack(&e, false, &real));
	v->decisive = real.decisive;
	if (!real.error && real.result == RULES_PASS) {
		v->result = RULES_PASS;
	} else if (!real.error && first_pending(v) < n) {
		/* would the pending approvals, once complete, make the stack pass? */
		GUARD(walk_stack(&e, true, &ahead));
		if (!ahead.error && ahead.result == RULES_PASS) {
			v->result = RULES_PENDING;
			v->decisive = first_pending(v);
		} else {
			v->decisive = ahead.decisive;
		}
	}
	*ret_verdict = v;
	v = NULL;
	r = 0;
 out:
	cg_buf_free(e.reason);
	rules_verdict_free(v);
	return r;
}

void
rules_verdict_free(struct rules_verdict *verdict)
{
	if (verdict == NULL)
		return;
	free(verdict->file);
	free(verdict);
}

static const char *
effect_text(enum rules_step_effect effect)
{
	switch (effect) {
	case RULES_STEP_NOT_RUN:	return "not run";
	case RULES_STEP_COUNTED:	return "counted";
	case RULES_STEP_IGNORED:	return "ignored";
	case RULES_STEP_ENDED:		return "ended the stack";
	case RULES_STEP_LOOKAHEAD:	return "run to see whether pending approvals would be enough";
	}
	return "?";
}

static int
put_step_name(struct cg_buf *out, const struct rules_verdict *v, const struct rules_step *st)
{
	return cg_buf_putf(out, "%s:%u: %s %s%s%s", v->file, st->line,
	    rules_control_name(st->control), rules_module_name(st->kind),
	    st->args[0] != '\0' ? " " : "", st->args);
}

static int
put_summary(struct cg_buf *out, const struct rules_verdict *v)
{
	const struct rules_step *st = v->decisive < v->nsteps ? &v->steps[v->decisive] : NULL;
	int r = CG_ERR_INTERNAL;

	GUARD(cg_buf_putf(out, "%s: ", rules_result_name(v->result)));
	if (st == NULL && v->result == RULES_PASS) {
		GUARD(cg_buf_put_str(out, "every module that counts passed"));
	} else if (st == NULL) {
		GUARD(cg_buf_put_str(out, v->nsteps == 0 ? "the stack is empty (fail closed)" :
		    "no module that counts passed (a stack passes only on a pass: fail closed)"));
	} else {
		GUARD(put_step_name(out, v, st));
		if (v->result == RULES_PASS)
			GUARD(cg_buf_put_str(out, ": passed, and nothing that counts failed before it"));
		else if (v->result == RULES_PENDING)
			GUARD(cg_buf_put_str(out, ": pending; the stack passes once it does"));
		else
			GUARD(cg_buf_putf(out, ": %s%s", rules_outcome_name(st->outcome),
			    st->outcome == RULES_OUTCOME_PENDING ? " (and failing even if it passed)" :
			    ""));
		if (st->reason[0] != '\0')
			GUARD(cg_buf_putf(out, ": %s", st->reason));
	}
	GUARD(cg_buf_put_u8(out, '\n'));
	r = 0;
 out:
	return r;
}

int
rules_verdict_explain(const struct rules_verdict *verdict, struct cg_buf *out)
{
	const struct rules_step *st;
	size_t i;
	int r = CG_ERR_INTERNAL;

	ENSURE(verdict != NULL && out != NULL, CG_ERR_INVALID_ARG);
	GUARD(put_summary(out, verdict));
	for (i = 0; i < verdict->nsteps; i++) {
		st = &verdict->steps[i];
		GUARD(cg_buf_put_str(out, "  "));
		GUARD(put_step_name(out, verdict, st));
		if (st->ran)
			GUARD(cg_buf_putf(out, ": %s (%s)", rules_outcome_name(st->outcome),
			    effect_text(st->effect)));
		else
			GUARD(cg_buf_put_str(out, ": not run"));
		if (st->ran && st->reason[0] != '\0')
			GUARD(cg_buf_putf(out, ": %s", st->reason));
		GUARD(cg_buf_put_u8(out, '\n'));
	}
	r = 0;
 out:
	return r;
}

/*
 * Compiled match patterns for policy elements: action and resource globs,
 * condition values, with policy variables.
 *
 * A pattern is compiled once from policy text into atoms (a literal byte,
 * `*`, `?`, or a variable reference) and matched many times.  A variable
 * `${key}` / `${key, 'default'}` is looked up at match time and its value
 * is always literal: a `*` inside a variable's value is not a wildcard.
 * `${*}`, `${?}` and `${$}` are the literal characters.
 */
#ifndef CMKGATE_PATTERN_H
#define CMKGATE_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cg_err.h"

struct context;

enum {
	PATTERN_GLOB	= 1 << 0,	/* `*` and `?` are wildcards */
	PATTERN_VARS	= 1 << 1,	/* `${...}` are policy variables */
	PATTERN_ICASE	= 1 << 2,	/* ASCII case-insensitive */
};

struct pattern_var {
	char		*key;		/* lower-cased context key */
	char		*def;		/* default value, or NULL */
};

struct pattern {
	uint16_t		*atoms;
	size_t			 natoms;
	struct pattern_var	*vars;
	size_t			 nvars;
	unsigned		 flags;
	bool			 literal;	/* only literal atoms */
	bool			 star_only;	/* exactly "*" with PATTERN_GLOB */
	char			*text;		/* literal patterns: the text (folded if ICASE) */
	size_t			 len;
	uint64_t		 hash;		/* literal patterns: cg_hash of text */
};

/*
 * Compiles src (len bytes) into *pat.  CG_ERR_LIMIT for over-long input or
 * more than 64 policy variables.
 */
int pattern_compile(struct pattern *pat, const char *src, size_t len, unsigned flags);
void pattern_clear(struct pattern *pat);

/*
 * A budget of matching steps for one evaluation: every glob step, every
 * expanded atom costs one.  A query that would need more fails with
 * CG_ERR_LIMIT instead of running for minutes.
 */
struct cg_budget {
	uint64_t	left;
};

/* Takes n steps from the budget; CG_ERR_LIMIT (and nothing left) once it is spent. */
static inline int
cg_budget_spend(struct cg_budget *b, uint64_t n)
{
	if (b->left < n) {
		b->left = 0;
		return CG_ERR_LIMIT;
	}
	b->left -= n;
	return 0;
}

/*
 * The matchers below return 1 for a match, 0 for none, and a negative
 * CG_ERR_* (CG_ERR_NOMEM, CG_ERR_LIMIT when the budget is spent) when they
 * could not decide -- never "no match" for an error, so a Deny cannot be
 * skipped because memory ran short.
 *
 * Variables are resolved in ctx (which may be NULL: every variable is then
 * missing).  A variable that is missing and has no default makes the
 * pattern match nothing.  A ':' that comes from a variable's value matches
 * ':' but never separates ARN fields.
 */
int pattern_match(const struct pattern *pat, const char *s, size_t len,
    const struct context *ctx, struct cg_budget *b);

/*
 * ARN match (AWS "IAM JSON policy elements: Resource"): case-sensitive; a
 * `*` inside one of the first five `:`-separated fields matches within that
 * field only, while a `*` that ends a field, or stands in the resource part,
 * may also match `:` and `/`.
 */
int pattern_match_arn(const struct pattern *pat, const char *s, size_t len,
    const struct context *ctx, struct cg_budget *b);

/*
 * ARN condition operators (AWS: "each of the six colon-delimited components
 * of the ARN is checked separately"): both sides must have six fields, and
 * no wildcard crosses a `:` except within the sixth.  Stricter than
 * pattern_match_arn() on purpose: a context ARN can be crafted by the
 * caller, e.g. "...:eu-west-1:999999999999:application/x:111111111111:...".
 */
int pattern_match_arn_fields(const struct pattern *pat, const char *s, size_t len,
    const struct context *ctx, struct cg_budget *b);

/* FNV-1a over len bytes, ASCII-folded when icase. */
uint64_t cg_hash(const char *s, size_t len, bool icase);

static inline char
cg_ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

#endif

/*
 * IAM condition operators: compiling a Condition block's entries and
 * evaluating them against a request context.
 *
 * Semantics (AWS "IAM JSON policy elements: Condition operators"):
 * several values of one key OR; negated operators (StringNotEquals,
 * NotIpAddress, ...) are the negation of their positive twin, so they AND
 * over values; a missing key makes a condition false, except negated
 * operators, ...IfExists, Null and ForAllValues:, which are true;
 * ForAnyValue: needs one context value to match, ForAllValues: needs every
 * one to.
 */
#ifndef CMKGATE_CONDITION_H
#define CMKGATE_CONDITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pattern.h"

struct cg_buf;
struct context;

enum cond_type {
	COND_STRING, COND_NUMERIC, COND_DATE, COND_BOOL, COND_BINARY,
	COND_IP, COND_ARN, COND_NULL
};

enum cond_cmp { CMP_EQ, CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_LIKE };

enum cond_set { SET_NONE, SET_ANY, SET_ALL };

struct cond_op {
	const char	*name;
	enum cond_type	 type;
	enum cond_cmp	 cmp;
	bool		 negated;
	bool		 icase;
};

struct cond_ip {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 addr[16];
	unsigned	 prefix;
};

struct cond_value {
	struct pattern	 pat;		/* STRING, ARN */
	double		 num;		/* NUMERIC, DATE (seconds since the epoch) */
	bool		 b;		/* BOOL, NULL */
	struct cond_ip	 ip;
	uint8_t		*bin;
	size_t		 binlen;
};

struct condition {
	const struct cond_op	*op;
	enum cond_set		 set;
	bool			 if_exists;
	char			*opname;	/* as written, for explanations */
	char			*key;		/* lower-cased */
	uint64_t		 key_hash;
	struct cond_value	*values;
	size_t			 nvalues;
};

/*
 * Looks up an operator name as written in a policy ("ForAnyValue:StringLike",
 * "NumericLessThanIfExists").  CG_ERR_POLICY with a reason in why when unknown.
 */
int condition_lookup_op(const char *name, const struct cond_op **ret_op,
    enum cond_set *ret_set, bool *ret_if_exists, struct cg_buf *why);

/*
 * Compiles one value of a condition (its text form).  vars: policy
 * variables allowed (Version 2012-10-17; only String and Arn operators).
 * CG_ERR_POLICY with a reason in why when the value is not valid for the
 * operator.
 */
int condition_value_compile(const struct cond_op *op, const char *text, size_t len,
    bool vars, struct cond_value *ret_val, struct cg_buf *why);
void condition_value_clear(const struct cond_op *op, struct cond_value *val);

void condition_clear(struct condition *c);

/*
 * 1 when the condition holds, 0 when not, negative on error: a context
 * value the operator cannot read (CG_ERR_INVALID_ARG, reason in why), the
 * budget spent (CG_ERR_LIMIT), memory.  in_deny: the statement is a Deny
 * (used where AWS leaves the answer open, ForAnyValue:...IfExists with a
 * missing key, to take the reading that refuses).
 */
int condition_eval(const struct condition *c, const struct context *ctx, bool in_deny,
    struct cg_budget *b, struct cg_buf *why);

/* Value parsers, exposed for tests. */
int cond_parse_number(const char *s, size_t len, double *ret);
int cond_parse_date(const char *s, size_t len, double *ret);
int cond_parse_ip(const char *s, size_t len, bool allow_prefix, struct cond_ip *ret);
bool cond_ip_contains(const struct cond_ip *net, const struct cond_ip *addr);

#endif

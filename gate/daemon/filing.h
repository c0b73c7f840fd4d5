/*
 * A filing: the body of POST /v1/requests (docs/api.md), parsed strictly.
 *
 *   {"operation": S, "input": {...}, "region": S?, "reason": S?}
 *
 * Nothing else is accepted: no member can name the caller.  filing_parse()
 * also reads the kinesisanalyticsv2 request in "input" for its operation
 * (ops_read_request) and computes its request digest (v1, ops_read.h) for
 * the gate's region and account, so a filing that returns 0 is one the
 * gate can decide.  Functions follow cg_err.h.
 */
#ifndef CMKGATE_FILING_H
#define CMKGATE_FILING_H

#include <stddef.h>

#include "ops.h"
#include "ops_read.h"

struct json_object;

#define FILING_BODY_MAX		(1024 * 1024)	/* bytes of a body */
#define FILING_REASON_MAX	1024		/* bytes of a reason */
#define FILING_REGION_MAX	32		/* bytes of a region */

enum filing_error {
	FILING_OK = 0,
	FILING_BAD_JSON,		/* not strict JSON */
	FILING_BAD_REQUEST,		/* the filing's own shape */
	FILING_UNKNOWN_OPERATION,
	FILING_BAD_INPUT,		/* the kinesisanalyticsv2 request */
};

struct filing {
	struct json_object	*body;		/* owned: the parsed body */
	const char		*operation;	/* these four point into body */
	struct json_object	*input;
	const char		*region;	/* NULL: not given */
	const char		*reason;	/* NULL: not given */
	struct op_request	 req;
	char			 digest[OPS_DIGEST_HEX];	/* v1: ops_request_digest() */
};

/*
 * Parses len bytes, for a gate serving region in account (the request
 * digest binds both).  On failure *ret_kind says which kind of error (for
 * the HTTP answer) and why says what, in words; ret is untouched.
 */
int filing_parse(const char *data, size_t len, const char *region, const char *account,
    struct filing *ret, enum filing_error *ret_kind, struct cg_buf *why);
void filing_clear(struct filing *f);

#endif

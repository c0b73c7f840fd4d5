/*
 * `cmkgate policy eval` queries: one JSON object in, one JSON answer out.
 *
 * A query names the principal, action, resource, context and every policy
 * that applies (docs/policy-engine.md has the format).  The answer is
 * {"id", "decision", "explanation"} or, when the query cannot be
 * evaluated, {"id", "error"}.  Nothing here does I/O.
 */
#ifndef CMKGATE_QUERY_H
#define CMKGATE_QUERY_H

#include <stddef.h>

struct cg_buf;

#define QUERY_MAX (8 * 1024 * 1024)	/* bytes of one query */

/*
 * Evaluates the query in text and appends the answer (one line of JSON,
 * no newline) to out.  Returns 0 when the query was evaluated,
 * CG_ERR_PARSE/CG_ERR_POLICY/CG_ERR_INVALID_ARG/CG_ERR_LIMIT when it could
 * not be (the answer then carries "error"), or another negative code when
 * no answer could be written at all.
 */
int query_eval_json(const char *text, size_t len, struct cg_buf *out);

#endif

/*
 * Fuzz target: a `cmkgate policy eval` query, end to end: strict JSON,
 * policy documents of every kind, the request, evaluation and the answer.
 * Every input must give an answer line (an error answer is fine) that is
 * itself valid JSON carrying either "decision" or "error".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cg_buf *out = NULL;
	struct json_object *ans = NULL, *field;
	int r;

	if (cg_buf_new(QUERY_MAX, &out) < 0)
		abort();
	r = query_eval_json((const char *)data, size, out);
	if (r == CG_ERR_NOMEM)
		goto done;
	if (cg_buf_len(out) == 0 ||
	    cg_json_parse((const char *)cg_buf_ptr(out), cg_buf_len(out), QUERY_MAX * 2,
	    &ans, NULL) < 0)
		abort();
	if (r == 0 ? !json_object_object_get_ex(ans, "decision", &field) :
	    !json_object_object_get_ex(ans, "error", &field))
		abort();
	/* fail closed: an answer with an error never carries a decision */
	if (r < 0 && json_object_object_get_ex(ans, "decision", &field))
		abort();
 done:
	json_object_put(ans);
	cg_buf_free(out);
	return 0;
}

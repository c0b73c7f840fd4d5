#include <json-c/json.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "jcs.h"
#include "ops.h"
#include "ops_read.h"
#include "shapes.h"

int
ops_read_request(const char *opname, struct json_object *input, struct op_request *ret_req,
    char ret_digest[2 * JCS_DIGEST_LEN + 1], struct cg_buf *why)
{
	enum op_kind op;
	int r = CG_ERR_INTERNAL;

	if ((r = ops_lookup(opname, &op)) < 0) {
		(void)cg_buf_putf(why, "the gate does not handle operation \"%.64s\"", opname);
		goto out;
	}
	GUARD(ops_parse_request(op, input, ret_req, why));
	/* every member, at every depth, against AWS's own request shapes */
	if ((r = shapes_validate(opname, input, why)) < 0) {
		r = r == CG_ERR_PARSE ? CG_ERR_PARSE : CG_ERR_INTERNAL;
		goto out;
	}
	if ((r = jcs_digest(input, NULL, ret_digest)) < 0) {
		(void)cg_buf_putf(why, "the request cannot be put in canonical form (RFC 8785): "
		    "%s", r == CG_ERR_LIMIT ? "a number beyond 2^53 or nesting too deep" :
		    cg_strerror(r));
		r = CG_ERR_PARSE;
		goto out;
	}
	r = 0;
 out:
	return r;
}

/*
 * Reading one operator request as the gate decides it: the operation by
 * name, its kinesisanalyticsv2 input parsed for what the gate needs
 * (ops_parse_request), every member at every depth checked against AWS's
 * own request shapes (shapes_validate), and the input's RFC 8785 SHA-256
 * digest.  The filing parser (gate/daemon/filing.c) and `cmkgate plan`
 * both read requests through this one function.
 *
 * Follows cg_err.h: CG_ERR_NOT_FOUND for an operation the gate does not
 * handle, CG_ERR_PARSE for a bad request; the reason goes to why.
 */
#ifndef CMKGATE_OPS_READ_H
#define CMKGATE_OPS_READ_H

#include <json-c/json.h>

#include "jcs.h"
#include "ops.h"

struct cg_buf;

int ops_read_request(const char *opname, struct json_object *input, struct op_request *ret_req,
    char ret_digest[2 * JCS_DIGEST_LEN + 1], struct cg_buf *why);

#endif

/*
 * Reading one operator request as the gate decides it, and the digest that
 * names it.
 *
 * ops_read_request(): the operation by name, its kinesisanalyticsv2 input
 * parsed for what the gate needs (ops_parse_request), every member at every
 * depth checked against AWS's own request shapes (shapes_validate), and
 * the input checked to have an RFC 8785 canonical form.  The filing parser
 * (gate/daemon/filing.c) and `cmkgate plan` both read requests through it.
 *
 * ops_request_digest(): the request digest, version 1 (docs/request-digest.md
 * has the exact bytes): SHA-256 over the domain string
 * "cmkgate-request-digest-v1" and a newline, then the RFC 8785 form of
 *
 *   {"account": A, "application": APPLICATION-ARN, "input": INPUT,
 *    "operation": OPERATION, "region": R}
 *
 * so that two requests that differ in the operation, the account, the
 * region, the application or any member of the input never share a digest.
 *
 * Follows cg_err.h: CG_ERR_NOT_FOUND for an operation the gate does not
 * handle, CG_ERR_PARSE for a bad request, CG_ERR_INVALID_ARG for a bad
 * argument; the reason goes to why (which may be NULL).
 */
#ifndef CMKGATE_OPS_READ_H
#define CMKGATE_OPS_READ_H

#include <json-c/json.h>

#include "jcs.h"
#include "ops.h"

struct cg_buf;

#define OPS_DIGEST_VERSION	1
#define OPS_DIGEST_DOMAIN	"cmkgate-request-digest-v1\n"
#define OPS_DIGEST_HEX		(2 * JCS_DIGEST_LEN + 1)

int ops_read_request(const char *opname, struct json_object *input, struct op_request *ret_req,
    struct cg_buf *why);

/*
 * The application's ARN: arn:PARTITION:kinesisanalytics:REGION:ACCOUNT:
 * application/NAME, the partition from the region (cn-*: aws-cn, us-gov-*:
 * aws-us-gov, else aws).  CG_ERR_INVALID_ARG for a region that is not
 * [a-z0-9-]{1,32}, an account that is not 12 digits, a name that is empty,
 * or an ARN longer than max - 1.
 */
int ops_application_arn(const char *region, const char *account, const char *name, char *ret,
    size_t max);

/* The v1 digest (above) as 64 lower-case hex characters and a NUL. */
int ops_request_digest(const char *operation, const char *region, const char *account,
    const char *app_name, struct json_object *input, char ret_hex[OPS_DIGEST_HEX]);

#endif

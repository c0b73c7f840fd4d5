/*
 * Looking up what an operation involves (DESIGN step 3): the application,
 * its current key, the requested key, a restored snapshot's key and a
 * rollback's previous version, with every key id resolved to its ARN and
 * state through KMS DescribeKey.  Fills the struct op_world the operation
 * plan (policy/ops.h) is built from.
 */
#ifndef CMKGATE_WORLD_H
#define CMKGATE_WORLD_H

#include "aws.h"
#include "ops.h"

struct cg_buf;

/*
 * Makes exactly the AWS calls req says it needs.  account is the gate's
 * own account when the caller knows it (NULL: STS GetCallerIdentity).  Something that does not
 * exist (application, key, snapshot, version) is recorded as not found;
 * any other AWS error fails the call with the service, code and message
 * in why, and nothing is decided on a partial view.
 */
int world_resolve(struct aws_client *c, const struct op_request *req, const char *account,
    struct op_world *ret,
    struct cg_buf *why);

#endif

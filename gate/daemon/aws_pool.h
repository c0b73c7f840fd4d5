/*
 * The daemon's AWS clients: GATED_AWS_CLIENTS of them, each used by one
 * filing at a time, so that a filing waiting on AWS holds up only the
 * filings behind it on the same client.  aws_pool_gather() is the
 * lifecycle's lc_gather_fn: decide_gather() on the next client.
 */
#ifndef CMKGATE_AWS_POOL_H
#define CMKGATE_AWS_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "decide.h"

struct aws_client;
struct cg_buf;
struct op_request;
struct policy_cache;

#define GATED_AWS_CLIENTS	4

struct aws_pool {
	struct aws_client	*clients[GATED_AWS_CLIENTS];
	pthread_mutex_t		 locks[GATED_AWS_CLIENTS];
	atomic_uint		 next;		/* round robin over the clients */
	struct policy_cache	*policies;	/* borrowed */
	char			 account[16];	/* the gate's own account (GetCallerIdentity) */
};

/* Initialises the locks; the caller sets clients, policies and account. */
int aws_pool_init(struct aws_pool *pool);
/* Frees the clients and destroys the locks. */
void aws_pool_clear(struct aws_pool *pool);

/* An lc_gather_fn; ctx is the struct aws_pool. */
int aws_pool_gather(void *ctx, const struct op_request *req, const char *role, int64_t now_ms,
    struct decide_facts *ret_facts, struct cg_buf *why);

#endif

#include <string.h>

#include "aws.h"
#include "aws_pool.h"
#include "cg_err.h"
#include "cg_macros.h"

int
aws_pool_init(struct aws_pool *pool)
{
	size_t i;
	int r = CG_ERR_INTERNAL;

	memset(pool, 0, sizeof(*pool));
	for (i = 0; i < GATED_AWS_CLIENTS; i++)
		ENSURE(pthread_mutex_init(&pool->locks[i], NULL) == 0, CG_ERR_NOMEM);
	r = 0;
 out:
	return r;
}

void
aws_pool_clear(struct aws_pool *pool)
{
	size_t i;

	for (i = 0; i < GATED_AWS_CLIENTS; i++) {
		aws_client_free(pool->clients[i]);
		pool->clients[i] = NULL;
		pthread_mutex_destroy(&pool->locks[i]);
	}
}

int
aws_pool_gather(void *ctx, const struct op_request *req, const char *role, int64_t now_ms,
    struct decide_facts *ret_facts, struct cg_buf *why)
{
	struct aws_pool *pool = ctx;
	unsigned k;
	int r;

	k = atomic_fetch_add(&pool->next, 1) % GATED_AWS_CLIENTS;
	pthread_mutex_lock(&pool->locks[k]);
	r = decide_gather(pool->clients[k], pool->policies, req, role, pool->account, now_ms,
	    ret_facts, why);
	pthread_mutex_unlock(&pool->locks[k]);
	return r;
}

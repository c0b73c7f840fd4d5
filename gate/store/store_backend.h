/*
 * What a store backend implements, behind store.h.  Only store.c and the
 * backends include this; the daemon sees struct store as opaque.
 *
 * store.c checks every argument before it calls a backend, so a backend
 * sees only well-formed ids, states 1..5, moves that are arrows of the
 * state machine, strings within the limits below and a resolved list
 * limit (1..STORE_LIST_MAX).  A backend follows cg_err.h like the rest:
 * ret_* written only on success, and on failure it appends
 * "store: what failed: the backend's message" to why (which may be NULL).
 *
 * A backend keeps no state about requests in the process: every answer
 * comes from the database, and every state change is a compare-and-set
 * on the current state inside one transaction with its history row, so
 * that several processes (or gates) may share one database.
 *
 * Threads: store.c holds the handle's lock around every backend call, so
 * a backend's connection runs one call (one transaction) at a time and
 * needs no locking of its own; several threads may share one struct store.
 * A connection's transaction, its "rows changed" count and its last error
 * message are per connection, so the lock must span the whole call, not
 * each library call within it.
 */
#ifndef CMKGATE_STORE_BACKEND_H
#define CMKGATE_STORE_BACKEND_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define STORE_FIELD_MAX		4096	/* bytes of operation, names, region, reason, a note */
#define STORE_DIGEST_LEN	64	/* hex SHA-256 */
#define STORE_HISTORY_MAX	64	/* events of one request; the state machine needs 3 */

struct store_ops {
	/* Releases the backend's handle (impl); never fails. */
	void	(*close)(void *impl);
	int	(*create)(void *impl, const struct store_request *req, const char *note,
		    struct cg_buf *why);
	int	(*get)(void *impl, const char *id, struct store_request **ret_req,
		    struct cg_buf *why);
	int	(*history)(void *impl, const char *id, struct store_event **ret_events,
		    size_t *ret_n, struct cg_buf *why);
	int	(*list)(void *impl, const struct store_list_filter *filter,
		    struct store_request ***ret_reqs, size_t *ret_n, struct cg_buf *why);
	int	(*transition)(void *impl, const char *id, enum store_state from,
		    enum store_state to, int64_t now_ms, const char *note, const char *record,
		    struct cg_buf *why);
	int	(*due)(void *impl, int64_t now_ms, struct store_due **ret_due, size_t *ret_n,
		    struct cg_buf *why);
	int	(*count_by_state)(void *impl, uint64_t counts[STORE_ISSUED + 1],
		    struct cg_buf *why);
	int	(*check)(void *impl, struct cg_buf *why);
};

struct store {
	const struct store_ops	*ops;
	void			*impl;	/* the backend's handle */
	pthread_mutex_t		 lock;	/* held around every ops call */
};

/*
 * The struct store around a backend's opened handle.  On success the
 * store owns impl (store_close() calls ops->close); on failure the caller
 * still does.
 */
int store_wrap(const struct store_ops *ops, void *impl, struct store **ret_store);

#endif

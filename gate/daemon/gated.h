/*
 * What the daemon's parts share: the loaded configuration, rule stacks,
 * store, audit log and AWS client, and the locks that order them.
 *
 * Lock order: an AWS client's lock (gathering from AWS) is never held
 * while taking write_lock; write_lock covers every audit append and every
 * store write, so that the audit log's order is the order of the store's
 * changes.  Store reads take only the store's own lock.
 */
#ifndef CMKGATE_GATED_H
#define CMKGATE_GATED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct audit;
struct aws_client;
struct config;
struct policy_cache;
struct rules_set;
struct store;
struct MHD_Daemon;

#define GATED_BODY_MAX		(1024 * 1024)	/* bytes of a request body (FILING_BODY_MAX) */
#define GATED_AWS_CLIENTS	4		/* filings that may read AWS at once */

struct gated;

/* What a listener's connections arrive with: how the caller is known. */
struct listener {
	struct gated	*g;
	bool		 tls;	/* the caller is its client certificate, not its uid */
};

struct gated {
	struct config		*config;
	struct rules_set	*rules;
	struct store		*store;
	struct audit		*audit;
	struct aws_client	*aws[GATED_AWS_CLIENTS];
	pthread_mutex_t		 aws_lock[GATED_AWS_CLIENTS];
	atomic_uint		 aws_next;	/* round robin over the clients */
	char			 account[16];	/* the gate's own account (GetCallerIdentity) */
	struct policy_cache	*policies;	/* compiled policies, policy_cache_seconds */
	char			 region[64];	/* the region this gate serves */
	pthread_mutex_t		 write_lock;
	atomic_bool		 audit_broken;	/* an append failed: refuse until restart */
	struct listener		 unix_listener;
	struct listener		 tls_listener;
	/* counters for /metrics */
	atomic_uint_fast64_t	 http_requests;
	atomic_uint_fast64_t	 http_errors;		/* 4xx and 5xx answers */
	atomic_uint_fast64_t	 filed[3];		/* by enum decide_outcome */
	atomic_uint_fast64_t	 undecided;		/* AWS or internal errors */
	atomic_uint_fast64_t	 audit_failures;
	atomic_uint_fast64_t	 decide_ns_total;	/* decide_evaluate time */
	atomic_uint_fast64_t	 decide_count;
};

struct sockaddr;

/* Starts serving on the listening unix socket fd (taken over). */
int api_start(struct gated *g, int listen_fd, struct MHD_Daemon **ret_daemon);
/*
 * Starts the TLS listener on addr with the server certificate chain and
 * key and the client CA (PEM texts; they must stay valid until it stops).
 * Every caller must present a certificate that chains to the CA and whose
 * SHA-256 is an operator's certificate_sha256.
 */
int api_start_tls(struct gated *g, const struct sockaddr *addr, const char *cert_pem,
    const char *key_pem, const char *ca_pem, struct MHD_Daemon **ret_daemon);
void api_stop(struct MHD_Daemon *daemon);

/* Expires overdue requests, auditing each (called now and then). */
void gated_expire(struct gated *g);

/* Milliseconds since the epoch. */
int64_t gated_now_ms(void);

#endif

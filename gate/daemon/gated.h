/*
 * What cmkgated's parts share: what start-up opened (cmkgated.c owns it),
 * the request lifecycle built on it, and the HTTP adapter's listeners and
 * counters (api.c).  The lifecycle (lifecycle.h) is the only part that
 * writes the audit log or the store.
 */
#ifndef CMKGATE_GATED_H
#define CMKGATE_GATED_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "aws_pool.h"

struct audit;
struct config;
struct lifecycle;
struct policy_cache;
struct rules_set;
struct store;
struct MHD_Daemon;
struct sockaddr;

#define GATED_BODY_MAX		(1024 * 1024)	/* bytes of a request body (FILING_BODY_MAX) */

struct gated;

/* What a listener's connections arrive with: how the caller is known. */
struct listener {
	struct gated	*g;
	bool		 tls;	/* the caller is its client certificate, not its uid */
};

struct gated {
	/* opened at start-up, in this order, by cmkgated.c */
	struct config		*config;
	struct rules_set	*rules;
	struct aws_pool		 aws;
	struct policy_cache	*policies;	/* compiled policies, policy_cache_seconds */
	char			 region[64];	/* the region this gate serves */
	struct audit		*audit;
	struct store		*store;
	struct lifecycle	*lc;		/* on top of them all */
	/* the HTTP adapter */
	struct listener		 unix_listener;
	struct listener		 tls_listener;
	atomic_uint_fast64_t	 http_requests;
	atomic_uint_fast64_t	 http_errors;	/* 4xx and 5xx answers */
};

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

/* Milliseconds since the epoch. */
int64_t gated_now_ms(void);

#endif

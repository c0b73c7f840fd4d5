/*
 * cmkgate's AWS client: the few read calls the gate makes, plus STS
 * AssumeRole, signed with libcurl's own SigV4 (CURLOPT_AWS_SIGV4).
 *
 * - Credentials come from the standard chain (aws_creds.h) unless given.
 * - Endpoints: the gate config, then AWS_ENDPOINT_URL_<SERVICE>, then
 *   AWS_ENDPOINT_URL, then AWS's default for the region.
 * - Throttling, 5xx and transport errors are retried with capped
 *   exponential backoff and full jitter; other errors are not.
 * - Only http and https, no redirects, TLS verification always on,
 *   response bodies capped, connect and total timeouts.
 *
 * Functions follow cg_err.h.  When AWS answers with an error the call
 * returns CG_ERR_AWS and aws_client_error() holds its code and message;
 * CG_ERR_TRANSPORT means no HTTP answer (aws_client_error() says why).
 * A client is not thread-safe: use one per thread.
 */
#ifndef CMKGATE_AWS_H
#define CMKGATE_AWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct cg_buf;
struct cg_secret;

enum aws_service {
	AWS_STS,
	AWS_KMS,
	AWS_IAM,
	AWS_KDA,		/* kinesisanalyticsv2, signed as "kinesisanalytics" */
	AWS_SERVICE_COUNT
};

struct aws_credentials {
	char			 access_key_id[129];
	struct cg_secret	*secret_access_key;
	struct cg_secret	*session_token;		/* NULL: long-term keys */
	time_t			 expiration;		/* 0: does not expire */
	const char		*source;		/* static: where they came from */
};

void aws_credentials_clear(struct aws_credentials *creds);
int aws_credentials_copy(const struct aws_credentials *src, struct aws_credentials *ret_copy);

enum aws_error_kind {
	AWS_ERR_NONE = 0,
	AWS_ERR_OTHER,
	AWS_ERR_ACCESS_DENIED,
	AWS_ERR_THROTTLING,
	AWS_ERR_NOT_FOUND,
	AWS_ERR_EXPIRED_CREDENTIALS,
	AWS_ERR_INVALID_CREDENTIALS,	/* unknown key or bad signature */
	AWS_ERR_VALIDATION,
	AWS_ERR_CONFLICT,		/* ConcurrentModification, ResourceInUse */
	AWS_ERR_KEY_STATE,		/* KMS: disabled / pending deletion / invalid state */
	AWS_ERR_SERVER,			/* 5xx */
	AWS_ERR_TRANSPORT,		/* no HTTP answer */
	AWS_ERR_MALFORMED,		/* a 2xx answer without the documented shape */
};

struct aws_error {
	enum aws_error_kind	kind;
	long			http_status;	/* 0 without an HTTP answer */
	char			code[128];	/* AWS's error code, e.g. "AccessDeniedException" */
	char			message[512];
	char			request_id[128];
	unsigned		attempts;	/* how many tries were made */
};

const char *aws_error_kind_name(enum aws_error_kind kind);
const char *aws_service_name(enum aws_service svc);

struct aws_config {
	const char	*region;		/* NULL: AWS_REGION, AWS_DEFAULT_REGION, profile */
	const char	*endpoint_url;		/* gate config, all services; NULL: none */
	const char	*service_endpoint_url[AWS_SERVICE_COUNT];	/* gate config, per service */
	long		 connect_timeout_ms;	/* 0: 3000 */
	long		 total_timeout_ms;	/* 0: 20000, per attempt */
	unsigned	 max_attempts;		/* 0: 4 */
	unsigned	 retry_base_ms;		/* 0: 100 */
	unsigned	 retry_cap_ms;		/* 0: 5000 */
	size_t		 max_response;		/* 0: 4 MiB */
	const struct aws_credentials *credentials; /* NULL: the standard chain */
};

struct aws_client;

/*
 * Once per process, before any client: makes libcurl and libxml2 wipe the
 * memory they free (they hold copies of keys, tokens and AssumeRole
 * answers), and keeps libxml2 from printing.  Idempotent; not thread-safe.
 */
int aws_global_init(void);

/* CG_ERR_INVALID_ARG with the reason in why for a bad region or endpoint. */
int aws_client_new(const struct aws_config *cfg, struct aws_client **ret_client,
    struct cg_buf *why);
void aws_client_free(struct aws_client *client);

const struct aws_error *aws_client_error(const struct aws_client *client);
const char *aws_client_region(const struct aws_client *client);
/* The URL requests to svc go to (for messages and tests). */
const char *aws_client_endpoint(const struct aws_client *client, enum aws_service svc);
/* Current credentials (resolving or refreshing them first). */
int aws_client_credentials(struct aws_client *client, const struct aws_credentials **ret);

#endif

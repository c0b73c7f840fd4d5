/*
 * Calls to the gate's HTTP API (docs/api.md) over its unix socket, for the
 * cmkgate command.  Functions follow cg_err.h.
 */
#ifndef CMKGATE_CLIENT_H
#define CMKGATE_CLIENT_H

struct cg_buf;
struct json_object;

#define CLIENT_ANSWER_MAX	(4 * 1024 * 1024)
#define CLIENT_TIMEOUT_MS	120000L		/* filing reads AWS: allow for retries */
#define CLIENT_DEFAULT_SOCKET	"/run/cmkgate/cmkgated.sock"

/* Where the gate is: its unix socket, or its TLS listener with a client certificate. */
struct client_target {
	const char	*socket_path;	/* used when url is NULL */
	const char	*url;		/* "https://HOST:PORT": the TLS listener */
	const char	*cert;		/* the operator's client certificate (PEM file) */
	const char	*key;		/* its private key (PEM file) */
	const char	*cacert;	/* the CA that issued the gate's server certificate */
};

/*
 * One call: method and path ("/v1/requests"), body NULL or a JSON object
 * sent as application/json.  Any HTTP status is a success of the call
 * itself: *ret_status has it and *ret_answer the parsed JSON answer.
 * CG_ERR_TRANSPORT when the gate cannot be reached, CG_ERR_PARSE when the
 * answer is not JSON; why says which.
 */
int client_call(const struct client_target *to, const char *method, const char *path,
    struct json_object *body, long *ret_status, struct json_object **ret_answer,
    struct cg_buf *why);

/* The message of an {"error": {...}} answer; never NULL. */
const char *client_error_message(struct json_object *answer);

#endif

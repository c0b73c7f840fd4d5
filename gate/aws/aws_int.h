/* Inside the AWS layer: the client, the request core and the parsers' helpers. */
#ifndef CMKGATE_AWS_INT_H
#define CMKGATE_AWS_INT_H

#include <curl/curl.h>
#include <json-c/json.h>
#include <libxml/tree.h>

#include "aws.h"

#define AWS_URL_MAX	512
#define AWS_REGION_MAX	64

struct aws_client {
	CURL			*curl;
	char			 region[AWS_REGION_MAX];
	char			 endpoint[AWS_SERVICE_COUNT][AWS_URL_MAX];
	long			 connect_timeout_ms;
	long			 total_timeout_ms;
	unsigned		 max_attempts;
	unsigned		 retry_base_ms;
	unsigned		 retry_cap_ms;
	size_t			 max_response;
	struct aws_credentials	 creds;
	bool			 have_creds;
	bool			 fixed_creds;	/* given in the config: never re-resolved */
	struct aws_error	 err;
	bool			 once;		/* the next call is retried only when it
						 * cannot have taken effect (throttling) */
	struct cg_buf		*body;		/* the last response body */
};

/* One signed POST to svc's endpoint, retried as aws.h says.  On 2xx the
 * body is in c->body; on an AWS error, c->err is filled and CG_ERR_AWS. */
int aws_call(struct aws_client *c, enum aws_service svc, const char *content_type,
    const char *target, const char *body, size_t body_len);

/* JSON 1.1 call: body is a JSON object; *ret_obj the parsed response when
 * ret_obj is not NULL (the raw body is in c->body either way). */
int aws_call_json(struct aws_client *c, enum aws_service svc, const char *target,
    struct json_object *request, struct json_object **ret_obj);
/* Query call: params are name=value pairs (NULL-terminated list, values
 * URL-encoded here); *ret_doc the parsed XML response, when ret_doc is not
 * NULL (the raw body is in c->body either way). */
int aws_call_query(struct aws_client *c, enum aws_service svc, const char *const *params,
    xmlDocPtr *ret_doc);

/* Error bodies, both protocols: fill err (code, message, request id). */
void aws_parse_json_error(const char *body, size_t len, struct aws_error *err);
void aws_parse_xml_error(const char *body, size_t len, struct aws_error *err);
enum aws_error_kind aws_classify_error(long status, const char *code);
bool aws_error_retryable(const struct aws_error *err);

/* Strict-enough XML for AWS responses: no DTD, no entities, no network. */
int aws_xml_parse(const char *body, size_t len, xmlDocPtr *ret_doc);
/* The first child element of n with local name `name`, or NULL. */
xmlNodePtr aws_xml_child(xmlNodePtr n, const char *name);
/* Text of element `name` under n, at most max-1 bytes into out; CG_ERR_PARSE if
 * missing (when required) or too long. */
int aws_xml_text(xmlNodePtr n, const char *name, char *out, size_t max, bool required);
/* The same, newly allocated (caller frees); NULL with 0 when absent and optional. */
int aws_xml_strdup(xmlNodePtr n, const char *name, size_t max, bool required, char **ret);
/* Wipes every text node under n (responses that carried secrets). */
void aws_xml_wipe(xmlNodePtr n);
/* The result element: <ActionResponse><ActionResult>. */
int aws_xml_result(xmlDocPtr doc, const char *action, xmlNodePtr *ret);

/* JSON response helpers: a string member copied into out (at most max-1 bytes). */
int aws_json_str(struct json_object *o, const char *key, char *out, size_t max, bool required);
int aws_json_strdup(struct json_object *o, const char *key, size_t max, bool required, char **ret);

/*
 * The rule for every URL the layer sends to: https to any host, or plain
 * http only to a literal loopback address (and, for container credentials,
 * the container agent's addresses).  0, or CG_ERR_INVALID_ARG with a
 * static reason.
 */
int aws_url_check(const char *url, bool agent_ok, const char **ret_why);

/* ISO 8601 UTC ("2026-11-23T10:00:00Z", fractions and +00:00 allowed) or epoch seconds. */
int aws_parse_time(const char *s, time_t *ret);

#endif

/*
 * The two wire protocols the gate speaks: JSON 1.1 (KMS, kinesisanalyticsv2)
 * and Query with XML answers (STS, IAM), their error bodies, and the small
 * helpers the typed calls use to read responses.
 *
 * AWS adds response fields over time, so response parsers ignore members
 * they do not know; every field they do read has a type and a length cap.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <libxml/parser.h>

#include "aws_int.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"


static void
copy_trunc(char *out, size_t max, const char *s, size_t len)
{
	if (max == 0)
		return;
	if (len >= max)
		len = max - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

/*
 * AWS's messages for signature errors quote the canonical request and the
 * string to sign, which hold the session token: such a message is never
 * kept, since errors are shown to operators and written to the audit log.
 * Control characters in any message become '?'.
 */
static void
redact_message(struct aws_error *err)
{
	char *p;

	if (strcasestr(err->code, "signature") != NULL ||
	    strcasestr(err->message, "canonical") != NULL ||
	    strcasestr(err->message, "string to sign") != NULL ||
	    strcasestr(err->message, "string-to-sign") != NULL ||
	    strcasestr(err->message, "x-amz-security-token") != NULL)
		snprintf(err->message, sizeof(err->message), "(AWS's message is withheld: it "
		    "quotes the signed request; look it up by the request id)");
	for (p = err->message; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	for (p = err->code; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

void
aws_parse_json_error(const char *body, size_t len, struct aws_error *err)
{
	struct json_object *o = NULL, *v;
	const char *type, *hash, *colon;

	if (cg_json_parse(body, len, len + 1, &o, NULL) < 0 ||
	    !json_object_is_type(o, json_type_object))
		goto out;
	if ((json_object_object_get_ex(o, "__type", &v) ||
	    json_object_object_get_ex(o, "code", &v) ||
	    json_object_object_get_ex(o, "Code", &v)) &&
	    json_object_is_type(v, json_type_string)) {
		type = json_object_get_string(v);
		/* "com.amazonaws.kms#NotFoundException" -> after '#'; drop ":http://..." */
		hash = strrchr(type, '#');
		type = hash != NULL ? hash + 1 : type;
		colon = strchr(type, ':');
		copy_trunc(err->code, sizeof(err->code), type,
		    colon != NULL ? (size_t)(colon - type) : strlen(type));
	}
	if ((json_object_object_get_ex(o, "message", &v) ||
	    json_object_object_get_ex(o, "Message", &v)) &&
	    json_object_is_type(v, json_type_string))
		copy_trunc(err->message, sizeof(err->message), json_object_get_string(v),
		    strlen(json_object_get_string(v)));
 out:
	json_object_put(o);
	if (err->code[0] == '\0')
		snprintf(err->code, sizeof(err->code), "HTTP%ld", err->http_status);
	redact_message(err);
}

/* Depth-first search for the first element named `name` (bounded depth). */
static xmlNodePtr
find_element(xmlNodePtr n, const char *name, int depth)
{
	xmlNodePtr c, hit;

	if (depth > 8)
		return NULL;
	for (c = n; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)c->name, name) == 0)
			return c;
		if ((hit = find_element(c->children, name, depth + 1)) != NULL)
			return hit;
	}
	return NULL;
}

void
aws_parse_xml_error(const char *body, size_t len, struct aws_error *err)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr e;

	if (aws_xml_parse(body, len, &doc) == 0 &&
	    (e = find_element(xmlDocGetRootElement(doc), "Error", 0)) != NULL) {
		(void)aws_xml_text(e, "Code", err->code, sizeof(err->code), false);
		(void)aws_xml_text(e, "Message", err->message, sizeof(err->message), false);
		if ((e = find_element(xmlDocGetRootElement(doc), "RequestId", 0)) != NULL) {
			xmlChar *t = xmlNodeGetContent(e);

			if (t != NULL)
				copy_trunc(err->request_id, sizeof(err->request_id),
				    (const char *)t, strlen((const char *)t));
			xmlFree(t);
		}
	}
	xmlFreeDoc(doc);
	if (err->code[0] == '\0')
		snprintf(err->code, sizeof(err->code), "HTTP%ld", err->http_status);
	redact_message(err);
}

static bool
code_in(const char *code, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(code, *list) == 0)
			return true;
	return false;
}

static const char *const throttling_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
	"TooManyRequestsException", "ProvisionedThroughputExceededException",
	"TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
	"RequestThrottled", "SlowDown", "PriorRequestNotComplete",
	"EC2ThrottledException", NULL
};

enum aws_error_kind
aws_classify_error(long status, const char *code)
{
	static const char *const denied[] = { "AccessDenied", "AccessDeniedException",
	    "UnauthorizedOperation", "AuthorizationError", NULL };
	static const char *const notfound[] = { "NotFoundException", "NoSuchEntity",
	    "ResourceNotFoundException", "NotFound", NULL };
	static const char *const expired[] = { "ExpiredToken", "ExpiredTokenException",
	    "RequestExpired", NULL };
	static const char *const invalid[] = { "InvalidClientTokenId",
	    "UnrecognizedClientException", "SignatureDoesNotMatch",
	    "InvalidSignatureException", "IncompleteSignature", "MissingAuthenticationToken",
	    NULL };
	static const char *const validation[] = { "ValidationException", "ValidationError",
	    "InvalidArgumentException", "InvalidParameterValue", "InvalidParameterCombination",
	    "MalformedPolicyDocument", "PackedPolicyTooLarge", "InvalidRequestException",
	    "InvalidApplicationConfigurationException", "UnsupportedOperationException",
	    "CodeValidationException", "InvalidArnException", NULL };
	static const char *const conflict[] = { "ConcurrentModificationException",
	    "ResourceInUseException", NULL };
	static const char *const keystate[] = { "DisabledException", "KMSInvalidStateException",
	    "KeyUnavailableException", NULL };

	if (code_in(code, throttling_codes) || status == 429)
		return AWS_ERR_THROTTLING;
	if (code_in(code, denied))
		return AWS_ERR_ACCESS_DENIED;
	if (code_in(code, notfound))
		return AWS_ERR_NOT_FOUND;
	if (code_in(code, expired))
		return AWS_ERR_EXPIRED_CREDENTIALS;
	if (code_in(code, invalid))
		return AWS_ERR_INVALID_CREDENTIALS;
	if (code_in(code, validation))
		return AWS_ERR_VALIDATION;
	if (code_in(code, conflict))
		return AWS_ERR_CONFLICT;
	if (code_in(code, keystate))
		return AWS_ERR_KEY_STATE;
	if (status >= 500)
		return AWS_ERR_SERVER;
	return AWS_ERR_OTHER;
}

bool
aws_error_retryable(const struct aws_error *err)
{
	switch (err->kind) {
	case AWS_ERR_THROTTLING:
	case AWS_ERR_SERVER:
		return true;
	case AWS_ERR_TRANSPORT:
		/* a timeout or a reset may pass; a bad certificate or URL will not */
		return strcmp(err->code, "Timeout") == 0 || strcmp(err->code, "TransportError") == 0;
	default:
		return false;
	}
}

int
aws_xml_parse(const char *body, size_t len, xmlDocPtr *ret_doc)
{
	xmlDocPtr doc = NULL;
	int r = CG_ERR_PARSE;

	ENSURE(body != NULL && len > 0 && len <= INT32_MAX, CG_ERR_PARSE);
	/* no XML_PARSE_NOENT (entities stay unexpanded), no DTD loading, no network */
	doc = xmlReadMemory(body, (int)len, "aws-response.xml", "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	ENSURE(doc != NULL, CG_ERR_PARSE);
	ENSURE(doc->intSubset == NULL && doc->extSubset == NULL, CG_ERR_PARSE);
	ENSURE(xmlDocGetRootElement(doc) != NULL, CG_ERR_PARSE);
	*ret_doc = doc;
	doc = NULL;
	r = 0;
 out:
	xmlFreeDoc(doc);
	return r;
}

xmlNodePtr
aws_xml_child(xmlNodePtr n, const char *name)
{
	xmlNodePtr c;

	if (n == NULL)
		return NULL;
	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/* Text content of an element with only text children; NULL if it has elements. */
static int
element_text(xmlNodePtr e, xmlChar **ret)
{
	xmlNodePtr c;

	for (c = e->children; c != NULL; c = c->next)
		if (c->type != XML_TEXT_NODE)
			return CG_ERR_PARSE;
	if ((*ret = xmlNodeGetContent(e)) == NULL)
		return CG_ERR_NOMEM;
	return 0;
}

int
aws_xml_text(xmlNodePtr n, const char *name, char *out, size_t max, bool required)
{
	xmlNodePtr e = aws_xml_child(n, name);
	xmlChar *t = NULL;
	size_t len;
	int r = CG_ERR_PARSE;

	if (e == NULL) {
		if (!required && max > 0)
			out[0] = '\0';
		r = required ? CG_ERR_PARSE : 0;
		goto out;
	}
	GUARD(element_text(e, &t));
	len = strlen((const char *)t);
	ENSURE(len < max, CG_ERR_PARSE);
	memcpy(out, t, len + 1);
	r = 0;
 out:
	xmlFree(t);
	return r;
}

int
aws_xml_strdup(xmlNodePtr n, const char *name, size_t max, bool required, char **ret)
{
	xmlNodePtr e = aws_xml_child(n, name);
	xmlChar *t = NULL;
	int r = CG_ERR_PARSE;

	if (e == NULL) {
		*ret = NULL;
		r = required ? CG_ERR_PARSE : 0;
		goto out;
	}
	GUARD(element_text(e, &t));
	ENSURE(strlen((const char *)t) < max, CG_ERR_PARSE);
	ENSURE((*ret = strdup((const char *)t)) != NULL, CG_ERR_NOMEM);
	r = 0;
 out:
	if (t != NULL)		/* it may have been a secret key or token */
		explicit_bzero(t, strlen((const char *)t));
	xmlFree(t);
	return r;
}

int
aws_xml_result(xmlDocPtr doc, const char *action, xmlNodePtr *ret)
{
	char want[128];
	xmlNodePtr root = xmlDocGetRootElement(doc), res;

	snprintf(want, sizeof(want), "%sResponse", action);
	if (root == NULL || strcmp((const char *)root->name, want) != 0)
		return CG_ERR_PARSE;
	snprintf(want, sizeof(want), "%sResult", action);
	if ((res = aws_xml_child(root, want)) == NULL)
		return CG_ERR_PARSE;
	*ret = res;
	return 0;
}

int
aws_json_str(struct json_object *o, const char *key, char *out, size_t max, bool required)
{
	struct json_object *v;
	size_t len;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
		if (!required && max > 0)
			out[0] = '\0';
		return required ? CG_ERR_PARSE : 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return CG_ERR_PARSE;
	len = (size_t)json_object_get_string_len(v);
	if (len >= max || strlen(json_object_get_string(v)) != len)
		return CG_ERR_PARSE;
	memcpy(out, json_object_get_string(v), len + 1);
	return 0;
}

int
aws_json_strdup(struct json_object *o, const char *key, size_t max, bool required, char **ret)
{
	struct json_object *v;
	size_t len;

	*ret = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return required ? CG_ERR_PARSE : 0;
	if (!json_object_is_type(v, json_type_string))
		return CG_ERR_PARSE;
	len = (size_t)json_object_get_string_len(v);
	if (len >= max || strlen(json_object_get_string(v)) != len)
		return CG_ERR_PARSE;
	return (*ret = strdup(json_object_get_string(v))) == NULL ? CG_ERR_NOMEM : 0;
}

int
aws_parse_time(const char *s, time_t *ret)
{
	struct tm tm;
	const char *p;
	size_t digits;
	time_t t;
	int r = CG_ERR_PARSE;

	ENSURE(s != NULL && *s != '\0', CG_ERR_PARSE);
	digits = strspn(s, "0123456789");
	if (digits > 0 && digits <= 11 && (s[digits] == '\0' ||
	    (s[digits] == '.' && s[digits + 1] != '\0' &&
	    strspn(s + digits + 1, "0123456789") == strlen(s + digits + 1)))) {
		/* epoch seconds, as JSON 1.1 writes timestamps */
		t = (time_t)strtoll(s, NULL, 10);
		goto done;
	}
	memset(&tm, 0, sizeof(tm));
	ENSURE((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) != NULL, CG_ERR_PARSE);
	if (*p == '.') {
		p++;
		ENSURE(strspn(p, "0123456789") > 0, CG_ERR_PARSE);
		p += strspn(p, "0123456789");
	}
	ENSURE(strcmp(p, "Z") == 0 || strcmp(p, "+00:00") == 0 || strcmp(p, "+0000") == 0,
	    CG_ERR_PARSE);
	{
		/* strptime takes 2026-02-31; timegm would quietly roll it over */
		struct tm check = tm;

		t = timegm(&tm);
		ENSURE(t != (time_t)-1 && tm.tm_mday == check.tm_mday && tm.tm_mon == check.tm_mon,
		    CG_ERR_PARSE);
	}
 done:
	*ret = t;
	r = 0;
 out:
	return r;
}

int
aws_call_json(struct aws_client *c, enum aws_service svc, const char *target,
    struct json_object *request, struct json_object **ret_obj)
{
	struct json_object *o = NULL;
	const char *body;
	int r = CG_ERR_INTERNAL;

	body = json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	ENSURE(body != NULL, CG_ERR_NOMEM);
	GUARD(aws_call(c, svc, "application/x-amz-json-1.1", target, body, strlen(body)));
	if (ret_obj == NULL) {
		r = 0;
		goto out;
	}
	if (cg_json_parse((const char *)cg_buf_ptr(c->body), cg_buf_len(c->body),
	    c->max_response, &o, NULL) < 0 || !json_object_is_type(o, json_type_object)) {
		c->err.kind = AWS_ERR_MALFORMED;
		snprintf(c->err.code, sizeof(c->err.code), "MalformedResponse");
		snprintf(c->err.message, sizeof(c->err.message), "%s %s: the response is "
		    "not a JSON object", aws_service_name(svc), target);
		r = CG_ERR_PARSE;
		goto out;
	}
	*ret_obj = o;
	o = NULL;
	r = 0;
 out:
	json_object_put(o);
	return r;
}

int
aws_call_query(struct aws_client *c, enum aws_service svc, const char *const *params,
    xmlDocPtr *ret_doc)
{
	struct cg_buf *form = NULL;
	const char *text;
	char *esc;
	size_t i;
	int r = CG_ERR_INTERNAL;

	GUARD(cg_buf_new(64 * 1024, &form));
	for (i = 0; params[i] != NULL && params[i + 1] != NULL; i += 2) {
		ENSURE((esc = curl_easy_escape(c->curl, params[i + 1], 0)) != NULL, CG_ERR_NOMEM);
		r = cg_buf_putf(form, "%s%s=%s", i == 0 ? "" : "&", params[i], esc);
		explicit_bzero(esc, strlen(esc));	/* a session policy is not secret, but be tidy */
		curl_free(esc);
		GUARD(r);
	}
	GUARD(cg_buf_cstr(form, &text));
	GUARD(aws_call(c, svc, "application/x-www-form-urlencoded; charset=utf-8", NULL,
	    text, cg_buf_len(form)));
	if (ret_doc != NULL &&
	    aws_xml_parse((const char *)cg_buf_ptr(c->body), cg_buf_len(c->body), ret_doc) < 0) {
		c->err.kind = AWS_ERR_MALFORMED;
		snprintf(c->err.code, sizeof(c->err.code), "MalformedResponse");
		snprintf(c->err.message, sizeof(c->err.message), "%s %s: the response is "
		    "not well-formed XML", aws_service_name(svc), params[1]);
		r = CG_ERR_PARSE;
		goto out;
	}
	r = 0;
 out:
	cg_buf_free(form);
	return r;
}

void
aws_xml_wipe(xmlNodePtr n)
{
	for (; n != NULL; n = n->next) {
		if (n->type == XML_TEXT_NODE && n->content != NULL)
			explicit_bzero(n->content, strlen((const char *)n->content));
		aws_xml_wipe(n->children);
	}
}

/* A literal IPv4 loopback (127/8) or ::1; no names, so DNS cannot move it. */
static bool
loopback_literal(const char *host)
{
	uint8_t a[16];
	char h[64];
	size_t n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(h)) {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
		return inet_pton(AF_INET6, h, a) == 1 && memcmp(a, &in6addr_loopback, 16) == 0;
	}
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	return inet_pton(AF_INET6, host, a) == 1 && memcmp(a, &in6addr_loopback, 16) == 0;
}

int
aws_url_check(const char *url, bool agent_ok, const char **ret_why)
{
	static const char *const agents[] = { "169.254.170.2", "169.254.170.23",
	    "[fd00:ec2::23]", "fd00:ec2::23", NULL };
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *user = NULL, *query = NULL, *frag = NULL;
	const char *why = NULL;
	size_t i;
	bool ok = false;
	int r = CG_ERR_INVALID_ARG;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		why = "not a URL";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK) {
		why = "a URL with user information, a query or a fragment";
		goto out;
	}
	if (strcmp(scheme, "https") == 0) {
		ok = true;
	} else if (strcmp(scheme, "http") == 0) {
		ok = loopback_literal(host);
		for (i = 0; agent_ok && agents[i] != NULL; i++)
			ok = ok || strcmp(host, agents[i]) == 0;
		if (!ok)
			why = "plain http to a host that is not a loopback address (127.0.0.0/8, ::1)";
	} else {
		why = "neither https nor http";
	}
	r = ok ? 0 : CG_ERR_INVALID_ARG;
 out:
	if (ret_why != NULL)
		*ret_why = why;
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
	return r;
}

static void
xml_quiet(void *ctx, const xmlError *error)
{
	(void)ctx;
	(void)error;
}

static void *
wiping_realloc(void *p, size_t n)
{
	void *q;
	size_t old;

	if (p == NULL)
		return malloc(n);
	old = malloc_usable_size(p);
	if ((q = malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	explicit_bzero(p, old);
	free(p);
	return q;
}

static void
wiping_free(void *p)
{
	if (p != NULL) {
		explicit_bzero(p, malloc_usable_size(p));
		free(p);
	}
}

static char *
wiping_strdup(const char *s)
{
	return strdup(s);
}

static void *
wiping_calloc(size_t n, size_t size)
{
	return calloc(n, size);
}

int
aws_global_init(void)
{
	static bool done;
	int r = CG_ERR_INTERNAL;

	if (done) {
		r = 0;
		goto out;
	}
	/* libcurl's and libxml2's copies of passwords, headers and responses are wiped when freed */
	ENSURE(curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, wiping_free, wiping_realloc,
	    wiping_strdup, wiping_calloc) == CURLE_OK, CG_ERR_INTERNAL);
	ENSURE(xmlMemSetup(wiping_free, malloc, wiping_realloc, wiping_strdup) == 0,
	    CG_ERR_INTERNAL);
	xmlInitParser();
	/* libxml2 would print parse errors, response bytes included, to stderr */
	xmlSetStructuredErrorFunc(NULL, (xmlStructuredErrorFunc)xml_quiet);
	done = true;
	r = 0;
 out:
	return r;
}

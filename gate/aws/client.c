/*
 * The AWS client: endpoint and region resolution, and one signed request
 * with retries.  Signing is libcurl's (CURLOPT_AWS_SIGV4); this file only
 * supplies the service's signing name, the keys and the session token
 * header curl does not add itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "aws_creds.h"
#include "aws_int.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "secret.h"

#define DEFAULT_CONNECT_MS	3000
#define DEFAULT_TOTAL_MS	20000
#define DEFAULT_ATTEMPTS	4
#define DEFAULT_RETRY_BASE_MS	100
#define DEFAULT_RETRY_CAP_MS	5000
#define DEFAULT_MAX_RESPONSE	(4 * 1024 * 1024)
#define REFRESH_MARGIN		300	/* seconds before expiry to fetch new credentials */

static const struct {
	const char *name;		/* for messages */
	const char *signing;		/* SigV4 service name */
	const char *env;		/* AWS_ENDPOINT_URL_<ID> */
	const char *host;		/* default endpoint: host prefix (IAM: whole host) */
} services[AWS_SERVICE_COUNT] = {
	[AWS_STS] = { "sts", "sts", "AWS_ENDPOINT_URL_STS", "sts" },
	[AWS_KMS] = { "kms", "kms", "AWS_ENDPOINT_URL_KMS", "kms" },
	[AWS_IAM] = { "iam", "iam", "AWS_ENDPOINT_URL_IAM", "iam.amazonaws.com" },
	[AWS_KDA] = { "kinesisanalyticsv2", "kinesisanalytics",
	    "AWS_ENDPOINT_URL_KINESIS_ANALYTICS_V2", "kinesisanalytics" },
};

const char *
aws_service_name(enum aws_service svc)
{
	return svc < AWS_SERVICE_COUNT ? services[svc].name : "unknown";
}

const char *
aws_error_kind_name(enum aws_error_kind kind)
{
	switch (kind) {
	case AWS_ERR_NONE:			return "none";
	case AWS_ERR_OTHER:			return "error";
	case AWS_ERR_ACCESS_DENIED:		return "access-denied";
	case AWS_ERR_THROTTLING:		return "throttling";
	case AWS_ERR_NOT_FOUND:			return "not-found";
	case AWS_ERR_EXPIRED_CREDENTIALS:	return "expired-credentials";
	case AWS_ERR_INVALID_CREDENTIALS:	return "invalid-credentials";
	case AWS_ERR_VALIDATION:		return "validation";
	case AWS_ERR_CONFLICT:			return "conflict";
	case AWS_ERR_KEY_STATE:			return "key-state";
	case AWS_ERR_SERVER:			return "server-error";
	case AWS_ERR_TRANSPORT:			return "transport";
	case AWS_ERR_MALFORMED:			return "malformed-response";
	}
	return "error";
}

static bool
valid_region(const char *r)
{
	size_t n = strlen(r);

	return n > 0 && n < AWS_REGION_MAX &&
	    strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* https anywhere, plain http only to a loopback literal; no user info, query or fragment. */
static bool
valid_endpoint(const char *url, const char **ret_why)
{
	if (strlen(url) >= AWS_URL_MAX) {
		*ret_why = "longer than 511 characters";
		return false;
	}
	return aws_url_check(url, false, ret_why) == 0;
}

static const char *
env_nonempty(const char *name)
{
	const char *v = secure_getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static int
resolve_endpoint(struct aws_client *c, const struct aws_config *cfg, enum aws_service svc,
    struct cg_buf *why)
{
	const char *url = NULL, *from = "default", *bad_why = NULL;
	const char *ignore = env_nonempty("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	int r = CG_ERR_INVALID_ARG, n;

	if (cfg->service_endpoint_url[svc] != NULL) {
		url = cfg->service_endpoint_url[svc];
		from = "the gate config";
	} else if (cfg->endpoint_url != NULL) {
		url = cfg->endpoint_url;
		from = "the gate config";
	} else if (ignore == NULL || strcmp(ignore, "true") != 0) {
		if ((url = env_nonempty(services[svc].env)) != NULL)
			from = services[svc].env;
		else if ((url = env_nonempty("AWS_ENDPOINT_URL")) != NULL)
			from = "AWS_ENDPOINT_URL";
	}
	if (url != NULL) {
		if (!valid_endpoint(url, &bad_why)) {
			cg_buf_putf(why, "endpoint for %s from %s is %s: \"%.100s\"",
			    services[svc].name, from, bad_why, url);
			goto out;
		}
		n = snprintf(c->endpoint[svc], AWS_URL_MAX, "%s", url);
		/* trailing '/' off: requests go to "<endpoint>/" */
		while (n > 0 && c->endpoint[svc][n - 1] == '/')
			c->endpoint[svc][--n] = '\0';
	} else if (svc == AWS_IAM) {
		snprintf(c->endpoint[svc], AWS_URL_MAX, "https://%s", services[svc].host);
	} else {
		snprintf(c->endpoint[svc], AWS_URL_MAX, "https://%s.%s.amazonaws.com",
		    services[svc].host, c->region);
	}
	r = 0;
 out:
	return r;
}

int
aws_client_new(const struct aws_config *cfg, struct aws_client **ret_client,
    struct cg_buf *why)
{
	struct aws_client *c = NULL;
	const char *region;
	int r = CG_ERR_INTERNAL, svc;

	ENSURE(cfg != NULL && ret_client != NULL, CG_ERR_INVALID_ARG);
	ENSURE(sodium_init() >= 0, CG_ERR_INTERNAL);
	GUARD(aws_global_init());
	ENSURE((c = calloc(1, sizeof(*c))) != NULL, CG_ERR_NOMEM);
	region = cfg->region;
	if (region == NULL)
		region = env_nonempty("AWS_REGION");
	if (region == NULL)
		region = env_nonempty("AWS_DEFAULT_REGION");
	if (region == NULL)
		region = aws_creds_profile_region();
	if (region == NULL || !valid_region(region)) {
		cg_buf_putf(why, region == NULL ? "no AWS region: set region in the gate "
		    "config, AWS_REGION or AWS_DEFAULT_REGION" :
		    "AWS region \"%.64s\" is not a region name", region);
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	snprintf(c->region, sizeof(c->region), "%s", region);
	for (svc = 0; svc < AWS_SERVICE_COUNT; svc++)
		GUARD(resolve_endpoint(c, cfg, (enum aws_service)svc, why));
	c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms :
	    DEFAULT_CONNECT_MS;
	c->total_timeout_ms = cfg->total_timeout_ms > 0 ? cfg->total_timeout_ms :
	    DEFAULT_TOTAL_MS;
	c->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : DEFAULT_ATTEMPTS;
	c->retry_base_ms = cfg->retry_base_ms > 0 ? cfg->retry_base_ms : DEFAULT_RETRY_BASE_MS;
	c->retry_cap_ms = cfg->retry_cap_ms > 0 ? cfg->retry_cap_ms : DEFAULT_RETRY_CAP_MS;
	c->max_response = cfg->max_response > 0 ? cfg->max_response : DEFAULT_MAX_RESPONSE;
	if (cfg->credentials != NULL) {
		GUARD(aws_credentials_copy(cfg->credentials, &c->creds));
		c->have_creds = true;
		c->fixed_creds = true;
	}
	GUARD(cg_buf_new(c->max_response, &c->body));
	ENSURE((c->curl = curl_easy_init()) != NULL, CG_ERR_NOMEM);
	*ret_client = c;
	c = NULL;
	r = 0;
 out:
	aws_client_free(c);
	return r;
}

void
aws_client_free(struct aws_client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	aws_credentials_clear(&c->creds);
	cg_buf_free(c->body);
	free(c);
}

const struct aws_error *
aws_client_error(const struct aws_client *c)
{
	return &c->err;
}

const char *
aws_client_region(const struct aws_client *c)
{
	return c->region;
}

const char *
aws_client_endpoint(const struct aws_client *c, enum aws_service svc)
{
	return svc < AWS_SERVICE_COUNT ? c->endpoint[svc] : "";
}

int
aws_client_credentials(struct aws_client *c, const struct aws_credentials **ret)
{
	struct aws_credentials fresh;
	struct cg_buf *why = NULL;
	time_t now = time(NULL);
	const char *msg = "";
	int r = CG_ERR_INTERNAL;

	memset(&fresh, 0, sizeof(fresh));
	if (c->have_creds && (c->fixed_creds || c->creds.expiration == 0 ||
	    c->creds.expiration - now > REFRESH_MARGIN)) {
		*ret = &c->creds;
		r = 0;
		goto out;
	}
	GUARD(cg_buf_new(1024, &why));
	if ((r = aws_creds_resolve(&fresh, why)) < 0) {
		/* keep what we have while it is still valid */
		if (c->have_creds && c->creds.expiration > now) {
			*ret = &c->creds;
			r = 0;
			goto out;
		}
		(void)cg_buf_cstr(why, &msg);
		memset(&c->err, 0, sizeof(c->err));
		c->err.kind = AWS_ERR_INVALID_CREDENTIALS;
		snprintf(c->err.code, sizeof(c->err.code), "NoCredentials");
		snprintf(c->err.message, sizeof(c->err.message), "%s", msg);
		r = CG_ERR_CREDENTIALS;
		goto out;
	}
	aws_credentials_clear(&c->creds);
	c->creds = fresh;
	memset(&fresh, 0, sizeof(fresh));
	c->have_creds = true;
	*ret = &c->creds;
	r = 0;
 out:
	aws_credentials_clear(&fresh);
	cg_buf_free(why);
	return r;
}

static size_t
write_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct cg_buf *b = arg;

	if (size != 1 || cg_buf_put(b, ptr, nmemb) < 0)
		return 0;	/* over the cap: curl aborts with CURLE_WRITE_ERROR */
	return nmemb;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Full jitter: uniform in [0, min(cap, base * 2^attempt)]. */
static unsigned
backoff_ms(const struct aws_client *c, unsigned attempt)
{
	uint64_t ceiling = (uint64_t)c->retry_base_ms << (attempt > 20 ? 20 : attempt);

	if (ceiling > c->retry_cap_ms)
		ceiling = c->retry_cap_ms;
	return randombytes_uniform((uint32_t)ceiling + 1);
}

/* One attempt; fills c->err on failure.  Secrets are handed to curl and to
 * no one else; curl's copies live until the next curl_easy_reset. */
static int
attempt(struct aws_client *c, enum aws_service svc, const struct aws_credentials *cr,
    const char *content_type, const char *target, const char *body, size_t body_len,
    long *ret_status)
{
	struct curl_slist *hdrs = NULL, *h;
	struct cg_buf *line = NULL;
	char sigv4[160], url[AWS_URL_MAX + 2], errbuf[CURL_ERROR_SIZE] = "";
	int ul;
	const char *hdr;
	long status = 0;
	CURLcode cc;
	int r = CG_ERR_INTERNAL;

	cg_buf_reset(c->body);
	curl_easy_reset(c->curl);
	GUARD(cg_buf_new(CG_SECRET_MAX + 64, &line));
	ul = snprintf(url, sizeof(url), "%s/", c->endpoint[svc]);
	ENSURE(ul > 0 && (size_t)ul < sizeof(url), CG_ERR_INTERNAL);
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:%s",
	    svc == AWS_IAM && strstr(c->endpoint[svc], "amazonaws.com") != NULL ?
	    "us-east-1" : c->region, services[svc].signing);
	GUARD(cg_buf_putf(line, "Content-Type: %s", content_type));
	GUARD(cg_buf_cstr(line, &hdr));
	ENSURE((h = curl_slist_append(hdrs, hdr)) != NULL, CG_ERR_NOMEM);
	hdrs = h;
	if (target != NULL) {
		cg_buf_reset(line);
		GUARD(cg_buf_putf(line, "X-Amz-Target: %s", target));
		GUARD(cg_buf_cstr(line, &hdr));
		ENSURE((h = curl_slist_append(hdrs, hdr)) != NULL, CG_ERR_NOMEM);
		hdrs = h;
	}
	if (cr->session_token != NULL) {
		cg_buf_reset(line);
		GUARD(cg_buf_putf(line, "X-Amz-Security-Token: %s",
		    cg_secret_str(cr->session_token)));
		GUARD(cg_buf_cstr(line, &hdr));
		ENSURE((h = curl_slist_append(hdrs, hdr)) != NULL, CG_ERR_NOMEM);
		hdrs = h;
	}
	/* no "Expect:" override: curl 7.88 would sign the empty header and break
	 * the signature (AWS-FACTS.md) */

	if (curl_easy_setopt(c->curl, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    /* no proxy from http_proxy & co: whoever sets the environment would see
	     * signed requests and the credentials AssumeRole returns */
	    curl_easy_setopt(c->curl, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_NOPROXY, "*") != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->total_timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_response) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_AWS_SIGV4, sigv4) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_USERNAME, cr->access_key_id) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_PASSWORD,
	    cg_secret_str(cr->secret_access_key)) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, write_body) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c->body) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "cmkgate") != CURLE_OK) {
		r = CG_ERR_INTERNAL;
		goto out;
	}
	cc = curl_easy_perform(c->curl);
	/* no pointer to this stack buffer may outlive the call */
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
	if (cc == CURLE_WRITE_ERROR || cc == CURLE_FILESIZE_EXCEEDED) {
		c->err.kind = AWS_ERR_TRANSPORT;
		snprintf(c->err.code, sizeof(c->err.code), "ResponseTooLarge");
		snprintf(c->err.message, sizeof(c->err.message),
		    "the response from %.300s is larger than %zu bytes", url, c->max_response);
		r = CG_ERR_LIMIT;
		goto out;
	}
	if (cc != CURLE_OK) {
		c->err.kind = AWS_ERR_TRANSPORT;
		snprintf(c->err.code, sizeof(c->err.code), "%s",
		    cc == CURLE_OPERATION_TIMEDOUT ? "Timeout" :
		    cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
		    cc == CURLE_SSL_CONNECT_ERROR ? "TLSVerificationFailed" :
		    cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT ?
		    "BadEndpoint" : "TransportError");
		snprintf(c->err.message, sizeof(c->err.message), "%.300s: %.200s", url,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
		r = CG_ERR_TRANSPORT;
		goto out;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	*ret_status = status;
	r = 0;
 out:
	curl_slist_free_all(hdrs);	/* held the session token */
	cg_buf_free(line);		/* wipes */
	return r;
}

int
aws_call(struct aws_client *c, enum aws_service svc, const char *content_type,
    const char *target, const char *body, size_t body_len)
{
	const struct aws_credentials *cr = NULL;
	long status = 0;
	unsigned n;
	bool refreshed = false;
	int r = CG_ERR_INTERNAL;

	memset(&c->err, 0, sizeof(c->err));
	GUARD(aws_client_credentials(c, &cr));
	for (n = 1; ; n++) {
		memset(&c->err, 0, sizeof(c->err));
		c->err.attempts = n;
		r = attempt(c, svc, cr, content_type, target, body, body_len, &status);
		if (r == 0 && status >= 200 && status < 300)
			break;
		if (r == 0) {
			c->err.http_status = status;
			if (svc == AWS_STS || svc == AWS_IAM)
				aws_parse_xml_error((const char *)cg_buf_ptr(c->body),
				    cg_buf_len(c->body), &c->err);
			else
				aws_parse_json_error((const char *)cg_buf_ptr(c->body),
				    cg_buf_len(c->body), &c->err);
			c->err.kind = aws_classify_error(status, c->err.code);
			r = CG_ERR_AWS;
		}
		c->err.attempts = n;
		/* credentials from the chain expired under us: fetch new ones, once */
		if (r == CG_ERR_AWS && c->err.kind == AWS_ERR_EXPIRED_CREDENTIALS &&
		    !c->fixed_creds && !refreshed && !c->once) {
			refreshed = true;
			c->have_creds = false;
			GUARD(aws_client_credentials(c, &cr));
			continue;
		}
		if ((r != CG_ERR_AWS && r != CG_ERR_TRANSPORT) || !aws_error_retryable(&c->err) ||
		    n >= c->max_attempts ||
		    (c->once && c->err.kind != AWS_ERR_THROTTLING))
			goto out;
		sleep_ms(backoff_ms(c, n - 1));
	}
	r = 0;
 out:
	return r;
}

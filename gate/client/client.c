/*
 * The cmkgate command's side of the gate's API: one HTTP call over the
 * gate's unix socket with libcurl.  See client.h.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "client.h"

static size_t
on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct cg_buf *b = userdata;

	if (nmemb != 0 && size > SIZE_MAX / nmemb)
		return 0;
	/* a short count makes libcurl fail the transfer: the answer is too big */
	return cg_buf_put(b, data, size * nmemb) == 0 ? size * nmemb : 0;
}

/* libcurl pointed at the gate: the unix socket, or TLS with a client certificate. */
static int
set_target(CURL *h, const struct client_target *to, const char *path, struct cg_buf *why)
{
	char url[768];
	size_t len;
	int r = CG_ERR_INTERNAL;

	if (to->url == NULL) {
		(void)snprintf(url, sizeof(url), "http://localhost%s", path);
		ENSURE(curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, to->socket_path) == CURLE_OK &&
		    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http") == CURLE_OK &&
		    curl_easy_setopt(h, CURLOPT_URL, url) == CURLE_OK, CG_ERR_INTERNAL);
		r = 0;
		goto out;
	}
	len = strlen(to->url);
	if (strncmp(to->url, "https://", 8) != 0 || len > 256 || to->url[len - 1] == '/' ||
	    strpbrk(to->url + 8, "/?#@ ") != NULL || to->cert == NULL || to->key == NULL) {
		(void)cg_buf_putf(why, "--url must be https://HOST:PORT (nothing after the port), "
		    "with --cert and --key naming your client certificate and its key");
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	(void)snprintf(url, sizeof(url), "%s%s", to->url, path);
	ENSURE(curl_easy_setopt(h, CURLOPT_URL, url) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_SSLCERT, to->cert) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_SSLKEY, to->key) == CURLE_OK &&
	    (to->cacert == NULL || curl_easy_setopt(h, CURLOPT_CAINFO, to->cacert) == CURLE_OK),
	    CG_ERR_INTERNAL);
	r = 0;
 out:
	return r;
}

int
client_call(const struct client_target *to, const char *method, const char *path,
    struct json_object *body, long *ret_status, struct json_object **ret_answer,
    struct cg_buf *why)
{
	CURL *h = NULL;
	struct curl_slist *hdrs = NULL;
	struct cg_buf *resp = NULL;
	struct json_object *answer = NULL;
	const char *text = NULL, *msg = "";
	long status = 0;
	CURLcode cc;
	int r = CG_ERR_INTERNAL;

	ENSURE(strlen(path) < 256 && path[0] == '/', CG_ERR_INVALID_ARG);
	GUARD(cg_buf_new(CLIENT_ANSWER_MAX, &resp));
	ENSURE((h = curl_easy_init()) != NULL, CG_ERR_NOMEM);
	if (body != NULL) {
		text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE);
		ENSURE(text != NULL, CG_ERR_NOMEM);
		ENSURE((hdrs = curl_slist_append(hdrs, "Content-Type: application/json")) != NULL,
		    CG_ERR_NOMEM);
	}
	GUARD(set_target(h, to, path, why));
	if (curl_easy_setopt(h, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, CLIENT_TIMEOUT_MS) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp) != CURLE_OK ||
	    (text != NULL && (curl_easy_setopt(h, CURLOPT_POSTFIELDS, text) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK))) {
		(void)cg_buf_putf(why, "libcurl refused an option");
		r = CG_ERR_INTERNAL;
		goto out;
	}
	if ((cc = curl_easy_perform(h)) != CURLE_OK) {
		(void)cg_buf_putf(why, "cannot reach the gate at %s: %s (is cmkgated running, and "
		    "may you use it? --socket or --url name another)",
		    to->url != NULL ? to->url : to->socket_path, curl_easy_strerror(cc));
		r = CG_ERR_TRANSPORT;
		goto out;
	}
	(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (cg_json_parse((const char *)cg_buf_ptr(resp), cg_buf_len(resp), CLIENT_ANSWER_MAX,
	    &answer, &msg) < 0) {
		(void)cg_buf_putf(why, "the gate answered HTTP %ld with something that is not "
		    "JSON: %s", status, msg);
		r = CG_ERR_PARSE;
		goto out;
	}
	*ret_status = status;
	*ret_answer = answer;
	answer = NULL;
	r = 0;
 out:
	json_object_put(answer);
	curl_slist_free_all(hdrs);
	if (h != NULL)
		curl_easy_cleanup(h);
	cg_buf_free(resp);
	return r;
}

const char *
client_error_message(struct json_object *answer)
{
	struct json_object *e, *m;

	if (json_object_object_get_ex(answer, "error", &e) &&
	    json_object_object_get_ex(e, "message", &m) &&
	    json_object_is_type(m, json_type_string))
		return json_object_get_string(m);
	return "the gate gave no reason";
}

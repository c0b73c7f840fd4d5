/*
 * The body of POST /v1/requests, parsed strictly.  See filing.h.
 */
#include <string.h>

#include <json-c/json.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "cg_jschema.h"
#include "cg_macros.h"
#include "cg_text.h"
#include "filing.h"
#include "ops_read.h"

void
filing_clear(struct filing *f)
{
	json_object_put(f->body);
	memset(f, 0, sizeof(*f));
}

/* The filing's own members; nothing else, and nothing that names who asks. */
static const struct cg_jmember filing_table[] = {
	{ "operation", CG_JT_STRING, true, 0, 0, 0, 0 },
	{ "input", CG_JT_OBJECT, true, 0, 0, 0, 0 },
	{ "region", CG_JT_STRING, false, .min = 1, .max = FILING_REGION_MAX },
	{ "reason", CG_JT_STRING, false, .max = FILING_REASON_MAX },
};

static const char *const identity_names[] = {
	"operator", "principal", "identity", "caller", "user", "uid", "requester", "who",
	"source", "certificate", NULL
};
static const struct cg_jrefused identity_claims = {
	identity_names, "unknown member, and it claims an identity: the gate knows who asks "
	"from the connection only (a filing holds operation, input, region and reason)"
};

static int
filing_members(struct filing *f, struct cg_buf *why)
{
	struct json_object *v[CG_NELEM(filing_table)];
	int r = CG_ERR_INTERNAL;

	if (!json_object_is_type(f->body, json_type_object)) {
		(void)cg_buf_putf(why, "the body must be a JSON object");
		r = CG_ERR_PARSE;
		goto out;
	}
	GUARD(cg_jmembers(f->body, filing_table, CG_NELEM(filing_table), &identity_claims, "",
	    v, why));
	f->operation = json_object_get_string(v[0]);
	f->input = v[1];
	f->region = v[2] != NULL ? json_object_get_string(v[2]) : NULL;
	f->reason = v[3] != NULL ? json_object_get_string(v[3]) : NULL;
	if (f->reason != NULL && !cg_text_printable(f->reason)) {
		(void)cg_buf_putf(why, "the reason holds control or bidirectional-override "
		    "characters: approvers read it on their terminals, so it must be plain text");
		r = CG_ERR_PARSE;
		goto out;
	}
	r = 0;
 out:
	return r;
}

int
filing_parse(const char *data, size_t len, const char *region, const char *account,
    struct filing *ret, enum filing_error *ret_kind, struct cg_buf *why)
{
	struct filing f;
	const char *msg = "";
	enum filing_error kind = FILING_BAD_JSON;
	int r = CG_ERR_INTERNAL;

	memset(&f, 0, sizeof(f));
	if ((r = cg_json_parse(data, len, FILING_BODY_MAX, &f.body, &msg)) < 0) {
		(void)cg_buf_putf(why, "the body is not valid JSON: %s", msg);
		goto out;
	}
	kind = FILING_BAD_REQUEST;
	GUARD(filing_members(&f, why));
	if ((r = ops_read_request(f.operation, f.input, &f.req, why)) < 0) {
		kind = r == CG_ERR_NOT_FOUND ? FILING_UNKNOWN_OPERATION : FILING_BAD_INPUT;
		goto out;
	}
	kind = FILING_BAD_INPUT;
	if ((r = ops_request_digest(f.operation, region, account, f.req.app_name, f.input,
	    f.digest)) < 0) {
		(void)cg_buf_putf(why, "the request digest cannot be computed for application "
		    "%.64s in account %.16s, region %.32s: %s", f.req.app_name, account, region,
		    cg_strerror(r));
		goto out;
	}
	kind = FILING_OK;
	*ret = f;
	memset(&f, 0, sizeof(f));
	r = 0;
 out:
	*ret_kind = kind;
	filing_clear(&f);
	return r;
}

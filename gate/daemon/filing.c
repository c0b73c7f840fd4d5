/*
 * The body of POST /v1/requests, parsed strictly.  See filing.h.
 */
#include <string.h>

#include <json-c/json.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "decide.h"
#include "filing.h"

void
filing_clear(struct filing *f)
{
	json_object_put(f->body);
	memset(f, 0, sizeof(*f));
}

bool
filing_text_printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		/* C0 controls and DEL */
		if (*p < 0x20 || *p == 0x7f)
			return false;
		/* C1 controls: U+0080..U+009F are C2 80..C2 9F in UTF-8 */
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return false;
		/* U+200E/F, U+202A..U+202E, U+2066..U+2069: direction marks and overrides */
		if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f ||
		    (p[2] >= 0xaa && p[2] <= 0xae)))
			return false;
		if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
			return false;
		/* U+061C, the Arabic letter mark */
		if (p[0] == 0xd8 && p[1] == 0x9c)
			return false;
	}
	return true;
}

/* The filing's own members; everything else is refused. */
static int
filing_members(struct filing *f, struct cg_buf *why)
{
	struct json_object_iterator it, end;
	struct json_object *v;
	const char *name;
	int r = CG_ERR_INTERNAL;

	if (!json_object_is_type(f->body, json_type_object)) {
		(void)cg_buf_putf(why, "the body must be a JSON object");
		r = CG_ERR_PARSE;
		goto out;
	}
	it = json_object_iter_begin(f->body);
	end = json_object_iter_end(f->body);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		name = json_object_iter_peek_name(&it);
		v = json_object_iter_peek_value(&it);
		if (strcmp(name, "operation") == 0 && json_object_is_type(v, json_type_string)) {
			f->operation = json_object_get_string(v);
		} else if (strcmp(name, "input") == 0 && json_object_is_type(v, json_type_object)) {
			f->input = v;
		} else if (strcmp(name, "region") == 0 && json_object_is_type(v, json_type_string)) {
			f->region = json_object_get_string(v);
		} else if (strcmp(name, "reason") == 0 && json_object_is_type(v, json_type_string)) {
			f->reason = json_object_get_string(v);
		} else if (strcmp(name, "operation") == 0 || strcmp(name, "input") == 0 ||
		    strcmp(name, "region") == 0 || strcmp(name, "reason") == 0) {
			(void)cg_buf_putf(why, "member \"%s\" has the wrong type (operation, region "
			    "and reason are strings, input an object)", name);
			r = CG_ERR_PARSE;
			goto out;
		} else {
			(void)cg_buf_putf(why, "unknown member \"%.64s\": a filing has only "
			    "operation, input, region and reason (the caller is the socket peer; "
			    "nothing in the body names who asks)", name);
			r = CG_ERR_PARSE;
			goto out;
		}
	}
	if (f->operation == NULL || f->input == NULL) {
		(void)cg_buf_putf(why, "the body needs \"operation\" (a string) and \"input\" "
		    "(the kinesisanalyticsv2 request object)");
		r = CG_ERR_PARSE;
		goto out;
	}
	if (f->reason != NULL && strlen(f->reason) > FILING_REASON_MAX) {
		(void)cg_buf_putf(why, "the reason is longer than %d bytes", FILING_REASON_MAX);
		r = CG_ERR_LIMIT;
		goto out;
	}
	if (f->reason != NULL && !filing_text_printable(f->reason)) {
		(void)cg_buf_putf(why, "the reason holds control or bidirectional-override "
		    "characters: approvers read it on their terminals, so it must be plain text");
		r = CG_ERR_PARSE;
		goto out;
	}
	if (f->region != NULL && (strlen(f->region) == 0 || strlen(f->region) > 32)) {
		(void)cg_buf_putf(why, "the region must be 1 to 32 bytes");
		r = CG_ERR_LIMIT;
		goto out;
	}
	r = 0;
 out:
	return r;
}

int
filing_parse(const char *data, size_t len, struct filing *ret, enum filing_error *ret_kind,
    struct cg_buf *why)
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
	if ((r = decide_parse(f.operation, f.input, &f.req, f.digest, why)) < 0) {
		kind = r == CG_ERR_NOT_FOUND ? FILING_UNKNOWN_OPERATION : FILING_BAD_INPUT;
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

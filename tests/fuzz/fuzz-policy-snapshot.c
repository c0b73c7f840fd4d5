/*
 * Fuzz target: policy snapshot files (gate/policy_snapshot.c), both kinds.
 * A file that parses must give documents that are JSON objects, and its
 * texts, written again, must parse again to the same documents; a file
 * that does not parse must leave the output untouched and say why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "policy_snapshot.h"

#define ROLE	"ops"
#define KEY_ARN	"arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must_be_object(const char *text)
{
	struct json_object *o = NULL;

	if (cg_json_parse(text, strlen(text), SNAPSHOT_FILE_MAX, &o, NULL) < 0 ||
	    !json_object_is_type(o, json_type_object))
		abort();
	json_object_put(o);
}

static void
role(const uint8_t *data, size_t size, struct cg_buf *why, struct cg_buf *text)
{
	struct snapshot_role sr, again;
	size_t i;
	int r;

	memset(&sr, 0x5a, sizeof(sr));
	r = snapshot_role_parse((const char *)data, size, ROLE, &sr, why);
	if (r < 0) {
		if (((uint8_t *)&sr)[0] != 0x5a || (r != CG_ERR_NOMEM && cg_buf_len(why) == 0))
			abort();
		return;
	}
	for (i = 0; i < sr.n; i++)
		must_be_object(sr.docs[i]);
	if (sr.boundary != NULL)
		must_be_object(sr.boundary);
	if (snapshot_role_text(ROLE, (const char *const *)sr.names, (const char *const *)sr.docs,
	    sr.n, sr.boundary, 0, text, why) == 0) {
		if (snapshot_role_parse((const char *)cg_buf_ptr(text), cg_buf_len(text), ROLE,
		    &again, why) < 0 || again.n != sr.n)
			abort();
		for (i = 0; i < sr.n; i++)
			if (strcmp(again.docs[i], sr.docs[i]) != 0 ||
			    strcmp(again.names[i], sr.names[i]) != 0)
				abort();
		snapshot_role_clear(&again);
	}
	snapshot_role_clear(&sr);
}

static void
key(const uint8_t *data, size_t size, struct cg_buf *why)
{
	char *doc = NULL;
	int r;

	r = snapshot_key_parse((const char *)data, size, KEY_ARN, &doc, why);
	if (r < 0) {
		if (doc != NULL || (r != CG_ERR_NOMEM && cg_buf_len(why) == 0))
			abort();
		return;
	}
	must_be_object(doc);
	free(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cg_buf *why = NULL, *text = NULL;

	if (cg_buf_new(1 << 16, &why) < 0 || cg_buf_new(4 * SNAPSHOT_FILE_MAX, &text) < 0)
		abort();
	role(data, size, why, text);
	cg_buf_reset(why);
	key(data, size, why);
	cg_buf_free(why);
	cg_buf_free(text);
	return 0;
}

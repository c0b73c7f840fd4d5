/*
 * Fuzz target: the body of POST /v1/requests (gate/daemon/filing.c), with the
 * kinesisanalyticsv2 request inside it and its request digest.  On
 * success the filing must hold what the gate needs (an operation, an
 * input object, a 64-digit digest, the same digest when computed again);
 * on failure the output must be untouched and the reason non-empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "filing.h"
#include "ops.h"

#define REGION	"eu-west-1"
#define ACCOUNT	"111111111111"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cg_buf *why = NULL;
	struct filing f, again;
	enum filing_error kind = FILING_OK;
	const char *msg = NULL;
	int r;

	if (cg_buf_new(1 << 16, &why) < 0)
		abort();
	memset(&f, 0xA5, sizeof(f));
	r = filing_parse((const char *)data, size, REGION, ACCOUNT, &f, &kind, why);
	if (r == CG_ERR_NOMEM)
		goto done;
	if (r < 0) {
		const uint8_t *p = (const uint8_t *)&f;
		size_t i;

		for (i = 0; i < sizeof(f); i++)
			if (p[i] != 0xA5)
				abort();
		if (kind == FILING_OK || cg_buf_cstr(why, &msg) < 0 || *msg == '\0')
			abort();
		goto done;
	}
	if (kind != FILING_OK || f.body == NULL || f.operation == NULL || f.input == NULL ||
	    strlen(f.digest) != 64 || f.req.op >= OP_KIND_COUNT ||
	    strcmp(ops_name(f.req.op), f.operation) != 0)
		abort();
	/* the same bytes give the same digest */
	cg_buf_reset(why);
	if (filing_parse((const char *)data, size, REGION, ACCOUNT, &again, &kind, why) == 0) {
		if (strcmp(again.digest, f.digest) != 0)
			abort();
		filing_clear(&again);
	}
	filing_clear(&f);
 done:
	cg_buf_free(why);
	return 0;
}

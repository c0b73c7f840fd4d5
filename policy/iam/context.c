#include <stdlib.h>
#include <string.h>

#include "cg_err.h"
#include "cg_macros.h"
#include "context.h"
#include "pattern.h"

void
context_init(struct context *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
}

static void
entry_clear(struct context_entry *e)
{
	size_t i;

	for (i = 0; i < e->nvalues; i++)
		free(e->values[i]);
	free(e->values);
	free(e->lens);
	free(e->key);
}

void
context_clear(struct context *ctx)
{
	size_t i;

	if (ctx == NULL)
		return;
	for (i = 0; i < ctx->n; i++)
		entry_clear(&ctx->entries[i]);
	free(ctx->entries);
	memset(ctx, 0, sizeof(*ctx));
}

int
context_add(struct context *ctx, const char *key, const char *const *values,
    size_t nvalues, bool multi)
{
	struct context_entry e, *grown;
	size_t klen, i;
	int r = CG_ERR_INTERNAL;

	memset(&e, 0, sizeof(e));
	ENSURE(key != NULL && (values != NULL || nvalues == 0), CG_ERR_INVALID_ARG);
	klen = strlen(key);
	ENSURE(klen > 0, CG_ERR_INVALID_ARG);
	ENSURE(klen <= CONTEXT_STRING_MAX && nvalues <= CONTEXT_VALUES_MAX, CG_ERR_LIMIT);
	ENSURE(ctx->n < CONTEXT_KEYS_MAX, CG_ERR_LIMIT);
	ENSURE((e.key = malloc(klen + 1)) != NULL, CG_ERR_NOMEM);
	for (i = 0; i <= klen; i++)
		e.key[i] = cg_ascii_lower(key[i]);
	e.hash = cg_hash(e.key, klen, false);
	ENSURE(context_find(ctx, e.key, e.hash) == NULL, CG_ERR_INVALID_ARG);
	for (i = 0; i < ctx->n; i++)	/* an empty (missing) key is not found above */
		ENSURE(strcmp(ctx->entries[i].key, e.key) != 0, CG_ERR_INVALID_ARG);
	e.multi = multi;
	if (nvalues > 0) {
		ENSURE((e.values = calloc(nvalues, sizeof(*e.values))) != NULL, CG_ERR_NOMEM);
		ENSURE((e.lens = calloc(nvalues, sizeof(*e.lens))) != NULL, CG_ERR_NOMEM);
	}
	for (i = 0; i < nvalues; i++) {
		ENSURE(values[i] != NULL, CG_ERR_INVALID_ARG);
		e.lens[i] = strlen(values[i]);
		ENSURE(e.lens[i] <= CONTEXT_STRING_MAX, CG_ERR_LIMIT);
		ENSURE((e.values[i] = strdup(values[i])) != NULL, CG_ERR_NOMEM);
		e.nvalues++;
	}
	if (ctx->n == ctx->cap) {
		size_t cap = ctx->cap == 0 ? 8 : ctx->cap * 2;

		ENSURE((grown = realloc(ctx->entries, cap * sizeof(*grown))) != NULL,
		    CG_ERR_NOMEM);
		ctx->entries = grown;
		ctx->cap = cap;
	}
	ctx->entries[ctx->n++] = e;
	memset(&e, 0, sizeof(e));
	r = 0;
 out:
	entry_clear(&e);
	return r;
}

const struct context_entry *
context_find(const struct context *ctx, const char *key_lc, uint64_t hash)
{
	size_t i;

	if (ctx == NULL)
		return NULL;
	for (i = 0; i < ctx->n; i++) {
		const struct context_entry *e = &ctx->entries[i];

		if (e->hash == hash && e->nvalues > 0 && strcmp(e->key, key_lc) == 0)
			return e;
	}
	return NULL;
}

const char *
context_get_single(const struct context *ctx, const char *key_lc)
{
	const struct context_entry *e;

	e = context_find(ctx, key_lc, cg_hash(key_lc, strlen(key_lc), false));
	if (e == NULL || e->nvalues != 1)
		return NULL;
	return e->values[0];
}

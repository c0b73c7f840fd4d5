/*
 * The request context: condition keys and their values.
 *
 * Keys are compared case-insensitively (stored lower-cased).  A key has
 * one value or, when given as a list, any number of values ("multivalued");
 * a key with an empty list counts as missing.
 */
#ifndef CMKGATE_CONTEXT_H
#define CMKGATE_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONTEXT_KEYS_MAX	256
#define CONTEXT_VALUES_MAX	256
#define CONTEXT_STRING_MAX	8192

struct context_entry {
	char		*key;		/* lower-cased */
	uint64_t	 hash;
	char		**values;
	size_t		*lens;
	size_t		 nvalues;
	bool		 multi;
};

struct context {
	struct context_entry	*entries;
	size_t			 n;
	size_t			 cap;
};

void context_init(struct context *ctx);
void context_clear(struct context *ctx);

/*
 * Adds key with values (copied).  multi marks a list-valued key.
 * CG_ERR_INVALID_ARG if the key is already there; CG_ERR_LIMIT past the caps.
 */
int context_add(struct context *ctx, const char *key, const char *const *values,
    size_t nvalues, bool multi);

/* The entry for key (already lower-cased), or NULL when missing or empty. */
const struct context_entry *context_find(const struct context *ctx, const char *key_lc,
    uint64_t hash);

/* The single value of key_lc for policy variables; NULL if missing or multivalued. */
const char *context_get_single(const struct context *ctx, const char *key_lc);

#endif

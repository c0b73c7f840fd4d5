/*
 * Secret strings (AWS secret keys, session tokens): kept in libsodium's
 * guarded, locked memory, wiped when freed, compared in constant time,
 * never printed.  cg_secret_free(NULL) is fine.
 */
#ifndef CMKGATE_SECRET_H
#define CMKGATE_SECRET_H

#include <stdbool.h>
#include <stddef.h>

struct cg_secret;

#define CG_SECRET_MAX 8192

/* A copy of len bytes of s (no NUL inside); CG_ERR_LIMIT past CG_SECRET_MAX. */
int cg_secret_new(const char *s, size_t len, struct cg_secret **ret_secret);
int cg_secret_dup(const struct cg_secret *src, struct cg_secret **ret_secret);
void cg_secret_free(struct cg_secret *secret);

/* The NUL-terminated value: hand it only to what needs it (curl), never log it. */
const char *cg_secret_str(const struct cg_secret *secret);
size_t cg_secret_len(const struct cg_secret *secret);
bool cg_secret_equal(const struct cg_secret *a, const struct cg_secret *b);

#endif

#include <string.h>

#include <sodium.h>

#include "cg_err.h"
#include "cg_macros.h"
#include "secret.h"

struct cg_secret {
	size_t	 len;
	char	*data;		/* sodium_malloc'd, len + 1 bytes */
};

int
cg_secret_new(const char *s, size_t len, struct cg_secret **ret_secret)
{
	struct cg_secret *sec = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE(s != NULL && ret_secret != NULL, CG_ERR_INVALID_ARG);
	ENSURE(len <= CG_SECRET_MAX, CG_ERR_LIMIT);
	ENSURE(memchr(s, '\0', len) == NULL, CG_ERR_INVALID_ARG);
	ENSURE(sodium_init() >= 0, CG_ERR_INTERNAL);
	ENSURE((sec = sodium_malloc(sizeof(*sec))) != NULL, CG_ERR_NOMEM);
	sec->len = len;
	if ((sec->data = sodium_malloc(len + 1)) == NULL) {
		sodium_free(sec);
		sec = NULL;
		r = CG_ERR_NOMEM;
		goto out;
	}
	memcpy(sec->data, s, len);
	sec->data[len] = '\0';
	*ret_secret = sec;
	sec = NULL;
	r = 0;
 out:
	return r;
}

int
cg_secret_dup(const struct cg_secret *src, struct cg_secret **ret_secret)
{
	if (src == NULL)
		return CG_ERR_INVALID_ARG;
	return cg_secret_new(src->data, src->len, ret_secret);
}

void
cg_secret_free(struct cg_secret *sec)
{
	if (sec == NULL)
		return;
	sodium_free(sec->data);	/* wipes */
	sodium_free(sec);
}

const char *
cg_secret_str(const struct cg_secret *sec)
{
	return sec->data;
}

size_t
cg_secret_len(const struct cg_secret *sec)
{
	return sec->len;
}

bool
cg_secret_equal(const struct cg_secret *a, const struct cg_secret *b)
{
	return a->len == b->len && sodium_memcmp(a->data, b->data, a->len) == 0;
}

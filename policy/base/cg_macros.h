/*
 * The check macros every cmkgate .c file uses.  They assume the function
 * has `int r` and an `out:` label that frees what it owns, and they are
 * the only way a function leaves early:
 *
 *	int r = CG_ERR_INTERNAL;
 *	GUARD(cg_buf_put(b, p, n));		// propagate a negative code
 *	ENSURE(n <= MAX, CG_ERR_LIMIT);		// fail with a code if false
 *	r = 0;
 *  out:
 *	free(tmp);
 *	return r;
 */
#ifndef CMKGATE_CG_MACROS_H
#define CMKGATE_CG_MACROS_H

#define GUARD(expr) do {			\
	if ((r = (expr)) < 0)			\
		goto out;			\
} while (0)

#define ENSURE(cond, err) do {			\
	if (!(cond)) {				\
		r = (err);			\
		goto out;			\
	}					\
} while (0)

#define CG_NELEM(a) (sizeof(a) / sizeof((a)[0]))

#endif

/*
 * cmkgate error codes.
 *
 * Every function that can fail returns int: 0 on success, one of the
 * negative CG_ERR_* codes below on failure.  Outputs are written through
 * ret_* pointers, and only on success: a caller never sees a half-built
 * result.  Library code does not print; the caller reports once, with
 * cg_strerror() and what it was doing.
 */
#ifndef CMKGATE_CG_ERR_H
#define CMKGATE_CG_ERR_H

enum {
	CG_OK			= 0,
	CG_ERR_INTERNAL		= -1,	/* a bug: an invariant did not hold */
	CG_ERR_NOMEM		= -2,	/* memory allocation failed */
	CG_ERR_INVALID_ARG	= -3,	/* the caller passed something invalid */
	CG_ERR_LIMIT		= -4,	/* a size or count limit would be exceeded */
	CG_ERR_TRUNCATED	= -5,	/* input ended before the field did */
	CG_ERR_TRAILING		= -6,	/* input has bytes after the last field */
	CG_ERR_PARSE		= -7,	/* input does not have the expected form */
	CG_ERR_IO		= -8,	/* a read, write or system call failed */
	CG_ERR_NOT_FOUND	= -9,	/* the named thing does not exist */
	CG_ERR_DENIED		= -10,	/* a check refused the operation */
	CG_ERR_POLICY		= -11,	/* a policy document is malformed */
	CG_ERR_AWS		= -12,	/* AWS answered with an error (see its code) */
	CG_ERR_TRANSPORT	= -13,	/* the request did not get an HTTP answer */
	CG_ERR_CREDENTIALS	= -14,	/* no usable AWS credentials */
	CG_ERR_LAST		= -15	/* keep last: not a real code */
};

/* A short static description of r; never NULL, also for unknown codes. */
const char *cg_strerror(int r);

#endif

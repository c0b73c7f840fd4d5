#include "cg_err.h"

const char *
cg_strerror(int r)
{
	switch (r) {
	case CG_OK:			return "success";
	case CG_ERR_INTERNAL:		return "internal error";
	case CG_ERR_NOMEM:		return "out of memory";
	case CG_ERR_INVALID_ARG:	return "invalid argument";
	case CG_ERR_LIMIT:		return "size or count limit exceeded";
	case CG_ERR_TRUNCATED:		return "input truncated";
	case CG_ERR_TRAILING:		return "unexpected data after the end of input";
	case CG_ERR_PARSE:		return "malformed input";
	case CG_ERR_IO:			return "input/output error";
	case CG_ERR_NOT_FOUND:		return "not found";
	case CG_ERR_DENIED:		return "denied";
	case CG_ERR_POLICY:		return "malformed policy document";
	case CG_ERR_AWS:		return "AWS returned an error";
	case CG_ERR_TRANSPORT:		return "could not reach the AWS endpoint";
	case CG_ERR_CREDENTIALS:	return "no usable AWS credentials";
	}
	return "unknown error";
}

/*
 * One way to read the members of a JSON object: a table, like a schema.
 *
 *	static const struct cg_jmember m[] = {
 *		{ "name",  CG_JT_STRING, true,  .min = 1, .max = 64 },
 *		{ "uid",   CG_JT_INT,    false, .lo = 0, .hi = UINT32_MAX - 1 },
 *		{ "items", CG_JT_ARRAY,  false, .max = 100 },
 *	};
 *	struct json_object *v[CG_NELEM(m)];
 *	GUARD(cg_jmembers(obj, m, CG_NELEM(m), NULL, "config", v, why));
 *
 * cg_jmembers() checks that obj is an object, that every member it holds
 * is in the table with one of the allowed types and within the bounds, and
 * that every required member is there; v[i] is then table[i]'s value (a
 * borrowed reference) or NULL when it is absent.  What a member means is
 * the caller's to check after that; what it looks like is checked here,
 * once, the same way for every format the gate reads.
 *
 * Bounds: for a string, its length in bytes (min..max; max 0: no bound)
 * and no NUL byte inside; for an array, its number of elements; for an
 * object, its number of members; for an integer, lo..hi when lo < hi.
 */
#ifndef CMKGATE_CG_JSCHEMA_H
#define CMKGATE_CG_JSCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

struct cg_buf;

#define CG_JT_STRING	(1u << 0)
#define CG_JT_INT	(1u << 1)	/* an integer */
#define CG_JT_DOUBLE	(1u << 2)	/* a number with a fraction or exponent */
#define CG_JT_NUMBER	(CG_JT_INT | CG_JT_DOUBLE)
#define CG_JT_BOOL	(1u << 3)
#define CG_JT_OBJECT	(1u << 4)
#define CG_JT_ARRAY	(1u << 5)
#define CG_JT_NULL	(1u << 6)

struct cg_jmember {
	const char	*name;
	unsigned	 types;		/* CG_JT_* bits */
	bool		 required;
	size_t		 min, max;	/* string bytes, array elements, object members */
	int64_t		 lo, hi;	/* integer values, when lo < hi */
};

/*
 * Names an object must not hold whatever its table says, each refused with
 * its own message (e.g. members that would claim an identity).  Compared
 * without regard to case.
 */
struct cg_jrefused {
	const char *const	*names;		/* NULL-terminated */
	const char		*message;	/* "... claims an identity: ..." */
};

/*
 * Checks obj against table (n entries, names unique) as above.  where is
 * the object's path for messages ("operators[1]"; "" at the top); refused
 * may be NULL.  On failure CG_ERR_PARSE (CG_ERR_INVALID_ARG for a NULL
 * argument) and why, when not NULL, gets the member's path and what is
 * wrong appended ("operators[1].uid: must be an integer from 0 to 10",
 * "socket.owner: unknown member (socket may hold path, mode or group)",
 * "operators[0].name: missing"); outside names are shown with C0
 * controls as '?' and cut at 64 bytes.  ret_values is untouched.
 */
int cg_jmembers(struct json_object *obj, const struct cg_jmember *table, size_t n,
    const struct cg_jrefused *refused, const char *where, struct json_object **ret_values,
    struct cg_buf *why);

/* The one JSON type of v as a CG_JT_* bit (0 for none). */
unsigned cg_jtype(struct json_object *v);

#endif

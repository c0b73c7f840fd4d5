/*
 * JSON Canonicalization Scheme (RFC 8785) and the digest that names a
 * request: SHA-256 over the canonical bytes.
 *
 * Canonical form: no whitespace; object members sorted by their names'
 * UTF-16 code units; strings with only the escapes RFC 8785 requires
 * (\b \t \n \f \r \" \\ and \u00xx for other control characters, lower-case
 * hex), everything else as UTF-8; numbers as ECMAScript prints them
 * (shortest round-trip form; integers without a fraction; exponent form
 * outside 1e-7 <= |x| < 1e21).  Input comes from cg_json_parse, so it is
 * already strict, UTF-8 and free of duplicate names.
 */
#ifndef CMKGATE_JCS_H
#define CMKGATE_JCS_H

#include <stddef.h>
#include <stdint.h>

struct cg_buf;
struct json_object;

#define JCS_DIGEST_LEN 32

/* Appends the canonical form of obj to out. */
int jcs_serialize(struct json_object *obj, struct cg_buf *out);
/* The canonical form as a new NUL-terminated string (at most max bytes) the caller frees. */
int jcs_text(struct json_object *obj, size_t max, char **ret_text);

/* SHA-256 of the canonical form, raw, and as 64 lower-case hex characters + NUL. */
int jcs_digest(struct json_object *obj, uint8_t ret_digest[JCS_DIGEST_LEN],
    char ret_hex[2 * JCS_DIGEST_LEN + 1]);

/* ECMAScript Number-to-String for a finite double into out (at least 32 bytes). */
int jcs_number(double v, char *out, size_t max);

#endif

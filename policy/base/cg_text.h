/*
 * Text a person will read on a terminal, and outside names quoted in
 * messages.
 */
#ifndef CMKGATE_CG_TEXT_H
#define CMKGATE_CG_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct cg_buf;

/*
 * Whether s (valid UTF-8, as the strict JSON reader guarantees) holds no
 * control characters (C0, DEL, C1) and no bidirectional marks or
 * overrides (U+200E/F, U+202A..E, U+2066..9, U+061C).
 */
bool cg_text_printable(const char *s);

/*
 * Appends at most max bytes of s to b for a message: C0 controls and DEL
 * become '?', a cut falls on a UTF-8 character boundary and is marked
 * "...".  For names that come from outside (a member, a file name).
 * 0 or the cg_buf error.
 */
int cg_text_put_shown(struct cg_buf *b, const char *s, size_t max);

#endif

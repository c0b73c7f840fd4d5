#include <string.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "cg_text.h"

bool
cg_text_printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		/* C0 controls and DEL */
		if (*p < 0x20 || *p == 0x7f)
			return false;
		/* C1 controls: U+0080..U+009F are C2 80..C2 9F in UTF-8 */
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return false;
		/* U+200E/F, U+202A..U+202E, U+2066..U+2069: direction marks and overrides */
		if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f ||
		    (p[2] >= 0xaa && p[2] <= 0xae)))
			return false;
		if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
			return false;
		/* U+061C, the Arabic letter mark */
		if (p[0] == 0xd8 && p[1] == 0x9c)
			return false;
	}
	return true;
}

int
cg_text_put_shown(struct cg_buf *b, const char *s, size_t max)
{
	size_t len = strlen(s), n = len, i;
	char c;
	int r = CG_ERR_INTERNAL;

	if (n > max) {
		n = max;
		/* back to the start of a character: never half of one */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
		GUARD(cg_buf_put(b, &c, 1));
	}
	if (n < len)
		GUARD(cg_buf_putf(b, "..."));
	r = 0;
 out:
	return r;
}

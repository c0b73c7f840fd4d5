#include <stdlib.h>
#include <string.h>

#include "cg_err.h"
#include "cg_macros.h"
#include "context.h"
#include "pattern.h"

#define ATOM_STAR	0x100
#define ATOM_QMARK	0x101
#define ATOM_STAR_SEG	0x102	/* ARN matching: a `*` that cannot cross a `:` */
#define ATOM_VAR	0x200	/* + variable index */
#define PATTERN_MAX	8192	/* bytes of source text */
#define VARS_MAX	64
#define EXPAND_STACK	512

uint64_t
cg_hash(const char *s, size_t len, bool icase)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)(icase ? cg_ascii_lower(s[i]) : s[i]);
		h *= 0x100000001b3ULL;
	}
	return h;
}

static char *
dup_range(const char *s, size_t len, bool fold)
{
	char *d;
	size_t i;

	if ((d = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		d[i] = fold ? cg_ascii_lower(s[i]) : s[i];
	d[len] = '\0';
	return d;
}

/*
 * Parses the variable starting at src[*pos] ("${"), appending its atom.
 * Returns 1 when a variable or escape was consumed, 0 when the text there
 * is not a well-formed variable (it is then literal text).
 */
static int
parse_var(struct pattern *pat, const char *src, size_t len, size_t *pos)
{
	size_t i = *pos + 2, kstart, kend, dstart = 0, dend = 0;
	bool has_def = false;
	struct pattern_var *v;

	if (i + 1 < len && src[i + 1] == '}' &&
	    (src[i] == '*' || src[i] == '?' || src[i] == '$')) {
		pat->atoms[pat->natoms++] = (uint8_t)src[i];
		*pos = i + 2;
		return 1;
	}
	while (i < len && src[i] == ' ')
		i++;
	kstart = i;
	while (i < len && src[i] != '}' && src[i] != ',' && src[i] != ' ' &&
	    src[i] != '$' && src[i] != '{')
		i++;
	kend = i;
	while (i < len && src[i] == ' ')
		i++;
	if (i < len && src[i] == ',') {
		i++;
		while (i < len && src[i] == ' ')
			i++;
		if (i >= len || src[i] != '\'')
			return 0;
		dstart = ++i;
		while (i < len && src[i] != '\'')
			i++;
		if (i >= len)
			return 0;
		dend = i++;
		has_def = true;
		while (i < len && src[i] == ' ')
			i++;
	}
	if (i >= len || src[i] != '}' || kend == kstart || pat->nvars >= VARS_MAX)
		return 0;
	v = &pat->vars[pat->nvars];
	if ((v->key = dup_range(src + kstart, kend - kstart, true)) == NULL)
		return -1;
	v->def = NULL;
	if (has_def && (v->def = dup_range(src + dstart, dend - dstart, false)) == NULL) {
		free(v->key);
		return -1;
	}
	pat->atoms[pat->natoms++] = (uint16_t)(ATOM_VAR + pat->nvars);
	pat->nvars++;
	*pos = i + 1;
	return 1;
}

int
pattern_compile(struct pattern *pat, const char *src, size_t len, unsigned flags)
{
	size_t i, k;
	bool icase = (flags & PATTERN_ICASE) != 0;
	int r = CG_ERR_INTERNAL, v;

	memset(pat, 0, sizeof(*pat));
	pat->flags = flags;
	ENSURE(src != NULL, CG_ERR_INVALID_ARG);
	ENSURE(len <= PATTERN_MAX, CG_ERR_LIMIT);
	ENSURE((pat->atoms = calloc(len + 1, sizeof(*pat->atoms))) != NULL, CG_ERR_NOMEM);
	if ((flags & PATTERN_VARS) && memmem(src, len, "${", 2) != NULL)
		ENSURE((pat->vars = calloc(VARS_MAX, sizeof(*pat->vars))) != NULL,
		    CG_ERR_NOMEM);
	for (i = 0; i < len; ) {
		if (pat->vars != NULL && src[i] == '$' && i + 1 < len && src[i + 1] == '{') {
			ENSURE((v = parse_var(pat, src, len, &i)) >= 0, CG_ERR_NOMEM);
			if (v == 1)
				continue;
		}
		if ((flags & PATTERN_GLOB) && src[i] == '*')
			pat->atoms[pat->natoms++] = ATOM_STAR;
		else if ((flags & PATTERN_GLOB) && src[i] == '?')
			pat->atoms[pat->natoms++] = ATOM_QMARK;
		else
			pat->atoms[pat->natoms++] =
			    (uint8_t)(icase ? cg_ascii_lower(src[i]) : src[i]);
		i++;
	}
	pat->literal = true;
	for (k = 0; k < pat->natoms; k++)
		if (pat->atoms[k] > 0xff)
			pat->literal = false;
	pat->star_only = pat->natoms == 1 && pat->atoms[0] == ATOM_STAR;
	if (pat->literal) {
		ENSURE((pat->text = malloc(pat->natoms + 1)) != NULL, CG_ERR_NOMEM);
		for (k = 0; k < pat->natoms; k++)
			pat->text[k] = (char)pat->atoms[k];
		pat->text[pat->natoms] = '\0';
		pat->len = pat->natoms;
		pat->hash = cg_hash(pat->text, pat->len, false);
	}
	r = 0;
 out:
	if (r < 0)
		pattern_clear(pat);
	return r;
}

void
pattern_clear(struct pattern *pat)
{
	size_t i;

	if (pat == NULL)
		return;
	for (i = 0; i < pat->nvars; i++) {
		free(pat->vars[i].key);
		free(pat->vars[i].def);
	}
	free(pat->vars);
	free(pat->atoms);
	free(pat->text);
	memset(pat, 0, sizeof(*pat));
}

/* Classic wildcard match with one backtrack point; atoms are already folded. */
static bool
glob_atoms(const uint16_t *p, size_t pn, const char *s, size_t sn, bool icase)
{
	size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;
	uint16_t c;

	while (si < sn) {
		c = (uint8_t)(icase ? cg_ascii_lower(s[si]) : s[si]);
		if (pi < pn && (p[pi] == ATOM_QMARK || p[pi] == c)) {
			pi++;
			si++;
		} else if (pi < pn && p[pi] == ATOM_STAR) {
			star_p = pi++;
			star_s = si;
		} else if (star_p != SIZE_MAX) {
			pi = star_p + 1;
			si = ++star_s;
		} else {
			return false;
		}
	}
	while (pi < pn && p[pi] == ATOM_STAR)
		pi++;
	return pi == pn;
}

/*
 * Glob where ATOM_STAR_SEG matches any run without ':'.  Mixed star kinds
 * defeat the one-backtrack-point shortcut, so this walks the pattern as an
 * NFA: reach[i] says pattern position i is reachable after the input so far.
 */
static bool
is_star(uint16_t a)
{
	return a == ATOM_STAR || a == ATOM_STAR_SEG;
}

static bool
glob_atoms_seg(const uint16_t *p, size_t pn, const char *s, size_t sn, bool icase)
{
	bool stack_buf[2 * (EXPAND_STACK + 1)], *buf = stack_buf, *heap = NULL;
	bool *cur, *next, *tmp, m;
	size_t i, si;
	uint16_t c;

	if (2 * (pn + 1) > CG_NELEM(stack_buf)) {
		if ((heap = calloc(2 * (pn + 1), sizeof(*heap))) == NULL)
			return false;
		buf = heap;
	}
	cur = buf;
	next = buf + pn + 1;
	memset(cur, 0, (pn + 1) * sizeof(*cur));
	cur[0] = true;
	for (i = 0; i < pn; i++)	/* a star may match the empty run */
		if (cur[i] && is_star(p[i]))
			cur[i + 1] = true;
	for (si = 0; si < sn; si++) {
		c = (uint8_t)(icase ? cg_ascii_lower(s[si]) : s[si]);
		memset(next, 0, (pn + 1) * sizeof(*next));
		for (i = 0; i < pn; i++) {
			if (!cur[i])
				continue;
			if (p[i] == ATOM_STAR || (p[i] == ATOM_STAR_SEG && c != ':'))
				next[i] = true;
			else if (p[i] == ATOM_QMARK || p[i] == c)
				next[i + 1] = true;
		}
		for (i = 0; i < pn; i++)
			if (next[i] && is_star(p[i]))
				next[i + 1] = true;
		tmp = cur;
		cur = next;
		next = tmp;
	}
	m = cur[pn];
	free(heap);
	return m;
}

/*
 * ARN fields one to five: a `*` that is not the last character of its
 * field becomes ATOM_STAR_SEG.  AWS: "If the * wildcard is the last
 * character of a resource ARN segment, it can expand to match beyond the
 * colon boundaries"; inside a segment it cannot.  Only for patterns that
 * start "arn:"; others are plain globs.  Returns whether any
 * ATOM_STAR_SEG was written.
 */
static bool
arn_mark_stars(const uint16_t *in, size_t n, uint16_t *out)
{
	size_t i, colons = 0;
	bool any = false, arn;

	arn = n >= 4 && in[0] == 'a' && in[1] == 'r' && in[2] == 'n' && in[3] == ':';
	for (i = 0; i < n; i++) {
		out[i] = in[i];
		if (in[i] == ':')
			colons++;
		if (arn && in[i] == ATOM_STAR && colons < 5 && i + 1 < n && in[i + 1] != ':' &&
		    !is_star(in[i + 1])) {
			out[i] = ATOM_STAR_SEG;
			any = true;
		}
	}
	return any;
}

/*
 * Resolves variables into a flat atom array (values literal, folded when
 * ICASE).  Returns the array (tmp or a heap one in *heap), NULL when a
 * variable is missing or memory ran out.
 */
static const uint16_t *
expand(const struct pattern *pat, const struct context *ctx, uint16_t *tmp,
    size_t tmpn, uint16_t **heap, size_t *ret_n)
{
	const char *vals[VARS_MAX];
	size_t lens[VARS_MAX], total = 0, i, j, n = 0;
	bool icase = (pat->flags & PATTERN_ICASE) != 0;
	uint16_t *out = tmp, a;

	*heap = NULL;
	for (i = 0; i < pat->nvars; i++) {
		vals[i] = context_get_single(ctx, pat->vars[i].key);
		if (vals[i] == NULL)
			vals[i] = pat->vars[i].def;
		if (vals[i] == NULL)
			return NULL;
		lens[i] = strlen(vals[i]);
		total += lens[i];
	}
	total += pat->natoms;
	if (total > tmpn) {
		if ((*heap = malloc(total * sizeof(**heap))) == NULL)
			return NULL;
		out = *heap;
	}
	for (i = 0; i < pat->natoms; i++) {
		a = pat->atoms[i];
		if (a < ATOM_VAR) {
			out[n++] = a;
			continue;
		}
		for (j = 0; j < lens[a - ATOM_VAR]; j++) {
			char c = vals[a - ATOM_VAR][j];

			out[n++] = (uint8_t)(icase ? cg_ascii_lower(c) : c);
		}
	}
	*ret_n = n;
	return out;
}

static bool
literal_equal(const struct pattern *pat, const char *s, size_t len)
{
	size_t i;

	if (pat->len != len)
		return false;
	if (!(pat->flags & PATTERN_ICASE))
		return memcmp(pat->text, s, len) == 0;
	for (i = 0; i < len; i++)
		if (pat->text[i] != cg_ascii_lower(s[i]))
			return false;
	return true;
}

bool
pattern_match(const struct pattern *pat, const char *s, size_t len,
    const struct context *ctx)
{
	uint16_t tmp[EXPAND_STACK], *heap = NULL;
	const uint16_t *atoms;
	size_t n = 0;
	bool m;

	if (pat->star_only)
		return true;
	if (pat->literal)
		return literal_equal(pat, s, len);
	if (pat->nvars == 0)
		return glob_atoms(pat->atoms, pat->natoms, s, len,
		    (pat->flags & PATTERN_ICASE) != 0);
	if ((atoms = expand(pat, ctx, tmp, EXPAND_STACK, &heap, &n)) == NULL)
		return false;
	m = glob_atoms(atoms, n, s, len, (pat->flags & PATTERN_ICASE) != 0);
	free(heap);
	return m;
}

bool
pattern_match_arn(const struct pattern *pat, const char *s, size_t len,
    const struct context *ctx)
{
	uint16_t tmp[EXPAND_STACK], mark_tmp[EXPAND_STACK], *heap = NULL, *mheap = NULL;
	const uint16_t *atoms;
	uint16_t *marked = mark_tmp;
	size_t n = 0;
	bool icase = (pat->flags & PATTERN_ICASE) != 0, m = false;

	if (pat->star_only)
		return true;
	if (pat->literal)
		return literal_equal(pat, s, len);
	if (pat->nvars == 0) {
		atoms = pat->atoms;
		n = pat->natoms;
	} else if ((atoms = expand(pat, ctx, tmp, EXPAND_STACK, &heap, &n)) == NULL) {
		return false;
	}
	if (n > EXPAND_STACK) {
		if ((mheap = malloc(n * sizeof(*mheap))) == NULL)
			goto out;
		marked = mheap;
	}
	if (arn_mark_stars(atoms, n, marked))
		m = glob_atoms_seg(marked, n, s, len, icase);
	else
		m = glob_atoms(atoms, n, s, len, icase);
 out:
	free(heap);
	free(mheap);
	return m;
}

/* Splits at the first five colons; returns the number of fields (1..6). */
static size_t
split_subject(const char *s, size_t len, size_t start[6], size_t end[6])
{
	size_t f = 0, i;

	start[0] = 0;
	for (i = 0; i < len && f < 5; i++) {
		if (s[i] == ':') {
			end[f] = i;
			start[++f] = i + 1;
		}
	}
	end[f] = len;
	return f + 1;
}

static size_t
split_atoms(const uint16_t *a, size_t n, size_t start[6], size_t end[6])
{
	size_t f = 0, i;

	start[0] = 0;
	for (i = 0; i < n && f < 5; i++) {
		if (a[i] == ':') {
			end[f] = i;
			start[++f] = i + 1;
		}
	}
	end[f] = n;
	return f + 1;
}

bool
pattern_match_arn_fields(const struct pattern *pat, const char *s, size_t len,
    const struct context *ctx)
{
	uint16_t tmp[EXPAND_STACK], *heap = NULL;
	const uint16_t *atoms;
	size_t n = 0, ps[6], pe[6], ss[6], se[6], f;
	bool icase = (pat->flags & PATTERN_ICASE) != 0, m = true;

	if (pat->star_only)
		return true;
	if (pat->nvars == 0) {
		atoms = pat->atoms;
		n = pat->natoms;
	} else if ((atoms = expand(pat, ctx, tmp, EXPAND_STACK, &heap, &n)) == NULL) {
		return false;
	}
	if (split_atoms(atoms, n, ps, pe) != 6 || split_subject(s, len, ss, se) != 6)
		m = false;
	for (f = 0; f < 6 && m; f++)
		m = glob_atoms(atoms + ps[f], pe[f] - ps[f], s + ss[f], se[f] - ss[f], icase);
	free(heap);
	return m;
}

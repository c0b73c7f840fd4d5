#include <stdlib.h>
#include <string.h>

#include "cg_err.h"
#include "cg_macros.h"
#include "context.h"
#include "pattern.h"

#define ATOM_STAR	0x100
#define ATOM_QMARK	0x101
#define ATOM_STAR_SEG	0x102	/* ARN matching: a `*` that cannot cross a `:` */
#define ATOM_VCOLON	0x103	/* a ':' from a variable's value: never a field separator */
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
 * is not a well-formed variable (it is then literal text), CG_ERR_LIMIT
 * past VARS_MAX variables, CG_ERR_NOMEM.
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
	if (i >= len || src[i] != '}' || kend == kstart)
		return 0;
	if (pat->nvars >= VARS_MAX)
		return CG_ERR_LIMIT;	/* never silently literal */
	v = &pat->vars[pat->nvars];
	if ((v->key = dup_range(src + kstart, kend - kstart, true)) == NULL)
		return CG_ERR_NOMEM;
	v->def = NULL;
	if (has_def && (v->def = dup_range(src + dstart, dend - dstart, false)) == NULL) {
		free(v->key);
		v->key = NULL;
		return CG_ERR_NOMEM;
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
	if (flags & PATTERN_VARS) {
		const char *at = src;
		size_t nvars = 0;

		while ((at = memmem(at, len - (size_t)(at - src), "${", 2)) != NULL) {
			nvars++;
			at += 2;
		}
		if (nvars > VARS_MAX)
			nvars = VARS_MAX;
		if (nvars > 0)
			ENSURE((pat->vars = calloc(nvars, sizeof(*pat->vars))) != NULL,
			    CG_ERR_NOMEM);
	}
	for (i = 0; i < len; ) {
		if (pat->vars != NULL && src[i] == '$' && i + 1 < len && src[i + 1] == '{') {
			GUARD(v = parse_var(pat, src, len, &i));
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

static bool
atom_is(uint16_t a, uint16_t c)
{
	return a == c || (a == ATOM_VCOLON && c == ':');
}

/*
 * Classic wildcard match with one backtrack point; atoms are already
 * folded.  1 match, 0 none, CG_ERR_LIMIT when the budget runs out.
 */
static int
glob_atoms(const uint16_t *p, size_t pn, const char *s, size_t sn, bool icase,
    struct cg_budget *b)
{
	size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;
	uint64_t left = b->left;	/* a local copy: the loop is the hot path */
	uint16_t c;
	int r = 0;

	while (si < sn) {
		if (left == 0) {
			r = CG_ERR_LIMIT;
			goto out;
		}
		left--;
		c = (uint8_t)(icase ? cg_ascii_lower(s[si]) : s[si]);
		if (pi < pn && (p[pi] == ATOM_QMARK || atom_is(p[pi], c))) {
			pi++;
			si++;
		} else if (pi < pn && p[pi] == ATOM_STAR) {
			star_p = pi++;
			star_s = si;
		} else if (star_p != SIZE_MAX) {
			pi = star_p + 1;
			si = ++star_s;
		} else {
			goto out;	/* r = 0: no match */
		}
	}
	while (pi < pn && p[pi] == ATOM_STAR)
		pi++;
	r = pi == pn;
 out:
	b->left = left;
	return r;
}

static bool
is_star(uint16_t a)
{
	return a == ATOM_STAR || a == ATOM_STAR_SEG;
}

/*
 * Glob where ATOM_STAR_SEG matches any run without ':'.  Mixed star kinds
 * defeat the one-backtrack-point shortcut, so this walks the pattern as an
 * NFA: cur[i] says pattern position i is reachable after the input so far.
 */
static int
glob_atoms_seg(const uint16_t *p, size_t pn, const char *s, size_t sn, bool icase,
    struct cg_budget *b)
{
	bool stack_buf[2 * (EXPAND_STACK + 1)], *buf = stack_buf, *heap = NULL;
	bool *cur, *next, *tmp;
	size_t i, si;
	uint16_t c;
	int r = CG_ERR_INTERNAL;

	if (2 * (pn + 1) > CG_NELEM(stack_buf)) {
		ENSURE((heap = calloc(2 * (pn + 1), sizeof(*heap))) != NULL, CG_ERR_NOMEM);
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
		GUARD(cg_budget_spend(b, pn + 1));
		c = (uint8_t)(icase ? cg_ascii_lower(s[si]) : s[si]);
		memset(next, 0, (pn + 1) * sizeof(*next));
		for (i = 0; i < pn; i++) {
			if (!cur[i])
				continue;
			if (p[i] == ATOM_STAR || (p[i] == ATOM_STAR_SEG && c != ':'))
				next[i] = true;
			else if (p[i] == ATOM_QMARK || atom_is(p[i], c))
				next[i + 1] = true;
		}
		for (i = 0; i < pn; i++)
			if (next[i] && is_star(p[i]))
				next[i + 1] = true;
		tmp = cur;
		cur = next;
		next = tmp;
	}
	r = cur[pn] ? 1 : 0;
 out:
	free(heap);
	return r;
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
 * Resolves variables into a flat atom array: values are literal (folded
 * when ICASE), and a ':' from a value is ATOM_VCOLON, which matches ':'
 * but never separates ARN fields.  0 with *ret_atoms (tmp, or a heap
 * array in *heap); 0 with *ret_atoms NULL when a variable is missing and
 * has no default (no match); CG_ERR_NOMEM / CG_ERR_LIMIT.
 */
static int
expand(const struct pattern *pat, const struct context *ctx, uint16_t *tmp, size_t tmpn,
    uint16_t **heap, const uint16_t **ret_atoms, size_t *ret_n, struct cg_budget *b)
{
	const char *vals[VARS_MAX];
	size_t lens[VARS_MAX], total = 0, i, j, n = 0;
	bool icase = (pat->flags & PATTERN_ICASE) != 0;
	uint16_t *out = tmp, a;
	int r = CG_ERR_INTERNAL;

	*heap = NULL;
	*ret_atoms = NULL;
	for (i = 0; i < pat->nvars; i++) {
		vals[i] = context_get_single(ctx, pat->vars[i].key);
		if (vals[i] == NULL)
			vals[i] = pat->vars[i].def;
		if (vals[i] == NULL) {
			r = 0;		/* missing: the pattern matches nothing */
			goto out;
		}
		lens[i] = strlen(vals[i]);
		total += lens[i];
	}
	total += pat->natoms;
	GUARD(cg_budget_spend(b, total));
	if (total > tmpn) {
		ENSURE((*heap = malloc(total * sizeof(**heap))) != NULL, CG_ERR_NOMEM);
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

			out[n++] = c == ':' ? ATOM_VCOLON :
			    (uint8_t)(icase ? cg_ascii_lower(c) : c);
		}
	}
	*ret_atoms = out;
	*ret_n = n;
	r = 0;
 out:
	return r;
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

/* The atoms to match: the compiled ones, or an expansion.  *ret_atoms NULL: no match. */
static int
atoms_for(const struct pattern *pat, const struct context *ctx, uint16_t *tmp,
    uint16_t **heap, const uint16_t **ret_atoms, size_t *ret_n, struct cg_budget *b)
{
	*heap = NULL;
	if (pat->nvars == 0) {
		*ret_atoms = pat->atoms;
		*ret_n = pat->natoms;
		return 0;
	}
	return expand(pat, ctx, tmp, EXPAND_STACK, heap, ret_atoms, ret_n, b);
}

int
pattern_match(const struct pattern *pat, const char *s, size_t len,
    const struct context *ctx, struct cg_budget *b)
{
	uint16_t tmp[EXPAND_STACK], *heap = NULL;
	const uint16_t *atoms = NULL;
	size_t n = 0;
	int r = CG_ERR_INTERNAL;

	if (pat->star_only) {
		r = 1;
		goto out;
	}
	if (pat->literal) {
		r = literal_equal(pat, s, len) ? 1 : 0;
		goto out;
	}
	GUARD(atoms_for(pat, ctx, tmp, &heap, &atoms, &n, b));
	r = atoms == NULL ? 0 :
	    glob_atoms(atoms, n, s, len, (pat->flags & PATTERN_ICASE) != 0, b);
 out:
	free(heap);
	return r;
}

int
pattern_match_arn(const struct pattern *pat, const char *s, size_t len,
    const struct context *ctx, struct cg_budget *b)
{
	uint16_t tmp[EXPAND_STACK], mark_tmp[EXPAND_STACK], *heap = NULL, *mheap = NULL;
	const uint16_t *atoms = NULL;
	uint16_t *marked = mark_tmp;
	size_t n = 0;
	bool icase = (pat->flags & PATTERN_ICASE) != 0;
	int r = CG_ERR_INTERNAL;

	if (pat->star_only) {
		r = 1;
		goto out;
	}
	if (pat->literal) {
		r = literal_equal(pat, s, len) ? 1 : 0;
		goto out;
	}
	GUARD(atoms_for(pat, ctx, tmp, &heap, &atoms, &n, b));
	if (atoms == NULL) {
		r = 0;
		goto out;
	}
	if (n > EXPAND_STACK) {
		ENSURE((mheap = malloc(n * sizeof(*mheap))) != NULL, CG_ERR_NOMEM);
		marked = mheap;
	}
	if (arn_mark_stars(atoms, n, marked))
		r = glob_atoms_seg(marked, n, s, len, icase, b);
	else
		r = glob_atoms(atoms, n, s, len, icase, b);
 out:
	free(heap);
	free(mheap);
	return r;
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

/* The same over atoms: only literal ':' separates (not ATOM_VCOLON). */
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

int
pattern_match_arn_fields(const struct pattern *pat, const char *s, size_t len,
    const struct context *ctx, struct cg_budget *b)
{
	uint16_t tmp[EXPAND_STACK], *heap = NULL;
	const uint16_t *atoms = NULL;
	size_t n = 0, ps[6], pe[6], ss[6], se[6], f;
	bool icase = (pat->flags & PATTERN_ICASE) != 0;
	int r = CG_ERR_INTERNAL, m;

	if (pat->star_only) {
		r = 1;
		goto out;
	}
	GUARD(atoms_for(pat, ctx, tmp, &heap, &atoms, &n, b));
	if (atoms == NULL || split_atoms(atoms, n, ps, pe) != 6 ||
	    split_subject(s, len, ss, se) != 6) {
		r = 0;
		goto out;
	}
	for (f = 0, m = 1; f < 6 && m == 1; f++)
		GUARD(m = glob_atoms(atoms + ps[f], pe[f] - ps[f], s + ss[f], se[f] - ss[f],
		    icase, b));
	r = m;
 out:
	free(heap);
	return r;
}

/*
 * Compiled policies kept for policy_cache_seconds.  See policy_cache.h.
 *
 * A small table under one mutex: lookups are by exact name, the table
 * holds at most POLICY_CACHE_ENTRIES_MAX entries and drops the oldest
 * fetch when full.  AWS is read outside the cache's mutex, so a slow IAM
 * call does not hold up a request on another AWS client whose policies are
 * cached; two requests missing the same entry at once both read it, and
 * the later one wins.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "aws_api.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "policy.h"
#include "policy_cache.h"
#include "policy_snapshot.h"

enum pc_kind { PC_ROLE, PC_KEY };

struct slot {
	enum pc_kind	 kind;
	struct pc_entry	*entry;
};

struct policy_cache {
	pthread_mutex_t	 lock;
	unsigned	 ttl_ms;
	char		*dir;		/* NULL: read AWS; else a snapshot directory */
	struct slot	 slots[POLICY_CACHE_ENTRIES_MAX];
	size_t		 nslots;
};

static void
entry_free(struct pc_entry *e)
{
	size_t i;

	for (i = 0; i < e->nidentity; i++)
		policy_free(e->identity[i]);
	policy_free(e->boundary);
	policy_free(e->key_policy);
	free(e->name);
	free(e);
}

void
pc_entry_release(struct pc_entry *e)
{
	if (e != NULL && __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0)
		entry_free(e);
}

struct pc_entry *
pc_entry_hold(struct pc_entry *e)
{
	__atomic_add_fetch(&e->refs, 1, __ATOMIC_ACQ_REL);
	return e;
}

int
pc_entry_from_role_texts(const char *role, const char *const *names,
    const char *const *docs, size_t n, const char *boundary_doc, struct pc_entry **ret_entry,
    struct cg_buf *why)
{
	struct pc_entry *e = NULL;
	size_t i;
	int r = CG_ERR_INTERNAL;

	if (n > POLICY_CACHE_POLICIES_MAX) {
		(void)cg_buf_putf(why, "role %s has more than %d policies", role,
		    POLICY_CACHE_POLICIES_MAX);
		r = CG_ERR_LIMIT;
		goto out;
	}
	ENSURE((e = calloc(1, sizeof(*e))) != NULL, CG_ERR_NOMEM);
	e->refs = 1;
	ENSURE((e->name = strdup(role)) != NULL, CG_ERR_NOMEM);
	for (i = 0; i < n; i++) {
		GUARD(policy_compile_text(docs[i], strlen(docs[i]), POLICY_IDENTITY, names[i],
		    &e->identity[e->nidentity], why));
		e->nidentity++;
	}
	if (boundary_doc != NULL)
		GUARD(policy_compile_text(boundary_doc, strlen(boundary_doc), POLICY_BOUNDARY,
		    "permission boundary", &e->boundary, why));
	*ret_entry = e;
	e = NULL;
	r = 0;
 out:
	if (e != NULL)
		entry_free(e);
	return r;
}

int
pc_entry_from_key_text(const char *key_arn, const char *doc, struct pc_entry **ret_entry,
    struct cg_buf *why)
{
	struct pc_entry *e = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE((e = calloc(1, sizeof(*e))) != NULL, CG_ERR_NOMEM);
	e->refs = 1;
	ENSURE((e->name = strdup(key_arn)) != NULL, CG_ERR_NOMEM);
	GUARD(policy_compile_text(doc, strlen(doc), POLICY_RESOURCE, key_arn, &e->key_policy,
	    why));
	*ret_entry = e;
	e = NULL;
	r = 0;
 out:
	if (e != NULL)
		entry_free(e);
	return r;
}

void
pc_role_texts_clear(struct pc_role_texts *t)
{
	if (t->iam != NULL) {
		iam_role_policies_clear(t->iam);
		free(t->iam);
	}
	memset(t, 0, sizeof(*t));
}

int
pc_role_texts_read(struct aws_client *c, const char *role, struct pc_role_texts *ret,
    struct cg_buf *why)
{
	struct pc_role_texts t;
	struct iam_role_policies *rp;
	size_t i;
	int r = CG_ERR_INTERNAL;

	memset(&t, 0, sizeof(t));
	ENSURE((t.iam = rp = calloc(1, sizeof(*rp))) != NULL, CG_ERR_NOMEM);
	if ((r = iam_read_role_policies(c, role, rp)) < 0) {
		(void)cg_buf_putf(why, "reading the policies of role %s: %s: %s", role,
		    aws_client_error(c)->code, aws_client_error(c)->message);
		goto out;
	}
	if (rp->ninline + rp->nmanaged > POLICY_CACHE_POLICIES_MAX) {
		(void)cg_buf_putf(why, "role %s has more than %d policies", role,
		    POLICY_CACHE_POLICIES_MAX);
		r = CG_ERR_LIMIT;
		goto out;
	}
	for (i = 0; i < rp->ninline; i++, t.n++) {
		t.names[t.n] = rp->inline_names[i];
		t.docs[t.n] = rp->inline_docs[i];
	}
	for (i = 0; i < rp->nmanaged; i++, t.n++) {
		t.names[t.n] = rp->managed_arns[i];
		t.docs[t.n] = rp->managed_docs[i];
	}
	t.boundary = rp->boundary_doc;
	*ret = t;
	memset(&t, 0, sizeof(t));
	r = 0;
 out:
	pc_role_texts_clear(&t);
	return r;
}

static int
read_role(struct aws_client *c, const char *role, struct pc_entry **ret, struct cg_buf *why)
{
	struct pc_role_texts t;
	int r = CG_ERR_INTERNAL;

	memset(&t, 0, sizeof(t));
	GUARD(pc_role_texts_read(c, role, &t, why));
	GUARD(pc_entry_from_role_texts(role, t.names, t.docs, t.n, t.boundary, ret, why));
 out:
	pc_role_texts_clear(&t);
	return r;
}

static int
read_key(struct aws_client *c, const char *key_arn, struct pc_entry **ret, struct cg_buf *why)
{
	char *doc = NULL;
	int r = CG_ERR_INTERNAL;

	if ((r = kms_get_key_policy(c, key_arn, &doc)) < 0) {
		(void)cg_buf_putf(why, "reading the key policy of %s: %s: %s", key_arn,
		    aws_client_error(c)->code, aws_client_error(c)->message);
		goto out;
	}
	GUARD(pc_entry_from_key_text(key_arn, doc, ret, why));
 out:
	free(doc);
	return r;
}

/* From a snapshot directory: DIR/roles/NAME.json, DIR/keys/KEYID.json. */
static int
read_snapshot(const char *dir, bool role, const char *name, struct pc_entry **ret,
    struct cg_buf *why)
{
	struct snapshot_role sr;
	struct cg_buf *text = NULL;
	char file[128];
	char *doc = NULL;
	int r = CG_ERR_INTERNAL;

	memset(&sr, 0, sizeof(sr));
	if ((r = role ? snapshot_role_file(name, file, sizeof(file)) :
	    snapshot_key_file(name, file, sizeof(file))) < 0) {
		(void)cg_buf_putf(why, "%s %.300s has no snapshot file name", role ? "role" : "key",
		    name);
		goto out;
	}
	GUARD(cg_buf_new(SNAPSHOT_FILE_MAX, &text));
	if ((r = snapshot_read(dir, role ? "roles" : "keys", file, text, why)) < 0) {
		if (r == CG_ERR_NOT_FOUND)
			(void)cg_buf_putf(why, " (no snapshot of %s %s: run `cmkgate policy sync "
			    "--out %s --%s %s`)", role ? "role" : "key", name, dir,
			    role ? "role" : "key", name);
		goto out;
	}
	if (role) {
		if ((r = snapshot_role_parse((const char *)cg_buf_ptr(text), cg_buf_len(text), name,
		    &sr, why)) < 0) {
			(void)cg_buf_putf(why, " (in %s/roles/%s)", dir, file);
			goto out;
		}
		GUARD(pc_entry_from_role_texts(name, (const char *const *)sr.names,
		    (const char *const *)sr.docs, sr.n, sr.boundary, ret, why));
	} else {
		if ((r = snapshot_key_parse((const char *)cg_buf_ptr(text), cg_buf_len(text), name,
		    &doc, why)) < 0) {
			(void)cg_buf_putf(why, " (in %s/keys/%s)", dir, file);
			goto out;
		}
		GUARD(pc_entry_from_key_text(name, doc, ret, why));
	}
 out:
	free(doc);
	snapshot_role_clear(&sr);
	cg_buf_free(text);
	return r;
}

int
policy_cache_use_directory(struct policy_cache *pc, const char *dir)
{
	char *copy = strdup(dir);

	if (copy == NULL)
		return CG_ERR_NOMEM;
	free(pc->dir);
	pc->dir = copy;
	return 0;
}

int
policy_cache_new(unsigned ttl_seconds, struct policy_cache **ret_cache)
{
	struct policy_cache *pc = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE(ttl_seconds <= 86400, CG_ERR_INVALID_ARG);
	ENSURE((pc = calloc(1, sizeof(*pc))) != NULL, CG_ERR_NOMEM);
	if (pthread_mutex_init(&pc->lock, NULL) != 0) {
		free(pc);
		pc = NULL;
		r = CG_ERR_NOMEM;
		goto out;
	}
	pc->ttl_ms = ttl_seconds * 1000u;
	*ret_cache = pc;
	r = 0;
 out:
	return r;
}

void
policy_cache_free(struct policy_cache *pc)
{
	size_t i;

	if (pc == NULL)
		return;
	for (i = 0; i < pc->nslots; i++)
		pc_entry_release(pc->slots[i].entry);
	pthread_mutex_destroy(&pc->lock);
	free(pc->dir);
	free(pc);
}

/* A fresh cached entry (a new reference), or NULL. */
static struct pc_entry *
lookup(struct policy_cache *pc, enum pc_kind kind, const char *name, int64_t now_ms)
{
	struct pc_entry *e = NULL;
	size_t i;

	if (pc->ttl_ms == 0)
		return NULL;
	pthread_mutex_lock(&pc->lock);
	for (i = 0; i < pc->nslots; i++) {
		if (pc->slots[i].kind != kind || strcmp(pc->slots[i].entry->name, name) != 0)
			continue;
		/* a clock stepped back counts as stale too */
		if (now_ms >= pc->slots[i].entry->fetched_ms &&
		    now_ms - pc->slots[i].entry->fetched_ms < (int64_t)pc->ttl_ms)
			e = pc_entry_hold(pc->slots[i].entry);
		break;
	}
	pthread_mutex_unlock(&pc->lock);
	return e;
}

/* Keeps e (a new reference) in place of any entry of the same name, or of the oldest. */
static void
keep(struct policy_cache *pc, enum pc_kind kind, struct pc_entry *e)
{
	struct pc_entry *old = NULL;
	size_t i, victim = 0;

	if (pc->ttl_ms == 0)
		return;
	pthread_mutex_lock(&pc->lock);
	for (i = 0; i < pc->nslots; i++)
		if (pc->slots[i].kind == kind && strcmp(pc->slots[i].entry->name, e->name) == 0)
			break;
	if (i == pc->nslots && pc->nslots < POLICY_CACHE_ENTRIES_MAX) {
		pc->nslots++;
	} else if (i == pc->nslots) {
		for (i = 1; i < pc->nslots; i++)
			if (pc->slots[i].entry->fetched_ms < pc->slots[victim].entry->fetched_ms)
				victim = i;
		i = victim;
		old = pc->slots[i].entry;
	} else {
		old = pc->slots[i].entry;
	}
	pc->slots[i].kind = kind;
	pc->slots[i].entry = pc_entry_hold(e);
	pthread_mutex_unlock(&pc->lock);
	pc_entry_release(old);
}

static int
get(struct policy_cache *pc, struct aws_client *c, enum pc_kind kind, const char *name,
    int64_t now_ms, struct pc_entry **ret_entry, struct cg_buf *why)
{
	struct pc_entry *e;
	int r = CG_ERR_INTERNAL;

	if ((e = lookup(pc, kind, name, now_ms)) == NULL) {
		if (pc->dir != NULL)
			GUARD(read_snapshot(pc->dir, kind == PC_ROLE, name, &e, why));
		else
			GUARD(kind == PC_ROLE ? read_role(c, name, &e, why) :
			    read_key(c, name, &e, why));
		e->fetched_ms = now_ms;
		keep(pc, kind, e);
	}
	*ret_entry = e;
	r = 0;
 out:
	return r;
}

int
policy_cache_role(struct policy_cache *pc, struct aws_client *c, const char *role,
    int64_t now_ms, struct pc_entry **ret_entry, struct cg_buf *why)
{
	return get(pc, c, PC_ROLE, role, now_ms, ret_entry, why);
}

int
policy_cache_key(struct policy_cache *pc, struct aws_client *c, const char *key_arn,
    int64_t now_ms, struct pc_entry **ret_entry, struct cg_buf *why)
{
	return get(pc, c, PC_KEY, key_arn, now_ms, ret_entry, why);
}

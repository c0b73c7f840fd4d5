/*
 * The policies the gate reads from AWS, compiled once and kept for a while
 * (cmkgated.conf: policy_cache_seconds): an operator role's identity
 * policies and permission boundary, and each key's key policy.
 *
 * What changes the decision most -- key states, the application's key,
 * aliases -- is never cached: decide_gather() reads it for every request.
 * A policy edited in AWS is seen after at most policy_cache_seconds; 0
 * turns the cache off (every request reads every policy).
 *
 * An entry is immutable and reference-counted: a request holds its
 * entries while it is decided, even if the cache drops them meanwhile.
 * The cache is safe to share between threads.  Functions follow
 * cg_err.h.
 */
#ifndef CMKGATE_POLICY_CACHE_H
#define CMKGATE_POLICY_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct aws_client;
struct iam_role_policies;
struct cg_buf;
struct policy;
struct policy_cache;

#define POLICY_CACHE_ENTRIES_MAX	1024	/* older entries are dropped first */
#define POLICY_CACHE_POLICIES_MAX	32	/* identity policies of one role */

/* One role's policies, or one key's policy. */
struct pc_entry {
	char		*name;				/* role name or key ARN */
	struct policy	*identity[POLICY_CACHE_POLICIES_MAX];
	size_t		 nidentity;
	struct policy	*boundary;			/* NULL: none */
	struct policy	*key_policy;			/* a key's entry only */
	int64_t		 fetched_ms;
	/* private */
	unsigned	 refs;
};

int policy_cache_new(unsigned ttl_seconds, struct policy_cache **ret_cache);
/*
 * Reads policies from dir, a snapshot directory `cmkgate policy sync`
 * wrote (policy_snapshot.h), instead of IAM and KMS.  A role or key
 * without its file is an error that names the file and the command that
 * writes it.  Call before the cache is shared.
 */
int policy_cache_use_directory(struct policy_cache *cache, const char *dir);
void policy_cache_free(struct policy_cache *cache);

/*
 * The compiled policies of role (a role name), read through c when not
 * cached or older than the TTL.  The caller releases the entry.  AWS
 * errors fail with the call and the AWS code in why; a malformed policy
 * fails with CG_ERR_POLICY naming it.
 */
int policy_cache_role(struct policy_cache *cache, struct aws_client *c, const char *role,
    int64_t now_ms, struct pc_entry **ret_entry, struct cg_buf *why);
/* The same for a key's key policy (key_arn: a key ARN). */
int policy_cache_key(struct policy_cache *cache, struct aws_client *c, const char *key_arn,
    int64_t now_ms, struct pc_entry **ret_entry, struct cg_buf *why);

/* Entries built from policy texts, outside any cache (tests, benchmarks). */
int pc_entry_from_role_texts(const char *role, const char *const *names,
    const char *const *docs, size_t n, const char *boundary_doc, struct pc_entry **ret_entry,
    struct cg_buf *why);
int pc_entry_from_key_text(const char *key_arn, const char *doc, struct pc_entry **ret_entry,
    struct cg_buf *why);

/* A role's policy texts as IAM gives them, in one list: inline, then managed. */
struct pc_role_texts {
	const char	*names[POLICY_CACHE_POLICIES_MAX];	/* borrowed from iam */
	const char	*docs[POLICY_CACHE_POLICIES_MAX];
	size_t		 n;
	const char	*boundary;				/* NULL: none */
	struct iam_role_policies *iam;				/* owns the texts */
};

/*
 * Reads role's identity policies and permission boundary through c (IAM).
 * CG_ERR_LIMIT past POLICY_CACHE_POLICIES_MAX; AWS errors with the code in
 * why.  Free with pc_role_texts_clear().
 */
int pc_role_texts_read(struct aws_client *c, const char *role, struct pc_role_texts *ret,
    struct cg_buf *why);
void pc_role_texts_clear(struct pc_role_texts *t);

/* Takes one more reference to entry (not NULL) and returns it. */
struct pc_entry *pc_entry_hold(struct pc_entry *entry);
/* Drops one reference; frees the entry with the last.  NULL is fine. */
void pc_entry_release(struct pc_entry *entry);

#endif

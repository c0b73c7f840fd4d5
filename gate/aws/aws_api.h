/*
 * The typed AWS calls the gate makes.  Each call has a parse function for
 * its response body, exposed so tests and fuzz targets can drive it
 * without a network.  Functions follow cg_err.h; see aws.h for CG_ERR_AWS
 * and CG_ERR_TRANSPORT.  Results are written only on success; *_clear()
 * frees what a result owns and wipes credentials.
 */
#ifndef CMKGATE_AWS_API_H
#define CMKGATE_AWS_API_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "aws.h"

#define AWS_ARN_MAX	2048
#define AWS_NAME_MAX	256
#define AWS_DOC_MAX	(256 * 1024)	/* policy documents */

/* ---- STS ---- */

struct aws_tag {
	const char	*key;
	const char	*value;
};

struct sts_assume_role_params {
	const char		*role_arn;
	const char		*session_name;		/* 2..64 of [A-Za-z0-9+=,.@_-] */
	const char		*policy;		/* session policy JSON, or NULL */
	const char *const	*policy_arns;		/* managed session policies */
	size_t			 npolicy_arns;
	unsigned		 duration_seconds;	/* 900..43200; 0: 900 */
	const char		*source_identity;	/* NULL or 2..64, not "aws:..." */
	const struct aws_tag	*tags;
	size_t			 ntags;			/* at most 50 */
};

struct sts_assumed_role {
	struct aws_credentials	creds;
	char			assumed_role_arn[AWS_ARN_MAX];
	char			assumed_role_id[AWS_NAME_MAX];
	int			packed_policy_size;	/* percent of the limit; -1: not given */
	char			source_identity[72];
};

/* CG_ERR_INVALID_ARG (reason in why) for parameters STS would refuse. */
int sts_assume_role(struct aws_client *c, const struct sts_assume_role_params *p,
    struct sts_assumed_role *ret, struct cg_buf *why);
int sts_parse_assume_role(const char *xml, size_t len, struct sts_assumed_role *ret);
void sts_assumed_role_clear(struct sts_assumed_role *a);

struct sts_identity {
	char	account[16];
	char	arn[AWS_ARN_MAX];
	char	user_id[AWS_NAME_MAX];
};

int sts_get_caller_identity(struct aws_client *c, struct sts_identity *ret);
int sts_parse_caller_identity(const char *xml, size_t len, struct sts_identity *ret);

/* ---- KMS ---- */

struct kms_key {
	char	arn[AWS_ARN_MAX];
	char	key_id[128];
	char	account[16];
	char	state[40];		/* Enabled, Disabled, PendingDeletion, ... */
	char	manager[16];		/* AWS or CUSTOMER */
	char	spec[40];
	char	usage[40];
	char	origin[40];
	bool	enabled;
};

int kms_describe_key(struct aws_client *c, const char *key_id, struct kms_key *ret);
int kms_parse_describe_key(const char *json, size_t len, struct kms_key *ret);
/* The key policy "default" as JSON text (caller frees). */
int kms_get_key_policy(struct aws_client *c, const char *key_id, char **ret_policy);
int kms_parse_get_key_policy(const char *json, size_t len, char **ret_policy);
int kms_get_key_rotation_status(struct aws_client *c, const char *key_id, bool *ret_enabled);
int kms_parse_key_rotation_status(const char *json, size_t len, bool *ret_enabled);

struct kms_alias {
	char	name[AWS_NAME_MAX];	/* "alias/..." */
	char	arn[AWS_ARN_MAX];
	char	target_key_id[128];	/* empty for an alias with no key */
};

/* All aliases (of one key when key_id is given), every page; caller frees *ret. */
int kms_list_aliases(struct aws_client *c, const char *key_id, struct kms_alias **ret,
    size_t *ret_n);
/* One page: appends to *list (growing it), sets next (empty when done). */
int kms_parse_list_aliases(const char *json, size_t len, struct kms_alias **list,
    size_t *n, char *next, size_t next_max);

/* ---- IAM ---- */

struct iam_role {
	char	 arn[AWS_ARN_MAX];
	char	 name[AWS_NAME_MAX];
	char	 role_id[128];
	char	 boundary_arn[AWS_ARN_MAX];	/* empty: no permission boundary */
	char	*trust_policy;			/* decoded JSON */
};

int iam_get_role(struct aws_client *c, const char *role_name, struct iam_role *ret);
int iam_parse_get_role(const char *xml, size_t len, struct iam_role *ret);
void iam_role_clear(struct iam_role *role);

/* A role's policies as the policy engine needs them; every list is complete. */
struct iam_role_policies {
	char	**inline_names;
	char	**inline_docs;
	size_t	  ninline;
	char	**managed_arns;
	char	**managed_docs;
	size_t	  nmanaged;
	char	 *boundary_doc;		/* NULL: no boundary */
};

int iam_read_role_policies(struct aws_client *c, const char *role_name,
    struct iam_role_policies *ret);
void iam_role_policies_clear(struct iam_role_policies *p);

/* Pages and documents (the parse halves of the calls above). */
int iam_parse_name_list(const char *xml, size_t len, const char *action, const char *list,
    const char *member_field, char ***names, size_t *n, char *marker, size_t marker_max);
int iam_parse_policy_document(const char *xml, size_t len, const char *action,
    const char *container, char **ret_doc);
int iam_parse_default_version(const char *xml, size_t len, char *version, size_t max);
/* URL-decodes a policy document as IAM returns it (RFC 3986). */
int iam_url_decode(const char *in, char **ret);

/* ---- Managed Service for Apache Flink (kinesisanalyticsv2) ---- */

struct kda_encryption {
	bool	present;		/* false: no encryption configuration described */
	char	key_type[32];		/* AWS_OWNED_KEY or CUSTOMER_MANAGED_KEY */
	char	key_id[AWS_ARN_MAX];	/* as AWS reports it; empty for AWS_OWNED_KEY */
};

struct kda_application {
	char			arn[AWS_ARN_MAX];
	char			name[AWS_NAME_MAX];
	char			status[32];
	long long		version_id;
	char			runtime[40];
	char			service_role[AWS_ARN_MAX];
	struct kda_encryption	encryption;
};

int kda_describe_application(struct aws_client *c, const char *name,
    struct kda_application *ret);
int kda_parse_describe_application(const char *json, size_t len, struct kda_application *ret);
/* An older version of the application (for rollback). */
int kda_describe_application_version(struct aws_client *c, const char *name,
    long long version_id, struct kda_application *ret);
int kda_parse_describe_application_version(const char *json, size_t len,
    struct kda_application *ret);

struct kda_snapshot {
	char			name[AWS_NAME_MAX];
	char			status[32];
	long long		version_id;
	time_t			created;
	struct kda_encryption	encryption;
};

int kda_describe_application_snapshot(struct aws_client *c, const char *app,
    const char *snapshot, struct kda_snapshot *ret);
int kda_parse_describe_snapshot(const char *json, size_t len, struct kda_snapshot *ret);
/* Every snapshot, every page; caller frees *ret. */
int kda_list_application_snapshots(struct aws_client *c, const char *app,
    struct kda_snapshot **ret, size_t *ret_n);
int kda_parse_list_snapshots(const char *json, size_t len, struct kda_snapshot **list,
    size_t *n, char *next, size_t next_max);

#endif

/*
 * What each kinesisanalyticsv2 operation involves: the request members the
 * gate reads, every KMS key the operation touches and why, whether it is a
 * key change, and every (action, resource, context) the operator needs
 * (AWS-FACTS.md, "Application lifecycle operator (API caller) permissions").
 *
 * Two steps, so that the AWS calls stay outside this pure module:
 *   ops_parse_request()  the operator's request JSON -> struct op_request,
 *                        which also says what must be looked up;
 *   ops_plan()           the request plus what was looked up (struct
 *                        op_world) -> struct op_plan: keys involved,
 *                        refusals, warnings and the permission checks.
 */
#ifndef CMKGATE_OPS_H
#define CMKGATE_OPS_H

#include <stdbool.h>
#include <stddef.h>

struct cg_buf;
struct json_object;

#define OPS_ARN_MAX	2049	/* an ARN or key id of up to 2048 bytes, and its NUL */
#define OPS_NAME_MAX	257

enum op_kind {
	OP_CREATE_APPLICATION,
	OP_UPDATE_APPLICATION,
	OP_START_APPLICATION,
	OP_STOP_APPLICATION,
	OP_CREATE_APPLICATION_SNAPSHOT,
	OP_DELETE_APPLICATION_SNAPSHOT,
	OP_ROLLBACK_APPLICATION,
	OP_KIND_COUNT
};

enum op_restore {
	RESTORE_NONE,		/* no restore configuration given */
	RESTORE_SKIP,		/* SKIP_RESTORE_FROM_SNAPSHOT */
	RESTORE_LATEST,		/* RESTORE_FROM_LATEST_SNAPSHOT */
	RESTORE_CUSTOM,		/* RESTORE_FROM_CUSTOM_SNAPSHOT + SnapshotName */
};

/* The members of an operator's request that concern keys, roles and restores. */
struct op_request {
	enum op_kind	op;
	char		app_name[OPS_NAME_MAX];
	bool		key_given;			/* an encryption configuration (update) */
	bool		key_cmk;			/* ... asking for CUSTOMER_MANAGED_KEY */
	char		key_id[OPS_ARN_MAX];		/* as given: id, ARN, alias, alias ARN */
	char		runtime[40];			/* Create: RuntimeEnvironment; Update: ...Update */
	char		service_role[OPS_ARN_MAX];	/* a role the call passes (iam:PassRole) */
	enum op_restore	restore;
	char		snapshot[OPS_NAME_MAX];		/* restore, create or delete */
	bool		force;				/* StopApplication */
	long long	version_id;			/* CurrentApplicationVersionId; 0: none */
	/* what ops_plan needs looked up */
	bool		need_application;		/* DescribeApplication */
	bool		need_snapshots;			/* snapshot keys: the named one or the latest */
	bool		need_previous_version;		/* DescribeApplicationVersion(version - 1) */
};

const char *ops_name(enum op_kind op);
/* CG_ERR_NOT_FOUND for an operation the gate does not handle. */
int ops_lookup(const char *name, enum op_kind *ret_op);

/*
 * Parses and validates the request (what `aws kinesisanalyticsv2 <op>
 * --cli-input-json` takes): unknown top-level members, missing required
 * ones, wrong types, over-long values and identity claims are refused with
 * a reason in why (CG_ERR_PARSE).  Nested members the gate does not read
 * are accepted as they are; the request digest covers them.
 */
int ops_parse_request(enum op_kind op, struct json_object *input, struct op_request *ret,
    struct cg_buf *why);

/* A KMS key as KMS DescribeKey reported it. */
struct op_key_state {
	bool	found;
	char	arn[OPS_ARN_MAX];
	char	state[40];		/* Enabled, Disabled, PendingDeletion, ... */
	bool	rotation;		/* automatic rotation enabled */
};

/* What the gate looked up for the request. */
struct op_world {
	char			region[64];
	char			account[16];
	bool			app_exists;
	char			app_arn[OPS_ARN_MAX];
	char			app_status[32];
	long long		app_version;
	char			app_runtime[40];
	bool			current_cmk;		/* the application uses a CMK now */
	struct op_key_state	current;		/* resolved current key (if current_cmk) */
	struct op_key_state	target;			/* resolved requested key (if key_cmk) */
	bool			snapshot_found;		/* the snapshot a restore reads */
	char			snapshot_name[OPS_NAME_MAX];
	bool			snapshot_cmk;
	struct op_key_state	snapshot;
	bool			previous_found;		/* rollback: the version it returns to */
	bool			previous_cmk;
	struct op_key_state	previous;
};

enum op_key_role {
	KEY_ROLE_CURRENT,		/* the application's key now */
	KEY_ROLE_TARGET,		/* the key the request asks for */
	KEY_ROLE_SNAPSHOT,		/* the key a restored snapshot was encrypted with */
	KEY_ROLE_ROLLBACK,		/* the key of the version a rollback returns to */
};

struct op_plan_key {
	char			arn[OPS_ARN_MAX];
	enum op_key_role	role;
	const char		*why;		/* static text */
};

#define OPS_CONTEXT_MAX 4

struct op_check {
	char		action[64];
	char		resource[OPS_ARN_MAX];
	int		key;			/* index into keys, or -1 */
	const char	*why;			/* static text */
	size_t		ncontext;
	struct {
		const char	*key;		/* static */
		char		 value[OPS_ARN_MAX];
		bool		 multi;		/* a one-element list */
	}		context[OPS_CONTEXT_MAX];
};

#define OPS_KEYS_MAX	4
#define OPS_CHECKS_MAX	32
#define OPS_NOTES_MAX	8
#define OPS_NOTE_LEN	512

struct op_plan {
	struct op_plan_key	keys[OPS_KEYS_MAX];
	size_t			nkeys;
	bool			key_change;
	const char		*key_change_kind;	/* static text, NULL without a change */
	struct op_check		checks[OPS_CHECKS_MAX];
	size_t			nchecks;
	char			refusals[OPS_NOTES_MAX][OPS_NOTE_LEN];	/* preconditions that fail */
	size_t			nrefusals;
	char			warnings[OPS_NOTES_MAX][OPS_NOTE_LEN];
	size_t			nwarnings;
};

/* Builds the plan.  CG_ERR_INVALID_ARG (reason in why) when world lacks
 * something the request needs. */
int ops_plan(const struct op_request *req, const struct op_world *world, struct op_plan *ret,
    struct cg_buf *why);

/* "FLINK-1_20" -> 1, 20; CG_ERR_PARSE otherwise. */
int ops_runtime_version(const char *runtime, int *ret_major, int *ret_minor);

#endif

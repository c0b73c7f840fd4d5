/*
 * cmkgated's configuration file (cmkgated.conf(5)): one strict JSON object.
 *
 *   {
 *     "socket": {"path": "/run/cmkgate/cmkgated.sock", "mode": "0660",
 *                "group": "cmkgate"},
 *     "state_directory": "/var/lib/cmkgate",
 *     "ops_directory": "/etc/cmkgate/ops.d",
 *     "audit": {"log": "/var/lib/cmkgate/audit.log",
 *               "key": "/etc/cmkgate/audit.key", "checkpoint_every": 64},
 *     "aws": {"region": "eu-west-1", "endpoint": "https://..."},
 *     "request_ttl_seconds": 86400,
 *     "policy_cache_seconds": 60,
 *     "operators": [
 *       {"uid": 1001, "name": "alice",
 *        "principal": "arn:aws:iam::111111111111:role/cmkgate-operator"}
 *     ]
 *   }
 *
 * Every member is checked: unknown members, wrong types, out-of-range
 * numbers, relative paths, duplicate uids or names are refused with the
 * member's path ("operators[1].uid: ...") in why.  Only "operators" is
 * required; everything else has the default noted below (and in
 * cmkgated.conf(5)).
 *
 * Functions follow cg_err.h; nothing here prints.
 */
#ifndef CMKGATE_CONFIG_H
#define CMKGATE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cg_buf;

#define CONFIG_FILE_MAX		(256 * 1024)	/* bytes of the file */
#define CONFIG_PATH_MAX		4096		/* a path is shorter: it fits with its NUL */
#define CONFIG_OPERATORS_MAX	1024
#define CONFIG_NAME_MAX		64		/* an operator name: [a-z_][a-z0-9_.-]{0,63} */
#define CONFIG_PRINCIPAL_MAX	2048
#define CONFIG_REGION_MAX	32
#define CONFIG_DEFAULT_PATH	"/etc/cmkgate/cmkgated.conf"

struct config_operator {
	bool	 has_uid;	/* known on the unix socket by uid */
	uid_t	 uid;
	char	*name;
	/*
	 * The IAM principal whose permissions are checked: a role ARN
	 * (arn:aws:iam::ACCT:role/[path/]NAME) or a role session ARN
	 * (arn:aws:sts::ACCT:assumed-role/NAME/SESSION), in the partition
	 * aws, aws-cn or aws-us-gov, without wildcards.
	 */
	char	*principal;
	/* known over TLS by this client certificate: SHA-256 of its DER, 64 hex; NULL: not */
	char	*certificate_sha256;
};

struct config {
	char			*socket_path;		/* absolute, at most 107 bytes (sun_path) */
	mode_t			 socket_mode;		/* 0600 by default; only rw bits for user/group */
	char			*socket_group;		/* NULL: the daemon's own group */
	char			*state_directory;	/* absolute; the store is STATE/cmkgate.db */
	char			*ops_directory;		/* absolute */
	char			*audit_log;		/* absolute */
	char			*audit_key;		/* absolute: the Ed25519 secret key file */
	unsigned		 checkpoint_every;	/* 0..100000, default 64 */
	char			*region;		/* NULL: from AWS_REGION / AWS_DEFAULT_REGION */
	char			*endpoint;		/* NULL: standard endpoints / AWS_ENDPOINT_URL*;
							   http(s)://, no user info, query or
							   fragment; the AWS layer allows plain
							   http only to loopback literals */
	unsigned		 request_ttl_seconds;	/* 60..2592000, default 86400 */
	unsigned		 policy_cache_seconds;	/* 0..3600, default 60; 0: no cache */
	char			*tls_listen;		/* "ADDR:PORT"; NULL: no TCP listener */
	char			*tls_certificate;	/* server certificate chain, PEM */
	char			*tls_key;		/* its private key, PEM */
	char			*tls_client_ca;		/* CA(s) that issue operators' client certificates */
	char			*policy_directory;	/* NULL: policies from AWS; else a snapshot
							 * directory `cmkgate policy sync` wrote */
	struct config_operator	*operators;
	size_t			 noperators;		/* 1..CONFIG_OPERATORS_MAX */
};

/*
 * Parses a configuration from text (len bytes, at most CONFIG_FILE_MAX;
 * file labels messages, "config" when NULL).  CG_ERR_PARSE or
 * CG_ERR_LIMIT with "file: member: what is wrong" appended to why (which
 * may be NULL); CG_ERR_NOMEM; CG_ERR_INVALID_ARG for a NULL ret_config,
 * or NULL text with a length.  *ret_config is written only on success.
 */
int config_parse(const char *file, const char *text, size_t len, struct config **ret_config,
    struct cg_buf *why);

/*
 * Reads and parses path: opened with O_NOFOLLOW|O_CLOEXEC, a regular file
 * of at most CONFIG_FILE_MAX bytes, owned by root or the effective uid and
 * not writable by group or others (CG_ERR_DENIED otherwise, with why).
 * CG_ERR_NOT_FOUND when path does not exist, CG_ERR_LIMIT when it is too
 * big, CG_ERR_IO when it cannot be read, else as config_parse() with path
 * as the label.  Every message in why starts with path.
 */
int config_load(const char *path, struct config **ret_config, struct cg_buf *why);
void config_free(struct config *config);

/* The operator with that uid, or NULL. */
const struct config_operator *config_operator_by_uid(const struct config *config, uid_t uid);
/* The operator whose client certificate has that SHA-256 (64 lowercase hex), or NULL. */
const struct config_operator *config_operator_by_certificate(const struct config *config,
    const char *sha256_hex);

#endif

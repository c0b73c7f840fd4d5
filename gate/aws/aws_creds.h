/*
 * The gate's own AWS credentials, from the standard chain, in this order:
 *  1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
 *  2. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default
 *     ~/.aws/credentials) and config file (AWS_CONFIG_FILE, default
 *     ~/.aws/config), profile AWS_PROFILE or "default";
 *  3. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (at
 *     169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI (https, or http
 *     to a loopback or the ECS/EKS link-local address), with
 *     AWS_CONTAINER_AUTHORIZATION_TOKEN or ..._TOKEN_FILE;
 *  4. EC2 instance metadata with IMDSv2 (a session token first), unless
 *     AWS_EC2_METADATA_DISABLED=true; AWS_EC2_METADATA_SERVICE_ENDPOINT
 *     overrides the address.
 * A profile that names another way to get credentials (role_arn,
 * credential_process, sso_*) is refused: the gate does not run those.
 */
#ifndef CMKGATE_AWS_CREDS_H
#define CMKGATE_AWS_CREDS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws.h"

struct cg_buf;

int aws_creds_resolve(struct aws_credentials *ret_creds, struct cg_buf *why);

/* The region of the active profile in the config file, or NULL. Static storage. */
const char *aws_creds_profile_region(void);

/* INI files as the AWS CLI writes them. */
struct aws_ini;

#define AWS_INI_MAX	(1024 * 1024)

int aws_ini_parse(const char *text, size_t len, struct aws_ini **ret_ini, struct cg_buf *why);
void aws_ini_free(struct aws_ini *ini);
/* The value of key in section (exact section name, e.g. "profile ops"), or NULL. */
const char *aws_ini_get(const struct aws_ini *ini, const char *section, const char *key);
/* Whether section exists. */
int aws_ini_has_section(const struct aws_ini *ini, const char *section);

/* Access key ids: 3-128 of [A-Za-z0-9_-]. */
bool aws_key_id_ok(const char *s, size_t len);
/* Secret keys and tokens: printable ASCII without spaces (nothing that breaks a header). */
bool aws_credential_text_ok(const char *s, size_t len);

/* The JSON the container and instance metadata endpoints answer with; Token
 * and Expiration are required (such credentials always expire). */
int aws_parse_credentials_json(const char *text, size_t len, struct aws_credentials *ret_creds,
    struct cg_buf *why);

#endif

/*
 * ARNs, parsed strictly: "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE"
 * with partition and service of [a-z0-9-]+, region of [a-z0-9-]*, account
 * empty, 12 digits or "aws" (AWS managed policies), a non-empty resource
 * and no control characters anywhere.  The fields point into the input.
 */
#ifndef CMKGATE_ARN_H
#define CMKGATE_ARN_H

#include <stdbool.h>
#include <stddef.h>

struct arn_field {
	const char	*p;
	size_t		 len;
};

struct arn {
	struct arn_field	partition, service, region, account, resource;
};

/* CG_ERR_PARSE unless s (len bytes) is an ARN of the form above. */
int arn_parse(const char *s, size_t len, struct arn *ret);

bool arn_field_is(const struct arn_field *f, const char *lit);
bool arn_field_has_prefix(const struct arn_field *f, const char *lit);
/* 12 decimal digits. */
bool arn_is_account(const char *s, size_t len);

#endif

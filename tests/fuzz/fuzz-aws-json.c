/* Fuzz target: every JSON 1.1 response parser of the AWS layer (KMS,
 * kinesisanalyticsv2, error bodies, metadata credentials) on one input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws_api.h"
#include "aws_creds.h"
#include "aws_int.h"
#include "cg_buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *j = (const char *)data;
	struct kms_key k;
	struct kms_alias *al = NULL;
	struct kda_application app;
	struct kda_snapshot snap, *snaps = NULL;
	struct aws_credentials cr;
	struct aws_error err;
	struct cg_buf *why = NULL;
	char next[128], *pol = NULL;
	size_t n = 0, ns = 0;
	bool rot;

	(void)kms_parse_describe_key(j, size, &k);
	if (kms_parse_get_key_policy(j, size, &pol) == 0)
		free(pol);
	(void)kms_parse_key_rotation_status(j, size, &rot);
	(void)kms_parse_list_aliases(j, size, &al, &n, next, sizeof(next));
	free(al);
	if (kda_parse_describe_application(j, size, &app) == 0 &&
	    app.encryption.present && app.encryption.key_type[0] == '\0')
		abort();
	(void)kda_parse_describe_application_version(j, size, &app);
	(void)kda_parse_describe_snapshot(j, size, &snap);
	(void)kda_parse_list_snapshots(j, size, &snaps, &ns, next, sizeof(next));
	free(snaps);
	memset(&err, 0, sizeof(err));
	aws_parse_json_error(j, size, &err);
	if (err.code[0] == '\0')
		abort();
	if (cg_buf_new(1024, &why) < 0)
		abort();
	memset(&cr, 0, sizeof(cr));
	if (aws_parse_credentials_json(j, size, &cr, why) == 0)
		aws_credentials_clear(&cr);
	cg_buf_free(why);
	return 0;
}

/* Fuzz target: the AWS shared config/credentials INI parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws_creds.h"
#include "cg_buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_ini *ini = NULL;
	struct cg_buf *why = NULL;
	const char *v;

	if (cg_buf_new(1024, &why) < 0)
		abort();
	if (aws_ini_parse((const char *)data, size, &ini, why) == 0) {
		v = aws_ini_get(ini, "default", "aws_access_key_id");
		if (v != NULL && strchr(v, '\n') != NULL)
			abort();
		(void)aws_ini_has_section(ini, "profile ops");
		aws_ini_free(ini);
	}
	cg_buf_free(why);
	return 0;
}

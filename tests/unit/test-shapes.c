/* Unit tests for request shape validation (policy/shapes.c) against AWS's kinesisanalyticsv2 model. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "shapes.h"

/* Validates text as op's request; on failure copies the reason to msg. */
static int
check(const char *op, const char *text, char *msg, size_t max)
{
	struct json_object *o = NULL;
	struct cg_buf *why = NULL;
	const char *s = "";
	int r;

	assert_int_equal(cg_json_parse(text, strlen(text), 1 << 20, &o, NULL), 0);
	assert_int_equal(cg_buf_new(4096, &why), 0);
	r = shapes_validate(op, o, why);
	assert_int_equal(cg_buf_cstr(why, &s), 0);
	if (r == 0 && *s != '\0')
		fail_msg("success with a message: %s", s);
	if (msg != NULL)
		(void)snprintf(msg, max, "%s", s);
	json_object_put(o);
	cg_buf_free(why);
	return r;
}

static void
refused(const char *op, const char *text, const char *want)
{
	char msg[1024];
	int r = check(op, text, msg, sizeof(msg));

	if (r != CG_ERR_PARSE || strstr(msg, want) == NULL)
		fail_msg("%s %s: got %s \"%s\", want \"%s\"", op, text, cg_strerror(r), msg, want);
}

static void
test_valid_requests(void **state)
{
	(void)state;
	assert_int_equal(check("UpdateApplication", "{\"ApplicationName\":\"orders\","
	    "\"CurrentApplicationVersionId\":3,\"ApplicationConfigurationUpdate\":{"
	    "\"ApplicationEncryptionConfigurationUpdate\":{\"KeyTypeUpdate\":\"CUSTOMER_MANAGED_KEY\","
	    "\"KeyIdUpdate\":\"alias/orders\"},\"FlinkApplicationConfigurationUpdate\":{"
	    "\"ParallelismConfigurationUpdate\":{\"ConfigurationTypeUpdate\":\"CUSTOM\","
	    "\"ParallelismUpdate\":4}},\"EnvironmentPropertyUpdates\":{\"PropertyGroups\":[{"
	    "\"PropertyGroupId\":\"g\",\"PropertyMap\":{\"k\":\"v\"}}]}}}", NULL, 0), 0);
	assert_int_equal(check("StartApplication", "{\"ApplicationName\":\"a\",\"RunConfiguration\":{"
	    "\"ApplicationRestoreConfiguration\":{\"ApplicationRestoreType\":"
	    "\"RESTORE_FROM_CUSTOM_SNAPSHOT\",\"SnapshotName\":\"s\"}}}", NULL, 0), 0);
	assert_int_equal(check("StopApplication", "{\"ApplicationName\":\"a\",\"Force\":true}",
	    NULL, 0), 0);
	assert_int_equal(check("CreateApplicationSnapshot", "{\"ApplicationName\":\"a\","
	    "\"SnapshotName\":\"s\"}", NULL, 0), 0);
	assert_int_equal(check("DeleteApplicationSnapshot", "{\"ApplicationName\":\"a\","
	    "\"SnapshotName\":\"s\",\"SnapshotCreationTimestamp\":1700000000}", NULL, 0), 0);
	assert_int_equal(check("DeleteApplicationSnapshot", "{\"ApplicationName\":\"a\","
	    "\"SnapshotName\":\"s\",\"SnapshotCreationTimestamp\":\"2025-11-30T10:00:00Z\"}",
	    NULL, 0), 0);
	assert_int_equal(check("RollbackApplication", "{\"ApplicationName\":\"a\","
	    "\"CurrentApplicationVersionId\":5}", NULL, 0), 0);
	assert_int_equal(check("CreateApplication", "{\"ApplicationName\":\"n\",\"RuntimeEnvironment\":"
	    "\"FLINK-1_20\",\"ServiceExecutionRole\":\"arn:aws:iam::111111111111:role/flink\","
	    "\"Tags\":[{\"Key\":\"team\",\"Value\":\"data\"}],\"ApplicationConfiguration\":{"
	    "\"ApplicationEncryptionConfiguration\":{\"KeyType\":\"AWS_OWNED_KEY\"}}}", NULL, 0), 0);
}

static void
test_refusals_name_the_member(void **state)
{
	char many[16384];
	size_t i, n;

	(void)state;
	/* unknown members, at any depth */
	refused("UpdateApplication", "{\"ApplicationName\":\"a\",\"ApplicationConfigurationUpdate\":{"
	    "\"FlinkApplicationConfigurationUpdate\":{\"Paralelism\":1}}}",
	    "ApplicationConfigurationUpdate.FlinkApplicationConfigurationUpdate: unknown member "
	    "\"Paralelism\"");
	/* types */
	refused("UpdateApplication", "{\"ApplicationName\":\"a\",\"ApplicationConfigurationUpdate\":{"
	    "\"FlinkApplicationConfigurationUpdate\":{\"ParallelismConfigurationUpdate\":{"
	    "\"ParallelismUpdate\":\"4\"}}}}", "ParallelismUpdate: must be an integer, not string");
	refused("StopApplication", "{\"ApplicationName\":\"a\",\"Force\":\"yes\"}",
	    "Force: must be true or false");
	refused("CreateApplication", "{\"ApplicationName\":\"n\",\"RuntimeEnvironment\":\"FLINK-1_20\","
	    "\"ServiceExecutionRole\":\"arn:aws:iam::1:role/r\",\"Tags\":{}}",
	    "Tags: must be an array, not object");
	/* min and max */
	refused("UpdateApplication", "{\"ApplicationName\":\"a\",\"ApplicationConfigurationUpdate\":{"
	    "\"FlinkApplicationConfigurationUpdate\":{\"ParallelismConfigurationUpdate\":{"
	    "\"ParallelismUpdate\":0}}}}", "ParallelismUpdate: the value 0 is less than the minimum 1");
	refused("RollbackApplication", "{\"ApplicationName\":\"a\","
	    "\"CurrentApplicationVersionId\":1000000000}", "more than the maximum 999999999");
	refused("StopApplication", "{\"ApplicationName\":\"\"}",
	    "ApplicationName: the length 0 is less than the minimum 1");
	/* lengths count characters, not bytes: 128 two-byte characters fit */
	n = (size_t)snprintf(many, sizeof(many), "{\"ApplicationName\":\"");
	for (i = 0; i < 128; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "\xc3\xa9");
	(void)snprintf(many + n, sizeof(many) - n, "\"}");
	assert_int_equal(check("StopApplication", many, NULL, 0), 0);
	(void)snprintf(many + n, sizeof(many) - n, "x\"}");
	refused("StopApplication", many, "the length 129 is more than the maximum 128");
	/* list and map sizes */
	n = (size_t)snprintf(many, sizeof(many), "{\"ApplicationName\":\"n\",\"RuntimeEnvironment\":"
	    "\"FLINK-1_20\",\"ServiceExecutionRole\":\"arn:aws:iam::1:role/r\",\"Tags\":[");
	for (i = 0; i < 201; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "%s{\"Key\":\"k%zu\"}",
		    i > 0 ? "," : "", i);
	(void)snprintf(many + n, sizeof(many) - n, "]}");
	refused("CreateApplication", many, "Tags: the number of items 201 is more than the maximum 200");
	/* enums */
	refused("CreateApplication", "{\"ApplicationName\":\"n\",\"RuntimeEnvironment\":\"FLINK-9_9\","
	    "\"ServiceExecutionRole\":\"arn:aws:iam::1:role/r\"}",
	    "RuntimeEnvironment: \"FLINK-9_9\" is not one of the values");
	refused("StartApplication", "{\"ApplicationName\":\"a\",\"RunConfiguration\":{"
	    "\"ApplicationRestoreConfiguration\":{\"ApplicationRestoreType\":\"RESTORE_ALL\"}}}",
	    "ApplicationRestoreType: \"RESTORE_ALL\" is not one of");
	/* required, nested */
	refused("CreateApplication", "{\"ApplicationName\":\"n\",\"RuntimeEnvironment\":\"FLINK-1_20\","
	    "\"ServiceExecutionRole\":\"arn:aws:iam::1:role/r\",\"Tags\":[{\"Value\":\"v\"}]}",
	    "Tags[0]: Key is required");
	refused("DeleteApplicationSnapshot", "{\"ApplicationName\":\"a\",\"SnapshotName\":\"s\","
	    "\"SnapshotCreationTimestamp\":true}", "SnapshotCreationTimestamp: must be a time");
	/* a map's keys are checked too */
	refused("UpdateApplication", "{\"ApplicationName\":\"a\",\"ApplicationConfigurationUpdate\":{"
	    "\"EnvironmentPropertyUpdates\":{\"PropertyGroups\":[{\"PropertyGroupId\":\"g\","
	    "\"PropertyMap\":{\"\":\"v\"}}]}}}", "PropertyMap[\"\"]: the length 0 is less than");
}

static void
test_unknown_operation(void **state)
{
	(void)state;
	assert_int_equal(check("DeleteApplication", "{}", NULL, 0), CG_ERR_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_requests),
		cmocka_unit_test(test_refusals_name_the_member),
		cmocka_unit_test(test_unknown_operation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The shipped rule stacks (contrib/ops.d) load as the gate loads them and
 * say what docs/rules.md promises: key changes need two approvers, other
 * changes need only the checks, unknown operations are denied.
 *
 * usage: test-ops-defaults OPS.D-DIR
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "rules.h"

static const char *ops_dir;
static struct rules_set *set;

/* 2024-01-02 10:00 UTC, a Tuesday. */
#define TUESDAY_10 ((time_t)1704189600)

/* What the gate would answer for each caller-evaluated module. */
struct world {
	enum rules_outcome	permissions;
	enum rules_outcome	key_state;
	enum rules_outcome	approvals;	/* PASS also stands for "no key changes" */
};

static int
answer(void *userdata, const struct rules_module *m, enum rules_outcome *ret, struct cg_buf *why)
{
	const struct world *w = userdata;

	(void)why;
	switch (m->kind) {
	case RULES_MOD_PERMISSIONS:	*ret = w->permissions; break;
	case RULES_MOD_KEY_STATE:	*ret = w->key_state; break;
	case RULES_MOD_APPROVALS:	*ret = w->approvals; break;
	default:			fail_msg("module %s is not the caller's", rules_module_name(m->kind));
	}
	return 0;
}

static enum rules_result
evaluate_key(const char *op, const char *runtime, bool cmk, struct world w)
{
	struct rules_request req = { "CHG-1 rotate the key", runtime, TUESDAY_10, cmk };
	const struct rules_stack *s = NULL;
	struct rules_verdict *v = NULL;
	enum rules_result res;

	assert_int_equal(rules_for(set, op, &s), 0);
	assert_int_equal(rules_eval(s, &req, answer, &w, &v), 0);
	res = v->result;
	rules_verdict_free(v);
	return res;
}

/* The application's state is under a customer managed key after the call. */
static enum rules_result
evaluate(const char *op, const char *runtime, struct world w)
{
	return evaluate_key(op, runtime, true, w);
}

static const struct rules_module *
find(const char *op, enum rules_module_kind kind)
{
	const struct rules_stack *s = NULL;
	const struct rules_module *m;
	size_t i;

	assert_int_equal(rules_for(set, op, &s), 0);
	for (i = 0; (m = rules_stack_module(s, i)) != NULL; i++)
		if (m->kind == kind)
			return m;
	return NULL;
}

static int
load(void **state)
{
	struct cg_buf *why = NULL;
	const char *msg = "";
	int r;

	(void)state;
	if (cg_buf_new(4096, &why) < 0)
		return -1;
	if ((r = rules_load_dir(ops_dir, &set, why)) < 0) {
		(void)cg_buf_cstr(why, &msg);
		fprintf(stderr, "cannot load %s: %s (%s)\n", ops_dir, msg, cg_strerror(r));
	}
	cg_buf_free(why);
	return r < 0 ? -1 : 0;
}

static int
unload(void **state)
{
	(void)state;
	rules_set_free(set);
	set = NULL;
	return 0;
}

static const char *const shipped[] = {
	"CreateApplication", "UpdateApplication", "StartApplication", "StopApplication",
	"CreateApplicationSnapshot", "DeleteApplicationSnapshot", "RollbackApplication",
	"session", "other",
};

static const char *const key_changing[] = {
	"CreateApplication", "UpdateApplication", "StartApplication", "RollbackApplication",
};

static void
test_every_operation_has_its_stack(void **state)
{
	const struct rules_stack *s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		s = NULL;
		assert_int_equal(rules_for(set, shipped[i], &s), 0);
		assert_string_equal(rules_stack_name(s), shipped[i]);
		assert_true(rules_stack_count(s) > 0);
	}
}

static void
test_other_denies(void **state)
{
	struct world all_pass = { RULES_OUTCOME_PASS, RULES_OUTCOME_PASS, RULES_OUTCOME_PASS };
	const struct rules_stack *s = NULL;

	(void)state;
	assert_int_equal(rules_for(set, "TagResource", &s), 0);
	assert_string_equal(rules_stack_name(s), "other");
	assert_int_equal(evaluate("TagResource", "FLINK-1_20", all_pass), RULES_FAIL);
	assert_int_equal(evaluate("DeleteApplication", "FLINK-1_20", all_pass), RULES_FAIL);
	assert_int_equal(evaluate("other", "FLINK-1_20", all_pass), RULES_FAIL);
}

static void
test_key_changes_need_two_approvers(void **state)
{
	struct world waiting = { RULES_OUTCOME_PASS, RULES_OUTCOME_PASS, RULES_OUTCOME_PENDING };
	struct world approved = { RULES_OUTCOME_PASS, RULES_OUTCOME_PASS, RULES_OUTCOME_PASS };
	struct world no_perm = { RULES_OUTCOME_FAIL, RULES_OUTCOME_PASS, RULES_OUTCOME_PENDING };
	struct world key_off = { RULES_OUTCOME_PASS, RULES_OUTCOME_FAIL, RULES_OUTCOME_PASS };
	struct world vetoed = { RULES_OUTCOME_PASS, RULES_OUTCOME_PASS, RULES_OUTCOME_FAIL };
	struct world broken = { RULES_OUTCOME_ERROR, RULES_OUTCOME_PASS, RULES_OUTCOME_PASS };
	const struct rules_module *m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(key_changing) / sizeof(key_changing[0]); i++) {
		m = find(key_changing[i], RULES_MOD_APPROVALS);
		assert_non_null(m);
		assert_int_equal(m->control, RULES_REQUIRED);
		assert_int_equal(m->approvals.quorum, 2);
		assert_int_equal(m->approvals.nroles, 2);
		assert_int_equal(m->approvals.when, RULES_WHEN_KEY_CHANGE);
		assert_int_equal(evaluate(key_changing[i], "FLINK-1_20", waiting), RULES_PENDING);
		assert_int_equal(evaluate(key_changing[i], "FLINK-1_20", approved), RULES_PASS);
		assert_int_equal(evaluate(key_changing[i], "FLINK-1_20", no_perm), RULES_FAIL);
		assert_int_equal(evaluate(key_changing[i], "FLINK-1_20", key_off), RULES_FAIL);
		assert_int_equal(evaluate(key_changing[i], "FLINK-1_20", vetoed), RULES_FAIL);
		assert_int_equal(evaluate(key_changing[i], "FLINK-1_20", broken), RULES_FAIL);
		assert_int_equal(evaluate(key_changing[i], "FLINK-1_15", approved), RULES_FAIL);
		assert_int_equal(evaluate(key_changing[i], NULL, approved), RULES_FAIL);
	}
}

static void
test_other_changes_need_only_the_checks(void **state)
{
	struct world ok = { RULES_OUTCOME_PASS, RULES_OUTCOME_PASS, RULES_OUTCOME_ERROR };
	struct world no_perm = { RULES_OUTCOME_FAIL, RULES_OUTCOME_PASS, RULES_OUTCOME_ERROR };
	struct world key_off = { RULES_OUTCOME_PASS, RULES_OUTCOME_FAIL, RULES_OUTCOME_ERROR };

	(void)state;
	assert_null(find("CreateApplicationSnapshot", RULES_MOD_APPROVALS));
	assert_non_null(find("CreateApplicationSnapshot", RULES_MOD_RUNTIME));
	assert_int_equal(evaluate("CreateApplicationSnapshot", "FLINK-1_20", ok), RULES_PASS);
	assert_int_equal(evaluate("CreateApplicationSnapshot", "FLINK-1_20", key_off), RULES_FAIL);
	assert_int_equal(evaluate("CreateApplicationSnapshot", "FLINK-1_19", ok), RULES_FAIL);
	/* the runtime floor is for customer managed keys only */
	assert_int_equal(evaluate_key("CreateApplicationSnapshot", "FLINK-1_15", false, ok),
	    RULES_PASS);
	assert_int_equal(evaluate_key("CreateApplicationSnapshot", "FLINK-1_15", true, ok),
	    RULES_FAIL);

	assert_null(find("StopApplication", RULES_MOD_APPROVALS));
	assert_null(find("StopApplication", RULES_MOD_RUNTIME));
	assert_int_equal(evaluate("StopApplication", "FLINK-1_15", ok), RULES_PASS);
	assert_int_equal(evaluate("StopApplication", "FLINK-1_20", no_perm), RULES_FAIL);
	assert_int_equal(evaluate("StopApplication", "FLINK-1_20", key_off), RULES_FAIL);

	/* deleting a snapshot uses no key: it works while the old key is disabled */
	assert_null(find("DeleteApplicationSnapshot", RULES_MOD_APPROVALS));
	assert_null(find("DeleteApplicationSnapshot", RULES_MOD_KEY_STATE));
	assert_int_equal(evaluate("DeleteApplicationSnapshot", NULL, ok), RULES_PASS);
	assert_int_equal(evaluate("DeleteApplicationSnapshot", NULL, no_perm), RULES_FAIL);
}

static void
test_session_needs_one_approver(void **state)
{
	struct world waiting = { RULES_OUTCOME_PASS, RULES_OUTCOME_ERROR, RULES_OUTCOME_PENDING };
	struct world approved = { RULES_OUTCOME_PASS, RULES_OUTCOME_ERROR, RULES_OUTCOME_PASS };
	struct world unknown = { RULES_OUTCOME_FAIL, RULES_OUTCOME_ERROR, RULES_OUTCOME_PASS };
	const struct rules_module *m;

	(void)state;
	m = find("session", RULES_MOD_APPROVALS);
	assert_non_null(m);
	assert_int_equal(m->approvals.quorum, 1);
	assert_int_equal(m->approvals.when, RULES_WHEN_ALWAYS);
	assert_int_equal(evaluate("session", NULL, waiting), RULES_PENDING);
	assert_int_equal(evaluate("session", NULL, approved), RULES_PASS);
	assert_int_equal(evaluate("session", NULL, unknown), RULES_FAIL);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_operation_has_its_stack),
		cmocka_unit_test(test_other_denies),
		cmocka_unit_test(test_key_changes_need_two_approvers),
		cmocka_unit_test(test_other_changes_need_only_the_checks),
		cmocka_unit_test(test_session_needs_one_approver),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s OPS.D-DIR\n", argv[0]);
		return 2;
	}
	ops_dir = argv[1];
	return cmocka_run_group_tests_name("ops-defaults", tests, load, unload);
}

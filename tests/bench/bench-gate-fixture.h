/*
 * What the gate benchmarks (bench-decide, bench-filing) share: the facts
 * of one UpdateApplication that switches application "payments" from CMK#1
 * to CMK#2, built by hand instead of read from AWS, the filing that asks
 * for it, and a stand-in for the lifecycle's reading of AWS that hands
 * those facts out.
 *
 * The corpus: the operator is a session of role flink-operator with
 * BENCH_GATE_POLICIES identity policies of BENCH_GATE_STATEMENTS statements
 * each, most with conditions (bench-policy.c's generator, adapted to the
 * context keys the gate's checks carry), and a permission boundary; both
 * keys carry the key policy of tests/aws/fixtures/scenarios.json's
 * msf-key-policy (the key administrator, delegation to the account, the
 * gate, the operator role for DescribeKey, the data keys and CreateGrant
 * through Managed Flink, the service principals) plus a Deny of deletion
 * for everyone but the key administrator.  The rule stacks are an ops.d
 * directory (contrib/ops.d).  With those, every permission check of the
 * plan must be Allow and the outcome PENDING: a key change waiting for
 * its approvals.  bench_gate_expect() checks that, so a benchmark never
 * measures a refusal without saying so.
 *
 * Functions follow cg_err.h: 0 or a negative CG_ERR_* code, outputs through
 * ret_* only on success; the reason of a failure is appended to why.
 */
#ifndef CMKGATE_BENCH_GATE_FIXTURE_H
#define CMKGATE_BENCH_GATE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "decide.h"
#include "filing.h"
#include "store.h"

struct cg_buf;
struct json_object;
struct rules_set;

#define BENCH_GATE_POLICIES	10
#define BENCH_GATE_STATEMENTS	20

#define BENCH_GATE_ACCOUNT	"111111111111"
#define BENCH_GATE_REGION	"eu-west-1"
#define BENCH_GATE_APP_NAME	"payments"
#define BENCH_GATE_APP_ARN	"arn:aws:kinesisanalytics:" BENCH_GATE_REGION ":" \
				BENCH_GATE_ACCOUNT ":application/" BENCH_GATE_APP_NAME
#define BENCH_GATE_KEY1		"arn:aws:kms:" BENCH_GATE_REGION ":" BENCH_GATE_ACCOUNT \
				":key/1111aaaa-1111-4111-8111-111111111111"
#define BENCH_GATE_KEY2		"arn:aws:kms:" BENCH_GATE_REGION ":" BENCH_GATE_ACCOUNT \
				":key/2222bbbb-2222-4222-8222-222222222222"
#define BENCH_GATE_ROLE		"flink-operator"
#define BENCH_GATE_PRINCIPAL	"arn:aws:sts::" BENCH_GATE_ACCOUNT ":assumed-role/" \
				BENCH_GATE_ROLE "/alice"
#define BENCH_GATE_OPERATOR	"alice"

struct bench_gate {
	struct decide_facts	 facts;		/* world by hand, policies compiled */
	struct rules_set	*rules;
	struct decide_who	 who;
	char			*body;		/* the filing: a POST /v1/requests body */
	size_t			 body_len;
	size_t			 identity_statements;	/* in all identity policies */
};

/* Builds the corpus and loads the rule stacks of ops_dir. */
int bench_gate_setup(const char *ops_dir, struct bench_gate *ret, struct cg_buf *why);
void bench_gate_clear(struct bench_gate *g);

/* decide_evaluate() of a parsed filing with g's facts, now = time(NULL), as
 * the daemon calls it. */
int bench_gate_decide(const struct bench_gate *g, const struct filing *f,
    enum decide_outcome *ret_outcome, struct json_object **ret_record, struct cg_buf *why);

/*
 * Whether a decision is the one the corpus must give: PENDING, the rule
 * stack pending, and every permission check Allow.  *ret_nchecks: the
 * number of checks.  CG_ERR_DENIED, saying what differs, otherwise.
 */
int bench_gate_expect(enum decide_outcome outcome, struct json_object *record,
    size_t *ret_nchecks, struct cg_buf *why);

/*
 * An lc_gather_fn (lifecycle.h) that hands out g's facts (ctx is the
 * struct bench_gate), so that the daemon's own lifecycle files the
 * benchmark's requests without AWS.
 */
int bench_gate_gather(void *ctx, const struct op_request *req, const char *role,
    int64_t now_ms, struct decide_facts *ret_facts, struct cg_buf *why);

#endif

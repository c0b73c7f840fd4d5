/*
 * Gate decision benchmark (issue [4]): the in-process work of one filing
 * for an UpdateApplication that switches CMK#1 -> CMK#2, policies cached,
 * no AWS round trip.
 *
 *   bench-decide --ops-dir DIR [--iterations N] [--measure filing|evaluate]
 *
 * The facts are bench-gate-fixture.c's (what decide_gather() would have
 * read, with every policy compiled: "cached"); the rule stacks are loaded
 * from DIR (contrib/ops.d).  Two measurements, each timed per iteration
 * with CLOCK_MONOTONIC:
 *
 *   filing    filing_parse() of the POST body, decide_evaluate(), the record
 *             serialized to text, and freeing all of it;
 *   evaluate  decide_evaluate() alone, on a filing parsed once.
 *
 * Every iteration must give PENDING (a key change waiting for approvals)
 * with every permission check Allow, or the benchmark fails with exit 1:
 * it never measures a refusal.  Prints one JSON object per measurement,
 * times in microseconds.  A tenth of the iterations (at most 1000) runs
 * first, untimed, to warm caches.  --measure runs only one of the two
 * (for a profiler).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "decide.h"
#include "filing.h"

#include "bench-gate-fixture.h"

#define ITERATIONS_DEFAULT	20000
#define ITERATIONS_MAX		100000000L
#define WARMUP_MAX		1000

enum measure {
	MEASURE_FILING,
	MEASURE_EVALUATE,
};

struct run {
	const struct bench_gate	*gate;
	enum measure		 what;
	long			 iterations;
	double			*us;		/* per iteration */
	size_t			 nchecks;
	size_t			 record_bytes;
	struct cg_buf		*why;
};

static double
elapsed_us(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e6 + (double)(b->tv_nsec - a->tv_nsec) / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least p of the sample at or below it. */
static double
percentile(const double *sorted, size_t n, double p)
{
	size_t rank = (size_t)(p * (double)n + 0.999999);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

/* One filing, as the daemon does it between reading the body and the lock. */
static int
one_filing(struct run *run, double *ret_us)
{
	struct filing f;
	struct json_object *record = NULL;
	enum decide_outcome outcome = DECIDE_DENIED;
	enum filing_error kind = FILING_OK;
	struct timespec t0, t1, t2, t3;
	const char *text;
	size_t len = 0;
	int r = CG_ERR_INTERNAL;

	memset(&f, 0, sizeof(f));
	cg_buf_reset(run->why);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	GUARD(filing_parse(run->gate->body, run->gate->body_len, BENCH_GATE_REGION, BENCH_GATE_ACCOUNT, &f,
	    &kind, run->why));
	GUARD(bench_gate_decide(run->gate, &f, &outcome, &record, run->why));
	text = json_object_to_json_string_length(record, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	ENSURE(text != NULL, CG_ERR_NOMEM);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	GUARD(bench_gate_expect(outcome, record, &run->nchecks, run->why));
	run->record_bytes = len;
	clock_gettime(CLOCK_MONOTONIC, &t2);
	json_object_put(record);
	record = NULL;
	filing_clear(&f);
	clock_gettime(CLOCK_MONOTONIC, &t3);
	*ret_us = elapsed_us(&t0, &t1) + elapsed_us(&t2, &t3);
	r = 0;
 out:
	json_object_put(record);
	filing_clear(&f);
	return r;
}

/* decide_evaluate() alone on an already parsed filing. */
static int
one_evaluation(struct run *run, const struct filing *f, double *ret_us)
{
	struct json_object *record = NULL;
	enum decide_outcome outcome = DECIDE_DENIED;
	struct timespec t0, t1;
	int r = CG_ERR_INTERNAL;

	cg_buf_reset(run->why);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = bench_gate_decide(run->gate, f, &outcome, &record, run->why);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	GUARD(r);
	GUARD(bench_gate_expect(outcome, record, &run->nchecks, run->why));
	if (run->record_bytes == 0)	/* once: the profile of --measure evaluate stays clean */
		ENSURE(json_object_to_json_string_length(record, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE, &run->record_bytes) != NULL, CG_ERR_NOMEM);
	*ret_us = elapsed_us(&t0, &t1);
	r = 0;
 out:
	json_object_put(record);
	return r;
}

static int
measure(struct run *run)
{
	struct filing f;
	enum filing_error kind = FILING_OK;
	double ignored = 0;
	long i, warmup;
	int r = CG_ERR_INTERNAL;

	memset(&f, 0, sizeof(f));
	GUARD(filing_parse(run->gate->body, run->gate->body_len, BENCH_GATE_REGION, BENCH_GATE_ACCOUNT, &f,
	    &kind, run->why));
	warmup = run->iterations / 10 < WARMUP_MAX ? run->iterations / 10 : WARMUP_MAX;
	for (i = -warmup; i < run->iterations; i++) {
		if (run->what == MEASURE_FILING)
			GUARD(one_filing(run, i < 0 ? &ignored : &run->us[i]));
		else
			GUARD(one_evaluation(run, &f, i < 0 ? &ignored : &run->us[i]));
	}
	r = 0;
 out:
	filing_clear(&f);
	return r;
}

static void
report(const struct run *run, const char *name)
{
	double sum = 0;
	size_t n = (size_t)run->iterations, i;

	qsort(run->us, n, sizeof(run->us[0]), cmp_double);
	for (i = 0; i < n; i++)
		sum += run->us[i];
	printf("{\"measure\":\"%s\",\"iterations\":%zu,\"median_us\":%.2f,\"p90_us\":%.2f,"
	    "\"p99_us\":%.2f,\"mean_us\":%.2f,\"min_us\":%.2f,\"max_us\":%.2f,"
	    "\"checks\":%zu,\"outcome\":\"pending\",\"record_bytes\":%zu}\n", name, n,
	    percentile(run->us, n, 0.50), percentile(run->us, n, 0.90),
	    percentile(run->us, n, 0.99), sum / (double)n, run->us[0], run->us[n - 1],
	    run->nchecks, run->record_bytes);
}

struct options {
	const char	*ops_dir;
	long		 iterations;
	enum measure	 first, last;	/* the measurements to run */
};

static int
parse_args(int argc, char **argv, struct options *ret)
{
	struct options o;
	char *end = NULL;
	int i, r = CG_ERR_INTERNAL;

	memset(&o, 0, sizeof(o));
	o.iterations = ITERATIONS_DEFAULT;
	o.first = MEASURE_FILING;
	o.last = MEASURE_EVALUATE;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ops-dir") == 0 && i + 1 < argc) {
			o.ops_dir = argv[++i];
		} else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
			o.iterations = strtol(argv[++i], &end, 10);
			ENSURE(*end == '\0' && o.iterations >= 1 && o.iterations <= ITERATIONS_MAX,
			    CG_ERR_INVALID_ARG);
		} else if (strcmp(argv[i], "--measure") == 0 && i + 1 < argc) {
			i++;
			ENSURE(strcmp(argv[i], "filing") == 0 || strcmp(argv[i], "evaluate") == 0,
			    CG_ERR_INVALID_ARG);
			o.first = o.last = strcmp(argv[i], "filing") == 0 ? MEASURE_FILING :
			    MEASURE_EVALUATE;
		} else {
			ENSURE(false, CG_ERR_INVALID_ARG);
		}
	}
	ENSURE(o.ops_dir != NULL, CG_ERR_INVALID_ARG);
	*ret = o;
	r = 0;
 out:
	return r;
}

/* Sets up the corpus and runs both measurements; the caller reports usage errors. */
static int
bench(const struct options *o)
{
	static const char *const names[] = { [MEASURE_FILING] = "filing",
	    [MEASURE_EVALUATE] = "evaluate" };
	struct bench_gate gate;
	struct run run;
	struct cg_buf *why = NULL;
	const char *msg = "";
	int r = CG_ERR_INTERNAL;

	memset(&gate, 0, sizeof(gate));
	memset(&run, 0, sizeof(run));
	GUARD(cg_buf_new(1 << 20, &why));
	if ((r = bench_gate_setup(o->ops_dir, &gate, why)) < 0) {
		(void)cg_buf_cstr(why, &msg);
		fprintf(stderr, "bench-decide: building the corpus: %s: %s\n", cg_strerror(r),
		    msg);
		goto out;
	}
	printf("{\"corpus\":\"UpdateApplication CMK#1 -> CMK#2\",\"identity_policies\":%d,"
	    "\"identity_statements\":%zu,\"keys\":%zu,\"body_bytes\":%zu,\"ops_dir\":\"%s\"}\n",
	    BENCH_GATE_POLICIES, gate.identity_statements, gate.facts.nkeys, gate.body_len,
	    o->ops_dir);
	run.gate = &gate;
	run.iterations = o->iterations;
	run.why = why;
	ENSURE((run.us = calloc((size_t)o->iterations, sizeof(*run.us))) != NULL, CG_ERR_NOMEM);
	for (run.what = o->first; run.what <= o->last; run.what++) {
		if ((r = measure(&run)) < 0) {
			(void)cg_buf_cstr(why, &msg);
			fprintf(stderr, "bench-decide: %s: %s: %s\n", names[run.what],
			    cg_strerror(r), msg);
			goto out;
		}
		report(&run, names[run.what]);
	}
	r = 0;
 out:
	free(run.us);
	bench_gate_clear(&gate);
	cg_buf_free(why);
	return r;
}

int
main(int argc, char **argv)
{
	struct options o;
	int status = 1;

	if (parse_args(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: bench-decide --ops-dir DIR [--iterations N (1..%ld)] "
		    "[--measure filing|evaluate]\n", ITERATIONS_MAX);
		status = 2;
	} else if (bench(&o) == 0) {
		status = 0;
	}
	return status;
}

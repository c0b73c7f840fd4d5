/*
 * Gate filing benchmark (issue [4]): requests filed per second with durable
 * storage, and how it scales with concurrent clients.
 *
 *   bench-filing --ops-dir DIR [--seconds S] [--threads 1,2,4,8] [--dir PARENT]
 *                [--checkpoint-every N]
 *
 * The durable part of a filing is what the lifecycle's writer does under
 * the gate's write lock: audit_append() the entry (write + fsync, a signed
 * checkpoint every N entries as the daemon's checkpoint_every), then
 * store_create() the request (SQLite, WAL, synchronous=FULL).  T threads
 * share one audit handle and one store, like the daemon's HTTP threads,
 * and each files as fast as it can for S seconds.  Two variants:
 *
 *   durable    each filing: a new id, the record serialized and the audit
 *              entry built by the daemon's builder (audit_entry_request(),
 *              gate/audit/entries.c), outside the lock as the lifecycle
 *              does, then the locked part, under this benchmark's own mutex;
 *   lifecycle  the daemon's lifecycle_file() itself on the POST body: the
 *              filing parsed, the decision (bench-gate-fixture.c's facts
 *              handed out by bench_gate_gather() instead of AWS), the entry,
 *              the append and the store under the lifecycle's write lock:
 *              the whole of a filing but the AWS round trips and HTTP.
 *
 * The files live in a new directory made with mkdtemp() under PARENT
 * ($TMPDIR or /tmp by default), removed at the end; its file system is
 * printed, since fsync on tmpfs costs nothing.  At the end the audit log
 * must verify with the public key and the store must hold exactly the
 * requests filed, all pending, and pass store_check(); exit 1 otherwise.
 * Prints one JSON object per run, latencies in microseconds.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "audit.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "config.h"
#include "decide.h"
#include "entries.h"
#include "filing.h"
#include "jcs.h"
#include "lifecycle.h"
#include "store.h"

#include "bench-gate-fixture.h"

#define THREADS_MAX		16	/* entries in --threads */
#define THREAD_COUNT_MAX	64	/* threads in one run */
#define PATH_LEN		4096
#define REQUEST_TTL_MS		(86400 * 1000LL)
#define NOTE			"filed; waiting for approvals"
/* What the lifecycle reads of a configuration: the request TTL. */
#define BENCH_CONFIG		"{\"request_ttl_seconds\": 86400, \"operators\": [{\"uid\": 1000, " \
				"\"name\": \"" BENCH_GATE_OPERATOR "\", \"principal\": \"" \
				BENCH_GATE_PRINCIPAL "\"}]}"

/* What every thread of a run shares: the daemon's handles and its lock. */
struct shared {
	const struct bench_gate	*gate;
	struct audit		*audit;
	struct store		*store;
	pthread_mutex_t		 write_lock;	/* the durable variant's */
	pthread_mutex_t		 start_lock;	/* held by run() until every thread exists */
	struct lifecycle	*lc;		/* the lifecycle variant: the daemon's own */
	bool			 decide;	/* the lifecycle variant */
	double			 seconds;
	atomic_bool		 failed;
};

/* Where one filing's time under the write lock goes, in microseconds. */
struct lock_times {
	double			 audit;		/* entry appended, fsync()ed */
	double			 store;		/* store_create(): one SQLite commit */
};

struct worker {
	struct shared		*sh;
	pthread_t		 thread;
	double			*latency_us;
	size_t			 n, cap;
	struct lock_times	 held;		/* sums over the thread's filings */
	struct timespec		 began, ended;
	int			 r;
	char			 msg[1024];
};

struct totals {
	uint64_t		 filed;
};

static double
elapsed_us(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e6 + (double)(b->tv_nsec - a->tv_nsec) / 1e3;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
unconst(const char *s)
{
	return (char *)(uintptr_t)s;
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
	return n == 0 ? 0 : sorted[rank - 1];
}

/* One thread's decision: the parsed filing, its record and its canonical input. */
struct decision {
	struct filing		 f;
	struct json_object	*record;
	char			*input;
};

static void
decision_clear(struct decision *d)
{
	filing_clear(&d->f);
	json_object_put(d->record);
	free(d->input);
	memset(d, 0, sizeof(*d));
}

/* Parses the filing and decides it, as the daemon does before the lock. */
static int
decision_make(const struct bench_gate *g, struct decision *ret, struct cg_buf *why)
{
	struct decision d;
	enum decide_outcome outcome = DECIDE_DENIED;
	enum filing_error kind = FILING_OK;
	size_t nchecks = 0;
	int r = CG_ERR_INTERNAL;

	memset(&d, 0, sizeof(d));
	GUARD(filing_parse(g->body, g->body_len, BENCH_GATE_REGION, BENCH_GATE_ACCOUNT, &d.f, &kind,
	    why));
	GUARD(bench_gate_decide(g, &d.f, &outcome, &d.record, why));
	GUARD(bench_gate_expect(outcome, d.record, &nchecks, why));
	GUARD(jcs_text(d.f.input, STORE_TEXT_MAX, &d.input));
	*ret = d;
	memset(&d, 0, sizeof(d));
	r = 0;
 out:
	decision_clear(&d);
	return r;
}

/* The locked part: the entry appended (fsync), then the store. */
static int
write_locked(struct shared *sh, const struct store_request *sr, struct json_object *fields,
    struct lock_times *ret_held, struct cg_buf *why)
{
	struct timespec t0, t1, t2;
	int r = CG_ERR_INTERNAL;

	pthread_mutex_lock(&sh->write_lock);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = audit_append(sh->audit, AUDIT_EV_REQUEST, fields)) < 0) {
		(void)cg_buf_putf(why, "audit_append: %s", cg_strerror(r));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	GUARD(store_create(sh->store, sr, NOTE, why));
	clock_gettime(CLOCK_MONOTONIC, &t2);
	ret_held->audit = elapsed_us(&t0, &t1);
	ret_held->store = elapsed_us(&t1, &t2);
	r = 0;
 out:
	pthread_mutex_unlock(&sh->write_lock);
	return r;
}

/* One filing from the decision on; the record gets the new id. */
static int
file_one(struct shared *sh, struct decision *d, struct lock_times *ret_held,
    struct cg_buf *why)
{
	struct store_request sr;
	struct audit_who who;
	struct audit_filed filed;
	struct json_object *id = NULL, *fields = NULL;
	const char *text;
	int64_t now = now_ms();
	int r = CG_ERR_INTERNAL;

	memset(&sr, 0, sizeof(sr));
	store_new_id(sr.id);
	sr.state = STORE_PENDING;
	sr.operation = unconst(d->f.operation);
	sr.operator_name = unconst(BENCH_GATE_OPERATOR);
	sr.principal = unconst(BENCH_GATE_PRINCIPAL);
	sr.region = unconst(BENCH_GATE_REGION);
	sr.reason = unconst(d->f.reason != NULL ? d->f.reason : "");
	sr.digest = d->f.digest;
	sr.input = d->input;
	sr.created_ms = now;
	sr.updated_ms = now;
	sr.expires_ms = now + REQUEST_TTL_MS;
	ENSURE((id = json_object_new_string(sr.id)) != NULL, CG_ERR_NOMEM);
	r = json_object_object_add(d->record, "id", id);
	id = NULL;
	ENSURE(r == 0, CG_ERR_NOMEM);
	text = json_object_to_json_string_ext(d->record, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	ENSURE(text != NULL && (sr.record = strdup(text)) != NULL, CG_ERR_NOMEM);
	memset(&who, 0, sizeof(who));
	who.operator_name = BENCH_GATE_OPERATOR;
	who.principal = BENCH_GATE_PRINCIPAL;
	who.transport = "unix";
	who.uid = (int64_t)getuid();
	who.pid = (int64_t)getpid();
	memset(&filed, 0, sizeof(filed));
	filed.id = sr.id;
	filed.decision = store_state_name(sr.state);
	filed.operation = sr.operation;
	filed.digest = sr.digest;
	filed.region = sr.region;
	filed.reason = sr.reason;
	filed.record = d->record;
	GUARD(audit_entry_request(&who, &filed, &fields));
	GUARD(write_locked(sh, &sr, fields, ret_held, why));
	r = 0;
 out:
	json_object_put(fields);
	json_object_put(id);
	free(sr.record);
	return r;
}

/* One whole filing through the daemon's lifecycle; it must be filed pending. */
static int
file_through_lifecycle(struct shared *sh, struct cg_buf *why)
{
	static const struct config_operator op = {
		.has_uid = true, .name = (char *)(uintptr_t)BENCH_GATE_OPERATOR,
		.principal = (char *)(uintptr_t)BENCH_GATE_PRINCIPAL,
	};
	struct lc_caller caller;
	struct lc_result res;
	struct json_object *state = NULL;
	int r = CG_ERR_INTERNAL;

	memset(&caller, 0, sizeof(caller));
	memset(&res, 0, sizeof(res));
	caller.transport = LC_UNIX;
	caller.known = true;
	caller.uid = getuid();
	caller.pid = getpid();
	lifecycle_file(sh->lc, &caller, &op, sh->gate->body, sh->gate->body_len, now_ms(), &res);
	if (res.status != LC_CREATED || !json_object_object_get_ex(res.answer, "state", &state) ||
	    strcmp(json_object_get_string(state), "pending") != 0) {
		(void)cg_buf_putf(why, "lifecycle_file: %s: %s", res.code != NULL ? res.code :
		    "not pending", res.message);
		r = CG_ERR_DENIED;
		goto out;
	}
	r = 0;
 out:
	lc_result_clear(&res);
	return r;
}

static int
keep_latency(struct worker *w, double us)
{
	double *grown;
	size_t cap;
	int r = CG_ERR_INTERNAL;

	if (w->n == w->cap) {
		cap = w->cap == 0 ? 4096 : 2 * w->cap;
		ENSURE((grown = realloc(w->latency_us, cap * sizeof(*grown))) != NULL,
		    CG_ERR_NOMEM);
		w->latency_us = grown;
		w->cap = cap;
	}
	w->latency_us[w->n++] = us;
	r = 0;
 out:
	return r;
}

static int
work(struct worker *w, struct cg_buf *why)
{
	struct shared *sh = w->sh;
	struct decision d;
	struct timespec t0, t1;
	struct lock_times held;
	double limit_us = sh->seconds * 1e6;
	int r = CG_ERR_INTERNAL;

	memset(&d, 0, sizeof(d));
	memset(&held, 0, sizeof(held));
	GUARD(decision_make(sh->gate, &d, why));
	pthread_mutex_lock(&sh->start_lock);
	pthread_mutex_unlock(&sh->start_lock);
	clock_gettime(CLOCK_MONOTONIC, &w->began);
	t1 = w->began;
	while (!atomic_load(&sh->failed) && elapsed_us(&w->began, &t1) < limit_us) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (sh->decide) {
			GUARD(file_through_lifecycle(sh, why));
		} else {
			GUARD(file_one(sh, &d, &held, why));
			w->held.audit += held.audit;
			w->held.store += held.store;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		GUARD(keep_latency(w, elapsed_us(&t0, &t1)));
	}
	w->ended = t1;
	r = 0;
 out:
	decision_clear(&d);
	return r;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct cg_buf *why = NULL;
	const char *msg = "";

	if ((w->r = cg_buf_new(16384, &why)) < 0 || (w->r = work(w, why)) < 0) {
		atomic_store(&w->sh->failed, true);
		if (why != NULL)
			(void)cg_buf_cstr(why, &msg);
		(void)snprintf(w->msg, sizeof(w->msg), "%s: %s", cg_strerror(w->r), msg);
	}
	cg_buf_free(why);
	return NULL;
}

/* Runs nthreads workers for sh->seconds and prints what they did. */
static int
run(struct shared *sh, int nthreads, struct totals *tot)
{
	struct worker w[THREAD_COUNT_MAX];
	struct timespec first, last;
	struct lock_times held;
	double *all = NULL, secs;
	size_t n = 0, k;
	int i, started = 0, r = CG_ERR_INTERNAL;

	memset(w, 0, sizeof(w));
	memset(&held, 0, sizeof(held));
	pthread_mutex_lock(&sh->start_lock);
	for (i = 0; i < nthreads; i++) {
		w[i].sh = sh;
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0) {
			atomic_store(&sh->failed, true);
			break;
		}
		started++;
	}
	pthread_mutex_unlock(&sh->start_lock);
	for (i = 0; i < started; i++)
		(void)pthread_join(w[i].thread, NULL);
	ENSURE(started == nthreads, CG_ERR_NOMEM);
	for (i = 0; i < nthreads; i++)
		if (w[i].r < 0) {
			fprintf(stderr, "bench-filing: thread %d: %s\n", i, w[i].msg);
			r = w[i].r;
			goto out;
		}
	first = w[0].began;
	last = w[0].ended;
	for (i = 0; i < nthreads; i++) {
		if (elapsed_us(&w[i].began, &first) > 0)
			first = w[i].began;
		if (elapsed_us(&last, &w[i].ended) > 0)
			last = w[i].ended;
		n += w[i].n;
		held.audit += w[i].held.audit;
		held.store += w[i].held.store;
	}
	ENSURE(n > 0, CG_ERR_INTERNAL);
	ENSURE((all = calloc(n, sizeof(*all))) != NULL, CG_ERR_NOMEM);
	for (i = 0, k = 0; i < nthreads; i++) {
		memcpy(all + k, w[i].latency_us, w[i].n * sizeof(*all));
		k += w[i].n;
	}
	qsort(all, n, sizeof(*all), cmp_double);
	secs = elapsed_us(&first, &last) / 1e6;
	printf("{\"variant\":\"%s\",\"threads\":%d,\"filings\":%zu,\"seconds\":%.3f,"
	    "\"filings_per_second\":%.0f,\"latency_p50_us\":%.0f,\"latency_p99_us\":%.0f",
	    sh->decide ? "lifecycle" : "durable", nthreads, n, secs, (double)n / secs,
	    percentile(all, n, 0.50), percentile(all, n, 0.99));
	if (!sh->decide)
		printf(",\"locked_audit_mean_us\":%.0f,\"locked_store_mean_us\":%.0f",
		    held.audit / (double)n, held.store / (double)n);
	printf("}\n");
	(void)fflush(stdout);
	tot->filed += n;
	r = 0;
 out:
	for (i = 0; i < nthreads; i++)
		free(w[i].latency_us);
	free(all);
	return r;
}

static const char *
fs_name(const char *dir)
{
	struct statfs st;
	const char *name = "other";

	if (statfs(dir, &st) != 0)
		name = "unknown";
	else if (st.f_type == 0xEF53)
		name = "ext4";
	else if (st.f_type == 0x58465342)
		name = "xfs";
	else if (st.f_type == 0x9123683EL)
		name = "btrfs";
	else if (st.f_type == 0x01021994)
		name = "tmpfs";
	else if (st.f_type == 0x794c7630)
		name = "overlayfs";
	return name;
}

/* After the runs: the log verifies and the store holds exactly what was filed. */
static int
check_all(const char *log, const struct audit_pubkey *pub, struct store *store,
    const struct totals *tot, struct cg_buf *why)
{
	struct audit_report rep;
	uint64_t counts[STORE_ISSUED + 1];
	int i, r = CG_ERR_INTERNAL;

	memset(&rep, 0, sizeof(rep));
	if ((r = audit_verify(log, pub, &rep)) < 0) {
		(void)cg_buf_putf(why, "the audit log does not verify: %s at line %llu: %s",
		    audit_problem_name(rep.problem), (unsigned long long)rep.line, rep.detail);
		goto out;
	}
	if (rep.entries - rep.checkpoints != tot->filed) {
		(void)cg_buf_putf(why, "the audit log holds %llu request entries, not %llu",
		    (unsigned long long)(rep.entries - rep.checkpoints),
		    (unsigned long long)tot->filed);
		r = CG_ERR_DENIED;
		goto out;
	}
	GUARD(store_count_by_state(store, counts, why));
	for (i = STORE_PENDING; i <= STORE_ISSUED; i++) {
		if (counts[i] != (i == STORE_PENDING ? tot->filed : 0)) {
			(void)cg_buf_putf(why, "the store holds %llu %s requests, not %llu",
			    (unsigned long long)counts[i], store_state_name((enum store_state)i),
			    (unsigned long long)(i == STORE_PENDING ? tot->filed : 0));
			r = CG_ERR_DENIED;
			goto out;
		}
	}
	GUARD(store_check(store, why));
	printf("{\"check\":\"ok\",\"filed\":%llu,\"audit_entries\":%llu,\"audit_checkpoints\":%llu,"
	    "\"store_pending\":%llu}\n", (unsigned long long)tot->filed,
	    (unsigned long long)rep.entries, (unsigned long long)rep.checkpoints,
	    (unsigned long long)counts[STORE_PENDING]);
	r = 0;
 out:
	return r;
}

struct options {
	const char	*ops_dir;
	const char	*parent;
	double		 seconds;
	int		 threads[THREADS_MAX];
	size_t		 nthreads;
	unsigned	 checkpoint_every;
};

static int
parse_threads(const char *s, struct options *o)
{
	char *end = NULL;
	long v;
	int r = CG_ERR_INTERNAL;

	o->nthreads = 0;
	for (;;) {
		errno = 0;
		v = strtol(s, &end, 10);
		ENSURE(errno == 0 && end != s && v >= 1 && v <= THREAD_COUNT_MAX, CG_ERR_INVALID_ARG);
		ENSURE(o->nthreads < THREADS_MAX, CG_ERR_LIMIT);
		o->threads[o->nthreads++] = (int)v;
		if (*end == '\0')
			break;
		ENSURE(*end == ',', CG_ERR_INVALID_ARG);
		s = end + 1;
	}
	r = 0;
 out:
	return r;
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	const char *tmp = getenv("TMPDIR");
	char *end = NULL;
	long v;
	int i, r = CG_ERR_INTERNAL;

	memset(o, 0, sizeof(*o));
	o->parent = tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp";
	o->seconds = 3.0;
	o->checkpoint_every = 64;	/* cmkgated.conf's default */
	GUARD(parse_threads("1,2,4,8", o));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ops-dir") == 0 && i + 1 < argc) {
			o->ops_dir = argv[++i];
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			o->parent = argv[++i];
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			o->seconds = strtod(argv[++i], &end);
			ENSURE(*end == '\0' && o->seconds > 0 && o->seconds <= 3600,
			    CG_ERR_INVALID_ARG);
		} else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
			GUARD(parse_threads(argv[++i], o));
		} else if (strcmp(argv[i], "--checkpoint-every") == 0 && i + 1 < argc) {
			v = strtol(argv[++i], &end, 10);
			ENSURE(*end == '\0' && v >= 0 && v <= 100000, CG_ERR_INVALID_ARG);
			o->checkpoint_every = (unsigned)v;
		} else {
			ENSURE(false, CG_ERR_INVALID_ARG);
		}
	}
	ENSURE(o->ops_dir != NULL, CG_ERR_INVALID_ARG);
	r = 0;
 out:
	return r;
}

static void
remove_dir(const char *dir)
{
	static const char *const files[] = { "audit.log", "cmkgate.db", "cmkgate.db-wal",
	    "cmkgate.db-shm", "cmkgate.db-journal" };
	char path[PATH_LEN];
	size_t i;

	for (i = 0; i < CG_NELEM(files); i++)
		if (snprintf(path, sizeof(path), "%s/%s", dir, files[i]) < (int)sizeof(path))
			(void)unlink(path);
	if (rmdir(dir) != 0)
		fprintf(stderr, "bench-filing: could not remove %s: %s\n", dir, strerror(errno));
}

static int
bench(const struct options *o)
{
	struct bench_gate gate;
	struct lc_parts parts;
	struct config *config = NULL;
	struct shared sh;
	struct totals tot;
	struct audit_key *key = NULL;
	struct audit_pubkey pub;
	struct cg_buf *why = NULL;
	char dir[PATH_LEN], log[PATH_LEN], db[PATH_LEN];
	const char *msg = "";
	bool have_dir = false, have_lock = false;
	size_t t;
	int v, r = CG_ERR_INTERNAL;

	memset(&gate, 0, sizeof(gate));
	memset(&sh, 0, sizeof(sh));
	memset(&tot, 0, sizeof(tot));
	GUARD(cg_buf_new(1 << 20, &why));
	ENSURE(snprintf(dir, sizeof(dir), "%s/cmkgate-bench-XXXXXX", o->parent) <
	    (int)sizeof(dir), CG_ERR_LIMIT);
	if (mkdtemp(dir) == NULL) {
		(void)cg_buf_putf(why, "mkdtemp under %s: %s", o->parent, strerror(errno));
		r = CG_ERR_IO;
		goto out;
	}
	have_dir = true;
	ENSURE(snprintf(log, sizeof(log), "%s/audit.log", dir) < (int)sizeof(log) &&
	    snprintf(db, sizeof(db), "%s/cmkgate.db", dir) < (int)sizeof(db), CG_ERR_LIMIT);
	GUARD(bench_gate_setup(o->ops_dir, &gate, why));
	GUARD(audit_key_generate(&key));
	audit_key_public(key, &pub);
	if ((r = audit_open(log, key, o->checkpoint_every, &sh.audit, NULL)) < 0) {
		(void)cg_buf_putf(why, "audit_open %s", log);
		goto out;
	}
	GUARD(store_open_sqlite(db, &sh.store, why));
	ENSURE(pthread_mutex_init(&sh.write_lock, NULL) == 0, CG_ERR_NOMEM);
	if (pthread_mutex_init(&sh.start_lock, NULL) != 0) {
		pthread_mutex_destroy(&sh.write_lock);
		r = CG_ERR_NOMEM;
		goto out;
	}
	have_lock = true;
	GUARD(config_parse("bench", BENCH_CONFIG, strlen(BENCH_CONFIG), &config, why));
	memset(&parts, 0, sizeof(parts));
	parts.config = config;
	parts.rules = gate.rules;
	parts.store = sh.store;
	parts.audit = sh.audit;
	parts.region = BENCH_GATE_REGION;
	parts.account = BENCH_GATE_ACCOUNT;
	parts.gather = bench_gate_gather;
	parts.gather_ctx = &gate;
	GUARD(lifecycle_new(&parts, &sh.lc));
	sh.gate = &gate;
	sh.seconds = o->seconds;
	printf("{\"dir\":\"%s\",\"fs\":\"%s\",\"seconds\":%.3f,\"checkpoint_every\":%u,"
	    "\"store\":\"sqlite WAL synchronous=FULL\"}\n", dir, fs_name(dir), o->seconds,
	    o->checkpoint_every);
	if (strcmp(fs_name(dir), "tmpfs") == 0)
		fprintf(stderr, "bench-filing: warning: %s is on tmpfs, where fsync costs nothing: "
		    "these are not durable-storage figures (use --dir on a disk)\n", dir);
	for (v = 0; v < 2; v++) {
		sh.decide = v == 1;
		for (t = 0; t < o->nthreads; t++)
			GUARD(run(&sh, o->threads[t], &tot));
	}
	lifecycle_free(sh.lc);		/* a last checkpoint, as the daemon's */
	sh.lc = NULL;
	audit_close(sh.audit);
	sh.audit = NULL;
	GUARD(check_all(log, &pub, sh.store, &tot, why));
	r = 0;
 out:
	if (r < 0) {
		(void)cg_buf_cstr(why, &msg);
		fprintf(stderr, "bench-filing: %s: %s\n", cg_strerror(r), msg);
	}
	if (have_lock) {
		pthread_mutex_destroy(&sh.start_lock);
		pthread_mutex_destroy(&sh.write_lock);
	}
	lifecycle_free(sh.lc);
	config_free(config);
	audit_close(sh.audit);
	store_close(sh.store);
	audit_key_free(key);
	bench_gate_clear(&gate);
	if (have_dir)
		remove_dir(dir);
	cg_buf_free(why);
	return r;
}

int
main(int argc, char **argv)
{
	struct options o;
	int status = 1;

	if (parse_args(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: bench-filing --ops-dir DIR [--seconds S] "
		    "[--threads 1,2,4,8] [--dir PARENT] [--checkpoint-every N]\n");
		status = 2;
	} else if (bench(&o) == 0) {
		status = 0;
	}
	return status;
}

/*
 * Unit tests for the request lifecycle (gate/daemon/lifecycle.c): every
 * verb with its failure paths -- the audit log refuses, the store refuses,
 * a compare-and-set is lost -- against a real audit log and a real SQLite
 * store in a scratch directory, with the benchmark corpus's facts handed
 * out instead of AWS (tests/bench/bench-gate-fixture.c).
 *
 * argv[1]: the ops.d directory (contrib/ops.d).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "audit.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "config.h"
#include "lifecycle.h"
#include "store.h"
#include "store_backend.h"

#include "../bench/bench-gate-fixture.h"

static const char *ops_dir;

#define NOW_MS		1800000000000LL
#define TTL_S		600
#define CONFIG_TEXT	"{\"request_ttl_seconds\": 600, \"operators\": [" \
			"{\"uid\": 1000, \"name\": \"alice\", \"principal\": \"" BENCH_GATE_PRINCIPAL "\"}," \
			"{\"name\": \"carol\", \"principal\": \"" BENCH_GATE_PRINCIPAL "\", " \
			"\"certificate_sha256\": \"" CERT "\"}]}"
#define CERT		"ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01"

/* What a fault-injecting store backend does around the real one. */
enum fault {
	FAULT_NONE = 0,
	FAULT_CREATE,		/* every create fails */
	FAULT_RACE,		/* another gate moves the request just before each transition */
};

struct fixture {
	char			 dir[64];
	char			 log[128];
	char			 db[128];
	struct bench_gate	 gate;
	struct config		*config;
	struct audit_key	*key;
	struct audit		*audit;
	struct store		*real;		/* the SQLite store */
	struct store		*store;		/* the real one behind the fault injector */
	enum fault		 fault;
	struct lifecycle	*lc;
	int			 gather_fails;	/* the next gather fails */
	bool			 disable_target;	/* the gathered target key is Disabled */
	struct cg_buf		*why;
};

/* -------------------------------------------------- the fault injector */

static void
f_close(void *impl)
{
	(void)impl;
}

static int
f_create(void *impl, const struct store_request *req, const char *note, struct cg_buf *why)
{
	struct fixture *fx = impl;

	if (fx->fault == FAULT_CREATE) {
		(void)cg_buf_putf(why, "store: the disk is gone (injected)");
		return CG_ERR_IO;
	}
	return fx->real->ops->create(fx->real->impl, req, note, why);
}

static int
f_get(void *impl, const char *id, struct store_request **ret, struct cg_buf *why)
{
	struct fixture *fx = impl;

	return fx->real->ops->get(fx->real->impl, id, ret, why);
}

static int
f_history(void *impl, const char *id, struct store_event **ret, size_t *ret_n,
    struct cg_buf *why)
{
	struct fixture *fx = impl;

	return fx->real->ops->history(fx->real->impl, id, ret, ret_n, why);
}

static int
f_list(void *impl, const struct store_list_filter *filter, struct store_request ***ret,
    size_t *ret_n, struct cg_buf *why)
{
	struct fixture *fx = impl;

	return fx->real->ops->list(fx->real->impl, filter, ret, ret_n, why);
}

static int
f_transition(void *impl, const char *id, enum store_state from, enum store_state to,
    int64_t now_ms, const char *note, const char *record, struct cg_buf *why)
{
	struct fixture *fx = impl;

	if (fx->fault == FAULT_RACE)
		assert_int_equal(fx->real->ops->transition(fx->real->impl, id, from,
		    STORE_DENIED, now_ms, "vetoed elsewhere", NULL, NULL), 0);
	return fx->real->ops->transition(fx->real->impl, id, from, to, now_ms, note, record, why);
}

static int
f_due(void *impl, int64_t now_ms, struct store_due **ret, size_t *ret_n, struct cg_buf *why)
{
	struct fixture *fx = impl;

	return fx->real->ops->due(fx->real->impl, now_ms, ret, ret_n, why);
}

static int
f_count(void *impl, uint64_t counts[STORE_ISSUED + 1], struct cg_buf *why)
{
	struct fixture *fx = impl;

	return fx->real->ops->count_by_state(fx->real->impl, counts, why);
}

static int
f_check(void *impl, struct cg_buf *why)
{
	struct fixture *fx = impl;

	return fx->real->ops->check(fx->real->impl, why);
}

static const struct store_ops faulty_ops = {
	.close = f_close, .create = f_create, .get = f_get, .history = f_history,
	.list = f_list, .transition = f_transition, .due = f_due, .count_by_state = f_count,
	.check = f_check,
};

/* ------------------------------------------------------------ fixture */

static int
gather(void *ctx, const struct op_request *req, const char *role, int64_t now_ms,
    struct decide_facts *ret_facts, struct cg_buf *why)
{
	struct fixture *fx = ctx;
	int r;

	if (fx->gather_fails != 0) {
		(void)cg_buf_putf(why, "kms DescribeKey: ThrottlingException: slow down");
		return fx->gather_fails;
	}
	r = bench_gate_gather(&fx->gate, req, role, now_ms, ret_facts, why);
	if (r == 0 && fx->disable_target)
		(void)snprintf(ret_facts->world.target.state, sizeof(ret_facts->world.target.state),
		    "Disabled");
	return r;
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct lc_parts parts;

	assert_non_null(fx);
	assert_int_equal(cg_buf_new(1 << 16, &fx->why), 0);
	(void)snprintf(fx->dir, sizeof(fx->dir), "/tmp/cmkgate-lc-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	(void)snprintf(fx->log, sizeof(fx->log), "%s/audit.log", fx->dir);
	(void)snprintf(fx->db, sizeof(fx->db), "%s/cmkgate.db", fx->dir);
	assert_int_equal(bench_gate_setup(ops_dir, &fx->gate, fx->why), 0);
	assert_int_equal(config_parse("test", CONFIG_TEXT, strlen(CONFIG_TEXT), &fx->config,
	    fx->why), 0);
	assert_int_equal(audit_key_generate(&fx->key), 0);
	assert_int_equal(audit_open(fx->log, fx->key, 0, &fx->audit, NULL), 0);
	assert_int_equal(store_open_sqlite(fx->db, &fx->real, fx->why), 0);
	assert_int_equal(store_wrap(&faulty_ops, fx, &fx->store), 0);
	memset(&parts, 0, sizeof(parts));
	parts.config = fx->config;
	parts.rules = fx->gate.rules;
	parts.store = fx->store;
	parts.audit = fx->audit;
	parts.region = BENCH_GATE_REGION;
	parts.account = BENCH_GATE_ACCOUNT;
	parts.gather = gather;
	parts.gather_ctx = fx;
	assert_int_equal(lifecycle_new(&parts, &fx->lc), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char path[160];

	lifecycle_free(fx->lc);
	store_close(fx->store);
	store_close(fx->real);
	audit_close(fx->audit);
	audit_key_free(fx->key);
	config_free(fx->config);
	bench_gate_clear(&fx->gate);
	cg_buf_free(fx->why);
	(void)unlink(fx->log);
	(void)unlink(fx->db);
	(void)snprintf(path, sizeof(path), "%s-wal", fx->db);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s-shm", fx->db);
	(void)unlink(path);
	(void)rmdir(fx->dir);
	free(fx);
	return 0;
}

static struct lc_caller
alice(void)
{
	struct lc_caller c;

	memset(&c, 0, sizeof(c));
	c.transport = LC_UNIX;
	c.known = true;
	c.uid = 1000;
	c.pid = 4242;
	return c;
}

static const struct config_operator *
op_alice(struct fixture *fx)
{
	struct lc_caller c = alice();
	struct lc_result res;
	const struct config_operator *op;

	memset(&res, 0, sizeof(res));
	op = lifecycle_identify(fx->lc, &c, &res);
	assert_non_null(op);
	lc_result_clear(&res);
	return op;
}

static void
file_body(struct fixture *fx, const char *body, struct lc_result *res)
{
	struct lc_caller c = alice();

	memset(res, 0, sizeof(*res));
	lifecycle_file(fx->lc, &c, op_alice(fx), body, body != NULL ? strlen(body) : 0, NOW_MS,
	    res);
}

/* The events of the log, in order, as one space-separated string. */
static void
events(struct fixture *fx, char *out, size_t max)
{
	char line[65536];
	struct json_object *o, *ev;
	FILE *f = fopen(fx->log, "r");
	size_t len = 0;

	assert_non_null(f);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		o = json_tokener_parse(line);
		assert_non_null(o);
		assert_true(json_object_object_get_ex(o, "event", &ev));
		len += (size_t)snprintf(out + len, max - len, "%s%s", len > 0 ? " " : "",
		    json_object_get_string(ev));
		assert_true(len < max);
		json_object_put(o);
	}
	(void)fclose(f);
}

/* The last entry of the log whose event is ev (a new reference), or fail. */
static struct json_object *
last_entry(struct fixture *fx, const char *ev)
{
	char line[65536];
	struct json_object *o, *e, *found = NULL;
	FILE *f = fopen(fx->log, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		o = json_tokener_parse(line);
		assert_non_null(o);
		if (json_object_object_get_ex(o, "event", &e) &&
		    strcmp(json_object_get_string(e), ev) == 0) {
			json_object_put(found);
			found = o;
		} else {
			json_object_put(o);
		}
	}
	(void)fclose(f);
	assert_non_null(found);
	return found;
}

static const char *
member(struct json_object *o, const char *path)
{
	char buf[128], *p, *dot;
	struct json_object *v = o;

	(void)snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf; p != NULL; p = dot) {
		if ((dot = strchr(p, '.')) != NULL)
			*dot++ = '\0';
		if (!json_object_object_get_ex(v, p, &v))
			fail_msg("no member %s", path);
	}
	return json_object_get_string(v);
}

static uint64_t
stored(struct fixture *fx)
{
	uint64_t counts[STORE_ISSUED + 1], n = 0;
	int i;

	assert_int_equal(store_count_by_state(fx->real, counts, NULL), 0);
	for (i = STORE_PENDING; i <= STORE_ISSUED; i++)
		n += counts[i];
	return n;
}

static void
assert_log_verifies(struct fixture *fx)
{
	struct audit_pubkey pub;
	struct audit_report rep;

	audit_key_public(fx->key, &pub);
	assert_int_equal(audit_verify(fx->log, &pub, &rep), 0);
}

/* ------------------------------------------------------------------ file */

static void
test_file_stores_after_audit(void **state)
{
	struct fixture *fx = *state;
	struct lc_result res;
	struct store_request *sr = NULL;
	struct json_object *e;
	char ev[256];
	const char *id;

	file_body(fx, fx->gate.body, &res);
	assert_int_equal(res.status, LC_CREATED);
	assert_null(res.code);
	assert_string_equal(member(res.answer, "state"), "pending");
	assert_string_equal(member(res.answer, "operator"), "alice");
	assert_string_equal(member(res.answer, "region"), BENCH_GATE_REGION);
	id = member(res.answer, "id");
	assert_string_equal(member(res.answer, "record.id"), id);
	assert_int_equal(store_get(fx->real, id, &sr, NULL), 0);
	assert_int_equal(sr->state, STORE_PENDING);
	assert_int_equal(sr->expires_ms, NOW_MS + TTL_S * 1000LL);
	assert_string_equal(sr->digest, member(res.answer, "request_digest"));

	events(fx, ev, sizeof(ev));
	assert_string_equal(ev, "request");
	e = last_entry(fx, "request");
	assert_string_equal(member(e, "request_id"), id);
	assert_string_equal(member(e, "decision"), "pending");
	assert_string_equal(member(e, "who.operator"), "alice");
	assert_string_equal(member(e, "who.uid"), "1000");
	assert_string_equal(member(e, "source.transport"), "unix");
	assert_string_equal(member(e, "source.pid"), "4242");
	assert_string_equal(member(e, "what.operation"), "UpdateApplication");
	assert_string_equal(member(e, "what.request_digest"), sr->digest);
	json_object_put(e);
	store_request_free(sr);
	lc_result_clear(&res);
	assert_log_verifies(fx);
}

static void
test_file_denied_is_stored_denied(void **state)
{
	struct fixture *fx = *state;
	struct lc_result res;

	fx->disable_target = true;
	file_body(fx, fx->gate.body, &res);
	assert_int_equal(res.status, LC_CREATED);
	assert_string_equal(member(res.answer, "state"), "denied");
	lc_result_clear(&res);
	assert_int_equal(stored(fx), 1);
}

static void
test_file_refuses_bad_filings(void **state)
{
	static const struct {
		const char	*body;
		const char	*code;
	} bad[] = {
		{ NULL, "bad-json" },
		{ "", "bad-json" },
		{ "{\"operation\": \"StopApplication\", \"input\": {", "bad-json" },
		{ "[]", "bad-request" },
		{ "{\"operation\": \"StopApplication\"}", "bad-request" },
		{ "{\"operation\": \"StopApplication\", \"input\": {\"ApplicationName\": \"a\"}, "
		  "\"operator\": \"bob\"}", "bad-request" },
		{ "{\"operation\": \"DeleteApplication\", \"input\": {\"ApplicationName\": \"a\"}}",
		  "unknown-operation" },
		{ "{\"operation\": \"StopApplication\", \"input\": {\"Bogus\": 1}}", "bad-input" },
		{ "{\"operation\": \"StopApplication\", \"input\": {\"ApplicationName\": \"a\"}, "
		  "\"region\": \"us-east-1\"}", "wrong-region" },
		{ "{\"operation\": \"StopApplication\", \"input\": {\"ApplicationName\": \"a\"}, "
		  "\"reason\": \"x\\u001b[2K\"}", "bad-request" },
	};
	struct fixture *fx = *state;
	struct lc_result res;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		file_body(fx, bad[i].body, &res);
		assert_int_equal(res.status, LC_BAD_REQUEST);
		if (strcmp(res.code, bad[i].code) != 0)
			fail_msg("%s: code %s, want %s (%s)", bad[i].body != NULL ? bad[i].body :
			    "NULL", res.code, bad[i].code, res.message);
		assert_true(res.message[0] != '\0');
		assert_null(res.answer);
		lc_result_clear(&res);
	}
	/* nothing stored, nothing audited */
	assert_int_equal(stored(fx), 0);
	{
		struct stat st;

		assert_int_equal(stat(fx->log, &st), 0);
		assert_int_equal(st.st_size, 0);
	}
}

static void
test_file_undecided_is_audited_not_stored(void **state)
{
	struct fixture *fx = *state;
	struct lc_result res;
	struct json_object *e;
	char ev[256];

	fx->gather_fails = CG_ERR_TRANSPORT;
	file_body(fx, fx->gate.body, &res);
	assert_int_equal(res.status, LC_UNDECIDED);
	assert_string_equal(res.code, "undecided");
	assert_non_null(strstr(res.message, "ThrottlingException"));
	lc_result_clear(&res);
	assert_int_equal(stored(fx), 0);
	events(fx, ev, sizeof(ev));
	assert_string_equal(ev, "request.undecided");
	e = last_entry(fx, "request.undecided");
	assert_string_equal(member(e, "decision"), "undecided");
	assert_non_null(strstr(member(e, "what.error"), "ThrottlingException"));
	json_object_put(e);
}

/* An audit log that cannot be written: nothing is stored, and the gate keeps refusing. */
static void
test_audit_refuses_then_gate_refuses(void **state)
{
	struct fixture *fx = *state;
	struct lc_result res;
	struct rlimit old, lim;
	struct stat st;
	size_t n = 99;

	(void)signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(stat(fx->log, &st), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)st.st_size;	/* not one byte more */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	file_body(fx, fx->gate.body, &res);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(res.status, LC_UNAVAILABLE);
	assert_string_equal(res.code, "audit-unavailable");
	lc_result_clear(&res);
	assert_int_equal(stored(fx), 0);

	/* the limit is gone, but the gate refuses until it is restarted */
	file_body(fx, fx->gate.body, &res);
	assert_int_equal(res.status, LC_UNAVAILABLE);
	lc_result_clear(&res);
	fx->gather_fails = CG_ERR_TRANSPORT;	/* an undecided one is not audited either */
	file_body(fx, fx->gate.body, &res);
	assert_int_equal(res.status, LC_UNAVAILABLE);
	lc_result_clear(&res);
	assert_int_equal(stored(fx), 0);
	memset(&res, 0, sizeof(res));
	lifecycle_health(fx->lc, &res);
	assert_int_equal(res.status, LC_UNAVAILABLE);
	assert_string_equal(res.code, "audit-unavailable");
	lc_result_clear(&res);
	assert_int_equal(lifecycle_expire(fx->lc, NOW_MS, &n), CG_ERR_IO);
	assert_int_equal(n, 99);
	{
		struct lc_stats s;

		lifecycle_stats(fx->lc, &s);
		assert_false(s.audit_writable);
		assert_true(s.audit_failures >= 1);
	}
}

static void
test_store_refuses_is_audited(void **state)
{
	struct fixture *fx = *state;
	struct lc_result res;
	struct json_object *req, *failed;
	char ev[256];

	fx->fault = FAULT_CREATE;
	file_body(fx, fx->gate.body, &res);
	assert_int_equal(res.status, LC_INTERNAL);
	assert_string_equal(res.code, "store");
	assert_non_null(strstr(res.message, "the disk is gone"));
	lc_result_clear(&res);
	assert_int_equal(stored(fx), 0);
	/* the log names the request, and then that it was not stored */
	events(fx, ev, sizeof(ev));
	assert_string_equal(ev, "request request.store_failed");
	req = last_entry(fx, "request");
	failed = last_entry(fx, "request.store_failed");
	assert_string_equal(member(failed, "request_id"), member(req, "request_id"));
	assert_string_equal(member(failed, "decision"), "not-stored");
	assert_string_equal(member(failed, "what.intended"), "pending");
	json_object_put(req);
	json_object_put(failed);
	assert_log_verifies(fx);

	/* the gate goes on: the next filing is stored */
	fx->fault = FAULT_NONE;
	file_body(fx, fx->gate.body, &res);
	assert_int_equal(res.status, LC_CREATED);
	lc_result_clear(&res);
	assert_int_equal(stored(fx), 1);
}

/* ---------------------------------------------------------------- expire */

static void
test_expire_audits_then_moves(void **state)
{
	struct fixture *fx = *state;
	struct lc_result res;
	struct store_request *sr = NULL;
	struct json_object *e;
	char ev[256], id[STORE_ID_SIZE];
	size_t n = 99;

	file_body(fx, fx->gate.body, &res);
	assert_int_equal(res.status, LC_CREATED);
	(void)snprintf(id, sizeof(id), "%s", member(res.answer, "id"));
	lc_result_clear(&res);
	/* not yet */
	assert_int_equal(lifecycle_expire(fx->lc, NOW_MS + TTL_S * 1000LL - 1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(lifecycle_expire(fx->lc, NOW_MS + TTL_S * 1000LL, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_get(fx->real, id, &sr, NULL), 0);
	assert_int_equal(sr->state, STORE_EXPIRED);
	store_request_free(sr);
	events(fx, ev, sizeof(ev));
	assert_string_equal(ev, "request request.expired");
	e = last_entry(fx, "request.expired");
	assert_string_equal(member(e, "request_id"), id);
	json_object_put(e);
	/* and only once */
	assert_int_equal(lifecycle_expire(fx->lc, NOW_MS + TTL_S * 2000LL, &n), 0);
	assert_int_equal(n, 0);
	assert_log_verifies(fx);
}

/* Somebody moves the request between the read and the move: the log says so. */
static void
test_expire_lost_compare_and_set(void **state)
{
	struct fixture *fx = *state;
	struct lc_result res;
	struct store_request *sr = NULL;
	struct json_object *e;
	char ev[256], id[STORE_ID_SIZE];
	size_t n = 99;

	file_body(fx, fx->gate.body, &res);
	(void)snprintf(id, sizeof(id), "%s", member(res.answer, "id"));
	lc_result_clear(&res);
	fx->fault = FAULT_RACE;
	assert_int_equal(lifecycle_expire(fx->lc, NOW_MS + TTL_S * 1000LL, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_get(fx->real, id, &sr, NULL), 0);
	assert_int_equal(sr->state, STORE_DENIED);	/* the other change stands */
	store_request_free(sr);
	events(fx, ev, sizeof(ev));
	assert_string_equal(ev, "request request.expired request.store_failed");
	e = last_entry(fx, "request.store_failed");
	assert_string_equal(member(e, "request_id"), id);
	assert_string_equal(member(e, "what.intended"), "expired");
	json_object_put(e);
}

/* -------------------------------------------------------- who and reads */

static void
test_identify(void **state)
{
	struct fixture *fx = *state;
	struct lc_caller c = alice();
	struct lc_result res;
	const struct config_operator *op;

	memset(&res, 0, sizeof(res));
	op = lifecycle_identify(fx->lc, &c, &res);
	assert_non_null(op);
	assert_string_equal(op->name, "alice");

	c.uid = 1001;
	assert_null(lifecycle_identify(fx->lc, &c, &res));
	assert_int_equal(res.status, LC_FORBIDDEN);
	assert_string_equal(res.code, "not-an-operator");
	assert_non_null(strstr(res.message, "uid 1001"));
	lc_result_clear(&res);

	c.known = false;
	c.unknown_why = "the caller's uid cannot be read from the socket";
	assert_null(lifecycle_identify(fx->lc, &c, &res));
	assert_string_equal(res.code, "no-peer");
	assert_string_equal(res.message, c.unknown_why);
	lc_result_clear(&res);

	memset(&c, 0, sizeof(c));
	c.transport = LC_TLS;
	c.known = true;
	(void)snprintf(c.cert_sha256, sizeof(c.cert_sha256), "%s", CERT);
	op = lifecycle_identify(fx->lc, &c, &res);
	assert_non_null(op);
	assert_string_equal(op->name, "carol");
	c.cert_sha256[0] = 'c';
	assert_null(lifecycle_identify(fx->lc, &c, &res));
	assert_string_equal(res.code, "not-an-operator");
	lc_result_clear(&res);
	/* a uid means nothing over TLS */
	c.uid = 1000;
	assert_null(lifecycle_identify(fx->lc, &c, &res));
	lc_result_clear(&res);
}

/* Over TLS the entry names the certificate and the address, not a uid. */
static void
test_file_over_tls_names_the_certificate(void **state)
{
	struct fixture *fx = *state;
	struct lc_caller c;
	struct lc_result res;
	struct json_object *e, *v;
	const struct config_operator *op;

	memset(&c, 0, sizeof(c));
	memset(&res, 0, sizeof(res));
	c.transport = LC_TLS;
	c.known = true;
	(void)snprintf(c.cert_sha256, sizeof(c.cert_sha256), "%s", CERT);
	(void)snprintf(c.address, sizeof(c.address), "127.0.0.1");
	op = lifecycle_identify(fx->lc, &c, &res);
	assert_non_null(op);
	lifecycle_file(fx->lc, &c, op, fx->gate.body, fx->gate.body_len, NOW_MS, &res);
	assert_int_equal(res.status, LC_CREATED);
	lc_result_clear(&res);
	e = last_entry(fx, "request");
	assert_string_equal(member(e, "who.operator"), "carol");
	assert_string_equal(member(e, "who.certificate_sha256"), CERT);
	assert_string_equal(member(e, "source.transport"), "tls");
	assert_string_equal(member(e, "source.address"), "127.0.0.1");
	assert_true(json_object_object_get_ex(e, "who", &v));
	assert_false(json_object_object_get_ex(v, "uid", NULL));
	json_object_put(e);
}

static void
test_get_and_list(void **state)
{
	struct fixture *fx = *state;
	struct lc_result res;
	struct json_object *a;
	char id[STORE_ID_SIZE];

	file_body(fx, fx->gate.body, &res);
	(void)snprintf(id, sizeof(id), "%s", member(res.answer, "id"));
	lc_result_clear(&res);

	lifecycle_get(fx->lc, id, &res);
	assert_int_equal(res.status, LC_OK);
	assert_string_equal(member(res.answer, "id"), id);
	assert_string_equal(member(res.answer, "record.id"), id);
	assert_true(json_object_object_get_ex(res.answer, "input", NULL));
	assert_true(json_object_object_get_ex(res.answer, "history", &a));
	assert_int_equal(json_object_array_length(a), 1);
	lc_result_clear(&res);

	lifecycle_get(fx->lc, "r-00000000000000000000000000000000", &res);
	assert_int_equal(res.status, LC_NOT_FOUND);
	lc_result_clear(&res);
	lifecycle_get(fx->lc, "r-1", &res);
	assert_int_equal(res.status, LC_BAD_REQUEST);
	assert_string_equal(res.code, "bad-id");
	lc_result_clear(&res);
	lifecycle_get(fx->lc, "\x1b[2J", &res);
	assert_int_equal(res.status, LC_BAD_REQUEST);
	lc_result_clear(&res);

	lifecycle_list(fx->lc, NULL, NULL, NULL, &res);
	assert_int_equal(res.status, LC_OK);
	assert_true(json_object_object_get_ex(res.answer, "requests", &a));
	assert_int_equal(json_object_array_length(a), 1);
	lc_result_clear(&res);
	lifecycle_list(fx->lc, "denied", "alice", "5", &res);
	assert_true(json_object_object_get_ex(res.answer, "requests", &a));
	assert_int_equal(json_object_array_length(a), 0);
	lc_result_clear(&res);
	lifecycle_list(fx->lc, "pending", "alice", "1", &res);
	assert_true(json_object_object_get_ex(res.answer, "requests", &a));
	assert_int_equal(json_object_array_length(a), 1);
	lc_result_clear(&res);
	{
		static const char *const bad[][3] = {
			{ "bogus", NULL, NULL }, { NULL, "", NULL }, { NULL, "Alice", NULL },
			{ NULL, NULL, "0" }, { NULL, NULL, "1001" }, { NULL, NULL, "-1" },
			{ NULL, NULL, " 5" }, { NULL, NULL, "5x" }, { NULL, NULL, "" },
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			lifecycle_list(fx->lc, bad[i][0], bad[i][1], bad[i][2], &res);
			assert_int_equal(res.status, LC_BAD_REQUEST);
			assert_string_equal(res.code, "bad-query");
			lc_result_clear(&res);
		}
	}
	lifecycle_health(fx->lc, &res);
	assert_int_equal(res.status, LC_OK);
	assert_string_equal(member(res.answer, "status"), "ok");
	lc_result_clear(&res);
	{
		struct lc_stats s;

		lifecycle_stats(fx->lc, &s);
		assert_int_equal(s.filed[DECIDE_PENDING], 1);
		assert_int_equal(s.decide_count, 1);
		assert_true(s.audit_writable);
		assert_int_equal(s.nstates, 5);
		assert_string_equal(s.requests[0].state, "pending");
		assert_int_equal(s.requests[0].n, 1);
	}
}

static void
test_new_refuses_missing_parts(void **state)
{
	struct fixture *fx = *state;
	struct lc_parts parts;
	struct lifecycle *lc = NULL;

	memset(&parts, 0, sizeof(parts));
	assert_int_equal(lifecycle_new(NULL, &lc), CG_ERR_INVALID_ARG);
	assert_int_equal(lifecycle_new(&parts, &lc), CG_ERR_INVALID_ARG);
	parts.config = fx->config;
	parts.store = fx->store;
	parts.audit = fx->audit;
	parts.region = BENCH_GATE_REGION;
	parts.account = BENCH_GATE_ACCOUNT;
	assert_int_equal(lifecycle_new(&parts, &lc), CG_ERR_INVALID_ARG);	/* no gather */
	assert_null(lc);
	lifecycle_free(NULL);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_stores_after_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_denied_is_stored_denied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_refuses_bad_filings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_undecided_is_audited_not_stored, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_audit_refuses_then_gate_refuses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_store_refuses_is_audited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expire_audits_then_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expire_lost_compare_and_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_over_tls_names_the_certificate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_get_and_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_refuses_missing_parts, setup, teardown),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: test-lifecycle OPS-DIR\n");
		return 2;
	}
	ops_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}

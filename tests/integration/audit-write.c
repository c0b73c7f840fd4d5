/*
 * Test helper for audit-verify.sh: writes entries to an audit log through
 * the real writer (gate/audit.c), the way the gate will.
 *
 *   audit-write LOG SECRETKEY COUNT EVERY [checkpoint]
 *
 * appends COUNT sample entries with a checkpoint every EVERY entries (0:
 * none), then, with "checkpoint", one more checkpoint.  Exits 0, or 1
 * after saying what failed (a log that does not verify is refused).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cg_err.h"

static struct json_object *
sample(unsigned long i)
{
	struct json_object *f = json_object_new_object(), *who = json_object_new_object(),
	    *what = json_object_new_object(), *source = json_object_new_object(),
	    *keys = json_object_new_array(), *key = json_object_new_object();
	char buf[64];

	json_object_object_add(who, "operator", json_object_new_string("alice"));
	json_object_object_add(who, "uid", json_object_new_int(1000));
	json_object_object_add(what, "action", json_object_new_string("UpdateApplication"));
	json_object_object_add(what, "application", json_object_new_string("orders"));
	json_object_object_add(source, "transport", json_object_new_string("unix"));
	json_object_object_add(key, "arn", json_object_new_string(
	    "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"));
	json_object_object_add(key, "why", json_object_new_string("target"));
	json_object_array_add(keys, key);
	json_object_object_add(f, "who", who);
	json_object_object_add(f, "what", what);
	json_object_object_add(f, "source", source);
	snprintf(buf, sizeof(buf), "req-%04lu", i);
	json_object_object_add(f, "request_id", json_object_new_string(buf));
	json_object_object_add(f, "decision", json_object_new_string(i % 3 == 2 ? "deny" : "allow"));
	json_object_object_add(f, "keys", keys);
	return f;
}

int
main(int argc, char **argv)
{
	static const char *const events[] = { "request.filed", "check", "approval", "issuance" };
	struct audit_report rep;
	struct audit_key *key = NULL;
	struct audit *log = NULL;
	struct json_object *f;
	unsigned long count, every, i;
	int r, rc = 1;

	if (argc < 5 || argc > 6 || (argc == 6 && strcmp(argv[5], "checkpoint") != 0)) {
		fprintf(stderr, "usage: audit-write LOG SECRETKEY COUNT EVERY [checkpoint]\n");
		return 2;
	}
	count = strtoul(argv[3], NULL, 10);
	every = strtoul(argv[4], NULL, 10);
	if ((r = audit_key_load(argv[2], &key)) < 0) {
		fprintf(stderr, "audit-write: key %s: %s\n", argv[2], cg_strerror(r));
		goto out;
	}
	if ((r = audit_open(argv[1], key, (unsigned)every, &log, &rep)) < 0) {
		fprintf(stderr, "audit-write: cannot open %s: %s: %s\n", argv[1], cg_strerror(r),
		    rep.detail);
		goto out;
	}
	for (i = 0; i < count; i++) {
		f = sample(i);
		r = audit_append(log, events[i % 4], f);
		json_object_put(f);
		if (r < 0) {
			fprintf(stderr, "audit-write: append: %s\n", cg_strerror(r));
			goto out;
		}
	}
	if (argc == 6 && (r = audit_checkpoint(log)) < 0) {
		fprintf(stderr, "audit-write: checkpoint: %s\n", cg_strerror(r));
		goto out;
	}
	rc = 0;
 out:
	audit_close(log);
	audit_key_free(key);
	return rc;
}

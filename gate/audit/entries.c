#include <stddef.h>
#include <string.h>

#include "cg_err.h"
#include "cg_jbuild.h"
#include "cg_macros.h"
#include "entries.h"

static void
add_who(struct cg_jb *b, struct json_object *f, const struct audit_who *w)
{
	struct json_object *who, *src;

	who = cg_jb_add_object(b, f, "who");
	cg_jb_str(b, who, "operator", w->operator_name);
	if (w->principal != NULL)
		cg_jb_str(b, who, "principal", w->principal);
	src = cg_jb_add_object(b, f, "source");
	if (w->transport != NULL && strcmp(w->transport, "tls") == 0) {
		cg_jb_str(b, who, "certificate_sha256", w->certificate_sha256);
		cg_jb_str(b, src, "transport", "tls");
		cg_jb_str(b, src, "address", w->address != NULL ? w->address : "");
	} else {
		cg_jb_int(b, who, "uid", w->uid);
		cg_jb_str(b, src, "transport", "unix");
		cg_jb_int(b, src, "pid", w->pid);
	}
}

/* to[name] = the elements of record[name], each cut down to the members in fields. */
static void
add_gist(struct cg_jb *b, struct json_object *to, struct json_object *record,
    const char *name, const char *const *fields)
{
	struct json_object *src = NULL, *out, *e, *x;
	size_t i, k;

	out = cg_jb_add_array(b, to, name);
	if (!json_object_object_get_ex(record, name, &src) ||
	    !json_object_is_type(src, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(src); i++) {
		e = cg_jb_push_object(b, out);
		for (k = 0; fields[k] != NULL; k++)
			if (json_object_object_get_ex(json_object_array_get_idx(src, i), fields[k],
			    &x))
				cg_jb_ref(b, e, fields[k], x);
	}
}

/* to[as] = a new reference to record[name], when it has one. */
static void
add_member(struct cg_jb *b, struct json_object *to, const char *as, struct json_object *record,
    const char *name)
{
	struct json_object *v;

	if (json_object_object_get_ex(record, name, &v))
		cg_jb_ref(b, to, as, v);
}

static const char *const check_fields[] = { "action", "resource", "result", "stage", NULL };
static const char *const key_fields[] = { "arn", "role", "state", "changes", NULL };

int
audit_entry_request(const struct audit_who *who, const struct audit_filed *filed,
    struct json_object **ret_fields)
{
	struct cg_jb b = CG_JB_INIT;
	struct json_object *f = NULL, *what, *rules;
	int r = CG_ERR_INTERNAL;

	ENSURE(who != NULL && filed != NULL && ret_fields != NULL, CG_ERR_INVALID_ARG);
	f = cg_jb_object(&b);
	add_who(&b, f, who);
	what = cg_jb_add_object(&b, f, "what");
	cg_jb_str(&b, what, "operation", filed->operation);
	add_member(&b, what, "application", filed->record, "application");
	cg_jb_str(&b, what, "request_digest", filed->digest);
	cg_jb_int(&b, what, "request_digest_version", (int64_t)filed->digest_version);
	cg_jb_str(&b, what, "region", filed->region);
	cg_jb_str(&b, what, "reason", filed->reason);
	add_member(&b, what, "key_change", filed->record, "key_change_kind");
	add_gist(&b, what, filed->record, "checks", check_fields);
	add_member(&b, what, "refusals", filed->record, "refusals");
	if (json_object_object_get_ex(filed->record, "rules", &rules))
		add_member(&b, what, "rules", rules, "result");
	cg_jb_str(&b, f, "request_id", filed->id);
	cg_jb_str(&b, f, "decision", filed->decision);
	add_gist(&b, f, filed->record, "keys", key_fields);
	GUARD(cg_jb_done(&b, &f));
	*ret_fields = f;
	f = NULL;
	r = 0;
 out:
	json_object_put(f);
	return r;
}

int
audit_entry_undecided(const struct audit_who *who, const char *operation, const char *digest,
    unsigned digest_version, const char *error, struct json_object **ret_fields)
{
	struct cg_jb b = CG_JB_INIT;
	struct json_object *f = NULL, *what;
	int r = CG_ERR_INTERNAL;

	ENSURE(who != NULL && ret_fields != NULL, CG_ERR_INVALID_ARG);
	f = cg_jb_object(&b);
	add_who(&b, f, who);
	what = cg_jb_add_object(&b, f, "what");
	cg_jb_str(&b, what, "operation", operation);
	cg_jb_str(&b, what, "request_digest", digest);
	cg_jb_int(&b, what, "request_digest_version", (int64_t)digest_version);
	cg_jb_str(&b, what, "error", error);
	cg_jb_str(&b, f, "decision", "undecided");
	GUARD(cg_jb_done(&b, &f));
	*ret_fields = f;
	f = NULL;
	r = 0;
 out:
	json_object_put(f);
	return r;
}

int
audit_entry_store_failed(const char *id, const char *decision, const char *error,
    struct json_object **ret_fields)
{
	struct cg_jb b = CG_JB_INIT;
	struct json_object *f = NULL, *what;
	int r = CG_ERR_INTERNAL;

	ENSURE(ret_fields != NULL, CG_ERR_INVALID_ARG);
	f = cg_jb_object(&b);
	what = cg_jb_add_object(&b, f, "what");
	cg_jb_str(&b, what, "error", error);
	if (decision != NULL)
		cg_jb_str(&b, what, "intended", decision);
	cg_jb_str(&b, f, "request_id", id);
	cg_jb_str(&b, f, "decision", "not-stored");
	GUARD(cg_jb_done(&b, &f));
	*ret_fields = f;
	f = NULL;
	r = 0;
 out:
	json_object_put(f);
	return r;
}

int
audit_entry_expired(const char *id, struct json_object **ret_fields)
{
	struct cg_jb b = CG_JB_INIT;
	struct json_object *f = NULL;
	int r = CG_ERR_INTERNAL;

	ENSURE(ret_fields != NULL, CG_ERR_INVALID_ARG);
	f = cg_jb_object(&b);
	cg_jb_str(&b, f, "request_id", id);
	cg_jb_str(&b, f, "decision", "expired");
	GUARD(cg_jb_done(&b, &f));
	*ret_fields = f;
	f = NULL;
	r = 0;
 out:
	json_object_put(f);
	return r;
}

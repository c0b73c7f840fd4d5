/*
 * The kinesisanalyticsv2 operations the gate handles: their requests, the
 * keys they involve and the permissions they need.  See ops.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "arn.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_json.h"
#include "cg_macros.h"
#include "ops.h"

#define T_STR	(1 << 0)
#define T_INT	(1 << 1)
#define T_NUM	(1 << 2)
#define T_BOOL	(1 << 3)
#define T_OBJ	(1 << 4)
#define T_ARR	(1 << 5)

struct member {
	const char	*name;
	unsigned	 types;
	bool		 required;
};

static const char *const op_names[OP_KIND_COUNT] = {
	[OP_CREATE_APPLICATION] = "CreateApplication",
	[OP_UPDATE_APPLICATION] = "UpdateApplication",
	[OP_START_APPLICATION] = "StartApplication",
	[OP_STOP_APPLICATION] = "StopApplication",
	[OP_CREATE_APPLICATION_SNAPSHOT] = "CreateApplicationSnapshot",
	[OP_DELETE_APPLICATION_SNAPSHOT] = "DeleteApplicationSnapshot",
	[OP_ROLLBACK_APPLICATION] = "RollbackApplication",
};

/* Top-level members per operation, after the AWS API reference (2018-05-23). */
static const struct member m_create[] = {
	{ "ApplicationName", T_STR, true }, { "ApplicationDescription", T_STR, false },
	{ "RuntimeEnvironment", T_STR, true }, { "ServiceExecutionRole", T_STR, true },
	{ "ApplicationConfiguration", T_OBJ, false }, { "CloudWatchLoggingOptions", T_ARR, false },
	{ "Tags", T_ARR, false }, { "ApplicationMode", T_STR, false }, { NULL, 0, false } };
static const struct member m_update[] = {
	{ "ApplicationName", T_STR, true }, { "CurrentApplicationVersionId", T_INT, false },
	{ "ApplicationConfigurationUpdate", T_OBJ, false },
	{ "ServiceExecutionRoleUpdate", T_STR, false }, { "RunConfigurationUpdate", T_OBJ, false },
	{ "CloudWatchLoggingOptionUpdates", T_ARR, false }, { "ConditionalToken", T_STR, false },
	{ "RuntimeEnvironmentUpdate", T_STR, false }, { NULL, 0, false } };
static const struct member m_start[] = {
	{ "ApplicationName", T_STR, true }, { "RunConfiguration", T_OBJ, false },
	{ NULL, 0, false } };
static const struct member m_stop[] = {
	{ "ApplicationName", T_STR, true }, { "Force", T_BOOL, false }, { NULL, 0, false } };
static const struct member m_create_snapshot[] = {
	{ "ApplicationName", T_STR, true }, { "SnapshotName", T_STR, true }, { NULL, 0, false } };
static const struct member m_delete_snapshot[] = {
	{ "ApplicationName", T_STR, true }, { "SnapshotName", T_STR, true },
	{ "SnapshotCreationTimestamp", T_INT | T_NUM | T_STR, true }, { NULL, 0, false } };
static const struct member m_rollback[] = {
	{ "ApplicationName", T_STR, true }, { "CurrentApplicationVersionId", T_INT, true },
	{ NULL, 0, false } };

static const struct member *const op_members[OP_KIND_COUNT] = {
	m_create, m_update, m_start, m_stop, m_create_snapshot, m_delete_snapshot, m_rollback,
};

static const struct member m_encryption[] = {
	{ "KeyType", T_STR, true }, { "KeyId", T_STR, false }, { NULL, 0, false } };
static const struct member m_encryption_update[] = {
	{ "KeyTypeUpdate", T_STR, true }, { "KeyIdUpdate", T_STR, false }, { NULL, 0, false } };
static const struct member m_restore[] = {
	{ "ApplicationRestoreType", T_STR, true }, { "SnapshotName", T_STR, false },
	{ NULL, 0, false } };

/* Names that would claim an identity: refused with their own message. */
static const char *const identity_claims[] = {
	"Principal", "Operator", "Identity", "Caller", "User", "UserArn", "RoleArn",
	"SourceIdentity", "Requester", NULL
};

const char *
ops_name(enum op_kind op)
{
	return op < OP_KIND_COUNT ? op_names[op] : "unknown";
}

int
ops_lookup(const char *name, enum op_kind *ret_op)
{
	int i;

	for (i = 0; i < OP_KIND_COUNT; i++) {
		if (name != NULL && strcmp(name, op_names[i]) == 0) {
			*ret_op = (enum op_kind)i;
			return 0;
		}
	}
	return CG_ERR_NOT_FOUND;
}

static int
bad(struct cg_buf *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
bad(struct cg_buf *why, const char *fmt, ...)
{
	va_list ap;

	cg_buf_reset(why);
	va_start(ap, fmt);
	cg_buf_vputf(why, fmt, ap);
	va_end(ap);
	return CG_ERR_PARSE;
}

static bool
has_type(struct json_object *v, unsigned types)
{
	switch (json_object_get_type(v)) {
	case json_type_string:	return types & T_STR;
	case json_type_int:	return types & (T_INT | T_NUM);
	case json_type_double:	return types & T_NUM;
	case json_type_boolean:	return types & T_BOOL;
	case json_type_object:	return types & T_OBJ;
	case json_type_array:	return types & T_ARR;
	default:		return false;
	}
}

/* Every member of o is in list, with its type; every required one is there. */
static int
check_members(struct json_object *o, const struct member *list, const char *where,
    struct cg_buf *why)
{
	struct json_object_iterator it, end;
	struct json_object *v;
	const struct member *m;
	size_t i;

	if (!json_object_is_type(o, json_type_object))
		return bad(why, "%s: expected an object, got %s", where, cg_json_type_name(o));
	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *k = json_object_iter_peek_name(&it);

		for (m = list; m->name != NULL && strcmp(m->name, k) != 0; m++)
			;
		if (m->name == NULL) {
			for (i = 0; identity_claims[i] != NULL; i++)
				if (strcasecmp(k, identity_claims[i]) == 0)
					return bad(why, "%s: \"%.64s\" claims an identity; the gate "
					    "takes the operator's identity from the connection only",
					    where, k);
			return bad(why, "%s: unknown member \"%.64s\"", where, k);
		}
		v = json_object_iter_peek_value(&it);
		if (!has_type(v, m->types))
			return bad(why, "%s: %s has the wrong type (%s)", where, k,
			    cg_json_type_name(v));
	}
	for (m = list; m->name != NULL; m++)
		if (m->required && !json_object_object_get_ex(o, m->name, &v))
			return bad(why, "%s: %s is required", where, m->name);
	return 0;
}

/* A string member (present, checked by check_members) copied with a cap and a charset. */
static int
copy_str(struct json_object *o, const char *name, char *out, size_t max, size_t min,
    const char *charset, const char *where, struct cg_buf *why)
{
	struct json_object *v;
	const char *s;
	size_t len;

	out[0] = '\0';
	if (!json_object_object_get_ex(o, name, &v))
		return 0;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len < min || len >= max || strlen(s) != len ||
	    (charset != NULL && strspn(s, charset) != len))
		return bad(why, "%s: %s must be %zu-%zu characters%s%s", where, name, min, max - 1,
		    charset != NULL ? " of " : "", charset != NULL ? charset : "");
	memcpy(out, s, len + 1);
	return 0;
}

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

static int
parse_key_type(const char *v, bool *ret_cmk, const char *where, struct cg_buf *why)
{
	if (strcmp(v, "CUSTOMER_MANAGED_KEY") == 0)
		*ret_cmk = true;
	else if (strcmp(v, "AWS_OWNED_KEY") == 0)
		*ret_cmk = false;
	else
		return bad(why, "%s: key type \"%.40s\" is neither CUSTOMER_MANAGED_KEY nor "
		    "AWS_OWNED_KEY", where, v);
	return 0;
}

/* {KeyType, KeyId} or {KeyTypeUpdate, KeyIdUpdate} into the request. */
static int
parse_encryption(struct json_object *e, bool update, struct op_request *req,
    struct cg_buf *why)
{
	const char *where = update ? "ApplicationEncryptionConfigurationUpdate" :
	    "ApplicationEncryptionConfiguration";
	char type[32];
	int r = CG_ERR_PARSE;

	GUARD(check_members(e, update ? m_encryption_update : m_encryption, where, why));
	GUARD(copy_str(e, update ? "KeyTypeUpdate" : "KeyType", type, sizeof(type), 1, NULL,
	    where, why));
	GUARD(parse_key_type(type, &req->key_cmk, where, why));
	GUARD(copy_str(e, update ? "KeyIdUpdate" : "KeyId", req->key_id, sizeof(req->key_id), 1,
	    NULL, where, why));
	if (req->key_cmk && req->key_id[0] == '\0') {
		r = bad(why, "%s: CUSTOMER_MANAGED_KEY needs a key id", where);
		goto out;
	}
	if (!req->key_cmk && req->key_id[0] != '\0') {
		r = bad(why, "%s: AWS_OWNED_KEY takes no key id", where);
		goto out;
	}
	req->key_given = true;
	r = 0;
 out:
	return r;
}

static int
parse_restore(struct json_object *rc, struct op_request *req, struct cg_buf *why)
{
	struct json_object *v;
	char type[40];
	int r = CG_ERR_PARSE;

	if (!json_object_object_get_ex(rc, "ApplicationRestoreConfiguration", &v)) {
		r = 0;
		goto out;
	}
	GUARD(check_members(v, m_restore, "ApplicationRestoreConfiguration", why));
	GUARD(copy_str(v, "ApplicationRestoreType", type, sizeof(type), 1, NULL,
	    "ApplicationRestoreConfiguration", why));
	GUARD(copy_str(v, "SnapshotName", req->snapshot, sizeof(req->snapshot), 1, NAME_CHARS,
	    "ApplicationRestoreConfiguration", why));
	if (strcmp(type, "SKIP_RESTORE_FROM_SNAPSHOT") == 0)
		req->restore = RESTORE_SKIP;
	else if (strcmp(type, "RESTORE_FROM_LATEST_SNAPSHOT") == 0)
		req->restore = RESTORE_LATEST;
	else if (strcmp(type, "RESTORE_FROM_CUSTOM_SNAPSHOT") == 0)
		req->restore = RESTORE_CUSTOM;
	else {
		r = bad(why, "ApplicationRestoreConfiguration: unknown restore type \"%.40s\"", type);
		goto out;
	}
	if ((req->restore == RESTORE_CUSTOM) != (req->snapshot[0] != '\0')) {
		r = bad(why, "ApplicationRestoreConfiguration: SnapshotName goes with "
		    "RESTORE_FROM_CUSTOM_SNAPSHOT, and only with it");
		goto out;
	}
	r = 0;
 out:
	return r;
}

int
ops_parse_request(enum op_kind op, struct json_object *input, struct op_request *ret,
    struct cg_buf *why)
{
	struct op_request req;
	struct json_object *v, *e;
	char token[513];	/* AWS: 1 to 512 characters */
	int r = CG_ERR_PARSE;

	memset(&req, 0, sizeof(req));
	ENSURE(op < OP_KIND_COUNT && why != NULL, CG_ERR_INVALID_ARG);
	req.op = op;
	GUARD(check_members(input, op_members[op], op_names[op], why));
	GUARD(copy_str(input, "ApplicationName", req.app_name, 129, 1, NAME_CHARS, op_names[op],
	    why));
	if (json_object_object_get_ex(input, "CurrentApplicationVersionId", &v)) {
		req.version_id = (long long)json_object_get_int64(v);
		if (req.version_id < 1 || req.version_id > 999999999) {
			r = bad(why, "%s: CurrentApplicationVersionId must be 1-999999999",
			    op_names[op]);
			goto out;
		}
	}
	switch (op) {
	case OP_CREATE_APPLICATION:
		GUARD(copy_str(input, "RuntimeEnvironment", req.runtime, sizeof(req.runtime), 1,
		    NULL, op_names[op], why));
		GUARD(copy_str(input, "ServiceExecutionRole", req.service_role,
		    sizeof(req.service_role), 1, NULL, op_names[op], why));
		if (json_object_object_get_ex(input, "ApplicationConfiguration", &v) &&
		    json_object_object_get_ex(v, "ApplicationEncryptionConfiguration", &e))
			GUARD(parse_encryption(e, false, &req, why));
		break;
	case OP_UPDATE_APPLICATION:
		GUARD(copy_str(input, "ConditionalToken", token, sizeof(token), 1, NULL,
		    op_names[op], why));
		if (req.version_id == 0 && token[0] == '\0') {
			r = bad(why, "UpdateApplication: give CurrentApplicationVersionId or "
			    "ConditionalToken");
			goto out;
		}
		GUARD(copy_str(input, "RuntimeEnvironmentUpdate", req.runtime, sizeof(req.runtime),
		    1, NULL, op_names[op], why));
		GUARD(copy_str(input, "ServiceExecutionRoleUpdate", req.service_role,
		    sizeof(req.service_role), 1, NULL, op_names[op], why));
		if (json_object_object_get_ex(input, "ApplicationConfigurationUpdate", &v) &&
		    json_object_object_get_ex(v, "ApplicationEncryptionConfigurationUpdate", &e))
			GUARD(parse_encryption(e, true, &req, why));
		if (json_object_object_get_ex(input, "RunConfigurationUpdate", &v))
			GUARD(parse_restore(v, &req, why));
		break;
	case OP_START_APPLICATION:
		if (json_object_object_get_ex(input, "RunConfiguration", &v))
			GUARD(parse_restore(v, &req, why));
		break;
	case OP_STOP_APPLICATION:
		req.force = json_object_object_get_ex(input, "Force", &v) &&
		    json_object_get_boolean(v);
		break;
	case OP_CREATE_APPLICATION_SNAPSHOT:
	case OP_DELETE_APPLICATION_SNAPSHOT:
		GUARD(copy_str(input, "SnapshotName", req.snapshot, sizeof(req.snapshot), 1,
		    NAME_CHARS, op_names[op], why));
		break;
	case OP_ROLLBACK_APPLICATION:
	case OP_KIND_COUNT:
		break;
	}
	if (req.service_role[0] != '\0') {
		struct arn a;

		if (arn_parse(req.service_role, strlen(req.service_role), &a) < 0 ||
		    !arn_field_is(&a.service, "iam") || !arn_field_has_prefix(&a.resource, "role/")) {
			r = bad(why, "%s: the service execution role must be an IAM role ARN",
			    op_names[op]);
			goto out;
		}
	}
	req.need_application = op != OP_CREATE_APPLICATION;
	req.need_snapshots = req.restore == RESTORE_LATEST || req.restore == RESTORE_CUSTOM ||
	    op == OP_ROLLBACK_APPLICATION;
	req.need_previous_version = op == OP_ROLLBACK_APPLICATION;
	*ret = req;
	r = 0;
 out:
	return r;
}

int
ops_runtime_version(const char *runtime, int *ret_major, int *ret_minor)
{
	char *end;
	long ma, mi;

	if (runtime == NULL || strncmp(runtime, "FLINK-", 6) != 0)
		return CG_ERR_PARSE;
	ma = strtol(runtime + 6, &end, 10);
	if (end == runtime + 6 || *end != '_')
		return CG_ERR_PARSE;
	mi = strtol(end + 1, &end, 10);
	if (*end != '\0' || ma < 0 || mi < 0 || ma > 999 || mi > 999)
		return CG_ERR_PARSE;
	*ret_major = (int)ma;
	*ret_minor = (int)mi;
	return 0;
}

static void
note(char list[][OPS_NOTE_LEN], size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
note(char list[][OPS_NOTE_LEN], size_t *n, const char *fmt, ...)
{
	va_list ap;

	if (*n >= OPS_NOTES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(list[(*n)++], OPS_NOTE_LEN, fmt, ap);
	va_end(ap);
}

static const char *
role_name(enum op_key_role role)
{
	switch (role) {
	case KEY_ROLE_CURRENT:	return "current key";
	case KEY_ROLE_TARGET:	return "requested key";
	case KEY_ROLE_SNAPSHOT:	return "snapshot's key";
	case KEY_ROLE_ROLLBACK:	return "previous version's key";
	}
	return "key";
}

/* Adds a key (once per ARN and role) after checking it can be used. */
static void
add_key(struct op_plan *p, const struct op_key_state *k, enum op_key_role role,
    const char *why_involved)
{
	size_t i;

	if (!k->found || k->arn[0] == '\0') {
		note(p->refusals, &p->nrefusals, "the %s does not exist or the gate cannot "
		    "describe it: check the key id and the gate's kms:DescribeKey permission",
		    role_name(role));
		return;
	}
	for (i = 0; i < p->nkeys; i++)
		if (strcmp(p->keys[i].arn, k->arn) == 0 && p->keys[i].role == role)
			return;
	if (p->nkeys >= OPS_KEYS_MAX)
		return;
	snprintf(p->keys[p->nkeys].arn, sizeof(p->keys[p->nkeys].arn), "%s", k->arn);
	p->keys[p->nkeys].role = role;
	p->keys[p->nkeys].why = why_involved;
	p->nkeys++;
	if (strcmp(k->state, "Disabled") == 0)
		note(p->refusals, &p->nrefusals, "the %s %.300s is disabled: re-enable it "
		    "(aws kms enable-key --key-id %.300s) and retry", role_name(role), k->arn, k->arn);
	else if (strcmp(k->state, "PendingDeletion") == 0)
		note(p->refusals, &p->nrefusals, "the %s %.300s is pending deletion: cancel "
		    "the deletion (aws kms cancel-key-deletion), re-enable the key and retry",
		    role_name(role), k->arn);
	else if (strcmp(k->state, "Enabled") != 0)
		note(p->refusals, &p->nrefusals, "the %s %.300s is in state %.40s, not Enabled",
		    role_name(role), k->arn, k->state);
	if (k->rotation)
		note(p->warnings, &p->nwarnings, "automatic rotation is enabled on %.300s: "
		    "Managed Flink does not support it and uses new key material only after "
		    "a restart; rotate by switching to a new CMK", k->arn);
}

static struct op_check *
add_check(struct op_plan *p, const char *action, const char *resource, int key,
    const char *why_needed)
{
	struct op_check *c;

	if (p->nchecks >= OPS_CHECKS_MAX)
		return NULL;
	c = &p->checks[p->nchecks++];
	memset(c, 0, sizeof(*c));
	snprintf(c->action, sizeof(c->action), "%s", action);
	snprintf(c->resource, sizeof(c->resource), "%s", resource);
	c->key = key;
	c->why = why_needed;
	return c;
}

static void
add_context(struct op_check *c, const char *key, const char *value, bool multi)
{
	if (c == NULL || c->ncontext >= OPS_CONTEXT_MAX)
		return;
	c->context[c->ncontext].key = key;
	snprintf(c->context[c->ncontext].value, sizeof(c->context[c->ncontext].value), "%s",
	    value);
	c->context[c->ncontext].multi = multi;
	c->ncontext++;
}

/* The KMS permissions AWS documents for an operator, on one key. */
static void
kms_checks(struct op_plan *p, int key, const char *app_arn, const char *via)
{
	static const char *const data_actions[] = { "kms:Decrypt", "kms:GenerateDataKey",
	    "kms:GenerateDataKeyWithoutPlaintext" };
	const char *arn = p->keys[key].arn;
	struct op_check *c;
	size_t i;

	c = add_check(p, "kms:DescribeKey", arn, key, "Managed Flink describes the key");
	add_context(c, "kms:ViaService", via, false);
	for (i = 0; i < 3; i++) {
		c = add_check(p, data_actions[i], arn, key,
		    "Managed Flink encrypts and decrypts the application's state with the key");
		add_context(c, "kms:ViaService", via, false);
		add_context(c, "kms:EncryptionContext:aws:kinesisanalytics:arn", app_arn, false);
	}
	c = add_check(p, "kms:CreateGrant", arn, key,
	    "Managed Flink creates a grant so the running application can decrypt its state");
	add_context(c, "kms:ViaService", via, false);
	add_context(c, "kms:EncryptionContext:aws:kinesisanalytics:arn", app_arn, false);
	add_context(c, "kms:GrantConstraintType", "EncryptionContextSubset", false);
	add_context(c, "kms:GrantOperations", "Decrypt", true);
}

static bool
runtime_supports_cmk(const char *runtime)
{
	int ma = 0, mi = 0;

	return ops_runtime_version(runtime, &ma, &mi) == 0 && (ma > 1 || (ma == 1 && mi >= 20));
}

int
ops_plan(const struct op_request *req, const struct op_world *w, struct op_plan *ret,
    struct cg_buf *why)
{
	struct op_plan p;
	char app_arn[OPS_ARN_MAX], via[128], action[96];
	const char *runtime;
	bool cmk_after, keys_differ;
	size_t i;
	int r = CG_ERR_INVALID_ARG;

	memset(&p, 0, sizeof(p));
	ENSURE(req != NULL && w != NULL && ret != NULL && why != NULL, CG_ERR_INVALID_ARG);
	if (w->region[0] == '\0' || w->account[0] == '\0') {
		cg_buf_putf(why, "the plan needs the region and the account");
		goto out;
	}
	snprintf(via, sizeof(via), "kinesisanalytics.%s.amazonaws.com", w->region);
	if (req->op == OP_CREATE_APPLICATION)
		snprintf(app_arn, sizeof(app_arn), "arn:aws:kinesisanalytics:%s:%s:application/%s",
		    w->region, w->account, req->app_name);
	else
		snprintf(app_arn, sizeof(app_arn), "%s", w->app_arn);
	if (req->need_application && !w->app_exists) {
		/* nothing to check against: the refusal is the whole plan */
		note(p.refusals, &p.nrefusals, "application %s does not exist in %s",
		    req->app_name, w->region);
		goto done;
	}

	/* Keys involved, and whether the key changes. */
	if (w->current_cmk && req->op != OP_CREATE_APPLICATION &&
	    req->op != OP_DELETE_APPLICATION_SNAPSHOT)
		add_key(&p, &w->current, KEY_ROLE_CURRENT,
		    "the application's state is encrypted with it now");
	if (req->key_given && req->key_cmk)
		add_key(&p, &w->target, KEY_ROLE_TARGET,
		    "the request asks the application to encrypt its state with it");
	if (req->key_given) {
		keys_differ = w->current_cmk != req->key_cmk ||
		    (req->key_cmk && strcmp(w->current.arn, w->target.arn) != 0);
		if (req->op == OP_CREATE_APPLICATION ? req->key_cmk : keys_differ) {
			p.key_change = true;
			p.key_change_kind = !req->key_cmk ? "disable CMK (back to the AWS owned key)" :
			    (req->op == OP_CREATE_APPLICATION || !w->current_cmk) ? "enable CMK" :
			    "switch CMK";
		}
	}
	if (req->need_snapshots && (req->restore == RESTORE_LATEST ||
	    req->restore == RESTORE_CUSTOM || req->op == OP_ROLLBACK_APPLICATION)) {
		if (req->restore == RESTORE_CUSTOM && !w->snapshot_found)
			note(p.refusals, &p.nrefusals, "snapshot %s of application %s does not "
			    "exist", req->snapshot, req->app_name);
		if (w->snapshot_found && w->snapshot_cmk) {
			add_key(&p, &w->snapshot, KEY_ROLE_SNAPSHOT,
			    "the snapshot the application restores was encrypted with it");
			if (!w->current_cmk || strcmp(w->snapshot.arn, w->current.arn) != 0) {
				p.key_change = true;
				if (p.key_change_kind == NULL)
					p.key_change_kind = "restore across keys";
			}
		} else if (w->snapshot_found && w->current_cmk) {
			p.key_change = true;
			if (p.key_change_kind == NULL)
				p.key_change_kind = "restore across keys";
		}
	}
	if (req->op == OP_ROLLBACK_APPLICATION) {
		if (!w->previous_found) {
			note(p.refusals, &p.nrefusals, "application %s has no version before %lld "
			    "to roll back to", req->app_name, w->app_version);
		} else {
			if (w->previous_cmk)
				add_key(&p, &w->previous, KEY_ROLE_ROLLBACK,
				    "the version the rollback returns to encrypts with it");
			if (w->previous_cmk != w->current_cmk || (w->previous_cmk &&
			    strcmp(w->previous.arn, w->current.arn) != 0)) {
				p.key_change = true;
				p.key_change_kind = "rollback across keys";
			}
		}
	}

	/* Preconditions: CMKs need FLINK-1_20 or later. */
	runtime = req->runtime[0] != '\0' ? req->runtime : w->app_runtime;
	cmk_after = req->key_given ? req->key_cmk :
	    (req->op == OP_ROLLBACK_APPLICATION && w->previous_found ? w->previous_cmk :
	    w->current_cmk);
	if (cmk_after && !runtime_supports_cmk(runtime))
		note(p.refusals, &p.nrefusals, "customer managed keys need runtime FLINK-1_20 or "
		    "later; the application would run %.40s: upgrade the runtime first",
		    runtime[0] != '\0' ? runtime : "(unknown)");
	if (p.key_change && strcmp(p.key_change_kind, "switch CMK") == 0)
		note(p.warnings, &p.nwarnings, "snapshots taken before the switch stay encrypted "
		    "with %.300s: keep it enabled until they are deleted", w->current.arn);
	if (p.key_change && strcmp(w->app_status, "RUNNING") == 0 &&
	    req->op == OP_UPDATE_APPLICATION)
		note(p.warnings, &p.nwarnings, "the new key is used only after the application "
		    "restarts");

	/* What the operator needs: the call itself, a passed role, KMS on each key. */
	snprintf(action, sizeof(action), "kinesisanalytics:%s", op_names[req->op]);
	add_check(&p, action, app_arn, -1, "the call itself");
	if (req->service_role[0] != '\0')
		add_context(add_check(&p, "iam:PassRole", req->service_role, -1,
		    "the call passes the service execution role to Managed Flink"),
		    "iam:PassedToService", "kinesisanalytics.amazonaws.com", false);
	for (i = 0; i < p.nkeys; i++) {
		size_t j;
		bool seen = false;

		for (j = 0; j < i; j++)
			seen = seen || strcmp(p.keys[j].arn, p.keys[i].arn) == 0;
		if (!seen)
			kms_checks(&p, (int)i, app_arn, via);
	}
 done:
	*ret = p;
	r = 0;
 out:
	return r;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_api.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "world.h"

static int
aws_failed(struct aws_client *c, int r, const char *what, struct cg_buf *why)
{
	const struct aws_error *e = aws_client_error(c);

	if (r == CG_ERR_AWS || r == CG_ERR_TRANSPORT || r == CG_ERR_CREDENTIALS)
		cg_buf_putf(why, "%s: %s: %s (after %u attempt%s)", what, e->code, e->message,
		    e->attempts, e->attempts == 1 ? "" : "s");
	else
		cg_buf_putf(why, "%s: %s", what, cg_strerror(r));
	return r;
}

static bool
not_found(struct aws_client *c, int r)
{
	return r == CG_ERR_AWS && aws_client_error(c)->kind == AWS_ERR_NOT_FOUND;
}

/* A key id (id, ARN, alias, alias ARN) to its ARN, state and rotation. */
static int
resolve_key(struct aws_client *c, const char *key_id, struct op_key_state *k,
    struct cg_buf *why)
{
	struct kms_key key;
	char what[300];
	int r = CG_ERR_INTERNAL;

	memset(k, 0, sizeof(*k));
	snprintf(what, sizeof(what), "kms DescribeKey %.250s", key_id);
	if ((r = kms_describe_key(c, key_id, &key)) < 0) {
		if (not_found(c, r)) {
			r = 0;
			goto out;
		}
		r = aws_failed(c, r, what, why);
		goto out;
	}
	k->found = true;
	snprintf(k->arn, sizeof(k->arn), "%s", key.arn);
	snprintf(k->state, sizeof(k->state), "%s", key.state);
	snprintf(what, sizeof(what), "kms GetKeyRotationStatus %.250s", key.arn);
	if ((r = kms_get_key_rotation_status(c, key.arn, &k->rotation)) < 0) {
		r = aws_failed(c, r, what, why);
		goto out;
	}
	r = 0;
 out:
	return r;
}

static int
resolve_snapshot(struct aws_client *c, const struct op_request *req, struct op_world *w,
    struct cg_buf *why)
{
	struct kda_snapshot s, *list = NULL;
	size_t n = 0, i, best = SIZE_MAX;
	int r = CG_ERR_INTERNAL;

	if (req->restore == RESTORE_CUSTOM) {
		if ((r = kda_describe_application_snapshot(c, req->app_name, req->snapshot,
		    &s)) < 0) {
			if (not_found(c, r))
				r = 0;
			else
				r = aws_failed(c, r, "kinesisanalyticsv2 DescribeApplicationSnapshot",
				    why);
			goto out;
		}
	} else {
		if ((r = kda_list_application_snapshots(c, req->app_name, &list, &n)) < 0) {
			r = aws_failed(c, r, "kinesisanalyticsv2 ListApplicationSnapshots", why);
			goto out;
		}
		/* the latest snapshot that can be restored */
		for (i = 0; i < n; i++)
			if (strcmp(list[i].status, "READY") == 0 &&
			    (best == SIZE_MAX || list[i].created > list[best].created))
				best = i;
		if (best == SIZE_MAX) {
			r = 0;
			goto out;
		}
		s = list[best];
	}
	w->snapshot_found = true;
	snprintf(w->snapshot_name, sizeof(w->snapshot_name), "%s", s.name);
	w->snapshot_cmk = s.encryption.present &&
	    strcmp(s.encryption.key_type, "CUSTOMER_MANAGED_KEY") == 0;
	if (w->snapshot_cmk)
		GUARD(resolve_key(c, s.encryption.key_id, &w->snapshot, why));
	r = 0;
 out:
	free(list);
	return r;
}

int
world_resolve(struct aws_client *c, const struct op_request *req, const char *account,
    struct op_world *ret,
    struct cg_buf *why)
{
	struct op_world w;
	struct sts_identity id;
	struct kda_application app, prev;
	int r = CG_ERR_INTERNAL;

	memset(&w, 0, sizeof(w));
	ENSURE(c != NULL && req != NULL && ret != NULL && why != NULL, CG_ERR_INVALID_ARG);
	snprintf(w.region, sizeof(w.region), "%s", aws_client_region(c));
	if (account != NULL) {
		snprintf(w.account, sizeof(w.account), "%s", account);
	} else {
		if ((r = sts_get_caller_identity(c, &id)) < 0) {
			r = aws_failed(c, r, "sts GetCallerIdentity", why);
			goto out;
		}
		snprintf(w.account, sizeof(w.account), "%s", id.account);
	}
	if (req->need_application) {
		if ((r = kda_describe_application(c, req->app_name, &app)) < 0) {
			if (!not_found(c, r)) {
				r = aws_failed(c, r, "kinesisanalyticsv2 DescribeApplication", why);
				goto out;
			}
		} else {
			w.app_exists = true;
			snprintf(w.app_arn, sizeof(w.app_arn), "%s", app.arn);
			snprintf(w.app_status, sizeof(w.app_status), "%s", app.status);
			snprintf(w.app_runtime, sizeof(w.app_runtime), "%s", app.runtime);
			w.app_version = app.version_id;
			w.current_cmk = app.encryption.present &&
			    strcmp(app.encryption.key_type, "CUSTOMER_MANAGED_KEY") == 0;
			if (w.current_cmk)
				GUARD(resolve_key(c, app.encryption.key_id, &w.current, why));
		}
	}
	if (req->key_given && req->key_cmk)
		GUARD(resolve_key(c, req->key_id, &w.target, why));
	if (w.app_exists && req->need_snapshots)
		GUARD(resolve_snapshot(c, req, &w, why));
	if (w.app_exists && req->need_previous_version && w.app_version > 1) {
		if ((r = kda_describe_application_version(c, req->app_name, w.app_version - 1,
		    &prev)) < 0) {
			if (!not_found(c, r)) {
				r = aws_failed(c, r, "kinesisanalyticsv2 DescribeApplicationVersion", why);
				goto out;
			}
		} else {
			w.previous_found = true;
			w.previous_cmk = prev.encryption.present &&
			    strcmp(prev.encryption.key_type, "CUSTOMER_MANAGED_KEY") == 0;
			if (w.previous_cmk)
				GUARD(resolve_key(c, prev.encryption.key_id, &w.previous, why));
		}
	}
	*ret = w;
	r = 0;
 out:
	return r;
}

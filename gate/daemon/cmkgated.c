/*
 * cmkgated: the gate daemon (cmkgated(8)).
 *
 *   cmkgated [--config PATH] [--check]
 *
 * Start-up loads and checks everything before it listens, and refuses to
 * start on any problem, saying which file and what: the configuration,
 * every rule stack in ops.d (file:line), the audit key and the existing
 * audit log (verified), the store (migrated), the AWS clients.  On those
 * it builds the request lifecycle (lifecycle.h), then serves the HTTP API
 * (api.c, a thin adapter over the lifecycle) on the unix socket until
 * SIGTERM or SIGINT, and is the lifecycle's clock: every few seconds it
 * asks it to expire overdue requests.  The lifecycle signs a last audit
 * checkpoint on the way out.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <sodium.h>

#include "arn.h"
#include "audit.h"
#include "aws.h"
#include "aws_api.h"
#include "cg_buf.h"
#include "cg_err.h"
#include "cg_macros.h"
#include "config.h"
#include "build_config.h"
#include "gated.h"
#include "lifecycle.h"
#include "policy_cache.h"
#include "rules.h"
#include "store.h"

#define EXPIRE_EVERY_S	5

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: cmkgated [--config PATH] [--check]\n"
	    "       cmkgated --help | --version\n"
	    "\n"
	    "The cmkgate gate daemon.  Reads PATH (default " CONFIG_DEFAULT_PATH "),\n"
	    "the rule stacks, the audit key and log and the store, then serves the\n"
	    "API on the configured unix socket until SIGTERM.  --check loads and\n"
	    "checks everything, opens nothing for writing, and exits: 0 when the\n"
	    "daemon would start.  See cmkgated(8) and cmkgated.conf(5).\n");
}

/*
 * The socket's directory must be a real directory (not a symlink) that only
 * its owner -- root or the gate's user -- can write: otherwise another user
 * could replace the socket with their own between our checks and bind().
 */
static int
check_socket_dir(const char *path, struct cg_buf *why)
{
	char dir[CONFIG_PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;
	size_t len;
	int r = CG_ERR_INTERNAL;

	len = slash == NULL ? 0 : (size_t)(slash - path);
	ENSURE(len < sizeof(dir), CG_ERR_LIMIT);
	memcpy(dir, path, len);
	dir[len] = '\0';
	if (len == 0)
		memcpy(dir, "/", 2);
	if (lstat(dir, &st) != 0) {
		(void)cg_buf_putf(why, "socket directory %s: %s (systemd's RuntimeDirectory= "
		    "creates it)", dir, strerror(errno));
		r = CG_ERR_NOT_FOUND;
		goto out;
	}
	if (!S_ISDIR(st.st_mode) || (st.st_mode & 022) != 0 ||
	    (st.st_uid != 0 && st.st_uid != geteuid())) {
		(void)cg_buf_putf(why, "socket directory %s must be a directory (not a symlink) "
		    "owned by root or the gate's user and writable by nobody else (chmod go-w)",
		    dir);
		r = CG_ERR_DENIED;
		goto out;
	}
	r = 0;
 out:
	return r;
}

/* Binds the unix socket: a stale socket file is replaced, anything else refused. */
static int
listen_unix(const struct config *cfg, int *ret_fd, struct cg_buf *why)
{
	struct sockaddr_un sa;
	struct stat st;
	struct group *gr = NULL;
	int fd = -1, r = CG_ERR_INTERNAL;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(cfg->socket_path) >= sizeof(sa.sun_path)) {
		(void)cg_buf_putf(why, "socket path %s is longer than %zu bytes",
		    cfg->socket_path, sizeof(sa.sun_path) - 1);
		r = CG_ERR_LIMIT;
		goto out;
	}
	memcpy(sa.sun_path, cfg->socket_path, strlen(cfg->socket_path) + 1);
	GUARD(check_socket_dir(cfg->socket_path, why));
	if (lstat(cfg->socket_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			(void)cg_buf_putf(why, "%s exists and is not a socket: remove it or "
			    "choose another socket.path", cfg->socket_path);
			r = CG_ERR_DENIED;
			goto out;
		}
		(void)unlink(cfg->socket_path);
	}
	if (cfg->socket_group != NULL && (gr = getgrnam(cfg->socket_group)) == NULL) {
		(void)cg_buf_putf(why, "socket.group %s does not exist", cfg->socket_group);
		r = CG_ERR_NOT_FOUND;
		goto out;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(cfg->socket_path, cfg->socket_mode) != 0 ||
	    (gr != NULL && chown(cfg->socket_path, (uid_t)-1, gr->gr_gid) != 0) ||
	    listen(fd, 128) != 0) {
		(void)cg_buf_putf(why, "cannot listen on %s: %s", cfg->socket_path,
		    strerror(errno));
		r = CG_ERR_IO;
		goto out;
	}
	*ret_fd = fd;
	fd = -1;
	r = 0;
 out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* The PEM files of the TLS listener; the key in secure memory, wiped when freed. */
struct tls_files {
	char	*cert;
	char	*key;		/* sodium_malloc'd */
	size_t	 key_len;
	char	*ca;
};

#define TLS_FILE_MAX	(256 * 1024)

/*
 * Reads a PEM file whole: a regular file (not a symlink) owned by root or
 * the gate's user, not writable by others; a secret one readable by its
 * owner only.
 */
static int
read_pem(const char *path, bool secret, char **ret, size_t *ret_len, struct cg_buf *why)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd = -1, r = CG_ERR_INTERNAL;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0 ||
	    fstat(fd, &st) != 0) {
		(void)cg_buf_putf(why, "%s: %s", path, strerror(errno));
		r = CG_ERR_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (secret ? 077 : 022)) != 0 || st.st_size <= 0 ||
	    st.st_size > TLS_FILE_MAX) {
		(void)cg_buf_putf(why, "%s must be a regular file of at most %d bytes owned by "
		    "root or the gate's user, %s", path, TLS_FILE_MAX, secret ?
		    "readable by its owner only (chmod 0600)" : "writable by nobody else");
		r = CG_ERR_DENIED;
		goto out;
	}
	buf = secret ? sodium_malloc((size_t)st.st_size + 1) : malloc((size_t)st.st_size + 1);
	ENSURE(buf != NULL, CG_ERR_NOMEM);
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void)cg_buf_putf(why, "%s: cannot read it whole", path);
			r = CG_ERR_IO;
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*ret = buf;
	*ret_len = got;
	buf = NULL;
	r = 0;
 out:
	if (buf != NULL) {
		if (secret) {
			sodium_memzero(buf, (size_t)st.st_size + 1);
			sodium_free(buf);
		} else {
			free(buf);
		}
	}
	if (fd >= 0)
		close(fd);
	return r;
}

static void
tls_files_clear(struct tls_files *t)
{
	free(t->cert);
	free(t->ca);
	if (t->key != NULL) {
		sodium_memzero(t->key, t->key_len);
		sodium_free(t->key);
	}
	memset(t, 0, sizeof(*t));
}

/* "127.0.0.1:8443" / "[::1]:8443" (checked by the config parser) to a socket address. */
static int
listen_address(const char *listen, struct sockaddr_storage *ret, struct cg_buf *why)
{
	char host[64];
	const char *colon = strrchr(listen, ':'), *h = listen;
	size_t hlen;
	unsigned long port;
	struct sockaddr_in *in4 = (struct sockaddr_in *)(void *)ret;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)ret;
	int r = CG_ERR_INTERNAL;

	memset(ret, 0, sizeof(*ret));
	ENSURE(colon != NULL, CG_ERR_INVALID_ARG);
	hlen = (size_t)(colon - listen);
	if (hlen >= 2 && h[0] == '[') {
		h++;
		hlen -= 2;
	}
	ENSURE(hlen < sizeof(host), CG_ERR_INVALID_ARG);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	port = strtoul(colon + 1, NULL, 10);
	ENSURE(port >= 1 && port <= 65535, CG_ERR_INVALID_ARG);
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
	} else {
		(void)cg_buf_putf(why, "tls.listen %s is not an address", listen);
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	r = 0;
 out:
	return r;
}

static int
start_tls(struct gated *g, struct tls_files *t, struct MHD_Daemon **ret, struct cg_buf *why)
{
	struct sockaddr_storage addr;
	size_t len;
	int r = CG_ERR_INTERNAL;

	GUARD(listen_address(g->config->tls_listen, &addr, why));
	GUARD(read_pem(g->config->tls_certificate, false, &t->cert, &len, why));
	GUARD(read_pem(g->config->tls_key, true, &t->key, &t->key_len, why));
	GUARD(read_pem(g->config->tls_client_ca, false, &t->ca, &len, why));
	if ((r = api_start_tls(g, (const struct sockaddr *)&addr, t->cert, t->key, t->ca,
	    ret)) < 0) {
		(void)cg_buf_putf(why, "the TLS listener on %s did not start (address in use, or a "
		    "certificate, key or CA that GnuTLS refuses)", g->config->tls_listen);
		goto out;
	}
	r = 0;
 out:
	return r;
}

/* Whether an operator's principal (a role or role session ARN) is in account. */
static bool
principal_in_account(const char *principal, const char *account)
{
	struct arn a;

	return arn_parse(principal, strlen(principal), &a) == 0 &&
	    arn_field_is(&a.account, account);
}

static int
open_all(struct gated *g, const char *config_path, bool check_only, struct cg_buf *why)
{
	struct audit_key *key = NULL;
	struct audit_report rep;
	struct lc_parts parts;
	struct aws_config ac;
	struct sts_identity me;
	char db[CONFIG_PATH_MAX + 16];
	const char *region;
	size_t i;
	int r = CG_ERR_INTERNAL;

	GUARD(config_load(config_path, &g->config, why));
	GUARD(rules_load_dir(g->config->ops_directory, &g->rules, why));
	if ((r = audit_key_load(g->config->audit_key, &key)) < 0) {
		(void)cg_buf_putf(why, "audit key %s: %s (create one with `cmkgate audit keygen "
		    "--out %s`, owned by the gate's user, mode 0600)", g->config->audit_key,
		    cg_strerror(r), g->config->audit_key);
		goto out;
	}
	memset(&ac, 0, sizeof(ac));
	ac.region = g->config->region;
	ac.endpoint_url = g->config->endpoint;
	for (i = 0; i < GATED_AWS_CLIENTS; i++)
		GUARD(aws_client_new(&ac, &g->aws.clients[i], why));
	/*
	 * The gate reads operators' roles by name in its own account: a
	 * principal in another account would be checked against the wrong
	 * role's policies, so it is refused here.
	 */
	memset(&me, 0, sizeof(me));
	if ((r = sts_get_caller_identity(g->aws.clients[0], &me)) < 0) {
		(void)cg_buf_putf(why, "STS GetCallerIdentity with the gate's credentials: %s: %s",
		    aws_client_error(g->aws.clients[0])->code,
		    aws_client_error(g->aws.clients[0])->message);
		goto out;
	}
	memcpy(g->aws.account, me.account, sizeof(g->aws.account));
	for (i = 0; i < g->config->noperators; i++)
		if (!principal_in_account(g->config->operators[i].principal, me.account)) {
			(void)cg_buf_putf(why, "operator %s's principal %s is not in the gate's "
			    "account %s: the gate reads roles in its own account only",
			    g->config->operators[i].name, g->config->operators[i].principal,
			    me.account);
			r = CG_ERR_INVALID_ARG;
			goto out;
		}
	GUARD(policy_cache_new(g->config->policy_cache_seconds, &g->policies));
	if (g->config->policy_directory != NULL)
		GUARD(policy_cache_use_directory(g->policies, g->config->policy_directory));
	g->aws.policies = g->policies;
	region = aws_client_region(g->aws.clients[0]);
	if (region == NULL || strlen(region) >= sizeof(g->region)) {
		(void)cg_buf_putf(why, "no AWS region: set aws.region in %s or AWS_REGION",
		    config_path);
		r = CG_ERR_INVALID_ARG;
		goto out;
	}
	memcpy(g->region, region, strlen(region) + 1);
	if (check_only) {
		r = 0;
		goto out;
	}
	memset(&rep, 0, sizeof(rep));
	if ((r = audit_open(g->config->audit_log, key, g->config->checkpoint_every, &g->audit,
	    &rep)) < 0) {
		(void)cg_buf_putf(why, "audit log %s: %s%s%s", g->config->audit_log,
		    cg_strerror(r), rep.detail[0] != '\0' ? ": " : "", rep.detail);
		if (rep.problem != AUDIT_OK)
			(void)cg_buf_putf(why, " (line %llu, %s; see cmkgate audit verify)",
			    (unsigned long long)rep.line, audit_problem_name(rep.problem));
		goto out;
	}
	if (rep.detail[0] != '\0')
		fprintf(stderr, "cmkgated: audit log %s: %s\n", g->config->audit_log, rep.detail);
	if (snprintf(db, sizeof(db), "%s/cmkgate.db", g->config->state_directory) >=
	    (int)sizeof(db)) {
		r = CG_ERR_LIMIT;
		goto out;
	}
	GUARD(store_open_sqlite(db, &g->store, why));
	memset(&parts, 0, sizeof(parts));
	parts.config = g->config;
	parts.rules = g->rules;
	parts.store = g->store;
	parts.audit = g->audit;
	parts.region = g->region;
	parts.account = g->aws.account;
	parts.gather = aws_pool_gather;
	parts.gather_ctx = &g->aws;
	GUARD(lifecycle_new(&parts, &g->lc));
	r = 0;
 out:
	audit_key_free(key);
	return r;
}

static void
close_all(struct gated *g)
{
	lifecycle_free(g->lc);		/* signs a last checkpoint */
	audit_close(g->audit);
	store_close(g->store);
	aws_pool_clear(&g->aws);
	policy_cache_free(g->policies);
	rules_set_free(g->rules);
	config_free(g->config);
}

/* The clock: overdue requests expire (the lifecycle audits each). */
static void
expire_now(struct gated *g)
{
	size_t n = 0;

	(void)lifecycle_expire(g->lc, gated_now_ms(), &n);
}

int
main(int argc, char **argv)
{
	static struct gated g;
	struct MHD_Daemon *daemon = NULL, *tls_daemon = NULL;
	struct tls_files tls;
	struct cg_buf *why = NULL;
	const char *config_path = CONFIG_DEFAULT_PATH, *msg = "";
	struct timespec tick = { EXPIRE_EVERY_S, 0 };
	sigset_t sigs;
	bool check_only = false;
	int i, fd = -1, sig, rc = 1;

	memset(&tls, 0, sizeof(tls));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("cmkgated %s\n", CMKGATE_VERSION);
			return 0;
		} else if (strcmp(argv[i], "--check") == 0) {
			check_only = true;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config_path = argv[++i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	umask(077);
	/* GnuTLS and OpenSSL would write session keys there: never for the gate */
	(void)unsetenv("SSLKEYLOGFILE");
	/* the API threads inherit the mask: only this thread takes the signals */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &sigs, NULL) != 0)
		return 1;
	(void)signal(SIGPIPE, SIG_IGN);
	/* a write past a file size limit must fail (EFBIG) and be refused, not kill us */
	(void)signal(SIGXFSZ, SIG_IGN);
	if (aws_pool_init(&g.aws) < 0)
		return 1;
	if (aws_global_init() < 0 || cg_buf_new(8192, &why) < 0) {
		fprintf(stderr, "cmkgated: cannot initialise libraries\n");
		goto out;
	}
	if (open_all(&g, config_path, check_only, why) < 0) {
		(void)cg_buf_cstr(why, &msg);
		fprintf(stderr, "cmkgated: not starting: %s\n", msg);
		goto out;
	}
	if (check_only) {
		struct sockaddr_storage addr;
		size_t len;

		if (g.config->tls_listen != NULL &&
		    (listen_address(g.config->tls_listen, &addr, why) < 0 ||
		    read_pem(g.config->tls_certificate, false, &tls.cert, &len, why) < 0 ||
		    read_pem(g.config->tls_key, true, &tls.key, &tls.key_len, why) < 0 ||
		    read_pem(g.config->tls_client_ca, false, &tls.ca, &len, why) < 0)) {
			(void)cg_buf_cstr(why, &msg);
			fprintf(stderr, "cmkgated: not starting: %s\n", msg);
			goto out;
		}
		printf("cmkgated: %s, %s, the audit key%s are good; region %s\n", config_path,
		    g.config->ops_directory, g.config->tls_listen != NULL ? " and the TLS files" :
		    "", g.region);
		rc = 0;
		goto out;
	}
	if (listen_unix(g.config, &fd, why) < 0 || api_start(&g, fd, &daemon) < 0) {
		(void)cg_buf_cstr(why, &msg);
		fprintf(stderr, "cmkgated: not starting: %s\n", *msg != '\0' ? msg :
		    "the HTTP server did not start");
		goto out;
	}
	fd = -1;	/* the daemon owns it now */
	if (g.config->tls_listen != NULL && start_tls(&g, &tls, &tls_daemon, why) < 0) {
		(void)cg_buf_cstr(why, &msg);
		fprintf(stderr, "cmkgated: not starting: %s\n", msg);
		goto out;
	}
	fprintf(stderr, "cmkgated: serving on %s%s%s (region %s, %zu operator(s))\n",
	    g.config->socket_path, tls_daemon != NULL ? " and TLS " : "",
	    tls_daemon != NULL ? g.config->tls_listen : "", g.region, g.config->noperators);
	expire_now(&g);
	for (;;) {
		sig = sigtimedwait(&sigs, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		expire_now(&g);
	}
	fprintf(stderr, "cmkgated: stopping\n");
	rc = 0;
 out:
	api_stop(tls_daemon);
	api_stop(daemon);
	tls_files_clear(&tls);
	if (fd >= 0)
		close(fd);
	if (daemon != NULL || rc == 0)
		(void)unlink(g.config != NULL && !check_only ? g.config->socket_path : "");
	close_all(&g);
	cg_buf_free(why);
	return rc;
}

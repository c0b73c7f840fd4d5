/*
 * cmkgate: the command for operators, approvers and administrators.
 *
 * Each subcommand is an entry in the table below; a command that is not in
 * the table does not exist yet, and `cmkgate --help` lists only what does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "build_config.h"

#define EXIT_USAGE 2

struct command {
	const char	*name;
	const char	*summary;
	int		(*run)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "policy", "evaluate IAM policy queries (policy eval)", cmd_policy },
	{ "audit", "verify the audit log (audit verify, audit keygen)", cmd_audit },
	{ "plan", "keys and permissions an operation involves, checked against AWS", cmd_plan },
	{ "request", "file a request with the gate", cmd_request },
	{ "status", "show a request: state, keys, checks, what it needs", cmd_status },
	{ "list", "list requests, newest first", cmd_list },
	{ NULL, NULL, NULL }
};

static void
usage(FILE *f)
{
	const struct command *c;

	fprintf(f,
	    "usage: cmkgate [--help] [--version] [--socket PATH | --url URL --cert FILE\n"
	    "               --key FILE [--cacert FILE]] COMMAND [ARGS...]\n"
	    "\n"
	    "cmkgate gates key-changing operations on Managed Service for\n"
	    "Apache Flink applications behind checks and approvals.\n"
	    "\n"
	    "Options:\n"
	    "  -h, --help     show this help and exit\n"
	    "  -V, --version  print the version and exit\n"
	    "  --socket PATH  the gate's socket (default: $CMKGATE_SOCKET, else\n"
	    "                 /run/cmkgate/cmkgated.sock)\n"
	    "  --url URL      the gate's TLS listener, https://HOST:PORT ($CMKGATE_URL),\n"
	    "                 instead of the socket; with --cert FILE and --key FILE, your\n"
	    "                 client certificate and key ($CMKGATE_CERT, $CMKGATE_KEY),\n"
	    "                 and --cacert FILE, the gate's CA ($CMKGATE_CACERT)\n");
	if (commands[0].name == NULL)
		fprintf(f, "\nNo commands are built into this version yet.\n");
	else
		fprintf(f, "\nCommands:\n");
	for (c = commands; c->name != NULL; c++)
		fprintf(f, "  %-14s %s\n", c->name, c->summary);
	fprintf(f, "\nSee cmkgate(1).\n");
}

int
main(int argc, char **argv)
{
	const struct command *c;

	/* TLS libraries would write session keys there: never for cmkgate */
	(void)unsetenv("SSLKEYLOGFILE");
	while (argc >= 3) {
		if (strcmp(argv[1], "--socket") == 0)
			cmkgate_socket_path = argv[2];
		else if (strcmp(argv[1], "--url") == 0)
			cmkgate_url = argv[2];
		else if (strcmp(argv[1], "--cert") == 0)
			cmkgate_cert = argv[2];
		else if (strcmp(argv[1], "--key") == 0)
			cmkgate_key = argv[2];
		else if (strcmp(argv[1], "--cacert") == 0)
			cmkgate_cacert = argv[2];
		else
			break;
		argc -= 2;
		argv += 2;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("cmkgate %s\n", CMKGATE_VERSION);
		return 0;
	}
	for (c = commands; c->name != NULL; c++) {
		if (strcmp(argv[1], c->name) == 0)
			return c->run(argc - 1, argv + 1);
	}
	fprintf(stderr, "cmkgate: unknown command or option '%s'; "
	    "run 'cmkgate --help' for the list\n", argv[1]);
	return EXIT_USAGE;
}

/* The cmkgate subcommands; each takes argv with argv[0] = its own name. */
#ifndef CMKGATE_COMMANDS_H
#define CMKGATE_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>

int cmd_policy(int argc, char **argv);
int cmd_policy_sync(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_request(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_list(int argc, char **argv);

/*
 * Where the gate is (the global options; each falls back to its variable):
 * --socket PATH (CMKGATE_SOCKET, else the default socket), or --url
 * https://HOST:PORT (CMKGATE_URL) with --cert, --key (CMKGATE_CERT,
 * CMKGATE_KEY) and optionally --cacert (CMKGATE_CACERT).
 */
extern const char *cmkgate_socket_path;
extern const char *cmkgate_url;
extern const char *cmkgate_cert;
extern const char *cmkgate_key;
extern const char *cmkgate_cacert;

#endif

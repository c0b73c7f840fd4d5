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

/* The gate's socket: --socket PATH, else $CMKGATE_SOCKET, else the default. */
extern const char *cmkgate_socket_path;

#endif

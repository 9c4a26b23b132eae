/* The CLI's commands that are more than one request and one reply: each
 * takes the arguments after its name and returns an exit code (output.h).
 * scalekeeper.c dispatches to them. */
#ifndef SK_CLI_H
#define SK_CLI_H

#include "cli/options.h"

/* watch <prefix> [--from REV] (cli_watch.c) */
int cli_watch(const struct options *o, int argc, char **argv);

/* elect --listen <name> (cli_watch.c) */
int cli_observe(const struct options *o, const char *name);

/* elect <name> <value> [--ttl S] | elect --listen <name> (cli_elect.c) */
int cli_elect(const struct options *o, int argc, char **argv);

/* lease keepalive <id> [--once] (cli_lease.c) */
int cli_lease_keepalive(const struct options *o, int argc, char **argv);

/* txn [--if KEY=MODREV ...] < commands (cli_txn.c) */
int cli_txn(const struct options *o, int argc, char **argv);

/* backup <file>; restore <file> [--bump-revision N] [--force]
 * (cli_backup.c) */
int cli_backup(const struct options *o, int argc, char **argv);
int cli_restore(const struct options *o, int argc, char **argv);

/* agent <instance-id>: heartbeats until the instance leaves its group
 * (cli_scaling.c) */
int cli_agent(const struct options *o, int argc, char **argv);

/* Print "scalekeeper: <message>" and the help hint; returns CLI_EXIT_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

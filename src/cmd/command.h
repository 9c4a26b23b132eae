/* The command table (proto/PROTOCOL.md §3): names, arity with Redis'
 * convention (N: exactly N arguments including the name; -N: at least N),
 * how each command is served, and the handler. */
#ifndef SK_COMMAND_H
#define SK_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/slice.h"
#include "node/readindex.h"

struct session;
struct node;
struct pending;

enum command_flags {
    CMD_LOCAL = 1 << 0,       /* answered by the node that received it */
    CMD_READ = 1 << 1,        /* linearizable read (stale under READONLY) */
    CMD_WRITE = 1 << 2,       /* becomes a log entry on the leader */
    CMD_TXN_CONTROL = 1 << 3, /* runs, not queued, inside MULTI */
    CMD_PUSH = 1 << 4,        /* allowed on a connection in push mode */
};

/* One request being served. */
struct call {
    struct session *session;
    struct node *node;
    size_t argc;
    const struct slice *argv;
    struct pending *p;
    bool async; /* a local handler handed p on: it completes it later */
};

struct command {
    const char *name; /* lower case */
    int arity;
    unsigned flags;
    int first_key; /* for COMMAND INFO: positions of keys, 0 if none */
    int last_key;
    int key_step;
    /* CMD_LOCAL: write the reply into c->p->reply. */
    void (*local)(struct call *c);
    /* CMD_READ: check arguments (limits); 0 or -1 after writing an error. */
    int (*check)(struct call *c);
    read_fn read;
    /* CMD_WRITE: check arguments and name the entry op for argv[1..]; 0, or
     * -1 after writing an error reply. */
    int (*write)(struct call *c, uint8_t *op);
    const char *summary; /* one line, for COMMAND DOCS and the docs */
};

/* The command named @name (any case), or NULL. */
const struct command *command_lookup(struct slice name);

/* Whether @argc fits the arity of @cmd. */
int command_arity_ok(const struct command *cmd, size_t argc);

extern const struct command command_table[];
extern const size_t command_count;

#endif

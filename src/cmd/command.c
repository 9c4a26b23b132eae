/* The command table. Order is the order COMMAND lists them in. */
#include "cmd/command.h"

#include "cmd/handlers.h"

#define LOCAL(fn)     .flags = CMD_LOCAL, .local = (fn)
#define READ(fn, chk) .flags = CMD_READ, .read = (fn), .check = (chk)
#define WRITE(fn)     .flags = CMD_WRITE, .write = (fn)

const struct command command_table[] = {
    { .name = "ping",
      .arity = -1,
      LOCAL(cmd_ping),
      .summary = "PONG, or the argument back" },
    { .name = "echo",
      .arity = 2,
      LOCAL(cmd_echo),
      .summary = "the argument back" },
    { .name = "quit",
      .arity = 1,
      LOCAL(cmd_quit),
      .summary = "close the connection after the reply" },
    { .name = "select",
      .arity = 2,
      LOCAL(cmd_select),
      .summary = "accepts database 0 only" },
    { .name = "readonly",
      .arity = 1,
      LOCAL(cmd_readonly),
      .summary = "serve this connection's reads locally (may be stale)" },
    { .name = "readwrite",
      .arity = 1,
      LOCAL(cmd_readwrite),
      .summary = "linearizable reads again (the default)" },
    { .name = "command",
      .arity = -1,
      LOCAL(cmd_command),
      .summary = "the command table (COUNT, INFO, DOCS, LIST)" },
    { .name = "client",
      .arity = -2,
      LOCAL(cmd_client),
      .summary = "the connection's id (CLIENT ID)" },
    { .name = "info",
      .arity = -1,
      LOCAL(cmd_info),
      .summary = "server, raft, clients, store, persistence sections" },
    { .name = "leader",
      .arity = 1,
      LOCAL(cmd_leader),
      .summary = "[id, raft address, client address, zone] of the leader" },
    { .name = "members",
      .arity = 1,
      LOCAL(cmd_members),
      .summary = "one record per node: addresses, zone, role, reachability" },
    { .name = "get",
      .arity = 2,
      READ(cmd_get, cmd_check_keys),
      .first_key = 1,
      .last_key = 1,
      .key_step = 1,
      .summary = "the value of a key, or nil" },
    { .name = "mget",
      .arity = -2,
      READ(cmd_mget, cmd_check_keys),
      .first_key = 1,
      .last_key = -1,
      .key_step = 1,
      .summary = "the values of several keys" },
    { .name = "exists",
      .arity = -2,
      READ(cmd_exists, cmd_check_keys),
      .first_key = 1,
      .last_key = -1,
      .key_step = 1,
      .summary = "how many of the keys exist" },
    { .name = "getrev",
      .arity = 2,
      READ(cmd_getrev, cmd_check_keys),
      .first_key = 1,
      .last_key = 1,
      .key_step = 1,
      .summary = "[value, create revision, mod revision, version], or nil" },
    { .name = "keys",
      .arity = 2,
      READ(cmd_keys, cmd_check_pattern),
      .summary = "keys matching a glob pattern (bounded)" },
    { .name = "dbsize",
      .arity = 1,
      READ(cmd_dbsize, NULL),
      .summary = "number of keys" },
    { .name = "set",
      .arity = -3,
      WRITE(cmd_set),
      .first_key = 1,
      .last_key = 1,
      .key_step = 1,
      .summary = "set a key; +OK once committed on a majority" },
    { .name = "del",
      .arity = -2,
      WRITE(cmd_del),
      .first_key = 1,
      .last_key = -1,
      .key_step = 1,
      .summary = "delete keys; how many existed" },
    { .name = "cas",
      .arity = 4,
      WRITE(cmd_cas),
      .first_key = 1,
      .last_key = 1,
      .key_step = 1,
      .summary = "replace a value if it equals the expected one; 1 or 0" },
    { .name = "member.announce",
      .arity = 4,
      WRITE(cmd_member_announce),
      .summary = "internal: a node publishes its client address and zone" },
    { .name = "peerlink",
      .arity = 2,
      LOCAL(cmd_peerlink),
      .summary = "internal: marks a follower's forwarding connection" },
};

const size_t command_count = sizeof command_table / sizeof command_table[0];

const struct command *command_lookup(struct slice name)
{
    for (size_t i = 0; i < command_count; i++) {
        if (slice_eq_nocase(name, command_table[i].name)) {
            return &command_table[i];
        }
    }
    return NULL;
}

int command_arity_ok(const struct command *cmd, size_t argc)
{
    if (cmd->arity >= 0) {
        return argc == (size_t)cmd->arity;
    }
    return argc >= (size_t)-cmd->arity;
}

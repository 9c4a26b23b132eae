/* Connection and protocol commands: PING, ECHO, QUIT, SELECT, READONLY,
 * READWRITE, COMMAND, CLIENT, PEERLINK. */
#include <stdio.h>

#include "cmd/command.h"
#include "cmd/handlers.h"
#include "cmd/session.h"
#include "node/pending.h"
#include "resp/reply.h"

void cmd_ping(struct call *c)
{
    if (session_is_pushing(c->session) && c->argc <= 2) {
        /* Redis' reply in the subscribed state: ["pong", message]. */
        reply_array(&c->p->reply, 2);
        reply_bulk_str(&c->p->reply, "pong");
        reply_bulk(&c->p->reply, c->argc == 2 ? c->argv[1].base : "",
                   c->argc == 2 ? c->argv[1].len : 0);
    } else if (c->argc == 1) {
        reply_simple(&c->p->reply, "PONG");
    } else if (c->argc == 2) {
        reply_bulk(&c->p->reply, c->argv[1].base, c->argv[1].len);
    } else {
        reply_error(&c->p->reply, "ERR",
                    "wrong number of arguments for 'ping' command");
    }
}

void cmd_echo(struct call *c)
{
    reply_bulk(&c->p->reply, c->argv[1].base, c->argv[1].len);
}

void cmd_quit(struct call *c)
{
    c->session->quit = true;
    reply_ok(&c->p->reply);
}

void cmd_select(struct call *c)
{
    if (c->argv[1].len == 1 && c->argv[1].base[0] == '0') {
        reply_ok(&c->p->reply);
    } else {
        reply_error(&c->p->reply, "ERR",
                    "DB index is out of range (scalekeeper has database 0)");
    }
}

void cmd_readonly(struct call *c)
{
    c->session->readonly = true;
    reply_ok(&c->p->reply);
}

void cmd_readwrite(struct call *c)
{
    c->session->readonly = false;
    reply_ok(&c->p->reply);
}

void cmd_peerlink(struct call *c)
{
    c->session->is_peer = true;
    reply_ok(&c->p->reply);
}

static void command_flags(struct buf *b, const struct command *cmd)
{
    if (cmd->flags & CMD_WRITE) {
        reply_array(b, 1);
        reply_simple(b, "write");
    } else if (cmd->flags & CMD_READ) {
        reply_array(b, 2);
        reply_simple(b, "readonly");
        reply_simple(b, "fast");
    } else {
        reply_array(b, 1);
        reply_simple(b, "fast");
    }
}

/* Redis' COMMAND INFO shape: name, arity, flags, first key, last key, step. */
static void command_info(struct buf *b, const struct command *cmd)
{
    reply_array(b, 6);
    reply_bulk_str(b, cmd->name);
    reply_int(b, cmd->arity);
    command_flags(b, cmd);
    reply_int(b, cmd->first_key);
    reply_int(b, cmd->last_key);
    reply_int(b, cmd->key_step);
}

static void command_docs(struct buf *b, const struct command *cmd)
{
    reply_bulk_str(b, cmd->name);
    reply_array(b, 2);
    reply_bulk_str(b, "summary");
    reply_bulk_str(b, cmd->summary);
}

void cmd_command(struct call *c)
{
    struct buf *b = &c->p->reply;
    struct slice sub = c->argc > 1 ? c->argv[1] : (struct slice){ "", 0 };

    if (c->argc == 1) {
        reply_array(b, command_count);
        for (size_t i = 0; i < command_count; i++) {
            command_info(b, &command_table[i]);
        }
    } else if (slice_eq_nocase(sub, "count") && c->argc == 2) {
        reply_int(b, (long long)command_count);
    } else if (slice_eq_nocase(sub, "list") && c->argc == 2) {
        reply_array(b, command_count);
        for (size_t i = 0; i < command_count; i++) {
            reply_bulk_str(b, command_table[i].name);
        }
    } else if (slice_eq_nocase(sub, "info") || slice_eq_nocase(sub, "docs")) {
        int docs = slice_eq_nocase(sub, "docs");
        size_t n = 0;
        const struct command *found[64];
        if (c->argc == 2) {
            for (size_t i = 0; i < command_count && n < 64; i++) {
                found[n++] = &command_table[i];
            }
        }
        if (docs) {
            for (size_t i = 2; i < c->argc && n < 64; i++) {
                const struct command *cmd = command_lookup(c->argv[i]);
                if (cmd != NULL) {
                    found[n++] = cmd;
                }
            }
            reply_array(b, 2 * n);
            for (size_t i = 0; i < n; i++) {
                command_docs(b, found[i]);
            }
            return;
        }
        if (c->argc == 2) {
            reply_array(b, n);
            for (size_t i = 0; i < n; i++) {
                command_info(b, found[i]);
            }
            return;
        }
        reply_array(b, c->argc - 2);
        for (size_t i = 2; i < c->argc; i++) {
            const struct command *cmd = command_lookup(c->argv[i]);
            if (cmd != NULL) {
                command_info(b, cmd);
            } else {
                reply_null_array(b);
            }
        }
    } else {
        reply_error(b, "ERR",
                    "unknown subcommand '%.*s'. Try COMMAND (COUNT|LIST|INFO|"
                    "DOCS)",
                    (int)(sub.len > 64 ? 64 : sub.len), sub.base);
    }
}

void cmd_client(struct call *c)
{
    struct buf *b = &c->p->reply;
    struct slice sub = c->argv[1];

    if (slice_eq_nocase(sub, "id") && c->argc == 2) {
        reply_int(b, (long long)c->session->id);
    } else {
        reply_error(b, "ERR",
                    "unknown subcommand or wrong number of arguments for "
                    "'%.*s'. Try CLIENT ID",
                    (int)(sub.len > 64 ? 64 : sub.len), sub.base);
    }
}

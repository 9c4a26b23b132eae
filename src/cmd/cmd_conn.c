/* Connection and protocol commands: PING, ECHO, QUIT, SELECT, READONLY,
 * READWRITE, COMMAND, CLIENT, PEERLINK. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd/clients.h"
#include "cmd/command.h"
#include "cmd/handlers.h"
#include "cmd/session.h"
#include "lib/log.h"
#include "node/node.h"
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
    uint64_t id;

    if (!slice_to_u64(c->argv[1], &id) || id == 0) {
        reply_error(&c->p->reply, "ERR", "PEERLINK needs a node id >= 1");
        return;
    }
    c->session->is_peer = true;
    c->session->peer_id = id;
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

/* A walk over the connections for CLIENT LIST and INFO. */
struct client_walk {
    const struct client_filter *f;
    const struct session *self;
    uint64_t now_ms;
    struct buf *text;
    size_t n;
};

static void describe_if_match(const struct client_view *v, void *arg)
{
    struct client_walk *w = arg;

    if (clients_match(w->f, v, w->self, w->now_ms)) {
        clients_describe(w->text, v, w->now_ms);
        buf_append(w->text, "\n", 1);
        w->n++;
    }
}

/* Describe the connections passing @f into @text, one line each, every
 * line ending in "\n". Returns how many. */
static size_t describe_matching(struct call *c,
                                const struct client_filter *f,
                                struct buf *text)
{
    struct clients *cl = c->session->clients;
    struct client_walk w = {
        .f = f, .self = c->session, .now_ms = node_now_ms(c->node), .text = text
    };

    if (cl != NULL) {
        cl->each(cl, describe_if_match, &w);
    }
    return w.n;
}

static void reply_text(struct buf *b, const struct buf *text)
{
    reply_bulk(b, text->base != NULL ? text->base : "", text->len);
}

static void client_id(struct call *c)
{
    reply_int(&c->p->reply, (long long)c->session->id);
}

static void client_info(struct call *c)
{
    uint64_t self = c->session->id;
    struct client_filter f;
    struct buf text;

    client_filter_init(&f);
    f.ids = &self; /* not owned: f is not closed */
    f.n_ids = 1;
    buf_init(&text);
    if (describe_matching(c, &f, &text) == 0) {
        /* Not on a connection: the session alone. */
        struct client_view v = {
            .session = c->session, .addr = "?:0", .laddr = "?:0", .fd = -1
        };
        clients_describe(&text, &v, node_now_ms(c->node));
        buf_append(&text, "\n", 1);
    }
    reply_text(&c->p->reply, &text);
    buf_close(&text);
}

static void client_list(struct call *c)
{
    struct client_filter f;
    char errmsg[SK_ERRMSG_SIZE];
    struct buf text;

    client_filter_init(&f);
    if (clients_parse_list(&f, c->argc, c->argv, errmsg) != 0) {
        reply_error(&c->p->reply, "ERR", "%s", errmsg);
        client_filter_close(&f);
        return;
    }
    buf_init(&text);
    describe_matching(c, &f, &text);
    reply_text(&c->p->reply, &text);
    buf_close(&text);
    client_filter_close(&f);
}

/* The connections CLIENT KILL closes: ids of the others, and whether the
 * caller is one. */
struct kill_walk {
    const struct client_filter *f;
    const struct session *self;
    uint64_t now_ms;
    struct buf ids; /* uint64_t each */
    bool self_matched;
};

static void collect_victim(const struct client_view *v, void *arg)
{
    struct kill_walk *w = arg;

    if (!clients_match(w->f, v, w->self, w->now_ms)) {
        return;
    }
    if (v->session == w->self) {
        w->self_matched = true;
    } else {
        buf_append(&w->ids, &v->session->id, sizeof v->session->id);
    }
}

/* Close what @f selects. Others close now, as after a read error; the
 * caller closes once its reply is sent, as after QUIT (Redis closes its
 * own connection after the reply too). Returns how many. */
static long long kill_matching(struct call *c, const struct client_filter *f)
{
    struct clients *cl = c->session->clients;
    struct kill_walk w = { .f = f,
                           .self = c->session,
                           .now_ms = node_now_ms(c->node) };
    long long n = 0;

    if (cl == NULL) {
        return 0;
    }
    buf_init(&w.ids);
    cl->each(cl, collect_victim, &w);
    for (size_t off = 0; off < w.ids.len; off += sizeof(uint64_t)) {
        uint64_t id;
        memcpy(&id, w.ids.base + off, sizeof id);
        if (cl->kill(cl, id)) {
            log_info("conn=%" PRIu64
                     " closed by CLIENT KILL from conn=%" PRIu64,
                     id, c->session->id);
            n++;
        }
    }
    buf_close(&w.ids);
    if (w.self_matched) {
        log_info("conn=%" PRIu64 " closes itself with CLIENT KILL",
                 c->session->id);
        c->session->quit = true;
        n++;
    }
    return n;
}

static void client_kill(struct call *c)
{
    struct client_filter f;
    char errmsg[SK_ERRMSG_SIZE];
    long long n;

    client_filter_init(&f);
    if (c->argc == 3) {
        /* The old form, CLIENT KILL ip:port, may name the caller. */
        f.addr = c->argv[2];
        if (f.addr.len == 0 || kill_matching(c, &f) == 0) {
            reply_error(&c->p->reply, "ERR", "No such client");
        } else {
            reply_ok(&c->p->reply);
        }
        return;
    }
    if (clients_parse_kill(&f, c->argc, c->argv, errmsg) != 0) {
        reply_error(&c->p->reply, "ERR", "%s", errmsg);
        client_filter_close(&f);
        return;
    }
    n = kill_matching(c, &f);
    reply_int(&c->p->reply, n);
    client_filter_close(&f);
}

static void client_setname(struct call *c)
{
    struct slice name = c->argv[2];

    if (name.len > SESSION_NAME_MAX) {
        reply_error(&c->p->reply, "ERR", "Client names are limited to %d bytes",
                    SESSION_NAME_MAX);
        return;
    }
    /* Printable ASCII only, so CLIENT LIST lines split on spaces. */
    for (size_t i = 0; i < name.len; i++) {
        if (name.base[i] < '!' || name.base[i] > '~') {
            reply_error(&c->p->reply, "ERR",
                        "Client names cannot contain spaces, newlines or "
                        "special characters.");
            return;
        }
    }
    memcpy(c->session->name, name.base, name.len);
    c->session->name[name.len] = '\0';
    reply_ok(&c->p->reply);
}

static void client_getname(struct call *c)
{
    if (c->session->name[0] == '\0') {
        reply_null(&c->p->reply);
    } else {
        reply_bulk_str(&c->p->reply, c->session->name);
    }
}

/* CLIENT's subcommands, with Redis' arity for each (CLIENT counts). */
static const struct command client_subcommands[] = {
    { .name = "id", .arity = 2, .local = client_id },
    { .name = "info", .arity = 2, .local = client_info },
    { .name = "list", .arity = -2, .local = client_list },
    { .name = "kill", .arity = -3, .local = client_kill },
    { .name = "setname", .arity = 3, .local = client_setname },
    { .name = "getname", .arity = 2, .local = client_getname },
};

void cmd_client(struct call *c)
{
    struct slice sub = c->argv[1];
    size_t n = sizeof client_subcommands / sizeof client_subcommands[0];

    for (size_t i = 0; i < n; i++) {
        const struct command *cmd = &client_subcommands[i];
        if (!slice_eq_nocase(sub, cmd->name)) {
            continue;
        }
        if (!command_arity_ok(cmd, c->argc)) {
            reply_error(&c->p->reply, "ERR",
                        "wrong number of arguments for 'client|%s' command",
                        cmd->name);
            return;
        }
        cmd->local(c);
        return;
    }
    reply_error(&c->p->reply, "ERR",
                "unknown subcommand '%.*s'. Try CLIENT ID|INFO|LIST|KILL|"
                "SETNAME|GETNAME",
                (int)(sub.len > 64 ? 64 : sub.len), sub.base);
}

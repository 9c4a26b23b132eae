/* Request dispatch and in-order replies. Each request gets a pending reply at
 * the tail of the session's queue; local commands complete it at once, reads
 * and writes complete it when raft (or the leader) answers. Replies leave
 * only from the head, so a pipeline's replies keep the requests' order
 * whatever finishes first. */
#include "cmd/session.h"

#include <stdio.h>
#include <string.h>

#include "cmd/command.h"
#include "cmd/handlers.h"
#include "lib/log.h"
#include "node/node.h"
#include "resp/reply.h"

void session_pending_ready(struct pending *p)
{
    struct session *s = p->owner;

    if (s->head == p && s->ready_cb != NULL) {
        s->ready_cb(s);
    }
}

static void subs_wake(struct subs *subs)
{
    struct session *s = subs->owner;

    if (s->ready_cb != NULL) {
        s->ready_cb(s);
    }
}

void session_init(struct session *s,
                  struct node *n,
                  uint64_t id,
                  session_ready_cb cb,
                  void *owner)
{
    memset(s, 0, sizeof *s);
    txn_writer_init(&s->txn);
    buf_init(&s->watching);
    subs_init(&s->subs, n, subs_wake, s);
    s->node = n;
    s->id = id;
    s->created_ms = s->last_ms = node_now_ms(n);
    s->ready_cb = cb;
    s->owner = owner;
}

void session_reset_txn(struct session *s)
{
    txn_writer_close(&s->txn);
    txn_writer_init(&s->txn);
    s->in_multi = false;
    s->multi_dirty = false;
}

void session_unblock(struct session *s)
{
    s->blocked = false;
    if (s->ready_cb != NULL) {
        s->ready_cb(s);
    }
}

void session_close(struct session *s)
{
    struct pending *p = s->head;

    txn_writer_close(&s->txn);
    buf_close(&s->watching);
    subs_close(&s->subs);
    cmd_campaign_cancel(s);

    s->head = s->tail = NULL;
    s->n_pending = 0;
    while (p != NULL) {
        struct pending *next = p->next;
        pending_orphan(p);
        p = next;
    }
}

static struct pending *push(struct session *s)
{
    struct pending *p = pending_new(session_pending_ready, s);

    if (s->tail != NULL) {
        s->tail->next = p;
    } else {
        s->head = p;
    }
    s->tail = p;
    s->n_pending++;
    return p;
}

void session_push_error(struct session *s, const char *text)
{
    struct pending *p = push(s);

    reply_error(&p->reply, "ERR", "%s", text);
    pending_done(p);
}

void session_take_replies(struct session *s, struct buf *out)
{
    while (s->head != NULL && s->head->done) {
        struct pending *p = s->head;
        s->head = p->next;
        if (s->head == NULL) {
            s->tail = NULL;
        }
        s->n_pending--;
        buf_append(out, p->reply.base, p->reply.len);
        pending_free(p);
    }
}

bool session_is_pushing(const struct session *s)
{
    return subs_count(&s->subs) > 0;
}

int session_pump(struct session *s, struct buf *out, size_t room)
{
    if (s->head != NULL || s->quit) {
        return 0;
    }
    if (subs_pump(&s->subs, out, room) != 0) {
        reply_error(out, "COMPACTED",
                    "%llu this connection fell behind the changes this node "
                    "retains (--watch-history-bytes) and is closed; re-read, "
                    "then watch again FROM a revision not below %llu",
                    (unsigned long long)s->subs.lost_rev,
                    (unsigned long long)s->subs.lost_rev);
        s->quit = true;
        return SK_ECORRUPT;
    }
    return 0;
}

/* In push mode only the subscription commands, PING, QUIT and RESET run,
 * as in Redis' RESP2 subscribed state. */
static void refuse_in_push_mode(struct call *c, const struct command *cmd)
{
    reply_error(&c->p->reply, "ERR",
                "Can't execute '%s': only (P)SUBSCRIBE / (P)UNSUBSCRIBE / "
                "KEYWATCH / KEYUNWATCH / ELECTION.OBSERVE / "
                "ELECTION.UNOBSERVE / PING / QUIT / RESET are allowed in this "
                "context",
                cmd->name);
}

static void unknown_command(struct call *c)
{
    struct buf args;

    buf_init(&args);
    for (size_t i = 1; i < c->argc && args.len < 128; i++) {
        buf_printf(&args, "'%.*s' ",
                   (int)(c->argv[i].len > 64 ? 64 : c->argv[i].len),
                   c->argv[i].base);
    }
    reply_error(&c->p->reply, "ERR",
                "unknown command '%.*s', with args beginning with: %.*s",
                (int)(c->argv[0].len > 64 ? 64 : c->argv[0].len),
                c->argv[0].base, (int)args.len, args.base ? args.base : "");
    buf_close(&args);
}

/* Serve a write (@read == NULL, entry op @op) or a linearizable read: on the
 * leader directly, elsewhere through the forwarding link, or parked until a
 * leader is known. Requests never overtake parked ones, so a connection's
 * requests execute in the order it sent them. */
/* The routing of session_serve(): @is_peer for a follower's relay link. */
static void serve(struct node *n,
                  bool is_peer,
                  uint8_t op,
                  read_fn read,
                  size_t argc,
                  const struct slice *argv,
                  struct pending *p)
{
    if (n->park.n_parked > 0) {
        park_retry(&n->park);
    }
    if (n->park.n_parked == 0 && node_is_leader(n)) {
        if (read != NULL) {
            propose_read(&n->propose, read, argc, argv, p);
        } else {
            propose_submit(&n->propose, op, argc - 1, argv + 1, p);
        }
        return;
    }
    if (is_peer) {
        /* A follower relayed this to us as the leader: we are not (any
         * more). Nothing was done, so the client may retry. */
        reply_error(&p->reply, "TRYAGAIN",
                    "this node is not the leader; not applied, safe to "
                    "retry");
        pending_done(p);
        return;
    }
    if (n->park.n_parked == 0 &&
        forward_submit(&n->forward, argc, argv, read, p) == 0) {
        return;
    }
    park_add(&n->park, op, read, argc, argv, p);
}

/* Serve a write (@read == NULL, entry op @op) or a linearizable read: on the
 * leader directly, elsewhere through the forwarding link, or parked until a
 * leader is known. Requests never overtake parked ones, so a connection's
 * requests execute in the order it sent them. */
void session_serve(struct call *c, uint8_t op, read_fn read)
{
    if (read != NULL && c->session->readonly) {
        readindex_serve_local(c->node, read, c->argc, c->argv, c->p);
        return;
    }
    serve(c->node, c->session->is_peer, op, read, c->argc, c->argv, c->p);
}

void session_serve_detached(struct node *n,
                            uint8_t op,
                            size_t argc,
                            const struct slice *argv,
                            struct pending *p)
{
    serve(n, false, op, NULL, argc, argv, p);
}

/* Whether @cmd names its action with a subcommand, which CLIENT LIST shows
 * as Redis 7 does ("client|kill"). */
static bool has_subcommands(const struct command *cmd)
{
    return cmd->local == cmd_client || cmd->local == cmd_config ||
           cmd->local == cmd_command;
}

/* Remember the request for CLIENT LIST's idle= and cmd=. */
static void note_request(struct session *s,
                         const struct command *cmd,
                         size_t argc,
                         const struct slice *argv)
{
    size_t n = 0;

    s->last_ms = node_now_ms(s->node);
    s->last_cmd = cmd;
    if (cmd != NULL && has_subcommands(cmd) && argc > 1 &&
        argv[1].len < sizeof s->last_sub) {
        for (; n < argv[1].len; n++) {
            char ch = argv[1].base[n];
            if (ch >= 'A' && ch <= 'Z') {
                ch = (char)(ch - 'A' + 'a');
            } else if (ch < 'a' || ch > 'z') {
                n = 0; /* not a word: show the command alone */
                break;
            }
            s->last_sub[n] = ch;
        }
    }
    s->last_sub[n] = '\0';
}

void session_execute(struct session *s, size_t argc, const struct slice *argv)
{
    struct call c = {
        .session = s, .node = s->node, .argc = argc, .argv = argv
    };
    const struct command *cmd;
    uint8_t op = 0;

    if (argc == 0) {
        return;
    }
    c.p = push(s);
    cmd = command_lookup(argv[0]);
    note_request(s, cmd, argc, argv);
    if (s->in_multi && (cmd == NULL || !(cmd->flags & CMD_TXN_CONTROL))) {
        cmd_queue_in_multi(&c);
    } else if (cmd == NULL) {
        unknown_command(&c);
    } else if (session_is_pushing(s) && !(cmd->flags & CMD_PUSH)) {
        refuse_in_push_mode(&c, cmd);
    } else if (!command_arity_ok(cmd, argc)) {
        reply_error(&c.p->reply, "ERR",
                    "wrong number of arguments for '%s' command", cmd->name);
    } else if (s->node->closing) {
        reply_errcode(&c.p->reply, SK_ESHUTDOWN);
    } else if (cmd->flags & CMD_LOCAL) {
        cmd->local(&c);
        if (c.async) {
            return;
        }
    } else if (cmd->flags & CMD_READ) {
        if (cmd->check == NULL || cmd->check(&c) == 0) {
            session_serve(&c, 0, cmd->read);
            return;
        }
    } else if (cmd->write(&c, &op) == 0) {
        session_serve(&c, op, NULL);
        return;
    }
    pending_done(c.p);
}

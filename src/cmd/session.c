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

void session_init(struct session *s,
                  struct node *n,
                  uint64_t id,
                  session_ready_cb cb,
                  void *owner)
{
    memset(s, 0, sizeof *s);
    txn_writer_init(&s->txn);
    buf_init(&s->watching);
    s->node = n;
    s->id = id;
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
void session_serve(struct call *c, uint8_t op, read_fn read)
{
    struct node *n = c->node;

    if (read != NULL && c->session->readonly) {
        readindex_serve_local(n, read, c->argc, c->argv, c->p);
        return;
    }
    if (n->park.n_parked > 0) {
        park_retry(&n->park);
    }
    if (n->park.n_parked == 0 && node_is_leader(n)) {
        if (read != NULL) {
            propose_read(&n->propose, read, c->argc, c->argv, c->p);
        } else {
            propose_submit(&n->propose, op, c->argc - 1, c->argv + 1, c->p);
        }
        return;
    }
    if (c->session->is_peer) {
        /* A follower relayed this to us as the leader: we are not (any
         * more). Nothing was done, so the client may retry. */
        reply_error(&c->p->reply, "TRYAGAIN",
                    "this node is not the leader; not applied, safe to "
                    "retry");
        pending_done(c->p);
        return;
    }
    if (n->park.n_parked == 0 &&
        forward_submit(&n->forward, c->argc, c->argv, read, c->p) == 0) {
        return;
    }
    park_add(&n->park, op, read, c->argc, c->argv, c->p);
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
    if (s->in_multi && (cmd == NULL || !(cmd->flags & CMD_TXN_CONTROL))) {
        cmd_queue_in_multi(&c);
    } else if (cmd == NULL) {
        unknown_command(&c);
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

/* Transactions as Redis clients expect them (proto/PROTOCOL.md §3.6):
 * MULTI queues commands (+QUEUED), EXEC sends them with the WATCHed keys'
 * mod revisions as one TXN entry, applied atomically by fsm/txn.c; if a
 * watched key changed, EXEC replies a null array and nothing is applied.
 *
 * WATCH reads the keys' mod revisions linearizably (MODREVS, relayed to the
 * leader like any read) and the session takes no further request until the
 * answer is in, so the revisions are known before anything that follows:
 * the GET of the optimistic pattern, MULTI, EXEC. */
#include <stdlib.h>
#include <string.h>

#include "cmd/handlers.h"
#include "cmd/session.h"
#include "fsm/entry.h"
#include "fsm/query.h"
#include "lib/mem.h"
#include "node/node.h"
#include "resp/reply.h"

static struct txn_limits limits_of(const struct node *n)
{
    struct txn_limits l = { .max_key_bytes = n->cfg->max_key_bytes,
                            .max_value_bytes = n->cfg->max_value_bytes };
    return l;
}

void cmd_multi(struct call *c)
{
    struct session *s = c->session;

    if (s->in_multi) {
        reply_error(&c->p->reply, "ERR", "MULTI calls can not be nested");
        return;
    }
    s->in_multi = true;
    s->multi_dirty = false;
    reply_ok(&c->p->reply);
}

void cmd_discard(struct call *c)
{
    if (!c->session->in_multi) {
        reply_error(&c->p->reply, "ERR", "DISCARD without MULTI");
        return;
    }
    session_reset_txn(c->session);
    reply_ok(&c->p->reply);
}

void cmd_unwatch(struct call *c)
{
    struct txn_writer *t = &c->session->txn;

    buf_reset(&t->watches);
    t->n_watch = 0;
    reply_ok(&c->p->reply);
}

/* Inside MULTI: check and queue, or refuse and doom the EXEC. */
void cmd_queue_in_multi(struct call *c)
{
    struct session *s = c->session;
    struct txn_limits limits = limits_of(c->node);
    char errmsg[SK_ERRMSG_SIZE];

    if (txn_check_command(c->argc, c->argv, &limits, errmsg) != 0) {
        s->multi_dirty = true;
        reply_error(&c->p->reply, "ERR", "%s", errmsg);
        return;
    }
    txn_writer_command(&s->txn, c->argc, c->argv);
    if (txn_writer_size(&s->txn) > c->node->cfg->max_value_bytes) {
        s->multi_dirty = true;
        reply_error(&c->p->reply, "ERR",
                    "transaction larger than %zu bytes (--max-value-bytes)",
                    c->node->cfg->max_value_bytes);
        return;
    }
    reply_simple(&c->p->reply, "QUEUED");
}

void cmd_exec(struct call *c)
{
    struct session *s = c->session;
    struct buf blob;
    struct slice argv[2];
    struct call txn = *c;

    if (!s->in_multi) {
        reply_error(&c->p->reply, "ERR", "EXEC without MULTI");
        return;
    }
    if (s->multi_dirty) {
        session_reset_txn(s);
        reply_error(&c->p->reply, "EXECABORT",
                    "Transaction discarded because of previous errors.");
        return;
    }
    if (txn_writer_size(&s->txn) > c->node->cfg->max_value_bytes) {
        session_reset_txn(s);
        reply_error(&c->p->reply, "EXECABORT",
                    "transaction with its watched keys is larger than %zu "
                    "bytes (--max-value-bytes)",
                    c->node->cfg->max_value_bytes);
        return;
    }
    buf_init(&blob);
    txn_writer_finish(&s->txn, &blob);
    session_reset_txn(s); /* EXEC also forgets the watched keys */
    argv[0] = (struct slice){ "TXN", 3 };
    argv[1] = (struct slice){ blob.base, blob.len };
    txn.argc = 2;
    txn.argv = argv;
    c->async = true;
    session_serve(&txn, ENTRY_OP_TXN, NULL);
    buf_close(&blob);
}

int cmd_txn(struct call *c, uint8_t *op)
{
    struct txn_limits limits = limits_of(c->node);
    char errmsg[SK_ERRMSG_SIZE];

    if (txn_validate(c->argv[1].base, c->argv[1].len, &limits, errmsg) != 0) {
        reply_error(&c->p->reply, "ERR", "%s", errmsg);
        return -1;
    }
    *op = ENTRY_OP_TXN;
    return 0;
}

void cmd_modrevs(struct node *n,
                 size_t argc,
                 const struct slice *argv,
                 struct buf *reply)
{
    query_modrevs(&n->fsm, argc, argv, reply);
}

/* The MODREVS reply of a WATCH: record each key with its revision, answer
 * +OK, and let the session go on. */
static void watch_done(struct pending *p)
{
    struct session *s = p->owner;
    struct reader keys;
    const char *r = p->reply.base;
    const char *end = r + p->reply.len;

    if (p->reply.len > 0 && r[0] == '*') {
        reader_init(&keys, s->watching.base, s->watching.len);
        r = memchr(r, '\n', (size_t)(end - r));
        while (r != NULL && r + 1 < end && r[1] == ':' && keys.left > 0) {
            const char *key;
            size_t key_len;
            reader_bytes(&keys, &key, &key_len);
            txn_writer_watch(&s->txn, key, key_len, strtoull(r + 2, NULL, 10));
            r = memchr(r + 1, '\n', (size_t)(end - r - 1));
        }
        buf_reset(&p->reply);
        reply_ok(&p->reply);
    }
    buf_reset(&s->watching);
    p->cb = session_pending_ready;
    session_pending_ready(p);
    session_unblock(s);
}

void cmd_watch(struct call *c)
{
    struct session *s = c->session;
    struct slice *argv;
    struct call read = *c;
    bool readonly;

    if (s->in_multi) {
        reply_error(&c->p->reply, "ERR", "WATCH inside MULTI is not allowed");
        return;
    }
    if (cmd_check_keys(c) != 0) {
        return;
    }
    for (size_t i = 1; i < c->argc; i++) {
        buf_put_bytes(&s->watching, c->argv[i].base, c->argv[i].len);
    }
    argv = mem_alloc(c->argc * sizeof *argv);
    memcpy(argv, c->argv, c->argc * sizeof *argv);
    argv[0] = (struct slice){ "MODREVS", 7 };
    read.argv = argv;
    s->blocked = true;
    c->p->cb = watch_done;
    c->async = true;
    /* Watched revisions are read linearizably even on a READONLY
     * connection: a stale one would only make EXEC fail, but for nothing. */
    readonly = s->readonly;
    s->readonly = false;
    session_serve(&read, 0, cmd_modrevs);
    s->readonly = readonly;
    mem_free(argv);
}

/* Change feeds (proto/PROTOCOL.md §3.9): KEYWATCH and KEYUNWATCH, Redis'
 * keyspace notifications through SUBSCRIBE/PSUBSCRIBE and their
 * UNSUBSCRIBEs, PUBLISH (refused), RESET. A subscription puts the
 * connection in push mode; the messages are written by cmd/subs.c from
 * this node's change history. */
#include <stdio.h>
#include <string.h>

#include "cmd/handlers.h"
#include "cmd/session.h"
#include "node/node.h"
#include "resp/reply.h"

/* A channel or pattern names a key plus a prefix of ~16 bytes. */
#define CHANNEL_OVERHEAD 64

static int check_arg(struct call *c, struct slice arg, size_t extra)
{
    size_t max = c->node->cfg->max_key_bytes + extra;

    if (arg.len > max) {
        reply_error(&c->p->reply, "ERR",
                    "argument of %zu bytes exceeds the limit of %zu bytes",
                    arg.len, max);
        return -1;
    }
    return 0;
}

int cmd_check_subscriptions(struct call *c, int kind, size_t first, size_t end)
{
    const struct subs *subs = &c->session->subs;
    size_t max = c->node->cfg->max_subscriptions;
    size_t n = subs_count(subs);

    for (size_t i = first; i < end; i++) {
        if (!subs_has(subs, (enum sub_kind)kind, c->argv[i])) {
            n++;
        }
    }
    if (n > max) {
        reply_error(&c->p->reply, "ERR",
                    "this connection would hold more than %zu subscriptions "
                    "(--max-subscriptions)",
                    max);
        return -1;
    }
    return 0;
}

/* ["keywatch", prefix, count, start revision] */
static void keywatch_reply(struct call *c, struct slice prefix, uint64_t rev)
{
    struct buf *b = &c->p->reply;

    reply_array(b, 4);
    reply_bulk_str(b, "keywatch");
    reply_bulk(b, prefix.base, prefix.len);
    reply_int(b, (long long)subs_count(&c->session->subs));
    reply_int(b, (long long)rev);
}

/* KEYWATCH prefix [FROM revision] */
void cmd_keywatch(struct call *c)
{
    const struct history *h = &c->node->feed.history;
    uint64_t now_rev = c->node->fsm.revision;
    uint64_t from = now_rev + 1;
    uint64_t cursor = history_end(h);
    struct slice prefix = c->argv[1];

    if (check_arg(c, prefix, 0) != 0 ||
        cmd_check_subscriptions(c, SUB_KEYWATCH, 1, 2) != 0) {
        return;
    }
    if (c->argc == 4 && slice_eq_nocase(c->argv[2], "from")) {
        if (!slice_to_u64(c->argv[3], &from) || from == 0) {
            reply_error(&c->p->reply, "ERR", "FROM needs a revision >= 1");
            return;
        }
        if (from <= now_rev && !history_seek(h, from, &cursor)) {
            reply_error(&c->p->reply, "COMPACTED",
                        "%llu revision %llu is older than the history this "
                        "node retains; re-read, then watch FROM %llu or later",
                        (unsigned long long)h->compact_rev + 1,
                        (unsigned long long)from,
                        (unsigned long long)h->compact_rev + 1);
            return;
        }
    } else if (c->argc != 2) {
        reply_error(&c->p->reply, "ERR", "syntax error");
        return;
    }
    if (!subs_add(&c->session->subs, SUB_KEYWATCH, prefix, cursor, from)) {
        reply_error(&c->p->reply, "ERR",
                    "this connection already watches that prefix; "
                    "KEYUNWATCH it first");
        return;
    }
    keywatch_reply(c, prefix, from);
}

/* Remove the named subscriptions of @kind, or all of them: one
 * [@verb, name, count] per removal, or [@verb, nil, count] if none. */
void cmd_unsubscribe_kind(struct call *c, int kind, const char *verb)
{
    struct subs *subs = &c->session->subs;
    struct buf *b = &c->p->reply;
    const struct sub *x;

    for (size_t i = 1; i < c->argc; i++) {
        subs_remove(subs, (enum sub_kind)kind, c->argv[i]);
        reply_array(b, 3);
        reply_bulk_str(b, verb);
        reply_bulk(b, c->argv[i].base, c->argv[i].len);
        reply_int(b, (long long)subs_count(subs));
    }
    if (c->argc > 1) {
        return;
    }
    if ((x = subs_first(subs, (enum sub_kind)kind)) == NULL) {
        reply_array(b, 3);
        reply_bulk_str(b, verb);
        reply_null(b);
        reply_int(b, (long long)subs_count(subs));
        return;
    }
    while ((x = subs_first(subs, (enum sub_kind)kind)) != NULL) {
        struct buf name;
        buf_init(&name);
        buf_append(&name, x->arg, x->arg_len);
        subs_remove(subs, (enum sub_kind)kind,
                    (struct slice){ name.base, name.len });
        reply_array(b, 3);
        reply_bulk_str(b, verb);
        reply_bulk(b, name.base, name.len);
        reply_int(b, (long long)subs_count(subs));
        buf_close(&name);
    }
}

void cmd_keyunwatch(struct call *c)
{
    cmd_unsubscribe_kind(c, SUB_KEYWATCH, "keyunwatch");
}

/* SUBSCRIBE / PSUBSCRIBE: live notifications from now on, as in Redis;
 * subscribing twice confirms again and changes nothing. */
static void subscribe(struct call *c, enum sub_kind kind, const char *verb)
{
    struct subs *subs = &c->session->subs;
    uint64_t end = history_end(&c->node->feed.history);

    for (size_t i = 1; i < c->argc; i++) {
        if (check_arg(c, c->argv[i], CHANNEL_OVERHEAD) != 0) {
            return;
        }
    }
    if (cmd_check_subscriptions(c, kind, 1, c->argc) != 0) {
        return;
    }
    for (size_t i = 1; i < c->argc; i++) {
        subs_add(subs, kind, c->argv[i], end, 0);
        reply_array(&c->p->reply, 3);
        reply_bulk_str(&c->p->reply, verb);
        reply_bulk(&c->p->reply, c->argv[i].base, c->argv[i].len);
        reply_int(&c->p->reply, (long long)subs_count(subs));
    }
}

void cmd_subscribe(struct call *c)
{
    subscribe(c, SUB_CHANNEL, "subscribe");
}

void cmd_psubscribe(struct call *c)
{
    subscribe(c, SUB_PATTERN, "psubscribe");
}

void cmd_unsubscribe(struct call *c)
{
    cmd_unsubscribe_kind(c, SUB_CHANNEL, "unsubscribe");
}

void cmd_punsubscribe(struct call *c)
{
    cmd_unsubscribe_kind(c, SUB_PATTERN, "punsubscribe");
}

void cmd_publish(struct call *c)
{
    reply_error(&c->p->reply, "ERR",
                "PUBLISH is not supported: scalekeeper publishes keyspace "
                "notifications only (SUBSCRIBE __keyspace@0__:<key>, or "
                "KEYWATCH for a resumable feed)");
}

/* RESET: back to a fresh connection's state, as Redis' RESET. */
void cmd_reset(struct call *c)
{
    struct session *s = c->session;
    const struct sub *x;

    session_reset_txn(s); /* MULTI and the WATCHed keys */
    s->readonly = false;
    while ((x = subs_first(&s->subs, SUB_KEYWATCH)) != NULL ||
           (x = subs_first(&s->subs, SUB_CHANNEL)) != NULL ||
           (x = subs_first(&s->subs, SUB_PATTERN)) != NULL ||
           (x = subs_first(&s->subs, SUB_OBSERVE)) != NULL) {
        struct buf name;
        enum sub_kind kind = x->kind;
        buf_init(&name);
        buf_append(&name, x->arg, x->arg_len);
        subs_remove(&s->subs, kind, (struct slice){ name.base, name.len });
        buf_close(&name);
    }
    reply_simple(&c->p->reply, "RESET");
}

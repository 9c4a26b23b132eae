/* Elections with fencing (proto/PROTOCOL.md §3.8): ELECTION.CAMPAIGN,
 * ELECTION.LEADER, ELECTION.RESIGN, ELECTION.WITHDRAW, ELECTION.OBSERVE,
 * ELECTION.UNOBSERVE and FENCE.
 *
 * A campaign is a log entry that queues the candidate, bound to a lease.
 * The state machine replies [token, campaign revision]; the node the client
 * is connected to turns that into the client's reply: the token at once if
 * the candidate leads (or :0 with NOWAIT if it does not), else the
 * connection blocks and waits on this node's applied state until the
 * candidate leads, or its candidacy ends. A blocked campaign whose
 * connection closes is withdrawn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/handlers.h"
#include "cmd/session.h"
#include "fsm/entry.h"
#include "fsm/txn.h"
#include "lib/mem.h"
#include "node/node.h"
#include "resp/reply.h"

struct campaign_wait {
    struct session *session;
    struct pending *p;
    struct feed_consumer consumer; /* registered while waiting to lead */
    char *name;                    /* owned */
    size_t name_len;
    uint64_t lease;
    uint64_t campaign_rev; /* known once the campaign is applied */
    bool nowait;
};

static int check_name(struct call *c, struct slice name)
{
    if (name.len > c->node->cfg->max_key_bytes) {
        reply_error(&c->p->reply, "ERR",
                    "election name of %zu bytes exceeds the limit of %zu "
                    "bytes",
                    name.len, c->node->cfg->max_key_bytes);
        return -1;
    }
    return 0;
}

static int number_arg(struct call *c, size_t i, const char *what)
{
    uint64_t v;

    if (!slice_to_u64(c->argv[i], &v) || v == 0) {
        reply_error(&c->p->reply, "ERR", "%s must be a number >= 1", what);
        return -1;
    }
    return 0;
}

static void wait_free(struct campaign_wait *w)
{
    feed_unregister(&w->session->node->feed, &w->consumer);
    w->session->campaign = NULL;
    mem_free(w->name);
    mem_free(w);
}

/* The client's reply is complete: send it and take requests again. */
static void finish(struct campaign_wait *w)
{
    struct session *s = w->session;
    struct pending *p = w->p;

    wait_free(w);
    p->done = true;
    p->cb = session_pending_ready;
    session_pending_ready(p);
    session_unblock(s);
}

/* Decide on this node's state, once it has applied the campaign. */
static void check(struct campaign_wait *w)
{
    const struct fsm *f = &w->session->node->fsm;
    const struct election *el;
    long i;

    if (f->revision < w->campaign_rev) {
        return;
    }
    el = election_get(&f->elections, w->name, w->name_len);
    i = el != NULL ? election_find(el, w->lease) : -1;
    if (i == 0) {
        reply_int(&w->p->reply, (long long)el->leader_rev);
        finish(w);
    } else if (i < 0) {
        reply_error(&w->p->reply, "ERR",
                    "the candidacy ended before it won (its lease ended, or "
                    "it was withdrawn)");
        finish(w);
    }
}

static void wake(struct feed_consumer *c)
{
    check((struct campaign_wait *)(void *)((char *)c -
                                           offsetof(struct campaign_wait,
                                                    consumer)));
}

/* The state machine's [token, campaign revision] arrived (or an error). */
static void campaign_replied(struct pending *p)
{
    struct session *s = p->owner;
    struct campaign_wait *w = s->campaign;
    const char *r = p->reply.base;
    long long token;
    const char *rev;

    if (p->reply.len < 5 || memcmp(r, "*2\r\n:", 5) != 0) {
        finish(w); /* an error reply: passed on as it is */
        return;
    }
    token = strtoll(r + 5, NULL, 10);
    rev = memchr(r + 5, ':', p->reply.len - 5);
    w->campaign_rev = rev != NULL ? strtoull(rev + 1, NULL, 10) : 0;
    buf_reset(&p->reply);
    if (token != 0 || w->nowait) {
        reply_int(&p->reply, token);
        finish(w);
        return;
    }
    p->done = false; /* held until the candidate leads */
    feed_register(&s->node->feed, &w->consumer);
    check(w);
}

/* ELECTION.CAMPAIGN name value LEASE id [NOWAIT] */
void cmd_campaign(struct call *c)
{
    struct session *s = c->session;
    struct campaign_wait *w;
    bool nowait = c->argc == 6;
    uint64_t lease;

    if (!slice_eq_nocase(c->argv[3], "lease") ||
        (nowait && !slice_eq_nocase(c->argv[5], "nowait")) || c->argc > 6) {
        reply_error(&c->p->reply, "ERR", "syntax error");
        return;
    }
    if (check_name(c, c->argv[1]) != 0 || number_arg(c, 4, "lease id") != 0) {
        return;
    }
    if (c->argv[2].len > c->node->cfg->max_value_bytes) {
        reply_error(&c->p->reply, "ERR",
                    "value of %zu bytes exceeds the limit of %zu bytes",
                    c->argv[2].len, c->node->cfg->max_value_bytes);
        return;
    }
    c->async = true;
    if (s->is_peer) {
        /* Relayed: the follower's node does the waiting. */
        session_serve(c, ENTRY_OP_CAMPAIGN, NULL);
        return;
    }
    slice_to_u64(c->argv[4], &lease);
    w = mem_calloc(1, sizeof *w);
    w->session = s;
    w->p = c->p;
    w->name = mem_strndup(c->argv[1].base, c->argv[1].len);
    w->name_len = c->argv[1].len;
    w->lease = lease;
    w->nowait = nowait;
    w->consumer.wake = wake;
    s->campaign = w;
    s->blocked = true;
    c->p->cb = campaign_replied;
    session_serve(c, ENTRY_OP_CAMPAIGN, NULL);
}

static void detached_done(struct pending *p)
{
    pending_free(p);
}

void cmd_campaign_cancel(struct session *s)
{
    struct campaign_wait *w = s->campaign;
    struct node *n = s->node;
    char lease[24];
    struct slice argv[3];

    if (w == NULL) {
        return;
    }
    /* Best effort: if this is lost, the lease's end removes the
     * candidacy. A reply held while waiting to lead is complete as far as
     * anyone will know, so the session frees it with the others. */
    if (w->consumer.registered) {
        w->p->done = true;
    }
    if (!n->closing) {
        snprintf(lease, sizeof lease, "%llu", (unsigned long long)w->lease);
        argv[0] = (struct slice){ "ELECTION.WITHDRAW", 17 };
        argv[1] = (struct slice){ w->name, w->name_len };
        argv[2] = (struct slice){ lease, strlen(lease) };
        session_serve_detached(n, ENTRY_OP_WITHDRAW, 3, argv,
                               pending_new(detached_done, NULL));
    }
    wait_free(w);
}

/* ELECTION.LEADER name: [name, value, token, lease, candidates] as a
 * field/value array, or a null array while nobody leads. */
void cmd_election_leader(struct node *n,
                         size_t argc,
                         const struct slice *argv,
                         struct buf *reply)
{
    const struct election *el =
        election_get(&n->fsm.elections, argv[1].base, argv[1].len);
    const struct election_candidate *leader =
        el != NULL ? election_leader(el) : NULL;

    (void)argc;
    if (leader == NULL) {
        reply_null_array(reply);
        return;
    }
    reply_array(reply, 10);
    reply_bulk_str(reply, "name");
    reply_bulk(reply, el->name, el->name_len);
    reply_bulk_str(reply, "value");
    reply_bulk(reply, leader->value, leader->value_len);
    reply_bulk_str(reply, "token");
    reply_int(reply, (long long)el->leader_rev);
    reply_bulk_str(reply, "lease");
    reply_int(reply, (long long)leader->lease);
    reply_bulk_str(reply, "candidates");
    reply_int(reply, (long long)el->n_cands);
}

int cmd_check_election(struct call *c)
{
    return check_name(c, c->argv[1]);
}

/* ELECTION.RESIGN name token */
int cmd_resign(struct call *c, uint8_t *op)
{
    if (check_name(c, c->argv[1]) != 0 ||
        number_arg(c, 2, "fencing token") != 0) {
        return -1;
    }
    *op = ENTRY_OP_RESIGN;
    return 0;
}

/* ELECTION.WITHDRAW name lease */
int cmd_withdraw(struct call *c, uint8_t *op)
{
    if (check_name(c, c->argv[1]) != 0 || number_arg(c, 2, "lease id") != 0) {
        return -1;
    }
    *op = ENTRY_OP_WITHDRAW;
    return 0;
}

/* FENCE name token command [arg ...]: the command must be one a transaction
 * may hold, with its limits. */
int cmd_fence(struct call *c, uint8_t *op)
{
    struct txn_limits limits = { .max_key_bytes = c->node->cfg->max_key_bytes,
                                 .max_value_bytes =
                                     c->node->cfg->max_value_bytes };
    char errmsg[SK_ERRMSG_SIZE];

    if (check_name(c, c->argv[1]) != 0 ||
        number_arg(c, 2, "fencing token") != 0) {
        return -1;
    }
    if (txn_check_command(c->argc - 3, c->argv + 3, &limits, errmsg) != 0) {
        reply_error(&c->p->reply, "ERR", "FENCE: %s", errmsg);
        return -1;
    }
    *op = ENTRY_OP_FENCE;
    return 0;
}

/* ["leader", name, value or nil, token, lease] from this node's state. */
static void current_leader(struct node *n, struct slice name, struct buf *b)
{
    const struct election *el =
        election_get(&n->fsm.elections, name.base, name.len);
    const struct election_candidate *leader =
        el != NULL ? election_leader(el) : NULL;

    reply_array(b, 5);
    reply_bulk_str(b, "leader");
    reply_bulk(b, name.base, name.len);
    if (leader != NULL) {
        reply_bulk(b, leader->value, leader->value_len);
    } else {
        reply_null(b);
    }
    reply_int(b, leader != NULL ? (long long)el->leader_rev : 0);
    reply_int(b, leader != NULL ? (long long)leader->lease : 0);
}

/* ELECTION.OBSERVE name [name ...]: per name ["observe", name, count], then
 * its current leader, then a message at every change of leader. */
void cmd_observe(struct call *c)
{
    struct subs *subs = &c->session->subs;
    uint64_t end = history_end(&c->node->feed.history);

    for (size_t i = 1; i < c->argc; i++) {
        if (check_name(c, c->argv[i]) != 0) {
            return;
        }
    }
    if (cmd_check_subscriptions(c, SUB_OBSERVE, 1, c->argc) != 0) {
        return;
    }
    for (size_t i = 1; i < c->argc; i++) {
        subs_add(subs, SUB_OBSERVE, c->argv[i], end, 0);
        reply_array(&c->p->reply, 3);
        reply_bulk_str(&c->p->reply, "observe");
        reply_bulk(&c->p->reply, c->argv[i].base, c->argv[i].len);
        reply_int(&c->p->reply, (long long)subs_count(subs));
        current_leader(c->node, c->argv[i], &c->p->reply);
    }
}

void cmd_unobserve(struct call *c)
{
    cmd_unsubscribe_kind(c, SUB_OBSERVE, "unobserve");
}

/* The leader's lease clocks; see lessor.h for the safety argument.
 *
 * Happy path on the leader: a grant applied here starts a clock at its
 * TTL; each confirmed keepalive restarts it; a clock that runs out is
 * proposed as LEASE_EXPIRE, and the lease's removal, once applied, drops
 * the clock. Leases not renewed for a while get a checkpoint of their
 * remaining TTL, so that a next leader does not grant them a full TTL
 * again. Failure modes: an expiry or checkpoint that does not commit
 * (leadership lost) is retried by the next leader from its own clocks. */
#include "node/lessor.h"

#include <stdio.h>
#include <string.h>

#include "fsm/entry.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "node/node.h"

/* Leases named in one expiry or checkpoint command. */
#define LESSOR_MAX_PER_COMMAND 1000

struct lessor_clock {
    uint64_t expiry_ms;
    uint64_t renewed_ms;
    bool expiring; /* an expiry naming it is in flight */
};

/* An expiry or checkpoint in flight: what to undo if it fails. */
struct lessor_proposal {
    struct lessor *l;
    bool is_checkpoint;
    size_t n;
    uint64_t ids[LESSOR_MAX_PER_COMMAND];
};

void lessor_init(struct lessor *l, struct node *n)
{
    memset(l, 0, sizeof *l);
    l->node = n;
    u64map_init(&l->clocks);
}

static void clear_clocks(struct lessor *l)
{
    size_t pos = 0;
    const struct u64map_slot *s;

    while ((s = u64map_next(&l->clocks, &pos)) != NULL) {
        mem_free(s->value);
    }
    u64map_close(&l->clocks);
}

void lessor_close(struct lessor *l)
{
    clear_clocks(l);
    l->active = false;
    l->leading = false;
}

void lessor_reset(struct lessor *l)
{
    clear_clocks(l);
    l->active = false;
}

static uint64_t durable_ms(const struct lease *lease)
{
    return lease->ckpt_ms != 0 ? lease->ckpt_ms : lease->ttl_s * 1000;
}

static struct lessor_clock *
start_clock(struct lessor *l, uint64_t id, uint64_t expiry_ms, uint64_t now)
{
    struct lessor_clock *c = u64map_get(&l->clocks, id);

    if (c == NULL) {
        c = mem_calloc(1, sizeof *c);
        u64map_put(&l->clocks, id, c);
    }
    c->expiry_ms = expiry_ms;
    c->renewed_ms = now;
    c->expiring = false;
    return c;
}

void lessor_leadership(struct lessor *l, bool leader)
{
    clear_clocks(l);
    l->active = false;
    l->leading = leader;
    l->checkpoint_inflight = false;
    if (leader) {
        l->lead_index = raft_last_index(&l->node->raft);
    }
}

/* Take over the clocks once every entry of earlier terms is applied: each
 * lease gets its checkpointed remaining TTL plus one election timeout. */
static bool activate(struct lessor *l)
{
    struct node *n = l->node;
    uint64_t now = node_now_ms(n);
    uint64_t grace = n->cfg->election_timeout_ms;
    const struct u64map_slot *s;
    size_t pos = 0;

    if (l->active) {
        return true;
    }
    if (!l->leading || !node_is_leader(n) ||
        raft_last_applied(&n->raft) < l->lead_index) {
        return false;
    }
    while ((s = u64map_next(&n->fsm.leases.by_id, &pos)) != NULL) {
        const struct lease *lease = s->value;
        start_clock(l, lease->id, now + durable_ms(lease) + grace, now);
    }
    l->active = true;
    l->next_checkpoint_ms = now + n->cfg->lease_checkpoint_ms;
    l->stats.activations++;
    log_info("lease clocks started for %zu leases (grace %llu ms)",
             lease_count(&n->fsm.leases), (unsigned long long)grace);
    return true;
}

void lessor_lease_changed(struct lessor *l,
                          enum fsm_lease_change change,
                          const struct lease *lease)
{
    uint64_t now;

    if (!l->active) {
        return;
    }
    now = node_now_ms(l->node);
    switch (change) {
    case FSM_LEASE_GRANTED:
    case FSM_LEASE_RENEWED:
        start_clock(l, lease->id, now + lease->ttl_s * 1000, now);
        if (change == FSM_LEASE_RENEWED) {
            l->stats.keepalives++;
        }
        break;
    case FSM_LEASE_REMOVED:
        mem_free(u64map_del(&l->clocks, lease->id));
        break;
    }
}

int lessor_keepalive(struct lessor *l, uint64_t id, uint64_t *ttl_s)
{
    const struct lease *lease = lease_get(&l->node->fsm.leases, id);
    struct lessor_clock *c;
    uint64_t now;

    if (lease == NULL) {
        return SK_ENOLEASE;
    }
    if (lease->ckpt_ms != 0) {
        return SK_ERETRY;
    }
    *ttl_s = lease->ttl_s;
    if (!activate(l)) {
        /* Leadership moved after the commit that confirmed this keepalive:
         * the log says full TTL, which the next leader honours. */
        return 0;
    }
    now = node_now_ms(l->node);
    c = u64map_get(&l->clocks, id);
    if (c != NULL && (c->expiring || now >= c->expiry_ms)) {
        return SK_ENOLEASE; /* its expiry is decided; it cannot come back */
    }
    start_clock(l, id, now + lease->ttl_s * 1000, now);
    l->stats.keepalives++;
    return 0;
}

uint64_t lessor_remaining_ms(struct lessor *l, const struct lease *lease)
{
    const struct lessor_clock *c;
    uint64_t now;

    if (!activate(l) || (c = u64map_get(&l->clocks, lease->id)) == NULL) {
        return durable_ms(lease);
    }
    now = node_now_ms(l->node);
    return c->expiry_ms > now ? c->expiry_ms - now : 0;
}

static void proposal_done(struct pending *p)
{
    struct lessor_proposal *x = p->owner;
    struct lessor *l = x->l;

    if (p->reply.len == 0 || p->reply.base[0] == '-') {
        /* Not applied (or unknown): let the clocks decide again. */
        for (size_t i = 0; i < x->n && !x->is_checkpoint; i++) {
            struct lessor_clock *c = u64map_get(&l->clocks, x->ids[i]);
            if (c != NULL) {
                c->expiring = false;
            }
        }
        log_debug("lease %s not applied: %.*s",
                  x->is_checkpoint ? "checkpoint" : "expiry",
                  (int)(p->reply.len > 2 ? p->reply.len - 2 : 0),
                  p->reply.base);
    }
    if (x->is_checkpoint) {
        l->checkpoint_inflight = false;
    }
    mem_free(x);
    pending_free(p);
}

/* Propose @op with @argc decimal arguments held in @text. */
static void propose(struct lessor *l,
                    uint8_t op,
                    struct lessor_proposal *x,
                    const struct buf *text,
                    const size_t *offsets,
                    size_t argc)
{
    struct slice *argv = mem_calloc(argc, sizeof *argv);
    struct pending *p = pending_new(proposal_done, x);

    for (size_t i = 0; i < argc; i++) {
        size_t end = i + 1 < argc ? offsets[i + 1] : text->len;
        argv[i] = (struct slice){ text->base + offsets[i], end - offsets[i] };
    }
    propose_submit(&l->node->propose, op, argc, argv, p);
    mem_free(argv);
}

static void add_number(struct buf *text, size_t *offsets, size_t i, uint64_t v)
{
    offsets[i] = text->len;
    buf_printf(text, "%llu", (unsigned long long)v);
}

static struct lessor_proposal *proposal_new(struct lessor *l, bool checkpoint)
{
    struct lessor_proposal *x = mem_calloc(1, sizeof *x);

    x->l = l;
    x->is_checkpoint = checkpoint;
    return x;
}

/* Propose the expiry of every clock that ran out, in commands of at most
 * LESSOR_MAX_PER_COMMAND leases. */
static void expire_due(struct lessor *l, uint64_t now)
{
    size_t offsets[LESSOR_MAX_PER_COMMAND];
    struct lessor_proposal *x = proposal_new(l, false);
    struct buf text;
    const struct u64map_slot *s;
    size_t pos = 0;

    buf_init(&text);
    while ((s = u64map_next(&l->clocks, &pos)) != NULL) {
        struct lessor_clock *c = s->value;
        if (c->expiring || now < c->expiry_ms) {
            continue;
        }
        c->expiring = true;
        add_number(&text, offsets, x->n, s->key);
        x->ids[x->n++] = s->key;
        l->stats.expired++;
        if (x->n == LESSOR_MAX_PER_COMMAND) {
            propose(l, ENTRY_OP_LEASE_EXPIRE, x, &text, offsets, x->n);
            buf_reset(&text);
            x = proposal_new(l, false);
        }
    }
    if (x->n > 0) {
        propose(l, ENTRY_OP_LEASE_EXPIRE, x, &text, offsets, x->n);
    } else {
        mem_free(x);
    }
    buf_close(&text);
}

/* Checkpoint the leases nobody renewed for max(interval, TTL / 2) whose
 * remaining TTL is well below what the log holds (one command, at most
 * LESSOR_MAX_PER_COMMAND leases; the rest wait for the next interval). */
static void checkpoint_idle(struct lessor *l, uint64_t now)
{
    uint64_t interval = l->node->cfg->lease_checkpoint_ms;
    size_t offsets[2 * LESSOR_MAX_PER_COMMAND];
    struct lessor_proposal *x = proposal_new(l, true);
    struct buf text;
    const struct u64map_slot *s;
    size_t pos = 0;

    buf_init(&text);
    while (x->n < LESSOR_MAX_PER_COMMAND &&
           (s = u64map_next(&l->clocks, &pos)) != NULL) {
        const struct lessor_clock *c = s->value;
        const struct lease *lease = lease_get(&l->node->fsm.leases, s->key);
        uint64_t idle_ms;
        uint64_t remaining;

        if (lease == NULL || c->expiring || now >= c->expiry_ms) {
            continue;
        }
        idle_ms = lease->ttl_s * 500 > interval ? lease->ttl_s * 500 : interval;
        remaining = c->expiry_ms - now;
        if (now - c->renewed_ms < idle_ms ||
            remaining + interval >= durable_ms(lease)) {
            continue;
        }
        add_number(&text, offsets, 2 * x->n, s->key);
        add_number(&text, offsets, 2 * x->n + 1, remaining);
        x->ids[x->n++] = s->key;
    }
    if (x->n > 0) {
        l->checkpoint_inflight = true;
        l->stats.checkpoints++;
        propose(l, ENTRY_OP_LEASE_CHECKPOINT, x, &text, offsets, 2 * x->n);
    } else {
        mem_free(x);
    }
    buf_close(&text);
}

void lessor_tick(struct lessor *l)
{
    struct node *n = l->node;
    uint64_t now;

    if (!activate(l)) {
        return;
    }
    now = node_now_ms(n);
    expire_due(l, now);
    if (now >= l->next_checkpoint_ms && !l->checkpoint_inflight) {
        checkpoint_idle(l, now);
        l->next_checkpoint_ms = now + n->cfg->lease_checkpoint_ms;
    }
}

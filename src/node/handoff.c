/* Leadership hand-off before shutdown (see handoff.h). raft_transfer(0)
 * lets the library pick a voter that is up to date and send it TimeoutNow;
 * its callback fires once that voter leads, or after an election timeout.
 * The library does not call back when this node steps down for lack of a
 * majority (the other nodes stopping too), so the poll also ends a hand-off
 * once this node no longer leads. Requests held meanwhile are answered by
 * the shutdown that follows (-ERR node shutting down: never appended, safe
 * to retry) or, once another node leads, with -TRYAGAIN. */
#include "node/handoff.h"

#include "lib/log.h"
#include "node/node.h"

#define HANDOFF_ATTEMPTS 2

void handoff_init(struct handoff *h, struct node *n)
{
    *h = (struct handoff){ .node = n };
}

static void finish(struct handoff *h)
{
    struct node *n = h->node;
    handoff_cb cb = h->cb;
    uint64_t leader = 0;

    h->running = false;
    h->cb = NULL;
    if (node_leader(n, &leader, NULL) == 0 && leader != n->cfg->id) {
        n->stats.leadership_transfers++;
        log_info("leadership handed to n%llu in %llu ms",
                 (unsigned long long)leader,
                 (unsigned long long)(node_now_ms(n) - h->started_ms));
    } else {
        log_warn("leadership not handed over after %llu ms (%u attempts)",
                 (unsigned long long)(node_now_ms(n) - h->started_ms),
                 h->attempts);
    }
    if (cb != NULL) {
        cb(n);
    }
}

static void transfer_cb(struct raft_transfer *req)
{
    struct handoff *h = req->data;

    /* The next handoff_poll() (this loop iteration's end) goes on from
     * here: calling raft_transfer() again from inside its own callback
     * would lean on the library's order of clean-up. */
    h->transferring = false;
}

static void transfer(struct handoff *h)
{
    struct node *n = h->node;
    int rv;

    h->attempts++;
    h->req.data = h;
    rv = raft_transfer(&n->raft, &h->req, 0, transfer_cb);
    if (rv != 0) {
        log_warn("cannot hand leadership over: %s", raft_strerror(rv));
        h->attempts = HANDOFF_ATTEMPTS; /* a refusal does not change */
        return;
    }
    h->transferring = true;
}

static bool over_time(const struct handoff *h)
{
    return node_now_ms(h->node) - h->started_ms >
           2 * h->node->cfg->election_timeout_ms;
}

void handoff_poll(struct handoff *h)
{
    struct node *n = h->node;

    if (!h->running) {
        return;
    }
    if (!node_is_leader(n)) {
        /* Handed over or deposed: done once the new leader is known (it
         * is, one heartbeat later), or when time is up. */
        uint64_t leader = 0;
        if (node_leader(n, &leader, NULL) == 0 || over_time(h)) {
            finish(h);
        }
        return;
    }
    if (over_time(h) || (!h->transferring && h->attempts >= HANDOFF_ATTEMPTS)) {
        finish(h);
        return;
    }
    if (!h->transferring && n->propose.n_inflight == 0) {
        transfer(h); /* the log stands still: its end is the target's */
    }
}

void handoff_start(struct handoff *h, handoff_cb cb)
{
    struct node *n = h->node;

    if (h->running) {
        return;
    }
    if (!node_is_leader(n) || n->raft.configuration.n < 2) {
        cb(n);
        return;
    }
    h->cb = cb;
    h->started_ms = node_now_ms(n);
    h->attempts = 0;
    h->running = true;
    log_info("handing leadership over before shutting down");
    handoff_poll(h);
}

bool handoff_holds_entries(const struct handoff *h)
{
    return h->running;
}

void handoff_abandon(struct handoff *h)
{
    h->cb = NULL;
    h->running = false;
}

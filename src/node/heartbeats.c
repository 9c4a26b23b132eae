/* The leader's heartbeat monitor; see heartbeats.h. */
#include "node/heartbeats.h"

#include <string.h>

#include "node/node.h"
#include "scaling/health.h"

void heartbeats_init(struct heartbeats *h, struct node *n)
{
    memset(h, 0, sizeof *h);
    h->node = n;
    u64map_init(&h->last);
    u64map_init(&h->judging);
}

void heartbeats_close(struct heartbeats *h)
{
    u64map_close(&h->last);
    u64map_close(&h->judging);
    h->active = false;
}

void heartbeats_start(struct heartbeats *h, uint64_t now_ms)
{
    heartbeats_close(h);
    u64map_init(&h->last);
    u64map_init(&h->judging);
    h->active = true;
    h->since_ms = now_ms;
}

void heartbeats_stop(struct heartbeats *h)
{
    heartbeats_close(h);
    u64map_init(&h->last);
    u64map_init(&h->judging);
}

void heartbeats_beat(struct heartbeats *h, uint64_t id, uint64_t now_ms)
{
    if (h->active) {
        u64map_put(&h->last, id, (void *)(uintptr_t)now_ms);
        h->beats++;
    }
}

size_t heartbeats_due(struct heartbeats *h,
                      uint64_t wall_ms,
                      uint64_t now_ms,
                      uint64_t *ids,
                      size_t max)
{
    const struct scaling *s = &h->node->fsm.scaling;
    struct health_clock c = { .now_ms = wall_ms,
                              .mono_ms = now_ms,
                              .leading_since_ms = h->since_ms,
                              .grace_ms = h->node->cfg->election_timeout_ms };
    size_t n = 0;

    if (!h->active) {
        return 0;
    }
    for (size_t gi = 0; gi < s->n_groups && n < max; gi++) {
        const struct group *g = s->groups[gi];
        if (g->heartbeat_ttl_s == 0) {
            continue;
        }
        for (size_t i = 0; i < g->n_instances && n < max; i++) {
            const struct instance *in = g->instances[i];
            bool due;
            c.last_beat_ms = (uint64_t)(uintptr_t)u64map_get(&h->last, in->id);
            health_deadline(in, g->heartbeat_ttl_s, &c, &due);
            if (due && u64map_get(&h->judging, in->id) == NULL) {
                u64map_put(&h->judging, in->id, (void *)1);
                ids[n++] = in->id;
            }
        }
    }
    return n;
}

void heartbeats_judged(struct heartbeats *h, uint64_t id)
{
    u64map_del(&h->judging, id);
}

/* The leader's heartbeat monitor: when each instance last sent
 * INSTANCE.HEARTBEAT, kept in memory only (a heartbeat is a read that rides
 * on the next log entry, as a lease keepalive is: no disk write of its
 * own). The controller asks it which instances to declare Unhealthy
 * (scaling/health.h: after the grace period, TTL without a heartbeat, and
 * never before one election timeout after this leader took over). */
#ifndef SK_HEARTBEATS_H
#define SK_HEARTBEATS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/u64map.h"

struct node;

struct heartbeats {
    struct node *node;
    struct u64map last;    /* instance id -> monotonic ms of its last one */
    struct u64map judging; /* instance ids with a verdict being proposed */
    bool active;
    uint64_t since_ms; /* monotonic ms when this leader's monitor started */
    uint64_t beats;    /* heartbeats recorded as leader */
};

void heartbeats_init(struct heartbeats *h, struct node *n);
void heartbeats_close(struct heartbeats *h);

/* Start (this node leads and its controller took over) or stop. Times
 * given to these functions are on the monotonic clock, except @wall_ms. */
void heartbeats_start(struct heartbeats *h, uint64_t now_ms);
void heartbeats_stop(struct heartbeats *h);

/* Record a heartbeat of @id now. */
void heartbeats_beat(struct heartbeats *h, uint64_t id, uint64_t now_ms);

/* Fill @ids (room for @max) with the instances to declare Unhealthy now
 * and mark them as being judged; returns how many. */
size_t heartbeats_due(struct heartbeats *h,
                      uint64_t wall_ms,
                      uint64_t now_ms,
                      uint64_t *ids,
                      size_t max);

/* The verdict on @id was applied or failed: it may be judged again. */
void heartbeats_judged(struct heartbeats *h, uint64_t id);

#endif

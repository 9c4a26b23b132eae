/* Heartbeat health checks (docs/scaling.md §5): whether an instance that
 * has not been heard from is to be declared Unhealthy now. Pure: the
 * leader's heartbeat monitor (node/heartbeats.h) asks, tests check every
 * rule. All times are wall-clock milliseconds. */
#ifndef SK_HEALTH_H
#define SK_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "scaling/instance.h"

/* Two clocks: the wall clock, which the grace periods in the log are
 * written in, and this leader's monotonic clock, which its heartbeats and
 * its start are measured on, so that a step of the wall clock (NTP) never
 * makes heartbeats look late. */
struct health_clock {
    uint64_t now_ms;           /* wall clock */
    uint64_t mono_ms;          /* monotonic clock, now */
    uint64_t last_beat_ms;     /* monotonic: last heartbeat seen, 0: none */
    uint64_t leading_since_ms; /* monotonic: this leader's monitor started */
    uint64_t grace_ms;         /* a new leader's grace: an election timeout */
};

/* With the group's heartbeat TTL set, an InService Healthy instance is
 * Unhealthy once TTL has passed since the latest of: its last heartbeat,
 * the end of its grace period, and this leader's start plus one election
 * timeout. Returns the wall-clock time that happens (0 if it cannot: no
 * TTL, or not an instance that is checked); *due says whether it has. */
uint64_t health_deadline(const struct instance *in,
                         uint32_t heartbeat_ttl_s,
                         const struct health_clock *c,
                         bool *due);

#endif

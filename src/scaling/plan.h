/* The controller's decisions for one group (docs/scaling.md §4): what to
 * launch or terminate next, and why, from the replicated state and a time.
 * Pure: the leader's controller acts on it, GROUP.EXPLAIN shows it, unit
 * tests check every rule without a cluster.
 *
 * Rules, in order: a group being deleted terminates everything; Unhealthy
 * InService instances are terminated to be replaced, at most max(1, 10% of
 * desired) at a time, ignoring cooldown and protection; a termination that
 * failed is tried again after the backoff; then, unless a
 * desired change made with HONORCOOLDOWN waits for the cooldown, capacity
 * (InService + Pending) is brought to desired: launches into the zone with
 * the fewest instances, terminations from the zone with the most instances
 * that has an unprotected one, chosen there by the termination policies. */
#ifndef SK_PLAN_H
#define SK_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "scaling/state.h"

#define PLAN_CAUSE_MAX 512

enum plan_kind {
    PLAN_LAUNCH = 1,
    PLAN_TERMINATE = 2,
    PLAN_REMOVE_GROUP = 3, /* a deleted group is empty: remove it */
};

struct plan_action {
    uint8_t kind;
    const char *zone;  /* launch: the zone; borrowed from the group */
    uint64_t instance; /* terminate: the instance */
    bool replace;      /* part of a health replacement: the termination of an
                          Unhealthy instance, or the launch that replaces it */
    char cause[PLAN_CAUSE_MAX];
};

struct plan {
    struct plan_action *actions; /* owned */
    size_t n;
    size_t cap;
    char summary[1024];        /* one paragraph for GROUP.EXPLAIN */
    uint64_t blocked_until_ms; /* nonzero: nothing more before then */
};

/* At most @max_actions actions are planned. Launches and retried
 * terminations wait for the group's backoff (retry_after_ms). */
struct plan_input {
    uint64_t now_ms;
    size_t max_actions;
};

void plan_init(struct plan *p);
void plan_close(struct plan *p);

/* Decide for @g; @p is reset first. */
void plan_group(const struct scaling *s,
                const struct group *g,
                const struct plan_input *in,
                struct plan *p);

/* "2026-12-01T09:00:00Z" for @ms, into @out (at least 24 bytes). */
void plan_format_time(uint64_t ms, char *out);

#endif

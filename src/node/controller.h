/* The scaling controller, on the raft leader only (docs/scaling.md §4, §7).
 *
 * Happy path: once this node leads and has applied its predecessor's
 * entries, it claims the controller with its raft term (CTRL.CLAIM; every
 * later controller op carries the term and is refused once a newer term has
 * claimed). It then orders again every activity it finds unfinished (a new
 * token each: the same activity and instance, never a second instance for
 * the same need). It plans (scaling/plan.h) each group an applied entry
 * changed, and every group every half second. A decision is first committed as
 * an activity (CTRL.START: intent before action), then carried out by the
 * group's actuator with the activity's token, and its outcome committed
 * (CTRL.FINISH). Heartbeat verdicts come from node/heartbeats.h.
 *
 * Failure modes: leadership lost -> everything in memory is dropped; the
 * calls in flight finish but their outcomes are not proposed; the next
 * leader resumes their activities. A failed activity backs the group's
 * launches off exponentially (1 s to 60 s; kept in the replicated state,
 * scaling/group.h). */
#ifndef SK_CONTROLLER_H
#define SK_CONTROLLER_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/slice.h"
#include "lib/u64map.h"
#include "scaling/plan.h"

struct node;

struct controller_stats {
    uint64_t claims;    /* times this node took over as controller */
    uint64_t decisions; /* activities started */
    uint64_t orders;    /* activities ordered again (resumed, client's) */
    uint64_t calls;     /* actuator calls made */
    uint64_t failures;  /* actuator calls that failed */
    uint64_t verdicts;  /* instances declared unhealthy by heartbeat */
};

struct controller {
    struct node *node;
    bool leading;
    bool claiming;
    bool active; /* claimed: the controller acts */
    uint64_t term;
    uint64_t lead_index;
    bool resume_due;       /* order every unfinished activity once */
    bool dirty;            /* the state changed: plan at the iteration's end */
    bool all_dirty;        /* ... maybe of any group */
    struct u64map changed; /* group name hash -> 1: groups to plan */
    uint64_t next_sweep_ms;
    struct u64map busy;     /* group name hash -> proposals in flight */
    struct u64map ordering; /* activity id -> an order in flight */
    struct u64map calls;    /* activity id -> actuator call in flight */
    struct plan plan;
    struct controller_stats stats;
};

void controller_init(struct controller *c, struct node *n);
void controller_close(struct controller *c);

/* This node gained or lost raft leadership. */
void controller_leadership(struct controller *c, bool leader);

/* Every node tick: claim when due, sweep on time-based rules. */
void controller_tick(struct controller *c);

/* At the end of each loop iteration: plan if the state changed. */
void controller_flush(struct controller *c);

/* From the fsm observer: the auto-scaling state of @group changed (empty:
 * any group). */
void controller_changed(struct controller *c, struct slice group);

/* Wall-clock milliseconds, the time scaling decisions use. */
uint64_t controller_wall_ms(void);

#endif

/* The replicated auto-scaling state: groups, their instances and scaling
 * activities, the id counters and the controller's term. The primitives
 * here keep the per-group lists and the bounded histories consistent; the
 * ops that use them are in fsm/scaling_ops.c. Pure: no clock (times come
 * from the log entries), no I/O. */
#ifndef SK_STATE_H
#define SK_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/slice.h"
#include "lib/u64map.h"
#include "scaling/activity.h"
#include "scaling/group.h"
#include "scaling/instance.h"

/* Terminated and detached instances kept per group, the latest ones. */
#define SCALING_GONE_KEPT 100

struct scaling {
    struct group **groups; /* owned, sorted by name in byte order */
    size_t n_groups;
    size_t cap_groups;
    struct u64map instances;  /* id -> owned struct instance */
    struct u64map activities; /* id -> owned struct activity */
    uint64_t next_instance;   /* ids are never reused */
    uint64_t next_activity;
    uint64_t last_token; /* fencing tokens handed out so far */
    uint64_t ctrl_term;  /* the latest controller's raft term */
    uint64_t ctrl_node;  /* and the id of its node */
};

void scaling_init(struct scaling *s);
void scaling_close(struct scaling *s);

struct group *scaling_group(const struct scaling *s, struct slice name);

/* The index in s->groups of the first group whose name comes after @name
 * (n_groups if none), for listing in pages. */
size_t scaling_groups_after(const struct scaling *s, struct slice name);

/* Take @g into the table; false (and @g not taken) if the name exists. */
bool scaling_group_add(struct scaling *s, struct group *g);

/* Remove @g with its instances and activities. */
void scaling_group_remove(struct scaling *s, struct group *g);

struct instance *scaling_instance(const struct scaling *s, uint64_t id);

/* A new instance of @g in @zone, with the next id. */
struct instance *scaling_instance_add(struct scaling *s,
                                      struct group *g,
                                      struct slice zone,
                                      uint8_t lifecycle,
                                      uint64_t launch_ms,
                                      uint64_t activity);

/* Insert an instance with all its fields, as a snapshot restore does. */
void scaling_instance_load(struct scaling *s,
                           struct group *g,
                           struct instance *in);

/* Move @in to @lifecycle; a terminated or detached instance is kept among
 * the group's latest SCALING_GONE_KEPT gone ones. */
void scaling_instance_set_lifecycle(struct scaling *s,
                                    struct instance *in,
                                    uint8_t lifecycle);

struct activity *scaling_activity(const struct scaling *s, uint64_t id);

/* A new activity of @g with the next id, status @status. */
struct activity *scaling_activity_add(struct scaling *s,
                                      struct group *g,
                                      uint8_t kind,
                                      uint8_t status,
                                      uint64_t instance,
                                      const char *zone,
                                      const char *cause,
                                      uint64_t now_ms);

/* Insert an activity with all its fields (snapshot restore). */
void scaling_activity_load(struct scaling *s,
                           struct group *g,
                           struct activity *a);

/* Finish @a with @status and @details at @now_ms; the group's history is
 * trimmed to ACTIVITY_HISTORY finished activities, which may free @a. */
void scaling_activity_finish(struct scaling *s,
                             struct activity *a,
                             uint8_t status,
                             struct slice details,
                             uint64_t now_ms);

/* The next fencing token. */
uint64_t scaling_next_token(struct scaling *s);

/* Counts of a group's instances. */
struct scaling_counts {
    size_t pending, in_service, standby, terminating, terminated, detached;
    size_t unhealthy; /* InService and Unhealthy */
    size_t unfinished_activities;
};

void scaling_count(const struct scaling *s,
                   const struct group *g,
                   struct scaling_counts *c);

#endif

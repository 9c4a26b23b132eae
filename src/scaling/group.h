/* Auto-scaling groups (docs/scaling.md §1): the replicated record of each
 * group and the parsing and validation of GROUP.CREATE / GROUP.UPDATE
 * options, with AWS EC2 Auto Scaling's defaults and rules. Pure: the same
 * options give the same group and the same errors on every node. */
#ifndef SK_GROUP_H
#define SK_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/slice.h"

#define GROUP_NAME_MAX       255
#define GROUP_ZONES_MAX      16
#define GROUP_ZONE_MAX       64
#define GROUP_CAPACITY_MAX   100000
#define GROUP_SECONDS_MAX    (7 * 24 * 3600)
#define GROUP_POLICIES_MAX   4
/* The backoff after a failed activity: 1 s, doubling, at most 60 s. */
#define GROUP_BACKOFF_MIN_MS 1000
#define GROUP_BACKOFF_MAX_MS 60000

/* Termination policies, applied in order inside the zone chosen first. */
enum group_policy {
    GROUP_POLICY_DEFAULT = 1,      /* closest to the next instance hour,
                                      then the lowest id */
    GROUP_POLICY_OLDEST = 2,       /* OldestInstance */
    GROUP_POLICY_NEWEST = 3,       /* NewestInstance */
    GROUP_POLICY_CLOSEST_HOUR = 4, /* ClosestToNextInstanceHour */
};

struct instance;

struct group {
    char *name; /* owned */
    uint32_t min;
    uint32_t max;
    uint32_t desired;
    char *zones[GROUP_ZONES_MAX]; /* owned */
    size_t n_zones;
    char *actuator; /* owned; "" when none */
    uint32_t cooldown_s;
    uint32_t grace_s;
    uint32_t heartbeat_ttl_s; /* 0: no heartbeat health checks */
    uint8_t policies[GROUP_POLICIES_MAX];
    size_t n_policies;
    bool protect_new;
    bool deleting;            /* GROUP.DELETE FORCE: draining */
    bool honor_cooldown;      /* the last desired change waits for it */
    uint64_t cooldown_end_ms; /* wall clock, chosen by the leader */
    uint64_t created_ms;
    /* Backoff after failed activities (any actuator): consecutive
     * failures, and when launches and retried terminations may go on. */
    uint32_t failures;
    uint64_t retry_after_ms;
    /* Kept by scaling/state.c: the group's instances (terminated and
     * detached ones too, the latest few), in creation order, and the ids of
     * its activities, ascending. */
    struct instance **instances; /* owned array of borrowed pointers */
    size_t n_instances;
    size_t cap_instances;
    uint64_t *activities; /* owned */
    size_t n_activities;
    size_t cap_activities;
};

/* Options of GROUP.CREATE and GROUP.UPDATE as parsed; "set" says which were
 * given. */
struct group_options {
    uint32_t min, max, desired;
    bool has_min, has_max, has_desired;
    struct slice zones[GROUP_ZONES_MAX];
    size_t n_zones;
    bool has_zones;
    struct slice actuator;
    bool has_actuator;
    uint32_t cooldown_s, grace_s, heartbeat_ttl_s;
    bool has_cooldown, has_grace, has_heartbeat_ttl;
    uint8_t policies[GROUP_POLICIES_MAX];
    size_t n_policies;
    bool has_policies;
    bool protect_new;
    bool has_protect_new;
};

/* Parse the options after the group name (argv[0..argc)). Returns 0, or
 * SK_EINVAL with the AWS-style message in @errmsg (the error code word
 * first, e.g. "ValidationError unknown option 'SIZE'"). */
int group_parse_options(size_t argc,
                        const struct slice *argv,
                        struct group_options *o,
                        char errmsg[SK_ERRMSG_SIZE]);

/* Check a group name: 1-255 bytes of letters, digits and "-_./:@". */
int group_check_name(struct slice name, char errmsg[SK_ERRMSG_SIZE]);

/* A new group from @o (MIN, MAX and ZONES are required); desired defaults
 * to min, cooldown and grace to 300 s, termination to Default. Returns 0 with
 * *out allocated, or SK_EINVAL with a message. */
int group_create(struct slice name,
                 const struct group_options *o,
                 uint64_t now_ms,
                 struct group **out,
                 char errmsg[SK_ERRMSG_SIZE]);

/* Apply @o to @g with AWS' rules: when desired is not given, a min above it
 * raises it and a max below it lowers it. Returns 0, or SK_EINVAL with a
 * message and @g unchanged. */
int group_update(struct group *g,
                 const struct group_options *o,
                 char errmsg[SK_ERRMSG_SIZE]);

/* Check a new desired capacity against the group's bounds. */
int group_check_desired(const struct group *g,
                        uint64_t desired,
                        char errmsg[SK_ERRMSG_SIZE]);

/* The index of zone @z in the group, or -1. */
long group_zone_index(const struct group *g, struct slice z);

void group_free(struct group *g);

/* "Default", "OldestInstance", ... */
const char *group_policy_name(uint8_t p);

#endif

/* Instances of auto-scaling groups and their lifecycle (docs/scaling.md
 * §2): the replicated record of each, and the names the protocol uses for
 * lifecycle states and health. Pure. */
#ifndef SK_INSTANCE_H
#define SK_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/slice.h"

enum instance_lifecycle {
    INSTANCE_PENDING = 1,     /* launch ordered, not yet in service */
    INSTANCE_IN_SERVICE = 2,  /* counted against desired */
    INSTANCE_STANDBY = 3,     /* kept, not counted, not health-checked */
    INSTANCE_TERMINATING = 4, /* termination ordered */
    INSTANCE_TERMINATED = 5,  /* gone for good; never comes back */
    INSTANCE_DETACHED = 6,    /* no longer the group's */
};

enum instance_health {
    INSTANCE_HEALTHY = 1,
    INSTANCE_UNHEALTHY = 2,
};

/* Who said the instance is unhealthy (or last set its health). */
enum instance_health_source {
    INSTANCE_SOURCE_NONE = 0,
    INSTANCE_SOURCE_HEARTBEAT = 1, /* no heartbeat within the TTL */
    INSTANCE_SOURCE_CLIENT = 2,    /* INSTANCE.SETHEALTH */
};

struct group;

struct instance {
    uint64_t id;         /* shown as i-<17 hex digits>; never reused */
    struct group *group; /* the group that owns it */
    char *zone;          /* owned */
    char *address;       /* owned; "" until known */
    uint8_t lifecycle;   /* enum instance_lifecycle */
    uint8_t health;      /* enum instance_health */
    uint8_t health_source;
    bool protected_;       /* from scale-in */
    bool replacing;        /* terminating to be replaced (was unhealthy) */
    uint64_t launch_ms;    /* when its launch was ordered */
    uint64_t activity;     /* the activity that launched (or attached) it */
    uint64_t grace_end_ms; /* health checks by heartbeat start then */
};

const char *instance_lifecycle_name(uint8_t lifecycle);
const char *instance_health_name(uint8_t health);
const char *instance_source_name(uint8_t source);

/* "i-" and 17 hex digits, into @out (at least 20 bytes). */
void instance_id_format(uint64_t id, char *out);

/* Parse an id as instance_id_format() writes it. */
bool instance_id_parse(struct slice s, uint64_t *id);

/* Whether the instance still belongs to its group (not terminated or
 * detached). */
bool instance_is_live(const struct instance *in);

#endif

/* Scaling activities (docs/scaling.md §3): one per instance launched or
 * terminated, as AWS keeps them, with the cause of the decision and the
 * actuator's output. The fencing token of an activity grows with each
 * order to carry it out, so a resource can refuse a deposed leader's late
 * call. Pure. */
#ifndef SK_ACTIVITY_H
#define SK_ACTIVITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/slice.h"

/* Finished activities kept per group; unfinished ones are always kept. */
#define ACTIVITY_HISTORY 100

/* Bytes of actuator output kept in an activity's details. */
#define ACTIVITY_DETAILS_MAX 1024

enum activity_kind {
    ACTIVITY_LAUNCH = 1,
    ACTIVITY_TERMINATE = 2,
    ACTIVITY_ATTACH = 3, /* a record: the instance joined InService */
    ACTIVITY_DETACH = 4, /* a record: it left the group */
};

enum activity_status {
    ACTIVITY_PENDING = 1,     /* decided, not yet ordered to the actuator */
    ACTIVITY_IN_PROGRESS = 2, /* ordered; waiting for the actuator */
    ACTIVITY_SUCCESSFUL = 3,
    ACTIVITY_FAILED = 4,
    ACTIVITY_CANCELLED = 5,
};

struct activity {
    uint64_t id;
    const char *group; /* the group's name, borrowed: activities go with it */
    uint64_t instance;
    char *zone; /* owned */
    uint8_t kind;
    uint8_t status;
    uint8_t progress; /* 0, 50 (in progress) or 100 */
    char *cause;      /* owned */
    char *details;    /* owned: actuator output, at most DETAILS_MAX; NULL
                         while empty */
    uint64_t start_ms;
    uint64_t end_ms;     /* 0 while unfinished */
    uint64_t token;      /* of the latest order; 0 before the first */
    uint32_t attempts;   /* orders so far */
    uint64_t started_by; /* node id of the controller that decided it */
    uint64_t ordered_by; /* and of the one that ordered it last */
};

const char *activity_kind_name(uint8_t kind);
const char *activity_status_name(uint8_t status);

/* Parse "Successful", "Failed" (for ACTIVITY.COMPLETE). */
bool activity_status_parse(struct slice s, uint8_t *status);

bool activity_is_finished(const struct activity *a);

/* AWS' Description of @a ("Launching a new instance: i-..."), made from
 * its kind and instance rather than stored; @out has room for 64 bytes. */
void activity_describe(const struct activity *a, char *out);

/* The details, "" when there are none. */
const char *activity_details(const struct activity *a);

void activity_free(struct activity *a);

#endif

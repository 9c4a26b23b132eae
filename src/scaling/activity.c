/* Scaling activities: names and lifetime; see activity.h. */
#include "scaling/activity.h"

#include <stdio.h>

#include "lib/mem.h"
#include "scaling/instance.h"

const char *activity_kind_name(uint8_t kind)
{
    switch (kind) {
    case ACTIVITY_LAUNCH:
        return "launch";
    case ACTIVITY_TERMINATE:
        return "terminate";
    case ACTIVITY_ATTACH:
        return "attach";
    case ACTIVITY_DETACH:
        return "detach";
    default:
        return "?";
    }
}

const char *activity_status_name(uint8_t status)
{
    switch (status) {
    case ACTIVITY_PENDING:
        return "Pending";
    case ACTIVITY_IN_PROGRESS:
        return "InProgress";
    case ACTIVITY_SUCCESSFUL:
        return "Successful";
    case ACTIVITY_FAILED:
        return "Failed";
    case ACTIVITY_CANCELLED:
        return "Cancelled";
    default:
        return "?";
    }
}

bool activity_status_parse(struct slice s, uint8_t *status)
{
    if (slice_eq_nocase(s, "successful")) {
        *status = ACTIVITY_SUCCESSFUL;
    } else if (slice_eq_nocase(s, "failed")) {
        *status = ACTIVITY_FAILED;
    } else {
        return false;
    }
    return true;
}

bool activity_is_finished(const struct activity *a)
{
    return a->status == ACTIVITY_SUCCESSFUL || a->status == ACTIVITY_FAILED ||
           a->status == ACTIVITY_CANCELLED;
}

void activity_free(struct activity *a)
{
    if (a == NULL) {
        return;
    }
    mem_free(a->zone);
    mem_free(a->cause);
    mem_free(a->details);
    mem_free(a);
}

void activity_describe(const struct activity *a, char *out)
{
    char id[20];

    instance_id_format(a->instance, id);
    switch (a->kind) {
    case ACTIVITY_LAUNCH:
        snprintf(out, 64, "Launching a new instance: %s", id);
        break;
    case ACTIVITY_TERMINATE:
        snprintf(out, 64, "Terminating instance: %s", id);
        break;
    case ACTIVITY_ATTACH:
        snprintf(out, 64, "Attaching instance: %s", id);
        break;
    default:
        snprintf(out, 64, "Detaching instance: %s", id);
        break;
    }
}

const char *activity_details(const struct activity *a)
{
    return a->details != NULL ? a->details : "";
}

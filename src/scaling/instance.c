/* Instance names and ids; see instance.h. */
#include "scaling/instance.h"

#include <stdio.h>

const char *instance_lifecycle_name(uint8_t lifecycle)
{
    switch (lifecycle) {
    case INSTANCE_PENDING:
        return "Pending";
    case INSTANCE_IN_SERVICE:
        return "InService";
    case INSTANCE_STANDBY:
        return "Standby";
    case INSTANCE_TERMINATING:
        return "Terminating";
    case INSTANCE_TERMINATED:
        return "Terminated";
    case INSTANCE_DETACHED:
        return "Detached";
    default:
        return "?";
    }
}

const char *instance_health_name(uint8_t health)
{
    return health == INSTANCE_UNHEALTHY ? "Unhealthy" : "Healthy";
}

const char *instance_source_name(uint8_t source)
{
    switch (source) {
    case INSTANCE_SOURCE_HEARTBEAT:
        return "heartbeat";
    case INSTANCE_SOURCE_CLIENT:
        return "client";
    default:
        return "";
    }
}

void instance_id_format(uint64_t id, char *out)
{
    snprintf(out, 20, "i-%017llx", (unsigned long long)id);
}

bool instance_id_parse(struct slice s, uint64_t *id)
{
    uint64_t v = 0;

    if (s.len != 19 || s.base[0] != 'i' || s.base[1] != '-') {
        return false;
    }
    for (size_t i = 2; i < s.len; i++) {
        char c = s.base[i];
        unsigned d;
        if (c >= '0' && c <= '9') {
            d = (unsigned)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            d = (unsigned)(c - 'a' + 10);
        } else {
            return false;
        }
        if (i == 2 && d != 0) {
            return false; /* 17 hex digits hold at most 64 bits: 0 first */
        }
        v = v << 4 | d;
    }
    *id = v;
    return v != 0;
}

bool instance_is_live(const struct instance *in)
{
    return in->lifecycle != INSTANCE_TERMINATED &&
           in->lifecycle != INSTANCE_DETACHED;
}

/* Heartbeat health checks; see health.h. */
#include "scaling/health.h"

uint64_t health_deadline(const struct instance *in,
                         uint32_t heartbeat_ttl_s,
                         const struct health_clock *c,
                         bool *due)
{
    /* Monotonic instants as wall-clock times, by the clocks' offset now. */
    int64_t offset = (int64_t)c->now_ms - (int64_t)c->mono_ms;
    uint64_t from =
        (uint64_t)((int64_t)(c->leading_since_ms + c->grace_ms) + offset);
    uint64_t deadline;

    *due = false;
    if (heartbeat_ttl_s == 0 || in->lifecycle != INSTANCE_IN_SERVICE ||
        in->health != INSTANCE_HEALTHY) {
        return 0;
    }
    if (in->grace_end_ms > from) {
        from = in->grace_end_ms;
    }
    if (c->last_beat_ms != 0 &&
        (uint64_t)((int64_t)c->last_beat_ms + offset) > from) {
        from = (uint64_t)((int64_t)c->last_beat_ms + offset);
    }
    deadline = from + (uint64_t)heartbeat_ttl_s * 1000;
    *due = c->now_ms >= deadline;
    return deadline;
}

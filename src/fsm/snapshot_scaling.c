/* The auto-scaling part of a snapshot (proto/SNAPSHOT.md): groups, each
 * with its instances and activities, and the counters. Decoding checks
 * every field against what the ops can produce. */
#include "fsm/snapshot_scaling.h"

#include <string.h>

#include "lib/err.h"
#include "lib/mem.h"

static void put_str(struct buf *out, const char *s)
{
    buf_put_bytes(out, s, strlen(s));
}

static void
encode_group(const struct scaling *s, const struct group *g, struct buf *out)
{
    put_str(out, g->name);
    buf_put_u32(out, g->min);
    buf_put_u32(out, g->max);
    buf_put_u32(out, g->desired);
    buf_put_u8(out, (uint8_t)g->n_zones);
    for (size_t i = 0; i < g->n_zones; i++) {
        put_str(out, g->zones[i]);
    }
    put_str(out, g->actuator);
    buf_put_u32(out, g->cooldown_s);
    buf_put_u32(out, g->grace_s);
    buf_put_u32(out, g->heartbeat_ttl_s);
    buf_put_u8(out, (uint8_t)g->n_policies);
    for (size_t i = 0; i < g->n_policies; i++) {
        buf_put_u8(out, g->policies[i]);
    }
    buf_put_u8(out, (uint8_t)(g->protect_new | g->deleting << 1 |
                              g->honor_cooldown << 2));
    buf_put_u64(out, g->cooldown_end_ms);
    buf_put_u64(out, g->created_ms);
    buf_put_u32(out, g->failures);
    buf_put_u64(out, g->retry_after_ms);

    buf_put_u32(out, (uint32_t)g->n_instances);
    for (size_t i = 0; i < g->n_instances; i++) {
        const struct instance *in = g->instances[i];
        buf_put_u64(out, in->id);
        put_str(out, in->zone);
        put_str(out, in->address);
        buf_put_u8(out, in->lifecycle);
        buf_put_u8(out, in->health);
        buf_put_u8(out, in->health_source);
        buf_put_u8(out, (uint8_t)(in->protected_ | in->replacing << 1));
        buf_put_u64(out, in->launch_ms);
        buf_put_u64(out, in->activity);
        buf_put_u64(out, in->grace_end_ms);
    }
    buf_put_u32(out, (uint32_t)g->n_activities);
    for (size_t i = 0; i < g->n_activities; i++) {
        const struct activity *a = scaling_activity(s, g->activities[i]);
        buf_put_u64(out, a->id);
        buf_put_u64(out, a->instance);
        put_str(out, a->zone);
        buf_put_u8(out, a->kind);
        buf_put_u8(out, a->status);
        buf_put_u8(out, a->progress);
        put_str(out, a->cause);
        put_str(out, activity_details(a));
        buf_put_u64(out, a->start_ms);
        buf_put_u64(out, a->end_ms);
        buf_put_u64(out, a->token);
        buf_put_u32(out, a->attempts);
        buf_put_u64(out, a->started_by);
        buf_put_u64(out, a->ordered_by);
    }
}

void snapshot_encode_scaling(const struct scaling *s, struct buf *out)
{
    buf_put_u64(out, s->next_instance);
    buf_put_u64(out, s->next_activity);
    buf_put_u64(out, s->last_token);
    buf_put_u64(out, s->ctrl_term);
    buf_put_u64(out, s->ctrl_node);
    buf_put_u32(out, (uint32_t)s->n_groups);
    for (size_t i = 0; i < s->n_groups; i++) {
        encode_group(s, s->groups[i], out);
    }
}

/* A text field: at most @max bytes, no NUL; a new C string in *out. */
static bool get_str(struct reader *r, size_t max, char **out)
{
    const char *p;
    size_t len;

    reader_bytes(r, &p, &len);
    if (r->failed || len > max || memchr(p, '\0', len) != NULL) {
        return false;
    }
    *out = mem_strndup(p, len);
    return true;
}

static int
decode_instances(struct reader *r, struct scaling *s, struct group *g)
{
    uint32_t n = reader_u32(r);
    uint64_t prev = 0;

    if (r->failed || n > r->left / 40) {
        return SK_ECORRUPT;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct instance *in = mem_calloc(1, sizeof *in);
        uint8_t flags;
        bool ok;

        in->id = reader_u64(r);
        ok = get_str(r, GROUP_ZONE_MAX, &in->zone);
        ok = ok && get_str(r, 256, &in->address);
        in->lifecycle = reader_u8(r);
        in->health = reader_u8(r);
        in->health_source = reader_u8(r);
        flags = reader_u8(r);
        in->protected_ = flags & 1;
        in->replacing = (flags & 2) != 0;
        in->launch_ms = reader_u64(r);
        in->activity = reader_u64(r);
        in->grace_end_ms = reader_u64(r);
        if (!ok || r->failed || in->id <= prev || in->id >= s->next_instance ||
            scaling_instance(s, in->id) != NULL || in->lifecycle == 0 ||
            in->lifecycle > INSTANCE_DETACHED || in->health == 0 ||
            in->health > INSTANCE_UNHEALTHY ||
            in->health_source > INSTANCE_SOURCE_CLIENT || flags > 3) {
            mem_free(in->zone);
            mem_free(in->address);
            mem_free(in);
            return SK_ECORRUPT;
        }
        prev = in->id;
        scaling_instance_load(s, g, in);
    }
    return 0;
}

static int
decode_activities(struct reader *r, struct scaling *s, struct group *g)
{
    uint32_t n = reader_u32(r);
    uint64_t prev = 0;

    if (r->failed || n > r->left / 60) {
        return SK_ECORRUPT;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct activity *a = mem_calloc(1, sizeof *a);
        bool ok;

        a->id = reader_u64(r);
        a->instance = reader_u64(r);
        ok = get_str(r, GROUP_ZONE_MAX, &a->zone);
        a->kind = reader_u8(r);
        a->status = reader_u8(r);
        a->progress = reader_u8(r);
        ok = ok && get_str(r, 4096, &a->cause);
        ok = ok && get_str(r, ACTIVITY_DETAILS_MAX, &a->details);
        if (ok && a->details[0] == '\0') {
            mem_free(a->details);
            a->details = NULL;
        }
        a->start_ms = reader_u64(r);
        a->end_ms = reader_u64(r);
        a->token = reader_u64(r);
        a->attempts = reader_u32(r);
        a->started_by = reader_u64(r);
        a->ordered_by = reader_u64(r);
        a->group = g->name;
        if (!ok || r->failed || a->id <= prev || a->id >= s->next_activity ||
            a->kind == 0 || a->kind > ACTIVITY_DETACH || a->status == 0 ||
            a->status > ACTIVITY_CANCELLED || a->progress > 100 ||
            a->token > s->last_token || scaling_activity(s, a->id) != NULL) {
            activity_free(a);
            return SK_ECORRUPT;
        }
        prev = a->id;
        scaling_activity_load(s, g, a);
    }
    return 0;
}

static int decode_group(struct reader *r, struct scaling *s, const char *prev)
{
    struct group *g = mem_calloc(1, sizeof *g);
    uint8_t n;
    uint8_t flags;
    bool ok = get_str(r, GROUP_NAME_MAX, &g->name);

    g->min = reader_u32(r);
    g->max = reader_u32(r);
    g->desired = reader_u32(r);
    n = reader_u8(r);
    ok = ok && n >= 1 && n <= GROUP_ZONES_MAX;
    for (uint8_t i = 0; ok && i < n; i++) {
        ok = get_str(r, GROUP_ZONE_MAX, &g->zones[i]) && g->zones[i][0] != '\0';
        g->n_zones = i + 1u;
    }
    ok = ok && get_str(r, 64, &g->actuator);
    g->cooldown_s = reader_u32(r);
    g->grace_s = reader_u32(r);
    g->heartbeat_ttl_s = reader_u32(r);
    n = reader_u8(r);
    ok = ok && n >= 1 && n <= GROUP_POLICIES_MAX;
    for (uint8_t i = 0; ok && i < n; i++) {
        g->policies[i] = reader_u8(r);
        ok = g->policies[i] >= GROUP_POLICY_DEFAULT &&
             g->policies[i] <= GROUP_POLICY_CLOSEST_HOUR;
        g->n_policies = i + 1u;
    }
    flags = reader_u8(r);
    g->protect_new = flags & 1;
    g->deleting = (flags & 2) != 0;
    g->honor_cooldown = (flags & 4) != 0;
    g->cooldown_end_ms = reader_u64(r);
    g->created_ms = reader_u64(r);
    g->failures = reader_u32(r);
    g->retry_after_ms = reader_u64(r);
    if (!ok || r->failed || flags > 7 || g->name[0] == '\0' ||
        g->cooldown_s > GROUP_SECONDS_MAX || g->grace_s > GROUP_SECONDS_MAX ||
        g->heartbeat_ttl_s > GROUP_SECONDS_MAX || g->min > g->desired ||
        g->desired > g->max || g->max > GROUP_CAPACITY_MAX ||
        (prev != NULL && strcmp(prev, g->name) >= 0) ||
        !scaling_group_add(s, g)) {
        group_free(g);
        return SK_ECORRUPT;
    }
    if (decode_instances(r, s, g) != 0 || decode_activities(r, s, g) != 0) {
        return SK_ECORRUPT; /* g belongs to @s now */
    }
    return 0;
}

int snapshot_decode_scaling(struct reader *r, struct scaling *s)
{
    uint32_t n;

    s->next_instance = reader_u64(r);
    s->next_activity = reader_u64(r);
    s->last_token = reader_u64(r);
    s->ctrl_term = reader_u64(r);
    s->ctrl_node = reader_u64(r);
    n = reader_u32(r);
    if (r->failed || s->next_instance == 0 || s->next_activity == 0 ||
        n > r->left / 40) {
        return SK_ECORRUPT;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *prev = i > 0 ? s->groups[s->n_groups - 1]->name : NULL;
        if (decode_group(r, s, prev) != 0) {
            return SK_ECORRUPT;
        }
    }
    return 0;
}

/* Auto-scaling records as RESP; see scaling_query.h. */
#include "fsm/scaling_query.h"

#include <stdio.h>
#include <string.h>

#include "resp/reply.h"
#include "scaling/plan.h"

static void field(struct buf *b, const char *name, const char *value)
{
    reply_bulk_str(b, name);
    reply_bulk_str(b, value);
}

static void field_u64(struct buf *b, const char *name, uint64_t v)
{
    reply_bulk_str(b, name);
    reply_bulk_u64(b, v);
}

static void field_time(struct buf *b, const char *name, uint64_t ms)
{
    char t[24] = "";

    if (ms != 0) {
        plan_format_time(ms, t);
    }
    field(b, name, t);
}

#define GROUP_FIELDS 28

void scaling_reply_group(struct buf *b,
                         const struct fsm *f,
                         const struct group *g)
{
    struct scaling_counts c;
    struct buf text;
    uint64_t current = 0;

    scaling_count(&f->scaling, g, &c);
    for (size_t i = g->n_activities; i-- > 0 && current == 0;) {
        const struct activity *a =
            scaling_activity(&f->scaling, g->activities[i]);
        if (!activity_is_finished(a)) {
            current = a->id;
        }
    }
    buf_init(&text);
    reply_array(b, 2 * GROUP_FIELDS);
    field(b, "name", g->name);
    field(b, "status", g->deleting ? "Delete in progress" : "Active");
    field_u64(b, "min", g->min);
    field_u64(b, "max", g->max);
    field_u64(b, "desired", g->desired);
    for (size_t i = 0; i < g->n_zones; i++) {
        buf_printf(&text, "%s%s", i > 0 ? "," : "", g->zones[i]);
    }
    reply_bulk_str(b, "zones");
    reply_bulk(b, text.base ? text.base : "", text.len);
    field(b, "actuator", g->actuator);
    field_u64(b, "cooldown", g->cooldown_s);
    field_u64(b, "grace", g->grace_s);
    field_u64(b, "heartbeat_ttl", g->heartbeat_ttl_s);
    buf_reset(&text);
    for (size_t i = 0; i < g->n_policies; i++) {
        buf_printf(&text, "%s%s", i > 0 ? "," : "",
                   group_policy_name(g->policies[i]));
    }
    reply_bulk_str(b, "termination");
    reply_bulk(b, text.base ? text.base : "", text.len);
    field(b, "protect_new", g->protect_new ? "1" : "0");
    field_time(b, "created", g->created_ms);
    field_time(b, "cooldown_end", g->cooldown_end_ms);
    field(b, "honor_cooldown", g->honor_cooldown ? "1" : "0");
    field_u64(b, "failures", g->failures);
    field_time(b, "retry_after", g->retry_after_ms);
    field_u64(b, "pending", c.pending);
    field_u64(b, "in_service", c.in_service);
    field_u64(b, "standby", c.standby);
    field_u64(b, "terminating", c.terminating);
    field_u64(b, "terminated", c.terminated);
    field_u64(b, "detached", c.detached);
    field_u64(b, "unhealthy", c.unhealthy);
    /* InService and Pending per zone, in the group's zone order. */
    buf_reset(&text);
    for (size_t z = 0; z < g->n_zones; z++) {
        size_t n = 0;
        for (size_t i = 0; i < g->n_instances; i++) {
            const struct instance *in = g->instances[i];
            n += (in->lifecycle == INSTANCE_IN_SERVICE ||
                  in->lifecycle == INSTANCE_PENDING) &&
                 strcmp(in->zone, g->zones[z]) == 0;
        }
        buf_printf(&text, "%s%s=%zu", z > 0 ? "," : "", g->zones[z], n);
    }
    reply_bulk_str(b, "per_zone");
    reply_bulk(b, text.base ? text.base : "", text.len);
    reply_bulk_str(b, "current_activity");
    if (current != 0) {
        reply_bulk_u64(b, current);
    } else {
        reply_bulk_str(b, "");
    }
    field_u64(b, "unfinished_activities", c.unfinished_activities);
    field_u64(b, "activities_kept", g->n_activities);
    buf_close(&text);
}

void scaling_reply_instance(struct buf *b, const struct instance *in)
{
    char id[20];

    instance_id_format(in->id, id);
    reply_array(b, 2 * 12);
    field(b, "id", id);
    field(b, "group", in->group->name);
    field(b, "zone", in->zone);
    field(b, "lifecycle", instance_lifecycle_name(in->lifecycle));
    field(b, "health", instance_health_name(in->health));
    field(b, "health_source", instance_source_name(in->health_source));
    field(b, "protected", in->protected_ ? "1" : "0");
    reply_bulk_str(b, "activity");
    if (in->activity != 0) {
        reply_bulk_u64(b, in->activity);
    } else {
        reply_bulk_str(b, "");
    }
    field(b, "address", in->address);
    field_time(b, "launch_time", in->launch_ms);
    field_time(b, "grace_end", in->grace_end_ms);
    field(b, "replacing", in->replacing ? "1" : "0");
}

void scaling_reply_activity(struct buf *b, const struct activity *a)
{
    char id[20];
    char desc[64];

    instance_id_format(a->instance, id);
    reply_array(b, 2 * 16);
    field_u64(b, "id", a->id);
    field(b, "group", a->group);
    field(b, "instance", id);
    field(b, "zone", a->zone);
    field(b, "kind", activity_kind_name(a->kind));
    activity_describe(a, desc);
    field(b, "description", desc);
    field(b, "cause", a->cause);
    field(b, "status", activity_status_name(a->status));
    field_u64(b, "progress", a->progress);
    field_time(b, "start_time", a->start_ms);
    field_time(b, "end_time", a->end_ms);
    field_u64(b, "token", a->token);
    field_u64(b, "attempts", a->attempts);
    field_u64(b, "started_by", a->started_by);
    field_u64(b, "ordered_by", a->ordered_by);
    field(b, "details", activity_details(a));
}

void scaling_reply_groups(struct buf *b,
                          const struct fsm *f,
                          struct slice after,
                          size_t count,
                          size_t max)
{
    size_t first = after.len > 0 ? scaling_groups_after(&f->scaling, after) : 0;
    size_t n = f->scaling.n_groups - first;

    if (count == 0 && n > max) {
        reply_error(b, "ERR",
                    "GROUP.LIST would return more than %zu groups "
                    "(--max-keys-reply); use COUNT and AFTER",
                    max);
        return;
    }
    if (count != 0 && n > count) {
        n = count;
    }
    reply_array(b, n);
    for (size_t i = first; i < first + n; i++) {
        scaling_reply_group(b, f, f->scaling.groups[i]);
    }
}

void scaling_reply_instances(struct buf *b, const struct group *g)
{
    reply_array(b, g->n_instances);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < g->n_instances; i++) {
            const struct instance *in = g->instances[i];
            if (instance_is_live(in) == (pass == 0)) {
                scaling_reply_instance(b, in);
            }
        }
    }
}

void scaling_reply_activities(struct buf *b,
                              const struct fsm *f,
                              const struct group *g,
                              size_t count,
                              uint64_t before)
{
    size_t n = 0;

    for (size_t i = g->n_activities; i-- > 0 && n < count;) {
        n += before == 0 || g->activities[i] < before;
    }
    reply_array(b, n);
    for (size_t i = g->n_activities; i-- > 0 && n > 0;) {
        if (before == 0 || g->activities[i] < before) {
            scaling_reply_activity(
                b, scaling_activity(&f->scaling, g->activities[i]));
            n--;
        }
    }
}

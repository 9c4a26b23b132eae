/* The replicated auto-scaling state; see state.h. */
#include "scaling/state.h"

#include <string.h>

#include "lib/mem.h"
#include "lib/slice.h"

void scaling_init(struct scaling *s)
{
    memset(s, 0, sizeof *s);
    u64map_init(&s->instances);
    u64map_init(&s->activities);
    s->next_instance = 1;
    s->next_activity = 1;
}

static void instance_free(struct instance *in)
{
    mem_free(in->zone);
    mem_free(in->address);
    mem_free(in);
}

void scaling_close(struct scaling *s)
{
    const struct u64map_slot *slot;
    size_t pos = 0;

    while ((slot = u64map_next(&s->instances, &pos)) != NULL) {
        instance_free(slot->value);
    }
    pos = 0;
    while ((slot = u64map_next(&s->activities, &pos)) != NULL) {
        activity_free(slot->value);
    }
    u64map_close(&s->instances);
    u64map_close(&s->activities);
    for (size_t i = 0; i < s->n_groups; i++) {
        group_free(s->groups[i]);
    }
    mem_free(s->groups);
    scaling_init(s);
}

/* The index of @name, or where it would go. */
static size_t locate(const struct scaling *s, struct slice name, bool *found)
{
    size_t lo = 0;
    size_t hi = s->n_groups;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct group *g = s->groups[mid];
        if (bytes_cmp(g->name, strlen(g->name), name.base, name.len) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = lo < s->n_groups &&
             bytes_cmp(s->groups[lo]->name, strlen(s->groups[lo]->name),
                       name.base, name.len) == 0;
    return lo;
}

struct group *scaling_group(const struct scaling *s, struct slice name)
{
    bool found;
    size_t i = locate(s, name, &found);

    return found ? s->groups[i] : NULL;
}

size_t scaling_groups_after(const struct scaling *s, struct slice name)
{
    bool found;
    size_t i = locate(s, name, &found);

    return found ? i + 1 : i;
}

bool scaling_group_add(struct scaling *s, struct group *g)
{
    bool found;
    size_t i = locate(s, (struct slice){ g->name, strlen(g->name) }, &found);

    if (found) {
        return false;
    }
    if (s->n_groups == s->cap_groups) {
        s->cap_groups = s->cap_groups ? 2 * s->cap_groups : 16;
        s->groups = mem_realloc(s->groups, s->cap_groups * sizeof *s->groups);
    }
    memmove(&s->groups[i + 1], &s->groups[i],
            (s->n_groups - i) * sizeof *s->groups);
    s->groups[i] = g;
    s->n_groups++;
    return true;
}

void scaling_group_remove(struct scaling *s, struct group *g)
{
    bool found;
    size_t i = locate(s, (struct slice){ g->name, strlen(g->name) }, &found);

    if (!found || s->groups[i] != g) {
        return;
    }
    for (size_t k = 0; k < g->n_instances; k++) {
        instance_free(u64map_del(&s->instances, g->instances[k]->id));
    }
    for (size_t k = 0; k < g->n_activities; k++) {
        activity_free(u64map_del(&s->activities, g->activities[k]));
    }
    memmove(&s->groups[i], &s->groups[i + 1],
            (s->n_groups - i - 1) * sizeof *s->groups);
    s->n_groups--;
    group_free(g);
}

struct instance *scaling_instance(const struct scaling *s, uint64_t id)
{
    return id != 0 ? u64map_get(&s->instances, id) : NULL;
}

static void append_instance(struct group *g, struct instance *in)
{
    if (g->n_instances == g->cap_instances) {
        g->cap_instances = g->cap_instances ? 2 * g->cap_instances : 8;
        g->instances =
            mem_realloc(g->instances, g->cap_instances * sizeof *g->instances);
    }
    g->instances[g->n_instances++] = in;
}

void scaling_instance_load(struct scaling *s,
                           struct group *g,
                           struct instance *in)
{
    in->group = g;
    u64map_put(&s->instances, in->id, in);
    append_instance(g, in);
    if (in->id >= s->next_instance) {
        s->next_instance = in->id + 1;
    }
}

struct instance *scaling_instance_add(struct scaling *s,
                                      struct group *g,
                                      struct slice zone,
                                      uint8_t lifecycle,
                                      uint64_t launch_ms,
                                      uint64_t activity)
{
    struct instance *in = mem_calloc(1, sizeof *in);

    in->id = s->next_instance;
    in->zone = mem_strndup(zone.base, zone.len);
    in->address = mem_strdup("");
    in->lifecycle = lifecycle;
    in->health = INSTANCE_HEALTHY;
    in->protected_ = g->protect_new;
    in->launch_ms = launch_ms;
    in->activity = activity;
    scaling_instance_load(s, g, in);
    return in;
}

/* Drop the oldest gone instances of @g beyond SCALING_GONE_KEPT. */
static void trim_gone(struct scaling *s, struct group *g)
{
    size_t gone = 0;

    for (size_t i = 0; i < g->n_instances; i++) {
        gone += !instance_is_live(g->instances[i]);
    }
    for (size_t i = 0; gone > SCALING_GONE_KEPT && i < g->n_instances;) {
        struct instance *in = g->instances[i];
        if (instance_is_live(in)) {
            i++;
            continue;
        }
        memmove(&g->instances[i], &g->instances[i + 1],
                (g->n_instances - i - 1) * sizeof *g->instances);
        g->n_instances--;
        instance_free(u64map_del(&s->instances, in->id));
        gone--;
    }
}

void scaling_instance_set_lifecycle(struct scaling *s,
                                    struct instance *in,
                                    uint8_t lifecycle)
{
    bool was_live = instance_is_live(in);

    in->lifecycle = lifecycle;
    if (was_live && !instance_is_live(in)) {
        trim_gone(s, in->group);
    }
}

struct activity *scaling_activity(const struct scaling *s, uint64_t id)
{
    return id != 0 ? u64map_get(&s->activities, id) : NULL;
}

static void append_activity(struct group *g, uint64_t id)
{
    if (g->n_activities == g->cap_activities) {
        g->cap_activities = g->cap_activities ? 2 * g->cap_activities : 8;
        g->activities = mem_realloc(g->activities,
                                    g->cap_activities * sizeof *g->activities);
    }
    g->activities[g->n_activities++] = id;
}

void scaling_activity_load(struct scaling *s,
                           struct group *g,
                           struct activity *a)
{
    u64map_put(&s->activities, a->id, a);
    append_activity(g, a->id);
    if (a->id >= s->next_activity) {
        s->next_activity = a->id + 1;
    }
}

struct activity *scaling_activity_add(struct scaling *s,
                                      struct group *g,
                                      uint8_t kind,
                                      uint8_t status,
                                      uint64_t instance,
                                      const char *zone,
                                      const char *cause,
                                      uint64_t now_ms)
{
    struct activity *a = mem_calloc(1, sizeof *a);

    a->id = s->next_activity;
    a->group = g->name;
    a->instance = instance;
    a->zone = mem_strdup(zone);
    a->kind = kind;
    a->status = status;
    a->cause = mem_strdup(cause);
    a->start_ms = now_ms;
    scaling_activity_load(s, g, a);
    return a;
}

/* Drop the oldest finished activities of @g beyond ACTIVITY_HISTORY. */
static void trim_history(struct scaling *s, struct group *g)
{
    size_t finished = 0;

    for (size_t i = 0; i < g->n_activities; i++) {
        finished += activity_is_finished(scaling_activity(s, g->activities[i]));
    }
    for (size_t i = 0; finished > ACTIVITY_HISTORY && i < g->n_activities;) {
        struct activity *a = scaling_activity(s, g->activities[i]);
        if (!activity_is_finished(a)) {
            i++;
            continue;
        }
        memmove(&g->activities[i], &g->activities[i + 1],
                (g->n_activities - i - 1) * sizeof *g->activities);
        g->n_activities--;
        activity_free(u64map_del(&s->activities, a->id));
        finished--;
    }
}

void scaling_activity_finish(struct scaling *s,
                             struct activity *a,
                             uint8_t status,
                             struct slice details,
                             uint64_t now_ms)
{
    struct group *g;
    size_t n =
        details.len < ACTIVITY_DETAILS_MAX ? details.len : ACTIVITY_DETAILS_MAX;

    a->status = status;
    a->progress = 100;
    a->end_ms = now_ms;
    mem_free(a->details);
    a->details = n > 0 ? mem_strndup(details.base, n) : NULL;
    g = scaling_group(s, (struct slice){ a->group, strlen(a->group) });
    if (g != NULL) {
        trim_history(s, g);
    }
}

uint64_t scaling_next_token(struct scaling *s)
{
    return ++s->last_token;
}

void scaling_count(const struct scaling *s,
                   const struct group *g,
                   struct scaling_counts *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < g->n_instances; i++) {
        const struct instance *in = g->instances[i];
        switch (in->lifecycle) {
        case INSTANCE_PENDING:
            c->pending++;
            break;
        case INSTANCE_IN_SERVICE:
            c->in_service++;
            c->unhealthy += in->health == INSTANCE_UNHEALTHY;
            break;
        case INSTANCE_STANDBY:
            c->standby++;
            break;
        case INSTANCE_TERMINATING:
            c->terminating++;
            break;
        case INSTANCE_TERMINATED:
            c->terminated++;
            break;
        default:
            c->detached++;
            break;
        }
    }
    for (size_t i = 0; i < g->n_activities; i++) {
        c->unfinished_activities +=
            !activity_is_finished(scaling_activity(s, g->activities[i]));
    }
}

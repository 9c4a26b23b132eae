/* The controller's decisions for one group; see plan.h for the rules and
 * docs/scaling.md for where they come from. */
#include "scaling/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/mem.h"
#include "lib/u64map.h"

#define HOUR_MS 3600000ULL

void plan_init(struct plan *p)
{
    memset(p, 0, sizeof *p);
}

void plan_close(struct plan *p)
{
    mem_free(p->actions);
    plan_init(p);
}

void plan_format_time(uint64_t ms, char *out)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static struct plan_action *add(struct plan *p, uint8_t kind)
{
    struct plan_action *a;

    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 8;
        p->actions = mem_realloc(p->actions, p->cap * sizeof *p->actions);
    }
    a = &p->actions[p->n++];
    memset(a, 0, sizeof *a);
    a->kind = kind;
    return a;
}

static void say(struct plan *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(struct plan *p, const char *fmt, ...)
{
    size_t len = strlen(p->summary);
    va_list ap;

    if (len + 1 >= sizeof p->summary) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(p->summary + len, sizeof p->summary - len, fmt, ap);
    va_end(ap);
}

static bool room(const struct plan *p, const struct plan_input *in)
{
    return p->n < in->max_actions;
}

/* The instances this plan already terminates, as a set, for scans that
 * must skip them without searching the plan for each instance. */
static void taken_init(struct u64map *taken, const struct plan *p)
{
    u64map_init(taken);
    for (size_t i = 0; i < p->n; i++) {
        if (p->actions[i].kind == PLAN_TERMINATE) {
            u64map_put(taken, p->actions[i].instance, (void *)1);
        }
    }
}

static bool is_taken(const struct u64map *taken, const struct instance *in)
{
    return u64map_get(taken, in->id) != NULL;
}

static void plan_delete(const struct scaling *s,
                        const struct group *g,
                        const struct plan_input *in,
                        struct plan *p,
                        const char *at)
{
    struct scaling_counts c;
    size_t live = 0;

    scaling_count(s, g, &c);
    for (size_t i = 0; i < g->n_instances && room(p, in); i++) {
        const struct instance *x = g->instances[i];
        if (x->lifecycle == INSTANCE_IN_SERVICE ||
            x->lifecycle == INSTANCE_STANDBY) {
            struct plan_action *a = add(p, PLAN_TERMINATE);
            char id[20];
            instance_id_format(x->id, id);
            a->instance = x->id;
            snprintf(a->cause, sizeof a->cause,
                     "At %s an instance was taken out of service because "
                     "group %s is being deleted (GROUP.DELETE FORCE): "
                     "instance %s was selected for termination.",
                     at, g->name, id);
        }
        live += instance_is_live(x);
    }
    if (live == 0 && c.unfinished_activities == 0) {
        add(p, PLAN_REMOVE_GROUP);
        say(p, "group %s is being deleted and is empty: it is removed.",
            g->name);
    } else {
        say(p,
            "group %s is being deleted: %zu instances left, %zu "
            "activities unfinished; terminating %zu now.",
            g->name, live, c.unfinished_activities, p->n);
    }
}

/* Replacements under way in @g: terminations of Unhealthy instances and
 * the launches replacing them. */
struct replacements {
    size_t terminating; /* Terminating instances being replaced */
    size_t pending;     /* Pending instances launched as replacements */
};

static void count_replacements(const struct group *g, struct replacements *r)
{
    r->terminating = r->pending = 0;
    for (size_t i = 0; i < g->n_instances; i++) {
        const struct instance *x = g->instances[i];
        r->terminating += x->lifecycle == INSTANCE_TERMINATING && x->replacing;
        r->pending += x->lifecycle == INSTANCE_PENDING && x->replacing;
    }
}

/* Rule 2: replace Unhealthy InService instances, a batch at a time: a
 * replacement is under way until its launch is InService. Returns how
 * many were started. */
static size_t plan_replace(const struct group *g,
                           const struct replacements *r,
                           const struct plan_input *in,
                           struct plan *p,
                           const char *at)
{
    size_t batch = g->desired / 10 > 1 ? g->desired / 10 : 1;
    size_t replacing =
        r->terminating > r->pending ? r->terminating : r->pending;
    size_t started = 0;

    for (size_t i = 0; i < g->n_instances && room(p, in); i++) {
        const struct instance *x = g->instances[i];
        struct plan_action *a;
        char id[20];

        if (x->lifecycle != INSTANCE_IN_SERVICE ||
            x->health != INSTANCE_UNHEALTHY) {
            continue;
        }
        if (replacing + started >= batch) {
            say(p,
                "unhealthy instances wait: %zu replaced at a time (10%% "
                "of desired %u, at least 1). ",
                batch, g->desired);
            break;
        }
        instance_id_format(x->id, id);
        a = add(p, PLAN_TERMINATE);
        a->instance = x->id;
        a->replace = true;
        snprintf(a->cause, sizeof a->cause,
                 "At %s an instance was taken out of service in response to "
                 "a health check: instance %s was Unhealthy (source: %s); a "
                 "replacement will be launched.",
                 at, id, instance_source_name(x->health_source));
        started++;
    }
    if (started > 0) {
        say(p, "replacing %zu unhealthy instances. ", started);
    }
    return started;
}

/* The instances of @g with an unfinished activity, as a set. */
static void busy_instances(const struct scaling *s,
                           const struct group *g,
                           struct u64map *busy)
{
    u64map_init(busy);
    for (size_t i = 0; i < g->n_activities; i++) {
        const struct activity *a = scaling_activity(s, g->activities[i]);
        if (!activity_is_finished(a) && a->instance != 0) {
            u64map_put(busy, a->instance, (void *)1);
        }
    }
}

/* Rule 3: a termination that failed is tried again (after the backoff). */
static void plan_retry(const struct scaling *s,
                       const struct group *g,
                       const struct plan_input *in,
                       struct plan *p,
                       const char *at)
{
    struct u64map busy;
    bool any = false;

    for (size_t i = 0; i < g->n_instances && !any; i++) {
        any = g->instances[i]->lifecycle == INSTANCE_TERMINATING;
    }
    if (!any) {
        return;
    }
    busy_instances(s, g, &busy);
    for (size_t i = 0; i < g->n_instances && room(p, in); i++) {
        const struct instance *x = g->instances[i];
        struct plan_action *a;
        char id[20];

        if (x->lifecycle != INSTANCE_TERMINATING ||
            u64map_get(&busy, x->id) != NULL) {
            continue;
        }
        if (in->now_ms < g->retry_after_ms) {
            p->blocked_until_ms = g->retry_after_ms;
            say(p, "a failed termination is retried after the backoff. ");
            break;
        }
        instance_id_format(x->id, id);
        a = add(p, PLAN_TERMINATE);
        a->instance = x->id;
        a->replace = x->replacing;
        snprintf(a->cause, sizeof a->cause,
                 "At %s the termination of instance %s was tried again after "
                 "a failed attempt.",
                 at, id);
        say(p, "retry the termination of %s. ", id);
    }
    u64map_close(&busy);
}

/* Rule 4a: launch @n instances, each into the zone with the fewest; the
 * first @replacing of them replace Unhealthy instances. */
static void plan_launch(const struct group *g,
                        size_t n,
                        size_t replacing,
                        size_t capacity,
                        const struct plan_input *in,
                        struct plan *p,
                        const char *at)
{
    size_t load[GROUP_ZONES_MAX] = { 0 };
    struct u64map taken;

    /* InService and Pending instances per zone, except those this plan
     * terminates (replacements); zones no longer listed do not count. */
    taken_init(&taken, p);
    for (size_t i = 0; i < g->n_instances; i++) {
        const struct instance *x = g->instances[i];
        long z;
        if ((x->lifecycle == INSTANCE_IN_SERVICE ||
             x->lifecycle == INSTANCE_PENDING) &&
            !is_taken(&taken, x) &&
            (z = group_zone_index(
                 g, (struct slice){ x->zone, strlen(x->zone) })) >= 0) {
            load[z]++;
        }
    }
    u64map_close(&taken);
    for (size_t k = 0; k < n && room(p, in); k++) {
        size_t best = 0;
        struct plan_action *a;

        for (size_t z = 1; z < g->n_zones; z++) {
            if (load[z] < load[best]) {
                best = z;
            }
        }
        a = add(p, PLAN_LAUNCH);
        a->zone = g->zones[best];
        a->replace = k < replacing;
        snprintf(a->cause, sizeof a->cause,
                 "At %s an instance was started in response to a difference "
                 "between desired and actual capacity, increasing the "
                 "capacity from %zu to %u. Zone %s had the fewest instances "
                 "(%zu).",
                 at, capacity, g->desired, g->zones[best], load[best]);
        say(p, "launch 1 in zone %s (it has %zu). ", g->zones[best],
            load[best]);
        load[best]++;
    }
}

/* A scale-in candidate and its sort key: one number per termination
 * policy, smaller first, then the instance id. */
struct victim {
    const struct instance *in;
    size_t zone; /* index into the zone tally */
    size_t n_keys;
    uint64_t key[GROUP_POLICIES_MAX];
};

static int victim_cmp(const void *pa, const void *pb)
{
    const struct victim *a = pa;
    const struct victim *b = pb;

    if (a->zone != b->zone) {
        return a->zone < b->zone ? -1 : 1;
    }
    for (size_t i = 0; i < a->n_keys; i++) {
        if (a->key[i] != b->key[i]) {
            return a->key[i] < b->key[i] ? -1 : 1;
        }
    }
    return a->in->id < b->in->id ? -1 : a->in->id > b->in->id;
}

/* The policies' keys of @x: OldestInstance the launch time, NewestInstance
 * its reverse, Default and ClosestToNextInstanceHour the time left to the
 * next instance hour. */
static void victim_keys(const struct group *g,
                        const struct instance *x,
                        uint64_t now,
                        struct victim *v)
{
    uint64_t up = now - (x->launch_ms < now ? x->launch_ms : now);

    v->n_keys = g->n_policies;
    for (size_t i = 0; i < g->n_policies; i++) {
        switch (g->policies[i]) {
        case GROUP_POLICY_OLDEST:
            v->key[i] = x->launch_ms;
            break;
        case GROUP_POLICY_NEWEST:
            v->key[i] = UINT64_MAX - x->launch_ms;
            break;
        default: /* Default and ClosestToNextInstanceHour */
            v->key[i] = HOUR_MS - up % HOUR_MS;
            break;
        }
    }
}

/* A zone's InService instances (protected ones counted) and where its
 * candidates start in the sorted array. */
struct zone_tally {
    const char *zone;
    size_t in_service;
    size_t first;
    size_t n;
    size_t next;
};

#define TALLY_MAX 64

/* The tally of @zone, added if new; NULL if there are too many zones. */
static struct zone_tally *
tally_of(struct zone_tally *t, size_t *n_t, const char *zone)
{
    for (size_t i = 0; i < *n_t; i++) {
        if (strcmp(t[i].zone, zone) == 0) {
            return &t[i];
        }
    }
    if (*n_t == TALLY_MAX) {
        return NULL;
    }
    memset(&t[*n_t], 0, sizeof t[*n_t]);
    t[*n_t].zone = zone;
    return &t[(*n_t)++];
}

/* Rule 4b: terminate @n unprotected InService instances: the zone with the
 * most InService instances that has an unprotected one, then the policies.
 * Linear in the group's size (then a sort of the candidates), however many
 * are chosen. Returns how many were chosen. */
static size_t plan_scale_in(const struct group *g,
                            size_t n,
                            size_t capacity,
                            const struct plan_input *in,
                            struct plan *p,
                            const char *at)
{
    struct zone_tally tally[TALLY_MAX];
    size_t n_tally = 0;
    struct victim *v = mem_calloc(g->n_instances + 1, sizeof *v);
    size_t n_v = 0;
    struct u64map taken;
    size_t done = 0;

    taken_init(&taken, p);
    for (size_t i = 0; i < g->n_instances; i++) {
        const struct instance *x = g->instances[i];
        struct zone_tally *t;
        if (x->lifecycle != INSTANCE_IN_SERVICE || is_taken(&taken, x) ||
            (t = tally_of(tally, &n_tally, x->zone)) == NULL) {
            continue;
        }
        t->in_service++;
        if (!x->protected_) {
            v[n_v].in = x;
            v[n_v].zone = (size_t)(t - tally);
            victim_keys(g, x, in->now_ms, &v[n_v]);
            n_v++;
        }
    }
    u64map_close(&taken);
    qsort(v, n_v, sizeof *v, victim_cmp);
    for (size_t i = 0; i < n_v; i++) {
        struct zone_tally *t = &tally[v[i].zone];
        if (t->n++ == 0) {
            t->first = i;
        }
    }
    while (done < n && room(p, in)) {
        struct zone_tally *z = NULL;
        const struct instance *victim;
        struct plan_action *a;
        char id[20];

        /* The zone: most InService instances, with an unprotected one. */
        for (size_t i = 0; i < n_tally; i++) {
            struct zone_tally *t = &tally[i];
            if (t->next < t->n && (z == NULL || t->in_service > z->in_service ||
                                   (t->in_service == z->in_service &&
                                    strcmp(t->zone, z->zone) < 0))) {
                z = t;
            }
        }
        if (z == NULL) {
            say(p, "Could not scale to desired capacity because all "
                   "remaining instances are protected from scale-in. ");
            break;
        }
        victim = v[z->first + z->next++].in;
        instance_id_format(victim->id, id);
        a = add(p, PLAN_TERMINATE);
        a->instance = victim->id;
        snprintf(a->cause, sizeof a->cause,
                 "At %s an instance was taken out of service in response to "
                 "a difference between desired and actual capacity, "
                 "shrinking the capacity from %zu to %u. At %s instance %s "
                 "was selected for termination: zone %s had the most "
                 "instances (%zu).",
                 at, capacity, g->desired, at, id, z->zone, z->in_service);
        say(p, "terminate %s in zone %s. ", id, z->zone);
        z->in_service--;
        done++;
    }
    mem_free(v);
    return done;
}

void plan_group(const struct scaling *s,
                const struct group *g,
                const struct plan_input *in,
                struct plan *p)
{
    struct scaling_counts c;
    struct replacements r;
    size_t capacity;
    size_t owed; /* replacement launches not yet made */
    char at[24];

    p->n = 0;
    p->summary[0] = '\0';
    p->blocked_until_ms = 0;
    plan_format_time(in->now_ms, at);
    if (g->deleting) {
        plan_delete(s, g, in, p, at);
        return;
    }
    scaling_count(s, g, &c);
    capacity = c.in_service + c.pending;
    say(p, "capacity %zu (%zu InService, %zu Pending) of desired %u; ",
        capacity, c.in_service, c.pending, g->desired);
    count_replacements(g, &r);
    owed = r.terminating + plan_replace(g, &r, in, p, at);
    owed = owed > r.pending ? owed - r.pending : 0;
    capacity -= p->n; /* the instances being replaced no longer count */
    plan_retry(s, g, in, p, at);
    if (g->honor_cooldown && in->now_ms < g->cooldown_end_ms &&
        capacity != g->desired) {
        char until[24];
        size_t n = capacity < g->desired ? g->desired - capacity : 0;
        /* Replacements ignore the cooldown; the change of capacity waits. */
        if (n > owed) {
            n = owed;
        }
        if (n > 0 && in->now_ms >= g->retry_after_ms) {
            plan_launch(g, n, n, capacity, in, p, at);
        }
        plan_format_time(g->cooldown_end_ms, until);
        p->blocked_until_ms = g->cooldown_end_ms;
        say(p,
            "blocked by cooldown until %s (the desired capacity was set "
            "with HONORCOOLDOWN).",
            until);
        return;
    }
    if (capacity < g->desired) {
        if (in->now_ms < g->retry_after_ms) {
            char until[24];
            plan_format_time(g->retry_after_ms, until);
            p->blocked_until_ms = g->retry_after_ms;
            say(p, "launches wait until %s after a failed launch.", until);
            return;
        }
        plan_launch(g, g->desired - capacity, owed, capacity, in, p, at);
    } else if (capacity > g->desired) {
        if (plan_scale_in(g, capacity - g->desired, capacity, in, p, at) == 0 &&
            c.in_service == 0) {
            say(p, "waiting for %zu launches in progress.", c.pending);
        }
    } else if (p->n == 0) {
        say(p, "nothing to do.");
    }
}

/* Auto-scaling ops (proto/ENTRY.md, docs/scaling.md): groups, instances and
 * activities, from clients' commands and from the leader's controller.
 * Times are the entry's (f->now_ms, the proposer's clock); a controller op
 * decided in a raft term older than the latest controller's claim is
 * refused, so a deposed leader's late decisions never apply. */
#include <stdio.h>
#include <string.h>

#include "fsm/ops.h"
#include "fsm/scaling_query.h"
#include "lib/mem.h"
#include "resp/reply.h"
#include "scaling/plan.h"

/* An error whose text starts with its code word ("ValidationError ..."). */
static void reply_coded(struct buf *reply, const char *errmsg)
{
    const char *space = strchr(errmsg, ' ');

    if (reply == NULL) {
        return;
    }
    if (space == NULL) {
        reply_error(reply, "ERR", "%s", errmsg);
    } else {
        char code[64];
        size_t n = (size_t)(space - errmsg) < sizeof code - 1
                       ? (size_t)(space - errmsg)
                       : sizeof code - 1;
        memcpy(code, errmsg, n);
        code[n] = '\0';
        reply_error(reply, code, "%s", space + 1);
    }
}

static struct group *
find_group(struct fsm *f, struct slice name, struct buf *reply)
{
    struct group *g = scaling_group(&f->scaling, name);

    if (g == NULL && reply != NULL) {
        reply_error(reply, "ValidationError",
                    "AutoScalingGroup name not found - AutoScalingGroup "
                    "%.*s not found",
                    (int)(name.len > 255 ? 255 : name.len), name.base);
    }
    return g;
}

/* A live instance (not terminated or detached). */
static struct instance *
find_instance(struct fsm *f, struct slice arg, struct buf *reply)
{
    uint64_t id;
    struct instance *in = NULL;

    if (instance_id_parse(arg, &id)) {
        in = scaling_instance(&f->scaling, id);
    }
    if ((in == NULL || !instance_is_live(in)) && reply != NULL) {
        reply_error(reply, "ValidationError",
                    "instance %.*s is not in any AutoScalingGroup",
                    (int)(arg.len > 32 ? 32 : arg.len), arg.base);
    }
    return in != NULL && instance_is_live(in) ? in : NULL;
}

/* "DECREMENT 0|1" at @a; false after an error reply. */
static bool
parse_decrement(const struct slice *a, bool *decrement, struct buf *reply)
{
    if (!slice_eq_nocase(a[0], "decrement") || a[1].len != 1 ||
        (a[1].base[0] != '0' && a[1].base[0] != '1')) {
        if (reply != NULL) {
            reply_error(reply, "ValidationError",
                        "expected DECREMENT 0 or DECREMENT 1");
        }
        return false;
    }
    *decrement = a[1].base[0] == '1';
    return true;
}

static bool move_desired(struct group *g, long delta, struct buf *reply)
{
    char errmsg[SK_ERRMSG_SIZE];
    long desired = (long)g->desired + delta;

    if (desired < 0 || group_check_desired(g, (uint64_t)desired, errmsg) != 0) {
        if (desired < 0) {
            snprintf(errmsg, sizeof errmsg,
                     "ValidationError desired capacity cannot go below 0");
        }
        reply_coded(reply, errmsg);
        return false;
    }
    g->desired = (uint32_t)desired;
    return true;
}

static void group_create_op(struct fsm *f,
                            size_t argc,
                            const struct slice *a,
                            struct buf *reply)
{
    char errmsg[SK_ERRMSG_SIZE];
    struct group_options o;
    struct group *g;

    if (group_parse_options(argc - 1, a + 1, &o, errmsg) != 0 ||
        group_create(a[0], &o, f->now_ms, &g, errmsg) != 0) {
        reply_coded(reply, errmsg);
        return;
    }
    if (!scaling_group_add(&f->scaling, g)) {
        if (reply != NULL) {
            reply_error(reply, "AlreadyExists",
                        "AutoScalingGroup by this name already exists - A "
                        "group with the name %s already exists",
                        g->name);
        }
        group_free(g);
        return;
    }
    if (reply != NULL) {
        reply_ok(reply);
    }
}

static void group_update_op(struct fsm *f,
                            size_t argc,
                            const struct slice *a,
                            struct buf *reply)
{
    char errmsg[SK_ERRMSG_SIZE];
    struct group_options o;
    struct group *g = find_group(f, a[0], reply);

    if (g == NULL) {
        return;
    }
    if (g->deleting) {
        if (reply != NULL) {
            reply_error(reply, "ScalingActivityInProgress",
                        "group %s is being deleted", g->name);
        }
        return;
    }
    if (group_parse_options(argc - 1, a + 1, &o, errmsg) != 0 ||
        group_update(g, &o, errmsg) != 0) {
        reply_coded(reply, errmsg);
        return;
    }
    if (reply != NULL) {
        reply_ok(reply);
    }
}

static void group_delete_op(struct fsm *f,
                            size_t argc,
                            const struct slice *a,
                            struct buf *reply)
{
    struct group *g = find_group(f, a[0], reply);
    bool force = argc == 2 && slice_eq_nocase(a[1], "force");
    struct scaling_counts c;
    size_t live;

    if (g == NULL) {
        return;
    }
    if (argc == 2 && !force) {
        if (reply != NULL) {
            reply_error(reply, "ValidationError", "syntax error");
        }
        return;
    }
    scaling_count(&f->scaling, g, &c);
    live = c.pending + c.in_service + c.standby + c.terminating;
    if ((live > 0 || c.unfinished_activities > 0) && !force) {
        if (reply != NULL && live > 0) {
            reply_error(reply, "ResourceInUse",
                        "You cannot delete an AutoScalingGroup while there "
                        "are instances still in the group (%zu; GROUP.DELETE "
                        "... FORCE terminates them first)",
                        live);
        } else if (reply != NULL) {
            reply_error(reply, "ScalingActivityInProgress",
                        "You cannot delete an AutoScalingGroup while there "
                        "are scaling activities in progress for that group");
        }
        return;
    }
    if (live == 0 && c.unfinished_activities == 0) {
        scaling_group_remove(&f->scaling, g);
    } else {
        g->deleting = true;
        g->min = 0;
        g->desired = 0;
        g->honor_cooldown = false;
    }
    if (reply != NULL) {
        reply_ok(reply);
    }
}

static void group_setdesired_op(struct fsm *f,
                                size_t argc,
                                const struct slice *a,
                                struct buf *reply)
{
    struct group *g = find_group(f, a[0], reply);
    bool honor = argc == 3 && slice_eq_nocase(a[2], "honorcooldown");
    char errmsg[SK_ERRMSG_SIZE];
    uint64_t n;

    if (g == NULL) {
        return;
    }
    if ((argc == 3 && !honor) || !slice_to_u64(a[1], &n)) {
        if (reply != NULL) {
            reply_error(reply, "ValidationError",
                        "expected GROUP.SETDESIRED name n [HONORCOOLDOWN]");
        }
        return;
    }
    if (g->deleting) {
        if (reply != NULL) {
            reply_error(reply, "ScalingActivityInProgress",
                        "group %s is being deleted", g->name);
        }
        return;
    }
    if (group_check_desired(g, n, errmsg) != 0) {
        reply_coded(reply, errmsg);
        return;
    }
    g->desired = (uint32_t)n;
    g->honor_cooldown = honor;
    if (reply != NULL) {
        reply_ok(reply);
    }
}

static void
instance_sethealth_op(struct fsm *f, const struct slice *a, struct buf *reply)
{
    struct instance *in = find_instance(f, a[0], reply);

    if (in == NULL) {
        return;
    }
    if (slice_eq_nocase(a[1], "healthy")) {
        in->health = INSTANCE_HEALTHY;
    } else if (slice_eq_nocase(a[1], "unhealthy")) {
        in->health = INSTANCE_UNHEALTHY;
    } else {
        if (reply != NULL) {
            reply_error(reply, "ValidationError",
                        "health status must be Healthy or Unhealthy");
        }
        return;
    }
    in->health_source = INSTANCE_SOURCE_CLIENT;
    if (reply != NULL) {
        reply_ok(reply);
    }
}

static void
instance_protect_op(struct fsm *f, const struct slice *a, struct buf *reply)
{
    struct instance *in = find_instance(f, a[0], reply);

    if (in == NULL) {
        return;
    }
    if (a[1].len != 1 || (a[1].base[0] != '0' && a[1].base[0] != '1')) {
        if (reply != NULL) {
            reply_error(reply, "ValidationError", "protection is 0 or 1");
        }
        return;
    }
    in->protected_ = a[1].base[0] == '1';
    if (reply != NULL) {
        reply_ok(reply);
    }
}

/* A client's terminate: the instance leaves service now and a Pending
 * activity waits for the controller to order it. */
static void
instance_terminate_op(struct fsm *f, const struct slice *a, struct buf *reply)
{
    struct instance *in = find_instance(f, a[0], reply);
    char cause[PLAN_CAUSE_MAX];
    char at[24];
    char id[20];
    struct activity *act;
    uint32_t before;
    bool decrement;

    if (in == NULL || !parse_decrement(a + 1, &decrement, reply)) {
        return;
    }
    if (in->lifecycle != INSTANCE_IN_SERVICE &&
        in->lifecycle != INSTANCE_STANDBY) {
        if (reply != NULL) {
            reply_error(reply, "ScalingActivityInProgress",
                        "instance %.*s is %s", (int)a[0].len, a[0].base,
                        instance_lifecycle_name(in->lifecycle));
        }
        return;
    }
    before = in->group->desired;
    if (decrement && !move_desired(in->group, -1, reply)) {
        return;
    }
    instance_id_format(in->id, id);
    plan_format_time(f->now_ms, at);
    if (decrement) {
        snprintf(cause, sizeof cause,
                 "At %s instance %s was taken out of service in response to "
                 "a user request (INSTANCE.TERMINATE), shrinking the desired "
                 "capacity from %u to %u.",
                 at, id, before, in->group->desired);
    } else {
        snprintf(cause, sizeof cause,
                 "At %s instance %s was taken out of service in response to "
                 "a user request (INSTANCE.TERMINATE); the desired capacity "
                 "stays %u, so a replacement will be launched.",
                 at, id, before);
    }
    scaling_instance_set_lifecycle(&f->scaling, in, INSTANCE_TERMINATING);
    act = scaling_activity_add(&f->scaling, in->group, ACTIVITY_TERMINATE,
                               ACTIVITY_PENDING, in->id, in->zone, cause,
                               f->now_ms);
    if (reply != NULL) {
        scaling_reply_activity(reply, act);
    }
}

/* A record-only activity, finished at once (attach, detach). */
static struct activity *
record(struct fsm *f, struct instance *in, uint8_t kind, const char *why)
{
    char cause[PLAN_CAUSE_MAX];
    char at[24];
    struct activity *a;
    uint64_t id_num;

    plan_format_time(f->now_ms, at);
    snprintf(cause, sizeof cause, "At %s %s", at, why);
    a = scaling_activity_add(&f->scaling, in->group, kind, ACTIVITY_IN_PROGRESS,
                             in->id, in->zone, cause, f->now_ms);
    id_num = a->id;
    scaling_activity_finish(&f->scaling, a, ACTIVITY_SUCCESSFUL,
                            (struct slice){ "", 0 }, f->now_ms);
    return scaling_activity(&f->scaling, id_num); /* the newest: still kept */
}

static void
instance_attach_op(struct fsm *f, const struct slice *a, struct buf *reply)
{
    struct group *g = find_group(f, a[0], reply);
    struct instance *in;
    char why[PLAN_CAUSE_MAX];
    char id[20];

    if (g == NULL) {
        return;
    }
    if (group_zone_index(g, a[1]) < 0) {
        if (reply != NULL) {
            reply_error(reply, "ValidationError",
                        "zone %.*s is not one of group %s's zones",
                        (int)(a[1].len > 64 ? 64 : a[1].len), a[1].base,
                        g->name);
        }
        return;
    }
    if (a[2].len == 0 || a[2].len > 256 || memchr(a[2].base, '\0', a[2].len)) {
        if (reply != NULL) {
            reply_error(reply, "ValidationError",
                        "an address is 1 to 256 bytes of text");
        }
        return;
    }
    if (g->deleting || !move_desired(g, 1, reply)) {
        if (g->deleting && reply != NULL) {
            reply_error(reply, "ScalingActivityInProgress",
                        "group %s is being deleted", g->name);
        }
        return;
    }
    in = scaling_instance_add(&f->scaling, g, a[1], INSTANCE_IN_SERVICE,
                              f->now_ms, 0);
    in->protected_ = false;
    mem_free(in->address);
    in->address = mem_strndup(a[2].base, a[2].len);
    in->grace_end_ms = f->now_ms + (uint64_t)g->grace_s * 1000;
    instance_id_format(in->id, id);
    snprintf(why, sizeof why,
             "an existing instance %s at %.*s was attached by a user "
             "request (INSTANCE.ATTACH), increasing the desired capacity to "
             "%u.",
             id, (int)(a[2].len > 128 ? 128 : a[2].len), a[2].base, g->desired);
    in->activity = record(f, in, ACTIVITY_ATTACH, why)->id;
    if (reply != NULL) {
        reply_bulk_str(reply, id);
    }
}

static void
instance_detach_op(struct fsm *f, const struct slice *a, struct buf *reply)
{
    struct instance *in = find_instance(f, a[0], reply);
    char why[PLAN_CAUSE_MAX];
    bool decrement;

    if (in == NULL || !parse_decrement(a + 1, &decrement, reply)) {
        return;
    }
    if (in->lifecycle != INSTANCE_IN_SERVICE &&
        in->lifecycle != INSTANCE_STANDBY) {
        if (reply != NULL) {
            reply_error(reply, "ValidationError",
                        "only InService or Standby instances can be "
                        "detached, not %s",
                        instance_lifecycle_name(in->lifecycle));
        }
        return;
    }
    if (decrement && in->lifecycle == INSTANCE_IN_SERVICE &&
        !move_desired(in->group, -1, reply)) {
        return;
    }
    snprintf(why, sizeof why,
             "the instance was detached by a user request "
             "(INSTANCE.DETACH)%s.",
             decrement ? ", shrinking the desired capacity"
                       : "; a replacement will be launched");
    in->protected_ = false;
    scaling_instance_set_lifecycle(&f->scaling, in, INSTANCE_DETACHED);
    {
        struct activity *act = record(f, in, ACTIVITY_DETACH, why);
        if (reply != NULL) {
            scaling_reply_activity(reply, act);
        }
    }
}

static void
instance_standby_op(struct fsm *f, const struct slice *a, struct buf *reply)
{
    struct instance *in = find_instance(f, a[0], reply);
    bool decrement;

    if (in == NULL || !parse_decrement(a + 1, &decrement, reply)) {
        return;
    }
    if (in->lifecycle != INSTANCE_IN_SERVICE) {
        if (reply != NULL) {
            reply_error(reply, "ValidationError",
                        "only InService instances enter Standby, not %s",
                        instance_lifecycle_name(in->lifecycle));
        }
        return;
    }
    if (decrement && !move_desired(in->group, -1, reply)) {
        return;
    }
    in->lifecycle = INSTANCE_STANDBY;
    if (reply != NULL) {
        reply_ok(reply);
    }
}

static void
instance_resume_op(struct fsm *f, const struct slice *a, struct buf *reply)
{
    struct instance *in = find_instance(f, a[0], reply);

    if (in == NULL) {
        return;
    }
    if (in->lifecycle != INSTANCE_STANDBY) {
        if (reply != NULL) {
            reply_error(reply, "ValidationError",
                        "only Standby instances resume, not %s",
                        instance_lifecycle_name(in->lifecycle));
        }
        return;
    }
    if (!move_desired(in->group, 1, reply)) {
        return;
    }
    in->lifecycle = INSTANCE_IN_SERVICE;
    in->grace_end_ms = f->now_ms + (uint64_t)in->group->grace_s * 1000;
    if (reply != NULL) {
        reply_ok(reply);
    }
}

/* The first line of a launch's details is the instance's address. */
static void take_address(struct instance *in, struct slice details)
{
    const char *nl =
        details.len > 0 ? memchr(details.base, '\n', details.len) : NULL;
    size_t n = nl != NULL ? (size_t)(nl - details.base) : details.len;

    if (n > 0 && n <= 256 && memchr(details.base, '\0', n) == NULL) {
        mem_free(in->address);
        in->address = mem_strndup(details.base, n);
    }
}

static void start_cooldown(struct fsm *f, struct group *g)
{
    uint64_t end = f->now_ms + (uint64_t)g->cooldown_s * 1000;

    if (end > g->cooldown_end_ms) {
        g->cooldown_end_ms = end;
    }
}

/* A failed activity backs its group off, 1 s doubling to 60 s; a
 * successful one ends the backoff. In the replicated state, so a new
 * leader keeps it, and for every actuator, external ones too. */
static void back_off(struct fsm *f, struct group *g, bool ok)
{
    uint64_t delay;

    if (ok) {
        g->failures = 0;
        g->retry_after_ms = 0;
        return;
    }
    if (g->failures < UINT32_MAX) {
        g->failures++;
    }
    delay = (uint64_t)GROUP_BACKOFF_MIN_MS
            << (g->failures < 7 ? g->failures - 1 : 6);
    g->retry_after_ms =
        f->now_ms +
        (delay < GROUP_BACKOFF_MAX_MS ? delay : GROUP_BACKOFF_MAX_MS);
}

/* The outcome of an ordered activity, from the controller or an external
 * provisioner, with the activity's current token. */
static void finish(struct fsm *f, const struct slice *a, struct buf *reply)
{
    uint64_t id;
    uint64_t token;
    uint8_t status;
    struct activity *act = NULL;
    struct instance *in;
    struct group *g;
    struct slice details = a[3];

    if (!slice_to_u64(a[0], &id) ||
        (act = scaling_activity(&f->scaling, id)) == NULL) {
        if (reply != NULL) {
            reply_error(reply, "ValidationError", "activity %.*s not found",
                        (int)(a[0].len > 32 ? 32 : a[0].len), a[0].base);
        }
        return;
    }
    if (!slice_to_u64(a[1], &token) || !activity_status_parse(a[2], &status)) {
        if (reply != NULL) {
            reply_error(reply, "ValidationError",
                        "expected a token and Successful or Failed");
        }
        return;
    }
    if (act->status != ACTIVITY_IN_PROGRESS) {
        if (reply != NULL) {
            reply_error(reply, "FENCED",
                        "activity %llu is already %s; outcome not recorded",
                        (unsigned long long)act->id,
                        activity_status_name(act->status));
        }
        return;
    }
    if (token != act->token) {
        if (reply != NULL) {
            reply_error(reply, "FENCED",
                        "token %llu is stale: activity %llu was ordered "
                        "again with token %llu",
                        (unsigned long long)token, (unsigned long long)act->id,
                        (unsigned long long)act->token);
        }
        return;
    }
    in = scaling_instance(&f->scaling, act->instance);
    g = in != NULL ? in->group : NULL;
    if (in != NULL && act->kind == ACTIVITY_LAUNCH &&
        in->lifecycle == INSTANCE_PENDING) {
        in->replacing = false;
        if (status == ACTIVITY_SUCCESSFUL) {
            in->lifecycle = INSTANCE_IN_SERVICE;
            take_address(in, details);
            in->grace_end_ms = f->now_ms + (uint64_t)g->grace_s * 1000;
            start_cooldown(f, g);
        } else {
            scaling_instance_set_lifecycle(&f->scaling, in,
                                           INSTANCE_TERMINATED);
        }
    } else if (in != NULL && act->kind == ACTIVITY_TERMINATE &&
               in->lifecycle == INSTANCE_TERMINATING &&
               status == ACTIVITY_SUCCESSFUL) {
        bool replacing = in->replacing;
        scaling_instance_set_lifecycle(&f->scaling, in, INSTANCE_TERMINATED);
        if (!replacing) {
            start_cooldown(f, g);
        }
    }
    if (g != NULL) {
        back_off(f, g, status == ACTIVITY_SUCCESSFUL);
    }
    scaling_activity_finish(&f->scaling, act, status, details, f->now_ms);
    if (reply != NULL) {
        reply_ok(reply);
    }
}

static void activity_complete_op(struct fsm *f,
                                 size_t argc,
                                 const struct slice *a,
                                 struct buf *reply)
{
    struct slice args[4] = { a[0], a[1], a[2], { "", 0 } };

    if (argc == 4) {
        args[3] = a[3];
    }
    finish(f, args, reply);
}

/* Controller ops: @a[0] is the term the decision was made in. */
static bool term_ok(struct fsm *f, struct slice arg, struct buf *reply)
{
    uint64_t term;

    if (!slice_to_u64(arg, &term) || term < f->scaling.ctrl_term) {
        if (reply != NULL) {
            reply_error(reply, "FENCED",
                        "decided by the controller of term %.*s, superseded "
                        "by term %llu",
                        (int)(arg.len > 20 ? 20 : arg.len), arg.base,
                        (unsigned long long)f->scaling.ctrl_term);
        }
        return false;
    }
    f->scaling.ctrl_term = term;
    return true;
}

static void
ctrl_claim_op(struct fsm *f, const struct slice *a, struct buf *reply)
{
    uint64_t node = 0;

    if (!slice_to_u64(a[1], &node)) {
        if (reply != NULL) {
            reply_error(reply, "ERR", "CTRL.CLAIM: bad node id");
        }
        return;
    }
    if (term_ok(f, a[0], reply)) {
        f->scaling.ctrl_node = node;
        if (reply != NULL) {
            reply_int(reply, (long long)f->scaling.ctrl_term);
        }
    }
}

/* CTRL.START term group launch zone replace cause | term group terminate id
 * replace cause: the decision and its first order, in one entry. */
static void
ctrl_start_op(struct fsm *f, const struct slice *a, struct buf *reply)
{
    struct group *g;
    struct instance *in;
    struct activity *act;
    char id[20];
    char *cause;
    char *zone;
    bool replace;

    if (!term_ok(f, a[0], reply) || (g = find_group(f, a[1], reply)) == NULL) {
        return;
    }
    replace = a[4].len == 1 && a[4].base[0] == '1';
    if (slice_eq_nocase(a[2], "launch") && group_zone_index(g, a[3]) < 0) {
        if (reply != NULL) {
            reply_error(reply, "ValidationError",
                        "zone %.*s is not one of group %s's zones",
                        (int)(a[3].len > 64 ? 64 : a[3].len), a[3].base,
                        g->name);
        }
        return;
    }
    cause = mem_strndup(a[5].base, a[5].len);
    if (slice_eq_nocase(a[2], "launch")) {
        zone = mem_strndup(a[3].base, a[3].len);
        in = scaling_instance_add(&f->scaling, g, a[3], INSTANCE_PENDING,
                                  f->now_ms, 0);
        in->replacing = replace;
        instance_id_format(in->id, id);
        act = scaling_activity_add(&f->scaling, g, ACTIVITY_LAUNCH,
                                   ACTIVITY_IN_PROGRESS, in->id, zone, cause,
                                   f->now_ms);
        in->activity = act->id;
        mem_free(zone);
    } else {
        in = find_instance(f, a[3], reply);
        if (in == NULL || in->group != g ||
            (in->lifecycle != INSTANCE_IN_SERVICE &&
             in->lifecycle != INSTANCE_STANDBY &&
             in->lifecycle != INSTANCE_TERMINATING)) {
            if (in != NULL && reply != NULL) {
                reply_error(reply, "ScalingActivityInProgress",
                            "instance %.*s is %s", (int)a[3].len, a[3].base,
                            instance_lifecycle_name(in->lifecycle));
            }
            mem_free(cause);
            return;
        }
        in->replacing = replace;
        scaling_instance_set_lifecycle(&f->scaling, in, INSTANCE_TERMINATING);
        instance_id_format(in->id, id);
        act = scaling_activity_add(&f->scaling, g, ACTIVITY_TERMINATE,
                                   ACTIVITY_IN_PROGRESS, in->id, in->zone,
                                   cause, f->now_ms);
    }
    mem_free(cause);
    if (!replace) {
        /* The change waited for with HONORCOOLDOWN is being made; health
         * replacements do not count (they ignore the cooldown). */
        g->honor_cooldown = false;
    }
    act->token = scaling_next_token(&f->scaling);
    act->attempts = 1;
    act->started_by = act->ordered_by = f->scaling.ctrl_node;
    act->progress = 50;
    if (reply != NULL) {
        reply_array(reply, 3);
        reply_int(reply, (long long)act->id);
        reply_bulk_str(reply, id);
        reply_int(reply, (long long)act->token);
    }
}

/* CTRL.ORDER term activity: (again) order an unfinished activity, with a
 * new token: a new leader resuming, or a client's terminate. */
static void
ctrl_order_op(struct fsm *f, const struct slice *a, struct buf *reply)
{
    struct activity *act = NULL;
    uint64_t id;

    if (!term_ok(f, a[0], reply)) {
        return;
    }
    if (!slice_to_u64(a[1], &id) ||
        (act = scaling_activity(&f->scaling, id)) == NULL ||
        activity_is_finished(act)) {
        if (reply != NULL) {
            reply_error(reply, "ValidationError",
                        "activity %.*s is not unfinished",
                        (int)(a[1].len > 32 ? 32 : a[1].len), a[1].base);
        }
        return;
    }
    act->status = ACTIVITY_IN_PROGRESS;
    act->progress = 50;
    act->token = scaling_next_token(&f->scaling);
    act->attempts++;
    act->ordered_by = f->scaling.ctrl_node;
    if (reply != NULL) {
        reply_int(reply, (long long)act->token);
    }
}

static void
ctrl_health_op(struct fsm *f, const struct slice *a, struct buf *reply)
{
    struct instance *in;

    if (!term_ok(f, a[0], reply) ||
        (in = find_instance(f, a[1], reply)) == NULL) {
        return;
    }
    if (in->lifecycle == INSTANCE_IN_SERVICE) {
        in->health = INSTANCE_UNHEALTHY;
        in->health_source = INSTANCE_SOURCE_HEARTBEAT;
    }
    if (reply != NULL) {
        reply_ok(reply);
    }
}

static void
ctrl_remove_op(struct fsm *f, const struct slice *a, struct buf *reply)
{
    struct group *g;
    struct scaling_counts c;

    if (!term_ok(f, a[0], reply) || (g = find_group(f, a[1], reply)) == NULL) {
        return;
    }
    scaling_count(&f->scaling, g, &c);
    if (!g->deleting ||
        c.pending + c.in_service + c.standby + c.terminating > 0 ||
        c.unfinished_activities > 0) {
        if (reply != NULL) {
            reply_error(reply, "ScalingActivityInProgress",
                        "group %s is not drained", g->name);
        }
        return;
    }
    scaling_group_remove(&f->scaling, g);
    if (reply != NULL) {
        reply_ok(reply);
    }
}

static struct slice name_of(const char *name)
{
    return (struct slice){ name, strlen(name) };
}

/* The group an op applied to (it may be gone since), for the controller;
 * empty when it cannot say (a claim: every group). */
static struct slice changed_group(const struct fsm *f,
                                  const struct entry_cmd *cmd)
{
    const struct slice *a = cmd->argv;
    const struct instance *in = NULL;
    const struct activity *act = NULL;
    uint64_t id = 0;

    switch (cmd->op) {
    case ENTRY_OP_GROUP_CREATE:
    case ENTRY_OP_GROUP_UPDATE:
    case ENTRY_OP_GROUP_DELETE:
    case ENTRY_OP_GROUP_SETDESIRED:
    case ENTRY_OP_INSTANCE_ATTACH:
        return a[0];
    case ENTRY_OP_CTRL_START:
    case ENTRY_OP_CTRL_REMOVE:
        return a[1];
    case ENTRY_OP_INSTANCE_SETHEALTH:
    case ENTRY_OP_INSTANCE_PROTECT:
    case ENTRY_OP_INSTANCE_TERMINATE:
    case ENTRY_OP_INSTANCE_DETACH:
    case ENTRY_OP_INSTANCE_STANDBY:
    case ENTRY_OP_INSTANCE_RESUME:
        if (instance_id_parse(a[0], &id)) {
            in = scaling_instance(&f->scaling, id);
        }
        break;
    case ENTRY_OP_CTRL_HEALTH:
        if (instance_id_parse(a[1], &id)) {
            in = scaling_instance(&f->scaling, id);
        }
        break;
    case ENTRY_OP_ACTIVITY_COMPLETE:
        if (slice_to_u64(a[0], &id)) {
            act = scaling_activity(&f->scaling, id);
        }
        break;
    case ENTRY_OP_CTRL_ORDER:
    case ENTRY_OP_CTRL_FINISH:
        if (slice_to_u64(a[1], &id)) {
            act = scaling_activity(&f->scaling, id);
        }
        break;
    default:
        break;
    }
    if (in != NULL) {
        return name_of(in->group->name);
    }
    if (act != NULL) {
        return name_of(act->group);
    }
    return (struct slice){ "", 0 };
}

void fsm_apply_scaling_op(struct fsm *f,
                          const struct entry_cmd *cmd,
                          struct buf *reply)
{
    const struct slice *a = cmd->argv;

    switch (cmd->op) {
    case ENTRY_OP_GROUP_CREATE:
        group_create_op(f, cmd->argc, a, reply);
        break;
    case ENTRY_OP_GROUP_UPDATE:
        group_update_op(f, cmd->argc, a, reply);
        break;
    case ENTRY_OP_GROUP_DELETE:
        group_delete_op(f, cmd->argc, a, reply);
        break;
    case ENTRY_OP_GROUP_SETDESIRED:
        group_setdesired_op(f, cmd->argc, a, reply);
        break;
    case ENTRY_OP_INSTANCE_SETHEALTH:
        instance_sethealth_op(f, a, reply);
        break;
    case ENTRY_OP_INSTANCE_PROTECT:
        instance_protect_op(f, a, reply);
        break;
    case ENTRY_OP_INSTANCE_TERMINATE:
        instance_terminate_op(f, a, reply);
        break;
    case ENTRY_OP_INSTANCE_ATTACH:
        instance_attach_op(f, a, reply);
        break;
    case ENTRY_OP_INSTANCE_DETACH:
        instance_detach_op(f, a, reply);
        break;
    case ENTRY_OP_INSTANCE_STANDBY:
        instance_standby_op(f, a, reply);
        break;
    case ENTRY_OP_INSTANCE_RESUME:
        instance_resume_op(f, a, reply);
        break;
    case ENTRY_OP_ACTIVITY_COMPLETE:
        activity_complete_op(f, cmd->argc, a, reply);
        break;
    case ENTRY_OP_CTRL_CLAIM:
        ctrl_claim_op(f, a, reply);
        break;
    case ENTRY_OP_CTRL_START:
        ctrl_start_op(f, a, reply);
        break;
    case ENTRY_OP_CTRL_ORDER:
        ctrl_order_op(f, a, reply);
        break;
    case ENTRY_OP_CTRL_FINISH:
        if (term_ok(f, a[0], reply)) {
            finish(f, a + 1, reply);
        }
        break;
    case ENTRY_OP_CTRL_HEALTH:
        ctrl_health_op(f, a, reply);
        break;
    case ENTRY_OP_CTRL_REMOVE:
        ctrl_remove_op(f, a, reply);
        break;
    default:
        break;
    }
    if (f->observer != NULL && f->observer->scaling_changed != NULL) {
        f->observer->scaling_changed(f->observer->data, changed_group(f, cmd));
    }
}

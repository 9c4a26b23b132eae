/* Auto-scaling commands (proto/PROTOCOL.md §3.11): GROUP.*, INSTANCE.* and
 * ACTIVITY.*. Writes are checked here, then applied by fsm/scaling_ops.c;
 * reads answer from fsm/scaling_query.c. INSTANCE.HEARTBEAT is a read that
 * always reaches the leader and rides on the next log entry, as a lease
 * keepalive does: no disk write of its own. */
#include <stdio.h>
#include <string.h>

#include "cmd/handlers.h"
#include "cmd/session.h"
#include "fsm/entry.h"
#include "fsm/scaling_query.h"
#include "node/node.h"
#include "resp/reply.h"
#include "scaling/plan.h"

/* An error whose text starts with its code word. */
static int refuse(struct call *c, const char *errmsg)
{
    const char *space = strchr(errmsg, ' ');

    if (space == NULL) {
        reply_error(&c->p->reply, "ERR", "%s", errmsg);
    } else {
        reply_error(&c->p->reply, "", "%.*s%s", (int)(space - errmsg), errmsg,
                    space);
    }
    return -1;
}

static int check_options(struct call *c, size_t first)
{
    char errmsg[SK_ERRMSG_SIZE];
    struct group_options o;

    if (group_check_name(c->argv[1], errmsg) != 0 ||
        group_parse_options(c->argc - first, c->argv + first, &o, errmsg) !=
            0) {
        return refuse(c, errmsg);
    }
    if (o.has_actuator) {
        char name[65];
        snprintf(name, sizeof name, "%.*s", (int)o.actuator.len,
                 o.actuator.base);
        if (!actuators_known(&c->node->actuators, name)) {
            reply_error(&c->p->reply, "ValidationError",
                        "actuator '%s' is not configured on this node "
                        "(scalekeeperd --actuator, --local-actuator-dir; "
                        "'external' is built in)",
                        name);
            return -1;
        }
    }
    return 0;
}

int cmd_group_create(struct call *c, uint8_t *op)
{
    if (check_options(c, 2) != 0) {
        return -1;
    }
    *op = ENTRY_OP_GROUP_CREATE;
    return 0;
}

int cmd_group_update(struct call *c, uint8_t *op)
{
    if (check_options(c, 2) != 0) {
        return -1;
    }
    *op = ENTRY_OP_GROUP_UPDATE;
    return 0;
}

int cmd_group_delete(struct call *c, uint8_t *op)
{
    char errmsg[SK_ERRMSG_SIZE];

    if (group_check_name(c->argv[1], errmsg) != 0) {
        return refuse(c, errmsg);
    }
    if (c->argc > 3 ||
        (c->argc == 3 && !slice_eq_nocase(c->argv[2], "force"))) {
        reply_error(&c->p->reply, "ERR", "syntax error");
        return -1;
    }
    *op = ENTRY_OP_GROUP_DELETE;
    return 0;
}

int cmd_group_setdesired(struct call *c, uint8_t *op)
{
    char errmsg[SK_ERRMSG_SIZE];
    uint64_t n;

    if (group_check_name(c->argv[1], errmsg) != 0) {
        return refuse(c, errmsg);
    }
    if (c->argc > 4 || !slice_to_u64(c->argv[2], &n) ||
        n > GROUP_CAPACITY_MAX ||
        (c->argc == 4 && !slice_eq_nocase(c->argv[3], "honorcooldown"))) {
        reply_error(&c->p->reply, "ValidationError",
                    "expected GROUP.SETDESIRED name n [HONORCOOLDOWN], n from "
                    "0 to %d",
                    GROUP_CAPACITY_MAX);
        return -1;
    }
    *op = ENTRY_OP_GROUP_SETDESIRED;
    return 0;
}

int cmd_check_group(struct call *c)
{
    char errmsg[SK_ERRMSG_SIZE];

    return group_check_name(c->argv[1], errmsg) != 0 ? refuse(c, errmsg) : 0;
}

static const struct group *
group_or_error(struct node *n, struct slice name, struct buf *reply)
{
    const struct group *g = scaling_group(&n->fsm.scaling, name);

    if (g == NULL) {
        reply_error(reply, "ValidationError",
                    "AutoScalingGroup name not found - AutoScalingGroup %.*s "
                    "not found",
                    (int)name.len, name.base);
    }
    return g;
}

void cmd_group_get(struct node *n,
                   size_t argc,
                   const struct slice *argv,
                   struct buf *reply)
{
    const struct group *g = group_or_error(n, argv[1], reply);

    (void)argc;
    if (g != NULL) {
        scaling_reply_group(reply, &n->fsm, g);
    }
}

void cmd_group_list(struct node *n,
                    size_t argc,
                    const struct slice *argv,
                    struct buf *reply)
{
    struct slice after = { "", 0 };
    uint64_t count = 0;

    for (size_t i = 1; i + 1 < argc; i += 2) {
        if (slice_eq_nocase(argv[i], "after")) {
            after = argv[i + 1];
        } else {
            slice_to_u64(argv[i + 1], &count);
        }
    }
    scaling_reply_groups(reply, &n->fsm, after, (size_t)count,
                         n->cfg->max_keys_reply);
}

/* GROUP.LIST [AFTER name] [COUNT n], COUNT from 1 to --max-keys-reply. */
int cmd_check_group_list(struct call *c)
{
    uint64_t v;

    for (size_t i = 1; i < c->argc; i += 2) {
        bool is_count = slice_eq_nocase(c->argv[i], "count");
        if (i + 1 == c->argc ||
            (!is_count && !slice_eq_nocase(c->argv[i], "after")) ||
            (is_count && (!slice_to_u64(c->argv[i + 1], &v) || v == 0 ||
                          v > c->node->cfg->max_keys_reply))) {
            reply_error(&c->p->reply, "ERR",
                        "expected GROUP.LIST [AFTER name] [COUNT n], COUNT "
                        "from 1 to %llu (--max-keys-reply)",
                        (unsigned long long)c->node->cfg->max_keys_reply);
            return -1;
        }
    }
    return 0;
}

/* GROUP.EXPLAIN: the controller's next decisions, computed now as the
 * controller would, without acting. */
void cmd_group_explain(struct node *n,
                       size_t argc,
                       const struct slice *argv,
                       struct buf *reply)
{
    const struct group *g = group_or_error(n, argv[1], reply);
    struct plan_input in = { .now_ms = controller_wall_ms(),
                             .max_actions = 1000 };
    struct plan p;
    char when[24] = "";

    (void)argc;
    if (g == NULL) {
        return;
    }
    plan_init(&p);
    plan_group(&n->fsm.scaling, g, &in, &p);
    if (p.blocked_until_ms != 0) {
        plan_format_time(p.blocked_until_ms, when);
    }
    reply_array(reply, 8);
    reply_bulk_str(reply, "group");
    reply_bulk_str(reply, g->name);
    reply_bulk_str(reply, "plan");
    reply_bulk_str(reply, p.summary);
    reply_bulk_str(reply, "blocked_until");
    reply_bulk_str(reply, when);
    reply_bulk_str(reply, "actions");
    reply_array(reply, p.n);
    for (size_t i = 0; i < p.n; i++) {
        const struct plan_action *a = &p.actions[i];
        char line[PLAN_CAUSE_MAX + 64];
        char id[20];
        if (a->kind == PLAN_LAUNCH) {
            snprintf(line, sizeof line, "launch in %s: %s", a->zone, a->cause);
        } else if (a->kind == PLAN_TERMINATE) {
            instance_id_format(a->instance, id);
            snprintf(line, sizeof line, "terminate %s: %s", id, a->cause);
        } else {
            snprintf(line, sizeof line, "remove the group");
        }
        reply_bulk_str(reply, line);
    }
    plan_close(&p);
}

static int check_instance(struct call *c, size_t i)
{
    uint64_t id;

    if (!instance_id_parse(c->argv[i], &id)) {
        reply_error(&c->p->reply, "ValidationError",
                    "an instance id is i- and 17 hex digits, not '%.*s'",
                    (int)(c->argv[i].len > 32 ? 32 : c->argv[i].len),
                    c->argv[i].base);
        return -1;
    }
    return 0;
}

int cmd_check_instance(struct call *c)
{
    return check_instance(c, 1);
}

static int check_flag(struct call *c, struct slice s, const char *what)
{
    if (s.len != 1 || (s.base[0] != '0' && s.base[0] != '1')) {
        reply_error(&c->p->reply, "ValidationError", "%s is 0 or 1", what);
        return -1;
    }
    return 0;
}

/* "id DECREMENT 0|1" commands. */
static int check_decrement(struct call *c)
{
    if (check_instance(c, 1) != 0) {
        return -1;
    }
    if (!slice_eq_nocase(c->argv[2], "decrement")) {
        reply_error(&c->p->reply, "ValidationError",
                    "expected DECREMENT 0 or DECREMENT 1");
        return -1;
    }
    return check_flag(c, c->argv[3], "DECREMENT");
}

int cmd_instance_sethealth(struct call *c, uint8_t *op)
{
    if (check_instance(c, 1) != 0) {
        return -1;
    }
    if (!slice_eq_nocase(c->argv[2], "healthy") &&
        !slice_eq_nocase(c->argv[2], "unhealthy")) {
        reply_error(&c->p->reply, "ValidationError",
                    "health status must be Healthy or Unhealthy");
        return -1;
    }
    *op = ENTRY_OP_INSTANCE_SETHEALTH;
    return 0;
}

int cmd_instance_protect(struct call *c, uint8_t *op)
{
    if (check_instance(c, 1) != 0 ||
        check_flag(c, c->argv[2], "protection") != 0) {
        return -1;
    }
    *op = ENTRY_OP_INSTANCE_PROTECT;
    return 0;
}

int cmd_instance_terminate(struct call *c, uint8_t *op)
{
    if (check_decrement(c) != 0) {
        return -1;
    }
    *op = ENTRY_OP_INSTANCE_TERMINATE;
    return 0;
}

int cmd_instance_detach(struct call *c, uint8_t *op)
{
    if (check_decrement(c) != 0) {
        return -1;
    }
    *op = ENTRY_OP_INSTANCE_DETACH;
    return 0;
}

int cmd_instance_standby(struct call *c, uint8_t *op)
{
    if (check_decrement(c) != 0) {
        return -1;
    }
    *op = ENTRY_OP_INSTANCE_STANDBY;
    return 0;
}

int cmd_instance_resume(struct call *c, uint8_t *op)
{
    if (check_instance(c, 1) != 0) {
        return -1;
    }
    *op = ENTRY_OP_INSTANCE_RESUME;
    return 0;
}

int cmd_instance_attach(struct call *c, uint8_t *op)
{
    char errmsg[SK_ERRMSG_SIZE];

    if (group_check_name(c->argv[1], errmsg) != 0) {
        return refuse(c, errmsg);
    }
    if (c->argv[2].len == 0 || c->argv[2].len > GROUP_ZONE_MAX ||
        c->argv[3].len == 0 || c->argv[3].len > 256) {
        reply_error(&c->p->reply, "ValidationError",
                    "expected INSTANCE.ATTACH group zone address");
        return -1;
    }
    *op = ENTRY_OP_INSTANCE_ATTACH;
    return 0;
}

void cmd_instance_list(struct node *n,
                       size_t argc,
                       const struct slice *argv,
                       struct buf *reply)
{
    const struct group *g = group_or_error(n, argv[1], reply);

    (void)argc;
    if (g != NULL) {
        scaling_reply_instances(reply, g);
    }
}

void cmd_instance_get(struct node *n,
                      size_t argc,
                      const struct slice *argv,
                      struct buf *reply)
{
    uint64_t id = 0;
    const struct instance *in;

    (void)argc;
    instance_id_parse(argv[1], &id);
    in = scaling_instance(&n->fsm.scaling, id);
    if (in == NULL) {
        reply_error(reply, "ValidationError", "instance %.*s not found",
                    (int)argv[1].len, argv[1].base);
        return;
    }
    scaling_reply_instance(reply, in);
}

/* The heartbeat, in the apply hook of the entry it rode on: the group's
 * TTL back, so that an agent knows how often to send. */
static void heartbeat_read(struct node *n,
                           size_t argc,
                           const struct slice *argv,
                           struct buf *reply)
{
    uint64_t id = 0;
    const struct instance *in;

    (void)argc;
    instance_id_parse(argv[1], &id);
    in = scaling_instance(&n->fsm.scaling, id);
    if (in == NULL || !instance_is_live(in)) {
        reply_error(reply, "ValidationError",
                    "instance %.*s is not in any AutoScalingGroup",
                    (int)argv[1].len, argv[1].base);
        return;
    }
    heartbeats_beat(&n->heartbeats, id, uv_now(n->loop));
    reply_int(reply, (long long)in->group->heartbeat_ttl_s);
}

void cmd_instance_heartbeat(struct call *c)
{
    bool readonly = c->session->readonly;

    if (check_instance(c, 1) != 0) {
        return;
    }
    c->async = true;
    c->session->readonly = false;
    session_serve(c, 0, heartbeat_read);
    c->session->readonly = readonly;
}

void cmd_activity_list(struct node *n,
                       size_t argc,
                       const struct slice *argv,
                       struct buf *reply)
{
    const struct group *g = group_or_error(n, argv[1], reply);
    uint64_t count = 20;
    uint64_t before = 0;

    if (g == NULL) {
        return;
    }
    for (size_t i = 2; i + 1 < argc; i += 2) {
        if (slice_eq_nocase(argv[i], "count")) {
            slice_to_u64(argv[i + 1], &count);
        } else {
            slice_to_u64(argv[i + 1], &before);
        }
    }
    scaling_reply_activities(reply, &n->fsm, g, count, before);
}

int cmd_check_activity_list(struct call *c)
{
    char errmsg[SK_ERRMSG_SIZE];
    uint64_t v;

    if (group_check_name(c->argv[1], errmsg) != 0) {
        return refuse(c, errmsg);
    }
    for (size_t i = 2; i < c->argc; i += 2) {
        if (i + 1 == c->argc ||
            (!slice_eq_nocase(c->argv[i], "count") &&
             !slice_eq_nocase(c->argv[i], "before")) ||
            !slice_to_u64(c->argv[i + 1], &v) ||
            (slice_eq_nocase(c->argv[i], "count") &&
             (v == 0 || v > ACTIVITY_HISTORY * 10))) {
            reply_error(&c->p->reply, "ValidationError",
                        "expected ACTIVITY.LIST group [COUNT n] [BEFORE id], "
                        "COUNT from 1 to %d",
                        ACTIVITY_HISTORY * 10);
            return -1;
        }
    }
    return 0;
}

void cmd_activity_get(struct node *n,
                      size_t argc,
                      const struct slice *argv,
                      struct buf *reply)
{
    uint64_t id = 0;
    const struct activity *a;

    (void)argc;
    slice_to_u64(argv[1], &id);
    a = scaling_activity(&n->fsm.scaling, id);
    if (a == NULL) {
        reply_error(reply, "ValidationError", "activity %.*s not found",
                    (int)argv[1].len, argv[1].base);
        return;
    }
    scaling_reply_activity(reply, a);
}

int cmd_check_activity(struct call *c)
{
    uint64_t id;

    if (!slice_to_u64(c->argv[1], &id) || id == 0) {
        reply_error(&c->p->reply, "ValidationError",
                    "an activity id is a number >= 1");
        return -1;
    }
    return 0;
}

int cmd_activity_complete(struct call *c, uint8_t *op)
{
    uint64_t v;

    if (cmd_check_activity(c) != 0) {
        return -1;
    }
    if (c->argc > 5 || !slice_to_u64(c->argv[2], &v) ||
        (!slice_eq_nocase(c->argv[3], "successful") &&
         !slice_eq_nocase(c->argv[3], "failed")) ||
        (c->argc == 5 && c->argv[4].len > ACTIVITY_DETAILS_MAX)) {
        reply_error(&c->p->reply, "ValidationError",
                    "expected ACTIVITY.COMPLETE id token Successful|Failed "
                    "[details], details at most %d bytes",
                    ACTIVITY_DETAILS_MAX);
        return -1;
    }
    *op = ENTRY_OP_ACTIVITY_COMPLETE;
    return 0;
}

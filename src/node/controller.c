/* The scaling controller on the leader; see controller.h. */
#include "node/controller.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsm/entry.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "node/node.h"

#define SWEEP_MS         500
#define MAX_PER_GROUP    50
#define VERDICTS_AT_ONCE 256

enum proposal_kind {
    PROPOSAL_CLAIM = 1,
    PROPOSAL_START,
    PROPOSAL_ORDER,
    PROPOSAL_FINISH,
    PROPOSAL_HEALTH,
    PROPOSAL_REMOVE,
};

/* A controller op in flight, and what to do with its reply. */
struct proposal {
    struct controller *c;
    uint8_t kind;
    uint64_t term;
    uint64_t group_hash; /* START, REMOVE: the group kept busy */
    uint64_t id;         /* ORDER: activity; HEALTH: instance */
};

/* An actuator call in flight. */
struct ctrl_call {
    struct controller *c;
    uint64_t term;
    uint64_t activity;
    uint64_t token;
    uint8_t kind;
    char group[GROUP_NAME_MAX + 1];
};

uint64_t controller_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* FNV-1a of a group name; never 0 (the maps' empty key). */
static uint64_t hash_bytes(const char *name, size_t len)
{
    uint64_t h = 14695981039346656037ULL;

    for (size_t i = 0; i < len; i++) {
        h = (h ^ (uint8_t)name[i]) * 1099511628211ULL;
    }
    return h != 0 ? h : 1;
}

static uint64_t name_hash(const char *name)
{
    return hash_bytes(name, strlen(name));
}

void controller_init(struct controller *c, struct node *n)
{
    memset(c, 0, sizeof *c);
    c->node = n;
    u64map_init(&c->busy);
    u64map_init(&c->ordering);
    u64map_init(&c->calls);
    u64map_init(&c->changed);
    plan_init(&c->plan);
}

/* Forget what this leader knew. Calls in flight keep their structs (freed
 * when they complete); the maps that point at them are emptied. */
static void reset(struct controller *c)
{
    u64map_close(&c->busy);
    u64map_close(&c->ordering);
    u64map_close(&c->calls);
    u64map_close(&c->changed);
    c->active = false;
    c->claiming = false;
    c->resume_due = false;
    heartbeats_stop(&c->node->heartbeats);
}

void controller_close(struct controller *c)
{
    reset(c);
    plan_close(&c->plan);
    c->leading = false;
}

void controller_leadership(struct controller *c, bool leader)
{
    reset(c);
    c->leading = leader;
    if (leader) {
        c->term = raft_current_term(&c->node->raft);
        c->lead_index = raft_last_index(&c->node->raft);
    }
}

void controller_changed(struct controller *c, struct slice group)
{
    if (!c->active) {
        return; /* the claim plans every group anyway */
    }
    if (group.len == 0) {
        c->all_dirty = true;
    } else {
        u64map_put(&c->changed, hash_bytes(group.base, group.len), (void *)1);
    }
    c->dirty = true;
}

static void busy_add(struct controller *c, uint64_t hash, long delta)
{
    uintptr_t n = (uintptr_t)u64map_get(&c->busy, hash);

    n = (uintptr_t)((long)n + delta);
    if (n == 0) {
        /* Its decisions are applied: plan it again (it was skipped). */
        u64map_del(&c->busy, hash);
        u64map_put(&c->changed, hash, (void *)1);
        c->dirty = true;
    } else {
        u64map_put(&c->busy, hash, (void *)n);
    }
}

static void proposal_done(struct pending *p);

/* Propose controller op @op with entry arguments @argv (@argc C strings,
 * the term first). */
static void propose(struct controller *c,
                    uint8_t op,
                    uint8_t kind,
                    uint64_t group_hash,
                    uint64_t id,
                    size_t argc,
                    const char *const *argv,
                    const size_t *lens)
{
    struct proposal *x = mem_calloc(1, sizeof *x);
    struct slice args[8];

    x->c = c;
    x->kind = kind;
    x->term = c->term;
    x->group_hash = group_hash;
    x->id = id;
    for (size_t i = 0; i < argc; i++) {
        args[i] =
            (struct slice){ argv[i], lens != NULL ? lens[i] : strlen(argv[i]) };
    }
    if (group_hash != 0) {
        busy_add(c, group_hash, 1);
    }
    propose_submit(&c->node->propose, op, argc, args,
                   pending_new(proposal_done, x));
}

static void call_done(void *data, bool ok, const char *output, size_t len);

/* Carry out activity @id, ordered with @token, through its group's
 * actuator. */
static void call_actuator(struct controller *c, uint64_t id, uint64_t token)
{
    struct scaling *s = &c->node->fsm.scaling;
    struct activity *a = scaling_activity(s, id);
    struct group *g;
    struct ctrl_call *call;
    struct actuator_request r;
    char instance[20];
    int rv;

    if (a == NULL || a->status != ACTIVITY_IN_PROGRESS || a->token != token ||
        u64map_get(&c->calls, id) != NULL ||
        (g = scaling_group(s, (struct slice){ a->group, strlen(a->group) })) ==
            NULL) {
        return;
    }
    call = mem_calloc(1, sizeof *call);
    call->c = c;
    call->term = c->term;
    call->activity = id;
    call->token = token;
    call->kind = a->kind;
    snprintf(call->group, sizeof call->group, "%s", g->name);
    instance_id_format(a->instance, instance);
    r = (struct actuator_request){ .kind = a->kind,
                                   .group = g->name,
                                   .zone = a->zone,
                                   .instance = instance,
                                   .activity = id,
                                   .token = token };
    u64map_put(&c->calls, id, call);
    c->stats.calls++;
    rv = actuators_call(&c->node->actuators, g->actuator, &r, call_done, call);
    if (rv == ACTUATOR_EXTERNAL) {
        c->stats.calls--; /* nothing was called */
        u64map_del(&c->calls, id);
        mem_free(call);
        log_info("activity %llu of %s waits for ACTIVITY.COMPLETE (token "
                 "%llu)",
                 (unsigned long long)id, g->name, (unsigned long long)token);
    } else if (rv != ACTUATOR_STARTED) {
        char why[160];
        snprintf(why, sizeof why,
                 "actuator '%s' is not configured on node %llu", g->actuator,
                 (unsigned long long)c->node->cfg->id);
        call_done(call, false, why, strlen(why));
    }
}

static void call_done(void *data, bool ok, const char *output, size_t len)
{
    struct ctrl_call *call = data;
    struct controller *c = call->c;
    char activity[24];
    char token[24];
    char term[24];
    const char *argv[5];
    size_t lens[5];

    if (!c->active || call->term != c->term ||
        u64map_get(&c->calls, call->activity) != call) {
        /* This node no longer leads as that controller: the next one
         * repeats the call. */
        log_info("activity %llu: outcome of an earlier term dropped",
                 (unsigned long long)call->activity);
        mem_free(call);
        return;
    }
    u64map_del(&c->calls, call->activity);
    if (!ok) {
        c->stats.failures++;
        log_warn("activity %llu of %s failed: %.*s",
                 (unsigned long long)call->activity, call->group,
                 (int)(len > 200 ? 200 : len), output);
    }
    snprintf(term, sizeof term, "%llu", (unsigned long long)c->term);
    snprintf(activity, sizeof activity, "%llu",
             (unsigned long long)call->activity);
    snprintf(token, sizeof token, "%llu", (unsigned long long)call->token);
    argv[0] = term;
    argv[1] = activity;
    argv[2] = token;
    argv[3] = ok ? "Successful" : "Failed";
    argv[4] = output;
    for (size_t i = 0; i < 4; i++) {
        lens[i] = strlen(argv[i]);
    }
    lens[4] = len;
    propose(c, ENTRY_OP_CTRL_FINISH, PROPOSAL_FINISH, 0, call->activity, 5,
            argv, lens);
    mem_free(call);
}

/* The integer after the @n-th ':' of a RESP reply (n from 1), or 0. */
static uint64_t reply_int_at(const struct buf *b, int n)
{
    const char *p = b->base;
    const char *end = b->base + b->len;

    while (p != NULL && p < end) {
        p = memchr(p, ':', (size_t)(end - p));
        if (p == NULL) {
            break;
        }
        if (--n == 0) {
            return strtoull(p + 1, NULL, 10);
        }
        p++;
    }
    return 0;
}

static void proposal_done(struct pending *p)
{
    struct proposal *x = p->owner;
    struct controller *c = x->c;
    bool ok = p->reply.len > 0 && p->reply.base[0] != '-';
    bool current = c->leading && x->term == c->term;

    if (current && x->group_hash != 0) {
        busy_add(c, x->group_hash, -1);
    }
    if (!ok && p->reply.len > 2 && current) {
        log_debug("controller op %u not applied: %.*s", (unsigned)x->kind,
                  (int)p->reply.len - 2, p->reply.base);
    }
    switch (current ? x->kind : 0) {
    case PROPOSAL_CLAIM:
        c->claiming = false;
        if (ok) {
            c->active = true;
            c->resume_due = true;
            c->dirty = true;
            c->stats.claims++;
            heartbeats_start(&c->node->heartbeats, uv_now(c->node->loop));
            log_info("scaling controller active term=%llu",
                     (unsigned long long)c->term);
        }
        break;
    case PROPOSAL_START:
        if (ok && c->active) {
            /* *3 [activity, instance, token] */
            c->stats.decisions++;
            call_actuator(c, reply_int_at(&p->reply, 1),
                          reply_int_at(&p->reply, 2));
        }
        break;
    case PROPOSAL_ORDER:
        u64map_del(&c->ordering, x->id);
        if (ok && c->active) {
            c->stats.orders++;
            call_actuator(c, x->id, reply_int_at(&p->reply, 1));
        }
        break;
    case PROPOSAL_HEALTH:
        heartbeats_judged(&c->node->heartbeats, x->id);
        if (ok) {
            c->stats.verdicts++;
        }
        break;
    default:
        break;
    }
    mem_free(x);
    pending_free(p);
}

static void claim(struct controller *c)
{
    char term[24];
    char node[24];
    const char *argv[2] = { term, node };

    snprintf(term, sizeof term, "%llu", (unsigned long long)c->term);
    snprintf(node, sizeof node, "%llu", (unsigned long long)c->node->cfg->id);
    c->claiming = true;
    propose(c, ENTRY_OP_CTRL_CLAIM, PROPOSAL_CLAIM, 0, 0, 2, argv, NULL);
}

static void order(struct controller *c, uint64_t activity)
{
    char term[24];
    char id[24];
    const char *argv[2] = { term, id };

    if (u64map_get(&c->ordering, activity) != NULL) {
        return;
    }
    u64map_put(&c->ordering, activity, (void *)1);
    snprintf(term, sizeof term, "%llu", (unsigned long long)c->term);
    snprintf(id, sizeof id, "%llu", (unsigned long long)activity);
    propose(c, ENTRY_OP_CTRL_ORDER, PROPOSAL_ORDER, 0, activity, 2, argv, NULL);
}

/* Order the activities of @g that wait: client terminations (Pending),
 * and after taking over (@resume) every unfinished one. */
static void
order_waiting(struct controller *c, const struct group *g, bool resume)
{
    const struct scaling *s = &c->node->fsm.scaling;

    for (size_t i = 0; i < g->n_activities; i++) {
        const struct activity *a = scaling_activity(s, g->activities[i]);
        if (a->status == ACTIVITY_PENDING ||
            (resume && a->status == ACTIVITY_IN_PROGRESS)) {
            order(c, a->id);
        }
    }
}

static void
start(struct controller *c, const struct group *g, const struct plan_action *a)
{
    char term[24];
    char instance[20];
    const char *argv[6];

    snprintf(term, sizeof term, "%llu", (unsigned long long)c->term);
    argv[0] = term;
    argv[1] = g->name;
    if (a->kind == PLAN_LAUNCH) {
        argv[2] = "launch";
        argv[3] = a->zone;
        argv[4] = a->replace ? "1" : "0";
    } else {
        instance_id_format(a->instance, instance);
        argv[2] = "terminate";
        argv[3] = instance;
        argv[4] = a->replace ? "1" : "0";
    }
    argv[5] = a->cause;
    propose(c, ENTRY_OP_CTRL_START, PROPOSAL_START, name_hash(g->name), 0, 6,
            argv, NULL);
}

/* Plan @g and propose its decisions, unless its last ones are still in
 * flight (it is planned again once they are applied). */
static void plan_one(struct controller *c,
                     const struct group *g,
                     uint64_t hash,
                     uint64_t now)
{
    const struct scaling *s = &c->node->fsm.scaling;
    struct plan_input in = { .now_ms = now, .max_actions = MAX_PER_GROUP };

    if (u64map_get(&c->busy, hash) != NULL) {
        return;
    }
    plan_group(s, g, &in, &c->plan);
    for (size_t i = 0; i < c->plan.n; i++) {
        const struct plan_action *a = &c->plan.actions[i];
        if (a->kind == PLAN_REMOVE_GROUP) {
            char term[24];
            const char *argv[2] = { term, g->name };
            snprintf(term, sizeof term, "%llu", (unsigned long long)c->term);
            propose(c, ENTRY_OP_CTRL_REMOVE, PROPOSAL_REMOVE, hash, 0, 2, argv,
                    NULL);
        } else {
            start(c, g, a);
        }
    }
}

static void judge_heartbeats(struct controller *c, uint64_t now)
{
    uint64_t ids[VERDICTS_AT_ONCE];
    size_t n = heartbeats_due(&c->node->heartbeats, now, uv_now(c->node->loop),
                              ids, VERDICTS_AT_ONCE);
    char term[24];

    snprintf(term, sizeof term, "%llu", (unsigned long long)c->term);
    for (size_t i = 0; i < n; i++) {
        char id[20];
        const char *argv[2] = { term, id };
        instance_id_format(ids[i], id);
        log_info("instance %s: no heartbeat within its TTL: Unhealthy", id);
        propose(c, ENTRY_OP_CTRL_HEALTH, PROPOSAL_HEALTH, 0, ids[i], 2, argv,
                NULL);
    }
}

/* Plan the groups that changed, or every group on a @sweep (the rules
 * that depend on time: cooldown and backoff ends, heartbeats) and after
 * taking over. */
static void run(struct controller *c, bool sweep)
{
    const struct scaling *s = &c->node->fsm.scaling;
    uint64_t now = controller_wall_ms();
    bool resume = c->resume_due;
    bool all = sweep || resume || c->all_dirty;

    c->dirty = false;
    c->all_dirty = false;
    c->resume_due = false;
    if (sweep) {
        c->next_sweep_ms = now + SWEEP_MS;
    }
    for (size_t gi = 0; gi < s->n_groups; gi++) {
        const struct group *g = s->groups[gi];
        uint64_t hash = name_hash(g->name);
        if (all || u64map_get(&c->changed, hash) != NULL) {
            order_waiting(c, g, resume);
            plan_one(c, g, hash, now);
        }
    }
    u64map_close(&c->changed);
    if (sweep) {
        judge_heartbeats(c, now);
    }
}

void controller_tick(struct controller *c)
{
    struct node *n = c->node;

    if (!c->leading || n->closing || !node_is_leader(n)) {
        return; /* (a deposed leader learns it at the next node tick) */
    }
    if (!c->active) {
        if (!c->claiming && node_is_leader(n) &&
            raft_last_applied(&n->raft) >= c->lead_index) {
            claim(c);
        }
        return;
    }
    if (controller_wall_ms() >= c->next_sweep_ms) {
        run(c, true);
    } else if (c->dirty) {
        run(c, false);
    }
}

void controller_flush(struct controller *c)
{
    if (c->active && c->dirty && !c->node->closing && node_is_leader(c->node)) {
        run(c, false);
    }
}

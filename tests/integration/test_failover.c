/* Leader failure: every acknowledged write survives kill -9 of the leader,
 * even with writes in flight from several connections, and the killed node
 * catches up after a restart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <hiredis/hiredis.h>

#include "../lib/cluster.h"
#include "../lib/wait.h"

#define LEADER_MS 10000
#define BATCH     300

static struct cluster cl;

static void setup(void)
{
    cluster_start(&cl, NULL);
}

static void teardown(void)
{
    ck_assert_int_eq(cluster_destroy(&cl), 0);
}

struct retry_set {
    struct cluster *c;
    unsigned id;
    const char *key;
};

/* One SET that may meet -NOLEADER/-TRYAGAIN while an election settles. */
static bool set_succeeds(void *arg)
{
    struct retry_set *rs = arg;
    redisReply *r = cluster_command(rs->c, rs->id, "SET %s after", rs->key);
    bool ok =
        r != NULL && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0;

    if (r != NULL) {
        freeReplyObject(r);
    }
    return ok;
}

static void
check_acked(unsigned id, const char *prefix, unsigned n, const bool *acked)
{
    redisContext *ctx = cluster_connect(&cl, id);
    char bad[CLUSTER_BAD_SIZE];
    int present = cluster_check_many(ctx, prefix, 0, n, acked, bad);

    CLUSTER_ASSERT(&cl, present >= 0, "node %u: acked write lost: %s", id, bad);
    redisFree(ctx);
}

START_TEST(acked_writes_survive_leader_kill)
{
    unsigned old = cluster_leader(&cl, LEADER_MS);
    unsigned f1, f2, fresh;
    redisContext *c1, *c2, *cl_leader;
    static bool acked_before[BATCH], acked1[BATCH], acked2[BATCH],
        acked3[BATCH];
    struct retry_set rs = { .c = &cl, .key = "after-failover" };

    CLUSTER_ASSERT(&cl, old != 0, "no leader elected");
    f1 = cluster_follower(&cl, old);
    f2 = 6 - old - f1;
    c1 = cluster_connect(&cl, f1);
    c2 = cluster_connect(&cl, f2);
    cl_leader = cluster_connect(&cl, old);
    ck_assert_uint_eq(cluster_set_many(c1, "before-", 0, BATCH, acked_before),
                      BATCH);

    /* Three connections' writes in flight, then the leader dies. */
    cluster_send_sets(c1, "flight1-", 0, BATCH);
    cluster_send_sets(c2, "flight2-", 0, BATCH);
    cluster_send_sets(cl_leader, "flight3-", 0, BATCH);
    cluster_kill(&cl, old);
    cluster_read_sets_or_fail(&cl, c1, BATCH, acked1);
    cluster_read_sets_or_fail(&cl, c2, BATCH, acked2);
    cluster_read_sets_or_fail(&cl, cl_leader, BATCH, acked3);
    redisFree(c1);
    redisFree(c2);
    redisFree(cl_leader);

    fresh = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, fresh != 0 && fresh != old, "no new leader");
    rs.id = cluster_follower(&cl, fresh);
    CLUSTER_ASSERT(&cl, wait_until(set_succeeds, &rs, 10000),
                   "writes not accepted after failover");
    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        if (id == old) {
            continue;
        }
        check_acked(id, "before-", BATCH, acked_before);
        check_acked(id, "flight1-", BATCH, acked1);
        check_acked(id, "flight2-", BATCH, acked2);
        check_acked(id, "flight3-", BATCH, acked3);
    }
}

END_TEST

struct caught_up {
    struct cluster *c;
    unsigned id;
    uint64_t index;
};

static bool applied_reaches(void *arg)
{
    struct caught_up *cu = arg;
    uint64_t applied;

    return cluster_info_u64(cu->c, cu->id, "raft", "applied_index", &applied) &&
           applied >= cu->index;
}

START_TEST(killed_leader_catches_up_after_restart)
{
    unsigned old = cluster_leader(&cl, LEADER_MS);
    unsigned fresh;
    redisContext *ctx;
    struct caught_up cu = { .c = &cl };
    char bad[CLUSTER_BAD_SIZE];

    CLUSTER_ASSERT(&cl, old != 0, "no leader elected");
    ctx = cluster_connect(&cl, old);
    ck_assert_uint_eq(cluster_set_many(ctx, "old-", 0, BATCH, NULL), BATCH);
    redisFree(ctx);
    cluster_kill(&cl, old);

    fresh = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, fresh != 0, "no new leader");
    ctx = cluster_connect(&cl, fresh);
    ck_assert_uint_eq(cluster_set_many(ctx, "new-", 0, BATCH, NULL), BATCH);
    redisFree(ctx);
    CLUSTER_ASSERT(
        &cl, cluster_info_u64(&cl, fresh, "raft", "commit_index", &cu.index),
        "INFO raft commit_index");

    cluster_restart(&cl, old);
    cu.id = old;
    CLUSTER_ASSERT(&cl, wait_until(applied_reaches, &cu, 15000),
                   "node %u did not apply up to %llu", old,
                   (unsigned long long)cu.index);
    ctx = cluster_connect(&cl, old);
    redisReply *r = cluster_exec(&cl, ctx, "READONLY");
    ck_assert_int_eq(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    CLUSTER_ASSERT(
        &cl, cluster_check_many(ctx, "old-", 0, BATCH, NULL, bad) == BATCH,
        "restarted node: %s", bad);
    CLUSTER_ASSERT(
        &cl, cluster_check_many(ctx, "new-", 0, BATCH, NULL, bad) == BATCH,
        "restarted node: %s", bad);
    redisFree(ctx);
    /* All three agree on one leader again. */
    CLUSTER_ASSERT(&cl, cluster_leader(&cl, LEADER_MS) != 0, "no leader");
}

END_TEST

START_TEST(paused_leader_is_replaced)
{
    unsigned old = cluster_leader(&cl, LEADER_MS);
    unsigned fresh;
    redisContext *ctx;
    char bad[CLUSTER_BAD_SIZE];

    CLUSTER_ASSERT(&cl, old != 0, "no leader elected");
    cluster_pause(&cl, old);
    fresh = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, fresh != 0 && fresh != old, "no new leader");
    ctx = cluster_connect(&cl, fresh);
    ck_assert_uint_eq(cluster_set_many(ctx, "paused-", 0, 100, NULL), 100);
    redisFree(ctx);
    /* The old leader steps down once it runs again, and learns the writes. */
    cluster_resume(&cl, old);
    CLUSTER_ASSERT(&cl, cluster_leader(&cl, LEADER_MS) != 0, "no leader");
    ctx = cluster_connect(&cl, old);
    CLUSTER_ASSERT(&cl,
                   cluster_check_many(ctx, "paused-", 0, 100, NULL, bad) == 100,
                   "resumed node: %s", bad);
    redisFree(ctx);
}

END_TEST

/* Whether node @asker's MEMBERS reports node @id's reachable field as
 * @want ("1" or "0"). */
struct reach {
    struct cluster *c;
    unsigned asker;
    unsigned id;
    const char *want;
};

static bool member_reachable_is(void *arg)
{
    struct reach *q = arg;
    redisReply *r = cluster_command(q->c, q->asker, "MEMBERS");
    char id[16];
    bool match = false;

    snprintf(id, sizeof id, "%u", q->id);
    for (size_t i = 0;
         r != NULL && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        redisReply *m = r->element[i];
        const char *got_id = NULL, *got_reach = NULL;
        for (size_t f = 0; f + 1 < m->elements; f += 2) {
            if (strcmp(m->element[f]->str, "id") == 0) {
                got_id = m->element[f + 1]->str;
            } else if (strcmp(m->element[f]->str, "reachable") == 0) {
                got_reach = m->element[f + 1]->str;
            }
        }
        if (got_id != NULL && strcmp(got_id, id) == 0) {
            match = got_reach != NULL && strcmp(got_reach, q->want) == 0;
        }
    }
    if (r != NULL) {
        freeReplyObject(r);
    }
    return match;
}

/* MEMBERS tells which nodes the answering node can reach: a killed node
 * turns unreachable within the probe's freshness window, and reachable again
 * after its restart. */
START_TEST(members_report_reachability)
{
    unsigned leader = cluster_leader(&cl, LEADER_MS);
    unsigned follower = cluster_follower(&cl, leader);
    struct reach q = { .c = &cl, .asker = leader, .id = follower, .want = "1" };

    CLUSTER_ASSERT(&cl, leader != 0, "no leader elected");
    CLUSTER_ASSERT(&cl, wait_until(member_reachable_is, &q, 10000),
                   "node %u never reported reachable", follower);
    cluster_kill(&cl, follower);
    q.want = "0";
    CLUSTER_ASSERT(&cl, wait_until(member_reachable_is, &q, 10000),
                   "killed node %u still reported reachable", follower);
    q.id = leader; /* the answering node itself */
    q.want = "1";
    CLUSTER_ASSERT(&cl, member_reachable_is(&q), "node reports itself down");
    cluster_restart(&cl, follower);
    q.id = follower;
    CLUSTER_ASSERT(&cl, wait_until(member_reachable_is, &q, 10000),
                   "restarted node %u not reachable again", follower);
}

END_TEST

static Suite *failover_suite(void)
{
    Suite *s = suite_create("failover");
    TCase *tc = tcase_create("leader_loss");

    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, acked_writes_survive_leader_kill);
    tcase_add_test(tc, killed_leader_catches_up_after_restart);
    tcase_add_test(tc, paused_leader_is_replaced);
    tcase_add_test(tc, members_report_reachability);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(failover_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

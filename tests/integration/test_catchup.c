/* A follower that missed more than the leader keeps in its log catches up
 * through an installed snapshot: after a stop, and after losing its whole
 * data directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <hiredis/hiredis.h>

#include "../lib/cluster.h"
#include "../lib/wait.h"

#define LEADER_MS 10000
#define N_KEYS    2000
#define BATCH     4 /* small pipelines: many log entries, not a few batches */

static struct cluster cl;
static unsigned leader;

static void setup(void)
{
    static const char *const extra[] = { "--snapshot-threshold",
                                         "64",
                                         "--snapshot-trailing",
                                         "16",
                                         "--install-snapshot-timeout-ms",
                                         "2000",
                                         NULL };
    struct cluster_options opts = { .extra_args = extra };

    cluster_start(&cl, &opts);
    leader = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, leader != 0, "no leader elected");
}

static void teardown(void)
{
    ck_assert_int_eq(cluster_destroy(&cl), 0);
}

struct caught_up {
    redisContext *ctx;
    const char *prefix;
};

/* The last key written is readable: the earlier ones are checked after. */
static bool last_key_present(void *arg)
{
    struct caught_up *cu = arg;
    char key[64];
    redisReply *r;
    bool ok;

    cluster_key(key, sizeof key, cu->prefix, N_KEYS - 1);
    r = redisCommand(cu->ctx, "GET %s", key);
    ok = r != NULL && r->type == REDIS_REPLY_STRING;
    if (r != NULL) {
        freeReplyObject(r);
    }
    return ok;
}

static void catch_up(bool wipe)
{
    unsigned lagging = cluster_follower(&cl, leader);
    uint64_t installed = 0, leader_snapshots = 0;
    struct caught_up cu = { .prefix = wipe ? "wiped-" : "stopped-" };
    char bad[CLUSTER_BAD_SIZE];
    redisContext *ctx;
    redisReply *r;
    int code = cluster_stop(&cl, lagging);

    CLUSTER_ASSERT(&cl, code == 0, "node %u exited with %d", lagging, code);
    if (wipe) {
        cluster_wipe_data(&cl, lagging);
    }
    ctx = cluster_connect(&cl, leader);
    for (unsigned i = 0; i < N_KEYS; i += BATCH) {
        ck_assert_uint_eq(cluster_set_many(ctx, cu.prefix, i, BATCH, NULL),
                          BATCH);
    }
    redisFree(ctx);
    CLUSTER_ASSERT(&cl,
                   cluster_info_u64(&cl, leader, "persistence",
                                    "snapshots_taken", &leader_snapshots) &&
                       leader_snapshots >= 1,
                   "leader took no snapshot");

    cluster_restart(&cl, lagging);
    cu.ctx = cluster_connect(&cl, lagging);
    r = cluster_exec(&cl, cu.ctx, "READONLY");
    ck_assert_int_eq(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    CLUSTER_ASSERT(&cl, wait_until(last_key_present, &cu, 20000),
                   "node %u did not catch up", lagging);
    CLUSTER_ASSERT(
        &cl,
        cluster_check_many(cu.ctx, cu.prefix, 0, N_KEYS, NULL, bad) == N_KEYS,
        "node %u: %s", lagging, bad);
    redisFree(cu.ctx);
    CLUSTER_ASSERT(&cl,
                   cluster_info_u64(&cl, lagging, "persistence",
                                    "snapshots_installed", &installed),
                   "INFO persistence snapshots_installed");
    CLUSTER_ASSERT(&cl, installed >= 1,
                   "node %u caught up without installing a snapshot", lagging);
    /* It keeps following: a new write reaches it. */
    ctx = cluster_connect(&cl, leader);
    r = cluster_exec(&cl, ctx, "SET %s %s", "later", "x");
    ck_assert_int_eq(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    redisFree(ctx);
    r = cluster_command(&cl, lagging, "GET later");
    CLUSTER_ASSERT(&cl, r != NULL && r->type == REDIS_REPLY_STRING,
                   "node %u: linearizable GET later", lagging);
    freeReplyObject(r);
}

START_TEST(stopped_follower_catches_up_by_snapshot)
{
    catch_up(false);
}

END_TEST

START_TEST(wiped_follower_catches_up_by_snapshot)
{
    catch_up(true);
}

END_TEST

static Suite *catchup_suite(void)
{
    Suite *s = suite_create("catchup");
    TCase *tc = tcase_create("snapshot_install");

    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, stopped_follower_catches_up_by_snapshot);
    tcase_add_test(tc, wiped_follower_catches_up_by_snapshot);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(catchup_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

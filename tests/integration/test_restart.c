/* Whole-cluster restarts: after a clean stop (SIGTERM, exit code 0) the
 * data is intact, revisions included; after kill -9 of all three nodes at
 * once every acknowledged write is still there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <hiredis/hiredis.h>

#include "../lib/cluster.h"
#include "../lib/wait.h"

#define LEADER_MS 10000
#define N_KEYS    500

static struct cluster cl;

static void teardown(void)
{
    ck_assert_int_eq(cluster_destroy(&cl), 0);
}

static void restart_all(void)
{
    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        cluster_restart(&cl, id);
    }
}

/* GETREV @key as "value create mod version", or "" for a missing key. */
static void
getrev_text(redisContext *ctx, const char *key, char *out, size_t size)
{
    redisReply *r = cluster_exec(&cl, ctx, "GETREV %s", key);

    out[0] = '\0';
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 4) {
        snprintf(out, size, "%s %lld %lld %lld", r->element[0]->str,
                 r->element[1]->integer, r->element[2]->integer,
                 r->element[3]->integer);
    }
    freeReplyObject(r);
}

static void check_all_nodes(const char *prefix, const bool *acked)
{
    char bad[CLUSTER_BAD_SIZE];

    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        redisContext *ctx = cluster_connect(&cl, id);
        int present = cluster_check_many(ctx, prefix, 0, N_KEYS, acked, bad);

        CLUSTER_ASSERT(&cl, present >= 0, "node %u: %s", id, bad);
        if (acked == NULL) {
            ck_assert_int_eq(present, N_KEYS);
        }
        redisFree(ctx);
    }
}

START_TEST(clean_stop_and_restart_keeps_data)
{
    /* A small snapshot threshold: the restart loads a snapshot and then
     * replays the log after it. */
    static const char *const extra[] = { "--snapshot-threshold", "64",
                                         "--snapshot-trailing", "16", NULL };
    struct cluster_options opts = { .extra_args = extra };
    redisContext *ctx;
    redisReply *r;
    char before[128], after[128];
    unsigned leader;

    cluster_start(&cl, &opts);
    leader = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, leader != 0, "no leader elected");
    ctx = cluster_connect(&cl, leader);
    ck_assert_uint_eq(cluster_set_many(ctx, "keep-", 0, N_KEYS, NULL), N_KEYS);
    r = cluster_exec(&cl, ctx, "SET %s %s", "keep-000007", "changed");
    freeReplyObject(r);
    getrev_text(ctx, "keep-000007", before, sizeof before);
    ck_assert_str_ne(before, "");
    redisFree(ctx);

    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        int code = cluster_stop(&cl, id);

        CLUSTER_ASSERT(&cl, code == 0, "node %u exited with %d on SIGTERM", id,
                       code);
    }
    restart_all();
    leader = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, leader != 0, "no leader after restart");

    ctx = cluster_connect(&cl, leader);
    getrev_text(ctx, "keep-000007", after, sizeof after);
    ck_assert_str_eq(after, before);
    r = cluster_exec(&cl, ctx, "DBSIZE");
    ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
    ck_assert_int_eq(r->integer, N_KEYS);
    freeReplyObject(r);
    r = cluster_exec(&cl, ctx, "SET %s %s", "keep-000007", "val-keep-000007");
    ck_assert_int_eq(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    redisFree(ctx);
    check_all_nodes("keep-", NULL);
}

END_TEST

START_TEST(kill_all_and_restart_keeps_acked_writes)
{
    static bool acked_in_flight[N_KEYS];
    redisContext *ctx, *flight;
    unsigned leader;
    int done = 0;

    cluster_start(&cl, NULL);
    leader = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, leader != 0, "no leader elected");
    ctx = cluster_connect(&cl, leader);
    ck_assert_uint_eq(cluster_set_many(ctx, "acked-", 0, N_KEYS, NULL), N_KEYS);
    redisFree(ctx);

    /* Writes in flight through a follower, then all three die at once. */
    flight = cluster_connect(&cl, cluster_follower(&cl, leader));
    for (unsigned i = 0; i < N_KEYS; i++) {
        char key[64], value[80];

        cluster_key(key, sizeof key, "flight-", i);
        cluster_value(value, sizeof value, "flight-", i);
        redisAppendCommand(flight, "SET %s %s", key, value);
    }
    while (done == 0 && redisBufferWrite(flight, &done) == REDIS_OK) {
    }
    /* Read the first half of the replies so that some are surely acked. */
    for (unsigned i = 0; i < N_KEYS; i++) {
        acked_in_flight[i] = false;
    }
    for (unsigned i = 0; i < N_KEYS / 2; i++) {
        redisReply *r = NULL;

        if (redisGetReply(flight, (void **)&r) != REDIS_OK) {
            break;
        }
        acked_in_flight[i] =
            r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0;
        freeReplyObject(r);
    }
    cluster_kill_all(&cl);
    /* Replies that made it out before the kill count as acked too. */
    for (unsigned i = N_KEYS / 2; i < N_KEYS; i++) {
        redisReply *r = NULL;

        if (redisGetReply(flight, (void **)&r) != REDIS_OK) {
            break;
        }
        acked_in_flight[i] =
            r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0;
        freeReplyObject(r);
    }
    redisFree(flight);

    restart_all();
    leader = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, leader != 0, "no leader after restart");
    check_all_nodes("acked-", NULL);
    check_all_nodes("flight-", acked_in_flight);
}

END_TEST

static Suite *restart_suite(void)
{
    Suite *s = suite_create("restart");
    TCase *tc = tcase_create("whole_cluster");

    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, clean_stop_and_restart_keeps_data);
    tcase_add_test(tc, kill_all_and_restart_keeps_acked_writes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(restart_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

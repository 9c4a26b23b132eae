/* Leases on three real nodes (proto/PROTOCOL.md §3.7): keys attached to a
 * lease live while it is kept alive and go, in one revision, when it is
 * revoked or expires; across a leader kill a lease kept alive stays alive,
 * and a lease nobody renews expires on time, not a full TTL later. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <hiredis/hiredis.h>

#include "../lib/cluster.h"
#include "../lib/expect.h"
#include "../lib/wait.h"

#define LEADER_MS 10000

static struct cluster cl;
static unsigned leader;

static const char *const fast_checkpoints[] = { "--lease-checkpoint-ms", "200",
                                                NULL };

static void setup(void)
{
    struct cluster_options o = { .extra_args = fast_checkpoints };

    cluster_start(&cl, &o);
    leader = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, leader != 0, "no leader elected");
}

static void teardown(void)
{
    ck_assert_int_eq(cluster_destroy(&cl), 0);
}

/* The field @name of a LEASE.TTL reply (an integer), or -1. */
static long long ttl_field(const redisReply *r, const char *name)
{
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        if (strcmp(expect_text(r->element[i]), name) == 0) {
            return expect_elem_int(r, i + 1);
        }
    }
    return -1;
}

START_TEST(grant_attach_keepalive_ttl_list_revoke)
{
    unsigned f = cluster_follower(&cl, leader);
    redisContext *ctx = cluster_connect(&cl, f);
    redisReply *r;
    long long id;
    long long n;

    id = expect_int(&cl, ctx, "LEASE.GRANT 30");
    CLUSTER_ASSERT(&cl, id >= 1, "lease id %lld", id);
    expect_status(&cl, ctx, "OK", "SET held/a 1 LEASE %lld", id);
    expect_status(&cl, ctx, "OK", "SET held/b 2 LEASE %lld", id);
    expect_status(&cl, ctx, "OK", "SET free 3");
    n = expect_int(&cl, ctx, "LEASE.KEEPALIVE %lld", id);
    CLUSTER_ASSERT(&cl, n == 30, "keepalive TTL %lld", n);

    r = expect_reply(&cl, ctx, "LEASE.TTL %lld", id);
    CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_ARRAY && r->elements == 12,
                   "LEASE.TTL: type %d, %zu elements", r->type, r->elements);
    CLUSTER_ASSERT(&cl, ttl_field(r, "id") == id, "id");
    CLUSTER_ASSERT(&cl, ttl_field(r, "granted_ttl") == 30, "granted_ttl");
    CLUSTER_ASSERT(&cl, ttl_field(r, "ttl") >= 28 && ttl_field(r, "ttl") <= 30,
                   "ttl %lld", ttl_field(r, "ttl"));
    CLUSTER_ASSERT(&cl, ttl_field(r, "n_keys") == 2, "n_keys");
    CLUSTER_ASSERT(&cl, r->element[11]->elements == 2, "keys listed");
    freeReplyObject(r);

    r = expect_reply(&cl, ctx, "LEASE.LIST");
    CLUSTER_ASSERT(&cl,
                   r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
                       r->element[0]->integer == id,
                   "LEASE.LIST: %zu elements", r->elements);
    freeReplyObject(r);

    n = expect_int(&cl, ctx, "LEASE.REVOKE %lld", id);
    CLUSTER_ASSERT(&cl, n == 2, "revoke deleted %lld keys, not 2", n);
    expect_value(&cl, ctx, "held/a", NULL);
    expect_value(&cl, ctx, "held/b", NULL);
    expect_value(&cl, ctx, "free", "3");
    expect_error_prefix(&cl, ctx, "NOLEASE", "LEASE.KEEPALIVE %lld", id);
    expect_error_prefix(&cl, ctx, "NOLEASE", "LEASE.TTL %lld", id);
    expect_error_prefix(&cl, ctx, "NOLEASE", "SET x y LEASE %lld", id);
    expect_error(&cl, ctx, "ERR syntax error", "SET x y NX");
    expect_error_prefix(&cl, ctx, "ERR lease TTL", "LEASE.GRANT 0");
    redisFree(ctx);
}

END_TEST

struct absent {
    struct cluster *c;
    unsigned id;
    const char *key;
};

static bool key_absent(void *arg)
{
    struct absent *a = arg;
    redisReply *r = cluster_command(a->c, a->id, "EXISTS %s", a->key);
    bool gone = r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer == 0;

    if (r != NULL) {
        freeReplyObject(r);
    }
    return gone;
}

START_TEST(expired_lease_takes_its_keys_in_one_revision)
{
    redisContext *ctx = cluster_connect(&cl, leader);
    struct absent a = { &cl, cluster_follower(&cl, leader), "short/3" };
    uint64_t before = 0;
    uint64_t after = 0;
    uint64_t expiries = 0;
    long long id = expect_int(&cl, ctx, "LEASE.GRANT 1");

    for (int i = 0; i < 4; i++) {
        expect_status(&cl, ctx, "OK", "SET short/%d v LEASE %lld", i, id);
    }
    CLUSTER_ASSERT(&cl,
                   cluster_info_u64(&cl, leader, "store", "revision", &before),
                   "INFO");
    CLUSTER_ASSERT(&cl, wait_until(key_absent, &a, cluster_scale_ms(5000)),
                   "keys of an expired lease still there");
    for (int i = 0; i < 4; i++) {
        char key[16];
        snprintf(key, sizeof key, "short/%d", i);
        expect_value(&cl, ctx, key, NULL);
    }
    CLUSTER_ASSERT(&cl,
                   cluster_info_u64(&cl, leader, "store", "revision", &after),
                   "INFO");
    CLUSTER_ASSERT(&cl, after == before + 1, "revision %llu -> %llu",
                   (unsigned long long)before, (unsigned long long)after);
    CLUSTER_ASSERT(&cl,
                   cluster_info_u64(&cl, leader, "coordination",
                                    "lease_expiries", &expiries) &&
                       expiries == 1,
                   "lease_expiries %llu", (unsigned long long)expiries);
    expect_error_prefix(&cl, ctx, "NOLEASE", "LEASE.KEEPALIVE %lld", id);
    redisFree(ctx);
}

END_TEST

/* Keepalives every @period_ms through @ctx for @ms: each must renew (or
 * fail retryably while leadership moves), and @key must stay. */
static void keep_alive(
    redisContext *ctx, long long id, const char *key, int ms, int period_ms)
{
    int64_t end = wait_now_ms() + ms;

    while (wait_now_ms() < end) {
        redisReply *r = expect_reply(&cl, ctx, "LEASE.KEEPALIVE %lld", id);
        CLUSTER_ASSERT(&cl,
                       r->type == REDIS_REPLY_INTEGER ||
                           (r->type == REDIS_REPLY_ERROR &&
                            strncmp(r->str, "NOLEASE", 7) != 0),
                       "keepalive: type %d '%s'", r->type, expect_text(r));
        freeReplyObject(r);
        r = expect_reply(&cl, ctx, "EXISTS %s", key);
        CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_INTEGER && r->integer == 1,
                       "%s gone under keepalives: type %d '%s'", key, r->type,
                       expect_text(r));
        freeReplyObject(r);
        wait_sleep_ms(period_ms);
    }
}

START_TEST(kept_alive_lease_survives_leader_kill)
{
    unsigned f = cluster_follower(&cl, leader);
    redisContext *ctx = cluster_connect(&cl, f);
    long long id = expect_int(&cl, ctx, "LEASE.GRANT 2");

    expect_status(&cl, ctx, "OK", "SET alive v LEASE %lld", id);
    keep_alive(ctx, id, "alive", 1500, 300);
    cluster_kill(&cl, leader);
    /* Three TTLs past the kill: the new leader must carry the renewals. */
    keep_alive(ctx, id, "alive", 6000, 300);
    leader = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, leader != 0, "no new leader");
    expect_value(&cl, ctx, "alive", "v");
    redisFree(ctx);
}

END_TEST

START_TEST(unrenewed_lease_expires_on_time_across_leader_kill)
{
    unsigned f = cluster_follower(&cl, leader);
    redisContext *ctx = cluster_connect(&cl, f);
    int64_t granted = wait_now_ms();
    long long id = expect_int(&cl, ctx, "LEASE.GRANT 8");
    int64_t gone_at;
    struct absent a = { &cl, f, "dying" };

    expect_status(&cl, ctx, "OK", "SET dying v LEASE %lld", id);
    /* Idle for 6 s: the leader checkpoints the remaining TTL meanwhile. */
    while (wait_now_ms() < granted + 6000) {
        wait_sleep_ms(100);
    }
    cluster_kill(&cl, leader);
    /* Never before the 8 s the client was promised: a read that finds the
     * key gone proves it expired before the reply came, so only a reply
     * before 8 s is a failure (a read sent at 7.7 s may be served late,
     * during the failover). */
    while (wait_now_ms() < granted + 7800) {
        redisReply *r = expect_reply(&cl, ctx, "EXISTS dying");
        int64_t replied = wait_now_ms() - granted;
        CLUSTER_ASSERT(&cl,
                       (r->type == REDIS_REPLY_INTEGER && r->integer == 1) ||
                           replied >= 8000,
                       "expired %lld ms after the grant, before its TTL",
                       (long long)replied);
        freeReplyObject(r);
        wait_sleep_ms(100);
    }
    /* ...and not a fresh full TTL after the failover either: at most the
     * checkpointed remainder, one election timeout and an election. */
    CLUSTER_ASSERT(&cl, wait_until(key_absent, &a, cluster_scale_ms(8000)),
                   "lease never expired");
    gone_at = wait_now_ms() - granted;
    CLUSTER_ASSERT(&cl, gone_at < 11500,
                   "expired %lld ms after the grant: the new leader gave it "
                   "a fresh TTL",
                   (long long)gone_at);
    redisFree(ctx);
}

END_TEST

static Suite *lease_suite(void)
{
    Suite *s = suite_create("lease");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, grant_attach_keepalive_ttl_list_revoke);
    tcase_add_test(tc, expired_lease_takes_its_keys_in_one_revision);
    tcase_add_test(tc, kept_alive_lease_survives_leader_kill);
    tcase_add_test(tc, unrenewed_lease_expires_on_time_across_leader_kill);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lease_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

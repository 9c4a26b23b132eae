/* Change feeds on three real nodes (proto/PROTOCOL.md §3.9): KEYWATCH
 * streams every change under a prefix in revision order, replays history
 * FROM a revision or refuses with -COMPACTED, sends progress to idle
 * watchers, and disconnects one that falls behind the retained history; a
 * watch goes on through a leader kill and resumes on another node after its
 * own is killed, missing nothing; Redis keyspace notifications arrive on
 * SUBSCRIBE/PSUBSCRIBE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <hiredis/hiredis.h>

#include "../lib/cluster.h"
#include "../lib/expect.h"
#include "../lib/wait.h"

#define LEADER_MS 10000

static struct cluster cl;
static unsigned leader;

static void start(const char *const *extra)
{
    struct cluster_options o = { .extra_args = extra };

    cluster_start(&cl, &o);
    leader = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, leader != 0, "no leader elected");
}

static void setup(void)
{
    start(NULL);
}

/* 1 MiB of history and progress every 200 ms. */
static const char *const small_history[] = { "--watch-history-bytes", "1048576",
                                             "--watch-progress-ms", "200",
                                             NULL };

static void setup_small(void)
{
    start(small_history);
}

static void teardown(void)
{
    ck_assert_int_eq(cluster_destroy(&cl), 0);
}

struct applied {
    unsigned id;
    uint64_t revision;
};

static bool has_applied(void *arg)
{
    struct applied *a = arg;
    uint64_t rev = 0;

    return cluster_info_u64(&cl, a->id, "store", "revision", &rev) &&
           rev >= a->revision;
}

/* Wait until node @id has applied what node @other has. */
static void wait_applied(unsigned id, unsigned other)
{
    struct applied a = { id, 0 };

    CLUSTER_ASSERT(
        &cl, cluster_info_u64(&cl, other, "store", "revision", &a.revision),
        "INFO");
    CLUSTER_ASSERT(&cl, wait_until(has_applied, &a, cluster_scale_ms(5000)),
                   "node %u did not catch up", id);
}

/* A connection to node @id watching @prefix (FROM @from if nonzero). */
static redisContext *watch(unsigned id, const char *prefix, long long from)
{
    redisContext *ctx = cluster_connect(&cl, id);
    redisReply *r;

    if (from > 0) {
        r = expect_reply(&cl, ctx, "KEYWATCH %s FROM %lld", prefix, from);
    } else {
        r = expect_reply(&cl, ctx, "KEYWATCH %s", prefix);
    }
    CLUSTER_ASSERT(&cl,
                   r->type == REDIS_REPLY_ARRAY && r->elements == 4 &&
                       strcmp(expect_elem_str(r, 0), "keywatch") == 0,
                   "KEYWATCH: type %d '%s'", r->type, expect_text(r));
    freeReplyObject(r);
    return ctx;
}

/* The next change event (progress messages are skipped). */
static redisReply *next_event(redisContext *ctx)
{
    for (;;) {
        redisReply *r = expect_push(&cl, ctx);
        CLUSTER_ASSERT(&cl, r != NULL, "no event arrived: %s", ctx->errstr);
        CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_ARRAY && r->elements >= 3,
                       "push: type %d '%s'", r->type, expect_text(r));
        if (strcmp(expect_elem_str(r, 0), "progress") != 0) {
            CLUSTER_ASSERT(&cl, r->elements == 6, "event of %zu elements",
                           r->elements);
            return r;
        }
        freeReplyObject(r);
    }
}

/* The next event must be @type of @key (value @value for a put); returns
 * its mod revision. */
static long long expect_event(redisContext *ctx,
                              const char *type,
                              const char *key,
                              const char *value)
{
    redisReply *r = next_event(ctx);
    long long mod = expect_elem_int(r, 4);

    CLUSTER_ASSERT(&cl,
                   strcmp(expect_elem_str(r, 0), type) == 0 &&
                       strcmp(expect_elem_str(r, 1), key) == 0,
                   "event %s %s, expected %s %s", expect_elem_str(r, 0),
                   expect_elem_str(r, 1), type, key);
    if (value != NULL) {
        CLUSTER_ASSERT(&cl, strcmp(expect_elem_str(r, 2), value) == 0,
                       "value '%s', expected '%s'", expect_elem_str(r, 2),
                       value);
    } else {
        CLUSTER_ASSERT(&cl, r->element[2]->type == REDIS_REPLY_NIL,
                       "delete carries a value");
    }
    freeReplyObject(r);
    return mod;
}

static long long mod_rev(redisContext *ctx, const char *key)
{
    redisReply *r = expect_reply(&cl, ctx, "GETREV %s", key);
    long long mod;

    CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_ARRAY && r->elements == 4,
                   "GETREV %s", key);
    mod = r->element[2]->integer;
    freeReplyObject(r);
    return mod;
}

START_TEST(keywatch_streams_changes_in_revision_order)
{
    redisContext *w = watch(cluster_follower(&cl, leader), "w1/", 0);
    redisContext *ctx = cluster_connect(&cl, leader);
    long long lease = expect_int(&cl, ctx, "LEASE.GRANT 1");
    long long put_a;
    long long del_a;
    long long put_b;
    long long exp_b;

    expect_status(&cl, ctx, "OK", "SET w1/a 1");
    expect_status(&cl, ctx, "OK", "SET other x");
    expect_int(&cl, ctx, "DEL w1/a");
    expect_status(&cl, ctx, "OK", "SET w1/b 2 LEASE %lld", lease);
    put_a = expect_event(w, "put", "w1/a", "1");
    del_a = expect_event(w, "delete", "w1/a", NULL);
    put_b = expect_event(w, "put", "w1/b", "2");
    exp_b = expect_event(w, "expire", "w1/b", NULL);
    CLUSTER_ASSERT(&cl, put_a < del_a && del_a < put_b && put_b < exp_b,
                   "revisions %lld %lld %lld %lld", put_a, del_a, put_b, exp_b);
    CLUSTER_ASSERT(&cl, del_a == put_a + 2, "SET other took a revision");
    redisFree(ctx);
    redisFree(w);
}

END_TEST

START_TEST(keywatch_from_replays_history_then_goes_live)
{
    redisContext *ctx = cluster_connect(&cl, leader);
    redisContext *w;
    long long from;
    char key[16];
    char value[16];

    for (int i = 0; i < 20; i++) {
        expect_status(&cl, ctx, "OK", "SET r/%02d v%d", i, i);
    }
    from = mod_rev(ctx, "r/05");
    w = watch(cluster_follower(&cl, leader), "r/", from);
    for (int i = 5; i < 20; i++) {
        snprintf(key, sizeof key, "r/%02d", i);
        snprintf(value, sizeof value, "v%d", i);
        long long rev = expect_event(w, "put", key, value);
        CLUSTER_ASSERT(&cl, rev == from + i - 5, "replayed revision %lld", rev);
    }
    expect_status(&cl, ctx, "OK", "SET r/live now");
    expect_event(w, "put", "r/live", "now");
    /* A FROM ahead of the current revision waits for it. */
    redisFree(w);
    w = watch(leader, "r/", mod_rev(ctx, "r/live") + 2);
    expect_status(&cl, ctx, "OK", "SET r/skipped x");
    expect_status(&cl, ctx, "OK", "SET r/seen y");
    expect_event(w, "put", "r/seen", "y");
    redisFree(w);
    redisFree(ctx);
}

END_TEST

/* Fill the small history: 40 values of 64 KiB under @prefix. */
static void fill_history(redisContext *ctx, const char *prefix)
{
    static char big[65536];

    memset(big, 'x', sizeof big - 1);
    for (int i = 0; i < 40; i++) {
        redisReply *r =
            redisCommand(ctx, "SET %s%d %b", prefix, i, big, sizeof big - 1);
        CLUSTER_ASSERT(&cl, r != NULL && r->type == REDIS_REPLY_STATUS,
                       "big SET");
        freeReplyObject(r);
    }
}

START_TEST(keywatch_from_a_compacted_revision_is_refused)
{
    redisContext *ctx = cluster_connect(&cl, leader);
    unsigned f = cluster_follower(&cl, leader);
    redisContext *w = cluster_connect(&cl, f);
    redisReply *r;
    long long oldest;

    fill_history(ctx, "c/");
    /* The follower's history is its own: wait until it applied them all. */
    wait_applied(f, leader);
    r = expect_reply(&cl, w, "KEYWATCH c/ FROM 1");
    CLUSTER_ASSERT(&cl,
                   r->type == REDIS_REPLY_ERROR &&
                       strncmp(r->str, "COMPACTED ", 10) == 0,
                   "KEYWATCH FROM 1: type %d '%s'", r->type, expect_text(r));
    oldest = strtoll(r->str + 10, NULL, 10);
    CLUSTER_ASSERT(&cl, oldest > 1 && oldest <= 40, "oldest revision %lld",
                   oldest);
    freeReplyObject(r);
    redisFree(w);
    /* FROM the oldest retained revision works, and starts there. */
    w = watch(f, "c/", oldest);
    r = next_event(w);
    CLUSTER_ASSERT(&cl, expect_elem_int(r, 4) == oldest, "first event %lld",
                   expect_elem_int(r, 4));
    freeReplyObject(r);
    redisFree(w);
    redisFree(ctx);
}

END_TEST

START_TEST(progress_reaches_an_idle_watcher)
{
    redisContext *ctx = cluster_connect(&cl, leader);
    redisContext *w;
    redisReply *r;
    uint64_t revision = 0;

    expect_status(&cl, ctx, "OK", "SET elsewhere 1");
    w = watch(cluster_follower(&cl, leader), "idle/", 0);
    CLUSTER_ASSERT(
        &cl, cluster_info_u64(&cl, leader, "store", "revision", &revision),
        "INFO");
    /* The follower reports what it has applied: at most the cluster's
     * revision, and soon that revision. */
    for (;;) {
        long long rev;
        r = expect_push_kind(&cl, w, "progress", 3);
        rev = expect_elem_int(r, 2);
        CLUSTER_ASSERT(&cl, strcmp(expect_elem_str(r, 1), "idle/") == 0,
                       "progress prefix");
        CLUSTER_ASSERT(&cl, rev >= 0 && (uint64_t)rev <= revision,
                       "progress revision %lld, cluster at %llu", rev,
                       (unsigned long long)revision);
        freeReplyObject(r);
        if ((uint64_t)rev == revision) {
            break;
        }
    }
    redisFree(w);
    redisFree(ctx);
}

END_TEST

START_TEST(a_watcher_that_falls_behind_is_told_and_disconnected)
{
    unsigned f = cluster_follower(&cl, leader);
    int fd = cluster_connect_raw(&cl, f);
    static const char cmd[] = "KEYWATCH slow/\r\n";
    redisContext *ctx = cluster_connect(&cl, leader);
    char buf[65536];
    char tail[512];
    size_t tail_len = 0;
    uint64_t consumers = 1;

    CLUSTER_ASSERT(&cl, fd >= 0, "connect");
    CLUSTER_ASSERT(&cl, write(fd, cmd, sizeof cmd - 1) == sizeof cmd - 1,
                   "send");
    /* Not reading: the events back up, the history moves on. */
    fill_history(ctx, "slow/");
    fill_history(ctx, "slow/more");
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        if ((size_t)n >= sizeof tail) {
            memcpy(tail, buf + n - sizeof tail, sizeof tail);
            tail_len = sizeof tail;
        } else {
            size_t keep = tail_len + (size_t)n > sizeof tail
                              ? sizeof tail - (size_t)n
                              : tail_len;
            memmove(tail, tail + tail_len - keep, keep);
            memcpy(tail + keep, buf, (size_t)n);
            tail_len = keep + (size_t)n;
        }
    }
    close(fd);
    CLUSTER_ASSERT(&cl, memmem(tail, tail_len, "\r\n-COMPACTED ", 13) != NULL,
                   "the connection ended without -COMPACTED: '%.*s'",
                   (int)(tail_len > 120 ? 120 : tail_len),
                   tail + tail_len - (tail_len > 120 ? 120 : tail_len));
    CLUSTER_ASSERT(&cl,
                   cluster_info_u64(&cl, f, "coordination", "push_consumers",
                                    &consumers) &&
                       consumers == 0,
                   "push_consumers %llu", (unsigned long long)consumers);
    redisFree(ctx);
}

END_TEST

/* Write keys "@prefix<i>" for i in [first, first + n) through @ctx, one at
 * a time; acked[i] tells which were acknowledged. */
static void write_seq(redisContext **ctx,
                      unsigned node,
                      const char *prefix,
                      unsigned first,
                      unsigned n,
                      bool *acked)
{
    for (unsigned i = first; i < first + n; i++) {
        redisReply *r = redisCommand(*ctx, "SET %s%05u %u", prefix, i, i);
        if (r == NULL) {
            redisFree(*ctx);
            *ctx = cluster_connect(&cl, node);
            continue;
        }
        acked[i] = r->type == REDIS_REPLY_STATUS;
        freeReplyObject(r);
    }
}

/* Read events of keys "@prefix<i>" until @last is seen: each key at most
 * once, in increasing order, revisions increasing; every acked key seen.
 * Returns the last mod revision. */
static long long read_seq(redisContext *w,
                          const char *prefix,
                          unsigned first,
                          unsigned last,
                          const bool *acked,
                          long long after_rev)
{
    unsigned next = first;
    long long rev = after_rev;

    while (next <= last) {
        redisReply *r = next_event(w);
        unsigned i =
            (unsigned)strtoul(expect_elem_str(r, 1) + strlen(prefix), NULL, 10);
        CLUSTER_ASSERT(&cl, i >= next, "key %u again or out of order (next %u)",
                       i, next);
        for (unsigned j = next; j < i; j++) {
            CLUSTER_ASSERT(&cl, !acked[j], "acknowledged key %u missed", j);
        }
        CLUSTER_ASSERT(&cl, expect_elem_int(r, 4) > rev, "revision order");
        rev = expect_elem_int(r, 4);
        next = i + 1;
        freeReplyObject(r);
    }
    return rev;
}

#define SEQ 400

START_TEST(a_watch_goes_on_through_a_leader_kill)
{
    static bool acked[SEQ];
    unsigned f = cluster_follower(&cl, leader);
    redisContext *w = watch(f, "lk/", 0);
    redisContext *ctx = cluster_connect(&cl, f);

    memset(acked, 0, sizeof acked);
    write_seq(&ctx, f, "lk/", 0, SEQ / 2, acked);
    cluster_kill(&cl, leader);
    write_seq(&ctx, f, "lk/", SEQ / 2, SEQ / 2, acked);
    /* The last write must land so the reader knows where to stop. */
    while (!acked[SEQ - 1]) {
        write_seq(&ctx, f, "lk/", SEQ - 1, 1, acked);
    }
    read_seq(w, "lk/", 0, SEQ - 1, acked, 0);
    redisFree(ctx);
    redisFree(w);
}

END_TEST

START_TEST(a_watch_resumes_on_another_node_after_its_own_dies)
{
    static bool acked[SEQ];
    unsigned a = cluster_follower(&cl, leader);
    unsigned b = 6 - leader - a;
    redisContext *w = watch(a, "rs/", 0);
    redisContext *ctx = cluster_connect(&cl, leader);
    long long last;

    memset(acked, 0, sizeof acked);
    write_seq(&ctx, leader, "rs/", 0, SEQ / 2, acked);
    last = read_seq(w, "rs/", 0, SEQ / 2 - 1, acked, 0);
    redisFree(w);
    cluster_kill(&cl, a);
    write_seq(&ctx, leader, "rs/", SEQ / 2, SEQ / 2, acked);
    w = watch(b, "rs/", last + 1);
    read_seq(w, "rs/", SEQ / 2, SEQ - 1, acked, last);
    redisFree(ctx);
    redisFree(w);
}

END_TEST

#define N_WATCHERS 30

START_TEST(many_watchers_on_one_prefix_all_see_everything)
{
    static bool acked[100];
    redisContext *w[N_WATCHERS];
    redisContext *ctx = cluster_connect(&cl, leader);

    for (unsigned i = 0; i < N_WATCHERS; i++) {
        w[i] = watch(1 + i % cl.n_nodes, "m/", 0);
    }
    memset(acked, 0, sizeof acked);
    write_seq(&ctx, leader, "m/", 0, 100, acked);
    for (unsigned i = 0; i < 100; i++) {
        CLUSTER_ASSERT(&cl, acked[i], "write %u", i);
    }
    for (unsigned i = 0; i < N_WATCHERS; i++) {
        read_seq(w[i], "m/", 0, 99, acked, 0);
        redisFree(w[i]);
    }
    redisFree(ctx);
}

END_TEST

START_TEST(keyspace_notifications_arrive_on_subscribe_and_psubscribe)
{
    unsigned f = cluster_follower(&cl, leader);
    redisContext *s = cluster_connect(&cl, f);
    redisContext *ctx = cluster_connect(&cl, leader);
    redisReply *r;

    r = expect_reply(&cl, s, "SUBSCRIBE __keyspace@0__:ks/a");
    CLUSTER_ASSERT(&cl,
                   strcmp(expect_elem_str(r, 0), "subscribe") == 0 &&
                       expect_elem_int(r, 2) == 1,
                   "SUBSCRIBE reply");
    freeReplyObject(r);
    redisAppendCommand(s, "PSUBSCRIBE __keyevent@0__:*");
    r = expect_push_kind(&cl, s, "psubscribe", 3);
    CLUSTER_ASSERT(&cl, expect_elem_int(r, 2) == 2, "count");
    freeReplyObject(r);
    expect_status(&cl, ctx, "OK", "SET ks/a 1");
    expect_int(&cl, ctx, "DEL ks/a");

    r = expect_push_kind(&cl, s, "message", 3);
    CLUSTER_ASSERT(&cl,
                   strcmp(expect_elem_str(r, 1), "__keyspace@0__:ks/a") == 0 &&
                       strcmp(expect_elem_str(r, 2), "set") == 0,
                   "keyspace set: %s %s", expect_elem_str(r, 1),
                   expect_elem_str(r, 2));
    freeReplyObject(r);
    r = expect_push_kind(&cl, s, "pmessage", 4);
    CLUSTER_ASSERT(&cl,
                   strcmp(expect_elem_str(r, 2), "__keyevent@0__:set") == 0 &&
                       strcmp(expect_elem_str(r, 3), "ks/a") == 0,
                   "keyevent set");
    freeReplyObject(r);
    r = expect_push_kind(&cl, s, "message", 3);
    CLUSTER_ASSERT(&cl, strcmp(expect_elem_str(r, 2), "del") == 0, "del");
    freeReplyObject(r);
    r = expect_push_kind(&cl, s, "pmessage", 4);
    CLUSTER_ASSERT(&cl,
                   strcmp(expect_elem_str(r, 2), "__keyevent@0__:del") == 0,
                   "keyevent del");
    freeReplyObject(r);

    /* Only keyspace channels, and only the string class, after CONFIG SET on
     * the subscribers' node. */
    {
        redisContext *admin = cluster_connect(&cl, f);
        expect_status(&cl, admin, "OK", "CONFIG SET notify-keyspace-events K$");
        r = expect_reply(&cl, admin, "CONFIG GET notify-keyspace*");
        CLUSTER_ASSERT(
            &cl, r->elements == 2 && strcmp(expect_elem_str(r, 1), "$K") == 0,
            "CONFIG GET: '%s'", expect_elem_str(r, 1));
        freeReplyObject(r);
        redisFree(admin);
    }
    expect_int(&cl, ctx, "DEL nothing");
    expect_status(&cl, ctx, "OK", "SET ks/a 2");
    expect_int(&cl, ctx, "DEL ks/a");
    expect_status(&cl, ctx, "OK", "SET ks/a 3");
    r = expect_push_kind(&cl, s, "message", 3);
    CLUSTER_ASSERT(&cl, strcmp(expect_elem_str(r, 2), "set") == 0, "set 2");
    freeReplyObject(r);
    r = expect_push_kind(&cl, s, "message", 3);
    CLUSTER_ASSERT(&cl, strcmp(expect_elem_str(r, 2), "set") == 0,
                   "del was not filtered out: '%s'", expect_elem_str(r, 2));
    freeReplyObject(r);
    redisFree(ctx);
    redisFree(s);
}

END_TEST

START_TEST(push_mode_takes_only_push_commands)
{
    redisContext *w = watch(leader, "p/", 0);
    redisReply *r;

    expect_error_prefix(&cl, w, "ERR Can't execute 'get'", "GET k");
    r = expect_reply(&cl, w, "PING");
    CLUSTER_ASSERT(&cl,
                   r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                       strcmp(expect_elem_str(r, 0), "pong") == 0,
                   "PING in push mode");
    freeReplyObject(r);
    expect_error_prefix(&cl, w, "ERR this connection already watches",
                        "KEYWATCH p/");
    expect_error(&cl, w, "ERR FROM needs a revision >= 1",
                 "KEYWATCH q/ FROM x");
    {
        /* --max-subscriptions (1024): the KEYWATCH and 1023 channels fit;
         * one more (with a channel already held) refuses the command. */
        static char names[1023][8];
        const char *argv[1024] = { "SUBSCRIBE" };
        redisReply *many;

        for (int i = 0; i < 1023; i++) {
            snprintf(names[i], sizeof names[i], "c%d", i);
            argv[i + 1] = names[i];
        }
        redisAppendCommandArgv(w, 1024, argv, NULL);
        for (int i = 0; i < 1023; i++) {
            many = expect_push_kind(&cl, w, "subscribe", 3);
            freeReplyObject(many);
        }
        many = expect_reply(&cl, w, "SUBSCRIBE c0 one-more");
        CLUSTER_ASSERT(&cl,
                       many->type == REDIS_REPLY_ERROR &&
                           strstr(many->str, "--max-subscriptions"),
                       "a 1025th subscription was accepted");
        freeReplyObject(many);
    }
    expect_status(&cl, w, "RESET", "RESET");
    expect_value(&cl, w, "k", NULL);
    expect_error_prefix(&cl, w, "ERR PUBLISH is not supported", "PUBLISH c m");
    redisFree(w);
}

END_TEST

static Suite *watch_suite(void)
{
    Suite *s = suite_create("watch");
    TCase *tc = tcase_create("three_nodes");
    TCase *small = tcase_create("small_history");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, keywatch_streams_changes_in_revision_order);
    tcase_add_test(tc, keywatch_from_replays_history_then_goes_live);
    tcase_add_test(tc, a_watch_goes_on_through_a_leader_kill);
    tcase_add_test(tc, a_watch_resumes_on_another_node_after_its_own_dies);
    tcase_add_test(tc, many_watchers_on_one_prefix_all_see_everything);
    tcase_add_test(tc,
                   keyspace_notifications_arrive_on_subscribe_and_psubscribe);
    tcase_add_test(tc, push_mode_takes_only_push_commands);
    suite_add_tcase(s, tc);

    tcase_add_checked_fixture(small, setup_small, teardown);
    tcase_set_timeout(small, 60);
    tcase_add_test(small, keywatch_from_a_compacted_revision_is_refused);
    tcase_add_test(small, progress_reaches_an_idle_watcher);
    tcase_add_test(small, a_watcher_that_falls_behind_is_told_and_disconnected);
    suite_add_tcase(s, small);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(watch_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

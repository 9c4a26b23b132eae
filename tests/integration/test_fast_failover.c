/* Fast failover and graceful hand-off (node/failover.h, node/handoff.h) on
 * three real nodes: the fast path fires when the leader's process dies and
 * not when it is merely paused; a follower whose link to a live leader is
 * reset neither shortens its timeout nor deposes it; SIGTERM of the leader
 * hands leadership over; and no acknowledged write is lost across any of the
 * three faults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <hiredis/hiredis.h>

#include "../lib/cluster.h"
#include "../lib/wait.h"

#define LEADER_MS   10000
#define BATCH       200
#define ELECTION_MS 400 /* the harness' default */

static struct cluster cl;

static void setup(void)
{
    cluster_start(&cl, NULL);
}

static void teardown(void)
{
    ck_assert_int_eq(cluster_destroy(&cl), 0);
}

static uint64_t info_raft(unsigned id, const char *field)
{
    uint64_t v = 0;

    CLUSTER_ASSERT(&cl, cluster_info_u64(&cl, id, "raft", field, &v),
                   "node %u: INFO raft %s", id, field);
    return v;
}

struct field_is {
    unsigned id;
    const char *field;
    uint64_t want;
};

static bool field_is(void *arg)
{
    struct field_is *q = arg;
    uint64_t v;

    return cluster_info_u64(&cl, q->id, "raft", q->field, &v) && v == q->want;
}

static void wait_field(unsigned id, const char *field, uint64_t want)
{
    struct field_is q = { id, field, want };

    CLUSTER_ASSERT(&cl, wait_until(field_is, &q, 10000),
                   "node %u: INFO raft %s never became %llu", id, field,
                   (unsigned long long)want);
}

/* A leader, and both followers' links to it connected (a follower watches
 * its leader through that link). */
static unsigned settled_leader(unsigned *f1, unsigned *f2)
{
    unsigned leader = cluster_leader(&cl, LEADER_MS);

    CLUSTER_ASSERT(&cl, leader != 0, "no leader elected");
    *f1 = cluster_follower(&cl, leader);
    *f2 = 6 - leader - *f1;
    wait_field(*f1, "leader_link_up", 1);
    wait_field(*f2, "leader_link_up", 1);
    return leader;
}

START_TEST(fast_path_fires_when_the_leader_process_dies)
{
    unsigned f1, f2, old = settled_leader(&f1, &f2), fresh;

    cluster_kill(&cl, old);
    fresh = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, fresh != 0 && fresh != old, "no new leader");
    CLUSTER_ASSERT(&cl, info_raft(f1, "fast_failovers") == 1,
                   "node %u did not take the fast path", f1);
    CLUSTER_ASSERT(&cl, info_raft(f2, "fast_failovers") == 1,
                   "node %u did not take the fast path", f2);
    /* Both back on the normal timeout under the new leader. */
    wait_field(f1, "election_timeout_ms", ELECTION_MS);
    wait_field(f2, "election_timeout_ms", ELECTION_MS);
    CLUSTER_ASSERT(&cl,
                   info_raft(f1, "leader_links_lost") == 1 &&
                       info_raft(f2, "leader_links_lost") == 1,
                   "link losses not counted once each");
    CLUSTER_ASSERT(&cl,
                   info_raft(f1, "fast_failovers_cancelled") == 0 &&
                       info_raft(f2, "fast_failovers_cancelled") == 0,
                   "a dead leader counted as alive");
}

END_TEST

START_TEST(fast_path_stays_off_when_the_leader_is_paused)
{
    unsigned f1, f2, old = settled_leader(&f1, &f2), fresh;

    cluster_pause(&cl, old);
    fresh = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, fresh != 0 && fresh != old, "no new leader");
    CLUSTER_ASSERT(&cl,
                   info_raft(f1, "fast_failovers") == 0 &&
                       info_raft(f2, "fast_failovers") == 0,
                   "fast path fired for a paused leader");
    /* The survivors stood on the silence rule. (Either one's own random
     * timer may just beat the rule, 700 ms into a 700-1400 ms range, but
     * both doing so is a chance of about one in a thousand.) */
    CLUSTER_ASSERT(&cl,
                   info_raft(f1, "leader_silences") +
                           info_raft(f2, "leader_silences") >=
                       1,
                   "no survivor noticed the silence");
    cluster_resume(&cl, old);
    CLUSTER_ASSERT(&cl, cluster_leader(&cl, LEADER_MS) == fresh,
                   "the resumed node took leadership back");
    CLUSTER_ASSERT(&cl, info_raft(old, "fast_failovers") == 0,
                   "the resumed node took the fast path");
}

END_TEST

struct steady {
    unsigned leader;
    uint64_t term;
    bool changed;
};

/* False (so that polling goes on) while the leader and term hold; records a
 * change of either on any node. */
static bool leadership_moved(void *arg)
{
    struct steady *s = arg;

    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        uint64_t leader = 0, term = 0;
        if (cluster_info_u64(&cl, id, "raft", "leader_id", &leader) &&
            cluster_info_u64(&cl, id, "raft", "term", &term) &&
            (leader != s->leader || term != s->term)) {
            s->changed = true;
        }
    }
    return s->changed;
}

/* The leader resets both followers' links (CLIENT KILL TYPE replica): each
 * notices, reconnects, finds the leader answering and keeps its normal
 * timeout; nobody stands for election, several times over. */
START_TEST(reset_link_to_a_live_leader_does_not_depose_it)
{
    unsigned f1, f2, leader = settled_leader(&f1, &f2);
    struct steady s = { .leader = leader, .term = info_raft(leader, "term") };

    for (uint64_t round = 1; round <= 5; round++) {
        redisReply *r =
            cluster_command(&cl, leader, "CLIENT KILL TYPE replica");
        CLUSTER_ASSERT(&cl, r != NULL && r->type == REDIS_REPLY_INTEGER,
                       "CLIENT KILL TYPE replica failed");
        CLUSTER_ASSERT(&cl, r->integer == 2, "killed %lld links, not 2",
                       r->integer);
        freeReplyObject(r);
        wait_field(f1, "leader_links_lost", round);
        wait_field(f2, "leader_links_lost", round);
        wait_field(f1, "leader_link_up", 1);
        wait_field(f2, "leader_link_up", 1);
        CLUSTER_ASSERT(&cl,
                       info_raft(f1, "fast_failovers") == 0 &&
                           info_raft(f2, "fast_failovers") == 0,
                       "round %llu: a reset link shortened the timeout",
                       (unsigned long long)round);
    }
    /* Watched for three election timeouts: leader and term unchanged. */
    CLUSTER_ASSERT(&cl, !wait_until(leadership_moved, &s, 3 * ELECTION_MS),
                   "leadership moved after a reset link");
    CLUSTER_ASSERT(&cl,
                   info_raft(f1, "election_timeout_ms") == ELECTION_MS &&
                       info_raft(f2, "election_timeout_ms") == ELECTION_MS,
                   "timeout not normal");
}

END_TEST

enum fault {
    FAULT_KILL,
    FAULT_STOP,
    FAULT_TERM
};

static const char *const fault_names[] = { "kill", "stop", "term" };

/* Writes acknowledged before the fault, writes in flight through both
 * followers and the leader itself when the leader meets @fault, and writes
 * after it: every acknowledged one is on every node afterwards, the faulty
 * node included once it is back. */
START_TEST(no_acknowledged_write_lost)
{
    enum fault fault = (enum fault)_i;
    unsigned f1, f2, old = settled_leader(&f1, &f2), fresh;
    const unsigned via[3] = { f1, f2, old };
    redisContext *ctx[3];
    static bool acked[3][BATCH];
    char prefix[3][32], before[32], after[32], bad[CLUSTER_BAD_SIZE];
    redisContext *c;

    ctx[0] = cluster_connect(&cl, f1);
    snprintf(before, sizeof before, "%s-before-", fault_names[fault]);
    CLUSTER_ASSERT(&cl,
                   cluster_set_many(ctx[0], before, 0, BATCH, NULL) == BATCH,
                   "writes before the fault failed");
    redisFree(ctx[0]);
    for (unsigned k = 0; k < 3; k++) {
        ctx[k] = cluster_connect(&cl, via[k]);
        snprintf(prefix[k], sizeof prefix[k], "%s-%u-", fault_names[fault], k);
        cluster_send_sets(ctx[k], prefix[k], 0, BATCH);
    }
    if (fault == FAULT_KILL) {
        cluster_kill(&cl, old);
    } else if (fault == FAULT_STOP) {
        cluster_pause(&cl, old);
    } else {
        CLUSTER_ASSERT(&cl, cluster_stop(&cl, old) == 0,
                       "SIGTERM: exit status not 0");
    }
    for (unsigned k = 0; k < 3; k++) {
        if (fault == FAULT_STOP && k == 2) {
            continue; /* its replies wait for SIGCONT */
        }
        cluster_read_sets_or_fail(&cl, ctx[k], BATCH, acked[k]);
    }
    fresh = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, fresh != 0 && fresh != old, "no new leader");
    if (fault == FAULT_TERM) {
        CLUSTER_ASSERT(&cl, info_raft(fresh, "fast_failovers") == 0,
                       "a handed-over leadership went the fast path");
    }
    c = cluster_connect(&cl, fresh);
    snprintf(after, sizeof after, "%s-after-", fault_names[fault]);
    CLUSTER_ASSERT(&cl, cluster_set_many(c, after, 0, BATCH, NULL) == BATCH,
                   "writes after the fault failed");
    redisFree(c);
    if (fault == FAULT_STOP) {
        cluster_resume(&cl, old);
        cluster_read_sets_or_fail(&cl, ctx[2], BATCH, acked[2]);
    } else {
        cluster_restart(&cl, old);
    }
    for (unsigned k = 0; k < 3; k++) {
        redisFree(ctx[k]);
    }
    /* MGET is a linearizable read: served through the leader's log. */
    CLUSTER_ASSERT(&cl, cluster_leader(&cl, LEADER_MS) != 0, "no leader");
    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        c = cluster_connect(&cl, id);
        CLUSTER_ASSERT(
            &cl,
            cluster_check_many(c, before, 0, BATCH, NULL, bad) == BATCH &&
                cluster_check_many(c, after, 0, BATCH, NULL, bad) == BATCH,
            "%s: node %u: acked write lost: %s", fault_names[fault], id, bad);
        for (unsigned k = 0; k < 3; k++) {
            CLUSTER_ASSERT(
                &cl,
                cluster_check_many(c, prefix[k], 0, BATCH, acked[k], bad) >= 0,
                "%s: node %u: acked write lost: %s", fault_names[fault], id,
                bad);
        }
        redisFree(c);
    }
}

END_TEST

static bool log_has(unsigned id, const char *text)
{
    FILE *f = fopen(cluster_node(&cl, id)->log_path, "r");
    char line[1024];
    bool found = false;

    while (f != NULL && !found && fgets(line, sizeof line, f) != NULL) {
        found = strstr(line, text) != NULL;
    }
    if (f != NULL) {
        fclose(f);
    }
    return found;
}

/* SIGTERM of the leader: leadership is handed to a follower before the node
 * exits, in one term step, and writes go on at once. */
START_TEST(sigterm_hands_leadership_over)
{
    unsigned f1, f2, old = settled_leader(&f1, &f2), fresh;
    uint64_t term = info_raft(old, "term");
    redisReply *r;

    CLUSTER_ASSERT(&cl, cluster_stop(&cl, old) == 0, "exit status not 0");
    CLUSTER_ASSERT(&cl, log_has(old, "leadership handed to n"),
                   "no hand-off in node %u's log", old);
    fresh = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, fresh != 0 && fresh != old, "no new leader");
    CLUSTER_ASSERT(&cl, info_raft(fresh, "term") == term + 1,
                   "term went from %llu to %llu, not one step",
                   (unsigned long long)term,
                   (unsigned long long)info_raft(fresh, "term"));
    r = cluster_command(&cl, fresh, "SET after-handoff 1");
    CLUSTER_ASSERT(&cl, r != NULL && r->type == REDIS_REPLY_STATUS,
                   "write after the hand-off refused");
    freeReplyObject(r);
    cluster_restart(&cl, old);
}

END_TEST

static Suite *fast_failover_suite(void)
{
    Suite *s = suite_create("fast_failover");
    TCase *tc = tcase_create("faults");

    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, fast_path_fires_when_the_leader_process_dies);
    tcase_add_test(tc, fast_path_stays_off_when_the_leader_is_paused);
    tcase_add_test(tc, reset_link_to_a_live_leader_does_not_depose_it);
    tcase_add_loop_test(tc, no_acknowledged_write_lost, FAULT_KILL,
                        FAULT_TERM + 1);
    tcase_add_test(tc, sigterm_hands_leadership_over);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fast_failover_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

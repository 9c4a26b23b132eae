/* Unit tests for elections in the state machine (src/fsm/election_ops.c,
 * src/store/election.c): campaign order, fencing tokens as the revisions
 * at which leaders took over, resignation by token, withdrawal, leases
 * ending candidacies, and FENCE. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "../lib/apply.h"
#include "fsm/entry.h"
#include "fsm/fsm.h"
#include "fsm/snapshot.h"
#include "lib/buf.h"

#define A FSM_APPLY

/* Leases 1..3, and candidates 1, 2, 3 (in that order) for "ctl". */
static void three_candidates(struct fsm_fixture *x)
{
    A(x, ENTRY_OP_LEASE_GRANT, "10");
    A(x, ENTRY_OP_LEASE_GRANT, "10");
    A(x, ENTRY_OP_LEASE_GRANT, "10");
    A(x, ENTRY_OP_CAMPAIGN, "ctl", "one", "LEASE", "1");
    A(x, ENTRY_OP_CAMPAIGN, "ctl", "two", "LEASE", "2");
    A(x, ENTRY_OP_CAMPAIGN, "ctl", "three", "LEASE", "3", "NOWAIT");
}

static uint64_t token_of(struct fsm_fixture *x, const char *name)
{
    const struct election *el =
        election_get(&x->f.elections, name, strlen(name));

    return el != NULL ? el->leader_rev : 0;
}

START_TEST(first_campaign_leads_with_its_revision_as_token)
{
    struct fsm_fixture x;

    fsm_fixture_init(&x);
    A(&x, ENTRY_OP_LEASE_GRANT, "10");
    A(&x, ENTRY_OP_SET, "a", "1");
    A(&x, ENTRY_OP_CAMPAIGN, "ctl", "one", "LEASE", "1");
    ck_assert_str_eq(reply_text(&x.r), "*2\r\n:2\r\n:2\r\n");
    ck_assert_uint_eq(x.f.revision, 2);
    ck_assert_uint_eq(token_of(&x, "ctl"), 2);
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(later_campaigns_queue_and_report_no_token)
{
    struct fsm_fixture x;

    fsm_fixture_init(&x);
    three_candidates(&x);
    ck_assert_str_eq(reply_text(&x.r), "*2\r\n:0\r\n:3\r\n");
    ck_assert_uint_eq(token_of(&x, "ctl"), 1);
    /* Campaigning again with the same lease changes nothing. */
    A(&x, ENTRY_OP_CAMPAIGN, "ctl", "again", "LEASE", "2");
    ck_assert_str_eq(reply_text(&x.r), "*2\r\n:0\r\n:2\r\n");
    A(&x, ENTRY_OP_CAMPAIGN, "ctl", "again", "LEASE", "1");
    ck_assert_str_eq(reply_text(&x.r), "*2\r\n:1\r\n:1\r\n");
    ck_assert_uint_eq(x.f.revision, 3);
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(resign_needs_the_current_token_and_hands_over_in_order)
{
    struct fsm_fixture x;

    fsm_fixture_init(&x);
    three_candidates(&x);
    change_log_take(&x.log);
    A(&x, ENTRY_OP_RESIGN, "ctl", "2");
    ck_assert_str_eq(reply_text(&x.r), ":0\r\n");
    A(&x, ENTRY_OP_RESIGN, "other", "1");
    ck_assert_str_eq(reply_text(&x.r), ":0\r\n");
    ck_assert_uint_eq(x.f.revision, 3);
    A(&x, ENTRY_OP_RESIGN, "ctl", "1");
    ck_assert_str_eq(reply_text(&x.r), ":1\r\n");
    ck_assert_uint_eq(token_of(&x, "ctl"), 4);
    ck_assert_str_eq(change_log_take(&x.log),
                     "election ctl leader=two token=4 rev=4 changed=1\n");
    /* The old token no longer resigns anything. */
    A(&x, ENTRY_OP_RESIGN, "ctl", "1");
    ck_assert_str_eq(reply_text(&x.r), ":0\r\n");
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(withdrawal_of_a_follower_keeps_the_leader)
{
    struct fsm_fixture x;

    fsm_fixture_init(&x);
    three_candidates(&x);
    change_log_take(&x.log);
    A(&x, ENTRY_OP_WITHDRAW, "ctl", "2");
    ck_assert_str_eq(reply_text(&x.r), ":1\r\n");
    ck_assert_uint_eq(token_of(&x, "ctl"), 1);
    ck_assert_str_eq(change_log_take(&x.log),
                     "election ctl leader=one token=1 rev=4 changed=0\n");
    A(&x, ENTRY_OP_WITHDRAW, "ctl", "2");
    ck_assert_str_eq(reply_text(&x.r), ":0\r\n");
    ck_assert_uint_eq(x.f.revision, 4);
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(lease_end_removes_candidacies_at_the_keys_revision)
{
    struct fsm_fixture x;

    fsm_fixture_init(&x);
    three_candidates(&x);
    A(&x, ENTRY_OP_SET, "k", "v", "LEASE", "1");
    A(&x, ENTRY_OP_CAMPAIGN, "other", "one", "LEASE", "1");
    change_log_take(&x.log);
    A(&x, ENTRY_OP_LEASE_EXPIRE, "1");
    /* One revision for the key and both candidacies; "two" leads "ctl" with
     * that revision as its token; "other" is gone. */
    ck_assert_uint_eq(x.f.revision, 6);
    ck_assert_uint_eq(token_of(&x, "ctl"), 6);
    ck_assert_ptr_null(election_get(&x.f.elections, "other", 5));
    ck_assert_str_eq(change_log_take(&x.log),
                     "expire k= c=4 m=6 l=1\n"
                     "election other leader=- token=0 rev=6 changed=1\n"
                     "election ctl leader=two token=6 rev=6 changed=1\n"
                     "lease removed 1\n");
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(campaign_needs_a_live_lease)
{
    struct fsm_fixture x;

    fsm_fixture_init(&x);
    A(&x, ENTRY_OP_CAMPAIGN, "ctl", "one", "LEASE", "1");
    ck_assert_str_eq(reply_text(&x.r),
                     "-NOLEASE lease 1 not found (expired or revoked)\r\n");
    A(&x, ENTRY_OP_LEASE_GRANT, "10");
    A(&x, ENTRY_OP_CAMPAIGN, "ctl", "one", "TTL", "1");
    ck_assert_str_eq(reply_text(&x.r), "-ERR syntax error\r\n");
    A(&x, ENTRY_OP_CAMPAIGN, "ctl", "one", "LEASE", "1", "LATER");
    ck_assert_str_eq(reply_text(&x.r), "-ERR syntax error\r\n");
    ck_assert_uint_eq(x.f.elections.n, 0);
    ck_assert_uint_eq(x.f.revision, 0);
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(fence_runs_the_command_only_for_the_current_token)
{
    struct fsm_fixture x;

    fsm_fixture_init(&x);
    three_candidates(&x);
    A(&x, ENTRY_OP_FENCE, "ctl", "1", "SET", "k", "v");
    ck_assert_str_eq(reply_text(&x.r), "+OK\r\n");
    ck_assert_uint_eq(kv_get(x.f.kv, "k", 1)->mod_rev, 4);
    A(&x, ENTRY_OP_RESIGN, "ctl", "1");
    A(&x, ENTRY_OP_FENCE, "ctl", "1", "SET", "k", "stale");
    ck_assert_str_eq(reply_text(&x.r),
                     "-FENCED token 1 does not hold election 'ctl' (current "
                     "token: 5)\r\n");
    ck_assert_mem_eq(kv_get(x.f.kv, "k", 1)->value, "v", 1);
    A(&x, ENTRY_OP_FENCE, "ctl", "5", "CAS", "k", "v", "w");
    ck_assert_str_eq(reply_text(&x.r), ":1\r\n");
    A(&x, ENTRY_OP_FENCE, "ctl", "5", "GET", "k");
    ck_assert_str_eq(reply_text(&x.r), "$1\r\nw\r\n");
    A(&x, ENTRY_OP_FENCE, "nobody", "5", "DEL", "k");
    ck_assert_str_eq(reply_text(&x.r),
                     "-FENCED token 5 does not hold election 'nobody' "
                     "(current token: 0)\r\n");
    A(&x, ENTRY_OP_FENCE, "ctl", "5", "PING");
    ck_assert_ptr_nonnull(strstr(reply_text(&x.r), "-ERR 'PING' cannot"));
    A(&x, ENTRY_OP_FENCE, "ctl", "zero", "DEL", "k");
    ck_assert_str_eq(reply_text(&x.r),
                     "-ERR fencing token must be a number >= 1\r\n");
    ck_assert_uint_eq(x.f.revision, 6);
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(elections_survive_a_snapshot_round_trip)
{
    struct fsm_fixture x;
    struct fsm copy;
    struct buf snap;
    struct buf again;

    fsm_fixture_init(&x);
    fsm_init(&copy);
    buf_init(&snap);
    buf_init(&again);
    three_candidates(&x);
    A(&x, ENTRY_OP_RESIGN, "ctl", "1");
    A(&x, ENTRY_OP_CAMPAIGN, "b", "x", "LEASE", "3");
    snapshot_encode(&x.f, &snap);
    ck_assert_int_eq(snapshot_decode(&copy, snap.base, snap.len), 0);
    snapshot_encode(&copy, &again);
    ck_assert_uint_eq(again.len, snap.len);
    ck_assert_mem_eq(again.base, snap.base, snap.len);
    ck_assert_uint_eq(copy.elections.n, 2);
    ck_assert_uint_eq(election_get(&copy.elections, "ctl", 3)->leader_rev, 4);
    ck_assert_uint_eq(election_get(&copy.elections, "ctl", 3)->n_cands, 2);
    buf_close(&again);
    buf_close(&snap);
    fsm_close(&copy);
    fsm_fixture_close(&x);
}

END_TEST

static Suite *election_suite(void)
{
    Suite *s = suite_create("election");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, first_campaign_leads_with_its_revision_as_token);
    tcase_add_test(tc, later_campaigns_queue_and_report_no_token);
    tcase_add_test(tc, resign_needs_the_current_token_and_hands_over_in_order);
    tcase_add_test(tc, withdrawal_of_a_follower_keeps_the_leader);
    tcase_add_test(tc, lease_end_removes_candidacies_at_the_keys_revision);
    tcase_add_test(tc, campaign_needs_a_live_lease);
    tcase_add_test(tc, fence_runs_the_command_only_for_the_current_token);
    tcase_add_test(tc, elections_survive_a_snapshot_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(election_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

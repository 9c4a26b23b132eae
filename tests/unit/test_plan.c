/* Unit tests for the controller's decisions (src/scaling/plan.c) and the
 * heartbeat health rule (src/scaling/health.c), on state built through the
 * state machine's ops: zone choice, termination order per policy,
 * protection, the 10% replacement batches, cooldown, backoff, deletion and
 * grace periods. No cluster, no clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "../lib/apply.h"
#include "fsm/entry.h"
#include "scaling/health.h"
#include "scaling/plan.h"

#define A   FSM_APPLY
#define T0  1764580000000ULL /* 2025-12-01T09:06:40Z */
#define MIN 60000ULL

static struct fsm_fixture x;
static struct plan p;

static void setup(void)
{
    fsm_fixture_init(&x);
    plan_init(&p);
    apply_time_ms = T0;
    A(&x, ENTRY_OP_CTRL_CLAIM, "1", "7");
}

static void teardown(void)
{
    plan_close(&p);
    fsm_fixture_close(&x);
}

static struct group *group(const char *name)
{
    return scaling_group(&x.f.scaling, (struct slice){ name, strlen(name) });
}

/* Launch an instance of @g in @zone through the controller's ops and
 * bring it InService; returns its id. */
static uint64_t launch(const char *g, const char *zone)
{
    char activity[24];
    char token[24];
    uint64_t id;

    A(&x, ENTRY_OP_CTRL_START, "1", g, "launch", zone, "0", "test");
    ck_assert_msg(x.r.base[0] == '*', "%s", reply_text(&x.r));
    id = x.f.scaling.next_instance - 1;
    snprintf(activity, sizeof activity, "%llu",
             (unsigned long long)x.f.scaling.next_activity - 1);
    snprintf(token, sizeof token, "%llu",
             (unsigned long long)x.f.scaling.last_token);
    A(&x, ENTRY_OP_CTRL_FINISH, "1", activity, token, "Successful", "10.0.0.1");
    ck_assert_str_eq(reply_text(&x.r), "+OK\r\n");
    return id;
}

static struct instance *inst(uint64_t id)
{
    return scaling_instance(&x.f.scaling, id);
}

static void plan_now(const char *g, uint64_t now)
{
    struct plan_input in = { .now_ms = now, .max_actions = 100 };

    plan_group(&x.f.scaling, group(g), &in, &p);
}

static size_t count_kind(uint8_t kind)
{
    size_t n = 0;

    for (size_t i = 0; i < p.n; i++) {
        n += p.actions[i].kind == kind;
    }
    return n;
}

START_TEST(launches_fill_the_zone_with_fewest_instances)
{
    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "0", "MAX", "10", "ZONES",
      "a,b,c");
    launch("web", "a");
    launch("web", "a");
    launch("web", "c");
    A(&x, ENTRY_OP_GROUP_SETDESIRED, "web", "6");
    plan_now("web", T0);
    ck_assert_uint_eq(p.n, 3);
    ck_assert_str_eq(p.actions[0].zone, "b");
    ck_assert_str_eq(p.actions[1].zone, "b");
    ck_assert_str_eq(p.actions[2].zone, "c");
    ck_assert_ptr_nonnull(
        strstr(p.actions[0].cause, "increasing the capacity from 3 to 6"));
    ck_assert_ptr_nonnull(
        strstr(p.actions[0].cause, "At 2025-12-01T09:06:40Z"));
}

END_TEST

START_TEST(pending_launches_count_so_nothing_is_launched_twice)
{
    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "2", "MAX", "10", "ZONES",
      "a,b");
    A(&x, ENTRY_OP_CTRL_START, "1", "web", "launch", "a", "0", "c");
    plan_now("web", T0);
    ck_assert_uint_eq(count_kind(PLAN_LAUNCH), 1);
    ck_assert_str_eq(p.actions[0].zone, "b");
    A(&x, ENTRY_OP_CTRL_START, "1", "web", "launch", "b", "0", "c");
    plan_now("web", T0);
    ck_assert_uint_eq(p.n, 0);
    ck_assert_ptr_nonnull(strstr(p.summary, "nothing to do"));
}

END_TEST

START_TEST(scale_in_takes_the_fullest_zone_then_the_policy)
{
    uint64_t a1, a2, a3, b1;

    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "0", "MAX", "10", "ZONES", "a,b",
      "TERMINATION", "OldestInstance");
    a1 = launch("web", "a");
    apply_time_ms += MIN;
    b1 = launch("web", "b");
    apply_time_ms += MIN;
    a2 = launch("web", "a");
    apply_time_ms += MIN;
    a3 = launch("web", "a");
    A(&x, ENTRY_OP_GROUP_SETDESIRED, "web", "2");
    plan_now("web", apply_time_ms);
    ck_assert_uint_eq(p.n, 2);
    /* Zone a has 3: its oldest goes; then a (2) against b (1): a again. */
    ck_assert_uint_eq(p.actions[0].instance, a1);
    ck_assert_uint_eq(p.actions[1].instance, a2);
    ck_assert_ptr_nonnull(
        strstr(p.actions[0].cause, "shrinking the capacity from 4 to 2"));
    (void)a3;
    (void)b1;
}

END_TEST

START_TEST(newest_instance_policy_terminates_the_newest)
{
    uint64_t a1, a2;

    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "0", "MAX", "10", "ZONES", "a",
      "TERMINATION", "NewestInstance,Default");
    a1 = launch("web", "a");
    apply_time_ms += MIN;
    a2 = launch("web", "a");
    A(&x, ENTRY_OP_GROUP_SETDESIRED, "web", "1");
    plan_now("web", apply_time_ms);
    ck_assert_uint_eq(p.n, 1);
    ck_assert_uint_eq(p.actions[0].instance, a2);
    (void)a1;
}

END_TEST

START_TEST(default_policy_picks_the_closest_to_the_next_instance_hour)
{
    uint64_t early, late;

    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "0", "MAX", "10", "ZONES", "a");
    early = launch("web", "a"); /* at T0: 50 min into its hour at T0+50m */
    apply_time_ms = T0 + 20 * MIN;
    late = launch("web", "a"); /* 30 min into its hour then */
    A(&x, ENTRY_OP_GROUP_SETDESIRED, "web", "1");
    plan_now("web", T0 + 50 * MIN);
    ck_assert_uint_eq(p.actions[0].instance, early);
    /* At T0+65m, the late one is 45 min in, the early one 5 min in. */
    plan_now("web", T0 + 65 * MIN);
    ck_assert_uint_eq(p.actions[0].instance, late);
}

END_TEST

START_TEST(protected_instances_are_never_scaled_in)
{
    uint64_t a1, a2, b1;
    char id[20];

    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "0", "MAX", "10", "ZONES",
      "a,b");
    a1 = launch("web", "a");
    a2 = launch("web", "a");
    b1 = launch("web", "b");
    instance_id_format(a1, id);
    A(&x, ENTRY_OP_INSTANCE_PROTECT, id, "1");
    instance_id_format(a2, id);
    A(&x, ENTRY_OP_INSTANCE_PROTECT, id, "1");
    A(&x, ENTRY_OP_GROUP_SETDESIRED, "web", "1");
    plan_now("web", T0);
    /* Zone a has the most but only protected ones: b's goes. */
    ck_assert_uint_eq(p.n, 1);
    ck_assert_uint_eq(p.actions[0].instance, b1);
    instance_id_format(b1, id);
    A(&x, ENTRY_OP_INSTANCE_PROTECT, id, "1");
    plan_now("web", T0);
    ck_assert_uint_eq(p.n, 0);
    ck_assert_ptr_nonnull(strstr(p.summary,
                                 "Could not scale to desired capacity because "
                                 "all remaining instances are protected from "
                                 "scale-in."));
}

END_TEST

START_TEST(new_instances_protected_when_the_group_says_so)
{
    uint64_t a1;

    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "0", "MAX", "10", "ZONES", "a",
      "PROTECT-NEW", "1");
    a1 = launch("web", "a");
    ck_assert(inst(a1)->protected_);
}

END_TEST

START_TEST(unhealthy_instances_are_replaced_ten_percent_at_a_time)
{
    uint64_t ids[30];
    char id[20];

    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "30", "MAX", "40", "ZONES", "a");
    for (int i = 0; i < 30; i++) {
        ids[i] = launch("web", "a");
    }
    for (int i = 0; i < 5; i++) {
        instance_id_format(ids[i], id);
        A(&x, ENTRY_OP_INSTANCE_SETHEALTH, id, "Unhealthy");
    }
    /* Protected from scale-in does not protect from replacement. */
    instance_id_format(ids[0], id);
    A(&x, ENTRY_OP_INSTANCE_PROTECT, id, "1");
    plan_now("web", T0);
    ck_assert_uint_eq(count_kind(PLAN_TERMINATE), 3); /* 10% of 30 */
    ck_assert(p.actions[0].replace);
    ck_assert_uint_eq(p.actions[0].instance, ids[0]);
    /* Replacements count as capacity gone: their launches come at once. */
    ck_assert_uint_eq(count_kind(PLAN_LAUNCH), 3);
    /* With 2 replacements under way, only 1 more starts. */
    for (int i = 0; i < 2; i++) {
        instance_id_format(ids[i], id);
        A(&x, ENTRY_OP_CTRL_START, "1", "web", "terminate", id, "1", "r");
    }
    plan_now("web", T0);
    ck_assert_uint_eq(count_kind(PLAN_TERMINATE), 1);
    /* Launches for the three being replaced. */
    ck_assert_uint_eq(count_kind(PLAN_LAUNCH), 3);
    ck_assert(p.actions[1].replace && p.actions[3].replace);
}

END_TEST

START_TEST(a_replacement_is_under_way_until_its_launch_is_done)
{
    uint64_t bad1;
    uint64_t bad2;
    char id[20];
    char activity[24];
    char token[24];

    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "5", "MAX", "10", "ZONES", "a");
    bad1 = launch("web", "a");
    bad2 = launch("web", "a");
    for (int i = 0; i < 3; i++) {
        launch("web", "a");
    }
    instance_id_format(bad1, id);
    A(&x, ENTRY_OP_INSTANCE_SETHEALTH, id, "Unhealthy");
    A(&x, ENTRY_OP_CTRL_START, "1", "web", "terminate", id, "1", "r");
    snprintf(activity, sizeof activity, "%llu",
             (unsigned long long)x.f.scaling.next_activity - 1);
    snprintf(token, sizeof token, "%llu",
             (unsigned long long)x.f.scaling.last_token);
    A(&x, ENTRY_OP_CTRL_START, "1", "web", "launch", "a", "1", "r");
    A(&x, ENTRY_OP_CTRL_FINISH, "1", activity, token, "Successful", "");
    ck_assert_uint_eq(inst(bad1)->lifecycle, INSTANCE_TERMINATED);
    /* The first replacement's launch is still Pending: one at a time. */
    instance_id_format(bad2, id);
    A(&x, ENTRY_OP_INSTANCE_SETHEALTH, id, "Unhealthy");
    plan_now("web", T0);
    ck_assert_uint_eq(p.n, 0);
    ck_assert_ptr_nonnull(strstr(p.summary, "unhealthy instances wait"));
}

END_TEST

START_TEST(a_replacement_goes_to_the_zone_of_the_instance_it_replaces)
{
    uint64_t c1;
    char id[20];

    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "3", "MAX", "4", "ZONES",
      "a,b,c");
    launch("web", "a");
    launch("web", "b");
    c1 = launch("web", "c");
    instance_id_format(c1, id);
    A(&x, ENTRY_OP_INSTANCE_SETHEALTH, id, "Unhealthy");
    plan_now("web", T0);
    ck_assert_uint_eq(count_kind(PLAN_TERMINATE), 1);
    ck_assert_uint_eq(count_kind(PLAN_LAUNCH), 1);
    ck_assert_str_eq(p.actions[1].zone, "c");
}

END_TEST

START_TEST(small_groups_replace_one_at_a_time)
{
    uint64_t a1, a2;
    char id[20];

    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "2", "MAX", "4", "ZONES", "a");
    a1 = launch("web", "a");
    a2 = launch("web", "a");
    instance_id_format(a1, id);
    A(&x, ENTRY_OP_INSTANCE_SETHEALTH, id, "Unhealthy");
    instance_id_format(a2, id);
    A(&x, ENTRY_OP_INSTANCE_SETHEALTH, id, "Unhealthy");
    plan_now("web", T0);
    ck_assert_uint_eq(count_kind(PLAN_TERMINATE), 1);
}

END_TEST

START_TEST(honor_cooldown_waits_but_replacement_does_not)
{
    uint64_t a1;
    char id[20];

    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "1", "MAX", "5", "ZONES", "a",
      "COOLDOWN", "120");
    a1 = launch("web", "a"); /* the launch starts a cooldown to T0+2m */
    ck_assert_uint_eq(group("web")->cooldown_end_ms, T0 + 2 * MIN);
    A(&x, ENTRY_OP_GROUP_SETDESIRED, "web", "3", "HONORCOOLDOWN");
    plan_now("web", T0 + MIN);
    ck_assert_uint_eq(p.n, 0);
    ck_assert_uint_eq(p.blocked_until_ms, T0 + 2 * MIN);
    ck_assert_ptr_nonnull(strstr(p.summary, "blocked by cooldown until "
                                            "2025-12-01T09:08:40Z"));
    instance_id_format(a1, id);
    A(&x, ENTRY_OP_INSTANCE_SETHEALTH, id, "Unhealthy");
    plan_now("web", T0 + MIN);
    ck_assert_uint_eq(count_kind(PLAN_TERMINATE), 1);
    /* The replacement's launch ignores the cooldown as well; the change
     * to 3 still waits, and carrying out the replacement does not end the
     * wait. */
    ck_assert_uint_eq(count_kind(PLAN_LAUNCH), 1);
    ck_assert(p.actions[0].replace && p.actions[1].replace);
    A(&x, ENTRY_OP_CTRL_START, "1", "web", "terminate", id, "1", "r");
    A(&x, ENTRY_OP_CTRL_START, "1", "web", "launch", "a", "1", "r");
    ck_assert(group("web")->honor_cooldown);
    plan_now("web", T0 + MIN);
    ck_assert_uint_eq(p.n, 0);
    ck_assert_uint_eq(p.blocked_until_ms, T0 + 2 * MIN);
    /* After the cooldown, the change goes ahead: 1 Pending, 2 more. */
    plan_now("web", T0 + 2 * MIN);
    ck_assert_uint_eq(count_kind(PLAN_LAUNCH), 2);
    ck_assert(!p.actions[0].replace);
    /* Without HONORCOOLDOWN, manual changes do not wait (AWS). */
    A(&x, ENTRY_OP_GROUP_SETDESIRED, "web", "4");
    plan_now("web", T0 + MIN);
    ck_assert_uint_eq(count_kind(PLAN_LAUNCH), 3);
}

END_TEST

/* Fail the newest activity at @at. */
static void fail_newest(uint64_t at)
{
    char activity[24];
    char token[24];

    snprintf(activity, sizeof activity, "%llu",
             (unsigned long long)x.f.scaling.next_activity - 1);
    snprintf(token, sizeof token, "%llu",
             (unsigned long long)x.f.scaling.last_token);
    apply_time_ms = at;
    A(&x, ENTRY_OP_ACTIVITY_COMPLETE, activity, token, "Failed", "no");
    ck_assert_str_eq(reply_text(&x.r), "+OK\r\n");
    apply_time_ms = T0;
}

START_TEST(failed_launches_back_off)
{
    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "1", "MAX", "5", "ZONES", "a");
    /* Three failures in a row: 1 s, 2 s, then 4 s from the last one. */
    for (int i = 0; i < 3; i++) {
        A(&x, ENTRY_OP_CTRL_START, "1", "web", "launch", "a", "0", "c");
        fail_newest(T0 + 1000 * (uint64_t)i);
    }
    ck_assert_uint_eq(group("web")->failures, 3);
    ck_assert_uint_eq(group("web")->retry_after_ms, T0 + 2000 + 4000);
    plan_now("web", T0 + 5999);
    ck_assert_uint_eq(p.n, 0);
    ck_assert_uint_eq(p.blocked_until_ms, T0 + 6000);
    ck_assert_ptr_nonnull(strstr(p.summary, "after a failed"));
    plan_now("web", T0 + 6000);
    ck_assert_uint_eq(p.n, 1);
    /* A success ends the backoff. */
    launch("web", "a");
    ck_assert_uint_eq(group("web")->failures, 0);
    ck_assert_uint_eq(group("web")->retry_after_ms, 0);
    /* It never exceeds 60 s. */
    for (int i = 0; i < 12; i++) {
        A(&x, ENTRY_OP_CTRL_START, "1", "web", "launch", "a", "0", "c");
        fail_newest(T0);
    }
    ck_assert_uint_eq(group("web")->retry_after_ms, T0 + 60000);
}

END_TEST

/* Terminate instance @id through the controller's ops. */
static void terminate(uint64_t id)
{
    char activity[24];
    char token[24];
    char iid[20];

    instance_id_format(id, iid);
    A(&x, ENTRY_OP_CTRL_START, "1", inst(id)->group->name, "terminate", iid,
      "0", "test");
    ck_assert_msg(x.r.base[0] == '*', "%s", reply_text(&x.r));
    snprintf(activity, sizeof activity, "%llu",
             (unsigned long long)x.f.scaling.next_activity - 1);
    snprintf(token, sizeof token, "%llu",
             (unsigned long long)x.f.scaling.last_token);
    A(&x, ENTRY_OP_CTRL_FINISH, "1", activity, token, "Successful", "");
    ck_assert_str_eq(reply_text(&x.r), "+OK\r\n");
}

START_TEST(a_force_deleted_group_drains_then_goes)
{
    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "2", "MAX", "5", "ZONES", "a");
    launch("web", "a");
    launch("web", "a");
    A(&x, ENTRY_OP_GROUP_DELETE, "web");
    ck_assert_ptr_nonnull(strstr(reply_text(&x.r), "-ResourceInUse"));
    A(&x, ENTRY_OP_GROUP_DELETE, "web", "FORCE");
    ck_assert_str_eq(reply_text(&x.r), "+OK\r\n");
    plan_now("web", T0);
    ck_assert_uint_eq(count_kind(PLAN_TERMINATE), 2);
    ck_assert_ptr_nonnull(strstr(p.actions[0].cause, "is being deleted"));
    A(&x, ENTRY_OP_CTRL_REMOVE, "1", "web");
    ck_assert_ptr_nonnull(strstr(reply_text(&x.r), "not drained"));
    terminate(p.actions[0].instance);
    terminate(p.actions[1].instance);
    plan_now("web", T0);
    ck_assert_uint_eq(count_kind(PLAN_REMOVE_GROUP), 1);
    A(&x, ENTRY_OP_CTRL_REMOVE, "1", "web");
    ck_assert_str_eq(reply_text(&x.r), "+OK\r\n");
    ck_assert_ptr_null(group("web"));
}

END_TEST

START_TEST(heartbeats_are_checked_after_the_grace_period)
{
    struct instance in = { .lifecycle = INSTANCE_IN_SERVICE,
                           .health = INSTANCE_HEALTHY,
                           .grace_end_ms = T0 + 300000 };
    struct health_clock c = { .now_ms = T0 + 299000,
                              .mono_ms = T0 + 299000,
                              .leading_since_ms = T0 - 600000,
                              .grace_ms = 1000 };
    bool due;

    /* No TTL: never. */
    ck_assert_uint_eq(health_deadline(&in, 0, &c, &due), 0);
    ck_assert(!due);
    /* Within the grace period, silent is fine; TTL after its end, not. */
    ck_assert_uint_eq(health_deadline(&in, 10, &c, &due), T0 + 310000);
    ck_assert(!due);
    c.now_ms = c.mono_ms = T0 + 310000;
    health_deadline(&in, 10, &c, &due);
    ck_assert(due);
    /* A heartbeat after the grace moves the deadline. */
    c.last_beat_ms = T0 + 305000;
    ck_assert_uint_eq(health_deadline(&in, 10, &c, &due), T0 + 315000);
    ck_assert(!due);
    /* A new leader gives one election timeout before judging. */
    c.leading_since_ms = T0 + 309500;
    ck_assert_uint_eq(health_deadline(&in, 10, &c, &due), T0 + 320500);
    ck_assert(!due);
    /* The wall clock steps an hour ahead; heartbeats and the leader's start
     * are on the monotonic clock, so nothing is late. */
    c.leading_since_ms = T0 - 600000;
    c.now_ms += 3600000;
    ck_assert_uint_eq(health_deadline(&in, 10, &c, &due), T0 + 3915000);
    ck_assert(!due);
    /* Monotonic time passes: late. */
    c.mono_ms += 5000;
    health_deadline(&in, 10, &c, &due);
    ck_assert(due);
    c.now_ms -= 3600000;
    c.mono_ms -= 5000;
    c.leading_since_ms = T0 + 309500;
    /* Only InService, Healthy instances are checked. */
    in.lifecycle = INSTANCE_STANDBY;
    ck_assert_uint_eq(health_deadline(&in, 10, &c, &due), 0);
    in.lifecycle = INSTANCE_IN_SERVICE;
    in.health = INSTANCE_UNHEALTHY;
    ck_assert_uint_eq(health_deadline(&in, 10, &c, &due), 0);
}

END_TEST

int main(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("rules");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, launches_fill_the_zone_with_fewest_instances);
    tcase_add_test(tc, pending_launches_count_so_nothing_is_launched_twice);
    tcase_add_test(tc, scale_in_takes_the_fullest_zone_then_the_policy);
    tcase_add_test(tc, newest_instance_policy_terminates_the_newest);
    tcase_add_test(tc,
                   default_policy_picks_the_closest_to_the_next_instance_hour);
    tcase_add_test(tc, protected_instances_are_never_scaled_in);
    tcase_add_test(tc, new_instances_protected_when_the_group_says_so);
    tcase_add_test(tc, unhealthy_instances_are_replaced_ten_percent_at_a_time);
    tcase_add_test(tc, a_replacement_is_under_way_until_its_launch_is_done);
    tcase_add_test(tc,
                   a_replacement_goes_to_the_zone_of_the_instance_it_replaces);
    tcase_add_test(tc, small_groups_replace_one_at_a_time);
    tcase_add_test(tc, honor_cooldown_waits_but_replacement_does_not);
    tcase_add_test(tc, failed_launches_back_off);
    tcase_add_test(tc, a_force_deleted_group_drains_then_goes);
    tcase_add_test(tc, heartbeats_are_checked_after_the_grace_period);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

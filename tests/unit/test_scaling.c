/* Unit tests for the auto-scaling ops of the state machine
 * (src/fsm/scaling_ops.c, src/scaling/group.c, src/scaling/state.c): AWS'
 * validation and update rules, the instance commands, the controller's
 * term fencing and tokens, activity outcomes, bounded histories and the
 * snapshot of it all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "../lib/apply.h"
#include "fsm/entry.h"
#include "fsm/scaling_query.h"
#include "fsm/snapshot.h"
#include "scaling/plan.h"

#define A  FSM_APPLY
#define T0 1764580000000ULL

static struct fsm_fixture x;

static void setup(void)
{
    fsm_fixture_init(&x);
    apply_time_ms = T0;
}

static void teardown(void)
{
    fsm_fixture_close(&x);
}

static struct group *group(const char *name)
{
    return scaling_group(&x.f.scaling, (struct slice){ name, strlen(name) });
}

#define assert_reply(lit) ck_assert_str_eq(reply_text(&x.r), lit)

START_TEST(create_applies_aws_defaults)
{
    struct group *g;

    A(&x, ENTRY_OP_GROUP_CREATE, "web", "min", "2", "MAX", "10", "ZONES",
      "zone-a,zone-b");
    assert_reply("+OK\r\n");
    g = group("web");
    ck_assert_uint_eq(g->desired, 2);
    ck_assert_uint_eq(g->cooldown_s, 300);
    ck_assert_uint_eq(g->grace_s, 300);
    ck_assert_uint_eq(g->heartbeat_ttl_s, 0);
    ck_assert_uint_eq(g->n_policies, 1);
    ck_assert_uint_eq(g->policies[0], GROUP_POLICY_DEFAULT);
    ck_assert_uint_eq(g->n_zones, 2);
    ck_assert(!g->protect_new);
    ck_assert_uint_eq(g->created_ms, T0);
    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "1", "MAX", "1", "ZONES", "a");
    assert_reply("-AlreadyExists AutoScalingGroup by this name already exists "
                 "- A group with the name web already exists\r\n");
}

END_TEST

START_TEST(create_refuses_what_aws_refuses)
{
    static const struct {
        const char *args[12];
        size_t n;
        const char *reply;
    } cases[] = {
        { { "g", "MIN", "2", "MAX", "2", "DESIRED", "3", "ZONES", "a" },
          9,
          "-ValidationError desired capacity 3 is above max size 2\r\n" },
        { { "g", "MIN", "2", "MAX", "4", "DESIRED", "1", "ZONES", "a" },
          9,
          "-ValidationError desired capacity 1 is below min size 2\r\n" },
        { { "g", "MIN", "5", "MAX", "4", "ZONES", "a" },
          7,
          "-ValidationError min size 5 is above max size 4\r\n" },
        { { "g", "MIN", "1", "MAX", "4" },
          5,
          "-ValidationError GROUP.CREATE needs MIN, MAX and ZONES\r\n" },
        { { "g", "MIN", "1", "MAX", "4", "ZONES", "a,,b" },
          7,
          "-ValidationError zone names are 1 to 64 characters, separated by "
          "commas\r\n" },
        { { "g", "MIN", "1", "MAX", "4", "ZONES", "a,a" },
          7,
          "-ValidationError zone 'a' is listed twice\r\n" },
        { { "g", "MIN", "1", "MAX", "4", "ZONES", "a", "TERMINATION",
            "Default,OldestInstance" },
          9,
          "-ValidationError the Default termination policy must be the last "
          "one\r\n" },
        { { "g", "MIN", "1", "MAX", "4", "ZONES", "a", "TERMINATION",
            "Lambda" },
          9,
          "-ValidationError unknown termination policy 'Lambda' (Default, "
          "OldestInstance, NewestInstance, ClosestToNextInstanceHour)\r\n" },
        { { "g", "MIN", "-1", "MAX", "4", "ZONES", "a" },
          7,
          "-ValidationError MIN must be a whole number from 0 to 100000, not "
          "'-1'\r\n" },
        { { "g", "MIN", "1", "MIN", "1", "MAX", "4", "ZONES", "a" },
          9,
          "-ValidationError option 'MIN' is given twice\r\n" },
        { { "g", "SIZE", "1" },
          3,
          "-ValidationError unknown option 'SIZE'\r\n" },
        { { "g b", "MIN", "1", "MAX", "4", "ZONES", "a" },
          7,
          "-ValidationError group names are letters, digits and '-_./:@'\r\n" },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct slice argv[12];
        struct entry_writer w;

        for (size_t k = 0; k < cases[i].n; k++) {
            argv[k] =
                (struct slice){ cases[i].args[k], strlen(cases[i].args[k]) };
        }
        entry_writer_init(&w, 1, 1);
        entry_writer_add(&w, ENTRY_OP_GROUP_CREATE, cases[i].n, argv);
        entry_writer_finish(&w, T0);
        buf_reset(&x.r);
        ck_assert_int_eq(fsm_apply(&x.f, w.buf.base, w.buf.len, &x.r, 1), 0);
        entry_writer_close(&w);
        ck_assert_str_eq(reply_text(&x.r), cases[i].reply);
    }
    ck_assert_uint_eq(x.f.scaling.n_groups, 0);
}

END_TEST

START_TEST(update_follows_aws_rules_for_min_and_max)
{
    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "2", "MAX", "10", "DESIRED", "4",
      "ZONES", "a");
    A(&x, ENTRY_OP_GROUP_UPDATE, "web", "MIN", "6");
    assert_reply("+OK\r\n");
    ck_assert_uint_eq(group("web")->desired, 6); /* raised to the new min */
    A(&x, ENTRY_OP_GROUP_UPDATE, "web", "MIN", "1", "MAX", "3");
    ck_assert_uint_eq(group("web")->desired, 3); /* lowered to the new max */
    A(&x, ENTRY_OP_GROUP_UPDATE, "web", "DESIRED", "5");
    assert_reply("-ValidationError desired capacity 5 is above max size 3\r\n");
    ck_assert_uint_eq(group("web")->desired, 3);
    A(&x, ENTRY_OP_GROUP_UPDATE, "web", "COOLDOWN", "60", "ZONES", "a,b",
      "HEARTBEAT-TTL", "15");
    ck_assert_uint_eq(group("web")->cooldown_s, 60);
    ck_assert_uint_eq(group("web")->n_zones, 2);
    ck_assert_uint_eq(group("web")->heartbeat_ttl_s, 15);
    A(&x, ENTRY_OP_GROUP_UPDATE, "nope", "MIN", "1");
    assert_reply("-ValidationError AutoScalingGroup name not found - "
                 "AutoScalingGroup nope not found\r\n");
    A(&x, ENTRY_OP_GROUP_SETDESIRED, "web", "4");
    assert_reply("-ValidationError desired capacity 4 is above max size 3\r\n");
    A(&x, ENTRY_OP_GROUP_SETDESIRED, "web", "2", "HONORCOOLDOWN");
    assert_reply("+OK\r\n");
    ck_assert(group("web")->honor_cooldown);
}

END_TEST

/* Launch an InService instance through the controller; its id. */
static uint64_t launch(const char *g, const char *zone, const char *address)
{
    char activity[24];
    char token[24];

    A(&x, ENTRY_OP_CTRL_START, "1", g, "launch", zone, "0", "because");
    snprintf(activity, sizeof activity, "%llu",
             (unsigned long long)x.f.scaling.next_activity - 1);
    snprintf(token, sizeof token, "%llu",
             (unsigned long long)x.f.scaling.last_token);
    A(&x, ENTRY_OP_CTRL_FINISH, "1", activity, token, "Successful", address);
    return x.f.scaling.next_instance - 1;
}

START_TEST(controller_decisions_of_an_older_term_are_refused)
{
    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "1", "MAX", "3", "ZONES", "a");
    A(&x, ENTRY_OP_CTRL_CLAIM, "5", "2");
    assert_reply(":5\r\n");
    A(&x, ENTRY_OP_CTRL_START, "4", "web", "launch", "a", "0", "late");
    assert_reply("-FENCED decided by the controller of term 4, superseded by "
                 "term 5\r\n");
    ck_assert_uint_eq(group("web")->n_instances, 0);
    A(&x, ENTRY_OP_CTRL_START, "5", "web", "launch", "a", "0", "now");
    assert_reply("*3\r\n:1\r\n$19\r\ni-00000000000000001\r\n:1\r\n");
    ck_assert_uint_eq(scaling_activity(&x.f.scaling, 1)->started_by, 2);
    /* A claim never goes back. */
    A(&x, ENTRY_OP_CTRL_CLAIM, "3", "9");
    ck_assert_uint_eq(x.f.scaling.ctrl_term, 5);
    ck_assert_uint_eq(x.f.scaling.ctrl_node, 2);
    /* A resumption by the next controller is recorded as its own. */
    A(&x, ENTRY_OP_CTRL_CLAIM, "6", "3");
    A(&x, ENTRY_OP_CTRL_ORDER, "6", "1");
    assert_reply(":2\r\n");
    ck_assert_uint_eq(scaling_activity(&x.f.scaling, 1)->ordered_by, 3);
    ck_assert_uint_eq(scaling_activity(&x.f.scaling, 1)->attempts, 2);
}

END_TEST

START_TEST(outcomes_need_the_current_token)
{
    struct instance *in;
    struct activity *a;

    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "1", "MAX", "3", "ZONES", "a",
      "GRACE", "60", "COOLDOWN", "30");
    A(&x, ENTRY_OP_CTRL_START, "1", "web", "launch", "a", "0", "why");
    in = scaling_instance(&x.f.scaling, 1);
    ck_assert_uint_eq(in->lifecycle, INSTANCE_PENDING);
    a = scaling_activity(&x.f.scaling, 1);
    ck_assert_uint_eq(a->status, ACTIVITY_IN_PROGRESS);
    ck_assert_uint_eq(a->token, 1);
    ck_assert_str_eq(a->cause, "why");
    /* A new leader resumes it: a new token, the old one is refused. */
    A(&x, ENTRY_OP_CTRL_ORDER, "2", "1");
    assert_reply(":2\r\n");
    ck_assert_uint_eq(a->attempts, 2);
    A(&x, ENTRY_OP_ACTIVITY_COMPLETE, "1", "1", "Successful");
    assert_reply("-FENCED token 1 is stale: activity 1 was ordered again "
                 "with token 2\r\n");
    A(&x, ENTRY_OP_CTRL_FINISH, "1", "1", "2", "Successful", "x");
    ck_assert_ptr_nonnull(strstr(reply_text(&x.r), "-FENCED decided by"));
    apply_time_ms = T0 + 5000;
    A(&x, ENTRY_OP_ACTIVITY_COMPLETE, "1", "2", "Successful",
      "10.0.0.7:80\nstarted in 4 s");
    assert_reply("+OK\r\n");
    ck_assert_uint_eq(in->lifecycle, INSTANCE_IN_SERVICE);
    ck_assert_str_eq(in->address, "10.0.0.7:80");
    ck_assert_uint_eq(in->grace_end_ms, T0 + 65000);
    ck_assert_uint_eq(group("web")->cooldown_end_ms, T0 + 35000);
    ck_assert_uint_eq(a->status, ACTIVITY_SUCCESSFUL);
    ck_assert_uint_eq(a->end_ms, T0 + 5000);
    ck_assert_str_eq(a->details, "10.0.0.7:80\nstarted in 4 s");
    /* Finished is final. */
    A(&x, ENTRY_OP_ACTIVITY_COMPLETE, "1", "2", "Failed");
    assert_reply("-FENCED activity 1 is already Successful; outcome not "
                 "recorded\r\n");
}

END_TEST

START_TEST(a_failed_launch_leaves_no_instance)
{
    struct instance *in;

    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "1", "MAX", "3", "ZONES", "a");
    A(&x, ENTRY_OP_CTRL_START, "1", "web", "launch", "a", "0", "why");
    A(&x, ENTRY_OP_CTRL_FINISH, "1", "1", "1", "Failed", "exit status 3");
    in = scaling_instance(&x.f.scaling, 1);
    ck_assert_uint_eq(in->lifecycle, INSTANCE_TERMINATED);
    ck_assert_uint_eq(scaling_activity(&x.f.scaling, 1)->status,
                      ACTIVITY_FAILED);
    ck_assert_uint_eq(group("web")->cooldown_end_ms, 0);
}

END_TEST

START_TEST(terminate_detach_standby_resume_move_desired_as_aws)
{
    uint64_t a1;
    uint64_t a2;
    char id1[20];
    char id2[20];

    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "1", "MAX", "3", "DESIRED", "2",
      "ZONES", "a");
    a1 = launch("web", "a", "h1");
    a2 = launch("web", "a", "h2");
    instance_id_format(a1, id1);
    instance_id_format(a2, id2);

    A(&x, ENTRY_OP_INSTANCE_STANDBY, id1, "DECREMENT", "1");
    assert_reply("+OK\r\n");
    ck_assert_uint_eq(group("web")->desired, 1);
    A(&x, ENTRY_OP_INSTANCE_STANDBY, id2, "DECREMENT", "1");
    assert_reply("-ValidationError desired capacity 0 is below min size 1\r\n");
    A(&x, ENTRY_OP_INSTANCE_RESUME, id1);
    assert_reply("+OK\r\n");
    ck_assert_uint_eq(group("web")->desired, 2);
    ck_assert_uint_eq(scaling_instance(&x.f.scaling, a1)->lifecycle,
                      INSTANCE_IN_SERVICE);

    A(&x, ENTRY_OP_INSTANCE_TERMINATE, id1, "DECREMENT", "0");
    ck_assert_ptr_nonnull(strstr(reply_text(&x.r), "a replacement will be "
                                                   "launched"));
    ck_assert_uint_eq(group("web")->desired, 2);
    ck_assert_uint_eq(scaling_instance(&x.f.scaling, a1)->lifecycle,
                      INSTANCE_TERMINATING);
    ck_assert_uint_eq(
        scaling_activity(&x.f.scaling, x.f.scaling.next_activity - 1)->status,
        ACTIVITY_PENDING);
    A(&x, ENTRY_OP_INSTANCE_TERMINATE, id1, "DECREMENT", "1");
    ck_assert_ptr_nonnull(strstr(reply_text(&x.r), "is Terminating"));

    A(&x, ENTRY_OP_INSTANCE_DETACH, id2, "DECREMENT", "1");
    ck_assert_ptr_nonnull(strstr(reply_text(&x.r), "Successful"));
    ck_assert_uint_eq(group("web")->desired, 1);
    ck_assert_uint_eq(scaling_instance(&x.f.scaling, a2)->lifecycle,
                      INSTANCE_DETACHED);
    A(&x, ENTRY_OP_INSTANCE_PROTECT, id2, "1");
    ck_assert_ptr_nonnull(strstr(reply_text(&x.r), "is not in any"));

    A(&x, ENTRY_OP_INSTANCE_ATTACH, "web", "a", "10.1.1.1");
    assert_reply("$19\r\ni-00000000000000003\r\n");
    ck_assert_uint_eq(group("web")->desired, 2);
    A(&x, ENTRY_OP_INSTANCE_ATTACH, "web", "a", "10.1.1.2");
    A(&x, ENTRY_OP_INSTANCE_ATTACH, "web", "a", "10.1.1.3");
    assert_reply("-ValidationError desired capacity 4 is above max size 3\r\n");
    A(&x, ENTRY_OP_INSTANCE_ATTACH, "web", "b", "10.1.1.3");
    assert_reply("-ValidationError zone b is not one of group web's zones\r\n");
}

END_TEST

START_TEST(histories_are_bounded)
{
    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "0", "MAX", "10", "ZONES", "a");
    for (int i = 0; i < 150; i++) {
        uint64_t id = launch("web", "a", "h");
        char iid[20];
        char activity[24];
        char token[24];
        instance_id_format(id, iid);
        A(&x, ENTRY_OP_CTRL_START, "1", "web", "terminate", iid, "0", "c");
        snprintf(activity, sizeof activity, "%llu",
                 (unsigned long long)x.f.scaling.next_activity - 1);
        snprintf(token, sizeof token, "%llu",
                 (unsigned long long)x.f.scaling.last_token);
        A(&x, ENTRY_OP_CTRL_FINISH, "1", activity, token, "Successful", "");
    }
    ck_assert_uint_eq(group("web")->n_activities, ACTIVITY_HISTORY);
    ck_assert_uint_eq(group("web")->n_instances, SCALING_GONE_KEPT);
    ck_assert_uint_eq(x.f.scaling.instances.count, SCALING_GONE_KEPT);
    ck_assert_uint_eq(x.f.scaling.activities.count, ACTIVITY_HISTORY);
    /* Ids go on: never reused. */
    ck_assert_uint_eq(x.f.scaling.next_instance, 151);
    ck_assert_uint_eq(x.f.scaling.next_activity, 301);
}

END_TEST

/* The number of records in a GROUP.LIST reply, and whether @name is one. */
static int listed(struct slice after, size_t count, const char *name)
{
    struct buf b;
    char needle[64];
    int n = -1;

    buf_init(&b);
    scaling_reply_groups(&b, &x.f, after, count, 3);
    buf_put_u8(&b, 0);
    snprintf(needle, sizeof needle, "$4\r\nname\r\n$%zu\r\n%s\r\n",
             strlen(name), name);
    if (b.base[0] == '*') {
        n = atoi(b.base + 1);
        n = strstr(b.base, needle) != NULL ? n : -n - 100;
    }
    buf_close(&b);
    return n;
}

START_TEST(group_list_pages_in_name_order)
{
    static const char *const names[] = { "b", "a", "c", "ab" };

    for (size_t i = 0; i < 4; i++) {
        A(&x, ENTRY_OP_GROUP_CREATE, names[i], "MIN", "0", "MAX", "1", "ZONES",
          "z");
    }
    /* Four groups, a limit of three: a page is needed. */
    ck_assert_int_eq(listed((struct slice){ "", 0 }, 0, "a"), -1);
    ck_assert_int_eq(listed((struct slice){ "", 0 }, 2, "ab"), 2);
    ck_assert_int_eq(listed((struct slice){ "ab", 2 }, 2, "b"), 2);
    ck_assert_int_eq(listed((struct slice){ "ab", 2 }, 0, "c"), 2);
    ck_assert_int_eq(listed((struct slice){ "b", 1 }, 5, "c"), 1);
    ck_assert_int_eq(listed((struct slice){ "bb", 2 }, 5, "c"), 1);
    ck_assert_int_eq(listed((struct slice){ "c", 1 }, 5, "c"), -100);
}

END_TEST

START_TEST(scaling_state_survives_a_snapshot_round_trip)
{
    struct fsm copy;
    struct buf snap;
    struct buf again;

    fsm_init(&copy);
    buf_init(&snap);
    buf_init(&again);
    A(&x, ENTRY_OP_CTRL_CLAIM, "3", "2");
    A(&x, ENTRY_OP_GROUP_CREATE, "web", "MIN", "1", "MAX", "5", "ZONES", "a,b",
      "TERMINATION", "NewestInstance,Default", "PROTECT-NEW", "1");
    A(&x, ENTRY_OP_GROUP_CREATE, "api", "MIN", "0", "MAX", "2", "ZONES", "c");
    A(&x, ENTRY_OP_CTRL_START, "3", "web", "launch", "b", "0", "pending one");
    A(&x, ENTRY_OP_INSTANCE_ATTACH, "api", "c", "10.2.2.2");
    A(&x, ENTRY_OP_GROUP_SETDESIRED, "web", "3", "HONORCOOLDOWN");
    snapshot_encode(&x.f, &snap);
    ck_assert_int_eq(snapshot_decode(&copy, snap.base, snap.len), 0);
    snapshot_encode(&copy, &again);
    ck_assert_uint_eq(again.len, snap.len);
    ck_assert_mem_eq(again.base, snap.base, snap.len);
    ck_assert_uint_eq(copy.scaling.n_groups, 2);
    ck_assert_uint_eq(copy.scaling.ctrl_term, 3);
    ck_assert_uint_eq(copy.scaling.ctrl_node, 2);
    ck_assert_uint_eq(scaling_activity(&copy.scaling, 1)->started_by, 2);
    ck_assert_uint_eq(copy.scaling.next_instance, 3);
    ck_assert(scaling_group(&copy.scaling, (struct slice){ "web", 3 })
                  ->honor_cooldown);
    ck_assert_uint_eq(scaling_instance(&copy.scaling, 1)->lifecycle,
                      INSTANCE_PENDING);
    ck_assert_str_eq(scaling_instance(&copy.scaling, 2)->address, "10.2.2.2");
    /* Every single-byte change of the snapshot is refused. */
    for (size_t i = 0; i < snap.len; i++) {
        struct fsm other;
        fsm_init(&other);
        snap.base[i] ^= 0x5a;
        ck_assert_int_ne(snapshot_decode(&other, snap.base, snap.len), 0);
        snap.base[i] ^= 0x5a;
        fsm_close(&other);
    }
    buf_close(&again);
    buf_close(&snap);
    fsm_close(&copy);
}

END_TEST

int main(void)
{
    Suite *s = suite_create("scaling");
    TCase *tc = tcase_create("ops");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, create_applies_aws_defaults);
    tcase_add_test(tc, create_refuses_what_aws_refuses);
    tcase_add_test(tc, update_follows_aws_rules_for_min_and_max);
    tcase_add_test(tc, controller_decisions_of_an_older_term_are_refused);
    tcase_add_test(tc, outcomes_need_the_current_token);
    tcase_add_test(tc, a_failed_launch_leaves_no_instance);
    tcase_add_test(tc, terminate_detach_standby_resume_move_desired_as_aws);
    tcase_add_test(tc, histories_are_bounded);
    tcase_add_test(tc, group_list_pages_in_name_order);
    tcase_add_test(tc, scaling_state_survives_a_snapshot_round_trip);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

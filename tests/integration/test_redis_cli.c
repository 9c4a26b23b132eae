/* The stock redis-cli talks to a node as it would to Redis: PING, SET, GET,
 * DEL, --raw output and INFO sections, through the leader and a follower. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "../lib/cluster.h"

#define LEADER_MS 10000

static struct cluster cl;
static unsigned leader;
static char redis_cli[4096];

/* Find redis-cli on PATH; the test fails clearly without it. */
static bool find_redis_cli(void)
{
    const char *path = getenv("PATH");
    char dirs[4096];
    char *save = NULL;

    if (path == NULL) {
        return false;
    }
    snprintf(dirs, sizeof dirs, "%s", path);
    for (char *d = strtok_r(dirs, ":", &save); d != NULL;
         d = strtok_r(NULL, ":", &save)) {
        snprintf(redis_cli, sizeof redis_cli, "%.4000s/redis-cli", d);
        if (access(redis_cli, X_OK) == 0) {
            return true;
        }
    }
    return false;
}

static void setup(void)
{
    ck_assert_msg(find_redis_cli(),
                  "redis-cli not found on PATH: install the Debian package "
                  "redis-tools (scripts/install-deps does it)");
    cluster_start(&cl, NULL);
    leader = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, leader != 0, "no leader elected");
}

static void teardown(void)
{
    ck_assert_int_eq(cluster_destroy(&cl), 0);
}

/* Run "redis-cli -h 127.0.0.1 -p PORT @args" and capture its stdout into
 * @out; returns its exit code. @args is trusted test text. */
static int run_cli(unsigned id, const char *args, char *out, size_t size)
{
    char cmd[8192];
    size_t got;
    FILE *p;
    int status;

    snprintf(cmd, sizeof cmd, "'%s' -h 127.0.0.1 -p %d %s </dev/null",
             redis_cli, cluster_node(&cl, id)->client_port, args);
    p = popen(cmd, "r");
    CLUSTER_ASSERT(&cl, p != NULL, "popen %s", cmd);
    got = fread(out, 1, size - 1, p);
    out[got] = '\0';
    status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void expect_cli(unsigned id, const char *args, const char *want)
{
    char out[4096];
    int code = run_cli(id, args, out, sizeof out);

    CLUSTER_ASSERT(&cl, code == 0, "redis-cli %s: exit code %d", args, code);
    CLUSTER_ASSERT(&cl, strcmp(out, want) == 0,
                   "redis-cli %s printed '%s', expected '%s'", args, out, want);
}

START_TEST(ping_set_get_del)
{
    unsigned follower = cluster_follower(&cl, leader);

    expect_cli(leader, "PING", "PONG\n");
    expect_cli(follower, "PING", "PONG\n");
    expect_cli(follower, "SET greeting 'hello world'", "OK\n");
    expect_cli(leader, "GET greeting", "hello world\n");
    expect_cli(follower, "--raw GET greeting", "hello world\n");
    expect_cli(leader, "EXISTS greeting", "1\n");
    expect_cli(follower, "DEL greeting", "1\n");
    expect_cli(leader, "DEL greeting", "0\n");
    /* Without a tty redis-cli prints nil as an empty line. */
    expect_cli(leader, "--raw GET greeting", "\n");
}

END_TEST

START_TEST(raw_output_is_the_bare_value)
{
    expect_cli(leader, "SET k 'line one'", "OK\n");
    expect_cli(leader, "--raw GET k", "line one\n");
    expect_cli(leader, "--raw DBSIZE", "1\n");
}

END_TEST

START_TEST(info_raft_section)
{
    char out[4096];
    char role[32], leader_id[32];

    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        CLUSTER_ASSERT(&cl, run_cli(id, "INFO raft", out, sizeof out) == 0,
                       "redis-cli INFO raft on node %u", id);
        CLUSTER_ASSERT(&cl, cluster_info_field(out, "role", role, sizeof role),
                       "no role in '%s'", out);
        ck_assert_str_eq(role, id == leader ? "leader" : "follower");
        ck_assert(
            cluster_info_field(out, "leader_id", leader_id, sizeof leader_id));
        ck_assert_uint_eq(strtoul(leader_id, NULL, 10), leader);
    }
}

END_TEST

static Suite *redis_cli_suite(void)
{
    Suite *s = suite_create("redis_cli");
    TCase *tc = tcase_create("stock_client");

    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, ping_set_get_del);
    tcase_add_test(tc, raw_output_is_the_bare_value);
    tcase_add_test(tc, info_raft_section);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(redis_cli_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

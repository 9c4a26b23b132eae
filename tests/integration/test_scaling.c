/* The scaling controller on three real nodes (docs/scaling.md): scale out
 * and in with the local actuator's worker processes; kill -9 of the leader
 * during a scale-out and during a scale-in with a slow exec actuator
 * (tests/integration/slow-actuator), after which the activity log and the
 * actuator's own record show each instance launched by one activity and
 * none back after its termination; heartbeat loss leading to a
 * replacement; and an old leader that was paused (SIGSTOP, with its calls
 * in flight) and resumes, whose late calls the resource refuses by token.
 *
 * Processes: the nodes belong to the harness; the local actuator's workers
 * (one `scalekeeper agent` per instance) and the slow actuator's calls
 * record their pids in the actuator directory, and teardown kills whatever
 * is left of them by those pids. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <hiredis/hiredis.h>

#include "../lib/cluster.h"
#include "../lib/expect.h"
#include "../lib/wait.h"

#define LEADER_MS 10000
#define SCALE_MS  30000

static struct cluster cl;
static char dir[CLUSTER_PATH_MAX];          /* the actuators' records */
static char workers[CLUSTER_PATH_MAX + 16]; /* the local actuator's */
static char actuator_arg[PATH_MAX + 64];

static void make_dirs(void)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(dir, sizeof dir, "%s/sk-scaling-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(workers, sizeof workers, "%s/workers", dir);
    ck_assert_int_eq(mkdir(workers, 0755), 0);
    setenv("SK_ACTUATOR_DIR", dir, 1);
}

/* Start the cluster with the local actuator and the slow one; the slow
 * actuator's calls take @delay seconds. */
static unsigned start(const char *delay)
{
    const char *srcdir = getenv("SK_SRCDIR");
    const char *args[] = { "--local-actuator-dir", workers, "--actuator",
                           actuator_arg, NULL };
    struct cluster_options o = { .extra_args = args };
    unsigned leader;

    snprintf(actuator_arg, sizeof actuator_arg,
             "slow=exec:%s/tests/integration/slow-actuator",
             srcdir != NULL ? srcdir : "..");
    setenv("SK_ACTUATOR_DELAY", delay, 1);
    cluster_start(&cl, &o);
    leader = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, leader != 0, "no leader elected");
    return leader;
}

/* Kill, by the pids they recorded, the workers and actuator calls still
 * running. */
static void kill_recorded(const char *sub, const char *suffix)
{
    char path[CLUSTER_PATH_MAX + 300];
    DIR *d;
    struct dirent *e;

    snprintf(path, sizeof path, "%s/%s", dir, sub);
    d = opendir(path);
    if (d == NULL) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        size_t slen = strlen(suffix);
        long pid = 0;

        if (len <= slen || strcmp(e->d_name + len - slen, suffix) != 0) {
            continue;
        }
        if (slen == 0) {
            pid = strtol(e->d_name, NULL, 10);
        } else {
            FILE *f;
            snprintf(path, sizeof path, "%s/%s/%s", dir, sub, e->d_name);
            f = fopen(path, "r");
            if (f != NULL) {
                if (fscanf(f, "%ld", &pid) != 1) {
                    pid = 0;
                }
                fclose(f);
            }
        }
        if (pid > 1) {
            kill((pid_t)pid, SIGKILL);
        }
    }
    closedir(d);
}

/* Also at exit: a failed assertion ends the test process without its
 * teardown. */
static void kill_leftovers(void)
{
    kill_recorded("workers", ".pid");
    kill_recorded("pids", "");
}

static void setup(void)
{
    make_dirs();
    atexit(kill_leftovers);
}

static void teardown(void)
{
    char cmd[CLUSTER_PATH_MAX + 16];
    int rc = cluster_destroy(&cl);

    kill_leftovers();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (rc == 0 && getenv("SK_KEEP_RUN") == NULL && system(cmd) != 0) {
        fprintf(stderr, "cannot remove %s\n", dir);
    }
    ck_assert_int_eq(rc, 0);
}

/* --- Records ------------------------------------------------------------ */

static const char *field(const redisReply *rec, const char *name)
{
    for (size_t i = 0; i + 1 < rec->elements; i += 2) {
        if (strcmp(rec->element[i]->str, name) == 0) {
            return rec->element[i + 1]->str;
        }
    }
    return "";
}

static long long field_ll(const redisReply *rec, const char *name)
{
    return strtoll(field(rec, name), NULL, 10);
}

/* A list command's reply from any running node (NULL if none answered
 * with an array). */
static redisReply *list(const char *fmt, const char *arg)
{
    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        redisReply *r;
        if (!cluster_is_running(&cl, id) || cluster_node(&cl, id)->is_paused) {
            continue;
        }
        r = cluster_command(&cl, id, fmt, arg);
        if (r != NULL && r->type == REDIS_REPLY_ARRAY) {
            return r;
        }
        if (r != NULL) {
            freeReplyObject(r);
        }
    }
    return NULL;
}

/* How many instances of @group are in @lifecycle. */
static int count_lifecycle(const char *group, const char *lifecycle)
{
    redisReply *r = list("INSTANCE.LIST %s", group);
    int n = 0;

    if (r == NULL) {
        return -1;
    }
    for (size_t i = 0; i < r->elements; i++) {
        n += strcmp(field(r->element[i], "lifecycle"), lifecycle) == 0;
    }
    freeReplyObject(r);
    return n;
}

/* How many activities of @group have @status. */
static int count_status(const char *group, const char *status)
{
    redisReply *r = list("ACTIVITY.LIST %s COUNT 1000", group);
    int n = 0;

    if (r == NULL) {
        return -1;
    }
    for (size_t i = 0; i < r->elements; i++) {
        n += strcmp(field(r->element[i], "status"), status) == 0;
    }
    freeReplyObject(r);
    return n;
}

struct settled {
    const char *group;
    int in_service;
};

/* Exactly @in_service InService, nothing Pending or Terminating, no
 * activity unfinished. */
static bool is_settled(void *arg)
{
    const struct settled *s = arg;

    return count_lifecycle(s->group, "InService") == s->in_service &&
           count_lifecycle(s->group, "Pending") == 0 &&
           count_lifecycle(s->group, "Terminating") == 0 &&
           count_status(s->group, "InProgress") == 0 &&
           count_status(s->group, "Pending") == 0;
}

static void wait_settled(const char *group, int in_service)
{
    struct settled s = { group, in_service };

    CLUSTER_ASSERT(&cl, wait_until(is_settled, &s, SCALE_MS),
                   "group %s did not settle at %d InService", group,
                   in_service);
}

struct in_progress {
    const char *group;
    int n;
};

static bool has_in_progress(void *arg)
{
    const struct in_progress *p = arg;

    return count_status(p->group, "InProgress") >= p->n;
}

static void command_ok(unsigned id, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A write through node @id that must answer +OK. */
static void command_ok(unsigned id, const char *fmt, ...)
{
    redisContext *ctx = cluster_connect(&cl, id);
    redisReply *r;
    va_list ap;

    va_start(ap, fmt);
    r = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    CLUSTER_ASSERT(&cl, r != NULL && r->type == REDIS_REPLY_STATUS, "%s: %s",
                   fmt, r != NULL ? expect_text(r) : ctx->errstr);
    freeReplyObject(r);
    redisFree(ctx);
}

/* --- The actuator's record ---------------------------------------------- */

/* Lines of $dir/@name containing @word (all lines for NULL). */
static int count_lines(const char *name, const char *word)
{
    char path[CLUSTER_PATH_MAX + 32];
    char line[512];
    FILE *f;
    int n = 0;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        n += word == NULL || strstr(line, word) != NULL;
    }
    fclose(f);
    return n;
}

/* How many calls of the slow actuator are running (have started, and not
 * yet ended). */
static int calls_running(void)
{
    char path[CLUSTER_PATH_MAX + 8];
    DIR *d;
    struct dirent *e;
    int n = 0;

    snprintf(path, sizeof path, "%s/pids", dir);
    d = opendir(path);
    if (d == NULL) {
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

static bool calls_done(void *arg)
{
    (void)arg;
    return calls_running() == 0;
}

/* At least *@arg calls are under way at the resource's end. */
static bool calls_started(void *arg)
{
    return calls_running() >= *(int *)arg;
}

/* Each instance of @group has one launch activity and appears once in
 * launches.log; every instance in terminations.log is Terminated, and no
 * launch of it started after its termination. Returns the number of launch
 * activities. */
static int check_one_launch_each(const char *group)
{
    redisReply *acts = list("ACTIVITY.LIST %s COUNT 1000", group);
    redisReply *insts = list("INSTANCE.LIST %s", group);
    int launches = 0;

    CLUSTER_ASSERT(&cl, acts != NULL && insts != NULL, "no lists");
    for (size_t i = 0; i < insts->elements; i++) {
        const char *id = field(insts->element[i], "id");
        int by_activity = 0;
        size_t newest_termination = acts->elements; /* newest first */
        char word[64];

        for (size_t j = acts->elements; j-- > 0;) {
            const redisReply *a = acts->element[j];
            if (strcmp(field(a, "instance"), id) == 0 &&
                strcmp(field(a, "kind"), "terminate") == 0) {
                newest_termination = j;
            }
        }
        for (size_t j = 0; j < acts->elements; j++) {
            const redisReply *a = acts->element[j];
            if (strcmp(field(a, "instance"), id) == 0 &&
                strcmp(field(a, "kind"), "launch") == 0) {
                by_activity++;
                CLUSTER_ASSERT(&cl,
                               j > newest_termination ||
                                   newest_termination == acts->elements,
                               "%s launched after its termination", id);
            }
        }
        snprintf(word, sizeof word, "%s ", id);
        CLUSTER_ASSERT(&cl, by_activity == 1, "%s launched by %d activities",
                       id, by_activity);
        CLUSTER_ASSERT(&cl, count_lines("launches.log", word) <= 1,
                       "%s started %d times by the actuator", id,
                       count_lines("launches.log", word));
        if (count_lines("terminations.log", word) > 0) {
            CLUSTER_ASSERT(&cl,
                           strcmp(field(insts->element[i], "lifecycle"),
                                  "Terminated") == 0,
                           "%s came back after its termination: %s", id,
                           field(insts->element[i], "lifecycle"));
        }
        launches += by_activity;
    }
    freeReplyObject(acts);
    freeReplyObject(insts);
    return launches;
}

/* --- Tests -------------------------------------------------------------- */

static bool worker_alive(const char *address)
{
    long pid = strncmp(address, "local:", 6) == 0 ? atol(address + 6) : 0;
    char path[64];
    char cmdline[512] = "";
    FILE *f;
    size_t n;

    if (pid <= 1 || kill((pid_t)pid, 0) != 0) {
        return false;
    }
    snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
    f = fopen(path, "r");
    if (f == NULL) {
        return false;
    }
    n = fread(cmdline, 1, sizeof cmdline - 1, f);
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        cmdline[i] = cmdline[i] == '\0' ? ' ' : cmdline[i];
    }
    return strstr(cmdline, " agent i-") != NULL;
}

START_TEST(scale_out_and_in_with_local_workers)
{
    unsigned leader = start("1");
    redisReply *r;
    char gone[8][64];
    int n_gone = 0;
    uint64_t beats = 0;

    command_ok(leader,
               "GROUP.CREATE web MIN 2 MAX 10 ZONES a,b,c ACTUATOR local "
               "HEARTBEAT-TTL 2 GRACE 1");
    wait_settled("web", 2);
    command_ok(cluster_follower(&cl, leader), "GROUP.SETDESIRED web 6");
    wait_settled("web", 6);
    r = list("GROUP.GET %s", "web");
    CLUSTER_ASSERT(&cl, r != NULL, "no GROUP.GET");
    CLUSTER_ASSERT(&cl, strcmp(field(r, "per_zone"), "a=2,b=2,c=2") == 0,
                   "zones unbalanced: %s", field(r, "per_zone"));
    freeReplyObject(r);
    /* Each InService instance is a running worker sending heartbeats. */
    r = list("INSTANCE.LIST %s", "web");
    for (size_t i = 0; i < r->elements; i++) {
        CLUSTER_ASSERT(&cl, worker_alive(field(r->element[i], "address")),
                       "no worker for %s", field(r->element[i], "id"));
        CLUSTER_ASSERT(&cl,
                       strcmp(field(r->element[i], "health"), "Healthy") == 0,
                       "%s is %s", field(r->element[i], "id"),
                       field(r->element[i], "health"));
    }
    freeReplyObject(r);
    CLUSTER_ASSERT(
        &cl,
        cluster_info_u64(&cl, leader, "scaling", "heartbeats", &beats) &&
            beats > 0,
        "the leader recorded no heartbeats");

    command_ok(leader, "GROUP.SETDESIRED web 2");
    wait_settled("web", 2);
    r = list("INSTANCE.LIST %s", "web");
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *in = r->element[i];
        bool alive = worker_alive(field(in, "address"));
        if (strcmp(field(in, "lifecycle"), "Terminated") == 0) {
            CLUSTER_ASSERT(&cl, !alive, "%s terminated but its worker runs",
                           field(in, "id"));
            snprintf(gone[n_gone++], sizeof gone[0], "%s", field(in, "id"));
        } else {
            CLUSTER_ASSERT(&cl, alive, "no worker for %s", field(in, "id"));
        }
    }
    freeReplyObject(r);
    CLUSTER_ASSERT(&cl, n_gone == 4, "%d instances terminated", n_gone);
    CLUSTER_ASSERT(&cl, check_one_launch_each("web") == 6,
                   "not one launch per instance");
    CLUSTER_ASSERT(&cl, count_status("web", "Successful") == 10,
                   "%d activities successful",
                   count_status("web", "Successful"));
}

END_TEST

/* Activities of @group decided by node @by and carried out by node @to. */
static void check_resumed(
    const char *group, const char *kind, unsigned by, unsigned to, int want)
{
    redisReply *acts = list("ACTIVITY.LIST %s COUNT 1000", group);
    int n = 0;

    CLUSTER_ASSERT(&cl, acts != NULL, "no ACTIVITY.LIST");
    for (size_t i = 0; i < acts->elements; i++) {
        const redisReply *a = acts->element[i];
        if (strcmp(field(a, "kind"), kind) != 0 ||
            field_ll(a, "started_by") != by) {
            continue;
        }
        CLUSTER_ASSERT(&cl, strcmp(field(a, "status"), "Successful") == 0,
                       "activity %s is %s", field(a, "id"), field(a, "status"));
        CLUSTER_ASSERT(
            &cl,
            field_ll(a, "ordered_by") == to && field_ll(a, "attempts") == 2,
            "activity %s: ordered by %s after %s attempts", field(a, "id"),
            field(a, "ordered_by"), field(a, "attempts"));
        n++;
    }
    freeReplyObject(acts);
    CLUSTER_ASSERT(&cl, n == want, "%d %s activities resumed", n, kind);
}

START_TEST(leader_killed_during_scale_out_and_scale_in)
{
    unsigned leader = start("1.5");
    unsigned next;
    struct in_progress p = { "web", 4 };

    command_ok(leader, "GROUP.CREATE web MIN 0 MAX 10 ZONES a,b ACTUATOR slow");
    command_ok(leader, "GROUP.SETDESIRED web 4");
    CLUSTER_ASSERT(&cl, wait_until(has_in_progress, &p, SCALE_MS),
                   "no launches in progress");
    CLUSTER_ASSERT(&cl, wait_until(calls_started, &p.n, SCALE_MS),
                   "the actuator calls did not start");
    cluster_kill(&cl, leader); /* its four calls are under way */
    next = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, next != 0, "no new leader");
    wait_settled("web", 4);
    CLUSTER_ASSERT(&cl, check_one_launch_each("web") == 4,
                   "not one launch per instance");
    check_resumed("web", "launch", leader, next, 4);
    CLUSTER_ASSERT(&cl, wait_until(calls_done, NULL, SCALE_MS),
                   "actuator calls still running");
    CLUSTER_ASSERT(&cl, count_lines("launches.log", NULL) == 4,
                   "%d machines started", count_lines("launches.log", NULL));

    cluster_restart(&cl, leader);
    command_ok(next, "GROUP.SETDESIRED web 1");
    p.n = 3;
    CLUSTER_ASSERT(&cl, wait_until(has_in_progress, &p, SCALE_MS),
                   "no terminations in progress");
    CLUSTER_ASSERT(&cl, wait_until(calls_started, &p.n, SCALE_MS),
                   "the actuator calls did not start");
    cluster_kill(&cl, next);
    leader = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, leader != 0, "no new leader");
    wait_settled("web", 1);
    check_resumed("web", "terminate", next, leader, 3);
    CLUSTER_ASSERT(&cl, wait_until(calls_done, NULL, SCALE_MS),
                   "actuator calls still running");
    CLUSTER_ASSERT(&cl, count_lifecycle("web", "Terminated") == 3,
                   "%d terminated", count_lifecycle("web", "Terminated"));
    CLUSTER_ASSERT(&cl, count_lines("terminations.log", NULL) == 3,
                   "%d machines stopped",
                   count_lines("terminations.log", NULL));
    /* None came back: still four machines ever started, one launch each. */
    CLUSTER_ASSERT(&cl, count_lines("launches.log", NULL) == 4,
                   "%d machines started", count_lines("launches.log", NULL));
    CLUSTER_ASSERT(&cl, check_one_launch_each("web") == 4,
                   "not one launch per instance");
}

END_TEST

struct unhealthy {
    const char *id;
};

static bool is_replaced(void *arg)
{
    const struct unhealthy *u = arg;
    redisReply *r = list("INSTANCE.LIST %s", "web");
    bool gone = false;
    int in_b = 0;
    int in_service = 0;

    if (r == NULL) {
        return false;
    }
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *in = r->element[i];
        bool serving = strcmp(field(in, "lifecycle"), "InService") == 0;
        if (strcmp(field(in, "id"), u->id) == 0) {
            gone = strcmp(field(in, "lifecycle"), "Terminated") == 0 &&
                   strcmp(field(in, "health"), "Unhealthy") == 0 &&
                   strcmp(field(in, "health_source"), "heartbeat") == 0;
        }
        in_service += serving;
        in_b += serving && strcmp(field(in, "zone"), "b") == 0;
    }
    freeReplyObject(r);
    return gone && in_service == 3 && in_b == 1;
}

START_TEST(heartbeat_loss_leads_to_replacement)
{
    unsigned leader = start("1");
    redisReply *r;
    struct unhealthy u = { NULL };
    char id[32] = "";
    long pid = 0;

    command_ok(leader,
               "GROUP.CREATE web MIN 3 MAX 5 ZONES a,b,c ACTUATOR local "
               "HEARTBEAT-TTL 1 GRACE 1");
    wait_settled("web", 3);
    r = list("INSTANCE.LIST %s", "web");
    for (size_t i = 0; i < r->elements; i++) {
        if (strcmp(field(r->element[i], "zone"), "b") == 0) {
            snprintf(id, sizeof id, "%s", field(r->element[i], "id"));
            pid = atol(field(r->element[i], "address") + 6);
        }
    }
    freeReplyObject(r);
    CLUSTER_ASSERT(&cl, pid > 1, "no worker in zone b");
    kill((pid_t)pid, SIGSTOP); /* alive, but silent */
    u.id = id;
    CLUSTER_ASSERT(&cl, wait_until(is_replaced, &u, SCALE_MS),
                   "%s was not replaced", id);
    kill((pid_t)pid, SIGKILL);
    r = list("ACTIVITY.LIST %s COUNT 1", "web");
    CLUSTER_ASSERT(&cl,
                   r != NULL && r->elements == 1 &&
                       strcmp(field(r->element[0], "kind"), "launch") == 0 &&
                       strcmp(field(r->element[0], "zone"), "b") == 0,
                   "the newest activity is not the replacement's launch");
    freeReplyObject(r);
    r = list("ACTIVITY.LIST %s COUNT 2", "web");
    CLUSTER_ASSERT(
        &cl, strstr(field(r->element[1], "cause"), "health check") != NULL,
        "cause: %s", field(r->element[1], "cause"));
    freeReplyObject(r);
}

END_TEST

/* Lines of calls.log from the process @pid with @outcome. */
static int calls_by(pid_t pid, const char *outcome)
{
    char path[CLUSTER_PATH_MAX + 16];
    char line[512];
    FILE *f;
    int n = 0;

    snprintf(path, sizeof path, "%s/calls.log", dir);
    f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char *end;
        long by = strtol(line, &end, 10);
        n += by == pid && strstr(end, outcome) != NULL;
    }
    fclose(f);
    return n;
}

static bool controller_stopped(void *arg)
{
    uint64_t active = 1;

    return cluster_info_u64(&cl, *(unsigned *)arg, "scaling",
                            "controller_active", &active) &&
           active == 0;
}

START_TEST(a_paused_old_leader_cannot_act)
{
    unsigned old = start("1.5");
    pid_t old_pid = cluster_node(&cl, old)->pid;
    unsigned next;
    pid_t next_pid;
    struct in_progress p = { "web", 2 };

    command_ok(old, "GROUP.CREATE web MIN 0 MAX 10 ZONES a,b ACTUATOR slow");
    command_ok(old, "GROUP.SETDESIRED web 2");
    CLUSTER_ASSERT(&cl, wait_until(has_in_progress, &p, SCALE_MS),
                   "no launches in progress");
    CLUSTER_ASSERT(&cl, wait_until(calls_started, &p.n, SCALE_MS),
                   "the actuator calls did not start");
    cluster_pause(&cl, old); /* with its two calls, before they land */
    next = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, next != 0 && next != old, "no new leader");
    next_pid = cluster_node(&cl, next)->pid;
    wait_settled("web", 2);
    CLUSTER_ASSERT(&cl, calls_by(next_pid, "launched") == 2,
                   "the new leader launched %d",
                   calls_by(next_pid, "launched"));

    cluster_resume(&cl, old);
    CLUSTER_ASSERT(&cl, wait_until(calls_done, NULL, SCALE_MS),
                   "actuator calls still running");
    /* Its late calls reached the resource and were refused by token. */
    CLUSTER_ASSERT(&cl, calls_by(old_pid, "refused-stale") == 2,
                   "%d late calls refused", calls_by(old_pid, "refused-stale"));
    CLUSTER_ASSERT(&cl, calls_by(old_pid, "launched") == 0,
                   "the old leader launched something");
    CLUSTER_ASSERT(&cl, cluster_leader(&cl, LEADER_MS) != 0, "no leader");
    CLUSTER_ASSERT(&cl, wait_until(controller_stopped, &old, SCALE_MS),
                   "the old leader's controller is still active");
    /* Nothing it decided or reported was applied: the activities stay as
     * the new leader finished them. */
    wait_settled("web", 2);
    check_resumed("web", "launch", old, next, 2);
    CLUSTER_ASSERT(&cl, check_one_launch_each("web") == 2,
                   "not one launch per instance");
    CLUSTER_ASSERT(&cl, count_lines("launches.log", NULL) == 2,
                   "%d machines started", count_lines("launches.log", NULL));
}

END_TEST

static Suite *scaling_suite(void)
{
    Suite *s = suite_create("scaling");
    TCase *tc = tcase_create("cluster");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, scale_out_and_in_with_local_workers);
    tcase_add_test(tc, leader_killed_during_scale_out_and_scale_in);
    tcase_add_test(tc, heartbeat_loss_leads_to_replacement);
    tcase_add_test(tc, a_paused_old_leader_cannot_act);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(scaling_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

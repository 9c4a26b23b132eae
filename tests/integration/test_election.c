/* Elections with fencing on three real nodes (proto/PROTOCOL.md §3.8).
 * Campaigners are separate processes, as real clients are: each keeps its
 * lease alive, campaigns, and once elected writes through FENCE with its
 * token. When the leading campaigner is stopped (SIGSTOP) its lease runs
 * out, the next one wins with a larger token, and the first one's fenced
 * writes are refused once it resumes; none of them lands after the new
 * leader's token. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <hiredis/hiredis.h>

#include "../lib/cluster.h"
#include "../lib/expect.h"
#include "../lib/wait.h"

#define LEADER_MS 10000
#define LEASE_TTL 2

static struct cluster cl;
static unsigned leader;

static void setup(void)
{
    cluster_start(&cl, NULL);
    leader = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, leader != 0, "no leader elected");
}

static void teardown(void)
{
    ck_assert_int_eq(cluster_destroy(&cl), 0);
}

/* A campaigner process and the pipe it reports on. */
struct campaigner {
    pid_t pid;
    FILE *reports; /* lines: "token N", "write ok", "write fenced", ... */
};

static redisContext *child_connect(int port)
{
    struct timeval tv = { 5, 0 };
    redisContext *ctx = redisConnectWithTimeout("127.0.0.1", port, tv);

    if (ctx == NULL || ctx->err != 0 || redisSetTimeout(ctx, tv) != REDIS_OK) {
        _exit(2);
    }
    return ctx;
}

static void child_keepalive(redisContext *ka, long long lease, FILE *out)
{
    redisReply *r = redisCommand(ka, "LEASE.KEEPALIVE %lld", lease);

    if (r == NULL) {
        _exit(3);
    }
    if (r->type == REDIS_REPLY_ERROR) {
        fprintf(out, "keepalive %s\n", r->str);
    }
    freeReplyObject(r);
}

/* The campaigner: lease, campaign (keeping the lease alive meanwhile), then
 * a fenced write and a keepalive every 200 ms, each reported. */
static void campaigner_main(int port, const char *name, FILE *out)
{
    redisContext *ctx = child_connect(port);
    redisContext *ka = child_connect(port);
    redisReply *r = redisCommand(ka, "LEASE.GRANT %d", LEASE_TTL);
    long long lease;
    long long token = 0;
    unsigned seq = 0;

    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        _exit(4);
    }
    lease = r->integer;
    freeReplyObject(r);
    redisAppendCommand(ctx, "ELECTION.CAMPAIGN ctl %s LEASE %lld", name, lease);
    while (token == 0) {
        struct pollfd pfd = { .fd = ctx->fd, .events = POLLIN };
        int done = 0;
        while (!done && redisBufferWrite(ctx, &done) == REDIS_OK) {
        }
        if (poll(&pfd, 1, 300) > 0) {
            void *reply = NULL;
            if (redisGetReply(ctx, &reply) != REDIS_OK) {
                _exit(5);
            }
            r = reply;
            if (r->type != REDIS_REPLY_INTEGER) {
                fprintf(out, "campaign %s\n", r->str ? r->str : "?");
                _exit(6);
            }
            token = r->integer;
            freeReplyObject(r);
            fprintf(out, "token %lld\n", token);
        }
        child_keepalive(ka, lease, out);
    }
    for (;;) {
        r = redisCommand(ctx, "FENCE ctl %lld SET fenced/owner %s-%u", token,
                         name, seq++);
        if (r == NULL) {
            _exit(7);
        }
        fprintf(out, "write %s\n",
                r->type == REDIS_REPLY_STATUS       ? "ok"
                : strncmp(r->str, "FENCED", 6) == 0 ? "fenced"
                                                    : r->str);
        freeReplyObject(r);
        child_keepalive(ka, lease, out);
        usleep(200 * 1000);
    }
}

static void
campaigner_start(struct campaigner *c, unsigned node, const char *name)
{
    int fds[2];
    int port = cluster_node(&cl, node)->client_port;

    CLUSTER_ASSERT(&cl, pipe(fds) == 0, "pipe");
    c->pid = fork();
    CLUSTER_ASSERT(&cl, c->pid >= 0, "fork");
    if (c->pid == 0) {
        FILE *out;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(fds[0]);
        out = fdopen(fds[1], "w");
        setvbuf(out, NULL, _IOLBF, 0);
        campaigner_main(port, name, out);
        _exit(0);
    }
    close(fds[1]);
    c->reports = fdopen(fds[0], "r");
}

static void campaigner_stop(struct campaigner *c)
{
    kill(c->pid, SIGKILL);
    waitpid(c->pid, NULL, 0);
    fclose(c->reports);
}

/* The next report line of @c within @ms, or NULL. */
static const char *
next_report(struct campaigner *c, int ms, char *line, size_t size)
{
    struct pollfd pfd = { .fd = fileno(c->reports), .events = POLLIN };

    if (poll(&pfd, 1, cluster_scale_ms(ms)) <= 0 ||
        fgets(line, (int)size, c->reports) == NULL) {
        return NULL;
    }
    line[strcspn(line, "\n")] = '\0';
    return line;
}

/* Read reports of @c until one starts with @prefix; returns it. */
static const char *
await_report(struct campaigner *c, const char *prefix, char *line, size_t size)
{
    for (;;) {
        const char *r = next_report(c, 8000, line, size);
        CLUSTER_ASSERT(&cl, r != NULL, "no '%s' report", prefix);
        if (strncmp(r, prefix, strlen(prefix)) == 0) {
            return r;
        }
    }
}

START_TEST(a_stopped_holder_loses_and_its_fenced_writes_are_refused)
{
    struct campaigner a;
    struct campaigner b;
    unsigned f = cluster_follower(&cl, leader);
    redisContext *ctx = cluster_connect(&cl, leader);
    redisContext *w;
    redisReply *r;
    char line[256];
    long long token_a;
    long long token_b;

    campaigner_start(&a, leader, "a");
    token_a =
        strtoll(await_report(&a, "token ", line, sizeof line) + 6, NULL, 10);
    await_report(&a, "write ok", line, sizeof line);
    campaigner_start(&b, f, "b");
    /* b campaigns and waits; give its campaign time to be queued. */
    CLUSTER_ASSERT(&cl, next_report(&b, 1500, line, sizeof line) == NULL,
                   "b reported '%s' while a leads", line);

    kill(a.pid, SIGSTOP);
    token_b =
        strtoll(await_report(&b, "token ", line, sizeof line) + 6, NULL, 10);
    CLUSTER_ASSERT(&cl, token_b > token_a, "token %lld after %lld", token_b,
                   token_a);
    await_report(&b, "write ok", line, sizeof line);
    r = expect_reply(&cl, ctx, "ELECTION.LEADER ctl");
    CLUSTER_ASSERT(&cl,
                   r->type == REDIS_REPLY_ARRAY &&
                       strcmp(expect_elem_str(r, 3), "b") == 0 &&
                       expect_elem_int(r, 5) == token_b,
                   "ELECTION.LEADER: %s token %lld", expect_elem_str(r, 3),
                   expect_elem_int(r, 5));
    freeReplyObject(r);

    kill(a.pid, SIGCONT);
    await_report(&a, "write fenced", line, sizeof line);
    await_report(&a, "write fenced", line, sizeof line);

    /* Nothing a wrote landed after b's token: every change from there on
     * is b's, up to a marker written now. */
    w = cluster_connect(&cl, f);
    r = expect_reply(&cl, w, "KEYWATCH fenced/ FROM %lld", token_b);
    freeReplyObject(r);
    expect_status(&cl, ctx, "OK", "SET fenced/zz end");
    for (;;) {
        r = expect_push_kind(&cl, w, "put", 6);
        if (strcmp(expect_elem_str(r, 1), "fenced/zz") == 0) {
            freeReplyObject(r);
            break;
        }
        CLUSTER_ASSERT(&cl, expect_elem_str(r, 2)[0] == 'b',
                       "'%s' written at revision %lld, after b's token %lld",
                       expect_elem_str(r, 2), expect_elem_int(r, 4), token_b);
        freeReplyObject(r);
    }
    redisFree(w);
    campaigner_stop(&a);
    campaigner_stop(&b);
    redisFree(ctx);
}

END_TEST

START_TEST(observers_see_every_change_of_leader)
{
    redisContext *o = cluster_connect(&cl, cluster_follower(&cl, leader));
    redisContext *ctx = cluster_connect(&cl, leader);
    redisReply *r;
    long long l1 = expect_int(&cl, ctx, "LEASE.GRANT 30");
    long long l2 = expect_int(&cl, ctx, "LEASE.GRANT 30");
    long long t1;
    long long t2;

    r = expect_reply(&cl, o, "ELECTION.OBSERVE ob");
    CLUSTER_ASSERT(&cl, strcmp(expect_elem_str(r, 0), "observe") == 0,
                   "observe reply");
    freeReplyObject(r);
    r = expect_push_kind(&cl, o, "leader", 5);
    CLUSTER_ASSERT(&cl,
                   r->element[2]->type == REDIS_REPLY_NIL &&
                       expect_elem_int(r, 3) == 0,
                   "nobody leads yet");
    freeReplyObject(r);

    t1 = expect_int(&cl, ctx, "ELECTION.CAMPAIGN ob one LEASE %lld", l1);
    CLUSTER_ASSERT(&cl, t1 > 0, "token %lld", t1);
    t2 = expect_int(&cl, ctx, "ELECTION.CAMPAIGN ob two LEASE %lld NOWAIT", l2);
    CLUSTER_ASSERT(&cl, t2 == 0, "second candidate leads with %lld", t2);
    r = expect_push_kind(&cl, o, "leader", 5);
    CLUSTER_ASSERT(&cl,
                   strcmp(expect_elem_str(r, 2), "one") == 0 &&
                       expect_elem_int(r, 3) == t1,
                   "leader one");
    freeReplyObject(r);
    t2 = expect_int(&cl, ctx, "ELECTION.RESIGN ob %lld", t1);
    CLUSTER_ASSERT(&cl, t2 == 1, "resign answered %lld", t2);
    r = expect_push_kind(&cl, o, "leader", 5);
    t2 = expect_elem_int(r, 3);
    CLUSTER_ASSERT(&cl, strcmp(expect_elem_str(r, 2), "two") == 0 && t2 > t1,
                   "leader two, token %lld", t2);
    freeReplyObject(r);
    expect_error_prefix(&cl, ctx, "FENCED", "FENCE ob %lld SET k v", t1);
    expect_status(&cl, ctx, "OK", "FENCE ob %lld SET k v", t2);
    expect_int(&cl, ctx, "LEASE.REVOKE %lld", l2);
    r = expect_push_kind(&cl, o, "leader", 5);
    CLUSTER_ASSERT(&cl, r->element[2]->type == REDIS_REPLY_NIL,
                   "vacant after the revoke");
    freeReplyObject(r);
    redisFree(o);
    redisFree(ctx);
}

END_TEST

struct candidates {
    unsigned id;
    long long n;
};

static bool has_candidates(void *arg)
{
    struct candidates *w = arg;
    redisReply *r = cluster_command(&cl, w->id, "ELECTION.LEADER wd");
    bool ok = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 10 &&
              r->element[9]->integer == w->n;

    if (r != NULL) {
        freeReplyObject(r);
    }
    return ok;
}

START_TEST(closing_a_blocked_campaign_withdraws_it)
{
    unsigned f = cluster_follower(&cl, leader);
    redisContext *ctx = cluster_connect(&cl, leader);
    redisContext *c2 = cluster_connect(&cl, f);
    struct candidates w = { leader, 2 };
    long long l1 = expect_int(&cl, ctx, "LEASE.GRANT 30");
    long long l2 = expect_int(&cl, ctx, "LEASE.GRANT 30");
    int done = 0;

    expect_int(&cl, ctx, "ELECTION.CAMPAIGN wd one LEASE %lld", l1);
    redisAppendCommand(c2, "ELECTION.CAMPAIGN wd two LEASE %lld", l2);
    while (!done && redisBufferWrite(c2, &done) == REDIS_OK) {
    }
    CLUSTER_ASSERT(&cl, wait_until(has_candidates, &w, cluster_scale_ms(5000)),
                   "the second campaign never queued");
    redisFree(c2); /* the client gives up waiting */
    w.n = 1;
    CLUSTER_ASSERT(&cl, wait_until(has_candidates, &w, cluster_scale_ms(5000)),
                   "the abandoned candidacy is still queued");
    redisFree(ctx);
}

END_TEST

static Suite *election_suite(void)
{
    Suite *s = suite_create("election");
    TCase *tc = tcase_create("three_nodes");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc,
                   a_stopped_holder_loses_and_its_fenced_writes_are_refused);
    tcase_add_test(tc, observers_see_every_change_of_leader);
    tcase_add_test(tc, closing_a_blocked_campaign_withdraws_it);
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

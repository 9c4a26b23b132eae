/* Hostile and sloppy clients over raw sockets: framing errors close only
 * the offending connection, command errors leave it usable, size limits are
 * checked before allocating, and garbage never takes a node down. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>

#include "../lib/cluster.h"
#include "../lib/wait.h"

#define LEADER_MS 10000

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

static int raw_connect(unsigned id)
{
    int fd = cluster_connect_raw(&cl, id);

    CLUSTER_ASSERT(&cl, fd >= 0, "connect to node %u: %s", id, strerror(errno));
    return fd;
}

static void raw_send(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        CLUSTER_ASSERT(&cl, n > 0, "send: %s", strerror(errno));
        data += n;
        len -= (size_t)n;
    }
}

static void raw_send_str(int fd, const char *s)
{
    raw_send(fd, s, strlen(s));
}

/* Read until @out holds @want bytes or the peer closes or times out.
 * Returns the bytes read. */
static size_t raw_read(int fd, char *out, size_t want)
{
    size_t got = 0;

    while (got < want) {
        ssize_t n = recv(fd, out + got, want - got, 0);

        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    out[got] = '\0';
    return got;
}

/* Read one reply line (up to "\r\n") into @out. */
static void raw_read_line(int fd, char *out, size_t size)
{
    size_t got = 0;

    while (got + 1 < size) {
        ssize_t n = recv(fd, out + got, 1, 0);

        if (n <= 0) {
            break;
        }
        got++;
        if (got >= 2 && out[got - 2] == '\r' && out[got - 1] == '\n') {
            break;
        }
    }
    out[got] = '\0';
}

static void expect_reply(int fd, const char *want)
{
    char got[512];
    size_t len = strlen(want);

    ck_assert_uint_lt(len, sizeof got);
    raw_read(fd, got, len);
    ck_assert_str_eq(got, want);
}

/* The next line starts with @prefix. */
static void expect_line_prefix(int fd, const char *prefix)
{
    char line[1024];

    raw_read_line(fd, line, sizeof line);
    CLUSTER_ASSERT(&cl, strncmp(line, prefix, strlen(prefix)) == 0,
                   "reply '%s' does not start with '%s'", line, prefix);
    CLUSTER_ASSERT(&cl, strstr(line, "\r\n") != NULL, "unterminated '%s'",
                   line);
}

/* The node closed the connection: EOF (or a reset) before the timeout. */
static void expect_closed(int fd)
{
    char buf[256];
    ssize_t n;

    do {
        n = recv(fd, buf, sizeof buf, 0);
    } while (n > 0);
    CLUSTER_ASSERT(&cl, n == 0 || errno == ECONNRESET,
                   "connection not closed: %s", strerror(errno));
}

static void expect_ping(int fd)
{
    raw_send_str(fd, "*1\r\n$4\r\nPING\r\n");
    expect_reply(fd, "+PONG\r\n");
}

static void ping_fresh_connection(unsigned id)
{
    int fd = raw_connect(id);

    expect_ping(fd);
    close(fd);
}

static const char *const malformed[] = {
    "*1\r\n$abc\r\n",             /* bulk length not a number */
    "*x\r\n",                     /* multibulk length not a number */
    "*1\r\nfoo\r\n",              /* '$' expected */
    "*2\r\n$3\r\nGET\r\n$-5\r\n", /* negative bulk length */
    "*1\r\n$4\r\nPINGXX\r\n",     /* bulk not followed by CRLF */
};

START_TEST(malformed_request_closes_only_that_connection)
{
    int bystander = raw_connect(leader);
    int fd = raw_connect(leader);
    const char *wire = malformed[_i];

    expect_ping(bystander);
    raw_send_str(fd, wire);
    expect_line_prefix(fd, "-ERR Protocol error");
    expect_closed(fd);
    close(fd);
    expect_ping(bystander);
    close(bystander);
}

END_TEST

START_TEST(unknown_command_keeps_connection)
{
    int fd = raw_connect(cluster_follower(&cl, leader));

    raw_send_str(fd, "*3\r\n$6\r\nFOOBAR\r\n$3\r\nabc\r\n$3\r\ndef\r\n");
    expect_line_prefix(fd, "-ERR unknown command 'FOOBAR', with args "
                           "beginning with: ");
    expect_ping(fd);
    raw_send_str(fd, "*1\r\n$3\r\nGET\r\n");
    expect_reply(fd, "-ERR wrong number of arguments for 'get' command\r\n");
    raw_send_str(fd, "*4\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    expect_line_prefix(fd, "-ERR");
    expect_ping(fd);
    close(fd);
}

END_TEST

/* Resident memory of node @id in KiB, from /proc. */
static long rss_kib(unsigned id)
{
    char path[64], line[256];
    long kib = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status",
             (int)cluster_node(&cl, id)->pid);
    f = fopen(path, "r");
    CLUSTER_ASSERT(&cl, f != NULL, "%s: %s", path, strerror(errno));
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
        }
    }
    fclose(f);
    return kib;
}

START_TEST(oversized_headers_are_refused_before_allocating)
{
    static const char *const huge[] = {
        "*2\r\n$3\r\nGET\r\n$2000000000\r\n",
        "*2000000000\r\n",
        "*1\r\n$99999999999999999999\r\n",
    };
    long before = rss_kib(leader);

    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        int fd = raw_connect(leader);

        raw_send_str(fd, huge[i]);
        expect_line_prefix(fd, "-ERR");
        expect_closed(fd);
        close(fd);
    }
    CLUSTER_ASSERT(&cl, cluster_is_running(&cl, leader), "node died");
    ck_assert_int_lt(rss_kib(leader) - before, 64 * 1024);
    ping_fresh_connection(leader);
}

END_TEST

START_TEST(long_key_is_refused_and_connection_stays)
{
    static char key[1026];
    char req[2048];
    int fd = raw_connect(cluster_follower(&cl, leader));

    memset(key, 'k', sizeof key - 1);
    snprintf(req, sizeof req, "*3\r\n$3\r\nSET\r\n$1025\r\n%s\r\n$1\r\nv\r\n",
             key);
    raw_send_str(fd, req);
    expect_line_prefix(fd, "-ERR");
    expect_ping(fd);
    /* 1024 bytes is still allowed. */
    key[1024] = '\0';
    snprintf(req, sizeof req, "*3\r\n$3\r\nSET\r\n$1024\r\n%s\r\n$1\r\nv\r\n",
             key);
    raw_send_str(fd, req);
    expect_reply(fd, "+OK\r\n");
    close(fd);
}

END_TEST

#define N_GARBAGE     20
#define GARBAGE_BYTES 4096

START_TEST(random_garbage_does_not_take_nodes_down)
{
    static char junk[GARBAGE_BYTES];
    unsigned seed = 12345;
    int fds[N_GARBAGE];
    redisReply *r;

    for (int i = 0; i < N_GARBAGE; i++) {
        unsigned target = 1 + (unsigned)i % cl.n_nodes;

        for (size_t j = 0; j < sizeof junk; j++) {
            seed = seed * 1103515245u + 12345u;
            junk[j] = (char)(seed >> 16);
        }
        /* Some connections look like RESP for a while first. */
        if (i % 4 == 1) {
            memcpy(junk, "*3\r\n$3\r\nSET\r\n", 13);
        } else if (i % 4 == 2) {
            memcpy(junk, "SET a ", 6);
        }
        fds[i] = raw_connect(target);
        /* The node may close early; a failed send is fine here. */
        (void)send(fds[i], junk, sizeof junk, MSG_NOSIGNAL);
    }
    for (int i = 0; i < N_GARBAGE; i++) {
        close(fds[i]);
    }
    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        CLUSTER_ASSERT(&cl, cluster_is_running(&cl, id), "node %u died", id);
        ping_fresh_connection(id);
    }
    CLUSTER_ASSERT(&cl, cluster_leader(&cl, LEADER_MS) != 0, "no leader");
    r = cluster_command(&cl, leader, "SET %s %s", "after-garbage", "ok");
    CLUSTER_ASSERT(&cl, r != NULL && r->type == REDIS_REPLY_STATUS,
                   "SET after garbage");
    freeReplyObject(r);
}

END_TEST

/* Random arguments for every auto-scaling command, from words that are
 * near misses of valid ones: every reply is a reply (mostly errors), the
 * connection stays usable and no node goes down. */
START_TEST(random_scaling_arguments_get_replies)
{
    static const char *const verbs[] = {
        "GROUP.CREATE",       "GROUP.UPDATE",     "GROUP.DELETE",
        "GROUP.SETDESIRED",   "GROUP.GET",        "GROUP.EXPLAIN",
        "INSTANCE.LIST",      "INSTANCE.GET",     "INSTANCE.HEARTBEAT",
        "INSTANCE.SETHEALTH", "INSTANCE.PROTECT", "INSTANCE.TERMINATE",
        "INSTANCE.ATTACH",    "INSTANCE.DETACH",  "INSTANCE.STANDBY",
        "INSTANCE.RESUME",    "ACTIVITY.LIST",    "ACTIVITY.GET",
        "ACTIVITY.COMPLETE",
    };
    static const char *const words[] = {
        "g",
        "MIN",
        "MAX",
        "DESIRED",
        "ZONES",
        "a,b",
        "a,a",
        ",",
        "",
        "0",
        "1",
        "-1",
        "3",
        "100001",
        "99999999999999999999",
        "ACTUATOR",
        "local",
        "external",
        "nope",
        "COOLDOWN",
        "GRACE",
        "HEARTBEAT-TTL",
        "TERMINATION",
        "Default,NewestInstance",
        "Bogus",
        "PROTECT-NEW",
        "FORCE",
        "HONORCOOLDOWN",
        "DECREMENT",
        "Healthy",
        "Unhealthy",
        "i-00000000000000001",
        "i-",
        "i-zzzzzzzzzzzzzzzzz",
        "COUNT",
        "BEFORE",
        "Successful",
        "Failed",
        "\x01\xff",
    };
    redisContext *ctx = cluster_connect(&cl, cluster_follower(&cl, leader));
    unsigned seed = 777;
    redisReply *r;

    r = redisCommand(ctx, "GROUP.CREATE g MIN 1 MAX 3 ZONES a,b");
    CLUSTER_ASSERT(&cl, r != NULL, "connection broke");
    freeReplyObject(r);
    for (int i = 0; i < 600; i++) {
        const char *argv[9];
        size_t argc;

        seed = seed * 1103515245u + 12345u;
        argv[0] = verbs[(seed >> 16) % (sizeof verbs / sizeof verbs[0])];
        argc = 1 + (seed >> 8) % 8;
        for (size_t j = 1; j < argc; j++) {
            seed = seed * 1103515245u + 12345u;
            argv[j] = words[(seed >> 16) % (sizeof words / sizeof words[0])];
        }
        r = redisCommandArgv(ctx, (int)argc, argv, NULL);
        CLUSTER_ASSERT(&cl, r != NULL, "connection broke after %s: %s", argv[0],
                       ctx->errstr);
        freeReplyObject(r);
    }
    r = redisCommand(ctx, "PING");
    CLUSTER_ASSERT(&cl, r != NULL && r->type == REDIS_REPLY_STATUS, "PING");
    freeReplyObject(r);
    redisFree(ctx);
    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        CLUSTER_ASSERT(&cl, cluster_is_running(&cl, id), "node %u died", id);
    }
}

END_TEST

START_TEST(inline_commands_work)
{
    int fd = raw_connect(cluster_follower(&cl, leader));

    raw_send_str(fd, "PING\r\n");
    expect_reply(fd, "+PONG\r\n");
    raw_send_str(fd, "SET a b\r\n");
    expect_reply(fd, "+OK\r\n");
    raw_send_str(fd, "GET a\r\n");
    expect_reply(fd, "$1\r\nb\r\n");
    raw_send_str(fd, "SET \"two words\" \"x y\"\r\nGET \"two words\"\r\n");
    expect_reply(fd, "+OK\r\n$3\r\nx y\r\n");
    /* An empty line is no request at all. */
    raw_send_str(fd, "\r\nEXISTS a\r\n");
    expect_reply(fd, ":1\r\n");
    close(fd);
}

END_TEST

static Suite *bad_input_suite(void)
{
    Suite *s = suite_create("bad_input");
    TCase *tc = tcase_create("raw_sockets");

    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, malformed_request_closes_only_that_connection, 0,
                        (int)(sizeof malformed / sizeof malformed[0]));
    tcase_add_test(tc, unknown_command_keeps_connection);
    tcase_add_test(tc, oversized_headers_are_refused_before_allocating);
    tcase_add_test(tc, long_key_is_refused_and_connection_stays);
    tcase_add_test(tc, random_garbage_does_not_take_nodes_down);
    tcase_add_test(tc, random_scaling_arguments_get_replies);
    tcase_add_test(tc, inline_commands_work);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bad_input_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

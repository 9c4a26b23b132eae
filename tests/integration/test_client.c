/* CLIENT LIST, INFO, SETNAME, GETNAME and KILL on three real nodes
 * (proto/PROTOCOL.md §3.3): connections are listed with Redis' fields, the
 * leader lists the followers' forwarding links as replicas, and a killed
 * connection is closed while the killer's stays usable. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <hiredis/hiredis.h>

#include "../lib/cluster.h"
#include "../lib/expect.h"
#include "../lib/wait.h"

#define LEADER_MS  10000
#define FIELD_SIZE 160

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

/* A bulk-string reply, copied; the command must answer one. */
static char *expect_text_reply(redisContext *ctx, const char *fmt, ...)
{
    redisReply *r;
    char *text;
    va_list ap;

    va_start(ap, fmt);
    r = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    CLUSTER_ASSERT(&cl, r != NULL, "%s: %s", fmt, ctx->errstr);
    CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_STRING,
                   "%s: type %d '%s', expected a bulk string", fmt, r->type,
                   expect_text(r));
    text = strdup(r->str);
    freeReplyObject(r);
    return text;
}

/* The value of "@name=" in the CLIENT LIST line starting at @line. */
static void field(const char *line, const char *name, char out[FIELD_SIZE])
{
    char key[32];
    const char *p = line;
    size_t n;

    snprintf(key, sizeof key, "%s=", name);
    while (strncmp(p, key, strlen(key)) != 0) {
        p = strpbrk(p, " \n");
        CLUSTER_ASSERT(&cl, p != NULL && *p == ' ', "no %s in '%s'", key, line);
        p++;
    }
    p += strlen(key);
    n = strcspn(p, " \n");
    CLUSTER_ASSERT(&cl, n < FIELD_SIZE, "%s too long", key);
    memcpy(out, p, n);
    out[n] = '\0';
}

/* The line of connection @id in a CLIENT LIST reply, or NULL. */
static const char *line_of(const char *list, long long id)
{
    char key[32];
    size_t n = (size_t)snprintf(key, sizeof key, "id=%lld ", id);

    for (const char *p = list; *p != '\0'; p = strchr(p, '\n') + 1) {
        CLUSTER_ASSERT(&cl, strchr(p, '\n') != NULL, "unterminated: %s", p);
        if (strncmp(p, key, n) == 0) {
            return p;
        }
    }
    return NULL;
}

static size_t count_lines(const char *list)
{
    size_t n = 0;

    for (const char *p = list; *p != '\0'; p++) {
        n += *p == '\n';
    }
    return n;
}

/* The connection's own address, as the server sees it. */
static void addr_of(redisContext *ctx, char out[FIELD_SIZE])
{
    char *info = expect_text_reply(ctx, "CLIENT INFO");

    field(info, "addr", out);
    free(info);
}

/* The server closed @ctx: a read ends in EOF (or a reset), with no reply. */
static void expect_closed(redisContext *ctx)
{
    void *reply = NULL;

    CLUSTER_ASSERT(&cl, redisGetReply(ctx, &reply) == REDIS_ERR,
                   "a killed connection still answers");
    CLUSTER_ASSERT(&cl, ctx->err == REDIS_ERR_EOF || ctx->err == REDIS_ERR_IO,
                   "not closed: %s", ctx->errstr);
}

START_TEST(setname_getname_and_info_describe_the_connection)
{
    redisContext *ctx = cluster_connect(&cl, leader);
    long long id = expect_int(&cl, ctx, "CLIENT ID");
    char want[FIELD_SIZE], got[FIELD_SIZE], long_name[130];
    redisReply *r = expect_reply(&cl, ctx, "CLIENT GETNAME");
    char *info;

    CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_NIL, "unnamed: %s",
                   expect_text(r));
    freeReplyObject(r);
    expect_status(&cl, ctx, "OK", "CLIENT SETNAME web-1");
    r = expect_reply(&cl, ctx, "CLIENT GETNAME");
    CLUSTER_ASSERT(
        &cl, r->type == REDIS_REPLY_STRING && strcmp(r->str, "web-1") == 0,
        "GETNAME: %s", expect_text(r));
    freeReplyObject(r);
    expect_error(&cl, ctx,
                 "ERR Client names cannot contain spaces, newlines or "
                 "special characters.",
                 "CLIENT SETNAME %s", "a b");
    expect_error(&cl, ctx,
                 "ERR Client names cannot contain spaces, newlines or "
                 "special characters.",
                 "CLIENT SETNAME %s", "a\nb");
    memset(long_name, 'n', 129);
    long_name[129] = '\0';
    expect_error(&cl, ctx, "ERR Client names are limited to 128 bytes",
                 "CLIENT SETNAME %s", long_name);
    long_name[128] = '\0';
    expect_status(&cl, ctx, "OK", "CLIENT SETNAME %s", long_name);
    expect_status(&cl, ctx, "OK", "CLIENT SETNAME web-1");

    expect_status(&cl, ctx, "OK", "READONLY");
    info = expect_text_reply(ctx, "CLIENT INFO");
    CLUSTER_ASSERT(&cl, count_lines(info) == 1 && line_of(info, id) == info,
                   "INFO: %s", info);
    field(info, "name", got);
    CLUSTER_ASSERT(&cl, strcmp(got, "web-1") == 0, "name=%s", got);
    field(info, "flags", got);
    CLUSTER_ASSERT(&cl, strcmp(got, "r") == 0, "flags=%s", got);
    field(info, "cmd", got);
    CLUSTER_ASSERT(&cl, strcmp(got, "client|info") == 0, "cmd=%s", got);
    field(info, "laddr", got);
    snprintf(want, sizeof want, "127.0.0.1:%d",
             cluster_node(&cl, leader)->client_port);
    CLUSTER_ASSERT(&cl, strcmp(got, want) == 0, "laddr=%s", got);
    field(info, "addr", got);
    CLUSTER_ASSERT(&cl, strncmp(got, "127.0.0.1:", 10) == 0, "addr=%s", got);
    field(info, "peer", got);
    CLUSTER_ASSERT(&cl, strcmp(got, "0") == 0, "peer=%s", got);
    free(info);

    /* An empty name clears it; MULTI shows as x with its queue. */
    expect_status(&cl, ctx, "OK", "CLIENT SETNAME %s", "");
    r = expect_reply(&cl, ctx, "CLIENT GETNAME");
    CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_NIL, "cleared: %s",
                   expect_text(r));
    freeReplyObject(r);
    expect_status(&cl, ctx, "OK", "READWRITE");
    info = expect_text_reply(ctx, "CLIENT INFO");
    field(info, "name", got);
    CLUSTER_ASSERT(&cl, strcmp(got, "") == 0, "name=%s", got);
    field(info, "flags", got);
    CLUSTER_ASSERT(&cl, strcmp(got, "N") == 0, "flags=%s", got);
    field(info, "multi", got);
    CLUSTER_ASSERT(&cl, strcmp(got, "-1") == 0, "multi=%s", got);
    free(info);
    redisFree(ctx);
}

END_TEST

START_TEST(list_shows_named_connections)
{
    redisContext *alpha = cluster_connect(&cl, leader);
    redisContext *beta = cluster_connect(&cl, leader);
    long long a = expect_int(&cl, alpha, "CLIENT ID");
    long long b = expect_int(&cl, beta, "CLIENT ID");
    char got[FIELD_SIZE];
    char *list;

    expect_status(&cl, alpha, "OK", "CLIENT SETNAME alpha");
    expect_status(&cl, beta, "OK", "CLIENT SETNAME beta");
    list = expect_text_reply(alpha, "CLIENT LIST");
    CLUSTER_ASSERT(&cl, line_of(list, a) != NULL && line_of(list, b) != NULL,
                   "LIST: %s", list);
    field(line_of(list, a), "name", got);
    CLUSTER_ASSERT(&cl, strcmp(got, "alpha") == 0, "name=%s", got);
    field(line_of(list, a), "cmd", got);
    CLUSTER_ASSERT(&cl, strcmp(got, "client|list") == 0, "cmd=%s", got);
    field(line_of(list, b), "name", got);
    CLUSTER_ASSERT(&cl, strcmp(got, "beta") == 0, "name=%s", got);
    field(line_of(list, b), "cmd", got);
    CLUSTER_ASSERT(&cl, strcmp(got, "client|setname") == 0, "cmd=%s", got);
    CLUSTER_ASSERT(&cl, line_of(list, a) < line_of(list, b),
                   "not oldest first: %s", list);
    free(list);

    list = expect_text_reply(alpha, "CLIENT LIST ID %lld", b);
    CLUSTER_ASSERT(&cl, count_lines(list) == 1 && line_of(list, b) == list,
                   "LIST ID: %s", list);
    free(list);
    list = expect_text_reply(alpha, "CLIENT LIST ID %lld 999999 %lld", a, b);
    CLUSTER_ASSERT(&cl, count_lines(list) == 2, "LIST ID a b: %s", list);
    free(list);
    list = expect_text_reply(alpha, "CLIENT LIST TYPE normal");
    CLUSTER_ASSERT(&cl, line_of(list, a) != NULL && line_of(list, b) != NULL,
                   "TYPE normal: %s", list);
    free(list);
    list = expect_text_reply(alpha, "CLIENT LIST TYPE master");
    CLUSTER_ASSERT(&cl, list[0] == '\0', "TYPE master: %s", list);
    free(list);

    /* A subscriber is TYPE pubsub, flag P. */
    freeReplyObject(expect_reply(&cl, beta, "SUBSCRIBE ch1"));
    list = expect_text_reply(alpha, "CLIENT LIST TYPE pubsub");
    CLUSTER_ASSERT(&cl, count_lines(list) == 1 && line_of(list, b) == list,
                   "TYPE pubsub: %s", list);
    field(list, "flags", got);
    CLUSTER_ASSERT(&cl, strcmp(got, "P") == 0, "flags=%s", got);
    field(list, "sub", got);
    CLUSTER_ASSERT(&cl, strcmp(got, "1") == 0, "sub=%s", got);
    free(list);
    redisFree(alpha);
    redisFree(beta);
}

END_TEST

struct replicas {
    const char *list;
    unsigned n_followers;
    unsigned followers[CLUSTER_MAX_NODES];
};

static bool set_through(void *arg)
{
    unsigned id = *(const unsigned *)arg;
    redisReply *r = cluster_command(&cl, id, "SET via-%u x", id);
    bool ok = r != NULL && r->type == REDIS_REPLY_STATUS;

    freeReplyObject(r);
    return ok;
}

/* Write through every follower, so that each has a forwarding link open.
 * A write sent just as a killed link closes may answer -UNCERTAIN (§2.5):
 * write again. */
static void write_through_followers(struct replicas *rp)
{
    for (unsigned i = 0; i < rp->n_followers; i++) {
        CLUSTER_ASSERT(
            &cl,
            wait_until(set_through, &rp->followers[i], cluster_scale_ms(10000)),
            "no write through n%u", rp->followers[i]);
    }
}

/* The leader lists each follower's link as TYPE replica, flags S. */
static void expect_replica_links(redisContext *ctx, struct replicas *rp)
{
    char *list = expect_text_reply(ctx, "CLIENT LIST TYPE replica");
    char got[FIELD_SIZE];

    for (unsigned i = 0; i < rp->n_followers; i++) {
        char want[16];
        bool found = false;
        snprintf(want, sizeof want, "%u", rp->followers[i]);
        for (const char *p = list; *p != '\0'; p = strchr(p, '\n') + 1) {
            field(p, "flags", got);
            CLUSTER_ASSERT(&cl, strcmp(got, "S") == 0, "flags=%s in %s", got,
                           list);
            field(p, "peer", got);
            found = found || strcmp(got, want) == 0;
        }
        CLUSTER_ASSERT(&cl, found, "no link from n%u: '%s'", rp->followers[i],
                       list);
    }
    free(list);
}

START_TEST(leader_lists_followers_links_as_replicas)
{
    redisContext *ctx = cluster_connect(&cl, leader);
    struct replicas rp = { 0 };
    long long n;
    char *list;

    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        if (id != leader) {
            rp.followers[rp.n_followers++] = id;
        }
    }
    write_through_followers(&rp);
    expect_replica_links(ctx, &rp);
    list = expect_text_reply(ctx, "CLIENT LIST TYPE normal");
    CLUSTER_ASSERT(&cl, strstr(list, "flags=S") == NULL, "normal: %s", list);
    free(list);

    /* Resetting the links: writes through followers open new ones. */
    n = expect_int(&cl, ctx, "CLIENT KILL TYPE replica");
    CLUSTER_ASSERT(&cl, n >= rp.n_followers, "%lld links killed", n);
    write_through_followers(&rp);
    expect_replica_links(ctx, &rp);
    redisFree(ctx);
}

END_TEST

START_TEST(kill_by_id_closes_the_other_connection)
{
    redisContext *killer = cluster_connect(&cl, leader);
    redisContext *victim = cluster_connect(&cl, leader);
    long long id = expect_int(&cl, victim, "CLIENT ID");
    long long self = expect_int(&cl, killer, "CLIENT ID");
    long long n;
    char *list;

    n = expect_int(&cl, killer, "CLIENT KILL ID %lld", id);
    CLUSTER_ASSERT(&cl, n == 1, "%lld killed", n);
    expect_closed(victim);
    redisFree(victim);
    n = expect_int(&cl, killer, "CLIENT KILL ID %lld", id);
    CLUSTER_ASSERT(&cl, n == 0, "killed twice");
    list = expect_text_reply(killer, "CLIENT LIST");
    CLUSTER_ASSERT(&cl, line_of(list, id) == NULL, "still listed: %s", list);
    free(list);

    /* SKIPME defaults to yes: the caller survives its own filter. */
    n = expect_int(&cl, killer, "CLIENT KILL ID %lld", self);
    CLUSTER_ASSERT(&cl, n == 0, "killed itself");
    expect_status(&cl, killer, "PONG", "PING");
    /* SKIPME no: the reply comes first, then the close. */
    n = expect_int(&cl, killer, "CLIENT KILL ID %lld SKIPME no", self);
    CLUSTER_ASSERT(&cl, n == 1, "%lld killed", n);
    expect_closed(killer);
    redisFree(killer);
}

END_TEST

START_TEST(kill_by_addr_and_old_form)
{
    redisContext *killer = cluster_connect(&cl, leader);
    redisContext *victim = cluster_connect(&cl, leader);
    char addr[FIELD_SIZE];
    long long n;

    addr_of(victim, addr);
    n = expect_int(&cl, killer, "CLIENT KILL ADDR %s", addr);
    CLUSTER_ASSERT(&cl, n == 1, "ADDR %s: %lld killed", addr, n);
    expect_closed(victim);
    redisFree(victim);
    n = expect_int(&cl, killer, "CLIENT KILL ADDR %s", addr);
    CLUSTER_ASSERT(&cl, n == 0, "killed a closed connection");

    victim = cluster_connect(&cl, leader);
    addr_of(victim, addr);
    expect_status(&cl, killer, "OK", "CLIENT KILL %s", addr);
    expect_closed(victim);
    redisFree(victim);
    expect_error(&cl, killer, "ERR No such client", "CLIENT KILL %s", addr);

    /* The old form may name the caller: +OK, then the close. */
    addr_of(killer, addr);
    expect_status(&cl, killer, "OK", "CLIENT KILL %s", addr);
    expect_closed(killer);
    redisFree(killer);
}

END_TEST

START_TEST(bad_syntax_keeps_the_connection_usable)
{
    redisContext *ctx = cluster_connect(&cl, leader);
    char *info;

    expect_error(&cl, ctx, "ERR syntax error", "CLIENT KILL ID 5 SKIPME maybe");
    expect_error(&cl, ctx, "ERR syntax error", "CLIENT KILL FOO bar");
    expect_error(&cl, ctx, "ERR syntax error", "CLIENT KILL ID 5 ADDR");
    expect_error(&cl, ctx, "ERR client-id should be greater than 0",
                 "CLIENT KILL ID 0");
    expect_error(&cl, ctx, "ERR Unknown client type 'bogus'",
                 "CLIENT KILL TYPE bogus SKIPME no");
    expect_error(&cl, ctx, "ERR Unknown client type 'bogus'",
                 "CLIENT LIST TYPE bogus");
    expect_error(&cl, ctx, "ERR Invalid client ID", "CLIENT LIST ID x");
    expect_error(&cl, ctx, "ERR syntax error", "CLIENT LIST TYPE");
    expect_error(&cl, ctx, "ERR No such client", "CLIENT KILL 10.0.0.1:1");
    expect_error(&cl, ctx,
                 "ERR wrong number of arguments for 'client|kill' command",
                 "CLIENT KILL");
    expect_error(&cl, ctx,
                 "ERR wrong number of arguments for 'client|setname' command",
                 "CLIENT SETNAME");
    expect_error(&cl, ctx,
                 "ERR wrong number of arguments for 'client|info' command",
                 "CLIENT INFO now");
    expect_error(&cl, ctx,
                 "ERR unknown subcommand 'PAUSE'. Try CLIENT "
                 "ID|INFO|LIST|KILL|SETNAME|GETNAME",
                 "CLIENT PAUSE 10");
    expect_error(&cl, ctx, "ERR PEERLINK needs a node id >= 1", "PEERLINK x");
    info = expect_text_reply(ctx, "CLIENT INFO");
    CLUSTER_ASSERT(&cl, strstr(info, " flags=N ") != NULL, "INFO: %s", info);
    CLUSTER_ASSERT(&cl, strstr(info, " peer=0\n") != NULL, "INFO: %s", info);
    free(info);
    expect_status(&cl, ctx, "PONG", "PING");
    redisFree(ctx);
}

END_TEST

static Suite *client_suite(void)
{
    Suite *s = suite_create("client");
    TCase *tc = tcase_create("three_nodes");

    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, setname_getname_and_info_describe_the_connection);
    tcase_add_test(tc, list_shows_named_connections);
    tcase_add_test(tc, leader_lists_followers_links_as_replicas);
    tcase_add_test(tc, kill_by_id_closes_the_other_connection);
    tcase_add_test(tc, kill_by_addr_and_old_form);
    tcase_add_test(tc, bad_syntax_keeps_the_connection_usable);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(client_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

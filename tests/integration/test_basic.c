/* Three real nodes on loopback: the client commands end to end, through the
 * leader and through followers, pipelined and from many clients at once. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <hiredis/hiredis.h>

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

/* Run a command (a hiredis format, so no printf attribute) and check it
 * answers the status @status ("OK", "PONG"). */
static void
expect_status(redisContext *ctx, const char *status, const char *fmt, ...)
{
    redisReply *r;
    va_list ap;

    va_start(ap, fmt);
    r = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    CLUSTER_ASSERT(&cl, r != NULL, "%s: %s", fmt, ctx->errstr);
    CLUSTER_ASSERT(&cl,
                   r->type == REDIS_REPLY_STATUS && strcmp(r->str, status) == 0,
                   "%s: type %d '%s', expected +%s", fmt, r->type,
                   r->str != NULL ? r->str : "", status);
    freeReplyObject(r);
}

/* Run a command and return its integer reply. */
static long long expect_int(redisContext *ctx, const char *fmt, ...)
{
    redisReply *r;
    long long v;
    va_list ap;

    va_start(ap, fmt);
    r = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    CLUSTER_ASSERT(&cl, r != NULL, "%s: %s", fmt, ctx->errstr);
    CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_INTEGER,
                   "%s: type %d '%s', expected an integer", fmt, r->type,
                   r->str != NULL ? r->str : "");
    v = r->integer;
    freeReplyObject(r);
    return v;
}

/* GET @key: true and the value in @out, or false for nil. */
static bool
get_value(redisContext *ctx, const char *key, char *out, size_t size)
{
    redisReply *r = cluster_exec(&cl, ctx, "GET %s", key);
    bool found = r->type == REDIS_REPLY_STRING;

    CLUSTER_ASSERT(&cl, found || r->type == REDIS_REPLY_NIL,
                   "GET %s: type %d '%s'", key, r->type,
                   r->str != NULL ? r->str : "");
    if (found) {
        snprintf(out, size, "%s", r->str);
    }
    freeReplyObject(r);
    return found;
}

/* An array element as text, whether sent as bulk, status or integer. */
static void element_text(const redisReply *e, char *out, size_t size)
{
    if (e->type == REDIS_REPLY_INTEGER) {
        snprintf(out, size, "%lld", e->integer);
    } else if (e->type == REDIS_REPLY_STRING || e->type == REDIS_REPLY_STATUS) {
        snprintf(out, size, "%s", e->str);
    } else {
        snprintf(out, size, "<type %d>", e->type);
    }
}

START_TEST(set_through_follower_is_read_on_every_node)
{
    unsigned follower = cluster_follower(&cl, leader);
    redisContext *w = cluster_connect(&cl, follower);
    char value[64];

    expect_status(w, "OK", "SET %s %s", "greeting", "hello");
    redisFree(w);
    /* Default reads are linearizable: right after the ack, everywhere. */
    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        redisContext *r = cluster_connect(&cl, id);

        CLUSTER_ASSERT(&cl, get_value(r, "greeting", value, sizeof value),
                       "node %u: greeting missing", id);
        ck_assert_str_eq(value, "hello");
        CLUSTER_ASSERT(&cl, !get_value(r, "absent", value, sizeof value),
                       "node %u: absent key found", id);
        redisFree(r);
    }
}

END_TEST

struct stale_read {
    redisContext *ctx;
    const char *key;
    const char *want;
};

static bool stale_read_sees(void *arg)
{
    struct stale_read *s = arg;
    char value[64];

    return get_value(s->ctx, s->key, value, sizeof value) &&
           strcmp(value, s->want) == 0;
}

START_TEST(readonly_reads_catch_up_on_every_node)
{
    redisContext *w = cluster_connect(&cl, leader);

    expect_status(w, "OK", "SET %s %s", "stale", "v1");
    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        struct stale_read s = { .ctx = cluster_connect(&cl, id),
                                .key = "stale",
                                .want = "v1" };

        expect_status(s.ctx, "OK", "READONLY");
        CLUSTER_ASSERT(&cl, wait_until(stale_read_sees, &s, 5000),
                       "node %u never applied SET stale v1", id);
        expect_status(w, "OK", "SET %s %s", "stale", "v2");
        s.want = "v2";
        CLUSTER_ASSERT(&cl, wait_until(stale_read_sees, &s, 5000),
                       "node %u never applied SET stale v2", id);
        /* READWRITE goes back to linearizable reads. */
        expect_status(s.ctx, "OK", "READWRITE");
        expect_status(w, "OK", "SET %s %s", "stale", "v1");
        s.want = "v1";
        CLUSTER_ASSERT(&cl, stale_read_sees(&s),
                       "node %u: linearizable read missed an acked write", id);
        redisFree(s.ctx);
    }
    redisFree(w);
}

END_TEST

START_TEST(kv_commands_end_to_end)
{
    unsigned follower = cluster_follower(&cl, leader);
    redisContext *c = cluster_connect(&cl, follower);
    redisReply *r;
    char value[64];

    expect_status(c, "PONG", "PING");
    expect_status(c, "OK", "SET %s %s", "a", "1");
    expect_status(c, "OK", "SET %s %s", "b", "2");
    expect_status(c, "OK", "SET %s %s", "ab", "3");
    expect_status(c, "OK", "SET %s %b", "bin", "x\0y\r\nz", (size_t)7);
    ck_assert_int_eq(expect_int(c, "DBSIZE"), 4);
    ck_assert_int_eq(expect_int(c, "EXISTS a b nope"), 2);
    ck_assert_int_eq(expect_int(c, "EXISTS a a"), 2);

    r = cluster_exec(&cl, c, "GET bin");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, 7);
    ck_assert_mem_eq(r->str, "x\0y\r\nz", 7);
    freeReplyObject(r);

    r = cluster_exec(&cl, c, "MGET a nope b");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 3);
    ck_assert_int_eq(r->element[0]->type, REDIS_REPLY_STRING);
    ck_assert_str_eq(r->element[0]->str, "1");
    ck_assert_int_eq(r->element[1]->type, REDIS_REPLY_NIL);
    ck_assert_str_eq(r->element[2]->str, "2");
    freeReplyObject(r);

    r = cluster_exec(&cl, c, "KEYS a*");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 2);
    {
        bool seen_a = false, seen_ab = false;

        for (size_t i = 0; i < r->elements; i++) {
            seen_a |= strcmp(r->element[i]->str, "a") == 0;
            seen_ab |= strcmp(r->element[i]->str, "ab") == 0;
        }
        ck_assert(seen_a && seen_ab);
    }
    freeReplyObject(r);
    r = cluster_exec(&cl, c, "KEYS *");
    ck_assert_uint_eq(r->elements, 4);
    freeReplyObject(r);
    r = cluster_exec(&cl, c, "KEYS zz*");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 0);
    freeReplyObject(r);

    /* CAS swaps only when the current value is the expected one. */
    ck_assert_int_eq(expect_int(c, "CAS a 1 10"), 1);
    ck_assert_int_eq(expect_int(c, "CAS a 1 20"), 0);
    CLUSTER_ASSERT(&cl, get_value(c, "a", value, sizeof value), "a missing");
    ck_assert_str_eq(value, "10");

    ck_assert_int_eq(expect_int(c, "DEL a nope"), 1);
    ck_assert_int_eq(expect_int(c, "DEL a"), 0);
    ck_assert_int_eq(expect_int(c, "DEL b ab bin"), 3);
    ck_assert_int_eq(expect_int(c, "DBSIZE"), 0);
    ck_assert_int_eq(expect_int(c, "EXISTS a b"), 0);
    CLUSTER_ASSERT(&cl, !get_value(c, "b", value, sizeof value), "b found");
    redisFree(c);
}

END_TEST

struct rev {
    unsigned long long create, mod, version;
    char value[64];
};

/* GETREV @key into @rev; false for *-1. */
static bool getrev(redisContext *c, const char *key, struct rev *rev)
{
    redisReply *r = cluster_exec(&cl, c, "GETREV %s", key);

    if (r->type == REDIS_REPLY_NIL) {
        freeReplyObject(r);
        return false;
    }
    CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_ARRAY && r->elements == 4,
                   "GETREV %s: type %d", key, r->type);
    ck_assert_int_eq(r->element[0]->type, REDIS_REPLY_STRING);
    for (int i = 1; i < 4; i++) {
        ck_assert_int_eq(r->element[i]->type, REDIS_REPLY_INTEGER);
        ck_assert_int_gt(r->element[i]->integer, 0);
    }
    snprintf(rev->value, sizeof rev->value, "%s", r->element[0]->str);
    rev->create = (unsigned long long)r->element[1]->integer;
    rev->mod = (unsigned long long)r->element[2]->integer;
    rev->version = (unsigned long long)r->element[3]->integer;
    freeReplyObject(r);
    return true;
}

START_TEST(revisions_follow_etcd_rules)
{
    redisContext *c = cluster_connect(&cl, cluster_follower(&cl, leader));
    struct rev r1, r2, r3, other, r4;

    CLUSTER_ASSERT(&cl, !getrev(c, "k", &r1), "GETREV of a missing key");
    expect_status(c, "OK", "SET k one");
    ck_assert(getrev(c, "k", &r1));
    ck_assert_str_eq(r1.value, "one");
    ck_assert_uint_eq(r1.create, r1.mod);
    ck_assert_uint_eq(r1.version, 1);

    expect_status(c, "OK", "SET k two");
    ck_assert(getrev(c, "k", &r2));
    ck_assert_str_eq(r2.value, "two");
    ck_assert_uint_eq(r2.create, r1.create);
    ck_assert_uint_gt(r2.mod, r1.mod);
    ck_assert_uint_eq(r2.version, 2);

    /* A failed CAS changes nothing; a successful one is a write. */
    ck_assert_int_eq(expect_int(c, "CAS k one three"), 0);
    ck_assert(getrev(c, "k", &r3));
    ck_assert_uint_eq(r3.mod, r2.mod);
    ck_assert_uint_eq(r3.version, 2);
    ck_assert_int_eq(expect_int(c, "CAS k two three"), 1);
    ck_assert(getrev(c, "k", &r3));
    ck_assert_str_eq(r3.value, "three");
    ck_assert_uint_eq(r3.create, r1.create);
    ck_assert_uint_gt(r3.mod, r2.mod);
    ck_assert_uint_eq(r3.version, 3);

    /* Revisions are global: a later write to another key is later. */
    expect_status(c, "OK", "SET other x");
    ck_assert(getrev(c, "other", &other));
    ck_assert_uint_gt(other.create, r3.mod);

    /* Deleting and re-creating starts a new life. */
    ck_assert_int_eq(expect_int(c, "DEL k"), 1);
    CLUSTER_ASSERT(&cl, !getrev(c, "k", &r4), "GETREV after DEL");
    expect_status(c, "OK", "SET k again");
    ck_assert(getrev(c, "k", &r4));
    ck_assert_uint_gt(r4.create, other.mod);
    ck_assert_uint_eq(r4.create, r4.mod);
    ck_assert_uint_eq(r4.version, 1);

    /* Every node reports the same revisions. */
    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        redisContext *n = cluster_connect(&cl, id);
        struct rev same;

        ck_assert(getrev(n, "k", &same));
        ck_assert_uint_eq(same.create, r4.create);
        ck_assert_uint_eq(same.mod, r4.mod);
        ck_assert_uint_eq(same.version, 1);
        redisFree(n);
    }
    redisFree(c);
}

END_TEST

/* Every member in node @id's MEMBERS has a client address. */
static bool members_published(struct cluster *c, unsigned id)
{
    redisReply *r = cluster_command(c, id, "MEMBERS");
    size_t n_known = 0;

    if (r == NULL) {
        return false;
    }
    for (size_t m = 0; r->type == REDIS_REPLY_ARRAY && m < r->elements; m++) {
        const redisReply *f = r->element[m];

        for (size_t i = 0; f->type == REDIS_REPLY_ARRAY && i + 1 < f->elements;
             i += 2) {
            if (f->element[i]->type == REDIS_REPLY_STRING &&
                strcmp(f->element[i]->str, "client_address") == 0 &&
                f->element[i + 1]->type == REDIS_REPLY_STRING &&
                f->element[i + 1]->len > 0) {
                n_known++;
            }
        }
    }
    freeReplyObject(r);
    return n_known == c->n_nodes;
}

/* Nodes publish their client address and zone through the log once a
 * leader is known, so right after an election they may not be known yet. */
static bool addresses_published(void *arg)
{
    struct cluster *c = arg;

    for (unsigned id = 1; id <= c->n_nodes; id++) {
        redisReply *r = cluster_command(c, id, "LEADER");
        bool known =
            r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 4 &&
            r->element[2]->type == REDIS_REPLY_STRING && r->element[2]->len > 0;

        if (r != NULL) {
            freeReplyObject(r);
        }
        if (!known || !members_published(c, id)) {
            return false;
        }
    }
    return true;
}

START_TEST(leader_and_members_agree_across_nodes)
{
    const struct cluster_node *l = cluster_node(&cl, leader);

    CLUSTER_ASSERT(&cl, wait_until(addresses_published, &cl, 5000),
                   "client addresses never published in LEADER/MEMBERS");

    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        redisContext *c = cluster_connect(&cl, id);
        redisReply *r = cluster_exec(&cl, c, "LEADER");
        bool zone_seen[CLUSTER_MAX_NODES] = { false };
        unsigned n_leaders = 0;

        CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_ARRAY && r->elements == 4,
                       "node %u: LEADER type %d", id, r->type);
        ck_assert_int_eq(r->element[0]->integer, (long long)leader);
        ck_assert_str_eq(r->element[1]->str, l->raft_address);
        ck_assert_str_eq(r->element[2]->str, l->client_address);
        ck_assert_str_eq(r->element[3]->str, l->zone);
        freeReplyObject(r);

        r = cluster_exec(&cl, c, "MEMBERS");
        CLUSTER_ASSERT(
            &cl, r->type == REDIS_REPLY_ARRAY && r->elements == cl.n_nodes,
            "node %u: MEMBERS type %d, %zu elements", id, r->type, r->elements);
        for (size_t m = 0; m < r->elements; m++) {
            const redisReply *fields = r->element[m];
            char id_text[64] = "", raft[64] = "", client[64] = "";
            char zone[64] = "", role[64] = "", is_leader[64] = "";
            char text[64];
            const struct cluster_node *n;
            unsigned member;

            ck_assert_int_eq(fields->type, REDIS_REPLY_ARRAY);
            ck_assert_uint_eq(fields->elements % 2, 0);
            for (size_t f = 0; f + 1 < fields->elements; f += 2) {
                const char *name = fields->element[f]->str;

                element_text(fields->element[f + 1], text, sizeof text);
                if (strcmp(name, "id") == 0) {
                    snprintf(id_text, sizeof id_text, "%s", text);
                } else if (strcmp(name, "raft_address") == 0) {
                    snprintf(raft, sizeof raft, "%s", text);
                } else if (strcmp(name, "client_address") == 0) {
                    snprintf(client, sizeof client, "%s", text);
                } else if (strcmp(name, "zone") == 0) {
                    snprintf(zone, sizeof zone, "%s", text);
                } else if (strcmp(name, "role") == 0) {
                    snprintf(role, sizeof role, "%s", text);
                } else if (strcmp(name, "leader") == 0) {
                    snprintf(is_leader, sizeof is_leader, "%s", text);
                }
            }
            member = (unsigned)strtoul(id_text, NULL, 10);
            CLUSTER_ASSERT(&cl, member >= 1 && member <= cl.n_nodes,
                           "node %u: MEMBERS id '%s'", id, id_text);
            n = cluster_node(&cl, member);
            ck_assert_str_eq(raft, n->raft_address);
            ck_assert_str_eq(client, n->client_address);
            ck_assert_str_eq(zone, n->zone);
            ck_assert_str_eq(role, "voter");
            zone_seen[member - 1] = true;
            if (strcmp(is_leader, "1") == 0) {
                ck_assert_uint_eq(member, leader);
                n_leaders++;
            }
        }
        ck_assert_uint_eq(n_leaders, 1);
        for (unsigned z = 0; z < cl.n_nodes; z++) {
            CLUSTER_ASSERT(&cl, zone_seen[z], "node %u: zone of %u missing", id,
                           z + 1);
        }
        freeReplyObject(r);
        redisFree(c);
    }
}

END_TEST

START_TEST(info_raft_reports_roles)
{
    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        redisReply *r = cluster_command(&cl, id, "INFO raft");
        char role[32], leader_id[32], term[32];

        CLUSTER_ASSERT(&cl, r != NULL && r->type == REDIS_REPLY_STRING,
                       "node %u: INFO raft", id);
        ck_assert(cluster_info_field(r->str, "role", role, sizeof role));
        ck_assert_str_eq(role, id == leader ? "leader" : "follower");
        ck_assert(cluster_info_field(r->str, "leader_id", leader_id,
                                     sizeof leader_id));
        ck_assert_uint_eq(strtoul(leader_id, NULL, 10), leader);
        ck_assert(cluster_info_field(r->str, "term", term, sizeof term));
        ck_assert_uint_ge(strtoul(term, NULL, 10), 1);
        freeReplyObject(r);
    }
}

END_TEST

#define N_PIPELINED 1000

START_TEST(pipelined_replies_come_back_in_order)
{
    redisContext *c = cluster_connect(&cl, cluster_follower(&cl, leader));
    char key[32], value[32];

    for (unsigned i = 0; i < N_PIPELINED; i++) {
        snprintf(key, sizeof key, "p%u", i);
        snprintf(value, sizeof value, "v%u", i);
        redisAppendCommand(c, "SET %s %s", key, value);
    }
    for (unsigned i = 0; i < N_PIPELINED; i++) {
        redisReply *r = NULL;

        CLUSTER_ASSERT(&cl, redisGetReply(c, (void **)&r) == REDIS_OK,
                       "reply %u: %s", i, c->errstr);
        CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_STATUS,
                       "SET %u: type %d '%s'", i, r->type,
                       r->str != NULL ? r->str : "");
        freeReplyObject(r);
    }
    /* Reads after writes on the same connection see them, in order. */
    for (unsigned i = 0; i < N_PIPELINED; i++) {
        snprintf(key, sizeof key, "p%u", i);
        if (i % 2 == 0) {
            redisAppendCommand(c, "GET %s", key);
        } else {
            redisAppendCommand(c, "SET %s w%u", key, i);
            redisAppendCommand(c, "GET %s", key);
        }
    }
    for (unsigned i = 0; i < N_PIPELINED; i++) {
        redisReply *r = NULL;

        if (i % 2 == 1) {
            CLUSTER_ASSERT(&cl, redisGetReply(c, (void **)&r) == REDIS_OK, "%s",
                           c->errstr);
            ck_assert_int_eq(r->type, REDIS_REPLY_STATUS);
            freeReplyObject(r);
        }
        CLUSTER_ASSERT(&cl, redisGetReply(c, (void **)&r) == REDIS_OK, "%s",
                       c->errstr);
        snprintf(value, sizeof value, "%c%u", i % 2 == 0 ? 'v' : 'w', i);
        CLUSTER_ASSERT(
            &cl, r->type == REDIS_REPLY_STRING && strcmp(r->str, value) == 0,
            "GET p%u: type %d '%s', expected '%s'", i, r->type,
            r->str != NULL ? r->str : "", value);
        freeReplyObject(r);
    }
    redisFree(c);
}

END_TEST

#define N_CLIENTS 50

START_TEST(many_clients_at_once)
{
    redisContext *c[N_CLIENTS];
    char key[32];

    for (unsigned i = 0; i < N_CLIENTS; i++) {
        c[i] = cluster_connect(&cl, 1 + i % cl.n_nodes);
        for (unsigned j = 0; j < 10; j++) {
            redisAppendCommand(c[i], "SET client%u-%u %u", i, j, j);
        }
    }
    /* Everything is sent before any reply is read. */
    for (unsigned i = 0; i < N_CLIENTS; i++) {
        int done = 0;

        while (done == 0) {
            CLUSTER_ASSERT(&cl, redisBufferWrite(c[i], &done) == REDIS_OK,
                           "client %u: %s", i, c[i]->errstr);
        }
    }
    for (unsigned i = 0; i < N_CLIENTS; i++) {
        for (unsigned j = 0; j < 10; j++) {
            redisReply *r = NULL;

            CLUSTER_ASSERT(&cl, redisGetReply(c[i], (void **)&r) == REDIS_OK,
                           "client %u: %s", i, c[i]->errstr);
            CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_STATUS,
                           "client %u SET %u: type %d '%s'", i, j, r->type,
                           r->str != NULL ? r->str : "");
            freeReplyObject(r);
        }
    }
    for (unsigned i = 0; i < N_CLIENTS; i++) {
        snprintf(key, sizeof key, "client%u-9", (i + 7) % N_CLIENTS);
        redisReply *r = cluster_exec(&cl, c[i], "GET %s", key);

        ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
        ck_assert_str_eq(r->str, "9");
        freeReplyObject(r);
        redisFree(c[i]);
    }
    c[0] = cluster_connect(&cl, leader);
    ck_assert_int_eq(expect_int(c[0], "DBSIZE"), N_CLIENTS * 10);
    redisFree(c[0]);
}

END_TEST

static Suite *basic_suite(void)
{
    Suite *s = suite_create("basic");
    TCase *tc = tcase_create("three_nodes");

    tcase_set_timeout(tc, 90);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, set_through_follower_is_read_on_every_node);
    tcase_add_test(tc, readonly_reads_catch_up_on_every_node);
    tcase_add_test(tc, kv_commands_end_to_end);
    tcase_add_test(tc, revisions_follow_etcd_rules);
    tcase_add_test(tc, leader_and_members_agree_across_nodes);
    tcase_add_test(tc, info_raft_reports_roles);
    tcase_add_test(tc, pipelined_replies_come_back_in_order);
    tcase_add_test(tc, many_clients_at_once);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(basic_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

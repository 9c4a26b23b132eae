/* Transactions on three real nodes (proto/PROTOCOL.md §3.6): MULTI/EXEC is
 * applied atomically under one revision through the leader and through a
 * follower, WATCH makes EXEC fail when another client changed a watched key,
 * refused commands abort the EXEC, and transactions go on after the leader
 * is killed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <hiredis/hiredis.h>

#include "../lib/cluster.h"
#include "../lib/expect.h"
#include "../lib/wait.h"

#define LEADER_MS 10000
#define EXECABORT "EXECABORT Transaction discarded because of previous errors."

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

/* Element @i of an EXEC reply must be the status or bulk string @want. */
static void
expect_element(const redisReply *a, size_t i, int type, const char *want)
{
    const redisReply *e = a->element[i];

    CLUSTER_ASSERT(&cl, e->type == type && strcmp(expect_text(e), want) == 0,
                   "EXEC element %zu: type %d '%s', expected type %d '%s'", i,
                   e->type, expect_text(e), type, want);
}

static void expect_element_int(const redisReply *a, size_t i, long long want)
{
    const redisReply *e = a->element[i];

    CLUSTER_ASSERT(&cl, e->type == REDIS_REPLY_INTEGER && e->integer == want,
                   "EXEC element %zu: type %d %lld '%s', expected :%lld", i,
                   e->type, e->integer, expect_text(e), want);
}

/* EXEC must answer an array of @n replies; freeReplyObject() it. */
static redisReply *expect_exec_array(redisContext *ctx, size_t n)
{
    redisReply *r = cluster_exec(&cl, ctx, "EXEC");

    CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_ARRAY && r->elements == n,
                   "EXEC: type %d '%s' with %zu elements, expected an array "
                   "of %zu",
                   r->type, expect_text(r), r->elements, n);
    return r;
}

/* EXEC must answer the null array *-1 (a watched key changed). */
static void expect_exec_null(redisContext *ctx)
{
    redisReply *r = cluster_exec(&cl, ctx, "EXEC");

    CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_NIL,
                   "EXEC: type %d '%s' with %zu elements, expected *-1",
                   r->type, expect_text(r), r->elements);
    freeReplyObject(r);
}

struct rev {
    long long create, mod, version;
};

/* GETREV @key, which must exist. */
static struct rev getrev(redisContext *ctx, const char *key)
{
    redisReply *r = cluster_exec(&cl, ctx, "GETREV %s", key);
    struct rev rev;

    CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_ARRAY && r->elements == 4,
                   "GETREV %s: type %d '%s'", key, r->type, expect_text(r));
    rev.create = r->element[1]->integer;
    rev.mod = r->element[2]->integer;
    rev.version = r->element[3]->integer;
    freeReplyObject(r);
    return rev;
}

/* Some running node other than @a and @b (0 if none). */
static unsigned other_node(unsigned a, unsigned b)
{
    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        if (id != a && id != b && cluster_is_running(&cl, id)) {
            return id;
        }
    }
    return 0;
}

/* _i = 0: the transaction goes to the leader; 1: to a follower, which
 * relays EXEC as one TXN command. Nothing queued is visible before EXEC;
 * EXEC answers every command's reply in order, reads inside the transaction
 * see its earlier writes, and every write shares one revision. */
START_TEST(multi_exec_is_atomic_under_one_revision)
{
    unsigned via = _i == 0 ? leader : cluster_follower(&cl, leader);
    redisContext *t = cluster_connect(&cl, via);
    redisContext *o = cluster_connect(&cl, other_node(via, 0));
    struct rev b0, a, b, other;
    redisReply *r;

    expect_status(&cl, o, "OK", "SET b old");
    expect_status(&cl, o, "OK", "SET c doomed");
    b0 = getrev(o, "b");

    expect_status(&cl, t, "OK", "MULTI");
    expect_status(&cl, t, "QUEUED", "SET a 1");
    expect_status(&cl, t, "QUEUED", "SET b 2");
    expect_status(&cl, t, "QUEUED", "GET a");
    expect_status(&cl, t, "QUEUED", "CAS b 2 3");
    expect_status(&cl, t, "QUEUED", "CAS b 2 4");
    expect_status(&cl, t, "QUEUED", "DEL c nope");
    expect_status(&cl, t, "QUEUED", "EXISTS a b c");
    expect_status(&cl, t, "QUEUED", "MGET a b nope");
    expect_status(&cl, t, "QUEUED", "DBSIZE");
    expect_status(&cl, t, "QUEUED", "GETREV nope");
    expect_status(&cl, t, "QUEUED", "GETREV a");

    /* Queued, not applied: another client sees the old state. */
    expect_value(&cl, o, "a", NULL);
    expect_value(&cl, o, "b", "old");
    expect_value(&cl, o, "c", "doomed");
    ck_assert_int_eq(expect_int(&cl, o, "DBSIZE"), 2);

    r = expect_exec_array(t, 11);
    expect_element(r, 0, REDIS_REPLY_STATUS, "OK");
    expect_element(r, 1, REDIS_REPLY_STATUS, "OK");
    expect_element(r, 2, REDIS_REPLY_STRING, "1");
    expect_element_int(r, 3, 1);
    expect_element_int(r, 4, 0);
    expect_element_int(r, 5, 1);
    expect_element_int(r, 6, 2);
    ck_assert_int_eq(r->element[7]->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->element[7]->elements, 3);
    expect_element(r->element[7], 0, REDIS_REPLY_STRING, "1");
    expect_element(r->element[7], 1, REDIS_REPLY_STRING, "3");
    ck_assert_int_eq(r->element[7]->element[2]->type, REDIS_REPLY_NIL);
    expect_element_int(r, 8, 2);
    ck_assert_int_eq(r->element[9]->type, REDIS_REPLY_NIL);
    ck_assert_int_eq(r->element[10]->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->element[10]->elements, 4);
    expect_element(r->element[10], 0, REDIS_REPLY_STRING, "1");

    /* One revision for every write of the transaction, newer than any
     * before it, and GETREV inside the transaction already saw it. */
    a = getrev(o, "a");
    b = getrev(o, "b");
    ck_assert_int_eq(a.mod, b.mod);
    ck_assert_int_eq(a.create, a.mod);
    ck_assert_int_eq(a.version, 1);
    ck_assert_int_gt(b.mod, b0.mod);
    ck_assert_int_eq(b.create, b0.create);
    ck_assert_int_gt(b.version, b0.version);
    ck_assert_int_eq(r->element[10]->element[1]->integer, a.create);
    ck_assert_int_eq(r->element[10]->element[2]->integer, a.mod);
    freeReplyObject(r);

    r = cluster_exec(&cl, o, "MODREVS a b c");
    CLUSTER_ASSERT(&cl, r->type == REDIS_REPLY_ARRAY && r->elements == 3,
                   "MODREVS: type %d", r->type);
    expect_element_int(r, 0, a.mod);
    expect_element_int(r, 1, a.mod);
    expect_element_int(r, 2, 0);
    freeReplyObject(r);

    /* The next write is at a later revision. */
    expect_status(&cl, t, "OK", "SET other x");
    other = getrev(t, "other");
    ck_assert_int_gt(other.mod, a.mod);

    /* Every node applied the same thing at the same revision. */
    for (unsigned id = 1; id <= cl.n_nodes; id++) {
        redisContext *n = cluster_connect(&cl, id);
        struct rev same = getrev(n, "b");

        ck_assert_int_eq(same.mod, a.mod);
        expect_value(&cl, n, "b", "3");
        expect_value(&cl, n, "c", NULL);
        redisFree(n);
    }
    redisFree(o);
    redisFree(t);
}

END_TEST

/* Where the watching connection and the conflicting writer are. */
static void conflict_nodes(int i, unsigned *watcher, unsigned *writer)
{
    unsigned f1 = cluster_follower(&cl, leader);

    switch (i) {
    case 0: /* both on the leader */
        *watcher = leader;
        *writer = leader;
        break;
    case 1: /* watching on a follower, writing on the leader */
        *watcher = f1;
        *writer = leader;
        break;
    default: /* watching on a follower, writing through the other one */
        *watcher = f1;
        *writer = other_node(leader, f1);
        break;
    }
}

/* The classic optimistic pattern loses a race: A watches k and reads it,
 * B writes k, and A's EXEC answers *-1 with nothing applied. EXEC also
 * forgets the watched keys, so A's next transaction applies. */
START_TEST(watched_key_changed_elsewhere_fails_exec)
{
    unsigned watcher, writer;
    redisContext *a, *b;
    redisReply *r;

    conflict_nodes(_i, &watcher, &writer);
    a = cluster_connect(&cl, watcher);
    b = cluster_connect(&cl, writer);
    expect_status(&cl, b, "OK", "SET k 10");
    expect_status(&cl, b, "OK", "SET side 0");

    expect_status(&cl, a, "OK", "WATCH k unrelated");
    expect_value(&cl, a, "k", "10");
    expect_status(&cl, a, "OK", "MULTI");
    expect_status(&cl, a, "QUEUED", "SET k 11");
    expect_status(&cl, a, "QUEUED", "SET side 1");
    expect_status(&cl, b, "OK", "SET k 20");
    expect_exec_null(a);
    expect_value(&cl, a, "k", "20");
    expect_value(&cl, b, "side", "0");

    /* The watch is gone: the same transaction now applies. */
    expect_error(&cl, a, "ERR EXEC without MULTI", "EXEC");
    expect_status(&cl, a, "OK", "MULTI");
    expect_status(&cl, a, "QUEUED", "SET k 21");
    r = expect_exec_array(a, 1);
    expect_element(r, 0, REDIS_REPLY_STATUS, "OK");
    freeReplyObject(r);
    expect_value(&cl, b, "k", "21");

    /* A delete is a change too. */
    expect_status(&cl, a, "OK", "WATCH k");
    ck_assert_int_eq(expect_int(&cl, b, "DEL k"), 1);
    expect_status(&cl, a, "OK", "MULTI");
    expect_status(&cl, a, "QUEUED", "SET k back");
    expect_exec_null(a);
    expect_value(&cl, b, "k", NULL);

    /* So is creating a watched key that was absent. */
    expect_status(&cl, a, "OK", "WATCH k");
    expect_status(&cl, b, "OK", "SET k born");
    expect_status(&cl, a, "OK", "MULTI");
    expect_status(&cl, a, "QUEUED", "DEL k");
    expect_exec_null(a);
    expect_value(&cl, b, "k", "born");
    redisFree(b);
    redisFree(a);
}

END_TEST

/* WATCH without a conflicting write: EXEC applies, also when other keys
 * changed meanwhile, when the watched key is absent and stays so, and after
 * a failed CAS of the watched key (which changes nothing). */
START_TEST(watch_without_conflict_applies)
{
    unsigned follower = cluster_follower(&cl, leader);
    redisContext *a = cluster_connect(&cl, follower);
    redisContext *b = cluster_connect(&cl, leader);
    redisReply *r;

    expect_status(&cl, b, "OK", "SET counter 41");
    expect_status(&cl, a, "OK", "WATCH counter absent");
    expect_value(&cl, a, "counter", "41");
    expect_status(&cl, b, "OK", "SET unrelated x");
    ck_assert_int_eq(expect_int(&cl, b, "CAS counter nope 99"), 0);
    expect_status(&cl, a, "OK", "MULTI");
    expect_status(&cl, a, "QUEUED", "SET counter 42");
    expect_status(&cl, a, "QUEUED", "SET absent now");
    r = expect_exec_array(a, 2);
    expect_element(r, 0, REDIS_REPLY_STATUS, "OK");
    expect_element(r, 1, REDIS_REPLY_STATUS, "OK");
    freeReplyObject(r);
    expect_value(&cl, b, "counter", "42");
    expect_value(&cl, b, "absent", "now");

    /* UNWATCH forgets: a later conflicting write no longer matters. */
    expect_status(&cl, a, "OK", "WATCH counter");
    expect_status(&cl, a, "OK", "UNWATCH");
    expect_status(&cl, b, "OK", "SET counter 50");
    expect_status(&cl, a, "OK", "MULTI");
    expect_status(&cl, a, "QUEUED", "SET counter 51");
    r = expect_exec_array(a, 1);
    expect_element(r, 0, REDIS_REPLY_STATUS, "OK");
    freeReplyObject(r);
    expect_value(&cl, b, "counter", "51");
    redisFree(b);
    redisFree(a);
}

END_TEST

/* Read @n replies of a pipelined batch into @out. */
static void read_replies(redisContext *ctx, redisReply **out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        CLUSTER_ASSERT(&cl, redisGetReply(ctx, (void **)&out[i]) == REDIS_OK,
                       "reply %zu: %s", i, ctx->errstr);
    }
}

static void free_replies(redisReply **r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        freeReplyObject(r[i]);
    }
}

/* The whole optimistic pattern sent in one write, before any reply is read
 * (_i = 0 through the leader, 1 through a follower). WATCH's revisions are
 * known before the commands after it run, so a write on the same
 * connection between WATCH and EXEC fails the EXEC, as in Redis. */
START_TEST(pipelined_watch_multi_exec)
{
    unsigned via = _i == 0 ? leader : cluster_follower(&cl, leader);
    redisContext *c = cluster_connect(&cl, via);
    redisReply *r[8];

    expect_status(&cl, c, "OK", "SET p 1");
    redisAppendCommand(c, "WATCH p");
    redisAppendCommand(c, "GET p");
    redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "SET p 2");
    redisAppendCommand(c, "GET p");
    redisAppendCommand(c, "EXEC");
    redisAppendCommand(c, "GET p");
    read_replies(c, r, 7);
    ck_assert_int_eq(r[0]->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(r[0]->str, "OK");
    ck_assert_int_eq(r[1]->type, REDIS_REPLY_STRING);
    ck_assert_str_eq(r[1]->str, "1");
    ck_assert_int_eq(r[2]->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(r[2]->str, "OK");
    ck_assert_int_eq(r[3]->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(r[3]->str, "QUEUED");
    ck_assert_int_eq(r[4]->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(r[4]->str, "QUEUED");
    CLUSTER_ASSERT(&cl, r[5]->type == REDIS_REPLY_ARRAY && r[5]->elements == 2,
                   "EXEC: type %d '%s'", r[5]->type, expect_text(r[5]));
    ck_assert_str_eq(r[5]->element[0]->str, "OK");
    ck_assert_str_eq(r[5]->element[1]->str, "2");
    ck_assert_int_eq(r[6]->type, REDIS_REPLY_STRING);
    ck_assert_str_eq(r[6]->str, "2");
    free_replies(r, 7);

    /* Our own write after WATCH, in the same batch, is a change. */
    redisAppendCommand(c, "WATCH p");
    redisAppendCommand(c, "SET p mine");
    redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "SET p txn");
    redisAppendCommand(c, "EXEC");
    redisAppendCommand(c, "GET p");
    read_replies(c, r, 6);
    ck_assert_str_eq(r[0]->str, "OK");
    ck_assert_str_eq(r[1]->str, "OK");
    ck_assert_str_eq(r[2]->str, "OK");
    ck_assert_str_eq(r[3]->str, "QUEUED");
    CLUSTER_ASSERT(&cl, r[4]->type == REDIS_REPLY_NIL,
                   "EXEC after our own write: type %d '%s', expected *-1",
                   r[4]->type, expect_text(r[4]));
    ck_assert_int_eq(r[5]->type, REDIS_REPLY_STRING);
    ck_assert_str_eq(r[5]->str, "mine");
    free_replies(r, 6);

    /* Many pipelined transactions in a row, each watching the last. */
    for (unsigned i = 0; i < 8; i++) {
        redisAppendCommand(c, "WATCH p");
        redisAppendCommand(c, "MULTI");
        redisAppendCommand(c, "SET p t%u", i);
        redisAppendCommand(c, "EXEC");
    }
    for (unsigned i = 0; i < 8; i++) {
        read_replies(c, r, 4);
        CLUSTER_ASSERT(
            &cl, r[3]->type == REDIS_REPLY_ARRAY && r[3]->elements == 1,
            "EXEC %u: type %d '%s'", i, r[3]->type, expect_text(r[3]));
        free_replies(r, 4);
    }
    expect_value(&cl, c, "p", "t7");
    redisFree(c);
}

END_TEST

/* A command refused while queuing (not allowed, wrong arity, unknown)
 * dooms the transaction: EXEC answers -EXECABORT and applies nothing, not
 * even the commands queued fine; the connection leaves MULTI. */
START_TEST(refused_command_aborts_exec)
{
    redisContext *c = cluster_connect(&cl, cluster_follower(&cl, leader));
    redisContext *o = cluster_connect(&cl, leader);

    expect_status(&cl, c, "OK", "MULTI");
    expect_status(&cl, c, "QUEUED", "SET a 1");
    expect_error_prefix(&cl, c, "ERR", "KEYS *");
    expect_status(&cl, c, "QUEUED", "SET b 2");
    expect_error(&cl, c, EXECABORT, "EXEC");
    expect_value(&cl, o, "a", NULL);
    expect_value(&cl, o, "b", NULL);
    ck_assert_int_eq(expect_int(&cl, o, "DBSIZE"), 0);
    expect_error(&cl, c, "ERR EXEC without MULTI", "EXEC");

    expect_status(&cl, c, "OK", "MULTI");
    expect_status(&cl, c, "QUEUED", "SET a 1");
    expect_error(&cl, c, "ERR wrong number of arguments for 'set' command",
                 "SET b");
    expect_error(&cl, c, EXECABORT, "EXEC");

    expect_status(&cl, c, "OK", "MULTI");
    expect_error_prefix(&cl, c, "ERR", "NOSUCHCOMMAND x");
    expect_error_prefix(&cl, c, "ERR", "LEADER");
    expect_status(&cl, c, "QUEUED", "DEL a");
    expect_error(&cl, c, EXECABORT, "EXEC");

    /* Aborted means applied nowhere, and the connection works on. */
    ck_assert_int_eq(expect_int(&cl, o, "DBSIZE"), 0);
    expect_status(&cl, c, "OK", "SET a after");
    expect_value(&cl, o, "a", "after");
    redisFree(o);
    redisFree(c);
}

END_TEST

/* DISCARD drops the queued commands and the watched keys. */
START_TEST(discard_drops_queue_and_watches)
{
    redisContext *c = cluster_connect(&cl, leader);
    redisContext *o = cluster_connect(&cl, cluster_follower(&cl, leader));
    redisReply *r;

    expect_error(&cl, c, "ERR DISCARD without MULTI", "DISCARD");
    expect_status(&cl, c, "OK", "MULTI");
    expect_status(&cl, c, "QUEUED", "SET a 1");
    expect_status(&cl, c, "OK", "DISCARD");
    expect_error(&cl, c, "ERR EXEC without MULTI", "EXEC");
    expect_value(&cl, o, "a", NULL);

    /* After DISCARD a conflicting write no longer fails the next EXEC. */
    expect_status(&cl, c, "OK", "SET w 1");
    expect_status(&cl, c, "OK", "WATCH w");
    expect_status(&cl, c, "OK", "MULTI");
    expect_status(&cl, c, "OK", "DISCARD");
    expect_status(&cl, o, "OK", "SET w 2");
    expect_status(&cl, c, "OK", "MULTI");
    expect_status(&cl, c, "QUEUED", "SET w 3");
    r = expect_exec_array(c, 1);
    expect_element(r, 0, REDIS_REPLY_STATUS, "OK");
    freeReplyObject(r);
    expect_value(&cl, o, "w", "3");

    /* DISCARD also clears a doomed transaction. */
    expect_status(&cl, c, "OK", "MULTI");
    expect_error_prefix(&cl, c, "ERR", "KEYS *");
    expect_status(&cl, c, "OK", "DISCARD");
    expect_status(&cl, c, "OK", "MULTI");
    expect_status(&cl, c, "QUEUED", "SET a 2");
    r = expect_exec_array(c, 1);
    freeReplyObject(r);
    expect_value(&cl, o, "a", "2");
    redisFree(o);
    redisFree(c);
}

END_TEST

/* EXEC without MULTI, MULTI inside MULTI and WATCH inside MULTI are errors;
 * the last two leave the transaction open, as in Redis, and an empty
 * transaction answers an empty array. */
START_TEST(transaction_control_errors)
{
    redisContext *c = cluster_connect(&cl, cluster_follower(&cl, leader));
    redisReply *r;

    expect_error(&cl, c, "ERR EXEC without MULTI", "EXEC");
    expect_error(&cl, c, "ERR wrong number of arguments for 'watch' command",
                 "WATCH");

    expect_status(&cl, c, "OK", "MULTI");
    expect_error(&cl, c, "ERR MULTI calls can not be nested", "MULTI");
    expect_error(&cl, c, "ERR WATCH inside MULTI is not allowed", "WATCH x");
    expect_status(&cl, c, "QUEUED", "SET n 1");
    r = expect_exec_array(c, 1);
    expect_element(r, 0, REDIS_REPLY_STATUS, "OK");
    freeReplyObject(r);
    expect_value(&cl, c, "n", "1");

    expect_status(&cl, c, "OK", "MULTI");
    r = expect_exec_array(c, 0);
    freeReplyObject(r);
    expect_error(&cl, c, "ERR EXEC without MULTI", "EXEC");
    redisFree(c);
}

END_TEST

struct txn_try {
    unsigned id;
    const char *key;
};

/* One MULTI/SET/EXEC on a fresh connection to node @id, which may meet
 * -NOLEADER/-TRYAGAIN while an election settles. */
static bool txn_succeeds(void *arg)
{
    struct txn_try *t = arg;
    redisContext *c = cluster_connect(&cl, t->id);
    redisReply *r;
    bool ok;

    redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "SET %s after", t->key);
    redisAppendCommand(c, "EXEC");
    for (int i = 0; i < 2; i++) {
        r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK) {
            redisFree(c);
            return false;
        }
        freeReplyObject(r);
    }
    r = NULL;
    ok = redisGetReply(c, (void **)&r) == REDIS_OK &&
         r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
         r->element[0]->type == REDIS_REPLY_STATUS;
    if (r != NULL) {
        freeReplyObject(r);
    }
    redisFree(c);
    return ok;
}

/* kill -9 of the leader: a committed transaction survives whole, a
 * surviving node runs new transactions, and a WATCH taken before the
 * failover still holds (revisions are replicated state): it applies when
 * nothing changed and fails when another client changed the key. */
START_TEST(transactions_go_on_after_leader_kill)
{
    unsigned old = leader;
    unsigned f1 = cluster_follower(&cl, old);
    unsigned f2 = other_node(old, f1);
    unsigned fresh;
    redisContext *w = cluster_connect(&cl, f1);
    redisContext *v = cluster_connect(&cl, f2);
    redisContext *o;
    struct txn_try t = { .id = f2, .key = "after-failover" };
    struct rev x, y;
    redisReply *r;

    expect_status(&cl, w, "OK", "MULTI");
    expect_status(&cl, w, "QUEUED", "SET x 1");
    expect_status(&cl, w, "QUEUED", "SET y 1");
    r = expect_exec_array(w, 2);
    freeReplyObject(r);
    expect_status(&cl, w, "OK", "WATCH x");
    expect_status(&cl, v, "OK", "WATCH y");

    cluster_kill(&cl, old);
    fresh = cluster_leader(&cl, LEADER_MS);
    CLUSTER_ASSERT(&cl, fresh != 0 && fresh != old, "no new leader");
    CLUSTER_ASSERT(&cl, wait_until(txn_succeeds, &t, LEADER_MS),
                   "no MULTI/EXEC through node %u after the leader died", f2);
    t.id = f1;
    CLUSTER_ASSERT(&cl, wait_until(txn_succeeds, &t, LEADER_MS),
                   "no MULTI/EXEC through node %u after the leader died", f1);

    /* The transaction committed before the kill is whole. */
    o = cluster_connect(&cl, fresh);
    x = getrev(o, "x");
    y = getrev(o, "y");
    ck_assert_int_eq(x.mod, y.mod);
    expect_value(&cl, o, "after-failover", "after");

    /* x unchanged since WATCH: applies. y changed: fails. */
    expect_status(&cl, o, "OK", "SET y 2");
    expect_status(&cl, w, "OK", "MULTI");
    expect_status(&cl, w, "QUEUED", "SET x 2");
    r = expect_exec_array(w, 1);
    expect_element(r, 0, REDIS_REPLY_STATUS, "OK");
    freeReplyObject(r);
    expect_status(&cl, v, "OK", "MULTI");
    expect_status(&cl, v, "QUEUED", "SET y 3");
    expect_exec_null(v);
    expect_value(&cl, o, "x", "2");
    expect_value(&cl, o, "y", "2");

    /* And the optimistic pattern works on the new leader too. */
    expect_status(&cl, o, "OK", "WATCH x");
    expect_value(&cl, o, "x", "2");
    expect_status(&cl, o, "OK", "MULTI");
    expect_status(&cl, o, "QUEUED", "SET x 3");
    r = expect_exec_array(o, 1);
    freeReplyObject(r);
    expect_value(&cl, w, "x", "3");
    redisFree(o);
    redisFree(v);
    redisFree(w);
}

END_TEST

static Suite *txn_suite(void)
{
    Suite *s = suite_create("txn");
    TCase *tc = tcase_create("three_nodes");

    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, multi_exec_is_atomic_under_one_revision, 0, 2);
    tcase_add_loop_test(tc, watched_key_changed_elsewhere_fails_exec, 0, 3);
    tcase_add_test(tc, watch_without_conflict_applies);
    tcase_add_loop_test(tc, pipelined_watch_multi_exec, 0, 2);
    tcase_add_test(tc, refused_command_aborts_exec);
    tcase_add_test(tc, discard_drops_queue_and_watches);
    tcase_add_test(tc, transaction_control_errors);
    tcase_add_test(tc, transactions_go_on_after_leader_kill);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(txn_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

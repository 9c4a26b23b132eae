/* Unit tests for the replicated state machine (src/fsm/fsm.c). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fsm/entry.h"
#include "fsm/fsm.h"
#include "fsm/snapshot.h"
#include "lib/buf.h"
#include "lib/err.h"

#define MAX_ARGS 8

/* Add one command whose arguments are the @argc C strings that follow. */
static void add_cmd(struct entry_writer *w, uint8_t op, size_t argc, ...)
{
    struct slice argv[MAX_ARGS];
    va_list ap;

    if (argc > MAX_ARGS) {
        ck_abort_msg("add_cmd: %zu arguments", argc);
    }
    va_start(ap, argc);
    for (size_t i = 0; i < argc; i++) {
        argv[i].base = va_arg(ap, const char *);
        argv[i].len = strlen(argv[i].base);
    }
    va_end(ap);
    entry_writer_add(w, op, argc, argv);
}

/* Apply the single-command entry in @w (finished here) and return its reply
 * in @reply (reset first). */
static int apply_one(struct fsm *f, struct entry_writer *w, struct buf *reply)
{
    int rv;

    entry_writer_finish(w, 0);
    buf_reset(reply);
    rv = fsm_apply(f, w->buf.base, w->buf.len, reply, 1);
    entry_writer_close(w);
    return rv;
}

#define assert_reply(b, lit)                                 \
    do {                                                     \
        ck_assert_uint_eq((b)->len, sizeof(lit) - 1);        \
        ck_assert_mem_eq((b)->base, (lit), sizeof(lit) - 1); \
    } while (0)

struct fixture {
    struct fsm f;
    struct buf reply;
    struct entry_writer w;
};

static void fixture_init(struct fixture *x)
{
    fsm_init(&x->f);
    buf_init(&x->reply);
}

static void fixture_close(struct fixture *x)
{
    fsm_close(&x->f);
    buf_close(&x->reply);
}

static void set(struct fixture *x, const char *key, const char *value)
{
    entry_writer_init(&x->w, 1, 1);
    add_cmd(&x->w, ENTRY_OP_SET, 2, key, value);
    ck_assert_int_eq(apply_one(&x->f, &x->w, &x->reply), 0);
    assert_reply(&x->reply, "+OK\r\n");
}

START_TEST(set_replies_ok_and_stamps_a_new_revision)
{
    struct fixture x;
    const struct kv_entry *e;

    fixture_init(&x);
    ck_assert_uint_eq(x.f.revision, 0);
    set(&x, "a", "1");
    ck_assert_uint_eq(x.f.revision, 1);
    set(&x, "b", "2");
    set(&x, "a", "3");
    ck_assert_uint_eq(x.f.revision, 3);
    e = kv_get(x.f.kv, "a", 1);
    ck_assert_ptr_nonnull(e);
    ck_assert_mem_eq(e->value, "3", 1);
    ck_assert_uint_eq(e->create_rev, 1);
    ck_assert_uint_eq(e->mod_rev, 3);
    ck_assert_uint_eq(e->version, 2);
    ck_assert_uint_eq(kv_get(x.f.kv, "b", 1)->mod_rev, 2);
    fixture_close(&x);
}

END_TEST

START_TEST(del_of_several_keys_takes_one_revision)
{
    struct fixture x;

    fixture_init(&x);
    set(&x, "a", "1");
    set(&x, "b", "2");
    set(&x, "c", "3");
    entry_writer_init(&x.w, 1, 2);
    add_cmd(&x.w, ENTRY_OP_DEL, 4, "a", "missing", "b", "a");
    ck_assert_int_eq(apply_one(&x.f, &x.w, &x.reply), 0);
    assert_reply(&x.reply, ":2\r\n");
    ck_assert_uint_eq(x.f.revision, 4);
    ck_assert_ptr_null(kv_get(x.f.kv, "a", 1));
    ck_assert_ptr_null(kv_get(x.f.kv, "b", 1));
    ck_assert_uint_eq(kv_get(x.f.kv, "c", 1)->mod_rev, 3);
    ck_assert_uint_eq(kv_count(x.f.kv), 1);

    /* The next write gets the next revision: nothing was skipped. */
    set(&x, "d", "4");
    ck_assert_uint_eq(kv_get(x.f.kv, "d", 1)->create_rev, 5);
    fixture_close(&x);
}

END_TEST

START_TEST(del_that_removes_nothing_takes_no_revision)
{
    struct fixture x;

    fixture_init(&x);
    set(&x, "a", "1");
    entry_writer_init(&x.w, 1, 2);
    add_cmd(&x.w, ENTRY_OP_DEL, 2, "x", "y");
    ck_assert_int_eq(apply_one(&x.f, &x.w, &x.reply), 0);
    assert_reply(&x.reply, ":0\r\n");
    ck_assert_uint_eq(x.f.revision, 1);
    ck_assert_uint_eq(kv_count(x.f.kv), 1);
    fixture_close(&x);
}

END_TEST

static void
cas(struct fixture *x, const char *key, const char *expected, const char *value)
{
    entry_writer_init(&x->w, 1, 3);
    add_cmd(&x->w, ENTRY_OP_CAS, 3, key, expected, value);
    ck_assert_int_eq(apply_one(&x->f, &x->w, &x->reply), 0);
}

START_TEST(cas_with_matching_value_replaces)
{
    struct fixture x;
    const struct kv_entry *e;

    fixture_init(&x);
    set(&x, "k", "old");
    cas(&x, "k", "old", "new");
    assert_reply(&x.reply, ":1\r\n");
    ck_assert_uint_eq(x.f.revision, 2);
    e = kv_get(x.f.kv, "k", 1);
    ck_assert_uint_eq(e->value_len, 3);
    ck_assert_mem_eq(e->value, "new", 3);
    ck_assert_uint_eq(e->create_rev, 1);
    ck_assert_uint_eq(e->mod_rev, 2);
    ck_assert_uint_eq(e->version, 2);

    /* An empty value matches an empty expected value. */
    set(&x, "e", "");
    cas(&x, "e", "", "filled");
    assert_reply(&x.reply, ":1\r\n");
    ck_assert_uint_eq(x.f.revision, 4);
    fixture_close(&x);
}

END_TEST

START_TEST(cas_with_other_value_changes_nothing)
{
    static const char *const wrong[] = { "ol", "oldx", "OLD", "" };
    struct fixture x;
    const struct kv_entry *e;

    fixture_init(&x);
    set(&x, "k", "old");
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        cas(&x, "k", wrong[i], "new");
        assert_reply(&x.reply, ":0\r\n");
    }
    ck_assert_uint_eq(x.f.revision, 1);
    e = kv_get(x.f.kv, "k", 1);
    ck_assert_mem_eq(e->value, "old", 3);
    ck_assert_uint_eq(e->version, 1);
    fixture_close(&x);
}

END_TEST

START_TEST(cas_on_absent_key_changes_nothing)
{
    struct fixture x;

    fixture_init(&x);
    cas(&x, "nokey", "", "v");
    assert_reply(&x.reply, ":0\r\n");
    cas(&x, "nokey", "x", "v");
    assert_reply(&x.reply, ":0\r\n");
    ck_assert_uint_eq(x.f.revision, 0);
    ck_assert_ptr_null(kv_get(x.f.kv, "nokey", 5));
    ck_assert_uint_eq(kv_count(x.f.kv), 0);
    fixture_close(&x);
}

END_TEST

START_TEST(wrong_argc_replies_error_and_changes_nothing)
{
    static const struct {
        uint8_t op;
        size_t argc;
        const char *reply;
    } cases[] = {
        { ENTRY_OP_SET, 1,
          "-ERR wrong number of arguments for entry op 1\r\n" },
        { ENTRY_OP_SET, 3,
          "-ERR wrong number of arguments for entry op 1\r\n" },
        { ENTRY_OP_DEL, 0,
          "-ERR wrong number of arguments for entry op 2\r\n" },
        { ENTRY_OP_CAS, 2,
          "-ERR wrong number of arguments for entry op 3\r\n" },
        { ENTRY_OP_CAS, 4,
          "-ERR wrong number of arguments for entry op 3\r\n" },
        { ENTRY_OP_MEMBER, 2,
          "-ERR wrong number of arguments for entry op 4\r\n" },
        { ENTRY_OP_MEMBER, 4,
          "-ERR wrong number of arguments for entry op 4\r\n" },
    };
    static const struct slice args[4] = {
        { "k", 1 }, { "k", 1 }, { "k", 1 }, { "k", 1 }
    };
    struct fixture x;

    fixture_init(&x);
    set(&x, "k", "v");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        entry_writer_init(&x.w, 1, 9);
        entry_writer_add(&x.w, cases[i].op, cases[i].argc, args);
        ck_assert_int_eq(apply_one(&x.f, &x.w, &x.reply), 0);
        ck_assert_uint_eq(x.reply.len, strlen(cases[i].reply));
        ck_assert_mem_eq(x.reply.base, cases[i].reply, x.reply.len);
    }
    ck_assert_uint_eq(x.f.revision, 1);
    ck_assert_uint_eq(kv_count(x.f.kv), 1);
    ck_assert_mem_eq(kv_get(x.f.kv, "k", 1)->value, "v", 1);
    ck_assert_uint_eq(x.f.n_members, 0);
    fixture_close(&x);
}

END_TEST

/* One entry, four commands: replies go to their own buffers, appended. */
static void build_batch(struct entry_writer *w)
{
    entry_writer_init(w, 2, 40);
    add_cmd(w, ENTRY_OP_SET, 2, "a", "1");
    add_cmd(w, ENTRY_OP_SET, 2, "b", "2");
    add_cmd(w, ENTRY_OP_DEL, 2, "a", "zz");
    add_cmd(w, ENTRY_OP_CAS, 3, "b", "2", "3");
    entry_writer_finish(w, 0);
}

START_TEST(batch_replies_go_to_their_buffers)
{
    struct fsm f;
    struct entry_writer w;
    struct buf replies[4];

    fsm_init(&f);
    for (size_t i = 0; i < 4; i++) {
        buf_init(&replies[i]);
    }
    buf_append_str(&replies[0], "earlier;");
    build_batch(&w);
    ck_assert_int_eq(fsm_apply(&f, w.buf.base, w.buf.len, replies, 4), 0);
    assert_reply(&replies[0], "earlier;+OK\r\n");
    assert_reply(&replies[1], "+OK\r\n");
    assert_reply(&replies[2], ":1\r\n");
    assert_reply(&replies[3], ":1\r\n");
    ck_assert_uint_eq(f.revision, 4);
    for (size_t i = 0; i < 4; i++) {
        buf_close(&replies[i]);
    }
    entry_writer_close(&w);
    fsm_close(&f);
}

END_TEST

START_TEST(missing_reply_buffers_still_apply)
{
    struct fsm with;
    struct fsm without;
    struct fsm fewer;
    struct entry_writer w;
    struct buf replies[2];
    struct buf snap_with;
    struct buf snap_without;
    struct buf snap_fewer;

    fsm_init(&with);
    fsm_init(&without);
    fsm_init(&fewer);
    buf_init(&replies[0]);
    buf_init(&replies[1]);
    buf_init(&snap_with);
    buf_init(&snap_without);
    buf_init(&snap_fewer);
    build_batch(&w);

    ck_assert_int_eq(fsm_apply(&without, w.buf.base, w.buf.len, NULL, 0), 0);
    /* n_replies is ignored when replies is NULL. */
    ck_assert_int_eq(fsm_apply(&with, w.buf.base, w.buf.len, NULL, 7), 0);
    ck_assert_int_eq(fsm_apply(&fewer, w.buf.base, w.buf.len, replies, 2), 0);
    assert_reply(&replies[0], "+OK\r\n");
    assert_reply(&replies[1], "+OK\r\n");
    ck_assert_uint_eq(without.revision, 4);
    ck_assert_mem_eq(kv_get(without.kv, "b", 1)->value, "3", 1);

    snapshot_encode(&with, &snap_with);
    snapshot_encode(&without, &snap_without);
    snapshot_encode(&fewer, &snap_fewer);
    ck_assert_uint_eq(snap_with.len, snap_without.len);
    ck_assert_mem_eq(snap_with.base, snap_without.base, snap_with.len);
    ck_assert_uint_eq(snap_fewer.len, snap_without.len);
    ck_assert_mem_eq(snap_fewer.base, snap_without.base, snap_fewer.len);

    buf_close(&snap_with);
    buf_close(&snap_without);
    buf_close(&snap_fewer);
    buf_close(&replies[0]);
    buf_close(&replies[1]);
    entry_writer_close(&w);
    fsm_close(&with);
    fsm_close(&without);
    fsm_close(&fewer);
}

END_TEST

/* A bad entry applies nothing, not even the valid commands before the bad
 * part, and writes no reply. */
START_TEST(corrupt_entry_changes_nothing)
{
    struct fixture x;
    struct buf replies[3];
    size_t op_at;
    size_t end;

    fixture_init(&x);
    for (size_t i = 0; i < 3; i++) {
        buf_init(&replies[i]);
    }
    set(&x, "keep", "me");

    /* Valid SET, then an unknown op. */
    entry_writer_init(&x.w, 1, 5);
    add_cmd(&x.w, ENTRY_OP_SET, 2, "a", "1");
    op_at = x.w.buf.len;
    add_cmd(&x.w, 99, 1, "a");
    end = x.w.buf.len;
    entry_writer_finish(&x.w, 0);
    ck_assert_uint_lt(end, x.w.buf.len); /* there is padding to corrupt */
    ck_assert_int_eq(fsm_apply(&x.f, x.w.buf.base, x.w.buf.len, replies, 3),
                     SK_ECORRUPT);

    /* The same with a good second command, cut short by one byte. */
    x.w.buf.base[op_at] = ENTRY_OP_DEL;
    ck_assert_int_eq(fsm_apply(&x.f, x.w.buf.base, end - 1, replies, 3),
                     SK_ECORRUPT);

    /* And with a non-zero byte after the last command. */
    x.w.buf.base[end] = 1;
    ck_assert_int_eq(fsm_apply(&x.f, x.w.buf.base, x.w.buf.len, replies, 3),
                     SK_ECORRUPT);
    x.w.buf.base[end] = 0;

    ck_assert_uint_eq(x.f.revision, 1);
    ck_assert_uint_eq(kv_count(x.f.kv), 1);
    ck_assert_ptr_null(kv_get(x.f.kv, "a", 1));
    for (size_t i = 0; i < 3; i++) {
        ck_assert_uint_eq(replies[i].len, 0);
        buf_close(&replies[i]);
    }

    /* Restored, the entry applies: it was otherwise well formed. */
    ck_assert_int_eq(fsm_apply(&x.f, x.w.buf.base, x.w.buf.len, NULL, 0), 0);
    ck_assert_uint_eq(x.f.revision, 3);
    ck_assert_ptr_null(kv_get(x.f.kv, "a", 1));
    entry_writer_close(&x.w);
    fixture_close(&x);
}

END_TEST

static void
member(struct fixture *x, const char *id, const char *addr, const char *zone)
{
    entry_writer_init(&x->w, 1, 6);
    add_cmd(&x->w, ENTRY_OP_MEMBER, 3, id, addr, zone);
    ck_assert_int_eq(apply_one(&x->f, &x->w, &x->reply), 0);
}

START_TEST(member_upserts_sorted_without_a_revision)
{
    struct fixture x;
    const struct fsm_member *m;

    fixture_init(&x);
    member(&x, "3", "10.0.0.3:6379", "zone-c");
    assert_reply(&x.reply, "+OK\r\n");
    member(&x, "1", "10.0.0.1:6379", "zone-a");
    member(&x, "2", "10.0.0.2:6379", "zone-b");
    member(&x, "18446744073709551615", "[::1]:1", "");
    member(&x, "1", "10.9.9.1:7000", "zone-z");
    assert_reply(&x.reply, "+OK\r\n");

    ck_assert_uint_eq(x.f.revision, 0);
    ck_assert_uint_eq(x.f.n_members, 4);
    ck_assert_uint_eq(x.f.members[0].id, 1);
    ck_assert_uint_eq(x.f.members[1].id, 2);
    ck_assert_uint_eq(x.f.members[2].id, 3);
    ck_assert_uint_eq(x.f.members[3].id, UINT64_MAX);
    m = fsm_member_get(&x.f, 1);
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(m->client_address, "10.9.9.1:7000");
    ck_assert_str_eq(m->zone, "zone-z");
    ck_assert_str_eq(fsm_member_get(&x.f, 3)->zone, "zone-c");
    ck_assert_ptr_null(fsm_member_get(&x.f, 4));
    ck_assert_ptr_null(fsm_member_get(&x.f, 0));
    fixture_close(&x);
}

END_TEST

START_TEST(member_with_bad_id_is_refused)
{
    static const char *const bad[] = {
        "",
        "0",
        "-1",
        "+1",
        "1a",
        " 1",
        "18446744073709551616",
        "99999999999999999999",
    };
    struct fixture x;

    fixture_init(&x);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        member(&x, bad[i], "addr", "zone");
        ck_assert_uint_gt(x.reply.len, 1);
        ck_assert_int_eq(x.reply.base[0], '-');
    }
    ck_assert_uint_eq(x.f.n_members, 0);
    fixture_close(&x);
}

END_TEST

START_TEST(member_with_nul_in_address_is_refused)
{
    static const struct slice args[] = { { "5", 1 },
                                         { "a\0b", 3 },
                                         { "z", 1 } };
    struct fixture x;

    fixture_init(&x);
    entry_writer_init(&x.w, 1, 6);
    entry_writer_add(&x.w, ENTRY_OP_MEMBER, 3, args);
    ck_assert_int_eq(apply_one(&x.f, &x.w, &x.reply), 0);
    ck_assert_int_eq(x.reply.base[0], '-');
    ck_assert_uint_eq(x.f.n_members, 0);
    fixture_close(&x);
}

END_TEST

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Append @n random commands over a small key space to @w. */
static void add_random_cmds(struct entry_writer *w, size_t n)
{
    static const char *const keys[] = { "a", "b", "c", "ab", "", "\xff" };
    static const char *const values[] = { "x", "y", "", "zz" };
    static const char *const ids[] = { "1", "2", "3" };

    for (size_t i = 0; i < n; i++) {
        const char *k = keys[rng_next() % 6];
        const char *k2 = keys[rng_next() % 6];
        const char *v = values[rng_next() % 4];
        const char *v2 = values[rng_next() % 4];

        switch (rng_next() % 5) {
        case 0:
        case 1:
            add_cmd(w, ENTRY_OP_SET, 2, k, v);
            break;
        case 2:
            add_cmd(w, ENTRY_OP_DEL, 2, k, k2);
            break;
        case 3:
            add_cmd(w, ENTRY_OP_CAS, 3, k, v, v2);
            break;
        default:
            add_cmd(w, ENTRY_OP_MEMBER, 3, ids[rng_next() % 3], v, v2);
            break;
        }
    }
}

/* Two state machines fed the same entries end byte-for-byte identical, and
 * so does a third fed the same commands in batches of a different size. */
START_TEST(same_entries_give_identical_state)
{
    struct fsm a;
    struct fsm b;
    struct fsm c;
    struct buf snap_a;
    struct buf snap_b;
    struct buf snap_c;
    struct buf replies[5];

    fsm_init(&a);
    fsm_init(&b);
    fsm_init(&c);
    buf_init(&snap_a);
    buf_init(&snap_b);
    buf_init(&snap_c);
    for (size_t i = 0; i < 5; i++) {
        buf_init(&replies[i]);
    }

    rng_state = 0x0123456789abcdefULL;
    for (uint64_t batch = 0; batch < 400; batch++) {
        struct entry_writer w;

        entry_writer_init(&w, 1, batch);
        add_random_cmds(&w, 5);
        entry_writer_finish(&w, 0);
        if (fsm_apply(&a, w.buf.base, w.buf.len, replies, 5) != 0 ||
            fsm_apply(&b, w.buf.base, w.buf.len, NULL, 0) != 0) {
            ck_abort_msg("batch %" PRIu64 " refused", batch);
        }
        entry_writer_close(&w);
    }
    rng_state = 0x0123456789abcdefULL;
    for (uint64_t batch = 0; batch < 1000; batch++) {
        struct entry_writer w;

        entry_writer_init(&w, 2, batch);
        add_random_cmds(&w, 2);
        entry_writer_finish(&w, 0);
        if (fsm_apply(&c, w.buf.base, w.buf.len, NULL, 0) != 0) {
            ck_abort_msg("batch %" PRIu64 " refused", batch);
        }
        entry_writer_close(&w);
    }

    ck_assert_uint_gt(a.revision, 500);
    ck_assert_uint_gt(kv_count(a.kv), 0);
    ck_assert_uint_eq(a.n_members, 3);
    snapshot_encode(&a, &snap_a);
    snapshot_encode(&b, &snap_b);
    snapshot_encode(&c, &snap_c);
    ck_assert_uint_eq(snap_a.len, snap_b.len);
    ck_assert_mem_eq(snap_a.base, snap_b.base, snap_a.len);
    ck_assert_uint_eq(snap_a.len, snap_c.len);
    ck_assert_mem_eq(snap_a.base, snap_c.base, snap_a.len);

    for (size_t i = 0; i < 5; i++) {
        buf_close(&replies[i]);
    }
    buf_close(&snap_a);
    buf_close(&snap_b);
    buf_close(&snap_c);
    fsm_close(&a);
    fsm_close(&b);
    fsm_close(&c);
}

END_TEST

static Suite *fsm_suite(void)
{
    Suite *s = suite_create("fsm");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, set_replies_ok_and_stamps_a_new_revision);
    tcase_add_test(tc, del_of_several_keys_takes_one_revision);
    tcase_add_test(tc, del_that_removes_nothing_takes_no_revision);
    tcase_add_test(tc, cas_with_matching_value_replaces);
    tcase_add_test(tc, cas_with_other_value_changes_nothing);
    tcase_add_test(tc, cas_on_absent_key_changes_nothing);
    tcase_add_test(tc, wrong_argc_replies_error_and_changes_nothing);
    tcase_add_test(tc, batch_replies_go_to_their_buffers);
    tcase_add_test(tc, missing_reply_buffers_still_apply);
    tcase_add_test(tc, corrupt_entry_changes_nothing);
    tcase_add_test(tc, member_upserts_sorted_without_a_revision);
    tcase_add_test(tc, member_with_bad_id_is_refused);
    tcase_add_test(tc, member_with_nul_in_address_is_refused);
    tcase_add_test(tc, same_entries_give_identical_state);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fsm_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

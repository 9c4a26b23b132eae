/* Unit tests for the RESP2 reply writers and reply_scan(). */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "resp/reply.h"

struct bytes {
    const char *p;
    size_t len;
};

#define B(s)                           \
    {                                  \
        .p = (s), .len = sizeof(s) - 1 \
    }

static void assert_buf(const struct buf *b, struct bytes want)
{
    ck_assert_uint_eq(b->len, want.len);
    ck_assert_mem_eq(b->base, want.p, want.len);
}

START_TEST(writers_produce_exact_bytes)
{
    static const struct bytes want = B("+OK\r\n"
                                       "+PONG\r\n"
                                       ":0\r\n"
                                       ":-5\r\n"
                                       ":9223372036854775807\r\n"
                                       ":-9223372036854775808\r\n"
                                       "$3\r\nabc\r\n"
                                       "$0\r\n\r\n"
                                       "$5\r\na\r\n\0b\r\n"
                                       "$5\r\nhello\r\n"
                                       "$1\r\n0\r\n"
                                       "$20\r\n18446744073709551615\r\n"
                                       "$-1\r\n"
                                       "*-1\r\n"
                                       "*0\r\n"
                                       "*3\r\n");
    struct buf b;

    buf_init(&b);
    reply_ok(&b);
    reply_simple(&b, "PONG");
    reply_int(&b, 0);
    reply_int(&b, -5);
    reply_int(&b, LLONG_MAX);
    reply_int(&b, LLONG_MIN);
    reply_bulk(&b, "abc", 3);
    reply_bulk(&b, "", 0);
    reply_bulk(&b, "a\r\n\0b", 5);
    reply_bulk_str(&b, "hello");
    reply_bulk_u64(&b, 0);
    reply_bulk_u64(&b, UINT64_MAX);
    reply_null(&b);
    reply_null_array(&b);
    reply_array(&b, 0);
    reply_array(&b, 3);
    assert_buf(&b, want);
    buf_close(&b);
}

END_TEST

START_TEST(error_replies)
{
    struct buf b;

    buf_init(&b);
    reply_error(&b, "ERR", "wrong number of arguments for '%s' command", "set");
    assert_buf(&b, (struct bytes)B(
                       "-ERR wrong number of arguments for 'set' command\r\n"));
    buf_reset(&b);
    /* CR and LF in the message must not end the line early. */
    reply_error(&b, "ERR", "bad %s", "a\r\nb\nc\r");
    assert_buf(&b, (struct bytes)B("-ERR bad a  b c \r\n"));
    buf_reset(&b);
    reply_error(&b, "", "%d", 7);
    assert_buf(&b, (struct bytes)B("-7\r\n"));
    buf_reset(&b);
    reply_errcode(&b, SK_ENOTLEADER);
    assert_buf(&b,
               (struct bytes)B("-NOTLEADER this node is not the leader\r\n"));
    buf_reset(&b);
    reply_errcode(&b, SK_EPROTO);
    assert_buf(&b, (struct bytes)B("-ERR Protocol error\r\n"));
    buf_reset(&b);
    /* The contract forbids CR/LF in simple strings; they are neutralised
     * anyway so a mistake cannot desynchronise the client. */
    reply_simple(&b, "a\r\nb");
    assert_buf(&b, (struct bytes)B("+a  b\r\n"));
    buf_close(&b);
}

END_TEST

/* A big bulk reply spans several buffer growths. */
START_TEST(bulk_reply_large)
{
    enum {
        N = 100000
    };

    char *data = malloc(N);
    struct buf b;
    size_t consumed = 0;

    ck_assert_ptr_nonnull(data);
    memset(data, 'x', N);
    buf_init(&b);
    reply_bulk(&b, data, N);
    ck_assert_uint_eq(b.len, N + 11);
    ck_assert_mem_eq(b.base, "$100000\r\n", 9);
    ck_assert_mem_eq(b.base + 9, data, N);
    ck_assert_mem_eq(b.base + 9 + N, "\r\n", 2);
    ck_assert_int_eq(reply_scan(b.base, b.len, 1, &consumed), REPLY_DONE);
    ck_assert_uint_eq(consumed, b.len);
    buf_close(&b);
    free(data);
}

END_TEST

static const struct bytes good_replies[] = {
    B("+OK\r\n"),
    B("+\r\n"),
    B("-ERR unknown command 'foo'\r\n"),
    B(":0\r\n"),
    B(":-42\r\n"),
    B(":9223372036854775807\r\n"),
    B("$3\r\nabc\r\n"),
    B("$0\r\n\r\n"),
    B("$4\r\n\r\n\r\n\r\n"),
    B("$3\r\n\0\0\0\r\n"),
    B("$-1\r\n"),
    B("*-1\r\n"),
    B("*0\r\n"),
    B("*2\r\n$1\r\na\r\n:1\r\n"),
    B("*3\r\n*2\r\n+a\r\n-b\r\n*0\r\n$-1\r\n"),
    B("*2\r\n*1\r\n*1\r\n:1\r\n*-1\r\n"),
    B("*1\r\n*1\r\n*1\r\n*1\r\n$2\r\nhi\r\n"),
};

#define N_GOOD (sizeof good_replies / sizeof good_replies[0])

static char *copy_exact(const char *p, size_t len)
{
    char *q = malloc(len ? len : 1);

    ck_assert_ptr_nonnull(q);
    if (len > 0) {
        memcpy(q, p, len);
    }
    return q;
}

/* Whole, the reply is found; followed by more bytes, only the reply is
 * consumed; cut short anywhere, it is REPLY_MORE. */
START_TEST(scan_complete_replies)
{
    struct bytes r = good_replies[_i];
    char *whole = copy_exact(r.p, r.len);
    char *longer = malloc(r.len + 6);
    size_t consumed = 0;

    ck_assert_ptr_nonnull(longer);
    ck_assert_int_eq(reply_scan(whole, r.len, 8, &consumed), REPLY_DONE);
    ck_assert_uint_eq(consumed, r.len);

    memcpy(longer, r.p, r.len);
    memcpy(longer + r.len, "+NEXT\r", 6);
    consumed = 0;
    ck_assert_int_eq(reply_scan(longer, r.len + 6, 8, &consumed), REPLY_DONE);
    ck_assert_uint_eq(consumed, r.len);

    for (size_t cut = 0; cut < r.len; cut++) {
        char *part = copy_exact(r.p, cut);

        consumed = 12345;
        ck_assert_int_eq(reply_scan(part, cut, 8, &consumed), REPLY_MORE);
        ck_assert_uint_eq(consumed, 12345);
        free(part);
    }
    free(longer);
    free(whole);
}

END_TEST

struct bad_reply {
    struct bytes wire;
    size_t max_depth;
};

static const struct bad_reply bad_replies[] = {
    { B("?x\r\n"), 8 },
    { B("OK\r\n"), 8 },
    { B("\r\n"), 8 },
    { B("+a\rb\r\n"), 8 },
    { B("+a\nb\r\n"), 8 },
    { B(":12a\r\n"), 8 },
    { B(":\r\n"), 8 },
    { B(":-\r\n"), 8 },
    { B(":99999999999999999999\r\n"), 8 },
    { B(":123456789012345678901234567890123456"), 8 },
    { B("$-2\r\n"), 8 },
    { B("$x\r\n"), 8 },
    { B("$3\r\nabcd\r\n"), 8 },
    { B("$3\r\nab\r\n\r\n"), 8 },
    { B("*-2\r\n"), 8 },
    { B("*1\r\n!\r\n"), 8 },
    { B("*2\r\n:1\r\nxyz\r\n"), 8 },
    { B("*1\r\n*1\r\n*1\r\n:1\r\n"), 2 },
    { B("*0\r\n"), 0 },
};

#define N_BAD (sizeof bad_replies / sizeof bad_replies[0])

/* Garbage gives SK_EPROTO when whole; cut short it is MORE or the same
 * error, never a reply. */
START_TEST(scan_garbage)
{
    const struct bad_reply *c = &bad_replies[_i];

    for (size_t n = 1; n <= c->wire.len; n++) {
        char *part = copy_exact(c->wire.p, n);
        size_t consumed = 0;
        int rv = reply_scan(part, n, c->max_depth, &consumed);

        if (n == c->wire.len) {
            ck_assert_int_eq(rv, SK_EPROTO);
        } else {
            ck_assert_msg(rv == REPLY_MORE || rv == SK_EPROTO,
                          "case %d cut %zu: rv %d", _i, n, rv);
        }
        free(part);
    }
}

END_TEST

START_TEST(scan_depth_limit)
{
    static const char three[] = "*1\r\n*1\r\n*1\r\n:1\r\n";
    size_t consumed = 0;

    ck_assert_int_eq(reply_scan(three, sizeof three - 1, 2, &consumed),
                     SK_EPROTO);
    ck_assert_int_eq(reply_scan(three, sizeof three - 1, 3, &consumed),
                     REPLY_DONE);
    ck_assert_uint_eq(consumed, sizeof three - 1);
    /* Scalars need no depth at all. */
    ck_assert_int_eq(reply_scan(":1\r\n", 4, 0, &consumed), REPLY_DONE);
    ck_assert_uint_eq(consumed, 4);
}

END_TEST

/* Nesting deeper than the scanner's on-stack levels, when allowed. */
START_TEST(scan_deep_nesting)
{
    enum {
        DEPTH = 200
    };
    struct buf b;
    size_t consumed = 0;

    buf_init(&b);
    for (int i = 0; i < DEPTH; i++) {
        reply_array(&b, 2);
        reply_int(&b, i);
    }
    reply_null(&b);
    ck_assert_int_eq(reply_scan(b.base, b.len, DEPTH, &consumed), REPLY_DONE);
    ck_assert_uint_eq(consumed, b.len);
    ck_assert_int_eq(reply_scan(b.base, b.len, DEPTH - 1, &consumed),
                     SK_EPROTO);
    ck_assert_int_eq(reply_scan(b.base, b.len - 1, DEPTH, &consumed),
                     REPLY_MORE);
    buf_close(&b);
}

END_TEST

/* Replies written by the writers are scanned back one by one. */
START_TEST(scan_writer_output)
{
    struct buf b;
    size_t off = 0;
    size_t n = 0;
    size_t consumed = 0;

    buf_init(&b);
    reply_ok(&b);
    reply_array(&b, 3);
    reply_bulk_str(&b, "k");
    reply_bulk(&b, "v\r\n", 3);
    reply_bulk_u64(&b, 7);
    reply_error(&b, "ERR", "x");
    reply_null(&b);
    reply_null_array(&b);
    reply_int(&b, -1);
    while (off < b.len) {
        ck_assert_int_eq(reply_scan(b.base + off, b.len - off, 4, &consumed),
                         REPLY_DONE);
        off += consumed;
        n++;
    }
    ck_assert_uint_eq(off, b.len);
    ck_assert_uint_eq(n, 6);
    buf_close(&b);
}

END_TEST

static Suite *reply_suite(void)
{
    Suite *s = suite_create("reply");
    TCase *tc = tcase_create("reply");

    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, writers_produce_exact_bytes);
    tcase_add_test(tc, error_replies);
    tcase_add_test(tc, bulk_reply_large);
    tcase_add_loop_test(tc, scan_complete_replies, 0, (int)N_GOOD);
    tcase_add_loop_test(tc, scan_garbage, 0, (int)N_BAD);
    tcase_add_test(tc, scan_depth_limit);
    tcase_add_test(tc, scan_deep_nesting);
    tcase_add_test(tc, scan_writer_output);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(reply_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

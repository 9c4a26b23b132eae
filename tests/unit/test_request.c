/* Unit tests for the RESP2 request parser: framing, splitting, pipelining,
 * inline quoting, limits and every protocol error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/err.h"
#include "resp/request.h"

/* A byte string with its length, so samples may hold NUL. */
struct bytes {
    const char *p;
    size_t len;
};

#define B(s)                           \
    {                                  \
        .p = (s), .len = sizeof(s) - 1 \
    }

#define MAX_ARGS 6

struct sample {
    struct bytes wire;
    int is_inline;
    size_t argc;
    struct bytes argv[MAX_ARGS];
};

static const struct request_limits roomy_limits = {
    .max_argc = 1024,
    .max_bulk_bytes = 1 << 20,
    .max_inline_bytes = 1024,
};

static const struct request_limits tight_limits = {
    .max_argc = 4,
    .max_bulk_bytes = 16,
    .max_inline_bytes = 32,
};

static const struct sample samples[] = {
    { B("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv1\r\n"),
      0,
      3,
      { B("SET"), B("k"), B("v1") } },
    { B("*1\r\n$4\r\nPING\r\n"), 0, 1, { B("PING") } },
    { B("*2\r\n$3\r\nGET\r\n$0\r\n\r\n"), 0, 2, { B("GET"), B("") } },
    /* Binary-safe: CR, LF and NUL inside arguments. */
    { B("*3\r\n$4\r\nECHO\r\n$5\r\n\r\n\0\r\n\r\n$3\r\n\0\0\0\r\n"),
      0,
      3,
      { B("ECHO"), B("\r\n\0\r\n"), B("\0\0\0") } },
    { B("*2\r\n$4\r\nECHO\r\n$12\r\nhello world!\r\n"),
      0,
      2,
      { B("ECHO"), B("hello world!") } },
    { B("*0\r\n"), 0, 0, { { NULL, 0 } } },
    { B("*-1\r\n"), 0, 0, { { NULL, 0 } } },
    { B("PING\r\n"), 1, 1, { B("PING") } },
    { B("SET k v\n"), 1, 3, { B("SET"), B("k"), B("v") } },
    { B("  set \t a\tb  \r\n"), 1, 3, { B("set"), B("a"), B("b") } },
    { B("\r\n"), 1, 0, { { NULL, 0 } } },
    { B("\n"), 1, 0, { { NULL, 0 } } },
    { B("SET \"a b\" 'c d'\r\n"), 1, 3, { B("SET"), B("a b"), B("c d") } },
    { B("SET \"\\x41\\x7a\\n\\r\\t\\\"\\\\\" x\r\n"),
      1,
      3,
      { B("SET"), B("Az\n\r\t\"\\"), B("x") } },
    { B("ECHO 'it\\'s' \"\"\r\n"), 1, 3, { B("ECHO"), B("it's"), B("") } },
    { B("ECHO foo\"bar\"\r\n"), 1, 2, { B("ECHO"), B("foobar") } },
    { B("ECHO \"\\xZZ\"\r\n"), 1, 2, { B("ECHO"), B("xZZ") } },
    { B("ECHO a\0b\r\n"), 1, 2, { B("ECHO"), B("a\0b") } },
    { B("ECHO a\rb\r\n"), 1, 3, { B("ECHO"), B("a"), B("b") } },
};

#define N_SAMPLES (sizeof samples / sizeof samples[0])

/* A heap copy of exactly @len bytes, so reading past the end is caught. */
static char *copy_exact(const char *p, size_t len)
{
    char *q = malloc(len ? len : 1);

    ck_assert_ptr_nonnull(q);
    if (len > 0) {
        memcpy(q, p, len);
    }
    return q;
}

static void assert_sample(const struct request *r, const struct sample *s)
{
    ck_assert_uint_eq(r->consumed, s->wire.len);
    ck_assert_int_eq(r->is_inline, s->is_inline);
    ck_assert_uint_eq(r->argc, s->argc);
    for (size_t i = 0; i < s->argc; i++) {
        ck_assert_uint_eq(r->argv[i].len, s->argv[i].len);
        if (s->argv[i].len > 0) {
            ck_assert_mem_eq(r->argv[i].base, s->argv[i].p, s->argv[i].len);
        }
    }
}

START_TEST(sample_parses_whole)
{
    const struct sample *s = &samples[_i];
    char *wire = copy_exact(s->wire.p, s->wire.len);
    struct request r;

    request_init(&r, &roomy_limits);
    ck_assert_int_eq(request_parse(&r, wire, s->wire.len), REQUEST_DONE);
    assert_sample(&r, s);
    request_close(&r);
    free(wire);
}

END_TEST

/* Cut in two at any byte, with the second read in a different buffer (it may
 * have moved), the request parses exactly as if sent whole. */
START_TEST(sample_split_at_every_byte)
{
    const struct sample *s = &samples[_i];

    for (size_t cut = 0; cut < s->wire.len; cut++) {
        char *first = copy_exact(s->wire.p, cut);
        char *whole;
        struct request r;

        request_init(&r, &roomy_limits);
        ck_assert_int_eq(request_parse(&r, first, cut), REQUEST_MORE);
        free(first);
        whole = copy_exact(s->wire.p, s->wire.len);
        ck_assert_int_eq(request_parse(&r, whole, s->wire.len), REQUEST_DONE);
        assert_sample(&r, s);
        request_close(&r);
        free(whole);
    }
}

END_TEST

/* One byte per read: MORE until the last byte, then the request. */
START_TEST(sample_byte_at_a_time)
{
    const struct sample *s = &samples[_i];
    struct request r;

    request_init(&r, &roomy_limits);
    for (size_t n = 1; n <= s->wire.len; n++) {
        char *part = copy_exact(s->wire.p, n);
        int rv = request_parse(&r, part, n);

        if (n < s->wire.len) {
            ck_assert_int_eq(rv, REQUEST_MORE);
        } else {
            ck_assert_int_eq(rv, REQUEST_DONE);
            assert_sample(&r, s);
        }
        free(part);
    }
    request_close(&r);
}

END_TEST

/* Each sample followed by the next: pipelined requests in one buffer. */
START_TEST(pipelined_requests)
{
    size_t total = 0;
    size_t off = 0;
    char *wire;
    struct request r;

    for (size_t i = 0; i < N_SAMPLES; i++) {
        total += samples[i].wire.len;
    }
    wire = malloc(total);
    ck_assert_ptr_nonnull(wire);
    for (size_t i = 0; i < N_SAMPLES; i++) {
        memcpy(wire + off, samples[i].wire.p, samples[i].wire.len);
        off += samples[i].wire.len;
    }
    request_init(&r, &roomy_limits);
    off = 0;
    for (size_t i = 0; i < N_SAMPLES; i++) {
        ck_assert_int_eq(request_parse(&r, wire + off, total - off),
                         REQUEST_DONE);
        assert_sample(&r, &samples[i]);
        off += r.consumed;
    }
    ck_assert_uint_eq(off, total);
    ck_assert_int_eq(request_parse(&r, wire + off, 0), REQUEST_MORE);
    request_close(&r);
    free(wire);
}

END_TEST

/* A partial second request after a whole one: the first is returned, then
 * the rest resumes correctly. */
START_TEST(pipelined_with_partial_tail)
{
    static const char wire[] = "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk";
    static const char rest[] = "\r\n";
    char both[sizeof wire + sizeof rest];
    size_t off;
    struct request r;

    request_init(&r, &roomy_limits);
    ck_assert_int_eq(request_parse(&r, wire, sizeof wire - 1), REQUEST_DONE);
    ck_assert_uint_eq(r.argc, 1);
    off = r.consumed;
    ck_assert_int_eq(request_parse(&r, wire + off, sizeof wire - 1 - off),
                     REQUEST_MORE);
    memcpy(both, wire + off, sizeof wire - 1 - off);
    memcpy(both + sizeof wire - 1 - off, rest, sizeof rest - 1);
    ck_assert_int_eq(
        request_parse(&r, both, sizeof wire - 1 - off + sizeof rest - 1),
        REQUEST_DONE);
    ck_assert_uint_eq(r.argc, 2);
    ck_assert_mem_eq(r.argv[0].base, "GET", 3);
    ck_assert_mem_eq(r.argv[1].base, "k", 1);
    request_close(&r);
}

END_TEST

/* Many small arguments arriving one byte per read. A parser that re-scanned
 * the request from its start on each read would do about 10^10 steps here and
 * hit the tcase timeout; a resuming one does about 10^5. */
START_TEST(byte_at_a_time_is_not_quadratic)
{
    enum {
        N_ARGS = 20000
    };
    static const struct request_limits limits = {
        .max_argc = N_ARGS,
        .max_bulk_bytes = 16,
        .max_inline_bytes = 16,
    };
    size_t len = 0;
    char *wire = malloc(16 + (size_t)N_ARGS * 7);
    struct request r;
    int rv = REQUEST_MORE;

    ck_assert_ptr_nonnull(wire);
    len += (size_t)sprintf(wire, "*%d\r\n", N_ARGS);
    for (int i = 0; i < N_ARGS; i++) {
        memcpy(wire + len, "$1\r\nx\r\n", 7);
        wire[len + 4] = (char)('a' + i % 26);
        len += 7;
    }
    request_init(&r, &limits);
    /* Plain ifs in the loops: each Check assertion costs a write to the
     * runner, which would dominate the run time. */
    for (size_t n = 1; n <= len; n++) {
        rv = request_parse(&r, wire, n);
        if (n < len && rv != REQUEST_MORE) {
            ck_abort_msg("rv %d after %zu of %zu bytes", rv, n, len);
        }
    }
    ck_assert_int_eq(rv, REQUEST_DONE);
    ck_assert_uint_eq(r.argc, N_ARGS);
    ck_assert_uint_eq(r.consumed, len);
    for (size_t i = 0; i < N_ARGS; i++) {
        if (r.argv[i].len != 1 || r.argv[i].base[0] != 'a' + (int)(i % 26)) {
            ck_abort_msg("argument %zu is wrong", i);
        }
    }
    request_close(&r);
    free(wire);
}

END_TEST

/* A long inline line arriving one byte per read is searched for its LF
 * once: re-searching from the start would be ~2 * 10^12 byte comparisons. */
START_TEST(inline_byte_at_a_time_is_not_quadratic)
{
    enum {
        LEN = 1 << 21
    };
    static const struct request_limits limits = {
        .max_argc = 4,
        .max_bulk_bytes = 16,
        .max_inline_bytes = LEN,
    };
    char *wire = malloc(LEN);
    struct request r;
    int rv = REQUEST_MORE;

    ck_assert_ptr_nonnull(wire);
    memcpy(wire, "ECHO ", 5);
    memset(wire + 5, 'x', LEN - 6);
    wire[LEN - 1] = '\n';
    request_init(&r, &limits);
    for (size_t n = 1; n <= LEN; n++) {
        rv = request_parse(&r, wire, n);
        if (n < LEN && rv != REQUEST_MORE) {
            ck_abort_msg("rv %d after %zu bytes", rv, n);
        }
    }
    ck_assert_int_eq(rv, REQUEST_DONE);
    ck_assert_uint_eq(r.argc, 2);
    ck_assert_uint_eq(r.argv[1].len, LEN - 6);
    ck_assert_uint_eq(r.consumed, LEN);
    request_close(&r);
    free(wire);
}

END_TEST

struct bad_case {
    struct bytes wire;
    int rv;
    const char *errmsg;
};

static const struct bad_case bad_cases[] = {
    { B("*x\r\n"), SK_EPROTO, "Protocol error: invalid multibulk length" },
    { B("*1x\r\n"), SK_EPROTO, "Protocol error: invalid multibulk length" },
    { B("*01\r\n"), SK_EPROTO, "Protocol error: invalid multibulk length" },
    { B("*\r\n"), SK_EPROTO, "Protocol error: invalid multibulk length" },
    { B("*1\rx"), SK_EPROTO, "Protocol error: invalid multibulk length" },
    { B("*3000000000\r\n"), SK_EPROTO,
      "Protocol error: invalid multibulk length" },
    { B("*99999999999999999999999\r\n"), SK_EPROTO,
      "Protocol error: invalid multibulk length" },
    { B("*123456789012345678901234567890123"), SK_EPROTO,
      "Protocol error: too big mbulk count string" },
    { B("*5\r\n"), SK_ETOOBIG, "Protocol error: too many arguments (max 4)" },
    { B("*1\r\nX\r\n"), SK_EPROTO, "Protocol error: expected '$', got 'X'" },
    { B("*2\r\n$1\r\na\r\n:1\r\n"), SK_EPROTO,
      "Protocol error: expected '$', got ':'" },
    { B("*1\r\n$x\r\n"), SK_EPROTO, "Protocol error: invalid bulk length" },
    { B("*1\r\n$\r\n"), SK_EPROTO, "Protocol error: invalid bulk length" },
    { B("*1\r\n$-1\r\n"), SK_EPROTO, "Protocol error: invalid bulk length" },
    { B("*1\r\n$03\r\nabc\r\n"), SK_EPROTO,
      "Protocol error: invalid bulk length" },
    { B("*1\r\n$3\rX"), SK_EPROTO, "Protocol error: invalid bulk length" },
    { B("*1\r\n$123456789012345678901234567890123"), SK_EPROTO,
      "Protocol error: too big bulk count string" },
    /* Refused on the header alone: the payload never has to arrive. */
    { B("*1\r\n$17\r\n"), SK_ETOOBIG,
      "Protocol error: argument of 17 bytes exceeds the limit of 16" },
    { B("*1\r\n$3\r\nabcde\r\n"), SK_EPROTO,
      "Protocol error: bulk argument not followed by CRLF" },
    { B("SET \"abc\r\n"), SK_EPROTO,
      "Protocol error: unbalanced quotes in request" },
    { B("SET 'abc\r\n"), SK_EPROTO,
      "Protocol error: unbalanced quotes in request" },
    { B("SET \"a\"b\r\n"), SK_EPROTO,
      "Protocol error: unbalanced quotes in request" },
    { B("SET 'a'b\r\n"), SK_EPROTO,
      "Protocol error: unbalanced quotes in request" },
    { B("SET \"a\\\"\r\n"), SK_EPROTO,
      "Protocol error: unbalanced quotes in request" },
    { B("a b c d e\r\n"), SK_ETOOBIG,
      "Protocol error: too many arguments (max 4)" },
    /* 33 bytes with no newline: over max_inline_bytes = 32. */
    { B("SET aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), SK_ETOOBIG,
      "Protocol error: too big inline request" },
    /* 33 bytes before the LF, the CR included. */
    { B("SET aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"), SK_ETOOBIG,
      "Protocol error: too big inline request" },
    { B("SET aaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"), SK_ETOOBIG,
      "Protocol error: too big inline request" },
};

#define N_BAD (sizeof bad_cases / sizeof bad_cases[0])

/* Whole, the input gives its error; cut short, it gives either MORE or the
 * same error, never a request. */
START_TEST(malformed_input_gives_error)
{
    const struct bad_case *c = &bad_cases[_i];
    struct request r;

    for (size_t n = 0; n <= c->wire.len; n++) {
        char *part = copy_exact(c->wire.p, n);
        int rv;

        request_init(&r, &tight_limits);
        rv = request_parse(&r, part, n);
        if (n == c->wire.len || rv != REQUEST_MORE) {
            ck_assert_msg(rv == c->rv, "case %d cut %zu: rv %d, want %d", _i, n,
                          rv, c->rv);
            ck_assert_str_eq(r.errmsg, c->errmsg);
        }
        request_close(&r);
        free(part);
    }
}

END_TEST

START_TEST(limits_are_inclusive)
{
    static const char argc_ok[] = "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
                                  "$1\r\nd\r\n";
    static const char bulk_ok[] = "*1\r\n$16\r\n0123456789abcdef\r\n";
    /* 32 bytes before the LF, CR included. */
    static const char inline_ok[] = "SET aaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    static const char inline_argc_ok[] = "a b c d\n";
    struct request r;

    request_init(&r, &tight_limits);
    ck_assert_int_eq(request_parse(&r, argc_ok, sizeof argc_ok - 1),
                     REQUEST_DONE);
    ck_assert_uint_eq(r.argc, 4);
    ck_assert_int_eq(request_parse(&r, bulk_ok, sizeof bulk_ok - 1),
                     REQUEST_DONE);
    ck_assert_uint_eq(r.argv[0].len, 16);
    ck_assert_uint_eq(sizeof inline_ok - 2, 32);
    ck_assert_int_eq(request_parse(&r, inline_ok, sizeof inline_ok - 1),
                     REQUEST_DONE);
    ck_assert_uint_eq(r.argc, 2);
    ck_assert_uint_eq(r.argv[1].len, 27);
    ck_assert_int_eq(
        request_parse(&r, inline_argc_ok, sizeof inline_argc_ok - 1),
        REQUEST_DONE);
    ck_assert_uint_eq(r.argc, 4);
    request_close(&r);
}

END_TEST

/* A huge announced bulk is refused before any payload is buffered. */
START_TEST(big_bulk_refused_on_header)
{
    static const char wire[] = "*2\r\n$3\r\nSET\r\n$1000000000\r\n";
    struct request r;

    request_init(&r, &tight_limits);
    ck_assert_int_eq(request_parse(&r, wire, sizeof wire - 1), SK_ETOOBIG);
    ck_assert_str_eq(r.errmsg, "Protocol error: argument of 1000000000 bytes "
                               "exceeds the limit of 16");
    request_close(&r);
}

END_TEST

/* An inline line without a newline is refused once it passes the limit, not
 * buffered forever. */
START_TEST(endless_inline_line_refused)
{
    char line[33];
    struct request r;

    memset(line, 'a', sizeof line);
    request_init(&r, &tight_limits);
    for (size_t n = 1; n < sizeof line; n++) {
        ck_assert_int_eq(request_parse(&r, line, n), REQUEST_MORE);
    }
    ck_assert_int_eq(request_parse(&r, line, sizeof line), SK_ETOOBIG);
    request_close(&r);
}

END_TEST

/* The parser is reusable after an error (the connection closes anyway, but
 * no stale progress may leak into a new parse). */
START_TEST(reusable_after_error)
{
    static const char bad[] = "*2\r\n$3\r\nGET\r\n$x\r\n";
    static const char good[] = "*1\r\n$4\r\nPING\r\n";
    struct request r;

    request_init(&r, &roomy_limits);
    ck_assert_int_eq(request_parse(&r, bad, sizeof bad - 1), SK_EPROTO);
    ck_assert_int_eq(request_parse(&r, good, sizeof good - 1), REQUEST_DONE);
    ck_assert_uint_eq(r.argc, 1);
    ck_assert_mem_eq(r.argv[0].base, "PING", 4);
    ck_assert_str_eq(r.errmsg, "");
    request_close(&r);
}

END_TEST

/* Large argument counts grow argv beyond its first allocation. */
START_TEST(many_inline_and_multibulk_args)
{
    static const struct request_limits limits = {
        .max_argc = 300,
        .max_bulk_bytes = 16,
        .max_inline_bytes = 4096,
    };
    char wire[4096];
    size_t len = 0;
    struct request r;

    for (int i = 0; i < 300; i++) {
        len += (size_t)sprintf(wire + len, "%d ", i);
    }
    wire[len++] = '\n';
    request_init(&r, &limits);
    ck_assert_int_eq(request_parse(&r, wire, len), REQUEST_DONE);
    ck_assert_uint_eq(r.argc, 300);
    ck_assert_uint_eq(r.argv[299].len, 3);
    ck_assert_mem_eq(r.argv[299].base, "299", 3);
    ck_assert_uint_eq(r.consumed, len);
    request_close(&r);
}

END_TEST

static Suite *request_suite(void)
{
    Suite *s = suite_create("request");
    TCase *tc = tcase_create("parse");

    tcase_set_timeout(tc, 10);
    tcase_add_loop_test(tc, sample_parses_whole, 0, (int)N_SAMPLES);
    tcase_add_loop_test(tc, sample_split_at_every_byte, 0, (int)N_SAMPLES);
    tcase_add_loop_test(tc, sample_byte_at_a_time, 0, (int)N_SAMPLES);
    tcase_add_test(tc, pipelined_requests);
    tcase_add_test(tc, pipelined_with_partial_tail);
    tcase_add_test(tc, byte_at_a_time_is_not_quadratic);
    tcase_add_test(tc, inline_byte_at_a_time_is_not_quadratic);
    tcase_add_loop_test(tc, malformed_input_gives_error, 0, (int)N_BAD);
    tcase_add_test(tc, limits_are_inclusive);
    tcase_add_test(tc, big_bulk_refused_on_header);
    tcase_add_test(tc, endless_inline_line_refused);
    tcase_add_test(tc, reusable_after_error);
    tcase_add_test(tc, many_inline_and_multibulk_args);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(request_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

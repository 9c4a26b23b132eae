/* Unit tests for the log entry format (src/fsm/entry.c, proto/ENTRY.md). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fsm/entry.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/mem.h"

#define S(lit)                                \
    {                                         \
        .base = (lit), .len = sizeof(lit) - 1 \
    }

/* The sample entry used by most tests: three commands, binary and empty
 * arguments included. Returns its length before padding. */
static size_t build_sample(struct entry_writer *w)
{
    static const struct slice set[] = { S("k\0ey"), S("v\r\n") };
    static const struct slice del[] = { S("a"), S("b"), S("") };
    static const struct slice cas[] = { S("k"), S(""), S("new") };
    size_t len;

    entry_writer_init(w, 3, 0x0102030405060708ULL);
    entry_writer_add(w, ENTRY_OP_SET, 2, set);
    entry_writer_add(w, ENTRY_OP_DEL, 3, del);
    entry_writer_add(w, ENTRY_OP_CAS, 3, cas);
    len = w->buf.len;
    entry_writer_finish(w, 0);
    return len;
}

/* A heap copy of exactly @len bytes, so ASan sees any read past the end. */
static char *copy_exact(const void *data, size_t len)
{
    char *p = mem_alloc(len);

    if (len > 0) {
        memcpy(p, data, len);
    }
    return p;
}

static void assert_arg(const struct entry_cmd *cmd,
                       size_t i,
                       const char *want,
                       size_t want_len)
{
    ck_assert_uint_lt(i, cmd->argc);
    ck_assert_uint_eq(cmd->argv[i].len, want_len);
    if (want_len > 0) {
        ck_assert_mem_eq(cmd->argv[i].base, want, want_len);
    }
}

START_TEST(round_trip_preserves_header_and_commands)
{
    struct entry_writer w;
    struct entry_reader er;
    struct entry_cmd cmd;

    build_sample(&w);
    ck_assert_int_eq(entry_validate(w.buf.base, w.buf.len), 0);
    ck_assert_int_eq(entry_reader_open(&er, w.buf.base, w.buf.len), 0);
    ck_assert_uint_eq(er.header.version, ENTRY_VERSION);
    ck_assert_uint_eq(er.header.origin, 3);
    ck_assert_uint_eq(er.header.batch, 0x0102030405060708ULL);
    ck_assert_uint_eq(er.header.n_cmds, 3);

    ck_assert_int_eq(entry_reader_next(&er, &cmd), 1);
    ck_assert_uint_eq(cmd.op, ENTRY_OP_SET);
    ck_assert_uint_eq(cmd.argc, 2);
    assert_arg(&cmd, 0, "k\0ey", 4);
    assert_arg(&cmd, 1, "v\r\n", 3);

    ck_assert_int_eq(entry_reader_next(&er, &cmd), 1);
    ck_assert_uint_eq(cmd.op, ENTRY_OP_DEL);
    ck_assert_uint_eq(cmd.argc, 3);
    assert_arg(&cmd, 0, "a", 1);
    assert_arg(&cmd, 1, "b", 1);
    assert_arg(&cmd, 2, "", 0);

    ck_assert_int_eq(entry_reader_next(&er, &cmd), 1);
    ck_assert_uint_eq(cmd.op, ENTRY_OP_CAS);
    assert_arg(&cmd, 0, "k", 1);
    assert_arg(&cmd, 1, "", 0);
    assert_arg(&cmd, 2, "new", 3);

    ck_assert_int_eq(entry_reader_next(&er, &cmd), 0);
    ck_assert_int_eq(entry_reader_next(&er, &cmd), 0);
    entry_reader_close(&er);
    entry_writer_close(&w);
}

END_TEST

/* The exact bytes of proto/ENTRY.md's example. */
START_TEST(encoding_matches_documented_bytes)
{
    static const unsigned char want[] = {
        0x03,                                           /* version */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, /* origin 2 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, /* batch 7 */
        0x00, 0x00, 0x01, 0x9a, 0xd9, 0x8b, 0x2c, 0x00, /* time */
        0x00, 0x00, 0x00, 0x01,                         /* 1 command */
        0x01,                                           /* SET */
        0x00, 0x00, 0x00, 0x02,                         /* argc 2 */
        0x00, 0x00, 0x00, 0x01, 'k',                    /* "k" */
        0x00, 0x00, 0x00, 0x02, 'v',  '1',              /* "v1" */
        0x00, 0x00, 0x00,                               /* padding to 48 */
    };
    static const struct slice args[] = { S("k"), S("v1") };
    struct entry_writer w;

    entry_writer_init(&w, 2, 7);
    entry_writer_add(&w, ENTRY_OP_SET, 2, args);
    entry_writer_finish(&w, 0x19ad98b2c00ULL);
    ck_assert_uint_eq(w.buf.len, sizeof want);
    ck_assert_mem_eq(w.buf.base, want, sizeof want);
    entry_writer_close(&w);
}

END_TEST

START_TEST(empty_batch_is_valid)
{
    struct entry_writer w;
    struct entry_reader er;
    struct entry_cmd cmd;

    entry_writer_init(&w, 1, 1);
    entry_writer_finish(&w, 0);
    ck_assert_uint_eq(w.buf.len, 32); /* 29-byte header, 3 bytes padding */
    ck_assert_int_eq(entry_validate(w.buf.base, w.buf.len), 0);
    ck_assert_int_eq(entry_reader_open(&er, w.buf.base, w.buf.len), 0);
    ck_assert_int_eq(entry_reader_next(&er, &cmd), 0);
    entry_reader_close(&er);
    entry_writer_close(&w);
}

END_TEST

/* Every prefix that cuts into the commands is refused, without reading past
 * it; prefixes that only drop padding are still whole entries. One loop in
 * one test: a forked test per cut costs more than the checks. */
START_TEST(every_truncation_is_rejected)
{
    struct entry_writer w;
    size_t unpadded = build_sample(&w);

    ck_assert_uint_lt(unpadded, w.buf.len);
    for (size_t cut = 0; cut < w.buf.len; cut++) {
        char *p = copy_exact(w.buf.base, cut);
        int rv = entry_validate(p, cut);

        mem_free(p);
        if (rv != (cut < unpadded ? SK_ECORRUPT : 0)) {
            ck_abort_msg("prefix of %zu bytes: got %d", cut, rv);
        }
    }
    entry_writer_close(&w);
}

END_TEST

START_TEST(finished_entries_are_padded_to_8_bytes)
{
    static const char bytes[16] = "0123456789abcdef";

    for (size_t n = 0; n < 16; n++) {
        struct slice arg = { .base = bytes, .len = n };
        struct entry_writer w;
        size_t unpadded;

        entry_writer_init(&w, 1, n);
        entry_writer_add(&w, ENTRY_OP_DEL, 1, &arg);
        unpadded = w.buf.len;
        entry_writer_finish(&w, 0);
        ck_assert_uint_eq(w.buf.len % ENTRY_ALIGN, 0);
        ck_assert_uint_lt(w.buf.len - unpadded, ENTRY_ALIGN);
        for (size_t i = unpadded; i < w.buf.len; i++) {
            ck_assert_int_eq(w.buf.base[i], 0);
        }
        ck_assert_int_eq(entry_validate(w.buf.base, w.buf.len), 0);
        entry_writer_close(&w);
    }
}

END_TEST

START_TEST(padding_must_be_short_and_zero)
{
    struct entry_writer w;
    size_t unpadded = build_sample(&w);

    /* A non-zero padding byte. */
    w.buf.base[w.buf.len - 1] = 1;
    ck_assert_int_eq(entry_validate(w.buf.base, w.buf.len), SK_ECORRUPT);
    w.buf.base[w.buf.len - 1] = 0;
    ck_assert_int_eq(entry_validate(w.buf.base, w.buf.len), 0);

    /* Eight zero bytes are more than padding ever needs. */
    w.buf.len = unpadded;
    for (int i = 0; i < ENTRY_ALIGN; i++) {
        buf_put_u8(&w.buf, 0);
    }
    ck_assert_int_eq(entry_validate(w.buf.base, w.buf.len), SK_ECORRUPT);
    ck_assert_int_eq(entry_validate(w.buf.base, w.buf.len - 1), 0);
    entry_writer_close(&w);
}

END_TEST

START_TEST(unknown_version_is_rejected)
{
    static const uint8_t versions[] = { 0, ENTRY_VERSION + 1, 0xff };
    struct entry_writer w;
    struct entry_reader er;

    build_sample(&w);
    for (size_t i = 0; i < sizeof versions; i++) {
        w.buf.base[0] = (char)versions[i];
        ck_assert_int_eq(entry_reader_open(&er, w.buf.base, w.buf.len),
                         SK_ECORRUPT);
        entry_reader_close(&er);
        ck_assert_int_eq(entry_validate(w.buf.base, w.buf.len), SK_ECORRUPT);
    }
    entry_writer_close(&w);
}

END_TEST

/* A header claiming one command, then @tail as the command bytes. */
static size_t one_cmd_entry(uint8_t *out, const uint8_t *tail, size_t len)
{
    static const uint8_t header[29] = { ENTRY_VERSION, [28] = 1 };

    memcpy(out, header, sizeof header);
    memcpy(out + sizeof header, tail, len);
    return sizeof header + len;
}

/* Version 2 entries (no time in the header, ops up to REVISION_FLOOR)
 * still read, as written by earlier releases. */
START_TEST(version_2_entries_are_read)
{
    static const uint8_t v2[] = {
        2, 0, 0, 0, 0, 0, 0, 0, 2,   0,  0,
        0, 0, 0, 0, 0, 7, 0, 0, 0,   1,  ENTRY_OP_LEASE_GRANT,
        0, 0, 0, 1, 0, 0, 0, 2, '1', '0'
    };
    uint8_t bad[sizeof v2];
    struct entry_reader er;
    struct entry_cmd cmd;

    ck_assert_int_eq(entry_validate(v2, sizeof v2), 0);
    ck_assert_int_eq(entry_reader_open(&er, v2, sizeof v2), 0);
    ck_assert_uint_eq(er.header.time_ms, 0);
    ck_assert_int_eq(entry_reader_next(&er, &cmd), 1);
    ck_assert_uint_eq(cmd.op, ENTRY_OP_LEASE_GRANT);
    ck_assert_uint_eq(cmd.argc, 1);
    entry_reader_close(&er);
    /* An auto-scaling op in a version 2 entry is corrupt. */
    memcpy(bad, v2, sizeof v2);
    bad[21] = ENTRY_OP_INSTANCE_RESUME;
    ck_assert_int_eq(entry_validate(bad, sizeof bad), SK_ECORRUPT);
}

END_TEST

/* Version 1 entries (no time in the header, ops up to TXN) still read. */
START_TEST(version_1_entries_are_read)
{
    static const uint8_t v1[] = {
        1, 0, 0,   0, 0, 0, 0, 0, 2,   0, 0,
        0, 0, 0,   0, 0, 7, 0, 0, 0,   1, ENTRY_OP_SET,
        0, 0, 0,   2, 0, 0, 0, 1, 'k', 0, 0,
        0, 1, 'v', 0, 0, 0
    };
    uint8_t bad[sizeof v1];
    struct entry_reader er;
    struct entry_cmd cmd;

    ck_assert_int_eq(entry_validate(v1, sizeof v1), 0);
    ck_assert_int_eq(entry_reader_open(&er, v1, sizeof v1), 0);
    ck_assert_uint_eq(er.header.batch, 7);
    ck_assert_uint_eq(er.header.time_ms, 0);
    ck_assert_int_eq(entry_reader_next(&er, &cmd), 1);
    ck_assert_uint_eq(cmd.argc, 2);
    entry_reader_close(&er);
    /* A version 2 op in a version 1 entry is corrupt. */
    memcpy(bad, v1, sizeof v1);
    bad[21] = ENTRY_OP_LEASE_GRANT;
    ck_assert_int_eq(entry_validate(bad, sizeof bad), SK_ECORRUPT);
}

END_TEST

START_TEST(huge_argc_is_rejected_before_allocating)
{
    static const uint8_t tail[] = {
        ENTRY_OP_DEL, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0
    };
    uint8_t data[64];
    size_t len = one_cmd_entry(data, tail, sizeof tail);
    struct entry_reader er;
    struct entry_cmd cmd;

    ck_assert_int_eq(entry_reader_open(&er, data, len), 0);
    ck_assert_int_eq(entry_reader_next(&er, &cmd), SK_ECORRUPT);
    ck_assert_uint_eq(er.argv_cap, 0);
    /* A reader that failed stays failed. */
    ck_assert_int_eq(entry_reader_next(&er, &cmd), SK_ECORRUPT);
    entry_reader_close(&er);
    ck_assert_int_eq(entry_validate(data, len), SK_ECORRUPT);
}

END_TEST

/* argc may claim as many arguments as there are 4-byte lengths left, not one
 * more. */
START_TEST(argc_bound_is_exact)
{
    uint8_t tail[] = {
        ENTRY_OP_DEL, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    };
    uint8_t data[64];
    size_t len = one_cmd_entry(data, tail, sizeof tail);
    struct entry_reader er;
    struct entry_cmd cmd;

    ck_assert_int_eq(entry_reader_open(&er, data, len), 0);
    ck_assert_int_eq(entry_reader_next(&er, &cmd), 1);
    ck_assert_uint_eq(cmd.argc, 3);
    ck_assert_uint_eq(cmd.argv[2].len, 0);
    entry_reader_close(&er);

    tail[4] = 4;
    len = one_cmd_entry(data, tail, sizeof tail);
    ck_assert_int_eq(entry_reader_open(&er, data, len), 0);
    ck_assert_int_eq(entry_reader_next(&er, &cmd), SK_ECORRUPT);
    ck_assert_uint_eq(er.argv_cap, 0);
    entry_reader_close(&er);
}

END_TEST

START_TEST(huge_argument_length_is_rejected)
{
    static const uint8_t tail[] = { ENTRY_OP_SET, 0,    0,   0, 2, 0xff, 0xff,
                                    0xff,         0xff, 'k', 0, 0, 0,    0 };
    uint8_t data[64];
    size_t len = one_cmd_entry(data, tail, sizeof tail);

    ck_assert_int_eq(entry_validate(data, len), SK_ECORRUPT);
}

END_TEST

START_TEST(huge_command_count_is_rejected)
{
    struct entry_writer w;

    build_sample(&w);
    memset(w.buf.base + 25, 0xff, 4);
    ck_assert_int_eq(entry_validate(w.buf.base, w.buf.len), SK_ECORRUPT);
    /* One command more than present: also refused. */
    w.buf.base[25] = 0;
    w.buf.base[26] = 0;
    w.buf.base[27] = 0;
    w.buf.base[28] = 4;
    ck_assert_int_eq(entry_validate(w.buf.base, w.buf.len), SK_ECORRUPT);
    entry_writer_close(&w);
}

END_TEST

START_TEST(trailing_bytes_are_rejected)
{
    struct entry_writer w;

    build_sample(&w);
    buf_put_u8(&w.buf, 0xaa);
    ck_assert_int_eq(entry_validate(w.buf.base, w.buf.len), SK_ECORRUPT);
    /* A count below the commands present leaves trailing bytes too. */
    w.buf.len--;
    w.buf.base[28] = 2;
    ck_assert_int_eq(entry_validate(w.buf.base, w.buf.len), SK_ECORRUPT);
    entry_writer_close(&w);
}

END_TEST

START_TEST(unknown_op_is_rejected_by_validate)
{
    static const uint8_t ops[] = { 0, ENTRY_OP_CTRL_REMOVE + 1, 0xff };
    static const uint8_t base_tail[] = { 0, 0, 0, 0, 1, 0, 0, 0, 1, 'k' };
    uint8_t tail[sizeof base_tail];
    uint8_t data[64];
    struct entry_reader er;
    struct entry_cmd cmd;

    for (size_t i = 0; i < sizeof ops; i++) {
        size_t len;

        memcpy(tail, base_tail, sizeof tail);
        tail[0] = ops[i];
        len = one_cmd_entry(data, tail, sizeof tail);
        ck_assert_int_eq(entry_validate(data, len), SK_ECORRUPT);
        /* The reader itself only frames; it returns the op as stored. */
        ck_assert_int_eq(entry_reader_open(&er, data, len), 0);
        ck_assert_int_eq(entry_reader_next(&er, &cmd), 1);
        ck_assert_uint_eq(cmd.op, ops[i]);
        entry_reader_close(&er);
    }
    tail[0] = ENTRY_OP_DEL;
    ck_assert_int_eq(
        entry_validate(data, one_cmd_entry(data, tail, sizeof tail)), 0);
}

END_TEST

/* Arbitrary bytes never crash the validator (ASan checks the reads). */
START_TEST(random_bytes_never_read_out_of_bounds)
{
    uint64_t x = 0x243f6a8885a308d3ULL;
    uint8_t scratch[96];
    int n_valid = 0;

    for (int round = 0; round < 3000; round++) {
        size_t len;
        char *p;

        for (size_t i = 0; i < sizeof scratch; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* Mostly small bytes, so lengths and counts are sometimes
             * plausible and decoding gets past the header. */
            scratch[i] = (uint8_t)(x % 4 == 0 ? x >> 8 : x % 3);
        }
        scratch[0] = ENTRY_VERSION;
        len = (size_t)(x >> 32) % sizeof scratch;
        p = copy_exact(scratch, len);
        if (entry_validate(p, len) == 0) {
            n_valid++;
        }
        mem_free(p);
    }
    ck_assert_int_lt(n_valid, 3000);
}

END_TEST

static Suite *entry_suite(void)
{
    Suite *s = suite_create("entry");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, round_trip_preserves_header_and_commands);
    tcase_add_test(tc, encoding_matches_documented_bytes);
    tcase_add_test(tc, empty_batch_is_valid);
    tcase_add_test(tc, every_truncation_is_rejected);
    tcase_add_test(tc, finished_entries_are_padded_to_8_bytes);
    tcase_add_test(tc, padding_must_be_short_and_zero);
    tcase_add_test(tc, unknown_version_is_rejected);
    tcase_add_test(tc, version_1_entries_are_read);
    tcase_add_test(tc, version_2_entries_are_read);
    tcase_add_test(tc, huge_argc_is_rejected_before_allocating);
    tcase_add_test(tc, argc_bound_is_exact);
    tcase_add_test(tc, huge_argument_length_is_rejected);
    tcase_add_test(tc, huge_command_count_is_rejected);
    tcase_add_test(tc, trailing_bytes_are_rejected);
    tcase_add_test(tc, unknown_op_is_rejected_by_validate);
    tcase_add_test(tc, random_bytes_never_read_out_of_bounds);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(entry_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Unit tests for the growable buffer and the bounds-checked reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/buf.h"
#include "lib/mem.h"

START_TEST(init_is_empty)
{
    struct buf b;

    buf_init(&b);
    ck_assert_ptr_null(b.base);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
    buf_close(&b);
    ck_assert_ptr_null(b.base);
}

END_TEST

START_TEST(append_grows_and_keeps_bytes)
{
    struct buf b;
    char expect[1000];

    buf_init(&b);
    buf_append(&b, "", 0);
    ck_assert_uint_eq(b.len, 0);
    for (size_t i = 0; i < sizeof expect; i++) {
        char c = (char)(i * 7);

        expect[i] = c;
        buf_append(&b, &c, 1);
        ck_assert_uint_ge(b.cap, b.len);
    }
    ck_assert_uint_eq(b.len, sizeof expect);
    ck_assert_mem_eq(b.base, expect, sizeof expect);
    buf_append_str(&b, "tail");
    ck_assert_uint_eq(b.len, sizeof expect + 4);
    ck_assert_mem_eq(b.base + sizeof expect, "tail", 4);
    buf_close(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
    /* Reusable after close. */
    buf_append_str(&b, "again");
    ck_assert_uint_eq(b.len, 5);
    ck_assert_mem_eq(b.base, "again", 5);
    buf_close(&b);
}

END_TEST

START_TEST(reserve_makes_room_without_changing_len)
{
    struct buf b;
    char *base;

    buf_init(&b);
    buf_append_str(&b, "abc");
    buf_reserve(&b, 500);
    ck_assert_uint_eq(b.len, 3);
    ck_assert_uint_ge(b.cap, 503);
    ck_assert_mem_eq(b.base, "abc", 3);
    base = b.base;
    /* Filling the reserved room must not move the storage. */
    for (int i = 0; i < 500; i++) {
        buf_append(&b, "x", 1);
    }
    ck_assert_ptr_eq(b.base, base);
    buf_reserve(&b, 0);
    ck_assert_ptr_eq(b.base, base);
    buf_close(&b);
}

END_TEST

START_TEST(printf_formats_and_grows)
{
    struct buf b;
    char big[300];

    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    buf_init(&b);
    buf_printf(&b, "%d-%s", 42, "x");
    ck_assert_uint_eq(b.len, 4);
    ck_assert_mem_eq(b.base, "42-x", 4);
    buf_printf(&b, "%s", "");
    ck_assert_uint_eq(b.len, 4);
    buf_printf(&b, "[%s]", big);
    ck_assert_uint_eq(b.len, 4 + 2 + sizeof big - 1);
    ck_assert_mem_eq(b.base, "42-x[", 5);
    ck_assert_mem_eq(b.base + 5, big, sizeof big - 1);
    ck_assert_int_eq(b.base[b.len - 1], ']');
    buf_close(&b);
}

END_TEST

/* Appending exactly up to the capacity with printf: the formatter's
 * terminating NUL needs room too. */
START_TEST(printf_at_capacity_boundary)
{
    struct buf b;

    for (size_t pre = 0; pre < 130; pre++) {
        buf_init(&b);
        for (size_t i = 0; i < pre; i++) {
            buf_append(&b, "p", 1);
        }
        buf_printf(&b, "%s", "0123456789");
        ck_assert_uint_eq(b.len, pre + 10);
        ck_assert_mem_eq(b.base + pre, "0123456789", 10);
        buf_close(&b);
    }
}

END_TEST

START_TEST(big_endian_integers)
{
    static const unsigned char want[] = {
        0xab,                                           /* u8 */
        0x01, 0x02, 0x03, 0x04,                         /* u32 */
        0xff, 0xff, 0xff, 0xff,                         /* u32 max */
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* u64 */
        0x00, 0x00, 0x00, 0x03, 'a',  'b',  'c',        /* bytes */
        0x00, 0x00, 0x00, 0x00,                         /* empty bytes */
    };
    struct buf b;

    buf_init(&b);
    buf_put_u8(&b, 0xab);
    buf_put_u32(&b, 0x01020304u);
    buf_put_u32(&b, UINT32_MAX);
    buf_put_u64(&b, 0x0102030405060708ull);
    buf_put_bytes(&b, "abc", 3);
    buf_put_bytes(&b, NULL, 0);
    ck_assert_uint_eq(b.len, sizeof want);
    ck_assert_mem_eq(b.base, want, sizeof want);
    buf_close(&b);
}

END_TEST

START_TEST(consume_drops_prefix)
{
    struct buf b;

    buf_init(&b);
    buf_append_str(&b, "hello world");
    buf_consume(&b, 0);
    ck_assert_uint_eq(b.len, 11);
    buf_consume(&b, 6);
    ck_assert_uint_eq(b.len, 5);
    ck_assert_mem_eq(b.base, "world", 5);
    buf_consume(&b, 5);
    ck_assert_uint_eq(b.len, 0);
    buf_append_str(&b, "xy");
    ck_assert_mem_eq(b.base, "xy", 2);
    buf_close(&b);
}

END_TEST

START_TEST(reset_keeps_storage)
{
    struct buf b;
    char *base;
    size_t cap;

    buf_init(&b);
    buf_append_str(&b, "some bytes");
    base = b.base;
    cap = b.cap;
    buf_reset(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_ptr_eq(b.base, base);
    ck_assert_uint_eq(b.cap, cap);
    buf_append_str(&b, "new");
    ck_assert_ptr_eq(b.base, base);
    ck_assert_mem_eq(b.base, "new", 3);
    buf_close(&b);
}

END_TEST

START_TEST(detach_hands_over_storage)
{
    struct buf b;
    size_t len = 0;
    char *p;

    buf_init(&b);
    buf_append_str(&b, "owned");
    p = buf_detach(&b, &len);
    ck_assert_uint_eq(len, 5);
    ck_assert_mem_eq(p, "owned", 5);
    ck_assert_ptr_null(b.base);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
    mem_free(p);
    buf_append_str(&b, "x");
    p = buf_detach(&b, NULL);
    ck_assert_mem_eq(p, "x", 1);
    mem_free(p);
    ck_assert_ptr_null(buf_detach(&b, &len));
    ck_assert_uint_eq(len, 0);
}

END_TEST

START_TEST(reader_round_trip)
{
    struct buf b;
    struct reader r;
    const char *data = NULL;
    size_t len = 99;

    buf_init(&b);
    buf_put_u8(&b, 7);
    buf_put_u32(&b, 0xdeadbeefu);
    buf_put_u64(&b, UINT64_MAX - 1);
    buf_put_bytes(&b, "payload", 7);
    buf_put_bytes(&b, "", 0);
    reader_init(&r, b.base, b.len);
    ck_assert_uint_eq(reader_u8(&r), 7);
    ck_assert_uint_eq(reader_u32(&r), 0xdeadbeefu);
    ck_assert_uint_eq(reader_u64(&r), UINT64_MAX - 1);
    reader_bytes(&r, &data, &len);
    ck_assert_uint_eq(len, 7);
    ck_assert_ptr_eq(data, b.base + 1 + 4 + 8 + 4);
    ck_assert_mem_eq(data, "payload", 7);
    reader_bytes(&r, &data, &len);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(r.failed, 0);
    ck_assert_uint_eq(r.left, 0);
    buf_close(&b);
}

END_TEST

/* Every read past the end fails, returns zero, and the failure sticks even
 * for reads that would fit afterwards. */
START_TEST(reader_past_end_fails_and_sticks)
{
    static const unsigned char in[] = { 0x00, 0x00, 0x01 };
    struct reader r;

    reader_init(&r, in, sizeof in);
    ck_assert_uint_eq(reader_u32(&r), 0);
    ck_assert_int_eq(r.failed, 1);
    ck_assert_uint_eq(r.left, 0);
    ck_assert_uint_eq(reader_u8(&r), 0);
    ck_assert_int_eq(r.failed, 1);

    reader_init(&r, in, sizeof in);
    ck_assert_uint_eq(reader_u8(&r), 0);
    ck_assert_uint_eq(reader_u8(&r), 0);
    ck_assert_uint_eq(reader_u8(&r), 1);
    ck_assert_int_eq(r.failed, 0);
    ck_assert_uint_eq(reader_u8(&r), 0);
    ck_assert_int_eq(r.failed, 1);

    reader_init(&r, in, 0);
    ck_assert_uint_eq(reader_u64(&r), 0);
    ck_assert_int_eq(r.failed, 1);
}

END_TEST

START_TEST(reader_bytes_checks_length)
{
    /* Claims 5 bytes, holds 3. */
    static const unsigned char short_payload[] = { 0, 0, 0, 5, 'a', 'b', 'c' };
    /* Claims 4 GiB - 1. */
    static const unsigned char huge[] = { 0xff, 0xff, 0xff, 0xff, 'a' };
    /* Only 2 bytes of the length. */
    static const unsigned char short_len[] = { 0, 0 };
    struct reader r;
    const char *data = (const char *)"sentinel";
    size_t len = 99;

    reader_init(&r, short_payload, sizeof short_payload);
    reader_bytes(&r, &data, &len);
    ck_assert_ptr_null(data);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(r.failed, 1);

    data = (const char *)"sentinel";
    len = 99;
    reader_init(&r, huge, sizeof huge);
    reader_bytes(&r, &data, &len);
    ck_assert_ptr_null(data);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(r.failed, 1);

    data = (const char *)"sentinel";
    len = 99;
    reader_init(&r, short_len, sizeof short_len);
    reader_bytes(&r, &data, &len);
    ck_assert_ptr_null(data);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(r.failed, 1);
}

END_TEST

static Suite *buf_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("buf");
    TCase *tr = tcase_create("reader");

    tcase_add_test(tc, init_is_empty);
    tcase_add_test(tc, append_grows_and_keeps_bytes);
    tcase_add_test(tc, reserve_makes_room_without_changing_len);
    tcase_add_test(tc, printf_formats_and_grows);
    tcase_add_test(tc, printf_at_capacity_boundary);
    tcase_add_test(tc, big_endian_integers);
    tcase_add_test(tc, consume_drops_prefix);
    tcase_add_test(tc, reset_keeps_storage);
    tcase_add_test(tc, detach_hands_over_storage);
    suite_add_tcase(s, tc);
    tcase_add_test(tr, reader_round_trip);
    tcase_add_test(tr, reader_past_end_fails_and_sticks);
    tcase_add_test(tr, reader_bytes_checks_length);
    suite_add_tcase(s, tr);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(buf_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

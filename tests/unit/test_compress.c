/* lz4 frame compression of snapshots: round trips, bounds, corruption. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/compress.h"
#include "lib/crc32c.h"
#include "lib/err.h"

static void fill(char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (char)((i * 7) % 13 == 0 ? (char)(i >> 3) : 'k');
    }
}

/* CRC32C bit by bit, the definition. */
static uint32_t crc32c_bitwise(const unsigned char *p, size_t len)
{
    uint32_t crc = 0xffffffffU;

    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0x82F63B78U & (0U - (crc & 1U)));
        }
    }
    return crc ^ 0xffffffffU;
}

START_TEST(crc32c_matches_its_definition)
{
    unsigned char data[300];
    unsigned seed = 99;

    ck_assert_uint_eq(crc32c("123456789", 9), 0xe3069283U); /* check value */
    ck_assert_uint_eq(crc32c("", 0), 0);
    for (size_t i = 0; i < sizeof data; i++) {
        seed = seed * 1103515245u + 12345u;
        data[i] = (unsigned char)(seed >> 16);
    }
    /* Every length and alignment around the 8-byte steps. */
    for (size_t off = 0; off < 8; off++) {
        for (size_t len = 0; off + len <= sizeof data; len += 7) {
            ck_assert_uint_eq(crc32c(data + off, len),
                              crc32c_bitwise(data + off, len));
        }
    }
}

END_TEST

START_TEST(round_trip_of_sizes)
{
    static const size_t sizes[] = { 0, 1, 100, 65536, 65537, 1 << 20 };

    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        char *data = malloc(n + 1);
        struct buf z, back;

        fill(data, n);
        buf_init(&z);
        buf_init(&back);
        ck_assert_int_eq(compress_frame(data, n, &z), 0);
        ck_assert(compress_is_frame(z.base, z.len));
        ck_assert_int_eq(decompress_frame(z.base, z.len, n, &back), 0);
        ck_assert_uint_eq(back.len, n);
        if (n > 0) {
            ck_assert_mem_eq(back.base, data, n);
        }
        if (n >= 65536) {
            ck_assert_uint_lt(z.len, n / 2); /* it does compress */
        }
        buf_close(&z);
        buf_close(&back);
        free(data);
    }
}

END_TEST

START_TEST(refuses_frames_larger_than_the_bound)
{
    char data[10000];
    struct buf z, back;

    fill(data, sizeof data);
    buf_init(&z);
    buf_init(&back);
    buf_append(&back, "keep", 4);
    ck_assert_int_eq(compress_frame(data, sizeof data, &z), 0);
    ck_assert_int_eq(decompress_frame(z.base, z.len, sizeof data - 1, &back),
                     SK_ECORRUPT);
    ck_assert_uint_eq(back.len, 4);
    buf_close(&z);
    buf_close(&back);
}

END_TEST

/* Flipping any byte never yields different data: either the frame is refused
 * or (a header field that does not matter, such as the block size hint) the
 * content comes back intact. Cutting the frame anywhere is refused. */
START_TEST(corruption_is_detected)
{
    char data[3000];
    struct buf z, back;

    fill(data, sizeof data);
    buf_init(&z);
    buf_init(&back);
    ck_assert_int_eq(compress_frame(data, sizeof data, &z), 0);
    for (size_t i = 0; i < z.len; i++) {
        int rv;
        z.base[i] ^= 0x5a;
        rv = decompress_frame(z.base, z.len, sizeof data, &back);
        if (rv == 0) {
            ck_assert_uint_eq(back.len, sizeof data);
            ck_assert_mem_eq(back.base, data, sizeof data);
        } else {
            ck_assert_int_eq(rv, SK_ECORRUPT);
            ck_assert_uint_eq(back.len, 0);
        }
        buf_reset(&back);
        z.base[i] ^= 0x5a;
    }
    for (size_t cut = 0; cut < z.len; cut++) {
        ck_assert_int_eq(decompress_frame(z.base, cut, sizeof data, &back),
                         SK_ECORRUPT);
    }
    ck_assert(!compress_is_frame("SKSNAP", 6));
    buf_close(&z);
    buf_close(&back);
}

END_TEST

int main(void)
{
    Suite *suite = suite_create("compress");
    TCase *tc = tcase_create("lz4");
    SRunner *runner;
    int failed;

    tcase_add_test(tc, round_trip_of_sizes);
    tcase_add_test(tc, crc32c_matches_its_definition);
    tcase_add_test(tc, refuses_frames_larger_than_the_bound);
    tcase_add_test(tc, corruption_is_detected);
    suite_add_tcase(suite, tc);
    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Unit tests for the u64 hash map (src/lib/u64map.c) against a plain array
 * as the reference, through growth and backward-shift deletions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/u64map.h"

#define N_KEYS 4096

/* A small deterministic generator, so failures repeat. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

START_TEST(matches_a_reference_through_random_puts_and_deletes)
{
    static void *ref[N_KEYS + 1];
    struct u64map m;
    uint64_t seed = 88172645463325252ULL;
    size_t count = 0;

    memset(ref, 0, sizeof ref);
    u64map_init(&m);
    for (int step = 0; step < 200000; step++) {
        uint64_t k = next_rand(&seed) % N_KEYS + 1;
        if (next_rand(&seed) % 3 == 0) {
            void *v = u64map_del(&m, k);
            ck_assert_ptr_eq(v, ref[k]);
            count -= ref[k] != NULL;
            ref[k] = NULL;
        } else {
            void *v = (void *)(uintptr_t)(step + 1);
            ck_assert_ptr_eq(u64map_put(&m, k, v), ref[k]);
            count += ref[k] == NULL;
            ref[k] = v;
        }
        ck_assert_uint_eq(m.count, count);
    }
    for (uint64_t k = 1; k <= N_KEYS; k++) {
        ck_assert_ptr_eq(u64map_get(&m, k), ref[k]);
    }
    u64map_close(&m);
}

END_TEST

START_TEST(iteration_and_sorted_keys_visit_each_entry_once)
{
    struct u64map m;
    uint64_t keys[100];
    size_t pos = 0;
    size_t seen = 0;
    const struct u64map_slot *s;

    u64map_init(&m);
    for (uint64_t k = 1; k <= 100; k++) {
        u64map_put(&m, k * 7919, (void *)(uintptr_t)k);
    }
    while ((s = u64map_next(&m, &pos)) != NULL) {
        ck_assert_uint_eq(s->key, (uintptr_t)s->value * 7919);
        seen++;
    }
    ck_assert_uint_eq(seen, 100);
    u64map_sorted_keys(&m, keys);
    for (size_t i = 0; i < 100; i++) {
        ck_assert_uint_eq(keys[i], (i + 1) * 7919);
    }
    u64map_close(&m);
    ck_assert_ptr_null(u64map_get(&m, 7919));
}

END_TEST

static Suite *u64map_suite(void)
{
    Suite *s = suite_create("u64map");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, matches_a_reference_through_random_puts_and_deletes);
    tcase_add_test(tc, iteration_and_sorted_keys_visit_each_entry_once);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(u64map_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

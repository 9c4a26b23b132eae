/* Unit tests for the ordered key-value map (src/store/kv.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "store/kv.h"

#ifdef SK_DEBUG
void kv_check_invariants(const struct kv *kv);
#endif

/* ck_assert() reports every passing check to the runner through a pipe, which
 * costs a system call; loops over thousands of entries use this instead. */
#define REQUIRE(cond)                                                     \
    do {                                                                  \
        if (!(cond)) {                                                    \
            ck_abort_msg("%s:%d: failed: %s", __FILE__, __LINE__, #cond); \
        }                                                                 \
    } while (0)

/* Byte order as the map promises it: memcmp, then a proper prefix first. */
static int ref_cmp(const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t n = a_len < b_len ? a_len : b_len;
    int c = n > 0 ? memcmp(a, b, n) : 0;

    if (c != 0) {
        return c;
    }
    return (a_len > b_len) - (a_len < b_len);
}

/* What the public interface alone can check: a strictly ascending walk that
 * sees kv_count() entries holding kv_bytes() bytes. */
static void check_walk(const struct kv *kv)
{
    const struct kv_entry *prev = NULL;
    size_t count = 0;
    size_t bytes = 0;

    for (const struct kv_entry *e = kv_seek(kv, NULL, 0); e != NULL;
         e = kv_next(kv, e)) {
        if (prev != NULL) {
            REQUIRE(ref_cmp(prev->key, prev->key_len, e->key, e->key_len) < 0);
        }
        REQUIRE(kv_get(kv, e->key, e->key_len) == e);
        prev = e;
        count++;
        bytes += e->key_len + e->value_len;
    }
    ck_assert_uint_eq(count, kv_count(kv));
    ck_assert_uint_eq(bytes, kv_bytes(kv));
#ifdef SK_DEBUG
    kv_check_invariants(kv);
#endif
}

static void put_str(struct kv *kv, const char *k, const char *v, uint64_t rev)
{
    kv_put(kv, k, strlen(k), v, strlen(v), rev, 0);
}

START_TEST(new_map_is_empty)
{
    struct kv *kv = kv_new();

    ck_assert_uint_eq(kv_count(kv), 0);
    ck_assert_uint_eq(kv_bytes(kv), 0);
    ck_assert_ptr_null(kv_seek(kv, NULL, 0));
    ck_assert_ptr_null(kv_get(kv, "a", 1));
    ck_assert(!kv_del(kv, "a", 1));
    check_walk(kv);
    kv_free(kv);
}

END_TEST

START_TEST(put_new_key_sets_metadata)
{
    struct kv *kv = kv_new();
    const struct kv_entry *e;

    put_str(kv, "alpha", "one", 7);
    e = kv_get(kv, "alpha", 5);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->key_len, 5);
    ck_assert_mem_eq(e->key, "alpha", 5);
    ck_assert_uint_eq(e->value_len, 3);
    ck_assert_mem_eq(e->value, "one", 3);
    ck_assert_uint_eq(e->create_rev, 7);
    ck_assert_uint_eq(e->mod_rev, 7);
    ck_assert_uint_eq(e->version, 1);
    ck_assert_ptr_null(kv_get(kv, "alph", 4));
    ck_assert_ptr_null(kv_get(kv, "alphab", 6));
    check_walk(kv);
    kv_free(kv);
}

END_TEST

START_TEST(replace_keeps_create_rev_and_bumps_version)
{
    struct kv *kv = kv_new();
    const struct kv_entry *e;

    put_str(kv, "k", "v1", 3);
    put_str(kv, "k", "longer value", 5);
    put_str(kv, "k", "", 9);
    e = kv_get(kv, "k", 1);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->value_len, 0);
    ck_assert_uint_eq(e->create_rev, 3);
    ck_assert_uint_eq(e->mod_rev, 9);
    ck_assert_uint_eq(e->version, 3);
    ck_assert_uint_eq(kv_count(kv), 1);
    ck_assert_uint_eq(kv_bytes(kv), 1);
    check_walk(kv);
    kv_free(kv);
}

END_TEST

START_TEST(del_removes_only_the_key)
{
    struct kv *kv = kv_new();

    put_str(kv, "a", "1", 1);
    put_str(kv, "ab", "2", 2);
    put_str(kv, "b", "3", 3);
    ck_assert(kv_del(kv, "ab", 2));
    ck_assert(!kv_del(kv, "ab", 2));
    ck_assert(!kv_del(kv, "abc", 3));
    ck_assert_ptr_null(kv_get(kv, "ab", 2));
    ck_assert_ptr_nonnull(kv_get(kv, "a", 1));
    ck_assert_ptr_nonnull(kv_get(kv, "b", 1));
    ck_assert_uint_eq(kv_count(kv), 2);
    ck_assert_uint_eq(kv_bytes(kv), 4);
    check_walk(kv);

    /* A deleted key comes back as new: create_rev and version restart. */
    put_str(kv, "ab", "x", 10);
    ck_assert_uint_eq(kv_get(kv, "ab", 2)->create_rev, 10);
    ck_assert_uint_eq(kv_get(kv, "ab", 2)->version, 1);
    kv_free(kv);
}

END_TEST

/* Binary keys in the order the map must walk them. */
static const struct {
    const char *key;
    size_t len;
} ordered_keys[] = {
    { "", 0 },         { "\0", 1 },   { "\0\0", 2 }, { "\0\x01", 2 },
    { "\x01", 1 },     { "a", 1 },    { "a\0", 2 },  { "a\0b", 3 },
    { "aa", 2 },       { "ab", 2 },   { "abc", 3 },  { "b", 1 },
    { "\x7f\xff", 2 }, { "\x80", 1 }, { "\xff", 1 }, { "\xff\xff", 2 },
};

#define N_ORDERED (sizeof ordered_keys / sizeof ordered_keys[0])

START_TEST(walk_orders_binary_keys_prefix_first)
{
    struct kv *kv = kv_new();
    const struct kv_entry *e;
    size_t i;

    /* Insert in a scrambled order: i * 7 mod 16 visits every index. */
    for (i = 0; i < N_ORDERED; i++) {
        size_t j = (i * 7) % N_ORDERED;
        kv_put(kv, ordered_keys[j].key, ordered_keys[j].len, "v", 1, i + 1, 0);
        check_walk(kv);
    }
    ck_assert_uint_eq(kv_count(kv), N_ORDERED);
    e = kv_seek(kv, NULL, 0);
    for (i = 0; i < N_ORDERED; i++) {
        ck_assert_ptr_nonnull(e);
        ck_assert_uint_eq(e->key_len, ordered_keys[i].len);
        ck_assert(memcmp(e->key, ordered_keys[i].key, e->key_len) == 0);
        e = kv_next(kv, e);
    }
    ck_assert_ptr_null(e);
    kv_free(kv);
}

END_TEST

START_TEST(seek_finds_first_key_not_below)
{
    struct kv *kv = kv_new();
    const struct kv_entry *e;

    put_str(kv, "b", "", 1);
    put_str(kv, "bb", "", 2);
    put_str(kv, "d", "", 3);

    e = kv_seek(kv, "b", 1); /* exact */
    ck_assert_uint_eq(e->key_len, 1);
    ck_assert_mem_eq(e->key, "b", 1);
    e = kv_seek(kv, "a\xff\xff", 3); /* before everything */
    ck_assert_mem_eq(e->key, "b", 1);
    e = kv_seek(kv, "b\0", 2); /* between "b" and "bb" */
    ck_assert_uint_eq(e->key_len, 2);
    ck_assert_mem_eq(e->key, "bb", 2);
    e = kv_seek(kv, "bc", 2); /* between "bb" and "d" */
    ck_assert_mem_eq(e->key, "d", 1);
    ck_assert_ptr_null(kv_seek(kv, "d\0", 2)); /* after the last */
    ck_assert_ptr_null(kv_next(kv, kv_seek(kv, "d", 1)));
    e = kv_seek(kv, "", 0);
    ck_assert_mem_eq(e->key, "b", 1);
    kv_free(kv);
}

END_TEST

START_TEST(load_copies_all_metadata)
{
    struct kv *kv = kv_new();
    struct kv_entry in = { .key = "k\0x",
                           .key_len = 3,
                           .value = "val",
                           .value_len = 3,
                           .create_rev = 4,
                           .mod_rev = 11,
                           .version = 5 };
    const struct kv_entry *e;

    kv_load(kv, &in);
    e = kv_get(kv, "k\0x", 3);
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_ne(e->key, in.key); /* a copy */
    ck_assert_ptr_ne(e->value, in.value);
    ck_assert_mem_eq(e->value, "val", 3);
    ck_assert_uint_eq(e->create_rev, 4);
    ck_assert_uint_eq(e->mod_rev, 11);
    ck_assert_uint_eq(e->version, 5);
    ck_assert_uint_eq(kv_bytes(kv), 6);

    /* A put after a load continues from the loaded metadata. */
    kv_put(kv, "k\0x", 3, "v2", 2, 12, 0);
    ck_assert_uint_eq(e->create_rev, 4);
    ck_assert_uint_eq(e->mod_rev, 12);
    ck_assert_uint_eq(e->version, 6);
    ck_assert_uint_eq(kv_bytes(kv), 5);
    check_walk(kv);
    kv_free(kv);
}

END_TEST

START_TEST(sequential_inserts_and_deletes_stay_consistent)
{
    struct kv *kv = kv_new();
    char key[8];

    /* Ascending and descending runs are the worst case for naive trees. */
    for (uint32_t i = 0; i < 2000; i++) {
        key[0] = (char)(i >> 8);
        key[1] = (char)i;
        kv_put(kv, key, 2, key, 2, i + 1, 0);
    }
    check_walk(kv);
    for (uint32_t i = 2000; i-- > 0;) {
        key[0] = (char)(i >> 8);
        key[1] = (char)i;
        if (i % 3 != 0) {
            REQUIRE(kv_del(kv, key, 2));
        }
    }
    check_walk(kv);
    ck_assert_uint_eq(kv_count(kv), 667);
    ck_assert_uint_eq(kv_bytes(kv), 667 * 4);
    kv_free(kv);
}

END_TEST

/* Reference model for the random test: a fixed key space, sorted once. */
#define REF_KEYS 3000

struct ref_key {
    char key[6];
    size_t len;
    int present;
    uint64_t value; /* the value bytes are this number's 8 bytes */
    uint64_t create_rev;
    uint64_t mod_rev;
    uint64_t version;
};

static int ref_key_cmp(const void *a, const void *b)
{
    const struct ref_key *x = a;
    const struct ref_key *y = b;

    return ref_cmp(x->key, x->len, y->key, y->len);
}

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    /* xorshift64: reproducible, so a failure replays exactly. */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Keys of 0-5 bytes over a tiny alphabet including NUL, so many are
 * prefixes of others; duplicates are removed after sorting. */
static size_t make_key_space(struct ref_key *keys)
{
    size_t n = 0;

    for (size_t i = 0; i < REF_KEYS; i++) {
        struct ref_key *k = &keys[n];
        memset(k, 0, sizeof *k);
        k->len = (size_t)(rng_next() % 6);
        for (size_t j = 0; j < k->len; j++) {
            static const char alphabet[] = { '\0', 'a', 'b', '\xff' };
            k->key[j] = alphabet[rng_next() % 4];
        }
        n++;
    }
    qsort(keys, n, sizeof *keys, ref_key_cmp);
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (out == 0 || ref_key_cmp(&keys[out - 1], &keys[i]) != 0) {
            keys[out++] = keys[i];
        }
    }
    return out;
}

static void check_against_ref(const struct kv *kv,
                              const struct ref_key *keys,
                              size_t n_keys)
{
    const struct kv_entry *e = kv_seek(kv, NULL, 0);

    for (size_t i = 0; i < n_keys; i++) {
        const struct ref_key *k = &keys[i];
        if (!k->present) {
            continue;
        }
        REQUIRE(e != NULL);
        REQUIRE(e->key_len == k->len);
        REQUIRE(e->key_len == 0 || memcmp(e->key, k->key, k->len) == 0);
        REQUIRE(e->value_len == 8);
        REQUIRE(memcmp(e->value, &k->value, 8) == 0);
        REQUIRE(e->create_rev == k->create_rev);
        REQUIRE(e->mod_rev == k->mod_rev);
        REQUIRE(e->version == k->version);
        e = kv_next(kv, e);
    }
    REQUIRE(e == NULL);
}

START_TEST(random_ops_match_reference_model)
{
    static struct ref_key keys[REF_KEYS];
    struct kv *kv = kv_new();
    size_t n_keys;
    size_t count = 0;
    size_t bytes = 0;

    rng_state = 0x9e3779b97f4a7c15ULL;
    n_keys = make_key_space(keys);
    ck_assert_uint_gt(n_keys, 500);

    for (uint64_t rev = 1; rev <= 20000; rev++) {
        struct ref_key *k = &keys[rng_next() % n_keys];
        const struct kv_entry *e;

        if (rng_next() % 3 == 0) {
            REQUIRE(kv_del(kv, k->key, k->len) == (k->present != 0));
            if (k->present) {
                count--;
                bytes -= k->len + 8;
            }
            k->present = 0;
            REQUIRE(kv_get(kv, k->key, k->len) == NULL);
        } else {
            k->value = rng_next();
            kv_put(kv, k->key, k->len, (const char *)&k->value, 8, rev, 0);
            if (!k->present) {
                k->present = 1;
                k->create_rev = rev;
                k->version = 0;
                count++;
                bytes += k->len + 8;
            }
            k->mod_rev = rev;
            k->version++;
            e = kv_get(kv, k->key, k->len);
            REQUIRE(e != NULL);
            REQUIRE(e->version == k->version);
        }
        REQUIRE(kv_count(kv) == count);
        REQUIRE(kv_bytes(kv) == bytes);
        if (rev % 1000 == 0) {
            check_against_ref(kv, keys, n_keys);
#ifdef SK_DEBUG
            kv_check_invariants(kv);
#endif
        }
    }
    check_against_ref(kv, keys, n_keys);
    kv_free(kv);
}

END_TEST

static Suite *kv_suite(void)
{
    Suite *s = suite_create("kv");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, new_map_is_empty);
    tcase_add_test(tc, put_new_key_sets_metadata);
    tcase_add_test(tc, replace_keeps_create_rev_and_bumps_version);
    tcase_add_test(tc, del_removes_only_the_key);
    tcase_add_test(tc, walk_orders_binary_keys_prefix_first);
    tcase_add_test(tc, seek_finds_first_key_not_below);
    tcase_add_test(tc, load_copies_all_metadata);
    tcase_add_test(tc, sequential_inserts_and_deletes_stay_consistent);
    tcase_add_test(tc, random_ops_match_reference_model);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kv_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

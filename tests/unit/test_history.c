/* Unit tests for the change history ring (src/store/history.c): order,
 * seeking by revision, trimming whole revisions, and the gap a reset
 * leaves for cursors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "store/history.h"

static void add(struct history *h, uint64_t rev, const char *key)
{
    struct history_event e = { .rev = rev,
                               .kind = HISTORY_KEY,
                               .type = 1,
                               .key_len = strlen(key),
                               .value_len = 3 };

    history_append(h, &e, key, "val");
}

START_TEST(events_come_back_in_order_with_their_bytes)
{
    struct history h;
    const struct history_event *e;

    history_init(&h, 1 << 20);
    ck_assert_uint_eq(history_end(&h), 1);
    for (int i = 1; i <= 200; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        add(&h, (uint64_t)i, key);
    }
    ck_assert_uint_eq(history_end(&h), 201);
    e = history_get(&h, 150);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->rev, 150);
    ck_assert_mem_eq(e->key, "k150", 4);
    ck_assert_mem_eq(e->value, "val", 3);
    ck_assert_ptr_null(history_get(&h, 201));
    ck_assert_ptr_null(history_get(&h, 0));
    history_close(&h);
}

END_TEST

START_TEST(seek_finds_the_first_event_of_a_revision)
{
    struct history h;
    uint64_t seq;

    history_init(&h, 1 << 20);
    add(&h, 3, "a");
    add(&h, 3, "b"); /* two keys, one revision */
    add(&h, 5, "c");
    add(&h, 9, "d");
    ck_assert(history_seek(&h, 1, &seq));
    ck_assert_uint_eq(seq, 1);
    ck_assert(history_seek(&h, 3, &seq));
    ck_assert_uint_eq(seq, 1);
    ck_assert(history_seek(&h, 4, &seq));
    ck_assert_uint_eq(seq, 3);
    ck_assert(history_seek(&h, 9, &seq));
    ck_assert_uint_eq(seq, 4);
    ck_assert(history_seek(&h, 10, &seq));
    ck_assert_uint_eq(seq, 5); /* the end: future events */
    history_close(&h);
}

END_TEST

START_TEST(trimming_drops_whole_revisions_and_records_them)
{
    struct history h;
    uint64_t seq;
    size_t each;

    /* Measure one event, then allow about three. */
    history_init(&h, 1 << 20);
    add(&h, 1, "x");
    each = h.bytes;
    history_close(&h);
    history_init(&h, 3 * each + each / 2);
    add(&h, 1, "a");
    add(&h, 2, "b");
    add(&h, 2, "c");
    add(&h, 3, "d"); /* over: revision 1 goes */
    ck_assert_uint_eq(h.compact_rev, 1);
    ck_assert(!history_seek(&h, 1, &seq));
    ck_assert(history_seek(&h, 2, &seq));
    ck_assert_uint_eq(seq, 2);
    ck_assert(history_missed(&h, 1));
    ck_assert(!history_missed(&h, 2));
    add(&h, 4, "e"); /* revision 2 goes whole, both of its events */
    ck_assert_uint_eq(h.compact_rev, 2);
    ck_assert_uint_eq(h.n, 2);
    ck_assert_ptr_null(history_get(&h, 3));
    ck_assert_uint_eq(history_get(&h, 4)->rev, 3);
    history_close(&h);
}

END_TEST

START_TEST(the_newest_revision_is_kept_even_over_the_limit)
{
    struct history h;
    struct history_event big = { .rev = 7,
                                 .kind = HISTORY_KEY,
                                 .type = 1,
                                 .key_len = 1,
                                 .value_len = 4096 };
    char *value = calloc(1, 4096);

    history_init(&h, 100);
    add(&h, 6, "a");
    history_append(&h, &big, "k", value);
    history_append(&h, &big, "l", value);
    ck_assert_uint_eq(h.n, 2);
    ck_assert_uint_eq(h.compact_rev, 6);
    ck_assert_uint_eq(history_get(&h, 2)->rev, 7);
    free(value);
    history_close(&h);
}

END_TEST

START_TEST(reset_leaves_every_cursor_behind)
{
    struct history h;
    uint64_t end;
    uint64_t seq;

    history_init(&h, 1 << 20);
    add(&h, 1, "a");
    add(&h, 2, "b");
    end = history_end(&h);
    history_reset(&h, 40);
    ck_assert(history_missed(&h, end));
    ck_assert(history_missed(&h, 1));
    ck_assert(!history_seek(&h, 40, &seq));
    ck_assert(history_seek(&h, 41, &seq));
    ck_assert_uint_eq(seq, history_end(&h));
    add(&h, 41, "c");
    ck_assert_uint_eq(history_get(&h, seq)->rev, 41);
    ck_assert(!history_missed(&h, seq));
    history_close(&h);
}

END_TEST

static Suite *history_suite(void)
{
    Suite *s = suite_create("history");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, events_come_back_in_order_with_their_bytes);
    tcase_add_test(tc, seek_finds_the_first_event_of_a_revision);
    tcase_add_test(tc, trimming_drops_whole_revisions_and_records_them);
    tcase_add_test(tc, the_newest_revision_is_kept_even_over_the_limit);
    tcase_add_test(tc, reset_leaves_every_cursor_behind);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(history_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

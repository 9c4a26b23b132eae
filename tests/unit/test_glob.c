/* Unit tests for Redis-style glob matching and literal prefixes. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/glob.h"

struct glob_case {
    const char *pattern;
    size_t pattern_len;
    const char *str;
    size_t str_len;
    int match;
};

/* Pattern, string, expected; sizeof keeps embedded NULs. */
#define G(p, s, m)                                  \
    {                                               \
        (p), sizeof(p) - 1, (s), sizeof(s) - 1, (m) \
    }

static const struct glob_case cases[] = {
    /* Literals and the empty cases. */
    G("", "", 1),
    G("", "a", 0),
    G("a", "", 0),
    G("foo", "foo", 1),
    G("foo", "fo", 0),
    G("foo", "fooo", 0),
    G("FOO", "foo", 0), /* case-sensitive */
    /* '*' */
    G("*", "", 1),
    G("*", "anything", 1),
    G("**", "", 1),
    G("foo*", "foo", 1),
    G("foo*", "foo_a", 1),
    G("foo*", "fo", 0),
    G("*foo", "xfoo", 1),
    G("*foo", "foox", 0),
    G("h*llo", "hllo", 1),
    G("h*llo", "heeeello", 1),
    G("a*b*c", "axxbyyc", 1),
    G("a*b*c", "axxbyy", 0),
    G("a*b*c", "abcbc", 1),
    G("*a*", "bab", 1),
    G("*a*", "bbb", 0),
    G("a**b", "ab", 1),
    G("{a}*", "{a}x", 1), /* braces are literal */
    /* '?' */
    G("?", "", 0),
    G("?", "a", 1),
    G("h?llo", "hello", 1),
    G("h?llo", "hllo", 0),
    G("*?", "", 0),
    G("*?", "a", 1),
    G("??*", "a", 0),
    G("??*", "ab", 1),
    /* Classes. */
    G("h[ae]llo", "hello", 1),
    G("h[ae]llo", "hallo", 1),
    G("h[ae]llo", "hillo", 0),
    G("h[^e]llo", "hallo", 1),
    G("h[^e]llo", "hello", 0),
    G("h[a-b]llo", "hbllo", 1),
    G("h[a-b]llo", "hcllo", 0),
    G("h[b-a]llo", "hallo", 1), /* reversed range */
    G("[a-z0-9]", "7", 1),
    G("[a-z0-9]", "A", 0),
    G("[^a-z]", "A", 1),
    G("[^a-z]", "q", 0),
    G("[\\]]", "]", 1),
    G("[\\-]", "-", 1),
    G("[\\-]", "a", 0),
    G("[\\^a]", "^", 1),
    G("[]", "a", 0),  /* empty class matches nothing */
    G("[^]", "a", 1), /* and its negation anything */
    G("[ab", "b", 1), /* unterminated: the class runs to the end */
    G("[ab", "c", 0),
    G("[", "a", 0),
    G("[", "", 0),
    G("x[a-c]*", "xbyz", 1),
    G("[\x80-\xff]", "\xc3", 1), /* bytes compare unsigned */
    G("[\x80-\xff]", "a", 0),
    /* Escapes. */
    G("h\\*llo", "h*llo", 1),
    G("h\\*llo", "hello", 0),
    G("\\?", "?", 1),
    G("\\?", "a", 0),
    G("\\[a]", "[a]", 1),
    G("\\\\", "\\", 1),
    G("\\", "\\", 1), /* a trailing backslash is literal */
    G("a\\", "a\\", 1),
    G("\\a", "a", 1),
    /* Binary-safe. */
    G("a\0*", "a\0b", 1),
    G("a\0*", "a", 0),
    G("*\0", "xy\0", 1),
    G("?\0?", "a\0b", 1),
};

#define N_CASES (sizeof cases / sizeof cases[0])

START_TEST(glob_table)
{
    const struct glob_case *c = &cases[_i];
    /* Exact-size copies: no reading past either length. */
    char *p = malloc(c->pattern_len + 1);
    char *s = malloc(c->str_len + 1);

    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(s);
    memcpy(p, c->pattern, c->pattern_len);
    memcpy(s, c->str, c->str_len);
    ck_assert_msg(glob_match(p, c->pattern_len, s, c->str_len) == c->match,
                  "case %d: pattern \"%s\" string \"%s\": want %d", _i,
                  c->pattern, c->str, c->match);
    free(s);
    free(p);
}

END_TEST

/* Lengths are honoured, not NUL terminators. */
START_TEST(glob_uses_lengths)
{
    ck_assert_int_eq(glob_match("foobar", 3, "foo", 3), 1);
    ck_assert_int_eq(glob_match("foo*", 3, "foox", 4), 0);
    ck_assert_int_eq(glob_match("f*", 2, "fooXYZ", 3), 1);
    ck_assert_int_eq(glob_match("[abc]", 3, "b", 1), 1); /* "[ab" */
    ck_assert_int_eq(glob_match("[abc]", 3, "c", 1), 0);
}

END_TEST

/* Redis' regressions: patterns whose naive backtracking is exponential or
 * nests deeply must still finish (the tcase timeout catches a stall). */
START_TEST(pathological_patterns_finish)
{
    enum {
        LEN = 50000
    };

    char *s = malloc(LEN);
    char *p = malloc(2 * LEN + 1);
    static const char many_stars[] = "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";

    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_nonnull(p);
    memset(s, 'a', LEN);
    ck_assert_int_eq(glob_match(many_stars, sizeof many_stars - 1, s, LEN), 0);
    ck_assert_int_eq(glob_match(many_stars, sizeof many_stars - 2, s, LEN), 1);

    /* "*?" 50000 times: 50000 stars deep for a recursive matcher. */
    for (size_t i = 0; i < LEN; i++) {
        p[2 * i] = '*';
        p[2 * i + 1] = '?';
    }
    ck_assert_int_eq(glob_match(p, 2 * LEN, s, LEN), 1);
    ck_assert_int_eq(glob_match(p, 2 * LEN, s, LEN - 1), 0);
    p[2 * LEN] = 'b';
    ck_assert_int_eq(glob_match(p, 2 * LEN + 1, s, LEN), 0);
    free(p);
    free(s);
}

END_TEST

START_TEST(literal_prefix)
{
    ck_assert_uint_eq(glob_literal_prefix("", 0), 0);
    ck_assert_uint_eq(glob_literal_prefix("foo", 3), 3);
    ck_assert_uint_eq(glob_literal_prefix("foo*", 4), 3);
    ck_assert_uint_eq(glob_literal_prefix("user:?", 6), 5);
    ck_assert_uint_eq(glob_literal_prefix("ab[c]", 5), 2);
    ck_assert_uint_eq(glob_literal_prefix("a\\*b", 4), 1);
    ck_assert_uint_eq(glob_literal_prefix("*abc", 4), 0);
    ck_assert_uint_eq(glob_literal_prefix("a\0b*", 4), 3);
    ck_assert_uint_eq(glob_literal_prefix("abc*", 2), 2);
}

END_TEST

static Suite *glob_suite(void)
{
    Suite *s = suite_create("glob");
    TCase *tc = tcase_create("glob");

    tcase_set_timeout(tc, 5);
    tcase_add_loop_test(tc, glob_table, 0, (int)N_CASES);
    tcase_add_test(tc, glob_uses_lengths);
    tcase_add_test(tc, pathological_patterns_finish);
    tcase_add_test(tc, literal_prefix);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(glob_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

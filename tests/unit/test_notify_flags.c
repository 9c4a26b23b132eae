/* Unit tests for the notify-keyspace-events flag strings
 * (src/lib/notify_flags.c): parsed and printed as Redis does. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/notify_flags.h"

START_TEST(notify_flags_parse_and_format_as_redis)
{
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        { "KEA", "AKE" }, { "AKE", "AKE" },      { "", "" },
        { "Kx", "xK" },   { "E$g", "g$E" },      { "Klsm", "lsKm" },
        { "An", "A" },    { "g$lshzxetd", "A" },
    };

    unsigned flags;
    char out[32];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert(notify_flags_parse(cases[i].in, strlen(cases[i].in), &flags));
        notify_flags_format(flags, out);
        ck_assert_str_eq(out, cases[i].out);
    }
    ck_assert(!notify_flags_parse("KEq", 3, &flags));
    ck_assert(!notify_flags_parse("k", 1, &flags));
}

END_TEST

static Suite *notify_flags_suite(void)
{
    Suite *s = suite_create("notify_flags");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, notify_flags_parse_and_format_as_redis);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(notify_flags_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

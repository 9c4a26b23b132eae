/* The command table: lookup, arity rules, and the table's own consistency. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "cmd/command.h"

static struct slice s(const char *str)
{
    return (struct slice){ str, strlen(str) };
}

START_TEST(lookup_ignores_case)
{
    const struct command *get = command_lookup(s("get"));

    ck_assert_ptr_nonnull(get);
    ck_assert_ptr_eq(command_lookup(s("GET")), get);
    ck_assert_ptr_eq(command_lookup(s("gEt")), get);
    ck_assert_ptr_nonnull(command_lookup(s("MEMBER.ANNOUNCE")));
}

END_TEST

START_TEST(lookup_unknown_and_prefixes_fail)
{
    ck_assert_ptr_null(command_lookup(s("ge")));
    ck_assert_ptr_null(command_lookup(s("gett")));
    ck_assert_ptr_null(command_lookup(s("")));
    ck_assert_ptr_null(command_lookup((struct slice){ "get\0", 4 }));
    ck_assert_ptr_null(command_lookup(s("flushall")));
}

END_TEST

START_TEST(arity_follows_redis_convention)
{
    const struct command *get = command_lookup(s("get"));
    const struct command *del = command_lookup(s("del"));
    const struct command *set = command_lookup(s("set"));
    const struct command *cas = command_lookup(s("cas"));

    ck_assert(!command_arity_ok(get, 1));
    ck_assert(command_arity_ok(get, 2));
    ck_assert(!command_arity_ok(get, 3));
    ck_assert(!command_arity_ok(del, 1));
    ck_assert(command_arity_ok(del, 2));
    ck_assert(command_arity_ok(del, 100));
    ck_assert(!command_arity_ok(set, 2));
    ck_assert(command_arity_ok(set, 3));
    ck_assert(!command_arity_ok(cas, 3));
    ck_assert(command_arity_ok(cas, 4));
    ck_assert(!command_arity_ok(cas, 5));
}

END_TEST

/* Every entry is served exactly one way and has the handler for it. */
START_TEST(table_is_consistent)
{
    for (size_t i = 0; i < command_count; i++) {
        const struct command *c = &command_table[i];
        unsigned kinds = c->flags & (CMD_LOCAL | CMD_READ | CMD_WRITE);

        ck_assert_msg(kinds == CMD_LOCAL || kinds == CMD_READ ||
                          kinds == CMD_WRITE,
                      "%s: exactly one of local/read/write", c->name);
        ck_assert_msg((kinds != CMD_LOCAL) || c->local != NULL, "%s", c->name);
        ck_assert_msg((kinds != CMD_READ) || c->read != NULL, "%s", c->name);
        ck_assert_msg((kinds != CMD_WRITE) || c->write != NULL, "%s", c->name);
        ck_assert_msg(c->arity != 0, "%s: arity", c->name);
        ck_assert_msg(c->summary != NULL && c->summary[0] != '\0', "%s",
                      c->name);
        for (const char *p = c->name; *p; p++) {
            ck_assert_msg(!isupper((unsigned char)*p), "%s: lower case",
                          c->name);
        }
        for (size_t j = i + 1; j < command_count; j++) {
            ck_assert_str_ne(c->name, command_table[j].name);
        }
        ck_assert_ptr_eq(command_lookup(s(c->name)), c);
    }
}

END_TEST

/* Writes change the replicated state; everything else must not. */
START_TEST(writes_are_the_state_changing_commands)
{
    static const char *writes[] = { "set", "del", "cas", "member.announce" };
    static const char *reads[] = { "get",    "mget", "exists",
                                   "getrev", "keys", "dbsize" };

    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        ck_assert_uint_eq(command_lookup(s(writes[i]))->flags & CMD_WRITE,
                          CMD_WRITE);
    }
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
        ck_assert_uint_eq(command_lookup(s(reads[i]))->flags & CMD_READ,
                          CMD_READ);
    }
}

END_TEST

int main(void)
{
    Suite *suite = suite_create("command");
    TCase *tc = tcase_create("table");
    SRunner *runner;
    int failed;

    tcase_add_test(tc, lookup_ignores_case);
    tcase_add_test(tc, lookup_unknown_and_prefixes_fail);
    tcase_add_test(tc, arity_follows_redis_convention);
    tcase_add_test(tc, table_is_consistent);
    tcase_add_test(tc, writes_are_the_state_changing_commands);
    suite_add_tcase(suite, tc);
    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

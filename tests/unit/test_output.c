/* Unit tests for the CLI's reply rendering: JSON escaping and each shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <hiredis/hiredis.h>

#include "cli/output.h"

struct capture {
    char *out_text;
    size_t out_len;
    char *err_text;
    size_t err_len;
    struct output o;
};

static redisReply *parse(const char *wire, size_t len)
{
    redisReader *rd = redisReaderCreate();
    void *reply = NULL;

    redisReaderFeed(rd, wire, len);
    ck_assert_int_eq(redisReaderGetReply(rd, &reply), REDIS_OK);
    ck_assert_ptr_nonnull(reply);
    redisReaderFree(rd);
    return reply;
}

static int render(output_render_fn fn,
                  enum output_format fmt,
                  const char *key,
                  const char *wire,
                  struct capture *c)
{
    redisReply *r = parse(wire, strlen(wire));
    int rc;

    c->o.out = open_memstream(&c->out_text, &c->out_len);
    c->o.err = open_memstream(&c->err_text, &c->err_len);
    c->o.format = fmt;
    rc = fn(&c->o, key, r);
    fclose(c->o.out);
    fclose(c->o.err);
    freeReplyObject(r);
    return rc;
}

static void capture_free(struct capture *c)
{
    free(c->out_text);
    free(c->err_text);
}

static char *json(const char *s, size_t len)
{
    char *text;
    size_t n;
    FILE *f = open_memstream(&text, &n);

    output_json_string(f, s, len);
    fclose(f);
    return text;
}

static const struct {
    const char *in;
    size_t len;
    const char *out;
} escapes[] = {
    { "plain", 5, "\"plain\"" },
    { "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
    { "\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"" },
    { "\x00\x01\x1f", 3, "\"\\u0000\\u0001\\u001f\"" },
    { "\x7f", 1, "\"\\u007f\"" },
    { "\xc3\xa9", 2, "\"\xc3\xa9\"" },         /* é: valid UTF-8 */
    { "\xe2\x82\xac", 3, "\"\xe2\x82\xac\"" }, /* € */
    { "\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"" },
    { "\xff", 1, "\"\\u00ff\"" },                       /* never valid */
    { "\xc3", 1, "\"\\u00c3\"" },                       /* truncated */
    { "\xc0\xaf", 2, "\"\\u00c0\\u00af\"" },            /* overlong */
    { "\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"" }, /* surrogate */
    { "\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\"" },
};

START_TEST(json_string_escapes)
{
    char *got = json(escapes[_i].in, escapes[_i].len);
    ck_assert_str_eq(got, escapes[_i].out);
    free(got);
}

END_TEST

START_TEST(get_human_prints_raw_value)
{
    struct capture c;
    ck_assert_int_eq(
        render(output_get, OUTPUT_HUMAN, "k", "$3\r\na\nb\r\n", &c),
        CLI_EXIT_OK);
    ck_assert_uint_eq(c.out_len, 4);
    ck_assert_mem_eq(c.out_text, "a\nb\n", 4);
    capture_free(&c);
}

END_TEST

START_TEST(get_json)
{
    struct capture c;
    ck_assert_int_eq(render(output_get, OUTPUT_JSON, "k\"", "$1\r\nv\r\n", &c),
                     CLI_EXIT_OK);
    ck_assert_str_eq(c.out_text, "{\"key\":\"k\\\"\",\"value\":\"v\"}\n");
    capture_free(&c);
}

END_TEST

START_TEST(get_nil_is_not_found_with_empty_stdout)
{
    struct capture c;
    ck_assert_int_eq(render(output_get, OUTPUT_JSON, "k", "$-1\r\n", &c),
                     CLI_EXIT_NOTFOUND);
    ck_assert_uint_eq(c.out_len, 0);
    capture_free(&c);
}

END_TEST

START_TEST(rev_null_array_is_not_found)
{
    struct capture c;
    ck_assert_int_eq(render(output_rev, OUTPUT_HUMAN, "k", "*-1\r\n", &c),
                     CLI_EXIT_NOTFOUND);
    ck_assert_uint_eq(c.out_len, 0);
    capture_free(&c);
}

END_TEST

START_TEST(rev_json)
{
    struct capture c;
    ck_assert_int_eq(render(output_rev, OUTPUT_JSON, "k",
                            "*4\r\n$1\r\nv\r\n:3\r\n:5\r\n:2\r\n", &c),
                     CLI_EXIT_OK);
    ck_assert_str_eq(c.out_text,
                     "{\"key\":\"k\",\"value\":\"v\",\"create_revision\":3,"
                     "\"mod_revision\":5,\"version\":2}\n");
    capture_free(&c);
}

END_TEST

START_TEST(wrong_shape_is_an_error)
{
    struct capture c;
    ck_assert_int_eq(
        render(output_rev, OUTPUT_JSON, "k", "*2\r\n:1\r\n:2\r\n", &c),
        CLI_EXIT_REPLY);
    ck_assert_uint_eq(c.out_len, 0);
    ck_assert_ptr_nonnull(strstr(c.err_text, "unexpected reply to GETREV"));
    capture_free(&c);
}

END_TEST

START_TEST(leader_json)
{
    struct capture c;
    ck_assert_int_eq(render(output_leader, OUTPUT_JSON, NULL,
                            "*4\r\n:2\r\n$3\r\nr:1\r\n$3\r\nc:1\r\n$1\r\nz\r\n",
                            &c),
                     CLI_EXIT_OK);
    ck_assert_str_eq(c.out_text,
                     "{\"id\":2,\"raft_address\":\"r:1\","
                     "\"client_address\":\"c:1\",\"zone\":\"z\"}\n");
    capture_free(&c);
}

END_TEST

#define MEMBER                                                    \
    "*8\r\n$2\r\nid\r\n$2\r\n12\r\n$4\r\nrole\r\n$5\r\nvoter\r\n" \
    "$6\r\nleader\r\n$1\r\n1\r\n$9\r\nreachable\r\n$1\r\n0\r\n"

START_TEST(members_table_and_json)
{
    struct capture c;
    ck_assert_int_eq(
        render(output_members, OUTPUT_HUMAN, NULL, "*1\r\n" MEMBER, &c),
        CLI_EXIT_OK);
    ck_assert_str_eq(c.out_text,
                     "ID  ZONE  ROLE   LEADER  REACHABLE  RAFT  CLIENT\n"
                     "12  -     voter  yes     no         -     -\n");
    capture_free(&c);
    ck_assert_int_eq(
        render(output_members, OUTPUT_JSON, NULL, "*1\r\n" MEMBER, &c),
        CLI_EXIT_OK);
    ck_assert_str_eq(c.out_text, "{\"members\":[{\"id\":12,\"role\":\"voter\","
                                 "\"leader\":true,\"reachable\":false}]}\n");
    capture_free(&c);
}

END_TEST

/* An activity record: RESP bulk strings, field then value. */
#define ACTIVITY                                                         \
    "*12\r\n$2\r\nid\r\n$1\r\n7\r\n$4\r\nkind\r\n$6\r\nlaunch\r\n"       \
    "$6\r\nstatus\r\n$10\r\nSuccessful\r\n$8\r\nattempts\r\n$1\r\n2\r\n" \
    "$10\r\nstarted_by\r\n$1\r\n0\r\n$5\r\ncause\r\n$4\r\nwhy.\r\n"

START_TEST(activities_table_and_typed_json)
{
    struct capture c;

    ck_assert_int_eq(
        render(output_activities, OUTPUT_HUMAN, NULL, "*1\r\n" ACTIVITY, &c),
        CLI_EXIT_OK);
    /* Missing fields and node 0 show as "-"; CAUSE, last, is not padded. */
    ck_assert_str_eq(c.out_text,
                     "ID  STATUS      KIND    INSTANCE  ZONE  START  END  "
                     "ATTEMPTS  STARTED-BY  ORDERED-BY  CAUSE\n"
                     "7   Successful  launch  -         -     -      -    "
                     "2         -           -           why.\n");
    capture_free(&c);
    ck_assert_int_eq(
        render(output_activities, OUTPUT_JSON, NULL, "*1\r\n" ACTIVITY, &c),
        CLI_EXIT_OK);
    ck_assert_str_eq(c.out_text,
                     "{\"activities\":[{\"id\":7,\"kind\":\"launch\","
                     "\"status\":\"Successful\",\"attempts\":2,"
                     "\"started_by\":0,\"cause\":\"why.\"}]}\n");
    capture_free(&c);
    /* A record that is not all bulk strings is refused. */
    ck_assert_int_eq(render(output_activity, OUTPUT_HUMAN, NULL,
                            "*2\r\n$2\r\nid\r\n:7\r\n", &c),
                     CLI_EXIT_REPLY);
    capture_free(&c);
}

END_TEST

START_TEST(group_record_and_explain_human)
{
    struct capture c;

    ck_assert_int_eq(
        render(output_group, OUTPUT_HUMAN, NULL,
               "*4\r\n$4\r\nname\r\n$3\r\nweb\r\n$7\r\ndesired\r\n$1\r\n3\r\n",
               &c),
        CLI_EXIT_OK);
    ck_assert_str_eq(c.out_text, "name:    web\ndesired: 3\n");
    capture_free(&c);
    ck_assert_int_eq(
        render(output_explain, OUTPUT_HUMAN, NULL,
               "*8\r\n$5\r\ngroup\r\n$3\r\nweb\r\n$4\r\nplan\r\n$5\r\nwait."
               "\r\n$13\r\nblocked_until\r\n$1\r\nT\r\n$7\r\nactions\r\n*1\r\n"
               "$6\r\nlaunch\r\n",
               &c),
        CLI_EXIT_OK);
    ck_assert_str_eq(c.out_text, "web: wait.\nblocked until T\n  - launch\n");
    capture_free(&c);
}

END_TEST

START_TEST(info_json_groups_sections)
{
    struct capture c;
    const char *wire =
        "$36\r\n# Server\r\nv:1\r\n\r\n# Raft\r\nterm:7\r\nx\r\n\r\n";
    ck_assert_int_eq(render(output_info, OUTPUT_JSON, NULL, wire, &c),
                     CLI_EXIT_OK);
    ck_assert_str_eq(c.out_text,
                     "{\"server\":{\"v\":\"1\"},\"raft\":{\"term\":\"7\"}}\n");
    capture_free(&c);
}

END_TEST

START_TEST(cas_human)
{
    struct capture c;
    render(output_cas, OUTPUT_HUMAN, "k", ":0\r\n", &c);
    ck_assert_str_eq(c.out_text,
                     "not replaced (value differs or key absent)\n");
    capture_free(&c);
    render(output_cas, OUTPUT_JSON, "k", ":1\r\n", &c);
    ck_assert_str_eq(c.out_text, "{\"key\":\"k\",\"replaced\":true}\n");
    capture_free(&c);
}

END_TEST

static int push_fn(const struct output *o, const char *key, const redisReply *r)
{
    (void)key;
    return output_push(o, r);
}

static int
reply_fn(const struct output *o, const char *key, const redisReply *r)
{
    (void)key;
    output_reply(o, r);
    return CLI_EXIT_OK;
}

START_TEST(lease_ttl_human_and_json)
{
    static const char wire[] =
        "*12\r\n$2\r\nid\r\n:7\r\n$11\r\ngranted_ttl\r\n:30\r\n$3\r\nttl\r\n"
        ":29\r\n$6\r\nttl_ms\r\n:29500\r\n$6\r\nn_keys\r\n:1\r\n$4\r\nkeys"
        "\r\n*1\r\n$3\r\na\"b\r\n";
    struct capture c;

    ck_assert_int_eq(render(output_lease_ttl, OUTPUT_HUMAN, NULL, wire, &c),
                     CLI_EXIT_OK);
    ck_assert_str_eq(c.out_text, "id: 7\ngranted_ttl: 30\nttl: 29\nkeys: 1\n"
                                 "  a\"b\n");
    capture_free(&c);
    ck_assert_int_eq(render(output_lease_ttl, OUTPUT_JSON, NULL, wire, &c),
                     CLI_EXIT_OK);
    ck_assert_str_eq(c.out_text,
                     "{\"id\":7,\"granted_ttl\":30,\"ttl\":29,\"ttl_ms\":29500,"
                     "\"n_keys\":1,\"keys\":[\"a\\\"b\"]}\n");
    capture_free(&c);
    ck_assert_int_eq(render(output_lease_ttl, OUTPUT_JSON, NULL, ":1\r\n", &c),
                     CLI_EXIT_REPLY);
    capture_free(&c);
}

END_TEST

START_TEST(push_events_one_line_each)
{
    static const char put[] = "*6\r\n$3\r\nput\r\n$1\r\nk\r\n$1\r\nv\r\n:3\r\n"
                              ":9\r\n$0\r\n\r\n";
    static const char del[] = "*6\r\n$6\r\ndelete\r\n$1\r\nk\r\n$-1\r\n:3\r\n"
                              ":10\r\n$0\r\n\r\n";
    static const char leader[] = "*5\r\n$6\r\nleader\r\n$3\r\nctl\r\n$-1\r\n"
                                 ":0\r\n:0\r\n";
    struct capture c;

    render(push_fn, OUTPUT_HUMAN, NULL, put, &c);
    ck_assert_str_eq(c.out_text, "put    k = v  (revision 9)\n");
    capture_free(&c);
    render(push_fn, OUTPUT_JSON, NULL, del, &c);
    ck_assert_str_eq(c.out_text,
                     "{\"type\":\"delete\",\"key\":\"k\",\"value\":null,"
                     "\"create_revision\":3,\"mod_revision\":10}\n");
    capture_free(&c);
    render(push_fn, OUTPUT_HUMAN, NULL, leader, &c);
    ck_assert_str_eq(c.out_text, "ctl: no leader\n");
    capture_free(&c);
}

END_TEST

START_TEST(any_reply_as_json)
{
    static const char wire[] = "*5\r\n+OK\r\n:2\r\n$-1\r\n*1\r\n$1\r\nx\r\n"
                               "-NOLEASE gone\r\n";
    struct capture c;

    render(reply_fn, OUTPUT_JSON, NULL, wire, &c);
    ck_assert_str_eq(c.out_text,
                     "[\"OK\",2,null,[\"x\"],{\"error\":\"NOLEASE gone\"}]\n");
    capture_free(&c);
    render(reply_fn, OUTPUT_HUMAN, NULL, wire, &c);
    ck_assert_str_eq(c.out_text, "1) OK\n2) (integer) 2\n3) (nil)\n4) 1) "
                                 "\"x\"\n5) (error) NOLEASE gone\n");
    capture_free(&c);
}

END_TEST

int main(void)
{
    Suite *s = suite_create("output");
    TCase *tc = tcase_create("render");
    SRunner *sr;
    int failed;

    tcase_add_loop_test(tc, json_string_escapes, 0,
                        sizeof escapes / sizeof escapes[0]);
    tcase_add_test(tc, get_human_prints_raw_value);
    tcase_add_test(tc, get_json);
    tcase_add_test(tc, get_nil_is_not_found_with_empty_stdout);
    tcase_add_test(tc, rev_null_array_is_not_found);
    tcase_add_test(tc, rev_json);
    tcase_add_test(tc, wrong_shape_is_an_error);
    tcase_add_test(tc, leader_json);
    tcase_add_test(tc, members_table_and_json);
    tcase_add_test(tc, activities_table_and_typed_json);
    tcase_add_test(tc, group_record_and_explain_human);
    tcase_add_test(tc, info_json_groups_sections);
    tcase_add_test(tc, cas_human);
    tcase_add_test(tc, lease_ttl_human_and_json);
    tcase_add_test(tc, push_events_one_line_each);
    tcase_add_test(tc, any_reply_as_json);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0;
}

/* CLIENT LIST and CLIENT KILL without sockets (src/cmd/clients.c): the
 * filters parse and fail with Redis' errors, select what Redis selects, and
 * a connection's line carries Redis' fields. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "cmd/clients.h"
#include "cmd/command.h"
#include "cmd/session.h"

#define MAX_WORDS 16

/* A request split on spaces, as the parser would hand it over. */
struct words {
    char text[256];
    struct slice argv[MAX_WORDS];
    size_t argc;
};

static void split(struct words *w, const char *request)
{
    char *p = w->text;

    strcpy(w->text, request);
    w->argc = 0;
    while (*p != '\0') {
        char *end = strchr(p, ' ');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        ck_assert_uint_lt(w->argc, MAX_WORDS);
        w->argv[w->argc++] = (struct slice){ p, len };
        p += len + (end != NULL);
    }
}

/* Parse @request with CLIENT LIST's (@kill false) or KILL's rules. */
static int
parse(struct client_filter *f, bool kill, const char *request, char *errmsg)
{
    static struct words w; /* the filter borrows its slices */

    split(&w, request);
    client_filter_close(f);
    if (kill) {
        return clients_parse_kill(f, w.argc, w.argv, errmsg);
    }
    return clients_parse_list(f, w.argc, w.argv, errmsg);
}

/* Every malformed filter is refused with the error Redis gives it. */
START_TEST(bad_filters_get_redis_errors)
{
    static const struct {
        bool kill;
        const char *request;
        const char *error;
    } cases[] = {
        { false, "CLIENT LIST TYPE", "syntax error" },
        { false, "CLIENT LIST ID", "syntax error" },
        { false, "CLIENT LIST FOO bar", "syntax error" },
        { false, "CLIENT LIST TYPE bogus", "Unknown client type 'bogus'" },
        { false, "CLIENT LIST ID 1 x", "Invalid client ID" },
        { false, "CLIENT LIST ID 0", "Invalid client ID" },
        { false, "CLIENT LIST ID -3", "Invalid client ID" },
        { true, "CLIENT KILL ID", "syntax error" },
        { true, "CLIENT KILL ID 1 ADDR", "syntax error" },
        { true, "CLIENT KILL ID 0", "client-id should be greater than 0" },
        { true, "CLIENT KILL ID x", "client-id should be greater than 0" },
        { true, "CLIENT KILL ID 99999999999999999999",
          "client-id should be greater than 0" },
        { true, "CLIENT KILL TYPE x", "Unknown client type 'x'" },
        { true, "CLIENT KILL SKIPME maybe", "syntax error" },
        { true, "CLIENT KILL MAXAGE 0", "syntax error" },
        { true, "CLIENT KILL MAXAGE -5", "syntax error" },
        { true, "CLIENT KILL MAXAGE old",
          "maxage is not an integer or out of range" },
        { true, "CLIENT KILL USER default", "syntax error" },
        { true, "CLIENT KILL BOGUS x", "syntax error" },
    };
    struct client_filter f;
    char errmsg[SK_ERRMSG_SIZE];

    client_filter_init(&f);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        errmsg[0] = '\0';
        ck_assert_msg(parse(&f, cases[i].kill, cases[i].request, errmsg) != 0,
                      "%s parsed", cases[i].request);
        ck_assert_str_eq(errmsg, cases[i].error);
    }
    client_filter_close(&f);
}

END_TEST

START_TEST(filters_parse_into_their_fields)
{
    struct client_filter f;
    char errmsg[SK_ERRMSG_SIZE];

    client_filter_init(&f);
    ck_assert_int_eq(parse(&f, false, "CLIENT LIST", errmsg), 0);
    ck_assert_int_eq(f.type, -1);
    ck_assert_ptr_null(f.ids);
    ck_assert(!f.skip_me);

    ck_assert_int_eq(
        parse(&f, false, "CLIENT LIST type REPLICA ID 3 9 4", errmsg), 0);
    ck_assert_int_eq(f.type, CLIENT_TYPE_REPLICA);
    ck_assert_uint_eq(f.n_ids, 3);
    ck_assert_uint_eq(f.ids[0], 3);
    ck_assert_uint_eq(f.ids[2], 4);
    ck_assert_int_eq(parse(&f, false, "CLIENT LIST TYPE slave", errmsg), 0);
    ck_assert_int_eq(f.type, CLIENT_TYPE_REPLICA);

    /* KILL's new form: SKIPME defaults to yes, the last ID wins. */
    ck_assert_int_eq(parse(&f, true,
                           "CLIENT KILL ID 5 addr 1.2.3.4:5 LADDR 1.1.1.1:7 "
                           "TYPE pubsub MAXAGE 30 ID 6",
                           errmsg),
                     0);
    ck_assert(f.skip_me);
    ck_assert_uint_eq(f.n_ids, 1);
    ck_assert_uint_eq(f.ids[0], 6);
    ck_assert_int_eq(f.type, CLIENT_TYPE_PUBSUB);
    ck_assert_uint_eq(f.addr.len, 9);
    ck_assert_uint_eq(f.laddr.len, 9);
    ck_assert_uint_eq(f.max_age_s, 30);
    ck_assert_int_eq(parse(&f, true, "CLIENT KILL SKIPME NO", errmsg), 0);
    ck_assert(!f.skip_me);
    client_filter_close(&f);
}

END_TEST

/* A session as a connection would hold it, for the view's sake. */
static void fake_session(struct session *s, uint64_t id)
{
    memset(s, 0, sizeof *s);
    s->id = id;
    s->created_ms = 1000;
    s->last_ms = 1000;
}

static struct client_view view_of(const struct session *s, const char *addr)
{
    return (struct client_view){
        .session = s, .addr = addr, .laddr = "127.0.0.1:7001", .fd = 12
    };
}

/* Filters are ANDed; TYPE follows Redis' precedence (replica, then pubsub,
 * then normal); SKIPME spares the caller; MAXAGE keeps the old ones. */
START_TEST(filters_select_what_redis_selects)
{
    struct session plain, peer, pushing;
    struct client_view v_plain = view_of(&plain, "127.0.0.1:5000");
    struct client_view v_peer = view_of(&peer, "127.0.0.1:5001");
    struct client_view v_push = view_of(&pushing, "127.0.0.1:5002");
    struct sub channel = { .kind = SUB_CHANNEL };
    struct client_filter f;
    char errmsg[SK_ERRMSG_SIZE];

    fake_session(&plain, 1);
    fake_session(&peer, 2);
    peer.is_peer = true;
    fake_session(&pushing, 3);
    pushing.subs.items = &channel;
    pushing.subs.n = 1;
    ck_assert_int_eq(clients_type_of(&plain), CLIENT_TYPE_NORMAL);
    ck_assert_int_eq(clients_type_of(&peer), CLIENT_TYPE_REPLICA);
    ck_assert_int_eq(clients_type_of(&pushing), CLIENT_TYPE_PUBSUB);

    client_filter_init(&f);
    ck_assert(clients_match(&f, &v_plain, &plain, 5000));
    ck_assert_int_eq(parse(&f, true, "CLIENT KILL TYPE normal", errmsg), 0);
    ck_assert(!clients_match(&f, &v_plain, &plain, 5000)); /* SKIPME yes */
    ck_assert(clients_match(&f, &v_plain, &peer, 5000));
    ck_assert(!clients_match(&f, &v_peer, &plain, 5000));
    ck_assert(!clients_match(&f, &v_push, &plain, 5000));
    ck_assert_int_eq(parse(&f, true, "CLIENT KILL TYPE master", errmsg), 0);
    ck_assert(!clients_match(&f, &v_peer, &plain, 5000));
    ck_assert_int_eq(
        parse(&f, true, "CLIENT KILL TYPE replica ADDR 127.0.0.1:5001", errmsg),
        0);
    ck_assert(clients_match(&f, &v_peer, &plain, 5000));
    ck_assert_int_eq(
        parse(&f, true, "CLIENT KILL TYPE replica ADDR 127.0.0.1:500", errmsg),
        0);
    ck_assert(!clients_match(&f, &v_peer, &plain, 5000));
    ck_assert_int_eq(
        parse(&f, true, "CLIENT KILL LADDR 127.0.0.1:7001 ID 3", errmsg), 0);
    ck_assert(clients_match(&f, &v_push, &plain, 5000));
    ck_assert(!clients_match(&f, &v_plain, &peer, 5000));
    ck_assert_int_eq(parse(&f, true, "CLIENT KILL MAXAGE 4", errmsg), 0);
    ck_assert(!clients_match(&f, &v_peer, &plain, 4999));
    ck_assert(clients_match(&f, &v_peer, &plain, 5000));
    ck_assert_int_eq(parse(&f, false, "CLIENT LIST ID 2 3", errmsg), 0);
    ck_assert(!clients_match(&f, &v_plain, &peer, 5000));
    ck_assert(clients_match(&f, &v_peer, &peer, 5000)); /* LIST: no SKIPME */
    ck_assert(clients_match(&f, &v_push, &peer, 5000));
    client_filter_close(&f);
}

END_TEST

static void describe(const struct client_view *v, char *out, size_t size)
{
    struct buf b;

    buf_init(&b);
    clients_describe(&b, v, 7500);
    ck_assert_uint_lt(b.len, size);
    memcpy(out, b.base, b.len);
    out[b.len] = '\0';
    buf_close(&b);
}

START_TEST(a_new_connection_reads_as_in_redis)
{
    struct session s;
    struct client_view v;
    char line[512];

    fake_session(&s, 7);
    v = view_of(&s, "127.0.0.1:41234");
    v.reading = true;
    describe(&v, line, sizeof line);
    ck_assert_str_eq(line,
                     "id=7 addr=127.0.0.1:41234 laddr=127.0.0.1:7001 fd=12 "
                     "name= age=6 idle=6 flags=N db=0 sub=0 psub=0 "
                     "multi=-1 watch=0 qbuf=0 omem=0 events=r cmd=NULL "
                     "resp=2 peer=0");
}

END_TEST

START_TEST(flags_counts_and_last_command_are_shown)
{
    struct session s;
    struct sub subs[3] = { { .kind = SUB_CHANNEL },
                           { .kind = SUB_PATTERN },
                           { .kind = SUB_CHANNEL } };
    struct client_view v;
    char line[512];

    fake_session(&s, 9);
    strcpy(s.name, "web-1");
    s.last_ms = 7000;
    s.last_cmd = command_lookup((struct slice){ "client", 6 });
    strcpy(s.last_sub, "list");
    s.in_multi = true;
    s.txn.n_cmds = 2;
    s.txn.n_watch = 1;
    s.readonly = true;
    s.subs.items = subs;
    s.subs.n = 3;
    v = view_of(&s, "[::1]:5000");
    v.qbuf = 26;
    v.omem = 10;
    v.reading = true;
    v.writing = true;
    describe(&v, line, sizeof line);
    ck_assert_str_eq(line,
                     "id=9 addr=[::1]:5000 laddr=127.0.0.1:7001 fd=12 "
                     "name=web-1 age=6 idle=0 flags=Pxr db=0 sub=2 psub=1 "
                     "multi=2 watch=1 qbuf=26 omem=10 events=rw "
                     "cmd=client|list resp=2 peer=0");

    /* A follower's forwarding link, closing once its replies are sent. */
    fake_session(&s, 10);
    s.is_peer = true;
    s.peer_id = 3;
    s.quit = true;
    s.blocked = true;
    s.last_cmd = command_lookup((struct slice){ "set", 3 });
    v = view_of(&s, "127.0.0.1:6000");
    describe(&v, line, sizeof line);
    ck_assert_ptr_nonnull(strstr(line, " flags=Sbc "));
    ck_assert_ptr_nonnull(strstr(line, " events= cmd=set "));
    ck_assert_ptr_nonnull(strstr(line, " peer=3"));
}

END_TEST

static Suite *clients_suite(void)
{
    Suite *s = suite_create("clients");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, bad_filters_get_redis_errors);
    tcase_add_test(tc, filters_parse_into_their_fields);
    tcase_add_test(tc, filters_select_what_redis_selects);
    tcase_add_test(tc, a_new_connection_reads_as_in_redis);
    tcase_add_test(tc, flags_counts_and_last_command_are_shown);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(clients_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

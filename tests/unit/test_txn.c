/* Unit tests for transactions (src/fsm/txn.c): the command checks, the blob
 * format and the atomic apply with watched keys. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <check.h>

#include "fsm/entry.h"
#include "fsm/fsm.h"
#include "fsm/snapshot.h"
#include "fsm/txn.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/mem.h"
#include "lib/slice.h"

#define MAX_ARGS 10

#define S(lit)                                \
    {                                         \
        .base = (lit), .len = sizeof(lit) - 1 \
    }

#define assert_reply(b, lit)                                 \
    do {                                                     \
        ck_assert_uint_eq((b)->len, sizeof(lit) - 1);        \
        ck_assert_mem_eq((b)->base, (lit), sizeof(lit) - 1); \
    } while (0)

#define assert_same_bytes(a, b)                               \
    do {                                                      \
        ck_assert_uint_eq((a)->len, (b)->len);                \
        if ((a)->len > 0) {                                   \
            ck_assert_mem_eq((a)->base, (b)->base, (a)->len); \
        }                                                     \
    } while (0)

#define ALLOWED_LIST \
    "(allowed: GET MGET EXISTS GETREV MODREVS DBSIZE SET DEL CAS)"

/* Fill @argv from @argc C strings in @ap. */
static void fill_args(struct slice *argv, size_t argc, va_list ap)
{
    if (argc > MAX_ARGS) {
        ck_abort_msg("%zu arguments", argc);
    }
    for (size_t i = 0; i < argc; i++) {
        argv[i].base = va_arg(ap, const char *);
        argv[i].len = strlen(argv[i].base);
    }
}

/* txn_check_command() on @argc C strings. */
static int check(const struct txn_limits *limits,
                 char errmsg[SK_ERRMSG_SIZE],
                 size_t argc,
                 ...)
{
    struct slice argv[MAX_ARGS];
    va_list ap;

    va_start(ap, argc);
    fill_args(argv, argc, ap);
    va_end(ap);
    return txn_check_command(argc, argv, limits, errmsg);
}

/* Queue the command made of @argc C strings in @w. */
static void add(struct txn_writer *w, size_t argc, ...)
{
    struct slice argv[MAX_ARGS];
    va_list ap;

    va_start(ap, argc);
    fill_args(argv, argc, ap);
    va_end(ap);
    txn_writer_command(w, argc, argv);
}

static void watch(struct txn_writer *w, const char *key, uint64_t mod_rev)
{
    txn_writer_watch(w, key, strlen(key), mod_rev);
}

/* Finish @w into @blob (emptied first) and close @w. */
static void finish(struct txn_writer *w, struct buf *blob)
{
    buf_reset(blob);
    txn_writer_finish(w, blob);
    txn_writer_close(w);
}

/* A heap copy of exactly @len bytes, so ASan sees any read past the end. */
static char *copy_exact(const void *data, size_t len)
{
    char *p = mem_alloc(len);

    if (len > 0) {
        memcpy(p, data, len);
    }
    return p;
}

/* Apply @blob with txn_apply() from a heap copy of exactly its length,
 * replacing @reply's contents. */
static void apply(struct fsm *f, const struct buf *blob, struct buf *reply)
{
    char *copy = copy_exact(blob->base, blob->len);

    buf_reset(reply);
    txn_apply(f, copy, blob->len, reply);
    mem_free(copy);
}

/* The single-command entry @op @argc x C strings, applied with fsm_apply(). */
static void apply_entry(struct fsm *f, uint8_t op, size_t argc, ...)
{
    struct slice argv[MAX_ARGS];
    struct entry_writer w;
    va_list ap;

    va_start(ap, argc);
    fill_args(argv, argc, ap);
    va_end(ap);
    entry_writer_init(&w, 1, 1);
    entry_writer_add(&w, op, argc, argv);
    entry_writer_finish(&w, 0);
    ck_assert_int_eq(fsm_apply(f, w.buf.base, w.buf.len, NULL, 0), 0);
    entry_writer_close(&w);
}

static void set(struct fsm *f, const char *key, const char *value)
{
    apply_entry(f, ENTRY_OP_SET, 2, key, value);
}

static uint64_t mod_rev(const struct fsm *f, const char *key)
{
    const struct kv_entry *e = kv_get(f->kv, key, strlen(key));

    return e != NULL ? e->mod_rev : 0;
}

/* @out (emptied first) holds the whole state of @f. */
static void snap(const struct fsm *f, struct buf *out)
{
    buf_reset(out);
    snapshot_encode(f, out);
}

struct fixture {
    struct fsm f;
    struct txn_writer w;
    struct buf blob;
    struct buf reply;
    struct buf before; /* snapshots */
    struct buf after;
};

static void fixture_init(struct fixture *x)
{
    fsm_init(&x->f);
    txn_writer_init(&x->w);
    buf_init(&x->blob);
    buf_init(&x->reply);
    buf_init(&x->before);
    buf_init(&x->after);
}

static void fixture_close(struct fixture *x)
{
    fsm_close(&x->f);
    txn_writer_close(&x->w);
    buf_close(&x->blob);
    buf_close(&x->reply);
    buf_close(&x->before);
    buf_close(&x->after);
}

/* Finish x->w into x->blob, snapshot, apply, snapshot again. */
static void run(struct fixture *x)
{
    finish(&x->w, &x->blob);
    txn_writer_init(&x->w);
    snap(&x->f, &x->before);
    apply(&x->f, &x->blob, &x->reply);
    snap(&x->f, &x->after);
}

/* --- txn_check_command ------------------------------------------------- */

START_TEST(allowed_commands_pass_in_any_case)
{
    static const char *const names[][3] = {
        { "get", "GET", "gEt" },
        { "mget", "MGET", "MgeT" },
        { "exists", "EXISTS", "Exists" },
        { "getrev", "GETREV", "GetRev" },
        { "modrevs", "MODREVS", "modREVS" },
        { "dbsize", "DBSIZE", "dbSize" },
        { "set", "SET", "Set" },
        { "del", "DEL", "dEL" },
        { "cas", "CAS", "CaS" },
    };
    static const size_t argc[] = { 2, 3, 3, 2, 3, 1, 3, 3, 4 };
    struct txn_limits limits = { .max_key_bytes = 16, .max_value_bytes = 16 };
    char errmsg[SK_ERRMSG_SIZE];

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        for (size_t c = 0; c < 3; c++) {
            struct slice argv[4] = {
                { names[i][c], strlen(names[i][c]) }, S("k1"), S("k2"), S("k3")
            };
            int rv = txn_check_command(argc[i], argv, &limits, errmsg);

            ck_assert_msg(rv == 0, "%s refused: %d", names[i][c], rv);
            rv = txn_check_command(argc[i], argv, NULL, errmsg);
            ck_assert_msg(rv == 0, "%s refused without limits: %d", names[i][c],
                          rv);
        }
    }
}

END_TEST

START_TEST(other_commands_are_refused_with_the_allowed_list)
{
    static const struct {
        const char *argv[3];
        size_t argc;
        const char *msg;
    } cases[] = {
        { { "INCR", "k" },
          2,
          "'INCR' cannot be used inside MULTI " ALLOWED_LIST },
        { { "keys", "*" },
          2,
          "'keys' cannot be used inside MULTI " ALLOWED_LIST },
        { { "MULTI" }, 1, "'MULTI' cannot be used inside MULTI " ALLOWED_LIST },
        { { "exec" }, 1, "'exec' cannot be used inside MULTI " ALLOWED_LIST },
        { { "watch", "k" },
          2,
          "'watch' cannot be used inside MULTI " ALLOWED_LIST },
        { { "gets", "k" },
          2,
          "'gets' cannot be used inside MULTI " ALLOWED_LIST },
        { { "ge", "k" }, 2, "'ge' cannot be used inside MULTI " ALLOWED_LIST },
        { { "", "k" }, 2, "'' cannot be used inside MULTI " ALLOWED_LIST },
    };
    struct txn_limits limits = { .max_key_bytes = 16, .max_value_bytes = 16 };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct slice argv[3];
        char errmsg[SK_ERRMSG_SIZE] = "";

        for (size_t a = 0; a < cases[i].argc; a++) {
            argv[a].base = cases[i].argv[a];
            argv[a].len = strlen(cases[i].argv[a]);
        }
        ck_assert_int_eq(
            txn_check_command(cases[i].argc, argv, &limits, errmsg), SK_EINVAL);
        ck_assert_str_eq(errmsg, cases[i].msg);
        errmsg[0] = '\0';
        ck_assert_int_eq(txn_check_command(cases[i].argc, argv, NULL, errmsg),
                         SK_EINVAL);
        ck_assert_str_eq(errmsg, cases[i].msg);
    }
}

END_TEST

START_TEST(wrong_number_of_arguments_is_refused)
{
    static const struct {
        const char *argv[5];
        size_t argc;
        const char *name;
    } cases[] = {
        { { "GET" }, 1, "get" },
        { { "get", "a", "b" }, 3, "get" },
        { { "MGET" }, 1, "mget" },
        { { "exists" }, 1, "exists" },
        { { "GetRev" }, 1, "getrev" },
        { { "getrev", "a", "b" }, 3, "getrev" },
        { { "modrevs" }, 1, "modrevs" },
        { { "DBSIZE", "a" }, 2, "dbsize" },
        { { "SET", "a" }, 2, "set" },
        { { "Del" }, 1, "del" },
        { { "CAS", "a", "b" }, 3, "cas" },
        { { "cas", "a", "b", "c", "d" }, 5, "cas" },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct slice argv[5];
        char errmsg[SK_ERRMSG_SIZE] = "";
        char want[SK_ERRMSG_SIZE];

        for (size_t a = 0; a < cases[i].argc; a++) {
            argv[a].base = cases[i].argv[a];
            argv[a].len = strlen(cases[i].argv[a]);
        }
        snprintf(want, sizeof want,
                 "wrong number of arguments for '%s' command", cases[i].name);
        ck_assert_int_eq(txn_check_command(cases[i].argc, argv, NULL, errmsg),
                         SK_EINVAL);
        ck_assert_str_eq(errmsg, want);
    }
}

END_TEST

START_TEST(variadic_commands_take_many_keys)
{
    char errmsg[SK_ERRMSG_SIZE];

    ck_assert_int_eq(check(NULL, errmsg, 2, "mget", "a"), 0);
    ck_assert_int_eq(check(NULL, errmsg, 6, "mget", "a", "b", "c", "d", "e"),
                     0);
    ck_assert_int_eq(check(NULL, errmsg, 5, "EXISTS", "a", "b", "c", "d"), 0);
    ck_assert_int_eq(check(NULL, errmsg, 4, "modrevs", "a", "b", "c"), 0);
    ck_assert_int_eq(check(NULL, errmsg, 4, "DEL", "a", "b", "c"), 0);
}

END_TEST

/* With limits of 4-byte keys and 8-byte values: keys are every argument but
 * the value of SET and the expected and new values of CAS. */
START_TEST(keys_and_values_are_held_to_their_limits)
{
    static const struct {
        const char *argv[5];
        size_t argc;
        const char *msg; /* NULL: accepted */
    } cases[] = {
        { { "get", "kkkk" }, 2, NULL },
        { { "get", "kkkkk" },
          2,
          "key of 5 bytes exceeds the limit of 4 bytes" },
        { { "mget", "k", "kkkkkk" },
          3,
          "key of 6 bytes exceeds the limit of 4 bytes" },
        { { "exists", "kkkkk", "k" },
          3,
          "key of 5 bytes exceeds the limit of 4 bytes" },
        { { "getrev", "kkkkk" },
          2,
          "key of 5 bytes exceeds the limit of 4 bytes" },
        { { "modrevs", "k", "k", "kkkkk" },
          4,
          "key of 5 bytes exceeds the limit of 4 bytes" },
        { { "del", "k", "kkkkkkk" },
          3,
          "key of 7 bytes exceeds the limit of 4 bytes" },
        /* SET: the key is held to the key limit, the value to the value
         * limit, though it is longer than a key may be. */
        { { "set", "kkkk", "vvvvvvvv" }, 3, NULL },
        { { "SET", "kkkkk", "v" },
          3,
          "key of 5 bytes exceeds the limit of 4 bytes" },
        { { "set", "k", "vvvvvvvvv" },
          3,
          "value of 9 bytes exceeds the limit of 8 bytes" },
        /* CAS key expected new. */
        { { "cas", "kkkk", "vvvvvvvv", "vvvvvvvv" }, 4, NULL },
        { { "CAS", "kkkkk", "v", "v" },
          4,
          "key of 5 bytes exceeds the limit of 4 bytes" },
        { { "cas", "k", "vvvvvvvvv", "v" },
          4,
          "value of 9 bytes exceeds the limit of 8 bytes" },
        { { "cas", "k", "v", "vvvvvvvvvv" },
          4,
          "value of 10 bytes exceeds the limit of 8 bytes" },
        /* The name itself is not held to any limit. */
        { { "modrevs", "kkkk", "kkkk" }, 3, NULL },
    };
    struct txn_limits limits = { .max_key_bytes = 4, .max_value_bytes = 8 };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct slice argv[5];
        char errmsg[SK_ERRMSG_SIZE] = "";
        int rv;

        for (size_t a = 0; a < cases[i].argc; a++) {
            argv[a].base = cases[i].argv[a];
            argv[a].len = strlen(cases[i].argv[a]);
        }
        rv = txn_check_command(cases[i].argc, argv, &limits, errmsg);
        if (cases[i].msg == NULL) {
            ck_assert_msg(rv == 0, "case %zu refused: %s", i, errmsg);
        } else {
            ck_assert_msg(rv == SK_EINVAL, "case %zu: %d", i, rv);
            ck_assert_str_eq(errmsg, cases[i].msg);
        }
        /* Without limits only the name and arity are checked. */
        ck_assert_int_eq(txn_check_command(cases[i].argc, argv, NULL, errmsg),
                         0);
    }
}

END_TEST

START_TEST(null_limits_skip_size_checks)
{
    struct slice argv[4];
    char *big = mem_alloc(100000);
    char errmsg[SK_ERRMSG_SIZE];
    struct txn_limits tiny = { .max_key_bytes = 1, .max_value_bytes = 1 };

    memset(big, 'x', 100000);
    argv[0] = (struct slice)S("CAS");
    argv[1] = (struct slice){ big, 100000 };
    argv[2] = (struct slice){ big, 99999 };
    argv[3] = (struct slice){ big, 100000 };
    ck_assert_int_eq(txn_check_command(4, argv, NULL, errmsg), 0);
    ck_assert_int_eq(txn_check_command(4, argv, &tiny, errmsg), SK_EINVAL);
    ck_assert_str_eq(errmsg,
                     "key of 100000 bytes exceeds the limit of 1 bytes");
    mem_free(big);
}

END_TEST

/* --- blob format ------------------------------------------------------- */

/* The length of build_sample()'s blob. */
#define SAMPLE_LEN 124

/* A blob with binary and empty keys and values, and its expected bytes. */
static void build_sample(struct buf *blob, struct buf *expected)
{
    static const struct slice set[] = { S("SET"), S("k\0y"), S("v\r\n") };
    static const struct slice mget[] = { S("mget"), S("k\0y"), S("") };
    static const struct slice cas[] = { S("Cas"), S(""), S(""), S("new") };
    struct txn_writer w;

    txn_writer_init(&w);
    txn_writer_watch(&w, "w\0a", 3, 7);
    txn_writer_watch(&w, "", 0, 0);
    txn_writer_watch(&w, "big", 3, UINT64_MAX);
    txn_writer_command(&w, 3, set);
    txn_writer_command(&w, 3, mget);
    txn_writer_command(&w, 4, cas);
    ck_assert_uint_eq(w.n_watch, 3);
    ck_assert_uint_eq(w.n_cmds, 3);
    buf_reset(blob);
    txn_writer_finish(&w, blob);
    ck_assert_uint_eq(txn_writer_size(&w), blob->len);
    txn_writer_close(&w);

    /* txn.h: u32 n_watch, (bytes key, u64 mod_rev)..., u32 n_cmds,
     * (u32 argc, bytes...)... */
    buf_reset(expected);
    buf_put_u32(expected, 3);
    buf_put_bytes(expected, "w\0a", 3);
    buf_put_u64(expected, 7);
    buf_put_bytes(expected, "", 0);
    buf_put_u64(expected, 0);
    buf_put_bytes(expected, "big", 3);
    buf_put_u64(expected, UINT64_MAX);
    buf_put_u32(expected, 3);
    buf_put_u32(expected, 3);
    buf_put_bytes(expected, "SET", 3);
    buf_put_bytes(expected, "k\0y", 3);
    buf_put_bytes(expected, "v\r\n", 3);
    buf_put_u32(expected, 3);
    buf_put_bytes(expected, "mget", 4);
    buf_put_bytes(expected, "k\0y", 3);
    buf_put_bytes(expected, "", 0);
    buf_put_u32(expected, 4);
    buf_put_bytes(expected, "Cas", 3);
    buf_put_bytes(expected, "", 0);
    buf_put_bytes(expected, "", 0);
    buf_put_bytes(expected, "new", 3);
}

START_TEST(writer_builds_the_documented_blob)
{
    struct buf blob;
    struct buf expected;
    struct txn_writer w;
    char errmsg[SK_ERRMSG_SIZE];
    struct txn_limits limits = { .max_key_bytes = 3, .max_value_bytes = 3 };

    buf_init(&blob);
    buf_init(&expected);
    build_sample(&blob, &expected);
    assert_same_bytes(&blob, &expected);
    ck_assert_uint_eq(blob.len, SAMPLE_LEN);
    ck_assert_int_eq(txn_validate(blob.base, blob.len, NULL, errmsg), 0);
    ck_assert_int_eq(txn_validate(blob.base, blob.len, &limits, errmsg), 0);

    /* An empty writer makes the empty transaction: two zero counts. */
    txn_writer_init(&w);
    ck_assert_uint_eq(txn_writer_size(&w), 8);
    finish(&w, &blob);
    ck_assert_uint_eq(blob.len, 8);
    ck_assert_mem_eq(blob.base, "\0\0\0\0\0\0\0\0", 8);
    ck_assert_int_eq(txn_validate(blob.base, blob.len, &limits, errmsg), 0);

    /* finish appends: what was in the buffer stays in front. */
    txn_writer_init(&w);
    add(&w, 1, "dbsize");
    buf_reset(&blob);
    buf_append(&blob, "xy", 2);
    txn_writer_finish(&w, &blob);
    ck_assert_uint_eq(blob.len, 2 + txn_writer_size(&w));
    ck_assert_mem_eq(blob.base, "xy", 2);
    ck_assert_int_eq(txn_validate(blob.base + 2, blob.len - 2, NULL, errmsg),
                     0);
    txn_writer_close(&w);
    buf_close(&blob);
    buf_close(&expected);
}

END_TEST

/* The sample blob cut short at any byte is refused, read from a heap copy of
 * exactly the remaining length; applied, it replies an error and changes
 * nothing. */
START_TEST(every_truncation_is_refused)
{
    size_t cut = (size_t)_i;
    struct buf blob;
    struct buf expected;
    struct fixture x;
    char errmsg[SK_ERRMSG_SIZE] = "";
    char *copy;

    buf_init(&blob);
    buf_init(&expected);
    build_sample(&blob, &expected);
    ck_assert_uint_eq(blob.len, SAMPLE_LEN);
    copy = copy_exact(blob.base, cut);
    ck_assert_int_eq(txn_validate(copy, cut, NULL, errmsg), SK_EINVAL);
    ck_assert_str_eq(errmsg, "malformed transaction");
    mem_free(copy);

    fixture_init(&x);
    set(&x.f, "k", "v");
    snap(&x.f, &x.before);
    blob.len = cut;
    apply(&x.f, &blob, &x.reply);
    assert_reply(&x.reply, "-ERR malformed transaction\r\n");
    snap(&x.f, &x.after);
    assert_same_bytes(&x.before, &x.after);
    fixture_close(&x);
    buf_close(&blob);
    buf_close(&expected);
}

END_TEST

START_TEST(trailing_bytes_are_refused)
{
    struct buf blob;
    struct buf expected;
    char errmsg[SK_ERRMSG_SIZE] = "";
    struct fixture x;

    buf_init(&blob);
    buf_init(&expected);
    build_sample(&blob, &expected);
    buf_put_u8(&blob, 0);
    ck_assert_int_eq(txn_validate(blob.base, blob.len, NULL, errmsg),
                     SK_EINVAL);
    ck_assert_str_eq(errmsg, "malformed transaction");

    /* A whole extra argument after the last command. */
    blob.len--;
    buf_put_bytes(&blob, "k", 1);
    ck_assert_int_eq(txn_validate(blob.base, blob.len, NULL, errmsg),
                     SK_EINVAL);

    fixture_init(&x);
    snap(&x.f, &x.before);
    apply(&x.f, &blob, &x.reply);
    assert_reply(&x.reply, "-ERR malformed transaction\r\n");
    snap(&x.f, &x.after);
    assert_same_bytes(&x.before, &x.after);
    fixture_close(&x);
    buf_close(&blob);
    buf_close(&expected);
}

END_TEST

/* The largest single allocation made while a probe is armed. Under ASan the
 * allocator's hook records it; elsewhere the address space is capped, so an
 * allocation sized by a claimed count aborts the test instead. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

#define PROBE_HEADROOM ((rlim_t)256 << 20)

static volatile size_t largest_alloc;
static volatile bool probe_armed;

#ifdef TEST_ASAN
int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *));

static void probe_malloc_hook(const volatile void *p, size_t size)
{
    (void)p;
    if (probe_armed && size > largest_alloc) {
        largest_alloc = size;
    }
}

static void probe_free_hook(const volatile void *p)
{
    (void)p;
}

static void probe_begin(struct rlimit *saved)
{
    static bool installed;

    (void)saved;
    if (!installed) {
        __sanitizer_install_malloc_and_free_hooks(probe_malloc_hook,
                                                  probe_free_hook);
        installed = true;
    }
    largest_alloc = 0;
    probe_armed = true;
}

static void probe_end(const struct rlimit *saved)
{
    (void)saved;
    probe_armed = false;
}
#else
/* Cap the address space at what is mapped now plus some headroom. */
static void probe_begin(struct rlimit *saved)
{
    unsigned long pages = 0;
    struct rlimit cap;
    FILE *statm = fopen("/proc/self/statm", "r");

    ck_assert_ptr_nonnull(statm);
    ck_assert_int_eq(fscanf(statm, "%lu", &pages), 1);
    fclose(statm);
    ck_assert_int_eq(getrlimit(RLIMIT_AS, saved), 0);
    cap = *saved;
    cap.rlim_cur =
        (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + PROBE_HEADROOM;
    if (saved->rlim_cur != RLIM_INFINITY && cap.rlim_cur > saved->rlim_cur) {
        cap.rlim_cur = saved->rlim_cur;
    }
    ck_assert_int_eq(setrlimit(RLIMIT_AS, &cap), 0);
    largest_alloc = 0;
    probe_armed = true;
}

static void probe_end(const struct rlimit *saved)
{
    probe_armed = false;
    ck_assert_int_eq(setrlimit(RLIMIT_AS, saved), 0);
}
#endif

/* Counts and lengths far beyond what a short blob holds are refused before
 * anything is allocated for them. */
START_TEST(huge_counts_are_refused_without_allocating)
{
    struct buf blobs[7];
    struct rlimit saved;
    struct fixture x;
    size_t n = sizeof blobs / sizeof blobs[0];

    for (size_t i = 0; i < n; i++) {
        buf_init(&blobs[i]);
    }
    /* Watch count. */
    buf_put_u32(&blobs[0], UINT32_MAX);
    buf_put_u32(&blobs[0], 0);
    /* Watch count just above what the bytes could hold: a watch takes at
     * least 12 bytes (empty key, revision). */
    buf_put_u32(&blobs[1], 2);
    buf_put_bytes(&blobs[1], "", 0);
    buf_put_u64(&blobs[1], 0);
    buf_put_u32(&blobs[1], 0);
    /* Watched key length. */
    buf_put_u32(&blobs[2], 1);
    buf_put_u32(&blobs[2], UINT32_MAX);
    buf_put_u64(&blobs[2], 0);
    buf_put_u32(&blobs[2], 0);
    /* Command count. */
    buf_put_u32(&blobs[3], 0);
    buf_put_u32(&blobs[3], UINT32_MAX);
    buf_put_u32(&blobs[3], 1);
    buf_put_bytes(&blobs[3], "dbsize", 6);
    /* Argument count. */
    buf_put_u32(&blobs[4], 0);
    buf_put_u32(&blobs[4], 1);
    buf_put_u32(&blobs[4], UINT32_MAX);
    buf_put_bytes(&blobs[4], "del", 3);
    buf_put_bytes(&blobs[4], "k", 1);
    /* Argument length. */
    buf_put_u32(&blobs[5], 0);
    buf_put_u32(&blobs[5], 1);
    buf_put_u32(&blobs[5], 2);
    buf_put_bytes(&blobs[5], "get", 3);
    buf_put_u32(&blobs[5], UINT32_MAX);
    /* A command of no arguments at all. */
    buf_put_u32(&blobs[6], 0);
    buf_put_u32(&blobs[6], 1);
    buf_put_u32(&blobs[6], 0);

    fixture_init(&x);
    set(&x.f, "k", "v");
    snap(&x.f, &x.before);
    for (size_t i = 0; i < n; i++) {
        char errmsg[SK_ERRMSG_SIZE] = "";
        char *copy = copy_exact(blobs[i].base, blobs[i].len);
        int rv;

        probe_begin(&saved);
        rv = txn_validate(copy, blobs[i].len, NULL, errmsg);
        probe_end(&saved);
        ck_assert_msg(rv == SK_EINVAL, "blob %zu: %d", i, rv);
        ck_assert_str_eq(errmsg, "malformed transaction");
        ck_assert_msg(largest_alloc < 4096, "blob %zu: allocated %zu bytes", i,
                      (size_t)largest_alloc);

        buf_reset(&x.reply);
        probe_begin(&saved);
        txn_apply(&x.f, copy, blobs[i].len, &x.reply);
        probe_end(&saved);
        ck_assert_msg(largest_alloc < 4096, "blob %zu: allocated %zu bytes", i,
                      (size_t)largest_alloc);
        assert_reply(&x.reply, "-ERR malformed transaction\r\n");
        mem_free(copy);
    }
    snap(&x.f, &x.after);
    assert_same_bytes(&x.before, &x.after);
    fixture_close(&x);
    for (size_t i = 0; i < n; i++) {
        buf_close(&blobs[i]);
    }
}

END_TEST

/* Validation checks every command, not just the first, and the watched keys
 * against the key limit. */
START_TEST(validate_checks_commands_and_watched_keys)
{
    struct txn_limits limits = { .max_key_bytes = 4, .max_value_bytes = 8 };
    struct txn_writer w;
    struct buf blob;
    char errmsg[SK_ERRMSG_SIZE] = "";

    buf_init(&blob);
    txn_writer_init(&w);
    add(&w, 3, "set", "a", "1");
    add(&w, 2, "INCR", "a");
    finish(&w, &blob);
    ck_assert_int_eq(txn_validate(blob.base, blob.len, NULL, errmsg),
                     SK_EINVAL);
    ck_assert_str_eq(errmsg,
                     "'INCR' cannot be used inside MULTI " ALLOWED_LIST);

    txn_writer_init(&w);
    add(&w, 2, "get", "a");
    add(&w, 2, "set", "a");
    finish(&w, &blob);
    ck_assert_int_eq(txn_validate(blob.base, blob.len, NULL, errmsg),
                     SK_EINVAL);
    ck_assert_str_eq(errmsg, "wrong number of arguments for 'set' command");

    txn_writer_init(&w);
    add(&w, 2, "get", "a");
    add(&w, 3, "set", "a", "vvvvvvvvv");
    finish(&w, &blob);
    ck_assert_int_eq(txn_validate(blob.base, blob.len, NULL, errmsg), 0);
    ck_assert_int_eq(txn_validate(blob.base, blob.len, &limits, errmsg),
                     SK_EINVAL);
    ck_assert_str_eq(errmsg, "value of 9 bytes exceeds the limit of 8 bytes");

    txn_writer_init(&w);
    watch(&w, "kkkk", 1);
    watch(&w, "kkkkk", 1);
    add(&w, 2, "get", "a");
    finish(&w, &blob);
    ck_assert_int_eq(txn_validate(blob.base, blob.len, NULL, errmsg), 0);
    ck_assert_int_eq(txn_validate(blob.base, blob.len, &limits, errmsg),
                     SK_EINVAL);
    ck_assert_str_eq(errmsg, "watched key too long");
    buf_close(&blob);
}

END_TEST

/* --- txn_apply --------------------------------------------------------- */

/* Every allowed command, in mixed case, after watches that all hold: each
 * runs in order and the reply is the array of their exact replies. */
START_TEST(matching_watches_run_every_command_in_order)
{
    struct fixture x;
    const struct kv_entry *e;

    fixture_init(&x);
    set(&x.f, "a", "1");  /* rev 1 */
    set(&x.f, "b", "2");  /* rev 2 */
    set(&x.f, "a", "11"); /* rev 3: a created at 1, modified at 3 */
    set(&x.f, "d", "4");  /* rev 4 */
    ck_assert_uint_eq(x.f.revision, 4);

    watch(&x.w, "a", 3);
    watch(&x.w, "b", 2);
    watch(&x.w, "c", 0);
    add(&x.w, 2, "get", "a");
    add(&x.w, 3, "SET", "c", "3");
    add(&x.w, 4, "mget", "a", "c", "zz");
    add(&x.w, 4, "Exists", "a", "c", "zz");
    add(&x.w, 2, "getrev", "a");
    add(&x.w, 2, "GETREV", "zz");
    add(&x.w, 4, "modrevs", "a", "c", "zz");
    add(&x.w, 1, "dbsize");
    add(&x.w, 4, "del", "d", "zz", "d");
    add(&x.w, 4, "cas", "b", "2", "20");
    add(&x.w, 2, "GET", "b");
    add(&x.w, 2, "getrev", "c");
    add(&x.w, 1, "DBSIZE");
    run(&x);

    assert_reply(&x.reply, "*13\r\n"
                           "$2\r\n11\r\n"
                           "+OK\r\n"
                           "*3\r\n$2\r\n11\r\n$1\r\n3\r\n$-1\r\n"
                           ":2\r\n"
                           "*4\r\n$2\r\n11\r\n:1\r\n:3\r\n:2\r\n"
                           "*-1\r\n"
                           "*3\r\n:3\r\n:5\r\n:0\r\n"
                           ":4\r\n"
                           ":1\r\n"
                           ":1\r\n"
                           "$2\r\n20\r\n"
                           "*4\r\n$1\r\n3\r\n:5\r\n:5\r\n:1\r\n"
                           ":3\r\n");
    ck_assert_uint_eq(x.f.revision, 5);
    ck_assert_uint_eq(kv_count(x.f.kv), 3);
    ck_assert_ptr_null(kv_get(x.f.kv, "d", 1));
    e = kv_get(x.f.kv, "b", 1);
    ck_assert_uint_eq(e->value_len, 2);
    ck_assert_mem_eq(e->value, "20", 2);
    ck_assert_uint_eq(e->create_rev, 2);
    ck_assert_uint_eq(e->mod_rev, 5);
    ck_assert_uint_eq(e->version, 2);
    ck_assert_uint_eq(mod_rev(&x.f, "a"), 3);
    fixture_close(&x);
}

END_TEST

/* All the writes of a transaction share one new revision, however many keys
 * they touch and however often; the next write gets the one after. */
START_TEST(all_writes_share_one_new_revision)
{
    struct fixture x;
    const struct kv_entry *e;
    static const char *const changed[] = { "a", "b", "c", "e" };

    fixture_init(&x);
    set(&x.f, "a", "1");
    set(&x.f, "x", "keep");
    set(&x.f, "d", "gone");
    ck_assert_uint_eq(x.f.revision, 3);

    add(&x.w, 3, "set", "a", "2");
    add(&x.w, 3, "set", "b", "2");
    add(&x.w, 3, "set", "a", "3");
    add(&x.w, 4, "cas", "a", "3", "4");
    add(&x.w, 3, "set", "c", "");
    add(&x.w, 2, "del", "d");
    add(&x.w, 3, "set", "e", "5");
    run(&x);
    assert_reply(&x.reply, "*7\r\n+OK\r\n+OK\r\n+OK\r\n:1\r\n+OK\r\n:1\r\n"
                           "+OK\r\n");
    ck_assert_uint_eq(x.f.revision, 4);
    for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++) {
        ck_assert_msg(mod_rev(&x.f, changed[i]) == 4, "%s at %" PRIu64,
                      changed[i], mod_rev(&x.f, changed[i]));
    }
    e = kv_get(x.f.kv, "a", 1);
    ck_assert_uint_eq(e->create_rev, 1);
    ck_assert_uint_eq(e->version, 4); /* three writes in the txn */
    ck_assert_mem_eq(e->value, "4", 1);
    ck_assert_uint_eq(kv_get(x.f.kv, "b", 1)->create_rev, 4);
    ck_assert_uint_eq(mod_rev(&x.f, "x"), 2);
    ck_assert_ptr_null(kv_get(x.f.kv, "d", 1));

    set(&x.f, "z", "z");
    ck_assert_uint_eq(mod_rev(&x.f, "z"), 5);

    /* A transaction that only deletes takes one revision too. */
    add(&x.w, 3, "del", "a", "b");
    add(&x.w, 2, "del", "c");
    run(&x);
    assert_reply(&x.reply, "*2\r\n:2\r\n:1\r\n");
    ck_assert_uint_eq(x.f.revision, 6);
    fixture_close(&x);
}

END_TEST

/* A watched key modified since: null array, state byte-for-byte unchanged,
 * whichever of the watches it is. */
START_TEST(changed_watch_aborts_and_changes_nothing)
{
    struct fixture x;

    fixture_init(&x);
    set(&x.f, "a", "1"); /* rev 1 */
    set(&x.f, "b", "2"); /* rev 2 */
    set(&x.f, "a", "1"); /* rev 3: same value, new mod revision */

    /* a's create revision is no longer its mod revision. */
    watch(&x.w, "b", 2);
    watch(&x.w, "a", 1);
    add(&x.w, 3, "set", "b", "x");
    add(&x.w, 3, "set", "new", "x");
    add(&x.w, 2, "del", "a");
    run(&x);
    assert_reply(&x.reply, "*-1\r\n");
    ck_assert_uint_eq(x.f.revision, 3);
    assert_same_bytes(&x.before, &x.after);

    /* Only the last of three watches stale. */
    watch(&x.w, "a", 3);
    watch(&x.w, "zz", 0);
    watch(&x.w, "b", 1);
    add(&x.w, 3, "set", "b", "x");
    run(&x);
    assert_reply(&x.reply, "*-1\r\n");
    assert_same_bytes(&x.before, &x.after);

    /* A watch expecting a later revision than the key has also fails. */
    watch(&x.w, "b", 3);
    add(&x.w, 3, "set", "b", "x");
    run(&x);
    assert_reply(&x.reply, "*-1\r\n");
    assert_same_bytes(&x.before, &x.after);

    /* The same with up-to-date revisions applies. */
    watch(&x.w, "b", 2);
    watch(&x.w, "a", 3);
    add(&x.w, 3, "set", "b", "x");
    run(&x);
    assert_reply(&x.reply, "*1\r\n+OK\r\n");
    ck_assert_uint_eq(x.f.revision, 4);

    /* A watched key deleted since fails too. */
    apply_entry(&x.f, ENTRY_OP_DEL, 1, "a");
    watch(&x.w, "a", 3);
    add(&x.w, 1, "dbsize");
    run(&x);
    assert_reply(&x.reply, "*-1\r\n");
    assert_same_bytes(&x.before, &x.after);
    fixture_close(&x);
}

END_TEST

/* Watching an absent key (revision 0) holds while it stays absent. */
START_TEST(watch_of_absent_key_fails_once_created)
{
    struct fixture x;

    fixture_init(&x);
    set(&x.f, "other", "1");
    watch(&x.w, "k", 0);
    add(&x.w, 3, "set", "other", "2");
    finish(&x.w, &x.blob);
    txn_writer_init(&x.w);

    apply(&x.f, &x.blob, &x.reply);
    assert_reply(&x.reply, "*1\r\n+OK\r\n");
    ck_assert_uint_eq(x.f.revision, 2);

    set(&x.f, "k", "now");
    snap(&x.f, &x.before);
    apply(&x.f, &x.blob, &x.reply);
    assert_reply(&x.reply, "*-1\r\n");
    snap(&x.f, &x.after);
    assert_same_bytes(&x.before, &x.after);

    /* Deleted again, the key is absent and the watch holds again. */
    apply_entry(&x.f, ENTRY_OP_DEL, 1, "k");
    apply(&x.f, &x.blob, &x.reply);
    assert_reply(&x.reply, "*1\r\n+OK\r\n");
    ck_assert_uint_eq(x.f.revision, 5);
    fixture_close(&x);
}

END_TEST

/* Commands read what the transaction's earlier commands wrote. */
START_TEST(reads_see_earlier_writes_of_the_same_transaction)
{
    struct fixture x;

    fixture_init(&x);
    add(&x.w, 3, "set", "a", "1");
    add(&x.w, 2, "get", "a");
    add(&x.w, 4, "cas", "a", "1", "2");
    add(&x.w, 3, "mget", "a", "b");
    add(&x.w, 2, "getrev", "a");
    add(&x.w, 2, "del", "a");
    add(&x.w, 2, "get", "a");
    add(&x.w, 2, "exists", "a");
    add(&x.w, 2, "modrevs", "a");
    add(&x.w, 1, "dbsize");
    run(&x);
    assert_reply(&x.reply, "*10\r\n"
                           "+OK\r\n"
                           "$1\r\n1\r\n"
                           ":1\r\n"
                           "*2\r\n$1\r\n2\r\n$-1\r\n"
                           "*4\r\n$1\r\n2\r\n:1\r\n:1\r\n:2\r\n"
                           ":1\r\n"
                           "$-1\r\n"
                           ":0\r\n"
                           "*1\r\n:0\r\n"
                           ":0\r\n");
    ck_assert_uint_eq(x.f.revision, 1);
    ck_assert_uint_eq(kv_count(x.f.kv), 0);
    fixture_close(&x);
}

END_TEST

/* Reads, CAS misses and DELs of absent keys change nothing: no revision, the
 * same state byte for byte. */
START_TEST(transaction_that_changes_nothing_adds_no_revision)
{
    struct fixture x;

    fixture_init(&x);
    set(&x.f, "a", "1");
    set(&x.f, "b", "2");
    watch(&x.w, "a", 1);
    add(&x.w, 3, "mget", "a", "b");
    add(&x.w, 4, "cas", "a", "2", "3");
    add(&x.w, 4, "cas", "nokey", "", "3");
    add(&x.w, 3, "del", "x", "y");
    add(&x.w, 2, "getrev", "b");
    add(&x.w, 1, "dbsize");
    run(&x);
    assert_reply(&x.reply, "*6\r\n"
                           "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
                           ":0\r\n"
                           ":0\r\n"
                           ":0\r\n"
                           "*4\r\n$1\r\n2\r\n:2\r\n:2\r\n:1\r\n"
                           ":2\r\n");
    ck_assert_uint_eq(x.f.revision, 2);
    assert_same_bytes(&x.before, &x.after);

    /* Each kind alone, too. */
    add(&x.w, 3, "del", "x", "y");
    run(&x);
    assert_reply(&x.reply, "*1\r\n:0\r\n");
    assert_same_bytes(&x.before, &x.after);
    add(&x.w, 4, "cas", "b", "1", "3");
    run(&x);
    assert_reply(&x.reply, "*1\r\n:0\r\n");
    assert_same_bytes(&x.before, &x.after);

    /* The next write gets the next revision: nothing was skipped. */
    set(&x.f, "c", "3");
    ck_assert_uint_eq(mod_rev(&x.f, "c"), 3);
    fixture_close(&x);
}

END_TEST

START_TEST(cas_hits_and_misses_inside_a_transaction)
{
    struct fixture x;
    const struct kv_entry *e;

    fixture_init(&x);
    set(&x.f, "k", "old");
    set(&x.f, "e", "");
    add(&x.w, 4, "CAS", "k", "old", "new");   /* hit */
    add(&x.w, 4, "cas", "k", "old", "again"); /* miss: now "new" */
    add(&x.w, 4, "cas", "k", "ne", "x");      /* miss: a prefix */
    add(&x.w, 4, "cas", "k", "newx", "x");    /* miss: longer */
    add(&x.w, 4, "cas", "k", "", "x");        /* miss: empty */
    add(&x.w, 4, "cas", "nokey", "", "x");    /* miss: absent */
    add(&x.w, 4, "cas", "e", "", "full");     /* hit: empty value */
    add(&x.w, 2, "get", "k");
    run(&x);
    assert_reply(&x.reply, "*8\r\n:1\r\n:0\r\n:0\r\n:0\r\n:0\r\n:0\r\n:1\r\n"
                           "$3\r\nnew\r\n");
    ck_assert_uint_eq(x.f.revision, 3);
    e = kv_get(x.f.kv, "k", 1);
    ck_assert_uint_eq(e->mod_rev, 3);
    ck_assert_uint_eq(e->version, 2);
    e = kv_get(x.f.kv, "e", 1);
    ck_assert_uint_eq(e->value_len, 4);
    ck_assert_mem_eq(e->value, "full", 4);
    ck_assert_uint_eq(e->mod_rev, 3);
    ck_assert_ptr_null(kv_get(x.f.kv, "nokey", 5));
    fixture_close(&x);
}

END_TEST

START_TEST(empty_transaction_replies_an_empty_array)
{
    struct fixture x;

    fixture_init(&x);
    set(&x.f, "a", "1");
    run(&x);
    assert_reply(&x.reply, "*0\r\n");
    ck_assert_uint_eq(x.f.revision, 1);
    assert_same_bytes(&x.before, &x.after);

    /* With watches: empty array if they hold, null array if not. */
    watch(&x.w, "a", 1);
    run(&x);
    assert_reply(&x.reply, "*0\r\n");
    watch(&x.w, "a", 0);
    run(&x);
    assert_reply(&x.reply, "*-1\r\n");
    assert_same_bytes(&x.before, &x.after);
    fixture_close(&x);
}

END_TEST

/* Binary keys and values travel through the blob intact. */
START_TEST(binary_keys_and_values_are_kept)
{
    static const struct slice set_cmd[] = { S("set"), S("k\0\r\n"),
                                            S("v\0\xff") };
    static const struct slice get_cmd[] = { S("get"), S("k\0\r\n") };
    struct fixture x;
    const struct kv_entry *e;

    fixture_init(&x);
    txn_writer_watch(&x.w, "k\0\r\n", 4, 0);
    txn_writer_command(&x.w, 3, set_cmd);
    txn_writer_command(&x.w, 2, get_cmd);
    run(&x);
    assert_reply(&x.reply, "*2\r\n+OK\r\n$3\r\nv\0\xff\r\n");
    e = kv_get(x.f.kv, "k\0\r\n", 4);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->value_len, 3);
    ck_assert_mem_eq(e->value, "v\0\xff", 3);
    ck_assert_ptr_null(kv_get(x.f.kv, "k", 1));

    /* Now the watch on that exact key fails. */
    txn_writer_watch(&x.w, "k\0\r\n", 4, 0);
    run(&x);
    assert_reply(&x.reply, "*-1\r\n");
    fixture_close(&x);
}

END_TEST

/* A blob that does not validate replies an error and changes nothing, even
 * where its first commands are good. */
START_TEST(malformed_blob_replies_error_and_changes_nothing)
{
    struct fixture x;

    fixture_init(&x);
    set(&x.f, "a", "1");

    add(&x.w, 3, "set", "a", "2");
    add(&x.w, 2, "incr", "a");
    run(&x);
    assert_reply(&x.reply,
                 "-ERR 'incr' cannot be used inside MULTI " ALLOWED_LIST
                 "\r\n");
    assert_same_bytes(&x.before, &x.after);

    /* Arity is checked before anything runs: a SET without a value would
     * read past its arguments. */
    add(&x.w, 3, "set", "a", "2");
    add(&x.w, 2, "set", "b");
    run(&x);
    assert_reply(&x.reply,
                 "-ERR wrong number of arguments for 'set' command\r\n");
    assert_same_bytes(&x.before, &x.after);

    add(&x.w, 3, "cas", "a", "1");
    run(&x);
    assert_reply(&x.reply,
                 "-ERR wrong number of arguments for 'cas' command\r\n");
    assert_same_bytes(&x.before, &x.after);

    /* Framing: the good blob with its last byte gone. */
    add(&x.w, 3, "set", "a", "2");
    finish(&x.w, &x.blob);
    txn_writer_init(&x.w);
    x.blob.len--;
    apply(&x.f, &x.blob, &x.reply);
    assert_reply(&x.reply, "-ERR malformed transaction\r\n");
    snap(&x.f, &x.after);
    assert_same_bytes(&x.before, &x.after);

    /* Nothing to reply to: still nothing applied. */
    txn_apply(&x.f, x.blob.base, x.blob.len, NULL);
    snap(&x.f, &x.after);
    assert_same_bytes(&x.before, &x.after);
    fixture_close(&x);
}

END_TEST

START_TEST(null_reply_still_applies)
{
    struct fixture x;

    fixture_init(&x);
    set(&x.f, "a", "1");
    watch(&x.w, "a", 1);
    add(&x.w, 3, "set", "a", "2");
    add(&x.w, 2, "get", "a");
    finish(&x.w, &x.blob);
    txn_apply(&x.f, x.blob.base, x.blob.len, NULL);
    ck_assert_uint_eq(x.f.revision, 2);
    ck_assert_mem_eq(kv_get(x.f.kv, "a", 1)->value, "2", 1);

    /* The watch now fails: nothing changes. */
    txn_apply(&x.f, x.blob.base, x.blob.len, NULL);
    ck_assert_uint_eq(x.f.revision, 2);
    fixture_close(&x);
}

END_TEST

/* One TXN entry (one argument: the blob) through fsm_apply(). */
static void
apply_txn_entry(struct fsm *f, const struct buf *blob, struct buf *reply)
{
    struct slice arg = { blob->base, blob->len };
    struct entry_writer w;

    entry_writer_init(&w, 2, 7);
    entry_writer_add(&w, ENTRY_OP_TXN, 1, &arg);
    entry_writer_finish(&w, 0);
    buf_reset(reply);
    ck_assert_int_eq(fsm_apply(f, w.buf.base, w.buf.len, reply, 1), 0);
    entry_writer_close(&w);
}

/* fsm_apply() of an ENTRY_OP_TXN entry gives txn_apply()'s reply and state,
 * for a transaction that applies, one whose watch fails and a malformed one;
 * a TXN entry without exactly one argument is refused. */
START_TEST(fsm_apply_of_txn_entry_matches_txn_apply)
{
    struct fsm a;
    struct fsm b;
    struct buf blobs[3];
    struct buf reply_a;
    struct buf reply_b;
    struct buf snap_a;
    struct buf snap_b;
    struct txn_writer w;
    struct entry_writer ew;
    struct slice two[2] = { S("x"), S("y") };

    fsm_init(&a);
    fsm_init(&b);
    buf_init(&reply_a);
    buf_init(&reply_b);
    buf_init(&snap_a);
    buf_init(&snap_b);
    for (size_t i = 0; i < 3; i++) {
        buf_init(&blobs[i]);
    }
    set(&a, "a", "1");
    set(&b, "a", "1");

    txn_writer_init(&w);
    watch(&w, "a", 1);
    add(&w, 3, "set", "b", "2");
    add(&w, 4, "cas", "a", "1", "3");
    add(&w, 3, "mget", "a", "b");
    finish(&w, &blobs[0]);
    txn_writer_init(&w);
    watch(&w, "a", 1); /* stale after the first */
    add(&w, 2, "del", "a");
    finish(&w, &blobs[1]);
    txn_writer_init(&w);
    add(&w, 2, "keys", "*");
    finish(&w, &blobs[2]);

    for (size_t i = 0; i < 3; i++) {
        apply(&a, &blobs[i], &reply_a);
        apply_txn_entry(&b, &blobs[i], &reply_b);
        ck_assert_uint_gt(reply_a.len, 0);
        assert_same_bytes(&reply_a, &reply_b);
        snap(&a, &snap_a);
        snap(&b, &snap_b);
        assert_same_bytes(&snap_a, &snap_b);
    }
    ck_assert_uint_eq(b.revision, 2);
    ck_assert_mem_eq(kv_get(b.kv, "a", 1)->value, "3", 1);

    /* Two arguments: an error reply, nothing applied. */
    entry_writer_init(&ew, 2, 8);
    two[0] = (struct slice){ blobs[0].base, blobs[0].len };
    entry_writer_add(&ew, ENTRY_OP_TXN, 2, two);
    entry_writer_finish(&ew, 0);
    buf_reset(&reply_b);
    ck_assert_int_eq(fsm_apply(&b, ew.buf.base, ew.buf.len, &reply_b, 1), 0);
    assert_reply(&reply_b, "-ERR wrong number of arguments for entry op 5\r\n");
    entry_writer_close(&ew);
    snap(&b, &snap_b);
    assert_same_bytes(&snap_a, &snap_b);

    for (size_t i = 0; i < 3; i++) {
        buf_close(&blobs[i]);
    }
    buf_close(&reply_a);
    buf_close(&reply_b);
    buf_close(&snap_a);
    buf_close(&snap_b);
    fsm_close(&a);
    fsm_close(&b);
}

END_TEST

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Add a random transaction over a small key space to @ew; its watches use
 * @f's current revisions, some made stale on purpose. */
static void add_random_txn(struct entry_writer *ew, const struct fsm *f)
{
    static const char *const keys[] = { "a", "b", "c", "ab", "" };
    static const char *const values[] = { "x", "y", "", "zz" };
    struct txn_writer w;
    struct buf blob;
    struct slice arg;
    size_t n_watch = rng_next() % 3;
    size_t n_cmds = rng_next() % 5;

    txn_writer_init(&w);
    buf_init(&blob);
    for (size_t i = 0; i < n_watch; i++) {
        const char *k = keys[rng_next() % 5];
        uint64_t rev = mod_rev(f, k);

        watch(&w, k, rng_next() % 4 == 0 ? rev + 1 : rev);
    }
    for (size_t i = 0; i < n_cmds; i++) {
        const char *k = keys[rng_next() % 5];
        const char *k2 = keys[rng_next() % 5];
        const char *v = values[rng_next() % 4];
        const char *v2 = values[rng_next() % 4];

        switch (rng_next() % 6) {
        case 0:
            add(&w, 3, "set", k, v);
            break;
        case 1:
            add(&w, 3, "DEL", k, k2);
            break;
        case 2:
            add(&w, 4, "cas", k, v, v2);
            break;
        case 3:
            add(&w, 3, "mget", k, k2);
            break;
        case 4:
            add(&w, 2, "getrev", k);
            break;
        default:
            add(&w, 3, "modrevs", k, k2);
            break;
        }
    }
    txn_writer_finish(&w, &blob);
    arg = (struct slice){ blob.base, blob.len };
    entry_writer_add(ew, ENTRY_OP_TXN, 1, &arg);
    txn_writer_close(&w);
    buf_close(&blob);
}

/* Two state machines fed the same entries of transactions and plain writes
 * end byte-for-byte identical, replies or not. */
START_TEST(same_entries_give_identical_state)
{
    struct fsm a;
    struct fsm b;
    struct buf snap_a;
    struct buf snap_b;
    struct buf replies[4];
    size_t applied = 0;
    size_t aborted = 0;

    fsm_init(&a);
    fsm_init(&b);
    buf_init(&snap_a);
    buf_init(&snap_b);
    for (size_t i = 0; i < 4; i++) {
        buf_init(&replies[i]);
    }
    rng_state = 0x9e3779b97f4a7c15ULL;
    for (uint64_t batch = 0; batch < 300; batch++) {
        struct entry_writer w;
        static const struct slice plain[] = { S("b"), S("plain") };

        entry_writer_init(&w, 1, batch);
        add_random_txn(&w, &a);
        add_random_txn(&w, &a);
        entry_writer_add(&w, ENTRY_OP_SET, 2, plain);
        add_random_txn(&w, &a);
        entry_writer_finish(&w, 0);
        for (size_t i = 0; i < 4; i++) {
            buf_reset(&replies[i]);
        }
        if (fsm_apply(&a, w.buf.base, w.buf.len, replies, 4) != 0 ||
            fsm_apply(&b, w.buf.base, w.buf.len, NULL, 0) != 0) {
            ck_abort_msg("batch %" PRIu64 " refused", batch);
        }
        for (size_t i = 0; i < 4; i++) {
            if (i == 2) {
                continue;
            }
            ck_assert_int_eq(replies[i].base[0], '*');
            if (replies[i].len == 5 &&
                memcmp(replies[i].base, "*-1\r\n", 5) == 0) {
                aborted++;
            } else {
                applied++;
            }
        }
        entry_writer_close(&w);
    }
    /* Both outcomes happened, and many writes. */
    ck_assert_uint_gt(applied, 100);
    ck_assert_uint_gt(aborted, 20);
    ck_assert_uint_gt(a.revision, 300);
    snap(&a, &snap_a);
    snap(&b, &snap_b);
    assert_same_bytes(&snap_a, &snap_b);
    for (size_t i = 0; i < 4; i++) {
        buf_close(&replies[i]);
    }
    buf_close(&snap_a);
    buf_close(&snap_b);
    fsm_close(&a);
    fsm_close(&b);
}

END_TEST

static Suite *txn_suite(void)
{
    Suite *s = suite_create("txn");
    TCase *tc = tcase_create("check");

    tcase_add_test(tc, allowed_commands_pass_in_any_case);
    tcase_add_test(tc, other_commands_are_refused_with_the_allowed_list);
    tcase_add_test(tc, wrong_number_of_arguments_is_refused);
    tcase_add_test(tc, variadic_commands_take_many_keys);
    tcase_add_test(tc, keys_and_values_are_held_to_their_limits);
    tcase_add_test(tc, null_limits_skip_size_checks);
    suite_add_tcase(s, tc);

    tc = tcase_create("blob");
    tcase_add_test(tc, writer_builds_the_documented_blob);
    tcase_add_loop_test(tc, every_truncation_is_refused, 0, SAMPLE_LEN);
    tcase_add_test(tc, trailing_bytes_are_refused);
    tcase_add_test(tc, huge_counts_are_refused_without_allocating);
    tcase_add_test(tc, validate_checks_commands_and_watched_keys);
    suite_add_tcase(s, tc);

    tc = tcase_create("apply");
    tcase_add_test(tc, matching_watches_run_every_command_in_order);
    tcase_add_test(tc, all_writes_share_one_new_revision);
    tcase_add_test(tc, changed_watch_aborts_and_changes_nothing);
    tcase_add_test(tc, watch_of_absent_key_fails_once_created);
    tcase_add_test(tc, reads_see_earlier_writes_of_the_same_transaction);
    tcase_add_test(tc, transaction_that_changes_nothing_adds_no_revision);
    tcase_add_test(tc, cas_hits_and_misses_inside_a_transaction);
    tcase_add_test(tc, empty_transaction_replies_an_empty_array);
    tcase_add_test(tc, binary_keys_and_values_are_kept);
    tcase_add_test(tc, malformed_blob_replies_error_and_changes_nothing);
    tcase_add_test(tc, null_reply_still_applies);
    tcase_add_test(tc, fsm_apply_of_txn_entry_matches_txn_apply);
    tcase_add_test(tc, same_entries_give_identical_state);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(txn_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Transactions: blob format, checks and atomic apply; see txn.h. */
#include "fsm/txn.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fsm/fsm.h"
#include "fsm/ops.h"
#include "fsm/query.h"
#include "lib/mem.h"
#include "resp/reply.h"
#include "store/kv.h"

/* The commands a transaction may hold, with Redis' arity convention. */
static const struct {
    const char *name;
    int arity;
    query_fn read; /* NULL for a write */
} txn_commands[] = {
    { "get", 2, query_get },
    { "mget", -2, query_mget },
    { "exists", -2, query_exists },
    { "getrev", 2, query_getrev },
    { "modrevs", -2, query_modrevs },
    { "dbsize", 1, query_dbsize },
    { "set", -3, NULL },
    { "del", -2, NULL },
    { "cas", 4, NULL },
};

#define N_TXN_COMMANDS (sizeof txn_commands / sizeof txn_commands[0])

static int find_command(struct slice name)
{
    for (size_t i = 0; i < N_TXN_COMMANDS; i++) {
        if (slice_eq_nocase(name, txn_commands[i].name)) {
            return (int)i;
        }
    }
    return -1;
}

static bool arity_ok(int arity, size_t argc)
{
    return arity >= 0 ? argc == (size_t)arity : argc >= (size_t)-arity;
}

int txn_check_set_options(size_t argc,
                          const struct slice *argv,
                          char errmsg[SK_ERRMSG_SIZE])
{
    uint64_t lease;

    if (argc == 3) {
        return 0;
    }
    if (argc == 5 && slice_eq_nocase(argv[3], "lease")) {
        if (slice_to_u64(argv[4], &lease) && lease != 0) {
            return 0;
        }
        snprintf(errmsg, SK_ERRMSG_SIZE, "lease id must be a number >= 1");
        return SK_EINVAL;
    }
    snprintf(errmsg, SK_ERRMSG_SIZE, "syntax error");
    return SK_EINVAL;
}

int txn_check_command(size_t argc,
                      const struct slice *argv,
                      const struct txn_limits *limits,
                      char errmsg[SK_ERRMSG_SIZE])
{
    int i = argc > 0 ? find_command(argv[0]) : -1;
    size_t first_value = argc; /* arguments from here on are values */
    size_t n_sized = argc;     /* arguments up to here have a size limit */

    if (i < 0) {
        snprintf(errmsg, SK_ERRMSG_SIZE,
                 "'%.*s' cannot be used inside MULTI (allowed: GET MGET "
                 "EXISTS GETREV MODREVS DBSIZE SET DEL CAS)",
                 (int)(argc > 0 ? (argv[0].len < 64 ? argv[0].len : 64) : 0),
                 argc > 0 ? argv[0].base : "");
        return SK_EINVAL;
    }
    if (!arity_ok(txn_commands[i].arity, argc)) {
        snprintf(errmsg, SK_ERRMSG_SIZE,
                 "wrong number of arguments for '%s' command",
                 txn_commands[i].name);
        return SK_EINVAL;
    }
    if (slice_eq_nocase(argv[0], "set") &&
        txn_check_set_options(argc, argv, errmsg) != 0) {
        return SK_EINVAL;
    }
    if (limits == NULL) {
        return 0;
    }
    /* Keys are every argument but the value of SET (then its options) and
     * the last two of CAS. */
    if (slice_eq_nocase(argv[0], "set")) {
        first_value = 2;
        n_sized = 3;
    } else if (slice_eq_nocase(argv[0], "cas")) {
        first_value = argc - 2;
    }
    for (size_t a = 1; a < n_sized; a++) {
        size_t max =
            a < first_value ? limits->max_key_bytes : limits->max_value_bytes;
        if (argv[a].len > max) {
            snprintf(errmsg, SK_ERRMSG_SIZE,
                     "%s of %zu bytes exceeds the limit of %zu bytes",
                     a < first_value ? "key" : "value", argv[a].len, max);
            return SK_EINVAL;
        }
    }
    return 0;
}

void txn_writer_init(struct txn_writer *w)
{
    buf_init(&w->watches);
    buf_init(&w->cmds);
    w->n_watch = 0;
    w->n_cmds = 0;
}

void txn_writer_close(struct txn_writer *w)
{
    buf_close(&w->watches);
    buf_close(&w->cmds);
    w->n_watch = 0;
    w->n_cmds = 0;
}

void txn_writer_watch(struct txn_writer *w,
                      const char *key,
                      size_t key_len,
                      uint64_t mod_rev)
{
    buf_put_bytes(&w->watches, key, key_len);
    buf_put_u64(&w->watches, mod_rev);
    w->n_watch++;
}

void txn_writer_command(struct txn_writer *w,
                        size_t argc,
                        const struct slice *argv)
{
    buf_put_u32(&w->cmds, (uint32_t)argc);
    for (size_t i = 0; i < argc; i++) {
        buf_put_bytes(&w->cmds, argv[i].base, argv[i].len);
    }
    w->n_cmds++;
}

size_t txn_writer_size(const struct txn_writer *w)
{
    return 8 + w->watches.len + w->cmds.len;
}

void txn_writer_finish(struct txn_writer *w, struct buf *out)
{
    buf_put_u32(out, w->n_watch);
    buf_append(out, w->watches.base, w->watches.len);
    buf_put_u32(out, w->n_cmds);
    buf_append(out, w->cmds.base, w->cmds.len);
}

/* A decoded blob; argv slices point into the blob. */
struct txn {
    size_t n_watch;
    struct slice *watch_keys; /* owned */
    uint64_t *watch_revs;     /* owned */
    size_t n_cmds;
    size_t *cmd_argc;        /* owned */
    struct slice **cmd_argv; /* owned array of owned arrays */
};

static void txn_free(struct txn *t)
{
    for (size_t i = 0; i < t->n_cmds; i++) {
        mem_free(t->cmd_argv[i]);
    }
    mem_free(t->cmd_argv);
    mem_free(t->cmd_argc);
    mem_free(t->watch_keys);
    mem_free(t->watch_revs);
    memset(t, 0, sizeof *t);
}

/* Counts are bounded by the bytes left before anything is allocated: a
 * watch takes at least 12 bytes, a command 4, an argument 4. */
static int txn_decode(struct txn *t, const void *blob, size_t len)
{
    struct reader r;
    uint32_t n;

    memset(t, 0, sizeof *t);
    reader_init(&r, blob, len);
    n = reader_u32(&r);
    if (r.failed || n > r.left / 12) {
        return SK_ECORRUPT;
    }
    t->watch_keys = mem_calloc(n ? n : 1, sizeof *t->watch_keys);
    t->watch_revs = mem_calloc(n ? n : 1, sizeof *t->watch_revs);
    t->n_watch = n;
    for (uint32_t i = 0; i < n; i++) {
        reader_bytes(&r, &t->watch_keys[i].base, &t->watch_keys[i].len);
        t->watch_revs[i] = reader_u64(&r);
    }
    n = reader_u32(&r);
    if (r.failed || n > r.left / 4) {
        return SK_ECORRUPT;
    }
    t->cmd_argc = mem_calloc(n ? n : 1, sizeof *t->cmd_argc);
    t->cmd_argv = mem_calloc(n ? n : 1, sizeof *t->cmd_argv);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t argc = reader_u32(&r);
        if (r.failed || argc == 0 || argc > r.left / 4) {
            return SK_ECORRUPT;
        }
        t->cmd_argv[i] = mem_calloc(argc, sizeof *t->cmd_argv[i]);
        t->cmd_argc[i] = argc;
        t->n_cmds++;
        for (uint32_t a = 0; a < argc; a++) {
            reader_bytes(&r, &t->cmd_argv[i][a].base, &t->cmd_argv[i][a].len);
        }
    }
    if (r.failed || r.left != 0) {
        return SK_ECORRUPT;
    }
    return 0;
}

/* Check a decoded transaction's commands and watched keys. */
static int txn_check(const struct txn *t,
                     const struct txn_limits *limits,
                     char errmsg[SK_ERRMSG_SIZE])
{
    int rv = 0;

    for (size_t i = 0; rv == 0 && i < t->n_cmds; i++) {
        rv = txn_check_command(t->cmd_argc[i], t->cmd_argv[i], limits, errmsg);
    }
    for (size_t i = 0; rv == 0 && limits != NULL && i < t->n_watch; i++) {
        if (t->watch_keys[i].len > limits->max_key_bytes) {
            snprintf(errmsg, SK_ERRMSG_SIZE, "watched key too long");
            rv = SK_EINVAL;
        }
    }
    return rv;
}

/* Decode and check @blob into @t (free it with txn_free() in any case). */
static int txn_open(struct txn *t,
                    const void *blob,
                    size_t len,
                    const struct txn_limits *limits,
                    char errmsg[SK_ERRMSG_SIZE])
{
    if (txn_decode(t, blob, len) != 0) {
        snprintf(errmsg, SK_ERRMSG_SIZE, "malformed transaction");
        return SK_EINVAL;
    }
    return txn_check(t, limits, errmsg);
}

int txn_validate(const void *blob,
                 size_t len,
                 const struct txn_limits *limits,
                 char errmsg[SK_ERRMSG_SIZE])
{
    struct txn t;
    int rv = txn_open(&t, blob, len, limits, errmsg);

    txn_free(&t);
    return rv;
}

static uint64_t mod_rev_of(const struct fsm *f, struct slice key)
{
    const struct kv_entry *e = kv_get(f->kv, key.base, key.len);

    return e != NULL ? e->mod_rev : 0;
}

/* Writes at revision @rev; returns whether the store changed. */
static bool run_write(struct fsm *f,
                      size_t argc,
                      const struct slice *a,
                      uint64_t rev,
                      struct buf *r)
{
    const struct kv_entry *e;
    long long n = 0;

    if (slice_eq_nocase(a[0], "set")) {
        uint64_t lease = 0;
        if (argc == 5 && !fsm_parse_lease(f, a[4], &lease, r)) {
            return false;
        }
        fsm_put(f, a[1], a[2], rev, lease);
        reply_ok(r);
        return true;
    }
    if (slice_eq_nocase(a[0], "del")) {
        for (size_t i = 1; i < argc; i++) {
            n += fsm_del(f, a[i], rev, FSM_DELETE);
        }
        reply_int(r, n);
        return n > 0;
    }
    e = kv_get(f->kv, a[1].base, a[1].len); /* cas */
    if (e == NULL || e->value_len != a[2].len ||
        (a[2].len > 0 && memcmp(e->value, a[2].base, a[2].len) != 0)) {
        reply_int(r, 0);
        return false;
    }
    fsm_put(f, a[1], a[3], rev, e->lease);
    reply_int(r, 1);
    return true;
}

/* Run one checked command; @r is never NULL. */
static bool run_command(struct fsm *f,
                        size_t argc,
                        const struct slice *a,
                        uint64_t rev,
                        struct buf *r)
{
    query_fn read = txn_commands[find_command(a[0])].read;

    if (read != NULL) {
        read(f, argc, a, r);
        return false;
    }
    return run_write(f, argc, a, rev, r);
}

bool txn_run_command(struct fsm *f,
                     size_t argc,
                     const struct slice *argv,
                     uint64_t rev,
                     struct buf *reply)
{
    char errmsg[SK_ERRMSG_SIZE];
    struct buf scratch;
    struct buf *r;
    bool changed = false;

    buf_init(&scratch);
    r = reply != NULL ? reply : &scratch;
    if (txn_check_command(argc, argv, NULL, errmsg) != 0) {
        reply_error(r, "ERR", "%s", errmsg);
    } else {
        changed = run_command(f, argc, argv, rev, r);
    }
    buf_close(&scratch);
    return changed;
}

void txn_apply(struct fsm *f, const void *blob, size_t len, struct buf *reply)
{
    char errmsg[SK_ERRMSG_SIZE];
    struct buf scratch;
    struct buf *r;
    uint64_t rev = f->revision + 1;
    bool changed = false;
    struct txn t;

    buf_init(&scratch);
    r = reply != NULL ? reply : &scratch;
    if (txn_open(&t, blob, len, NULL, errmsg) != 0) {
        reply_error(r, "ERR", "%s", errmsg);
        goto out;
    }
    for (size_t i = 0; i < t.n_watch; i++) {
        if (mod_rev_of(f, t.watch_keys[i]) != t.watch_revs[i]) {
            reply_null_array(r); /* a watched key changed: EXEC fails */
            goto out;
        }
    }
    reply_array(r, t.n_cmds);
    for (size_t i = 0; i < t.n_cmds; i++) {
        changed |= run_command(f, t.cmd_argc[i], t.cmd_argv[i], rev, r);
    }
    if (changed) {
        f->revision = rev; /* one revision for the whole transaction */
    }
out:
    txn_free(&t);
    buf_close(&scratch);
}

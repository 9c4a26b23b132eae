/* Reads of the replicated state as RESP replies; see query.h. */
#include "fsm/query.h"

#include "resp/reply.h"
#include "store/kv.h"

static void bulk_or_null(const struct fsm *f, struct slice key, struct buf *r)
{
    const struct kv_entry *e = kv_get(f->kv, key.base, key.len);

    if (e == NULL) {
        reply_null(r);
    } else {
        reply_bulk(r, e->value, e->value_len);
    }
}

void query_get(const struct fsm *f,
               size_t argc,
               const struct slice *argv,
               struct buf *reply)
{
    (void)argc;
    bulk_or_null(f, argv[1], reply);
}

void query_mget(const struct fsm *f,
                size_t argc,
                const struct slice *argv,
                struct buf *reply)
{
    reply_array(reply, argc - 1);
    for (size_t i = 1; i < argc; i++) {
        bulk_or_null(f, argv[i], reply);
    }
}

void query_exists(const struct fsm *f,
                  size_t argc,
                  const struct slice *argv,
                  struct buf *reply)
{
    long long n = 0;

    for (size_t i = 1; i < argc; i++) {
        n += kv_get(f->kv, argv[i].base, argv[i].len) != NULL;
    }
    reply_int(reply, n);
}

void query_getrev(const struct fsm *f,
                  size_t argc,
                  const struct slice *argv,
                  struct buf *reply)
{
    const struct kv_entry *e = kv_get(f->kv, argv[1].base, argv[1].len);

    (void)argc;
    if (e == NULL) {
        reply_null_array(reply);
        return;
    }
    reply_array(reply, 4);
    reply_bulk(reply, e->value, e->value_len);
    reply_int(reply, (long long)e->create_rev);
    reply_int(reply, (long long)e->mod_rev);
    reply_int(reply, (long long)e->version);
}

void query_modrevs(const struct fsm *f,
                   size_t argc,
                   const struct slice *argv,
                   struct buf *reply)
{
    reply_array(reply, argc - 1);
    for (size_t i = 1; i < argc; i++) {
        const struct kv_entry *e = kv_get(f->kv, argv[i].base, argv[i].len);
        reply_int(reply, e != NULL ? (long long)e->mod_rev : 0);
    }
}

void query_dbsize(const struct fsm *f,
                  size_t argc,
                  const struct slice *argv,
                  struct buf *reply)
{
    (void)argc;
    (void)argv;
    reply_int(reply, (long long)kv_count(f->kv));
}

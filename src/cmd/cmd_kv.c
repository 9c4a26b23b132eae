/* Key-value commands (proto/PROTOCOL.md §3.4). Reads run against the applied
 * state once their barrier is applied (or at once under READONLY); writes
 * are checked here and become entry ops applied by fsm/fsm.c. */
#include <string.h>

#include "cmd/handlers.h"
#include "fsm/entry.h"
#include "fsm/query.h"
#include "fsm/txn.h"
#include "lib/glob.h"
#include "node/node.h"
#include "resp/reply.h"

static int
check_size(struct call *c, struct slice s, size_t max, const char *what)
{
    if (s.len > max) {
        reply_error(&c->p->reply, "ERR",
                    "%s of %zu bytes exceeds the limit of %zu bytes", what,
                    s.len, max);
        return -1;
    }
    return 0;
}

int cmd_check_keys(struct call *c)
{
    for (size_t i = 1; i < c->argc; i++) {
        if (check_size(c, c->argv[i], c->node->cfg->max_key_bytes, "key") !=
            0) {
            return -1;
        }
    }
    return 0;
}

int cmd_check_pattern(struct call *c)
{
    return check_size(c, c->argv[1], c->node->cfg->max_key_bytes, "pattern");
}

void cmd_get(struct node *n,
             size_t argc,
             const struct slice *argv,
             struct buf *reply)
{
    query_get(&n->fsm, argc, argv, reply);
}

void cmd_mget(struct node *n,
              size_t argc,
              const struct slice *argv,
              struct buf *reply)
{
    query_mget(&n->fsm, argc, argv, reply);
}

void cmd_exists(struct node *n,
                size_t argc,
                const struct slice *argv,
                struct buf *reply)
{
    query_exists(&n->fsm, argc, argv, reply);
}

void cmd_getrev(struct node *n,
                size_t argc,
                const struct slice *argv,
                struct buf *reply)
{
    query_getrev(&n->fsm, argc, argv, reply);
}

void cmd_dbsize(struct node *n,
                size_t argc,
                const struct slice *argv,
                struct buf *reply)
{
    query_dbsize(&n->fsm, argc, argv, reply);
}

/* KEYS walks keys in order from the pattern's literal prefix, and refuses a
 * reply longer than --max-keys-reply rather than build an unbounded one. */
void cmd_keys(struct node *n,
              size_t argc,
              const struct slice *argv,
              struct buf *reply)
{
    const char *pat = argv[1].base;
    size_t pat_len = argv[1].len;
    size_t prefix = glob_literal_prefix(pat, pat_len);
    size_t max = n->cfg->max_keys_reply;
    size_t count = 0;
    struct buf body;
    const struct kv_entry *e;

    (void)argc;
    buf_init(&body);
    for (e = kv_seek(n->fsm.kv, pat, prefix); e != NULL;
         e = kv_next(n->fsm.kv, e)) {
        if (e->key_len < prefix || memcmp(e->key, pat, prefix) != 0) {
            break;
        }
        if (!glob_match(pat, pat_len, e->key, e->key_len)) {
            continue;
        }
        if (++count > max) {
            buf_close(&body);
            reply_error(reply, "ERR",
                        "KEYS would return more than %zu keys "
                        "(--max-keys-reply); use a narrower pattern",
                        max);
            return;
        }
        reply_bulk(&body, e->key, e->key_len);
    }
    reply_array(reply, count);
    buf_append(reply, body.base, body.len);
    buf_close(&body);
}

/* SET key value [LEASE id]. */
int cmd_set(struct call *c, uint8_t *op)
{
    char errmsg[SK_ERRMSG_SIZE];

    if (txn_check_set_options(c->argc, c->argv, errmsg) != 0) {
        reply_error(&c->p->reply, "ERR", "%s", errmsg);
        return -1;
    }
    if (check_size(c, c->argv[1], c->node->cfg->max_key_bytes, "key") != 0 ||
        check_size(c, c->argv[2], c->node->cfg->max_value_bytes, "value") !=
            0) {
        return -1;
    }
    *op = ENTRY_OP_SET;
    return 0;
}

int cmd_del(struct call *c, uint8_t *op)
{
    if (cmd_check_keys(c) != 0) {
        return -1;
    }
    *op = ENTRY_OP_DEL;
    return 0;
}

int cmd_cas(struct call *c, uint8_t *op)
{
    size_t max = c->node->cfg->max_value_bytes;

    if (check_size(c, c->argv[1], c->node->cfg->max_key_bytes, "key") != 0 ||
        check_size(c, c->argv[2], max, "expected value") != 0 ||
        check_size(c, c->argv[3], max, "value") != 0) {
        return -1;
    }
    *op = ENTRY_OP_CAS;
    return 0;
}

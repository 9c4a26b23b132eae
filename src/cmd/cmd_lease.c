/* Lease commands (proto/PROTOCOL.md §3.7): LEASE.GRANT, LEASE.REVOKE,
 * LEASE.KEEPALIVE, LEASE.TTL, LEASE.LIST. Grants and revocations are log
 * entries; a keepalive is a read that rides on the next entry and renews
 * the leader's clock (node/lessor.h), unless the lease's checkpoint in the
 * log must be reset first, which takes a small write. */
#include <stdio.h>
#include <string.h>

#include "cmd/handlers.h"
#include "cmd/session.h"
#include "fsm/entry.h"
#include "fsm/ops.h"
#include "lib/mem.h"
#include "node/node.h"
#include "resp/reply.h"

/* Parse argv[@i] as a lease id, or reply an error. */
static int lease_arg(struct call *c, size_t i, uint64_t *id)
{
    if (!slice_to_u64(c->argv[i], id) || *id == 0) {
        reply_error(&c->p->reply, "ERR", "lease id must be a number >= 1");
        return -1;
    }
    return 0;
}

int cmd_lease_grant(struct call *c, uint8_t *op)
{
    uint64_t ttl;

    if (!slice_to_u64(c->argv[1], &ttl) || ttl == 0 || ttl > LEASE_TTL_MAX_S) {
        reply_error(&c->p->reply, "ERR",
                    "lease TTL must be a whole number of seconds from 1 to "
                    "%llu",
                    (unsigned long long)LEASE_TTL_MAX_S);
        return -1;
    }
    *op = ENTRY_OP_LEASE_GRANT;
    return 0;
}

int cmd_lease_revoke(struct call *c, uint8_t *op)
{
    uint64_t id;

    if (lease_arg(c, 1, &id) != 0) {
        return -1;
    }
    *op = ENTRY_OP_LEASE_REVOKE;
    return 0;
}

int cmd_check_lease(struct call *c)
{
    uint64_t id;

    return lease_arg(c, 1, &id);
}

/* The keepalive, run in the apply hook of the entry it rode on. */
static void keepalive_read(struct node *n,
                           size_t argc,
                           const struct slice *argv,
                           struct buf *reply)
{
    uint64_t id = 0;
    uint64_t ttl = 0;
    int rv;

    (void)argc;
    slice_to_u64(argv[1], &id);
    rv = lessor_keepalive(&n->lessor, id, &ttl);
    if (rv == SK_ENOLEASE) {
        reply_error(reply, "NOLEASE", FSM_NOLEASE_FMT, (unsigned long long)id);
    } else if (rv != 0) {
        reply_error(reply, "TRYAGAIN",
                    "lease %llu was checkpointed meanwhile; not renewed, safe "
                    "to retry",
                    (unsigned long long)id);
    } else {
        reply_int(reply, (long long)ttl);
    }
}

/* Served as a read wherever it arrives (a follower relays it as one), so a
 * READONLY connection still reaches the leader. On the leader a lease whose
 * logged checkpoint is partial is renewed by a write instead. */
void cmd_lease_keepalive(struct call *c)
{
    struct node *n = c->node;
    const struct lease *l;
    bool readonly = c->session->readonly;
    uint64_t id;

    if (lease_arg(c, 1, &id) != 0) {
        return;
    }
    c->async = true;
    c->session->readonly = false;
    l = lease_get(&n->fsm.leases, id);
    if (node_is_leader(n) && n->park.n_parked == 0 && l != NULL &&
        l->ckpt_ms != 0) {
        session_serve(c, ENTRY_OP_LEASE_KEEPALIVE, NULL);
    } else {
        session_serve(c, 0, keepalive_read);
    }
    c->session->readonly = readonly;
}

/* [id, granted_ttl, ttl, ttl_ms, n_keys, keys]: ttl in whole seconds left
 * (rounded down, as etcd), keys listed up to --max-keys-reply. */
void cmd_lease_ttl(struct node *n,
                   size_t argc,
                   const struct slice *argv,
                   struct buf *reply)
{
    const struct lease *l;
    const struct kv_entry *e;
    uint64_t id = 0;
    uint64_t ms;
    size_t n_keys = 0;
    size_t listed = 0;

    (void)argc;
    slice_to_u64(argv[1], &id);
    l = lease_get(&n->fsm.leases, id);
    if (l == NULL) {
        reply_error(reply, "NOLEASE", FSM_NOLEASE_FMT, (unsigned long long)id);
        return;
    }
    ms = lessor_remaining_ms(&n->lessor, l);
    for (e = kv_lease_first(n->fsm.kv, id); e != NULL; e = kv_lease_next(e)) {
        n_keys++;
    }
    reply_array(reply, 12);
    reply_bulk_str(reply, "id");
    reply_int(reply, (long long)id);
    reply_bulk_str(reply, "granted_ttl");
    reply_int(reply, (long long)l->ttl_s);
    reply_bulk_str(reply, "ttl");
    reply_int(reply, (long long)(ms / 1000));
    reply_bulk_str(reply, "ttl_ms");
    reply_int(reply, (long long)ms);
    reply_bulk_str(reply, "n_keys");
    reply_int(reply, (long long)n_keys);
    reply_bulk_str(reply, "keys");
    listed = n_keys < n->cfg->max_keys_reply ? n_keys : n->cfg->max_keys_reply;
    reply_array(reply, listed);
    e = kv_lease_first(n->fsm.kv, id);
    for (size_t i = 0; i < listed; i++, e = kv_lease_next(e)) {
        reply_bulk(reply, e->key, e->key_len);
    }
}

/* Every lease id, ascending; refused beyond --max-keys-reply. */
void cmd_lease_list(struct node *n,
                    size_t argc,
                    const struct slice *argv,
                    struct buf *reply)
{
    size_t count = lease_count(&n->fsm.leases);
    uint64_t *ids;

    (void)argc;
    (void)argv;
    if (count > n->cfg->max_keys_reply) {
        reply_error(reply, "ERR",
                    "LEASE.LIST would return more than %zu leases "
                    "(--max-keys-reply)",
                    n->cfg->max_keys_reply);
        return;
    }
    ids = lease_sorted_ids(&n->fsm.leases);
    reply_array(reply, count);
    for (size_t i = 0; i < count; i++) {
        reply_int(reply, (long long)ids[i]);
    }
    mem_free(ids);
}

/* Lease ops (proto/ENTRY.md): grant, revoke, expiry, checkpoints and
 * keepalives. Expiry is decided by the leader's clock, which names the
 * leases in an ENTRY_OP_LEASE_EXPIRE; apply never reads a clock. */
#include <stdbool.h>
#include <stdint.h>

#include "fsm/ops.h"
#include "resp/reply.h"

static void
report(struct fsm *f, enum fsm_lease_change c, const struct lease *l)
{
    if (f->observer != NULL && f->observer->lease_changed != NULL) {
        f->observer->lease_changed(f->observer->data, c, l);
    }
}

bool fsm_parse_lease(const struct fsm *f,
                     struct slice arg,
                     uint64_t *id,
                     struct buf *reply)
{
    if (!slice_to_u64(arg, id) || *id == 0) {
        if (reply != NULL) {
            reply_error(reply, "ERR", "lease id must be a number >= 1");
        }
        return false;
    }
    if (lease_get(&f->leases, *id) == NULL) {
        if (reply != NULL) {
            reply_error(reply, "NOLEASE", FSM_NOLEASE_FMT,
                        (unsigned long long)*id);
        }
        return false;
    }
    return true;
}

static void grant(struct fsm *f, const struct slice *a, struct buf *reply)
{
    uint64_t ttl;
    struct lease *l;

    if (!slice_to_u64(a[0], &ttl) || ttl == 0 || ttl > LEASE_TTL_MAX_S) {
        if (reply != NULL) {
            reply_error(reply, "ERR", "invalid lease TTL");
        }
        return;
    }
    l = lease_grant(&f->leases, ttl);
    report(f, FSM_LEASE_GRANTED, l);
    if (reply != NULL) {
        reply_int(reply, (long long)l->id);
    }
}

static void revoke(struct fsm *f, const struct slice *a, struct buf *reply)
{
    uint64_t id;

    if (!fsm_parse_lease(f, a[0], &id, reply)) {
        return;
    }
    long long n = fsm_end_lease(f, id, false);
    if (reply != NULL) {
        reply_int(reply, n);
    }
}

/* Leases already gone (revoked meanwhile) are skipped: the reply counts
 * those that ended here. */
static void
expire(struct fsm *f, size_t argc, const struct slice *a, struct buf *reply)
{
    long long n = 0;

    for (size_t i = 0; i < argc; i++) {
        uint64_t id;
        if (slice_to_u64(a[i], &id) && id != 0 &&
            fsm_end_lease(f, id, true) >= 0) {
            n++;
        }
    }
    if (reply != NULL) {
        reply_int(reply, n);
    }
}

/* Remaining TTLs as a leader's clock saw them; a value above the granted
 * TTL is stored as the full TTL (0). */
static void
checkpoint(struct fsm *f, size_t argc, const struct slice *a, struct buf *reply)
{
    long long n = 0;

    for (size_t i = 0; i + 1 < argc; i += 2) {
        uint64_t id;
        uint64_t ms;
        struct lease *l;
        if (!slice_to_u64(a[i], &id) || !slice_to_u64(a[i + 1], &ms) ||
            (l = lease_get(&f->leases, id)) == NULL) {
            continue;
        }
        l->ckpt_ms = ms >= l->ttl_s * 1000 ? 0 : ms;
        n++;
    }
    if (reply != NULL) {
        reply_int(reply, n);
    }
}

/* A keepalive that had to reach the log: the lease had a checkpoint below
 * its full TTL, which a new leader would otherwise honour. */
static void keepalive(struct fsm *f, const struct slice *a, struct buf *reply)
{
    uint64_t id;
    struct lease *l;

    if (!fsm_parse_lease(f, a[0], &id, reply)) {
        return;
    }
    l = lease_get(&f->leases, id);
    l->ckpt_ms = 0;
    report(f, FSM_LEASE_RENEWED, l);
    if (reply != NULL) {
        reply_int(reply, (long long)l->ttl_s);
    }
}

void fsm_apply_lease_op(struct fsm *f,
                        const struct entry_cmd *cmd,
                        struct buf *reply)
{
    switch (cmd->op) {
    case ENTRY_OP_LEASE_GRANT:
        grant(f, cmd->argv, reply);
        break;
    case ENTRY_OP_LEASE_REVOKE:
        revoke(f, cmd->argv, reply);
        break;
    case ENTRY_OP_LEASE_EXPIRE:
        expire(f, cmd->argc, cmd->argv, reply);
        break;
    case ENTRY_OP_LEASE_CHECKPOINT:
        checkpoint(f, cmd->argc, cmd->argv, reply);
        break;
    case ENTRY_OP_LEASE_KEEPALIVE:
        keepalive(f, cmd->argv, reply);
        break;
    default:
        break;
    }
}

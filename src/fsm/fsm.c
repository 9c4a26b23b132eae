/* The replicated state machine: raft hands it committed entries, it applies
 * their commands to the kv and the member table and writes each command's
 * RESP reply. Every decision depends on the entry and the state alone. */
#include "fsm/fsm.h"

#include <stdbool.h>
#include <string.h>

#include "fsm/entry.h"
#include "fsm/ops.h"
#include "fsm/txn.h"
#include "lib/err.h"
#include "lib/mem.h"
#include "lib/slice.h"
#include "resp/reply.h"

void fsm_init(struct fsm *f)
{
    f->kv = kv_new();
    f->revision = 0;
    f->members = NULL;
    f->n_members = 0;
    lease_table_init(&f->leases);
    election_table_init(&f->elections);
    scaling_init(&f->scaling);
    f->now_ms = 0;
    f->observer = NULL;
}

void fsm_close(struct fsm *f)
{
    for (size_t i = 0; i < f->n_members; i++) {
        mem_free(f->members[i].client_address);
        mem_free(f->members[i].zone);
    }
    mem_free(f->members);
    kv_free(f->kv);
    lease_table_close(&f->leases);
    election_table_close(&f->elections);
    scaling_close(&f->scaling);
    f->kv = NULL;
    f->revision = 0;
    f->members = NULL;
    f->n_members = 0;
}

/* The index of member @id, or where it would be inserted; *found says which. */
static size_t member_find(const struct fsm *f, uint64_t id, bool *found)
{
    size_t lo = 0;
    size_t hi = f->n_members;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->members[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = lo < f->n_members && f->members[lo].id == id;
    return lo;
}

const struct fsm_member *fsm_member_get(const struct fsm *f, uint64_t id)
{
    bool found;
    size_t i = member_find(f, id, &found);

    return found ? &f->members[i] : NULL;
}

/* A node id in decimal: 1 to 20 digits, no sign, no overflow, not 0 (raft
 * ids start at 1). Leading zeros are accepted here, as they always were in
 * MEMBER entries. */
static bool parse_id(struct slice s, uint64_t *id)
{
    if (s.len == 0 || s.len > 20) {
        return false;
    }
    while (s.len > 1 && s.base[0] == '0') {
        s.base++;
        s.len--;
    }
    return slice_to_u64(s, id) && *id != 0;
}

/* Member strings are stored as C strings, so an embedded NUL is refused. */
static bool is_text(struct slice s)
{
    return s.len == 0 || memchr(s.base, '\0', s.len) == NULL;
}

/* SET key value [LEASE id]: the lease must exist. */
static void
apply_set(struct fsm *f, const struct entry_cmd *cmd, struct buf *reply)
{
    const struct slice *a = cmd->argv;
    uint64_t lease = 0;

    if (cmd->argc == 4 && !slice_eq_nocase(a[2], "lease")) {
        if (reply != NULL) {
            reply_error(reply, "ERR", "syntax error");
        }
        return;
    }
    if (cmd->argc == 4 && !fsm_parse_lease(f, a[3], &lease, reply)) {
        return;
    }
    f->revision++;
    fsm_put(f, a[0], a[1], f->revision, lease);
    if (reply != NULL) {
        reply_ok(reply);
    }
}

/* One revision for the whole command, and none if nothing was removed. */
static void
apply_del(struct fsm *f, const struct entry_cmd *cmd, struct buf *reply)
{
    uint64_t rev = f->revision + 1;
    long long n = 0;

    for (size_t i = 0; i < cmd->argc; i++) {
        n += fsm_del(f, cmd->argv[i], rev, FSM_DELETE);
    }
    if (n > 0) {
        f->revision = rev;
    }
    if (reply != NULL) {
        reply_int(reply, n);
    }
}

/* The key keeps its lease. */
static void
apply_cas(struct fsm *f, const struct entry_cmd *cmd, struct buf *reply)
{
    const struct slice *a = cmd->argv;
    const struct kv_entry *e = kv_get(f->kv, a[0].base, a[0].len);
    bool hit = e != NULL && e->value_len == a[1].len &&
               (a[1].len == 0 || memcmp(e->value, a[1].base, a[1].len) == 0);

    if (hit) {
        f->revision++;
        fsm_put(f, a[0], a[2], f->revision, e->lease);
    }
    if (reply != NULL) {
        reply_int(reply, hit ? 1 : 0);
    }
}

/* Insert or replace the metadata node @id publishes; no new revision. */
static void
apply_member(struct fsm *f, const struct entry_cmd *cmd, struct buf *reply)
{
    const struct slice *a = cmd->argv;
    struct fsm_member *m;
    uint64_t id;
    bool found;
    size_t i;

    if (!parse_id(a[0], &id) || !is_text(a[1]) || !is_text(a[2])) {
        if (reply != NULL) {
            reply_error(reply, "ERR", "invalid member id, address or zone");
        }
        return;
    }
    i = member_find(f, id, &found);
    if (found) {
        m = &f->members[i];
        mem_free(m->client_address);
        mem_free(m->zone);
    } else {
        f->members =
            mem_realloc(f->members, (f->n_members + 1) * sizeof *f->members);
        memmove(&f->members[i + 1], &f->members[i],
                (f->n_members - i) * sizeof *f->members);
        f->n_members++;
        m = &f->members[i];
        m->id = id;
    }
    m->client_address = mem_strndup(a[1].base, a[1].len);
    m->zone = mem_strndup(a[2].base, a[2].len);
    if (reply != NULL) {
        reply_ok(reply);
    }
}

/* REVISION.FLOOR rev: the revision becomes at least @rev, so that a state
 * restored from a backup never reuses revisions (proto/ENTRY.md). */
static void
apply_floor(struct fsm *f, const struct entry_cmd *cmd, struct buf *reply)
{
    uint64_t rev;

    if (!slice_to_u64(cmd->argv[0], &rev) || rev > INT64_MAX) {
        if (reply != NULL) {
            reply_error(reply, "ERR", "invalid revision");
        }
        return;
    }
    if (rev > f->revision) {
        f->revision = rev;
        if (f->observer != NULL && f->observer->revision_floored != NULL) {
            f->observer->revision_floored(f->observer->data, rev);
        }
    }
    if (reply != NULL) {
        reply_int(reply, (long long)f->revision);
    }
}

static bool argc_ok(const struct entry_cmd *cmd)
{
    switch (cmd->op) {
    case ENTRY_OP_SET:
        return cmd->argc == 2 || cmd->argc == 4;
    case ENTRY_OP_DEL:
    case ENTRY_OP_LEASE_EXPIRE:
        return cmd->argc >= 1;
    case ENTRY_OP_CAS:
    case ENTRY_OP_MEMBER:
        return cmd->argc == 3;
    case ENTRY_OP_CAMPAIGN:
        return cmd->argc == 4 || cmd->argc == 5;
    case ENTRY_OP_TXN:
    case ENTRY_OP_LEASE_GRANT:
    case ENTRY_OP_LEASE_REVOKE:
    case ENTRY_OP_LEASE_KEEPALIVE:
    case ENTRY_OP_REVISION_FLOOR:
        return cmd->argc == 1;
    case ENTRY_OP_LEASE_CHECKPOINT:
        return cmd->argc >= 2 && cmd->argc % 2 == 0;
    case ENTRY_OP_RESIGN:
    case ENTRY_OP_WITHDRAW:
        return cmd->argc == 2;
    case ENTRY_OP_FENCE:
        return cmd->argc >= 3;
    case ENTRY_OP_GROUP_CREATE:
    case ENTRY_OP_GROUP_UPDATE:
        return cmd->argc >= 1 && cmd->argc % 2 == 1;
    case ENTRY_OP_GROUP_DELETE:
        return cmd->argc == 1 || cmd->argc == 2;
    case ENTRY_OP_GROUP_SETDESIRED:
        return cmd->argc == 2 || cmd->argc == 3;
    case ENTRY_OP_INSTANCE_SETHEALTH:
    case ENTRY_OP_INSTANCE_PROTECT:
    case ENTRY_OP_CTRL_CLAIM:
    case ENTRY_OP_CTRL_ORDER:
    case ENTRY_OP_CTRL_HEALTH:
    case ENTRY_OP_CTRL_REMOVE:
        return cmd->argc == 2;
    case ENTRY_OP_INSTANCE_TERMINATE:
    case ENTRY_OP_INSTANCE_ATTACH:
    case ENTRY_OP_INSTANCE_DETACH:
    case ENTRY_OP_INSTANCE_STANDBY:
        return cmd->argc == 3;
    case ENTRY_OP_INSTANCE_RESUME:
        return cmd->argc == 1;
    case ENTRY_OP_ACTIVITY_COMPLETE:
        return cmd->argc == 3 || cmd->argc == 4;
    case ENTRY_OP_CTRL_START:
        return cmd->argc == 6;
    case ENTRY_OP_CTRL_FINISH:
        return cmd->argc == 5;
    default:
        return false;
    }
}

static void
apply_cmd(struct fsm *f, const struct entry_cmd *cmd, struct buf *reply)
{
    if (!argc_ok(cmd)) {
        if (reply != NULL) {
            reply_error(reply, "ERR",
                        "wrong number of arguments for entry op %u",
                        (unsigned)cmd->op);
        }
        return;
    }
    switch (cmd->op) {
    case ENTRY_OP_SET:
        apply_set(f, cmd, reply);
        break;
    case ENTRY_OP_DEL:
        apply_del(f, cmd, reply);
        break;
    case ENTRY_OP_CAS:
        apply_cas(f, cmd, reply);
        break;
    case ENTRY_OP_MEMBER:
        apply_member(f, cmd, reply);
        break;
    case ENTRY_OP_TXN:
        txn_apply(f, cmd->argv[0].base, cmd->argv[0].len, reply);
        break;
    case ENTRY_OP_LEASE_GRANT:
    case ENTRY_OP_LEASE_REVOKE:
    case ENTRY_OP_LEASE_EXPIRE:
    case ENTRY_OP_LEASE_CHECKPOINT:
    case ENTRY_OP_LEASE_KEEPALIVE:
        fsm_apply_lease_op(f, cmd, reply);
        break;
    case ENTRY_OP_CAMPAIGN:
    case ENTRY_OP_RESIGN:
    case ENTRY_OP_WITHDRAW:
    case ENTRY_OP_FENCE:
        fsm_apply_election_op(f, cmd, reply);
        break;
    case ENTRY_OP_REVISION_FLOOR:
        apply_floor(f, cmd, reply);
        break;
    default:
        if (cmd->op >= ENTRY_OP_GROUP_CREATE &&
            cmd->op <= ENTRY_OP_CTRL_REMOVE) {
            fsm_apply_scaling_op(f, cmd, reply);
        }
        break; /* unreachable: entry_validate() refused unknown ops */
    }
}

int fsm_apply(struct fsm *f,
              const void *data,
              size_t len,
              struct buf *replies,
              size_t n_replies)
{
    struct entry_reader er;
    struct entry_cmd cmd;
    size_t i = 0;
    int rv;

    /* Validate first so a bad entry applies nothing rather than a prefix. */
    rv = entry_validate(data, len);
    if (rv != 0) {
        return rv;
    }
    rv = entry_reader_open(&er, data, len);
    f->now_ms = er.header.time_ms;
    while (rv == 0 && (rv = entry_reader_next(&er, &cmd)) == 1) {
        struct buf *reply = NULL;

        if (replies != NULL && i < n_replies) {
            reply = &replies[i];
        }
        apply_cmd(f, &cmd, reply);
        i++;
        rv = 0;
    }
    entry_reader_close(&er);
    return rv;
}

/* Election ops (proto/ENTRY.md): campaigns, resignations, withdrawals, and
 * FENCE, which runs a command only while a fencing token still holds its
 * election. A token is the revision at which its holder became leader. */
#include <stdbool.h>
#include <stdint.h>

#include "fsm/ops.h"
#include "fsm/txn.h"
#include "resp/reply.h"

/* Reply [token (0 unless leading), campaign revision]. */
static void
campaign_reply(const struct election *el, size_t i, struct buf *reply)
{
    reply_array(reply, 2);
    reply_int(reply, i == 0 ? (long long)el->leader_rev : 0);
    reply_int(reply, (long long)el->cands[i].campaign_rev);
}

/* CAMPAIGN name value LEASE id [NOWAIT] (the command's own arguments;
 * NOWAIT only matters to the node that waits). A lease campaigns once per
 * election: campaigning again reports the standing candidacy and changes
 * nothing. */
static void
campaign(struct fsm *f, size_t argc, const struct slice *a, struct buf *reply)
{
    struct election *el;
    uint64_t lease;
    long i;

    if (!slice_eq_nocase(a[2], "lease") ||
        (argc == 5 && !slice_eq_nocase(a[4], "nowait"))) {
        if (reply != NULL) {
            reply_error(reply, "ERR", "syntax error");
        }
        return;
    }
    if (!fsm_parse_lease(f, a[3], &lease, reply)) {
        return;
    }
    el = election_get_or_add(&f->elections, a[0].base, a[0].len);
    i = election_find(el, lease);
    if (i < 0) {
        uint64_t rev = ++f->revision;
        election_add(el, lease, a[1].base, a[1].len, rev);
        i = (long)el->n_cands - 1;
        if (f->observer != NULL && f->observer->election_changed != NULL) {
            f->observer->election_changed(f->observer->data, el, i == 0, rev);
        }
    }
    if (reply != NULL) {
        campaign_reply(el, (size_t)i, reply);
    }
}

static bool parse_token(struct slice s, uint64_t *token, struct buf *reply)
{
    if (!slice_to_u64(s, token) || *token == 0) {
        if (reply != NULL) {
            reply_error(reply, "ERR", "fencing token must be a number >= 1");
        }
        return false;
    }
    return true;
}

static void resign(struct fsm *f, const struct slice *a, struct buf *reply)
{
    struct election *el = election_get(&f->elections, a[0].base, a[0].len);
    uint64_t token;
    bool held;

    if (!parse_token(a[1], &token, reply)) {
        return;
    }
    held = el != NULL && el->n_cands > 0 && el->leader_rev == token;
    if (held) {
        fsm_remove_candidate(f, el, 0);
    }
    if (reply != NULL) {
        reply_int(reply, held ? 1 : 0);
    }
}

static void withdraw(struct fsm *f, const struct slice *a, struct buf *reply)
{
    struct election *el = election_get(&f->elections, a[0].base, a[0].len);
    uint64_t lease;
    long i = -1;

    if (!slice_to_u64(a[1], &lease) || lease == 0) {
        if (reply != NULL) {
            reply_error(reply, "ERR", "lease id must be a number >= 1");
        }
        return;
    }
    if (el != NULL) {
        i = election_find(el, lease);
    }
    if (i >= 0) {
        fsm_remove_candidate(f, el, (size_t)i);
    }
    if (reply != NULL) {
        reply_int(reply, i >= 0 ? 1 : 0);
    }
}

/* FENCE name token command...: the command runs, at its own revision, only
 * if @token is the current leader's. */
static void
fence(struct fsm *f, size_t argc, const struct slice *a, struct buf *reply)
{
    const struct election *el =
        election_get(&f->elections, a[0].base, a[0].len);
    uint64_t token;
    uint64_t rev;

    if (!parse_token(a[1], &token, reply)) {
        return;
    }
    if (el == NULL || el->n_cands == 0 || el->leader_rev != token) {
        if (reply != NULL) {
            reply_error(reply, "FENCED",
                        "token %llu does not hold election '%.*s' (current "
                        "token: %llu)",
                        (unsigned long long)token,
                        (int)(a[0].len > 64 ? 64 : a[0].len), a[0].base,
                        el != NULL ? (unsigned long long)el->leader_rev : 0ULL);
        }
        return;
    }
    rev = f->revision + 1;
    if (txn_run_command(f, argc - 2, a + 2, rev, reply)) {
        f->revision = rev;
    }
}

void fsm_apply_election_op(struct fsm *f,
                           const struct entry_cmd *cmd,
                           struct buf *reply)
{
    switch (cmd->op) {
    case ENTRY_OP_CAMPAIGN:
        campaign(f, cmd->argc, cmd->argv, reply);
        break;
    case ENTRY_OP_RESIGN:
        resign(f, cmd->argv, reply);
        break;
    case ENTRY_OP_WITHDRAW:
        withdraw(f, cmd->argv, reply);
        break;
    case ENTRY_OP_FENCE:
        fence(f, cmd->argc, cmd->argv, reply);
        break;
    default:
        break;
    }
}

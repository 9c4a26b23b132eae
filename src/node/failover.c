/* Fast failover (see failover.h). raft_set_election_timeout() regenerates a
 * follower's or candidate's randomized timer, still counted from the
 * leader's last message (or the start of the candidacy), so shortening it
 * makes a node whose leader went silent stand at once, and restoring it
 * gives the full timeout back. The library checks its timer on each tick,
 * every heartbeat interval. */
#include "node/failover.h"

#include "lib/log.h"
#include "node/node.h"

void failover_init(struct failover *fo, struct node *n)
{
    *fo = (struct failover){ .node = n };
}

static bool enabled(const struct failover *fo)
{
    return fo->node->cfg->fast_failover_ms != 0 && !fo->node->closing;
}

/* Whether this node follows @leader_id right now. */
static bool follows(struct failover *fo, uint64_t leader_id)
{
    struct node *n = fo->node;
    uint64_t leader = 0;

    return raft_state(&n->raft) == RAFT_FOLLOWER &&
           node_leader(n, &leader, NULL) == 0 && leader == leader_id;
}

/* How long since this follower last heard from its leader: the library's
 * election timer runs from then, on the loop's clock. */
static uint64_t silent_ms(struct node *n)
{
    uint64_t now = node_now_ms(n);
    uint64_t last = n->raft.election_timer_start;

    return now > last ? now - last : 0;
}

static void shorten(struct failover *fo, enum failover_reason reason)
{
    fo->reason = reason;
    fo->since_ms = node_now_ms(fo->node);
    fo->leaderless = false;
    raft_set_election_timeout(&fo->node->raft, fo->node->cfg->fast_failover_ms);
}

static void restore(struct failover *fo, const char *why)
{
    if (fo->reason == FAILOVER_LEADER_GONE) {
        log_info("%s: election timeout back to %u ms", why,
                 fo->node->cfg->election_timeout_ms);
    }
    fo->reason = FAILOVER_NONE;
    raft_set_election_timeout(&fo->node->raft,
                              fo->node->cfg->election_timeout_ms);
}

void failover_link_closed(struct failover *fo,
                          uint64_t leader_id,
                          const char *why)
{
    if (!enabled(fo) || !follows(fo, leader_id)) {
        return;
    }
    fo->links_lost++;
    fo->suspect = leader_id;
    fo->suspect_since_ms = node_now_ms(fo->node);
    log_info("link to leader n%llu closed (%s): reconnecting to tell a "
             "crash from a reset",
             (unsigned long long)leader_id, why);
}

void failover_connect_refused(struct failover *fo, uint64_t leader_id)
{
    if (!enabled(fo) || fo->suspect != leader_id ||
        fo->reason != FAILOVER_NONE || !follows(fo, leader_id)) {
        return;
    }
    fo->suspect = 0;
    fo->gone = leader_id;
    fo->fired++;
    shorten(fo, FAILOVER_LEADER_GONE);
    log_warn("leader n%llu's process is gone (link closed, port refuses "
             "connections): election timeout %u ms until a leader is known",
             (unsigned long long)leader_id, fo->node->cfg->fast_failover_ms);
}

void failover_link_connected(struct failover *fo, uint64_t leader_id)
{
    if (fo->suspect == leader_id) {
        fo->suspect = 0; /* only reset: it answers */
    }
    if (fo->reason == FAILOVER_LEADER_GONE && fo->gone == leader_id) {
        fo->cancelled++;
        restore(fo, "leader answers again");
    }
}

void failover_tick(struct failover *fo)
{
    struct node *n = fo->node;
    uint64_t now = node_now_ms(n);
    int state = raft_state(&n->raft);
    uint64_t leader = 0;
    bool known = node_leader(n, &leader, NULL) == 0;

    if (fo->suspect != 0 &&
        now - fo->suspect_since_ms > n->cfg->election_timeout_ms) {
        fo->suspect = 0; /* no proof came: let the normal timer decide */
    }
    if (!enabled(fo)) {
        return;
    }
    if (fo->reason == FAILOVER_NONE) {
        if (state == RAFT_CANDIDATE) {
            shorten(fo, FAILOVER_CANDIDATE);
        } else if (state == RAFT_FOLLOWER && known &&
                   silent_ms(n) >= n->cfg->election_timeout_ms) {
            fo->gone = leader;
            fo->silences++;
            shorten(fo, FAILOVER_SILENT);
            log_info("no word from leader n%llu for %llu ms: standing for "
                     "election",
                     (unsigned long long)leader,
                     (unsigned long long)silent_ms(n));
        }
        return;
    }
    if (!known) {
        fo->leaderless = true;
        return;
    }
    if (state == RAFT_LEADER) {
        restore(fo, "elected");
    } else if (fo->reason == FAILOVER_CANDIDATE || leader != fo->gone ||
               fo->leaderless) {
        restore(fo, "new leader known");
    } else if (fo->reason == FAILOVER_SILENT) {
        if (silent_ms(n) < n->cfg->election_timeout_ms) {
            restore(fo, "leader heard from again");
        }
    } else if (now - fo->since_ms >= n->cfg->election_timeout_ms) {
        /* Still following it a whole election timeout later: it
         * heartbeats, only its client port is unreachable. */
        fo->cancelled++;
        restore(fo, "leader still heartbeats");
    }
}

unsigned failover_timeout_ms(const struct failover *fo)
{
    return fo->reason != FAILOVER_NONE ? fo->node->cfg->fast_failover_ms
                                       : fo->node->cfg->election_timeout_ms;
}

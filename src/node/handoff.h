/* Graceful shutdown of a leader: before it stops, it hands leadership to a
 * caught-up voter (raft_transfer), so that a rolling restart costs the
 * cluster no election timeout: the new leader stands at once, with the old
 * one's blessing, instead of after the followers' timers run out.
 *
 * The library sends its TimeoutNow once, and the target ignores it unless
 * its log ends exactly where the leader's does, so the log must stand still
 * first: the node holds new entries (requests queue), waits until every
 * entry it appended has been applied, then transfers, and tries again if
 * the first attempt is ignored. */
#ifndef SK_HANDOFF_H
#define SK_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

#include <raft.h>

struct node;
typedef void (*handoff_cb)(struct node *n);

struct handoff {
    struct node *node;
    struct raft_transfer req; /* raft keeps a pointer until the callback */
    bool running;             /* from handoff_start() until @cb */
    bool transferring;        /* raft_transfer() called, no callback yet */
    unsigned attempts;
    uint64_t started_ms;
    handoff_cb cb; /* NULL once abandoned */
};

void handoff_init(struct handoff *h, struct node *n);

/* If this node leads a cluster of more than one voter, hand leadership over
 * and call @cb when that is done, or failed (at most about two election
 * timeouts); otherwise call @cb at once. */
void handoff_start(struct handoff *h, handoff_cb cb);

/* Whether new log entries must wait (a hand-off is under way). */
bool handoff_holds_entries(const struct handoff *h);

/* Drive the hand-off: start the transfer once the log stands still, retry,
 * give up. Called at the end of every loop iteration (the 50 ms tick keeps
 * the loop turning). */
void handoff_poll(struct handoff *h);

/* Stop waiting for the transfer (a second signal): @cb is not called. */
void handoff_abandon(struct handoff *h);

#endif

/* The leader's lease clocks. Lease expiry is decided here, on the leader's
 * clock, and written to the log as an explicit ENTRY_OP_LEASE_EXPIRE; the
 * state machine never reads a clock.
 *
 * Keepalives cost no log entry of their own: a keepalive is a linearizable
 * read (it rides on the next log entry, whose commit proves this node still
 * led after the keepalive arrived) that renews the lease's clock in memory.
 * What the log holds is the remaining TTL as of the last checkpoint: 0 (the
 * full TTL) for a lease that is being renewed, and a partial value that a
 * leader writes for leases nobody has renewed for a while (at most once per
 * --lease-checkpoint-ms). A keepalive of a lease with a partial checkpoint
 * goes through the log once (ENTRY_OP_LEASE_KEEPALIVE) to restore the full
 * TTL there, before it is acknowledged.
 *
 * A new leader gives each lease its checkpointed remaining TTL plus one
 * election timeout of grace, counted from when it has applied its
 * predecessor's entries. Every keepalive acknowledged before was confirmed
 * by a commit that precedes the new leader's term, and a lease whose
 * checkpoint is partial was not renewed since that checkpoint, so no lease
 * expires before its holder was told it would. */
#ifndef SK_LESSOR_H
#define SK_LESSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "fsm/fsm.h"
#include "lib/u64map.h"

struct node;

struct lessor_stats {
    uint64_t keepalives;  /* renewals acknowledged as leader */
    uint64_t expired;     /* leases this node expired as leader */
    uint64_t checkpoints; /* checkpoint commands proposed */
    uint64_t activations; /* times this node took over the clocks */
};

struct lessor {
    struct node *node;
    struct u64map clocks; /* lease id -> owned struct lessor_clock */
    bool leading;         /* raft leader, clocks maybe not active yet */
    bool active;          /* leader and caught up: clocks run */
    uint64_t lead_index;  /* to be applied before the clocks start */
    uint64_t next_checkpoint_ms;
    bool checkpoint_inflight;
    struct lessor_stats stats;
};

void lessor_init(struct lessor *l, struct node *n);
void lessor_close(struct lessor *l);

/* This node gained (@leader true) or lost leadership. */
void lessor_leadership(struct lessor *l, bool leader);

/* Start the clocks once caught up, propose the expiry of leases whose time
 * has come, and checkpoints. Called on every node tick. */
void lessor_tick(struct lessor *l);

/* From the state machine's observer: a lease was granted, renewed through
 * the log, or removed. */
void lessor_lease_changed(struct lessor *l,
                          enum fsm_lease_change change,
                          const struct lease *lease);

/* Renew lease @id now, for a keepalive confirmed by a commit (called in the
 * apply hook). Returns 0 with the granted TTL in @ttl_s, SK_ENOLEASE if the
 * lease is gone or its time has run out, or SK_ERETRY if a checkpoint below
 * its full TTL reached the log meanwhile (the keepalive must go through the
 * log: retry). */
int lessor_keepalive(struct lessor *l, uint64_t id, uint64_t *ttl_s);

/* The remaining TTL of @lease in milliseconds: on the clock if this node
 * runs them, else as last checkpointed. */
uint64_t lessor_remaining_ms(struct lessor *l, const struct lease *lease);

/* The state was replaced by a snapshot: forget every clock. */
void lessor_reset(struct lessor *l);

#endif

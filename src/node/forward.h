/* Forwarding: a follower relays writes and linearizable reads to the leader's
 * client port over one pipelined RESP connection (a "link") and hands each
 * reply back, in order. The link announces itself with PEERLINK so that the
 * leader never forwards a relayed request again (no loops while leadership
 * moves).
 *
 * Failure modes: no leader known, or no connected link yet -> the caller
 * parks the request (node/park.h); the link breaks with requests outstanding
 * -> writes get -UNCERTAIN (they may have been committed), reads are parked
 * again and retried on the next leader. When the leader changes, the old link
 * drains its outstanding replies before it closes. */
#ifndef SK_FORWARD_H
#define SK_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/slice.h"
#include "node/pending.h"
#include "node/readindex.h"

struct node;
struct fwd_link;

struct forward {
    struct node *node;
    struct fwd_link *current;  /* link to the current leader, or NULL */
    struct fwd_link *draining; /* links to former leaders, closing */
    uint64_t failed_leader;    /* last leader a connect to failed */
    uint64_t failed_at_ms;
    bool closing;
};

void forward_init(struct forward *f, struct node *n);

/* Relay the request @argv to the leader, a read @read or a write (@read
 * NULL); @p receives the leader's reply.
 * Returns 0, or SK_ENOLEADER when the leader or its client address is not
 * known or the link to it is not connected yet (then @p is untouched: the
 * caller parks the request, and connecting retries parked requests). */
int forward_submit(struct forward *f,
                   size_t argc,
                   const struct slice *argv,
                   read_fn read,
                   struct pending *p);

/* The leader changed (or was lost): stop sending on the current link. */
void forward_leader_changed(struct forward *f);

/* Close links to former leaders that have not answered within the wait
 * limit (a paused or partitioned old leader): their writes get -UNCERTAIN,
 * their reads wait for the new leader. Called on every tick. */
void forward_tick(struct forward *f);

/* With fast failover on, open a link to the current leader if there is
 * none (a follower's watch on its leader's process). */
void forward_keep_link(struct forward *f);

/* Fail everything outstanding and close every link. */
void forward_close(struct forward *f);

/* Whether the current link is connected and the leader answered PEERLINK
 * on it (INFO leader_link_up). */
bool forward_connected(const struct forward *f);

#endif

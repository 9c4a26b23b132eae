/* A reply owed to a client: created by the session for each request, filled
 * by whoever serves it (now, after a commit, after a barrier, or from the
 * leader over a forwarding link), and flushed in request order. */
#ifndef SK_PENDING_H
#define SK_PENDING_H

#include <stdbool.h>

#include "lib/buf.h"

struct pending;
typedef void (*pending_done_cb)(struct pending *p);

struct pending {
    struct pending *next; /* the owner's queue, in request order */
    struct buf reply;     /* owned: the RESP reply bytes */
    bool done;
    bool orphan;        /* the client went away: completing frees it */
    pending_done_cb cb; /* called by pending_done() unless orphan */
    void *owner;
};

/* A pending reply with no owner yet (cb may be NULL). */
struct pending *pending_new(pending_done_cb cb, void *owner);

/* Mark @p done: its reply is complete. Calls p->cb, or frees @p if it was
 * orphaned. Must be called exactly once per pending. */
void pending_done(struct pending *p);

/* The owner is going away: free @p now if done, else leave it to whoever
 * completes it. */
void pending_orphan(struct pending *p);

void pending_free(struct pending *p);

/* Complete @p with the error reply for the SK_E* code @rv. */
void pending_fail(struct pending *p, int rv);

#endif

/* Group commit: client writes queued during one loop iteration become a
 * single log entry (one raft_apply), so one disk write and one round of
 * replication serve them all. Replies come back through the state machine:
 * the entry names its origin node and batch, and the apply hook of the
 * origin hands each command's reply to the waiting client. */
#ifndef SK_PROPOSE_H
#define SK_PROPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "fsm/entry.h"
#include "lib/buf.h"
#include "lib/slice.h"
#include "node/pending.h"

struct node;
struct propose_batch;

struct propose {
    struct node *node;
    struct entry_writer writer; /* the batch being filled */
    struct pending **waiters;   /* owned array: one per command in writer */
    size_t n_waiters;
    size_t cap_waiters;
    uint64_t next_seq;
    struct propose_batch *inflight; /* oldest first */
    struct propose_batch *inflight_tail;
    size_t n_inflight;
};

void propose_init(struct propose *pr, struct node *n);

/* Fail the commands queued but not yet appended with @rv: they will never
 * reach the log. In-flight entries are failed by raft's callbacks. */
void propose_fail_queued(struct propose *pr, int rv);

void propose_close(struct propose *pr);

/* Queue op(@argv) for the next entry; @p gets the reply once the entry is
 * applied here, or an error (-UNCERTAIN if leadership was lost after the
 * entry was appended). Flushes at once when the batch grows past the
 * configured size. Never fails: if this node cannot append, @p gets an error. */
void propose_submit(struct propose *pr,
                    uint8_t op,
                    size_t argc,
                    const struct slice *argv,
                    struct pending *p);

/* Append the queued commands as one entry (called once per loop iteration). */
void propose_flush(struct propose *pr);

/* For the apply hook: the reply buffers of in-flight batch @seq, or NULL. */
struct buf *propose_replies(struct propose *pr, uint64_t seq, size_t *n);

#endif

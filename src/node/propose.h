/* Group commit and linearizable reads, in one ordered stream of log entries.
 *
 * Client writes queued while the previous entry is in flight become a single
 * log entry (one raft_apply), so one disk write and one round of replication
 * serve them all. A linearizable read rides on an entry too (Raft thesis
 * §6.4, without ReadIndex): it is attached to the entry being filled when it
 * arrives, that entry takes no more writes, and the read runs in the apply
 * hook right after the entry's writes are applied. So a read sees every write
 * that arrived before it and none that arrived after it (a connection's
 * commands take effect in the order it sent them), and the entry's commit
 * proves this node still led after the read arrived. An entry with reads and
 * no writes is an empty batch: the barrier.
 *
 * Replies come back through the state machine: the entry names its origin
 * node and batch, and the apply hook of the origin fills the batch's reply
 * buffers. */
#ifndef SK_PROPOSE_H
#define SK_PROPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/slice.h"
#include "node/pending.h"
#include "node/readindex.h"

struct node;
struct propose_batch;

struct propose {
    struct node *node;
    uint64_t next_seq;
    struct propose_batch *queued; /* not yet appended, oldest first; the
                                     last one may still take commands */
    struct propose_batch *queued_tail;
    struct propose_batch *inflight; /* appended, oldest first */
    struct propose_batch *inflight_tail;
    size_t n_inflight;
};

void propose_init(struct propose *pr, struct node *n);
void propose_close(struct propose *pr);

/* Queue the write op(@argv); @p gets the reply once the entry is applied
 * here, -TRYAGAIN if this node could not append it (safe to retry), or
 * -UNCERTAIN if leadership was lost after it was appended. */
void propose_submit(struct propose *pr,
                    uint8_t op,
                    size_t argc,
                    const struct slice *argv,
                    struct pending *p);

/* Queue the linearizable read @fn(@argv) (copied); @p gets its reply once
 * the entry it rides on is applied, or -TRYAGAIN. */
void propose_read(struct propose *pr,
                  read_fn fn,
                  size_t argc,
                  const struct slice *argv,
                  struct pending *p);

/* Append the queued batches, oldest first, when nothing is in flight or the
 * open batch is full: called once per loop iteration and when an entry is
 * applied. */
void propose_flush(struct propose *pr);

/* Fail everything queued but not appended with @rv (never in the log, so
 * definitely not applied). In-flight entries are failed by raft. */
void propose_fail_queued(struct propose *pr, int rv);

/* For the apply hook: apply the entry @data of batch @seq, proposed here,
 * writing its replies and serving its reads. Returns what fsm_apply()
 * returns. A batch no longer in flight (its client was already told the
 * outcome is unknown) is applied with no replies. */
int propose_apply(struct propose *pr,
                  uint64_t seq,
                  const void *data,
                  size_t len);

#endif

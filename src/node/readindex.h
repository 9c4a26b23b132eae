/* Linearizable reads without ReadIndex (Raft thesis §6.4, via barriers): a
 * read waits for a barrier appended after it arrived; once the barrier is
 * applied, every write acknowledged before the read began is visible. All
 * reads that arrive during one loop iteration share one barrier. */
#ifndef SK_READINDEX_H
#define SK_READINDEX_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/slice.h"
#include "node/pending.h"

struct node;
struct read_op;

/* Serves a read from the applied state into @reply. */
typedef void (*read_fn)(struct node *n,
                        size_t argc,
                        const struct slice *argv,
                        struct buf *reply);

struct readindex {
    struct node *node;
    struct read_op *queued; /* waiting for the next barrier, oldest first */
    struct read_op *queued_tail;
    size_t n_inflight_barriers;
};

void readindex_init(struct readindex *ri, struct node *n);

/* Queue a read; @argv is copied. @p is completed with the read's reply once
 * a later barrier is applied, or with -TRYAGAIN if leadership is lost. */
void readindex_submit(struct readindex *ri,
                      read_fn fn,
                      size_t argc,
                      const struct slice *argv,
                      struct pending *p);

/* Issue one barrier for everything queued (once per loop iteration). */
void readindex_flush(struct readindex *ri);

/* Fail every queued read with @rv (barriers in flight fail by themselves). */
void readindex_fail_queued(struct readindex *ri, int rv);

/* Serve @fn right now from the local state (stale reads, READONLY). */
void readindex_serve_local(struct node *n,
                           read_fn fn,
                           size_t argc,
                           const struct slice *argv,
                           struct pending *p);

#endif

/* Reads: the signature of a read served from the applied state, and stale
 * local reads (READONLY). Linearizable reads ride on log entries: see
 * node/propose.h. */
#ifndef SK_READINDEX_H
#define SK_READINDEX_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/slice.h"
#include "node/pending.h"

struct node;

/* Serves a read from the applied state into @reply. */
typedef void (*read_fn)(struct node *n,
                        size_t argc,
                        const struct slice *argv,
                        struct buf *reply);

/* Serve @fn right now from the local state (stale reads, READONLY). */
void readindex_serve_local(struct node *n,
                           read_fn fn,
                           size_t argc,
                           const struct slice *argv,
                           struct pending *p);

#endif

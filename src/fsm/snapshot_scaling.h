/* The auto-scaling part of the snapshot format (proto/SNAPSHOT.md). */
#ifndef SK_SNAPSHOT_SCALING_H
#define SK_SNAPSHOT_SCALING_H

#include "lib/buf.h"
#include "scaling/state.h"

void snapshot_encode_scaling(const struct scaling *s, struct buf *out);

/* Decode into @s, which is empty. Returns 0 or SK_ECORRUPT (then @s holds
 * what was decoded so far, for the caller to close). */
int snapshot_decode_scaling(struct reader *r, struct scaling *s);

#endif

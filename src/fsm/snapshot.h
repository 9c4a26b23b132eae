/* Snapshot format (proto/SNAPSHOT.md): the whole fsm state, versioned,
 * big-endian, with a checksum. The node stores it inside an lz4 frame
 * (lib/compress.h); the raft library keeps the bytes as given. */
#ifndef SK_SNAPSHOT_H
#define SK_SNAPSHOT_H

#include <stddef.h>

#include "fsm/fsm.h"
#include "lib/buf.h"

/* Version 2 added leases, key leases and elections, version 3 the
 * auto-scaling state; versions 1 and 2 are still read. */
#define SNAPSHOT_VERSION 3

/* Largest decompressed snapshot a node accepts. */
#define SNAPSHOT_MAX_BYTES ((size_t)16 << 30)

/* Append the serialised state of @f to @out. */
void snapshot_encode(const struct fsm *f, struct buf *out);

/* Replace the state of @f with the snapshot in @data. Returns 0, or
 * SK_ECORRUPT (bad magic, version, checksum or framing), in which case @f is
 * unchanged. */
int snapshot_decode(struct fsm *f, const void *data, size_t len);

#endif

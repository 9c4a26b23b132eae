/* lz4 frame compression for snapshots (the raft library stores snapshot
 * bytes as given: compressing them is the application's job). */
#ifndef SK_COMPRESS_H
#define SK_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

/* Append @data compressed as one lz4 frame (content size recorded) to @out.
 * Returns 0 or SK_ENOMEM. */
int compress_frame(const void *data, size_t len, struct buf *out);

/* Whether @data starts with the lz4 frame magic number. */
bool compress_is_frame(const void *data, size_t len);

/* Append the decompressed content of the lz4 frame @data to @out, refusing
 * frames that would expand past @max_len bytes. Returns 0 or SK_ECORRUPT (on
 * error @out keeps its previous length). */
int decompress_frame(const void *data,
                     size_t len,
                     size_t max_len,
                     struct buf *out);

#endif

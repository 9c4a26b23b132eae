/* raft_fsm hooks. apply must stay deterministic: the only node-local input is
 * where replies go, never what the state becomes. A command error (CAS
 * mismatch, bad arity) is a reply, never a non-zero return, since a non-zero
 * return makes raft retry the same entry forever. */
#include "node/raft_glue.h"

#include <stdlib.h>
#include <string.h>

#include "fsm/entry.h"
#include "fsm/snapshot.h"
#include "lib/compress.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "node/node.h"

static int
glue_apply(struct raft_fsm *fsm, const struct raft_buffer *buf, void **result)
{
    struct node *n = fsm->data;
    struct entry_reader er;
    int rv;

    *result = NULL;
    rv = entry_reader_open(&er, buf->base, buf->len);
    if (rv == 0 && er.header.origin == n->cfg->id) {
        rv = propose_apply(&n->propose, er.header.batch, buf->base, buf->len);
    } else {
        rv = fsm_apply(&n->fsm, buf->base, buf->len, NULL, 0);
    }
    entry_reader_close(&er);
    if (rv != 0) {
        /* Only our own encoder writes entries: one that does not decode is
         * from a newer version of scalekeeper or a corrupt log. Applying
         * around it would let this node diverge; stop instead. */
        log_error("log entry at index %llu (%zu bytes) does not decode: "
                  "unknown format version or corruption; stopping",
                  (unsigned long long)raft_last_applied(&n->raft) + 1,
                  buf->len);
        abort();
    }
    return 0;
}

static int glue_snapshot(struct raft_fsm *fsm,
                         struct raft_buffer *bufs[],
                         unsigned *n_bufs)
{
    struct node *n = fsm->data;
    struct buf raw;
    struct buf out;
    struct raft_buffer *b;

    /* A follower that has just (re)started is catching up and may be sent
     * a snapshot at any moment; taking its own at the same time can wedge
     * the raft library (an install that arrives while the follower's own
     * snapshot is being written collides with it). So for a while after
     * start a follower leaves compaction to later. */
    if (raft_state(&n->raft) != RAFT_LEADER &&
        node_now_ms(n) - n->start_ms <
            2 * (uint64_t)n->cfg->install_snapshot_timeout_ms) {
        log_debug("not taking a snapshot while catching up after start");
        return RAFT_BUSY;
    }
    buf_init(&raw);
    buf_init(&out);
    snapshot_encode(&n->fsm, &raw);
    if (compress_frame(raw.base, raw.len, &out) != 0) {
        buf_close(&raw);
        buf_close(&out);
        return RAFT_NOMEM;
    }
    b = raft_malloc(sizeof *b);
    if (b == NULL) {
        buf_close(&out);
        return RAFT_NOMEM;
    }
    b->len = out.len;
    b->base = raft_malloc(out.len ? out.len : 1);
    if (b->base == NULL) {
        raft_free(b);
        buf_close(&out);
        return RAFT_NOMEM;
    }
    memcpy(b->base, out.base, out.len);
    buf_close(&out);
    *bufs = b;
    *n_bufs = 1;
    n->stats.snapshots_taken++;
    n->snapshot_index = raft_last_applied(&n->raft);
    log_info("snapshot taken at index %llu: %zu keys, %zu bytes, %zu "
             "compressed",
             (unsigned long long)n->snapshot_index, kv_count(n->fsm.kv),
             raw.len, b->len);
    buf_close(&raw);
    return 0;
}

/* Snapshots are lz4 frames around the snapshot format; plain ones are
 * accepted too. */
static int glue_restore(struct raft_fsm *fsm, struct raft_buffer *buf)
{
    struct node *n = fsm->data;
    struct buf raw;
    int rv;

    buf_init(&raw);
    if (compress_is_frame(buf->base, buf->len)) {
        rv = decompress_frame(buf->base, buf->len, SNAPSHOT_MAX_BYTES, &raw);
        if (rv == 0) {
            rv = snapshot_decode(&n->fsm, raw.base, raw.len);
        }
    } else {
        rv = snapshot_decode(&n->fsm, buf->base, buf->len);
    }
    buf_close(&raw);
    if (rv != 0) {
        log_error("snapshot of %zu bytes does not decode", buf->len);
        return RAFT_MALFORMED;
    }
    raft_free(buf->base);
    feed_restored(&n->feed, n->fsm.revision);
    lessor_reset(&n->lessor);
    if (n->started) {
        n->stats.snapshots_installed++;
    }
    log_info("state restored from snapshot: %zu keys, revision %llu",
             kv_count(n->fsm.kv), (unsigned long long)n->fsm.revision);
    return 0;
}

void raft_glue_fsm_init(struct raft_fsm *fsm, struct node *n)
{
    memset(fsm, 0, sizeof *fsm);
    fsm->version = 2;
    fsm->data = n;
    fsm->apply = glue_apply;
    fsm->snapshot = glue_snapshot;
    fsm->restore = glue_restore;
    fsm->snapshot_finalize = NULL; /* raft frees the snapshot buffers */
}

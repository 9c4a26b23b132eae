/* raft_fsm hooks. apply must stay deterministic: the only node-local input is
 * where replies go, never what the state becomes. A command error (CAS
 * mismatch, bad arity) is a reply, never a non-zero return, since a non-zero
 * return makes raft retry the same entry forever. */
#include "node/raft_glue.h"

#include <string.h>

#include "fsm/entry.h"
#include "fsm/snapshot.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "node/node.h"

static int glue_apply(struct raft_fsm *fsm,
                      const struct raft_buffer *buf,
                      void **result)
{
    struct node *n = fsm->data;
    struct entry_reader er;
    struct buf *replies = NULL;
    size_t n_replies = 0;
    int rv;

    *result = NULL;
    rv = entry_reader_open(&er, buf->base, buf->len);
    if (rv == 0 && er.header.origin == n->cfg->id) {
        replies = propose_replies(&n->propose, er.header.batch, &n_replies);
    }
    entry_reader_close(&er);
    rv = fsm_apply(&n->fsm, buf->base, buf->len, replies, n_replies);
    if (rv != 0) {
        /* Every node skips the same bytes the same way. */
        log_error("skipping a corrupt log entry of %zu bytes", buf->len);
    }
    return 0;
}

static int glue_snapshot(struct raft_fsm *fsm,
                         struct raft_buffer *bufs[],
                         unsigned *n_bufs)
{
    struct node *n = fsm->data;
    struct buf out;
    struct raft_buffer *b;

    buf_init(&out);
    snapshot_encode(&n->fsm, &out);
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
    log_info("snapshot taken at index %llu: %zu keys, %zu bytes",
             (unsigned long long)n->snapshot_index, kv_count(n->fsm.kv),
             b->len);
    return 0;
}

static int glue_restore(struct raft_fsm *fsm, struct raft_buffer *buf)
{
    struct node *n = fsm->data;
    int rv = snapshot_decode(&n->fsm, buf->base, buf->len);

    if (rv != 0) {
        log_error("snapshot of %zu bytes does not decode", buf->len);
        return RAFT_MALFORMED;
    }
    raft_free(buf->base);
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

/* Backups (proto/PROTOCOL.md §3.10): BACKUP.SAVE hands out the whole
 * replicated state, as of a linearizable point, in the snapshot format
 * inside an lz4 frame; REVISION.FLOOR raises the cluster revision, which is
 * how a restore (the CLI's `restore`) makes sure revisions never go
 * backwards and that watchers of the old history learn it is gone. */
#include "cmd/handlers.h"
#include "fsm/entry.h"
#include "fsm/snapshot.h"
#include "lib/compress.h"
#include "node/node.h"
#include "resp/reply.h"

void cmd_backup_save(struct node *n,
                     size_t argc,
                     const struct slice *argv,
                     struct buf *reply)
{
    struct buf raw;
    struct buf frame;

    (void)argc;
    (void)argv;
    buf_init(&raw);
    buf_init(&frame);
    snapshot_encode(&n->fsm, &raw);
    if (compress_frame(raw.base, raw.len, &frame) != 0) {
        reply_errcode(reply, SK_ENOMEM);
    } else if (frame.len > n->cfg->max_output_bytes) {
        reply_error(reply, "ERR",
                    "the state takes %zu bytes compressed, more than "
                    "--max-output-bytes (%zu)",
                    frame.len, n->cfg->max_output_bytes);
    } else {
        reply_bulk(reply, frame.base, frame.len);
    }
    buf_close(&frame);
    buf_close(&raw);
}

int cmd_revision_floor(struct call *c, uint8_t *op)
{
    uint64_t rev;

    if (!slice_to_u64(c->argv[1], &rev) || rev > INT64_MAX) {
        reply_error(&c->p->reply, "ERR",
                    "REVISION.FLOOR needs a revision from 0 to 2^63-1");
        return -1;
    }
    *op = ENTRY_OP_REVISION_FLOOR;
    return 0;
}

/* Group commit. Happy path: propose_submit() adds a command to the open
 * batch; at the end of the loop iteration propose_flush() appends the batch
 * as one entry; raft replicates it, applies it (the apply hook fills the
 * batch's reply buffers) and calls batch_applied_cb, which completes every
 * waiter in order.
 *
 * Failure modes: raft_apply refuses (not leader) -> nothing was appended, the
 * waiters get -TRYAGAIN, safe to retry; the callback reports leadership lost
 * or shutdown -> the entry may still be committed by the next leader, the
 * waiters get -UNCERTAIN. */
#include "node/propose.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "node/node.h"
#include "resp/reply.h"

struct propose_batch {
    struct raft_apply req; /* raft holds this until the callback */
    struct propose *pr;
    uint64_t seq;
    struct pending **waiters; /* owned array */
    struct buf *replies;      /* owned array, one per waiter */
    size_t n;
    struct propose_batch *next;
};

static void open_batch(struct propose *pr)
{
    entry_writer_init(&pr->writer, pr->node->cfg->id, pr->next_seq);
    pr->n_waiters = 0;
}

void propose_init(struct propose *pr, struct node *n)
{
    memset(pr, 0, sizeof *pr);
    pr->node = n;
    /* Batches are told apart by (origin, seq). A restarted node may still
     * see its former entries applied, so seq must not restart at the same
     * value: start from a random point. */
    if (getrandom(&pr->next_seq, sizeof pr->next_seq, 0) !=
        (ssize_t)sizeof pr->next_seq) {
        pr->next_seq = (uint64_t)uv_hrtime();
    }
    pr->next_seq = (pr->next_seq >> 2) + 1;
    open_batch(pr);
}

void propose_close(struct propose *pr)
{
    entry_writer_close(&pr->writer);
    mem_free(pr->waiters);
    pr->waiters = NULL;
}

void propose_fail_queued(struct propose *pr, int rv)
{
    for (size_t i = 0; i < pr->n_waiters; i++) {
        pending_fail(pr->waiters[i], rv);
    }
    entry_writer_close(&pr->writer);
    open_batch(pr);
}

void propose_submit(struct propose *pr,
                    uint8_t op,
                    size_t argc,
                    const struct slice *argv,
                    struct pending *p)
{
    if (pr->n_waiters == pr->cap_waiters) {
        pr->cap_waiters = pr->cap_waiters ? pr->cap_waiters * 2 : 64;
        pr->waiters = mem_realloc(pr->waiters,
                                  pr->cap_waiters * sizeof *pr->waiters);
    }
    entry_writer_add(&pr->writer, op, argc, argv);
    pr->waiters[pr->n_waiters++] = p;
    pr->node->stats.commands_proposed++;
    if (pr->writer.buf.len >= pr->node->cfg->max_batch_bytes) {
        propose_flush(pr);
    }
}

static void batch_free(struct propose_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        buf_close(&b->replies[i]);
    }
    mem_free(b->replies);
    mem_free(b->waiters);
    mem_free(b);
}

static void unlink_batch(struct propose *pr, struct propose_batch *b)
{
    struct propose_batch **pp = &pr->inflight;

    while (*pp != NULL && *pp != b) {
        pp = &(*pp)->next;
    }
    if (*pp == b) {
        *pp = b->next;
    }
    pr->inflight_tail = NULL;
    for (struct propose_batch *x = pr->inflight; x != NULL; x = x->next) {
        pr->inflight_tail = x;
    }
    pr->n_inflight--;
}

static void batch_applied_cb(struct raft_apply *req, int status, void *result)
{
    struct propose_batch *b = req->data;
    struct propose *pr = b->pr;

    (void)result;
    unlink_batch(pr, b);
    if (status == 0) {
        pr->node->stats.batches_applied++;
    } else {
        log_warn("batch %llu of %zu commands: %s; outcome unknown",
                 (unsigned long long)b->seq, b->n, raft_strerror(status));
    }
    for (size_t i = 0; i < b->n; i++) {
        struct pending *p = b->waiters[i];
        if (status != 0) {
            pending_fail(p, status == RAFT_SHUTDOWN || status == RAFT_CANCELED
                                ? SK_ECANCELED
                                : SK_EUNCERTAIN);
            continue;
        }
        if (b->replies[i].len == 0) {
            /* Applied, but the reply was not routed here: cannot happen for
             * an entry this node proposed and applied in this term. */
            reply_error(&p->reply, "ERR", "applied without a reply");
        } else {
            buf_append(&p->reply, b->replies[i].base, b->replies[i].len);
        }
        pending_done(p);
    }
    batch_free(b);
}

void propose_flush(struct propose *pr)
{
    struct propose_batch *b;
    struct raft_buffer rbuf;
    int rv;

    if (pr->n_waiters == 0) {
        return;
    }
    entry_writer_finish(&pr->writer);
    b = mem_calloc(1, sizeof *b);
    b->pr = pr;
    b->seq = pr->next_seq++;
    b->n = pr->n_waiters;
    b->waiters = mem_alloc(b->n * sizeof *b->waiters);
    memcpy(b->waiters, pr->waiters, b->n * sizeof *b->waiters);
    b->replies = mem_calloc(b->n, sizeof *b->replies);
    b->req.data = b;

    rbuf.len = pr->writer.buf.len;
    rbuf.base = raft_malloc(rbuf.len);
    if (rbuf.base == NULL) {
        log_error("out of memory for a log entry of %zu bytes", rbuf.len);
        abort();
    }
    memcpy(rbuf.base, pr->writer.buf.base, rbuf.len);
    entry_writer_close(&pr->writer);
    open_batch(pr);

    /* Link first: apply may run before raft_apply() returns. */
    b->next = NULL;
    if (pr->inflight_tail != NULL) {
        pr->inflight_tail->next = b;
    } else {
        pr->inflight = b;
    }
    pr->inflight_tail = b;
    pr->n_inflight++;

    rv = raft_apply(&pr->node->raft, &b->req, &rbuf, 1, batch_applied_cb);
    if (rv != 0) {
        /* Refused as not leader, the entry was never taken and is ours to
         * free. On other errors raft 0.22 has already released it (seen with
         * its misaligned-entry refusal), so it is not freed again. */
        if (rv == RAFT_NOTLEADER) {
            raft_free(rbuf.base);
        }
        unlink_batch(pr, b);
        log_warn("batch of %zu not appended: %s (%s)", b->n, raft_strerror(rv),
                 raft_errmsg(&pr->node->raft));
        for (size_t i = 0; i < b->n; i++) {
            reply_error(&b->waiters[i]->reply, "TRYAGAIN",
                        "leadership changed before the write was logged; "
                        "not applied, safe to retry");
            pending_done(b->waiters[i]);
        }
        batch_free(b);
    }
}

struct buf *propose_replies(struct propose *pr, uint64_t seq, size_t *n)
{
    for (struct propose_batch *b = pr->inflight; b != NULL; b = b->next) {
        if (b->seq == seq) {
            *n = b->n;
            return b->replies;
        }
    }
    *n = 0;
    return NULL;
}

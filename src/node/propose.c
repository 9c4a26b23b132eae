/* Group commit and reads riding on entries; see propose.h.
 *
 * Happy path: propose_submit()/propose_read() add to the open batch (the
 * tail of pr->queued); propose_flush() appends the queued batches in order,
 * one raft_apply each; raft replicates and applies them, the apply hook calls
 * propose_apply(), which applies the writes with their replies and runs the
 * reads; batch_applied_cb completes every waiter in arrival order.
 *
 * Failure modes: raft_apply refuses (not leader) -> nothing was appended,
 * the waiters get -TRYAGAIN; the callback reports leadership lost or
 * shutdown -> the entry may still be committed by the next leader, writers
 * get -UNCERTAIN and readers -TRYAGAIN. */
#include "node/propose.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "fsm/entry.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "node/node.h"
#include "resp/reply.h"

struct propose_waiter {
    struct pending *p;
    read_fn read;       /* NULL for a write */
    size_t argc;        /* reads: their arguments, copied */
    struct slice *argv; /* owned */
};

struct propose_batch {
    struct raft_apply req; /* raft holds this until the callback */
    struct propose *pr;
    uint64_t seq;
    struct entry_writer writer;     /* the writes, encoded */
    struct propose_waiter *waiters; /* owned: writes first, then reads */
    size_t n;
    size_t cap;
    size_t n_writes;
    struct buf *replies; /* owned, one per waiter, from append on */
    bool sealed;         /* has reads: takes no more writes */
    struct propose_batch *next;
};

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
}

static struct propose_batch *batch_new(struct propose *pr)
{
    struct propose_batch *b = mem_calloc(1, sizeof *b);

    b->pr = pr;
    b->seq = pr->next_seq++;
    b->req.data = b;
    entry_writer_init(&b->writer, pr->node->cfg->id, b->seq);
    if (pr->queued_tail != NULL) {
        pr->queued_tail->next = b;
    } else {
        pr->queued = b;
    }
    pr->queued_tail = b;
    return b;
}

static void batch_free(struct propose_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        mem_free(b->waiters[i].argv);
        if (b->replies != NULL) {
            buf_close(&b->replies[i]);
        }
    }
    entry_writer_close(&b->writer);
    mem_free(b->replies);
    mem_free(b->waiters);
    mem_free(b);
}

static struct propose_waiter *add_waiter(struct propose_batch *b,
                                         struct pending *p)
{
    struct propose_waiter *w;

    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->waiters = mem_realloc(b->waiters, b->cap * sizeof *b->waiters);
    }
    w = &b->waiters[b->n++];
    memset(w, 0, sizeof *w);
    w->p = p;
    return w;
}

static bool batch_full(const struct propose *pr, const struct propose_batch *b)
{
    return b->writer.buf.len >= pr->node->cfg->max_batch_bytes;
}

void propose_submit(struct propose *pr,
                    uint8_t op,
                    size_t argc,
                    const struct slice *argv,
                    struct pending *p)
{
    struct propose_batch *b = pr->queued_tail;

    if (b == NULL || b->sealed || batch_full(pr, b)) {
        b = batch_new(pr);
    }
    entry_writer_add(&b->writer, op, argc, argv);
    add_waiter(b, p);
    b->n_writes++;
    pr->node->stats.commands_proposed++;
    if (batch_full(pr, b)) {
        propose_flush(pr);
    }
}

void propose_read(struct propose *pr,
                  read_fn fn,
                  size_t argc,
                  const struct slice *argv,
                  struct pending *p)
{
    struct propose_batch *b = pr->queued_tail;
    struct propose_waiter *w;

    if (b == NULL) {
        b = batch_new(pr);
    }
    /* Writes that arrive after this read go to a later entry. */
    b->sealed = true;
    w = add_waiter(b, p);
    w->read = fn;
    w->argc = argc;
    w->argv = slice_copy_args(argc, argv);
}

static void fail_waiters(struct propose_batch *b, int status)
{
    for (size_t i = 0; i < b->n; i++) {
        struct propose_waiter *w = &b->waiters[i];
        if (status == RAFT_NOTLEADER || w->read != NULL) {
            pending_fail(w->p, SK_ERETRY);
        } else {
            pending_fail(w->p,
                         status == RAFT_SHUTDOWN || status == RAFT_CANCELED
                             ? SK_ECANCELED
                             : SK_EUNCERTAIN);
        }
    }
}

static void unlink_inflight(struct propose *pr, struct propose_batch *b)
{
    struct propose_batch **pp = &pr->inflight;

    while (*pp != NULL && *pp != b) {
        pp = &(*pp)->next;
    }
    if (*pp == b) {
        *pp = b->next;
        pr->n_inflight--;
    }
    pr->inflight_tail = NULL;
    for (struct propose_batch *x = pr->inflight; x != NULL; x = x->next) {
        pr->inflight_tail = x;
    }
}

static void batch_applied_cb(struct raft_apply *req, int status, void *result)
{
    struct propose_batch *b = req->data;
    struct propose *pr = b->pr;

    (void)result;
    unlink_inflight(pr, b);
    if (status != 0) {
        log_warn("batch %llu of %zu requests: %s", (unsigned long long)b->seq,
                 b->n, raft_strerror(status));
        fail_waiters(b, status);
    } else {
        pr->node->stats.batches_applied++;
        for (size_t i = 0; i < b->n; i++) {
            struct pending *p = b->waiters[i].p;
            if (b->replies[i].len == 0) {
                /* Applied, but not routed here: cannot happen for an entry
                 * this node appended and applied in this term. */
                reply_error(&p->reply, "ERR", "applied without a reply");
            } else {
                buf_append(&p->reply, b->replies[i].base, b->replies[i].len);
            }
            pending_done(p);
        }
    }
    batch_free(b);
    propose_flush(pr);
}

/* The wall clock in ms: the time every entry carries, which the state
 * machine uses where time matters (cooldowns, grace periods), so that every
 * node agrees on it. */
static uint64_t propose_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Append @b (already unlinked from the queue). */
static void append(struct propose *pr, struct propose_batch *b)
{
    struct raft_buffer rbuf;
    int rv;

    entry_writer_finish(&b->writer, propose_wall_ms());
    b->replies = mem_calloc(b->n ? b->n : 1, sizeof *b->replies);
    rbuf.len = b->writer.buf.len;
    rbuf.base = raft_malloc(rbuf.len);
    if (rbuf.base == NULL) {
        log_error("out of memory for a log entry of %zu bytes", rbuf.len);
        abort();
    }
    memcpy(rbuf.base, b->writer.buf.base, rbuf.len);
    entry_writer_close(&b->writer);

    /* Link first: apply may run before raft_apply() returns. */
    b->next = NULL;
    if (pr->inflight_tail != NULL) {
        pr->inflight_tail->next = b;
    } else {
        pr->inflight = b;
    }
    pr->inflight_tail = b;
    pr->n_inflight++;
    if (b->n_writes == 0) {
        pr->node->stats.barriers++;
    }
    rv = raft_apply(&pr->node->raft, &b->req, &rbuf, 1, batch_applied_cb);
    if (rv != 0) {
        /* Refused as not leader, the entry was never taken and is ours to
         * free. On other errors raft 0.22 has already released it (seen with
         * its misaligned-entry refusal), so it is not freed again. */
        if (rv == RAFT_NOTLEADER) {
            raft_free(rbuf.base);
        }
        unlink_inflight(pr, b);
        log_debug("batch of %zu not appended: %s", b->n, raft_strerror(rv));
        fail_waiters(b, RAFT_NOTLEADER);
        batch_free(b);
    }
}

void propose_flush(struct propose *pr)
{
    /* While entries are in flight, what arrives queues and makes the next
     * batches bigger, so batching follows the load; when the last one is
     * applied, everything queued goes out, in order. A full batch goes out
     * at once all the same (with those queued before it), which bounds an
     * entry's size. */
    if (pr->queued == NULL ||
        (pr->n_inflight > 0 && !batch_full(pr, pr->queued_tail)) ||
        handoff_holds_entries(&pr->node->handoff)) {
        return;
    }
    while (pr->queued != NULL) {
        struct propose_batch *b = pr->queued;
        pr->queued = b->next;
        if (pr->queued == NULL) {
            pr->queued_tail = NULL;
        }
        append(pr, b);
    }
}

void propose_fail_queued(struct propose *pr, int rv)
{
    struct propose_batch *b = pr->queued;

    pr->queued = pr->queued_tail = NULL;
    while (b != NULL) {
        struct propose_batch *next = b->next;
        for (size_t i = 0; i < b->n; i++) {
            pending_fail(b->waiters[i].p, rv);
        }
        batch_free(b);
        b = next;
    }
}

void propose_close(struct propose *pr)
{
    propose_fail_queued(pr, SK_ESHUTDOWN);
}

int propose_apply(struct propose *pr,
                  uint64_t seq,
                  const void *data,
                  size_t len)
{
    struct node *n = pr->node;
    struct propose_batch *b = pr->inflight;
    int rv;

    while (b != NULL && b->seq != seq) {
        b = b->next;
    }
    if (b == NULL) {
        return fsm_apply(&n->fsm, data, len, NULL, 0);
    }
    rv = fsm_apply(&n->fsm, data, len, b->replies, b->n_writes);
    if (rv != 0) {
        return rv;
    }
    /* The reads see exactly the writes before them in the log. */
    for (size_t i = b->n_writes; i < b->n; i++) {
        struct propose_waiter *w = &b->waiters[i];
        w->read(n, w->argc, w->argv, &b->replies[i]);
        n->stats.reads_served++;
    }
    return 0;
}

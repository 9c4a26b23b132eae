/* Linearizable reads behind barriers. Happy path: readindex_submit() queues
 * the read; at the end of the loop iteration readindex_flush() moves every
 * queued read into one barrier request; when raft applies the barrier, the
 * reads run against the applied state, oldest first.
 *
 * Failure modes: raft_barrier refuses (not leader) or the barrier fails
 * (leadership lost, shutdown) -> the reads get -TRYAGAIN: a read has no side
 * effect, so the client may simply retry. */
#include "node/readindex.h"

#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "node/node.h"
#include "resp/reply.h"

struct read_op {
    read_fn fn;
    size_t argc;
    struct slice *argv; /* owned, with the bytes right after the array */
    struct pending *p;
    struct read_op *next;
};

struct read_barrier {
    struct raft_barrier req;
    struct readindex *ri;
    struct read_op *ops;
};

void readindex_init(struct readindex *ri, struct node *n)
{
    memset(ri, 0, sizeof *ri);
    ri->node = n;
}

static struct read_op *op_new(read_fn fn,
                              size_t argc,
                              const struct slice *argv,
                              struct pending *p)
{
    struct read_op *op = mem_calloc(1, sizeof *op);

    op->argv = slice_copy_args(argc, argv);
    op->fn = fn;
    op->argc = argc;
    op->p = p;
    return op;
}

static void op_free(struct read_op *op)
{
    mem_free(op->argv);
    mem_free(op);
}

void readindex_submit(struct readindex *ri,
                      read_fn fn,
                      size_t argc,
                      const struct slice *argv,
                      struct pending *p)
{
    struct read_op *op = op_new(fn, argc, argv, p);

    if (ri->queued_tail != NULL) {
        ri->queued_tail->next = op;
    } else {
        ri->queued = op;
    }
    ri->queued_tail = op;
}

void readindex_serve_local(struct node *n,
                           read_fn fn,
                           size_t argc,
                           const struct slice *argv,
                           struct pending *p)
{
    fn(n, argc, argv, &p->reply);
    n->stats.reads_served++;
    pending_done(p);
}

static void fail_ops(struct read_op *op, int rv)
{
    while (op != NULL) {
        struct read_op *next = op->next;
        if (rv == SK_EBUSY) {
            reply_error(&op->p->reply, "TRYAGAIN",
                        "leadership changed during the read; retry");
            pending_done(op->p);
        } else {
            pending_fail(op->p, rv);
        }
        op_free(op);
        op = next;
    }
}

static void barrier_cb(struct raft_barrier *req, int status)
{
    struct read_barrier *b = req->data;
    struct readindex *ri = b->ri;
    struct node *n = ri->node;
    struct read_op *op = b->ops;

    ri->n_inflight_barriers--;
    if (status != 0) {
        fail_ops(op, status == RAFT_SHUTDOWN ? SK_ESHUTDOWN : SK_EBUSY);
        mem_free(b);
        return;
    }
    while (op != NULL) {
        struct read_op *next = op->next;
        op->fn(n, op->argc, op->argv, &op->p->reply);
        n->stats.reads_served++;
        pending_done(op->p);
        op_free(op);
        op = next;
    }
    mem_free(b);
}

void readindex_flush(struct readindex *ri)
{
    struct read_barrier *b;
    int rv;

    if (ri->queued == NULL) {
        return;
    }
    b = mem_calloc(1, sizeof *b);
    b->ri = ri;
    b->ops = ri->queued;
    b->req.data = b;
    ri->queued = ri->queued_tail = NULL;
    rv = raft_barrier(&ri->node->raft, &b->req, barrier_cb);
    if (rv != 0) {
        log_debug("barrier refused: %s", raft_strerror(rv));
        fail_ops(b->ops, SK_EBUSY);
        mem_free(b);
        return;
    }
    ri->n_inflight_barriers++;
    ri->node->stats.barriers++;
}

void readindex_fail_queued(struct readindex *ri, int rv)
{
    struct read_op *op = ri->queued;

    ri->queued = ri->queued_tail = NULL;
    fail_ops(op, rv);
}

/* Forwarding links to the leader. Happy path: forward_submit() finds or opens
 * the link to the current leader's client address, writes the request as a
 * RESP multibulk (after PEERLINK, sent first on every link) and queues the
 * pending reply; read_cb scans complete replies off the stream and completes
 * the oldest waiter with each.
 *
 * Failure modes: connect fails, the leader closes, or a reply is not RESP ->
 * the link closes; writes sent on it get -UNCERTAIN, reads are parked and
 * retried on the next leader. A link whose leader is no longer current stops
 * taking requests and closes once its waiters are answered, or after the
 * wait limit (forward_tick).
 *
 * With fast failover on, a follower keeps a link to its leader open even
 * with nothing to forward: its EOF, then a refused reconnect, is the news
 * that the leader's process died (node/failover.h). */
#include "node/forward.h"

#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "daemon/config.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "node/node.h"
#include "resp/reply.h"

#define FWD_MAX_REPLY_DEPTH 32
#define FWD_RETRY_MS        200 /* after a failed connect to a leader */

struct fwd_waiter {
    struct pending *p;
    bool is_write;
    read_fn read;       /* for a read */
    size_t argc;        /* reads keep their arguments, to be retried */
    struct slice *argv; /* owned, bytes right after the array */
    struct fwd_waiter *next;
};

static void waiter_free(struct fwd_waiter *w)
{
    mem_free(w->argv);
    mem_free(w);
}

struct fwd_link {
    struct forward *f;
    uint64_t leader_id;
    uv_tcp_t tcp;
    uv_connect_t connect_req;
    bool connected;
    bool greeted; /* the leader answered PEERLINK: its server is alive */
    bool closing;
    bool writing;
    struct buf out; /* queued while a write is in flight */
    struct buf writing_buf;
    uv_write_t write_req;
    struct buf in;
    struct fwd_waiter *waiters; /* oldest first */
    struct fwd_waiter *waiters_tail;
    size_t n_waiters;
    uint64_t retired_ms;   /* when it stopped being the current link */
    struct fwd_link *next; /* in f->draining */
};

void forward_init(struct forward *f, struct node *n)
{
    memset(f, 0, sizeof *f);
    f->node = n;
}

/* The link is gone. A read has no effect, so it waits for the next leader
 * (parked); a write may have reached the leader and been committed, so its
 * outcome is unknown. */
static void fail_waiters(struct fwd_link *l)
{
    struct fwd_waiter *w = l->waiters;
    struct node *n = l->f->node;

    l->waiters = l->waiters_tail = NULL;
    l->n_waiters = 0;
    while (w != NULL) {
        struct fwd_waiter *next = w->next;
        if (w->read != NULL && !l->f->closing) {
            park_add(&n->park, 0, w->read, w->argc, w->argv, w->p);
        } else if (w->read != NULL) {
            pending_fail(w->p, SK_ESHUTDOWN);
        } else if (w->is_write) {
            reply_error(&w->p->reply, "UNCERTAIN",
                        "connection to the leader lost; outcome unknown");
            pending_done(w->p);
        } else {
            pending_done(w->p); /* our own PEERLINK */
        }
        waiter_free(w);
        w = next;
    }
}

static void link_closed_cb(uv_handle_t *handle)
{
    struct fwd_link *l = handle->data;

    buf_close(&l->out);
    buf_close(&l->writing_buf);
    buf_close(&l->in);
    mem_free(l);
}

static void unlink_draining(struct forward *f, struct fwd_link *l)
{
    for (struct fwd_link **pp = &f->draining; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == l) {
            *pp = l->next;
            return;
        }
    }
}

static void link_close(struct fwd_link *l)
{
    struct forward *f = l->f;

    if (l->closing) {
        return;
    }
    l->closing = true;
    if (f->current == l) {
        f->current = NULL;
    }
    unlink_draining(f, l);
    fail_waiters(l);
    uv_close((uv_handle_t *)&l->tcp, link_closed_cb);
}

static void start_write(struct fwd_link *l);

static void write_cb(uv_write_t *req, int status)
{
    struct fwd_link *l = req->data;

    l->writing = false;
    buf_reset(&l->writing_buf);
    if (status != 0) {
        if (!l->closing) {
            log_warn("link to leader n%llu: write: %s",
                     (unsigned long long)l->leader_id, uv_strerror(status));
            link_close(l);
        }
        return;
    }
    start_write(l);
}

static void start_write(struct fwd_link *l)
{
    struct buf tmp;
    uv_buf_t b;
    int rv;

    if (l->writing || !l->connected || l->closing || l->out.len == 0) {
        return;
    }
    tmp = l->writing_buf;
    l->writing_buf = l->out;
    l->out = tmp;
    buf_reset(&l->out);
    b = uv_buf_init(l->writing_buf.base, (unsigned)l->writing_buf.len);
    l->write_req.data = l;
    rv = uv_write(&l->write_req, (uv_stream_t *)&l->tcp, &b, 1, write_cb);
    if (rv != 0) {
        log_warn("link to leader: write: %s", uv_strerror(rv));
        link_close(l);
        return;
    }
    l->writing = true;
}

static void alloc_cb(uv_handle_t *handle, size_t suggested, uv_buf_t *b)
{
    struct fwd_link *l = handle->data;

    (void)suggested;
    buf_reserve(&l->in, 65536);
    b->base = l->in.base + l->in.len;
    b->len = l->in.cap - l->in.len;
}

/* A link that no longer serves the current leader closes when idle. */
static void maybe_retire(struct fwd_link *l)
{
    if (l != l->f->current && l->n_waiters == 0) {
        link_close(l);
    }
}

static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *b)
{
    struct fwd_link *l = stream->data;
    size_t off = 0;

    (void)b;
    if (nread < 0) {
        if (!l->closing) {
            struct forward *f = l->f;
            bool was_current = l == f->current && l->greeted;
            log_info("link to leader n%llu closed: %s",
                     (unsigned long long)l->leader_id, uv_strerror((int)nread));
            if (!l->greeted) {
                /* Not even PEERLINK answered: retry later, not in a loop.
                 * A process that dies as we connect resets a connection
                 * its kernel had already accepted. */
                f->failed_leader = l->leader_id;
                f->failed_at_ms = node_now_ms(f->node);
                failover_connect_refused(&f->node->failover, l->leader_id);
            }
            link_close(l);
            if (was_current) {
                failover_link_closed(&f->node->failover, l->leader_id,
                                     uv_strerror((int)nread));
                /* Reconnecting at once tells a live leader (it answers
                 * PEERLINK) from a dead one (refused). */
                forward_keep_link(f);
            }
        }
        return;
    }
    l->in.len += (size_t)nread;
    for (;;) {
        size_t used = 0;
        struct fwd_waiter *w;
        int rv = reply_scan(l->in.base + off, l->in.len - off,
                            FWD_MAX_REPLY_DEPTH, &used);
        if (rv == REPLY_MORE) {
            break;
        }
        if (rv < 0 || l->waiters == NULL) {
            log_error("link to leader n%llu: unexpected reply bytes",
                      (unsigned long long)l->leader_id);
            link_close(l);
            return;
        }
        if (!l->greeted) {
            /* The first reply is PEERLINK's own. */
            if (used < 3 || memcmp(l->in.base + off, "+OK", 3) != 0) {
                log_error("leader n%llu refused PEERLINK: %.*s",
                          (unsigned long long)l->leader_id,
                          (int)(used > 80 ? 80 : used), l->in.base + off);
                l->f->failed_leader = l->leader_id;
                l->f->failed_at_ms = node_now_ms(l->f->node);
                link_close(l);
                return;
            }
            l->greeted = true;
            if (l->f->failed_leader == l->leader_id) {
                l->f->failed_leader = 0; /* the next failure is news */
            }
            failover_link_connected(&l->f->node->failover, l->leader_id);
        }
        w = l->waiters;
        l->waiters = w->next;
        if (l->waiters == NULL) {
            l->waiters_tail = NULL;
        }
        l->n_waiters--;
        buf_append(&w->p->reply, l->in.base + off, used);
        off += used;
        pending_done(w->p);
        waiter_free(w);
    }
    buf_consume(&l->in, off);
    maybe_retire(l);
}

static void connect_cb(uv_connect_t *req, int status)
{
    struct fwd_link *l = req->data;

    if (l->closing) {
        return;
    }
    if (status != 0) {
        /* Once per leader: while it is down, retries fail every 200 ms. */
        if (l->leader_id != l->f->failed_leader) {
            log_warn("cannot reach leader n%llu: %s",
                     (unsigned long long)l->leader_id, uv_strerror(status));
        }
        if (status == UV_ECONNREFUSED) {
            failover_connect_refused(&l->f->node->failover, l->leader_id);
        }
        l->f->failed_leader = l->leader_id;
        l->f->failed_at_ms = node_now_ms(l->f->node);
        link_close(l);
        return;
    }
    l->connected = true;
    uv_tcp_nodelay(&l->tcp, 1);
    uv_read_start((uv_stream_t *)&l->tcp, alloc_cb, read_cb);
    start_write(l);
    /* Requests that waited for this link can go now. */
    park_retry(&l->f->node->park);
}

static void
append_request(struct buf *out, size_t argc, const struct slice *argv)
{
    buf_printf(out, "*%zu\r\n", argc);
    for (size_t i = 0; i < argc; i++) {
        buf_printf(out, "$%zu\r\n", argv[i].len);
        buf_append(out, argv[i].base, argv[i].len);
        buf_append(out, "\r\n", 2);
    }
}

static struct fwd_link *link_open(struct forward *f, uint64_t leader_id)
{
    const struct fsm_member *m = fsm_member_get(&f->node->fsm, leader_id);
    struct sockaddr_storage sa;
    struct fwd_link *l;
    char hello[64];
    struct slice argv[2];
    int rv;

    if (m == NULL || config_sockaddr(m->client_address, &sa) != 0) {
        return NULL;
    }
    l = mem_calloc(1, sizeof *l);
    l->f = f;
    l->leader_id = leader_id;
    buf_init(&l->out);
    buf_init(&l->writing_buf);
    buf_init(&l->in);
    uv_tcp_init(f->node->loop, &l->tcp);
    l->tcp.data = l;
    l->connect_req.data = l;
    rv = uv_tcp_connect(&l->connect_req, &l->tcp, (struct sockaddr *)&sa,
                        connect_cb);
    if (rv != 0) {
        log_warn("connect to leader at %s: %s", m->client_address,
                 uv_strerror(rv));
        l->closing = true;
        uv_close((uv_handle_t *)&l->tcp, link_closed_cb);
        return NULL;
    }
    snprintf(hello, sizeof hello, "%llu", (unsigned long long)f->node->cfg->id);
    argv[0] = (struct slice){ "PEERLINK", 8 };
    argv[1] = (struct slice){ hello, strlen(hello) };
    append_request(&l->out, 2, argv);
    /* PEERLINK's own +OK is the first reply: swallow it. */
    l->waiters = mem_calloc(1, sizeof *l->waiters);
    l->waiters->p = pending_new(NULL, NULL);
    pending_orphan(l->waiters->p);
    l->waiters_tail = l->waiters;
    l->n_waiters = 1;
    log_info("forwarding to leader n%llu at %s", (unsigned long long)leader_id,
             m->client_address);
    return l;
}

int forward_submit(struct forward *f,
                   size_t argc,
                   const struct slice *argv,
                   read_fn read,
                   struct pending *p)
{
    uint64_t leader_id;
    struct fwd_waiter *w;
    struct fwd_link *l;

    if (f->closing || node_leader(f->node, &leader_id, NULL) != 0 ||
        leader_id == f->node->cfg->id) {
        return SK_ENOLEADER;
    }
    if (f->current != NULL && f->current->leader_id != leader_id) {
        forward_leader_changed(f);
    }
    if (f->current == NULL) {
        if (leader_id == f->failed_leader &&
            node_now_ms(f->node) - f->failed_at_ms < FWD_RETRY_MS) {
            return SK_ENOLEADER;
        }
        f->current = link_open(f, leader_id);
    }
    /* Only a connected link takes requests: until then they wait parked,
     * so a leader that cannot be reached has been sent nothing. */
    if (f->current == NULL || !f->current->connected) {
        return SK_ENOLEADER;
    }
    l = f->current;
    append_request(&l->out, argc, argv);
    w = mem_calloc(1, sizeof *w);
    w->p = p;
    w->is_write = read == NULL;
    w->read = read;
    if (read != NULL) {
        w->argc = argc;
        w->argv = slice_copy_args(argc, argv);
    }
    if (l->waiters_tail != NULL) {
        l->waiters_tail->next = w;
    } else {
        l->waiters = w;
    }
    l->waiters_tail = w;
    l->n_waiters++;
    f->node->stats.requests_forwarded++;
    start_write(l);
    return 0;
}

void forward_leader_changed(struct forward *f)
{
    struct fwd_link *l = f->current;

    if (l == NULL) {
        return;
    }
    f->current = NULL;
    if (l->n_waiters == 0) {
        link_close(l);
        return;
    }
    l->retired_ms = node_now_ms(f->node);
    l->next = f->draining;
    f->draining = l;
}

void forward_keep_link(struct forward *f)
{
    struct node *n = f->node;
    uint64_t leader_id;

    if (f->closing || n->cfg->fast_failover_ms == 0 || f->current != NULL ||
        raft_state(&n->raft) != RAFT_FOLLOWER ||
        node_leader(n, &leader_id, NULL) != 0 || leader_id == n->cfg->id ||
        (leader_id == f->failed_leader &&
         node_now_ms(n) - f->failed_at_ms < FWD_RETRY_MS)) {
        return;
    }
    f->current = link_open(f, leader_id);
}

void forward_tick(struct forward *f)
{
    uint64_t now = node_now_ms(f->node);
    uint64_t limit = park_wait_ms(f->node);
    struct fwd_link *l = f->draining;

    while (l != NULL) {
        struct fwd_link *next = l->next;
        if (now - l->retired_ms > limit) {
            log_warn("former leader n%llu did not answer %zu requests in "
                     "%llu ms: giving up on them",
                     (unsigned long long)l->leader_id, l->n_waiters,
                     (unsigned long long)limit);
            link_close(l);
        }
        l = next;
    }
    forward_keep_link(f);
}

void forward_close(struct forward *f)
{
    f->closing = true;
    if (f->current != NULL) {
        link_close(f->current);
    }
    while (f->draining != NULL) {
        link_close(f->draining);
    }
}

bool forward_connected(const struct forward *f)
{
    return f->current != NULL && f->current->greeted;
}

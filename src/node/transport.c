/* TCP_NODELAY wrapper around raft's TCP transport: every method forwards to
 * the library's implementation; the accept and connect callbacks set
 * TCP_NODELAY on the stream before raft sees it. */
#include "node/transport.h"

#include <string.h>

#include "lib/mem.h"

/* Our own request to the library, carrying raft's request and callback. */
struct transport_connect {
    struct raft_uv_connect inner;
    struct raft_uv_connect *req; /* raft's request */
    raft_uv_connect_cb cb;       /* raft's callback */
};

static struct transport *outer_of(struct raft_uv_transport *tcp)
{
    return tcp->data;
}

static void nodelay(struct uv_stream_s *stream)
{
    if (stream != NULL && stream->type == UV_TCP) {
        uv_tcp_nodelay((uv_tcp_t *)stream, 1);
    }
}

static int
wrap_init(struct raft_uv_transport *outer, raft_id id, const char *address)
{
    struct transport *t = outer->impl;

    return t->tcp.init(&t->tcp, id, address);
}

static void wrap_accept_cb(struct raft_uv_transport *tcp,
                           raft_id id,
                           const char *address,
                           struct uv_stream_s *stream)
{
    struct transport *t = outer_of(tcp);

    nodelay(stream);
    t->accept_cb(&t->outer, id, address, stream);
}

static int wrap_listen(struct raft_uv_transport *outer, raft_uv_accept_cb cb)
{
    struct transport *t = outer->impl;

    t->accept_cb = cb;
    return t->tcp.listen(&t->tcp, wrap_accept_cb);
}

static void wrap_connect_cb(struct raft_uv_connect *inner,
                            struct uv_stream_s *stream,
                            int status)
{
    struct transport_connect *c = inner->data;
    struct raft_uv_connect *req = c->req;
    raft_uv_connect_cb cb = c->cb;

    mem_free(c);
    if (status == 0) {
        nodelay(stream);
    }
    cb(req, stream, status);
}

static int wrap_connect(struct raft_uv_transport *outer,
                        struct raft_uv_connect *req,
                        raft_id id,
                        const char *address,
                        raft_uv_connect_cb cb)
{
    struct transport *t = outer->impl;
    struct transport_connect *c = mem_calloc(1, sizeof *c);
    int rv;

    c->inner.data = c;
    c->req = req;
    c->cb = cb;
    req->cb = cb;
    rv = t->tcp.connect(&t->tcp, &c->inner, id, address, wrap_connect_cb);
    if (rv != 0) {
        mem_free(c);
    }
    return rv;
}

static void wrap_close_cb(struct raft_uv_transport *tcp)
{
    struct transport *t = outer_of(tcp);

    if (t->close_cb != NULL) {
        t->close_cb(&t->outer);
    }
}

static void wrap_close(struct raft_uv_transport *outer,
                       raft_uv_transport_close_cb cb)
{
    struct transport *t = outer->impl;

    t->close_cb = cb;
    t->tcp.close(&t->tcp, wrap_close_cb);
}

int transport_init(struct transport *t, uv_loop_t *loop)
{
    int rv;

    memset(t, 0, sizeof *t);
    t->tcp.version = 1; /* raft 0.22 refuses version 0 */
    rv = raft_uv_tcp_init(&t->tcp, loop);
    if (rv != 0) {
        return rv;
    }
    t->tcp.data = t;
    t->outer.version = 1;
    t->outer.impl = t;
    t->outer.init = wrap_init;
    t->outer.listen = wrap_listen;
    t->outer.connect = wrap_connect;
    t->outer.close = wrap_close;
    return 0;
}

int transport_set_bind_address(struct transport *t, const char *address)
{
    return raft_uv_tcp_set_bind_address(&t->tcp, address);
}

void transport_close(struct transport *t)
{
    raft_uv_tcp_close(&t->tcp);
}

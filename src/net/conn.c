/* Client connections. Happy path: read_cb appends bytes to c->in and
 * process_input parses every complete request and hands it to the session;
 * when replies are complete the session calls replies_ready, which moves them
 * to c->out and starts a write.
 *
 * Failure modes: a framing error queues "-ERR Protocol error ..." and closes
 * the connection once it is sent; too many requests in flight pause reading
 * until replies drain; an output buffer past the limit, a read or write error
 * closes the connection at once. */
#include "net/conn.h"

#include <stdio.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "net/server.h"
#include "node/node.h"

#define CONN_READ_CHUNK 65536

/* Push messages are generated only while less than this is waiting to be
 * written: a watcher's memory is bounded by it, whatever it watches. */
#define CONN_PUSH_ROOM 65536

/* A connection told it is being closed gets this long to read why. */
#define CONN_CLOSE_GRACE_MS 5000

static void start_write(struct conn *c);
static void process_input(struct conn *c);
static void stop_reading(struct conn *c);

static void closed_cb(uv_handle_t *handle)
{
    struct conn *c = handle->data;

    request_close(&c->req);
    buf_close(&c->in);
    buf_close(&c->out);
    buf_close(&c->writing);
    mem_free(c);
}

void conn_close(struct conn *c)
{
    if (c->closing) {
        return;
    }
    c->closing = true;
    session_close(&c->session);
    server_remove_conn(c->server, c);
    uv_close((uv_handle_t *)&c->tcp, closed_cb);
}

/* Close once a QUIT or a framing error's reply has been sent. */
static void maybe_close_finished(struct conn *c)
{
    if (c->session.quit && c->session.head == NULL && c->out.len == 0 &&
        !c->write_active) {
        conn_close(c);
    }
}

static void stop_reading(struct conn *c)
{
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
}

static void alloc_cb(uv_handle_t *handle, size_t suggested, uv_buf_t *b)
{
    struct conn *c = handle->data;

    (void)suggested;
    buf_reserve(&c->in, CONN_READ_CHUNK);
    b->base = c->in.base + c->in.len;
    b->len = c->in.cap - c->in.len;
}

static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *b)
{
    struct conn *c = stream->data;

    (void)b;
    if (nread < 0) {
        if (nread != UV_EOF) {
            log_debug("conn=%llu read: %s", (unsigned long long)c->id,
                      uv_strerror((int)nread));
        }
        conn_close(c);
        return;
    }
    c->in.len += (size_t)nread;
    process_input(c);
}

static void start_reading(struct conn *c)
{
    if (!c->reading && !c->closing && !c->session.quit) {
        uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
        c->reading = true;
    }
}

static void protocol_error(struct conn *c, const char *text)
{
    log_debug("conn=%llu protocol error: %s", (unsigned long long)c->id, text);
    session_push_error(&c->session, text);
    c->session.quit = true;
    stop_reading(c);
}

static void process_input(struct conn *c)
{
    const struct server *srv = c->server;
    size_t max_pending = srv->node->cfg->max_pending;
    size_t off = 0;

    while (!c->closing && !c->session.quit) {
        int rv;
        if (c->session.blocked) {
            /* A blocked command (WATCH's read, a campaign) may wait long:
             * keep reading, to notice the client leave, but only up to a
             * bound of unprocessed input. */
            c->paused = true;
            if (c->in.len - off >= CONN_READ_CHUNK) {
                stop_reading(c);
            }
            break;
        }
        if (c->session.n_pending >= max_pending) {
            c->paused = true;
            stop_reading(c);
            break;
        }
        rv = request_parse(&c->req, c->in.base + off, c->in.len - off);
        if (rv == REQUEST_MORE) {
            if (c->in.len - off > srv->max_request_bytes) {
                char msg[128];
                snprintf(msg, sizeof msg,
                         "Protocol error: request exceeds %zu bytes",
                         srv->max_request_bytes);
                protocol_error(c, msg);
            }
            break;
        }
        if (rv < 0) {
            protocol_error(c, c->req.errmsg);
            break;
        }
        off += c->req.consumed;
        session_execute(&c->session, c->req.argc, c->req.argv);
    }
    if (!c->closing) {
        buf_consume(&c->in, off);
    }
}

/* Take the complete replies, then, in push mode, as many push messages as
 * fit in the room left. */
static void fill_output(struct conn *c)
{
    size_t used;

    session_take_replies(&c->session, &c->out);
    if (!session_is_pushing(&c->session) && c->session.subs.lost_rev == 0) {
        return;
    }
    used = c->out.len + c->writing.len;
    if (session_pump(&c->session, &c->out,
                     used >= CONN_PUSH_ROOM
                         ? 0
                         : c->out.len + (CONN_PUSH_ROOM - used)) != 0) {
        log_warn("conn=%llu missed watch events (fell behind the history): "
                 "closing it",
                 (unsigned long long)c->id);
        stop_reading(c);
        conn_close_after(c, CONN_CLOSE_GRACE_MS);
    }
}

static void write_cb(uv_write_t *req, int status)
{
    struct conn *c = req->data;

    c->write_active = false;
    buf_reset(&c->writing);
    if (c->closing) {
        return;
    }
    if (status != 0) {
        log_debug("conn=%llu write: %s", (unsigned long long)c->id,
                  uv_strerror(status));
        conn_close(c);
        return;
    }
    fill_output(c);
    start_write(c);
}

static void start_write(struct conn *c)
{
    struct buf tmp;
    uv_buf_t b;
    int rv;

    if (c->write_active || c->closing) {
        return;
    }
    if (c->out.len == 0) {
        maybe_close_finished(c);
        return;
    }
    tmp = c->writing;
    c->writing = c->out;
    c->out = tmp;
    buf_reset(&c->out);
    b = uv_buf_init(c->writing.base, (unsigned)c->writing.len);
    c->write_req.data = c;
    rv = uv_write(&c->write_req, (uv_stream_t *)&c->tcp, &b, 1, write_cb);
    if (rv != 0) {
        conn_close(c);
        return;
    }
    c->write_active = true;
}

static void replies_ready(struct session *s)
{
    struct conn *c = s->owner;
    size_t max_out = c->server->node->cfg->max_output_bytes;

    if (c->closing) {
        return;
    }
    fill_output(c);
    /* A follower's forwarding link carries many clients and reads promptly:
     * the per-client output limit does not apply to it. */
    if (!s->is_peer && c->out.len + c->writing.len > max_out) {
        log_warn("conn=%llu output buffer over %zu bytes: disconnecting a "
                 "client that does not read its replies",
                 (unsigned long long)c->id, max_out);
        conn_close(c);
        return;
    }
    start_write(c);
    if (c->paused && !s->blocked &&
        c->session.n_pending < c->server->node->cfg->max_pending / 2 + 1) {
        c->paused = false;
        process_input(c);
        if (!c->paused) {
            start_reading(c);
        }
    }
}

/* Redis' form of an address, "ip:port" or "[ipv6]:port"; "?:0" when the
 * socket cannot tell. */
static void
format_addr(const struct sockaddr_storage *sa, int rv, char out[CONN_ADDR_SIZE])
{
    char ip[INET6_ADDRSTRLEN];

    if (rv == 0 && sa->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        uv_ip4_name(in, ip, sizeof ip);
        snprintf(out, CONN_ADDR_SIZE, "%s:%u", ip, ntohs(in->sin_port));
    } else if (rv == 0 && sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        uv_ip6_name(in6, ip, sizeof ip);
        snprintf(out, CONN_ADDR_SIZE, "[%s]:%u", ip, ntohs(in6->sin6_port));
    } else {
        snprintf(out, CONN_ADDR_SIZE, "?:0");
    }
}

/* Learn the socket's fd and both addresses once: they do not change. */
static void note_socket(struct conn *c)
{
    struct sockaddr_storage sa;
    uv_os_fd_t fd;
    int len = sizeof sa;
    int rv;

    c->fd = uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 ? (int)fd : -1;
    rv = uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&sa, &len);
    format_addr(&sa, rv, c->addr);
    len = sizeof sa;
    rv = uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&sa, &len);
    format_addr(&sa, rv, c->laddr);
}

void conn_describe(const struct conn *c, struct client_view *v)
{
    v->session = &c->session;
    v->addr = c->addr;
    v->laddr = c->laddr;
    v->fd = c->fd;
    v->qbuf = c->in.len;
    v->omem = c->out.len + c->writing.len;
    v->reading = c->reading;
    v->writing = c->write_active;
}

struct conn *conn_accept(struct server *srv, uv_stream_t *listener)
{
    struct conn *c = mem_calloc(1, sizeof *c);

    c->server = srv;
    c->id = ++srv->next_id;
    uv_tcp_init(srv->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, closed_cb);
        return NULL;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    note_socket(c);
    request_init(&c->req, &srv->limits);
    session_init(&c->session, srv->node, c->id, replies_ready, c);
    c->session.clients = &srv->clients;
    server_add_conn(srv, c);
    start_reading(c);
    return c;
}

void conn_close_after(struct conn *c, uint64_t ms)
{
    uint64_t at = uv_now(c->server->loop) + ms;

    c->session.quit = true;
    if (c->close_at_ms == 0 || at < c->close_at_ms) {
        c->close_at_ms = at;
    }
    server_watch_deadlines(c->server);
}

void conn_finish(struct conn *c)
{
    c->session.quit = true;
    stop_reading(c);
    maybe_close_finished(c);
}

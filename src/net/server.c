/* The client listener and the list of live connections, which commands
 * see through struct clients (cmd/clients.h). */
#include "net/server.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "daemon/config.h"
#include "lib/log.h"
#include "net/conn.h"
#include "node/node.h"

#define SERVER_SHUTDOWN_GRACE_MS 3000
#define SERVER_DEADLINE_TICK_MS  250

void server_add_conn(struct server *srv, struct conn *c)
{
    c->prev = NULL;
    c->next = srv->conns;
    if (srv->conns != NULL) {
        srv->conns->prev = c;
    }
    srv->conns = c;
    srv->n_conns++;
    srv->node->stats.connected_clients = srv->n_conns;
}

void server_remove_conn(struct server *srv, struct conn *c)
{
    if (c->prev != NULL) {
        c->prev->next = c->next;
    } else {
        srv->conns = c->next;
    }
    if (c->next != NULL) {
        c->next->prev = c->prev;
    }
    srv->n_conns--;
    srv->node->stats.connected_clients = srv->n_conns;
    if (srv->shutting_down && srv->n_conns == 0 &&
        !uv_is_closing((uv_handle_t *)&srv->shutdown_timer)) {
        uv_close((uv_handle_t *)&srv->shutdown_timer, NULL);
    }
}

static struct server *server_of(struct clients *cl)
{
    return (struct server *)((char *)cl - offsetof(struct server, clients));
}

/* struct clients' each(): oldest first, as Redis lists its clients. */
static void each_client(struct clients *cl, clients_each_cb cb, void *arg)
{
    struct conn *c = server_of(cl)->conns;

    while (c != NULL && c->next != NULL) {
        c = c->next;
    }
    for (; c != NULL; c = c->prev) {
        struct client_view v;
        conn_describe(c, &v);
        cb(&v, arg);
    }
}

static bool kill_client(struct clients *cl, uint64_t id)
{
    for (struct conn *c = server_of(cl)->conns; c != NULL; c = c->next) {
        if (c->id == id) {
            conn_close(c);
            return true;
        }
    }
    return false;
}

static void deadline_cb(uv_timer_t *timer)
{
    struct server *srv = timer->data;
    uint64_t now = uv_now(srv->loop);
    struct conn *c = srv->conns;
    bool pending = false;

    while (c != NULL) {
        struct conn *next = c->next;
        if (c->close_at_ms != 0 && now >= c->close_at_ms) {
            conn_close(c);
        } else if (c->close_at_ms != 0) {
            pending = true;
        }
        c = next;
    }
    if (!pending) {
        uv_timer_stop(timer);
        srv->deadline_running = false;
    }
}

void server_watch_deadlines(struct server *srv)
{
    if (srv->deadline_running || srv->shutting_down) {
        return;
    }
    srv->deadline_running = true;
    uv_timer_start(&srv->deadline_timer, deadline_cb, SERVER_DEADLINE_TICK_MS,
                   SERVER_DEADLINE_TICK_MS);
}

static void reject(struct server *srv, uv_stream_t *listener)
{
    struct conn *c = conn_accept(srv, listener);

    srv->node->stats.rejected_connections++;
    if (c != NULL) {
        session_push_error(&c->session, "max number of clients reached");
        conn_finish(c);
    }
}

static void connection_cb(uv_stream_t *listener, int status)
{
    struct server *srv = listener->data;

    if (status != 0) {
        log_warn("accept: %s", uv_strerror(status));
        return;
    }
    if (srv->n_conns >= srv->node->cfg->max_clients) {
        reject(srv, listener);
        return;
    }
    conn_accept(srv, listener);
}

int server_start(struct server *srv,
                 uv_loop_t *loop,
                 struct node *node,
                 char errmsg[SK_ERRMSG_SIZE])
{
    const struct config *cfg = node->cfg;
    struct sockaddr_storage sa;
    int rv;

    memset(srv, 0, sizeof *srv);
    srv->loop = loop;
    srv->node = node;
    srv->clients.each = each_client;
    srv->clients.kill = kill_client;
    srv->limits.max_argc = cfg->max_argc;
    srv->limits.max_bulk_bytes = cfg->max_value_bytes > cfg->max_key_bytes
                                     ? cfg->max_value_bytes
                                     : cfg->max_key_bytes;
    srv->limits.max_inline_bytes = cfg->max_inline_bytes;
    /* CAS carries two values; DEL and MGET many keys. */
    srv->max_request_bytes = 2 * cfg->max_value_bytes +
                             cfg->max_argc * (cfg->max_key_bytes + 16) + 4096;

    if (config_sockaddr(cfg->listen, &sa) != 0) {
        snprintf(errmsg, SK_ERRMSG_SIZE, "--listen %s: not an IP address",
                 cfg->listen);
        return SK_EINVAL;
    }
    uv_tcp_init(loop, &srv->listener);
    srv->listener.data = srv;
    rv = uv_tcp_bind(&srv->listener, (struct sockaddr *)&sa, 0);
    if (rv == 0) {
        rv = uv_listen((uv_stream_t *)&srv->listener, 511, connection_cb);
    }
    if (rv != 0) {
        snprintf(errmsg, SK_ERRMSG_SIZE, "listen on %s: %s", cfg->listen,
                 uv_strerror(rv));
        uv_close((uv_handle_t *)&srv->listener, NULL);
        return SK_EIO;
    }
    srv->listening = true;
    uv_timer_init(loop, &srv->shutdown_timer);
    srv->shutdown_timer.data = srv;
    uv_timer_init(loop, &srv->deadline_timer);
    srv->deadline_timer.data = srv;
    log_info("listening for clients on %s", cfg->listen);
    return 0;
}

static void shutdown_timer_cb(uv_timer_t *timer)
{
    struct server *srv = timer->data;

    while (srv->conns != NULL) {
        conn_close(srv->conns); /* the last one closes the timer */
    }
    if (!uv_is_closing((uv_handle_t *)timer)) {
        uv_close((uv_handle_t *)timer, NULL);
    }
}

void server_shutdown(struct server *srv)
{
    struct conn *c = srv->conns;

    if (srv->shutting_down || !srv->listening) {
        return;
    }
    srv->shutting_down = true;
    uv_close((uv_handle_t *)&srv->listener, NULL);
    uv_close((uv_handle_t *)&srv->deadline_timer, NULL);
    srv->deadline_running = false;
    while (c != NULL) {
        struct conn *next = c->next;
        conn_finish(c);
        c = next;
    }
    /* Connections still owed replies get a short grace, then close. */
    if (srv->n_conns == 0) {
        if (!uv_is_closing((uv_handle_t *)&srv->shutdown_timer)) {
            uv_close((uv_handle_t *)&srv->shutdown_timer, NULL);
        }
        return;
    }
    uv_timer_start(&srv->shutdown_timer, shutdown_timer_cb,
                   SERVER_SHUTDOWN_GRACE_MS, 0);
}

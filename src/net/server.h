/* The client listener: accepts connections up to --max-clients and keeps the
 * list of live ones, for shutdown and for CLIENT LIST and KILL (it implements
 * cmd/clients.h). */
#ifndef SK_SERVER_H
#define SK_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "cmd/clients.h"
#include "resp/request.h"

struct node;
struct conn;

struct server {
    uv_loop_t *loop;
    struct node *node;
    uv_tcp_t listener;
    bool listening;
    struct request_limits limits;
    size_t max_request_bytes; /* one request, all arguments together */
    struct conn *conns;       /* newest first */
    size_t n_conns;
    struct clients clients; /* the list as commands see it */
    uint64_t next_id;
    uv_timer_t shutdown_timer;
    bool shutting_down;
    uv_timer_t deadline_timer; /* closes connections past close_at_ms */
    bool deadline_running;
};

/* Bind and listen on the node's --listen address. Returns 0 or SK_EIO with a
 * message in @errmsg. */
int server_start(struct server *srv,
                 uv_loop_t *loop,
                 struct node *node,
                 char errmsg[SK_ERRMSG_SIZE]);

/* Stop accepting; let connections send what they owe, then close them (at
 * most a few seconds later). */
void server_shutdown(struct server *srv);

/* A connection has a close deadline (conn_close_after()): make sure the
 * deadline sweep runs. */
void server_watch_deadlines(struct server *srv);

/* Bookkeeping for conn.c. */
void server_add_conn(struct server *srv, struct conn *c);
void server_remove_conn(struct server *srv, struct conn *c);

#endif

/* One client connection: bytes in -> RESP requests -> session; replies out in
 * request order. Bounded: input by the request limits, requests in flight by
 * --max-pending (reading pauses), output by --max-output-bytes (the client is
 * disconnected, as Redis' client-output-buffer-limit does). */
#ifndef SK_CONN_H
#define SK_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "cmd/clients.h"
#include "cmd/session.h"
#include "lib/buf.h"
#include "resp/request.h"

struct server;

/* "[ipv6]:port" at most, with its NUL. */
#define CONN_ADDR_SIZE 64

struct conn {
    struct server *server;
    uint64_t id;
    uv_tcp_t tcp;
    int fd;
    char addr[CONN_ADDR_SIZE];  /* the client's, as CLIENT LIST shows it */
    char laddr[CONN_ADDR_SIZE]; /* the local one it connected to */
    struct session session;
    struct request req;
    struct buf in;
    struct buf out;     /* replies not yet handed to libuv */
    struct buf writing; /* the bytes of the write in flight */
    uv_write_t write_req;
    bool write_active;
    bool reading;
    bool paused; /* too many requests in flight: reading stopped */
    bool closing;
    uint64_t close_at_ms;     /* nonzero: close by then, sent or not */
    struct conn *prev, *next; /* server's list */
};

/* Accept a connection on @listener into a new conn. Returns it or NULL. */
struct conn *conn_accept(struct server *srv, uv_stream_t *listener);

/* What CLIENT LIST shows of @c (struct clients' view; valid while @c is
 * not changed). */
void conn_describe(const struct conn *c, struct client_view *v);

/* Close now; replies not yet sent are dropped. */
void conn_close(struct conn *c);

/* Stop reading, send what is owed, then close (shutdown, QUIT). */
void conn_finish(struct conn *c);

/* Take no more requests, send what is already owed, and close once it is
 * sent or @ms have passed, whichever comes first. */
void conn_close_after(struct conn *c, uint64_t ms);

#endif

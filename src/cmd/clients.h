/* The node's live connections as commands see them (CLIENT LIST, CLIENT
 * KILL): net/server.c implements struct clients, so cmd/ can list and close
 * connections knowing nothing about sockets. Also the pure part of those
 * commands: connection types, LIST and KILL filters, the line that
 * describes a connection (proto/PROTOCOL.md §3.3 CLIENT). No I/O. */
#ifndef SK_CLIENTS_H
#define SK_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/slice.h"

struct session;
struct clients;

/* Redis' client types; a connection has exactly one. */
enum client_type {
    CLIENT_TYPE_NORMAL,
    CLIENT_TYPE_MASTER,  /* never: no connection is to a master */
    CLIENT_TYPE_REPLICA, /* a follower's forwarding link (PEERLINK) */
    CLIENT_TYPE_PUBSUB,  /* in push mode: any subscription */
};

/* One live connection: its session and the socket facts net/ knows. Valid
 * only during the clients_each_cb call that receives it. */
struct client_view {
    const struct session *session; /* id, name, flags, times, command */
    const char *addr;              /* the client's "ip:port" ("[ipv6]:port") */
    const char *laddr;             /* the local address it connected to */
    int fd;
    size_t qbuf;  /* bytes received and not yet parsed or consumed */
    size_t omem;  /* reply bytes not yet written to the socket */
    bool reading; /* events=r */
    bool writing; /* events=w: a write is in flight */
};

typedef void (*clients_each_cb)(const struct client_view *v, void *arg);

/* The interface net/ fills in at server_start(). */
struct clients {
    /* Call @cb for every live connection, oldest first. @cb must not close
     * connections: collect ids and kill() them afterwards. */
    void (*each)(struct clients *cl, clients_each_cb cb, void *arg);
    /* Close connection @id now, dropping replies not yet sent (never the
     * connection whose command is running: see clients_match()). Returns
     * whether there was such a live connection. */
    bool (*kill)(struct clients *cl, uint64_t id);
};

/* What CLIENT LIST and CLIENT KILL select; every filter set must match. */
struct client_filter {
    uint64_t *ids; /* owned; the connection's id is one of them */
    size_t n_ids;
    int type;          /* enum client_type, or -1 for any */
    struct slice addr; /* borrowed from the request; len 0: any */
    struct slice laddr;
    uint64_t max_age_s; /* nonzero: connected at least this long */
    bool skip_me;       /* never the calling connection */
};

void client_filter_init(struct client_filter *f);
void client_filter_close(struct client_filter *f);

/* Parse CLIENT LIST's arguments @argv[2..@argc): [TYPE type] [ID id ...]
 * (ID takes the rest). Returns 0, or -1 with Redis' error message (no
 * "ERR " prefix) in @errmsg. */
int clients_parse_list(struct client_filter *f,
                       size_t argc,
                       const struct slice *argv,
                       char errmsg[SK_ERRMSG_SIZE]);

/* Parse CLIENT KILL's new form, @argv[2..@argc) as filter/value pairs:
 * ID, TYPE, ADDR, LADDR, SKIPME (default yes), MAXAGE; a filter given
 * twice keeps the last value, as in Redis. Returns 0, or -1 with the
 * message in @errmsg. */
int clients_parse_kill(struct client_filter *f,
                       size_t argc,
                       const struct slice *argv,
                       char errmsg[SK_ERRMSG_SIZE]);

/* The type Redis would give the connection of @s. */
enum client_type clients_type_of(const struct session *s);

/* Whether @v passes @f; @self is the calling session, @now_ms the node's
 * clock (the session's times are on it). */
bool clients_match(const struct client_filter *f,
                   const struct client_view *v,
                   const struct session *self,
                   uint64_t now_ms);

/* Append the CLIENT LIST line of @v, without its newline: "id=7
 * addr=127.0.0.1:41234 ... peer=0", every value free of spaces. */
void clients_describe(struct buf *b,
                      const struct client_view *v,
                      uint64_t now_ms);

#endif

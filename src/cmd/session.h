/* A client session: the protocol state of one connection (READONLY, peer
 * link, pending replies in request order) and the dispatch of each request to
 * the command table. Knows nothing about sockets: net/conn.c feeds it
 * requests and drains its replies. */
#ifndef SK_SESSION_H
#define SK_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd/subs.h"
#include "fsm/txn.h"
#include "lib/buf.h"
#include "lib/slice.h"
#include "node/pending.h"
#include "node/readindex.h"

struct node;
struct session;
struct campaign_wait;
struct clients;
struct command;

/* CLIENT SETNAME: a name's bytes at most. */
#define SESSION_NAME_MAX 128

/* Room for the subcommand of the last command (CLIENT LIST's cmd=). */
#define SESSION_SUBCOMMAND_SIZE 16

/* Replies at the head of the queue are complete and can be sent. */
typedef void (*session_ready_cb)(struct session *s);

struct session {
    struct node *node;
    uint64_t id;
    struct pending *head; /* replies owed, oldest first */
    struct pending *tail;
    size_t n_pending;
    bool readonly;    /* READONLY: reads served from local, maybe stale state */
    bool is_peer;     /* PEERLINK: a follower relaying; never forward again */
    uint64_t peer_id; /* PEERLINK: that follower's node id */
    bool quit;        /* QUIT: close once the replies are sent */
    bool blocked;     /* a WATCH is in flight: take no request until it ends */
    bool in_multi;    /* MULTI: commands are queued in txn */
    bool multi_dirty; /* a command queued after MULTI was refused */
    struct txn_writer txn; /* WATCHed keys and revisions, queued commands */
    struct buf watching;   /* keys of the WATCH in flight, as txn bytes */
    struct subs subs;      /* push subscriptions: KEYWATCH, SUBSCRIBE, ... */
    struct campaign_wait *campaign;  /* a blocked ELECTION.CAMPAIGN; owned */
    char name[SESSION_NAME_MAX + 1]; /* CLIENT SETNAME; "" when none */
    uint64_t created_ms;             /* node clock: when the session began */
    uint64_t last_ms; /* node clock: when its latest request began */
    const struct command *last_cmd; /* that request's, NULL if unknown */
    char last_sub[SESSION_SUBCOMMAND_SIZE]; /* its subcommand, lower case,
                                               for CLIENT, CONFIG, COMMAND */
    struct clients *clients; /* the node's connections, for CLIENT LIST and
                                KILL; set by the owner, NULL if none */
    session_ready_cb ready_cb;
    void *owner;
};

void session_init(struct session *s,
                  struct node *n,
                  uint64_t id,
                  session_ready_cb cb,
                  void *owner);

/* The connection is gone: replies still in flight are orphaned (freed by
 * whoever completes them). */
void session_close(struct session *s);

/* Run one request; its reply is queued in order (maybe completed later). */
void session_execute(struct session *s, size_t argc, const struct slice *argv);

struct call;

/* Serve the call as a write (@read NULL, entry op @op of argv[1..]) or as a
 * linearizable read: on the leader, through the forwarding link, or parked
 * until a leader is known. */
void session_serve(struct call *c, uint8_t op, read_fn read);

/* Serve a request made on no connection's behalf (a node's own write) the
 * way session_serve() does; @argv is the command as a client would send it
 * and @p gets its reply. */
void session_serve_detached(struct node *n,
                            uint8_t op,
                            size_t argc,
                            const struct slice *argv,
                            struct pending *p);

/* The pending callback of every request: flushes the replies that are
 * complete at the head of the queue. */
void session_pending_ready(struct pending *p);

/* A WATCH ended: take requests again. */
void session_unblock(struct session *s);

/* Forget the transaction state: queued commands and watched keys. */
void session_reset_txn(struct session *s);

/* Queue an error reply that is complete at once (framing errors). */
void session_push_error(struct session *s, const char *text);

/* Move the complete replies at the head of the queue into @out. */
void session_take_replies(struct session *s, struct buf *out);

/* Whether the connection is in push mode (any subscription). */
bool session_is_pushing(const struct session *s);

/* Once every reply has been taken, append push messages to @out while it
 * holds less than @room bytes. Returns 0, or SK_ECORRUPT when the
 * connection missed events: a -COMPACTED error has been appended and the
 * connection must be closed once it is sent. */
int session_pump(struct session *s, struct buf *out, size_t room);

#endif

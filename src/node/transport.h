/* A raft transport that wraps the library's TCP transport and turns off
 * Nagle's algorithm on every raft connection: AppendEntries and their results
 * are small messages, and without TCP_NODELAY each can wait for the peer's
 * delayed ACK. */
#ifndef SK_TRANSPORT_H
#define SK_TRANSPORT_H

#include <raft/uv.h>
#include <uv.h>

struct transport {
    struct raft_uv_transport outer;      /* what raft_uv_init() is given */
    struct raft_uv_transport tcp;        /* the library's TCP transport */
    raft_uv_accept_cb accept_cb;         /* raft's */
    raft_uv_transport_close_cb close_cb; /* raft's */
};

/* Initialise both layers. Returns 0 or a raft error code. */
int transport_init(struct transport *t, uv_loop_t *loop);

/* Bind address for incoming raft connections ("HOST:PORT"). */
int transport_set_bind_address(struct transport *t, const char *address);

/* Release memory once raft has closed the transport (after the loop). */
void transport_close(struct transport *t);

#endif

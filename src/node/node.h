/* The node: one raft server, its state machine and the machinery that turns
 * client commands into log entries (propose), linearizable reads (readindex)
 * and requests relayed to the leader (forward). Only this module, net/ and
 * daemon/ touch libuv and raft directly. */
#ifndef SK_NODE_H
#define SK_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include <raft.h>
#include <raft/uv.h>
#include <uv.h>

#include "daemon/config.h"
#include "fsm/fsm.h"
#include "node/actuator.h"
#include "node/controller.h"
#include "node/failover.h"
#include "node/feed.h"
#include "node/forward.h"
#include "node/handoff.h"
#include "node/heartbeats.h"
#include "node/lessor.h"
#include "node/members.h"
#include "node/park.h"
#include "node/propose.h"
#include "node/readindex.h"
#include "node/transport.h"

struct node;
typedef void (*node_close_cb)(struct node *n);

/* Counters shown by INFO. */
struct node_stats {
    uint64_t commands_proposed;
    uint64_t batches_applied;
    uint64_t reads_served;
    uint64_t barriers; /* empty entries appended for reads alone */
    uint64_t requests_forwarded;
    uint64_t snapshots_taken;
    uint64_t snapshots_installed;
    uint64_t leader_changes;
    uint64_t leadership_transfers; /* handed over before shutdown */
    uint64_t connected_clients;    /* kept by net/ */
    uint64_t rejected_connections;
};

struct node {
    uv_loop_t *loop;
    const struct config *cfg; /* not owned */
    struct raft raft;
    struct raft_io io;
    struct transport transport;
    struct raft_fsm raft_fsm;
    struct fsm fsm;
    struct propose propose;
    struct forward forward;
    struct failover failover; /* shortened election timeout (failover.h) */
    struct handoff handoff;   /* leadership transfer before shutdown */
    struct park park;
    struct members members;
    struct feed feed;             /* change history and push consumers */
    struct lessor lessor;         /* lease clocks, on the leader */
    struct controller controller; /* auto-scaling, on the leader */
    struct heartbeats heartbeats; /* instance heartbeats, on the leader */
    struct actuators actuators;   /* what the controller calls */
    struct fsm_observer observer; /* fsm changes -> feed, lessor */
    unsigned notify_flags;        /* notify-keyspace-events (CONFIG SET) */
    uv_check_t check; /* end of each loop iteration: append batches */
    uv_timer_t tick;  /* notices leadership changes, announces this node */
    raft_id known_leader;
    int known_state;
    bool started; /* raft_start() returned: restores count as installs */
    bool closing;
    uint64_t start_ms;
    uint64_t snapshot_index; /* last snapshot taken or installed */
    struct node_stats stats;
    node_close_cb close_cb;
};

/* Set up raft (TCP transport, libuv I/O in cfg->data_dir, pre-vote, timeouts,
 * snapshot thresholds) and bootstrap if this is a brand-new data directory.
 * Returns 0, or an SK_E* code with a message in @errmsg. */
int node_init(struct node *n,
              uv_loop_t *loop,
              const struct config *cfg,
              char errmsg[SK_ERRMSG_SIZE]);

/* Start raft and the node's handles. Returns 0 or an SK_E* code. */
int node_start(struct node *n, char errmsg[SK_ERRMSG_SIZE]);

/* Shut down: pending requests are answered with an error, raft is closed;
 * @cb fires once everything the node owns on the loop is closed. */
void node_close(struct node *n, node_close_cb cb);

/* Release what outlives the loop (raft I/O backend); after uv_run returns. */
void node_fini(struct node *n);

bool node_is_leader(struct node *n);

/* The leader's id and raft address as this node knows them. Returns 0, or
 * SK_ENOLEADER when no leader is known. */
int node_leader(struct node *n, uint64_t *id, const char **raft_address);

/* Milliseconds on the loop's clock. */
uint64_t node_now_ms(struct node *n);

#endif

/* INFO: redis-style sections of "key:value" lines. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/handlers.h"
#include "node/node.h"
#include "resp/reply.h"

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

typedef void (*section_fn)(struct node *n, struct buf *b);

static void section_server(struct node *n, struct buf *b)
{
    buf_printf(b, "# Server\r\n");
    buf_printf(b, "scalekeeper_version:%s\r\n", PACKAGE_VERSION);
    buf_printf(b, "redis_version:7.0.0-scalekeeper\r\n");
    buf_printf(b, "node_id:%llu\r\n", (unsigned long long)n->cfg->id);
    buf_printf(b, "zone:%s\r\n", n->cfg->zone);
    buf_printf(b, "process_id:%ld\r\n", (long)getpid());
    buf_printf(b, "client_address:%s\r\n", config_client_address(n->cfg));
    buf_printf(b, "raft_address:%s\r\n", n->cfg->raft_address);
    buf_printf(b, "uptime_in_seconds:%llu\r\n",
               (unsigned long long)((node_now_ms(n) - n->start_ms) / 1000));
}

static void section_raft(struct node *n, struct buf *b)
{
    uint64_t leader = 0;

    node_leader(n, &leader, NULL);
    buf_printf(b, "# Raft\r\n");
    buf_printf(b, "role:%s\r\n", raft_state_name(raft_state(&n->raft)));
    buf_printf(b, "term:%llu\r\n",
               (unsigned long long)raft_current_term(&n->raft));
    buf_printf(b, "leader_id:%llu\r\n", (unsigned long long)leader);
    buf_printf(b, "commit_index:%llu\r\n",
               (unsigned long long)raft_commit_index(&n->raft));
    buf_printf(b, "applied_index:%llu\r\n",
               (unsigned long long)raft_last_applied(&n->raft));
    buf_printf(b, "last_log_index:%llu\r\n",
               (unsigned long long)raft_last_index(&n->raft));
    buf_printf(b, "voters:%u\r\n", n->raft.configuration.n);
    buf_printf(b, "leader_changes:%llu\r\n",
               (unsigned long long)n->stats.leader_changes);
    buf_printf(b, "election_timeout_ms:%u\r\n",
               failover_timeout_ms(&n->failover));
    buf_printf(b, "fast_failover_ms:%u\r\n", n->cfg->fast_failover_ms);
    buf_printf(b, "leader_link_up:%d\r\n",
               forward_connected(&n->forward) ? 1 : 0);
    buf_printf(b, "leader_links_lost:%llu\r\n",
               (unsigned long long)n->failover.links_lost);
    buf_printf(b, "fast_failovers:%llu\r\n",
               (unsigned long long)n->failover.fired);
    buf_printf(b, "fast_failovers_cancelled:%llu\r\n",
               (unsigned long long)n->failover.cancelled);
    buf_printf(b, "leader_silences:%llu\r\n",
               (unsigned long long)n->failover.silences);
    buf_printf(b, "leadership_transfers:%llu\r\n",
               (unsigned long long)n->stats.leadership_transfers);
    buf_printf(b, "commands_proposed:%llu\r\n",
               (unsigned long long)n->stats.commands_proposed);
    buf_printf(b, "batches_applied:%llu\r\n",
               (unsigned long long)n->stats.batches_applied);
    buf_printf(b, "barriers:%llu\r\n", (unsigned long long)n->stats.barriers);
    buf_printf(b, "reads_served:%llu\r\n",
               (unsigned long long)n->stats.reads_served);
    buf_printf(b, "requests_forwarded:%llu\r\n",
               (unsigned long long)n->stats.requests_forwarded);
}

static void section_clients(struct node *n, struct buf *b)
{
    buf_printf(b, "# Clients\r\n");
    buf_printf(b, "connected_clients:%llu\r\n",
               (unsigned long long)n->stats.connected_clients);
    buf_printf(b, "rejected_connections:%llu\r\n",
               (unsigned long long)n->stats.rejected_connections);
    buf_printf(b, "maxclients:%zu\r\n", n->cfg->max_clients);
}

static void section_store(struct node *n, struct buf *b)
{
    buf_printf(b, "# Store\r\n");
    buf_printf(b, "keys:%zu\r\n", kv_count(n->fsm.kv));
    buf_printf(b, "bytes:%zu\r\n", kv_bytes(n->fsm.kv));
    buf_printf(b, "revision:%llu\r\n", (unsigned long long)n->fsm.revision);
}

static void section_persistence(struct node *n, struct buf *b)
{
    buf_printf(b, "# Persistence\r\n");
    buf_printf(b, "data_dir:%s\r\n", n->cfg->data_dir);
    buf_printf(b, "snapshot_index:%llu\r\n",
               (unsigned long long)n->snapshot_index);
    buf_printf(b, "snapshots_taken:%llu\r\n",
               (unsigned long long)n->stats.snapshots_taken);
    buf_printf(b, "snapshots_installed:%llu\r\n",
               (unsigned long long)n->stats.snapshots_installed);
    buf_printf(b, "snapshot_threshold:%u\r\n", n->cfg->snapshot_threshold);
}

static void section_coordination(struct node *n, struct buf *b)
{
    const struct lessor *l = &n->lessor;
    const struct history *h = &n->feed.history;

    buf_printf(b, "# Coordination\r\n");
    buf_printf(b, "leases:%zu\r\n", lease_count(&n->fsm.leases));
    buf_printf(b, "lease_clocks_running:%d\r\n", l->active ? 1 : 0);
    buf_printf(b, "lease_keepalives:%llu\r\n",
               (unsigned long long)l->stats.keepalives);
    buf_printf(b, "lease_expiries:%llu\r\n",
               (unsigned long long)l->stats.expired);
    buf_printf(b, "lease_checkpoints:%llu\r\n",
               (unsigned long long)l->stats.checkpoints);
    buf_printf(b, "elections:%zu\r\n", n->fsm.elections.n);
    buf_printf(b, "push_consumers:%zu\r\n", n->feed.n_consumers);
    buf_printf(b, "history_events:%zu\r\n", h->n);
    buf_printf(b, "history_bytes:%zu\r\n", h->bytes);
    buf_printf(b, "history_oldest_revision:%llu\r\n",
               (unsigned long long)h->compact_rev + 1);
}

static void section_scaling(struct node *n, struct buf *b)
{
    const struct scaling *s = &n->fsm.scaling;
    const struct controller *c = &n->controller;

    buf_printf(b, "# Scaling\r\n");
    buf_printf(b, "groups:%zu\r\n", s->n_groups);
    buf_printf(b, "instances_kept:%zu\r\n", s->instances.count);
    buf_printf(b, "activities_kept:%zu\r\n", s->activities.count);
    buf_printf(b, "controller_term:%llu\r\n", (unsigned long long)s->ctrl_term);
    buf_printf(b, "controller_node:%llu\r\n", (unsigned long long)s->ctrl_node);
    buf_printf(b, "controller_active:%d\r\n", c->active ? 1 : 0);
    buf_printf(b, "controller_claims:%llu\r\n",
               (unsigned long long)c->stats.claims);
    buf_printf(b, "controller_decisions:%llu\r\n",
               (unsigned long long)c->stats.decisions);
    buf_printf(b, "controller_orders:%llu\r\n",
               (unsigned long long)c->stats.orders);
    buf_printf(b, "actuator_calls:%llu\r\n",
               (unsigned long long)c->stats.calls);
    buf_printf(b, "actuator_failures:%llu\r\n",
               (unsigned long long)c->stats.failures);
    buf_printf(b, "heartbeats:%llu\r\n",
               (unsigned long long)n->heartbeats.beats);
    buf_printf(b, "heartbeat_verdicts:%llu\r\n",
               (unsigned long long)c->stats.verdicts);
}

static const struct {
    const char *name;
    section_fn fn;
} sections[] = {
    { "server", section_server },
    { "raft", section_raft },
    { "clients", section_clients },
    { "store", section_store },
    { "persistence", section_persistence },
    { "coordination", section_coordination },
    { "scaling", section_scaling },
};

void cmd_info(struct call *c)
{
    size_t n_sections = sizeof sections / sizeof sections[0];
    struct buf body;
    int all = c->argc == 1;

    buf_init(&body);
    for (size_t i = 1; i < c->argc; i++) {
        if (slice_eq_nocase(c->argv[i], "all") ||
            slice_eq_nocase(c->argv[i], "default") ||
            slice_eq_nocase(c->argv[i], "everything")) {
            all = 1;
        }
    }
    for (size_t s = 0; s < n_sections; s++) {
        int wanted = all;
        for (size_t i = 1; i < c->argc && !wanted; i++) {
            wanted = slice_eq_nocase(c->argv[i], sections[s].name);
        }
        if (wanted) {
            if (body.len > 0) {
                buf_append(&body, "\r\n", 2);
            }
            sections[s].fn(c->node, &body);
        }
    }
    reply_bulk(&c->p->reply, body.base ? body.base : "", body.len);
    buf_close(&body);
}

/* The node: raft set-up, leadership tracking and shutdown.
 *
 * Set-up order (the library's): TCP transport (version 1), libuv I/O in the
 * data directory, FSM hooks, raft_init, bootstrap on a brand-new directory
 * (RAFT_CANTBOOTSTRAP means it already holds a log), settings, raft_start.
 * Each loop iteration ends in check_cb, which turns what clients queued
 * during the iteration into log entries (propose.h). tick_cb notices
 * leadership changes, since the legacy API has no callback for them. */
#include "node/node.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "lib/log.h"
#include "lib/notify_flags.h"
#include "node/raft_glue.h"

#define NODE_TICK_MS 50

static int make_dir(const char *path, char errmsg[SK_ERRMSG_SIZE])
{
    char tmp[4096];
    size_t len = strlen(path);

    if (len == 0 || len >= sizeof tmp) {
        snprintf(errmsg, SK_ERRMSG_SIZE, "data directory path too long");
        return SK_EINVAL;
    }
    memcpy(tmp, path, len + 1);
    for (char *p = tmp + 1; *p != '\0'; p++) {
        if (*p != '/') {
            continue;
        }
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
            goto fail;
        }
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
        goto fail;
    }
    return 0;
fail:
    snprintf(errmsg, SK_ERRMSG_SIZE, "cannot create %s: %s", tmp,
             strerror(errno));
    return SK_EIO;
}

static int bootstrap(struct node *n, char errmsg[SK_ERRMSG_SIZE])
{
    struct raft_configuration conf;
    int rv;

    if (n->cfg->n_bootstrap == 0) {
        return 0;
    }
    raft_configuration_init(&conf);
    for (size_t i = 0; i < n->cfg->n_bootstrap; i++) {
        const struct config_peer *peer = &n->cfg->bootstrap[i];
        rv = raft_configuration_add(&conf, peer->id, peer->raft_address,
                                    RAFT_VOTER);
        if (rv != 0) {
            raft_configuration_close(&conf);
            snprintf(errmsg, SK_ERRMSG_SIZE, "bootstrap: %s",
                     raft_strerror(rv));
            return SK_EINVAL;
        }
    }
    rv = raft_bootstrap(&n->raft, &conf);
    raft_configuration_close(&conf);
    if (rv == RAFT_CANTBOOTSTRAP) {
        log_info("data directory holds a log: restarting, --bootstrap ignored");
        return 0;
    }
    if (rv != 0) {
        snprintf(errmsg, SK_ERRMSG_SIZE, "bootstrap: %s",
                 raft_errmsg(&n->raft));
        return SK_EIO;
    }
    log_info("bootstrapped a new cluster of %zu voters", n->cfg->n_bootstrap);
    return 0;
}

/* The library seeds its election timer from the I/O backend, which gives
 * nodes started in the same second the same randomized timeouts: after a
 * silent fault they stood together, split the vote and waited another
 * timeout. A seed from the kernel, mixed with the id, keeps them apart. */
static void seed_election_timer(struct node *n)
{
    unsigned seed = 0;

    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed) {
        seed = (unsigned)uv_hrtime();
    }
    raft_seed(&n->raft, seed ^ (unsigned)(n->cfg->id * 2654435761u));
}

static void observe_key(void *data, const struct fsm_key_event *e)
{
    struct node *n = data;

    feed_key_changed(&n->feed, e);
}

static void observe_election(void *data,
                             const struct election *el,
                             bool leader_changed,
                             uint64_t rev)
{
    struct node *n = data;

    feed_election_changed(&n->feed, el, leader_changed, rev);
}

static void
observe_lease(void *data, enum fsm_lease_change change, const struct lease *l)
{
    struct node *n = data;

    lessor_lease_changed(&n->lessor, change, l);
}

static void observe_scaling(void *data, struct slice group)
{
    struct node *n = data;

    controller_changed(&n->controller, group);
}

static void observe_floor(void *data, uint64_t rev)
{
    struct node *n = data;

    feed_restored(&n->feed, rev);
}

int node_init(struct node *n,
              uv_loop_t *loop,
              const struct config *cfg,
              char errmsg[SK_ERRMSG_SIZE])
{
    int rv;

    memset(n, 0, sizeof *n);
    n->loop = loop;
    n->cfg = cfg;
    fsm_init(&n->fsm);
    propose_init(&n->propose, n);
    forward_init(&n->forward, n);
    failover_init(&n->failover, n);
    handoff_init(&n->handoff, n);
    park_init(&n->park, n);
    members_init(&n->members, n);
    feed_init(&n->feed, n);
    lessor_init(&n->lessor, n);
    heartbeats_init(&n->heartbeats, n);
    controller_init(&n->controller, n);
    actuators_init(&n->actuators, n);
    n->observer = (struct fsm_observer){ .data = n,
                                         .key_changed = observe_key,
                                         .election_changed = observe_election,
                                         .lease_changed = observe_lease,
                                         .revision_floored = observe_floor,
                                         .scaling_changed = observe_scaling };
    n->fsm.observer = &n->observer;
    /* Checked when the configuration was parsed. */
    notify_flags_parse(cfg->notify_keyspace_events,
                       strlen(cfg->notify_keyspace_events), &n->notify_flags);

    rv = make_dir(cfg->data_dir, errmsg);
    if (rv != 0) {
        goto err;
    }
    rv = transport_init(&n->transport, loop);
    if (rv != 0) {
        snprintf(errmsg, SK_ERRMSG_SIZE, "raft transport: %s",
                 raft_strerror(rv));
        goto err;
    }
    if (cfg->raft_bind != NULL) {
        rv = transport_set_bind_address(&n->transport, cfg->raft_bind);
        if (rv != 0) {
            snprintf(errmsg, SK_ERRMSG_SIZE, "--raft-bind %s: %s",
                     cfg->raft_bind, raft_strerror(rv));
            goto err_after_transport;
        }
    }
    rv = raft_uv_init(&n->io, loop, cfg->data_dir, &n->transport.outer);
    if (rv != 0) {
        snprintf(errmsg, SK_ERRMSG_SIZE, "raft I/O in %.100s: %.120s",
                 cfg->data_dir, n->io.errmsg);
        goto err_after_transport;
    }
    /* Reconnect to a peer that was down every heartbeat, not every second
     * (the library's default): a restarted node catches up sooner. */
    raft_uv_set_connect_retry_delay(&n->io, cfg->heartbeat_timeout_ms);
    raft_glue_fsm_init(&n->raft_fsm, n);
    rv = raft_init(&n->raft, &n->io, &n->raft_fsm, cfg->id, cfg->raft_address);
    if (rv != 0) {
        snprintf(errmsg, SK_ERRMSG_SIZE, "raft: %s", raft_strerror(rv));
        goto err_after_io;
    }
    n->raft.data = n;
    seed_election_timer(n);
    rv = bootstrap(n, errmsg);
    if (rv != 0) {
        goto err_after_raft;
    }
    raft_set_election_timeout(&n->raft, cfg->election_timeout_ms);
    raft_set_heartbeat_timeout(&n->raft, cfg->heartbeat_timeout_ms);
    raft_set_pre_vote(&n->raft, true);
    raft_set_snapshot_threshold(&n->raft, cfg->snapshot_threshold);
    raft_set_snapshot_trailing(&n->raft, cfg->snapshot_trailing);
    /* A follower taking its own snapshot drops an incoming one, and the
     * leader resends only after this timeout (library default 30 s). */
    raft_set_install_snapshot_timeout(&n->raft,
                                      cfg->install_snapshot_timeout_ms);
    raft_set_max_inflight_entries(&n->raft, cfg->max_inflight_entries);
    return 0;

err_after_raft:
    raft_close(&n->raft, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
err_after_io:
    raft_uv_close(&n->io);
err_after_transport:
    transport_close(&n->transport);
err:
    rv = rv < 0 ? rv : SK_EIO;
    return rv;
}

uint64_t node_now_ms(struct node *n)
{
    return uv_now(n->loop);
}

bool node_is_leader(struct node *n)
{
    return raft_state(&n->raft) == RAFT_LEADER;
}

int node_leader(struct node *n, uint64_t *id, const char **raft_address)
{
    raft_id leader_id = 0;
    const char *address = NULL;

    raft_leader(&n->raft, &leader_id, &address);
    if (leader_id == 0) {
        return SK_ENOLEADER;
    }
    *id = leader_id;
    if (raft_address != NULL) {
        *raft_address = address;
    }
    return 0;
}

static void check_leadership(struct node *n);

static void check_cb(uv_check_t *check)
{
    struct node *n = check->data;

    if (n->closing) {
        return;
    }
    /* Every iteration, not only on ticks: a new leader is put to use (parked
     * requests sent, the controller started) as soon as raft knows it. */
    check_leadership(n);
    handoff_poll(&n->handoff);
    controller_flush(&n->controller);
    propose_flush(&n->propose);
    feed_flush(&n->feed);
}

static void leadership_changed(struct node *n, int state, raft_id leader)
{
    n->stats.leader_changes++;
    if (n->known_state == RAFT_LEADER && state != RAFT_LEADER) {
        log_warn("lost leadership term=%llu",
                 (unsigned long long)raft_current_term(&n->raft));
        /* Queued requests never reached the log: safe to fail. */
        propose_fail_queued(&n->propose, SK_ERETRY);
    }
    if ((n->known_state == RAFT_LEADER) != (state == RAFT_LEADER)) {
        lessor_leadership(&n->lessor, state == RAFT_LEADER);
        controller_leadership(&n->controller, state == RAFT_LEADER);
    }
    if (state == RAFT_LEADER && leader == 0) {
        log_info("leadership transfer under way term=%llu",
                 (unsigned long long)raft_current_term(&n->raft));
    } else if (state == RAFT_LEADER) {
        log_info("elected leader term=%llu index=%llu",
                 (unsigned long long)raft_current_term(&n->raft),
                 (unsigned long long)raft_last_index(&n->raft));
    } else if (leader != 0) {
        log_info("following leader n%llu term=%llu", (unsigned long long)leader,
                 (unsigned long long)raft_current_term(&n->raft));
    } else {
        log_info("no leader known (state %s)", raft_state_name(state));
    }
    forward_leader_changed(&n->forward);
    failover_tick(&n->failover);
    forward_keep_link(&n->forward);
    if (leader != 0) {
        park_retry(&n->park);
    }
}

static void check_leadership(struct node *n)
{
    int state = raft_state(&n->raft);
    raft_id leader = 0;
    const char *address;

    raft_leader(&n->raft, &leader, &address);
    if (state != n->known_state || leader != n->known_leader) {
        leadership_changed(n, state, leader);
        n->known_state = state;
        n->known_leader = leader;
    }
}

static void tick_cb(uv_timer_t *timer)
{
    struct node *n = timer->data;

    if (n->closing) {
        return;
    }
    check_leadership(n);
    failover_tick(&n->failover);
    if (n->known_leader != 0) {
        members_announce(&n->members);
    }
    forward_tick(&n->forward);
    park_retry(&n->park);
    lessor_tick(&n->lessor);
    controller_tick(&n->controller);
}

int node_start(struct node *n, char errmsg[SK_ERRMSG_SIZE])
{
    int rv;

    /* Handles first: node_close() closes them whether or not raft starts. */
    n->start_ms = uv_now(n->loop);
    uv_check_init(n->loop, &n->check);
    n->check.data = n;
    uv_timer_init(n->loop, &n->tick);
    n->tick.data = n;
    members_start(&n->members);
    feed_start(&n->feed);

    rv = raft_start(&n->raft);
    if (rv != 0) {
        snprintf(errmsg, SK_ERRMSG_SIZE,
                 "raft start: %s %.100s (is the raft address %.60s in use?)",
                 raft_strerror(rv), raft_errmsg(&n->raft),
                 n->cfg->raft_bind ? n->cfg->raft_bind : n->cfg->raft_address);
        return SK_EIO;
    }
    n->started = true;
    n->known_state = raft_state(&n->raft);
    uv_check_start(&n->check, check_cb);
    uv_timer_start(&n->tick, tick_cb, NODE_TICK_MS, NODE_TICK_MS);
    log_info("raft started id=%llu address=%s data=%s",
             (unsigned long long)n->cfg->id, n->cfg->raft_address,
             n->cfg->data_dir);
    return 0;
}

static void handle_closed_cb(uv_handle_t *handle)
{
    (void)handle;
}

static void raft_closed_cb(struct raft *r)
{
    struct node *n = r->data;

    uv_close((uv_handle_t *)&n->check, handle_closed_cb);
    uv_close((uv_handle_t *)&n->tick, handle_closed_cb);
    log_info("raft closed");
    if (n->close_cb != NULL) {
        n->close_cb(n);
    }
}

void node_close(struct node *n, node_close_cb cb)
{
    if (n->closing) {
        return;
    }
    n->closing = true;
    n->close_cb = cb;
    handoff_abandon(&n->handoff);
    /* Commands not yet appended fail for certain: they never reached the
     * log. */
    propose_fail_queued(&n->propose, SK_ESHUTDOWN);
    park_fail_all(&n->park, SK_ESHUTDOWN);
    forward_close(&n->forward);
    members_close(&n->members);
    feed_close(&n->feed);
    lessor_close(&n->lessor);
    controller_close(&n->controller);
    actuators_close(&n->actuators);
    raft_close(&n->raft, raft_closed_cb);
}

void node_fini(struct node *n)
{
    raft_uv_close(&n->io);
    transport_close(&n->transport);
    propose_close(&n->propose);
    fsm_close(&n->fsm);
    feed_fini(&n->feed);
    lessor_close(&n->lessor);
    controller_close(&n->controller);
    heartbeats_close(&n->heartbeats);
}

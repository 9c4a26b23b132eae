/* Membership metadata and reachability.
 *
 * Announce: when a leader is known and the replicated state lacks this node's
 * client address or zone, propose a MEMBER entry (directly on the leader,
 * through the forwarding link elsewhere); retried on later ticks until the
 * state holds it.
 *
 * Probes: one connection per peer to its client port, (re)connected within
 * a quarter second of need; a PING every second.
 * A peer is reachable while it answered within the last three seconds. A
 * probe that fails closes and reconnects on a later tick. */
#include "node/members.h"

#include <stdio.h>
#include <string.h>

#include "fsm/entry.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "node/node.h"

#define PROBE_TICK_MS      250  /* connect attempts */
#define PROBE_INTERVAL_MS  1000 /* PINGs on a connected probe */
#define PROBE_FRESHNESS_MS 3000

struct member_probe {
    struct members *m;
    uint64_t id;
    char *address; /* owned: client address being probed */
    uv_tcp_t tcp;
    uv_connect_t connect_req;
    uv_write_t write_req;
    bool open; /* tcp handle initialised and not closed */
    bool connected;
    bool awaiting; /* a PING is outstanding */
    char in[64];
    size_t in_len;
    uint64_t last_ok_ms;
    uint64_t last_ping_ms;
    struct member_probe *next;
};

void members_init(struct members *m, struct node *n)
{
    memset(m, 0, sizeof *m);
    m->node = n;
}

static void probe_closed_cb(uv_handle_t *handle)
{
    struct member_probe *p = handle->data;

    p->open = false;
    if (p->m->closing) {
        mem_free(p->address);
        mem_free(p);
    }
}

static void probe_reset(struct member_probe *p)
{
    if (p->open && !uv_is_closing((uv_handle_t *)&p->tcp)) {
        uv_close((uv_handle_t *)&p->tcp, probe_closed_cb);
    }
    p->connected = false;
    p->awaiting = false;
    p->in_len = 0;
}

static void probe_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    struct member_probe *p = h->data;

    (void)suggested;
    b->base = p->in + p->in_len;
    b->len = sizeof p->in - p->in_len;
}

static void probe_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
    struct member_probe *p = s->data;

    (void)b;
    if (nread < 0) {
        probe_reset(p);
        return;
    }
    p->in_len += (size_t)nread;
    if (p->in_len >= 7 && memcmp(p->in, "+PONG\r\n", 7) == 0) {
        p->last_ok_ms = node_now_ms(p->m->node);
        p->awaiting = false;
        memmove(p->in, p->in + 7, p->in_len - 7);
        p->in_len -= 7;
    } else if (p->in_len == sizeof p->in ||
               (p->in_len >= 7 && p->in[0] != '+')) {
        probe_reset(p);
    }
}

static void probe_write_cb(uv_write_t *req, int status)
{
    if (status != 0) {
        probe_reset(req->data);
    }
}

static void probe_ping(struct member_probe *p)
{
    static char ping[] = "PING\r\n";
    uv_buf_t b = uv_buf_init(ping, sizeof ping - 1);

    if (p->awaiting) {
        /* No answer for a whole interval: start over. */
        probe_reset(p);
        return;
    }
    p->write_req.data = p;
    if (uv_write(&p->write_req, (uv_stream_t *)&p->tcp, &b, 1,
                 probe_write_cb) != 0) {
        probe_reset(p);
        return;
    }
    p->awaiting = true;
    p->last_ping_ms = node_now_ms(p->m->node);
}

static void probe_connect_cb(uv_connect_t *req, int status)
{
    struct member_probe *p = req->data;

    if (status != 0 || p->m->closing) {
        probe_reset(p);
        return;
    }
    p->connected = true;
    uv_read_start((uv_stream_t *)&p->tcp, probe_alloc_cb, probe_read_cb);
    probe_ping(p);
}

static void probe_connect(struct member_probe *p)
{
    struct sockaddr_storage sa;

    if (config_sockaddr(p->address, &sa) != 0) {
        return;
    }
    uv_tcp_init(p->m->node->loop, &p->tcp);
    p->tcp.data = p;
    p->open = true;
    p->connect_req.data = p;
    if (uv_tcp_connect(&p->connect_req, &p->tcp, (struct sockaddr *)&sa,
                       probe_connect_cb) != 0) {
        probe_reset(p);
    }
}

static struct member_probe *probe_find(struct members *m, uint64_t id)
{
    for (struct member_probe *p = m->probes; p != NULL; p = p->next) {
        if (p->id == id) {
            return p;
        }
    }
    return NULL;
}

static void probe_tick(struct members *m, uint64_t id, const char *address)
{
    struct member_probe *p = probe_find(m, id);

    if (p == NULL) {
        p = mem_calloc(1, sizeof *p);
        p->m = m;
        p->id = id;
        p->next = m->probes;
        m->probes = p;
    }
    if (p->address == NULL || strcmp(p->address, address) != 0) {
        probe_reset(p);
        mem_free(p->address);
        p->address = mem_strdup(address);
    }
    if (p->open && uv_is_closing((uv_handle_t *)&p->tcp)) {
        return; /* wait for the close to finish */
    }
    if (!p->open) {
        probe_connect(p);
    } else if (p->connected &&
               node_now_ms(m->node) - p->last_ping_ms >= PROBE_INTERVAL_MS) {
        probe_ping(p);
    }
}

static void timer_cb(uv_timer_t *timer)
{
    struct members *m = timer->data;
    const struct raft_configuration *conf = &m->node->raft.configuration;

    for (unsigned i = 0; i < conf->n; i++) {
        const struct fsm_member *fm;
        if (conf->servers[i].id == m->node->cfg->id) {
            continue;
        }
        fm = fsm_member_get(&m->node->fsm, conf->servers[i].id);
        if (fm != NULL) {
            probe_tick(m, fm->id, fm->client_address);
        }
    }
}

void members_start(struct members *m)
{
    uv_timer_init(m->node->loop, &m->timer);
    m->timer.data = m;
    uv_timer_start(&m->timer, timer_cb, PROBE_TICK_MS, PROBE_TICK_MS);
}

bool members_reachable(struct members *m, uint64_t id)
{
    struct member_probe *p;

    if (id == m->node->cfg->id) {
        return true;
    }
    p = probe_find(m, id);
    return p != NULL && p->last_ok_ms != 0 &&
           node_now_ms(m->node) - p->last_ok_ms <= PROBE_FRESHNESS_MS;
}

static void announce_done(struct pending *p)
{
    struct members *m = p->owner;

    if (p->reply.len > 0 && p->reply.base[0] == '-') {
        log_debug("announce not applied yet: %.*s", (int)p->reply.len - 2,
                  p->reply.base);
    }
    m->announcing = false;
    pending_free(p);
}

void members_announce(struct members *m)
{
    struct node *n = m->node;
    const struct fsm_member *self = fsm_member_get(&n->fsm, n->cfg->id);
    char id[32];
    struct slice argv[4];
    struct pending *p;

    if (m->announcing || m->closing ||
        (self != NULL &&
         strcmp(self->client_address, config_client_address(n->cfg)) == 0 &&
         strcmp(self->zone, n->cfg->zone) == 0)) {
        return;
    }
    snprintf(id, sizeof id, "%llu", (unsigned long long)n->cfg->id);
    argv[0] = (struct slice){ "MEMBER.ANNOUNCE", 15 };
    argv[1] = (struct slice){ id, strlen(id) };
    argv[2] = (struct slice){ config_client_address(n->cfg),
                              strlen(config_client_address(n->cfg)) };
    argv[3] = (struct slice){ n->cfg->zone, strlen(n->cfg->zone) };
    p = pending_new(announce_done, m);
    m->announcing = true;
    if (node_is_leader(n)) {
        propose_submit(&n->propose, ENTRY_OP_MEMBER, 3, argv + 1, p);
        return;
    }
    if (forward_submit(&n->forward, 4, argv, NULL, p) != 0) {
        m->announcing = false;
        pending_free(p);
    }
}

void members_close(struct members *m)
{
    struct member_probe *p = m->probes;

    m->closing = true;
    m->probes = NULL;
    uv_close((uv_handle_t *)&m->timer, NULL);
    while (p != NULL) {
        struct member_probe *next = p->next;
        if (p->open) {
            if (!uv_is_closing((uv_handle_t *)&p->tcp)) {
                uv_close((uv_handle_t *)&p->tcp, probe_closed_cb);
            }
        } else {
            mem_free(p->address);
            mem_free(p);
        }
        p = next;
    }
}

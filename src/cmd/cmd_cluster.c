/* Cluster commands: LEADER and MEMBERS, answered from this node's view (the
 * raft configuration and the members' published metadata), and the internal
 * MEMBER.ANNOUNCE write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/handlers.h"
#include "fsm/entry.h"
#include "node/node.h"
#include "resp/reply.h"

static const char *role_name(int role)
{
    switch (role) {
    case RAFT_VOTER:
        return "voter";
    case RAFT_STANDBY:
        return "standby";
    default:
        return "spare";
    }
}

void cmd_leader(struct call *c)
{
    struct node *n = c->node;
    const struct fsm_member *m;
    const char *raft_address = NULL;
    uint64_t id;

    if (node_leader(n, &id, &raft_address) != 0) {
        reply_errcode(&c->p->reply, SK_ENOLEADER);
        return;
    }
    m = fsm_member_get(&n->fsm, id);
    reply_array(&c->p->reply, 4);
    reply_int(&c->p->reply, (long long)id);
    reply_bulk_str(&c->p->reply, raft_address ? raft_address : "");
    reply_bulk_str(&c->p->reply, m ? m->client_address : "");
    reply_bulk_str(&c->p->reply, m ? m->zone : "");
}

static void field(struct buf *b, const char *name, const char *value)
{
    reply_bulk_str(b, name);
    reply_bulk_str(b, value);
}

void cmd_members(struct call *c)
{
    struct node *n = c->node;
    const struct raft_configuration *conf = &n->raft.configuration;
    struct buf *b = &c->p->reply;
    uint64_t leader = 0;
    char id[32];

    node_leader(n, &leader, NULL);
    reply_array(b, conf->n);
    for (unsigned i = 0; i < conf->n; i++) {
        const struct raft_server *s = &conf->servers[i];
        const struct fsm_member *m = fsm_member_get(&n->fsm, s->id);
        snprintf(id, sizeof id, "%llu", (unsigned long long)s->id);
        reply_array(b, 14);
        field(b, "id", id);
        field(b, "raft_address", s->address);
        field(b, "client_address", m ? m->client_address : "");
        field(b, "zone", m ? m->zone : "");
        field(b, "role", role_name(s->role));
        field(b, "reachable",
              members_reachable(&n->members, s->id) ? "1" : "0");
        field(b, "leader", s->id == leader ? "1" : "0");
    }
}

int cmd_member_announce(struct call *c, uint8_t *op)
{
    char *end;
    char id[32];

    if (c->argv[1].len == 0 || c->argv[1].len >= sizeof id) {
        goto bad;
    }
    for (size_t i = 0; i < c->argv[1].len; i++) {
        if (c->argv[1].base[i] < '0' || c->argv[1].base[i] > '9') {
            goto bad;
        }
    }
    memcpy(id, c->argv[1].base, c->argv[1].len);
    id[c->argv[1].len] = '\0';
    if (strtoull(id, &end, 10) == 0 || *end != '\0' || c->argv[2].len > 256 ||
        c->argv[3].len > 256) {
        goto bad;
    }
    *op = ENTRY_OP_MEMBER;
    return 0;
bad:
    reply_error(&c->p->reply, "ERR",
                "MEMBER.ANNOUNCE needs a node id >= 1 and an address and zone "
                "of at most 256 bytes");
    return -1;
}

/* Membership view: each node publishes its client address and zone through
 * the log (MEMBER entries) and probes its peers' client ports with PING to
 * tell which ones it can reach. */
#ifndef SK_MEMBERS_H
#define SK_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct node;
struct member_probe;

struct members {
    struct node *node;
    struct member_probe *probes; /* one per peer, owned list */
    uv_timer_t timer;
    bool announcing; /* a MEMBER entry of ours is in flight */
    bool closing;
};

void members_init(struct members *m, struct node *n);
void members_start(struct members *m);

/* Publish this node's client address and zone if the replicated state does
 * not hold them yet (called when a leader is known). */
void members_announce(struct members *m);

/* Whether peer @id answered a PING recently (this node: always). */
bool members_reachable(struct members *m, uint64_t id);

void members_close(struct members *m);

#endif

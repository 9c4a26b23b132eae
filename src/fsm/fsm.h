/* The replicated state machine: applies log entries to the store (keys,
 * leases, elections) and the membership metadata. Deterministic: no clock,
 * no randomness, no local state; every node that applies the same entries
 * holds the same state. What changed is reported to an optional observer,
 * which is how a node feeds watchers and its leader-side lease clocks; the
 * observer never changes the state. */
#ifndef SK_FSM_H
#define SK_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/slice.h"
#include "scaling/state.h"
#include "store/election.h"
#include "store/kv.h"
#include "store/lease.h"

/* What each node publishes about itself through the log (ENTRY_OP_MEMBER). */
struct fsm_member {
    uint64_t id;
    char *client_address; /* owned */
    char *zone;           /* owned */
};

enum fsm_key_change {
    FSM_PUT = 1,    /* SET, CAS, a transaction's write */
    FSM_DELETE = 2, /* DEL, or LEASE.REVOKE of the key's lease */
    FSM_EXPIRE = 3, /* the key's lease expired */
};

/* One key changed at revision mod_rev. For a delete or expiry the value is
 * empty and create_rev is the removed key's. */
struct fsm_key_event {
    enum fsm_key_change type;
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
    uint64_t create_rev;
    uint64_t mod_rev;
    uint64_t lease;
};

enum fsm_lease_change {
    FSM_LEASE_GRANTED = 1,
    FSM_LEASE_RENEWED = 2, /* ENTRY_OP_LEASE_KEEPALIVE */
    FSM_LEASE_REMOVED = 3, /* revoked or expired */
};

/* Callbacks into the node, called during apply, in the order of the
 * changes. @data is the observer's. Any may be NULL. */
struct fsm_observer {
    void *data;
    void (*key_changed)(void *data, const struct fsm_key_event *e);
    /* An election changed at revision @rev (a candidate came or went); the
     * election may have no candidate left, and is freed after the call. */
    void (*election_changed)(void *data,
                             const struct election *el,
                             bool leader_changed,
                             uint64_t rev);
    void (*lease_changed)(void *data,
                          enum fsm_lease_change change,
                          const struct lease *l);
    /* The revision jumped to @rev (REVISION.FLOOR, a restore): no change
     * before it can be told apart any more. */
    void (*revision_floored)(void *data, uint64_t rev);
    /* The auto-scaling state of group @group changed (the group, one of
     * its instances or activities); an empty @group: possibly any. */
    void (*scaling_changed)(void *data, struct slice group);
};

struct fsm {
    struct kv *kv;     /* owned */
    uint64_t revision; /* cluster revision: +1 per command that changed keys
                          or elections */
    struct fsm_member *members; /* owned array, sorted by id */
    size_t n_members;
    struct lease_table leases;
    struct election_table elections;
    struct scaling scaling; /* auto-scaling groups, instances, activities */
    uint64_t now_ms; /* the time of the entry being applied (its header's) */
    const struct fsm_observer *observer; /* not owned; may be NULL */
};

void fsm_init(struct fsm *f);
void fsm_close(struct fsm *f);

/* Apply the entry @data/@len (fsm/entry.h).
 *
 * @replies: NULL, or an array of @n_replies buffers; command i appends its
 * RESP reply to replies[i] when i < n_replies (the proposer passes its
 * clients' buffers; other nodes pass NULL).
 *
 * Each op's effect and reply is in proto/ENTRY.md. A command with the wrong
 * argc, or arguments that do not parse, replies an error and changes
 * nothing.
 *
 * Returns 0, or SK_ECORRUPT if the entry does not validate, in which case
 * nothing is applied (the same on every node). */
int fsm_apply(struct fsm *f,
              const void *data,
              size_t len,
              struct buf *replies,
              size_t n_replies);

/* The published metadata of node @id, or NULL. */
const struct fsm_member *fsm_member_get(const struct fsm *f, uint64_t id);

/* State changes shared by the ops (fsm/mutate.c); each reports itself to
 * the observer. */

/* Write @key at revision @rev, attached to @lease (0: none). */
void fsm_put(struct fsm *f,
             struct slice key,
             struct slice value,
             uint64_t rev,
             uint64_t lease);

/* Remove @key at revision @rev, reported as @type (FSM_DELETE or
 * FSM_EXPIRE). Returns whether it existed. */
bool fsm_del(struct fsm *f,
             struct slice key,
             uint64_t rev,
             enum fsm_key_change type);

/* End lease @id: remove its keys and candidacies at one new revision (none
 * if nothing was attached), then the lease. Returns the number of keys
 * removed, or -1 if there is no such lease. */
long long fsm_end_lease(struct fsm *f, uint64_t id, bool expired);

/* Remove candidate @i of @el at a new revision. */
void fsm_remove_candidate(struct fsm *f, struct election *el, size_t i);

#endif

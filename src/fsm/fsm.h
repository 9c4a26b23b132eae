/* The replicated state machine: applies log entries to the store and the
 * membership metadata. Deterministic: no clock, no randomness, no local state;
 * every node that applies the same entries holds the same state. */
#ifndef SK_FSM_H
#define SK_FSM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "store/kv.h"

/* What each node publishes about itself through the log (ENTRY_OP_MEMBER). */
struct fsm_member {
    uint64_t id;
    char *client_address; /* owned */
    char *zone;           /* owned */
};

struct fsm {
    struct kv *kv;     /* owned */
    uint64_t revision; /* cluster revision: +1 per write that changed the kv */
    struct fsm_member *members; /* owned array, sorted by id */
    size_t n_members;
};

void fsm_init(struct fsm *f);
void fsm_close(struct fsm *f);

/* Apply the entry @data/@len (fsm/entry.h).
 *
 * @replies: NULL, or an array of @n_replies buffers; command i appends its
 * RESP reply to replies[i] when i < n_replies (the proposer passes its
 * clients' buffers; other nodes pass NULL).
 *
 * Replies: SET "+OK"; DEL ":n" (keys removed; one revision for the command if
 * n > 0); CAS ":1" if the key existed with the expected value and was
 * replaced, else ":0"; MEMBER "+OK". A command with the wrong argc replies an
 * error and changes nothing.
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

#endif

/* The recent change history a node serves watchers from: every key change
 * and election change it applied, in apply order, each with its revision.
 * Bounded in bytes: the oldest revisions are dropped whole, and the highest
 * dropped revision is the compaction point. Events are numbered by a
 * sequence number that only grows, so a reader's cursor is a number; a
 * cursor below the first retained event has missed events. Pure. */
#ifndef SK_HISTORY_H
#define SK_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum history_kind {
    HISTORY_KEY = 1,      /* type: fsm_key_change */
    HISTORY_ELECTION = 2, /* type: 1 if the leader changed, else 0 */
};

struct history_event {
    uint64_t rev;
    uint8_t kind;
    uint8_t type;
    uint64_t create_rev; /* key: its create revision */
    uint64_t lease;      /* key: its lease; election: the leader's lease */
    uint64_t token;      /* election: the leader's token, 0 if none */
    size_t key_len;      /* key, or election name */
    size_t value_len;    /* key's value, or the leader's value */
    char *key;           /* points into this allocation */
    char *value;
};

struct history {
    struct history_event **ring; /* owned, each event owned */
    size_t cap;
    size_t head; /* index of the oldest event */
    size_t n;
    uint64_t first_seq; /* sequence number of ring[head] */
    size_t bytes;
    size_t max_bytes;
    uint64_t compact_rev; /* revisions up to this one are not retained */
};

void history_init(struct history *h, size_t max_bytes);
void history_close(struct history *h);

/* Append a copy of an event (its key and value copied); then drop the
 * oldest revisions while over max_bytes, never the newest revision. */
void history_append(struct history *h,
                    const struct history_event *e,
                    const char *key,
                    const char *value);

/* Forget everything, as after the state was replaced by a snapshot at
 * revision @rev: nothing up to @rev can be served, and every cursor held
 * so far has missed events. */
void history_reset(struct history *h, uint64_t rev);

/* The sequence number the next event will get. */
uint64_t history_end(const struct history *h);

/* The event with sequence number @seq, or NULL if it is not retained (or
 * not there yet). */
const struct history_event *history_get(const struct history *h, uint64_t seq);

/* Whether a cursor at @seq has missed events that are no longer kept. */
bool history_missed(const struct history *h, uint64_t seq);

/* The cursor from which the events of revision >= @rev start: the first
 * retained event with such a revision, or the end. Returns false if events
 * of revision @rev or later are no longer all retained (@rev <=
 * compact_rev). */
bool history_seek(const struct history *h, uint64_t rev, uint64_t *seq);

#endif

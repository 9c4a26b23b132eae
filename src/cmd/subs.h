/* A connection's push subscriptions: KEYWATCH prefixes, SUBSCRIBE channels
 * and PSUBSCRIBE patterns (Redis keyspace notifications), ELECTION.OBSERVE
 * names. Each has a cursor into the node's change history; the pump turns
 * the events after the cursors into push messages, oldest first across all
 * of them, while the connection has output room. Nothing is queued per
 * connection beyond that room, so a slow reader costs no memory; one that
 * falls behind the retained history is "lost" and must be told and
 * disconnected (proto/PROTOCOL.md §3.9). */
#ifndef SK_SUBS_H
#define SK_SUBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/slice.h"
#include "node/feed.h"

struct node;
struct subs;

enum sub_kind {
    SUB_KEYWATCH = 1, /* arg: key prefix */
    SUB_CHANNEL = 2,  /* arg: channel name */
    SUB_PATTERN = 3,  /* arg: glob pattern over channel names */
    SUB_OBSERVE = 4,  /* arg: election name */
};

struct sub {
    enum sub_kind kind;
    char *arg; /* owned */
    size_t arg_len;
    uint64_t cursor;   /* the next history event to look at */
    uint64_t from_rev; /* KEYWATCH: events below it are skipped */
    bool quiet;        /* nothing sent since the last progress interval */
};

typedef void (*subs_wake_cb)(struct subs *s);

struct subs {
    struct node *node;
    struct sub *items; /* owned, in subscription order */
    size_t n;
    size_t cap;
    struct feed_consumer consumer; /* registered while n > 0 */
    subs_wake_cb wake_cb;
    void *owner;
    uint64_t lost_rev; /* nonzero once events were missed: the oldest
                          revision the node still holds, for the error */
};

void subs_init(struct subs *s, struct node *n, subs_wake_cb cb, void *owner);
void subs_close(struct subs *s);

/* Whether the connection holds this subscription already. */
bool subs_has(const struct subs *s, enum sub_kind kind, struct slice arg);

/* Add a subscription whose cursor starts at @cursor. Returns false (and
 * changes nothing) if the connection already has it. */
bool subs_add(struct subs *s,
              enum sub_kind kind,
              struct slice arg,
              uint64_t cursor,
              uint64_t from_rev);

/* Remove one subscription; returns whether it was there. */
bool subs_remove(struct subs *s, enum sub_kind kind, struct slice arg);

/* The first subscription of @kind, or NULL. */
const struct sub *subs_first(const struct subs *s, enum sub_kind kind);

/* Subscriptions of every kind (the count Redis' replies carry). */
size_t subs_count(const struct subs *s);

/* Append push messages to @out while it holds less than @room bytes.
 * Returns 0, or SK_ECORRUPT once the connection has missed events (then
 * s->lost_rev is set and nothing more is pumped). */
int subs_pump(struct subs *s, struct buf *out, size_t room);

/* The name Redis gives a keyspace event: "set", "del" or "expired". */
const char *subs_event_name(uint8_t type);

#endif

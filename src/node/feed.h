/* The change feed of one node: the history of changes it applied
 * (store/history.h), fed by the state machine's observer, and the push
 * consumers (KEYWATCH, SUBSCRIBE, ELECTION.OBSERVE connections, blocked
 * campaigns) it wakes once per loop iteration when something changed, and
 * on every progress interval. Served from this node's applied state: a
 * follower feeds its watchers as it applies, without the leader. */
#ifndef SK_FEED_H
#define SK_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "fsm/fsm.h"
#include "store/history.h"

struct node;
struct feed_consumer;

/* Something the consumer waits for may have happened: new events, lost
 * history, or a progress interval (feed.progress_due is then set). */
typedef void (*feed_wake_fn)(struct feed_consumer *c);

struct feed_consumer {
    feed_wake_fn wake;
    struct feed_consumer *prev, *next;
    bool registered;
};

struct feed {
    struct node *node;
    struct history history;
    struct feed_consumer *consumers;
    size_t n_consumers;
    bool dirty;        /* events since the consumers were last woken */
    bool progress_due; /* set while a progress interval wakes them */
    uv_timer_t progress_timer;
    bool timer_open;
    uint64_t events; /* appended since start */
};

void feed_init(struct feed *f, struct node *n);
void feed_start(struct feed *f);

/* Stop the progress timer (the consumers are closed by their owners). */
void feed_close(struct feed *f);

/* Release the history; after the loop ends. */
void feed_fini(struct feed *f);

void feed_register(struct feed *f, struct feed_consumer *c);
void feed_unregister(struct feed *f, struct feed_consumer *c);

/* Observer hooks (called during apply). */
void feed_key_changed(struct feed *f, const struct fsm_key_event *e);
void feed_election_changed(struct feed *f,
                           const struct election *el,
                           bool leader_changed,
                           uint64_t rev);

/* The state was replaced by a snapshot at revision @rev: the history is
 * gone, and consumers are woken to find out. */
void feed_restored(struct feed *f, uint64_t rev);

/* Wake every consumer if anything changed; called at the end of each loop
 * iteration. */
void feed_flush(struct feed *f);

#endif

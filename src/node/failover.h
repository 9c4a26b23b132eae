/* Fast failover: the election timeout is shortened to --fast-failover-ms
 * while this node has good reason to think there is no leader, and restored
 * as soon as a leader is known again.
 *
 * - The leader's process died: a follower keeps a link to the leader's
 *   client port, and the kernel closes a dead process' sockets at once. A
 *   closed link alone is not trusted: the follower reconnects at once, and
 *   only a refused connection (nothing listens on that port any more) makes
 *   it shorten its timeout. A crashed leader is so replaced in a few hundred
 *   milliseconds instead of one to two election timeouts.
 * - This node stands for election: its pre-vote may be refused (the other
 *   follower still had a leader, or has a longer log), and it asks again
 *   after the short timeout instead of a whole election timeout.
 * - This follower has not heard from its leader for a whole election
 *   timeout (the leader is paused or cut off): it stands within a tick or
 *   two instead of waiting out the random extra of up to another election
 *   timeout. The library's voters refuse votes while they still have a
 *   leader, so without this an election waits for the later of the two
 *   followers' randomized timers.
 *
 * A live leader is never deposed by it: the short timeout is longer than
 * the heartbeat interval, so a node that still hears heartbeats never times
 * out; a leader that answers on its client port is never suspected; and
 * pre-vote keeps a node that does stand from raising the term while the
 * other voters hear from the leader. A silent leader (paused, cut off)
 * keeps its connections open: its followers stand on the normal timeout. */
#ifndef SK_FAILOVER_H
#define SK_FAILOVER_H

#include <stdbool.h>
#include <stdint.h>

struct node;

enum failover_reason {
    FAILOVER_NONE,
    FAILOVER_LEADER_GONE, /* its link closed, then its port refused */
    FAILOVER_CANDIDATE,   /* standing for election */
    FAILOVER_SILENT,      /* no word from the leader for a whole timeout */
};

struct failover {
    struct node *node;
    uint64_t suspect;            /* leader whose link closed, not yet proven */
    uint64_t suspect_since_ms;   /* when it closed */
    enum failover_reason reason; /* why the short timeout is in force */
    uint64_t gone;               /* the leader it was shortened for */
    uint64_t since_ms;           /* when it was shortened */
    bool leaderless;             /* no leader was known at some point since */
    uint64_t links_lost;         /* links to the leader that closed (INFO) */
    uint64_t fired;              /* shortened for a leader gone (INFO) */
    uint64_t cancelled;          /* of those, the leader proved alive (INFO) */
    uint64_t silences;           /* shortened after a silent timeout (INFO) */
};

void failover_init(struct failover *fo, struct node *n);

/* The established link to leader @leader_id closed (EOF or error). */
void failover_link_closed(struct failover *fo,
                          uint64_t leader_id,
                          const char *why);

/* A connect to leader @leader_id's client port was refused, or reset
 * before the leader answered PEERLINK. */
void failover_connect_refused(struct failover *fo, uint64_t leader_id);

/* Leader @leader_id answered on a new link: its process is alive. */
void failover_link_connected(struct failover *fo, uint64_t leader_id);

/* Follow the node's role: shorten while standing for election, restore once
 * a leader is known. Called on every tick and leadership change. */
void failover_tick(struct failover *fo);

/* The election timeout in force now, in ms (INFO). */
unsigned failover_timeout_ms(const struct failover *fo);

#endif

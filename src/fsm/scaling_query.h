/* Reads of the auto-scaling state as RESP records (flat field/value arrays,
 * like HGETALL's; every value a bulk string): what GROUP.GET, GROUP.LIST,
 * INSTANCE.LIST, INSTANCE.GET, ACTIVITY.LIST and ACTIVITY.GET answer
 * (proto/PROTOCOL.md §3.11). Pure. */
#ifndef SK_SCALING_QUERY_H
#define SK_SCALING_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "fsm/fsm.h"
#include "lib/buf.h"

void scaling_reply_group(struct buf *b,
                         const struct fsm *f,
                         const struct group *g);
void scaling_reply_instance(struct buf *b, const struct instance *in);
void scaling_reply_activity(struct buf *b, const struct activity *a);

/* GROUP.LIST [AFTER name] [COUNT n]: the records of the groups whose names
 * come after @after (empty: from the first), at most @count of them; with
 * @count 0, all of them, refused past @max. */
void scaling_reply_groups(struct buf *b,
                          const struct fsm *f,
                          struct slice after,
                          size_t count,
                          size_t max);

/* INSTANCE.LIST group: its instances, live ones first, then the latest
 * terminated and detached ones. */
void scaling_reply_instances(struct buf *b, const struct group *g);

/* ACTIVITY.LIST group [COUNT n] [BEFORE id]: newest first, at most @count,
 * only ids below @before (0: no bound). */
void scaling_reply_activities(struct buf *b,
                              const struct fsm *f,
                              const struct group *g,
                              size_t count,
                              uint64_t before);

#endif

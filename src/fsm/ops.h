/* The fsm's op appliers beyond the key-value ones in fsm.c: leases
 * (lease_ops.c) and elections with fencing (election_ops.c). Internal to
 * fsm/. Each writes its reply into @reply when it is not NULL; the argc was
 * checked by fsm.c. */
#ifndef SK_OPS_H
#define SK_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "fsm/entry.h"
#include "fsm/fsm.h"
#include "lib/buf.h"
#include "lib/slice.h"

/* Reply texts shared with the command layer. */
#define FSM_NOLEASE_FMT "lease %llu not found (expired or revoked)"

void fsm_apply_lease_op(struct fsm *f,
                        const struct entry_cmd *cmd,
                        struct buf *reply);

void fsm_apply_election_op(struct fsm *f,
                           const struct entry_cmd *cmd,
                           struct buf *reply);

/* Auto-scaling ops (scaling_ops.c). */
void fsm_apply_scaling_op(struct fsm *f,
                          const struct entry_cmd *cmd,
                          struct buf *reply);

/* Parse a lease id argument that must name an existing lease. Returns true
 * with *id set; else writes -ERR (not a number) or -NOLEASE into @reply
 * (if not NULL) and returns false. */
bool fsm_parse_lease(const struct fsm *f,
                     struct slice arg,
                     uint64_t *id,
                     struct buf *reply);

#endif

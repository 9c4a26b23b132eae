/* The raft_fsm hooks: apply entries to the fsm (routing replies to waiting
 * clients on the node that proposed them), take and restore snapshots. */
#ifndef SK_RAFT_GLUE_H
#define SK_RAFT_GLUE_H

#include <raft.h>

struct node;

void raft_glue_fsm_init(struct raft_fsm *fsm, struct node *n);

#endif

/* Command handlers, one file per family; the table in command.c names them. */
#ifndef SK_HANDLERS_H
#define SK_HANDLERS_H

#include <stdint.h>

#include "cmd/command.h"

/* cmd_conn.c: connection and protocol commands */
void cmd_ping(struct call *c);
void cmd_echo(struct call *c);
void cmd_quit(struct call *c);
void cmd_select(struct call *c);
void cmd_readonly(struct call *c);
void cmd_readwrite(struct call *c);
void cmd_peerlink(struct call *c);
void cmd_command(struct call *c);
void cmd_client(struct call *c);

/* cmd_kv.c: the key-value store */
int cmd_check_keys(struct call *c);
void cmd_get(struct node *n,
             size_t argc,
             const struct slice *argv,
             struct buf *reply);
void cmd_mget(struct node *n,
              size_t argc,
              const struct slice *argv,
              struct buf *reply);
void cmd_exists(struct node *n,
                size_t argc,
                const struct slice *argv,
                struct buf *reply);
void cmd_getrev(struct node *n,
                size_t argc,
                const struct slice *argv,
                struct buf *reply);
void cmd_keys(struct node *n,
              size_t argc,
              const struct slice *argv,
              struct buf *reply);
void cmd_dbsize(struct node *n,
                size_t argc,
                const struct slice *argv,
                struct buf *reply);
int cmd_check_pattern(struct call *c);
int cmd_set(struct call *c, uint8_t *op);
int cmd_del(struct call *c, uint8_t *op);
int cmd_cas(struct call *c, uint8_t *op);

/* cmd_cluster.c: cluster membership */
void cmd_leader(struct call *c);
void cmd_members(struct call *c);
int cmd_member_announce(struct call *c, uint8_t *op);

/* cmd_txn.c: MULTI/EXEC/DISCARD, WATCH/UNWATCH, MODREVS, TXN */
void cmd_multi(struct call *c);
void cmd_exec(struct call *c);
void cmd_discard(struct call *c);
void cmd_watch(struct call *c);
void cmd_unwatch(struct call *c);
void cmd_queue_in_multi(struct call *c);
void cmd_modrevs(struct node *n,
                 size_t argc,
                 const struct slice *argv,
                 struct buf *reply);
int cmd_txn(struct call *c, uint8_t *op);

/* cmd_info.c */
void cmd_info(struct call *c);

/* cmd_backup.c: BACKUP.SAVE, REVISION.FLOOR */
void cmd_backup_save(struct node *n,
                     size_t argc,
                     const struct slice *argv,
                     struct buf *reply);
int cmd_revision_floor(struct call *c, uint8_t *op);

/* cmd_config.c: CONFIG GET/SET */
void cmd_config(struct call *c);

/* cmd_lease.c: LEASE.* */
int cmd_lease_grant(struct call *c, uint8_t *op);
int cmd_lease_revoke(struct call *c, uint8_t *op);
int cmd_check_lease(struct call *c);
void cmd_lease_keepalive(struct call *c);
void cmd_lease_ttl(struct node *n,
                   size_t argc,
                   const struct slice *argv,
                   struct buf *reply);
void cmd_lease_list(struct node *n,
                    size_t argc,
                    const struct slice *argv,
                    struct buf *reply);

/* cmd_watch.c: KEYWATCH, keyspace notifications, RESET */
void cmd_keywatch(struct call *c);
void cmd_keyunwatch(struct call *c);
void cmd_subscribe(struct call *c);
void cmd_psubscribe(struct call *c);
void cmd_unsubscribe(struct call *c);
void cmd_punsubscribe(struct call *c);
void cmd_publish(struct call *c);
void cmd_reset(struct call *c);
/* Refuse (write an error, return -1) if adding the subscriptions of kind
 * @kind named in argv[@first..@end) would exceed --max-subscriptions. */
int cmd_check_subscriptions(struct call *c, int kind, size_t first, size_t end);
/* Remove subscriptions of kind @kind (enum sub_kind) named in argv[1..],
 * or all of them, replying [@verb, name, count] for each. */
void cmd_unsubscribe_kind(struct call *c, int kind, const char *verb);

/* cmd_election.c: ELECTION.*, FENCE */
void cmd_campaign(struct call *c);
void cmd_campaign_cancel(struct session *s);
int cmd_check_election(struct call *c);
void cmd_election_leader(struct node *n,
                         size_t argc,
                         const struct slice *argv,
                         struct buf *reply);
int cmd_resign(struct call *c, uint8_t *op);
int cmd_withdraw(struct call *c, uint8_t *op);
int cmd_fence(struct call *c, uint8_t *op);
void cmd_observe(struct call *c);
void cmd_unobserve(struct call *c);

/* cmd_scaling.c: GROUP.*, INSTANCE.*, ACTIVITY.* */
int cmd_group_create(struct call *c, uint8_t *op);
int cmd_group_update(struct call *c, uint8_t *op);
int cmd_group_delete(struct call *c, uint8_t *op);
int cmd_group_setdesired(struct call *c, uint8_t *op);
int cmd_check_group(struct call *c);
void cmd_group_get(struct node *n,
                   size_t argc,
                   const struct slice *argv,
                   struct buf *reply);
int cmd_check_group_list(struct call *c);
void cmd_group_list(struct node *n,
                    size_t argc,
                    const struct slice *argv,
                    struct buf *reply);
void cmd_group_explain(struct node *n,
                       size_t argc,
                       const struct slice *argv,
                       struct buf *reply);
int cmd_check_instance(struct call *c);
int cmd_instance_sethealth(struct call *c, uint8_t *op);
int cmd_instance_protect(struct call *c, uint8_t *op);
int cmd_instance_terminate(struct call *c, uint8_t *op);
int cmd_instance_detach(struct call *c, uint8_t *op);
int cmd_instance_standby(struct call *c, uint8_t *op);
int cmd_instance_resume(struct call *c, uint8_t *op);
int cmd_instance_attach(struct call *c, uint8_t *op);
void cmd_instance_list(struct node *n,
                       size_t argc,
                       const struct slice *argv,
                       struct buf *reply);
void cmd_instance_get(struct node *n,
                      size_t argc,
                      const struct slice *argv,
                      struct buf *reply);
void cmd_instance_heartbeat(struct call *c);
int cmd_check_activity_list(struct call *c);
void cmd_activity_list(struct node *n,
                       size_t argc,
                       const struct slice *argv,
                       struct buf *reply);
int cmd_check_activity(struct call *c);
void cmd_activity_get(struct node *n,
                      size_t argc,
                      const struct slice *argv,
                      struct buf *reply);
int cmd_activity_complete(struct call *c, uint8_t *op);

#endif

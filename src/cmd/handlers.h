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

#endif

/* Reads of the replicated state, as RESP replies: what GET, MGET, EXISTS,
 * GETREV, MODREVS and DBSIZE answer, whether served on their own (cmd_kv.c)
 * or queued in a transaction (txn.c). Pure. @argv holds the command name
 * first, as the client sent it; the arity was checked by the caller. */
#ifndef SK_QUERY_H
#define SK_QUERY_H

#include <stddef.h>

#include "fsm/fsm.h"
#include "lib/buf.h"
#include "lib/slice.h"

typedef void (*query_fn)(const struct fsm *f,
                         size_t argc,
                         const struct slice *argv,
                         struct buf *reply);

void query_get(const struct fsm *f,
               size_t argc,
               const struct slice *argv,
               struct buf *reply);
void query_mget(const struct fsm *f,
                size_t argc,
                const struct slice *argv,
                struct buf *reply);
void query_exists(const struct fsm *f,
                  size_t argc,
                  const struct slice *argv,
                  struct buf *reply);
void query_getrev(const struct fsm *f,
                  size_t argc,
                  const struct slice *argv,
                  struct buf *reply);
void query_modrevs(const struct fsm *f,
                   size_t argc,
                   const struct slice *argv,
                   struct buf *reply);
void query_dbsize(const struct fsm *f,
                  size_t argc,
                  const struct slice *argv,
                  struct buf *reply);

#endif

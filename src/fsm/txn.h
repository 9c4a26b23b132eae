/* Transactions (MULTI/EXEC with optimistic WATCH): the conditions and the
 * queued commands travel as one blob, the single argument of an
 * ENTRY_OP_TXN command (proto/ENTRY.md):
 *
 *   u32 n_watch, then n_watch x (bytes key, u64 mod_rev; 0 = absent)
 *   u32 n_cmds,  then n_cmds  x (u32 argc, argc x bytes) -- name first
 *
 * Applied atomically: if any watched key's mod revision differs, nothing is
 * applied and the reply is a null array; else every command runs in order
 * and the reply is an array of their replies. All changes share one
 * revision. Pure: no I/O, no clock. */
#ifndef SK_TXN_H
#define SK_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/slice.h"

struct fsm;

/* Limits a transaction's commands are checked against. */
struct txn_limits {
    size_t max_key_bytes;
    size_t max_value_bytes;
};

/* Whether the command @argv (name first) may run inside a transaction, with
 * the right number of arguments and sizes. Returns 0, or SK_EINVAL with the
 * error reply's text in @errmsg (e.g. "wrong number of arguments for 'get'
 * command"). */
int txn_check_command(size_t argc,
                      const struct slice *argv,
                      const struct txn_limits *limits,
                      char errmsg[SK_ERRMSG_SIZE]);

/* The options after SET's value: none, or LEASE id. Returns 0, or SK_EINVAL
 * with "syntax error" or the lease id's problem in @errmsg. */
int txn_check_set_options(size_t argc,
                          const struct slice *argv,
                          char errmsg[SK_ERRMSG_SIZE]);

/* Run one command a transaction may hold (@argv, name first) at revision
 * @rev, appending its reply to @reply if not NULL; a command that does not
 * pass txn_check_command() replies its error. Returns whether it changed
 * the store (the caller then moves the revision to @rev). FENCE runs its
 * command this way. */
bool txn_run_command(struct fsm *f,
                     size_t argc,
                     const struct slice *argv,
                     uint64_t rev,
                     struct buf *reply);

/* Builds a blob. */
struct txn_writer {
    struct buf watches; /* owned */
    struct buf cmds;    /* owned */
    uint32_t n_watch;
    uint32_t n_cmds;
};

void txn_writer_init(struct txn_writer *w);
void txn_writer_close(struct txn_writer *w);
void txn_writer_watch(struct txn_writer *w,
                      const char *key,
                      size_t key_len,
                      uint64_t mod_rev);
void txn_writer_command(struct txn_writer *w,
                        size_t argc,
                        const struct slice *argv);

/* Bytes the blob will take. */
size_t txn_writer_size(const struct txn_writer *w);

/* Append the finished blob to @out. */
void txn_writer_finish(struct txn_writer *w, struct buf *out);

/* Check a whole blob: framing, and every command with txn_check_command().
 * Returns 0, or SK_EINVAL with a message. */
int txn_validate(const void *blob,
                 size_t len,
                 const struct txn_limits *limits,
                 char errmsg[SK_ERRMSG_SIZE]);

/* Apply the blob to @f (see the top of this file), appending the reply to
 * @reply when it is not NULL. A blob that does not validate replies an error
 * and changes nothing. */
void txn_apply(struct fsm *f, const void *blob, size_t len, struct buf *reply);

#endif

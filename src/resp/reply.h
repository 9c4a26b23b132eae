/* RESP2 reply writers (into a struct buf) and a reply scanner that finds where
 * one reply ends, for relaying a leader's replies. No I/O. */
#ifndef SK_REPLY_H
#define SK_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

void reply_ok(struct buf *b);

/* "+@s\r\n"; @s must not contain CR or LF. */
void reply_simple(struct buf *b, const char *s);

/* "-@prefix message\r\n"; CR and LF in the message become spaces. */
void reply_error(struct buf *b, const char *prefix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The error reply for an SK_E* code: its prefix and message. */
void reply_errcode(struct buf *b, int rv);

void reply_int(struct buf *b, long long v);
void reply_bulk(struct buf *b, const void *data, size_t len);
void reply_bulk_str(struct buf *b, const char *s);

/* A bulk string holding the decimal form of @v (revisions, ids). */
void reply_bulk_u64(struct buf *b, uint64_t v);

void reply_null(struct buf *b);            /* "$-1\r\n" */
void reply_null_array(struct buf *b);      /* "*-1\r\n" */
void reply_array(struct buf *b, size_t n); /* "*n\r\n"; n elements follow */

enum {
    REPLY_MORE = 0,
    REPLY_DONE = 1
};

/* Find the end of one complete RESP2 reply at the start of @data.
 * Returns REPLY_DONE with *consumed set, REPLY_MORE if incomplete, or
 * SK_EPROTO if the bytes are not RESP2 or nest deeper than @max_depth. */
int reply_scan(const char *data,
               size_t len,
               size_t max_depth,
               size_t *consumed);

#endif

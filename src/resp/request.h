/* RESP2 request parser: bytes in, argv out; no I/O (proto/PROTOCOL.md §1).
 *
 * Accepts multibulk requests ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline
 * requests ("GET k\r\n", with redis-cli's quoting rules). Limits are checked
 * before anything is buffered, so a client cannot make the node allocate more
 * than the limits allow. */
#ifndef SK_REQUEST_H
#define SK_REQUEST_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/slice.h"

struct request_limits {
    size_t max_argc;         /* arguments per request, command name included */
    size_t max_bulk_bytes;   /* bytes of one argument */
    size_t max_inline_bytes; /* bytes of one inline request line */
};

enum {
    REQUEST_MORE = 0,
    REQUEST_DONE = 1
};

struct request {
    const struct request_limits *limits; /* not owned */
    size_t argc;
    struct slice *argv; /* owned array; slices point into the caller's bytes
                           or into scratch */
    size_t argv_cap;
    size_t consumed;    /* after REQUEST_DONE: bytes the request took */
    int is_inline;      /* after REQUEST_DONE: it was an inline request */
    struct buf scratch; /* owned: unescaped inline arguments, and argument
                           offsets of a partial multibulk request */
    /* Progress through a partial multibulk request, so that bytes arriving in
     * many small reads are not re-scanned from the start each time. */
    size_t resume_offset;
    size_t resume_argc;
    size_t resume_expected;
    char errmsg[SK_ERRMSG_SIZE];
};

void request_init(struct request *r, const struct request_limits *limits);
void request_close(struct request *r);

/* Parse one request at the start of @data (@len bytes: everything received
 * and not yet consumed).
 *
 * Returns REQUEST_DONE when a whole request was parsed: r->argc and r->argv
 * hold it (argv valid until the next request_parse() or request_close(), and
 * only while @data is unchanged) and r->consumed says how many bytes to drop.
 * An empty inline line is a request with argc 0: skip it.
 * Returns REQUEST_MORE when more bytes are needed; call again with the same
 * bytes plus what arrived (the buffer may have moved: progress is kept as
 * offsets).
 * Returns SK_EPROTO or SK_ETOOBIG with r->errmsg set to the reply text, e.g.
 * "Protocol error: invalid bulk length"; the connection must send it and
 * close, since the framing is lost. */
int request_parse(struct request *r, const char *data, size_t len);

#endif

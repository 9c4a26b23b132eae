/* CLI endpoints: the --endpoints list ("host:port,[v6]:port,...") and a
 * connection to one node. Which endpoint to try next is scalekeeper.c's. */
#ifndef SK_ENDPOINTS_H
#define SK_ENDPOINTS_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "lib/buf.h"

struct endpoint {
    char *name; /* as given, for messages; owned */
    char *host; /* owned */
    int port;
};

struct endpoint_list {
    struct endpoint *items; /* owned */
    size_t n;
};

/* Parse the comma-separated @spec into @l; empty entries are skipped.
 *
 * Returns 0, with @l to release with endpoints_free(), or SK_EINVAL when an
 * entry is not "host:port" or "[v6]:port" with a port in 1-65535, or when
 * there is no entry at all; then a one-line reason (no newline) is appended
 * to @errmsg and @l holds nothing to free. */
int endpoints_parse(const char *spec,
                    struct endpoint_list *l,
                    struct buf *errmsg);

void endpoints_free(struct endpoint_list *l);

/* Append "  <name>: <what><detail>\n" to @log, the account of what went
 * wrong on the endpoints tried so far. */
void endpoints_note_failure(struct buf *log,
                            const struct endpoint *ep,
                            const char *what,
                            const char *detail);

/* Connect to @ep, with @timeout_ms for connecting and for each command; when
 * @probe, also require an answer to PING, so that a write is only sent to a
 * node that is up. Returns the context (the caller frees it with
 * redisFree()), or NULL with the reason noted in @log. */
redisContext *endpoints_connect(const struct endpoint *ep,
                                long timeout_ms,
                                int probe,
                                struct buf *log);

#endif

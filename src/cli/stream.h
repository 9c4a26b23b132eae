/* What the CLI's long-running commands share (watch, elect, lease
 * keepalive, txn): connecting to the first endpoint that answers, moving
 * on to the next when one fails, waiting for a reply without blocking past
 * a deadline, and stopping cleanly on SIGINT or SIGTERM. */
#ifndef SK_STREAM_H
#define SK_STREAM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "cli/endpoints.h"
#include "cli/options.h"

struct stream {
    const struct options *o;
    struct endpoint_list eps;
    size_t next;       /* the endpoint to try next */
    const char *where; /* the endpoint of the last connection */
    bool ever_connected;
};

/* Set by SIGINT and SIGTERM once stream_init() has run. */
extern volatile sig_atomic_t stream_stopped;

/* Parse the endpoints and catch the signals. Returns 0 or an exit code. */
int stream_init(struct stream *s, const struct options *o);
void stream_close(struct stream *s);

/* Connect to the next endpoint that answers (PING first when @probe),
 * trying each once from where the last left off. Returns the context, or
 * NULL with the reasons on stderr. */
redisContext *stream_connect(struct stream *s, bool probe);

/* Wait at most @ms for one reply on @ctx. Returns 1 with *r set, 0 if none
 * came (or a signal arrived), -1 if the connection broke. */
int stream_reply(redisContext *ctx, long ms, redisReply **r);

/* Send what @ctx has buffered. Returns 0, or -1 if the connection broke. */
int stream_flush(redisContext *ctx);

/* Sleep @ms unless a signal arrives first. Returns false if stopped. */
bool stream_sleep(long ms);

/* Whether the error reply @r starts with the code @code ("NOLEASE"). */
bool stream_is_error(const redisReply *r, const char *code);

/* Whether @r is an error that says nothing was done and the same request
 * may be sent again (TRYAGAIN, NOLEADER, UNCERTAIN, NOTLEADER): for
 * requests that are safe to repeat, such as keepalives and heartbeats. */
bool stream_is_retryable(const redisReply *r);

#endif

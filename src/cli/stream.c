/* Long-running CLI commands: connections with failover, bounded waits for
 * replies, and signals; see stream.h. */
#include "cli/stream.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"

volatile sig_atomic_t stream_stopped;

static void on_signal(int sig)
{
    (void)sig;
    stream_stopped = 1;
}

int stream_init(struct stream *s, const struct options *o)
{
    struct sigaction sa;
    struct buf errmsg;

    memset(s, 0, sizeof *s);
    s->o = o;
    buf_init(&errmsg);
    if (endpoints_parse(o->endpoints, &s->eps, &errmsg) != 0) {
        fprintf(stderr, "scalekeeper: %.*s\n", (int)errmsg.len, errmsg.base);
        buf_close(&errmsg);
        return CLI_EXIT_USAGE;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: waits return on a signal */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

void stream_close(struct stream *s)
{
    endpoints_free(&s->eps);
}

redisContext *stream_connect(struct stream *s, bool probe)
{
    struct buf log;

    buf_init(&log);
    for (size_t tried = 0; tried < s->eps.n && !stream_stopped; tried++) {
        const struct endpoint *ep = &s->eps.items[s->next];
        redisContext *c;

        s->next = (s->next + 1) % s->eps.n;
        c = endpoints_connect(ep, s->o->timeout_ms, probe, &log);
        if (c != NULL) {
            s->where = ep->name;
            s->ever_connected = true;
            buf_close(&log);
            return c;
        }
    }
    if (log.len > 0) {
        fprintf(stderr, "error: no endpoint could be reached:\n%.*s",
                (int)log.len, log.base);
    }
    buf_close(&log);
    return NULL;
}

int stream_flush(redisContext *ctx)
{
    int done = 0;

    while (!done) {
        if (redisBufferWrite(ctx, &done) != REDIS_OK) {
            return -1;
        }
    }
    return 0;
}

int stream_reply(redisContext *ctx, long ms, redisReply **r)
{
    struct pollfd pfd = { .fd = ctx->fd, .events = POLLIN };
    void *reply = NULL;
    int n;

    if (stream_flush(ctx) != 0 ||
        redisGetReplyFromReader(ctx, &reply) != REDIS_OK) {
        return -1;
    }
    if (reply != NULL) {
        *r = reply;
        return 1;
    }
    n = poll(&pfd, 1, (int)ms);
    if (n < 0 && errno == EINTR) {
        return 0;
    }
    if (n <= 0) {
        return n == 0 ? 0 : -1;
    }
    if (redisBufferRead(ctx) != REDIS_OK ||
        redisGetReplyFromReader(ctx, &reply) != REDIS_OK) {
        return -1;
    }
    *r = reply;
    return reply != NULL ? 1 : 0;
}

bool stream_sleep(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    if (!stream_stopped) {
        nanosleep(&ts, NULL); /* returns early on a signal */
    }
    return !stream_stopped;
}

bool stream_is_error(const redisReply *r, const char *code)
{
    size_t n = strlen(code);

    return r != NULL && r->type == REDIS_REPLY_ERROR &&
           strncmp(r->str, code, n) == 0 &&
           (r->str[n] == ' ' || r->str[n] == '\0');
}

bool stream_is_retryable(const redisReply *r)
{
    return stream_is_error(r, "TRYAGAIN") || stream_is_error(r, "NOLEADER") ||
           stream_is_error(r, "UNCERTAIN") || stream_is_error(r, "NOTLEADER");
}

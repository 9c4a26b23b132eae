/* scalekeeper lease keepalive <id> [--once]: renew a lease every third of
 * its TTL until interrupted (or once). A keepalive is safe to repeat, so a
 * failed one moves on to the next endpoint and tries again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/stream.h"

static void
print_renewal(const struct options *o, const char *id, long long ttl)
{
    if (o->format == OUTPUT_JSON) {
        printf("{\"id\":%s,\"ttl\":%lld}\n", id, ttl);
    } else {
        printf("lease %s kept alive: TTL %lld s\n", id, ttl);
    }
    fflush(stdout);
}

int cli_lease_keepalive(const struct options *o, int argc, char **argv)
{
    bool once = argc == 2 && strcmp(argv[1], "--once") == 0;
    struct stream s;
    redisContext *c = NULL;
    char *end;
    int rc;

    if ((argc != 1 && !once) || strtoull(argv[0], &end, 10) == 0 ||
        *end != '\0') {
        return cli_usage("usage: scalekeeper lease keepalive <id> [--once]");
    }
    rc = stream_init(&s, o);
    if (rc != 0) {
        return rc;
    }
    rc = -1;
    while (rc < 0 && !stream_stopped) {
        redisReply *r;

        if (c == NULL && (c = stream_connect(&s, false)) == NULL) {
            rc = CLI_EXIT_UNREACHABLE;
            break;
        }
        r = redisCommand(c, "LEASE.KEEPALIVE %s", argv[0]);
        if (r == NULL || stream_is_retryable(r)) {
            if (r != NULL) {
                freeReplyObject(r);
            }
            redisFree(c);
            c = NULL;
            stream_sleep(200);
            continue;
        }
        if (r->type != REDIS_REPLY_INTEGER) {
            fprintf(stderr, "error: %s\n",
                    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
            rc = CLI_EXIT_REPLY;
        } else {
            long long ttl = r->integer;
            print_renewal(o, argv[0], ttl);
            if (once) {
                rc = CLI_EXIT_OK;
            } else {
                stream_sleep(ttl * 1000 / 3 > 100 ? ttl * 1000 / 3 : 100);
            }
        }
        freeReplyObject(r);
    }
    if (rc < 0) {
        rc = CLI_EXIT_OK; /* interrupted */
    }
    if (c != NULL) {
        redisFree(c);
    }
    stream_close(&s);
    return rc;
}

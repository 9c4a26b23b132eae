/* scalekeeper agent <instance-id>: what runs on an instance. It sends the
 * instance's heartbeats (INSTANCE.HEARTBEAT) every third of the group's
 * heartbeat TTL (every 5 s when the group has none), through any node, and
 * exits once the instance is no longer in a group: terminated, detached,
 * or its group deleted. The local actuator runs one per instance. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/stream.h"

#define AGENT_IDLE_INTERVAL_MS 5000
#define AGENT_RETRY_MS         200
#define AGENT_UNREACHABLE_MS   1000

static long interval_of(long long ttl_s)
{
    long ms = (long)(ttl_s * 1000 / 3);

    if (ttl_s <= 0) {
        return AGENT_IDLE_INTERVAL_MS;
    }
    return ms < AGENT_RETRY_MS ? AGENT_RETRY_MS : ms;
}

int cli_agent(const struct options *o, int argc, char **argv)
{
    struct stream s;
    redisContext *c = NULL;
    long announced = -1;
    int rc;

    if (argc != 1 || strncmp(argv[0], "i-", 2) != 0) {
        return cli_usage("usage: scalekeeper agent <instance-id>");
    }
    rc = stream_init(&s, o);
    if (rc != 0) {
        return rc;
    }
    rc = -1;
    while (rc < 0 && !stream_stopped) {
        redisReply *r;

        if (c == NULL && (c = stream_connect(&s, false)) == NULL) {
            /* The cluster is down or restarting: an instance outlives it. */
            stream_sleep(AGENT_UNREACHABLE_MS);
            continue;
        }
        r = redisCommand(c, "INSTANCE.HEARTBEAT %s", argv[0]);
        if (r == NULL || stream_is_retryable(r)) {
            if (r != NULL) {
                freeReplyObject(r);
            }
            redisFree(c);
            c = NULL;
            stream_sleep(AGENT_RETRY_MS);
            continue;
        }
        if (r->type == REDIS_REPLY_INTEGER) {
            long interval = interval_of(r->integer);
            if (interval != announced) {
                printf("agent %s: heartbeat every %ld ms\n", argv[0], interval);
                fflush(stdout);
                announced = interval;
            }
            stream_sleep(interval);
        } else {
            /* Gone from its group, or a reply no retry can change. */
            printf("agent %s: stopping: %s\n", argv[0],
                   r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
            rc = r->type == REDIS_REPLY_ERROR &&
                         stream_is_error(r, "ValidationError")
                     ? CLI_EXIT_OK
                     : CLI_EXIT_REPLY;
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

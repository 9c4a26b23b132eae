/* scalekeeper elect <name> <value> [--ttl S]: stand for election <name>
 * with a lease of S seconds (default 10) kept alive meanwhile; print the
 * fencing token once elected, then hold leadership until interrupted, and
 * resign. The lease is what holds the leadership, so losing it (a stopped
 * process, a partition) ends it: the command then says so and exits 1.
 * elect --listen <name> prints each change of leader instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/stream.h"

#define DEFAULT_TTL_S 10

struct elect {
    const struct options *o;
    struct stream s;
    const char *name;
    const char *value;
    long long ttl_s;
    long long lease;
    long long token;
    redisContext *ka; /* keepalives, the grant and the goodbye */
};

/* Renew the lease. Returns 0, or an exit code if it is gone. */
static int keepalive(struct elect *e)
{
    for (int attempt = 0; attempt < 3 && !stream_stopped; attempt++) {
        redisReply *r;

        if (e->ka == NULL && (e->ka = stream_connect(&e->s, false)) == NULL) {
            continue;
        }
        r = redisCommand(e->ka, "LEASE.KEEPALIVE %lld", e->lease);
        if (r != NULL && r->type == REDIS_REPLY_INTEGER) {
            freeReplyObject(r);
            return 0;
        }
        if (stream_is_error(r, "NOLEASE")) {
            fprintf(stderr, "error: lease %lld expired: %s\n", e->lease,
                    e->token != 0 ? "leadership lost" : "the campaign ends");
            freeReplyObject(r);
            return CLI_EXIT_REPLY;
        }
        if (r != NULL) {
            freeReplyObject(r);
        }
        redisFree(e->ka);
        e->ka = NULL;
    }
    return 0; /* try again on the next round; the lease decides */
}

/* Campaign until elected: the campaign blocks on its own connection while
 * the lease is renewed on the other. */
static int campaign(struct elect *e)
{
    long long period = e->ttl_s * 1000 / 3;
    redisContext *c = NULL;
    int rc = 0;

    while (e->token == 0 && rc == 0 && !stream_stopped) {
        redisReply *r = NULL;
        int n;

        if (c == NULL) {
            if ((c = stream_connect(&e->s, false)) == NULL) {
                rc = keepalive(e);
                stream_sleep(period);
                continue;
            }
            redisAppendCommand(c, "ELECTION.CAMPAIGN %s %s LEASE %lld", e->name,
                               e->value, e->lease);
        }
        n = stream_reply(c, period, &r);
        if (n < 0) {
            redisFree(c); /* campaigning again with the lease is safe */
            c = NULL;
        } else if (n == 1 && r->type == REDIS_REPLY_INTEGER) {
            e->token = r->integer;
        } else if (n == 1) {
            fprintf(stderr, "error: %s\n",
                    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
            rc = CLI_EXIT_REPLY;
        } else {
            rc = keepalive(e);
        }
        if (r != NULL) {
            freeReplyObject(r);
        }
    }
    if (c != NULL) {
        redisFree(c);
    }
    return rc;
}

static void goodbye(struct elect *e)
{
    redisReply *r;

    if (e->ka == NULL && (e->ka = stream_connect(&e->s, false)) == NULL) {
        return; /* the lease expires by itself */
    }
    if (e->token != 0) {
        r = redisCommand(e->ka, "ELECTION.RESIGN %s %lld", e->name, e->token);
        if (r != NULL) {
            freeReplyObject(r);
        }
    }
    r = redisCommand(e->ka, "LEASE.REVOKE %lld", e->lease);
    if (r != NULL) {
        freeReplyObject(r);
    }
}

static int grant(struct elect *e)
{
    redisReply *r;

    if ((e->ka = stream_connect(&e->s, true)) == NULL) {
        return CLI_EXIT_UNREACHABLE;
    }
    r = redisCommand(e->ka, "LEASE.GRANT %lld", e->ttl_s);
    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        fprintf(stderr, "error: LEASE.GRANT: %s\n",
                r == NULL                      ? e->ka->errstr
                : r->type == REDIS_REPLY_ERROR ? r->str
                                               : "unexpected reply");
        if (r != NULL) {
            freeReplyObject(r);
        }
        return CLI_EXIT_REPLY;
    }
    e->lease = r->integer;
    freeReplyObject(r);
    return 0;
}

static void print_elected(const struct elect *e)
{
    if (e->o->format == OUTPUT_JSON) {
        printf("{\"election\":\"%s\",\"token\":%lld,\"lease\":%lld}\n", e->name,
               e->token, e->lease);
    } else {
        printf("elected %s: token %lld (lease %lld)\n", e->name, e->token,
               e->lease);
    }
    fflush(stdout);
}

int cli_elect(const struct options *o, int argc, char **argv)
{
    struct elect e = { .o = o, .ttl_s = DEFAULT_TTL_S };
    char *end;
    int rc;

    if (argc == 2 && strcmp(argv[0], "--listen") == 0) {
        return cli_observe(o, argv[1]);
    }
    if (argc == 4 && strcmp(argv[2], "--ttl") == 0) {
        e.ttl_s = strtoll(argv[3], &end, 10);
        if (*end != '\0' || e.ttl_s < 1) {
            return cli_usage("elect: --ttl needs a number of seconds >= 1");
        }
    } else if (argc != 2) {
        return cli_usage("usage: scalekeeper elect <name> <value> [--ttl S] "
                         "| elect --listen <name>");
    }
    e.name = argv[0];
    e.value = argv[1];
    rc = stream_init(&e.s, o);
    if (rc == 0) {
        rc = grant(&e);
    }
    if (rc == 0) {
        rc = campaign(&e);
    }
    if (rc == 0 && e.token != 0) {
        print_elected(&e);
        while (rc == 0 && stream_sleep(e.ttl_s * 1000 / 3)) {
            rc = keepalive(&e);
        }
    }
    if (e.lease != 0 && rc == 0) {
        goodbye(&e); /* interrupted: hand over at once */
    }
    if (e.ka != NULL) {
        redisFree(e.ka);
    }
    stream_close(&e.s);
    return rc;
}

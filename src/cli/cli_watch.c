/* scalekeeper watch <prefix> [--from REV] and scalekeeper elect --listen
 * <name>: print each message of a push stream as it arrives, until
 * interrupted. A broken connection moves to the next endpoint; a watch
 * resumes FROM the revision after the last one it printed (or the last
 * progress), so no change is missed or printed twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/stream.h"
#include "lib/mem.h"

/* A push stream and where to resume it. */
struct feed_state {
    const char *verb; /* KEYWATCH or ELECTION.OBSERVE */
    const char *arg;  /* prefix or election name */
    long long from;   /* KEYWATCH: the next revision wanted, 0 = now */
};

static void send_start(redisContext *c, const struct feed_state *st)
{
    if (st->from > 0) {
        redisAppendCommand(c, "%s %s FROM %lld", st->verb, st->arg, st->from);
    } else {
        redisAppendCommand(c, "%s %s", st->verb, st->arg);
    }
}

/* Track where the stream is: a confirmation names the start revision, an
 * event its own, a progress message the revision reached. */
static void advance(struct feed_state *st, const redisReply *r)
{
    const char *kind = r->element[0]->str;
    long long rev = -1;

    if (strcmp(st->verb, "KEYWATCH") != 0) {
        return;
    }
    if (strcmp(kind, "keywatch") == 0 && r->elements >= 4) {
        rev = r->element[3]->integer - 1;
    } else if (strcmp(kind, "progress") == 0) {
        rev = r->element[2]->integer;
    } else if (r->elements == 6) {
        rev = r->element[4]->integer;
    }
    if (rev >= 0 && rev + 1 > st->from) {
        st->from = rev + 1;
    }
}

/* Read and print messages until a signal (0), a broken connection (-1) or
 * a terminal error (an exit code). */
static int
follow(const struct options *o, redisContext *c, struct feed_state *st)
{
    struct output out = { stdout, stderr, o->format };

    while (!stream_stopped) {
        redisReply *r = NULL;
        int n = stream_reply(c, 500, &r);
        int rc = CLI_EXIT_OK;

        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            continue;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            fprintf(stderr, "error: %s\n", r->str);
            if (stream_is_error(r, "COMPACTED")) {
                fprintf(stderr, "re-read the keys, then watch again from a "
                                "newer revision\n");
            }
            freeReplyObject(r);
            return CLI_EXIT_REPLY;
        }
        if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
            r->element[0]->type != REDIS_REPLY_STRING) {
            rc = output_unexpected(&out, st->verb, r);
        } else {
            advance(st, r);
            const char *kind = r->element[0]->str;
            if (strcmp(kind, "keywatch") != 0 && strcmp(kind, "observe") != 0) {
                rc = output_push(&out, r);
            }
        }
        freeReplyObject(r);
        fflush(stdout);
        if (rc != CLI_EXIT_OK) {
            return rc;
        }
    }
    return 0;
}

static int run_feed(const struct options *o, struct feed_state *st)
{
    struct stream s;
    int rc = stream_init(&s, o);

    if (rc != 0) {
        return rc;
    }
    while (!stream_stopped) {
        redisContext *c = stream_connect(&s, false);
        if (c == NULL) {
            if (!s.ever_connected) {
                rc = CLI_EXIT_UNREACHABLE;
                break;
            }
            stream_sleep(1000);
            continue;
        }
        send_start(c, st);
        rc = follow(o, c, st);
        redisFree(c);
        if (rc >= 0) {
            break;
        }
        rc = 0;
        if (!stream_stopped) {
            fprintf(stderr,
                    "note: connection to %s lost; resuming%s on the "
                    "next endpoint\n",
                    s.where, st->from > 0 ? " from the next revision" : "");
        }
    }
    stream_close(&s);
    return rc;
}

int cli_watch(const struct options *o, int argc, char **argv)
{
    struct feed_state st = { "KEYWATCH", NULL, 0 };
    char *end;

    if (argc == 3 && strcmp(argv[1], "--from") == 0) {
        st.from = strtoll(argv[2], &end, 10);
        if (*end != '\0' || st.from < 1) {
            return cli_usage("watch: --from needs a revision >= 1");
        }
    } else if (argc != 1) {
        return cli_usage("usage: scalekeeper watch <prefix> [--from REV]");
    }
    st.arg = argv[0];
    return run_feed(o, &st);
}

int cli_observe(const struct options *o, const char *name)
{
    struct feed_state st = { "ELECTION.OBSERVE", name, 0 };

    return run_feed(o, &st);
}

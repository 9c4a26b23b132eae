/* scalekeeper txn [--if KEY=MODREV ...]: run the commands read from
 * standard input (one per line, quoted as redis-cli does) as one
 * transaction, MULTI/EXEC. With --if, it applies only if each KEY's mod
 * revision is MODREV (0: absent) when it runs: the keys are WATCHed, their
 * revisions read and compared, and EXEC fails if any changes after that.
 * Exit status 5 when a condition does not hold; nothing is applied then.
 * The transaction is a write: sent once; if its outcome is unknown, the CLI
 * says so. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/stream.h"
#include "lib/buf.h"
#include "lib/mem.h"
#include "resp/request.h"

#define TXN_MAX_ARGS 1024

struct condition {
    char *key; /* owned */
    long long mod_rev;
};

struct txn_input {
    struct condition *conds; /* owned */
    size_t n_conds;
    struct buf lines; /* standard input */
};

static int parse_conditions(int argc, char **argv, struct txn_input *in)
{
    in->conds = mem_calloc((size_t)argc + 1, sizeof *in->conds);
    for (int i = 0; i < argc; i += 2) {
        const char *eq;
        char *end;

        if (strcmp(argv[i], "--if") != 0 || i + 1 == argc ||
            (eq = strrchr(argv[i + 1], '=')) == NULL || eq == argv[i + 1]) {
            return cli_usage("usage: scalekeeper txn [--if KEY=MODREV ...] "
                             "< commands");
        }
        in->conds[in->n_conds].mod_rev = strtoll(eq + 1, &end, 10);
        if (*end != '\0' || eq[1] == '\0' ||
            in->conds[in->n_conds].mod_rev < 0) {
            return cli_usage("txn: '%s' needs a revision >= 0 after '='",
                             argv[i + 1]);
        }
        in->conds[in->n_conds].key =
            mem_strndup(argv[i + 1], (size_t)(eq - argv[i + 1]));
        in->n_conds++;
    }
    return 0;
}

static void input_close(struct txn_input *in)
{
    for (size_t i = 0; i < in->n_conds; i++) {
        mem_free(in->conds[i].key);
    }
    mem_free(in->conds);
    buf_close(&in->lines);
}

static int read_input(struct txn_input *in)
{
    char chunk[65536];
    size_t n;

    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        buf_append(&in->lines, chunk, n);
    }
    if (ferror(stdin)) {
        fprintf(stderr, "error: reading stdin: %s\n", strerror(errno));
        return CLI_EXIT_USAGE;
    }
    buf_append(&in->lines, "\n", 1); /* the last line may lack its end */
    return 0;
}

/* Send one command, given as slices, and return its reply (NULL: lost). */
static redisReply *
command_argv(redisContext *c, size_t argc, const struct slice *argv)
{
    const char *args[TXN_MAX_ARGS];
    size_t lens[TXN_MAX_ARGS];

    for (size_t i = 0; i < argc; i++) {
        args[i] = argv[i].base;
        lens[i] = argv[i].len;
    }
    return redisCommandArgv(c, (int)argc, args, lens);
}

/* Watch and compare the conditions. Returns 0, CLI_EXIT_CONFLICT, or an
 * exit code for a failure. */
static int check_conditions(redisContext *c, const struct txn_input *in)
{
    redisReply *r;
    int rc = 0;

    for (size_t i = 0; i < in->n_conds; i++) {
        r = redisCommand(c, "WATCH %s", in->conds[i].key);
        if (r == NULL || r->type != REDIS_REPLY_STATUS) {
            fprintf(stderr, "error: WATCH %s: %s\n", in->conds[i].key,
                    r != NULL ? r->str : c->errstr);
            rc = CLI_EXIT_REPLY;
        }
        if (r != NULL) {
            freeReplyObject(r);
        }
        if (rc != 0) {
            return rc;
        }
        r = redisCommand(c, "MODREVS %s", in->conds[i].key);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 1) {
            fprintf(stderr, "error: MODREVS %s: %s\n", in->conds[i].key,
                    r != NULL && r->str ? r->str : c->errstr);
            rc = CLI_EXIT_REPLY;
        } else if (r->element[0]->integer != in->conds[i].mod_rev) {
            fprintf(stderr,
                    "conflict: %s is at revision %lld, not %lld; nothing "
                    "was applied\n",
                    in->conds[i].key, r->element[0]->integer,
                    in->conds[i].mod_rev);
            rc = CLI_EXIT_CONFLICT;
        }
        if (r != NULL) {
            freeReplyObject(r);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* Queue each input line after MULTI. Returns 0 or an exit code (then the
 * transaction was discarded). */
static int queue_commands(redisContext *c, struct txn_input *in)
{
    struct request_limits limits = { TXN_MAX_ARGS, 1 << 30, 1 << 30 };
    struct request req;
    size_t off = 0;
    int rc = 0;
    redisReply *r = redisCommand(c, "MULTI");

    if (r == NULL || r->type != REDIS_REPLY_STATUS) {
        fprintf(stderr, "error: MULTI: %s\n", r != NULL ? r->str : c->errstr);
        if (r != NULL) {
            freeReplyObject(r);
        }
        return CLI_EXIT_REPLY;
    }
    freeReplyObject(r);
    request_init(&req, &limits);
    while (rc == 0 && off < in->lines.len) {
        int n = request_parse(&req, in->lines.base + off, in->lines.len - off);
        if (n != REQUEST_DONE || !req.is_inline) {
            fprintf(stderr, "error: line not understood: %s\n", req.errmsg);
            rc = CLI_EXIT_USAGE;
            break;
        }
        off += req.consumed;
        if (req.argc == 0) {
            continue;
        }
        r = command_argv(c, req.argc, req.argv);
        if (r == NULL || r->type != REDIS_REPLY_STATUS ||
            strcmp(r->str, "QUEUED") != 0) {
            fprintf(stderr, "error: %.*s: %s\n", (int)req.argv[0].len,
                    req.argv[0].base, r != NULL && r->str ? r->str : c->errstr);
            rc = CLI_EXIT_REPLY;
        }
        if (r != NULL) {
            freeReplyObject(r);
        }
    }
    request_close(&req);
    if (rc != 0) {
        r = redisCommand(c, "DISCARD");
        if (r != NULL) {
            freeReplyObject(r);
        }
    }
    return rc;
}

static int exec(const struct options *o, redisContext *c, const char *where)
{
    struct output out = { stdout, stderr, o->format };
    redisReply *r = redisCommand(c, "EXEC");
    int rc = CLI_EXIT_OK;

    if (r == NULL) {
        fprintf(stderr,
                "error: connection to %s lost after sending EXEC (%s)\nthe "
                "transaction's outcome is unknown: it may or may not have "
                "been applied; it was not retried\n",
                where, c->errstr);
        return CLI_EXIT_REPLY;
    }
    if (r->type == REDIS_REPLY_NIL) {
        fprintf(stderr, "conflict: a watched key changed before EXEC; nothing "
                        "was applied\n");
        rc = CLI_EXIT_CONFLICT;
    } else if (r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "error: %s\n", r->str);
        rc = CLI_EXIT_REPLY;
    } else {
        output_reply(&out, r);
    }
    freeReplyObject(r);
    return rc;
}

int cli_txn(const struct options *o, int argc, char **argv)
{
    struct txn_input in = { NULL, 0, { NULL, 0, 0 } };
    struct stream s;
    redisContext *c;
    int rc = parse_conditions(argc, argv, &in);

    if (rc == 0) {
        rc = read_input(&in);
    }
    if (rc == 0) {
        rc = stream_init(&s, o);
    }
    if (rc != 0) {
        input_close(&in);
        return rc;
    }
    c = stream_connect(&s, true);
    rc = c == NULL ? CLI_EXIT_UNREACHABLE : 0;
    if (rc == 0) {
        rc = check_conditions(c, &in);
    }
    if (rc == 0) {
        rc = queue_commands(c, &in);
    }
    if (rc == 0) {
        rc = exec(o, c, s.where);
    }
    if (c != NULL) {
        redisFree(c);
    }
    stream_close(&s);
    input_close(&in);
    return rc;
}

/* scalekeeper backup FILE and scalekeeper restore FILE: a backup is the
 * whole replicated state as BACKUP.SAVE returns it (the snapshot format in
 * an lz4 frame, proto/SNAPSHOT.md), taken at a linearizable point.
 *
 * A restore first raises the cluster's revision to the backup's revision
 * plus --bump-revision (REVISION.FLOOR), then writes the backup's keys. So
 * revisions never go backwards: not in a cluster that is still running (its
 * own revision is a floor too), and not in a new cluster replacing a lost
 * one as long as the bump exceeds the writes the lost cluster made after
 * the backup. Every node's history before the floor is compacted, so a
 * watcher resuming from an old revision is told (-COMPACTED) to re-read.
 * Keys attached to leases are not restored: their holders are gone, or
 * will write them again under a new lease. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/stream.h"
#include "fsm/fsm.h"
#include "fsm/snapshot.h"
#include "lib/buf.h"
#include "lib/compress.h"
#include "lib/mem.h"

#define DEFAULT_BUMP     1000000000LL
#define RESTORE_PIPELINE 256

/* Decode a backup's bytes into @f. Returns 0 or CLI_EXIT_REPLY. */
static int decode(const char *what, const struct buf *b, struct fsm *f)
{
    struct buf raw;
    int rv;

    buf_init(&raw);
    rv = decompress_frame(b->base, b->len, SNAPSHOT_MAX_BYTES, &raw);
    if (rv == 0) {
        rv = snapshot_decode(f, raw.base, raw.len);
    }
    buf_close(&raw);
    if (rv != 0) {
        fprintf(stderr,
                "error: %s is not a scalekeeper backup, or is damaged\n", what);
        return CLI_EXIT_REPLY;
    }
    return 0;
}

static size_t leased_keys(const struct fsm *f)
{
    size_t n = 0;

    for (const struct kv_entry *e = kv_seek(f->kv, NULL, 0); e != NULL;
         e = kv_next(f->kv, e)) {
        n += e->lease != 0;
    }
    return n;
}

/* Write @b to @path through a temporary file, synced, then renamed. */
static int write_file(const char *path, const struct buf *b)
{
    char tmp[4096];
    FILE *f;
    int ok;

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "wb");
    if (f == NULL) {
        fprintf(stderr, "error: %s: %s\n", tmp, strerror(errno));
        return CLI_EXIT_REPLY;
    }
    ok = fwrite(b->base, 1, b->len, f) == b->len && fflush(f) == 0 &&
         fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "error: writing %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return CLI_EXIT_REPLY;
    }
    return 0;
}

/* BACKUP.SAVE from the first endpoint that answers it (it is a read). */
static int fetch(const struct options *o, struct buf *out)
{
    struct stream s;
    int rc = stream_init(&s, o);

    for (size_t i = 0; rc == 0 && i < s.eps.n; i++) {
        redisContext *c = stream_connect(&s, false);
        redisReply *r;

        if (c == NULL) {
            rc = CLI_EXIT_UNREACHABLE;
            break;
        }
        r = redisCommand(c, "BACKUP.SAVE");
        if (r != NULL && r->type == REDIS_REPLY_STRING) {
            buf_append(out, r->str, r->len);
            rc = 1;
        } else if (r != NULL && !stream_is_error(r, "NOLEADER") &&
                   !stream_is_error(r, "TRYAGAIN")) {
            fprintf(stderr, "error: %s\n",
                    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
            rc = CLI_EXIT_REPLY;
        }
        if (r != NULL) {
            freeReplyObject(r);
        }
        redisFree(c);
    }
    stream_close(&s);
    return rc == 1 ? 0 : rc != 0 ? rc : CLI_EXIT_UNREACHABLE;
}

int cli_backup(const struct options *o, int argc, char **argv)
{
    struct buf b;
    struct fsm f;
    int rc;

    if (argc != 1) {
        return cli_usage("usage: scalekeeper backup <file>");
    }
    buf_init(&b);
    fsm_init(&f);
    rc = fetch(o, &b);
    if (rc == 0) {
        rc = decode("the reply", &b, &f);
    }
    if (rc == 0) {
        rc = write_file(argv[0], &b);
    }
    if (rc == 0 && o->format == OUTPUT_JSON) {
        printf("{\"file\":\"%s\",\"revision\":%llu,\"keys\":%zu,"
               "\"leases\":%zu,\"bytes\":%zu}\n",
               argv[0], (unsigned long long)f.revision, kv_count(f.kv),
               lease_count(&f.leases), b.len);
    } else if (rc == 0) {
        printf("backup of revision %llu: %zu keys (%zu on leases), %zu "
               "leases, %zu elections, in %s (%zu bytes)\n",
               (unsigned long long)f.revision, kv_count(f.kv), leased_keys(&f),
               lease_count(&f.leases), f.elections.n, argv[0], b.len);
    }
    fsm_close(&f);
    buf_close(&b);
    return rc;
}

static int read_file(const char *path, struct buf *b)
{
    char chunk[65536];
    FILE *f = fopen(path, "rb");
    size_t n;
    int bad;

    if (f == NULL) {
        fprintf(stderr, "error: %s: %s\n", path, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        buf_append(b, chunk, n);
    }
    bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "error: reading %s\n", path);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/* A reply that must be an integer: returns it, or -1 after a message. */
static long long int_reply(redisContext *c, redisReply *r, const char *what)
{
    long long v = -1;

    if (r != NULL && r->type == REDIS_REPLY_INTEGER) {
        v = r->integer;
    } else {
        fprintf(stderr, "error: %s: %s\n", what,
                r == NULL                      ? c->errstr
                : r->type == REDIS_REPLY_ERROR ? r->str
                                               : "unexpected reply");
    }
    if (r != NULL) {
        freeReplyObject(r);
    }
    return v;
}

/* Write the unleased keys of @f, pipelined. Returns the number written, or
 * -1 after a message. */
static long long write_keys(redisContext *c, const struct fsm *f)
{
    const struct kv_entry *e = kv_seek(f->kv, NULL, 0);
    long long written = 0;

    while (e != NULL) {
        size_t queued = 0;
        for (; e != NULL && queued < RESTORE_PIPELINE; e = kv_next(f->kv, e)) {
            if (e->lease == 0) {
                redisAppendCommand(c, "SET %b %b", e->key, e->key_len, e->value,
                                   e->value_len);
                queued++;
            }
        }
        for (size_t i = 0; i < queued; i++) {
            void *reply = NULL;
            redisReply *r;
            if (redisGetReply(c, &reply) != REDIS_OK) {
                fprintf(stderr,
                        "error: connection lost after %lld keys "
                        "(%s); run the restore again with --force\n",
                        written, c->errstr);
                return -1;
            }
            r = reply;
            if (r->type != REDIS_REPLY_STATUS) {
                fprintf(stderr,
                        "error: after %lld keys: %s; run the restore "
                        "again with --force\n",
                        written, r->type == REDIS_REPLY_ERROR ? r->str : "?");
                freeReplyObject(r);
                return -1;
            }
            freeReplyObject(r);
            written++;
        }
    }
    return written;
}

struct restore_args {
    const char *file;
    long long bump;
    bool force;
};

static int parse_restore(int argc, char **argv, struct restore_args *a)
{
    char *end;

    a->file = NULL;
    a->bump = DEFAULT_BUMP;
    a->force = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--force") == 0) {
            a->force = true;
        } else if (strcmp(argv[i], "--bump-revision") == 0 && i + 1 < argc) {
            a->bump = strtoll(argv[++i], &end, 10);
            if (*end != '\0' || a->bump < 0 || a->bump > (1LL << 62)) {
                return cli_usage("restore: --bump-revision needs a number "
                                 "from 0 to 2^62");
            }
        } else if (a->file == NULL && argv[i][0] != '-') {
            a->file = argv[i];
        } else {
            return cli_usage("usage: scalekeeper restore <file> "
                             "[--bump-revision N] [--force]");
        }
    }
    if (a->file == NULL) {
        return cli_usage("usage: scalekeeper restore <file> "
                         "[--bump-revision N] [--force]");
    }
    return 0;
}

int cli_restore(const struct options *o, int argc, char **argv)
{
    struct restore_args a;
    struct stream s;
    struct buf b;
    struct fsm f;
    redisContext *c = NULL;
    long long floor;
    long long written;
    int rc = parse_restore(argc, argv, &a);

    if (rc != 0) {
        return rc;
    }
    buf_init(&b);
    fsm_init(&f);
    rc = read_file(a.file, &b);
    if (rc == 0) {
        rc = decode(a.file, &b, &f);
    }
    if (rc == 0 && (rc = stream_init(&s, o)) == 0) {
        c = stream_connect(&s, true);
        rc = c == NULL ? CLI_EXIT_UNREACHABLE : 0;
        if (rc == 0 && !a.force) {
            long long n = int_reply(c, redisCommand(c, "DBSIZE"), "DBSIZE");
            if (n != 0) {
                if (n > 0) {
                    fprintf(stderr,
                            "error: the cluster holds %lld keys: "
                            "restore into an empty cluster, or pass "
                            "--force to write over them\n",
                            n);
                }
                rc = CLI_EXIT_REPLY;
            }
        }
        if (rc == 0) {
            floor = int_reply(c,
                              redisCommand(c, "REVISION.FLOOR %llu",
                                           (unsigned long long)f.revision +
                                               (unsigned long long)a.bump),
                              "REVISION.FLOOR");
            rc = floor < 0 ? CLI_EXIT_REPLY : 0;
        }
        if (rc == 0) {
            written = write_keys(c, &f);
            rc = written < 0 ? CLI_EXIT_REPLY : 0;
        }
        if (rc == 0) {
            printf("restored %lld keys of the backup at revision %llu, as "
                   "revisions after %lld; %zu keys on leases not restored; "
                   "watchers resume from revision %lld or later\n",
                   written, (unsigned long long)f.revision, floor,
                   leased_keys(&f), floor + 1);
        }
        if (c != NULL) {
            redisFree(c);
        }
        stream_close(&s);
    }
    fsm_close(&f);
    buf_close(&b);
    return rc;
}

/* CLIENT LIST and CLIENT KILL without the sockets: their filters, the type
 * of a connection and the line describing it, as Redis 7 words them
 * (proto/PROTOCOL.md §3.3 CLIENT). */
#include "cmd/clients.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd/command.h"
#include "cmd/session.h"
#include "lib/mem.h"

void client_filter_init(struct client_filter *f)
{
    memset(f, 0, sizeof *f);
    f->type = -1;
}

void client_filter_close(struct client_filter *f)
{
    mem_free(f->ids);
    client_filter_init(f);
}

static int parse_type(struct slice s, int *type, char *errmsg)
{
    if (slice_eq_nocase(s, "normal")) {
        *type = CLIENT_TYPE_NORMAL;
    } else if (slice_eq_nocase(s, "master")) {
        *type = CLIENT_TYPE_MASTER;
    } else if (slice_eq_nocase(s, "replica") || slice_eq_nocase(s, "slave")) {
        *type = CLIENT_TYPE_REPLICA;
    } else if (slice_eq_nocase(s, "pubsub")) {
        *type = CLIENT_TYPE_PUBSUB;
    } else {
        snprintf(errmsg, SK_ERRMSG_SIZE, "Unknown client type '%.*s'",
                 (int)(s.len > 64 ? 64 : s.len), s.base);
        return -1;
    }
    return 0;
}

/* A client id as Redis takes it: 1 to INT64_MAX. */
static bool parse_id(struct slice s, uint64_t *id)
{
    return slice_to_u64(s, id) && *id >= 1 && *id <= INT64_MAX;
}

static int syntax_error(char *errmsg)
{
    snprintf(errmsg, SK_ERRMSG_SIZE, "syntax error");
    return -1;
}

int clients_parse_list(struct client_filter *f,
                       size_t argc,
                       const struct slice *argv,
                       char errmsg[SK_ERRMSG_SIZE])
{
    size_t i = 2;

    while (i < argc) {
        if (slice_eq_nocase(argv[i], "type") && i + 1 < argc) {
            if (parse_type(argv[i + 1], &f->type, errmsg) != 0) {
                return -1;
            }
            i += 2;
        } else if (slice_eq_nocase(argv[i], "id") && i + 1 < argc) {
            mem_free(f->ids);
            f->n_ids = argc - i - 1;
            f->ids = mem_alloc(f->n_ids * sizeof *f->ids);
            for (size_t j = 0; j < f->n_ids; j++) {
                if (!parse_id(argv[i + 1 + j], &f->ids[j])) {
                    snprintf(errmsg, SK_ERRMSG_SIZE, "Invalid client ID");
                    return -1;
                }
            }
            i = argc;
        } else {
            return syntax_error(errmsg);
        }
    }
    return 0;
}

/* MAXAGE: a positive number of seconds. */
static int parse_max_age(struct slice s, uint64_t *secs, char *errmsg)
{
    struct slice digits = s;

    if (s.len > 1 && s.base[0] == '-') {
        digits = (struct slice){ s.base + 1, s.len - 1 };
    }
    if (!slice_to_u64(digits, secs) || *secs > INT64_MAX) {
        snprintf(errmsg, SK_ERRMSG_SIZE,
                 "maxage is not an integer or out of range");
        return -1;
    }
    if (digits.base != s.base || *secs == 0) {
        return syntax_error(errmsg); /* Redis: "maxage <= 0" */
    }
    return 0;
}

/* One KILL filter and its value. */
static int parse_kill_pair(struct client_filter *f,
                           struct slice name,
                           struct slice value,
                           char *errmsg)
{
    if (slice_eq_nocase(name, "id")) {
        uint64_t id;
        if (!parse_id(value, &id)) {
            snprintf(errmsg, SK_ERRMSG_SIZE,
                     "client-id should be greater than 0");
            return -1;
        }
        f->ids = mem_realloc(f->ids, sizeof *f->ids);
        f->ids[0] = id;
        f->n_ids = 1;
    } else if (slice_eq_nocase(name, "type")) {
        return parse_type(value, &f->type, errmsg);
    } else if (slice_eq_nocase(name, "addr")) {
        f->addr = value;
    } else if (slice_eq_nocase(name, "laddr")) {
        f->laddr = value;
    } else if (slice_eq_nocase(name, "skipme")) {
        if (slice_eq_nocase(value, "yes")) {
            f->skip_me = true;
        } else if (slice_eq_nocase(value, "no")) {
            f->skip_me = false;
        } else {
            return syntax_error(errmsg);
        }
    } else if (slice_eq_nocase(name, "maxage")) {
        return parse_max_age(value, &f->max_age_s, errmsg);
    } else {
        return syntax_error(errmsg);
    }
    return 0;
}

int clients_parse_kill(struct client_filter *f,
                       size_t argc,
                       const struct slice *argv,
                       char errmsg[SK_ERRMSG_SIZE])
{
    f->skip_me = true;
    for (size_t i = 2; i < argc; i += 2) {
        if (i + 1 == argc) {
            return syntax_error(errmsg);
        }
        if (parse_kill_pair(f, argv[i], argv[i + 1], errmsg) != 0) {
            return -1;
        }
    }
    return 0;
}

enum client_type clients_type_of(const struct session *s)
{
    if (s->is_peer) {
        return CLIENT_TYPE_REPLICA;
    }
    if (session_is_pushing(s)) {
        return CLIENT_TYPE_PUBSUB;
    }
    return CLIENT_TYPE_NORMAL;
}

static bool str_eq(struct slice want, const char *s)
{
    return strlen(s) == want.len && memcmp(s, want.base, want.len) == 0;
}

static uint64_t seconds_since(uint64_t then_ms, uint64_t now_ms)
{
    return now_ms > then_ms ? (now_ms - then_ms) / 1000 : 0;
}

bool clients_match(const struct client_filter *f,
                   const struct client_view *v,
                   const struct session *self,
                   uint64_t now_ms)
{
    const struct session *s = v->session;
    bool id_found = f->ids == NULL;

    for (size_t i = 0; i < f->n_ids && !id_found; i++) {
        id_found = f->ids[i] == s->id;
    }
    return id_found && (f->type < 0 || (int)clients_type_of(s) == f->type) &&
           (f->addr.len == 0 || str_eq(f->addr, v->addr)) &&
           (f->laddr.len == 0 || str_eq(f->laddr, v->laddr)) &&
           (f->max_age_s == 0 ||
            seconds_since(s->created_ms, now_ms) >= f->max_age_s) &&
           !(f->skip_me && s == self);
}

/* Redis' flag letters, in Redis' order; "N" for none. */
static void describe_flags(const struct session *s, char out[8])
{
    char *p = out;

    if (s->is_peer) {
        *p++ = 'S';
    }
    if (session_is_pushing(s)) {
        *p++ = 'P';
    }
    if (s->in_multi) {
        *p++ = 'x';
    }
    if (s->blocked) {
        *p++ = 'b';
    }
    if (s->quit) {
        *p++ = 'c';
    }
    if (s->readonly) {
        *p++ = 'r';
    }
    if (p == out) {
        *p++ = 'N';
    }
    *p = '\0';
}

static size_t count_subs(const struct session *s, enum sub_kind kind)
{
    size_t n = 0;

    for (size_t i = 0; i < s->subs.n; i++) {
        n += s->subs.items[i].kind == kind;
    }
    return n;
}

void clients_describe(struct buf *b,
                      const struct client_view *v,
                      uint64_t now_ms)
{
    const struct session *s = v->session;
    char flags[8];

    describe_flags(s, flags);
    buf_printf(b,
               "id=%" PRIu64 " addr=%s laddr=%s fd=%d name=%s age=%" PRIu64
               " idle=%" PRIu64 " flags=%s db=0 sub=%zu psub=%zu multi=%lld"
               " watch=%" PRIu32 " qbuf=%zu omem=%zu events=%s%s cmd=%s%s%s"
               " resp=2 peer=%" PRIu64,
               s->id, v->addr, v->laddr, v->fd, s->name,
               seconds_since(s->created_ms, now_ms),
               seconds_since(s->last_ms, now_ms), flags,
               count_subs(s, SUB_CHANNEL), count_subs(s, SUB_PATTERN),
               s->in_multi ? (long long)s->txn.n_cmds : -1LL, s->txn.n_watch,
               v->qbuf, v->omem, v->reading ? "r" : "", v->writing ? "w" : "",
               s->last_cmd != NULL ? s->last_cmd->name : "NULL",
               s->last_cmd != NULL && s->last_sub[0] != '\0' ? "|" : "",
               s->last_cmd != NULL ? s->last_sub : "", s->peer_id);
}

/* scalekeeperd settings: one table of options drives the command-line flags,
 * the INI file keys, --help and validation. Defaults < file < flags. */
#ifdef HAVE_CONFIG_H
#include <config.h> /* autoconf's, for PACKAGE_VERSION; not daemon/config.h */
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "daemon/config.h"
#include "lib/log.h"
#include "lib/mem.h"

#ifndef PACKAGE_VERSION
#error \
    "PACKAGE_VERSION is undefined: build with configure, or pass -DPACKAGE_VERSION"
#endif

#define PROGRAM_NAME "scalekeeperd"

/* Upper bounds of the client limits. The log entry format stores lengths
 * and counts as u32 (proto/ENTRY.md), and the server adds and multiplies
 * them (argc x key bytes) in size_t, so they stay well below 2^32. */
#define BYTES_MAX        (1024ULL * 1024 * 1024)
#define ARGC_MAX         (1024ULL * 1024)
#define COUNT_MAX        UINT32_MAX
#define TIMEOUT_MS_MIN   10
#define TIMEOUT_MS_MAX   600000
#define ZONE_MAX_LEN     63
#define ADDRESS_HOST_MAX 64 /* enough for any IPv6 literal */

/* getopt_long() returns OPT_VAL_BASE + index into options[] for table
 * options; below that are the short letters of -c, -h and -V. */
#define OPT_VAL_BASE 256

/* --help: meanings start at this column and wrap before USAGE_WIDTH. */
#define USAGE_COL   30
#define USAGE_WIDTH 80
#define KIB         1024ULL
#define MIB         (1024ULL * 1024)

enum opt_kind {
    OPT_ID,        /* uint64_t, a node id >= 1 */
    OPT_UINT,      /* unsigned within [min, max] */
    OPT_SIZE,      /* size_t within [min, max] */
    OPT_STRING,    /* char *, non-empty */
    OPT_ZONE,      /* char *, a short name */
    OPT_ADDRESS,   /* char *, HOST:PORT */
    OPT_BOOTSTRAP, /* struct config_peer[], ID=HOST:PORT,... */
    OPT_LOG_LEVEL, /* char *, a level log_level_parse() accepts */
};

struct opt {
    const char *name;          /* the flag without "--", and the INI key */
    enum opt_kind kind;        /* how to parse and store the value */
    size_t offset;             /* of the field in struct config */
    uint64_t min, max;         /* range of numeric kinds */
    const char *arg;           /* the value's placeholder in --help */
    const char *meaning;       /* one line for --help */
    const char *fixed_default; /* --help's default when not the field's */
    const char *heading;       /* non-NULL: --help starts a group here */
};

#define FIELD(f) offsetof(struct config, f)

static const struct opt options[] = {
    { "id", OPT_ID, FIELD(id), 1, UINT64_MAX, "N",
      "this node's id, unique in the cluster and never reused", "required",
      "Node:" },
    { "zone", OPT_ZONE, FIELD(zone), 0, 0, "NAME",
      "failure zone (rack or site) of this node: letters, digits, '.', '_' "
      "or '-'",
      NULL, NULL },
    { "raft", OPT_ADDRESS, FIELD(raft_address), 0, 0, "HOST:PORT",
      "Raft address the other nodes use to reach this one", "required", NULL },
    { "raft-bind", OPT_ADDRESS, FIELD(raft_bind), 0, 0, "HOST:PORT",
      "local address to accept Raft connections on, if not --raft",
      "the --raft address", NULL },
    { "listen", OPT_ADDRESS, FIELD(listen), 0, 0, "HOST:PORT",
      "address to accept client connections (Redis protocol) on", "required",
      NULL },
    { "data", OPT_STRING, FIELD(data_dir), 0, 0, "DIR",
      "directory of the Raft log and snapshots", "required", NULL },
    { "bootstrap", OPT_BOOTSTRAP, FIELD(bootstrap), 0, 0, "LIST",
      "the members of a new cluster, as ID=HOST:PORT,... with their --raft "
      "addresses; must include this node",
      "none", NULL },
    { "log-level", OPT_LOG_LEVEL, FIELD(log_level), 0, 0, "LEVEL",
      "least severe messages logged: error, warn, info or debug", NULL, NULL },

    { "election-timeout-ms", OPT_UINT, FIELD(election_timeout_ms),
      TIMEOUT_MS_MIN, TIMEOUT_MS_MAX, "MS",
      "time without hearing from a leader before a follower stands for "
      "election, 10-600000",
      NULL, "Raft:" },
    { "heartbeat-timeout-ms", OPT_UINT, FIELD(heartbeat_timeout_ms),
      TIMEOUT_MS_MIN, TIMEOUT_MS_MAX, "MS",
      "interval of the leader's heartbeats, 10-600000 and less than the "
      "election timeout",
      NULL, NULL },
    { "snapshot-threshold", OPT_UINT, FIELD(snapshot_threshold), 1, UINT_MAX,
      "N", "log entries since the last snapshot that start a new one", NULL,
      NULL },
    { "snapshot-trailing", OPT_UINT, FIELD(snapshot_trailing), 1, UINT_MAX, "N",
      "log entries kept after a snapshot, to catch up slow followers", NULL,
      NULL },
    { "max-inflight-entries", OPT_UINT, FIELD(max_inflight_entries), 1,
      UINT_MAX, "N",
      "append messages in flight to a follower, or being written locally, "
      "before sending waits for acknowledgments",
      NULL, NULL },

    { "max-key-bytes", OPT_SIZE, FIELD(max_key_bytes), 1, BYTES_MAX, "N",
      "bytes in one key", NULL, "Client limits:" },
    { "max-value-bytes", OPT_SIZE, FIELD(max_value_bytes), 1, BYTES_MAX, "N",
      "bytes in one value", NULL, NULL },
    { "max-argc", OPT_SIZE, FIELD(max_argc), 1, ARGC_MAX, "N",
      "arguments in one command, its name included", NULL, NULL },
    { "max-inline-bytes", OPT_SIZE, FIELD(max_inline_bytes), 1, BYTES_MAX, "N",
      "bytes in one inline (telnet-style) command line", NULL, NULL },
    { "max-clients", OPT_SIZE, FIELD(max_clients), 1, COUNT_MAX, "N",
      "client connections open at once; more are refused", NULL, NULL },
    { "max-output-bytes", OPT_SIZE, FIELD(max_output_bytes), 1, BYTES_MAX, "N",
      "reply bytes queued for one client; a client that reads slower is "
      "disconnected",
      NULL, NULL },
    { "max-pending", OPT_SIZE, FIELD(max_pending), 1, COUNT_MAX, "N",
      "commands of one client in progress at once; its input waits beyond "
      "that",
      NULL, NULL },
    { "max-keys-reply", OPT_SIZE, FIELD(max_keys_reply), 1, COUNT_MAX, "N",
      "keys one KEYS reply may return; a larger match is refused", NULL, NULL },
    { "max-batch-bytes", OPT_SIZE, FIELD(max_batch_bytes), 1, BYTES_MAX, "N",
      "client commands proposed together in one log entry, in bytes; the "
      "entry closes once it reaches this size",
      NULL, NULL },
};

#define N_OPTIONS (sizeof options / sizeof options[0])

/* Where a value came from, for messages: a flag, or a file and line. */
struct origin {
    const char *file; /* NULL for a flag */
    int line;
    const char *name; /* as the user spelled it: "--id" or "id" */
};

__attribute__((format(printf, 2, 3))) static int
fail(char *errmsg, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(errmsg, SK_ERRMSG_SIZE, fmt, ap);
    va_end(ap);
    return SK_EINVAL;
}

/* Like fail(), prefixed with "FILE:LINE: " when the value came from a file
 * and naming the option as the user spelled it (option 'x' or '--x'). */
__attribute__((format(printf, 3, 4))) static int
fail_at(char *errmsg, const struct origin *o, const char *fmt, ...)
{
    char detail[SK_ERRMSG_SIZE];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (o->file != NULL) {
        return fail(errmsg, "%s:%d: option '%s' %s", o->file, o->line, o->name,
                    detail);
    }
    return fail(errmsg, "option '%s' %s", o->name, detail);
}

void config_init(struct config *c)
{
    memset(c, 0, sizeof *c);
    c->zone = mem_strdup("default");
    c->log_level = mem_strdup("info");
    c->election_timeout_ms = 1000;
    c->heartbeat_timeout_ms = 100;
    c->snapshot_threshold = 8192;
    c->snapshot_trailing = 2048;
    c->max_inflight_entries = 256;
    c->max_key_bytes = 1024;
    c->max_value_bytes = MIB;
    c->max_argc = 1024;
    c->max_inline_bytes = 64 * KIB;
    c->max_clients = 10000;
    c->max_output_bytes = 64 * MIB;
    c->max_pending = 1024;
    c->max_keys_reply = 100000;
    c->max_batch_bytes = 4 * MIB;
}

static void peers_free(struct config_peer *peers, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mem_free(peers[i].raft_address);
    }
    mem_free(peers);
}

void config_close(struct config *c)
{
    mem_free(c->zone);
    mem_free(c->raft_address);
    mem_free(c->raft_bind);
    mem_free(c->listen);
    mem_free(c->data_dir);
    mem_free(c->log_level);
    peers_free(c->bootstrap, c->n_bootstrap);
    memset(c, 0, sizeof *c);
}

/* Parse a port: 1 to 5 decimal digits, 1-65535. Returns the port or -1. */
static int parse_port(const char *s)
{
    int port = 0;
    size_t len = strlen(s);

    if (len == 0 || len > 5) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        port = port * 10 + (s[i] - '0');
    }
    return (port >= 1 && port <= 65535) ? port : -1;
}

int config_split_address(const char *addr,
                         char *host,
                         size_t host_size,
                         int *port)
{
    char tmp[ADDRESS_HOST_MAX];
    const char *host_start;
    const char *host_end;
    const char *port_str;
    size_t host_len;
    unsigned char bytes[sizeof(struct in6_addr)];
    int p;

    if (addr == NULL) {
        return SK_EINVAL;
    }
    if (addr[0] == '[') {
        host_start = addr + 1;
        host_end = strchr(host_start, ']');
        if (host_end == NULL || host_end[1] != ':') {
            return SK_EINVAL;
        }
        port_str = host_end + 2;
    } else {
        host_start = addr;
        host_end = strchr(addr, ':');
        if (host_end == NULL || strchr(host_end + 1, ':') != NULL) {
            return SK_EINVAL; /* no port, or an IPv6 literal without [] */
        }
        port_str = host_end + 1;
    }
    host_len = (size_t)(host_end - host_start);
    if (host_len == 0 || host_len >= sizeof tmp) {
        return SK_EINVAL;
    }
    memcpy(tmp, host_start, host_len);
    tmp[host_len] = '\0';

    if (addr[0] == '[') {
        if (inet_pton(AF_INET6, tmp, bytes) != 1) {
            return SK_EINVAL;
        }
    } else if (strcmp(tmp, "localhost") != 0 &&
               inet_pton(AF_INET, tmp, bytes) != 1) {
        return SK_EINVAL;
    }
    p = parse_port(port_str);
    if (p < 0) {
        return SK_EINVAL;
    }
    if (host != NULL) {
        if (host_len >= host_size) {
            return SK_EINVAL;
        }
        memcpy(host, tmp, host_len + 1);
    }
    if (port != NULL) {
        *port = p;
    }
    return 0;
}

/* Whether two valid addresses name the same endpoint: same port, and the
 * same host once IP literals are compared as numbers ([::1] == [0::1]). */
static bool address_equal(const char *a, const char *b)
{
    char host_a[ADDRESS_HOST_MAX];
    char host_b[ADDRESS_HOST_MAX];
    unsigned char bytes_a[sizeof(struct in6_addr)];
    unsigned char bytes_b[sizeof(struct in6_addr)];
    int port_a;
    int port_b;
    int family;

    if (config_split_address(a, host_a, sizeof host_a, &port_a) != 0 ||
        config_split_address(b, host_b, sizeof host_b, &port_b) != 0) {
        return false;
    }
    if (port_a != port_b) {
        return false;
    }
    family = strchr(host_a, ':') != NULL ? AF_INET6 : AF_INET;
    if (inet_pton(family, host_a, bytes_a) == 1 &&
        inet_pton(family, host_b, bytes_b) == 1) {
        return memcmp(bytes_a, bytes_b, family == AF_INET6 ? 16 : 4) == 0;
    }
    return strcmp(host_a, host_b) == 0;
}

/* Whether a valid address is 0.0.0.0 or [::]: fine to bind, but no other
 * node can connect to it. */
static bool address_is_wildcard(const char *addr)
{
    static const unsigned char zero[sizeof(struct in6_addr)];
    unsigned char bytes[sizeof(struct in6_addr)];
    char host[ADDRESS_HOST_MAX];
    int family;

    if (config_split_address(addr, host, sizeof host, NULL) != 0) {
        return false;
    }
    family = strchr(host, ':') != NULL ? AF_INET6 : AF_INET;
    if (inet_pton(family, host, bytes) != 1) {
        return false; /* localhost */
    }
    return memcmp(bytes, zero, family == AF_INET6 ? 16 : 4) == 0;
}

/* Parse a decimal number without sign, spaces or suffix. Returns 0, -1 if
 * @s is not such a number, or -2 if it does not fit in 64 bits. */
static int parse_decimal(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    bool overflow = false;

    if (*s == '\0') {
        return -1;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return -1;
        }
        unsigned digit = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - digit) / 10) {
            overflow = true;
        } else {
            v = v * 10 + digit;
        }
    }
    if (overflow) {
        return -2;
    }
    *out = v;
    return 0;
}

static int set_number(struct config *c,
                      const struct opt *opt,
                      const char *value,
                      const struct origin *o,
                      char *errmsg)
{
    char *field = (char *)c + opt->offset;
    uint64_t v = 0;
    int rv = parse_decimal(value, &v);

    if (rv == -1) {
        return fail_at(errmsg, o, "must be a decimal number, not '%s'", value);
    }
    if (rv == -2 || v < opt->min || v > opt->max) {
        if (opt->kind == OPT_ID) {
            return fail_at(errmsg, o, "out of range (at least 1): %s", value);
        }
        return fail_at(errmsg, o, "out of range (%llu-%llu): %s",
                       (unsigned long long)opt->min,
                       (unsigned long long)opt->max, value);
    }
    switch (opt->kind) {
    case OPT_ID:
        *(uint64_t *)(void *)field = v;
        break;
    case OPT_UINT:
        *(unsigned *)(void *)field = (unsigned)v;
        break;
    default:
        *(size_t *)(void *)field = (size_t)v;
        break;
    }
    return 0;
}

static bool zone_is_valid(const char *s)
{
    size_t len = strlen(s);

    if (len == 0 || len > ZONE_MAX_LEN) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
                  ch == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Narrow s[0..len) to leave out leading and trailing spaces and tabs. */
static void trim(const char **s, size_t *len)
{
    while (*len > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) {
        (*len)--;
    }
}

/* Parse one "ID=HOST:PORT" entry of --bootstrap into @peer. */
static int parse_peer(const char *entry,
                      size_t len,
                      struct config_peer *peer,
                      const struct origin *o,
                      char *errmsg)
{
    char id_str[32];
    char *addr;
    const char *eq;
    const char *id_start;
    size_t id_len;
    const char *addr_start;
    size_t addr_len;
    uint64_t id = 0;

    trim(&entry, &len);
    if (len == 0) {
        return fail_at(errmsg, o, "has an empty entry (a stray ',')");
    }
    eq = memchr(entry, '=', len);
    if (eq == NULL) {
        return fail_at(errmsg, o, "entry '%.*s' is not ID=HOST:PORT", (int)len,
                       entry);
    }
    id_start = entry;
    id_len = (size_t)(eq - entry);
    addr_start = eq + 1;
    addr_len = len - id_len - 1;
    trim(&id_start, &id_len);
    trim(&addr_start, &addr_len);
    if (id_len < sizeof id_str) {
        memcpy(id_str, id_start, id_len);
        id_str[id_len] = '\0';
        if (parse_decimal(id_str, &id) != 0) {
            id = 0;
        }
    }
    if (id == 0) {
        return fail_at(errmsg, o,
                       "entry '%.*s' needs a node id >= 1 before '='", (int)len,
                       entry);
    }
    addr = mem_strndup(addr_start, addr_len);
    if (config_split_address(addr, NULL, 0, NULL) != 0) {
        fail_at(errmsg, o, "entry '%.*s' needs an address HOST:PORT after '='",
                (int)len, entry);
        mem_free(addr);
        return SK_EINVAL;
    }
    peer->id = id;
    peer->raft_address = addr;
    return 0;
}

/* Parse a whole --bootstrap list; on success replace c->bootstrap. */
static int set_bootstrap(struct config *c,
                         const char *value,
                         const struct origin *o,
                         char *errmsg)
{
    struct config_peer *peers;
    size_t n = 1;
    size_t i = 0;
    const char *p = value;
    int rv = 0;

    for (const char *q = value; *q != '\0'; q++) {
        n += *q == ',';
    }
    peers = mem_calloc(n, sizeof *peers);
    for (i = 0; i < n; i++) {
        size_t len = strcspn(p, ",");
        rv = parse_peer(p, len, &peers[i], o, errmsg);
        if (rv != 0) {
            goto err;
        }
        for (size_t j = 0; j < i; j++) {
            if (peers[j].id == peers[i].id) {
                i++; /* peers[i] is filled in: free it too */
                rv = fail_at(errmsg, o, "lists node id %llu twice",
                             (unsigned long long)peers[j].id);
                goto err;
            }
            if (address_equal(peers[j].raft_address, peers[i].raft_address)) {
                i++;
                rv = fail_at(errmsg, o, "lists address %s twice",
                             peers[j].raft_address);
                goto err;
            }
        }
        p += len + 1;
    }
    peers_free(c->bootstrap, c->n_bootstrap);
    c->bootstrap = peers;
    c->n_bootstrap = n;
    return 0;

err:
    peers_free(peers, i);
    return rv;
}

/* Parse @value for @opt and store it in @c, replacing any earlier value. */
static int set_option(struct config *c,
                      const struct opt *opt,
                      const char *value,
                      const struct origin *o,
                      char *errmsg)
{
    char **field = (char **)(void *)((char *)c + opt->offset);
    enum log_level level;

    if (value[0] == '\0') {
        return fail_at(errmsg, o, "needs a value");
    }
    switch (opt->kind) {
    case OPT_ID:
    case OPT_UINT:
    case OPT_SIZE:
        return set_number(c, opt, value, o, errmsg);
    case OPT_BOOTSTRAP:
        return set_bootstrap(c, value, o, errmsg);
    case OPT_ADDRESS:
        if (config_split_address(value, NULL, 0, NULL) != 0) {
            return fail_at(errmsg, o,
                           "must be HOST:PORT (an IPv4 address, localhost "
                           "or [IPv6], and a port 1-65535), not '%s'",
                           value);
        }
        break;
    case OPT_ZONE:
        if (!zone_is_valid(value)) {
            return fail_at(errmsg, o,
                           "must be 1-%d letters, digits, '.', '_' or '-', "
                           "not '%s'",
                           ZONE_MAX_LEN, value);
        }
        break;
    case OPT_LOG_LEVEL:
        if (log_level_parse(value, &level) != 0) {
            return fail_at(errmsg, o,
                           "must be error, warn, info or debug, not '%s'",
                           value);
        }
        break;
    case OPT_STRING:
        break;
    }
    mem_free(*field);
    *field = mem_strdup(value);
    return 0;
}

/* The table entry for an INI key, '_' read as '-'; NULL if unknown. */
static const struct opt *find_key(const char *key)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const char *a = options[i].name;
        const char *b = key;
        while (*a != '\0' && (*a == *b || (*a == '-' && *b == '_'))) {
            a++;
            b++;
        }
        if (*a == '\0' && *b == '\0') {
            return &options[i];
        }
    }
    return NULL;
}

/* State of one INI file while inih reads it through file_reader(). */
struct file_ctx {
    struct config *c;
    const char *path;
    FILE *f;
    int line;     /* number of the line last read */
    int err_line; /* line of the error in errmsg, 0 if none yet */
    char *errmsg;
};

static void file_error(struct file_ctx *ctx, const char *detail)
{
    if (ctx->err_line == 0) {
        ctx->err_line = ctx->line;
        fail(ctx->errmsg, "%s:%d: %s", ctx->path, ctx->line, detail);
    }
}

/* inih's reader: fgets() that counts lines and refuses lines longer than
 * inih can hold, which it would otherwise split silently. */
static char *file_reader(char *str, int num, void *stream)
{
    struct file_ctx *ctx = stream;
    int ch;

    if (fgets(str, num, ctx->f) == NULL) {
        return NULL;
    }
    ctx->line++;
    if (strchr(str, '\n') == NULL && !feof(ctx->f)) {
        ch = fgetc(ctx->f);
        if (ch == '\r') {
            ch = fgetc(ctx->f); /* CRLF: the CR does not count */
        }
        if (ch != '\n' && ch != EOF) {
            while (ch != '\n' && ch != EOF) {
                ch = fgetc(ctx->f);
            }
            file_error(ctx, "line too long");
            str[0] = ';'; /* a comment: inih skips it */
            str[1] = '\0';
        }
    }
    return str;
}

static int file_handler(void *user,
                        const char *section,
                        const char *name,
                        const char *value)
{
    struct file_ctx *ctx = user;
    const struct opt *opt;
    struct origin o = { ctx->path, ctx->line, name };
    char detail[SK_ERRMSG_SIZE];

    if (ctx->err_line != 0) {
        return 0;
    }
    if (section[0] != '\0' && strcmp(section, PROGRAM_NAME) != 0) {
        snprintf(detail, sizeof detail,
                 "unknown section [%s] (use [" PROGRAM_NAME "] or none)",
                 section);
        file_error(ctx, detail);
        return 0;
    }
    opt = find_key(name);
    if (opt == NULL) {
        snprintf(detail, sizeof detail, "unknown option '%s'", name);
        file_error(ctx, detail);
        return 0;
    }
    if (set_option(ctx->c, opt, value, &o, ctx->errmsg) != 0) {
        ctx->err_line = ctx->line;
        return 0;
    }
    return 1;
}

static int load_file(struct config *c, const char *path, char *errmsg)
{
    struct file_ctx ctx = { c, path, NULL, 0, 0, errmsg };
    int rv;

    ctx.f = fopen(path, "r");
    if (ctx.f == NULL) {
        return fail(errmsg, "cannot open config file %s: %s", path,
                    strerror(errno));
    }
    rv = ini_parse_stream(file_reader, &ctx, file_handler, &ctx);
    fclose(ctx.f);
    /* inih returns the first line it found wrong, which may be a syntax
     * error before the first error the handler reported. */
    if (rv > 0 && (ctx.err_line == 0 || rv < ctx.err_line)) {
        return fail(errmsg,
                    "%s:%d: syntax error (expected 'name = value' "
                    "or '[section]')",
                    path, rv);
    }
    if (ctx.err_line != 0) {
        return SK_EINVAL;
    }
    if (rv < 0) {
        return fail(errmsg, "cannot read config file %s", path);
    }
    return 0;
}

/* The default of @opt as --help shows it, in @buf. */
static const char *default_text(const struct opt *opt,
                                const struct config *defaults,
                                char *buf,
                                size_t size)
{
    const char *field = (const char *)defaults + opt->offset;
    unsigned long long v;
    bool is_bytes;

    if (opt->fixed_default != NULL) {
        return opt->fixed_default;
    }
    switch (opt->kind) {
    case OPT_UINT:
        snprintf(buf, size, "%u", *(const unsigned *)(const void *)field);
        return buf;
    case OPT_SIZE:
        v = *(const size_t *)(const void *)field;
        is_bytes = strstr(opt->name, "-bytes") != NULL;
        if (is_bytes && v % MIB == 0) {
            snprintf(buf, size, "%llu = %llu MiB", v, v / MIB);
        } else if (is_bytes && v % KIB == 0) {
            snprintf(buf, size, "%llu = %llu KiB", v, v / KIB);
        } else {
            snprintf(buf, size, "%llu", v);
        }
        return buf;
    default:
        return *(char *const *)(const void *)field;
    }
}

/* Print "  LEFT  MEANING SUFFIX", the meaning word-wrapped at USAGE_COL and
 * the suffix (the default) kept whole on one line. */
static void
usage_item(FILE *out, const char *left, const char *meaning, const char *suffix)
{
    int col = fprintf(out, "  %s", left);
    const char *p = meaning;
    int len;

    if (col + 2 > USAGE_COL) {
        fputc('\n', out);
        col = 0;
    }
    fprintf(out, "%*s", USAGE_COL - col, "");
    col = USAGE_COL;
    while (*p != '\0') {
        len = (int)strcspn(p, " ");
        if (col > USAGE_COL && col + 1 + len >= USAGE_WIDTH) {
            fprintf(out, "\n%*s", USAGE_COL, "");
            col = USAGE_COL;
        } else if (col > USAGE_COL) {
            fputc(' ', out);
            col++;
        }
        fwrite(p, 1, (size_t)len, out);
        col += len;
        p += len;
        while (*p == ' ') {
            p++;
        }
    }
    if (suffix != NULL) {
        len = (int)strlen(suffix);
        if (col + 1 + len >= USAGE_WIDTH) {
            fprintf(out, "\n%*s", USAGE_COL, "");
        } else {
            fputc(' ', out);
        }
        fputs(suffix, out);
    }
    fputc('\n', out);
}

static void print_usage(FILE *out)
{
    struct config defaults;
    char left[64];
    char suffix[96];
    char def[64];

    config_init(&defaults);
    fputs("Usage: " PROGRAM_NAME " --id N --raft HOST:PORT --listen "
          "HOST:PORT --data DIR\n"
          "                    [OPTION]...\n\n"
          "Run one node of a scalekeeper cluster: a Raft-replicated "
          "key-value store\n"
          "that clients reach with the Redis protocol (RESP2).\n"
          "\n"
          "Each option can also be set in the INI file given with -c, as "
          "'name = value'\n"
          "with the name spelled without the leading dashes ('-' or '_' "
          "alike), under\n"
          "a [" PROGRAM_NAME "] section or none. Flags override the file, "
          "which overrides\n"
          "the defaults. HOST:PORT is an IPv4 address, localhost or "
          "[IPv6], and a port.\n",
          out);
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct opt *opt = &options[i];
        const char *def_text;

        if (opt->heading != NULL) {
            fprintf(out, "\n%s\n", opt->heading);
        }
        snprintf(left, sizeof left, "--%s %s", opt->name, opt->arg);
        def_text = default_text(opt, &defaults, def, sizeof def);
        if (strcmp(def_text, "required") == 0) {
            snprintf(suffix, sizeof suffix, "(required)");
        } else {
            snprintf(suffix, sizeof suffix, "(default: %s)", def_text);
        }
        usage_item(out, left, opt->meaning, suffix);
    }
    fputs("\nOther:\n", out);
    usage_item(out, "-c, --config FILE",
               "read options from this INI file first", NULL);
    usage_item(out, "-h, --help", "print this help and exit", NULL);
    usage_item(out, "-V, --version", "print the version and exit", NULL);
    config_close(&defaults);
}

/* getopt_long()'s table: every table option takes a value. */
static void build_longopts(struct option *longopts)
{
    size_t i;

    for (i = 0; i < N_OPTIONS; i++) {
        longopts[i] = (struct option){ options[i].name, required_argument, NULL,
                                       OPT_VAL_BASE + (int)i };
    }
    longopts[i++] = (struct option){ "config", required_argument, NULL, 'c' };
    longopts[i++] = (struct option){ "help", no_argument, NULL, 'h' };
    longopts[i++] = (struct option){ "version", no_argument, NULL, 'V' };
    longopts[i] = (struct option){ NULL, 0, NULL, 0 };
}

/* Explain a '?' from getopt_long() (opterr is off, so it printed nothing). */
static int bad_flag(char **argv, char *errmsg)
{
    const char *arg = argv[optind - 1];
    size_t len;
    size_t n_matches = 0;

    len = strcspn(arg, "=");
    if (optopt == 'h' || optopt == 'V') {
        return fail(errmsg, "option '%.*s' takes no value", (int)len, arg);
    }
    if (optopt != 0) {
        return fail(errmsg, "unknown option '-%c'", optopt);
    }
    for (size_t i = 0; i < N_OPTIONS; i++) {
        if (len > 2 && strncmp(options[i].name, arg + 2, len - 2) == 0) {
            n_matches++;
        }
    }
    if (n_matches > 1) {
        return fail(errmsg, "ambiguous option '%.*s'", (int)len, arg);
    }
    return fail(errmsg, "unknown option '%.*s'", (int)len, arg);
}

/* getopt_long() accepts any unambiguous prefix of a long option; we do not,
 * so that adding an option never breaks a command line that worked. @lo is
 * the option getopt_long() just returned, named by "--name=value" or by
 * "--name" followed by the value. */
static int check_long_name(char **argv, const struct option *lo, char *errmsg)
{
    const char *text = argv[optind - 1];
    size_t len;

    if (lo->has_arg == required_argument && optarg == argv[optind - 1]) {
        text = argv[optind - 2];
    }
    len = strcspn(text, "=");
    if (len == strlen(lo->name) + 2 &&
        strncmp(text + 2, lo->name, len - 2) == 0) {
        return 0;
    }
    return fail(errmsg, "unknown option '%.*s' (did you mean --%s?)", (int)len,
                text, lo->name);
}

/* Flags seen in the first pass over argv. */
struct first_pass {
    const char *config_path; /* last -c, points into argv */
    bool help;
    bool version;
};

/* Walk argv once to check its syntax and find -c, --help and --version;
 * the second walk (apply_flags) can then rely on argv being well formed. */
static int scan_flags(int argc,
                      char **argv,
                      const struct option *longopts,
                      struct first_pass *fp,
                      char *errmsg)
{
    int ch;
    int index = -1;
    int rv;

    optind = 0; /* glibc: reinitialize, even after an earlier parse */
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+:c:hV", longopts, &index)) != -1) {
        if (index >= 0 && ch != ':' && ch != '?') {
            rv = check_long_name(argv, &longopts[index], errmsg);
            if (rv != 0) {
                return rv;
            }
        }
        index = -1;
        switch (ch) {
        case 'c':
            if (optarg[0] == '\0') {
                return fail(errmsg, "option '--config' needs a value");
            }
            fp->config_path = optarg;
            break;
        case 'h':
            fp->help = true;
            break;
        case 'V':
            fp->version = true;
            break;
        case ':':
            return fail(errmsg, "option '%s' requires a value",
                        argv[optind - 1]);
        case '?':
            return bad_flag(argv, errmsg);
        default:
            break;
        }
    }
    if (optind < argc) {
        return fail(errmsg, "unexpected argument '%s'", argv[optind]);
    }
    return 0;
}

static int apply_flags(struct config *c,
                       int argc,
                       char **argv,
                       const struct option *longopts,
                       char *errmsg)
{
    char name[64];
    int ch;
    int rv;

    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+:c:hV", longopts, NULL)) != -1) {
        if (ch < OPT_VAL_BASE) {
            continue; /* -c, -h, -V: handled by scan_flags() */
        }
        const struct opt *opt = &options[ch - OPT_VAL_BASE];
        struct origin o = { NULL, 0, name };
        snprintf(name, sizeof name, "--%s", opt->name);
        rv = set_option(c, opt, optarg, &o, errmsg);
        if (rv != 0) {
            return rv;
        }
    }
    return 0;
}

/* Check what no single option can: required ones, and their relations. */
static int validate(const struct config *c, char *errmsg)
{
    const char *bind = c->raft_bind != NULL ? c->raft_bind : c->raft_address;
    const struct config_peer *self = NULL;

    if (c->id == 0) {
        return fail(errmsg, "missing required option --id");
    }
    if (c->raft_address == NULL) {
        return fail(errmsg, "missing required option --raft");
    }
    if (c->listen == NULL) {
        return fail(errmsg, "missing required option --listen");
    }
    if (c->data_dir == NULL) {
        return fail(errmsg, "missing required option --data");
    }
    if (address_is_wildcard(c->raft_address)) {
        return fail(errmsg,
                    "--raft %s is not an address other nodes can reach; "
                    "bind to it with --raft-bind instead",
                    c->raft_address);
    }
    if (address_equal(c->listen, bind)) {
        return fail(errmsg, "--listen and the Raft address are both %s",
                    c->listen);
    }
    if (c->heartbeat_timeout_ms >= c->election_timeout_ms) {
        return fail(errmsg,
                    "--heartbeat-timeout-ms (%u) must be less than "
                    "--election-timeout-ms (%u)",
                    c->heartbeat_timeout_ms, c->election_timeout_ms);
    }
    if (c->n_bootstrap == 0) {
        return 0;
    }
    for (size_t i = 0; i < c->n_bootstrap; i++) {
        if (address_is_wildcard(c->bootstrap[i].raft_address)) {
            return fail(errmsg,
                        "--bootstrap node %llu at %s is not an address "
                        "other nodes can reach",
                        (unsigned long long)c->bootstrap[i].id,
                        c->bootstrap[i].raft_address);
        }
        if (c->bootstrap[i].id == c->id) {
            self = &c->bootstrap[i];
        }
    }
    if (self == NULL) {
        return fail(errmsg,
                    "--bootstrap must list this node: add %llu=%s "
                    "(its --id and --raft address)",
                    (unsigned long long)c->id, c->raft_address);
    }
    if (!address_equal(self->raft_address, c->raft_address)) {
        return fail(errmsg,
                    "--bootstrap lists this node (id %llu) at %s but --raft "
                    "is %s; they must be the same",
                    (unsigned long long)c->id, self->raft_address,
                    c->raft_address);
    }
    return 0;
}

int config_parse(struct config *c,
                 int argc,
                 char **argv,
                 char errmsg[SK_ERRMSG_SIZE])
{
    struct option longopts[N_OPTIONS + 4];
    struct first_pass fp = { NULL, false, false };
    int rv;

    errmsg[0] = '\0';
    build_longopts(longopts);
    rv = scan_flags(argc, argv, longopts, &fp, errmsg);
    if (rv != 0) {
        return rv;
    }
    if (fp.help) {
        print_usage(stdout);
        return CONFIG_EXIT;
    }
    if (fp.version) {
        printf(PROGRAM_NAME " " PACKAGE_VERSION "\n");
        return CONFIG_EXIT;
    }
    if (fp.config_path != NULL) {
        rv = load_file(c, fp.config_path, errmsg);
        if (rv != 0) {
            return rv;
        }
    }
    rv = apply_flags(c, argc, argv, longopts, errmsg);
    if (rv != 0) {
        return rv;
    }
    return validate(c, errmsg);
}

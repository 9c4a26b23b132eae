/* scalekeeperd settings, the values: parse one option's value (numbers,
 * sizes, addresses, --bootstrap lists, zone names), check it, store it in
 * struct config; then check the options against each other. */
#include "daemon/config_value.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/notify_flags.h"

#define ZONE_MAX_LEN     63
#define ADDRESS_HOST_MAX 64 /* enough for any IPv6 literal */

int config_value_fail(char errmsg[SK_ERRMSG_SIZE], const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(errmsg, SK_ERRMSG_SIZE, fmt, ap);
    va_end(ap);
    return SK_EINVAL;
}

/* Like config_value_fail(), prefixed with "FILE:LINE: " when the value came
 * from a file and naming the option as the user spelled it (option 'x' or
 * '--x'). */
__attribute__((format(printf, 3, 4))) static int
fail_at(char *errmsg, const struct config_origin *o, const char *fmt, ...)
{
    char detail[SK_ERRMSG_SIZE];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (o->file != NULL) {
        return config_value_fail(errmsg, "%s:%d: option '%s' %s", o->file,
                                 o->line, o->name, detail);
    }
    return config_value_fail(errmsg, "option '%s' %s", o->name, detail);
}

void config_value_peers_free(struct config_peer *peers, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mem_free(peers[i].raft_address);
    }
    mem_free(peers);
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
                      const struct config_opt *opt,
                      const char *value,
                      const struct config_origin *o,
                      char *errmsg)
{
    char *field = (char *)c + opt->offset;
    uint64_t v = 0;
    int rv = parse_decimal(value, &v);

    if (rv == -1) {
        return fail_at(errmsg, o, "must be a decimal number, not '%s'", value);
    }
    if (rv == -2 || v < opt->min || v > opt->max) {
        if (opt->kind == CONFIG_OPT_ID) {
            return fail_at(errmsg, o, "out of range (at least 1): %s", value);
        }
        return fail_at(errmsg, o, "out of range (%llu-%llu): %s",
                       (unsigned long long)opt->min,
                       (unsigned long long)opt->max, value);
    }
    switch (opt->kind) {
    case CONFIG_OPT_ID:
        *(uint64_t *)(void *)field = v;
        break;
    case CONFIG_OPT_UINT:
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
                      const struct config_origin *o,
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
                         const struct config_origin *o,
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
    config_value_peers_free(c->bootstrap, c->n_bootstrap);
    c->bootstrap = peers;
    c->n_bootstrap = n;
    return 0;

err:
    config_value_peers_free(peers, i);
    return rv;
}

void config_value_actuators_free(struct config_actuator *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mem_free(a[i].name);
        mem_free(a[i].path);
    }
    mem_free(a);
}

/* NAME=exec:PATH, appended to the actuators; "local" and "external" are
 * built in. */
static int add_actuator(struct config *c,
                        const char *value,
                        const struct config_origin *o,
                        char *errmsg)
{
    const char *eq = strchr(value, '=');
    size_t name_len = eq != NULL ? (size_t)(eq - value) : 0;
    const char *path;
    struct config_actuator *a;

    if (eq == NULL || name_len == 0 || name_len > 64 ||
        strncmp(eq + 1, "exec:", 5) != 0) {
        return fail_at(errmsg, o, "must be NAME=exec:PATH, not '%s'", value);
    }
    for (size_t i = 0; i < name_len; i++) {
        char ch = value[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
              ch == '.')) {
            return fail_at(errmsg, o,
                           "actuator names are letters, digits, '-', '_' "
                           "or '.'");
        }
    }
    if ((name_len == 5 && strncmp(value, "local", 5) == 0) ||
        (name_len == 8 && strncmp(value, "external", 8) == 0)) {
        return fail_at(errmsg, o, "'%.*s' is a built-in actuator",
                       (int)name_len, value);
    }
    for (size_t i = 0; i < c->n_actuators; i++) {
        if (strlen(c->actuators[i].name) == name_len &&
            strncmp(c->actuators[i].name, value, name_len) == 0) {
            return fail_at(errmsg, o, "actuator '%.*s' is defined twice",
                           (int)name_len, value);
        }
    }
    path = eq + 1 + 5;
    if (path[0] != '/' || access(path, X_OK) != 0) {
        return fail_at(errmsg, o,
                       "'%s' is not an absolute path to an "
                       "executable file",
                       path);
    }
    c->actuators =
        mem_realloc(c->actuators, (c->n_actuators + 1) * sizeof *c->actuators);
    a = &c->actuators[c->n_actuators++];
    a->name = mem_strndup(value, name_len);
    a->path = mem_strdup(path);
    return 0;
}

int config_value_set(struct config *c,
                     const struct config_opt *opt,
                     const char *value,
                     const struct config_origin *o,
                     char errmsg[SK_ERRMSG_SIZE])
{
    char **field = (char **)(void *)((char *)c + opt->offset);
    enum log_level level;

    unsigned flags;

    /* An empty notify-keyspace-events turns notifications off, as in
     * Redis. */
    if (value[0] == '\0' && opt->kind != CONFIG_OPT_NOTIFY) {
        return fail_at(errmsg, o, "needs a value");
    }
    switch (opt->kind) {
    case CONFIG_OPT_ID:
    case CONFIG_OPT_UINT:
    case CONFIG_OPT_SIZE:
        return set_number(c, opt, value, o, errmsg);
    case CONFIG_OPT_BOOTSTRAP:
        return set_bootstrap(c, value, o, errmsg);
    case CONFIG_OPT_ACTUATOR:
        return add_actuator(c, value, o, errmsg);
    case CONFIG_OPT_ADDRESS:
        if (config_split_address(value, NULL, 0, NULL) != 0) {
            return fail_at(errmsg, o,
                           "must be HOST:PORT (an IPv4 address, localhost "
                           "or [IPv6], and a port 1-65535), not '%s'",
                           value);
        }
        break;
    case CONFIG_OPT_ZONE:
        if (!zone_is_valid(value)) {
            return fail_at(errmsg, o,
                           "must be 1-%d letters, digits, '.', '_' or '-', "
                           "not '%s'",
                           ZONE_MAX_LEN, value);
        }
        break;
    case CONFIG_OPT_LOG_LEVEL:
        if (log_level_parse(value, &level) != 0) {
            return fail_at(errmsg, o,
                           "must be error, warn, info or debug, not '%s'",
                           value);
        }
        break;
    case CONFIG_OPT_NOTIFY:
        if (!notify_flags_parse(value, strlen(value), &flags)) {
            return fail_at(errmsg, o,
                           "must be Redis notify-keyspace-events classes "
                           "(K E g $ l s h z x e t m d n A), not '%s'",
                           value);
        }
        break;
    case CONFIG_OPT_STRING:
        break;
    }
    mem_free(*field);
    *field = mem_strdup(value);
    return 0;
}

int config_value_validate(const struct config *c, char errmsg[SK_ERRMSG_SIZE])
{
    const char *bind = c->raft_bind != NULL ? c->raft_bind : c->raft_address;
    const struct config_peer *self = NULL;

    if (c->id == 0) {
        return config_value_fail(errmsg, "missing required option --id");
    }
    if (c->raft_address == NULL) {
        return config_value_fail(errmsg, "missing required option --raft");
    }
    if (c->listen == NULL) {
        return config_value_fail(errmsg, "missing required option --listen");
    }
    if (c->data_dir == NULL) {
        return config_value_fail(errmsg, "missing required option --data");
    }
    if (address_is_wildcard(c->raft_address)) {
        return config_value_fail(
            errmsg,
            "--raft %s is not an address other nodes can reach; "
            "bind to it with --raft-bind instead",
            c->raft_address);
    }
    if (c->advertise_client != NULL &&
        address_is_wildcard(c->advertise_client)) {
        return config_value_fail(
            errmsg,
            "--advertise-client %s is not an address clients and other "
            "nodes can reach",
            c->advertise_client);
    }
    if (c->advertise_client == NULL && address_is_wildcard(c->listen)) {
        return config_value_fail(
            errmsg,
            "--listen %s needs --advertise-client: the address other nodes "
            "forward requests to",
            c->listen);
    }
    if (address_equal(c->listen, bind)) {
        return config_value_fail(
            errmsg, "--listen and the Raft address are both %s", c->listen);
    }
    if (c->heartbeat_timeout_ms >= c->election_timeout_ms) {
        return config_value_fail(
            errmsg,
            "--heartbeat-timeout-ms (%u) must be less than "
            "--election-timeout-ms (%u)",
            c->heartbeat_timeout_ms, c->election_timeout_ms);
    }
    /* At or below the heartbeat interval, a follower misled into the short
     * timeout (a live leader whose client port refuses connections) would
     * time out between two of its heartbeats. */
    if (c->fast_failover_ms != 0 &&
        (c->fast_failover_ms <= c->heartbeat_timeout_ms ||
         c->fast_failover_ms >= c->election_timeout_ms)) {
        return config_value_fail(
            errmsg,
            "--fast-failover-ms (%u) must be more than "
            "--heartbeat-timeout-ms (%u) and less than --election-timeout-ms "
            "(%u), or 0 to turn it off",
            c->fast_failover_ms, c->heartbeat_timeout_ms,
            c->election_timeout_ms);
    }
    if (c->n_bootstrap == 0) {
        return 0;
    }
    for (size_t i = 0; i < c->n_bootstrap; i++) {
        if (address_is_wildcard(c->bootstrap[i].raft_address)) {
            return config_value_fail(
                errmsg,
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
        return config_value_fail(errmsg,
                                 "--bootstrap must list this node: add %llu=%s "
                                 "(its --id and --raft address)",
                                 (unsigned long long)c->id, c->raft_address);
    }
    if (!address_equal(self->raft_address, c->raft_address)) {
        return config_value_fail(
            errmsg,
            "--bootstrap lists this node (id %llu) at %s but --raft "
            "is %s; they must be the same",
            (unsigned long long)c->id, self->raft_address, c->raft_address);
    }
    return 0;
}

int config_sockaddr(const char *addr, struct sockaddr_storage *sa)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
    char host[256];
    int port;

    memset(sa, 0, sizeof *sa);
    if (config_split_address(addr, host, sizeof host, &port) != 0) {
        return SK_EINVAL;
    }
    if (strcmp(host, "localhost") == 0) {
        snprintf(host, sizeof host, "127.0.0.1");
    }
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        return 0;
    }
    return SK_EINVAL;
}

/* scalekeeper: the command-line client. Parses flags, sends one RESP command
 * to the first endpoint that answers (endpoints.c connects), and renders the
 * reply (output.c).
 *
 * Failover rule: a read may move on to the next endpoint when one cannot be
 * reached, drops the connection, or answers NOLEADER/NOTLEADER/TRYAGAIN/
 * UNCERTAIN. A write moves on only while nothing was sent: before a write,
 * the endpoint must answer PING; once the write is sent, a dropped connection
 * or any error reply ends the run, since the write may have been applied. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "cli/cli.h"
#include "cli/endpoints.h"
#include "cli/options.h"
#include "cli/output.h"
#include "lib/buf.h"
#include "lib/mem.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define DEFAULT_ENDPOINTS  "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003"
#define DEFAULT_TIMEOUT_MS 5000
#define MAX_TIMEOUT_MS     3600000L

struct subcommand {
    const char *name;
    const char *verb; /* the RESP command sent */
    const char *args; /* for usage messages */
    int min_args;
    int max_args; /* -1: no limit */
    int is_write;
    unsigned value_args; /* bit i set: argument i is a value; "-" is stdin */
    const char *default_arg; /* sent when the optional argument is absent */
    output_render_fn render;
};

static const struct subcommand subcommands[] = {
    { .name = "leader", .verb = "LEADER", .render = output_leader },
    { .name = "members", .verb = "MEMBERS", .render = output_members },
    { .name = "info",
      .verb = "INFO",
      .args = "[section]",
      .max_args = 1,
      .render = output_info },
    { .name = "get",
      .verb = "GET",
      .args = "<key>",
      .min_args = 1,
      .max_args = 1,
      .render = output_get },
    { .name = "set",
      .verb = "SET",
      .args = "<key> <value>",
      .min_args = 2,
      .max_args = 2,
      .is_write = 1,
      .value_args = 1u << 1,
      .render = output_set },
    { .name = "del",
      .verb = "DEL",
      .args = "<key> [key ...]",
      .min_args = 1,
      .max_args = -1,
      .is_write = 1,
      .render = output_del },
    { .name = "cas",
      .verb = "CAS",
      .args = "<key> <expected> <new>",
      .min_args = 3,
      .max_args = 3,
      .is_write = 1,
      .value_args = (1u << 1) | (1u << 2),
      .render = output_cas },
    { .name = "keys",
      .verb = "KEYS",
      .args = "[pattern]",
      .max_args = 1,
      .default_arg = "*",
      .render = output_keys },
    { .name = "rev",
      .verb = "GETREV",
      .args = "<key>",
      .min_args = 1,
      .max_args = 1,
      .render = output_rev },
    { .name = "ping", .verb = "PING", .render = output_ping },
    { .name = "lease grant",
      .verb = "LEASE.GRANT",
      .args = "<ttl-seconds>",
      .min_args = 1,
      .max_args = 1,
      .is_write = 1,
      .render = output_lease_grant },
    { .name = "lease revoke",
      .verb = "LEASE.REVOKE",
      .args = "<id>",
      .min_args = 1,
      .max_args = 1,
      .is_write = 1,
      .render = output_lease_revoke },
    { .name = "lease ttl",
      .verb = "LEASE.TTL",
      .args = "<id>",
      .min_args = 1,
      .max_args = 1,
      .render = output_lease_ttl },
    { .name = "lease list", .verb = "LEASE.LIST", .render = output_lease_list },
    { .name = "group create",
      .verb = "GROUP.CREATE",
      .args = "<name> MIN n MAX n ZONES z1,z2 [options]",
      .min_args = 7,
      .max_args = -1,
      .is_write = 1,
      .render = output_ok },
    { .name = "group update",
      .verb = "GROUP.UPDATE",
      .args = "<name> [options]",
      .min_args = 1,
      .max_args = -1,
      .is_write = 1,
      .render = output_ok },
    { .name = "group delete",
      .verb = "GROUP.DELETE",
      .args = "<name> [FORCE]",
      .min_args = 1,
      .max_args = 2,
      .is_write = 1,
      .render = output_ok },
    { .name = "group setdesired",
      .verb = "GROUP.SETDESIRED",
      .args = "<name> <n> [HONORCOOLDOWN]",
      .min_args = 2,
      .max_args = 3,
      .is_write = 1,
      .render = output_ok },
    { .name = "group get",
      .verb = "GROUP.GET",
      .args = "<name>",
      .min_args = 1,
      .max_args = 1,
      .render = output_group },
    { .name = "group list",
      .verb = "GROUP.LIST",
      .args = "[AFTER name] [COUNT n]",
      .max_args = 4,
      .render = output_groups },
    { .name = "group explain",
      .verb = "GROUP.EXPLAIN",
      .args = "<name>",
      .min_args = 1,
      .max_args = 1,
      .render = output_explain },
    { .name = "instance list",
      .verb = "INSTANCE.LIST",
      .args = "<group>",
      .min_args = 1,
      .max_args = 1,
      .render = output_instances },
    { .name = "instance get",
      .verb = "INSTANCE.GET",
      .args = "<id>",
      .min_args = 1,
      .max_args = 1,
      .render = output_instance },
    { .name = "instance heartbeat",
      .verb = "INSTANCE.HEARTBEAT",
      .args = "<id>",
      .min_args = 1,
      .max_args = 1,
      .render = output_heartbeat },
    { .name = "instance sethealth",
      .verb = "INSTANCE.SETHEALTH",
      .args = "<id> Healthy|Unhealthy",
      .min_args = 2,
      .max_args = 2,
      .is_write = 1,
      .render = output_ok },
    { .name = "instance protect",
      .verb = "INSTANCE.PROTECT",
      .args = "<id> 0|1",
      .min_args = 2,
      .max_args = 2,
      .is_write = 1,
      .render = output_ok },
    { .name = "instance terminate",
      .verb = "INSTANCE.TERMINATE",
      .args = "<id> DECREMENT 0|1",
      .min_args = 3,
      .max_args = 3,
      .is_write = 1,
      .render = output_activity },
    { .name = "instance attach",
      .verb = "INSTANCE.ATTACH",
      .args = "<group> <zone> <address>",
      .min_args = 3,
      .max_args = 3,
      .is_write = 1,
      .render = output_attached },
    { .name = "instance detach",
      .verb = "INSTANCE.DETACH",
      .args = "<id> DECREMENT 0|1",
      .min_args = 3,
      .max_args = 3,
      .is_write = 1,
      .render = output_activity },
    { .name = "instance standby",
      .verb = "INSTANCE.STANDBY",
      .args = "<id> DECREMENT 0|1",
      .min_args = 3,
      .max_args = 3,
      .is_write = 1,
      .render = output_ok },
    { .name = "instance resume",
      .verb = "INSTANCE.RESUME",
      .args = "<id>",
      .min_args = 1,
      .max_args = 1,
      .is_write = 1,
      .render = output_ok },
    { .name = "activity list",
      .verb = "ACTIVITY.LIST",
      .args = "<group> [COUNT n] [BEFORE id]",
      .min_args = 1,
      .max_args = 5,
      .render = output_activities },
    { .name = "activity get",
      .verb = "ACTIVITY.GET",
      .args = "<id>",
      .min_args = 1,
      .max_args = 1,
      .render = output_activity },
    { .name = "activity complete",
      .verb = "ACTIVITY.COMPLETE",
      .args = "<id> <token> Successful|Failed [details]",
      .min_args = 3,
      .max_args = 4,
      .is_write = 1,
      .render = output_ok },
};

#define N_SUBCOMMANDS (sizeof subcommands / sizeof subcommands[0])

/* The RESP command to send, built from the subcommand's arguments. */
struct request {
    const struct subcommand *cmd;
    const char *key; /* first argument or NULL; borrowed */
    int argc;
    const char **argv; /* owned array of borrowed strings */
    size_t *argv_len;  /* owned */
    struct buf stdin_value;
};

/* What went wrong on the endpoints tried so far. */
struct failures {
    struct buf log;   /* "  host:port: reason\n" lines */
    char *last_error; /* the last retryable error reply; owned */
};

static const char usage_text[] =
    "usage: scalekeeper [options] <command> [args]\n"
    "\n"
    "Commands:\n"
    "  leader                      the current leader: id, addresses, zone\n"
    "  members                     table of members: ID ZONE ROLE LEADER\n"
    "                              REACHABLE RAFT CLIENT\n"
    "  info [section]              server, raft, clients, store, persistence,\n"
    "                              coordination, scaling\n"
    "  get <key>                   print the value\n"
    "  set <key> <value>           store a value\n"
    "  del <key> [key ...]         delete keys; prints how many existed\n"
    "  cas <key> <expected> <new>  replace the value only if it is <expected>\n"
    "  keys [pattern]              keys matching a glob pattern (default *)\n"
    "  rev <key>                   value, create/mod revision and version\n"
    "  ping                        check that a node answers\n"
    "  lease grant <ttl>           a new lease of <ttl> seconds; prints its "
    "id\n"
    "  lease keepalive <id> [--once]  renew every TTL/3 until interrupted\n"
    "  lease ttl <id>              granted and remaining TTL, attached keys\n"
    "  lease list                  every lease id\n"
    "  lease revoke <id>           end a lease, deleting its keys\n"
    "  watch <prefix> [--from REV] print changes as they happen, until\n"
    "                              interrupted (resumes on another node)\n"
    "  elect <name> <value> [--ttl S]  campaign; print the fencing token once\n"
    "                              elected; hold until interrupted, resign\n"
    "  elect --listen <name>       print each change of leader\n"
    "  txn [--if KEY=MODREV ...]   run the commands on stdin (one per line)\n"
    "                              atomically, if each KEY is at MODREV\n"
    "  backup <file>               save the whole state (a consistent copy)\n"
    "  restore <file> [--bump-revision N] [--force]\n"
    "                              write a backup's keys into a cluster, at\n"
    "                              revisions above the backup's + N (1e9)\n"
    "  group create <name> MIN n MAX n ZONES z1,z2 [DESIRED n] [ACTUATOR a]\n"
    "               [COOLDOWN s] [GRACE s] [HEARTBEAT-TTL s] [TERMINATION "
    "p,..]\n"
    "               [PROTECT-NEW 0|1]   a new auto-scaling group\n"
    "  group update <name> [options]  change a group (same options)\n"
    "  group delete <name> [FORCE]  delete (FORCE: terminate its instances)\n"
    "  group setdesired <name> <n> [HONORCOOLDOWN]\n"
    "  group get <name> | group explain <name>\n"
    "  group list [AFTER name] [COUNT n]  groups in name order, a page\n"
    "  instance list <group> | instance get <id> | instance heartbeat <id>\n"
    "  instance sethealth <id> Healthy|Unhealthy | instance protect <id> 0|1\n"
    "  instance terminate|detach|standby <id> DECREMENT 0|1\n"
    "  instance attach <group> <zone> <address> | instance resume <id>\n"
    "  activity list <group> [COUNT n] [BEFORE id] | activity get <id>\n"
    "  activity complete <id> <token> Successful|Failed [details]\n"
    "  agent <instance-id>         send an instance's heartbeats until it\n"
    "                              leaves its group\n"
    "A value argument given as - is read from standard input (binary safe).\n"
    "\n"
    "Options (before the command):\n"
    "  --endpoints H:P,...  nodes to try in order (default $SCALEKEEPER_"
    "ENDPOINTS\n"
    "                       or " DEFAULT_ENDPOINTS ")\n"
    "  --json               print one JSON document per command\n"
    "  --timeout-ms N       connect and command timeout (default 5000)\n"
    "  -h, --help           show this help\n"
    "  -V, --version        show the version\n"
    "\n"
    "Reads move on to the next endpoint when one fails; a write is never\n"
    "sent twice: if its outcome is unknown, scalekeeper says so and exits 1.\n"
    "\n"
    "Exit status:\n"
    "  0  success\n"
    "  1  the server replied with an error, or a write's outcome is unknown\n"
    "  2  usage error\n"
    "  3  no endpoint could be reached\n"
    "  4  key not found (get, rev)\n"
    "  5  txn: a condition failed or a watched key changed; nothing applied\n";

/* Print a one-line usage complaint and return CLI_EXIT_USAGE. */
int cli_usage(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("scalekeeper: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry 'scalekeeper --help'.\n", stderr);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

/* --- Options ------------------------------------------------------------ */

static int parse_timeout(const char *s, long *timeout_ms)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 1 || v > MAX_TIMEOUT_MS) {
        return cli_usage("--timeout-ms: '%s' is not a number of "
                         "milliseconds (1-3600000)",
                         s);
    }
    *timeout_ms = v;
    return 0;
}

/* getopt_long() refused an option; @arg is the last word it looked at. */
static int bad_option(const char *arg)
{
    if (optopt != 0 && optopt != '-' && strncmp(arg, "--", 2) != 0) {
        return cli_usage("unknown option '-%c'", optopt);
    }
    return cli_usage("unknown option or missing value: '%s'", arg);
}

/* Fill @o from the options before the command. Returns 0 with *next the
 * index of the command, -1 when --help/--version was handled, or an exit
 * code. */
static int parse_options(int argc, char **argv, struct options *o, int *next)
{
    static const struct option longopts[] = {
        { "endpoints", required_argument, NULL, 'e' },
        { "json", no_argument, NULL, 'j' },
        { "timeout-ms", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    o->endpoints = getenv("SCALEKEEPER_ENDPOINTS");
    if (o->endpoints == NULL || o->endpoints[0] == '\0') {
        o->endpoints = DEFAULT_ENDPOINTS;
    }
    o->format = OUTPUT_HUMAN;
    o->timeout_ms = DEFAULT_TIMEOUT_MS;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'e':
            o->endpoints = optarg;
            break;
        case 'j':
            o->format = OUTPUT_JSON;
            break;
        case 't':
            rc = parse_timeout(optarg, &o->timeout_ms);
            break;
        case 'h':
            fputs(usage_text, stdout);
            return -1;
        case 'V':
            printf("scalekeeper %s\n", PACKAGE_VERSION);
            return -1;
        default:
            return bad_option(argv[optind - 1]);
        }
        if (rc != 0) {
            return rc;
        }
    }
    *next = optind;
    return 0;
}

/* --- Request ------------------------------------------------------------ */

/* The one-request command named by argv[0], or by argv[0] and argv[1]
 * ("lease ttl"); *words says how many. */
static const struct subcommand *
subcommand_find(int argc, char **argv, int *words)
{
    char two[64];

    if (argc >= 2) {
        snprintf(two, sizeof two, "%s %s", argv[0], argv[1]);
        for (size_t i = 0; i < N_SUBCOMMANDS; i++) {
            if (strcmp(subcommands[i].name, two) == 0) {
                *words = 2;
                return &subcommands[i];
            }
        }
    }
    for (size_t i = 0; i < N_SUBCOMMANDS; i++) {
        if (strcmp(subcommands[i].name, argv[0]) == 0) {
            *words = 1;
            return &subcommands[i];
        }
    }
    return NULL;
}

/* The commands that are more than one request: 0 if @argv names none. */
static int
run_session_command(const struct options *o, int argc, char **argv, int *rc)
{
    if (strcmp(argv[0], "watch") == 0) {
        *rc = cli_watch(o, argc - 1, argv + 1);
    } else if (strcmp(argv[0], "elect") == 0) {
        *rc = cli_elect(o, argc - 1, argv + 1);
    } else if (strcmp(argv[0], "txn") == 0) {
        *rc = cli_txn(o, argc - 1, argv + 1);
    } else if (strcmp(argv[0], "backup") == 0) {
        *rc = cli_backup(o, argc - 1, argv + 1);
    } else if (strcmp(argv[0], "agent") == 0) {
        *rc = cli_agent(o, argc - 1, argv + 1);
    } else if (strcmp(argv[0], "restore") == 0) {
        *rc = cli_restore(o, argc - 1, argv + 1);
    } else if (argc >= 2 && strcmp(argv[0], "lease") == 0 &&
               strcmp(argv[1], "keepalive") == 0) {
        *rc = cli_lease_keepalive(o, argc - 2, argv + 2);
    } else {
        return 0;
    }
    return 1;
}

static int check_arity(const struct subcommand *sc, int nargs, char **args)
{
    if (nargs >= sc->min_args && (sc->max_args < 0 || nargs <= sc->max_args)) {
        return 0;
    }
    for (int i = 0; i < nargs; i++) {
        if (strncmp(args[i], "--", 2) == 0 && args[i][2] != '\0') {
            return cli_usage("options go before the command: '%s'", args[i]);
        }
    }
    fprintf(stderr, "scalekeeper: usage: scalekeeper [options] %s%s%s\n",
            sc->name, sc->args ? " " : "", sc->args ? sc->args : "");
    return CLI_EXIT_USAGE;
}

/* Read all of standard input into @b. Returns 0 or -1 with errno. */
static int read_stdin(struct buf *b)
{
    char chunk[65536];
    size_t n;

    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        buf_append(b, chunk, n);
    }
    return ferror(stdin) ? -1 : 0;
}

/* Set argument @i of @req to @arg, or to standard input when it is a value
 * given as "-". Returns 0 or an exit code. */
static int request_set_arg(struct request *req, int i, const char *arg)
{
    int is_value = i < 8 && ((req->cmd->value_args >> i) & 1u);
    int n = i + 1; /* argv[0] is the verb */

    if (!is_value || strcmp(arg, "-") != 0) {
        req->argv[n] = arg;
        req->argv_len[n] = strlen(arg);
        return 0;
    }
    if (req->stdin_value.base != NULL) {
        return cli_usage("%s: only one value can be read from stdin",
                         req->cmd->name);
    }
    if (read_stdin(&req->stdin_value) != 0) {
        fprintf(stderr, "error: reading stdin: %s\n", strerror(errno));
        return CLI_EXIT_USAGE;
    }
    buf_reserve(&req->stdin_value, 1); /* base is non-NULL from here on */
    req->argv[n] = req->stdin_value.base;
    req->argv_len[n] = req->stdin_value.len;
    return 0;
}

static void request_close(struct request *req)
{
    mem_free(req->argv);
    mem_free(req->argv_len);
    buf_close(&req->stdin_value);
}

/* Build the command for @sc from its @nargs arguments. Returns 0 or an exit
 * code; on error @req holds nothing to free. */
static int request_init(struct request *req,
                        const struct subcommand *sc,
                        int nargs,
                        char **args)
{
    int rc = check_arity(sc, nargs, args);

    if (rc != 0) {
        return rc;
    }
    req->cmd = sc;
    req->key = nargs > 0 ? args[0] : NULL;
    req->argc = nargs + 1 + (nargs == 0 && sc->default_arg != NULL);
    req->argv = mem_calloc((size_t)req->argc, sizeof *req->argv);
    req->argv_len = mem_calloc((size_t)req->argc, sizeof *req->argv_len);
    buf_init(&req->stdin_value);
    req->argv[0] = sc->verb;
    req->argv_len[0] = strlen(sc->verb);
    for (int i = 0; i + 1 < req->argc && rc == 0; i++) {
        rc = request_set_arg(req, i, i < nargs ? args[i] : sc->default_arg);
    }
    if (rc != 0) {
        request_close(req);
    }
    return rc;
}

/* --- Trying the endpoints ----------------------------------------------- */

/* Whether the error reply @msg starts with the error code @code. */
static int is_error_code(const char *msg, const char *code)
{
    size_t n = strlen(code);

    return strncmp(msg, code, n) == 0 && (msg[n] == ' ' || msg[n] == '\0');
}

/* Whether a read may try the next endpoint after error reply @msg. */
static int is_retryable(const char *msg)
{
    return is_error_code(msg, "NOLEADER") || is_error_code(msg, "NOTLEADER") ||
           is_error_code(msg, "TRYAGAIN") || is_error_code(msg, "UNCERTAIN");
}

/* The connection to @ep broke after the command was sent. Returns -1 to
 * try the next endpoint (reads) or an exit code (writes). */
static int on_lost(const struct request *req,
                   const struct endpoint *ep,
                   const redisContext *c,
                   struct failures *f)
{
    if (req->cmd->is_write) {
        fprintf(stderr,
                "error: connection to %s lost after sending %s (%s)\n"
                "the write's outcome is unknown: it may or may not have "
                "been applied; it was not retried\n",
                ep->name, req->cmd->verb, c->errstr);
        return CLI_EXIT_REPLY;
    }
    endpoints_note_failure(&f->log, ep, "connection lost: ", c->errstr);
    return -1;
}

/* @r is an error reply from @ep. Returns -1 to try the next endpoint
 * (retryable errors on reads) or an exit code. */
static int on_error_reply(const struct request *req,
                          const struct endpoint *ep,
                          const redisReply *r,
                          struct failures *f)
{
    if (!req->cmd->is_write && is_retryable(r->str)) {
        endpoints_note_failure(&f->log, ep, "", r->str);
        mem_free(f->last_error);
        f->last_error = mem_strdup(r->str);
        return -1;
    }
    fprintf(stderr, "error: %s\n", r->str);
    if (req->cmd->is_write && (is_error_code(r->str, "NOLEADER") ||
                               is_error_code(r->str, "UNCERTAIN"))) {
        fprintf(stderr, "the write's outcome may be unknown: it was not "
                        "retried on another endpoint\n");
    }
    return CLI_EXIT_REPLY;
}

/* Send @req to @ep and render the answer. Returns -1 to try the next
 * endpoint, or an exit code. */
static int attempt(const struct options *o,
                   const struct request *req,
                   const struct endpoint *ep,
                   struct failures *f)
{
    struct output out = { stdout, stderr, o->format };
    redisContext *c;
    redisReply *r;
    int rc;

    c = endpoints_connect(ep, o->timeout_ms, req->cmd->is_write, &f->log);
    if (c == NULL) {
        return -1;
    }
    r = redisCommandArgv(c, req->argc, req->argv, req->argv_len);
    if (r == NULL) {
        rc = on_lost(req, ep, c, f);
    } else if (r->type == REDIS_REPLY_ERROR) {
        rc = on_error_reply(req, ep, r, f);
    } else {
        rc = req->cmd->render(&out, req->key, r);
    }
    freeReplyObject(r);
    redisFree(c);
    return rc;
}

/* Every endpoint failed: explain why. */
static int report_failures(const struct failures *f)
{
    if (f->last_error != NULL) {
        fprintf(stderr, "error: %s\nendpoints tried:\n%.*s", f->last_error,
                (int)f->log.len, f->log.base);
        return CLI_EXIT_REPLY;
    }
    fprintf(stderr, "error: no endpoint could be reached:\n%.*s",
            (int)f->log.len, f->log.base);
    return CLI_EXIT_UNREACHABLE;
}

/* Parse the --endpoints list @spec into @eps. Returns 0 or an exit code. */
static int parse_endpoints(const char *spec, struct endpoint_list *eps)
{
    struct buf errmsg;
    int rc;

    buf_init(&errmsg);
    if (endpoints_parse(spec, eps, &errmsg) == 0) {
        return 0;
    }
    rc = cli_usage("%.*s", (int)errmsg.len, errmsg.base);
    buf_close(&errmsg);
    return rc;
}

static int execute(const struct options *o, const struct request *req)
{
    struct endpoint_list eps;
    struct failures f = { { NULL, 0, 0 }, NULL };
    int rc = parse_endpoints(o->endpoints, &eps);

    if (rc != 0) {
        return rc;
    }
    rc = -1;
    for (size_t i = 0; i < eps.n && rc < 0; i++) {
        rc = attempt(o, req, &eps.items[i], &f);
    }
    if (rc < 0) {
        rc = report_failures(&f);
    }
    buf_close(&f.log);
    mem_free(f.last_error);
    endpoints_free(&eps);
    return rc;
}

/* --- main --------------------------------------------------------------- */

/* Flush stdout; a write error (other than a closed pipe) is reported. */
static int finish_output(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (errno != EPIPE) {
            fprintf(stderr, "error: writing output: %s\n", strerror(errno));
        }
        return rc == 0 ? CLI_EXIT_REPLY : rc;
    }
    return rc;
}

int main(int argc, char **argv)
{
    struct options o;
    struct request req;
    const struct subcommand *sc;
    int words = 1;
    int next = 0;
    int rc = parse_options(argc, argv, &o, &next);

    if (rc != 0) {
        return rc < 0 ? finish_output(CLI_EXIT_OK) : rc;
    }
    if (next >= argc) {
        return cli_usage("no command given");
    }
    if (run_session_command(&o, argc - next, argv + next, &rc)) {
        return finish_output(rc);
    }
    sc = subcommand_find(argc - next, argv + next, &words);
    if (sc == NULL) {
        return cli_usage("unknown command '%s'", argv[next]);
    }
    rc = request_init(&req, sc, argc - next - words, argv + next + words);
    if (rc != 0) {
        return rc;
    }
    signal(SIGPIPE, SIG_IGN); /* a peer closing the socket is an error */
    rc = execute(&o, &req);
    request_close(&req);
    return finish_output(rc);
}

/* scalekeeperd settings: one table of options drives the command-line flags,
 * the INI file keys, --help and validation. Defaults < file < flags: argv is
 * walked twice, to find -c before loading the file, then to apply the flags
 * over it. */
#include "daemon/config.h"

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "daemon/config_file.h"
#include "daemon/config_usage.h"
#include "daemon/config_value.h"
#include "lib/mem.h"

/* Upper bounds of the client limits. The log entry format stores lengths
 * and counts as u32 (proto/ENTRY.md), and the server adds and multiplies
 * them (argc x key bytes) in size_t, so they stay well below 2^32. */
#define BYTES_MAX      (1024ULL * 1024 * 1024)
#define ARGC_MAX       (1024ULL * 1024)
#define COUNT_MAX      UINT32_MAX
#define TIMEOUT_MS_MIN 10
#define TIMEOUT_MS_MAX 600000

/* getopt_long() returns OPT_VAL_BASE + index into options[] for table
 * options; below that are the short letters of -c, -h and -V. */
#define OPT_VAL_BASE 256

#define FIELD(f) offsetof(struct config, f)

static const struct config_opt options[] = {
    { "id", CONFIG_OPT_ID, FIELD(id), 1, UINT64_MAX, "N",
      "this node's id, unique in the cluster and never reused", "required",
      "Node:" },
    { "zone", CONFIG_OPT_ZONE, FIELD(zone), 0, 0, "NAME",
      "failure zone (rack or site) of this node: letters, digits, '.', '_' "
      "or '-'",
      NULL, NULL },
    { "raft", CONFIG_OPT_ADDRESS, FIELD(raft_address), 0, 0, "HOST:PORT",
      "Raft address the other nodes use to reach this one", "required", NULL },
    { "raft-bind", CONFIG_OPT_ADDRESS, FIELD(raft_bind), 0, 0, "HOST:PORT",
      "local address to accept Raft connections on, if not --raft",
      "the --raft address", NULL },
    { "listen", CONFIG_OPT_ADDRESS, FIELD(listen), 0, 0, "HOST:PORT",
      "address to accept client connections (Redis protocol) on", "required",
      NULL },
    { "advertise-client", CONFIG_OPT_ADDRESS, FIELD(advertise_client), 0, 0,
      "HOST:PORT",
      "client address published to the other nodes and to clients, if not "
      "--listen",
      "the --listen address", NULL },
    { "data", CONFIG_OPT_STRING, FIELD(data_dir), 0, 0, "DIR",
      "directory of the Raft log and snapshots", "required", NULL },
    { "bootstrap", CONFIG_OPT_BOOTSTRAP, FIELD(bootstrap), 0, 0, "LIST",
      "the members of a new cluster, as ID=HOST:PORT,... with their --raft "
      "addresses; must include this node",
      "none", NULL },
    { "log-level", CONFIG_OPT_LOG_LEVEL, FIELD(log_level), 0, 0, "LEVEL",
      "least severe messages logged: error, warn, info or debug", NULL, NULL },

    { "election-timeout-ms", CONFIG_OPT_UINT, FIELD(election_timeout_ms),
      TIMEOUT_MS_MIN, TIMEOUT_MS_MAX, "MS",
      "time without hearing from a leader before a follower stands for "
      "election, 10-600000",
      NULL, "Raft:" },
    { "heartbeat-timeout-ms", CONFIG_OPT_UINT, FIELD(heartbeat_timeout_ms),
      TIMEOUT_MS_MIN, TIMEOUT_MS_MAX, "MS",
      "interval of the leader's heartbeats, 10-600000 and less than the "
      "election timeout",
      NULL, NULL },
    { "fast-failover-ms", CONFIG_OPT_UINT, FIELD(fast_failover_ms), 0,
      TIMEOUT_MS_MAX, "MS",
      "election timeout, until a leader is known again, of a follower whose "
      "leader's process is gone (its link closed, then its client port "
      "refused a connection) or silent for a whole election timeout, and of "
      "a candidate; more than the heartbeat and less than the election "
      "timeout, 0 = off (the default is off where 1.5 x the heartbeat is not "
      "less than the election timeout)",
      "1.5 x heartbeat", NULL },
    { "snapshot-threshold", CONFIG_OPT_UINT, FIELD(snapshot_threshold), 1,
      UINT_MAX, "N", "log entries since the last snapshot that start a new one",
      NULL, NULL },
    { "snapshot-trailing", CONFIG_OPT_UINT, FIELD(snapshot_trailing), 1,
      UINT_MAX, "N",
      "log entries kept after a snapshot, to catch up slow followers", NULL,
      NULL },
    { "install-snapshot-timeout-ms", CONFIG_OPT_UINT,
      FIELD(install_snapshot_timeout_ms), TIMEOUT_MS_MIN, TIMEOUT_MS_MAX, "MS",
      "time a leader waits for a follower to acknowledge a snapshot before "
      "sending it again",
      NULL, NULL },
    { "max-inflight-entries", CONFIG_OPT_UINT, FIELD(max_inflight_entries), 1,
      UINT_MAX, "N",
      "append messages in flight to a follower, or being written locally, "
      "before sending waits for acknowledgments",
      NULL, NULL },

    { "max-key-bytes", CONFIG_OPT_SIZE, FIELD(max_key_bytes), 1, BYTES_MAX, "N",
      "bytes in one key", NULL, "Client limits:" },
    { "max-value-bytes", CONFIG_OPT_SIZE, FIELD(max_value_bytes), 1, BYTES_MAX,
      "N", "bytes in one value", NULL, NULL },
    { "max-argc", CONFIG_OPT_SIZE, FIELD(max_argc), 1, ARGC_MAX, "N",
      "arguments in one command, its name included", NULL, NULL },
    { "max-inline-bytes", CONFIG_OPT_SIZE, FIELD(max_inline_bytes), 1,
      BYTES_MAX, "N", "bytes in one inline (telnet-style) command line", NULL,
      NULL },
    { "max-clients", CONFIG_OPT_SIZE, FIELD(max_clients), 1, COUNT_MAX, "N",
      "client connections open at once; more are refused", NULL, NULL },
    { "max-output-bytes", CONFIG_OPT_SIZE, FIELD(max_output_bytes), 1,
      BYTES_MAX, "N",
      "reply bytes queued for one client; a client that reads slower is "
      "disconnected",
      NULL, NULL },
    { "max-pending", CONFIG_OPT_SIZE, FIELD(max_pending), 1, COUNT_MAX, "N",
      "commands of one client in progress at once; its input waits beyond "
      "that",
      NULL, NULL },
    { "max-keys-reply", CONFIG_OPT_SIZE, FIELD(max_keys_reply), 1, COUNT_MAX,
      "N", "keys one KEYS reply may return; a larger match is refused", NULL,
      NULL },
    { "max-batch-bytes", CONFIG_OPT_SIZE, FIELD(max_batch_bytes), 1, BYTES_MAX,
      "N",
      "client commands proposed together in one log entry, in bytes; the "
      "entry closes once it reaches this size",
      NULL, NULL },
    { "max-subscriptions", CONFIG_OPT_SIZE, FIELD(max_subscriptions), 1,
      COUNT_MAX, "N",
      "KEYWATCH prefixes, channels, patterns and observed elections of one "
      "client",
      NULL, NULL },

    { "lease-checkpoint-ms", CONFIG_OPT_UINT, FIELD(lease_checkpoint_ms), 100,
      TIMEOUT_MS_MAX, "MS",
      "how often the leader logs the remaining TTL of leases nobody renews, "
      "so that a new leader does not grant them a full TTL again",
      NULL, "Leases and watches:" },
    { "watch-history-bytes", CONFIG_OPT_SIZE, FIELD(watch_history_bytes),
      CONFIG_MIB, BYTES_MAX, "N",
      "recent changes kept in memory for KEYWATCH ... FROM and slow "
      "watchers, in bytes",
      NULL, NULL },
    { "watch-progress-ms", CONFIG_OPT_UINT, FIELD(watch_progress_ms), 100,
      TIMEOUT_MS_MAX, "MS",
      "interval of progress messages (the current revision) to idle "
      "watchers",
      NULL, NULL },
    { "notify-keyspace-events", CONFIG_OPT_NOTIFY,
      FIELD(notify_keyspace_events), 0, 0, "CLASSES",
      "Redis keyspace notifications published to SUBSCRIBE/PSUBSCRIBE, as "
      "Redis' setting of that name; empty for none",
      NULL, NULL },

    { "actuator", CONFIG_OPT_ACTUATOR, FIELD(actuators), 0, 0, "NAME=exec:PATH",
      "a program that launches and terminates instances for groups with "
      "ACTUATOR NAME; repeatable",
      "none", "Auto-scaling:" },
    { "local-actuator-dir", CONFIG_OPT_STRING, FIELD(local_actuator_dir), 0, 0,
      "DIR",
      "enables the built-in actuator 'local', which runs each instance as a "
      "process on this machine and keeps its records in DIR",
      "none", NULL },
    { "local-actuator-boot-ms", CONFIG_OPT_UINT, FIELD(local_actuator_boot_ms),
      0, TIMEOUT_MS_MAX, "MS",
      "how long a local launch or termination takes to report, as a "
      "machine's boot or shutdown would (the worker starts at once)",
      "0", NULL },
    { "actuator-timeout-ms", CONFIG_OPT_UINT, FIELD(actuator_timeout_ms), 100,
      TIMEOUT_MS_MAX, "MS",
      "time an actuator call may take before it is killed and failed", NULL,
      NULL },
};

#define N_OPTIONS (sizeof options / sizeof options[0])

void config_init(struct config *c)
{
    memset(c, 0, sizeof *c);
    c->zone = mem_strdup("default");
    c->log_level = mem_strdup("info");
    c->election_timeout_ms = 700;
    c->fast_failover_ms = CONFIG_FAST_FAILOVER_AUTO;
    c->heartbeat_timeout_ms = 50;
    c->snapshot_threshold = 8192;
    c->snapshot_trailing = 2048;
    c->install_snapshot_timeout_ms = 10000;
    c->max_inflight_entries = 256;
    c->max_key_bytes = 1024;
    c->max_value_bytes = CONFIG_MIB;
    c->max_argc = 1024;
    c->max_inline_bytes = 64 * CONFIG_KIB;
    c->max_clients = 10000;
    c->max_output_bytes = 64 * CONFIG_MIB;
    c->max_pending = 1024;
    c->max_keys_reply = 100000;
    c->max_batch_bytes = 4 * CONFIG_MIB;
    c->max_subscriptions = 1024;
    c->lease_checkpoint_ms = 5000;
    c->watch_history_bytes = 32 * CONFIG_MIB;
    c->watch_progress_ms = 10000;
    c->notify_keyspace_events = mem_strdup("AKE");
    c->actuator_timeout_ms = 60000;
}

void config_close(struct config *c)
{
    mem_free(c->zone);
    mem_free(c->raft_address);
    mem_free(c->raft_bind);
    mem_free(c->listen);
    mem_free(c->advertise_client);
    mem_free(c->data_dir);
    mem_free(c->log_level);
    mem_free(c->notify_keyspace_events);
    mem_free(c->local_actuator_dir);
    config_value_actuators_free(c->actuators, c->n_actuators);
    config_value_peers_free(c->bootstrap, c->n_bootstrap);
    memset(c, 0, sizeof *c);
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
        return config_value_fail(errmsg, "option '%.*s' takes no value",
                                 (int)len, arg);
    }
    if (optopt != 0) {
        return config_value_fail(errmsg, "unknown option '-%c'", optopt);
    }
    for (size_t i = 0; i < N_OPTIONS; i++) {
        if (len > 2 && strncmp(options[i].name, arg + 2, len - 2) == 0) {
            n_matches++;
        }
    }
    if (n_matches > 1) {
        return config_value_fail(errmsg, "ambiguous option '%.*s'", (int)len,
                                 arg);
    }
    return config_value_fail(errmsg, "unknown option '%.*s'", (int)len, arg);
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
    return config_value_fail(errmsg,
                             "unknown option '%.*s' (did you mean --%s?)",
                             (int)len, text, lo->name);
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
                return config_value_fail(errmsg,
                                         "option '--config' needs a value");
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
            return config_value_fail(errmsg, "option '%s' requires a value",
                                     argv[optind - 1]);
        case '?':
            return bad_flag(argv, errmsg);
        default:
            break;
        }
    }
    if (optind < argc) {
        return config_value_fail(errmsg, "unexpected argument '%s'",
                                 argv[optind]);
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
        const struct config_opt *opt = &options[ch - OPT_VAL_BASE];
        struct config_origin o = { NULL, 0, name };
        snprintf(name, sizeof name, "--%s", opt->name);
        rv = config_value_set(c, opt, optarg, &o, errmsg);
        if (rv != 0) {
            return rv;
        }
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
    /* A repeatable option accumulates within one parse only. */
    config_value_actuators_free(c->actuators, c->n_actuators);
    c->actuators = NULL;
    c->n_actuators = 0;
    build_longopts(longopts);
    rv = scan_flags(argc, argv, longopts, &fp, errmsg);
    if (rv != 0) {
        return rv;
    }
    if (fp.help) {
        config_usage_help(stdout, options, N_OPTIONS);
        return CONFIG_EXIT;
    }
    if (fp.version) {
        config_usage_version(stdout);
        return CONFIG_EXIT;
    }
    if (fp.config_path != NULL) {
        rv = config_file_load(c, fp.config_path, options, N_OPTIONS, errmsg);
        if (rv != 0) {
            return rv;
        }
    }
    rv = apply_flags(c, argc, argv, longopts, errmsg);
    if (rv != 0) {
        return rv;
    }
    if (c->fast_failover_ms == CONFIG_FAST_FAILOVER_AUTO) {
        unsigned ms = c->heartbeat_timeout_ms + c->heartbeat_timeout_ms / 2;
        c->fast_failover_ms = ms < c->election_timeout_ms ? ms : 0;
    }
    return config_value_validate(c, errmsg);
}

const char *config_client_address(const struct config *c)
{
    return c->advertise_client != NULL ? c->advertise_client : c->listen;
}

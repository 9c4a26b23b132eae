/* scalekeeperd settings: defaults, an INI file (-c FILE) and command-line
 * flags, in that order of precedence (flags win). */
#ifndef SK_CONFIG_H
#define SK_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/err.h"

struct config_peer {
    uint64_t id;
    char *raft_address; /* owned, "HOST:PORT" */
};

/* --actuator NAME=exec:PATH: a program that launches and terminates
 * instances for groups with ACTUATOR NAME (docs/scaling.md §6). */
struct config_actuator {
    char *name; /* owned */
    char *path; /* owned, absolute */
};

/* --fast-failover-ms not given: 1.5 x the heartbeat timeout (75 ms by
 * default), or off where that is not less than the election timeout. */
#define CONFIG_FAST_FAILOVER_AUTO UINT_MAX

struct config {
    uint64_t id;                   /* --id N, required, >= 1 */
    char *zone;                    /* --zone NAME, default "default" */
    char *raft_address;            /* --raft HOST:PORT, required (advertised) */
    char *raft_bind;               /* --raft-bind HOST:PORT, optional */
    char *listen;                  /* --listen HOST:PORT, required (clients) */
    char *advertise_client;        /* --advertise-client HOST:PORT, optional */
    char *data_dir;                /* --data DIR, required */
    struct config_peer *bootstrap; /* --bootstrap 1=H:P,2=H:P,...; owned */
    size_t n_bootstrap;
    char *log_level; /* --log-level error|warn|info|debug */

    unsigned election_timeout_ms;  /* --election-timeout-ms, default 700 */
    unsigned heartbeat_timeout_ms; /* --heartbeat-timeout-ms, default 50 */
    unsigned fast_failover_ms;     /* --fast-failover-ms, 0 = off */
    unsigned snapshot_threshold;   /* --snapshot-threshold, default 8192 */
    unsigned snapshot_trailing;    /* --snapshot-trailing, default 2048 */
    unsigned install_snapshot_timeout_ms; /* default 10000 */
    unsigned max_inflight_entries; /* --max-inflight-entries, default 256 */

    size_t max_key_bytes;     /* --max-key-bytes, default 1024 */
    size_t max_value_bytes;   /* --max-value-bytes, default 1 MiB */
    size_t max_argc;          /* --max-argc, default 1024 */
    size_t max_inline_bytes;  /* --max-inline-bytes, default 64 KiB */
    size_t max_clients;       /* --max-clients, default 10000 */
    size_t max_output_bytes;  /* --max-output-bytes per client, 64 MiB */
    size_t max_pending;       /* --max-pending requests per client, 1024 */
    size_t max_keys_reply;    /* --max-keys-reply for KEYS, default 100000 */
    size_t max_batch_bytes;   /* --max-batch-bytes per log entry, 4 MiB */
    size_t max_subscriptions; /* --max-subscriptions per client, 1024 */

    unsigned lease_checkpoint_ms; /* --lease-checkpoint-ms, default 5000 */
    size_t watch_history_bytes;   /* --watch-history-bytes, default 32 MiB */
    unsigned watch_progress_ms;   /* --watch-progress-ms, default 10000 */
    char *notify_keyspace_events; /* --notify-keyspace-events, "AKE" */

    struct config_actuator *actuators; /* --actuator, repeatable; owned */
    size_t n_actuators;
    char *local_actuator_dir;        /* --local-actuator-dir: enables "local" */
    unsigned local_actuator_boot_ms; /* --local-actuator-boot-ms, 0 */
    unsigned actuator_timeout_ms;    /* --actuator-timeout-ms, default 60000 */
};

enum {
    CONFIG_OK = 0,
    CONFIG_EXIT = 1 /* --help or --version printed */
};

/* Set every field to its default (strings NULL or their default copy). */
void config_init(struct config *c);
void config_close(struct config *c);

/* Parse argv: "-c FILE" / "--config FILE" is loaded first, then the flags
 * override it. Checks required options and ranges. Returns CONFIG_OK,
 * CONFIG_EXIT after printing --help/--version to stdout, or SK_EINVAL with a
 * message like "node.ini:4: option 'listen' must be HOST:PORT" in @errmsg.
 * @c must have been set up by config_init(). Call config_close() afterwards
 * whatever this returns: after an error @c may hold values stored before it
 * was found. */
int config_parse(struct config *c,
                 int argc,
                 char **argv,
                 char errmsg[SK_ERRMSG_SIZE]);

/* The client address other nodes forward to and LEADER/MEMBERS report:
 * --advertise-client, or --listen. */
const char *config_client_address(const struct config *c);

/* Resolve "HOST:PORT" (IPv4 literal, "localhost" as 127.0.0.1, or [IPv6])
 * into @sa, for binding or connecting. Returns 0 or SK_EINVAL. */
int config_sockaddr(const char *addr, struct sockaddr_storage *sa);

/* Parse "HOST:PORT" (IPv4 literal, "localhost" or [IPv6]) into @host (a
 * buffer of @host_size bytes) and @port. Returns 0 or SK_EINVAL. */
int config_split_address(const char *addr,
                         char *host,
                         size_t host_size,
                         int *port);

#endif

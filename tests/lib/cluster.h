/* Integration-test harness: starts real scalekeeperd processes on loopback
 * ports in a temporary run directory, kills, pauses and restarts them, and
 * talks to them with hiredis.
 *
 * Each node is a child of the test process with PR_SET_PDEATHSIG(SIGKILL), so
 * no daemon outlives a test that fails, crashes or times out, whichever way
 * Check ends it. The harness also kills every node it started by PID: in
 * cluster_destroy(), in cluster_fail() and from an atexit() handler. The run
 * directory (node logs and data) is removed by cluster_destroy() only when
 * nothing failed and SK_KEEP_RUN is unset; otherwise its path is printed.
 *
 * Environment: SK_BUILDDIR (the daemon is $SK_BUILDDIR/src/scalekeeperd,
 * default "."), SK_DAEMON_WRAPPER (a command prefix such as "valgrind -q",
 * which also stretches every deadline), SK_KEEP_RUN, SK_TEST_LOG_LEVEL
 * (default "info"). */
#ifndef SK_TEST_CLUSTER_H
#define SK_TEST_CLUSTER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

#define CLUSTER_MAX_NODES      5
#define CLUSTER_MAX_EXTRA_ARGS 16
#define CLUSTER_RUN_DIR_MAX    256
#define CLUSTER_PATH_MAX       (CLUSTER_RUN_DIR_MAX + 32)
#define CLUSTER_BAD_SIZE       512

struct cluster_options {
    unsigned n_nodes;              /* 1..CLUSTER_MAX_NODES; 0 means 3 */
    unsigned election_timeout_ms;  /* 0 means 400 */
    unsigned heartbeat_timeout_ms; /* 0 means 50 */
    const char *log_level;         /* NULL means $SK_TEST_LOG_LEVEL or info */
    const char *const *extra_args; /* NULL-terminated, given to every node */
};

struct cluster_node {
    unsigned id; /* 1-based; nodes[id - 1] */
    char zone[16];
    int raft_port;
    int client_port;
    char raft_address[32];   /* "127.0.0.1:PORT" */
    char client_address[32]; /* "127.0.0.1:PORT" */
    char data_dir[CLUSTER_PATH_MAX];
    char log_path[CLUSTER_PATH_MAX];
    pid_t pid; /* 0 when not running */
    bool is_paused;
    bool died_unexpectedly; /* exited without the harness asking it to */
    int last_status;        /* wait status of the last exit */
    unsigned n_starts;
};

struct cluster {
    unsigned n_nodes;
    struct cluster_node nodes[CLUSTER_MAX_NODES];
    char run_dir[CLUSTER_RUN_DIR_MAX];
    char daemon_path[PATH_MAX];
    unsigned election_timeout_ms;
    unsigned heartbeat_timeout_ms;
    char log_level[16];
    char *extra_args[CLUSTER_MAX_EXTRA_ARGS + 1]; /* owned copies */
    bool failed;
    int registry_slot;
};

/* @ms stretched for slow runs: multiplied by 20 under SK_DAEMON_WRAPPER. */
int cluster_scale_ms(int ms);

/* Create the run directory, choose ports and spawn every node with a
 * bootstrap list naming all of them; wait until each client port accepts
 * connections. Fails the test (ck_abort) if any of that goes wrong. */
void cluster_start(struct cluster *c, const struct cluster_options *opts);

/* Stop every node still running (SIGCONT, SIGTERM, then SIGKILL after a
 * deadline), reap it, and remove the run directory unless something failed
 * or SK_KEEP_RUN is set. Returns 0 if every node stopped here exited with
 * status 0 and none died on its own during the test; -1 otherwise (the run
 * directory is then kept and its path printed). */
int cluster_destroy(struct cluster *c);

/* Mark the test failed, print where the logs are with the tail of each
 * node's log, kill every node and end the test with @fmt as its message. */
void cluster_fail(struct cluster *c,
                  const char *file,
                  int line,
                  const char *fmt,
                  ...) __attribute__((format(printf, 4, 5), noreturn));

/* ck_assert() that also reports the node logs on failure. */
#define CLUSTER_ASSERT(c, expr, ...)                                    \
    do {                                                                \
        if (!(expr)) {                                                  \
            cluster_fail((c), __FILE__, __LINE__,                       \
                         "assertion '" #expr "' failed: " __VA_ARGS__); \
        }                                                               \
    } while (0)

/* The node with @id; fails the test if there is none. */
struct cluster_node *cluster_node(struct cluster *c, unsigned id);

/* SIGKILL node @id and reap it. */
void cluster_kill(struct cluster *c, unsigned id);

/* SIGKILL every running node at once, then reap them all. */
void cluster_kill_all(struct cluster *c);

/* SIGTERM node @id (after SIGCONT if paused) and reap it. Returns its exit
 * code, 128 + the signal if a signal ended it, or -1 if it did not exit
 * within the deadline (it is then killed). */
int cluster_stop(struct cluster *c, unsigned id);

/* SIGSTOP / SIGCONT node @id and the processes of its group (each node is
 * a process group: its actuator calls stop with it, as on a paused VM). */
void cluster_pause(struct cluster *c, unsigned id);
void cluster_resume(struct cluster *c, unsigned id);

/* Start node @id again, which must not be running, with the same arguments
 * and data directory; waits until its client port accepts connections. */
void cluster_restart(struct cluster *c, unsigned id);

/* Remove the data directory of node @id, which must not be running. */
void cluster_wipe_data(struct cluster *c, unsigned id);

/* Whether node @id runs; reaps it and records an unexpected death if not. */
bool cluster_is_running(struct cluster *c, unsigned id);

/* Poll LEADER on every running, unpaused node until all of them name the
 * same leader and that leader is one of them. Returns its id, or 0 if they
 * do not agree within @timeout_ms. */
unsigned cluster_leader(struct cluster *c, int timeout_ms);

/* Some running, unpaused node other than @leader_id (0 if none). */
unsigned cluster_follower(struct cluster *c, unsigned leader_id);

/* A hiredis connection to node @id with a command timeout; fails the test if
 * it cannot connect within a deadline. Free with redisFree(). */
redisContext *cluster_connect(struct cluster *c, unsigned id);

/* One command on a fresh connection to node @id with short timeouts, for
 * polling. Returns the reply (freeReplyObject() it) or NULL on an I/O error
 * or timeout. */
redisReply *
cluster_command(struct cluster *c, unsigned id, const char *fmt, ...);

/* Field @field of "INFO @section" on node @id as a number. Returns false if
 * the node did not answer or has no such numeric field. */
bool cluster_info_u64(struct cluster *c,
                      unsigned id,
                      const char *section,
                      const char *field,
                      uint64_t *value);

/* Copy the value of "@field:value" from an INFO text into @out. Returns
 * false if there is no such line. */
bool cluster_info_field(const char *info,
                        const char *field,
                        char *out,
                        size_t out_size);

/* A command on @ctx; fails the test if the connection broke (the reply may
 * still be an error reply). freeReplyObject() the result. */
redisReply *
cluster_exec(struct cluster *c, redisContext *ctx, const char *fmt, ...);

/* Numbered test data: key "@prefix<i>" holds "val-@prefix<i>". */
void cluster_key(char *out, size_t size, const char *prefix, unsigned i);
void cluster_value(char *out, size_t size, const char *prefix, unsigned i);

/* Pipeline SETs of keys @first .. @first + @count - 1 on @ctx without
 * reading the replies (writes in flight when a fault strikes). Returns
 * false if the connection broke. */
bool cluster_send_sets(redisContext *ctx,
                       const char *prefix,
                       unsigned first,
                       unsigned count);

/* Read the @count replies of cluster_send_sets(): @acked[i] (may be NULL)
 * becomes true for each +OK; stops at a broken connection (the writes left
 * are of unknown outcome). A reply that is neither +OK nor an error a write
 * may meet while leadership moves (-UNCERTAIN, -NOLEADER, -TRYAGAIN, -ERR)
 * is described in @bad (CLUSTER_BAD_SIZE bytes, may be NULL; empty if
 * none). Returns the number acknowledged. */
unsigned
cluster_read_sets(redisContext *ctx, unsigned count, bool *acked, char *bad);

/* cluster_read_sets() that fails the test on an unexpected reply. */
unsigned cluster_read_sets_or_fail(struct cluster *c,
                                   redisContext *ctx,
                                   unsigned count,
                                   bool *acked);

/* Pipeline SETs of keys @first .. @first + @count - 1 on @ctx, then read the
 * replies: @acked[i - first] (may be NULL) becomes true for each +OK. Stops
 * reading at a broken connection; the writes left are of unknown outcome.
 * Returns the number acknowledged. */
unsigned cluster_set_many(redisContext *ctx,
                          const char *prefix,
                          unsigned first,
                          unsigned count,
                          bool *acked);

/* Fetch keys @first .. @first + @count - 1 with MGET on @ctx and check that
 * every one whose @acked entry is true (all when @acked is NULL) holds its
 * value, and that any other one is absent or holds its value. Returns the
 * number present, or -1 with the first bad key in @bad (CLUSTER_BAD_SIZE bytes)
 * on a wrong value, an absent acknowledged key or an error reply. */
int cluster_check_many(redisContext *ctx,
                       const char *prefix,
                       unsigned first,
                       unsigned count,
                       const bool *acked,
                       char *bad);

/* A plain blocking TCP socket connected to node @id's client port, with
 * send and receive timeouts; -1 on failure. */
int cluster_connect_raw(struct cluster *c, unsigned id);

#endif

/* Integration-test harness: real scalekeeperd processes on loopback, driven
 * by PID (spawn, SIGKILL, SIGTERM, SIGSTOP/SIGCONT, restart) and by hiredis.
 *
 * Ports come from a block derived from the test's PID below Linux's ephemeral
 * range (32768 and up) and are checked free by binding them: an ephemeral
 * port could be taken meanwhile by some outgoing connection's local end,
 * and a restarted node must be able to bind its ports again. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* prctl, dprintf, strdup, mkdtemp, nftw */
#endif

#include "cluster.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "wait.h"

#define PORT_LOW          15000
#define PORT_HIGH         32000
#define PORT_BLOCK        (2 * CLUSTER_MAX_NODES)
#define MAX_WRAPPER_ARGS  32
#define MAX_ARGV          (MAX_WRAPPER_ARGS + 32 + CLUSTER_MAX_EXTRA_ARGS)
#define REGISTRY_SIZE     8
#define LOG_TAIL_BYTES    3000
#define STOP_DEADLINE_MS  10000
#define START_DEADLINE_MS 10000

/* What the atexit() handler needs, copied out of each live cluster: with
 * CK_FORK=no a failing test longjmps out of the frame that holds it. */
struct registry_entry {
    bool in_use;
    pid_t pids[CLUSTER_MAX_NODES];
    char run_dir[CLUSTER_RUN_DIR_MAX];
};

static struct registry_entry registry[REGISTRY_SIZE];
static bool registry_hooked;
static int next_port = -1;

static void registry_at_exit(void)
{
    for (int i = 0; i < REGISTRY_SIZE; i++) {
        struct registry_entry *e = &registry[i];

        if (!e->in_use) {
            continue;
        }
        for (int j = 0; j < CLUSTER_MAX_NODES; j++) {
            if (e->pids[j] > 0) {
                kill(e->pids[j], SIGKILL);
                waitpid(e->pids[j], NULL, 0);
            }
        }
        fprintf(stderr,
                "cluster: nodes left running at exit were killed; "
                "logs kept in %s\n",
                e->run_dir);
        e->in_use = false;
    }
}

static void registry_sync(struct cluster *c)
{
    struct registry_entry *e;

    if (c->registry_slot < 0) {
        return;
    }
    e = &registry[c->registry_slot];
    for (unsigned i = 0; i < CLUSTER_MAX_NODES; i++) {
        e->pids[i] = i < c->n_nodes ? c->nodes[i].pid : 0;
    }
}

static void registry_add(struct cluster *c)
{
    if (!registry_hooked) {
        atexit(registry_at_exit);
        registry_hooked = true;
    }
    c->registry_slot = -1;
    for (int i = 0; i < REGISTRY_SIZE; i++) {
        if (!registry[i].in_use) {
            registry[i].in_use = true;
            snprintf(registry[i].run_dir, sizeof registry[i].run_dir, "%s",
                     c->run_dir);
            c->registry_slot = i;
            break;
        }
    }
    registry_sync(c);
}

static void registry_remove(struct cluster *c)
{
    if (c->registry_slot >= 0) {
        registry[c->registry_slot].in_use = false;
        c->registry_slot = -1;
    }
}

int cluster_scale_ms(int ms)
{
    const char *w = getenv("SK_DAEMON_WRAPPER");

    return (w != NULL && *w != '\0') ? ms * 20 : ms;
}

static void tail_log(const char *path)
{
    char buf[LOG_TAIL_BYTES + 1];
    FILE *f = fopen(path, "r");
    size_t n;
    long size;
    char *start = buf;

    if (f == NULL) {
        return;
    }
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    if (size > LOG_TAIL_BYTES) {
        fseek(f, size - LOG_TAIL_BYTES, SEEK_SET);
    } else {
        fseek(f, 0, SEEK_SET);
    }
    n = fread(buf, 1, LOG_TAIL_BYTES, f);
    fclose(f);
    buf[n] = '\0';
    if (size > LOG_TAIL_BYTES) {
        char *nl = strchr(buf, '\n');

        start = nl != NULL ? nl + 1 : buf;
    }
    fprintf(stderr, "---- tail of %s ----\n%s", path, start);
    if (n > 0 && buf[n - 1] != '\n') {
        fputc('\n', stderr);
    }
}

void cluster_kill_all(struct cluster *c)
{
    for (unsigned i = 0; i < c->n_nodes; i++) {
        struct cluster_node *n = &c->nodes[i];

        if (n->pid > 0) {
            kill(n->pid, SIGKILL);
        }
    }
    for (unsigned i = 0; i < c->n_nodes; i++) {
        struct cluster_node *n = &c->nodes[i];

        if (n->pid > 0) {
            waitpid(n->pid, &n->last_status, 0);
            n->pid = 0;
            n->is_paused = false;
        }
    }
    registry_sync(c);
}

void cluster_fail(
    struct cluster *c, const char *file, int line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->failed = true;
    fprintf(stderr, "cluster: %s:%d: %s\n", file, line, msg);
    cluster_kill_all(c);
    for (unsigned i = 0; i < c->n_nodes; i++) {
        tail_log(c->nodes[i].log_path);
    }
    fprintf(stderr, "cluster: test failed; node logs kept in %s\n", c->run_dir);
    registry_remove(c);
    fflush(stderr);
    ck_abort_msg("%s:%d: %s (logs in %s)", file, line, msg, c->run_dir);
}

#define FAIL(c, ...) cluster_fail((c), __FILE__, __LINE__, __VA_ARGS__)

static bool port_is_free(int port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons((uint16_t)port) };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    bool ok;

    if (fd < 0) {
        return false;
    }
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* The daemon binds with SO_REUSEADDR (libuv does), so a port whose old
     * connections linger in TIME_WAIT is free for it too. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

static int pick_port(void)
{
    if (next_port < 0) {
        unsigned blocks = (PORT_HIGH - PORT_LOW) / PORT_BLOCK;
        unsigned block = ((unsigned)getpid() * 7919u) % blocks;

        next_port = PORT_LOW + (int)(block * PORT_BLOCK);
    }
    for (int tries = 0; tries < PORT_HIGH - PORT_LOW; tries++) {
        int port = next_port++;

        if (next_port >= PORT_HIGH) {
            next_port = PORT_LOW;
        }
        if (port_is_free(port)) {
            return port;
        }
    }
    return -1;
}

struct cluster_node *cluster_node(struct cluster *c, unsigned id)
{
    if (id < 1 || id > c->n_nodes) {
        FAIL(c, "no node with id %u", id);
    }
    return &c->nodes[id - 1];
}

/* Split SK_DAEMON_WRAPPER on blanks into @argv (pointing into @storage). */
static size_t wrapper_argv(char *storage, size_t size, char **argv)
{
    const char *w = getenv("SK_DAEMON_WRAPPER");
    size_t n = 0;
    char *save = NULL;

    if (w == NULL || *w == '\0') {
        return 0;
    }
    snprintf(storage, size, "%s", w);
    for (char *tok = strtok_r(storage, " \t", &save);
         tok != NULL && n < MAX_WRAPPER_ARGS;
         tok = strtok_r(NULL, " \t", &save)) {
        argv[n++] = tok;
    }
    return n;
}

static void spawn(struct cluster *c, struct cluster_node *n)
{
    char wrapper[1024];
    char *argv[MAX_ARGV];
    char id[16], election[16], heartbeat[16];
    char bootstrap[CLUSTER_MAX_NODES * 48] = "";
    size_t argc = wrapper_argv(wrapper, sizeof wrapper, argv);
    pid_t parent = getpid();
    pid_t pid;
    FILE *log;

    snprintf(id, sizeof id, "%u", n->id);
    snprintf(election, sizeof election, "%u", c->election_timeout_ms);
    snprintf(heartbeat, sizeof heartbeat, "%u", c->heartbeat_timeout_ms);
    for (unsigned i = 0; i < c->n_nodes; i++) {
        size_t len = strlen(bootstrap);

        snprintf(bootstrap + len, sizeof bootstrap - len, "%s%u=%s",
                 i == 0 ? "" : ",", c->nodes[i].id, c->nodes[i].raft_address);
    }
    argv[argc++] = c->daemon_path;
    argv[argc++] = (char *)"--id";
    argv[argc++] = id;
    argv[argc++] = (char *)"--zone";
    argv[argc++] = n->zone;
    argv[argc++] = (char *)"--raft";
    argv[argc++] = n->raft_address;
    argv[argc++] = (char *)"--listen";
    argv[argc++] = n->client_address;
    argv[argc++] = (char *)"--data";
    argv[argc++] = n->data_dir;
    argv[argc++] = (char *)"--bootstrap";
    argv[argc++] = bootstrap;
    argv[argc++] = (char *)"--log-level";
    argv[argc++] = c->log_level;
    argv[argc++] = (char *)"--election-timeout-ms";
    argv[argc++] = election;
    argv[argc++] = (char *)"--heartbeat-timeout-ms";
    argv[argc++] = heartbeat;
    for (size_t i = 0; c->extra_args[i] != NULL; i++) {
        argv[argc++] = c->extra_args[i];
    }
    argv[argc] = NULL;

    log = fopen(n->log_path, "a");
    if (log == NULL) {
        FAIL(c, "cannot open %s: %s", n->log_path, strerror(errno));
    }
    fprintf(log, "==== harness: start #%u of node %u:", n->n_starts + 1, n->id);
    for (size_t i = 0; i < argc; i++) {
        fprintf(log, " %s", argv[i]);
    }
    fprintf(log, "\n");
    fclose(log);
    fflush(NULL);

    pid = fork();
    if (pid < 0) {
        FAIL(c, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        int fd;
        sigset_t none;

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setpgid(0, 0); /* its own group: pausing a node pauses its children */
        if (getppid() != parent) {
            _exit(127); /* the test died before the line above */
        }
        fd = open(n->log_path, O_WRONLY | O_APPEND);
        if (fd < 0) {
            _exit(127);
        }
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        fd = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, STDIN_FILENO);
        }
        /* Don't hand the node this process' client sockets. */
        for (int i = 3; i < 1024; i++) {
            close(i);
        }
        signal(SIGPIPE, SIG_DFL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execvp(argv[0], argv);
        dprintf(STDERR_FILENO, "harness: exec %s: %s\n", argv[0],
                strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid); /* either of the two calls wins the race */
    n->pid = pid;
    n->is_paused = false;
    n->died_unexpectedly = false;
    n->n_starts++;
    registry_sync(c);
}

static void wait_client_port(struct cluster *c, struct cluster_node *n)
{
    int64_t deadline = wait_now_ms() + cluster_scale_ms(START_DEADLINE_MS);

    while (!wait_for_port(n->client_port, 50)) {
        if (!cluster_is_running(c, n->id)) {
            FAIL(c, "node %u exited during start-up (status 0x%x)", n->id,
                 (unsigned)n->last_status);
        }
        if (wait_now_ms() > deadline) {
            FAIL(c, "node %u does not accept clients on port %d", n->id,
                 n->client_port);
        }
    }
}

static void options_apply(struct cluster *c, const struct cluster_options *o)
{
    const char *level = getenv("SK_TEST_LOG_LEVEL");
    size_t n_extra = 0;

    c->n_nodes = (o != NULL && o->n_nodes != 0) ? o->n_nodes : 3;
    c->election_timeout_ms = (o != NULL && o->election_timeout_ms != 0)
                                 ? o->election_timeout_ms
                                 : 400;
    c->heartbeat_timeout_ms = (o != NULL && o->heartbeat_timeout_ms != 0)
                                  ? o->heartbeat_timeout_ms
                                  : 50;
    if (o != NULL && o->log_level != NULL) {
        level = o->log_level;
    }
    snprintf(c->log_level, sizeof c->log_level, "%s",
             level != NULL ? level : "info");
    if (o != NULL && o->extra_args != NULL) {
        for (; o->extra_args[n_extra] != NULL; n_extra++) {
            ck_assert_msg(n_extra < CLUSTER_MAX_EXTRA_ARGS,
                          "too many extra arguments");
            c->extra_args[n_extra] = strdup(o->extra_args[n_extra]);
        }
    }
    c->extra_args[n_extra] = NULL;
}

void cluster_start(struct cluster *c, const struct cluster_options *opts)
{
    const char *builddir = getenv("SK_BUILDDIR");
    const char *tmp = getenv("TMPDIR");

    memset(c, 0, sizeof *c);
    c->registry_slot = -1;
    options_apply(c, opts);
    ck_assert_msg(c->n_nodes >= 1 && c->n_nodes <= CLUSTER_MAX_NODES,
                  "bad node count %u", c->n_nodes);
    /* The tests write to sockets that nodes may have closed. */
    signal(SIGPIPE, SIG_IGN);

    snprintf(c->daemon_path, sizeof c->daemon_path, "%s/src/scalekeeperd",
             builddir != NULL && *builddir != '\0' ? builddir : ".");
    ck_assert_msg(access(c->daemon_path, X_OK) == 0,
                  "daemon %s not found or not executable (set SK_BUILDDIR "
                  "to the build directory)",
                  c->daemon_path);
    if (tmp == NULL || *tmp == '\0' ||
        strlen(tmp) > sizeof c->run_dir - sizeof "/sk-test-XXXXXX") {
        tmp = "/tmp";
    }
    snprintf(c->run_dir, sizeof c->run_dir, "%s/sk-test-XXXXXX", tmp);
    ck_assert_msg(mkdtemp(c->run_dir) != NULL, "mkdtemp %s: %s", c->run_dir,
                  strerror(errno));
    registry_add(c);

    for (unsigned i = 0; i < c->n_nodes; i++) {
        struct cluster_node *n = &c->nodes[i];

        n->id = i + 1;
        snprintf(n->zone, sizeof n->zone, "zone-%c", 'a' + (int)i);
        n->raft_port = pick_port();
        n->client_port = pick_port();
        if (n->raft_port < 0 || n->client_port < 0) {
            FAIL(c, "no free loopback port");
        }
        snprintf(n->raft_address, sizeof n->raft_address, "127.0.0.1:%d",
                 n->raft_port);
        snprintf(n->client_address, sizeof n->client_address, "127.0.0.1:%d",
                 n->client_port);
        snprintf(n->data_dir, sizeof n->data_dir, "%s/node%u", c->run_dir,
                 n->id);
        snprintf(n->log_path, sizeof n->log_path, "%s/node%u.log", c->run_dir,
                 n->id);
    }
    for (unsigned i = 0; i < c->n_nodes; i++) {
        spawn(c, &c->nodes[i]);
    }
    for (unsigned i = 0; i < c->n_nodes; i++) {
        wait_client_port(c, &c->nodes[i]);
    }
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void rm_tree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Reap node @n after a signal; returns its wait status, or -1 if it did not
 * exit within the deadline (it is then SIGKILLed and reaped). */
static int reap(struct cluster *c, struct cluster_node *n, int deadline_ms)
{
    int status = 0;
    int rv;

    if (wait_for_pid_exit(n->pid, cluster_scale_ms(deadline_ms), &status)) {
        rv = status;
    } else {
        kill(n->pid, SIGKILL);
        waitpid(n->pid, &status, 0);
        rv = -1;
    }
    n->last_status = status;
    n->pid = 0;
    n->is_paused = false;
    registry_sync(c);
    return rv;
}

static int exit_code(int status)
{
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}

int cluster_destroy(struct cluster *c)
{
    bool keep = getenv("SK_KEEP_RUN") != NULL;

    for (unsigned i = 0; i < c->n_nodes; i++) {
        struct cluster_node *n = &c->nodes[i];

        if (n->died_unexpectedly) {
            fprintf(stderr, "cluster: node %u died on its own (code %d)\n",
                    n->id, exit_code(n->last_status));
            c->failed = true;
        }
        if (n->pid > 0 && cluster_is_running(c, n->id)) {
            int code = cluster_stop(c, n->id);

            if (code != 0) {
                fprintf(stderr,
                        "cluster: node %u exited with code %d on SIGTERM\n",
                        n->id, code);
                c->failed = true;
            }
        } else if (n->died_unexpectedly) {
            c->failed = true;
        }
    }
    registry_remove(c);
    for (size_t i = 0; c->extra_args[i] != NULL; i++) {
        free(c->extra_args[i]);
        c->extra_args[i] = NULL;
    }
    if (c->failed || keep) {
        fprintf(stderr, "cluster: node logs kept in %s\n", c->run_dir);
    } else if (c->run_dir[0] != '\0') {
        rm_tree(c->run_dir);
    }
    return c->failed ? -1 : 0;
}

bool cluster_is_running(struct cluster *c, unsigned id)
{
    struct cluster_node *n = cluster_node(c, id);
    int status;

    if (n->pid <= 0) {
        return false;
    }
    if (waitpid(n->pid, &status, WNOHANG) == n->pid) {
        n->last_status = status;
        n->pid = 0;
        n->is_paused = false;
        n->died_unexpectedly = true;
        registry_sync(c);
        fprintf(stderr, "cluster: node %u exited on its own (code %d)\n", id,
                exit_code(status));
        return false;
    }
    return true;
}

void cluster_kill(struct cluster *c, unsigned id)
{
    struct cluster_node *n = cluster_node(c, id);

    if (!cluster_is_running(c, id)) {
        FAIL(c, "cluster_kill: node %u is not running", id);
    }
    kill(n->pid, SIGKILL);
    reap(c, n, STOP_DEADLINE_MS);
}

int cluster_stop(struct cluster *c, unsigned id)
{
    struct cluster_node *n = cluster_node(c, id);
    int status;

    if (!cluster_is_running(c, id)) {
        FAIL(c, "cluster_stop: node %u is not running", id);
    }
    kill(n->pid, SIGTERM);
    if (n->is_paused) {
        kill(-n->pid, SIGCONT);
    }
    status = reap(c, n, STOP_DEADLINE_MS);
    if (status == -1) {
        fprintf(stderr, "cluster: node %u ignored SIGTERM; killed\n", id);
        return -1;
    }
    return exit_code(status);
}

void cluster_pause(struct cluster *c, unsigned id)
{
    struct cluster_node *n = cluster_node(c, id);

    if (!cluster_is_running(c, id)) {
        FAIL(c, "cluster_pause: node %u is not running", id);
    }
    kill(-n->pid, SIGSTOP); /* the node and the actuator calls it runs */
    n->is_paused = true;
}

void cluster_resume(struct cluster *c, unsigned id)
{
    struct cluster_node *n = cluster_node(c, id);

    if (!cluster_is_running(c, id)) {
        FAIL(c, "cluster_resume: node %u is not running", id);
    }
    kill(-n->pid, SIGCONT);
    n->is_paused = false;
}

void cluster_restart(struct cluster *c, unsigned id)
{
    struct cluster_node *n = cluster_node(c, id);

    if (cluster_is_running(c, id)) {
        FAIL(c, "cluster_restart: node %u is still running", id);
    }
    spawn(c, n);
    wait_client_port(c, n);
}

void cluster_wipe_data(struct cluster *c, unsigned id)
{
    struct cluster_node *n = cluster_node(c, id);

    if (cluster_is_running(c, id)) {
        FAIL(c, "cluster_wipe_data: node %u is still running", id);
    }
    rm_tree(n->data_dir);
}

static redisContext *connect_once(struct cluster_node *n, int timeout_ms)
{
    struct timeval tv = { .tv_sec = timeout_ms / 1000,
                          .tv_usec = (timeout_ms % 1000) * 1000 };
    redisContext *ctx =
        redisConnectWithTimeout("127.0.0.1", n->client_port, tv);

    if (ctx == NULL) {
        return NULL;
    }
    if (ctx->err != 0 || redisSetTimeout(ctx, tv) != REDIS_OK) {
        redisFree(ctx);
        return NULL;
    }
    return ctx;
}

redisContext *cluster_connect(struct cluster *c, unsigned id)
{
    struct cluster_node *n = cluster_node(c, id);
    int64_t deadline = wait_now_ms() + cluster_scale_ms(START_DEADLINE_MS);

    for (;;) {
        redisContext *ctx = connect_once(n, cluster_scale_ms(10000));

        if (ctx != NULL) {
            return ctx;
        }
        if (wait_now_ms() > deadline) {
            FAIL(c, "cannot connect to node %u on port %d", id, n->client_port);
        }
        wait_sleep_ms(20);
    }
}

redisReply *
cluster_command(struct cluster *c, unsigned id, const char *fmt, ...)
{
    struct cluster_node *n = cluster_node(c, id);
    redisContext *ctx;
    redisReply *reply;
    va_list ap;

    if (n->pid <= 0 || n->is_paused) {
        return NULL;
    }
    ctx = connect_once(n, cluster_scale_ms(2000));
    if (ctx == NULL) {
        return NULL;
    }
    va_start(ap, fmt);
    reply = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    redisFree(ctx);
    return reply;
}

bool cluster_info_field(const char *info,
                        const char *field,
                        char *out,
                        size_t out_size)
{
    size_t flen = strlen(field);
    const char *p = info;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, field, flen) == 0 && p[flen] == ':') {
            const char *v = p + flen + 1;
            size_t len = strcspn(v, "\r\n");

            if (len >= out_size) {
                len = out_size - 1;
            }
            memcpy(out, v, len);
            out[len] = '\0';
            return true;
        }
        p = strchr(p, '\n');
        if (p != NULL) {
            p++;
        }
    }
    return false;
}

bool cluster_info_u64(struct cluster *c,
                      unsigned id,
                      const char *section,
                      const char *field,
                      uint64_t *value)
{
    redisReply *r = cluster_command(c, id, "INFO %s", section);
    char text[64];
    char *end;
    bool ok = false;

    if (r == NULL) {
        return false;
    }
    if (r->type == REDIS_REPLY_STRING &&
        cluster_info_field(r->str, field, text, sizeof text) &&
        text[0] != '\0') {
        errno = 0;
        *value = strtoull(text, &end, 10);
        ok = errno == 0 && *end == '\0';
    }
    freeReplyObject(r);
    return ok;
}

/* The leader node @id names, or 0 if it names none or does not answer. */
static unsigned leader_seen_by(struct cluster *c, unsigned id)
{
    redisReply *r = cluster_command(c, id, "LEADER");
    unsigned leader = 0;

    if (r == NULL) {
        return 0;
    }
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
        r->element[0]->type == REDIS_REPLY_INTEGER &&
        r->element[0]->integer > 0) {
        leader = (unsigned)r->element[0]->integer;
    }
    freeReplyObject(r);
    return leader;
}

static bool leader_agreed(struct cluster *c, unsigned *leader)
{
    unsigned agreed = 0;

    for (unsigned i = 0; i < c->n_nodes; i++) {
        struct cluster_node *n = &c->nodes[i];
        unsigned seen;

        if (!cluster_is_running(c, n->id) || n->is_paused) {
            continue;
        }
        seen = leader_seen_by(c, n->id);
        if (seen == 0 || (agreed != 0 && seen != agreed)) {
            return false;
        }
        agreed = seen;
    }
    if (agreed == 0 || agreed > c->n_nodes || c->nodes[agreed - 1].pid <= 0 ||
        c->nodes[agreed - 1].is_paused) {
        return false;
    }
    *leader = agreed;
    return true;
}

unsigned cluster_leader(struct cluster *c, int timeout_ms)
{
    int64_t deadline = wait_now_ms() + cluster_scale_ms(timeout_ms);
    unsigned leader = 0;

    for (;;) {
        if (leader_agreed(c, &leader)) {
            return leader;
        }
        if (wait_now_ms() > deadline) {
            return 0;
        }
        wait_sleep_ms(20);
    }
}

unsigned cluster_follower(struct cluster *c, unsigned leader_id)
{
    for (unsigned i = 0; i < c->n_nodes; i++) {
        struct cluster_node *n = &c->nodes[i];

        if (n->id != leader_id && n->pid > 0 && !n->is_paused) {
            return n->id;
        }
    }
    return 0;
}

int cluster_connect_raw(struct cluster *c, unsigned id)
{
    struct cluster_node *n = cluster_node(c, id);
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons((uint16_t)n->client_port) };
    int ms = cluster_scale_ms(5000);
    struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        return -1;
    }
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

redisReply *
cluster_exec(struct cluster *c, redisContext *ctx, const char *fmt, ...)
{
    redisReply *reply;
    va_list ap;

    va_start(ap, fmt);
    reply = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    if (reply == NULL) {
        FAIL(c, "command '%s': connection error: %s", fmt, ctx->errstr);
    }
    return reply;
}

void cluster_key(char *out, size_t size, const char *prefix, unsigned i)
{
    snprintf(out, size, "%s%06u", prefix, i);
}

void cluster_value(char *out, size_t size, const char *prefix, unsigned i)
{
    snprintf(out, size, "val-%s%06u", prefix, i);
}

bool cluster_send_sets(redisContext *ctx,
                       const char *prefix,
                       unsigned first,
                       unsigned count)
{
    char key[64], value[80];
    int done = 0;

    for (unsigned i = 0; i < count; i++) {
        cluster_key(key, sizeof key, prefix, first + i);
        cluster_value(value, sizeof value, prefix, first + i);
        redisAppendCommand(ctx, "SET %s %s", key, value);
    }
    /* Send everything before reading, so that all of it is in flight. */
    while (done == 0) {
        if (redisBufferWrite(ctx, &done) != REDIS_OK) {
            return false;
        }
    }
    return true;
}

/* The errors a write may meet while leadership moves. */
static bool is_failover_error(const char *msg)
{
    static const char *const codes[] = { "UNCERTAIN", "NOLEADER", "TRYAGAIN",
                                         "ERR" };

    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        size_t len = strlen(codes[i]);
        if (strncmp(msg, codes[i], len) == 0 &&
            (msg[len] == ' ' || msg[len] == '\0')) {
            return true;
        }
    }
    return false;
}

unsigned
cluster_read_sets(redisContext *ctx, unsigned count, bool *acked, char *bad)
{
    unsigned n_acked = 0;

    if (bad != NULL) {
        bad[0] = '\0';
    }
    for (unsigned i = 0; i < count && acked != NULL; i++) {
        acked[i] = false;
    }
    for (unsigned i = 0; i < count; i++) {
        redisReply *r = NULL;

        if (redisGetReply(ctx, (void **)&r) != REDIS_OK || r == NULL) {
            break;
        }
        if (r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0) {
            if (acked != NULL) {
                acked[i] = true;
            }
            n_acked++;
        } else if (bad != NULL && bad[0] == '\0' &&
                   (r->type != REDIS_REPLY_ERROR ||
                    !is_failover_error(r->str))) {
            snprintf(bad, CLUSTER_BAD_SIZE, "reply %u: type %d '%.200s'", i,
                     r->type, r->type == REDIS_REPLY_ERROR ? r->str : "");
        }
        freeReplyObject(r);
    }
    return n_acked;
}

unsigned cluster_read_sets_or_fail(struct cluster *c,
                                   redisContext *ctx,
                                   unsigned count,
                                   bool *acked)
{
    char bad[CLUSTER_BAD_SIZE];
    unsigned n_acked = cluster_read_sets(ctx, count, acked, bad);

    if (bad[0] != '\0') {
        cluster_fail(c, __FILE__, __LINE__, "SET %s", bad);
    }
    return n_acked;
}

unsigned cluster_set_many(redisContext *ctx,
                          const char *prefix,
                          unsigned first,
                          unsigned count,
                          bool *acked)
{
    if (!cluster_send_sets(ctx, prefix, first, count)) {
        for (unsigned i = 0; i < count && acked != NULL; i++) {
            acked[i] = false;
        }
        return 0;
    }
    return cluster_read_sets(ctx, count, acked, NULL);
}

#define CHECK_BATCH 100

int cluster_check_many(redisContext *ctx,
                       const char *prefix,
                       unsigned first,
                       unsigned count,
                       const bool *acked,
                       char *bad)
{
    static char keys[CHECK_BATCH][64];
    const char *argv[CHECK_BATCH + 1];
    char value[80];
    int present = 0;

    for (unsigned base = 0; base < count; base += CHECK_BATCH) {
        unsigned n = count - base < CHECK_BATCH ? count - base : CHECK_BATCH;
        redisReply *r;

        argv[0] = "MGET";
        for (unsigned i = 0; i < n; i++) {
            cluster_key(keys[i], sizeof keys[i], prefix, first + base + i);
            argv[i + 1] = keys[i];
        }
        r = redisCommandArgv(ctx, (int)n + 1, argv, NULL);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != n) {
            snprintf(bad, CLUSTER_BAD_SIZE, "%s (MGET failed: %s)", keys[0],
                     r == NULL                      ? ctx->errstr
                     : r->type == REDIS_REPLY_ERROR ? r->str
                                                    : "bad reply");
            if (r != NULL) {
                freeReplyObject(r);
            }
            return -1;
        }
        for (unsigned i = 0; i < n; i++) {
            const redisReply *e = r->element[i];
            bool must = acked == NULL || acked[base + i];

            cluster_value(value, sizeof value, prefix, first + base + i);
            if (e->type == REDIS_REPLY_NIL && !must) {
                continue;
            }
            if (e->type != REDIS_REPLY_STRING || strcmp(e->str, value) != 0) {
                snprintf(bad, CLUSTER_BAD_SIZE, "%s", keys[i]);
                freeReplyObject(r);
                return -1;
            }
            present++;
        }
        freeReplyObject(r);
    }
    return present;
}

/* The local actuator: each instance is a process on this machine, a
 * `scalekeeper agent` that sends the instance's heartbeats. Its directory
 * holds, per instance, the highest token seen (a call with a lower one is
 * refused: a deposed leader's late call), the worker's pid while it runs,
 * and a mark once terminated (a terminated instance never comes back); and
 * actuator.log, one line per call, the actuator's own record of what it
 * did. Any node can act on the same directory, so a new leader finds the
 * workers of the old one. Synchronous, and quick: small files and a fork. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "node/actuator.h"
#include "scaling/activity.h"

static void path_of(char *out,
                    size_t size,
                    const char *dir,
                    const char *instance,
                    const char *suffix)
{
    snprintf(out, size, "%s/%s.%s", dir, instance, suffix);
}

static unsigned long long read_number(const char *path)
{
    FILE *f = fopen(path, "r");
    unsigned long long v = 0;

    if (f != NULL) {
        if (fscanf(f, "%llu", &v) != 1) {
            v = 0;
        }
        fclose(f);
    }
    return v;
}

/* Write @v to @path through a temporary file and a rename. */
static bool write_number(const char *path, unsigned long long v)
{
    char tmp[PATH_MAX];
    FILE *f;
    bool ok;

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "w");
    if (f == NULL) {
        return false;
    }
    ok = fprintf(f, "%llu\n", v) > 0;
    ok = fclose(f) == 0 && ok;
    return ok && rename(tmp, path) == 0;
}

static void
log_call(const char *dir, const struct actuator_request *r, const char *outcome)
{
    char path[PATH_MAX];
    char when[24];
    struct tm tm;
    time_t now;
    FILE *f;

    snprintf(path, sizeof path, "%s/actuator.log", dir);
    f = fopen(path, "a");
    if (f == NULL) {
        return;
    }
    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(f, "%s %s %s %s %s activity=%llu token=%llu %s\n", when,
            r->kind == ACTIVITY_LAUNCH ? "launch" : "terminate", r->group,
            r->zone, r->instance, (unsigned long long)r->activity,
            (unsigned long long)r->token, outcome);
    fclose(f);
}

/* Whether @pid is the worker of @instance: alive, and running
 * `scalekeeper ... agent INSTANCE` (a pid can be reused by another
 * process once the worker is gone). */
static bool is_worker(pid_t pid, const char *instance)
{
    char path[64];
    char cmdline[1024];
    size_t n;
    FILE *f;
    bool found = false;

    if (pid <= 1 || kill(pid, 0) != 0) {
        return false;
    }
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    f = fopen(path, "r");
    if (f == NULL) {
        return false;
    }
    n = fread(cmdline, 1, sizeof cmdline - 1, f);
    fclose(f);
    cmdline[n] = '\0';
    /* NUL-separated arguments: "agent", then the instance id, at the end. */
    for (size_t i = 0; i < n && !found;) {
        size_t next = i + strlen(cmdline + i) + 1;
        found = next < n && strcmp(cmdline + i, "agent") == 0 &&
                strcmp(cmdline + next, instance) == 0;
        i = next;
    }
    return found;
}

/* Whether @pid has exited (a zombie waiting for its parent counts). */
static bool is_gone(pid_t pid)
{
    char path[64];
    char stat[256];
    FILE *f;
    size_t n;
    const char *end;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL) {
        return true;
    }
    n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    end = strrchr(stat, ')'); /* "pid (comm) S ..." */
    return end == NULL || end[1] == '\0' || end[2] == 'Z' || end[2] == 'X';
}

/* Wait for a killed worker to be gone, so that a reported termination is
 * true when reported: SIGKILL takes effect at once, but not within the
 * kill() call. Gives up after 200 ms (the process is then unkillable,
 * which the log would show). */
static void wait_gone(pid_t pid)
{
    struct timespec ms = { 0, 1000000 };

    for (int i = 0; i < 200 && !is_gone(pid); i++) {
        nanosleep(&ms, NULL);
    }
}

/* The scalekeeper CLI next to this daemon's executable. */
static bool cli_path(char *out, size_t size)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    char *slash;

    if (n <= 0) {
        return false;
    }
    self[n] = '\0';
    slash = strrchr(self, '/');
    if (slash == NULL) {
        return false;
    }
    *slash = '\0';
    if ((size_t)(slash - self) + sizeof "/scalekeeper" > size) {
        return false;
    }
    memcpy(out, self, (size_t)(slash - self));
    memcpy(out + (slash - self), "/scalekeeper", sizeof "/scalekeeper");
    return access(out, X_OK) == 0;
}

/* Start `scalekeeper --endpoints E agent ID` in its own session, orphaned
 * at once (the middle process exits), so it outlives this node. Returns
 * its pid or -1. */
static pid_t
start_worker(const char *cli, const char *endpoints, const char *id)
{
    int fds[2];
    pid_t child;
    pid_t worker = -1;

    if (pipe(fds) != 0) {
        return -1;
    }
    child = fork();
    if (child < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (child == 0) {
        pid_t grandchild;
        int null = open("/dev/null", O_RDWR);

        setsid();
        grandchild = fork();
        if (grandchild == 0) {
            close(fds[0]);
            close(fds[1]);
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
            execl(cli, cli, "--endpoints", endpoints, "agent", id,
                  (char *)NULL);
            _exit(127);
        }
        if (write(fds[1], &grandchild, sizeof grandchild) < 0) {
            _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    if (read(fds[0], &worker, sizeof worker) != (ssize_t)sizeof worker) {
        worker = -1;
    }
    close(fds[0]);
    waitpid(child, NULL, 0);
    return worker;
}

static bool launch(const char *dir,
                   const char *endpoints,
                   const struct actuator_request *r,
                   char *output,
                   size_t size)
{
    char pid_path[PATH_MAX];
    char cli[PATH_MAX];
    pid_t pid;

    path_of(pid_path, sizeof pid_path, dir, r->instance, "pid");
    pid = (pid_t)read_number(pid_path);
    if (is_worker(pid, r->instance)) {
        /* Called again (a new leader resuming): it runs already. */
        snprintf(output, size, "local:%d\nalready running\n", (int)pid);
        log_call(dir, r, "already-running");
        return true;
    }
    if (!cli_path(cli, sizeof cli)) {
        snprintf(output, size, "the scalekeeper CLI is not beside the daemon");
        return false;
    }
    pid = start_worker(cli, endpoints, r->instance);
    if (pid < 0 || !write_number(pid_path, (unsigned long long)pid)) {
        snprintf(output, size, "cannot start a worker: %s", strerror(errno));
        return false;
    }
    snprintf(output, size, "local:%d\nstarted worker pid %d\n", (int)pid,
             (int)pid);
    log_call(dir, r, "started");
    return true;
}

static bool terminate(const char *dir,
                      const struct actuator_request *r,
                      char *output,
                      size_t size)
{
    char pid_path[PATH_MAX];
    char mark[PATH_MAX];
    pid_t pid;

    path_of(pid_path, sizeof pid_path, dir, r->instance, "pid");
    path_of(mark, sizeof mark, dir, r->instance, "terminated");
    pid = (pid_t)read_number(pid_path);
    if (!write_number(mark, r->token)) {
        snprintf(output, size, "cannot record the termination: %s",
                 strerror(errno));
        return false;
    }
    if (is_worker(pid, r->instance)) {
        kill(pid, SIGKILL);
        wait_gone(pid);
    }
    unlink(pid_path);
    snprintf(output, size, "stopped worker pid %d\n", (int)pid);
    log_call(dir, r, "terminated");
    return true;
}

static bool call_locked(const char *dir,
                        const char *endpoints,
                        const struct actuator_request *r,
                        char *output,
                        size_t output_size);

/* Calls from several nodes (a deposed leader that woke up, and its
 * successor) take turns on the directory's lock, so that the token check
 * and the action are one step. */
bool actuator_local_call(const char *dir,
                         const char *endpoints,
                         const struct actuator_request *r,
                         char *output,
                         size_t output_size)
{
    char lock_path[PATH_MAX];
    int fd;
    bool ok;

    output[0] = '\0';
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(output, output_size, "cannot create %s: %s", dir,
                 strerror(errno));
        return false;
    }
    snprintf(lock_path, sizeof lock_path, "%s/.lock", dir);
    fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) {
        snprintf(output, output_size, "cannot lock %s: %s", lock_path,
                 strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    ok = call_locked(dir, endpoints, r, output, output_size);
    close(fd); /* releases the lock */
    return ok;
}

static bool call_locked(const char *dir,
                        const char *endpoints,
                        const struct actuator_request *r,
                        char *output,
                        size_t output_size)
{
    char token_path[PATH_MAX];
    char mark[PATH_MAX];
    unsigned long long seen;

    path_of(token_path, sizeof token_path, dir, r->instance, "token");
    path_of(mark, sizeof mark, dir, r->instance, "terminated");
    seen = read_number(token_path);
    if (r->token < seen) {
        snprintf(output, output_size,
                 "refused: token %llu is older than %llu, already seen for "
                 "%s",
                 (unsigned long long)r->token, seen, r->instance);
        log_call(dir, r, "refused-stale-token");
        return false;
    }
    if (!write_number(token_path, r->token)) {
        snprintf(output, output_size, "cannot record the token: %s",
                 strerror(errno));
        return false;
    }
    if (r->kind == ACTIVITY_LAUNCH) {
        if (access(mark, F_OK) == 0) {
            snprintf(output, output_size,
                     "refused: %s was terminated and never comes back",
                     r->instance);
            log_call(dir, r, "refused-terminated");
            return false;
        }
        return launch(dir, endpoints, r, output, output_size);
    }
    return terminate(dir, r, output, output_size);
}

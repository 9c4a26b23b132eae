/* Polling with a deadline: the one way integration tests wait. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* nanosleep, clock_gettime */
#endif

#include "wait.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Short enough that a test does not idle, long enough not to spin a core
 * that the nodes under test need. */
#define WAIT_POLL_MS 5

int64_t wait_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void wait_sleep_ms(int ms)
{
    struct timespec ts = { .tv_sec = ms / 1000,
                           .tv_nsec = (long)(ms % 1000) * 1000000 };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

bool wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms)
{
    int64_t deadline = wait_now_ms() + timeout_ms;

    for (;;) {
        if (cond(arg)) {
            return true;
        }
        if (wait_now_ms() > deadline) {
            return cond(arg);
        }
        wait_sleep_ms(WAIT_POLL_MS);
    }
}

bool wait_for_pid_exit(pid_t pid, int timeout_ms, int *status)
{
    int64_t deadline = wait_now_ms() + timeout_ms;
    int st = 0;

    for (;;) {
        pid_t rv = waitpid(pid, &st, WNOHANG);

        if (rv == pid || (rv < 0 && errno == ECHILD)) {
            if (status != NULL) {
                *status = rv == pid ? st : 0;
            }
            return true;
        }
        if (wait_now_ms() > deadline) {
            return false;
        }
        wait_sleep_ms(WAIT_POLL_MS);
    }
}

static bool port_accepts(void *arg)
{
    int port = *(int *)arg;
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons((uint16_t)port) };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok;

    if (fd < 0) {
        return false;
    }
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

bool wait_for_port(int port, int timeout_ms)
{
    return wait_until(port_accepts, &port, timeout_ms);
}

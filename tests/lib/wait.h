/* Polling with a deadline for integration tests: a condition is checked every
 * few milliseconds on the monotonic clock until it holds or time runs out.
 * Tests synchronise on conditions, never on fixed sleeps. */
#ifndef SK_TEST_WAIT_H
#define SK_TEST_WAIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Milliseconds on the monotonic clock (arbitrary origin). */
int64_t wait_now_ms(void);

/* Sleep about @ms milliseconds; only for pacing a poll, never as a way to
 * wait for an event. */
void wait_sleep_ms(int ms);

/* Call @cond(@arg) until it returns true or @timeout_ms have passed; it is
 * called at least once, and once more after the deadline. Returns true if it
 * held. */
bool wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms);

/* Reap @pid (a child of this process) within @timeout_ms. Returns true and the
 * wait status in @status (may be NULL) if it exited; false if it still runs. */
bool wait_for_pid_exit(pid_t pid, int timeout_ms, int *status);

/* Wait until a TCP connection to 127.0.0.1:@port is accepted. */
bool wait_for_port(int port, int timeout_ms);

#endif

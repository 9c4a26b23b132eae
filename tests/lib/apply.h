/* Unit-test helpers for the state machine: apply one command, given as C
 * strings, and record what the observer saw. */
#ifndef SK_TEST_APPLY_H
#define SK_TEST_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "fsm/fsm.h"
#include "lib/buf.h"

#define APPLY_MAX_ARGS 16

/* The time apply_cmd() writes in its entries (0 at start). */
extern uint64_t apply_time_ms;

/* Apply op(@argc C strings) as a one-command entry; its reply replaces the
 * contents of @reply (may be NULL). Fails the test if the entry does not
 * apply. */
void apply_cmd(struct fsm *f, struct buf *reply, uint8_t op, size_t argc, ...);

/* The reply as a C string (valid until @reply changes). */
const char *reply_text(struct buf *reply);

/* An observer that writes one line per change into @log:
 * "put key=value c=1 m=2 l=0", "delete key ...", "expire key ...",
 * "election name leader=1 token=5 lease=3 changed=1",
 * "lease granted 1", "lease renewed 1", "lease removed 1". */
struct change_log {
    struct fsm_observer observer;
    struct buf text;
};

void change_log_init(struct change_log *c, struct fsm *f);
void change_log_close(struct change_log *c);

/* The lines logged so far as one C string; then forget them. */
const char *change_log_take(struct change_log *c);

/* A state machine with a change log and a reply buffer, for the tests of
 * its ops; FSM_APPLY(x, op, "arg", ...) applies one command, its reply in
 * x->r. */
struct fsm_fixture {
    struct fsm f;
    struct buf r;
    struct change_log log;
};

void fsm_fixture_init(struct fsm_fixture *x);
void fsm_fixture_close(struct fsm_fixture *x);

#define FSM_APPLY(x, op, ...)                                                 \
    apply_cmd(&(x)->f, &(x)->r, (op),                                         \
              sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *), \
              __VA_ARGS__)

#endif

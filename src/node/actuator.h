/* Actuators: what actually launches and terminates instances, called by the
 * leader's controller (proto/ACTUATOR.md). Configured on the daemon only,
 * never by a client (a client that could name a program would have a remote
 * shell):
 *
 *   exec:PATH  (--actuator NAME=exec:PATH) runs
 *              PATH launch|terminate GROUP ZONE INSTANCE ACTIVITY TOKEN
 *              with a timeout; exit 0 is success, and the first line of a
 *              launch's standard output, if any, is the instance's address.
 *   local      (--local-actuator-dir DIR) runs each instance as a process on
 *              this machine: `scalekeeper agent INSTANCE`, which sends the
 *              instance's heartbeats; a call reports after
 *              --local-actuator-boot-ms, as a real machine's boot would. Its
 * records in DIR make it idempotent and fenced: the highest token seen per
 * instance, and a mark on terminated instances, so no late or repeated call
 * launches an instance twice or brings one back. external   nothing is called:
 * a provisioner watches the activities and completes them with
 * ACTIVITY.COMPLETE.
 *
 * Calls are at least once: a new leader repeats the calls of the activities
 * it finds unfinished, with a larger token. */
#ifndef SK_ACTUATOR_H
#define SK_ACTUATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct node;
struct exec_call;
struct local_call;

/* Bytes of an actuator's output kept. */
#define ACTUATOR_OUTPUT_MAX 1024

struct actuator_request {
    uint8_t kind; /* ACTIVITY_LAUNCH or ACTIVITY_TERMINATE */
    const char *group;
    const char *zone;
    const char *instance; /* i-... */
    uint64_t activity;
    uint64_t token;
};

/* The outcome: @ok, and the output (details; a launch's address first). */
typedef void (*actuator_done_fn)(void *data,
                                 bool ok,
                                 const char *output,
                                 size_t len);

struct actuators {
    struct node *node;
    struct exec_call *running;  /* exec calls in flight */
    struct local_call *booting; /* local calls waiting out the boot time */
    bool closing;
};

enum {
    ACTUATOR_STARTED = 0,
    ACTUATOR_EXTERNAL = 1, /* nothing to call: ACTIVITY.COMPLETE finishes */
};

void actuators_init(struct actuators *a, struct node *n);

/* Whether @name is an actuator of this node. */
bool actuators_known(const struct actuators *a, const char *name);

/* Call actuator @name for @r. Returns ACTUATOR_STARTED, after which @done
 * fires exactly once (possibly before this returns; with ok false if the
 * node shuts down first); ACTUATOR_EXTERNAL; or SK_EINVAL for an unknown
 * name (@done never fires). */
int actuators_call(struct actuators *a,
                   const char *name,
                   const struct actuator_request *r,
                   actuator_done_fn done,
                   void *data);

/* Kill the calls in flight; their callbacks fire with ok false. */
void actuators_close(struct actuators *a);

/* The local actuator (actuator_local.c): carry out @r in @dir, starting
 * workers that reach the cluster at @endpoints. Synchronous. */
bool actuator_local_call(const char *dir,
                         const char *endpoints,
                         const struct actuator_request *r,
                         char *output,
                         size_t output_size);

#endif

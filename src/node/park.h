/* Requests waiting for a leader. While no leader is known (an election is
 * under way) or its client address is not yet published, writes and
 * linearizable reads wait here instead of failing at once, as etcd clients
 * expect; each tick retries them, and after the wait limit they get
 * -NOLEADER. Nothing parked has been sent anywhere, so failing it is safe. */
#ifndef SK_PARK_H
#define SK_PARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/slice.h"
#include "node/pending.h"
#include "node/readindex.h"

struct node;
struct parked;

struct park {
    struct node *node;
    struct parked *head; /* oldest first */
    struct parked *tail;
    size_t n_parked;
};

void park_init(struct park *pk, struct node *n);

/* Park a write (@read == NULL: entry op @op of argv[1..]) or a read (@read).
 * @argv is copied. */
void park_add(struct park *pk,
              uint8_t op,
              read_fn read,
              size_t argc,
              const struct slice *argv,
              struct pending *p);

/* Serve what can be served now; fail what waited too long. */
void park_retry(struct park *pk);

/* Fail everything parked with @rv. */
void park_fail_all(struct park *pk, int rv);

/* How long a request may wait for a leader. */
uint64_t park_wait_ms(const struct node *n);

#endif

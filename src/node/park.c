/* Requests waiting for a leader; see park.h. */
#include "node/park.h"

#include <string.h>

#include "lib/mem.h"
#include "node/node.h"
#include "resp/reply.h"

struct parked {
    uint8_t op;
    read_fn read;
    size_t argc;
    struct slice *argv; /* owned, bytes right after the array */
    struct pending *p;
    uint64_t deadline_ms;
    struct parked *next;
};

void park_init(struct park *pk, struct node *n)
{
    memset(pk, 0, sizeof *pk);
    pk->node = n;
}

uint64_t park_wait_ms(const struct node *n)
{
    uint64_t wait = 3 * (uint64_t)n->cfg->election_timeout_ms;

    return wait < 2000 ? 2000 : wait;
}

void park_add(struct park *pk,
              uint8_t op,
              read_fn read,
              size_t argc,
              const struct slice *argv,
              struct pending *p)
{
    struct parked *x = mem_calloc(1, sizeof *x);

    x->argv = slice_copy_args(argc, argv);
    x->op = op;
    x->read = read;
    x->argc = argc;
    x->p = p;
    x->deadline_ms = node_now_ms(pk->node) + park_wait_ms(pk->node);
    if (pk->tail != NULL) {
        pk->tail->next = x;
    } else {
        pk->head = x;
    }
    pk->tail = x;
    pk->n_parked++;
}

static void parked_free(struct parked *x)
{
    mem_free(x->argv);
    mem_free(x);
}

/* Serve @x now if a leader is usable: 1 if served, 0 if it must wait. */
static int try_serve(struct node *n, struct parked *x)
{
    if (node_is_leader(n)) {
        if (x->read != NULL) {
            propose_read(&n->propose, x->read, x->argc, x->argv, x->p);
        } else {
            propose_submit(&n->propose, x->op, x->argc - 1, x->argv + 1, x->p);
        }
        return 1;
    }
    return forward_submit(&n->forward, x->argc, x->argv, x->read, x->p) == 0;
}

void park_retry(struct park *pk)
{
    struct node *n = pk->node;
    uint64_t now = node_now_ms(n);
    struct parked *x = pk->head;

    /* Keep the order: stop at the first request that must still wait. */
    while (x != NULL) {
        if (!try_serve(n, x)) {
            if (now < x->deadline_ms) {
                break;
            }
            pending_fail(x->p, SK_ENOLEADER);
        }
        pk->head = x->next;
        if (pk->head == NULL) {
            pk->tail = NULL;
        }
        pk->n_parked--;
        parked_free(x);
        x = pk->head;
    }
}

void park_fail_all(struct park *pk, int rv)
{
    struct parked *x = pk->head;

    pk->head = pk->tail = NULL;
    pk->n_parked = 0;
    while (x != NULL) {
        struct parked *next = x->next;
        pending_fail(x->p, rv);
        parked_free(x);
        x = next;
    }
}

/* Stale local reads (READONLY). */
#include "node/readindex.h"

#include "node/node.h"

void readindex_serve_local(struct node *n,
                           read_fn fn,
                           size_t argc,
                           const struct slice *argv,
                           struct pending *p)
{
    fn(n, argc, argv, &p->reply);
    n->stats.reads_served++;
    pending_done(p);
}

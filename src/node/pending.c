/* Replies owed to clients; see pending.h for the ownership rule. */
#include "node/pending.h"

#include "lib/mem.h"
#include "resp/reply.h"

struct pending *pending_new(pending_done_cb cb, void *owner)
{
    struct pending *p = mem_calloc(1, sizeof *p);

    buf_init(&p->reply);
    p->cb = cb;
    p->owner = owner;
    return p;
}

void pending_free(struct pending *p)
{
    buf_close(&p->reply);
    mem_free(p);
}

void pending_done(struct pending *p)
{
    p->done = true;
    if (p->orphan) {
        pending_free(p);
        return;
    }
    if (p->cb != NULL) {
        p->cb(p);
    }
}

void pending_orphan(struct pending *p)
{
    if (p->done) {
        pending_free(p);
        return;
    }
    p->orphan = true;
}

void pending_fail(struct pending *p, int rv)
{
    reply_errcode(&p->reply, rv);
    pending_done(p);
}

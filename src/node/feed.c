/* The node's change feed; see feed.h. */
#include "node/feed.h"

#include <string.h>

#include "node/node.h"

void feed_init(struct feed *f, struct node *n)
{
    memset(f, 0, sizeof *f);
    f->node = n;
    history_init(&f->history, n->cfg->watch_history_bytes);
}

static void wake_all(struct feed *f)
{
    struct feed_consumer *c = f->consumers;

    f->dirty = false;
    /* A consumer may unregister itself while woken, never another. */
    while (c != NULL) {
        struct feed_consumer *next = c->next;
        c->wake(c);
        c = next;
    }
}

static void progress_cb(uv_timer_t *t)
{
    struct feed *f = t->data;

    f->progress_due = true;
    wake_all(f);
    f->progress_due = false;
}

void feed_start(struct feed *f)
{
    uint64_t ms = f->node->cfg->watch_progress_ms;

    uv_timer_init(f->node->loop, &f->progress_timer);
    f->progress_timer.data = f;
    f->timer_open = true;
    uv_timer_start(&f->progress_timer, progress_cb, ms, ms);
}

void feed_close(struct feed *f)
{
    if (f->timer_open) {
        uv_close((uv_handle_t *)&f->progress_timer, NULL);
        f->timer_open = false;
    }
}

void feed_fini(struct feed *f)
{
    history_close(&f->history);
}

void feed_register(struct feed *f, struct feed_consumer *c)
{
    if (c->registered) {
        return;
    }
    c->prev = NULL;
    c->next = f->consumers;
    if (f->consumers != NULL) {
        f->consumers->prev = c;
    }
    f->consumers = c;
    c->registered = true;
    f->n_consumers++;
}

void feed_unregister(struct feed *f, struct feed_consumer *c)
{
    if (!c->registered) {
        return;
    }
    if (c->prev != NULL) {
        c->prev->next = c->next;
    } else {
        f->consumers = c->next;
    }
    if (c->next != NULL) {
        c->next->prev = c->prev;
    }
    c->prev = c->next = NULL;
    c->registered = false;
    f->n_consumers--;
}

void feed_key_changed(struct feed *f, const struct fsm_key_event *e)
{
    struct history_event h = { .rev = e->mod_rev,
                               .kind = HISTORY_KEY,
                               .type = (uint8_t)e->type,
                               .create_rev = e->create_rev,
                               .lease = e->lease,
                               .key_len = e->key_len,
                               .value_len = e->value_len };

    history_append(&f->history, &h, e->key, e->value);
    f->events++;
    f->dirty = true;
}

void feed_election_changed(struct feed *f,
                           const struct election *el,
                           bool leader_changed,
                           uint64_t rev)
{
    const struct election_candidate *leader = election_leader(el);
    struct history_event h = { .rev = rev,
                               .kind = HISTORY_ELECTION,
                               .type = leader_changed ? 1 : 0,
                               .lease = leader ? leader->lease : 0,
                               .token = leader ? el->leader_rev : 0,
                               .key_len = el->name_len,
                               .value_len = leader ? leader->value_len : 0 };

    history_append(&f->history, &h, el->name, leader ? leader->value : "");
    f->events++;
    f->dirty = true;
}

void feed_restored(struct feed *f, uint64_t rev)
{
    history_reset(&f->history, rev);
    f->dirty = true;
}

void feed_flush(struct feed *f)
{
    if (f->dirty) {
        wake_all(f);
    }
}

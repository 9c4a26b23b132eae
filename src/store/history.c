/* The change history ring; see history.h. */
#include "store/history.h"

#include <assert.h>
#include <string.h>

#include "lib/mem.h"

/* What an event costs beyond its key and value bytes. */
#define HISTORY_EVENT_OVERHEAD (sizeof(struct history_event) + sizeof(void *))

void history_init(struct history *h, size_t max_bytes)
{
    memset(h, 0, sizeof *h);
    h->first_seq = 1;
    h->max_bytes = max_bytes;
}

static size_t cost(const struct history_event *e)
{
    return HISTORY_EVENT_OVERHEAD + e->key_len + e->value_len;
}

static void drop_oldest(struct history *h)
{
    struct history_event *e = h->ring[h->head];

    h->compact_rev = e->rev;
    h->bytes -= cost(e);
    mem_free(e);
    h->ring[h->head] = NULL;
    h->head = (h->head + 1) % h->cap;
    h->n--;
    h->first_seq++;
}

void history_close(struct history *h)
{
    while (h->n > 0) {
        drop_oldest(h);
    }
    mem_free(h->ring);
    h->ring = NULL;
    h->cap = 0;
}

static void grow(struct history *h)
{
    size_t cap = h->cap ? 2 * h->cap : 64;
    struct history_event **ring = mem_calloc(cap, sizeof *ring);

    for (size_t i = 0; i < h->n; i++) {
        ring[i] = h->ring[(h->head + i) % h->cap];
    }
    mem_free(h->ring);
    h->ring = ring;
    h->cap = cap;
    h->head = 0;
}

void history_append(struct history *h,
                    const struct history_event *src,
                    const char *key,
                    const char *value)
{
    struct history_event *e =
        mem_alloc(sizeof *e + src->key_len + src->value_len);
    uint64_t newest = src->rev;

    *e = *src;
    e->key = (char *)(e + 1);
    e->value = e->key + src->key_len;
    if (src->key_len > 0) {
        memcpy(e->key, key, src->key_len);
    }
    if (src->value_len > 0) {
        memcpy(e->value, value, src->value_len);
    }
    if (h->n == h->cap) {
        grow(h);
    }
    h->ring[(h->head + h->n) % h->cap] = e;
    h->n++;
    h->bytes += cost(e);
    /* Whole revisions go, so a watcher resuming at a retained revision
     * gets all of its events. */
    while (h->bytes > h->max_bytes && h->ring[h->head]->rev < newest) {
        uint64_t rev = h->ring[h->head]->rev;
        while (h->n > 0 && h->ring[h->head]->rev == rev) {
            drop_oldest(h);
        }
    }
}

void history_reset(struct history *h, uint64_t rev)
{
    uint64_t end = history_end(h);

    while (h->n > 0) {
        drop_oldest(h);
    }
    /* Leave a gap in the numbering: every cursor held so far is now below
     * first_seq, so its holder learns that it missed events. */
    h->first_seq = end + 1;
    h->compact_rev = rev;
}

uint64_t history_end(const struct history *h)
{
    return h->first_seq + h->n;
}

const struct history_event *history_get(const struct history *h, uint64_t seq)
{
    if (seq < h->first_seq || seq >= history_end(h)) {
        return NULL;
    }
    return h->ring[(h->head + (size_t)(seq - h->first_seq)) % h->cap];
}

bool history_missed(const struct history *h, uint64_t seq)
{
    return seq < h->first_seq;
}

bool history_seek(const struct history *h, uint64_t rev, uint64_t *seq)
{
    size_t lo = 0;
    size_t hi = h->n;

    if (rev <= h->compact_rev) {
        return false;
    }
    /* Revisions are non-decreasing along the ring. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->ring[(h->head + mid) % h->cap]->rev < rev) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *seq = h->first_seq + lo;
    return true;
}

/* The replicated election table; see election.h. Elections are few and
 * small: a sorted array by name, candidates in an array. */
#include "store/election.h"

#include <string.h>

#include "lib/mem.h"
#include "lib/slice.h"

void election_table_init(struct election_table *t)
{
    t->items = NULL;
    t->n = 0;
    t->cap = 0;
}

static void election_free(struct election *el)
{
    for (size_t i = 0; i < el->n_cands; i++) {
        mem_free(el->cands[i].value);
    }
    mem_free(el->cands);
    mem_free(el->name);
    mem_free(el);
}

void election_table_close(struct election_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        election_free(t->items[i]);
    }
    mem_free(t->items);
    election_table_init(t);
}

/* The index of @name, or where it would go; *found says which. */
static size_t locate(const struct election_table *t,
                     const char *name,
                     size_t len,
                     bool *found)
{
    size_t lo = 0;
    size_t hi = t->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct election *el = t->items[mid];
        if (bytes_cmp(el->name, el->name_len, name, len) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = lo < t->n && bytes_cmp(t->items[lo]->name, t->items[lo]->name_len,
                                    name, len) == 0;
    return lo;
}

struct election *
election_get(const struct election_table *t, const char *name, size_t len)
{
    bool found;
    size_t i = locate(t, name, len, &found);

    return found ? t->items[i] : NULL;
}

struct election *
election_get_or_add(struct election_table *t, const char *name, size_t len)
{
    bool found;
    size_t i = locate(t, name, len, &found);
    struct election *el;

    if (found) {
        return t->items[i];
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 8;
        t->items = mem_realloc(t->items, t->cap * sizeof *t->items);
    }
    memmove(&t->items[i + 1], &t->items[i], (t->n - i) * sizeof *t->items);
    el = mem_calloc(1, sizeof *el);
    el->name = mem_strndup(name, len);
    el->name_len = len;
    t->items[i] = el;
    t->n++;
    return el;
}

void election_drop_if_empty(struct election_table *t, struct election *el)
{
    bool found;
    size_t i;

    if (el->n_cands > 0) {
        return;
    }
    i = locate(t, el->name, el->name_len, &found);
    if (!found) {
        return;
    }
    election_free(el);
    memmove(&t->items[i], &t->items[i + 1], (t->n - i - 1) * sizeof *t->items);
    t->n--;
}

long election_find(const struct election *el, uint64_t lease)
{
    for (size_t i = 0; i < el->n_cands; i++) {
        if (el->cands[i].lease == lease) {
            return (long)i;
        }
    }
    return -1;
}

void election_add(struct election *el,
                  uint64_t lease,
                  const char *value,
                  size_t value_len,
                  uint64_t rev)
{
    struct election_candidate *c;

    if (el->n_cands == el->cap) {
        el->cap = el->cap ? 2 * el->cap : 4;
        el->cands = mem_realloc(el->cands, el->cap * sizeof *el->cands);
    }
    c = &el->cands[el->n_cands++];
    c->lease = lease;
    c->value = mem_strndup(value, value_len);
    c->value_len = value_len;
    c->campaign_rev = rev;
    if (el->n_cands == 1) {
        el->leader_rev = rev;
    }
}

bool election_remove(struct election *el, size_t i, uint64_t rev)
{
    mem_free(el->cands[i].value);
    memmove(&el->cands[i], &el->cands[i + 1],
            (el->n_cands - i - 1) * sizeof *el->cands);
    el->n_cands--;
    if (i != 0) {
        return false;
    }
    el->leader_rev = el->n_cands > 0 ? rev : 0;
    return true;
}

const struct election_candidate *election_leader(const struct election *el)
{
    return el->n_cands > 0 ? &el->cands[0] : NULL;
}

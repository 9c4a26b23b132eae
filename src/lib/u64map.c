/* u64 -> pointer hash map; see u64map.h. */
#include "lib/u64map.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

#define U64MAP_MIN_CAP 16

/* splitmix64's finalizer: ids are often consecutive, this spreads them. */
static size_t hash(uint64_t k, size_t cap)
{
    k ^= k >> 30;
    k *= 0xbf58476d1ce4e5b9ULL;
    k ^= k >> 27;
    k *= 0x94d049bb133111ebULL;
    k ^= k >> 31;
    return (size_t)k & (cap - 1);
}

void u64map_init(struct u64map *m)
{
    m->slots = NULL;
    m->cap = 0;
    m->count = 0;
}

void u64map_close(struct u64map *m)
{
    mem_free(m->slots);
    u64map_init(m);
}

static struct u64map_slot *find(const struct u64map *m, uint64_t key)
{
    size_t i;

    if (m->cap == 0) {
        return NULL;
    }
    i = hash(key, m->cap);
    while (m->slots[i].key != 0) {
        if (m->slots[i].key == key) {
            return &m->slots[i];
        }
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

void *u64map_get(const struct u64map *m, uint64_t key)
{
    struct u64map_slot *s;

    assert(key != 0);
    s = find(m, key);
    return s != NULL ? s->value : NULL;
}

static void insert_new(struct u64map *m, uint64_t key, void *value)
{
    size_t i = hash(key, m->cap);

    while (m->slots[i].key != 0) {
        i = (i + 1) & (m->cap - 1);
    }
    m->slots[i].key = key;
    m->slots[i].value = value;
    m->count++;
}

/* Keep the load factor at most 1/2. */
static void grow(struct u64map *m)
{
    struct u64map_slot *old = m->slots;
    size_t old_cap = m->cap;

    m->cap = old_cap ? old_cap * 2 : U64MAP_MIN_CAP;
    m->slots = mem_calloc(m->cap, sizeof *m->slots);
    m->count = 0;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].key != 0) {
            insert_new(m, old[i].key, old[i].value);
        }
    }
    mem_free(old);
}

void *u64map_put(struct u64map *m, uint64_t key, void *value)
{
    struct u64map_slot *s;
    void *prev;

    assert(key != 0);
    s = find(m, key);
    if (s != NULL) {
        prev = s->value;
        s->value = value;
        return prev;
    }
    if ((m->count + 1) * 2 > m->cap) {
        grow(m);
    }
    insert_new(m, key, value);
    return NULL;
}

void *u64map_del(struct u64map *m, uint64_t key)
{
    struct u64map_slot *s;
    void *value;
    size_t hole;
    size_t i;

    assert(key != 0);
    s = find(m, key);
    if (s == NULL) {
        return NULL;
    }
    value = s->value;
    hole = (size_t)(s - m->slots);
    i = hole;
    /* Backward shift: move each later entry of the run into the hole if its
     * home slot does not lie (cyclically) between the hole and itself. */
    for (;;) {
        size_t home;

        i = (i + 1) & (m->cap - 1);
        if (m->slots[i].key == 0) {
            break;
        }
        home = hash(m->slots[i].key, m->cap);
        if (((i - home) & (m->cap - 1)) >= ((i - hole) & (m->cap - 1))) {
            m->slots[hole] = m->slots[i];
            hole = i;
        }
    }
    m->slots[hole].key = 0;
    m->slots[hole].value = NULL;
    m->count--;
    return value;
}

const struct u64map_slot *u64map_next(const struct u64map *m, size_t *pos)
{
    while (*pos < m->cap) {
        const struct u64map_slot *s = &m->slots[(*pos)++];
        if (s->key != 0) {
            return s;
        }
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

void u64map_sorted_keys(const struct u64map *m, uint64_t *keys)
{
    size_t n = 0;

    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key != 0) {
            keys[n++] = m->slots[i].key;
        }
    }
    qsort(keys, n, sizeof *keys, cmp_u64);
}

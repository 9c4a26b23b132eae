/* A hash map from nonzero 64-bit ids to pointers: leases by id, the keys of
 * each lease, a leader's lease clocks. Open addressing with linear probing
 * and backward-shift deletion, so no tombstones pile up. Pure. */
#ifndef SK_U64MAP_H
#define SK_U64MAP_H

#include <stddef.h>
#include <stdint.h>

struct u64map_slot {
    uint64_t key; /* 0: empty */
    void *value;
};

struct u64map {
    struct u64map_slot *slots; /* owned; NULL while empty */
    size_t cap;                /* a power of two, or 0 */
    size_t count;
};

void u64map_init(struct u64map *m);

/* Free the table (not the values). */
void u64map_close(struct u64map *m);

/* The value of @key, or NULL. @key must not be 0. */
void *u64map_get(const struct u64map *m, uint64_t key);

/* Insert or replace; returns the previous value or NULL. */
void *u64map_put(struct u64map *m, uint64_t key, void *value);

/* Remove @key; returns its value or NULL if it was absent. */
void *u64map_del(struct u64map *m, uint64_t key);

/* Iterate in no particular order: start with *pos = 0; returns the next
 * occupied slot or NULL at the end. The map must not change during the walk
 * (collect the keys first to delete them). */
const struct u64map_slot *u64map_next(const struct u64map *m, size_t *pos);

/* Fill @keys (room for m->count) with every key, ascending. */
void u64map_sorted_keys(const struct u64map *m, uint64_t *keys);

#endif

/* The replicated lease table: each lease has an id (assigned in order,
 * never reused), its granted TTL and the remaining TTL a leader last
 * checkpointed. Expiry itself is decided by the leader's clock
 * (node/lessor.h) and arrives as a log entry; this table never reads a
 * clock. Pure. */
#ifndef SK_LEASE_H
#define SK_LEASE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/u64map.h"

/* A granted TTL is 1 s to 10 years. */
#define LEASE_TTL_MAX_S 315360000ULL

struct lease {
    uint64_t id;
    uint64_t ttl_s;   /* granted TTL in seconds */
    uint64_t ckpt_ms; /* remaining TTL at the last checkpoint; 0: the full
                         TTL (granted, renewed, or never checkpointed) */
};

struct lease_table {
    struct u64map by_id; /* id -> owned struct lease */
    uint64_t next_id;    /* the id the next grant gets, >= 1 */
};

void lease_table_init(struct lease_table *t);
void lease_table_close(struct lease_table *t);

struct lease *lease_get(const struct lease_table *t, uint64_t id);

/* A new lease with the next id. */
struct lease *lease_grant(struct lease_table *t, uint64_t ttl_s);

/* Insert a lease with all its fields, as a snapshot restore does; the next
 * id stays above it. */
struct lease *lease_load(struct lease_table *t,
                         uint64_t id,
                         uint64_t ttl_s,
                         uint64_t ckpt_ms);

/* Remove lease @id (no-op if absent). */
void lease_remove(struct lease_table *t, uint64_t id);

size_t lease_count(const struct lease_table *t);

/* Every id, ascending, in a new array of lease_count() entries (mem_free
 * it). */
uint64_t *lease_sorted_ids(const struct lease_table *t);

#endif

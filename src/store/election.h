/* The replicated election table: for each named election, its candidates in
 * campaign order, each bound to a lease. The first candidate is the leader;
 * its fencing token is the revision at which it became leader, so tokens
 * only grow from one leader to the next. Pure. */
#ifndef SK_ELECTION_H
#define SK_ELECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct election_candidate {
    uint64_t lease;
    char *value; /* owned */
    size_t value_len;
    uint64_t campaign_rev; /* revision of the campaign that added it */
};

struct election {
    char *name; /* owned */
    size_t name_len;
    struct election_candidate *cands; /* owned, campaign order */
    size_t n_cands;
    size_t cap;
    uint64_t leader_rev; /* fencing token of cands[0]; 0 when empty */
};

struct election_table {
    struct election **items; /* owned, sorted by name in byte order */
    size_t n;
    size_t cap;
};

void election_table_init(struct election_table *t);
void election_table_close(struct election_table *t);

struct election *
election_get(const struct election_table *t, const char *name, size_t len);

/* The election @name, created empty if absent. */
struct election *
election_get_or_add(struct election_table *t, const char *name, size_t len);

/* Drop @el from the table if it has no candidate left. */
void election_drop_if_empty(struct election_table *t, struct election *el);

/* The index of the candidate holding @lease, or -1. */
long election_find(const struct election *el, uint64_t lease);

/* Append a candidate at revision @rev; if it is the first, it leads with
 * token @rev. */
void election_add(struct election *el,
                  uint64_t lease,
                  const char *value,
                  size_t value_len,
                  uint64_t rev);

/* Remove candidate @i at revision @rev. Returns true if it was the leader;
 * then the next candidate, if any, leads with token @rev. */
bool election_remove(struct election *el, size_t i, uint64_t rev);

/* The leader, or NULL. */
const struct election_candidate *election_leader(const struct election *el);

#endif

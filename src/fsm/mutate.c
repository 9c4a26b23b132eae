/* The state changes every op is built from: writing and removing keys,
 * ending leases, removing candidates. Each one reports itself to the
 * observer, so watchers and the leader's lease clocks see every change in
 * apply order. */
#include <stdbool.h>

#include "fsm/fsm.h"

static void report_key(struct fsm *f, const struct fsm_key_event *e)
{
    if (f->observer != NULL && f->observer->key_changed != NULL) {
        f->observer->key_changed(f->observer->data, e);
    }
}

static void report_election(struct fsm *f,
                            const struct election *el,
                            bool leader,
                            uint64_t rev)
{
    if (f->observer != NULL && f->observer->election_changed != NULL) {
        f->observer->election_changed(f->observer->data, el, leader, rev);
    }
}

void fsm_put(struct fsm *f,
             struct slice key,
             struct slice value,
             uint64_t rev,
             uint64_t lease)
{
    const struct kv_entry *e;
    struct fsm_key_event ev;

    kv_put(f->kv, key.base, key.len, value.base, value.len, rev, lease);
    e = kv_get(f->kv, key.base, key.len);
    ev = (struct fsm_key_event){ .type = FSM_PUT,
                                 .key = e->key,
                                 .key_len = e->key_len,
                                 .value = e->value,
                                 .value_len = e->value_len,
                                 .create_rev = e->create_rev,
                                 .mod_rev = rev,
                                 .lease = lease };
    report_key(f, &ev);
}

bool fsm_del(struct fsm *f,
             struct slice key,
             uint64_t rev,
             enum fsm_key_change type)
{
    const struct kv_entry *e = kv_get(f->kv, key.base, key.len);
    struct fsm_key_event ev;

    if (e == NULL) {
        return false;
    }
    ev = (struct fsm_key_event){ .type = type,
                                 .key = e->key,
                                 .key_len = e->key_len,
                                 .value = "",
                                 .value_len = 0,
                                 .create_rev = e->create_rev,
                                 .mod_rev = rev,
                                 .lease = e->lease };
    report_key(f, &ev);
    kv_del(f->kv, key.base, key.len);
    return true;
}

void fsm_remove_candidate(struct fsm *f, struct election *el, size_t i)
{
    uint64_t rev = ++f->revision;
    bool leader = election_remove(el, i, rev);

    report_election(f, el, leader, rev);
    election_drop_if_empty(&f->elections, el);
}

/* Whether lease @id holds a candidacy anywhere. */
static bool has_candidacy(const struct fsm *f, uint64_t id)
{
    for (size_t i = 0; i < f->elections.n; i++) {
        if (election_find(f->elections.items[i], id) >= 0) {
            return true;
        }
    }
    return false;
}

long long fsm_end_lease(struct fsm *f, uint64_t id, bool expired)
{
    struct lease *l = lease_get(&f->leases, id);
    const struct kv_entry *e;
    uint64_t rev = f->revision + 1;
    long long n = 0;

    if (l == NULL) {
        return -1;
    }
    e = kv_lease_first(f->kv, id);
    while (e != NULL) {
        const struct kv_entry *next = kv_lease_next(e);
        fsm_del(f, (struct slice){ e->key, e->key_len }, rev,
                expired ? FSM_EXPIRE : FSM_DELETE);
        n++;
        e = next;
    }
    if (n > 0 || has_candidacy(f, id)) {
        f->revision = rev;
    }
    /* Candidacies go at the same revision: walk from the end, since a
     * removal may drop an election from the table. */
    for (size_t i = f->elections.n; i-- > 0;) {
        struct election *el = f->elections.items[i];
        long c = election_find(el, id);
        if (c >= 0) {
            bool leader = election_remove(el, (size_t)c, rev);
            report_election(f, el, leader, rev);
            election_drop_if_empty(&f->elections, el);
        }
    }
    if (f->observer != NULL && f->observer->lease_changed != NULL) {
        f->observer->lease_changed(f->observer->data, FSM_LEASE_REMOVED, l);
    }
    lease_remove(&f->leases, id);
    return n;
}

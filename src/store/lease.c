/* The replicated lease table; see lease.h. */
#include "store/lease.h"

#include "lib/mem.h"

void lease_table_init(struct lease_table *t)
{
    u64map_init(&t->by_id);
    t->next_id = 1;
}

void lease_table_close(struct lease_table *t)
{
    size_t pos = 0;
    const struct u64map_slot *s;

    while ((s = u64map_next(&t->by_id, &pos)) != NULL) {
        mem_free(s->value);
    }
    u64map_close(&t->by_id);
    t->next_id = 1;
}

struct lease *lease_get(const struct lease_table *t, uint64_t id)
{
    return id != 0 ? u64map_get(&t->by_id, id) : NULL;
}

struct lease *
lease_load(struct lease_table *t, uint64_t id, uint64_t ttl_s, uint64_t ckpt_ms)
{
    struct lease *l = mem_alloc(sizeof *l);

    l->id = id;
    l->ttl_s = ttl_s;
    l->ckpt_ms = ckpt_ms;
    mem_free(u64map_put(&t->by_id, id, l));
    if (id >= t->next_id) {
        t->next_id = id + 1;
    }
    return l;
}

struct lease *lease_grant(struct lease_table *t, uint64_t ttl_s)
{
    return lease_load(t, t->next_id, ttl_s, 0);
}

void lease_remove(struct lease_table *t, uint64_t id)
{
    if (id != 0) {
        mem_free(u64map_del(&t->by_id, id));
    }
}

size_t lease_count(const struct lease_table *t)
{
    return t->by_id.count;
}

uint64_t *lease_sorted_ids(const struct lease_table *t)
{
    uint64_t *ids =
        mem_calloc(t->by_id.count ? t->by_id.count : 1, sizeof *ids);

    u64map_sorted_keys(&t->by_id, ids);
    return ids;
}

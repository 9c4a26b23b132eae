/* Snapshot format (proto/SNAPSHOT.md): the whole fsm state in one buffer,
 * written when raft compacts its log and read when a node restores or catches
 * up. Decoding validates everything before it touches the live state. */
#include "fsm/snapshot.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fsm/snapshot_scaling.h"
#include "lib/crc32c.h"
#include "lib/err.h"
#include "lib/mem.h"
#include "lib/slice.h"

#define SNAPSHOT_MAGIC     "SKSNAP"
#define SNAPSHOT_MAGIC_LEN 6

/* magic, version, revision, n_members, n_keys, checksum */
#define SNAPSHOT_MIN_LEN (SNAPSHOT_MAGIC_LEN + 1 + 8 + 4 + 8 + 4)

/* The smallest encoded member (u64 id, two empty byte strings): bounds the
 * member count before the array is allocated. */
#define SNAPSHOT_MIN_MEMBER_BYTES (8 + 4 + 4)

static void encode_leases(const struct fsm *f, struct buf *out)
{
    uint64_t *ids = lease_sorted_ids(&f->leases);
    size_t n = lease_count(&f->leases);

    buf_put_u64(out, (uint64_t)n);
    for (size_t i = 0; i < n; i++) {
        const struct lease *l = lease_get(&f->leases, ids[i]);
        buf_put_u64(out, l->id);
        buf_put_u64(out, l->ttl_s);
        buf_put_u64(out, l->ckpt_ms);
    }
    mem_free(ids);
}

static void encode_elections(const struct fsm *f, struct buf *out)
{
    buf_put_u32(out, (uint32_t)f->elections.n);
    for (size_t i = 0; i < f->elections.n; i++) {
        const struct election *el = f->elections.items[i];
        buf_put_bytes(out, el->name, el->name_len);
        buf_put_u64(out, el->leader_rev);
        buf_put_u32(out, (uint32_t)el->n_cands);
        for (size_t c = 0; c < el->n_cands; c++) {
            const struct election_candidate *cand = &el->cands[c];
            buf_put_u64(out, cand->lease);
            buf_put_bytes(out, cand->value, cand->value_len);
            buf_put_u64(out, cand->campaign_rev);
        }
    }
}

void snapshot_encode(const struct fsm *f, struct buf *out)
{
    size_t start = out->len;

    buf_append(out, SNAPSHOT_MAGIC, SNAPSHOT_MAGIC_LEN);
    buf_put_u8(out, SNAPSHOT_VERSION);
    buf_put_u64(out, f->revision);
    buf_put_u64(out, f->leases.next_id);

    buf_put_u32(out, (uint32_t)f->n_members);
    for (size_t i = 0; i < f->n_members; i++) {
        const struct fsm_member *m = &f->members[i];

        buf_put_u64(out, m->id);
        buf_put_bytes(out, m->client_address, strlen(m->client_address));
        buf_put_bytes(out, m->zone, strlen(m->zone));
    }

    encode_leases(f, out);

    buf_put_u64(out, (uint64_t)kv_count(f->kv));
    for (const struct kv_entry *e = kv_seek(f->kv, NULL, 0); e != NULL;
         e = kv_next(f->kv, e)) {
        buf_put_bytes(out, e->key, e->key_len);
        buf_put_bytes(out, e->value, e->value_len);
        buf_put_u64(out, e->create_rev);
        buf_put_u64(out, e->mod_rev);
        buf_put_u64(out, e->version);
        buf_put_u64(out, e->lease);
    }

    encode_elections(f, out);
    snapshot_encode_scaling(&f->scaling, out);

    buf_put_u32(out, crc32c(out->base + start, out->len - start));
}

/* Members: strictly ascending nonzero ids, strings without NUL bytes. */
static int decode_members(struct reader *r, struct fsm *next)
{
    uint32_t n = reader_u32(r);

    if (r->failed || n > r->left / SNAPSHOT_MIN_MEMBER_BYTES) {
        return SK_ECORRUPT;
    }
    next->members = mem_calloc(n, sizeof *next->members);
    for (uint32_t i = 0; i < n; i++) {
        struct fsm_member *m = &next->members[i];
        uint64_t id = reader_u64(r);
        const char *addr;
        const char *zone;
        size_t addr_len;
        size_t zone_len;

        reader_bytes(r, &addr, &addr_len);
        reader_bytes(r, &zone, &zone_len);
        if (r->failed || id == 0 || (i > 0 && id <= m[-1].id) ||
            memchr(addr, '\0', addr_len) != NULL ||
            memchr(zone, '\0', zone_len) != NULL) {
            return SK_ECORRUPT;
        }
        m->id = id;
        m->client_address = mem_strndup(addr, addr_len);
        m->zone = mem_strndup(zone, zone_len);
        next->n_members = i + 1;
    }
    return 0;
}

/* Leases: strictly ascending ids below the next id, a TTL a grant accepts,
 * a checkpoint below the TTL. */
static int decode_leases(struct reader *r, struct fsm *next)
{
    uint64_t n = reader_u64(r);
    uint64_t prev = 0;

    if (r->failed || n > r->left / 24) {
        return SK_ECORRUPT;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint64_t id = reader_u64(r);
        uint64_t ttl = reader_u64(r);
        uint64_t ckpt = reader_u64(r);
        if (r->failed || id <= prev || id >= next->leases.next_id || ttl == 0 ||
            ttl > LEASE_TTL_MAX_S || ckpt >= ttl * 1000) {
            return SK_ECORRUPT;
        }
        lease_load(&next->leases, id, ttl, ckpt);
        prev = id;
    }
    return 0;
}

/* Keys: strictly ascending, with metadata a sequence of writes can produce:
 * 1 <= create_rev <= mod_rev <= revision and version >= 1, and a lease
 * that exists (or none). */
static int decode_keys(struct reader *r, struct fsm *next, uint8_t version)
{
    uint64_t n = reader_u64(r);
    const char *prev = NULL;
    size_t prev_len = 0;

    /* No allocation depends on n: a false count fails at the first missing
     * key. */
    if (r->failed) {
        return SK_ECORRUPT;
    }
    for (uint64_t i = 0; i < n; i++) {
        struct kv_entry e;

        reader_bytes(r, &e.key, &e.key_len);
        reader_bytes(r, &e.value, &e.value_len);
        e.create_rev = reader_u64(r);
        e.mod_rev = reader_u64(r);
        e.version = reader_u64(r);
        e.lease = version >= 2 ? reader_u64(r) : 0;
        if (r->failed ||
            (i > 0 && bytes_cmp(prev, prev_len, e.key, e.key_len) >= 0) ||
            e.create_rev == 0 || e.create_rev > e.mod_rev ||
            e.mod_rev > next->revision || e.version == 0 ||
            (e.lease != 0 && lease_get(&next->leases, e.lease) == NULL)) {
            return SK_ECORRUPT;
        }
        kv_load(next->kv, &e);
        prev = e.key;
        prev_len = e.key_len;
    }
    return 0;
}

/* One election's candidates: campaign revisions strictly ascending and at
 * most the revision, existing leases, each at most once; the token at or
 * after the leader's campaign. */
static int decode_candidates(struct reader *r,
                             struct fsm *next,
                             struct election *el,
                             uint32_t n)
{
    for (uint32_t c = 0; c < n; c++) {
        uint64_t lease = reader_u64(r);
        const char *value;
        size_t value_len;
        uint64_t rev;

        reader_bytes(r, &value, &value_len);
        rev = reader_u64(r);
        if (r->failed || lease_get(&next->leases, lease) == NULL || rev == 0 ||
            rev > next->revision ||
            (c > 0 && rev <= el->cands[c - 1].campaign_rev) ||
            election_find(el, lease) >= 0) {
            return SK_ECORRUPT;
        }
        election_add(el, lease, value, value_len, rev);
    }
    return 0;
}

static int decode_elections(struct reader *r, struct fsm *next)
{
    uint32_t n = reader_u32(r);
    const struct election *prev = NULL;

    if (r->failed || n > r->left / 16) {
        return SK_ECORRUPT;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *name;
        size_t name_len;
        uint64_t leader_rev;
        uint32_t n_cands;
        struct election *el;

        reader_bytes(r, &name, &name_len);
        leader_rev = reader_u64(r);
        n_cands = reader_u32(r);
        if (r->failed || n_cands == 0 || n_cands > r->left / 20 ||
            (prev != NULL &&
             bytes_cmp(prev->name, prev->name_len, name, name_len) >= 0)) {
            return SK_ECORRUPT;
        }
        el = election_get_or_add(&next->elections, name, name_len);
        if (decode_candidates(r, next, el, n_cands) != 0 ||
            leader_rev < el->cands[0].campaign_rev ||
            leader_rev > next->revision) {
            return SK_ECORRUPT;
        }
        el->leader_rev = leader_rev;
        prev = el;
    }
    return 0;
}

int snapshot_decode(struct fsm *f, const void *data, size_t len)
{
    const uint8_t *p = data;
    struct reader r;
    struct fsm next;
    uint32_t stored;
    uint8_t version;
    size_t body;
    int rv;

    if (len < SNAPSHOT_MIN_LEN) {
        return SK_ECORRUPT;
    }
    body = len - 4;
    stored = (uint32_t)p[body] << 24 | (uint32_t)p[body + 1] << 16 |
             (uint32_t)p[body + 2] << 8 | (uint32_t)p[body + 3];
    if (stored != crc32c(p, body) ||
        memcmp(p, SNAPSHOT_MAGIC, SNAPSHOT_MAGIC_LEN) != 0) {
        return SK_ECORRUPT;
    }
    reader_init(&r, p + SNAPSHOT_MAGIC_LEN, body - SNAPSHOT_MAGIC_LEN);
    version = reader_u8(&r);
    if (version < 1 || version > SNAPSHOT_VERSION) {
        return SK_ECORRUPT;
    }

    fsm_init(&next);
    next.revision = reader_u64(&r);
    if (version >= 2) {
        next.leases.next_id = reader_u64(&r);
        rv = next.leases.next_id == 0 ? SK_ECORRUPT : 0;
    } else {
        rv = 0;
    }
    if (rv == 0) {
        rv = decode_members(&r, &next);
    }
    if (rv == 0 && version >= 2) {
        rv = decode_leases(&r, &next);
    }
    if (rv == 0) {
        rv = decode_keys(&r, &next, version);
    }
    if (rv == 0 && version >= 2) {
        rv = decode_elections(&r, &next);
    }
    if (rv == 0 && version >= 3) {
        rv = snapshot_decode_scaling(&r, &next.scaling);
    }
    if (rv == 0 && r.left != 0) {
        rv = SK_ECORRUPT; /* bytes between the last record and the checksum */
    }
    if (rv != 0) {
        fsm_close(&next);
        return rv;
    }
    next.observer = f->observer;
    fsm_close(f);
    *f = next;
    return 0;
}

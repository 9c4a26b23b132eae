/* Unit tests for the snapshot format (src/fsm/snapshot.c, proto/SNAPSHOT.md).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fsm/entry.h"
#include "fsm/fsm.h"
#include "fsm/snapshot.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/mem.h"

/* An independent bit-at-a-time CRC32C, to re-seal hand-made snapshots. */
static uint32_t test_crc32c(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t crc = 0xffffffffU;

    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc & 1) ? (crc >> 1) ^ 0x82f63b78U : crc >> 1;
        }
    }
    return crc ^ 0xffffffffU;
}

/* Append the checksum of everything in @b. */
static void seal(struct buf *b)
{
    buf_put_u32(b, test_crc32c(b->base, b->len));
}

static void apply_cmd(struct fsm *f, uint8_t op, size_t argc, ...)
{
    struct slice argv[4];
    struct entry_writer w;
    va_list ap;

    va_start(ap, argc);
    for (size_t i = 0; i < argc; i++) {
        argv[i].base = va_arg(ap, const char *);
        argv[i].len = va_arg(ap, size_t);
    }
    va_end(ap);
    entry_writer_init(&w, 1, 1);
    entry_writer_add(&w, op, argc, argv);
    entry_writer_finish(&w, 0);
    ck_assert_int_eq(fsm_apply(f, w.buf.base, w.buf.len, NULL, 0), 0);
    entry_writer_close(&w);
}

#define A(lit) (const char *)(lit), (sizeof(lit) - 1)

/* Keys with binary bytes and an empty value, replaced and deleted keys,
 * three members: every field of the format takes a non-trivial value. */
static void populate(struct fsm *f)
{
    apply_cmd(f, ENTRY_OP_MEMBER, 3, A("2"), A("10.0.0.2:6379"), A("b"));
    apply_cmd(f, ENTRY_OP_MEMBER, 3, A("1"), A("10.0.0.1:6379"), A("a"));
    apply_cmd(f, ENTRY_OP_MEMBER, 3, A("7"), A("[::1]:6379"), A(""));
    apply_cmd(f, ENTRY_OP_SET, 2, A("k\0bin"), A("v\0\xff"));
    apply_cmd(f, ENTRY_OP_SET, 2, A("alpha"), A("1"));
    apply_cmd(f, ENTRY_OP_SET, 2, A(""), A(""));
    apply_cmd(f, ENTRY_OP_SET, 2, A("gone"), A("x"));
    apply_cmd(f, ENTRY_OP_SET, 2, A("alpha"), A("22"));
    apply_cmd(f, ENTRY_OP_DEL, 1, A("gone"));
    apply_cmd(f, ENTRY_OP_CAS, 3, A("alpha"), A("22"), A("333"));
    /* Leases 1-3 (2 revoked), a key on lease 1, a checkpoint on lease 3,
     * and an election with two candidates whose leader changed once. */
    apply_cmd(f, ENTRY_OP_LEASE_GRANT, 1, A("10"));
    apply_cmd(f, ENTRY_OP_LEASE_GRANT, 1, A("20"));
    apply_cmd(f, ENTRY_OP_LEASE_GRANT, 1, A("30"));
    apply_cmd(f, ENTRY_OP_SET, 4, A("leased"), A("v"), A("LEASE"), A("1"));
    apply_cmd(f, ENTRY_OP_LEASE_CHECKPOINT, 2, A("3"), A("12345"));
    apply_cmd(f, ENTRY_OP_CAMPAIGN, 4, A("ctl"), A("n2"), A("LEASE"), A("2"));
    apply_cmd(f, ENTRY_OP_CAMPAIGN, 4, A("ctl"), A("n1"), A("lease"), A("1"));
    apply_cmd(f, ENTRY_OP_CAMPAIGN, 4, A("ctl"), A("n3"), A("LEASE"), A("3"));
    apply_cmd(f, ENTRY_OP_LEASE_REVOKE, 1, A("2"));
}

/* A different non-empty state, to show a decode replaces it. */
static void populate_other(struct fsm *f)
{
    apply_cmd(f, ENTRY_OP_MEMBER, 3, A("9"), A("elsewhere:1"), A("z"));
    apply_cmd(f, ENTRY_OP_SET, 2, A("other"), A("state"));
}

static void assert_same_state(const struct fsm *a, const struct fsm *b)
{
    const struct kv_entry *x = kv_seek(a->kv, NULL, 0);
    const struct kv_entry *y = kv_seek(b->kv, NULL, 0);

    ck_assert_uint_eq(a->revision, b->revision);
    ck_assert_uint_eq(a->n_members, b->n_members);
    for (size_t i = 0; i < a->n_members; i++) {
        ck_assert_uint_eq(a->members[i].id, b->members[i].id);
        ck_assert_str_eq(a->members[i].client_address,
                         b->members[i].client_address);
        ck_assert_str_eq(a->members[i].zone, b->members[i].zone);
    }
    ck_assert_uint_eq(a->leases.next_id, b->leases.next_id);
    ck_assert_uint_eq(lease_count(&a->leases), lease_count(&b->leases));
    for (uint64_t id = 1; id < a->leases.next_id; id++) {
        const struct lease *la = lease_get(&a->leases, id);
        const struct lease *lb = lease_get(&b->leases, id);
        ck_assert((la == NULL) == (lb == NULL));
        if (la != NULL) {
            ck_assert_uint_eq(la->ttl_s, lb->ttl_s);
            ck_assert_uint_eq(la->ckpt_ms, lb->ckpt_ms);
        }
    }
    ck_assert_uint_eq(a->elections.n, b->elections.n);
    for (size_t i = 0; i < a->elections.n; i++) {
        const struct election *ea = a->elections.items[i];
        const struct election *eb = b->elections.items[i];
        ck_assert_uint_eq(ea->name_len, eb->name_len);
        ck_assert_mem_eq(ea->name, eb->name, ea->name_len);
        ck_assert_uint_eq(ea->leader_rev, eb->leader_rev);
        ck_assert_uint_eq(ea->n_cands, eb->n_cands);
        for (size_t c = 0; c < ea->n_cands; c++) {
            ck_assert_uint_eq(ea->cands[c].lease, eb->cands[c].lease);
            ck_assert_uint_eq(ea->cands[c].campaign_rev,
                              eb->cands[c].campaign_rev);
            ck_assert_uint_eq(ea->cands[c].value_len, eb->cands[c].value_len);
        }
    }
    ck_assert_uint_eq(kv_count(a->kv), kv_count(b->kv));
    ck_assert_uint_eq(kv_bytes(a->kv), kv_bytes(b->kv));
    while (x != NULL && y != NULL) {
        ck_assert_uint_eq(x->key_len, y->key_len);
        ck_assert(x->key_len == 0 || memcmp(x->key, y->key, x->key_len) == 0);
        ck_assert_uint_eq(x->value_len, y->value_len);
        ck_assert(x->value_len == 0 ||
                  memcmp(x->value, y->value, x->value_len) == 0);
        ck_assert_uint_eq(x->create_rev, y->create_rev);
        ck_assert_uint_eq(x->mod_rev, y->mod_rev);
        ck_assert_uint_eq(x->version, y->version);
        ck_assert_uint_eq(x->lease, y->lease);
        x = kv_next(a->kv, x);
        y = kv_next(b->kv, y);
    }
    ck_assert(x == NULL && y == NULL);
}

START_TEST(round_trip_restores_everything)
{
    struct fsm src;
    struct fsm dst;
    struct buf snap;
    struct buf again;
    const struct kv_entry *e;

    fsm_init(&src);
    fsm_init(&dst);
    buf_init(&snap);
    buf_init(&again);
    populate(&src);
    populate_other(&dst);
    /* 6 key writes, 1 for the leased key, 3 campaigns, 1 revoke (lease 2
     * was the leader: candidate n1 leads from revision 12). */
    ck_assert_uint_eq(src.revision, 12);
    ck_assert_uint_eq(src.elections.items[0]->leader_rev, 12);
    ck_assert_uint_eq(src.elections.items[0]->n_cands, 2);

    snapshot_encode(&src, &snap);
    ck_assert_int_eq(snapshot_decode(&dst, snap.base, snap.len), 0);
    assert_same_state(&src, &dst);
    ck_assert_ptr_null(fsm_member_get(&dst, 9));
    ck_assert_ptr_null(kv_get(dst.kv, "other", 5));
    e = kv_get(dst.kv, "alpha", 5);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->create_rev, 2);
    ck_assert_uint_eq(e->mod_rev, 7);
    ck_assert_uint_eq(e->version, 3);

    /* Encoding is canonical: the restored state encodes to the same bytes. */
    snapshot_encode(&dst, &again);
    ck_assert_uint_eq(again.len, snap.len);
    ck_assert_mem_eq(again.base, snap.base, snap.len);

    /* The restored state keeps working: the next write is revision 13. */
    apply_cmd(&dst, ENTRY_OP_SET, 2, A("alpha"), A("4"));
    ck_assert_uint_eq(kv_get(dst.kv, "alpha", 5)->mod_rev, 13);
    ck_assert_uint_eq(kv_get(dst.kv, "alpha", 5)->version, 4);

    buf_close(&snap);
    buf_close(&again);
    fsm_close(&src);
    fsm_close(&dst);
}

END_TEST

START_TEST(encode_appends_after_existing_bytes)
{
    struct fsm f;
    struct buf alone;
    struct buf after;

    fsm_init(&f);
    buf_init(&alone);
    buf_init(&after);
    populate(&f);
    snapshot_encode(&f, &alone);
    buf_append_str(&after, "prefix");
    snapshot_encode(&f, &after);
    ck_assert_uint_eq(after.len, 6 + alone.len);
    ck_assert_mem_eq(after.base + 6, alone.base, alone.len);
    buf_close(&alone);
    buf_close(&after);
    fsm_close(&f);
}

END_TEST

/* The exact bytes of proto/SNAPSHOT.md's example. */
START_TEST(encoding_matches_documented_bytes)
{
    static const unsigned char want[] = {
        'S',  'K',  'S',  'N',  'A', 'P',       /* magic */
        0x03,                                   /* version */
        0,    0,    0,    0,    0,   0,   0, 1, /* revision 1 */
        0,    0,    0,    0,    0,   0,   0, 1, /* next lease id 1 */
        0,    0,    0,    0,                    /* no members */
        0,    0,    0,    0,    0,   0,   0, 0, /* no leases */
        0,    0,    0,    0,    0,   0,   0, 1, /* one key */
        0,    0,    0,    1,    'k',            /* key */
        0,    0,    0,    1,    'v',            /* value */
        0,    0,    0,    0,    0,   0,   0, 1, /* create_rev */
        0,    0,    0,    0,    0,   0,   0, 1, /* mod_rev */
        0,    0,    0,    0,    0,   0,   0, 1, /* version */
        0,    0,    0,    0,    0,   0,   0, 0, /* no lease */
        0,    0,    0,    0,                    /* no elections */
        0,    0,    0,    0,    0,   0,   0, 1, /* next instance id 1 */
        0,    0,    0,    0,    0,   0,   0, 1, /* next activity id 1 */
        0,    0,    0,    0,    0,   0,   0, 0, /* no token yet */
        0,    0,    0,    0,    0,   0,   0, 0, /* controller term 0 */
        0,    0,    0,    0,    0,   0,   0, 0, /* controller node 0 */
        0,    0,    0,    0,                    /* no groups */
        0x87, 0x9d, 0xa8, 0x18,                 /* CRC32C */
    };
    struct fsm f;
    struct buf snap;

    fsm_init(&f);
    buf_init(&snap);
    apply_cmd(&f, ENTRY_OP_SET, 2, A("k"), A("v"));
    snapshot_encode(&f, &snap);
    ck_assert_uint_eq(snap.len, sizeof want);
    ck_assert_mem_eq(snap.base, want, sizeof want);
    buf_close(&snap);
    fsm_close(&f);
}

END_TEST

START_TEST(empty_state_round_trips)
{
    static const unsigned char want[] = {
        'S',  'K',  'S',  'N',  'A', 'P',       /* magic */
        0x03,                                   /* version */
        0,    0,    0,    0,    0,   0,   0, 0, /* revision 0 */
        0,    0,    0,    0,    0,   0,   0, 1, /* next lease id 1 */
        0,    0,    0,    0,                    /* no members */
        0,    0,    0,    0,    0,   0,   0, 0, /* no leases */
        0,    0,    0,    0,    0,   0,   0, 0, /* no keys */
        0,    0,    0,    0,                    /* no elections */
        0,    0,    0,    0,    0,   0,   0, 1, /* next instance id 1 */
        0,    0,    0,    0,    0,   0,   0, 1, /* next activity id 1 */
        0,    0,    0,    0,    0,   0,   0, 0, /* no token yet */
        0,    0,    0,    0,    0,   0,   0, 0, /* controller term 0 */
        0,    0,    0,    0,    0,   0,   0, 0, /* controller node 0 */
        0,    0,    0,    0,                    /* no groups */
        0xf6, 0xa9, 0xcb, 0xa3,                 /* CRC32C */
    };
    struct fsm empty;
    struct fsm dst;
    struct buf snap;

    fsm_init(&empty);
    fsm_init(&dst);
    buf_init(&snap);
    snapshot_encode(&empty, &snap);
    ck_assert_uint_eq(snap.len, sizeof want);
    ck_assert_mem_eq(snap.base, want, sizeof want);

    populate(&dst);
    ck_assert_int_eq(snapshot_decode(&dst, snap.base, snap.len), 0);
    ck_assert_uint_eq(dst.revision, 0);
    ck_assert_uint_eq(dst.n_members, 0);
    ck_assert_uint_eq(kv_count(dst.kv), 0);
    ck_assert_ptr_null(kv_seek(dst.kv, NULL, 0));

    buf_close(&snap);
    fsm_close(&empty);
    fsm_close(&dst);
}

END_TEST

/* Fixture for the rejection tests: a valid snapshot and a target whose state
 * must survive every failed decode. */
struct target {
    struct fsm f;
    struct buf before; /* encoding of f before any decode */
};

static void target_init(struct target *t)
{
    fsm_init(&t->f);
    populate_other(&t->f);
    buf_init(&t->before);
    snapshot_encode(&t->f, &t->before);
}

static void target_assert_unchanged(struct target *t)
{
    struct buf now;

    buf_init(&now);
    snapshot_encode(&t->f, &now);
    ck_assert_uint_eq(now.len, t->before.len);
    ck_assert_mem_eq(now.base, t->before.base, now.len);
    buf_close(&now);
}

static void target_close(struct target *t)
{
    fsm_close(&t->f);
    buf_close(&t->before);
}

static void encode_sample(struct buf *snap)
{
    struct fsm f;

    fsm_init(&f);
    populate(&f);
    buf_init(snap);
    snapshot_encode(&f, snap);
    fsm_close(&f);
}

START_TEST(every_truncation_is_rejected)
{
    struct target t;
    struct buf snap;

    target_init(&t);
    encode_sample(&snap);
    for (size_t cut = 0; cut < snap.len; cut++) {
        /* An exact-size copy, so ASan sees any read past the end. */
        char *p = mem_alloc(cut);
        int rv;

        if (cut > 0) {
            memcpy(p, snap.base, cut);
        }
        rv = snapshot_decode(&t.f, p, cut);
        mem_free(p);
        if (rv != SK_ECORRUPT) {
            ck_abort_msg("prefix of %zu bytes: got %d", cut, rv);
        }
    }
    target_assert_unchanged(&t);
    buf_close(&snap);
    target_close(&t);
}

END_TEST

/* The same, with each prefix re-sealed with a valid checksum: the framing
 * checks alone must refuse it. */
START_TEST(every_resealed_truncation_is_rejected)
{
    struct target t;
    struct buf snap;
    struct buf cut_snap;

    target_init(&t);
    encode_sample(&snap);
    buf_init(&cut_snap);
    for (size_t cut = 0; cut < snap.len - 4; cut++) {
        int rv;

        buf_reset(&cut_snap);
        buf_append(&cut_snap, snap.base, cut);
        seal(&cut_snap);
        rv = snapshot_decode(&t.f, cut_snap.base, cut_snap.len);
        if (rv != SK_ECORRUPT) {
            ck_abort_msg("resealed prefix of %zu bytes: got %d", cut, rv);
        }
    }
    target_assert_unchanged(&t);
    buf_close(&cut_snap);
    buf_close(&snap);
    target_close(&t);
}

END_TEST

START_TEST(every_single_byte_corruption_is_rejected)
{
    struct target t;
    struct buf snap;

    target_init(&t);
    encode_sample(&snap);
    for (size_t i = 0; i < snap.len; i++) {
        char orig = snap.base[i];

        for (int delta = 1; delta < 256; delta++) {
            int rv;

            snap.base[i] = (char)(orig ^ delta);
            rv = snapshot_decode(&t.f, snap.base, snap.len);
            if (rv != SK_ECORRUPT) {
                ck_abort_msg("byte %zu ^ %d: got %d", i, delta, rv);
            }
        }
        snap.base[i] = orig;
    }
    target_assert_unchanged(&t);
    /* The untouched snapshot still decodes: the loop restored every byte. */
    ck_assert_int_eq(snapshot_decode(&t.f, snap.base, snap.len), 0);
    ck_assert_uint_eq(t.f.revision, 12);
    buf_close(&snap);
    target_close(&t);
}

END_TEST

START_TEST(trailing_bytes_are_rejected)
{
    struct target t;
    struct buf snap;

    target_init(&t);
    encode_sample(&snap);
    /* A byte after the checksum, and a byte before a recomputed one. */
    buf_put_u8(&snap, 0);
    ck_assert_int_eq(snapshot_decode(&t.f, snap.base, snap.len), SK_ECORRUPT);
    snap.len -= 5;
    buf_put_u8(&snap, 0);
    seal(&snap);
    ck_assert_int_eq(snapshot_decode(&t.f, snap.base, snap.len), SK_ECORRUPT);
    target_assert_unchanged(&t);
    buf_close(&snap);
    target_close(&t);
}

END_TEST

/* Hand-built snapshots with a valid checksum but content no fsm can hold.
 * These use version 1, which has no leases or elections and is still read;
 * version 2's own records have their tests below. */
#define V1 1

struct hand_key {
    const char *key;
    const char *value;
    uint64_t create_rev;
    uint64_t mod_rev;
    uint64_t version;
};

static void put_header(struct buf *b, uint8_t version, uint64_t revision)
{
    buf_append(b, "SKSNAP", 6);
    buf_put_u8(b, version);
    buf_put_u64(b, revision);
}

static void put_keys(struct buf *b, const struct hand_key *keys, size_t n)
{
    buf_put_u64(b, n);
    for (size_t i = 0; i < n; i++) {
        buf_put_bytes(b, keys[i].key, strlen(keys[i].key));
        buf_put_bytes(b, keys[i].value, strlen(keys[i].value));
        buf_put_u64(b, keys[i].create_rev);
        buf_put_u64(b, keys[i].mod_rev);
        buf_put_u64(b, keys[i].version);
    }
}

/* Decode @b (sealed here) into @t and return the result. */
static int decode_sealed(struct target *t, struct buf *b)
{
    seal(b);
    return snapshot_decode(&t->f, b->base, b->len);
}

START_TEST(bad_keys_are_rejected)
{
    static const struct {
        struct hand_key keys[2];
        size_t n;
    } cases[] = {
        { { { "b", "", 1, 1, 1 }, { "a", "", 2, 2, 1 } }, 2 },  /* order */
        { { { "a", "", 1, 1, 1 }, { "a", "", 2, 2, 1 } }, 2 },  /* duplicate */
        { { { "ab", "", 1, 1, 1 }, { "a", "", 2, 2, 1 } }, 2 }, /* prefix */
        { { { "a", "", 0, 1, 1 } }, 1 },                        /* create 0 */
        { { { "a", "", 3, 2, 1 } }, 1 },                        /* create>mod */
        { { { "a", "", 1, 6, 1 } }, 1 },                        /* mod>rev */
        { { { "a", "", 1, 1, 0 } }, 1 },                        /* version 0 */
    };
    struct target t;
    struct buf b;

    target_init(&t);
    buf_init(&b);
    /* The control: the same framing with good keys decodes. */
    {
        static const struct hand_key good[] = { { "a", "", 1, 1, 1 },
                                                { "ab", "x", 2, 5, 3 } };
        struct target ok;

        target_init(&ok);
        put_header(&b, V1, 5);
        buf_put_u32(&b, 0);
        put_keys(&b, good, 2);
        ck_assert_int_eq(decode_sealed(&ok, &b), 0);
        ck_assert_uint_eq(kv_count(ok.f.kv), 2);
        target_close(&ok);
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf_reset(&b);
        put_header(&b, V1, 5);
        buf_put_u32(&b, 0);
        put_keys(&b, cases[i].keys, cases[i].n);
        if (decode_sealed(&t, &b) != SK_ECORRUPT) {
            ck_abort_msg("case %zu accepted", i);
        }
    }
    target_assert_unchanged(&t);
    buf_close(&b);
    target_close(&t);
}

END_TEST

START_TEST(bad_members_are_rejected)
{
    static const struct {
        uint64_t ids[2];
        struct slice addr;
        struct slice zone;
    } cases[] = {
        { { 2, 1 }, { "a", 1 }, { "z", 1 } },    /* order */
        { { 1, 1 }, { "a", 1 }, { "z", 1 } },    /* duplicate */
        { { 0, 1 }, { "a", 1 }, { "z", 1 } },    /* id 0 */
        { { 1, 2 }, { "a\0b", 3 }, { "z", 1 } }, /* NUL in the address */
        { { 1, 2 }, { "a", 1 }, { "\0", 1 } },   /* NUL in the zone */
    };
    struct target t;
    struct buf b;

    target_init(&t);
    buf_init(&b);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf_reset(&b);
        put_header(&b, V1, 0);
        buf_put_u32(&b, 2);
        for (size_t j = 0; j < 2; j++) {
            buf_put_u64(&b, cases[i].ids[j]);
            buf_put_bytes(&b, cases[i].addr.base, cases[i].addr.len);
            buf_put_bytes(&b, cases[i].zone.base, cases[i].zone.len);
        }
        buf_put_u64(&b, 0);
        if (decode_sealed(&t, &b) != SK_ECORRUPT) {
            ck_abort_msg("case %zu accepted", i);
        }
    }
    /* The control: ascending ids and plain strings decode. */
    buf_reset(&b);
    put_header(&b, V1, 0);
    buf_put_u32(&b, 1);
    buf_put_u64(&b, 1);
    buf_put_bytes(&b, "a", 1);
    buf_put_bytes(&b, "z", 1);
    buf_put_u64(&b, 0);
    {
        struct target ok;

        target_init(&ok);
        ck_assert_int_eq(decode_sealed(&ok, &b), 0);
        ck_assert_str_eq(fsm_member_get(&ok.f, 1)->client_address, "a");
        target_close(&ok);
    }
    target_assert_unchanged(&t);
    buf_close(&b);
    target_close(&t);
}

END_TEST

START_TEST(bad_header_and_counts_are_rejected)
{
    struct target t;
    struct buf b;

    target_init(&t);
    buf_init(&b);

    /* Unknown versions. */
    for (unsigned v = 0; v < 256; v++) {
        if (v >= 1 && v <= SNAPSHOT_VERSION) {
            continue;
        }
        buf_reset(&b);
        put_header(&b, (uint8_t)v, 0);
        buf_put_u32(&b, 0);
        buf_put_u64(&b, 0);
        ck_assert_int_eq(decode_sealed(&t, &b), SK_ECORRUPT);
    }

    /* Wrong magic. */
    buf_reset(&b);
    buf_append(&b, "SKSNAQ", 6);
    buf_put_u8(&b, V1);
    buf_put_u64(&b, 0);
    buf_put_u32(&b, 0);
    buf_put_u64(&b, 0);
    ck_assert_int_eq(decode_sealed(&t, &b), SK_ECORRUPT);

    /* Counts far beyond the bytes present. */
    buf_reset(&b);
    put_header(&b, V1, 0);
    buf_put_u32(&b, UINT32_MAX);
    buf_put_u64(&b, 0);
    ck_assert_int_eq(decode_sealed(&t, &b), SK_ECORRUPT);
    buf_reset(&b);
    put_header(&b, V1, 0);
    buf_put_u32(&b, 0);
    buf_put_u64(&b, UINT64_MAX);
    ck_assert_int_eq(decode_sealed(&t, &b), SK_ECORRUPT);

    /* A byte string longer than the snapshot. */
    buf_reset(&b);
    put_header(&b, V1, 1);
    buf_put_u32(&b, 0);
    buf_put_u64(&b, 1);
    buf_put_u32(&b, UINT32_MAX);
    buf_append(&b, "k", 1);
    buf_put_u32(&b, 0);
    buf_put_u64(&b, 1);
    buf_put_u64(&b, 1);
    buf_put_u64(&b, 1);
    ck_assert_int_eq(decode_sealed(&t, &b), SK_ECORRUPT);

    target_assert_unchanged(&t);
    buf_close(&b);
    target_close(&t);
}

END_TEST

/* Version 2 records: a snapshot at revision 5 with next lease id 4, the
 * given leases (id, ttl, checkpoint), one key on @key_lease, and one
 * election "e" with the given candidates (lease, campaign revision) and
 * token. */
struct hand_v2 {
    uint64_t leases[3][3];
    size_t n_leases;
    uint64_t key_lease;
    uint64_t cands[2][2];
    size_t n_cands;
    uint64_t token;
};

static void put_v2(struct buf *b, const struct hand_v2 *h)
{
    put_header(b, 2, 5);
    buf_put_u64(b, 4);
    buf_put_u32(b, 0);
    buf_put_u64(b, h->n_leases);
    for (size_t i = 0; i < h->n_leases; i++) {
        buf_put_u64(b, h->leases[i][0]);
        buf_put_u64(b, h->leases[i][1]);
        buf_put_u64(b, h->leases[i][2]);
    }
    buf_put_u64(b, 1);
    buf_put_bytes(b, "k", 1);
    buf_put_bytes(b, "v", 1);
    buf_put_u64(b, 1);
    buf_put_u64(b, 1);
    buf_put_u64(b, 1);
    buf_put_u64(b, h->key_lease);
    buf_put_u32(b, h->n_cands > 0 ? 1 : 0);
    if (h->n_cands > 0) {
        buf_put_bytes(b, "e", 1);
        buf_put_u64(b, h->token);
        buf_put_u32(b, (uint32_t)h->n_cands);
        for (size_t i = 0; i < h->n_cands; i++) {
            buf_put_u64(b, h->cands[i][0]);
            buf_put_bytes(b, "x", 1);
            buf_put_u64(b, h->cands[i][1]);
        }
    }
}

START_TEST(bad_leases_and_elections_are_rejected)
{
    static const struct hand_v2 good = {
        { { 1, 10, 0 }, { 3, 10, 9999 } }, 2, 3, { { 3, 2 }, { 1, 4 } }, 2, 4
    };
    static const struct hand_v2 bad[] = {
        { { { 3, 10, 0 }, { 1, 10, 0 } }, 2, 0, { { 0 } }, 0, 0 }, /* order */
        { { { 4, 10, 0 } }, 1, 0, { { 0 } }, 0, 0 },     /* id >= next id */
        { { { 1, 0, 0 } }, 1, 0, { { 0 } }, 0, 0 },      /* TTL 0 */
        { { { 1, 10, 10000 } }, 1, 0, { { 0 } }, 0, 0 }, /* ckpt >= TTL */
        { { { 1, 10, 0 } }, 1, 2, { { 0 } }, 0, 0 },     /* key lease gone */
        { { { 1, 10, 0 } }, 1, 0, { { 2, 1 } }, 1, 1 },  /* cand lease gone */
        { { { 1, 10, 0 } }, 1, 0, { { 1, 3 }, { 1, 4 } }, 2, 3 }, /* twice */
        { { { 1, 10, 0 }, { 2, 1, 0 } }, 2, 0, { { 1, 4 }, { 2, 3 } }, 2, 4 },
        { { { 1, 10, 0 } }, 1, 0, { { 1, 3 } }, 1, 2 }, /* token < campaign */
        { { { 1, 10, 0 } }, 1, 0, { { 1, 3 } }, 1, 6 }, /* token > revision */
        { { { 1, 10, 0 } }, 1, 0, { { 1, 6 } }, 1, 6 }, /* campaign > rev */
    };
    struct target t;
    struct buf b;

    target_init(&t);
    buf_init(&b);
    put_v2(&b, &good);
    {
        struct target ok;

        target_init(&ok);
        ck_assert_int_eq(decode_sealed(&ok, &b), 0);
        ck_assert_uint_eq(lease_get(&ok.f.leases, 3)->ckpt_ms, 9999);
        ck_assert_uint_eq(kv_get(ok.f.kv, "k", 1)->lease, 3);
        ck_assert_uint_eq(ok.f.elections.items[0]->leader_rev, 4);
        target_close(&ok);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf_reset(&b);
        put_v2(&b, &bad[i]);
        if (decode_sealed(&t, &b) != SK_ECORRUPT) {
            ck_abort_msg("case %zu accepted", i);
        }
    }
    target_assert_unchanged(&t);
    buf_close(&b);
    target_close(&t);
}

END_TEST

static Suite *snapshot_suite(void)
{
    Suite *s = suite_create("snapshot");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, round_trip_restores_everything);
    tcase_add_test(tc, encode_appends_after_existing_bytes);
    tcase_add_test(tc, encoding_matches_documented_bytes);
    tcase_add_test(tc, empty_state_round_trips);
    tcase_add_test(tc, every_truncation_is_rejected);
    tcase_add_test(tc, every_resealed_truncation_is_rejected);
    tcase_add_test(tc, every_single_byte_corruption_is_rejected);
    tcase_add_test(tc, trailing_bytes_are_rejected);
    tcase_add_test(tc, bad_keys_are_rejected);
    tcase_add_test(tc, bad_members_are_rejected);
    tcase_add_test(tc, bad_header_and_counts_are_rejected);
    tcase_add_test(tc, bad_leases_and_elections_are_rejected);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(snapshot_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

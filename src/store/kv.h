/* The replicated key-value map: binary-safe keys in byte order, each with its
 * create and mod revision and version (etcd's meaning). Pure: no I/O, no
 * clock; every node holds an identical copy. */
#ifndef SK_KV_H
#define SK_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kv_entry {
    const char *key; /* owned by the map */
    size_t key_len;
    const char *value; /* owned by the map */
    size_t value_len;
    uint64_t create_rev; /* revision of the write that created the key */
    uint64_t mod_rev;    /* revision of the last write to the key */
    uint64_t version;    /* writes since creation: 1 after the first */
    uint64_t lease;      /* the lease the key is attached to, 0 if none */
};

struct kv;

struct kv *kv_new(void);
void kv_free(struct kv *kv);

/* The entry for @key, or NULL. Valid until the next change to the map. */
const struct kv_entry *
kv_get(const struct kv *kv, const char *key, size_t key_len);

/* Insert or replace @key with a copy of @value, written at revision @rev and
 * attached to @lease (0: none; an earlier attachment is dropped): a new key
 * gets create_rev = mod_rev = rev, version 1; an existing one keeps
 * create_rev, gets mod_rev = rev and version + 1. */
void kv_put(struct kv *kv,
            const char *key,
            size_t key_len,
            const char *value,
            size_t value_len,
            uint64_t rev,
            uint64_t lease);

/* Insert an entry with all its metadata, as a snapshot restore does. */
void kv_load(struct kv *kv, const struct kv_entry *e);

/* Remove @key; returns true if it was present. */
bool kv_del(struct kv *kv, const char *key, size_t key_len);

/* The first entry whose key is >= @key in byte order (shorter prefix first),
 * or NULL. kv_seek(kv, NULL, 0) is the first entry. */
const struct kv_entry *
kv_seek(const struct kv *kv, const char *key, size_t key_len);

/* The entry after @e in key order, or NULL. */
const struct kv_entry *kv_next(const struct kv *kv, const struct kv_entry *e);

/* The keys attached to @lease, in no particular order: the first, and the
 * one after @e (NULL at the end). Removing the entry just returned is safe
 * once its successor has been taken. */
const struct kv_entry *kv_lease_first(const struct kv *kv, uint64_t lease);
const struct kv_entry *kv_lease_next(const struct kv_entry *e);

size_t kv_count(const struct kv *kv);

/* Bytes of keys and values held (not counting overhead). */
size_t kv_bytes(const struct kv *kv);

#endif

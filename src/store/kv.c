/* The replicated key-value map: an AVL tree with parent links, ordered by key
 * bytes. Balanced whatever keys clients choose, so get/put/del/seek stay
 * O(log n); kv_next walks the links, O(1) amortised. Pure: no I/O, no clock. */
#include "store/kv.h"

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <assert.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/slice.h"
#include "lib/u64map.h"

/* The entry comes first so that a const struct kv_entry * handed out by the
 * map converts back to its node. The key bytes follow the node in the same
 * allocation; the value is a separate allocation, replaced by kv_put. */
struct kv_node {
    struct kv_entry e;
    struct kv_node *left;
    struct kv_node *right;
    struct kv_node *parent;
    struct kv_node *lease_prev; /* the other keys of e.lease, if any */
    struct kv_node *lease_next;
    int height; /* 1 for a leaf */
    char key[];
};

struct kv {
    struct kv_node *root;
    size_t count;
    size_t bytes;              /* sum of key_len + value_len */
    struct u64map lease_heads; /* lease id -> first kv_node attached */
};

#ifdef SK_DEBUG
/* Exported for tests and --enable-debug builds; aborts if the tree is broken.
 */
void kv_check_invariants(const struct kv *kv);
#endif

static struct kv_node *node_of(const struct kv_entry *e)
{
    /* e is the first member of a struct kv_node allocated by this file. */
    return (struct kv_node *)(void *)(uintptr_t)e;
}

static char *value_copy(const char *value, size_t value_len)
{
    char *v = mem_alloc(value_len);

    if (value_len > 0) {
        memcpy(v, value, value_len);
    }
    return v;
}

static int height(const struct kv_node *n)
{
    return n != NULL ? n->height : 0;
}

static void update_height(struct kv_node *n)
{
    int l = height(n->left);
    int r = height(n->right);

    n->height = 1 + (l > r ? l : r);
}

/* Make @child (possibly NULL) take @old's place under @parent. */
static void replace_child(struct kv *kv,
                          struct kv_node *parent,
                          struct kv_node *old,
                          struct kv_node *child)
{
    if (parent == NULL) {
        kv->root = child;
    } else if (parent->left == old) {
        parent->left = child;
    } else {
        parent->right = child;
    }
    if (child != NULL) {
        child->parent = parent;
    }
}

static struct kv_node *rotate_left(struct kv *kv, struct kv_node *x)
{
    struct kv_node *y = x->right;

    x->right = y->left;
    if (y->left != NULL) {
        y->left->parent = x;
    }
    replace_child(kv, x->parent, x, y);
    y->left = x;
    x->parent = y;
    update_height(x);
    update_height(y);
    return y;
}

static struct kv_node *rotate_right(struct kv *kv, struct kv_node *x)
{
    struct kv_node *y = x->left;

    x->left = y->right;
    if (y->right != NULL) {
        y->right->parent = x;
    }
    replace_child(kv, x->parent, x, y);
    y->right = x;
    x->parent = y;
    update_height(x);
    update_height(y);
    return y;
}

/* Restore heights and AVL balance from @n up to the root. */
static void rebalance(struct kv *kv, struct kv_node *n)
{
    while (n != NULL) {
        int balance;

        update_height(n);
        balance = height(n->left) - height(n->right);
        if (balance > 1) {
            if (height(n->left->left) < height(n->left->right)) {
                rotate_left(kv, n->left);
            }
            n = rotate_right(kv, n);
        } else if (balance < -1) {
            if (height(n->right->right) < height(n->right->left)) {
                rotate_right(kv, n->right);
            }
            n = rotate_left(kv, n);
        }
        n = n->parent;
    }
}

static struct kv_node *leftmost(struct kv_node *n)
{
    while (n != NULL && n->left != NULL) {
        n = n->left;
    }
    return n;
}

static struct kv_node *
find(const struct kv *kv, const char *key, size_t key_len)
{
    struct kv_node *n = kv->root;

    while (n != NULL) {
        int c = bytes_cmp(key, key_len, n->e.key, n->e.key_len);
        if (c == 0) {
            return n;
        }
        n = c < 0 ? n->left : n->right;
    }
    return NULL;
}

/* Find @key, or link a new node for it (value NULL, metadata zero) and
 * return that; *created says which. */
static struct kv_node *
find_or_insert(struct kv *kv, const char *key, size_t key_len, bool *created)
{
    struct kv_node *parent = NULL;
    struct kv_node **link = &kv->root;
    struct kv_node *n;

    while (*link != NULL) {
        int c;

        parent = *link;
        c = bytes_cmp(key, key_len, parent->e.key, parent->e.key_len);
        if (c == 0) {
            *created = false;
            return parent;
        }
        link = c < 0 ? &parent->left : &parent->right;
    }

    n = mem_alloc(sizeof *n + key_len);
    if (key_len > 0) {
        memcpy(n->key, key, key_len);
    }
    memset(&n->e, 0, sizeof n->e);
    n->e.key = n->key;
    n->e.key_len = key_len;
    n->left = NULL;
    n->right = NULL;
    n->parent = parent;
    n->lease_prev = NULL;
    n->lease_next = NULL;
    n->height = 1;
    *link = n;
    kv->count++;
    kv->bytes += key_len;
    rebalance(kv, parent);
    *created = true;
    return n;
}

struct kv *kv_new(void)
{
    struct kv *kv = mem_alloc(sizeof *kv);

    kv->root = NULL;
    kv->count = 0;
    kv->bytes = 0;
    u64map_init(&kv->lease_heads);
    return kv;
}

/* Take @n out of its lease's list. */
static void lease_unlink(struct kv *kv, struct kv_node *n)
{
    if (n->e.lease == 0) {
        return;
    }
    if (n->lease_prev != NULL) {
        n->lease_prev->lease_next = n->lease_next;
    } else if (n->lease_next != NULL) {
        u64map_put(&kv->lease_heads, n->e.lease, n->lease_next);
    } else {
        u64map_del(&kv->lease_heads, n->e.lease);
    }
    if (n->lease_next != NULL) {
        n->lease_next->lease_prev = n->lease_prev;
    }
    n->lease_prev = n->lease_next = NULL;
    n->e.lease = 0;
}

/* Attach @n to @lease (nonzero), at the head of its list. */
static void lease_link(struct kv *kv, struct kv_node *n, uint64_t lease)
{
    struct kv_node *head = u64map_get(&kv->lease_heads, lease);

    n->e.lease = lease;
    n->lease_prev = NULL;
    n->lease_next = head;
    if (head != NULL) {
        head->lease_prev = n;
    }
    u64map_put(&kv->lease_heads, lease, n);
}

static void set_lease(struct kv *kv, struct kv_node *n, uint64_t lease)
{
    if (n->e.lease == lease) {
        return;
    }
    lease_unlink(kv, n);
    if (lease != 0) {
        lease_link(kv, n, lease);
    }
}

const struct kv_entry *kv_lease_first(const struct kv *kv, uint64_t lease)
{
    struct kv_node *n = lease != 0 ? u64map_get(&kv->lease_heads, lease) : NULL;

    return n != NULL ? &n->e : NULL;
}

const struct kv_entry *kv_lease_next(const struct kv_entry *e)
{
    struct kv_node *n = node_of(e)->lease_next;

    return n != NULL ? &n->e : NULL;
}

static void node_free(struct kv_node *n)
{
    mem_free((void *)(uintptr_t)n->e.value);
    mem_free(n);
}

void kv_free(struct kv *kv)
{
    struct kv_node *n;

    if (kv == NULL) {
        return;
    }
    /* Post-order walk without a stack: free a node once both subtrees are. */
    n = kv->root;
    while (n != NULL) {
        struct kv_node *parent;

        if (n->left != NULL) {
            n = n->left;
            continue;
        }
        if (n->right != NULL) {
            n = n->right;
            continue;
        }
        parent = n->parent;
        if (parent != NULL) {
            if (parent->left == n) {
                parent->left = NULL;
            } else {
                parent->right = NULL;
            }
        }
        node_free(n);
        n = parent;
    }
    u64map_close(&kv->lease_heads);
    mem_free(kv);
}

const struct kv_entry *
kv_get(const struct kv *kv, const char *key, size_t key_len)
{
    struct kv_node *n = find(kv, key, key_len);

    return n != NULL ? &n->e : NULL;
}

void kv_put(struct kv *kv,
            const char *key,
            size_t key_len,
            const char *value,
            size_t value_len,
            uint64_t rev,
            uint64_t lease)
{
    bool created;
    struct kv_node *n = find_or_insert(kv, key, key_len, &created);
    char *v = value_copy(value, value_len);

    if (created) {
        n->e.create_rev = rev;
        n->e.version = 1;
    } else {
        kv->bytes -= n->e.value_len;
        mem_free((void *)(uintptr_t)n->e.value);
        n->e.version++;
    }
    n->e.value = v;
    n->e.value_len = value_len;
    n->e.mod_rev = rev;
    kv->bytes += value_len;
    set_lease(kv, n, lease);
}

void kv_load(struct kv *kv, const struct kv_entry *e)
{
    bool created;
    struct kv_node *n = find_or_insert(kv, e->key, e->key_len, &created);
    char *v = value_copy(e->value, e->value_len);

    if (!created) {
        kv->bytes -= n->e.value_len;
        mem_free((void *)(uintptr_t)n->e.value);
    }
    n->e.value = v;
    n->e.value_len = e->value_len;
    n->e.create_rev = e->create_rev;
    n->e.mod_rev = e->mod_rev;
    n->e.version = e->version;
    kv->bytes += e->value_len;
    set_lease(kv, n, e->lease);
}

bool kv_del(struct kv *kv, const char *key, size_t key_len)
{
    struct kv_node *z = find(kv, key, key_len);
    struct kv_node *fix;

    if (z == NULL) {
        return false;
    }
    if (z->left == NULL || z->right == NULL) {
        fix = z->parent;
        replace_child(kv, z->parent, z, z->left != NULL ? z->left : z->right);
    } else {
        /* Two children: the successor s (no left child) takes z's place. */
        struct kv_node *s = leftmost(z->right);

        if (s->parent == z) {
            fix = s;
        } else {
            fix = s->parent;
            replace_child(kv, s->parent, s, s->right);
            s->right = z->right;
            s->right->parent = s;
        }
        s->left = z->left;
        s->left->parent = s;
        replace_child(kv, z->parent, z, s);
    }
    rebalance(kv, fix);
    lease_unlink(kv, z);
    kv->count--;
    kv->bytes -= z->e.key_len + z->e.value_len;
    node_free(z);
    return true;
}

const struct kv_entry *
kv_seek(const struct kv *kv, const char *key, size_t key_len)
{
    struct kv_node *n = kv->root;
    struct kv_node *best = NULL;

    while (n != NULL) {
        int c = bytes_cmp(key, key_len, n->e.key, n->e.key_len);
        if (c == 0) {
            return &n->e;
        }
        if (c < 0) {
            best = n;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best != NULL ? &best->e : NULL;
}

const struct kv_entry *kv_next(const struct kv *kv, const struct kv_entry *e)
{
    struct kv_node *n = node_of(e);

    (void)kv;
    if (n->right != NULL) {
        return &leftmost(n->right)->e;
    }
    while (n->parent != NULL && n->parent->right == n) {
        n = n->parent;
    }
    return n->parent != NULL ? &n->parent->e : NULL;
}

size_t kv_count(const struct kv *kv)
{
    return kv->count;
}

size_t kv_bytes(const struct kv *kv)
{
    return kv->bytes;
}

#ifdef SK_DEBUG
/* Check the subtree at @n; returns its height and adds to the totals. */
static int check_node(const struct kv_node *n,
                      const struct kv_node *parent,
                      size_t *count,
                      size_t *bytes)
{
    int l;
    int r;

    if (n == NULL) {
        return 0;
    }
    assert(n->parent == parent);
    assert(n->e.key == n->key);
    assert(n->e.value != NULL);
    if (n->left != NULL) {
        assert(bytes_cmp(n->left->e.key, n->left->e.key_len, n->e.key,
                         n->e.key_len) < 0);
    }
    if (n->right != NULL) {
        assert(bytes_cmp(n->right->e.key, n->right->e.key_len, n->e.key,
                         n->e.key_len) > 0);
    }
    l = check_node(n->left, n, count, bytes);
    r = check_node(n->right, n, count, bytes);
    assert(l - r >= -1 && l - r <= 1);
    assert(n->height == 1 + (l > r ? l : r));
    *count += 1;
    *bytes += n->e.key_len + n->e.value_len;
    return n->height;
}

void kv_check_invariants(const struct kv *kv)
{
    size_t count = 0;
    size_t bytes = 0;
    const struct kv_entry *prev = NULL;

    check_node(kv->root, NULL, &count, &bytes);
    assert(count == kv->count);
    assert(bytes == kv->bytes);

    /* Local order checks miss a key out of place two levels down; the
     * in-order walk catches it. */
    count = 0;
    for (const struct kv_entry *e = kv_seek(kv, NULL, 0); e != NULL;
         e = kv_next(kv, e)) {
        if (prev != NULL) {
            assert(bytes_cmp(prev->key, prev->key_len, e->key, e->key_len) < 0);
        }
        prev = e;
        count++;
    }
    assert(count == kv->count);
}
#endif

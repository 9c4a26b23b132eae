/* Push subscriptions and their messages; see subs.h and proto/PROTOCOL.md
 * §3.9 for the message shapes. */
#include "cmd/subs.h"

#include <string.h>

#include "lib/glob.h"
#include "lib/mem.h"
#include "lib/notify_flags.h"
#include "node/node.h"
#include "resp/reply.h"

#define KEYSPACE_PREFIX "__keyspace@0__:"
#define KEYEVENT_PREFIX "__keyevent@0__:"

static void wake(struct feed_consumer *c)
{
    struct subs *s =
        (struct subs *)((char *)c - offsetof(struct subs, consumer));

    if (s->wake_cb != NULL) {
        s->wake_cb(s);
    }
}

void subs_init(struct subs *s, struct node *n, subs_wake_cb cb, void *owner)
{
    memset(s, 0, sizeof *s);
    s->node = n;
    s->wake_cb = cb;
    s->owner = owner;
    s->consumer.wake = wake;
}

void subs_close(struct subs *s)
{
    for (size_t i = 0; i < s->n; i++) {
        mem_free(s->items[i].arg);
    }
    mem_free(s->items);
    s->items = NULL;
    s->n = s->cap = 0;
    if (s->node != NULL) {
        feed_unregister(&s->node->feed, &s->consumer);
    }
}

static long find(const struct subs *s, enum sub_kind kind, struct slice arg)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct sub *x = &s->items[i];
        if (x->kind == kind && x->arg_len == arg.len &&
            (arg.len == 0 || memcmp(x->arg, arg.base, arg.len) == 0)) {
            return (long)i;
        }
    }
    return -1;
}

bool subs_has(const struct subs *s, enum sub_kind kind, struct slice arg)
{
    return find(s, kind, arg) >= 0;
}

bool subs_add(struct subs *s,
              enum sub_kind kind,
              struct slice arg,
              uint64_t cursor,
              uint64_t from_rev)
{
    struct sub *x;

    if (find(s, kind, arg) >= 0) {
        return false;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4;
        s->items = mem_realloc(s->items, s->cap * sizeof *s->items);
    }
    x = &s->items[s->n++];
    x->kind = kind;
    x->arg = mem_strndup(arg.base, arg.len);
    x->arg_len = arg.len;
    x->cursor = cursor;
    x->from_rev = from_rev;
    x->quiet = true;
    feed_register(&s->node->feed, &s->consumer);
    return true;
}

bool subs_remove(struct subs *s, enum sub_kind kind, struct slice arg)
{
    long i = find(s, kind, arg);

    if (i < 0) {
        return false;
    }
    mem_free(s->items[i].arg);
    memmove(&s->items[i], &s->items[i + 1],
            (s->n - (size_t)i - 1) * sizeof *s->items);
    s->n--;
    if (s->n == 0) {
        feed_unregister(&s->node->feed, &s->consumer);
    }
    return true;
}

const struct sub *subs_first(const struct subs *s, enum sub_kind kind)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->items[i].kind == kind) {
            return &s->items[i];
        }
    }
    return NULL;
}

size_t subs_count(const struct subs *s)
{
    return s->n;
}

const char *subs_event_name(uint8_t type)
{
    switch (type) {
    case FSM_PUT:
        return "set";
    case FSM_DELETE:
        return "del";
    default:
        return "expired";
    }
}

static const char *keywatch_type(uint8_t type)
{
    switch (type) {
    case FSM_PUT:
        return "put";
    case FSM_DELETE:
        return "delete";
    default:
        return "expire";
    }
}

/* [type, key, value or nil, create_rev, mod_rev, prefix] */
static void emit_keywatch(const struct sub *x,
                          const struct history_event *e,
                          struct buf *out)
{
    reply_array(out, 6);
    reply_bulk_str(out, keywatch_type(e->type));
    reply_bulk(out, e->key, e->key_len);
    if (e->type == FSM_PUT) {
        reply_bulk(out, e->value, e->value_len);
    } else {
        reply_null(out);
    }
    reply_int(out, (long long)e->create_rev);
    reply_int(out, (long long)e->rev);
    reply_bulk(out, x->arg, x->arg_len);
}

/* ["leader", name, value or nil, token, lease] */
static void emit_observe(const struct history_event *e, struct buf *out)
{
    reply_array(out, 5);
    reply_bulk_str(out, "leader");
    reply_bulk(out, e->key, e->key_len);
    if (e->token != 0) {
        reply_bulk(out, e->value, e->value_len);
    } else {
        reply_null(out);
    }
    reply_int(out, (long long)e->token);
    reply_int(out, (long long)e->lease);
}

/* Whether event class of @type is enabled by notify-keyspace-events. */
static bool class_enabled(unsigned flags, uint8_t type)
{
    switch (type) {
    case FSM_PUT:
        return flags & NOTIFY_STRING;
    case FSM_DELETE:
        return flags & NOTIFY_GENERIC;
    default:
        return flags & NOTIFY_EXPIRED;
    }
}

/* Redis' two notifications of one key event: on the keyspace channel (the
 * event name as payload) and on the keyevent channel (the key). */
static void emit_keyspace(const struct sub *x,
                          const struct history_event *e,
                          unsigned flags,
                          struct buf *out)
{
    const char *event = subs_event_name(e->type);
    struct buf channel;

    if (!class_enabled(flags, e->type)) {
        return;
    }
    buf_init(&channel);
    for (int which = 0; which < 2; which++) {
        const char *payload;
        size_t payload_len;

        buf_reset(&channel);
        if (which == 0) {
            if (!(flags & NOTIFY_KEYSPACE)) {
                continue;
            }
            buf_append_str(&channel, KEYSPACE_PREFIX);
            buf_append(&channel, e->key, e->key_len);
            payload = event;
            payload_len = strlen(event);
        } else {
            if (!(flags & NOTIFY_KEYEVENT)) {
                continue;
            }
            buf_append_str(&channel, KEYEVENT_PREFIX);
            buf_append_str(&channel, event);
            payload = e->key;
            payload_len = e->key_len;
        }
        if (x->kind == SUB_CHANNEL && x->arg_len == channel.len &&
            memcmp(x->arg, channel.base, channel.len) == 0) {
            reply_array(out, 3);
            reply_bulk_str(out, "message");
            reply_bulk(out, channel.base, channel.len);
            reply_bulk(out, payload, payload_len);
        } else if (x->kind == SUB_PATTERN &&
                   glob_match(x->arg, x->arg_len, channel.base, channel.len)) {
            reply_array(out, 4);
            reply_bulk_str(out, "pmessage");
            reply_bulk(out, x->arg, x->arg_len);
            reply_bulk(out, channel.base, channel.len);
            reply_bulk(out, payload, payload_len);
        }
    }
    buf_close(&channel);
}

static void emit(struct subs *s,
                 struct sub *x,
                 const struct history_event *e,
                 struct buf *out)
{
    size_t before = out->len;

    switch (x->kind) {
    case SUB_KEYWATCH:
        if (e->kind == HISTORY_KEY && e->rev >= x->from_rev &&
            e->key_len >= x->arg_len &&
            (x->arg_len == 0 || memcmp(e->key, x->arg, x->arg_len) == 0)) {
            emit_keywatch(x, e, out);
        }
        break;
    case SUB_CHANNEL:
    case SUB_PATTERN:
        if (e->kind == HISTORY_KEY) {
            emit_keyspace(x, e, s->node->notify_flags, out);
        }
        break;
    case SUB_OBSERVE:
        if (e->kind == HISTORY_ELECTION && e->type == 1 &&
            e->key_len == x->arg_len &&
            (x->arg_len == 0 || memcmp(e->key, x->arg, x->arg_len) == 0)) {
            emit_observe(e, out);
        }
        break;
    }
    if (out->len > before) {
        x->quiet = false;
    }
}

/* ["progress", prefix, revision] to each caught-up KEYWATCH that sent
 * nothing during the last interval. */
static void emit_progress(struct subs *s, uint64_t end, struct buf *out)
{
    for (size_t i = 0; i < s->n; i++) {
        struct sub *x = &s->items[i];
        if (x->kind == SUB_KEYWATCH && x->cursor == end && x->quiet) {
            reply_array(out, 3);
            reply_bulk_str(out, "progress");
            reply_bulk(out, x->arg, x->arg_len);
            reply_int(out, (long long)s->node->fsm.revision);
        }
        x->quiet = true;
    }
}

int subs_pump(struct subs *s, struct buf *out, size_t room)
{
    const struct history *h = &s->node->feed.history;
    uint64_t end = history_end(h);

    if (s->lost_rev != 0) {
        return SK_ECORRUPT;
    }
    /* Checked even with no room: a reader that stopped reading learns it
     * fell behind when the history moves past it, not when it reads. */
    for (size_t i = 0; i < s->n; i++) {
        if (history_missed(h, s->items[i].cursor)) {
            s->lost_rev = h->compact_rev + 1;
            return SK_ECORRUPT;
        }
    }
    while (out->len < room) {
        uint64_t min = UINT64_MAX;
        const struct history_event *e;

        for (size_t i = 0; i < s->n; i++) {
            if (s->items[i].cursor < end && s->items[i].cursor < min) {
                min = s->items[i].cursor;
            }
        }
        if (min == UINT64_MAX) {
            break;
        }
        if (history_missed(h, min)) {
            s->lost_rev = h->compact_rev + 1;
            return SK_ECORRUPT;
        }
        e = history_get(h, min);
        for (size_t i = 0; i < s->n; i++) {
            if (s->items[i].cursor == min) {
                emit(s, &s->items[i], e, out);
                s->items[i].cursor++;
            }
        }
    }
    if (s->node->feed.progress_due && out->len < room) {
        emit_progress(s, end, out);
    }
    return 0;
}

/* State machine test helpers; see apply.h. */
#include "apply.h"

#include <stdarg.h>
#include <string.h>

#include <check.h>

#include "fsm/entry.h"

uint64_t apply_time_ms;

void apply_cmd(struct fsm *f, struct buf *reply, uint8_t op, size_t argc, ...)
{
    struct slice argv[APPLY_MAX_ARGS];
    struct entry_writer w;
    va_list ap;

    ck_assert_uint_le(argc, APPLY_MAX_ARGS);
    va_start(ap, argc);
    for (size_t i = 0; i < argc; i++) {
        argv[i].base = va_arg(ap, const char *);
        argv[i].len = strlen(argv[i].base);
    }
    va_end(ap);
    entry_writer_init(&w, 1, 1);
    entry_writer_add(&w, op, argc, argv);
    entry_writer_finish(&w, apply_time_ms);
    if (reply != NULL) {
        buf_reset(reply);
    }
    ck_assert_int_eq(fsm_apply(f, w.buf.base, w.buf.len, reply, 1), 0);
    entry_writer_close(&w);
}

const char *reply_text(struct buf *reply)
{
    buf_reserve(reply, 1);
    reply->base[reply->len] = '\0';
    return reply->base;
}

static void log_key(void *data, const struct fsm_key_event *e)
{
    struct change_log *c = data;
    static const char *names[] = { "?", "put", "delete", "expire" };

    buf_printf(&c->text, "%s %.*s=%.*s c=%llu m=%llu l=%llu\n", names[e->type],
               (int)e->key_len, e->key, (int)e->value_len, e->value,
               (unsigned long long)e->create_rev,
               (unsigned long long)e->mod_rev, (unsigned long long)e->lease);
}

static void log_election(void *data,
                         const struct election *el,
                         bool leader_changed,
                         uint64_t rev)
{
    struct change_log *c = data;
    const struct election_candidate *leader = election_leader(el);

    buf_printf(&c->text,
               "election %.*s leader=%.*s token=%llu rev=%llu "
               "changed=%d\n",
               (int)el->name_len, el->name, leader ? (int)leader->value_len : 1,
               leader ? leader->value : "-", (unsigned long long)el->leader_rev,
               (unsigned long long)rev, leader_changed ? 1 : 0);
}

static void
log_lease(void *data, enum fsm_lease_change change, const struct lease *l)
{
    struct change_log *c = data;
    static const char *names[] = { "?", "granted", "renewed", "removed" };

    buf_printf(&c->text, "lease %s %llu\n", names[change],
               (unsigned long long)l->id);
}

void change_log_init(struct change_log *c, struct fsm *f)
{
    buf_init(&c->text);
    c->observer = (struct fsm_observer){ .data = c,
                                         .key_changed = log_key,
                                         .election_changed = log_election,
                                         .lease_changed = log_lease };
    f->observer = &c->observer;
}

void change_log_close(struct change_log *c)
{
    buf_close(&c->text);
}

const char *change_log_take(struct change_log *c)
{
    static char copy[8192];
    size_t n = c->text.len < sizeof copy - 1 ? c->text.len : sizeof copy - 1;

    if (n > 0) {
        memcpy(copy, c->text.base, n);
    }
    copy[n] = '\0';
    buf_reset(&c->text);
    return copy;
}

void fsm_fixture_init(struct fsm_fixture *x)
{
    fsm_init(&x->f);
    buf_init(&x->r);
    change_log_init(&x->log, &x->f);
}

void fsm_fixture_close(struct fsm_fixture *x)
{
    fsm_close(&x->f);
    buf_close(&x->r);
    change_log_close(&x->log);
}

/* CONFIG GET and CONFIG SET, for what Redis tools ask of a server: the
 * keyspace notification classes (settable, on this node only, until it
 * restarts, as in Redis without CONFIG REWRITE) and a few read-only
 * facts. Everything else is configured with scalekeeperd's flags. */
#include <stdio.h>
#include <string.h>

#include "cmd/handlers.h"
#include "lib/glob.h"
#include "lib/notify_flags.h"
#include "node/node.h"
#include "resp/reply.h"

typedef void (*param_get_fn)(struct node *n, char *out, size_t size);
typedef int (*param_set_fn)(struct node *n, struct slice value);

static void get_notify(struct node *n, char *out, size_t size)
{
    char flags[32];

    notify_flags_format(n->notify_flags, flags);
    snprintf(out, size, "%s", flags);
}

static int set_notify(struct node *n, struct slice value)
{
    unsigned flags;

    if (!notify_flags_parse(value.base, value.len, &flags)) {
        return -1;
    }
    n->notify_flags = flags;
    return 0;
}

static void get_maxclients(struct node *n, char *out, size_t size)
{
    snprintf(out, size, "%zu", n->cfg->max_clients);
}

static void get_databases(struct node *n, char *out, size_t size)
{
    (void)n;
    snprintf(out, size, "1");
}

static const struct {
    const char *name;
    param_get_fn get;
    param_set_fn set; /* NULL: read-only */
} params[] = {
    { "notify-keyspace-events", get_notify, set_notify },
    { "maxclients", get_maxclients, NULL },
    { "databases", get_databases, NULL },
};

#define N_PARAMS (sizeof params / sizeof params[0])

static long find_param(struct slice name)
{
    for (size_t i = 0; i < N_PARAMS; i++) {
        if (slice_eq_nocase(name, params[i].name)) {
            return (long)i;
        }
    }
    return -1;
}

/* Patterns match case-insensitively, as in Redis. */
static int matches(struct slice pattern, const char *name)
{
    char lower[128];
    size_t n = pattern.len < sizeof lower ? pattern.len : sizeof lower;

    for (size_t i = 0; i < n; i++) {
        char ch = pattern.base[i];
        lower[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    return glob_match(lower, n, name, strlen(name));
}

static void config_get(struct call *c)
{
    struct buf body;
    size_t n = 0;

    buf_init(&body);
    for (size_t p = 0; p < N_PARAMS; p++) {
        for (size_t i = 2; i < c->argc; i++) {
            if (matches(c->argv[i], params[p].name)) {
                char value[64];
                params[p].get(c->node, value, sizeof value);
                reply_bulk_str(&body, params[p].name);
                reply_bulk_str(&body, value);
                n++;
                break;
            }
        }
    }
    reply_array(&c->p->reply, 2 * n);
    buf_append(&c->p->reply, body.base, body.len);
    buf_close(&body);
}

/* All pairs are checked before any is applied, as Redis 7 does. */
static void config_set(struct call *c)
{
    unsigned saved = c->node->notify_flags;

    if (c->argc < 4 || (c->argc - 2) % 2 != 0) {
        reply_error(&c->p->reply, "ERR",
                    "wrong number of arguments for 'config|set' command");
        return;
    }
    for (size_t i = 2; i < c->argc; i += 2) {
        long p = find_param(c->argv[i]);
        struct slice name = c->argv[i];
        int len = (int)(name.len > 64 ? 64 : name.len);

        if (p < 0) {
            reply_error(&c->p->reply, "ERR",
                        "Unknown option or number of arguments for CONFIG "
                        "SET - '%.*s'",
                        len, name.base);
            c->node->notify_flags = saved;
            return;
        }
        if (params[p].set == NULL) {
            reply_error(&c->p->reply, "ERR",
                        "CONFIG SET failed (possibly related to argument "
                        "'%.*s') - can't set immutable config (it is a "
                        "scalekeeperd flag)",
                        len, name.base);
            c->node->notify_flags = saved;
            return;
        }
        if (params[p].set(c->node, c->argv[i + 1]) != 0) {
            reply_error(&c->p->reply, "ERR",
                        "CONFIG SET failed (possibly related to argument "
                        "'%.*s') - Invalid event class character. Use "
                        "'Ag$lshzxeKEtmdn'.",
                        len, name.base);
            c->node->notify_flags = saved;
            return;
        }
    }
    reply_ok(&c->p->reply);
}

void cmd_config(struct call *c)
{
    struct slice sub = c->argv[1];

    if (slice_eq_nocase(sub, "get") && c->argc >= 3) {
        config_get(c);
    } else if (slice_eq_nocase(sub, "set")) {
        config_set(c);
    } else {
        reply_error(&c->p->reply, "ERR",
                    "unknown subcommand or wrong number of arguments for "
                    "'%.*s'. Try CONFIG GET|SET",
                    (int)(sub.len > 64 ? 64 : sub.len), sub.base);
    }
}

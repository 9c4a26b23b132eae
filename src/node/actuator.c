/* Actuator calls; see actuator.h. An exec call is a child process with its
 * standard output and error in pipes and a timer: it completes once the
 * process has exited and both pipes are closed, or the timer has killed it.
 * Every handle is closed before the call is freed. */
#include "node/actuator.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "node/node.h"
#include "scaling/activity.h"

struct exec_call {
    struct actuators *owner;
    uv_process_t process;
    uv_pipe_t out;
    uv_pipe_t err;
    uv_timer_t timer;
    int open_handles;
    int open_pipes;
    bool exited;
    bool timed_out;
    int64_t status;
    int term_signal;
    struct buf stdout_text;
    struct buf stderr_text;
    actuator_done_fn done;
    void *data;
    struct exec_call *next;
};

/* A local call done at once, reported after the boot time. */
struct local_call {
    struct actuators *owner;
    uv_timer_t timer;
    bool ok;
    char output[ACTUATOR_OUTPUT_MAX];
    actuator_done_fn done;
    void *data;
    struct local_call *next;
};

void actuators_init(struct actuators *a, struct node *n)
{
    memset(a, 0, sizeof *a);
    a->node = n;
}

static const struct config_actuator *find(const struct actuators *a,
                                          const char *name)
{
    const struct config *cfg = a->node->cfg;

    for (size_t i = 0; i < cfg->n_actuators; i++) {
        if (strcmp(cfg->actuators[i].name, name) == 0) {
            return &cfg->actuators[i];
        }
    }
    return NULL;
}

bool actuators_known(const struct actuators *a, const char *name)
{
    return strcmp(name, "external") == 0 ||
           (strcmp(name, "local") == 0 &&
            a->node->cfg->local_actuator_dir != NULL) ||
           find(a, name) != NULL;
}

static void unlink_call(struct actuators *a, struct exec_call *c)
{
    struct exec_call **pp = &a->running;

    while (*pp != NULL && *pp != c) {
        pp = &(*pp)->next;
    }
    if (*pp == c) {
        *pp = c->next;
    }
}

static void report(struct exec_call *c)
{
    struct buf out;
    bool ok = c->exited && !c->timed_out && c->status == 0 &&
              c->term_signal == 0 && !c->owner->closing;

    buf_init(&out);
    if (!ok) {
        if (c->timed_out) {
            buf_printf(&out, "timed out after %u ms and was killed\n",
                       c->owner->node->cfg->actuator_timeout_ms);
        } else if (c->term_signal != 0) {
            buf_printf(&out, "killed by signal %d\n", c->term_signal);
        } else if (c->owner->closing) {
            buf_printf(&out, "the node shut down during the call\n");
        } else {
            buf_printf(&out, "exit status %lld\n", (long long)c->status);
        }
    }
    buf_append(&out, c->stdout_text.base, c->stdout_text.len);
    if (ok && c->stdout_text.len == 0 && c->stderr_text.len > 0) {
        /* No address: the first line of the details is the address. */
        buf_append(&out, "\n", 1);
    }
    if (c->stderr_text.len > 0) {
        if (out.len > 0 && out.base[out.len - 1] != '\n') {
            buf_append(&out, "\n", 1);
        }
        buf_append(&out, c->stderr_text.base, c->stderr_text.len);
    }
    c->done(c->data, ok, out.base ? out.base : "",
            out.len < ACTUATOR_OUTPUT_MAX ? out.len : ACTUATOR_OUTPUT_MAX);
    buf_close(&out);
}

static void handle_closed_cb(uv_handle_t *h)
{
    struct exec_call *c = h->data;

    if (--c->open_handles > 0) {
        return;
    }
    report(c);
    buf_close(&c->stdout_text);
    buf_close(&c->stderr_text);
    mem_free(c);
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h)) {
        uv_close(h, handle_closed_cb);
    }
}

/* Once exited and both pipes are done, close everything. */
static void maybe_finish(struct exec_call *c)
{
    if (!c->exited || c->open_pipes > 0) {
        return;
    }
    unlink_call(c->owner, c);
    close_handle((uv_handle_t *)&c->timer);
    close_handle((uv_handle_t *)&c->process);
}

static void timeout_cb(uv_timer_t *t)
{
    struct exec_call *c = t->data;

    if (c->exited) {
        /* Exited, output still open: stop reading it. */
        if (!uv_is_closing((uv_handle_t *)&c->out)) {
            close_handle((uv_handle_t *)&c->out);
            c->open_pipes--;
        }
        if (!uv_is_closing((uv_handle_t *)&c->err)) {
            close_handle((uv_handle_t *)&c->err);
            c->open_pipes--;
        }
        maybe_finish(c);
        return;
    }
    c->timed_out = true;
    uv_process_kill(&c->process, SIGKILL);
}

/* A program that exited but left its output open (a process it started
 * in the background holds it) is not waited for longer than this. */
#define EXEC_PIPE_GRACE_MS 1000

static void exit_cb(uv_process_t *p, int64_t status, int term_signal)
{
    struct exec_call *c = p->data;

    c->exited = true;
    c->status = status;
    c->term_signal = term_signal;
    if (c->open_pipes > 0) {
        uv_timer_start(&c->timer, timeout_cb, EXEC_PIPE_GRACE_MS, 0);
    }
    maybe_finish(c);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    struct exec_call *c = h->data;
    struct buf *text =
        h == (uv_handle_t *)&c->out ? &c->stdout_text : &c->stderr_text;

    (void)suggested;
    buf_reserve(text, 4096);
    b->base = text->base + text->len;
    b->len = text->cap - text->len;
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
    struct exec_call *c = s->data;
    struct buf *text =
        s == (uv_stream_t *)&c->out ? &c->stdout_text : &c->stderr_text;

    (void)b;
    if (nread > 0) {
        /* Keep the first ACTUATOR_OUTPUT_MAX bytes; read and drop the rest
         * so the program is not blocked on a full pipe. */
        text->len += (size_t)nread;
        if (text->len > ACTUATOR_OUTPUT_MAX) {
            text->len = ACTUATOR_OUTPUT_MAX;
        }
        return;
    }
    if (nread < 0) {
        close_handle((uv_handle_t *)s);
        c->open_pipes--;
        maybe_finish(c);
    }
}

static int start_exec(struct actuators *a,
                      const struct config_actuator *act,
                      const struct actuator_request *r,
                      actuator_done_fn done,
                      void *data)
{
    uv_loop_t *loop = a->node->loop;
    struct exec_call *c = mem_calloc(1, sizeof *c);
    char activity[24];
    char token[24];
    char *args[8];
    uv_process_options_t o;
    uv_stdio_container_t stdio[3];
    int rv;

    snprintf(activity, sizeof activity, "%llu",
             (unsigned long long)r->activity);
    snprintf(token, sizeof token, "%llu", (unsigned long long)r->token);
    args[0] = act->path;
    args[1] = (char *)(r->kind == ACTIVITY_LAUNCH ? "launch" : "terminate");
    args[2] = (char *)r->group;
    args[3] = (char *)r->zone;
    args[4] = (char *)r->instance;
    args[5] = activity;
    args[6] = token;
    args[7] = NULL;
    c->owner = a;
    c->done = done;
    c->data = data;
    buf_init(&c->stdout_text);
    buf_init(&c->stderr_text);
    uv_pipe_init(loop, &c->out, 0);
    uv_pipe_init(loop, &c->err, 0);
    uv_timer_init(loop, &c->timer);
    c->out.data = c->err.data = c->timer.data = c;
    c->open_handles = 4;
    memset(&o, 0, sizeof o);
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[1].data.stream = (uv_stream_t *)&c->out;
    stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[2].data.stream = (uv_stream_t *)&c->err;
    o.file = act->path;
    o.args = args;
    o.exit_cb = exit_cb;
    o.stdio = stdio;
    o.stdio_count = 3;
    rv = uv_spawn(loop, &c->process, &o);
    c->process.data = c;
    if (rv != 0) {
        /* Nothing started: close what was set up (the process handle too,
         * as libuv requires), then report. */
        buf_printf(&c->stderr_text, "cannot run %s: %s", act->path,
                   uv_strerror(rv));
        c->exited = true;
        c->status = 127;
        close_handle((uv_handle_t *)&c->process);
        close_handle((uv_handle_t *)&c->out);
        close_handle((uv_handle_t *)&c->err);
        close_handle((uv_handle_t *)&c->timer);
        return ACTUATOR_STARTED;
    }
    c->open_pipes = 2;
    uv_read_start((uv_stream_t *)&c->out, alloc_cb, read_cb);
    uv_read_start((uv_stream_t *)&c->err, alloc_cb, read_cb);
    uv_timer_start(&c->timer, timeout_cb, a->node->cfg->actuator_timeout_ms, 0);
    c->next = a->running;
    a->running = c;
    log_info("actuator %s: %s %s %s %s activity=%s token=%s", act->name,
             args[1], r->group, r->zone, r->instance, activity, token);
    return ACTUATOR_STARTED;
}

/* The client addresses of every member, for the local actuator's workers. */
static void member_endpoints(struct node *n, struct buf *out)
{
    for (size_t i = 0; i < n->fsm.n_members; i++) {
        buf_printf(out, "%s%s", out->len > 0 ? "," : "",
                   n->fsm.members[i].client_address);
    }
    buf_put_u8(out, 0);
}

static void local_closed_cb(uv_handle_t *h)
{
    struct local_call *c = h->data;
    bool ok = c->ok && !c->owner->closing;

    if (c->ok && !ok) {
        snprintf(c->output, sizeof c->output,
                 "the node shut down during the call\n");
    }
    c->done(c->data, ok, c->output, strlen(c->output));
    mem_free(c);
}

static void local_booted_cb(uv_timer_t *t)
{
    struct local_call *c = t->data;
    struct local_call **pp = &c->owner->booting;

    while (*pp != c) {
        pp = &(*pp)->next;
    }
    *pp = c->next;
    uv_close((uv_handle_t *)&c->timer, local_closed_cb);
}

static void call_local(struct actuators *a,
                       const struct actuator_request *r,
                       actuator_done_fn done,
                       void *data)
{
    struct local_call *c = mem_calloc(1, sizeof *c);
    struct buf endpoints;

    c->owner = a;
    c->done = done;
    c->data = data;
    buf_init(&endpoints);
    member_endpoints(a->node, &endpoints);
    c->ok = actuator_local_call(a->node->cfg->local_actuator_dir,
                                endpoints.base, r, c->output, sizeof c->output);
    buf_close(&endpoints);
    uv_timer_init(a->node->loop, &c->timer);
    c->timer.data = c;
    c->next = a->booting;
    a->booting = c;
    uv_timer_start(&c->timer, local_booted_cb,
                   c->ok ? a->node->cfg->local_actuator_boot_ms : 0, 0);
}

int actuators_call(struct actuators *a,
                   const char *name,
                   const struct actuator_request *r,
                   actuator_done_fn done,
                   void *data)
{
    const struct config_actuator *act;

    if (strcmp(name, "external") == 0) {
        return ACTUATOR_EXTERNAL;
    }
    if (strcmp(name, "local") == 0 &&
        a->node->cfg->local_actuator_dir != NULL) {
        call_local(a, r, done, data);
        return ACTUATOR_STARTED;
    }
    act = find(a, name);
    if (act == NULL) {
        return SK_EINVAL;
    }
    return start_exec(a, act, r, done, data);
}

void actuators_close(struct actuators *a)
{
    a->closing = true;
    for (struct exec_call *c = a->running; c != NULL; c = c->next) {
        if (!c->exited) {
            uv_process_kill(&c->process, SIGKILL);
        }
    }
    while (a->booting != NULL) {
        struct local_call *c = a->booting;
        a->booting = c->next;
        uv_close((uv_handle_t *)&c->timer, local_closed_cb);
    }
}

/* scalekeeperd: parse the configuration, start the raft node and the client
 * listener, run the loop until SIGTERM or SIGINT, then shut down cleanly:
 * a leader hands leadership to another voter first (node/handoff.h), then
 * stop accepting, answer pending requests with an error, close raft (which
 * closes the log), exit 0. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <uv.h>

#include "daemon/config.h"
#include "lib/log.h"
#include "net/server.h"
#include "node/node.h"

struct daemon {
    uv_loop_t loop;
    struct config cfg;
    struct node node;
    struct server server;
    uv_signal_t sigterm;
    uv_signal_t sigint;
    bool stopping;
    bool shut;
};

static void node_closed_cb(struct node *n)
{
    (void)n;
    log_info("node closed");
}

static void shut_down(struct daemon *d)
{
    if (d->shut) {
        return;
    }
    d->shut = true;
    uv_close((uv_handle_t *)&d->sigterm, NULL);
    uv_close((uv_handle_t *)&d->sigint, NULL);
    server_shutdown(&d->server);
    node_close(&d->node, node_closed_cb);
}

static void handed_off_cb(struct node *n)
{
    shut_down((struct daemon *)((char *)n - offsetof(struct daemon, node)));
}

/* The first signal hands leadership over, then shuts down; a second one
 * shuts down at once. */
static void signal_cb(uv_signal_t *handle, int signum)
{
    struct daemon *d = handle->data;
    const char *name = signum == SIGTERM ? "SIGTERM" : "SIGINT";

    if (d->stopping) {
        log_info("received %s again: shutting down now", name);
        shut_down(d); /* node_close() abandons the hand-off */
        return;
    }
    d->stopping = true;
    log_info("received %s: shutting down", name);
    handoff_start(&d->node.handoff, handed_off_cb);
}

static void close_leftover(uv_handle_t *handle, void *arg)
{
    (void)arg;
    if (!uv_is_closing(handle)) {
        uv_close(handle, NULL);
    }
}

static int run(struct daemon *d)
{
    char errmsg[SK_ERRMSG_SIZE];
    int rv;

    rv = node_init(&d->node, &d->loop, &d->cfg, errmsg);
    if (rv != 0) {
        log_error("%s", errmsg);
        return 1;
    }
    rv = node_start(&d->node, errmsg);
    if (rv == 0) {
        rv = server_start(&d->server, &d->loop, &d->node, errmsg);
    }
    if (rv != 0) {
        log_error("%s", errmsg);
        d->stopping = true;
        node_close(&d->node, node_closed_cb);
    } else {
        uv_signal_init(&d->loop, &d->sigterm);
        uv_signal_init(&d->loop, &d->sigint);
        d->sigterm.data = d;
        d->sigint.data = d;
        uv_signal_start(&d->sigterm, signal_cb, SIGTERM);
        uv_signal_start(&d->sigint, signal_cb, SIGINT);
    }
    uv_run(&d->loop, UV_RUN_DEFAULT);
    /* Anything the shutdown left open (it should be nothing). */
    uv_walk(&d->loop, close_leftover, NULL);
    uv_run(&d->loop, UV_RUN_DEFAULT);
    node_fini(&d->node);
    if (uv_loop_close(&d->loop) != 0) {
        log_warn("event loop closed with handles still open");
    }
    log_info("exit");
    return rv == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    static struct daemon d;
    char errmsg[SK_ERRMSG_SIZE];
    enum log_level level = LOG_INFO;
    int rv;

    config_init(&d.cfg);
    rv = config_parse(&d.cfg, argc, argv, errmsg);
    if (rv == CONFIG_EXIT) {
        config_close(&d.cfg);
        return 0;
    }
    if (rv != 0) {
        fprintf(stderr, "scalekeeperd: %s\n", errmsg);
        fprintf(stderr, "Try 'scalekeeperd --help'.\n");
        config_close(&d.cfg);
        return 2;
    }
    if (d.cfg.log_level != NULL) {
        log_level_parse(d.cfg.log_level, &level);
    }
    log_init(d.cfg.id, level);
    signal(SIGPIPE, SIG_IGN);
    uv_loop_init(&d.loop);
    log_info("scalekeeperd starting: id=%llu zone=%s listen=%s raft=%s",
             (unsigned long long)d.cfg.id, d.cfg.zone, d.cfg.listen,
             d.cfg.raft_address);
    rv = run(&d);
    config_close(&d.cfg);
    return rv;
}

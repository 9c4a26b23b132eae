/* CLI endpoints (endpoints.h): parsing the --endpoints list and connecting to
 * one node with a timeout, optionally probed with PING. */
#include "cli/endpoints.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "lib/err.h"
#include "lib/mem.h"

/* Split "host:port" or "[v6]:port" into @ep. Returns 0 or SK_EINVAL with a
 * reason in @errmsg. */
static int endpoint_parse(const char *text,
                          size_t len,
                          struct endpoint *ep,
                          struct buf *errmsg)
{
    char *name = mem_strndup(text, len);
    char *colon = strrchr(name, ':');
    const char *host = name;
    size_t host_len;
    char *end;
    long port;

    if (colon == NULL || colon == name) {
        goto bad;
    }
    host_len = (size_t)(colon - name);
    if (name[0] == '[' && colon[-1] == ']') {
        host++;
        host_len -= 2;
    }
    errno = 0;
    port = strtol(colon + 1, &end, 10);
    if (host_len == 0 || errno != 0 || end == colon + 1 || *end != '\0' ||
        port < 1 || port > 65535) {
        goto bad;
    }
    ep->host = mem_strndup(host, host_len);
    ep->port = (int)port;
    ep->name = name;
    return 0;

bad:
    buf_printf(errmsg, "bad endpoint '%s' (expected host:port)", name);
    mem_free(name);
    return SK_EINVAL;
}

void endpoints_free(struct endpoint_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        mem_free(l->items[i].name);
        mem_free(l->items[i].host);
    }
    mem_free(l->items);
    l->items = NULL;
    l->n = 0;
}

int endpoints_parse(const char *spec,
                    struct endpoint_list *l,
                    struct buf *errmsg)
{
    const char *p = spec;

    l->items = mem_calloc(strlen(spec) / 2 + 1, sizeof *l->items);
    l->n = 0;
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        if (len > 0) {
            int rv = endpoint_parse(p, len, &l->items[l->n], errmsg);
            if (rv != 0) {
                endpoints_free(l);
                return rv;
            }
            l->n++;
        }
        p += len + (p[len] == ',');
    }
    if (l->n == 0) {
        endpoints_free(l);
        buf_printf(errmsg, "no endpoints given in '%s'", spec);
        return SK_EINVAL;
    }
    return 0;
}

void endpoints_note_failure(struct buf *log,
                            const struct endpoint *ep,
                            const char *what,
                            const char *detail)
{
    buf_printf(log, "  %s: %s%s\n", ep->name, what, detail);
}

static struct timeval timeval_ms(long ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    return tv;
}

redisContext *endpoints_connect(const struct endpoint *ep,
                                long timeout_ms,
                                int probe,
                                struct buf *log)
{
    struct timeval tv = timeval_ms(timeout_ms);
    redisContext *c = redisConnectWithTimeout(ep->host, ep->port, tv);
    redisReply *r;

    if (c == NULL || c->err) {
        endpoints_note_failure(log, ep, "",
                               c ? c->errstr : "cannot allocate context");
        goto err;
    }
    if (redisSetTimeout(c, tv) != REDIS_OK) {
        endpoints_note_failure(log, ep, "cannot set timeout: ", c->errstr);
        goto err;
    }
    if (!probe) {
        return c;
    }
    r = redisCommand(c, "PING");
    if (r == NULL) {
        endpoints_note_failure(log, ep, "no answer to PING: ", c->errstr);
        goto err;
    }
    freeReplyObject(r);
    return c;

err:
    redisFree(c);
    return NULL;
}

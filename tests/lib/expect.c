/* Reply assertions for integration tests; see expect.h. */
#include "expect.h"

#include <stdarg.h>
#include <string.h>

#include <check.h>

const char *expect_text(const redisReply *r)
{
    return r != NULL && r->str != NULL ? r->str : "";
}

static redisReply *
run(struct cluster *c, redisContext *ctx, const char *fmt, va_list ap)
{
    redisReply *r = redisvCommand(ctx, fmt, ap);

    CLUSTER_ASSERT(c, r != NULL, "%s: %s", fmt, ctx->errstr);
    return r;
}

redisReply *
expect_reply(struct cluster *c, redisContext *ctx, const char *fmt, ...)
{
    redisReply *r;
    va_list ap;

    va_start(ap, fmt);
    r = run(c, ctx, fmt, ap);
    va_end(ap);
    return r;
}

void expect_status(struct cluster *c,
                   redisContext *ctx,
                   const char *status,
                   const char *fmt,
                   ...)
{
    redisReply *r;
    va_list ap;

    va_start(ap, fmt);
    r = run(c, ctx, fmt, ap);
    va_end(ap);
    CLUSTER_ASSERT(
        c, r->type == REDIS_REPLY_STATUS && strcmp(r->str, status) == 0,
        "%s: type %d '%s', expected +%s", fmt, r->type, expect_text(r), status);
    freeReplyObject(r);
}

void expect_error(struct cluster *c,
                  redisContext *ctx,
                  const char *error,
                  const char *fmt,
                  ...)
{
    redisReply *r;
    va_list ap;

    va_start(ap, fmt);
    r = run(c, ctx, fmt, ap);
    va_end(ap);
    CLUSTER_ASSERT(
        c, r->type == REDIS_REPLY_ERROR && strcmp(r->str, error) == 0,
        "%s: type %d '%s', expected -%s", fmt, r->type, expect_text(r), error);
    freeReplyObject(r);
}

void expect_error_prefix(struct cluster *c,
                         redisContext *ctx,
                         const char *prefix,
                         const char *fmt,
                         ...)
{
    redisReply *r;
    va_list ap;

    va_start(ap, fmt);
    r = run(c, ctx, fmt, ap);
    va_end(ap);
    CLUSTER_ASSERT(c,
                   r->type == REDIS_REPLY_ERROR &&
                       strncmp(r->str, prefix, strlen(prefix)) == 0,
                   "%s: type %d '%s', expected -%s...", fmt, r->type,
                   expect_text(r), prefix);
    freeReplyObject(r);
}

long long expect_int(struct cluster *c, redisContext *ctx, const char *fmt, ...)
{
    redisReply *r;
    long long v;
    va_list ap;

    va_start(ap, fmt);
    r = run(c, ctx, fmt, ap);
    va_end(ap);
    CLUSTER_ASSERT(c, r->type == REDIS_REPLY_INTEGER,
                   "%s: type %d '%s', expected an integer", fmt, r->type,
                   expect_text(r));
    v = r->integer;
    freeReplyObject(r);
    return v;
}

void expect_value(struct cluster *c,
                  redisContext *ctx,
                  const char *key,
                  const char *want)
{
    redisReply *r = cluster_exec(c, ctx, "GET %s", key);

    if (want == NULL) {
        CLUSTER_ASSERT(c, r->type == REDIS_REPLY_NIL,
                       "GET %s: type %d '%s', expected nil", key, r->type,
                       expect_text(r));
    } else {
        CLUSTER_ASSERT(
            c, r->type == REDIS_REPLY_STRING && strcmp(r->str, want) == 0,
            "GET %s: type %d '%s', expected '%s'", key, r->type, expect_text(r),
            want);
    }
    freeReplyObject(r);
}

redisReply *expect_push(struct cluster *c, redisContext *ctx)
{
    void *reply = NULL;

    if (redisGetReply(ctx, &reply) != REDIS_OK) {
        CLUSTER_ASSERT(c, ctx->err == REDIS_ERR_IO || ctx->err == REDIS_ERR_EOF,
                       "push read: %s", ctx->errstr);
        /* A timeout leaves the context unusable in hiredis: a test that
         * waits for nothing must not read again. */
        return NULL;
    }
    return reply;
}

redisReply *expect_push_kind(struct cluster *c,
                             redisContext *ctx,
                             const char *kind,
                             size_t n)
{
    redisReply *r = expect_push(c, ctx);

    CLUSTER_ASSERT(c, r != NULL, "no '%s' message arrived: %s", kind,
                   ctx->errstr);
    CLUSTER_ASSERT(c,
                   r->type == REDIS_REPLY_ARRAY && r->elements >= n &&
                       r->element[0]->type == REDIS_REPLY_STRING &&
                       strcmp(r->element[0]->str, kind) == 0,
                   "expected a '%s' message of %zu elements, got type %d "
                   "'%s' with %zu elements (first '%s')",
                   kind, n, r->type, expect_text(r), r->elements,
                   r->type == REDIS_REPLY_ARRAY && r->elements > 0
                       ? expect_text(r->element[0])
                       : "");
    return r;
}

const char *expect_elem_str(const redisReply *r, size_t i)
{
    return i < r->elements ? expect_text(r->element[i]) : "";
}

long long expect_elem_int(const redisReply *r, size_t i)
{
    return i < r->elements && r->element[i]->type == REDIS_REPLY_INTEGER
               ? r->element[i]->integer
               : -1;
}

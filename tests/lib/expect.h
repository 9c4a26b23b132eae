/* Assertions on replies for integration tests: run a command (a hiredis
 * format string) on a connection and check the kind and content of its
 * reply; read push messages. Each failure reports through cluster_fail(),
 * so the nodes' logs are shown. */
#ifndef SK_TEST_EXPECT_H
#define SK_TEST_EXPECT_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "cluster.h"

/* The reply's text for messages, whatever its type. */
const char *expect_text(const redisReply *r);

/* Run a command; the connection must not break. freeReplyObject() it. */
redisReply *
expect_reply(struct cluster *c, redisContext *ctx, const char *fmt, ...);

/* The command must answer the status @status ("OK", "QUEUED"). */
void expect_status(struct cluster *c,
                   redisContext *ctx,
                   const char *status,
                   const char *fmt,
                   ...);

/* The command must answer exactly the error @error. */
void expect_error(struct cluster *c,
                  redisContext *ctx,
                  const char *error,
                  const char *fmt,
                  ...);

/* The command must answer an error starting with @prefix. */
void expect_error_prefix(struct cluster *c,
                         redisContext *ctx,
                         const char *prefix,
                         const char *fmt,
                         ...);

/* The command must answer an integer; it is returned. */
long long
expect_int(struct cluster *c, redisContext *ctx, const char *fmt, ...);

/* GET @key must answer @want, or nil when @want is NULL. */
void expect_value(struct cluster *c,
                  redisContext *ctx,
                  const char *key,
                  const char *want);

/* The next message on a connection in push mode, or NULL if none arrives
 * within the connection's timeout. The connection must not break
 * otherwise. freeReplyObject() it. */
redisReply *expect_push(struct cluster *c, redisContext *ctx);

/* The next push message must be an array of at least @n elements whose
 * first is the bulk string @kind; it is returned. */
redisReply *expect_push_kind(struct cluster *c,
                             redisContext *ctx,
                             const char *kind,
                             size_t n);

/* Element @i of @r as a C string ("" if not a string), or as an integer. */
const char *expect_elem_str(const redisReply *r, size_t i);
long long expect_elem_int(const redisReply *r, size_t i);

#endif

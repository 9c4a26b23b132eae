/* RESP2 reply writers and scanner: command results become bytes for the
 * connection's output buffer; forwarded replies are framed by reply_scan(). */
#include "resp/reply.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/err.h"
#include "lib/mem.h"

/* Bytes allowed in the number of an integer, bulk or array header line; a
 * long long needs at most 20. */
#define NUMBER_MAX 32

/* Replace CR and LF in b->base[from..len) so a line cannot be split. */
static void flatten_line(struct buf *b, size_t from)
{
    for (size_t i = from; i < b->len; i++) {
        if (b->base[i] == '\r' || b->base[i] == '\n') {
            b->base[i] = ' ';
        }
    }
}

void reply_ok(struct buf *b)
{
    buf_append(b, "+OK\r\n", 5);
}

void reply_simple(struct buf *b, const char *s)
{
    size_t from;

    buf_append(b, "+", 1);
    from = b->len;
    buf_append_str(b, s);
    flatten_line(b, from); /* defensive: the contract forbids CR and LF */
    buf_append(b, "\r\n", 2);
}

void reply_error(struct buf *b, const char *prefix, const char *fmt, ...)
{
    va_list ap;
    size_t from;

    buf_append(b, "-", 1);
    from = b->len;
    if (prefix != NULL && prefix[0] != '\0') {
        buf_append_str(b, prefix);
        buf_append(b, " ", 1);
    }
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
    flatten_line(b, from);
    buf_append(b, "\r\n", 2);
}

void reply_errcode(struct buf *b, int rv)
{
    reply_error(b, sk_errprefix(rv), "%s", sk_strerror(rv));
}

void reply_int(struct buf *b, long long v)
{
    buf_printf(b, ":%lld\r\n", v);
}

void reply_bulk(struct buf *b, const void *data, size_t len)
{
    buf_printf(b, "$%zu\r\n", len);
    buf_reserve(b, len + 2);
    buf_append(b, data, len);
    buf_append(b, "\r\n", 2);
}

void reply_bulk_str(struct buf *b, const char *s)
{
    reply_bulk(b, s, strlen(s));
}

void reply_bulk_u64(struct buf *b, uint64_t v)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%" PRIu64, v);

    reply_bulk(b, digits, (size_t)n);
}

void reply_null(struct buf *b)
{
    buf_append(b, "$-1\r\n", 5);
}

void reply_null_array(struct buf *b)
{
    buf_append(b, "*-1\r\n", 5);
}

void reply_array(struct buf *b, size_t n)
{
    buf_printf(b, "*%zu\r\n", n);
}

enum {
    SCAN_MORE = 0,
    SCAN_OK = 1
};

/* The line starting at @pos ends with CRLF; a lone CR or LF inside is
 * invalid. On SCAN_OK, *end is the offset of its CR. */
static int scan_line(const char *data, size_t len, size_t pos, size_t *end)
{
    for (size_t i = pos; i < len; i++) {
        if (data[i] == '\n') {
            return SK_EPROTO;
        }
        if (data[i] == '\r') {
            if (i + 1 == len) {
                return SCAN_MORE;
            }
            if (data[i + 1] != '\n') {
                return SK_EPROTO;
            }
            *end = i;
            return SCAN_OK;
        }
    }
    return SCAN_MORE;
}

/* A decimal number line at @pos (after the type byte). On SCAN_OK, *v holds
 * it and *next is the offset after its CRLF. */
static int scan_number(
    const char *data, size_t len, size_t pos, long long *v, size_t *next)
{
    size_t avail = len - pos;
    size_t end = 0;
    unsigned long long acc = 0;
    unsigned long long max = (unsigned long long)LLONG_MAX;
    size_t i = pos;
    int negative = 0;
    int rc;

    if (avail > NUMBER_MAX + 2) {
        avail = NUMBER_MAX + 2;
    }
    rc = scan_line(data, pos + avail, pos, &end);
    if (rc == SCAN_MORE) {
        return avail > NUMBER_MAX + 1 ? SK_EPROTO : SCAN_MORE;
    }
    if (rc != SCAN_OK) {
        return rc;
    }
    if (i < end && data[i] == '-') {
        negative = 1;
        max += 1;
        i++;
    }
    if (i == end) {
        return SK_EPROTO;
    }
    for (; i < end; i++) {
        unsigned d;

        if (data[i] < '0' || data[i] > '9') {
            return SK_EPROTO;
        }
        d = (unsigned)(data[i] - '0');
        if (acc > (max - d) / 10) {
            return SK_EPROTO;
        }
        acc = acc * 10 + d;
    }
    if (negative) {
        *v = acc == max ? LLONG_MIN : -(long long)acc;
    } else {
        *v = (long long)acc;
    }
    *next = end + 2;
    return SCAN_OK;
}

/* Open arrays: how many elements each still waits for. The first levels live
 * on the stack; deeper nesting (only if @max_depth allows it) on the heap. */
struct scan_stack {
    unsigned long long local[16];
    unsigned long long *level;
    size_t depth;
    size_t cap;
};

static void stack_push(struct scan_stack *s, unsigned long long n)
{
    if (s->depth == s->cap) {
        size_t cap = s->cap * 2;
        unsigned long long *level = mem_alloc(cap * sizeof *level);

        memcpy(level, s->level, s->depth * sizeof *level);
        if (s->level != s->local) {
            mem_free(s->level);
        }
        s->level = level;
        s->cap = cap;
    }
    s->level[s->depth++] = n;
}

/* One complete element ended: close every array it completes. */
static void stack_element_done(struct scan_stack *s)
{
    while (s->depth > 0) {
        if (--s->level[s->depth - 1] > 0) {
            return;
        }
        s->depth--;
    }
}

/* Scan one element header (and body, for scalars) at *pos. */
static int scan_element(const char *data,
                        size_t len,
                        size_t max_depth,
                        struct scan_stack *s,
                        size_t *pos)
{
    long long n = 0;
    size_t next = 0;
    size_t end = 0;
    int rc;

    switch (data[*pos]) {
    case '+':
    case '-':
        rc = scan_line(data, len, *pos + 1, &end);
        if (rc == SCAN_OK) {
            *pos = end + 2;
            stack_element_done(s);
        }
        return rc;
    case ':':
        rc = scan_number(data, len, *pos + 1, &n, &next);
        if (rc == SCAN_OK) {
            *pos = next;
            stack_element_done(s);
        }
        return rc;
    case '$':
        rc = scan_number(data, len, *pos + 1, &n, &next);
        if (rc != SCAN_OK) {
            return rc;
        }
        if (n < -1) {
            return SK_EPROTO;
        }
        if (n >= 0) {
            size_t avail = len - next;

            if ((unsigned long long)n >= SIZE_MAX - 2) {
                return SK_EPROTO;
            }
            if (avail < (size_t)n + 2) {
                return SCAN_MORE;
            }
            if (data[next + (size_t)n] != '\r' ||
                data[next + (size_t)n + 1] != '\n') {
                return SK_EPROTO;
            }
            next += (size_t)n + 2;
        }
        *pos = next;
        stack_element_done(s);
        return SCAN_OK;
    case '*':
        rc = scan_number(data, len, *pos + 1, &n, &next);
        if (rc != SCAN_OK) {
            return rc;
        }
        if (n < -1) {
            return SK_EPROTO;
        }
        if (s->depth + 1 > max_depth) {
            return SK_EPROTO;
        }
        *pos = next;
        if (n <= 0) {
            stack_element_done(s);
        } else {
            stack_push(s, (unsigned long long)n);
        }
        return SCAN_OK;
    default:
        return SK_EPROTO;
    }
}

int reply_scan(const char *data, size_t len, size_t max_depth, size_t *consumed)
{
    struct scan_stack s;
    size_t pos = 0;
    int rc;

    s.level = s.local;
    s.depth = 0;
    s.cap = sizeof s.local / sizeof s.local[0];
    do {
        if (pos >= len) {
            rc = REPLY_MORE;
            break;
        }
        rc = scan_element(data, len, max_depth, &s, &pos);
    } while (rc == SCAN_OK && s.depth > 0);
    if (rc == SCAN_OK) {
        *consumed = pos;
        rc = REPLY_DONE;
    }
    if (s.level != s.local) {
        mem_free(s.level);
    }
    return rc;
}

/* Growable byte buffer and bounds-checked reader. */
#include "lib/buf.h"

#include <stdio.h>
#include <string.h>

#include "lib/mem.h"

void buf_init(struct buf *b)
{
    b->base = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_close(struct buf *b)
{
    mem_free(b->base);
    buf_init(b);
}

void buf_reserve(struct buf *b, size_t extra)
{
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 64;

    if (need <= b->cap) {
        return;
    }
    while (cap < need) {
        cap *= 2;
    }
    b->base = mem_realloc(b->base, cap);
    b->cap = cap;
}

void buf_append(struct buf *b, const void *data, size_t len)
{
    if (len == 0) {
        return;
    }
    buf_reserve(b, len);
    memcpy(b->base + b->len, data, len);
    b->len += len;
}

void buf_append_str(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0) {
        return;
    }
    buf_reserve(b, (size_t)n + 1);
    vsnprintf(b->base + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_put_u8(struct buf *b, uint8_t v)
{
    buf_append(b, &v, 1);
}

void buf_put_u32(struct buf *b, uint32_t v)
{
    uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                     (uint8_t)v };
    buf_append(b, x, sizeof x);
}

void buf_put_u64(struct buf *b, uint64_t v)
{
    buf_put_u32(b, (uint32_t)(v >> 32));
    buf_put_u32(b, (uint32_t)v);
}

void buf_put_bytes(struct buf *b, const void *data, size_t len)
{
    buf_put_u32(b, (uint32_t)len);
    buf_append(b, data, len);
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->base, b->base + n, b->len - n);
    b->len -= n;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
    char *p = b->base;

    if (len != NULL) {
        *len = b->len;
    }
    buf_init(b);
    return p;
}

void reader_init(struct reader *r, const void *data, size_t len)
{
    r->p = data;
    r->left = len;
    r->failed = 0;
}

static int reader_take(struct reader *r, size_t n)
{
    if (r->failed || r->left < n) {
        r->failed = 1;
        r->left = 0;
        return 0;
    }
    return 1;
}

uint8_t reader_u8(struct reader *r)
{
    uint8_t v;

    if (!reader_take(r, 1)) {
        return 0;
    }
    v = r->p[0];
    r->p += 1;
    r->left -= 1;
    return v;
}

uint32_t reader_u32(struct reader *r)
{
    uint32_t v;

    if (!reader_take(r, 4)) {
        return 0;
    }
    v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
        (uint32_t)r->p[2] << 8 | (uint32_t)r->p[3];
    r->p += 4;
    r->left -= 4;
    return v;
}

uint64_t reader_u64(struct reader *r)
{
    uint64_t hi = reader_u32(r);
    uint64_t lo = reader_u32(r);

    return hi << 32 | lo;
}

void reader_bytes(struct reader *r, const char **data, size_t *len)
{
    uint32_t n = reader_u32(r);

    *data = NULL;
    *len = 0;
    if (!reader_take(r, n)) {
        return;
    }
    *data = (const char *)r->p;
    *len = n;
    r->p += n;
    r->left -= n;
}

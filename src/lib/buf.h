/* A growable byte buffer: output queues, encoders, copies of requests. */
#ifndef SK_BUF_H
#define SK_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
    char *base; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
};

void buf_init(struct buf *b);

/* Free the storage; @b is empty and reusable afterwards. */
void buf_close(struct buf *b);

/* Make room for @extra more bytes without changing len. */
void buf_reserve(struct buf *b, size_t extra);

void buf_append(struct buf *b, const void *data, size_t len);

void buf_append_str(struct buf *b, const char *s);

void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Big-endian fixed-width integers, as every scalekeeper binary format uses. */
void buf_put_u8(struct buf *b, uint8_t v);
void buf_put_u32(struct buf *b, uint32_t v);
void buf_put_u64(struct buf *b, uint64_t v);

/* A u32 length followed by @len bytes. */
void buf_put_bytes(struct buf *b, const void *data, size_t len);

/* Drop the first @n bytes (n <= len), keeping the rest. */
void buf_consume(struct buf *b, size_t n);

/* Forget the contents, keep the storage. */
void buf_reset(struct buf *b);

/* Hand the storage to the caller, who frees it with mem_free(). */
char *buf_detach(struct buf *b, size_t *len);

/* A cursor over bytes for decoders: every read checks the bounds. */
struct reader {
    const uint8_t *p;
    size_t left;
    int failed; /* set once a read ran past the end */
};

void reader_init(struct reader *r, const void *data, size_t len);
uint8_t reader_u8(struct reader *r);
uint32_t reader_u32(struct reader *r);
uint64_t reader_u64(struct reader *r);

/* A u32 length then that many bytes: *data points into the input. */
void reader_bytes(struct reader *r, const char **data, size_t *len);

#endif

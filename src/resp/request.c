/* RESP2 request parser: bytes in, argv out; no I/O. The connection feeds it
 * what it has received, the command layer gets argv slices. */
#include "resp/request.h"

#include <assert.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"

/* Bytes allowed between '*' or '$' and the CR ending a length line. A valid
 * length has at most 20 characters; the bound keeps a partial header cheap to
 * re-read on every call. */
#define HEADER_MAX 32

static int fail(struct request *r, int rv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the reply text for an error and forget any progress. */
static int fail(struct request *r, int rv, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
    va_end(ap);
    r->argc = 0;
    r->resume_offset = 0;
    r->resume_argc = 0;
    r->resume_expected = 0;
    return rv;
}

void request_init(struct request *r, const struct request_limits *limits)
{
    r->limits = limits;
    r->argc = 0;
    r->argv = NULL;
    r->argv_cap = 0;
    r->consumed = 0;
    r->is_inline = 0;
    buf_init(&r->scratch);
    r->resume_offset = 0;
    r->resume_argc = 0;
    r->resume_expected = 0;
    r->errmsg[0] = '\0';
}

void request_close(struct request *r)
{
    mem_free(r->argv);
    r->argv = NULL;
    r->argv_cap = 0;
    r->argc = 0;
    buf_close(&r->scratch);
}

/* Make room for @n slices in r->argv. Callers check n against max_argc
 * first, so this is bounded by the limits. */
static void reserve_argv(struct request *r, size_t n)
{
    size_t cap = r->argv_cap ? r->argv_cap : 8;

    if (n <= r->argv_cap) {
        return;
    }
    while (cap < n) {
        cap *= 2;
    }
    r->argv = mem_realloc(r->argv, cap * sizeof *r->argv);
    r->argv_cap = cap;
}

/* Redis' string2ll() rules: optional '-', no leading zeros, no '+', no
 * spaces, fits a long long. Returns 1 on success. */
static int parse_ll(const char *s, size_t n, long long *out)
{
    unsigned long long v = 0;
    unsigned long long max = (unsigned long long)LLONG_MAX;
    size_t i = 0;
    int negative = 0;

    if (n == 0) {
        return 0;
    }
    if (n == 1 && s[0] == '0') {
        *out = 0;
        return 1;
    }
    if (s[0] == '-') {
        negative = 1;
        i = 1;
        max += 1; /* -LLONG_MIN */
    }
    if (i == n || s[i] < '1' || s[i] > '9') {
        return 0;
    }
    for (; i < n; i++) {
        unsigned d;

        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        d = (unsigned)(s[i] - '0');
        if (v > (max - d) / 10) {
            return 0;
        }
        v = v * 10 + d;
    }
    if (negative) {
        *out = v == max ? LLONG_MIN : -(long long)v;
    } else {
        *out = (long long)v;
    }
    return 1;
}

enum {
    LINE_MORE = 0,
    LINE_OK = 1,
    LINE_TOO_LONG = -1,
    LINE_NO_LF = -2
};

/* Find the CRLF ending the length line whose type byte is at @start. On
 * LINE_OK, *value is the parsed number (or *parsed is 0 if it is not one)
 * and *next is the offset after the LF. */
static int read_length_line(const char *data,
                            size_t len,
                            size_t start,
                            long long *value,
                            int *parsed,
                            size_t *next)
{
    size_t from = start + 1;
    size_t avail = len - from;
    const char *cr;

    if (avail > HEADER_MAX + 1) {
        avail = HEADER_MAX + 1;
    }
    cr = memchr(data + from, '\r', avail);
    if (cr == NULL) {
        return len - from > HEADER_MAX ? LINE_TOO_LONG : LINE_MORE;
    }
    if ((size_t)(cr - data) + 1 >= len) {
        return LINE_MORE;
    }
    if (cr[1] != '\n') {
        return LINE_NO_LF;
    }
    *parsed = parse_ll(data + from, (size_t)(cr - (data + from)), value);
    *next = (size_t)(cr - data) + 2;
    return LINE_OK;
}

static size_t arg_offset(const struct request *r, size_t i)
{
    size_t off;

    memcpy(&off, r->scratch.base + i * sizeof off, sizeof off);
    return off;
}

static int multibulk_done(struct request *r, const char *data, size_t pos)
{
    for (size_t i = 0; i < r->resume_argc; i++) {
        r->argv[i].base = data + arg_offset(r, i);
    }
    r->argc = r->resume_argc;
    r->consumed = pos;
    r->is_inline = 0;
    r->resume_offset = 0;
    r->resume_argc = 0;
    r->resume_expected = 0;
    return REQUEST_DONE;
}

/* The "*N\r\n" line of a fresh multibulk request. Returns REQUEST_MORE,
 * REQUEST_DONE for an empty request, an error, or 2 when N arguments follow
 * (progress then recorded in r->resume_*). */
static int parse_count(struct request *r, const char *data, size_t len)
{
    long long n = 0;
    int parsed = 0;
    size_t next = 0;
    int rc = read_length_line(data, len, 0, &n, &parsed, &next);

    if (rc == LINE_MORE) {
        return REQUEST_MORE;
    }
    if (rc == LINE_TOO_LONG) {
        return fail(r, SK_EPROTO, "Protocol error: too big mbulk count string");
    }
    if (rc == LINE_NO_LF || !parsed || n > INT_MAX) {
        return fail(r, SK_EPROTO, "Protocol error: invalid multibulk length");
    }
    if (n <= 0) {
        r->resume_argc = 0;
        return multibulk_done(r, data, next);
    }
    if ((unsigned long long)n > r->limits->max_argc) {
        return fail(r, SK_ETOOBIG,
                    "Protocol error: too many arguments (max %zu)",
                    r->limits->max_argc);
    }
    buf_reset(&r->scratch);
    r->resume_expected = (size_t)n;
    r->resume_argc = 0;
    r->resume_offset = next;
    return 2;
}

/* A "$len\r\n" line at @pos. Returns REQUEST_MORE, an error, or 2 with the
 * argument's header recorded and *pos moved to its payload. */
static int
parse_bulk_header(struct request *r, const char *data, size_t len, size_t *pos)
{
    long long n = 0;
    int parsed = 0;
    size_t next = 0;
    size_t k = r->resume_argc;
    int rc;

    if (data[*pos] != '$') {
        return fail(r, SK_EPROTO, "Protocol error: expected '$', got '%c'",
                    data[*pos]);
    }
    rc = read_length_line(data, len, *pos, &n, &parsed, &next);
    if (rc == LINE_MORE) {
        return REQUEST_MORE;
    }
    if (rc == LINE_TOO_LONG) {
        return fail(r, SK_EPROTO, "Protocol error: too big bulk count string");
    }
    if (rc == LINE_NO_LF || !parsed || n < 0) {
        return fail(r, SK_EPROTO, "Protocol error: invalid bulk length");
    }
    if ((unsigned long long)n > r->limits->max_bulk_bytes) {
        return fail(r, SK_ETOOBIG,
                    "Protocol error: argument of %lld bytes exceeds the limit "
                    "of %zu",
                    n, r->limits->max_bulk_bytes);
    }
    reserve_argv(r, k + 1);
    r->argv[k].base = NULL; /* set from the offset once the request is whole */
    r->argv[k].len = (size_t)n;
    buf_append(&r->scratch, &next, sizeof next);
    r->resume_argc = k + 1;
    *pos = next;
    return 2;
}

/* Multibulk: "*<argc>\r\n" then argc times "$<len>\r\n<payload>\r\n".
 *
 * Progress survives REQUEST_MORE as offsets: resume_offset is where parsing
 * continues, resume_expected the announced argc, resume_argc the arguments
 * whose header was read (their payload offsets are kept in scratch). The last
 * of them still waits for its payload when its offset equals resume_offset. */
static int parse_multibulk(struct request *r, const char *data, size_t len)
{
    size_t pos;
    int rc;

    if (r->resume_offset == 0) {
        rc = parse_count(r, data, len);
        if (rc != 2) {
            return rc;
        }
    }
    pos = r->resume_offset;
    for (;;) {
        size_t k = r->resume_argc;

        if (k > 0 && arg_offset(r, k - 1) == pos) {
            size_t n = r->argv[k - 1].len;

            if (len - pos < n || len - pos - n < 2) {
                r->resume_offset = pos;
                return REQUEST_MORE;
            }
            if (data[pos + n] != '\r' || data[pos + n + 1] != '\n') {
                return fail(r, SK_EPROTO,
                            "Protocol error: bulk argument not followed by "
                            "CRLF");
            }
            pos += n + 2;
            if (k == r->resume_expected) {
                return multibulk_done(r, data, pos);
            }
            continue;
        }
        if (pos >= len) {
            r->resume_offset = pos;
            return REQUEST_MORE;
        }
        rc = parse_bulk_header(r, data, len, &pos);
        if (rc != 2) {
            if (rc == REQUEST_MORE) {
                r->resume_offset = pos;
            }
            return rc;
        }
    }
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return c - 'A' + 10;
}

static char unescape(char c)
{
    switch (c) {
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'b':
        return '\b';
    case 'a':
        return '\a';
    default:
        return c;
    }
}

/* One token of an inline line in redis-cli's syntax (Redis' sdssplitargs(),
 * except that NUL is an ordinary byte). Appends the unescaped bytes at *out,
 * moves *i past the token. Returns 0, or -1 on unbalanced quotes. */
static int inline_token(const char *line, size_t n, size_t *i, char **out)
{
    size_t p = *i;
    char *o = *out;
    int in_dq = 0;
    int in_sq = 0;

    for (;;) {
        if (in_dq) {
            if (p == n) {
                return -1;
            }
            if (line[p] == '\\' && p + 3 < n && line[p + 1] == 'x' &&
                is_hex(line[p + 2]) && is_hex(line[p + 3])) {
                *o++ = (char)(hex_value(line[p + 2]) * 16 +
                              hex_value(line[p + 3]));
                p += 4;
            } else if (line[p] == '\\' && p + 1 < n) {
                *o++ = unescape(line[p + 1]);
                p += 2;
            } else if (line[p] == '"') {
                /* A closing quote must end the token. */
                if (p + 1 < n && !is_space(line[p + 1])) {
                    return -1;
                }
                p++;
                break;
            } else {
                *o++ = line[p++];
            }
        } else if (in_sq) {
            if (p == n) {
                return -1;
            }
            if (line[p] == '\\' && p + 1 < n && line[p + 1] == '\'') {
                *o++ = '\'';
                p += 2;
            } else if (line[p] == '\'') {
                if (p + 1 < n && !is_space(line[p + 1])) {
                    return -1;
                }
                p++;
                break;
            } else {
                *o++ = line[p++];
            }
        } else {
            if (p == n || line[p] == ' ' || line[p] == '\t' ||
                line[p] == '\r' || line[p] == '\n') {
                break;
            }
            if (line[p] == '"') {
                in_dq = 1;
            } else if (line[p] == '\'') {
                in_sq = 1;
            } else {
                *o++ = line[p];
            }
            p++;
        }
    }
    *i = p;
    *out = o;
    return 0;
}

/* Split @line into r->argv; the arguments are copied into r->scratch, which
 * is sized first so the slices stay valid (unescaping never grows). */
static int split_inline(struct request *r, const char *line, size_t n)
{
    size_t i = 0;
    char *out;

    buf_reset(&r->scratch);
    buf_reserve(&r->scratch, n);
    out = r->scratch.base;
    r->argc = 0;
    for (;;) {
        char *start;

        while (i < n && is_space(line[i])) {
            i++;
        }
        if (i == n) {
            return 0;
        }
        if (r->argc == r->limits->max_argc) {
            return fail(r, SK_ETOOBIG,
                        "Protocol error: too many arguments (max %zu)",
                        r->limits->max_argc);
        }
        start = out;
        if (inline_token(line, n, &i, &out) != 0) {
            return fail(r, SK_EPROTO,
                        "Protocol error: unbalanced quotes in request");
        }
        reserve_argv(r, r->argc + 1);
        r->argv[r->argc].base = start;
        r->argv[r->argc].len = (size_t)(out - start);
        r->argc++;
    }
}

/* Inline: one line ending in LF (CR optional). resume_offset records how far
 * the search for the LF got, so a line arriving byte by byte is scanned
 * once. The limit counts the bytes before the LF. */
static int parse_inline(struct request *r, const char *data, size_t len)
{
    size_t max = r->limits->max_inline_bytes;
    const char *lf =
        memchr(data + r->resume_offset, '\n', len - r->resume_offset);
    size_t end;
    size_t n;
    int rv;

    if (lf == NULL) {
        if (len > max) {
            return fail(r, SK_ETOOBIG,
                        "Protocol error: too big inline request");
        }
        r->resume_offset = len;
        return REQUEST_MORE;
    }
    end = (size_t)(lf - data);
    if (end > max) {
        return fail(r, SK_ETOOBIG, "Protocol error: too big inline request");
    }
    n = end;
    if (n > 0 && data[n - 1] == '\r') {
        n--;
    }
    rv = split_inline(r, data, n);
    if (rv != 0) {
        return rv;
    }
    r->consumed = end + 1;
    r->is_inline = 1;
    r->resume_offset = 0;
    return REQUEST_DONE;
}

int request_parse(struct request *r, const char *data, size_t len)
{
    assert(len >= r->resume_offset);

    r->argc = 0;
    r->consumed = 0;
    r->errmsg[0] = '\0';
    if (len == 0) {
        return REQUEST_MORE;
    }
    if (data[0] == '*') {
        return parse_multibulk(r, data, len);
    }
    return parse_inline(r, data, len);
}

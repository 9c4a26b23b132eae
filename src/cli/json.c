/* JSON output primitives for the CLI (json.h): escaping of arbitrary bytes,
 * with valid UTF-8 passed through. Used by the renderers in output.c. */
#include "cli/json.h"

#include <string.h>

/* Length of the valid UTF-8 sequence starting at @s (@len bytes left), or 0
 * for a byte that does not start one (RFC 3629 §4: no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
static size_t utf8_sequence_len(const unsigned char *s, size_t len)
{
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    size_t n;

    if (s[0] < 0x80) {
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        lo = (s[0] == 0xE0) ? 0xA0 : lo;
        hi = (s[0] == 0xED) ? 0x9F : hi;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        lo = (s[0] == 0xF0) ? 0x90 : lo;
        hi = (s[0] == 0xF4) ? 0x8F : hi;
    } else {
        return 0;
    }
    if (len < n || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF) {
            return 0;
        }
    }
    return n;
}

void json_escape_byte(FILE *f, unsigned char c)
{
    switch (c) {
    case '"':
        fputs("\\\"", f);
        return;
    case '\\':
        fputs("\\\\", f);
        return;
    case '\n':
        fputs("\\n", f);
        return;
    case '\r':
        fputs("\\r", f);
        return;
    case '\t':
        fputs("\\t", f);
        return;
    case '\b':
        fputs("\\b", f);
        return;
    case '\f':
        fputs("\\f", f);
        return;
    default:
        break;
    }
    if (c < 0x20 || c >= 0x7F) {
        fprintf(f, "\\u%04x", (unsigned)c);
    } else {
        fputc(c, f);
    }
}

void json_string(FILE *f, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    fputc('"', f);
    while (i < len) {
        size_t n = (p[i] >= 0x80) ? utf8_sequence_len(p + i, len - i) : 0;
        if (n > 1) {
            fwrite(p + i, 1, n, f);
            i += n;
        } else {
            json_escape_byte(f, p[i]);
            i++;
        }
    }
    fputc('"', f);
}

void json_key(FILE *f, const char *name)
{
    fprintf(f, "\"%s\":", name);
}

void json_cstring(FILE *f, const char *s)
{
    json_string(f, s, strlen(s));
}

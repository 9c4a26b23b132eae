/* Glob matching with Redis' stringmatchlen() semantics (case-sensitive), for
 * KEYS and other pattern arguments. */
#include "lib/glob.h"

/* Match one single-character token at @p (anything but '*') against @c.
 * Sets *token_len to the pattern bytes it spans. Follows Redis:
 * - '\x' matches x; a '\' ending the pattern matches itself;
 * - [abc], [^abc], [a-z] (bounds may be reversed), '\' escapes inside a
 *   class; a class missing its ']' runs to the end of the pattern. */
static int match_token(const unsigned char *pat,
                       size_t plen,
                       size_t p,
                       unsigned char c,
                       size_t *token_len)
{
    size_t i;
    int negate;
    int match = 0;

    switch (pat[p]) {
    case '?':
        *token_len = 1;
        return 1;
    case '\\':
        if (p + 1 < plen) {
            *token_len = 2;
            return pat[p + 1] == c;
        }
        *token_len = 1;
        return c == '\\';
    case '[':
        break;
    default:
        *token_len = 1;
        return pat[p] == c;
    }

    i = p + 1;
    negate = i < plen && pat[i] == '^';
    if (negate) {
        i++;
    }
    for (;;) {
        if (i >= plen) {
            /* No closing ']': the class takes the rest of the pattern. */
            *token_len = plen - p;
            break;
        }
        if (pat[i] == '\\' && i + 1 < plen) {
            if (pat[i + 1] == c) {
                match = 1;
            }
            i += 2;
        } else if (pat[i] == ']') {
            *token_len = i + 1 - p;
            break;
        } else if (i + 2 < plen && pat[i + 1] == '-') {
            unsigned char lo = pat[i];
            unsigned char hi = pat[i + 2];

            if (lo > hi) {
                unsigned char t = lo;
                lo = hi;
                hi = t;
            }
            if (c >= lo && c <= hi) {
                match = 1;
            }
            i += 3;
        } else {
            if (pat[i] == c) {
                match = 1;
            }
            i++;
        }
    }
    return negate ? !match : match;
}

/* Iterative matcher. Every token but '*' consumes exactly one byte, so on a
 * mismatch it is enough to let the most recent '*' swallow one more byte and
 * retry from just after it: earlier stars never need to be revisited. Work
 * is O(pattern_len * str_len), with no recursion. */
int glob_match(const char *pattern,
               size_t pattern_len,
               const char *str,
               size_t str_len)
{
    const unsigned char *pat = (const unsigned char *)pattern;
    const unsigned char *s = (const unsigned char *)str;
    size_t p = 0;
    size_t i = 0;
    size_t star_p = 0; /* pattern offset after the last '*' */
    size_t star_i = 0; /* where that star's match currently ends */
    int have_star = 0;

    while (i < str_len) {
        if (p < pattern_len && pat[p] == '*') {
            while (p < pattern_len && pat[p] == '*') {
                p++;
            }
            if (p == pattern_len) {
                return 1;
            }
            have_star = 1;
            star_p = p;
            star_i = i;
            continue;
        }
        if (p < pattern_len) {
            size_t token_len = 0;

            if (match_token(pat, pattern_len, p, s[i], &token_len)) {
                p += token_len;
                i++;
                continue;
            }
        }
        if (!have_star) {
            return 0;
        }
        star_i++;
        i = star_i;
        p = star_p;
    }
    while (p < pattern_len && pat[p] == '*') {
        p++;
    }
    return p == pattern_len;
}

size_t glob_literal_prefix(const char *pattern, size_t pattern_len)
{
    size_t i;

    for (i = 0; i < pattern_len; i++) {
        char c = pattern[i];

        if (c == '*' || c == '?' || c == '[' || c == '\\') {
            break;
        }
    }
    return i;
}

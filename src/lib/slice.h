/* A borrowed byte range: arguments, keys and values in flight. */
#ifndef SK_SLICE_H
#define SK_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct slice {
    const char *base; /* not owned */
    size_t len;
};

/* Copy @argc slices and the bytes they point to into one allocation, for a
 * request that must outlive its input buffer. Free it with mem_free(). */
struct slice *slice_copy_args(size_t argc, const struct slice *argv);

/* Parse @s as a plain decimal number: 1 to 20 digits, no sign, no spaces,
 * no overflow. Leading zeros are refused unless @s is "0", so each number
 * has one spelling. Returns false if @s is anything else. */
bool slice_to_u64(struct slice s, uint64_t *v);

/* Byte order of two byte strings, a proper prefix first (memcmp order on
 * the common part): <0, 0 or >0. Keys, election and group names sort so. */
static inline int
bytes_cmp(const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t n = a_len < b_len ? a_len : b_len;
    /* An empty string may be NULL: memcmp never sees it. */
    // cppcheck-suppress nullPointer
    int c = n > 0 ? memcmp(a, b, n) : 0;

    if (c != 0) {
        return c;
    }
    return (a_len > b_len) - (a_len < b_len);
}

/* Case-insensitive comparison of @s with the C string @word (command names). */
static inline int slice_eq_nocase(struct slice s, const char *word)
{
    size_t n = strlen(word);

    if (s.len != n) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char a = s.base[i];
        char b = word[i];
        if (a >= 'A' && a <= 'Z') {
            a = (char)(a - 'A' + 'a');
        }
        if (b >= 'A' && b <= 'Z') {
            b = (char)(b - 'A' + 'a');
        }
        if (a != b) {
            return 0;
        }
    }
    return 1;
}

#endif

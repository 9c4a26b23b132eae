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

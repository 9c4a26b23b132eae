/* Slices: copying a request's arguments out of the connection's buffer. */
#include "lib/slice.h"

#include "lib/mem.h"

struct slice *slice_copy_args(size_t argc, const struct slice *argv)
{
    size_t bytes = 0;
    struct slice *copy;
    char *data;

    for (size_t i = 0; i < argc; i++) {
        bytes += argv[i].len;
    }
    copy = mem_alloc(argc * sizeof *copy + bytes);
    data = (char *)(copy + argc);
    for (size_t i = 0; i < argc; i++) {
        if (argv[i].len > 0) {
            memcpy(data, argv[i].base, argv[i].len);
        }
        copy[i] = (struct slice){ data, argv[i].len };
        data += argv[i].len;
    }
    return copy;
}

bool slice_to_u64(struct slice s, uint64_t *v)
{
    uint64_t x = 0;

    if (s.len == 0 || s.len > 20 || (s.len > 1 && s.base[0] == '0')) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        char c = s.base[i];
        uint64_t d;

        if (c < '0' || c > '9') {
            return false;
        }
        d = (uint64_t)(c - '0');
        if (x > (UINT64_MAX - d) / 10) {
            return false;
        }
        x = x * 10 + d;
    }
    *v = x;
    return true;
}

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

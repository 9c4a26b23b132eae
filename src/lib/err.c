/* Error code table lookups, generated from SK_ERR_MAP. */
#include "lib/err.h"

const char *sk_strerror(int rv)
{
    switch (rv) {
#define X(name, num, prefix, msg) \
    case SK_##name:               \
        return msg;
        SK_ERR_MAP(X)
#undef X
    default:
        return "unknown error";
    }
}

const char *sk_errprefix(int rv)
{
    switch (rv) {
#define X(name, num, prefix, msg) \
    case SK_##name:               \
        return prefix;
        SK_ERR_MAP(X)
#undef X
    default:
        return "ERR";
    }
}

/* notify-keyspace-events flag strings; see notify_flags.h. */
#include "lib/notify_flags.h"

static const struct {
    char letter;
    unsigned flag;
} letters[] = {
    { 'g', NOTIFY_GENERIC },  { '$', NOTIFY_STRING },   { 'l', NOTIFY_LIST },
    { 's', NOTIFY_SET },      { 'h', NOTIFY_HASH },     { 'z', NOTIFY_ZSET },
    { 'x', NOTIFY_EXPIRED },  { 'e', NOTIFY_EVICTED },  { 't', NOTIFY_STREAM },
    { 'm', NOTIFY_KEY_MISS }, { 'd', NOTIFY_MODULE },   { 'n', NOTIFY_NEW },
    { 'K', NOTIFY_KEYSPACE }, { 'E', NOTIFY_KEYEVENT },
};

#define N_LETTERS (sizeof letters / sizeof letters[0])

bool notify_flags_parse(const char *s, size_t len, unsigned *flags)
{
    unsigned f = 0;

    for (size_t i = 0; i < len; i++) {
        size_t j;

        if (s[i] == 'A') {
            f |= NOTIFY_ALL;
            continue;
        }
        for (j = 0; j < N_LETTERS && letters[j].letter != s[i]; j++) {
        }
        if (j == N_LETTERS) {
            return false;
        }
        f |= letters[j].flag;
    }
    *flags = f;
    return true;
}

/* Redis' order: A or the class letters (then n), K, E, m. */
void notify_flags_format(unsigned flags, char *out)
{
    size_t n = 0;

    if ((flags & NOTIFY_ALL) == NOTIFY_ALL) {
        out[n++] = 'A';
    } else {
        for (size_t j = 0; j < N_LETTERS; j++) {
            unsigned f = letters[j].flag;
            if ((f & NOTIFY_ALL) && (flags & f)) {
                out[n++] = letters[j].letter;
            }
        }
        if (flags & NOTIFY_NEW) {
            out[n++] = 'n';
        }
    }
    if (flags & NOTIFY_KEYSPACE) {
        out[n++] = 'K';
    }
    if (flags & NOTIFY_KEYEVENT) {
        out[n++] = 'E';
    }
    if (flags & NOTIFY_KEY_MISS) {
        out[n++] = 'm';
    }
    out[n] = '\0';
}

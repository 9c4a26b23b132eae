/* Redis' notify-keyspace-events classes (CONFIG SET notify-keyspace-events
 * "KEA"): which keyspace notifications a node publishes. scalekeeper's
 * events are "set" (class $), "del" (class g) and "expired" (class x). */
#ifndef SK_NOTIFY_FLAGS_H
#define SK_NOTIFY_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

enum notify_flag {
    NOTIFY_KEYSPACE = 1 << 0,  /* K: __keyspace@0__:<key> channels */
    NOTIFY_KEYEVENT = 1 << 1,  /* E: __keyevent@0__:<event> channels */
    NOTIFY_GENERIC = 1 << 2,   /* g */
    NOTIFY_STRING = 1 << 3,    /* $ */
    NOTIFY_LIST = 1 << 4,      /* l */
    NOTIFY_SET = 1 << 5,       /* s */
    NOTIFY_HASH = 1 << 6,      /* h */
    NOTIFY_ZSET = 1 << 7,      /* z */
    NOTIFY_EXPIRED = 1 << 8,   /* x */
    NOTIFY_EVICTED = 1 << 9,   /* e */
    NOTIFY_STREAM = 1 << 10,   /* t */
    NOTIFY_KEY_MISS = 1 << 11, /* m (not part of A) */
    NOTIFY_MODULE = 1 << 12,   /* d */
    NOTIFY_NEW = 1 << 13,      /* n (not part of A) */
};

/* What "A" stands for, as in Redis. */
#define NOTIFY_ALL                                                             \
    (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | \
     NOTIFY_ZSET | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM |           \
     NOTIFY_MODULE)

/* Parse a flag string as Redis does; false on an unknown character. */
bool notify_flags_parse(const char *s, size_t len, unsigned *flags);

/* The canonical string of @flags ("AKE" for all), into @out (>= 20 bytes). */
void notify_flags_format(unsigned flags, char *out);

#endif

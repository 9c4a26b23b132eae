/* Allocation wrappers: memory is bounded by limits checked before allocating,
 * so exhaustion here is a bug or a misconfigured machine, and fatal. */
#include "lib/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mem_fatal(size_t size)
{
    fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", size);
    abort();
}

void *mem_alloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL) {
        mem_fatal(size);
    }
    return p;
}

void *mem_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL) {
        mem_fatal(n * size);
    }
    return p;
}

void *mem_realloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (q == NULL) {
        mem_fatal(size);
    }
    return q;
}

char *mem_strndup(const char *p, size_t len)
{
    char *s = mem_alloc(len + 1);
    if (len > 0) {
        memcpy(s, p, len);
    }
    s[len] = '\0';
    return s;
}

char *mem_strdup(const char *s)
{
    return mem_strndup(s, strlen(s));
}

void mem_free(void *p)
{
    free(p);
}

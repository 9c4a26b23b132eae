/* Allocation wrappers that never return NULL: out of memory is fatal. */
#ifndef SK_MEM_H
#define SK_MEM_H

#include <stddef.h>

/* Allocate @size bytes (at least 1); logs and aborts when memory is exhausted.
 */
void *mem_alloc(size_t size);

/* Allocate @n zeroed objects of @size bytes; aborts on overflow or exhaustion.
 */
void *mem_calloc(size_t n, size_t size);

/* Resize @p to @size bytes; aborts when memory is exhausted. */
void *mem_realloc(void *p, size_t size);

/* Copy @len bytes of @p into a new NUL-terminated allocation. */
char *mem_strndup(const char *p, size_t len);

/* Copy the C string @s. */
char *mem_strdup(const char *s);

void mem_free(void *p);

#endif

/* Redis-style glob matching for KEYS: * ? [abc] [^a] [a-z] and \x escapes. */
#ifndef SK_GLOB_H
#define SK_GLOB_H

#include <stddef.h>

/* Returns 1 if @str matches @pattern, else 0. Binary-safe; recursion depth
 * and work are bounded so a hostile pattern cannot stall the node. */
int glob_match(const char *pattern,
               size_t pattern_len,
               const char *str,
               size_t str_len);

/* The literal prefix of @pattern before its first special character
 * (* ? [ \), so a listing can seek there instead of scanning everything. */
size_t glob_literal_prefix(const char *pattern, size_t pattern_len);

#endif

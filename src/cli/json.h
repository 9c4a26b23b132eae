/* JSON output primitives for the CLI: quoted strings from arbitrary bytes
 * (UTF-8 checked) and object keys, written to a FILE. */
#ifndef SK_JSON_H
#define SK_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Write @s (@len bytes, any content) to @f as a quoted JSON string.
 *
 * Valid UTF-8 is copied as is; '"', '\\' and control characters are escaped;
 * DEL and every byte that is not part of a valid UTF-8 sequence is written as
 * \u00XX, so binary values give valid JSON (but such a byte cannot be told
 * apart from the character U+00XX). */
void json_string(FILE *f, const char *s, size_t len);

/* json_string() of the C string @s. */
void json_cstring(FILE *f, const char *s);

/* Write `"name":`; @name is a plain identifier, written unescaped. */
void json_key(FILE *f, const char *name);

/* Write the single byte @c as it appears inside a JSON string: escaped when
 * it is '"', '\\', a control character, DEL or above 0x7F, else as is. For
 * building a string piecewise; the caller writes the quotes. */
void json_escape_byte(FILE *f, unsigned char c);

#endif

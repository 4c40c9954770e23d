/* oh_json: JSON string escaping that PostgreSQL's jsonb always accepts. */

#ifndef OH_JSON_H
#define OH_JSON_H

#include <stddef.h>

/* Worst-case output size of oh_json_escape() for `len` input bytes. */
#define oh_json_escape_max(len)  ((len) * 6)

/*
 * Writes the JSON string contents (no surrounding quotes) for `src` into
 * `dst`: control characters escaped, invalid UTF-8 and NUL (which jsonb
 * refuses) replaced by U+FFFD.  Returns the bytes written.
 */
size_t oh_json_escape(char *dst, const unsigned char *src, size_t len);

#endif /* OH_JSON_H */

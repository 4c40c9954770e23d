/* oh_json: JSON without allocation: escaping for jsonb, a member scan. */

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

#define OH_JSON_DEPTH_MAX   64     /* nesting the member scan decides alone */
#define OH_JSON_NUMBER_MAX  63     /* cJSON reads a number from 63 bytes */

typedef enum {
    OH_JSON_ABSENT = 0,
    OH_JSON_STRING,
    OH_JSON_ARRAY,
    OH_JSON_OTHER                  /* object, number, true, false, null */
} oh_json_type_t;

typedef struct {
    const char      *name;         /* set by the caller: no escapes */
    oh_json_type_t   type;         /* of the member's first occurrence */
    const char      *value;        /* OH_JSON_STRING: raw contents */
    size_t           len;
} oh_json_member_t;

/*
 * Checks that `doc` is one strict RFC 8259 JSON text and, when it is an
 * object, finds the first occurrence of each of the `n` top-level members
 * named in `members` (a string value is returned as it is in `doc`).
 * Returns 1 when it decided; 0 when `doc` is not strict JSON or needs
 * more than this scan does (nesting beyond OH_JSON_DEPTH_MAX, a number
 * longer than OH_JSON_NUMBER_MAX, an escape in a top-level name or in a
 * wanted string value, a lone UTF-16 surrogate): the caller then parses
 * `doc` with cJSON, whose result the scan matches whenever it returns 1.
 * Allocates nothing.
 */
int oh_json_members(const unsigned char *doc, size_t len,
    oh_json_member_t *members, size_t n);

/*
 * Whether the `len` bytes at `s` are exactly one RFC 8259 number of at
 * most OH_JSON_NUMBER_MAX bytes (the member scan's rule).
 */
int oh_json_is_number(const char *s, size_t len);

#endif /* OH_JSON_H */

/* oh_track_query: the order-lookup form: parse, decode and validate. */

#ifndef OH_TRACK_QUERY_H
#define OH_TRACK_QUERY_H

#include <stddef.h>

#define OH_TRACK_ORDER_MAX  64      /* bytes of an order number */
#define OH_TRACK_EMAIL_MAX  254     /* bytes of an address (RFC 5321) */

typedef struct {
    char   order[OH_TRACK_ORDER_MAX + 1];    /* null-terminated */
    char   email[OH_TRACK_EMAIL_MAX + 1];    /* null-terminated */
    char   order_key[OH_TRACK_ORDER_MAX + 1];  /* lower case: rate key */
} oh_track_query_t;

typedef enum {
    OH_TRACK_OK = 0,
    OH_TRACK_MISSING_ORDER,     /* no "order" field, or it is empty */
    OH_TRACK_MISSING_EMAIL,     /* no "email" field, or it is empty */
    OH_TRACK_BAD_ORDER,         /* too long or a character not allowed */
    OH_TRACK_BAD_EMAIL,         /* too long, control characters, no '@' */
    OH_TRACK_BAD_ENCODING       /* a broken %-escape */
} oh_track_status_t;

/*
 * Parses an application/x-www-form-urlencoded string (a query string or
 * a form body) for the fields "order" and "email".  Values are decoded
 * ('+' is a space, %XX a byte) and trimmed of surrounding spaces; the
 * first occurrence of a field wins; other fields are ignored.  An order
 * number is 1 to 64 characters from A-Z a-z 0-9 and "-_./#"; an email
 * is up to 254 printable characters with an '@' that is neither first
 * nor last.
 */
oh_track_status_t oh_track_query_parse(const char *s, size_t len,
    oh_track_query_t *q);

/* A short machine-readable name for a status, e.g. "missing_email". */
const char *oh_track_status_name(oh_track_status_t st);

#endif /* OH_TRACK_QUERY_H */

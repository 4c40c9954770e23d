/* oh_track_query: the order-lookup form: parse, decode and validate. */

#include <string.h>

#include "oh_track_query.h"


static int oh_track_hex(char c);
static int oh_track_decode(const char *s, size_t len, char *dst,
    size_t max, size_t *out);
static void oh_track_trim(char *s, size_t *len);
static int oh_track_order_char(char c);
static oh_track_status_t oh_track_check_order(oh_track_query_t *q);
static oh_track_status_t oh_track_check_email(const oh_track_query_t *q);


oh_track_status_t
oh_track_query_parse(const char *s, size_t len, oh_track_query_t *q)
{
    int          have_order, have_email, rc;
    char        *dst;
    size_t       i, start, eq, n, max;
    const char  *name;

    memset(q, 0, sizeof(*q));
    have_order = 0;
    have_email = 0;

    for (start = 0; start <= len; start = i + 1) {

        for (i = start; i < len && s[i] != '&'; i++) { /* void */ }

        for (eq = start; eq < i && s[eq] != '='; eq++) { /* void */ }

        name = s + start;
        n = eq - start;

        if (n == 5 && memcmp(name, "order", 5) == 0 && !have_order) {
            dst = q->order;
            max = OH_TRACK_ORDER_MAX;
            have_order = 1;

        } else if (n == 5 && memcmp(name, "email", 5) == 0 && !have_email) {
            dst = q->email;
            max = OH_TRACK_EMAIL_MAX;
            have_email = 1;

        } else {
            continue;
        }

        if (eq == i) {
            continue;           /* "order" without a value: empty */
        }

        rc = oh_track_decode(s + eq + 1, i - eq - 1, dst, max, &n);

        if (rc == -2) {
            return OH_TRACK_BAD_ENCODING;
        }

        if (rc == -1) {
            return dst == q->order ? OH_TRACK_BAD_ORDER : OH_TRACK_BAD_EMAIL;
        }

        oh_track_trim(dst, &n);
    }

    if (q->order[0] == '\0') {
        return OH_TRACK_MISSING_ORDER;
    }

    if (q->email[0] == '\0') {
        return OH_TRACK_MISSING_EMAIL;
    }

    rc = oh_track_check_order(q);
    if (rc != OH_TRACK_OK) {
        return rc;
    }

    return oh_track_check_email(q);
}


const char *
oh_track_status_name(oh_track_status_t st)
{
    switch (st) {
    case OH_TRACK_OK:
        return "ok";
    case OH_TRACK_MISSING_ORDER:
        return "missing_order";
    case OH_TRACK_MISSING_EMAIL:
        return "missing_email";
    case OH_TRACK_BAD_ORDER:
        return "invalid_order";
    case OH_TRACK_BAD_EMAIL:
        return "invalid_email";
    case OH_TRACK_BAD_ENCODING:
        return "invalid_encoding";
    }

    return "invalid";
}


static int
oh_track_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


/* Returns 0, -1 when the value is longer than max, -2 on a bad escape. */

static int
oh_track_decode(const char *s, size_t len, char *dst, size_t max,
    size_t *out)
{
    int     hi, lo;
    char    c;
    size_t  i, n;

    n = 0;

    for (i = 0; i < len; i++) {
        c = s[i];

        if (c == '+') {
            c = ' ';

        } else if (c == '%') {
            if (i + 2 >= len) {
                return -2;
            }

            hi = oh_track_hex(s[i + 1]);
            lo = oh_track_hex(s[i + 2]);

            if (hi < 0 || lo < 0) {
                return -2;
            }

            c = (char) (hi << 4 | lo);
            i += 2;
        }

        if (n == max) {
            return -1;
        }

        dst[n++] = c;
    }

    dst[n] = '\0';
    *out = n;

    return 0;
}


static void
oh_track_trim(char *s, size_t *len)
{
    size_t  start, end;

    start = 0;
    end = *len;

    while (start < end && (s[start] == ' ' || s[start] == '\t')) {
        start++;
    }

    while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t')) {
        end--;
    }

    memmove(s, s + start, end - start);
    s[end - start] = '\0';
    *len = end - start;
}


static int
oh_track_order_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9')
           || c == '-' || c == '_' || c == '.' || c == '/' || c == '#';
}


static oh_track_status_t
oh_track_check_order(oh_track_query_t *q)
{
    char    c;
    size_t  i;

    for (i = 0; q->order[i]; i++) {
        c = q->order[i];

        if (!oh_track_order_char(c)) {
            return OH_TRACK_BAD_ORDER;
        }

        q->order_key[i] = (c >= 'A' && c <= 'Z') ? (char) (c | 0x20) : c;
    }

    q->order_key[i] = '\0';

    return OH_TRACK_OK;
}


static oh_track_status_t
oh_track_check_email(const oh_track_query_t *q)
{
    size_t          i, at;
    unsigned char   c;

    at = 0;

    for (i = 0; q->email[i]; i++) {
        c = (unsigned char) q->email[i];

        if (c <= 0x20 || c == 0x7f) {
            return OH_TRACK_BAD_EMAIL;
        }

        if (c == '@') {
            at = i;
        }
    }

    if (at == 0 || q->email[at + 1] == '\0') {
        return OH_TRACK_BAD_EMAIL;
    }

    return OH_TRACK_OK;
}

/* pgarray: PostgreSQL array literals, passed as one text parameter. */

#include <stdlib.h>
#include <string.h>
#include "pgarray.h"

static void pgarray_put(pgarray_t *a, const char *s, size_t n);


void
pgarray_init(pgarray_t *a)
{
    memset(a, 0, sizeof(*a));
}


static void
pgarray_put(pgarray_t *a, const char *s, size_t n)
{
    char    *p;
    size_t   cap;

    if (a->failed) {
        return;
    }
    if (a->len + n + 2 > a->cap) {
        cap = a->cap ? a->cap : 256;
        while (a->len + n + 2 > cap) {
            cap *= 2;
        }
        p = realloc(a->buf, cap);
        if (p == NULL) {
            a->failed = 1;
            return;
        }
        a->buf = p;
        a->cap = cap;
    }
    memcpy(a->buf + a->len, s, n);
    a->len += n;
}


void
pgarray_add(pgarray_t *a, const char *s)
{
    const char  *p;

    pgarray_put(a, a->n++ ? "," : "{", 1);
    if (s == NULL) {
        pgarray_put(a, "NULL", 4);
        return;
    }
    pgarray_put(a, "\"", 1);
    for (p = s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            pgarray_put(a, "\\", 1);
        }
        pgarray_put(a, p, 1);
    }
    pgarray_put(a, "\"", 1);
}


const char *
pgarray_text(pgarray_t *a)
{
    if (a->n == 0) {
        pgarray_put(a, "{", 1);
    }
    pgarray_put(a, "}", 1);
    if (a->failed) {
        return NULL;
    }
    a->buf[a->len] = '\0';
    return a->buf;
}


void
pgarray_free(pgarray_t *a)
{
    free(a->buf);
    memset(a, 0, sizeof(*a));
}

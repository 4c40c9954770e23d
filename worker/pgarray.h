/* pgarray: PostgreSQL array literals, passed as one text parameter. */

#ifndef OH_WORKER_PGARRAY_H
#define OH_WORKER_PGARRAY_H

#include <stddef.h>

typedef struct {
    char    *buf;
    size_t   len, cap;
    int      n;
    int      failed;               /* an allocation failed */
} pgarray_t;

void pgarray_init(pgarray_t *a);

/* Appends an element; NULL appends SQL NULL. */
void pgarray_add(pgarray_t *a, const char *s);

/*
 * Ends the literal and returns it, e.g. {"a","b\\"c",NULL}; NULL after
 * an allocation failure.  Add nothing after this.
 */
const char *pgarray_text(pgarray_t *a);

void pgarray_free(pgarray_t *a);

#endif /* OH_WORKER_PGARRAY_H */

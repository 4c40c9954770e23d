/* oh_backoff: retry delays with jitter for events that failed. */

#include <stdlib.h>
#include "oh_backoff.h"

static int oh_backoff_step(const char **p, uint32_t *out);


void
oh_backoff_default(oh_backoff_t *b)
{
    unsigned  i;

    b->nsteps = 5;
    for (i = 0; i < b->nsteps; i++) {
        b->delays[i] = (uint32_t) (300u << i);
    }
    b->jitter_pct = 10;
}


static int
oh_backoff_step(const char **p, uint32_t *out)
{
    const char  *s = *p;
    uint64_t     v = 0;
    unsigned     mult = 1;

    while (*s == ' ') {
        s++;
    }
    if (*s < '0' || *s > '9') {
        return -1;
    }
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (uint64_t) (*s - '0');
        if (v > 366u * 86400u) {
            return -1;
        }
    }
    switch (*s) {
    case 's': s++; break;
    case 'm': mult = 60; s++; break;
    case 'h': mult = 3600; s++; break;
    default: break;
    }
    while (*s == ' ') {
        s++;
    }
    v *= mult;
    if (v == 0 || v > 366u * 86400u) {
        return -1;
    }
    *out = (uint32_t) v;
    *p = s;
    return 0;
}


int
oh_backoff_parse(oh_backoff_t *b, const char *spec)
{
    oh_backoff_t  t = *b;
    const char   *p = spec;

    t.nsteps = 0;
    for (;;) {
        if (t.nsteps == OH_BACKOFF_MAX_STEPS
            || oh_backoff_step(&p, &t.delays[t.nsteps]) != 0)
        {
            return -1;
        }
        t.nsteps++;
        if (*p == '\0') {
            break;
        }
        if (*p++ != ',') {
            return -1;
        }
    }
    *b = t;
    return 0;
}


int64_t
oh_backoff_delay(const oh_backoff_t *b, unsigned attempts, uint32_t rnd)
{
    int64_t  d, span, j;

    if (attempts == 0 || attempts > b->nsteps) {
        return -1;
    }
    d = b->delays[attempts - 1];
    /* uniform in [-jitter, +jitter] per mille of d, rounded to seconds */
    span = (int64_t) b->jitter_pct * 10;
    j = (int64_t) (rnd % (uint32_t) (2 * span + 1)) - span;
    d += (d * j) / 1000;
    return d < 1 ? 1 : d;
}

/* oh_backoff: retry delays with jitter for events that failed. */

#ifndef OH_BACKOFF_H
#define OH_BACKOFF_H

#include <stdint.h>

#define OH_BACKOFF_MAX_STEPS  32

typedef struct {
    unsigned   nsteps;
    uint32_t   delays[OH_BACKOFF_MAX_STEPS];   /* seconds */
    unsigned   jitter_pct;                     /* 0..50 */
} oh_backoff_t;

/* The default: 5, 10, 20, 40, 80 minutes, +-10 %. */
void oh_backoff_default(oh_backoff_t *b);

/*
 * Parses a comma-separated list of delays, each a positive integer with
 * an optional unit s, m or h (default s): "5m,10m,20m,40m,80m".  Leaves
 * `b->jitter_pct` untouched.  Returns 0, or -1 when the list is invalid.
 */
int oh_backoff_parse(oh_backoff_t *b, const char *spec);

/*
 * Delay in seconds before the next try, after `attempts` failed tries
 * (1 = the first failure), with jitter drawn from `rnd` (any 32-bit
 * random value).  Returns -1 when the retries are used up: the event is
 * dead.
 */
int64_t oh_backoff_delay(const oh_backoff_t *b, unsigned attempts,
    uint32_t rnd);

#endif /* OH_BACKOFF_H */

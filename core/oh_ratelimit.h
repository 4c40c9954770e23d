/* oh_ratelimit: leaky-bucket arithmetic for per-key request budgets. */

#ifndef OH_RATELIMIT_H
#define OH_RATELIMIT_H

#include <stdint.h>

/*
 * A budget admits `rate` requests per minute on average (kept in
 * thousandths of a request per minute, so 120r/m is 120000 and 1r/s is
 * 60000: both units stay exact) from a bucket
 * that holds `burst` requests: an idle client may send `burst` requests
 * at once, then requests at the rate.  The state of one key is the
 * bucket's level, in thousandths of a request, and the time it was last
 * updated.  The state is plain data: it lives in nginx shared
 * memory and is updated under the zone's lock.
 */

typedef struct {
    uint64_t   rate;        /* thousandths of a request a minute, > 0 */
    uint64_t   burst;       /* requests, >= 1 */
} oh_rl_conf_t;

typedef struct {
    uint64_t   level;       /* thousandths of a request */
    uint64_t   last_ms;     /* time of the last update */
} oh_rl_state_t;

typedef enum {
    OH_RL_PASS = 0,
    OH_RL_LIMITED
} oh_rl_verdict_t;

/*
 * Parses "<N>r/s" or "<N>r/m" (N from 1 to 1000000) into `rate`.
 * Returns 0, or -1 when the text is not a rate.
 */
int oh_rl_parse_rate(const char *s, size_t len, uint64_t *rate);

/* A fresh state: empty bucket, last updated at `now_ms`. */
void oh_rl_init(oh_rl_state_t *st, uint64_t now_ms);

/*
 * Admits one request at `now_ms` if the budget has room and counts it;
 * otherwise leaves the state as it was, stores in `*retry_ms` how long
 * until a request would be admitted, and returns OH_RL_LIMITED.
 */
oh_rl_verdict_t oh_rl_take(const oh_rl_conf_t *conf, oh_rl_state_t *st,
    uint64_t now_ms, uint64_t *retry_ms);

/*
 * Like oh_rl_take() without counting the request: would one be admitted
 * now?  Used to turn a client away before it costs anything.
 */
oh_rl_verdict_t oh_rl_peek(const oh_rl_conf_t *conf,
    const oh_rl_state_t *st, uint64_t now_ms, uint64_t *retry_ms);

/*
 * Counts a request that has already been served (a failed signature,
 * say), whether or not the budget had room; the level is capped at a
 * full bucket so the penalty never grows without bound.
 */
void oh_rl_charge(const oh_rl_conf_t *conf, oh_rl_state_t *st,
    uint64_t now_ms);

/* True when the bucket has drained completely: the state can be dropped. */
int oh_rl_idle(const oh_rl_conf_t *conf, const oh_rl_state_t *st,
    uint64_t now_ms);

/* Seconds for a Retry-After header: `retry_ms` rounded up, at least 1. */
uint64_t oh_rl_retry_after(uint64_t retry_ms);

#endif /* OH_RATELIMIT_H */

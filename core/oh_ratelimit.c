/* oh_ratelimit: leaky-bucket arithmetic for per-key request budgets. */

#include <stddef.h>

#include "oh_ratelimit.h"


#define OH_RL_ONE        1000       /* one request, in thousandths */
#define OH_RL_MINUTE     60000      /* ms */
#define OH_RL_MAX_RATE   1000000


int
oh_rl_parse_rate(const char *s, size_t len, uint64_t *rate)
{
    size_t    i;
    uint64_t  n;

    n = 0;

    for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        n = n * 10 + (uint64_t) (s[i] - '0');

        if (n > OH_RL_MAX_RATE) {
            return -1;
        }
    }

    if (i == 0 || n == 0 || len - i != 3 || s[i] != 'r' || s[i + 1] != '/') {
        return -1;
    }

    switch (s[i + 2]) {

    case 's':
        *rate = n * OH_RL_ONE * 60;
        return 0;

    case 'm':
        *rate = n * OH_RL_ONE;
        return 0;

    default:
        return -1;
    }
}


void
oh_rl_init(oh_rl_state_t *st, uint64_t now_ms)
{
    st->level = 0;
    st->last_ms = now_ms;
}


/* The level left at `now_ms` after the bucket leaked since last_ms. */

static uint64_t
oh_rl_drained(const oh_rl_conf_t *conf, const oh_rl_state_t *st,
    uint64_t now_ms)
{
    uint64_t  elapsed, leaked;

    /* a clock that went backwards leaks nothing */
    elapsed = now_ms > st->last_ms ? now_ms - st->last_ms : 0;

    /* past the time a full bucket needs to drain, it is empty */
    if (elapsed > OH_RL_MINUTE * (st->level / conf->rate + 1)) {
        return 0;
    }

    leaked = conf->rate * elapsed / OH_RL_MINUTE;

    return st->level > leaked ? st->level - leaked : 0;
}


/*
 * A request is admitted when the bucket, after counting it, holds at most
 * `burst` requests; otherwise the wait is the time the bucket needs to
 * leak the difference.
 */

static oh_rl_verdict_t
oh_rl_judge(const oh_rl_conf_t *conf, uint64_t level, uint64_t *retry_ms)
{
    uint64_t  limit, over;

    limit = conf->burst * OH_RL_ONE;

    if (level + OH_RL_ONE <= limit) {
        return OH_RL_PASS;
    }

    over = level + OH_RL_ONE - limit;
    *retry_ms = (over * OH_RL_MINUTE + conf->rate - 1) / conf->rate;

    return OH_RL_LIMITED;
}


oh_rl_verdict_t
oh_rl_peek(const oh_rl_conf_t *conf, const oh_rl_state_t *st,
    uint64_t now_ms, uint64_t *retry_ms)
{
    return oh_rl_judge(conf, oh_rl_drained(conf, st, now_ms), retry_ms);
}


oh_rl_verdict_t
oh_rl_take(const oh_rl_conf_t *conf, oh_rl_state_t *st, uint64_t now_ms,
    uint64_t *retry_ms)
{
    uint64_t  level;

    level = oh_rl_drained(conf, st, now_ms);

    if (oh_rl_judge(conf, level, retry_ms) != OH_RL_PASS) {
        return OH_RL_LIMITED;
    }

    st->level = level + OH_RL_ONE;
    st->last_ms = now_ms;

    return OH_RL_PASS;
}


void
oh_rl_charge(const oh_rl_conf_t *conf, oh_rl_state_t *st, uint64_t now_ms)
{
    uint64_t  level, cap;

    level = oh_rl_drained(conf, st, now_ms) + OH_RL_ONE;
    cap = conf->burst * OH_RL_ONE;

    st->level = level < cap ? level : cap;
    st->last_ms = now_ms;
}


int
oh_rl_idle(const oh_rl_conf_t *conf, const oh_rl_state_t *st,
    uint64_t now_ms)
{
    return oh_rl_drained(conf, st, now_ms) == 0;
}


uint64_t
oh_rl_retry_after(uint64_t retry_ms)
{
    uint64_t  s;

    s = (retry_ms + 999) / 1000;

    return s ? s : 1;
}

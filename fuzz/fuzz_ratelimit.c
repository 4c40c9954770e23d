/* fuzz_ratelimit: rate parsing and the leaky bucket under any clock. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oh_ratelimit.h"

#define FUZZ_RL_MAX_RATE   60000000000ULL   /* 1000000r/s */
#define FUZZ_RL_MAX_BURST  60000000ULL      /* default burst at that rate */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what);
static uint64_t fuzz_u64(const uint8_t **p, const uint8_t *end);
static void fuzz_rl_run(const oh_rl_conf_t *conf, const uint8_t *p,
    const uint8_t *end);


static void
fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_ratelimit: property violated: %s\n", what);
    abort();
}


static uint64_t
fuzz_u64(const uint8_t **p, const uint8_t *end)
{
    uint64_t  v = 0;
    int       i;

    for (i = 0; i < 8 && *p < end; i++, (*p)++) {
        v = v << 8 | **p;
    }
    return v;
}


/*
 * Each 3-byte step: an operation and a clock move (mostly forward, at
 * times backwards, as a wall clock can).  The bucket never holds more
 * than `burst` requests; a refused request leaves the state alone and
 * names a wait; peek and take agree.
 */
static void
fuzz_rl_run(const oh_rl_conf_t *conf, const uint8_t *p, const uint8_t *end)
{
    oh_rl_state_t    st, before;
    oh_rl_verdict_t  peek, take;
    uint64_t         now, retry, retry2, delta;

    now = 1700000000000ULL;
    oh_rl_init(&st, now);

    while (end - p >= 3) {
        delta = (uint64_t) p[1] << 8 | p[2];
        if (p[0] & 0x80) {
            now = now > delta ? now - delta : 0;
        } else {
            now += delta * ((p[0] & 0x40) ? 1000 : 1);
        }

        before = st;
        retry = retry2 = 0;
        switch (p[0] & 0x03) {
        case 0:
        case 1:
            peek = oh_rl_peek(conf, &st, now, &retry2);
            take = oh_rl_take(conf, &st, now, &retry);
            if (peek != take) {
                fuzz_fail("peek and take disagree");
            }
            if (take == OH_RL_LIMITED
                && (memcmp(&st, &before, sizeof(st)) != 0 || retry == 0
                    || retry != retry2))
            {
                fuzz_fail("a refusal changed the state or named no wait");
            }
            if (oh_rl_retry_after(retry) == 0) {
                fuzz_fail("Retry-After of zero");
            }
            break;
        case 2:
            oh_rl_charge(conf, &st, now);
            break;
        default:
            if (oh_rl_idle(conf, &st, now)
                && oh_rl_peek(conf, &st, now, &retry) != OH_RL_PASS)
            {
                fuzz_fail("an idle bucket refuses a request");
            }
            break;
        }
        if (st.level > conf->burst * 1000) {
            fuzz_fail("bucket above its burst");
        }
        p += 3;
    }
}


/*
 * Byte 0: length of a rate text parsed with oh_rl_parse_rate; then
 * 8 bytes of rate, 8 of burst (both reduced to the configurable range)
 * when the text is not a rate, then the steps.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t  *p, *end = data + size;
    char           *text;
    size_t          tlen;
    uint64_t        rate;
    oh_rl_conf_t    conf;

    if (size < 1) {
        return 0;
    }
    tlen = data[0] % 16;
    if (tlen > size - 1) {
        tlen = size - 1;
    }
    text = malloc(tlen ? tlen : 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data + 1, tlen);
    p = data + 1 + tlen;

    if (oh_rl_parse_rate(text, tlen, &rate) == 0) {
        if (rate < 1000 || rate > FUZZ_RL_MAX_RATE || rate % 1000 != 0) {
            fuzz_fail("parsed rate outside 1r/m..1000000r/s");
        }
        conf.rate = rate;
    } else {
        conf.rate = fuzz_u64(&p, end) % FUZZ_RL_MAX_RATE + 1;
    }
    conf.burst = fuzz_u64(&p, end) % FUZZ_RL_MAX_BURST + 1;

    fuzz_rl_run(&conf, p, end);

    free(text);
    return 0;
}

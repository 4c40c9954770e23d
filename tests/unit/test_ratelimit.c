/* test_ratelimit: bucket arithmetic, bursts, Retry-After and charges. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "oh_ratelimit.h"


static void
test_parse_rate(void **state)
{
    uint64_t  r;

    (void) state;
    assert_int_equal(oh_rl_parse_rate("5r/s", 4, &r), 0);
    assert_int_equal(r, 300000);
    assert_int_equal(oh_rl_parse_rate("120r/m", 6, &r), 0);
    assert_int_equal(r, 120000);
    assert_int_equal(oh_rl_parse_rate("1r/m", 4, &r), 0);
    assert_int_equal(r, 1000);
    assert_int_equal(oh_rl_parse_rate("1000000r/s", 10, &r), 0);
    assert_int_equal(r, 60000000000ULL);

    assert_int_equal(oh_rl_parse_rate("0r/s", 4, &r), -1);
    assert_int_equal(oh_rl_parse_rate("r/s", 3, &r), -1);
    assert_int_equal(oh_rl_parse_rate("5r/h", 4, &r), -1);
    assert_int_equal(oh_rl_parse_rate("5rs", 3, &r), -1);
    assert_int_equal(oh_rl_parse_rate("5r/ss", 5, &r), -1);
    assert_int_equal(oh_rl_parse_rate("1000001r/s", 10, &r), -1);
    assert_int_equal(oh_rl_parse_rate("-5r/s", 5, &r), -1);
    /* the length bounds the text: "5r/s" cut to "5r/" */
    assert_int_equal(oh_rl_parse_rate("5r/s", 3, &r), -1);
}


/* An idle client gets exactly `burst` requests at once, then is limited. */

static void
test_burst_exact(void **state)
{
    uint64_t       retry;
    unsigned       i, passed;
    oh_rl_conf_t   conf = { 60000, 5 };            /* 1r/s burst=5 */
    oh_rl_state_t  st;

    (void) state;
    oh_rl_init(&st, 10000);
    passed = 0;

    for (i = 0; i < 12; i++) {
        retry = 0;
        if (oh_rl_take(&conf, &st, 10000, &retry) == OH_RL_PASS) {
            passed++;
        } else {
            assert_int_equal(retry, 1000);
        }
    }

    assert_int_equal(passed, 5);
    assert_int_equal(st.level, 5000);
}


static void
test_leak_and_retry(void **state)
{
    uint64_t       retry;
    oh_rl_conf_t   conf = { 120000, 2 };           /* 120r/m burst=2 */
    oh_rl_state_t  st;

    (void) state;
    oh_rl_init(&st, 0);
    assert_int_equal(oh_rl_take(&conf, &st, 0, &retry), OH_RL_PASS);
    assert_int_equal(oh_rl_take(&conf, &st, 0, &retry), OH_RL_PASS);
    assert_int_equal(oh_rl_take(&conf, &st, 0, &retry), OH_RL_LIMITED);
    assert_int_equal(retry, 500);

    /* 300 ms later 0.6 of a request leaked: still 200 ms to wait */
    assert_int_equal(oh_rl_take(&conf, &st, 300, &retry), OH_RL_LIMITED);
    assert_int_equal(retry, 200);

    /* the refused requests did not count */
    assert_int_equal(oh_rl_take(&conf, &st, 500, &retry), OH_RL_PASS);
    assert_int_equal(oh_rl_take(&conf, &st, 500, &retry), OH_RL_LIMITED);
    assert_int_equal(retry, 500);

    /* a long pause empties the bucket completely */
    assert_false(oh_rl_idle(&conf, &st, 1400));
    assert_true(oh_rl_idle(&conf, &st, 1500));
    assert_int_equal(oh_rl_take(&conf, &st, 3600000, &retry), OH_RL_PASS);
    assert_int_equal(st.level, 1000);
}


static void
test_retry_after(void **state)
{
    (void) state;
    assert_int_equal(oh_rl_retry_after(0), 1);
    assert_int_equal(oh_rl_retry_after(1), 1);
    assert_int_equal(oh_rl_retry_after(1000), 1);
    assert_int_equal(oh_rl_retry_after(1001), 2);
    assert_int_equal(oh_rl_retry_after(29999), 30);
}


/* The failure budget: peek before, charge after. */

static void
test_peek_and_charge(void **state)
{
    uint64_t       retry;
    unsigned       i;
    oh_rl_conf_t   conf = { 6000, 3 };             /* 6r/m burst=3 */
    oh_rl_state_t  st;

    (void) state;
    oh_rl_init(&st, 0);

    for (i = 0; i < 3; i++) {
        assert_int_equal(oh_rl_peek(&conf, &st, 0, &retry), OH_RL_PASS);
        oh_rl_charge(&conf, &st, 0);
    }

    /* peeking never counts */
    assert_int_equal(oh_rl_peek(&conf, &st, 0, &retry), OH_RL_LIMITED);
    assert_int_equal(oh_rl_peek(&conf, &st, 0, &retry), OH_RL_LIMITED);
    assert_int_equal(st.level, 3000);
    assert_int_equal(retry, 10000);

    /* charges beyond a full bucket are capped */
    oh_rl_charge(&conf, &st, 0);
    oh_rl_charge(&conf, &st, 0);
    assert_int_equal(st.level, 3000);

    assert_int_equal(oh_rl_peek(&conf, &st, 9999, &retry), OH_RL_LIMITED);
    assert_int_equal(retry, 10);     /* 1/1000 of a request at 0.1r/s */
    assert_int_equal(oh_rl_peek(&conf, &st, 10000, &retry), OH_RL_PASS);
}


static void
test_clock_backwards(void **state)
{
    uint64_t       retry;
    oh_rl_conf_t   conf = { 60000, 1 };
    oh_rl_state_t  st;

    (void) state;
    oh_rl_init(&st, 5000);
    assert_int_equal(oh_rl_take(&conf, &st, 5000, &retry), OH_RL_PASS);
    assert_int_equal(oh_rl_take(&conf, &st, 4000, &retry), OH_RL_LIMITED);
    assert_int_equal(retry, 1000);
}


/* Large but valid numbers do not overflow. */

static void
test_extremes(void **state)
{
    uint64_t       retry;
    oh_rl_conf_t   slow = { 1000, 100000 };        /* 1r/m, huge burst */
    oh_rl_conf_t   fast = { 60000000000ULL, 1 };   /* 1000000r/s */
    oh_rl_state_t  st;

    (void) state;
    oh_rl_init(&st, 0);
    st.level = 100000ULL * 1000;
    assert_int_equal(oh_rl_peek(&slow, &st, 0, &retry), OH_RL_LIMITED);
    assert_int_equal(retry, 60000);
    /* 100000 requests at one a minute: 69.4 days to drain */
    assert_false(oh_rl_idle(&slow, &st, 1000ULL * 86400 * 69));
    assert_true(oh_rl_idle(&slow, &st, 1000ULL * 86400 * 70));

    oh_rl_init(&st, 0);
    assert_int_equal(oh_rl_take(&fast, &st, 0, &retry), OH_RL_PASS);
    assert_int_equal(oh_rl_take(&fast, &st, 0, &retry), OH_RL_LIMITED);
    assert_int_equal(retry, 1);
    assert_int_equal(oh_rl_take(&fast, &st, 1, &retry), OH_RL_PASS);
    assert_int_equal(oh_rl_take(&fast, &st, UINT64_MAX / 2, &retry),
                     OH_RL_PASS);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_rate),
        cmocka_unit_test(test_burst_exact),
        cmocka_unit_test(test_leak_and_retry),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_peek_and_charge),
        cmocka_unit_test(test_clock_backwards),
        cmocka_unit_test(test_extremes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_oh_backoff: retry delays, jitter bounds and the dead point. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "oh_backoff.h"


static void
test_default(void **state)
{
    oh_backoff_t  b;
    unsigned      i;
    uint32_t      r;
    int64_t       d, base, lo, hi;

    (void) state;
    oh_backoff_default(&b);
    assert_int_equal(b.nsteps, 5);
    assert_int_equal(b.jitter_pct, 10);
    for (i = 1; i <= 5; i++) {
        base = 300LL << (i - 1);          /* 5, 10, 20, 40, 80 minutes */
        lo = base;
        hi = base;
        for (r = 0; r < 5000; r += 7) {
            d = oh_backoff_delay(&b, i, r * 2654435761u);
            assert_true(d >= base - base / 10 && d <= base + base / 10);
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        }
        /* the jitter actually spreads both ways */
        assert_true(lo < base && hi > base);
    }
    assert_int_equal(oh_backoff_delay(&b, 6, 0), -1);
    assert_int_equal(oh_backoff_delay(&b, 0, 0), -1);
}


static void
test_no_jitter(void **state)
{
    oh_backoff_t  b;

    (void) state;
    oh_backoff_default(&b);
    b.jitter_pct = 0;
    assert_int_equal(oh_backoff_delay(&b, 1, 12345), 300);
    assert_int_equal(oh_backoff_delay(&b, 5, 999), 4800);
}


static void
test_parse(void **state)
{
    oh_backoff_t  b;

    (void) state;
    oh_backoff_default(&b);
    b.jitter_pct = 0;
    assert_int_equal(oh_backoff_parse(&b, "1s,2m, 1h ,30"), 0);
    assert_int_equal(b.nsteps, 4);
    assert_int_equal(b.jitter_pct, 0);
    assert_int_equal(oh_backoff_delay(&b, 1, 7), 1);
    assert_int_equal(oh_backoff_delay(&b, 2, 7), 120);
    assert_int_equal(oh_backoff_delay(&b, 3, 7), 3600);
    assert_int_equal(oh_backoff_delay(&b, 4, 7), 30);
    assert_int_equal(oh_backoff_delay(&b, 5, 7), -1);

    assert_int_equal(oh_backoff_parse(&b, ""), -1);
    assert_int_equal(oh_backoff_parse(&b, "5m,"), -1);
    assert_int_equal(oh_backoff_parse(&b, "0"), -1);
    assert_int_equal(oh_backoff_parse(&b, "5x"), -1);
    assert_int_equal(oh_backoff_parse(&b, "-5"), -1);
    assert_int_equal(oh_backoff_parse(&b, "9999999h"), -1);
    /* a failed parse leaves the previous list */
    assert_int_equal(b.nsteps, 4);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_no_jitter),
        cmocka_unit_test(test_parse),
    };

    return cmocka_run_group_tests_name("oh_backoff", tests, NULL, NULL);
}

/* test_oh_transition: every allowed and refused order transition. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "oh_transition.h"

#define P OH_STATUS_PENDING_PAYMENT
#define A OH_STATUS_PAID
#define M OH_STATUS_PAYMENT_MISMATCH
#define I OH_STATUS_IN_PRODUCTION
#define S OH_STATUS_SHIPPED
#define D OH_STATUS_DELIVERED
#define C OH_STATUS_CANCELLED
#define R OH_STATUS_RETURNED
#define F OH_STATUS_REFUNDED

/* The expected table, written out independently of the implementation:
 * row = from, column = to, 1 = allowed. */
static const int  expected[OH_STATUS_COUNT][OH_STATUS_COUNT] = {
    /*          P  A  M  I  S  D  C  R  F */
    [P] = {     0, 1, 1, 0, 0, 0, 1, 0, 0 },
    [A] = {     0, 0, 0, 1, 1, 1, 1, 0, 1 },
    [M] = {     0, 1, 0, 0, 0, 0, 1, 0, 1 },
    [I] = {     0, 0, 0, 0, 1, 1, 1, 0, 1 },
    [S] = {     0, 0, 0, 0, 0, 1, 0, 1, 1 },
    [D] = {     0, 0, 0, 0, 0, 0, 0, 1, 1 },
    [C] = {     0, 0, 0, 0, 0, 0, 0, 0, 1 },
    [R] = {     0, 0, 0, 0, 0, 0, 0, 0, 1 },
    [F] = {     0, 0, 0, 0, 0, 0, 0, 0, 0 },
};


static void
test_every_pair(void **state)
{
    int              from, to;
    oh_transition_t  t;

    (void) state;
    for (from = 0; from < OH_STATUS_COUNT; from++) {
        for (to = 0; to < OH_STATUS_COUNT; to++) {
            t = oh_transition_check((oh_status_t) from, (oh_status_t) to);
            if (from == to) {
                assert_int_equal(t, OH_TRANSITION_SAME);
            } else if (expected[from][to]) {
                assert_int_equal(t, OH_TRANSITION_APPLY);
            } else {
                assert_int_equal(t, OH_TRANSITION_REFUSED);
            }
        }
    }
}


static void
test_late_events_refused(void **state)
{
    (void) state;
    /* in transit after delivered; payment failure after success */
    assert_int_equal(oh_transition_check(D, S), OH_TRANSITION_REFUSED);
    assert_int_equal(oh_transition_check(A, P), OH_TRANSITION_REFUSED);
    assert_int_equal(oh_transition_check(F, A), OH_TRANSITION_REFUSED);
    assert_int_equal(oh_transition_check(C, A), OH_TRANSITION_REFUSED);
    assert_int_equal(oh_transition_check(P, S), OH_TRANSITION_REFUSED);
}


static void
test_names(void **state)
{
    static const char *const  names[] = {
        "pending_payment", "paid", "payment_mismatch", "in_production",
        "shipped", "delivered", "cancelled", "returned", "refunded"
    };
    int                       i;

    (void) state;
    for (i = 0; i < OH_STATUS_COUNT; i++) {
        assert_string_equal(oh_status_name((oh_status_t) i), names[i]);
        assert_int_equal(oh_status_by_name(names[i]), i);
    }
    assert_null(oh_status_name(OH_STATUS_COUNT));
    assert_null(oh_status_name(OH_STATUS_UNKNOWN));
    assert_int_equal(oh_status_by_name("Paid"), OH_STATUS_UNKNOWN);
    assert_int_equal(oh_status_by_name(NULL), OH_STATUS_UNKNOWN);
    assert_int_equal(oh_transition_check(OH_STATUS_UNKNOWN, A),
                     OH_TRANSITION_REFUSED);
    assert_int_equal(oh_transition_check(A, OH_STATUS_COUNT),
                     OH_TRANSITION_REFUSED);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_every_pair),
        cmocka_unit_test(test_late_events_refused),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests_name("oh_transition", tests, NULL, NULL);
}

/* test_oh_money: exact major -> minor unit conversion and currencies. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "oh_money.h"

static int64_t
parse_ok(const char *s, int exponent)
{
    int64_t  v = -1;

    assert_int_equal(oh_money_parse(s, strlen(s), exponent, &v),
                     OH_MONEY_OK);
    return v;
}


static oh_money_result_t
parse_rc(const char *s, int exponent)
{
    int64_t  v;

    return oh_money_parse(s, strlen(s), exponent, &v);
}


static void
test_exact(void **state)
{
    (void) state;
    assert_int_equal(parse_ok("129.99", 2), 12999);
    assert_int_equal(parse_ok("0.29", 2), 29);       /* 0.29*100 drifts */
    assert_int_equal(parse_ok("1.005", 3), 1005);
    assert_int_equal(parse_ok("250.00", 2), 25000);
    assert_int_equal(parse_ok("250", 2), 25000);
    assert_int_equal(parse_ok("0", 2), 0);
    assert_int_equal(parse_ok("0.05", 2), 5);
    assert_int_equal(parse_ok("007.10", 2), 710);
    assert_int_equal(parse_ok("1500", 0), 1500);
    assert_int_equal(parse_ok("1.2999e2", 2), 12999);
    assert_int_equal(parse_ok("1E+3", 2), 100000);
    assert_int_equal(parse_ok("12345.6E-2", 3), 123456);
    assert_int_equal(parse_ok("8981.08", 2), 898108);
    assert_int_equal(parse_ok("9999999999999.99", 2), 999999999999999LL);
}


static void
test_refused(void **state)
{
    (void) state;
    assert_int_equal(parse_rc("129.999", 2), OH_MONEY_PRECISION);
    assert_int_equal(parse_rc("1.5", 0), OH_MONEY_PRECISION);
    assert_int_equal(parse_rc("1e-3", 2), OH_MONEY_PRECISION);
    assert_int_equal(parse_rc("12345.6E-2", 2), OH_MONEY_PRECISION);
    assert_int_equal(parse_rc("-1.00", 2), OH_MONEY_SYNTAX);
    assert_int_equal(parse_rc("", 2), OH_MONEY_SYNTAX);
    assert_int_equal(parse_rc(".", 2), OH_MONEY_SYNTAX);
    assert_int_equal(parse_rc("1.2.3", 2), OH_MONEY_SYNTAX);
    assert_int_equal(parse_rc("12abc", 2), OH_MONEY_SYNTAX);
    assert_int_equal(parse_rc("1e", 2), OH_MONEY_SYNTAX);
    assert_int_equal(parse_rc(" 1", 2), OH_MONEY_SYNTAX);
    assert_int_equal(parse_rc("99999999999999999999", 2), OH_MONEY_RANGE);
    assert_int_equal(parse_rc("1e20", 2), OH_MONEY_RANGE);
    assert_int_equal(parse_rc("10000000000000.00", 2), OH_MONEY_RANGE);
}


static void
test_currencies(void **state)
{
    char  out[4];

    (void) state;
    assert_int_equal(oh_currency_normalize("usd", out), 0);
    assert_string_equal(out, "USD");
    assert_int_equal(oh_currency_normalize("Inr", out), 0);
    assert_string_equal(out, "INR");
    assert_int_equal(oh_currency_normalize("US", out), -1);
    assert_int_equal(oh_currency_normalize("USDX", out), -1);
    assert_int_equal(oh_currency_normalize("U5D", out), -1);
    assert_int_equal(oh_currency_normalize(NULL, out), -1);

    assert_int_equal(oh_currency_exponent("JPY"), 0);
    assert_int_equal(oh_currency_exponent("KRW"), 0);
    assert_int_equal(oh_currency_exponent("VND"), 0);
    assert_int_equal(oh_currency_exponent("XOF"), 0);
    assert_int_equal(oh_currency_exponent("BHD"), 3);
    assert_int_equal(oh_currency_exponent("KWD"), 3);
    assert_int_equal(oh_currency_exponent("JOD"), 3);
    assert_int_equal(oh_currency_exponent("OMR"), 3);
    assert_int_equal(oh_currency_exponent("TND"), 3);
    assert_int_equal(oh_currency_exponent("USD"), 2);
    assert_int_equal(oh_currency_exponent("ZAR"), 2);
    assert_int_equal(oh_currency_exponent("INR"), 2);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_currencies),
    };

    return cmocka_run_group_tests_name("oh_money", tests, NULL, NULL);
}

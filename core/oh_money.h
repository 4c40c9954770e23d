/* oh_money: exact decimal amounts and ISO 4217 minor units. */

#ifndef OH_MONEY_H
#define OH_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* Largest amount accepted, in minor units (fits a JSON double exactly). */
#define OH_MONEY_MAX_MINOR  999999999999999LL

typedef enum {
    OH_MONEY_OK = 0,
    OH_MONEY_SYNTAX,               /* not a plain non-negative decimal */
    OH_MONEY_PRECISION,            /* more decimals than the currency has */
    OH_MONEY_RANGE                 /* above OH_MONEY_MAX_MINOR */
} oh_money_result_t;

/*
 * Copies a three-letter currency code upper-cased into out ("usd" ->
 * "USD").  Returns 0, or -1 when `code` is not three ASCII letters.
 */
int oh_currency_normalize(const char *code, char out[4]);

/*
 * Decimal places of the currency's minor unit: 0 for Stripe's
 * zero-decimal currencies (JPY, KRW, VND, ...), 3 for BHD, JOD, KWD, OMR
 * and TND, otherwise 2.  `code` is upper case.
 */
int oh_currency_exponent(const char *code);

/*
 * Converts a decimal in major units ("129.99", "250", "1.5e2"; the text
 * of a JSON number or a decimal string) to minor units for a currency
 * with `exponent` decimals, exactly: 129.99 at exponent 2 is 12999.
 * Trailing zeros beyond the exponent are accepted, other digits there are
 * OH_MONEY_PRECISION.  Negative values are OH_MONEY_SYNTAX.
 */
oh_money_result_t oh_money_parse(const char *text, size_t len,
    int exponent, int64_t *minor);

#endif /* OH_MONEY_H */

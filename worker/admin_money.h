/* admin_money: minor units shown as major-unit decimals for display. */

#ifndef OH_ADMIN_MONEY_H
#define OH_ADMIN_MONEY_H

#include <stddef.h>
#include <stdint.h>

/*
 * 12999 in "USD" -> "129.99", 1500 in "JPY" -> "1500" (exponent from
 * oh_currency_exponent); negative values keep their sign.
 */
void money_format(int64_t minor, const char *currency, char *buf,
    size_t size);

#endif /* OH_ADMIN_MONEY_H */

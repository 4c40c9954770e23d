/* admin_money: minor units shown as major-unit decimals for display. */

#include <stdio.h>

#include "admin_money.h"
#include "oh_money.h"


void
money_format(int64_t minor, const char *currency, char *buf, size_t size)
{
    uint64_t  u, scale = 1;
    int       i, exp;

    exp = oh_currency_exponent(currency);
    u = minor < 0 ? (uint64_t) 0 - (uint64_t) minor : (uint64_t) minor;
    for (i = 0; i < exp; i++) {
        scale *= 10;
    }
    if (exp == 0) {
        snprintf(buf, size, "%s%llu", minor < 0 ? "-" : "",
                 (unsigned long long) u);
        return;
    }
    snprintf(buf, size, "%s%llu.%0*llu", minor < 0 ? "-" : "",
             (unsigned long long) (u / scale), exp,
             (unsigned long long) (u % scale));
}

/* oh_money: exact decimal amounts and ISO 4217 minor units. */

#include <string.h>
#include "oh_money.h"

/* Stripe's zero-decimal currencies. */
static const char *const oh_zero_decimal[] = {
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG",
    "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF", NULL
};

static const char *const oh_three_decimal[] = {
    "BHD", "JOD", "KWD", "OMR", "TND", NULL
};

static int oh_in_list(const char *code, const char *const *list);


int
oh_currency_normalize(const char *code, char out[4])
{
    int  i;

    if (code == NULL) {
        return -1;
    }
    for (i = 0; i < 3; i++) {
        char  c = code[i];

        if (c >= 'a' && c <= 'z') {
            c = (char) (c - 'a' + 'A');
        }
        if (c < 'A' || c > 'Z') {
            return -1;
        }
        out[i] = c;
    }
    if (code[3] != '\0') {
        return -1;
    }
    out[3] = '\0';
    return 0;
}


static int
oh_in_list(const char *code, const char *const *list)
{
    for (; *list != NULL; list++) {
        if (strcmp(code, *list) == 0) {
            return 1;
        }
    }
    return 0;
}


int
oh_currency_exponent(const char *code)
{
    if (oh_in_list(code, oh_zero_decimal)) {
        return 0;
    }
    if (oh_in_list(code, oh_three_decimal)) {
        return 3;
    }
    return 2;
}


/*
 * The value is digits d[0..n) with the decimal point after `point`
 * digits, shifted by a decimal exponent; minor = that value * 10^exponent.
 */
oh_money_result_t
oh_money_parse(const char *text, size_t len, int exponent, int64_t *minor)
{
    const char  *p = text, *end = text + len;
    char         digits[64];
    size_t       n = 0, i;
    long         point = -1, exp10 = 0, shift;
    int64_t      v = 0;

    if (p < end && *p == '+') {
        p++;
    }
    for (; p < end && ((*p >= '0' && *p <= '9') || *p == '.'); p++) {
        if (*p == '.') {
            if (point >= 0) {
                return OH_MONEY_SYNTAX;
            }
            point = (long) n;
            continue;
        }
        if (n == 0 && *p == '0' && point < 0) {
            continue;              /* leading zeros of the integer part */
        }
        if (n == sizeof(digits)) {
            return OH_MONEY_RANGE;
        }
        digits[n++] = *p;
    }
    if (p == text || (p - text == 1 && (*text == '.' || *text == '+'))) {
        return OH_MONEY_SYNTAX;
    }
    if (point < 0) {
        point = (long) n;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        int  neg = 0, any = 0;

        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            neg = (*p++ == '-');
        }
        for (; p < end && *p >= '0' && *p <= '9'; p++) {
            any = 1;
            if (exp10 > 1000) {
                return OH_MONEY_RANGE;
            }
            exp10 = exp10 * 10 + (*p - '0');
        }
        if (!any) {
            return OH_MONEY_SYNTAX;
        }
        if (neg) {
            exp10 = -exp10;
        }
    }
    if (p != end) {
        return OH_MONEY_SYNTAX;
    }

    /* digits before index `shift` form the integer number of minor units */
    shift = point + exp10 + exponent;
    for (i = 0; i < n; i++) {
        if ((long) i >= shift) {
            if (digits[i] != '0') {
                return OH_MONEY_PRECISION;
            }
            continue;
        }
        if (v > (OH_MONEY_MAX_MINOR - (digits[i] - '0')) / 10) {
            return OH_MONEY_RANGE;
        }
        v = v * 10 + (digits[i] - '0');
    }
    for (; (long) i < shift; i++) {
        if (v > OH_MONEY_MAX_MINOR / 10) {
            return OH_MONEY_RANGE;
        }
        v *= 10;
    }
    *minor = v;
    return OH_MONEY_OK;
}

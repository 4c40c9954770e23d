/* fuzz_money: decimal amounts and currency codes from payloads. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oh_money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what);
static void fuzz_money_roundtrip(int64_t minor, int exponent);
static void fuzz_currency(const uint8_t *data, size_t size);


static void
fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_money: property violated: %s\n", what);
    abort();
}


/* An accepted amount, printed in major units, parses to the same value. */
static void
fuzz_money_roundtrip(int64_t minor, int exponent)
{
    char     buf[48];
    int64_t  again, scale = 1;
    int      i, n;

    for (i = 0; i < exponent; i++) {
        scale *= 10;
    }
    if (exponent == 0) {
        n = snprintf(buf, sizeof(buf), "%lld", (long long) minor);
    } else {
        n = snprintf(buf, sizeof(buf), "%lld.%0*lld",
                     (long long) (minor / scale), exponent,
                     (long long) (minor % scale));
    }
    if (oh_money_parse(buf, (size_t) n, exponent, &again) != OH_MONEY_OK
        || again != minor)
    {
        fuzz_fail("an accepted amount does not round-trip");
    }
}


static void
fuzz_currency(const uint8_t *data, size_t size)
{
    char  code[8], out[4];
    int   e, i;

    if (size > sizeof(code) - 1) {
        size = sizeof(code) - 1;
    }
    memcpy(code, data, size);
    code[size] = '\0';
    if (oh_currency_normalize(code, out) != 0) {
        return;
    }
    for (i = 0; i < 3; i++) {
        if (out[i] < 'A' || out[i] > 'Z') {
            fuzz_fail("a normalised currency is not three capitals");
        }
    }
    e = oh_currency_exponent(out);
    if (out[3] != '\0' || (e != 0 && e != 2 && e != 3)) {
        fuzz_fail("currency exponent out of range");
    }
}


/* byte 0 picks the exponent (0-3), the rest is the amount text. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char               *text;
    int                 exponent;
    int64_t             minor = -1;
    oh_money_result_t   rc;

    if (size < 1) {
        return 0;
    }
    exponent = data[0] % 4;
    text = malloc(size - 1 ? size - 1 : 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data + 1, size - 1);

    rc = oh_money_parse(text, size - 1, exponent, &minor);
    if (rc > OH_MONEY_RANGE) {
        fuzz_fail("result out of range");
    }
    if (rc == OH_MONEY_OK) {
        if (minor < 0 || minor > OH_MONEY_MAX_MINOR) {
            fuzz_fail("accepted amount outside 0..OH_MONEY_MAX_MINOR");
        }
        fuzz_money_roundtrip(minor, exponent);
    }

    fuzz_currency(data + 1, size - 1);
    free(text);
    return 0;
}

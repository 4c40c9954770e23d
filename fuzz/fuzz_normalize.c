/* fuzz_normalize: provider payloads reduced to domain events. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oh_money.h"
#include "oh_normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what);
static void fuzz_str(const char *s);
static void fuzz_time_field(const char *t);
static void fuzz_code_field(const char *code);
static void fuzz_norm_check(const oh_domain_event_t *ev);


static void
fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_normalize: property violated: %s\n", what);
    abort();
}


/* Optional strings must be readable to their NUL (ASan checks). */
static void
fuzz_str(const char *s)
{
    if (s != NULL && strlen(s) == (size_t) -1) {
        fuzz_fail("unreachable");
    }
}


/* "" or a normalised timestamp with an epoch. */
static void
fuzz_time_field(const char *t)
{
    int64_t  secs;

    if (memchr(t, '\0', OH_TIME_MAX) == NULL) {
        fuzz_fail("time field not terminated");
    }
    if (t[0] != '\0' && oh_normalize_time_epoch(t, &secs) != 0) {
        fuzz_fail("time field is not a normalised time");
    }
}


static void
fuzz_code_field(const char *code)
{
    size_t  i;

    if (memchr(code, '\0', OH_CODE_MAX) == NULL) {
        fuzz_fail("status code not terminated");
    }
    for (i = 0; code[i] != '\0'; i++) {
        if (!((code[i] >= 'a' && code[i] <= 'z')
              || (code[i] >= '0' && code[i] <= '9') || code[i] == '_'))
        {
            fuzz_fail("status code outside [a-z0-9_]");
        }
    }
}


static void
fuzz_norm_check(const oh_domain_event_t *ev)
{
    char    cur[4];
    size_t  i;

    if (ev->kind > OH_DOMAIN_TRACKING) {
        fuzz_fail("domain kind out of range");
    }
    if (ev->has_amount
        && (ev->amount_minor < 0 || ev->amount_minor > OH_MONEY_MAX_MINOR
            || oh_currency_normalize(ev->currency, cur) != 0
            || strcmp(cur, ev->currency) != 0))
    {
        fuzz_fail("amount out of range or currency not upper-case ISO");
    }
    fuzz_str(ev->order_number);
    fuzz_str(ev->payment_ref);
    fuzz_str(ev->provider_order_ref);
    fuzz_str(ev->refund_id);
    fuzz_str(ev->tracking_number);
    fuzz_str(ev->carrier);
    fuzz_str(ev->tracking_url);
    fuzz_str(ev->order_item_id);
    fuzz_time_field(ev->shipped_at);
    fuzz_time_field(ev->delivered_at);
    fuzz_code_field(ev->ship_status);
    if (ev->nscans > 0 && ev->scans == NULL) {
        fuzz_fail("scans counted but not allocated");
    }
    for (i = 0; i < ev->nscans; i++) {
        fuzz_code_field(ev->scans[i].code);
        fuzz_time_field(ev->scans[i].occurred_at);
        fuzz_str(ev->scans[i].label);
        fuzz_str(ev->scans[i].description);
        fuzz_str(ev->scans[i].location);
    }
    if (ev->kind == OH_DOMAIN_TRACKING
        && (ev->tracking_number == NULL || ev->order_number == NULL))
    {
        fuzz_fail("tracking event without tracking or order number");
    }
}


/* byte 0 picks the provider, the rest is the recorded body. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char      *body;
    const char         *why;
    oh_provider_t       provider;
    oh_norm_result_t    rc;
    oh_domain_event_t   ev;

    if (size < 1) {
        return 0;
    }
    provider = (oh_provider_t) (data[0] % OH_PROVIDER_COUNT);
    body = malloc(size - 1 ? size - 1 : 1);
    if (body == NULL) {
        return 0;
    }
    memcpy(body, data + 1, size - 1);

    rc = oh_normalize(provider, body, size - 1, &ev, &why);
    if (rc == OH_NORM_OK) {
        fuzz_norm_check(&ev);
        oh_domain_event_free(&ev);
    } else if (rc == OH_NORM_ERROR) {
        fuzz_fail("allocation failure reported without one");
    } else if (rc > OH_NORM_ERROR || why == NULL) {
        fuzz_fail("a refusal without a reason");
    }

    free(body);
    return 0;
}

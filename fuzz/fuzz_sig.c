/* fuzz_sig: signature headers and verification over fuzzed requests. */

#include <stddef.h>
#include <stdint.h>

#include "harness_request.h"
#include "oh_sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static oh_sig_result_t fuzz_sig_streamed(hr_request_t *r);


/* begin + two updates + final, as the module feeds body buffers. */
static oh_sig_result_t
fuzz_sig_streamed(hr_request_t *r)
{
    oh_sig_verifier_t  v;
    oh_sig_result_t    rc;

    rc = oh_sig_begin(&v, r->provider, r->secrets, r->nsecrets,
                      hr_header_get, r, r->now, r->tolerance);
    if (rc != OH_SIG_OK) {
        oh_sig_cleanup(&v);
        return rc;
    }
    oh_sig_update(&v, r->part1, r->len1);
    oh_sig_update(&v, r->part2, r->len2);
    rc = oh_sig_final(&v);
    oh_sig_cleanup(&v);             /* idempotent after final */
    return rc;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hr_request_t     r;
    oh_sig_result_t  one, streamed;
    size_t           i;

    if (hr_parse(data, size, &r) != 0) {
        return 0;
    }

    for (i = 0; i < r.nsecrets; i++) {
        (void) oh_sig_secret_usable(r.provider, &r.secrets[i]);
    }
    (void) oh_provider_by_name((const char *) r.body, r.body_len);

    one = oh_sig_verify(r.provider, r.secrets, r.nsecrets, hr_header_get,
                        &r, r.body, r.body_len, r.now, r.tolerance);
    streamed = fuzz_sig_streamed(&r);

    if (one < OH_SIG_OK || one > OH_SIG_ERROR) {
        hr_fail("sig", "result out of range");
    }
    if (one != streamed) {
        hr_fail("sig", "one-shot and streamed verdicts differ");
    }
    if (one == OH_SIG_OK && r.body_len == 0) {
        hr_fail("sig", "an empty body verified");
    }
    if (oh_sig_result_reason(one) == NULL) {
        hr_fail("sig", "no reason string");
    }

    hr_free(&r);
    return 0;
}

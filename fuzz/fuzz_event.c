/* fuzz_event: event id and type extraction from fuzzed requests. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness_request.h"
#include "oh_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_event_check(const oh_event_ident_t *ev);
static int fuzz_event_printable(const char *s, size_t max);


/* NUL-terminated within `max` bytes, printable ASCII only. */
static int
fuzz_event_printable(const char *s, size_t max)
{
    size_t  i;

    for (i = 0; i <= max; i++) {
        if (s[i] == '\0') {
            return 1;
        }
        if (s[i] < 0x20 || s[i] > 0x7e) {
            return 0;
        }
    }
    return 0;
}


static void
fuzz_event_check(const oh_event_ident_t *ev)
{
    size_t  i;

    if (!fuzz_event_printable(ev->event_id, OH_EVENT_ID_MAX)
        || ev->event_id[0] == '\0')
    {
        hr_fail("event", "event id empty, unterminated or not printable");
    }
    if (!fuzz_event_printable(ev->event_type, OH_EVENT_TYPE_MAX)) {
        hr_fail("event", "event type unterminated or not printable");
    }
    if (!ev->id_from_body_hash) {
        return;
    }
    if (strncmp(ev->event_id, "sha256:", 7) != 0
        || strlen(ev->event_id) != 7 + 64)
    {
        hr_fail("event", "body hash id is not sha256:<64 hex>");
    }
    for (i = 7; i < 7 + 64; i++) {
        if (!((ev->event_id[i] >= '0' && ev->event_id[i] <= '9')
              || (ev->event_id[i] >= 'a' && ev->event_id[i] <= 'f')))
        {
            hr_fail("event", "body hash id is not lowercase hex");
        }
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hr_request_t      r;
    oh_event_ident_t  a, b;

    if (hr_parse(data, size, &r) != 0) {
        return 0;
    }

    if (oh_event_identify(r.provider, hr_header_get, &r, r.body, r.body_len,
                          &a) != 0)
    {
        hr_fail("event", "identify failed without an allocation failure");
    }
    fuzz_event_check(&a);

    if (oh_event_identify(r.provider, hr_header_get, &r, r.body, r.body_len,
                          &b) != 0
        || memcmp(&a, &b, sizeof(a)) != 0)
    {
        hr_fail("event", "two identifications of one request differ");
    }

    hr_free(&r);
    return 0;
}

/* fuzz_track_query: the order-lookup query string and form body. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oh_track_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what);
static void fuzz_track_check(const oh_track_query_t *q);


static void
fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_track_query: property violated: %s\n", what);
    abort();
}


/* What OH_TRACK_OK promises (see core/oh_track_query.h). */
static void
fuzz_track_check(const oh_track_query_t *q)
{
    size_t  i, olen, elen;
    char    c, lc;

    olen = strnlen(q->order, sizeof(q->order));
    elen = strnlen(q->email, sizeof(q->email));
    if (olen == 0 || olen > OH_TRACK_ORDER_MAX
        || elen == 0 || elen > OH_TRACK_EMAIL_MAX)
    {
        fuzz_fail("an accepted field is empty or too long");
    }
    for (i = 0; i < olen; i++) {
        c = q->order[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || strchr("-_./#", c) != NULL))
        {
            fuzz_fail("an accepted order number has a refused character");
        }
        lc = (c >= 'A' && c <= 'Z') ? (char) (c | 0x20) : c;
        if (q->order_key[i] != lc) {
            fuzz_fail("order_key is not the lower-cased order number");
        }
    }
    if (q->order_key[olen] != '\0') {
        fuzz_fail("order_key not terminated");
    }
    for (i = 0; i < elen; i++) {
        if ((unsigned char) q->email[i] <= 0x20 || q->email[i] == 0x7f) {
            fuzz_fail("an accepted email has a control character");
        }
    }
    /* the header's promise: an '@' that is neither first nor last */
    for (i = 1; i + 1 < elen && q->email[i] != '@'; i++) {
        /* void */
    }
    if (i + 1 >= elen) {
        fuzz_fail("an accepted email has no inner '@'");
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char               *s;
    oh_track_query_t    q;
    oh_track_status_t   st;

    s = malloc(size ? size : 1);
    if (s == NULL) {
        return 0;
    }
    memcpy(s, data, size);

    st = oh_track_query_parse(s, size, &q);
    if (st > OH_TRACK_BAD_ENCODING
        || strcmp(oh_track_status_name(st), "invalid") == 0)
    {
        fuzz_fail("status out of range");
    }
    if (st == OH_TRACK_OK) {
        fuzz_track_check(&q);
    }

    free(s);
    return 0;
}

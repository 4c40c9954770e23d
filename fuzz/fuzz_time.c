/* fuzz_time: provider timestamps and carrier status codes. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oh_normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what);
static void fuzz_time_check(const char *out);
static void fuzz_code(const char *in, size_t size);


static void
fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_time: property violated: %s\n", what);
    abort();
}


/*
 * A normalised time is terminated inside OH_TIME_MAX, normalises to
 * itself, and survives epoch -> text -> epoch.
 */
static void
fuzz_time_check(const char *out)
{
    char     again[OH_TIME_MAX], utc[OH_TIME_MAX];
    int64_t  secs, secs2;

    if (memchr(out, '\0', OH_TIME_MAX) == NULL) {
        fuzz_fail("normalised time not terminated");
    }
    if (oh_normalize_time(out, NULL, again) != 0
        || strcmp(out, again) != 0)
    {
        fuzz_fail("normalised time does not normalise to itself");
    }
    if (oh_normalize_time_epoch(out, &secs) != 0) {
        fuzz_fail("normalised time has no epoch");
    }
    if (secs < 0 || oh_normalize_unix_time(secs, utc) != 0) {
        return;                     /* e.g. 1970-01-01 00:00+05:00 */
    }
    if (oh_normalize_time_epoch(utc, &secs2) != 0 || secs2 != secs) {
        fuzz_fail("epoch -> UTC text -> epoch changed the instant");
    }
}


/* Status codes: [a-z0-9_] only, terminated within the buffer. */
static void
fuzz_code(const char *in, size_t size)
{
    char    code[OH_CODE_MAX], *small;
    size_t  i, cap;

    cap = size % OH_CODE_MAX + 1;
    small = malloc(cap);
    if (small == NULL) {
        return;
    }
    oh_normalize_code(in, small, cap);
    oh_normalize_code(in, code, sizeof(code));
    for (i = 0; code[i] != '\0'; i++) {
        if (!((code[i] >= 'a' && code[i] <= 'z')
              || (code[i] >= '0' && code[i] <= '9') || code[i] == '_'))
        {
            fuzz_fail("a status code outside [a-z0-9_]");
        }
    }
    if (strlen(small) >= cap) {
        fuzz_fail("status code overran a small buffer");
    }
    (void) oh_normalize_ship_target(code);
    free(small);
}


/*
 * The input is the timestamp text; after a first '\n', the rest is the
 * default offset ("+05:30").
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *in, *nl, *offset, out[OH_TIME_MAX];

    in = malloc(size + 1);
    if (in == NULL) {
        return 0;
    }
    memcpy(in, data, size);
    in[size] = '\0';

    offset = "+00:00";
    nl = strchr(in, '\n');
    if (nl != NULL) {
        *nl = '\0';
        offset = nl + 1;
    }

    if (oh_normalize_time(in, offset, out) == 0) {
        fuzz_time_check(out);
    }
    if (oh_normalize_time(in, NULL, out) == 0) {
        fuzz_time_check(out);
    }
    fuzz_code(in, size);

    free(in);
    return 0;
}

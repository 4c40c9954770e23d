/* harness_request: the fuzz input format for a webhook request. */

#ifndef HARNESS_REQUEST_H
#define HARNESS_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "oh_sig.h"

#define HR_MAX_HEADERS  32
#define HR_MAX_SECRETS  (OH_SIG_MAX_SECRETS + 1)   /* one too many, too */

typedef struct {
    char           *name;          /* NUL-terminated */
    unsigned char  *value;         /* exactly `len` bytes, no NUL */
    size_t          len;
} hr_header_t;

/*
 * A fuzzed request.  Every value and the body parts live in buffers of
 * exactly their size, so that ASan sees any read past their end.
 */
typedef struct {
    oh_provider_t   provider;
    size_t          nsecrets;
    oh_secret_t     secrets[HR_MAX_SECRETS];
    size_t          nheaders;
    hr_header_t     headers[HR_MAX_HEADERS];
    unsigned char  *body;          /* the whole body */
    size_t          body_len;
    unsigned char  *part1, *part2; /* the body split in two */
    size_t          len1, len2;
    int64_t         now;           /* from X-Fuzz-Now, else a default */
    int64_t         tolerance;     /* from X-Fuzz-Tolerance, else 0 */
} hr_request_t;

/*
 * Input layout (what fuzz/make-seeds writes):
 *   byte 0        provider (modulo OH_PROVIDER_COUNT)
 *   byte 1        where the body is split for streaming (a fraction)
 *   line          secrets separated by TAB
 *   lines         "Name: value" headers, up to an empty line
 *   rest          the body
 * Returns 0, or -1 when the input is too short or memory ran out.
 */
int hr_parse(const uint8_t *data, size_t size, hr_request_t *r);
void hr_free(hr_request_t *r);

/* oh_header_get_pt over an hr_request_t (first match, any case). */
const char *hr_header_get(void *data, const char *name, size_t *len);

/* Stops the process with a message: a property the target checks broke. */
void hr_fail(const char *target, const char *what);

#endif /* HARNESS_REQUEST_H */

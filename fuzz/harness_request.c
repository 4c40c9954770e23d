/* harness_request: the fuzz input format for a webhook request. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness_request.h"

#define HR_DEFAULT_NOW  1777997699      /* the vectors' "now" */

static unsigned char *hr_dup(const uint8_t *p, size_t len);
static const uint8_t *hr_line(const uint8_t *p, const uint8_t *end,
    size_t *len);
static int hr_secrets(hr_request_t *r, const uint8_t *p, size_t len);
static int hr_header(hr_request_t *r, const uint8_t *p, size_t len);
static int64_t hr_number(const unsigned char *p, size_t len);


/* An exact-size copy (one byte for an empty one, never read). */
static unsigned char *
hr_dup(const uint8_t *p, size_t len)
{
    unsigned char  *d = malloc(len ? len : 1);

    if (d != NULL && len > 0) {
        memcpy(d, p, len);
    }
    return d;
}


/* The line at `p` (without its '\n'); returns where the next starts. */
static const uint8_t *
hr_line(const uint8_t *p, const uint8_t *end, size_t *len)
{
    const uint8_t  *nl = memchr(p, '\n', (size_t) (end - p));

    if (nl == NULL) {
        *len = (size_t) (end - p);
        return end;
    }
    *len = (size_t) (nl - p);
    return nl + 1;
}


static int
hr_secrets(hr_request_t *r, const uint8_t *p, size_t len)
{
    const uint8_t  *end = p + len, *tab;

    while (r->nsecrets < HR_MAX_SECRETS) {
        tab = memchr(p, '\t', (size_t) (end - p));
        if (tab == NULL) {
            tab = end;
        }
        r->secrets[r->nsecrets].data = hr_dup(p, (size_t) (tab - p));
        if (r->secrets[r->nsecrets].data == NULL) {
            return -1;
        }
        r->secrets[r->nsecrets].len = (size_t) (tab - p);
        r->nsecrets++;
        if (tab == end) {
            break;
        }
        p = tab + 1;
    }
    return 0;
}


/* Digits only, at most 12 of them (as a timestamp header would be). */
static int64_t
hr_number(const unsigned char *p, size_t len)
{
    int64_t  n = 0;
    size_t   i;

    for (i = 0; i < len && i < 12 && p[i] >= '0' && p[i] <= '9'; i++) {
        n = n * 10 + (p[i] - '0');
    }
    return n;
}


/* "Name: value"; a line without a colon is skipped. */
static int
hr_header(hr_request_t *r, const uint8_t *p, size_t len)
{
    const uint8_t  *colon = memchr(p, ':', len), *v, *end = p + len;
    hr_header_t    *h;

    if (colon == NULL || r->nheaders == HR_MAX_HEADERS) {
        return 0;
    }
    for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++) {
        /* void */
    }
    if (end > v && end[-1] == '\r') {
        end--;
    }
    h = &r->headers[r->nheaders];
    h->name = malloc((size_t) (colon - p) + 1);
    if (h->name == NULL) {
        return -1;
    }
    memcpy(h->name, p, (size_t) (colon - p));
    h->name[colon - p] = '\0';
    h->len = (size_t) (end - v);
    h->value = hr_dup(v, h->len);
    if (h->value == NULL) {
        free(h->name);
        return -1;
    }
    r->nheaders++;

    if (strcasecmp(h->name, "X-Fuzz-Now") == 0) {
        r->now = hr_number(h->value, h->len);
    } else if (strcasecmp(h->name, "X-Fuzz-Tolerance") == 0) {
        r->tolerance = hr_number(h->value, h->len) % 1000000;
    }
    return 0;
}


int
hr_parse(const uint8_t *data, size_t size, hr_request_t *r)
{
    const uint8_t  *p, *end = data + size, *line;
    size_t          len;

    memset(r, 0, sizeof(*r));
    if (size < 2) {
        return -1;
    }
    r->provider = (oh_provider_t) (data[0] % OH_PROVIDER_COUNT);
    r->now = HR_DEFAULT_NOW;

    p = hr_line(data + 2, end, &len);
    if (hr_secrets(r, data + 2, len) != 0) {
        goto fail;
    }
    while (p < end) {
        line = p;
        p = hr_line(p, end, &len);
        if (len == 0 || (len == 1 && line[0] == '\r')) {
            break;
        }
        if (hr_header(r, line, len) != 0) {
            goto fail;
        }
    }

    r->body_len = (size_t) (end - p);
    r->len1 = r->body_len * data[1] / 255;
    r->len2 = r->body_len - r->len1;
    r->body = hr_dup(p, r->body_len);
    r->part1 = hr_dup(p, r->len1);
    r->part2 = hr_dup(p + r->len1, r->len2);
    if (r->body == NULL || r->part1 == NULL || r->part2 == NULL) {
        goto fail;
    }
    return 0;

fail:
    hr_free(r);
    return -1;
}


void
hr_free(hr_request_t *r)
{
    size_t  i;

    for (i = 0; i < r->nsecrets; i++) {
        free((void *) r->secrets[i].data);
    }
    for (i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->body);
    free(r->part1);
    free(r->part2);
    memset(r, 0, sizeof(*r));
}


const char *
hr_header_get(void *data, const char *name, size_t *len)
{
    hr_request_t  *r = data;
    size_t         i;

    for (i = 0; i < r->nheaders; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) {
            *len = r->headers[i].len;
            return (const char *) r->headers[i].value;
        }
    }
    return NULL;
}


void
hr_fail(const char *target, const char *what)
{
    fprintf(stderr, "fuzz_%s: property violated: %s\n", target, what);
    abort();
}

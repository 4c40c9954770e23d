/* fuzz_json_escape: escaped output is always valid JSON and UTF-8. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "oh_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t fuzz_utf8_seq(const unsigned char *p, size_t avail);
static int fuzz_utf8_valid(const unsigned char *p, size_t len);
static void fuzz_fail(const char *what);


static void
fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_json_escape: property violated: %s\n", what);
    abort();
}


/*
 * Length of the well-formed UTF-8 sequence at `p`, or 0.  Written from
 * RFC 3629's ABNF, independently of core/oh_json.c.
 */
static size_t
fuzz_utf8_seq(const unsigned char *p, size_t avail)
{
    uint32_t  cp;
    size_t    n, i;

    if (p[0] < 0x80) {
        return 1;
    }
    if ((p[0] & 0xe0) == 0xc0) {
        n = 2;
        cp = p[0] & 0x1f;
    } else if ((p[0] & 0xf0) == 0xe0) {
        n = 3;
        cp = p[0] & 0x0f;
    } else if ((p[0] & 0xf8) == 0xf0) {
        n = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (n > avail) {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800)
        || (n == 4 && cp < 0x10000) || cp > 0x10ffff
        || (cp >= 0xd800 && cp <= 0xdfff))
    {
        return 0;
    }
    return n;
}


static int
fuzz_utf8_valid(const unsigned char *p, size_t len)
{
    size_t  i = 0, n;

    while (i < len) {
        n = fuzz_utf8_seq(p + i, len - i);
        if (n == 0) {
            return 0;
        }
        i += n;
    }
    return 1;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char    *doc;
    size_t   n, i;
    cJSON   *json;

    doc = malloc(oh_json_escape_max(size) + 2);
    if (doc == NULL) {
        return 0;
    }
    n = oh_json_escape(doc + 1, data, size);
    if (n > oh_json_escape_max(size)) {
        fuzz_fail("wrote more than oh_json_escape_max()");
    }
    doc[0] = '"';
    doc[n + 1] = '"';

    for (i = 1; i <= n; i++) {
        if ((unsigned char) doc[i] < 0x20) {
            fuzz_fail("a raw control character or NUL in the output");
        }
    }
    if (!fuzz_utf8_valid((unsigned char *) doc + 1, n)) {
        fuzz_fail("output is not valid UTF-8");
    }

    json = cJSON_ParseWithLength(doc, n + 2);
    if (!cJSON_IsString(json)) {
        fuzz_fail("quoted output does not parse as a JSON string");
    }

    /* valid UTF-8 without NUL must come back unchanged */
    if (fuzz_utf8_valid(data, size) && memchr(data, '\0', size) == NULL
        && (strlen(json->valuestring) != size
            || memcmp(json->valuestring, data, size) != 0))
    {
        fuzz_fail("valid UTF-8 did not round-trip through cJSON");
    }

    cJSON_Delete(json);
    free(doc);
    return 0;
}

/* oh_json: JSON string escaping that PostgreSQL's jsonb always accepts. */

#include "oh_json.h"


static size_t oh_json_utf8_len(const unsigned char *p, size_t avail,
    size_t *valid);
static size_t oh_json_put_ascii(char *dst, unsigned char c);
static size_t oh_json_put_replacement(char *dst);


size_t
oh_json_escape(char *dst, const unsigned char *src, size_t len)
{
    size_t  i, n, out, valid;

    out = 0;
    i = 0;

    while (i < len) {
        if (src[i] < 0x80) {
            out += oh_json_put_ascii(dst + out, src[i]);
            i++;
            continue;
        }

        n = oh_json_utf8_len(src + i, len - i, &valid);

        if (n == 0) {
            /* one U+FFFD per maximal invalid subpart (Unicode 3.9) */
            out += oh_json_put_replacement(dst + out);
            i += valid;
            continue;
        }

        while (n-- > 0) {
            dst[out++] = (char) src[i++];
        }
    }

    return out;
}


/*
 * The length of the well-formed UTF-8 sequence (Unicode table 3-7: no
 * overlongs, surrogates or code points above U+10FFFF) starting at `p`,
 * or 0 with *valid set to the length of its longest valid prefix (>= 1).
 */
static size_t
oh_json_utf8_len(const unsigned char *p, size_t avail, size_t *valid)
{
    size_t         need, k;
    unsigned char  lo, hi;

    lo = 0x80;
    hi = 0xbf;

    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        need = 2;

    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        need = 3;
        lo = (p[0] == 0xe0) ? 0xa0 : 0x80;
        hi = (p[0] == 0xed) ? 0x9f : 0xbf;

    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        need = 4;
        lo = (p[0] == 0xf0) ? 0x90 : 0x80;
        hi = (p[0] == 0xf4) ? 0x8f : 0xbf;

    } else {
        *valid = 1;
        return 0;
    }

    for (k = 1; k < need; k++) {
        if (k >= avail || p[k] < lo || p[k] > hi) {
            *valid = k;
            return 0;
        }

        lo = 0x80;
        hi = 0xbf;
    }

    *valid = need;
    return need;
}


static size_t
oh_json_put_ascii(char *dst, unsigned char c)
{
    static const char  hex[] = "0123456789abcdef";

    switch (c) {
    case '\0':
        return oh_json_put_replacement(dst);    /* jsonb refuses \u0000 */
    case '"':
    case '\\':
        dst[0] = '\\';
        dst[1] = (char) c;
        return 2;
    case '\b':
        dst[0] = '\\';
        dst[1] = 'b';
        return 2;
    case '\f':
        dst[0] = '\\';
        dst[1] = 'f';
        return 2;
    case '\n':
        dst[0] = '\\';
        dst[1] = 'n';
        return 2;
    case '\r':
        dst[0] = '\\';
        dst[1] = 'r';
        return 2;
    case '\t':
        dst[0] = '\\';
        dst[1] = 't';
        return 2;
    }

    if (c < 0x20) {
        dst[0] = '\\';
        dst[1] = 'u';
        dst[2] = '0';
        dst[3] = '0';
        dst[4] = hex[c >> 4];
        dst[5] = hex[c & 0x0f];
        return 6;
    }

    dst[0] = (char) c;
    return 1;
}


static size_t
oh_json_put_replacement(char *dst)
{
    dst[0] = (char) 0xef;
    dst[1] = (char) 0xbf;
    dst[2] = (char) 0xbd;
    return 3;
}

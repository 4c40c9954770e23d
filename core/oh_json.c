/* oh_json: JSON without allocation: escaping for jsonb, a member scan. */

#include <string.h>

#include "oh_json.h"


/* oh_json_next(): the container goes on after a comma */
#define OH_JSON_MORE  2

typedef struct {
    const unsigned char  *p;
    const unsigned char  *end;
} oh_json_in_t;


static size_t oh_json_utf8_len(const unsigned char *p, size_t avail,
    size_t *valid);
static size_t oh_json_put_ascii(char *dst, unsigned char c);
static size_t oh_json_put_replacement(char *dst);
static void oh_json_ws(oh_json_in_t *in);
static int oh_json_value(oh_json_in_t *in, unsigned depth,
    oh_json_type_t *type);
static int oh_json_object(oh_json_in_t *in, unsigned depth,
    oh_json_member_t *members, size_t n);
static oh_json_member_t *oh_json_wanted(oh_json_member_t *members, size_t n,
    const unsigned char *name, size_t len);
static int oh_json_member_value(oh_json_in_t *in, unsigned depth,
    oh_json_member_t *m);
static int oh_json_array(oh_json_in_t *in, unsigned depth);
static int oh_json_next(oh_json_in_t *in, unsigned char close);
static int oh_json_string(oh_json_in_t *in);
static int oh_json_escape_seq(oh_json_in_t *in);
static int oh_json_hex4(const unsigned char *p, unsigned *code);
static int oh_json_number(oh_json_in_t *in);
static const unsigned char *oh_json_digits(const unsigned char *p,
    const unsigned char *end);
static int oh_json_literal(oh_json_in_t *in, const char *lit, size_t len);


/* Bytes that end a run of plain string contents: '"', '\\', controls. */
static const unsigned char  oh_json_string_stop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1
};


size_t
oh_json_escape(char *dst, const unsigned char *src, size_t len)
{
    size_t  i, n, out, valid, start;

    out = 0;
    i = 0;

    while (i < len) {

        /* a run of ASCII that needs no escape is copied as it is */

        start = i;

        while (i < len && src[i] < 0x80 && !oh_json_string_stop[src[i]]) {
            i++;
        }

        if (i > start) {
            memcpy(dst + out, src + start, i - start);
            out += i - start;
            continue;
        }

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


int
oh_json_members(const unsigned char *doc, size_t len,
    oh_json_member_t *members, size_t n)
{
    size_t          i;
    oh_json_in_t    in;
    oh_json_type_t  type;

    for (i = 0; i < n; i++) {
        members[i].type = OH_JSON_ABSENT;
        members[i].value = NULL;
        members[i].len = 0;
    }

    if (doc == NULL) {
        return 0;
    }

    in.p = doc;
    in.end = doc + len;

    oh_json_ws(&in);

    if (in.p < in.end && *in.p == '{') {
        if (!oh_json_object(&in, 1, members, n)) {
            return 0;
        }

    } else if (!oh_json_value(&in, 0, &type)) {
        return 0;
    }

    oh_json_ws(&in);

    return in.p == in.end;
}


int
oh_json_is_number(const char *s, size_t len)
{
    oh_json_in_t  in;

    in.p = (const unsigned char *) s;
    in.end = in.p + len;

    return oh_json_number(&in) && in.p == in.end;
}


static void
oh_json_ws(oh_json_in_t *in)
{
    while (in->p < in->end
           && (*in->p == ' ' || *in->p == '\n' || *in->p == '\r'
               || *in->p == '\t'))
    {
        in->p++;
    }
}


/* One value at `depth` containers deep; its type in *type. */
static int
oh_json_value(oh_json_in_t *in, unsigned depth, oh_json_type_t *type)
{
    if (in->p == in->end) {
        return 0;
    }

    *type = OH_JSON_OTHER;

    switch (*in->p) {
    case '{':
        return oh_json_object(in, depth + 1, NULL, 0);
    case '[':
        *type = OH_JSON_ARRAY;
        return oh_json_array(in, depth + 1);
    case '"':
        *type = OH_JSON_STRING;
        return oh_json_string(in);
    case 't':
        return oh_json_literal(in, "true", 4);
    case 'f':
        return oh_json_literal(in, "false", 5);
    case 'n':
        return oh_json_literal(in, "null", 4);
    default:
        return oh_json_number(in);
    }
}


/* An object; `members` only for the top-level one. */
static int
oh_json_object(oh_json_in_t *in, unsigned depth, oh_json_member_t *members,
    size_t n)
{
    int                   rc;
    const unsigned char  *name;
    oh_json_member_t     *m;

    if (depth > OH_JSON_DEPTH_MAX) {
        return 0;
    }

    in->p++;                                    /* '{' */
    oh_json_ws(in);

    if (in->p < in->end && *in->p == '}') {
        in->p++;
        return 1;
    }

    for ( ;; ) {
        name = in->p;

        if (!oh_json_string(in)) {
            return 0;
        }

        name++;                                 /* past the '"' */

        m = NULL;

        if (members != NULL) {
            /* cJSON would compare the decoded name */
            if (memchr(name, '\\', (size_t) (in->p - 1 - name)) != NULL) {
                return 0;
            }

            m = oh_json_wanted(members, n, name, (size_t) (in->p - 1 - name));
        }

        oh_json_ws(in);

        if (in->p == in->end || *in->p != ':') {
            return 0;
        }

        in->p++;
        oh_json_ws(in);

        if (!oh_json_member_value(in, depth, m)) {
            return 0;
        }

        rc = oh_json_next(in, '}');

        if (rc != OH_JSON_MORE) {
            return rc;
        }
    }
}


/* The member called `name` if it is wanted and not seen yet, else NULL. */
static oh_json_member_t *
oh_json_wanted(oh_json_member_t *members, size_t n, const unsigned char *name,
    size_t len)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (members[i].type == OH_JSON_ABSENT
            && strlen(members[i].name) == len
            && memcmp(members[i].name, name, len) == 0)
        {
            return &members[i];
        }
    }

    return NULL;
}


static int
oh_json_member_value(oh_json_in_t *in, unsigned depth, oh_json_member_t *m)
{
    const unsigned char  *start;
    oh_json_type_t        type;

    start = in->p;

    if (!oh_json_value(in, depth, &type)) {
        return 0;
    }

    if (m == NULL) {
        return 1;
    }

    m->type = type;

    if (type == OH_JSON_STRING) {
        m->value = (const char *) start + 1;
        m->len = (size_t) (in->p - start - 2);

        /* cJSON would return it decoded */
        if (memchr(m->value, '\\', m->len) != NULL) {
            return 0;
        }
    }

    return 1;
}


static int
oh_json_array(oh_json_in_t *in, unsigned depth)
{
    int             rc;
    oh_json_type_t  type;

    if (depth > OH_JSON_DEPTH_MAX) {
        return 0;
    }

    in->p++;                                    /* '[' */
    oh_json_ws(in);

    if (in->p < in->end && *in->p == ']') {
        in->p++;
        return 1;
    }

    for ( ;; ) {
        if (!oh_json_value(in, depth, &type)) {
            return 0;
        }

        rc = oh_json_next(in, ']');

        if (rc != OH_JSON_MORE) {
            return rc;
        }
    }
}


/*
 * After a member or an element: the container's `close` ends it (1), a
 * comma announces one more (OH_JSON_MORE, the input past the comma),
 * anything else is not JSON (0).
 */
static int
oh_json_next(oh_json_in_t *in, unsigned char close)
{
    oh_json_ws(in);

    if (in->p == in->end) {
        return 0;
    }

    if (*in->p == close) {
        in->p++;
        return 1;
    }

    if (*in->p != ',') {
        return 0;
    }

    in->p++;
    oh_json_ws(in);

    return OH_JSON_MORE;
}


/* A string: no raw control characters, escapes as RFC 8259 and cJSON. */
static int
oh_json_string(oh_json_in_t *in)
{
    const unsigned char  *p, *end;

    end = in->end;

    if (in->p == end || *in->p != '"') {
        return 0;
    }

    p = in->p + 1;

    for ( ;; ) {

        /* four bytes a step through the long runs of plain contents */

        while (end - p >= 4
               && !(oh_json_string_stop[p[0]] | oh_json_string_stop[p[1]]
                    | oh_json_string_stop[p[2]] | oh_json_string_stop[p[3]]))
        {
            p += 4;
        }

        while (p < end && !oh_json_string_stop[*p]) {
            p++;
        }

        if (p == end || *p < 0x20) {
            return 0;
        }

        if (*p == '"') {
            in->p = p + 1;
            return 1;
        }

        in->p = p;                              /* '\\' */

        if (!oh_json_escape_seq(in)) {
            return 0;
        }

        p = in->p;
    }
}


/*
 * One escape; a \u escape of a UTF-16 surrogate must be a high one
 * followed by a low one, the pairs cJSON decodes.
 */
static int
oh_json_escape_seq(oh_json_in_t *in)
{
    unsigned              hi, lo;
    const unsigned char  *p;

    p = in->p;

    if (in->end - p < 2) {
        return 0;
    }

    switch (p[1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
        in->p = p + 2;
        return 1;
    case 'u':
        break;
    default:
        return 0;
    }

    if (in->end - p < 6 || !oh_json_hex4(p + 2, &hi)
        || (hi >= 0xdc00 && hi <= 0xdfff))
    {
        return 0;
    }

    if (hi < 0xd800 || hi > 0xdbff) {
        in->p = p + 6;
        return 1;
    }

    if (in->end - p < 12 || p[6] != '\\' || p[7] != 'u'
        || !oh_json_hex4(p + 8, &lo) || lo < 0xdc00 || lo > 0xdfff)
    {
        return 0;
    }

    in->p = p + 12;
    return 1;
}


static int
oh_json_hex4(const unsigned char *p, unsigned *code)
{
    size_t    i;
    unsigned  c;

    *code = 0;

    for (i = 0; i < 4; i++) {
        c = p[i];

        if (c >= '0' && c <= '9') {
            c -= '0';

        } else if (c >= 'a' && c <= 'f') {
            c = c - 'a' + 10;

        } else if (c >= 'A' && c <= 'F') {
            c = c - 'A' + 10;

        } else {
            return 0;
        }

        *code = (*code << 4) | c;
    }

    return 1;
}


/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
oh_json_number(oh_json_in_t *in)
{
    const unsigned char  *p, *q;

    p = in->p;

    if (p < in->end && *p == '-') {
        p++;
    }

    if (p == in->end || *p < '0' || *p > '9') {
        return 0;
    }

    p = (*p == '0') ? p + 1 : oh_json_digits(p, in->end);

    if (p < in->end && *p == '.') {
        q = oh_json_digits(p + 1, in->end);
        if (q == p + 1) {
            return 0;
        }

        p = q;
    }

    if (p < in->end && (*p == 'e' || *p == 'E')) {
        p++;

        if (p < in->end && (*p == '+' || *p == '-')) {
            p++;
        }

        q = oh_json_digits(p, in->end);
        if (q == p) {
            return 0;
        }

        p = q;
    }

    if (p - in->p > OH_JSON_NUMBER_MAX) {
        return 0;
    }

    in->p = p;
    return 1;
}


static const unsigned char *
oh_json_digits(const unsigned char *p, const unsigned char *end)
{
    while (p < end && *p >= '0' && *p <= '9') {
        p++;
    }

    return p;
}


static int
oh_json_literal(oh_json_in_t *in, const char *lit, size_t len)
{
    if ((size_t) (in->end - in->p) < len || memcmp(in->p, lit, len) != 0) {
        return 0;
    }

    in->p += len;
    return 1;
}

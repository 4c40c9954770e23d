/* test_json: oh_json_escape on control bytes, NUL and (in)valid UTF-8. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <iconv.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "oh_json.h"

#define FFFD  "\xef\xbf\xbd"


typedef struct {
    const char  *in;
    size_t       len;
    const char  *out;
} escape_case_t;

#define CASE(in, out)  { in, sizeof(in) - 1, out }


static void
check_cases(const escape_case_t *cases, size_t n)
{
    char    dst[256];
    size_t  i, len;

    for (i = 0; i < n; i++) {
        assert_true(oh_json_escape_max(cases[i].len) <= sizeof(dst));

        len = oh_json_escape(dst, (const unsigned char *) cases[i].in,
                             cases[i].len);
        dst[len] = '\0';

        assert_true(len <= oh_json_escape_max(cases[i].len));
        assert_string_equal(dst, cases[i].out);
        assert_int_equal(len, strlen(cases[i].out));
    }
}


static void
test_ascii(void **state)
{
    static const escape_case_t  cases[] = {
        CASE("", ""),
        CASE("plain text 123", "plain text 123"),
        CASE("a\"b\\c/d", "a\\\"b\\\\c/d"),
        CASE("\b\f\n\r\t", "\\b\\f\\n\\r\\t"),
        CASE("\x01\x02\x1b\x1f \x7f", "\\u0001\\u0002\\u001b\\u001f \x7f"),
    };

    (void) state;

    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}


/* jsonb refuses \u0000, so NUL becomes U+FFFD. */
static void
test_nul(void **state)
{
    static const escape_case_t  cases[] = {
        CASE("\0", FFFD),
        CASE("a\0b", "a" FFFD "b"),
        CASE("\0\0", FFFD FFFD),
    };

    (void) state;

    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}


static void
test_valid_utf8(void **state)
{
    static const escape_case_t  cases[] = {
        CASE("caf\xc3\xa9", "caf\xc3\xa9"),                   /* U+00E9 */
        CASE("\xc2\x80", "\xc2\x80"),                         /* U+0080 */
        CASE("\xe2\x82\xac 5", "\xe2\x82\xac 5"),             /* U+20AC */
        CASE("\xe0\xa0\x80", "\xe0\xa0\x80"),                 /* U+0800 */
        CASE("\xed\x9f\xbf", "\xed\x9f\xbf"),                 /* U+D7FF */
        CASE("\xef\xbf\xbf", "\xef\xbf\xbf"),                 /* U+FFFF */
        CASE("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"),         /* U+1F600 */
        CASE("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"),         /* U+10FFFF */
        CASE("\xd7\xa2\xe6\x97\xa5\n", "\xd7\xa2\xe6\x97\xa5\\n"),
    };

    (void) state;

    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}


/* One U+FFFD per maximal invalid subpart (Unicode 3.9, table 3-8). */
static void
test_invalid_utf8(void **state)
{
    static const escape_case_t  cases[] = {
        CASE("\x80", FFFD),                                /* continuation */
        CASE("a\xbf" "b", "a" FFFD "b"),
        CASE("\xc0\xaf", FFFD FFFD),                       /* overlong */
        CASE("\xc1\xbf", FFFD FFFD),
        CASE("\xe0\x80\x80", FFFD FFFD FFFD),              /* overlong */
        CASE("\xed\xa0\x80", FFFD FFFD FFFD),              /* surrogate */
        CASE("\xf0\x80\x80\x80", FFFD FFFD FFFD FFFD),     /* overlong */
        CASE("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD),     /* > U+10FFFF */
        CASE("\xf5\xff\xfe", FFFD FFFD FFFD),
        CASE("\xc3", FFFD),                                /* truncated */
        CASE("\xe2\x82", FFFD),
        CASE("\xe2\x82" "A", FFFD "A"),
        CASE("\xf0\x9f\x98", FFFD),
        CASE("\xf0\x9f\x98\"", FFFD "\\\""),
        CASE("\xe2\x82\xe2\x82\xac", FFFD "\xe2\x82\xac"),
    };

    (void) state;

    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}


static void
test_worst_case(void **state)
{
    char           *dst;
    size_t          len;
    unsigned char   src[100];

    (void) state;

    memset(src, 0x01, sizeof(src));
    dst = malloc(oh_json_escape_max(sizeof(src)));
    assert_non_null(dst);

    len = oh_json_escape(dst, src, sizeof(src));
    assert_int_equal(len, oh_json_escape_max(sizeof(src)));
    assert_memory_equal(dst, "\\u0001\\u0001", 12);

    free(dst);
}


static int
utf8_valid(const char *s, size_t len)
{
    int      ok;
    char    *in, *out, *buf;
    size_t   inleft, outleft;
    iconv_t  cd;

    cd = iconv_open("UTF-32LE", "UTF-8");
    assert_true(cd != (iconv_t) -1);

    outleft = 4 * len;
    buf = malloc(outleft);
    assert_non_null(buf);

    in = (char *) s;
    inleft = len;
    out = buf;

    ok = iconv(cd, &in, &inleft, &out, &outleft) != (size_t) -1
         && inleft == 0;
    iconv_close(cd);
    free(buf);

    return ok;
}


/* Random bytes always give a valid JSON string of valid UTF-8. */
static void
test_random(void **state)
{
    int             round;
    char            dst[4096 * 6 + 3];
    size_t          i, n, len;
    cJSON          *json;
    uint32_t        x;
    unsigned char   src[4096];

    (void) state;

    x = 2463534242u;

    for (round = 0; round < 200; round++) {
        n = 1 + (size_t) round * 20;

        for (i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            src[i] = (unsigned char) (round % 2 ? x : 0x80 | x);
        }

        dst[0] = '"';
        len = 1 + oh_json_escape(dst + 1, src, n);
        assert_true(len - 1 <= oh_json_escape_max(n));
        dst[len++] = '"';

        assert_true(utf8_valid(dst, len));

        for (i = 0; i < len; i++) {
            assert_true((unsigned char) dst[i] >= 0x20);
        }

        json = cJSON_ParseWithLength(dst, len);
        assert_non_null(json);
        assert_true(cJSON_IsString(json));
        cJSON_Delete(json);
    }
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_nul),
        cmocka_unit_test(test_valid_utf8),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_worst_case),
        cmocka_unit_test(test_random),
    };

    return cmocka_run_group_tests_name("oh_json", tests, NULL, NULL);
}

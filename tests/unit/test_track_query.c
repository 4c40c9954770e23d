/* test_track_query: the order-lookup form: fields, decoding, validation. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "oh_track_query.h"


static oh_track_status_t
parse(const char *s, oh_track_query_t *q)
{
    return oh_track_query_parse(s, strlen(s), q);
}


static void
test_plain(void **state)
{
    oh_track_query_t  q;

    (void) state;
    assert_int_equal(parse("order=ORD-1001&email=ann@example.com", &q),
                     OH_TRACK_OK);
    assert_string_equal(q.order, "ORD-1001");
    assert_string_equal(q.order_key, "ord-1001");
    assert_string_equal(q.email, "ann@example.com");

    /* any order, unknown fields ignored, the first occurrence wins */
    assert_int_equal(parse("x=1&email=b%40x.io&order=A1&order=B2&y", &q),
                     OH_TRACK_OK);
    assert_string_equal(q.order, "A1");
    assert_string_equal(q.email, "b@x.io");
}


static void
test_decoding(void **state)
{
    oh_track_query_t  q;

    (void) state;
    assert_int_equal(parse("order=+%23100%2F2+&email=Ann%2Bshop%40Ex.COM",
                           &q), OH_TRACK_OK);
    assert_string_equal(q.order, "#100/2");
    assert_string_equal(q.email, "Ann+shop@Ex.COM");

    assert_int_equal(parse("order=A1&email=a%4", &q), OH_TRACK_BAD_ENCODING);
    assert_int_equal(parse("order=A1&email=a%", &q), OH_TRACK_BAD_ENCODING);
    assert_int_equal(parse("order=%zz&email=a@b", &q),
                     OH_TRACK_BAD_ENCODING);
}


static void
test_missing(void **state)
{
    oh_track_query_t  q;

    (void) state;
    assert_int_equal(parse("", &q), OH_TRACK_MISSING_ORDER);
    assert_int_equal(parse("email=a@b", &q), OH_TRACK_MISSING_ORDER);
    assert_int_equal(parse("order=&email=a@b", &q), OH_TRACK_MISSING_ORDER);
    assert_int_equal(parse("order=++&email=a@b", &q),
                     OH_TRACK_MISSING_ORDER);
    assert_int_equal(parse("order=A1", &q), OH_TRACK_MISSING_EMAIL);
    assert_int_equal(parse("order=A1&email", &q), OH_TRACK_MISSING_EMAIL);
    /* field names are exact */
    assert_int_equal(parse("Order=A1&emails=a@b", &q),
                     OH_TRACK_MISSING_ORDER);
}


static void
test_invalid(void **state)
{
    char              buf[400];
    oh_track_query_t  q;

    (void) state;
    assert_int_equal(parse("order=A%201&email=a@b", &q), OH_TRACK_BAD_ORDER);
    assert_int_equal(parse("order=A%27--&email=a@b", &q),
                     OH_TRACK_BAD_ORDER);
    assert_int_equal(parse("order=A1&email=ab", &q), OH_TRACK_BAD_EMAIL);
    assert_int_equal(parse("order=A1&email=@b", &q), OH_TRACK_BAD_EMAIL);
    assert_int_equal(parse("order=A1&email=a@", &q), OH_TRACK_BAD_EMAIL);
    assert_int_equal(parse("order=A1&email=a+b@c", &q), OH_TRACK_BAD_EMAIL);
    assert_int_equal(parse("order=A1&email=a%00@c", &q), OH_TRACK_BAD_EMAIL);

    /* 64 characters pass, 65 do not */
    strcpy(buf, "email=a@b&order=");
    memset(buf + strlen(buf), 'x', 64);
    buf[16 + 64] = '\0';
    assert_int_equal(parse(buf, &q), OH_TRACK_OK);
    assert_int_equal(strlen(q.order), 64);
    strcat(buf, "x");
    assert_int_equal(parse(buf, &q), OH_TRACK_BAD_ORDER);

    /* 254 bytes of email pass, 255 do not */
    strcpy(buf, "order=A1&email=a@");
    memset(buf + strlen(buf), 'b', 252);
    buf[17 + 252] = '\0';
    assert_int_equal(parse(buf, &q), OH_TRACK_OK);
    strcat(buf, "b");
    assert_int_equal(parse(buf, &q), OH_TRACK_BAD_EMAIL);
}


static void
test_names(void **state)
{
    (void) state;
    assert_string_equal(oh_track_status_name(OH_TRACK_OK), "ok");
    assert_string_equal(oh_track_status_name(OH_TRACK_MISSING_EMAIL),
                        "missing_email");
    assert_string_equal(oh_track_status_name(OH_TRACK_BAD_ENCODING),
                        "invalid_encoding");
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_decoding),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_json_members: the top-level member scan, checked against cJSON. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "oh_json.h"

#define NMEMBERS  3

#define STRIPE_BODY                                                         \
    "{\"id\":\"evt_3Q1\",\"object\":\"event\","                               \
    "\"api_version\":\"2024-06-20\","                                        \
    "\"created\":1700000000,\"data\":{\"object\":{\"id\":\"pi_1\","          \
    "\"amount\":4999,\"metadata\":{\"order_id\":\"ORD-1\"},"                 \
    "\"payment_method_types\":[\"card\",\"link\"],\"canceled_at\":null,"     \
    "\"livemode\":false,\"ratio\":-0.5e+3,\"desc\":\"caf\\u00e9 \\\"x\\\"\"," \
    "\"emoji\":\"\\ud83d\\ude00\"}},\"livemode\":false,"                     \
    "\"pending_webhooks\":1,\"request\":{\"id\":null},"                     \
    "\"type\":\"payment_intent.succeeded\"}"


typedef struct {
    const char  *doc;
    const char  *id;       /* expected string, or NULL */
    const char  *type;
    int          events;   /* expected type of "events" */
} decided_t;


static void
scan(const char *doc, size_t len, oh_json_member_t *m, int *rc)
{
    m[0].name = "id";
    m[1].name = "type";
    m[2].name = "events";

    *rc = oh_json_members((const unsigned char *) doc, len, m, NMEMBERS);
}


/* Whenever the scan decides, cJSON parses `doc` and agrees on members. */
static int
agrees_with_cjson(const char *doc, size_t len)
{
    int                rc;
    size_t             i;
    cJSON             *root;
    const cJSON       *item;
    oh_json_member_t   m[NMEMBERS];

    scan(doc, len, m, &rc);

    if (!rc) {
        return 0;
    }

    root = cJSON_ParseWithLength(doc, len);
    assert_non_null(root);

    for (i = 0; i < NMEMBERS; i++) {
        item = cJSON_IsObject(root)
               ? cJSON_GetObjectItemCaseSensitive(root, m[i].name) : NULL;

        if (item == NULL) {
            assert_int_equal(m[i].type, OH_JSON_ABSENT);

        } else if (cJSON_IsString(item)) {
            assert_int_equal(m[i].type, OH_JSON_STRING);
            assert_int_equal(m[i].len, strlen(item->valuestring));
            assert_memory_equal(m[i].value, item->valuestring, m[i].len);

        } else if (cJSON_IsArray(item)) {
            assert_int_equal(m[i].type, OH_JSON_ARRAY);

        } else {
            assert_int_equal(m[i].type, OH_JSON_OTHER);
        }
    }

    cJSON_Delete(root);

    return 1;
}


static void
check_string(const oh_json_member_t *m, const char *want)
{
    if (want == NULL) {
        assert_int_not_equal(m->type, OH_JSON_STRING);
        return;
    }

    assert_int_equal(m->type, OH_JSON_STRING);
    assert_int_equal(m->len, strlen(want));
    assert_memory_equal(m->value, want, m->len);
}


static void
test_decided(void **state)
{
    int               rc;
    size_t            i;
    oh_json_member_t  m[NMEMBERS];

    static const decided_t  cases[] = {
        { STRIPE_BODY, "evt_3Q1", "payment_intent.succeeded",
          OH_JSON_ABSENT },
        { " \t\r\n{ \"id\" : \"a\" , \"type\":\"b\" } \n", "a", "b",
          OH_JSON_ABSENT },
        { "{\"id\":\"first\",\"id\":\"second\"}", "first", NULL,
          OH_JSON_ABSENT },
        { "{\"id\":12,\"id\":\"second\"}", NULL, NULL, OH_JSON_ABSENT },
        { "{\"type\":{\"id\":\"nested\"},\"events\":[]}", NULL, NULL,
          OH_JSON_ARRAY },
        { "{\"events\":{}}", NULL, NULL, OH_JSON_OTHER },
        { "{\"x\":[1,-0,0.5,1e5,1E-5,2.5e+10,true,false,null,\"\\/\"]}",
          NULL, NULL, OH_JSON_ABSENT },
        { "{\"id\":\"caf\xc3\xa9\",\"type\":\"\"}", "caf\xc3\xa9", "",
          OH_JSON_ABSENT },
        { "{}", NULL, NULL, OH_JSON_ABSENT },
        { "[{\"id\":\"in an array\"}]", NULL, NULL, OH_JSON_ABSENT },
        { "\"id\"", NULL, NULL, OH_JSON_ABSENT },
        { "-12.5", NULL, NULL, OH_JSON_ABSENT },
        { "{\"x\":\"\\u0000\\ud800\\udc00\"}", NULL, NULL, OH_JSON_ABSENT },
    };

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        scan(cases[i].doc, strlen(cases[i].doc), m, &rc);
        assert_int_equal(rc, 1);
        check_string(&m[0], cases[i].id);
        check_string(&m[1], cases[i].type);
        assert_int_equal(m[2].type, cases[i].events);

        assert_true(agrees_with_cjson(cases[i].doc, strlen(cases[i].doc)));
    }
}


/* Left to cJSON: not strict JSON, or beyond what the scan decodes. */
static void
test_undecided(void **state)
{
    int               rc;
    size_t            i;
    char              deep[2 * OH_JSON_DEPTH_MAX + 16], num[128];
    oh_json_member_t  m[NMEMBERS];

    static const char  *cases[] = {
        "", " ", "not json", "{", "{\"id\":\"a\"", "{\"id\":\"a\"}x",
        "{\"id\":\"a\"}{}", "{\"id\":\"a\",}", "{\"id\" \"a\"}", "{id:1}",
        "[1,]", "{\"x\":01}", "{\"x\":1.}", "{\"x\":.5}", "{\"x\":+1}",
        "{\"x\":1e}", "{\"x\":-}", "{\"x\":tru}", "{\"x\":nul}",
        "{\"x\":NaN}", "{\"x\":\"a\tb\"}", "{\"x\":\"\\x\"}",
        "{\"x\":\"\\u12\"}", "{\"x\":\"\\uZZZZ\"}", "{\"x\":\"\\udc00\"}",
        "{\"x\":\"\\ud800\"}", "{\"x\":\"\\ud800\\u0041\"}",
        "\xef\xbb\xbf{}", "{\"x\":1}\x01", "\x0b{}",
        "{\"i\\u0064\":\"a\"}", "{\"id\":\"evt\\u005f1\"}",
        "{\"type\":\"a\\nb\"}", "{\"events\":\"\\\"\"}",
    };

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        scan(cases[i], strlen(cases[i]), m, &rc);
        assert_int_equal(rc, 0);
    }

    scan(NULL, 0, m, &rc);
    assert_int_equal(rc, 0);

    /* a NUL byte after the document */
    scan("{}", 3, m, &rc);
    assert_int_equal(rc, 0);

    /* nesting: exactly the limit is decided, one more is not */
    for (i = 0; i < OH_JSON_DEPTH_MAX; i++) {
        deep[i] = '[';
        deep[2 * OH_JSON_DEPTH_MAX - 1 - i] = ']';
    }

    assert_true(agrees_with_cjson(deep, 2 * OH_JSON_DEPTH_MAX));

    memmove(deep + 1, deep, 2 * OH_JSON_DEPTH_MAX);
    deep[0] = '[';
    deep[1] = '[';
    deep[2 * OH_JSON_DEPTH_MAX] = ']';
    deep[2 * OH_JSON_DEPTH_MAX + 1] = ']';
    scan(deep, 2 * OH_JSON_DEPTH_MAX + 2, m, &rc);
    assert_int_equal(rc, 0);                   /* 65 deep */

    /* numbers: up to OH_JSON_NUMBER_MAX bytes */
    memset(num, '7', sizeof(num));
    memcpy(num, "{\"x\":", 5);
    num[5 + OH_JSON_NUMBER_MAX] = '}';
    assert_true(agrees_with_cjson(num, 6 + OH_JSON_NUMBER_MAX));

    num[5 + OH_JSON_NUMBER_MAX] = '7';
    num[6 + OH_JSON_NUMBER_MAX] = '}';
    scan(num, 7 + OH_JSON_NUMBER_MAX, m, &rc);
    assert_int_equal(rc, 0);
}


/*
 * Random edits of a Stripe body: every document the scan decides is one
 * cJSON parses to the same members; some are decided, some are not.
 */
static void
test_random_edits(void **state)
{
    int          round, k, decided;
    char         doc[sizeof(STRIPE_BODY) + 64];
    size_t       len, pos;
    uint32_t     x;

    static const char  tokens[] = "{}[]\",:\\ \t0123456789.eE+-tfnu\x01\x80";

    (void) state;

    x = 88172645u;
    decided = 0;

    for (round = 0; round < 20000; round++) {
        memcpy(doc, STRIPE_BODY, sizeof(STRIPE_BODY) - 1);
        len = sizeof(STRIPE_BODY) - 1;

        for (k = 0; k < 1 + round % 3; k++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            pos = x % len;

            switch ((x >> 16) % 3) {
            case 0:                                 /* replace */
                doc[pos] = tokens[(x >> 8) % (sizeof(tokens) - 1)];
                break;
            case 1:                                 /* delete */
                memmove(doc + pos, doc + pos + 1, len - pos - 1);
                len--;
                break;
            default:                                /* insert */
                memmove(doc + pos + 1, doc + pos, len - pos);
                doc[pos] = tokens[(x >> 8) % (sizeof(tokens) - 1)];
                len++;
            }
        }

        decided += agrees_with_cjson(doc, len);
    }

    assert_true(decided > 1000);
    assert_true(decided < 19000);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_decided),
        cmocka_unit_test(test_undecided),
        cmocka_unit_test(test_random_edits),
    };

    return cmocka_run_group_tests_name("oh_json_members", tests, NULL, NULL);
}

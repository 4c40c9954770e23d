/* test_event: event ids and types per provider, and the body-hash key. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "oh_event.h"
#include "unit_vectors.h"

/* golden values from coreutils' sha256sum */
#define X1_BODY       "{\"x\":1}"
#define X1_HASH       "sha256:" \
    "5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22"
#define NOT_JSON      "not json"
#define NOT_JSON_HASH "sha256:" \
    "7ccfa1fbf3940e6f0c0375d87c0f9235a50514e14cb427bdfaf5077987b26ccf"
#define EMPTY_HASH    "sha256:" \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


static cJSON *
headers(const char *name, ...)
{
    va_list      ap;
    cJSON       *h;
    const char  *value;

    h = cJSON_CreateObject();
    assert_non_null(h);

    va_start(ap, name);
    while (name != NULL) {
        value = va_arg(ap, const char *);
        assert_non_null(cJSON_AddStringToObject(h, name, value));
        name = va_arg(ap, const char *);
    }
    va_end(ap);

    return h;
}


/* Identifies `body` with headers `h` (deleted here). */
static oh_event_ident_t
identify(oh_provider_t provider, cJSON *h, const char *body)
{
    oh_event_ident_t  out;

    memset(&out, 0x5a, sizeof(out));
    assert_int_equal(oh_event_identify(provider, unit_header_get, h,
                     (const unsigned char *) body, strlen(body), &out), 0);
    cJSON_Delete(h);

    return out;
}


static void
test_stripe(void **state)
{
    oh_event_ident_t  e;

    (void) state;

    e = identify(OH_PROVIDER_STRIPE, headers(NULL),
                 "{\"id\":\"evt_1\",\"object\":\"event\","
                 "\"type\":\"payment_intent.succeeded\"}");
    assert_string_equal(e.event_id, "evt_1");
    assert_string_equal(e.event_type, "payment_intent.succeeded");
    assert_int_equal(e.id_from_body_hash, 0);

    /* id not a string, not at the top level, absent */
    e = identify(OH_PROVIDER_STRIPE, headers(NULL), "{\"id\":12}");
    assert_string_equal(e.event_id,
        "sha256:"
        "718b2f8ec96494a280786d9d8ac7af27bc9758e5f7f95d2e960ba8b6b72dd851");
    assert_int_equal(e.id_from_body_hash, 1);
    assert_string_equal(e.event_type, "");

    e = identify(OH_PROVIDER_STRIPE, headers(NULL), X1_BODY);
    assert_string_equal(e.event_id, X1_HASH);
    assert_int_equal(e.id_from_body_hash, 1);

    e = identify(OH_PROVIDER_STRIPE, headers(NULL), NOT_JSON);
    assert_string_equal(e.event_id, NOT_JSON_HASH);
    assert_int_equal(e.id_from_body_hash, 1);
}


static void
test_header_ids(void **state)
{
    oh_event_ident_t  e;

    (void) state;

    e = identify(OH_PROVIDER_RAZORPAY,
                 headers("x-razorpay-event-id", "evt_R1", NULL),
                 "{\"event\":\"payment.captured\"}");
    assert_string_equal(e.event_id, "evt_R1");
    assert_string_equal(e.event_type, "payment.captured");

    e = identify(OH_PROVIDER_SHOPIFY,
                 headers("X-Shopify-Webhook-Id", "da2e", "X-Shopify-Topic",
                         "orders/paid", NULL), X1_BODY);
    assert_string_equal(e.event_id, "da2e");
    assert_string_equal(e.event_type, "orders/paid");

    e = identify(OH_PROVIDER_GITHUB,
                 headers("X-GitHub-Delivery", "41db", "X-GitHub-Event",
                         "check_run", NULL), X1_BODY);
    assert_string_equal(e.event_id, "41db");
    assert_string_equal(e.event_type, "check_run");
    assert_int_equal(e.id_from_body_hash, 0);

    /* the header absent or empty: the body hash */
    e = identify(OH_PROVIDER_RAZORPAY, headers(NULL), X1_BODY);
    assert_string_equal(e.event_id, X1_HASH);
    assert_int_equal(e.id_from_body_hash, 1);

    e = identify(OH_PROVIDER_GITHUB, headers("X-GitHub-Delivery", "", NULL),
                 X1_BODY);
    assert_string_equal(e.event_id, X1_HASH);
    assert_string_equal(e.event_type, "");
}


static void
test_stitch(void **state)
{
    oh_event_ident_t  e;

    (void) state;

    e = identify(OH_PROVIDER_STITCH,
                 headers("svix-id", "msg_a", "svix-timestamp", "1",
                         "svix-signature", "v1,x", "webhook-id", "msg_b",
                         NULL), "{\"type\":\"payment\"}");
    assert_string_equal(e.event_id, "msg_a");
    assert_string_equal(e.event_type, "payment");

    /* the same header set the verifier uses: webhook-* when svix-* lacks */
    e = identify(OH_PROVIDER_STITCH,
                 headers("svix-id", "msg_a", "webhook-id", "msg_b",
                         "webhook-timestamp", "1", "webhook-signature", "v1,x",
                         NULL), X1_BODY);
    assert_string_equal(e.event_id, "msg_b");
    assert_string_equal(e.event_type, "");
}


static void
test_generic(void **state)
{
    oh_event_ident_t  e;

    (void) state;

    e = identify(OH_PROVIDER_GENERIC, headers(NULL),
                 "{\"event\":\"order.paid\",\"type\":\"x\","
                 "\"event_id\":\"ev_1\"}");
    assert_string_equal(e.event_id, "ev_1");
    assert_string_equal(e.event_type, "order.paid");

    e = identify(OH_PROVIDER_GENERIC, headers(NULL),
                 "{\"type\":\"order.refunded\",\"event_id\":\"ev_2\"}");
    assert_string_equal(e.event_type, "order.refunded");

    e = identify(OH_PROVIDER_GENERIC, headers(NULL), "{\"events\":[]}");
    assert_string_equal(e.event_type, "tracking");
    assert_int_equal(e.id_from_body_hash, 1);

    e = identify(OH_PROVIDER_GENERIC, headers(NULL), "[1,2]");
    assert_string_equal(e.event_type, "");
    assert_int_equal(e.id_from_body_hash, 1);

    e = identify(OH_PROVIDER_SHIPROCKET, headers("x-api-key", "t", NULL),
                 "{\"awb\":\"1\",\"id\":\"not-used\"}");
    assert_string_equal(e.event_type, "tracking");
    assert_int_equal(e.id_from_body_hash, 1);
    assert_memory_equal(e.event_id, "sha256:", 7);
}


/* Ids that are too long or not printable ASCII fall back to the hash. */
static void
test_unusable_ids(void **state)
{
    char              id[OH_EVENT_ID_MAX + 2], body[512];
    oh_event_ident_t  e;

    (void) state;

    memset(id, 'a', sizeof(id));
    id[OH_EVENT_ID_MAX] = '\0';

    e = identify(OH_PROVIDER_GITHUB, headers("X-GitHub-Delivery", id, NULL),
                 X1_BODY);
    assert_string_equal(e.event_id, id);
    assert_int_equal(strlen(e.event_id), OH_EVENT_ID_MAX);

    id[OH_EVENT_ID_MAX] = 'a';
    id[OH_EVENT_ID_MAX + 1] = '\0';
    e = identify(OH_PROVIDER_GITHUB, headers("X-GitHub-Delivery", id, NULL),
                 X1_BODY);
    assert_string_equal(e.event_id, X1_HASH);

    snprintf(body, sizeof(body), "{\"id\":\"%s\"}", id);
    e = identify(OH_PROVIDER_STRIPE, headers(NULL), body);
    assert_int_equal(e.id_from_body_hash, 1);

    e = identify(OH_PROVIDER_STRIPE, headers(NULL),
                 "{\"id\":\"evt\\n1\",\"type\":\"caf\\u00e9\"}");
    assert_int_equal(e.id_from_body_hash, 1);
    assert_string_equal(e.event_type, "");

    e = identify(OH_PROVIDER_RAZORPAY,
                 headers("X-Razorpay-Event-Id", "evt\xc3\xa9", NULL), X1_BODY);
    assert_string_equal(e.event_id, X1_HASH);
}


static void
test_empty_body(void **state)
{
    oh_event_ident_t  e;

    (void) state;

    assert_int_equal(oh_event_identify(OH_PROVIDER_STRIPE, unit_header_get,
                     NULL, NULL, 0, &e), 0);
    assert_string_equal(e.event_id, EMPTY_HASH);
    assert_int_equal(e.id_from_body_hash, 1);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_stripe),
        cmocka_unit_test(test_header_ids),
        cmocka_unit_test(test_stitch),
        cmocka_unit_test(test_generic),
        cmocka_unit_test(test_unusable_ids),
        cmocka_unit_test(test_empty_body),
    };

    return cmocka_run_group_tests_name("oh_event", tests, NULL, NULL);
}

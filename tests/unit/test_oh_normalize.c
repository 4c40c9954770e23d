/* test_oh_normalize: provider payloads to domain events, per provider. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "oh_normalize.h"

static oh_domain_event_t  ev;


static oh_norm_result_t
norm(oh_provider_t p, const char *body)
{
    const char        *why = NULL;
    oh_norm_result_t   rc;

    rc = oh_normalize(p, (const unsigned char *) body, strlen(body), &ev,
                      &why);
    if (rc == OH_NORM_OK) {
        assert_null(why);
    } else {
        assert_non_null(why);
    }
    return rc;
}


static int
teardown(void **state)
{
    (void) state;
    oh_domain_event_free(&ev);
    return 0;
}


static void
test_stripe_intent(void **state)
{
    (void) state;
    assert_int_equal(norm(OH_PROVIDER_STRIPE,
        "{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\",\"data\":"
        "{\"object\":{\"id\":\"pi_1\",\"amount\":12999,\"amount_received\":"
        "12999,\"currency\":\"usd\",\"status\":\"succeeded\",\"metadata\":"
        "{\"order_number\":\"DS-1\"}}}}"), OH_NORM_OK);
    assert_int_equal(ev.kind, OH_DOMAIN_PAYMENT);
    assert_int_equal(ev.pay_status, OH_PAY_SUCCEEDED);
    assert_string_equal(ev.order_number, "DS-1");
    assert_string_equal(ev.payment_ref, "pi_1");
    assert_string_equal(ev.currency, "USD");
    assert_int_equal(ev.amount_minor, 12999);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_STRIPE,
        "{\"type\":\"payment_intent.payment_failed\",\"data\":{\"object\":"
        "{\"id\":\"pi_2\",\"amount\":5000,\"currency\":\"jpy\"}}}"),
        OH_NORM_OK);
    assert_int_equal(ev.pay_status, OH_PAY_FAILED);
    assert_null(ev.order_number);
    assert_string_equal(ev.currency, "JPY");
    assert_int_equal(ev.amount_minor, 5000);     /* zero-decimal: as is */
    oh_domain_event_free(&ev);

    /* minor units must be integers */
    assert_int_equal(norm(OH_PROVIDER_STRIPE,
        "{\"type\":\"payment_intent.succeeded\",\"data\":{\"object\":"
        "{\"id\":\"pi_3\",\"amount\":12.5,\"currency\":\"usd\"}}}"),
        OH_NORM_MALFORMED);
    assert_int_equal(norm(OH_PROVIDER_STRIPE,
        "{\"type\":\"customer.created\",\"data\":{\"object\":{}}}"),
        OH_NORM_IGNORED);
    assert_int_equal(norm(OH_PROVIDER_STRIPE, "{\"data\":{}}"),
                     OH_NORM_MALFORMED);
}


static void
test_stripe_checkout_and_refunds(void **state)
{
    (void) state;
    assert_int_equal(norm(OH_PROVIDER_STRIPE,
        "{\"type\":\"checkout.session.completed\",\"data\":{\"object\":"
        "{\"id\":\"cs_1\",\"client_reference_id\":\"DS-2\",\"payment_intent\""
        ":\"pi_9\",\"amount_total\":4200,\"currency\":\"eur\","
        "\"payment_status\":\"paid\"}}}"), OH_NORM_OK);
    assert_int_equal(ev.kind, OH_DOMAIN_PAYMENT);
    assert_int_equal(ev.pay_status, OH_PAY_SUCCEEDED);
    assert_string_equal(ev.order_number, "DS-2");
    assert_string_equal(ev.payment_ref, "pi_9");
    assert_string_equal(ev.provider_order_ref, "cs_1");
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_STRIPE,
        "{\"type\":\"checkout.session.expired\",\"data\":{\"object\":"
        "{\"id\":\"cs_2\",\"metadata\":{\"order_number\":\"DS-3\"}}}}"),
        OH_NORM_OK);
    assert_int_equal(ev.kind, OH_DOMAIN_CHECKOUT_EXPIRED);
    assert_string_equal(ev.order_number, "DS-3");
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_STRIPE,
        "{\"type\":\"charge.refunded\",\"data\":{\"object\":{\"id\":\"ch_1\","
        "\"payment_intent\":\"pi_9\",\"amount_refunded\":1000,"
        "\"currency\":\"eur\"}}}"), OH_NORM_OK);
    assert_int_equal(ev.kind, OH_DOMAIN_REFUND_TOTAL);
    assert_string_equal(ev.payment_ref, "pi_9");
    assert_int_equal(ev.amount_minor, 1000);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_STRIPE,
        "{\"type\":\"refund.updated\",\"data\":{\"object\":{\"id\":\"re_1\","
        "\"payment_intent\":\"pi_9\",\"amount\":700,\"currency\":\"eur\","
        "\"status\":\"succeeded\"}}}"), OH_NORM_OK);
    assert_int_equal(ev.kind, OH_DOMAIN_REFUND);
    assert_int_equal(ev.refund_status, OH_REFUND_PROCESSED);
    assert_string_equal(ev.refund_id, "re_1");
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_STRIPE,
        "{\"type\":\"refund.created\",\"data\":{\"object\":{\"id\":\"re_2\","
        "\"amount\":700,\"currency\":\"eur\",\"status\":\"pending\"}}}"),
        OH_NORM_OK);
    assert_int_equal(ev.refund_status, OH_REFUND_PENDING);
}


static void
test_razorpay(void **state)
{
    (void) state;
    assert_int_equal(norm(OH_PROVIDER_RAZORPAY,
        "{\"event\":\"payment.captured\",\"payload\":{\"payment\":{\"entity\""
        ":{\"id\":\"pay_1\",\"amount\":1857346,\"currency\":\"INR\","
        "\"order_id\":\"order_1\",\"notes\":{\"order_number\":\"DS-4\"}}}}}"),
        OH_NORM_OK);
    assert_int_equal(ev.kind, OH_DOMAIN_PAYMENT);
    assert_int_equal(ev.pay_status, OH_PAY_SUCCEEDED);
    assert_string_equal(ev.order_number, "DS-4");
    assert_string_equal(ev.payment_ref, "pay_1");
    assert_string_equal(ev.provider_order_ref, "order_1");
    assert_int_equal(ev.amount_minor, 1857346);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_RAZORPAY,
        "{\"event\":\"payment.authorized\",\"payload\":{\"payment\":"
        "{\"entity\":{\"id\":\"pay_1\",\"amount\":100,\"currency\":\"INR\","
        "\"notes\":[]}}}}"), OH_NORM_OK);
    assert_int_equal(ev.pay_status, OH_PAY_AUTHORIZED);
    assert_null(ev.order_number);                /* notes may be [] */
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_RAZORPAY,
        "{\"event\":\"order.paid\",\"payload\":{\"order\":{\"entity\":"
        "{\"id\":\"order_1\",\"receipt\":\"DS-4\",\"amount_paid\":500,"
        "\"currency\":\"INR\"}},\"payment\":{\"entity\":{\"id\":\"pay_1\"}}}}"),
        OH_NORM_OK);
    assert_string_equal(ev.order_number, "DS-4");
    assert_string_equal(ev.payment_ref, "pay_1");
    assert_int_equal(ev.amount_minor, 500);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_RAZORPAY,
        "{\"event\":\"refund.processed\",\"payload\":{\"refund\":{\"entity\""
        ":{\"id\":\"rfnd_1\",\"payment_id\":\"pay_1\",\"amount\":250,"
        "\"currency\":\"INR\",\"status\":\"processed\"}}}}"), OH_NORM_OK);
    assert_int_equal(ev.kind, OH_DOMAIN_REFUND);
    assert_int_equal(ev.refund_status, OH_REFUND_PROCESSED);
    assert_string_equal(ev.payment_ref, "pay_1");
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_RAZORPAY,
        "{\"event\":\"refund.failed\",\"payload\":{\"refund\":{\"entity\""
        ":{\"id\":\"rfnd_2\",\"amount\":250,\"currency\":\"INR\"}}}}"),
        OH_NORM_OK);
    assert_int_equal(ev.refund_status, OH_REFUND_FAILED);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_RAZORPAY,
        "{\"event\":\"subscription.charged\",\"payload\":{}}"),
        OH_NORM_IGNORED);
    assert_int_equal(norm(OH_PROVIDER_RAZORPAY,
        "{\"event\":\"payment.captured\",\"payload\":{}}"),
        OH_NORM_MALFORMED);
}


static void
test_stitch(void **state)
{
    (void) state;
    assert_int_equal(norm(OH_PROVIDER_STITCH,
        "{\"type\":\"payment\",\"data\":{\"id\":\"bb53\",\"externalReference\""
        ":\"DS-5\",\"amount\":{\"quantity\":\"8981.08\",\"currency\":\"ZAR\"},"
        "\"status\":{\"__typename\":\"PaymentComplete\"}}}"), OH_NORM_OK);
    assert_int_equal(ev.kind, OH_DOMAIN_PAYMENT);
    assert_int_equal(ev.pay_status, OH_PAY_SUCCEEDED);
    assert_string_equal(ev.order_number, "DS-5");
    assert_int_equal(ev.amount_minor, 898108);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_STITCH,
        "{\"type\":\"payment\",\"data\":{\"id\":\"bb54\",\"amount\":"
        "{\"quantity\":\"1.00\",\"currency\":\"ZAR\"},\"status\":"
        "{\"__typename\":\"PaymentExpired\"}}}"), OH_NORM_OK);
    assert_int_equal(ev.pay_status, OH_PAY_FAILED);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_STITCH,
        "{\"type\":\"refund\",\"data\":{\"id\":\"rf_1\",\"paymentRequestId\":"
        "\"bb53\",\"amount\":{\"quantity\":\"100\",\"currency\":\"ZAR\"},"
        "\"status\":{\"__typename\":\"RefundCompleted\"}}}"), OH_NORM_OK);
    assert_int_equal(ev.kind, OH_DOMAIN_REFUND);
    assert_int_equal(ev.refund_status, OH_REFUND_PROCESSED);
    assert_string_equal(ev.payment_ref, "bb53");
    assert_int_equal(ev.amount_minor, 10000);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_STITCH,
        "{\"type\":\"payment\",\"data\":{\"id\":\"x\",\"amount\":"
        "{\"quantity\":\"1.001\",\"currency\":\"ZAR\"},\"status\":\"Paid\"}}"),
        OH_NORM_MALFORMED);
    assert_int_equal(norm(OH_PROVIDER_STITCH,
        "{\"type\":\"subscription\",\"data\":{}}"), OH_NORM_IGNORED);
}


static void
test_generic_payment(void **state)
{
    (void) state;
    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"event_id\":\"evt_123456789\",\"order_number\":\"DS-ABC12345\","
        "\"amount\":129.99,\"currency\":\"USD\",\"status\":\"paid\","
        "\"provider_reference\":\"txn_987654321\"}"), OH_NORM_OK);
    assert_int_equal(ev.kind, OH_DOMAIN_PAYMENT);
    assert_int_equal(ev.amount_minor, 12999);
    assert_string_equal(ev.payment_ref, "txn_987654321");
    oh_domain_event_free(&ev);

    /* values that drift when multiplied as doubles */
    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"order_number\":\"A\",\"amount\":0.29,\"currency\":\"usd\","
        "\"status\":\"paid\"}"), OH_NORM_OK);
    assert_int_equal(ev.amount_minor, 29);
    oh_domain_event_free(&ev);
    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"order_number\":\"A\",\"amount\":1234567.89,\"currency\":\"USD\","
        "\"status\":\"paid\"}"), OH_NORM_OK);
    assert_int_equal(ev.amount_minor, 123456789);
    oh_domain_event_free(&ev);
    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"order_number\":\"A\",\"amount\":12.345,\"currency\":\"KWD\","
        "\"status\":\"paid\"}"), OH_NORM_OK);
    assert_int_equal(ev.amount_minor, 12345);
    oh_domain_event_free(&ev);
    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"order_number\":\"A\",\"amount\":1500,\"currency\":\"JPY\","
        "\"status\":\"paid\"}"), OH_NORM_OK);
    assert_int_equal(ev.amount_minor, 1500);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"event_id\":\"r1\",\"order_number\":\"A\",\"amount\":10,"
        "\"currency\":\"USD\",\"status\":\"refunded\"}"), OH_NORM_OK);
    assert_int_equal(ev.kind, OH_DOMAIN_REFUND);
    assert_string_equal(ev.refund_id, "r1");
    assert_int_equal(ev.refund_status, OH_REFUND_PROCESSED);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"order_number\":\"A\",\"amount\":10,\"currency\":\"USD\","
        "\"status\":\"failed\"}"), OH_NORM_OK);
    assert_int_equal(ev.pay_status, OH_PAY_FAILED);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"order_number\":\"A\",\"amount\":1.999,\"currency\":\"USD\","
        "\"status\":\"paid\"}"), OH_NORM_MALFORMED);
    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"order_number\":\"A\",\"amount\":-1,\"currency\":\"USD\","
        "\"status\":\"paid\"}"), OH_NORM_MALFORMED);
    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"order_number\":\"A\",\"amount\":1234567890123.456,"
        "\"currency\":\"USD\",\"status\":\"paid\"}"), OH_NORM_MALFORMED);
    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"amount\":1,\"currency\":\"USD\",\"status\":\"paid\"}"),
        OH_NORM_MALFORMED);
    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"order_number\":\"A\",\"amount\":1,\"currency\":\"dollars\","
        "\"status\":\"paid\"}"), OH_NORM_MALFORMED);
    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"event\":\"order.created\",\"order_id\":\"A\"}"),
        OH_NORM_IGNORED);
    assert_int_equal(norm(OH_PROVIDER_GENERIC, "{\"hello\":1}"),
                     OH_NORM_MALFORMED);
    assert_int_equal(norm(OH_PROVIDER_GENERIC, "[1,2]"), OH_NORM_MALFORMED);
    assert_int_equal(norm(OH_PROVIDER_GENERIC, "{\"a\":"),
                     OH_NORM_MALFORMED);
    assert_int_equal(norm(OH_PROVIDER_SHOPIFY, "{}"), OH_NORM_IGNORED);
}


static void
test_generic_tracking(void **state)
{
    (void) state;
    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"order_number\":\"DS-ABC12345\",\"order_item_id\":10,"
        "\"tracking_number\":\"ZX1\",\"carrier\":\"AliExpress\","
        "\"tracking_url\":\"https://t.example/ZX1\",\"shipped_at\":"
        "\"2025-01-10T14:20:00Z\",\"delivered_at\":null,\"events\":["
        "{\"status_code\":\"out_for_delivery\",\"occurred_at\":"
        "\"2025-01-12T09:00:00+01:00\"},"
        "{\"status_code\":\"in_transit\",\"status_label\":\"In transit\","
        "\"description\":\"Departed\",\"location\":\"Shenzhen\","
        "\"occurred_at\":\"2025-01-11T09:00:00Z\"}]}"), OH_NORM_OK);
    assert_int_equal(ev.kind, OH_DOMAIN_TRACKING);
    assert_string_equal(ev.order_item_id, "10");
    assert_string_equal(ev.tracking_number, "ZX1");
    assert_string_equal(ev.shipped_at, "2025-01-10 14:20:00+00:00");
    assert_string_equal(ev.delivered_at, "");
    assert_int_equal(ev.nscans, 2);
    assert_string_equal(ev.scans[1].location, "Shenzhen");
    assert_string_equal(ev.scans[0].occurred_at,
                        "2025-01-12 09:00:00+01:00");
    /* the latest scan by time, whatever the array order */
    assert_string_equal(ev.ship_status, "out_for_delivery");
    assert_int_equal(ev.ship_target, OH_STATUS_SHIPPED);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"order_number\":\"A\",\"tracking_number\":\"Z\","
        "\"delivered_at\":\"2025-01-13T10:00:00Z\",\"events\":[]}"),
        OH_NORM_OK);
    assert_int_equal(ev.ship_target, OH_STATUS_DELIVERED);
    oh_domain_event_free(&ev);

    /* times the payload leaves out come from the scans */
    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"order_number\":\"A\",\"tracking_number\":\"Z\",\"events\":["
        "{\"status_code\":\"delivered\",\"occurred_at\":"
        "\"2025-01-13T10:00:00Z\"},"
        "{\"status_code\":\"in_transit\",\"occurred_at\":"
        "\"2025-01-11T09:00:00Z\"},"
        "{\"status_code\":\"label_created\",\"occurred_at\":"
        "\"2025-01-09T09:00:00Z\"}]}"), OH_NORM_OK);
    assert_string_equal(ev.shipped_at, "2025-01-11 09:00:00+00:00");
    assert_string_equal(ev.delivered_at, "2025-01-13 10:00:00+00:00");
    assert_int_equal(ev.ship_target, OH_STATUS_DELIVERED);
    oh_domain_event_free(&ev);

    /* a delivery scan that is not the latest status delivers nothing */
    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"order_number\":\"A\",\"tracking_number\":\"Z\",\"events\":["
        "{\"status_code\":\"delivered\",\"occurred_at\":"
        "\"2025-01-13T10:00:00Z\"},"
        "{\"status_code\":\"in_transit\",\"occurred_at\":"
        "\"2025-01-14T09:00:00Z\"}]}"), OH_NORM_OK);
    assert_string_equal(ev.shipped_at, "2025-01-13 10:00:00+00:00");
    assert_string_equal(ev.delivered_at, "");
    assert_int_equal(ev.ship_target, OH_STATUS_SHIPPED);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"order_number\":\"A\",\"tracking_number\":\"Z\",\"events\":["
        "{\"status_code\":\"rto\",\"occurred_at\":\"2025-01-13T10:00:00Z\"}]}"),
        OH_NORM_OK);
    assert_int_equal(ev.ship_target, OH_STATUS_RETURNED);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"order_number\":\"A\",\"tracking_number\":\"Z\",\"events\":["
        "{\"status_code\":\"in_transit\",\"occurred_at\":\"yesterday\"}]}"),
        OH_NORM_MALFORMED);
    assert_int_equal(norm(OH_PROVIDER_GENERIC,
        "{\"tracking_number\":\"Z\",\"events\":[]}"), OH_NORM_MALFORMED);
}


static void
test_shiprocket(void **state)
{
    (void) state;
    assert_int_equal(norm(OH_PROVIDER_SHIPROCKET,
        "{\"awb\":19041424751540,\"courier_name\":\"Delhivery Surface\","
        "\"current_status\":\"DELIVERED\",\"current_timestamp\":"
        "\"23 05 2023 11:43:52\",\"order_id\":\"DS-ABC12345\",\"scans\":["
        "{\"date\":\"2023-05-19 11:59:16\",\"activity\":\"Manifested\","
        "\"location\":\"Chomu\",\"sr-status\":\"5\",\"sr-status-label\":"
        "\"MANIFEST GENERATED\"},{\"date\":\"not a date\",\"sr-status-label\""
        ":\"IN TRANSIT\"}],\"is_return\":0}"), OH_NORM_OK);
    assert_string_equal(ev.tracking_number, "19041424751540");
    assert_string_equal(ev.order_number, "DS-ABC12345");
    assert_int_equal(ev.nscans, 1);              /* bad date skipped */
    assert_string_equal(ev.scans[0].code, "manifest_generated");
    assert_string_equal(ev.scans[0].occurred_at,
                        "2023-05-19 11:59:16+05:30");
    assert_string_equal(ev.ship_status, "delivered");
    assert_string_equal(ev.delivered_at, "2023-05-23 11:43:52+05:30");
    assert_string_equal(ev.shipped_at, "");      /* no scan past pickup */
    assert_int_equal(ev.ship_target, OH_STATUS_DELIVERED);
    oh_domain_event_free(&ev);

    /* shipped at the first scan past pickup, in India's time */
    assert_int_equal(norm(OH_PROVIDER_SHIPROCKET,
        "{\"awb\":\"1\",\"order_id\":\"A\",\"current_status\":"
        "\"IN TRANSIT\",\"current_timestamp\":\"23 05 2023 11:43:52\","
        "\"scans\":[{\"date\":\"2023-05-19 11:59:16\",\"sr-status-label\":"
        "\"MANIFEST GENERATED\"},{\"date\":\"2023-05-22 18:02:00\","
        "\"sr-status-label\":\"PICKED UP\"},{\"date\":"
        "\"2023-05-23 11:43:52\",\"sr-status-label\":\"IN TRANSIT\"}]}"),
        OH_NORM_OK);
    assert_string_equal(ev.shipped_at, "2023-05-22 18:02:00+05:30");
    assert_string_equal(ev.delivered_at, "");
    assert_int_equal(ev.ship_target, OH_STATUS_SHIPPED);
    oh_domain_event_free(&ev);

    /* delivered without a usable current_timestamp: the scan's time */
    assert_int_equal(norm(OH_PROVIDER_SHIPROCKET,
        "{\"awb\":\"1\",\"order_id\":\"A\",\"current_status\":"
        "\"DELIVERED\",\"current_timestamp\":\"soon\",\"scans\":["
        "{\"date\":\"2023-05-25 16:02:10\",\"sr-status-label\":"
        "\"DELIVERED\"}]}"), OH_NORM_OK);
    assert_string_equal(ev.delivered_at, "2023-05-25 16:02:10+05:30");
    assert_string_equal(ev.shipped_at, "2023-05-25 16:02:10+05:30");
    assert_int_equal(ev.ship_target, OH_STATUS_DELIVERED);
    oh_domain_event_free(&ev);

    /* a scan's delivery the current status contradicts is dropped */
    assert_int_equal(norm(OH_PROVIDER_SHIPROCKET,
        "{\"awb\":\"1\",\"order_id\":\"A\",\"current_status\":"
        "\"OUT FOR DELIVERY\",\"scans\":[{\"date\":"
        "\"2023-05-25 16:02:10\",\"sr-status-label\":\"DELIVERED\"}]}"),
        OH_NORM_OK);
    assert_string_equal(ev.delivered_at, "");
    assert_int_equal(ev.ship_target, OH_STATUS_SHIPPED);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_SHIPROCKET,
        "{\"awb\":\"1\",\"order_id\":\"A\",\"current_status\":\"IN TRANSIT\","
        "\"is_return\":1}"), OH_NORM_OK);
    assert_int_equal(ev.ship_target, OH_STATUS_RETURNED);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_SHIPROCKET,
        "{\"awb\":\"1\",\"order_id\":\"A\",\"current_status\":"
        "\"PICKUP SCHEDULED\"}"), OH_NORM_OK);
    assert_int_equal(ev.ship_target, OH_STATUS_UNKNOWN);
    oh_domain_event_free(&ev);

    assert_int_equal(norm(OH_PROVIDER_SHIPROCKET,
        "{\"current_status\":\"IN TRANSIT\"}"), OH_NORM_MALFORMED);
}


static void
test_time_and_codes(void **state)
{
    char     out[OH_TIME_MAX], code[32];
    int64_t  t;

    (void) state;
    assert_int_equal(oh_normalize_time("2025-01-10T14:20:00.123Z", NULL,
                                       out), 0);
    assert_string_equal(out, "2025-01-10 14:20:00.123+00:00");
    assert_int_equal(oh_normalize_time("2025-01-10T14:20:00-0330", NULL,
                                       out), 0);
    assert_string_equal(out, "2025-01-10 14:20:00-03:30");
    assert_int_equal(oh_normalize_time("23 05 2023 11:43:52", "+05:30",
                                       out), 0);
    assert_string_equal(out, "2023-05-23 11:43:52+05:30");
    assert_int_equal(oh_normalize_time("2024-02-29 00:00:00", "Z", out), 0);
    assert_int_equal(oh_normalize_time("2023-02-29 00:00:00", "Z", out), -1);
    assert_int_equal(oh_normalize_time("2025-01-10T14:20:00", NULL, out),
                     -1);
    assert_int_equal(oh_normalize_time("2025-13-10T14:20:00Z", NULL, out),
                     -1);
    assert_int_equal(oh_normalize_time("2025-01-10", NULL, out), -1);
    assert_int_equal(oh_normalize_time("2025-01-10T14:20:00Zjunk", NULL,
                                       out), -1);
    assert_int_equal(oh_normalize_time("2025-01-10T14:20:00+05:30", NULL,
                                       out), 0);
    assert_int_equal(oh_normalize_time_epoch(out, &t), 0);
    assert_int_equal(t, 1736518800 - 19800);   /* 14:20Z - 5h30 */
    assert_int_equal(oh_normalize_unix_time(0, out), 0);
    assert_string_equal(out, "1970-01-01 00:00:00+00:00");

    oh_normalize_code("Out For Delivery", code, sizeof(code));
    assert_string_equal(code, "out_for_delivery");
    oh_normalize_code("  RTO-Initiated ", code, sizeof(code));
    assert_string_equal(code, "rto_initiated");
    assert_int_equal(oh_normalize_ship_target("rto_initiated"),
                     OH_STATUS_RETURNED);
    assert_int_equal(oh_normalize_ship_target("delivered"),
                     OH_STATUS_DELIVERED);
    assert_int_equal(oh_normalize_ship_target("manifested"),
                     OH_STATUS_UNKNOWN);
    assert_int_equal(oh_normalize_ship_target("in_transit"),
                     OH_STATUS_SHIPPED);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_teardown(test_stripe_intent, teardown),
        cmocka_unit_test_teardown(test_stripe_checkout_and_refunds, teardown),
        cmocka_unit_test_teardown(test_razorpay, teardown),
        cmocka_unit_test_teardown(test_stitch, teardown),
        cmocka_unit_test_teardown(test_generic_payment, teardown),
        cmocka_unit_test_teardown(test_generic_tracking, teardown),
        cmocka_unit_test_teardown(test_shiprocket, teardown),
        cmocka_unit_test(test_time_and_codes),
    };

    return cmocka_run_group_tests_name("oh_normalize", tests, NULL, NULL);
}

/* oh_normalize_stitch: Stitch (Svix-delivered) events to domain events. */

#include <string.h>
#include "oh_normalize_int.h"

static const char *oh_stitch_status(const cJSON *data);


/* The status is an object {"__typename": "PaymentComplete"} or a string. */
static const char *
oh_stitch_status(const cJSON *data)
{
    const char  *s = oh_nj_str(data, "status.__typename");

    return s ? s : oh_nj_str(data, "status");
}


oh_norm_result_t
oh_normalize_stitch(const cJSON *root, oh_domain_event_t *ev,
    const char **why)
{
    const char   *type = oh_nj_str(root, "type");
    const cJSON  *data = oh_nj_get(root, "data");
    const char   *st;
    int           refund;

    if (type == NULL) {
        *why = "stitch event without type";
        return OH_NORM_MALFORMED;
    }
    refund = strncmp(type, "refund", 6) == 0;
    if (!refund && strncmp(type, "payment", 7) != 0) {
        *why = "stitch event type not handled";
        return OH_NORM_IGNORED;
    }
    st = oh_stitch_status(data);
    ev->order_number = oh_nj_str(data, "externalReference");
    if (oh_nj_str(data, "id") == NULL || st == NULL) {
        *why = "stitch event without data.id or status";
        return OH_NORM_MALFORMED;
    }
    if (refund) {
        ev->kind = OH_DOMAIN_REFUND;
        ev->refund_id = oh_nj_str(data, "id");
        ev->payment_ref = oh_nj_str(data, "paymentRequestId");
        ev->refund_status = strstr(st, "Complete") ? OH_REFUND_PROCESSED
                            : (strstr(st, "Error") || strstr(st, "Fail"))
                              ? OH_REFUND_FAILED : OH_REFUND_PENDING;
    } else {
        ev->kind = OH_DOMAIN_PAYMENT;
        ev->payment_ref = oh_nj_str(data, "id");
        ev->pay_status = strstr(st, "Complete") ? OH_PAY_SUCCEEDED
                         : (strstr(st, "Expired") || strstr(st, "Cancel")
                            || strstr(st, "Fail") || strstr(st, "Error"))
                           ? OH_PAY_FAILED : OH_PAY_PENDING;
    }
    if (oh_nj_money(data, "amount.quantity", "amount.currency", 0, ev)
        != OH_NORM_OK)
    {
        *why = "stitch amount or currency invalid";
        return OH_NORM_MALFORMED;
    }
    return OH_NORM_OK;
}

/* oh_normalize_generic: orderhooks' own generic payment format. */

#include <string.h>
#include "oh_normalize_int.h"


oh_norm_result_t
oh_normalize_generic(const cJSON *root, oh_domain_event_t *ev,
    const char **why)
{
    const char  *status;

    if (cJSON_IsArray(oh_nj_get(root, "events"))
        || oh_nj_get(root, "tracking_number") != NULL)
    {
        return oh_normalize_tracking(root, ev, why);
    }
    status = oh_nj_str(root, "status");
    if (status == NULL || oh_nj_get(root, "amount") == NULL) {
        if (oh_nj_str(root, "event") || oh_nj_str(root, "type")) {
            *why = "generic event type not handled";
            return OH_NORM_IGNORED;
        }
        *why = "neither a generic payment nor tracking";
        return OH_NORM_MALFORMED;
    }
    ev->order_number = oh_nj_str(root, "order_number");
    if (ev->order_number == NULL) {
        *why = "generic payment without order_number";
        return OH_NORM_MALFORMED;
    }
    /* NULL references fall back to the webhook's event id when applied */
    ev->payment_ref = oh_nj_str(root, "provider_reference");
    if (strcmp(status, "paid") == 0) {
        ev->kind = OH_DOMAIN_PAYMENT;
        ev->pay_status = OH_PAY_SUCCEEDED;
    } else if (strcmp(status, "failed") == 0) {
        ev->kind = OH_DOMAIN_PAYMENT;
        ev->pay_status = OH_PAY_FAILED;
    } else if (strcmp(status, "refunded") == 0) {
        ev->kind = OH_DOMAIN_REFUND;
        ev->refund_status = OH_REFUND_PROCESSED;
        ev->refund_id = oh_nj_str(root, "refund_reference");
        if (ev->refund_id == NULL) {
            ev->refund_id = oh_nj_str(root, "event_id");
        }
    } else {
        *why = "generic payment status not handled";
        return OH_NORM_IGNORED;
    }
    if (oh_nj_money(root, "amount", "currency", 0, ev) != OH_NORM_OK) {
        *why = "generic amount or currency invalid";
        return OH_NORM_MALFORMED;
    }
    return OH_NORM_OK;
}

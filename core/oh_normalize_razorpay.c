/* oh_normalize_razorpay: Razorpay events to domain events. */

#include <string.h>
#include "oh_normalize_int.h"

static oh_norm_result_t oh_razorpay_payment(const cJSON *root,
    const char *event, oh_domain_event_t *ev, const char **why);
static oh_norm_result_t oh_razorpay_order_paid(const cJSON *root,
    oh_domain_event_t *ev, const char **why);
static oh_norm_result_t oh_razorpay_refund(const cJSON *root,
    const char *event, oh_domain_event_t *ev, const char **why);


oh_norm_result_t
oh_normalize_razorpay(const cJSON *root, oh_domain_event_t *ev,
    const char **why)
{
    const char  *event = oh_nj_str(root, "event");

    if (event == NULL) {
        *why = "razorpay event without event";
        return OH_NORM_MALFORMED;
    }
    if (strcmp(event, "payment.authorized") == 0
        || strcmp(event, "payment.captured") == 0
        || strcmp(event, "payment.failed") == 0)
    {
        return oh_razorpay_payment(root, event, ev, why);
    }
    if (strcmp(event, "order.paid") == 0) {
        return oh_razorpay_order_paid(root, ev, why);
    }
    if (strcmp(event, "refund.created") == 0
        || strcmp(event, "refund.processed") == 0
        || strcmp(event, "refund.failed") == 0)
    {
        return oh_razorpay_refund(root, event, ev, why);
    }
    *why = "razorpay event not handled";
    return OH_NORM_IGNORED;
}


static oh_norm_result_t
oh_razorpay_payment(const cJSON *root, const char *event,
    oh_domain_event_t *ev, const char **why)
{
    const cJSON  *p = oh_nj_get(root, "payload.payment.entity");

    ev->kind = OH_DOMAIN_PAYMENT;
    ev->order_number = oh_nj_str(p, "notes.order_number");
    ev->payment_ref = oh_nj_str(p, "id");
    ev->provider_order_ref = oh_nj_str(p, "order_id");
    if (ev->payment_ref == NULL) {
        *why = "payment entity without id";
        return OH_NORM_MALFORMED;
    }
    if (strcmp(event, "payment.captured") == 0) {
        ev->pay_status = OH_PAY_SUCCEEDED;
    } else if (strcmp(event, "payment.failed") == 0) {
        ev->pay_status = OH_PAY_FAILED;
    } else {
        ev->pay_status = OH_PAY_AUTHORIZED;
    }
    if (oh_nj_money(p, "amount", "currency", 1, ev) != OH_NORM_OK) {
        *why = "payment amount or currency invalid";
        return OH_NORM_MALFORMED;
    }
    return OH_NORM_OK;
}


static oh_norm_result_t
oh_razorpay_order_paid(const cJSON *root, oh_domain_event_t *ev,
    const char **why)
{
    const cJSON  *o = oh_nj_get(root, "payload.order.entity");

    ev->kind = OH_DOMAIN_PAYMENT;
    ev->pay_status = OH_PAY_SUCCEEDED;
    ev->order_number = oh_nj_str(o, "receipt");
    ev->provider_order_ref = oh_nj_str(o, "id");
    /* the captured payment, so payment.captured and order.paid count once */
    ev->payment_ref = oh_nj_str(root, "payload.payment.entity.id");
    if (ev->payment_ref == NULL) {
        ev->payment_ref = ev->provider_order_ref;
    }
    if (ev->payment_ref == NULL) {
        *why = "order entity without id";
        return OH_NORM_MALFORMED;
    }
    if (oh_nj_money(o, "amount_paid", "currency", 1, ev) != OH_NORM_OK) {
        *why = "order amount_paid or currency invalid";
        return OH_NORM_MALFORMED;
    }
    return OH_NORM_OK;
}


static oh_norm_result_t
oh_razorpay_refund(const cJSON *root, const char *event,
    oh_domain_event_t *ev, const char **why)
{
    const cJSON  *r = oh_nj_get(root, "payload.refund.entity");
    const char   *st = oh_nj_str(r, "status");

    ev->kind = OH_DOMAIN_REFUND;
    ev->refund_id = oh_nj_str(r, "id");
    ev->payment_ref = oh_nj_str(r, "payment_id");
    ev->order_number = oh_nj_str(r, "notes.order_number");
    if (ev->refund_id == NULL) {
        *why = "refund entity without id";
        return OH_NORM_MALFORMED;
    }
    if (strcmp(event, "refund.processed") == 0
        || (st != NULL && strcmp(st, "processed") == 0))
    {
        ev->refund_status = OH_REFUND_PROCESSED;
    } else if (strcmp(event, "refund.failed") == 0) {
        ev->refund_status = OH_REFUND_FAILED;
    } else {
        ev->refund_status = OH_REFUND_PENDING;
    }
    if (oh_nj_money(r, "amount", "currency", 1, ev) != OH_NORM_OK) {
        *why = "refund amount or currency invalid";
        return OH_NORM_MALFORMED;
    }
    return OH_NORM_OK;
}

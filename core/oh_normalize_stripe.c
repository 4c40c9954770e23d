/* oh_normalize_stripe: Stripe events to domain events. */

#include <string.h>
#include "oh_normalize_int.h"

static oh_norm_result_t oh_stripe_intent(const cJSON *obj,
    const char *type, oh_domain_event_t *ev, const char **why);
static oh_norm_result_t oh_stripe_session(const cJSON *obj,
    const char *type, oh_domain_event_t *ev, const char **why);
static oh_norm_result_t oh_stripe_charge_refunded(const cJSON *obj,
    oh_domain_event_t *ev, const char **why);
static oh_norm_result_t oh_stripe_refund(const cJSON *obj,
    oh_domain_event_t *ev, const char **why);


oh_norm_result_t
oh_normalize_stripe(const cJSON *root, oh_domain_event_t *ev,
    const char **why)
{
    const char   *type = oh_nj_str(root, "type");
    const cJSON  *obj = oh_nj_get(root, "data.object");

    if (type == NULL) {
        *why = "stripe event without type";
        return OH_NORM_MALFORMED;
    }
    if (strcmp(type, "payment_intent.succeeded") == 0
        || strcmp(type, "payment_intent.payment_failed") == 0
        || strcmp(type, "payment_intent.amount_capturable_updated") == 0)
    {
        return obj ? oh_stripe_intent(obj, type, ev, why)
                   : (*why = "no data.object", OH_NORM_MALFORMED);
    }
    if (strcmp(type, "checkout.session.completed") == 0
        || strcmp(type, "checkout.session.async_payment_succeeded") == 0
        || strcmp(type, "checkout.session.async_payment_failed") == 0
        || strcmp(type, "checkout.session.expired") == 0)
    {
        return obj ? oh_stripe_session(obj, type, ev, why)
                   : (*why = "no data.object", OH_NORM_MALFORMED);
    }
    if (strcmp(type, "charge.refunded") == 0) {
        return obj ? oh_stripe_charge_refunded(obj, ev, why)
                   : (*why = "no data.object", OH_NORM_MALFORMED);
    }
    if (strcmp(type, "refund.created") == 0
        || strcmp(type, "refund.updated") == 0
        || strcmp(type, "charge.refund.updated") == 0)
    {
        return obj ? oh_stripe_refund(obj, ev, why)
                   : (*why = "no data.object", OH_NORM_MALFORMED);
    }
    *why = "stripe event type not handled";
    return OH_NORM_IGNORED;
}


static oh_norm_result_t
oh_stripe_intent(const cJSON *obj, const char *type, oh_domain_event_t *ev,
    const char **why)
{
    const char  *amount_path = "amount";

    ev->kind = OH_DOMAIN_PAYMENT;
    ev->order_number = oh_nj_str(obj, "metadata.order_number");
    ev->payment_ref = oh_nj_str(obj, "id");
    if (ev->payment_ref == NULL) {
        *why = "payment intent without id";
        return OH_NORM_MALFORMED;
    }
    if (strcmp(type, "payment_intent.succeeded") == 0) {
        ev->pay_status = OH_PAY_SUCCEEDED;
        if (oh_nj_get(obj, "amount_received") != NULL) {
            amount_path = "amount_received";
        }
    } else if (strcmp(type, "payment_intent.payment_failed") == 0) {
        ev->pay_status = OH_PAY_FAILED;
    } else {
        ev->pay_status = OH_PAY_AUTHORIZED;
    }
    if (oh_nj_money(obj, amount_path, "currency", 1, ev) != OH_NORM_OK) {
        *why = "payment intent amount or currency invalid";
        return OH_NORM_MALFORMED;
    }
    return OH_NORM_OK;
}


static oh_norm_result_t
oh_stripe_session(const cJSON *obj, const char *type, oh_domain_event_t *ev,
    const char **why)
{
    const char  *ps = oh_nj_str(obj, "payment_status");

    ev->order_number = oh_nj_str(obj, "client_reference_id");
    if (ev->order_number == NULL) {
        ev->order_number = oh_nj_str(obj, "metadata.order_number");
    }
    ev->provider_order_ref = oh_nj_str(obj, "id");
    ev->payment_ref = oh_nj_str(obj, "payment_intent");
    if (ev->provider_order_ref == NULL) {
        *why = "checkout session without id";
        return OH_NORM_MALFORMED;
    }
    if (strcmp(type, "checkout.session.expired") == 0) {
        ev->kind = OH_DOMAIN_CHECKOUT_EXPIRED;
        return OH_NORM_OK;
    }
    ev->kind = OH_DOMAIN_PAYMENT;
    if (ev->payment_ref == NULL) {
        ev->payment_ref = ev->provider_order_ref;
    }
    if (strcmp(type, "checkout.session.async_payment_failed") == 0) {
        ev->pay_status = OH_PAY_FAILED;
    } else if (ps != NULL && (strcmp(ps, "paid") == 0
                              || strcmp(ps, "no_payment_required") == 0))
    {
        ev->pay_status = OH_PAY_SUCCEEDED;
    } else {
        ev->pay_status = OH_PAY_PENDING;
    }
    if (oh_nj_money(obj, "amount_total", "currency", 1, ev) != OH_NORM_OK) {
        *why = "checkout session amount or currency invalid";
        return OH_NORM_MALFORMED;
    }
    return OH_NORM_OK;
}


static oh_norm_result_t
oh_stripe_charge_refunded(const cJSON *obj, oh_domain_event_t *ev,
    const char **why)
{
    ev->kind = OH_DOMAIN_REFUND_TOTAL;
    ev->order_number = oh_nj_str(obj, "metadata.order_number");
    ev->payment_ref = oh_nj_str(obj, "payment_intent");
    if (ev->payment_ref == NULL) {
        ev->payment_ref = oh_nj_str(obj, "id");
    }
    if (oh_nj_money(obj, "amount_refunded", "currency", 1, ev)
        != OH_NORM_OK)
    {
        *why = "charge amount_refunded or currency invalid";
        return OH_NORM_MALFORMED;
    }
    return OH_NORM_OK;
}


static oh_norm_result_t
oh_stripe_refund(const cJSON *obj, oh_domain_event_t *ev, const char **why)
{
    const char  *st = oh_nj_str(obj, "status");

    ev->kind = OH_DOMAIN_REFUND;
    ev->refund_id = oh_nj_str(obj, "id");
    ev->payment_ref = oh_nj_str(obj, "payment_intent");
    ev->order_number = oh_nj_str(obj, "metadata.order_number");
    if (ev->refund_id == NULL || st == NULL) {
        *why = "refund without id or status";
        return OH_NORM_MALFORMED;
    }
    if (strcmp(st, "succeeded") == 0) {
        ev->refund_status = OH_REFUND_PROCESSED;
    } else if (strcmp(st, "failed") == 0 || strcmp(st, "canceled") == 0) {
        ev->refund_status = OH_REFUND_FAILED;
    } else {
        ev->refund_status = OH_REFUND_PENDING;
    }
    if (oh_nj_money(obj, "amount", "currency", 1, ev) != OH_NORM_OK) {
        *why = "refund amount or currency invalid";
        return OH_NORM_MALFORMED;
    }
    return OH_NORM_OK;
}

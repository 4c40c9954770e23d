/* apply: domain events decided in C against the batch's locked state. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apply.h"

/* Changes to the order row that one event makes. */
typedef struct {
    int           dirty;
    oh_status_t   hist_from, hist_to;       /* history row when hist_to set */
    int           applied;
    const char   *payment_provider;
    const char   *payment_ref;
    const char   *provider_order_ref;
    const char   *tracking_number;
    const char   *carrier;
    const char   *tracking_url;
    const char   *paid_at;
    const char   *shipped_at;
    const char   *delivered_at;
    const char   *cancelled_at;
} apply_change_t;

const char *const  apply_pay_names[] = {
    "pending", "authorized", "succeeded", "failed"
};

const char *const  apply_refund_names[] = {
    "pending", "processed", "failed"
};

static void apply_target(apply_order_t *o, oh_status_t to,
    apply_change_t *c);
static int apply_payment(apply_set_t *set, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *o, apply_change_t *c,
    apply_result_t *res);
static int apply_reconcile(apply_set_t *set, apply_order_t *o,
    const apply_payment_t *p, const oh_domain_event_t *ev,
    apply_change_t *c);
static int apply_refund(apply_set_t *set, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *o, apply_change_t *c,
    apply_result_t *res);
static int apply_refund_step(apply_set_t *set, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *o, int64_t *sum);
static int apply_tracking(apply_set_t *set, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *o, apply_change_t *c);
static apply_shipment_t *apply_shipment(apply_set_t *set,
    const apply_order_t *o, const oh_domain_event_t *ev);
static int apply_fold(apply_set_t *set, const apply_source_t *src,
    apply_order_t *o, const apply_change_t *c);


void *
apply_list_push(void **list, size_t *n, size_t *cap, size_t size)
{
    size_t   ncap;
    void    *p;

    if (*n == *cap) {
        ncap = *cap ? *cap * 2 : 16;
        p = realloc(*list, ncap * size);
        if (p == NULL) {
            return NULL;
        }
        *list = p;
        *cap = ncap;
    }
    p = (char *) *list + *n * size;
    memset(p, 0, size);
    (*n)++;
    return p;
}


static int
apply_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}


static int
apply_eq_null(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || apply_eq(a, b);
}


apply_order_t *
apply_find_order(apply_set_t *set, const oh_domain_event_t *ev)
{
    apply_order_t  *o = set->orders;
    size_t          i, n = set->norders;

    for (i = 0; ev->order_number && i < n; i++) {
        if (strcmp(o[i].order_number, ev->order_number) == 0) {
            return &o[i];
        }
    }
    for (i = 0; i < n; i++) {
        if (apply_eq(o[i].provider_payment_id, ev->payment_ref)
            || apply_eq(o[i].provider_order_id, ev->provider_order_ref)
            || apply_eq(o[i].provider_order_id, ev->payment_ref))
        {
            return &o[i];
        }
    }
    return NULL;
}


const apply_shipment_t *
apply_shipment_of(const apply_set_t *set, const apply_order_t *order,
    const char *tracking_number)
{
    const apply_shipment_t  *s, *best = NULL;
    size_t                   i;

    /* the stored one with the lowest id, else the first new one */
    for (i = 0; i < set->nshipments; i++) {
        s = &set->shipments[i];
        if (s->order_id != order->id
            || !apply_eq(s->tracking_number, tracking_number))
        {
            continue;
        }
        if (best == NULL
            || (s->id != 0 && (best->id == 0 || s->id < best->id)))
        {
            best = s;
        }
    }
    return best;
}


/* Moves the order towards `to` if the table allows; records either way. */
static void
apply_target(apply_order_t *o, oh_status_t to, apply_change_t *c)
{
    oh_transition_t  t = oh_transition_check(o->status, to);

    if (t == OH_TRANSITION_SAME) {
        return;
    }
    c->dirty = 1;
    c->hist_from = o->status;
    c->hist_to = to;
    c->applied = (t == OH_TRANSITION_APPLY);
    if (!c->applied) {
        return;
    }
    o->status = to;
    switch (to) {
    case OH_STATUS_PAID:
        c->paid_at = "now";
        break;
    case OH_STATUS_DELIVERED:
        c->delivered_at = c->delivered_at ? c->delivered_at : "now";
        /* fall through */
    case OH_STATUS_SHIPPED:
        c->shipped_at = c->shipped_at ? c->shipped_at : "now";
        break;
    case OH_STATUS_CANCELLED:
        c->cancelled_at = "now";
        break;
    default:
        break;
    }
}


static int
apply_reconcile(apply_set_t *set, apply_order_t *o, const apply_payment_t *p,
    const oh_domain_event_t *ev, apply_change_t *c)
{
    apply_reconcile_t  *r;
    int                 same_cur = strcmp(o->currency, ev->currency) == 0;

    r = APPLY_PUSH(set, reconciles);
    if (r == NULL) {
        return -1;
    }
    if (same_cur) {
        o->paid_minor += ev->amount_minor;
    }
    r->matched = same_cur && o->paid_minor == o->total_minor;
    if (!same_cur) {
        snprintf(r->note, sizeof(r->note), "currency %s received, %s expected",
                 ev->currency, o->currency);
    } else if (!r->matched) {
        snprintf(r->note, sizeof(r->note), "%" PRId64 " received in total, %"
                 PRId64 " expected", o->paid_minor, o->total_minor);
    }
    r->order_id = o->id;
    r->provider = p->provider;
    r->ref = p->ref;
    r->expected_minor = o->total_minor;
    r->expected_currency = o->currency;
    r->received_minor = same_cur ? o->paid_minor : ev->amount_minor;
    r->received_currency = ev->currency;
    c->dirty = 1;
    apply_target(o, r->matched ? OH_STATUS_PAID
                               : OH_STATUS_PAYMENT_MISMATCH, c);
    return 0;
}


/* Payment states only move up: pending, authorized, failed, succeeded. */
static int
apply_pay_rank(int status)
{
    switch (status) {
    case OH_PAY_PENDING:
        return 0;
    case OH_PAY_AUTHORIZED:
        return 1;
    case OH_PAY_FAILED:
        return 2;
    case OH_PAY_SUCCEEDED:
        return 3;
    default:
        return -1;
    }
}


static int
apply_payment(apply_set_t *set, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *o, apply_change_t *c,
    apply_result_t *res)
{
    apply_payment_t  *p = NULL;
    const char       *ref;
    size_t            i;
    int               counted;

    ref = ev->payment_ref ? ev->payment_ref : src->event_id;
    for (i = 0; i < set->npayments; i++) {
        if (strcmp(set->payments[i].provider, src->provider) == 0
            && strcmp(set->payments[i].ref, ref) == 0)
        {
            p = &set->payments[i];
            break;
        }
    }
    if (p == NULL) {
        p = APPLY_PUSH(set, payments);
        if (p == NULL) {
            return -1;
        }
        p->provider = src->provider;
        p->ref = ref;
        p->order_id = o->id;
        p->status = -1;
    }
    if (apply_pay_rank((int) ev->pay_status) <= apply_pay_rank(p->status)) {
        /* the stored payment is already at or beyond this state */
        res->note = "payment state already recorded";
        if (ev->pay_status == OH_PAY_FAILED) {
            apply_target(o, OH_STATUS_PENDING_PAYMENT, c);
        }
        return 0;
    }
    counted = p->status == OH_PAY_SUCCEEDED;
    p->status = (int) ev->pay_status;
    p->amount_minor = ev->amount_minor;
    p->currency = ev->currency;
    p->webhook_id = src->webhook_id;
    p->dirty = 1;

    c->payment_provider = src->provider;
    c->payment_ref = ref;
    c->provider_order_ref = ev->provider_order_ref;
    c->dirty = 1;
    switch (ev->pay_status) {
    case OH_PAY_SUCCEEDED:
        if (counted) {
            res->note = "payment already counted";
            return 0;
        }
        return apply_reconcile(set, o, p, ev, c);
    case OH_PAY_FAILED:
        /* a failure after success is refused: the order never regresses */
        apply_target(o, OH_STATUS_PENDING_PAYMENT, c);
        return 0;
    default:
        return 0;
    }
}


/* Processed refunds of the order in `currency`, but for `except`. */
static int64_t
apply_refunded(const apply_set_t *set, int64_t order_id,
    const char *currency, const apply_refund_t *except)
{
    const apply_refund_t  *r;
    int64_t                sum = 0;
    size_t                 i;

    for (i = 0; i < set->nrefunds; i++) {
        r = &set->refunds[i];
        if (r != except && r->order_id == order_id
            && r->status == OH_REFUND_PROCESSED
            && strcmp(r->currency, currency) == 0)
        {
            sum += r->amount_minor;
        }
    }
    return sum;
}


/*
 * One refund's new state.  A processed refund stays processed; a failed
 * one does not go back to pending.  Sets `*sum` to the order's processed
 * refunds, or -1 when the state was already recorded.
 */
static int
apply_refund_step(apply_set_t *set, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *o, int64_t *sum)
{
    apply_refund_t  *r = NULL;
    const char      *id;
    size_t           i;

    id = ev->refund_id ? ev->refund_id : src->event_id;
    for (i = 0; i < set->nrefunds; i++) {
        if (strcmp(set->refunds[i].provider, src->provider) == 0
            && strcmp(set->refunds[i].refund_id, id) == 0)
        {
            r = &set->refunds[i];
            break;
        }
    }
    if (r == NULL) {
        r = APPLY_PUSH(set, refunds);
        if (r == NULL) {
            return -1;
        }
        r->provider = src->provider;
        r->refund_id = id;
        r->order_id = o->id;
        r->status = -1;
    } else if (r->status == OH_REFUND_PROCESSED
               || (r->status == OH_REFUND_FAILED
                   && ev->refund_status == OH_REFUND_PENDING))
    {
        *sum = -1;
        return 0;
    }
    r->status = (int) ev->refund_status;
    r->amount_minor = ev->amount_minor;
    r->currency = ev->currency;
    r->payment_ref = ev->payment_ref ? ev->payment_ref : r->payment_ref;
    r->webhook_id = src->webhook_id;
    r->dirty = 1;

    *sum = apply_refunded(set, o->id, ev->currency, r);
    if (r->status == OH_REFUND_PROCESSED
        && strcmp(r->currency, o->currency) == 0)
    {
        *sum += r->amount_minor;
    }
    return 0;
}


static int
apply_refund(apply_set_t *set, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *o, apply_change_t *c,
    apply_result_t *res)
{
    int64_t  sum;

    if (strcmp(ev->currency, o->currency) != 0) {
        res->note = "refund currency differs from the order's: not counted";
    }
    if (ev->kind == OH_DOMAIN_REFUND_TOTAL) {
        /* cumulative total: the larger of it and the refunds on record */
        sum = apply_refunded(set, o->id, o->currency, NULL);
        if (strcmp(ev->currency, o->currency) == 0 && ev->amount_minor > sum)
        {
            sum = ev->amount_minor;
        }
    } else {
        if (apply_refund_step(set, src, ev, o, &sum) != 0) {
            return -1;
        }
        if (sum < 0) {
            res->note = "refund state already recorded";
            return 0;
        }
    }
    if (strcmp(ev->currency, o->currency) == 0 && sum > o->refunded_minor) {
        o->refunded_minor = sum;
        c->dirty = 1;
    }
    if (o->paid_minor > 0 && o->refunded_minor >= o->paid_minor) {
        apply_target(o, OH_STATUS_REFUNDED, c);
    }
    return 0;
}


static apply_shipment_t *
apply_shipment(apply_set_t *set, const apply_order_t *o,
    const oh_domain_event_t *ev)
{
    apply_shipment_t  *s;
    size_t             i;

    for (i = 0; i < set->nshipments; i++) {
        s = &set->shipments[i];
        if (s->order_id == o->id
            && apply_eq_null(s->item, ev->order_item_id)
            && apply_eq(s->tracking_number, ev->tracking_number))
        {
            return s;
        }
    }
    s = APPLY_PUSH(set, shipments);
    if (s == NULL) {
        return NULL;
    }
    s->order_id = o->id;
    s->item = ev->order_item_id;
    s->tracking_number = ev->tracking_number;
    s->status = "unknown";
    return s;
}


static int
apply_tracking(apply_set_t *set, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *o, apply_change_t *c)
{
    apply_shipment_t  *s;
    apply_scans_t     *sc;
    const char        *shipped = ev->shipped_at[0] ? ev->shipped_at : NULL;
    const char        *delivered = ev->delivered_at[0] ? ev->delivered_at
                                                       : NULL;
    int                final = ev->ship_target == OH_STATUS_DELIVERED
                               || ev->ship_target == OH_STATUS_RETURNED;

    s = apply_shipment(set, o, ev);
    if (s == NULL) {
        return -1;
    }
    /* a delivered shipment stays delivered unless it comes back */
    s->carrier = ev->carrier ? ev->carrier : s->carrier;
    s->tracking_url = ev->tracking_url ? ev->tracking_url : s->tracking_url;
    if (ev->ship_status[0]
        && (strcmp(s->status, "delivered") != 0 || final))
    {
        s->status = ev->ship_status;
    }
    s->is_return = s->is_return || ev->is_return;
    s->shipped_at = s->shipped_at ? s->shipped_at : shipped;
    s->delivered_at = s->delivered_at ? s->delivered_at : delivered;
    s->dirty = 1;
    if (ev->nscans > 0) {
        sc = APPLY_PUSH(set, scans);
        if (sc == NULL) {
            return -1;
        }
        sc->shipment = (size_t) (s - set->shipments);
        sc->ev = ev;
        sc->webhook_id = src->webhook_id;
    }
    c->dirty = 1;
    if (ev->order_item_id == NULL) {
        c->tracking_number = ev->tracking_number;
        c->carrier = ev->carrier;
        c->tracking_url = ev->tracking_url;
    }
    c->shipped_at = shipped;
    c->delivered_at = delivered;
    if (ev->ship_target != OH_STATUS_UNKNOWN) {
        apply_target(o, ev->ship_target, c);
    }
    if (!c->applied) {
        /* order timestamps follow the order's status, not the scans */
        c->shipped_at = NULL;
        c->delivered_at = NULL;
    }
    return 0;
}


#define APPLY_LATEST(field)  o->field = c->field ? c->field : o->field
#define APPLY_FIRST(field)   o->field = o->field ? o->field : c->field

/* One event's changes merged into the order row the batch will write. */
static int
apply_fold(apply_set_t *set, const apply_source_t *src, apply_order_t *o,
    const apply_change_t *c)
{
    apply_history_t  *h;

    o->dirty = 1;
    APPLY_LATEST(payment_provider);
    APPLY_LATEST(tracking_number);
    APPLY_LATEST(carrier);
    APPLY_LATEST(tracking_url);
    APPLY_FIRST(paid_at);
    APPLY_FIRST(shipped_at);
    APPLY_FIRST(delivered_at);
    APPLY_FIRST(cancelled_at);
    o->provider_payment_id = o->provider_payment_id ? o->provider_payment_id
                                                    : c->payment_ref;
    o->provider_order_id = o->provider_order_id ? o->provider_order_id
                                                : c->provider_order_ref;
    if (c->hist_to == OH_STATUS_UNKNOWN) {
        return 0;
    }
    h = APPLY_PUSH(set, history);
    if (h == NULL) {
        return -1;
    }
    h->order_id = o->id;
    h->from = c->hist_from;
    h->to = c->hist_to;
    h->applied = c->applied;
    h->reason = src->event_type;
    h->webhook_id = src->webhook_id;
    return 0;
}


int
apply_event(apply_set_t *set, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *order, apply_result_t *res)
{
    apply_change_t  c;
    int             rc = 0;

    memset(&c, 0, sizeof(c));
    c.hist_from = OH_STATUS_UNKNOWN;
    c.hist_to = OH_STATUS_UNKNOWN;
    res->from = OH_STATUS_UNKNOWN;
    res->to = OH_STATUS_UNKNOWN;
    res->refused = 0;
    res->note = NULL;
    res->early = 0;

    if (src->early_ok && src->attempts == 0
        && order->status == OH_STATUS_PENDING_PAYMENT
        && (ev->kind == OH_DOMAIN_REFUND || ev->kind == OH_DOMAIN_REFUND_TOTAL
            || (ev->kind == OH_DOMAIN_TRACKING
                && ev->ship_target != OH_STATUS_UNKNOWN)))
    {
        res->early = 1;
        return 0;
    }

    switch (ev->kind) {
    case OH_DOMAIN_PAYMENT:
        rc = apply_payment(set, src, ev, order, &c, res);
        break;
    case OH_DOMAIN_CHECKOUT_EXPIRED:
        /* only an unpaid order is cancelled; otherwise history only */
        if (order->status == OH_STATUS_PENDING_PAYMENT) {
            apply_target(order, OH_STATUS_CANCELLED, &c);
        } else if (order->status != OH_STATUS_CANCELLED) {
            c.dirty = 1;
            c.hist_from = order->status;
            c.hist_to = OH_STATUS_CANCELLED;
            c.applied = 0;
        }
        break;
    case OH_DOMAIN_REFUND:
    case OH_DOMAIN_REFUND_TOTAL:
        rc = apply_refund(set, src, ev, order, &c, res);
        break;
    case OH_DOMAIN_TRACKING:
        rc = apply_tracking(set, src, ev, order, &c);
        break;
    }
    if (rc != 0) {
        return -1;
    }
    if (c.hist_to != OH_STATUS_UNKNOWN) {
        res->from = c.hist_from;
        res->to = c.hist_to;
        res->refused = !c.applied;
    }
    if (!c.dirty) {
        return 0;
    }
    return apply_fold(set, src, order, &c);
}

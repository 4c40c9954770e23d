/* apply: domain events applied to orders under the order's row lock. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apply.h"
#include "pgarray.h"

#define I64(buf, v)  (snprintf(buf, sizeof(buf), "%" PRId64, (int64_t) (v)), \
                      (const char *) buf)

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

const db_stmt_t  apply_statements[] = {
    { "apply_lock_orders",
      "SELECT id, order_number, status, currency, total_minor, paid_minor,"
      "       refunded_minor, provider_payment_id, provider_order_id"
      "  FROM orderhooks.orders"
      " WHERE order_number = ANY ($1::text[])"
      "    OR provider_payment_id = ANY ($2::text[])"
      "    OR provider_order_id = ANY ($2::text[])"
      "    OR id IN (SELECT order_id FROM orderhooks.payments"
      "               WHERE provider_payment_id = ANY ($2::text[]))"
      " ORDER BY id FOR UPDATE", 2 },

    /* payment states only move up: pending, authorized, failed, succeeded */
    { "apply_payment",
      "WITH prev AS (SELECT status FROM orderhooks.payments"
      "               WHERE provider = $2 AND provider_payment_id = $3)"
      " INSERT INTO orderhooks.payments AS p (order_id, provider,"
      "        provider_payment_id, status, amount_minor, currency,"
      "        webhook_event_id)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7)"
      " ON CONFLICT (provider, provider_payment_id) DO UPDATE SET"
      "   status = EXCLUDED.status, amount_minor = EXCLUDED.amount_minor,"
      "   currency = EXCLUDED.currency,"
      "   webhook_event_id = EXCLUDED.webhook_event_id, updated_at = now()"
      " WHERE array_position(ARRAY['pending','authorized','failed',"
      "       'succeeded'], EXCLUDED.status)"
      "     > array_position(ARRAY['pending','authorized','failed',"
      "       'succeeded'], p.status)"
      " RETURNING id, (SELECT status FROM prev)", 7 },

    { "apply_payment_id",
      "SELECT id, status FROM orderhooks.payments"
      " WHERE provider = $1 AND provider_payment_id = $2", 2 },

    { "apply_reconcile",
      "INSERT INTO orderhooks.payment_reconciliation (order_id, payment_id,"
      "        expected_minor, expected_currency, received_minor,"
      "        received_currency, status, notes)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
      " ON CONFLICT (payment_id) DO NOTHING", 8 },

    /* a processed refund stays processed; others take the latest state */
    { "apply_refund",
      "WITH prev AS (SELECT status FROM orderhooks.refunds"
      "               WHERE provider = $2 AND provider_refund_id = $3),"
      "  others AS (SELECT coalesce(sum(amount_minor), 0)::bigint AS s"
      "               FROM orderhooks.refunds WHERE order_id = $1"
      "                AND status = 'processed' AND currency = $7"
      "                AND NOT (provider = $2 AND provider_refund_id = $3))"
      " INSERT INTO orderhooks.refunds AS r (order_id, provider,"
      "        provider_refund_id, provider_payment_id, status,"
      "        amount_minor, currency, webhook_event_id, processed_at)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
      "         CASE WHEN $5 = 'processed' THEN now() END)"
      " ON CONFLICT (provider, provider_refund_id) DO UPDATE SET"
      "   status = EXCLUDED.status, amount_minor = EXCLUDED.amount_minor,"
      "   provider_payment_id = coalesce(EXCLUDED.provider_payment_id,"
      "                                  r.provider_payment_id),"
      "   webhook_event_id = EXCLUDED.webhook_event_id,"
      "   processed_at = EXCLUDED.processed_at, updated_at = now()"
      " WHERE r.status <> 'processed'"
      "   AND NOT (r.status = 'failed' AND EXCLUDED.status = 'pending')"
      " RETURNING status, amount_minor, currency,"
      "           (SELECT s FROM others), (SELECT status FROM prev)", 8 },

    { "apply_refund_total",
      "SELECT coalesce(sum(amount_minor), 0)::bigint"
      "  FROM orderhooks.refunds WHERE order_id = $1"
      "   AND status = 'processed' AND currency = $2", 2 },

    /* a delivered shipment stays delivered unless it comes back */
    { "apply_shipment",
      "INSERT INTO orderhooks.shipments AS s (order_id, order_item_id,"
      "        tracking_number, carrier, tracking_url, status, is_return,"
      "        shipped_at, delivered_at)"
      " VALUES ($1, $2, $3, $4, $5, coalesce($6, 'unknown'), $7, $8, $9)"
      " ON CONFLICT ON CONSTRAINT shipments_order_item_tracking_key"
      " DO UPDATE SET"
      "   carrier = coalesce(EXCLUDED.carrier, s.carrier),"
      "   tracking_url = coalesce(EXCLUDED.tracking_url, s.tracking_url),"
      "   status = CASE WHEN $6::text IS NULL THEN s.status"
      "                 WHEN s.status = 'delivered' AND NOT $10::boolean"
      "                 THEN s.status ELSE $6 END,"
      "   is_return = s.is_return OR EXCLUDED.is_return,"
      "   shipped_at = coalesce(s.shipped_at, EXCLUDED.shipped_at),"
      "   delivered_at = coalesce(s.delivered_at, EXCLUDED.delivered_at),"
      "   updated_at = now()"
      " RETURNING id", 10 },

    { "apply_scans",
      "INSERT INTO orderhooks.tracking_events (shipment_id, status_code,"
      "        status_label, description, location, occurred_at,"
      "        webhook_event_id)"
      " SELECT $1, c, l, d, loc, t, $7"
      "   FROM unnest($2::text[], $3::text[], $4::text[], $5::text[],"
      "               $6::timestamptz[]) AS u (c, l, d, loc, t)"
      " ON CONFLICT ON CONSTRAINT tracking_events_once_key DO NOTHING", 7 },

    { "apply_order",
      "WITH u AS ("
      " UPDATE orderhooks.orders SET status = $2, paid_minor = $3,"
      "   refunded_minor = $4,"
      "   payment_provider = coalesce($5, payment_provider),"
      "   provider_payment_id = coalesce(provider_payment_id, $6),"
      "   provider_order_id = coalesce(provider_order_id, $7),"
      "   tracking_number = coalesce($8, tracking_number),"
      "   carrier = coalesce($9, carrier),"
      "   tracking_url = coalesce($10, tracking_url),"
      "   paid_at = coalesce(paid_at, $11),"
      "   shipped_at = coalesce(shipped_at, $12),"
      "   delivered_at = coalesce(delivered_at, $13),"
      "   cancelled_at = coalesce(cancelled_at, $14),"
      "   updated_at = now()"
      " WHERE id = $1 RETURNING id)"
      " INSERT INTO orderhooks.order_status_history (order_id, from_status,"
      "        to_status, applied, reason, webhook_event_id)"
      " SELECT id, $15, $16, $17, $18, $19 FROM u"
      "  WHERE $16::text IS NOT NULL", 19 },

    { NULL, NULL, 0 }
};

static void apply_target(apply_order_t *o, oh_status_t to,
    apply_change_t *c);
static int apply_payment(PGconn *conn, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *o, apply_change_t *c,
    apply_result_t *res, db_error_t *err);
static int apply_reconcile(PGconn *conn, apply_order_t *o,
    const char *payment_id, const oh_domain_event_t *ev, apply_change_t *c,
    db_error_t *err);
static int apply_refund(PGconn *conn, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *o, apply_change_t *c,
    apply_result_t *res, db_error_t *err);
static int apply_tracking(PGconn *conn, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *o, apply_change_t *c,
    db_error_t *err);
static int apply_scans(PGconn *conn, const apply_source_t *src,
    const char *shipment_id, const oh_domain_event_t *ev, db_error_t *err);
static int apply_save(PGconn *conn, const apply_source_t *src,
    const apply_order_t *o, const apply_change_t *c, db_error_t *err);
static int apply_run(PGconn *conn, const char *name, int n,
    const char *const *params, PGresult **out, db_error_t *err);


static int
apply_run(PGconn *conn, const char *name, int n, const char *const *params,
    PGresult **out, db_error_t *err)
{
    PGresult  *res = db_exec(conn, name, n, params, 0, err);

    if (res == NULL) {
        return -1;
    }
    if (out != NULL) {
        *out = res;
    } else {
        PQclear(res);
    }
    return 0;
}


int
apply_lock_orders(PGconn *conn, const oh_domain_event_t *const *evs,
    size_t nevs, apply_order_t **orders, size_t *n, PGresult **keep,
    db_error_t *err)
{
    pgarray_t       nums, refs;
    const char     *params[2];
    PGresult       *res = NULL;
    apply_order_t  *o;
    size_t          i;
    int             rows;

    *orders = NULL;
    *n = 0;
    *keep = NULL;
    pgarray_init(&nums);
    pgarray_init(&refs);
    for (i = 0; i < nevs; i++) {
        if (evs[i] == NULL) {
            continue;
        }
        if (evs[i]->order_number) {
            pgarray_add(&nums, evs[i]->order_number);
        }
        if (evs[i]->payment_ref) {
            pgarray_add(&refs, evs[i]->payment_ref);
        }
        if (evs[i]->provider_order_ref) {
            pgarray_add(&refs, evs[i]->provider_order_ref);
        }
    }
    params[0] = pgarray_text(&nums);
    params[1] = pgarray_text(&refs);
    if (params[0] == NULL || params[1] == NULL) {
        snprintf(err->sqlstate, sizeof(err->sqlstate), "53200");
        snprintf(err->message, sizeof(err->message), "out of memory");
        pgarray_free(&nums);
        pgarray_free(&refs);
        return -1;
    }
    rows = apply_run(conn, "apply_lock_orders", 2, params, &res, err);
    pgarray_free(&nums);
    pgarray_free(&refs);
    if (rows != 0) {
        return -1;
    }
    rows = PQntuples(res);
    o = calloc(rows ? (size_t) rows : 1, sizeof(apply_order_t));
    if (o == NULL) {
        PQclear(res);
        snprintf(err->sqlstate, sizeof(err->sqlstate), "53200");
        snprintf(err->message, sizeof(err->message), "out of memory");
        return -1;
    }
    for (i = 0; i < (size_t) rows; i++) {
        o[i].id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        o[i].order_number = PQgetvalue(res, i, 1);
        o[i].status = oh_status_by_name(PQgetvalue(res, i, 2));
        o[i].currency = PQgetvalue(res, i, 3);
        o[i].total_minor = strtoll(PQgetvalue(res, i, 4), NULL, 10);
        o[i].paid_minor = strtoll(PQgetvalue(res, i, 5), NULL, 10);
        o[i].refunded_minor = strtoll(PQgetvalue(res, i, 6), NULL, 10);
        o[i].provider_payment_id = PQgetisnull(res, i, 7)
                                   ? NULL : PQgetvalue(res, i, 7);
        o[i].provider_order_id = PQgetisnull(res, i, 8)
                                 ? NULL : PQgetvalue(res, i, 8);
    }
    *orders = o;
    *n = (size_t) rows;
    *keep = res;
    return 0;
}


static int
apply_ref_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}


apply_order_t *
apply_find_order(apply_order_t *orders, size_t n, const oh_domain_event_t *ev)
{
    size_t  i;

    for (i = 0; ev->order_number && i < n; i++) {
        if (strcmp(orders[i].order_number, ev->order_number) == 0) {
            return &orders[i];
        }
    }
    for (i = 0; i < n; i++) {
        if (apply_ref_eq(orders[i].provider_payment_id, ev->payment_ref)
            || apply_ref_eq(orders[i].provider_order_id,
                            ev->provider_order_ref)
            || apply_ref_eq(orders[i].provider_order_id, ev->payment_ref))
        {
            return &orders[i];
        }
    }
    return NULL;
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
apply_reconcile(PGconn *conn, apply_order_t *o, const char *payment_id,
    const oh_domain_event_t *ev, apply_change_t *c, db_error_t *err)
{
    char         b[4][24], note[160];
    const char  *p[8];
    int          same_cur = strcmp(o->currency, ev->currency) == 0;
    int          matched;

    if (same_cur) {
        o->paid_minor += ev->amount_minor;
    }
    matched = same_cur && o->paid_minor == o->total_minor;
    if (!same_cur) {
        snprintf(note, sizeof(note), "currency %s received, %s expected",
                 ev->currency, o->currency);
    } else if (!matched) {
        snprintf(note, sizeof(note), "%" PRId64 " received in total, %"
                 PRId64 " expected", o->paid_minor, o->total_minor);
    }
    p[0] = I64(b[0], o->id);
    p[1] = payment_id;
    p[2] = I64(b[1], o->total_minor);
    p[3] = o->currency;
    p[4] = I64(b[2], same_cur ? o->paid_minor : ev->amount_minor);
    p[5] = ev->currency;
    p[6] = matched ? "matched" : "mismatch";
    p[7] = matched ? NULL : note;
    c->dirty = 1;
    apply_target(o, matched ? OH_STATUS_PAID : OH_STATUS_PAYMENT_MISMATCH,
                 c);
    return apply_run(conn, "apply_reconcile", 8, p, NULL, err);
}


static const char *const  apply_pay_names[] = {
    "pending", "authorized", "succeeded", "failed"
};


static int
apply_payment(PGconn *conn, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *o, apply_change_t *c,
    apply_result_t *res, db_error_t *err)
{
    char         b[3][24], payment_id[24];
    const char  *p[7], *ref, *prev;
    PGresult    *r;
    int          counted;

    ref = ev->payment_ref ? ev->payment_ref : src->event_id;
    p[0] = I64(b[0], o->id);
    p[1] = src->provider;
    p[2] = ref;
    p[3] = apply_pay_names[ev->pay_status];
    p[4] = I64(b[1], ev->amount_minor);
    p[5] = ev->currency;
    p[6] = I64(b[2], src->webhook_id);
    if (apply_run(conn, "apply_payment", 7, p, &r, err) != 0) {
        return -1;
    }
    if (PQntuples(r) == 0) {
        /* the stored payment is already at or beyond this state */
        PQclear(r);
        res->note = "payment state already recorded";
        if (ev->pay_status == OH_PAY_FAILED) {
            apply_target(o, OH_STATUS_PENDING_PAYMENT, c);
        }
        return 0;
    }
    snprintf(payment_id, sizeof(payment_id), "%s", PQgetvalue(r, 0, 0));
    prev = PQgetisnull(r, 0, 1) ? NULL : PQgetvalue(r, 0, 1);
    counted = prev != NULL && strcmp(prev, "succeeded") == 0;
    PQclear(r);

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
        return apply_reconcile(conn, o, payment_id, ev, c, err);
    case OH_PAY_FAILED:
        /* a failure after success is refused: the order never regresses */
        apply_target(o, OH_STATUS_PENDING_PAYMENT, c);
        return 0;
    default:
        return 0;
    }
}


static const char *const  apply_refund_names[] = {
    "pending", "processed", "failed"
};


static int
apply_refund(PGconn *conn, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *o, apply_change_t *c,
    apply_result_t *res, db_error_t *err)
{
    char         b[3][24];
    const char  *p[8];
    PGresult    *r;
    int64_t      sum;

    if (strcmp(ev->currency, o->currency) != 0) {
        res->note = "refund currency differs from the order's: not counted";
    }
    if (ev->kind == OH_DOMAIN_REFUND_TOTAL) {
        /* cumulative total: the larger of it and the refunds on record */
        p[0] = I64(b[0], o->id);
        p[1] = o->currency;
        if (apply_run(conn, "apply_refund_total", 2, p, &r, err) != 0) {
            return -1;
        }
        sum = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        if (strcmp(ev->currency, o->currency) == 0 && ev->amount_minor > sum)
        {
            sum = ev->amount_minor;
        }
    } else {
        p[0] = I64(b[0], o->id);
        p[1] = src->provider;
        p[2] = ev->refund_id ? ev->refund_id : src->event_id;
        p[3] = ev->payment_ref;
        p[4] = apply_refund_names[ev->refund_status];
        p[5] = I64(b[1], ev->amount_minor);
        p[6] = ev->currency;
        p[7] = I64(b[2], src->webhook_id);
        if (apply_run(conn, "apply_refund", 8, p, &r, err) != 0) {
            return -1;
        }
        if (PQntuples(r) == 0) {
            PQclear(r);
            res->note = "refund state already recorded";
            return 0;
        }
        sum = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
        if (strcmp(PQgetvalue(r, 0, 0), "processed") == 0
            && strcmp(PQgetvalue(r, 0, 2), o->currency) == 0)
        {
            sum += strtoll(PQgetvalue(r, 0, 1), NULL, 10);
        }
        PQclear(r);
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


static int
apply_scans(PGconn *conn, const apply_source_t *src, const char *shipment_id,
    const oh_domain_event_t *ev, db_error_t *err)
{
    pgarray_t    a[5];
    const char  *p[7];
    char         b[24];
    size_t       i;
    int          k, rc = -1;

    for (k = 0; k < 5; k++) {
        pgarray_init(&a[k]);
    }
    for (i = 0; i < ev->nscans; i++) {
        pgarray_add(&a[0], ev->scans[i].code);
        pgarray_add(&a[1], ev->scans[i].label);
        pgarray_add(&a[2], ev->scans[i].description);
        pgarray_add(&a[3], ev->scans[i].location);
        pgarray_add(&a[4], ev->scans[i].occurred_at);
    }
    p[0] = shipment_id;
    for (k = 0; k < 5; k++) {
        p[k + 1] = pgarray_text(&a[k]);
        if (p[k + 1] == NULL) {
            snprintf(err->sqlstate, sizeof(err->sqlstate), "53200");
            snprintf(err->message, sizeof(err->message), "out of memory");
            goto done;
        }
    }
    p[6] = I64(b, src->webhook_id);
    rc = apply_run(conn, "apply_scans", 7, p, NULL, err);
done:
    for (k = 0; k < 5; k++) {
        pgarray_free(&a[k]);
    }
    return rc;
}


static int
apply_tracking(PGconn *conn, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *o, apply_change_t *c,
    db_error_t *err)
{
    char         b[24], shipment_id[24];
    const char  *p[10];
    PGresult    *r;
    int          final = ev->ship_target == OH_STATUS_DELIVERED
                         || ev->ship_target == OH_STATUS_RETURNED;

    p[0] = I64(b, o->id);
    p[1] = ev->order_item_id;
    p[2] = ev->tracking_number;
    p[3] = ev->carrier;
    p[4] = ev->tracking_url;
    p[5] = ev->ship_status[0] ? ev->ship_status : NULL;
    p[6] = ev->is_return ? "true" : "false";
    p[7] = ev->shipped_at[0] ? ev->shipped_at : NULL;
    p[8] = ev->delivered_at[0] ? ev->delivered_at : NULL;
    p[9] = final ? "true" : "false";
    if (apply_run(conn, "apply_shipment", 10, p, &r, err) != 0) {
        return -1;
    }
    snprintf(shipment_id, sizeof(shipment_id), "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (ev->nscans > 0 && apply_scans(conn, src, shipment_id, ev, err) != 0)
    {
        return -1;
    }
    c->dirty = 1;
    if (ev->order_item_id == NULL) {
        c->tracking_number = ev->tracking_number;
        c->carrier = ev->carrier;
        c->tracking_url = ev->tracking_url;
    }
    c->shipped_at = p[7];
    c->delivered_at = p[8];
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


static int
apply_save(PGconn *conn, const apply_source_t *src, const apply_order_t *o,
    const apply_change_t *c, db_error_t *err)
{
    char         b[4][24];
    const char  *p[19];

    p[0] = I64(b[0], o->id);
    p[1] = oh_status_name(o->status);
    p[2] = I64(b[1], o->paid_minor);
    p[3] = I64(b[2], o->refunded_minor);
    p[4] = c->payment_provider;
    p[5] = c->payment_ref;
    p[6] = c->provider_order_ref;
    p[7] = c->tracking_number;
    p[8] = c->carrier;
    p[9] = c->tracking_url;
    p[10] = c->paid_at;
    p[11] = c->shipped_at;
    p[12] = c->delivered_at;
    p[13] = c->cancelled_at;
    p[14] = c->hist_to != OH_STATUS_UNKNOWN ? oh_status_name(c->hist_from)
                                            : NULL;
    p[15] = c->hist_to != OH_STATUS_UNKNOWN ? oh_status_name(c->hist_to)
                                            : NULL;
    p[16] = c->applied ? "true" : "false";
    p[17] = src->event_type;
    p[18] = I64(b[3], src->webhook_id);
    return apply_run(conn, "apply_order", 19, p, NULL, err);
}


int
apply_event(PGconn *conn, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *order, apply_result_t *res,
    db_error_t *err)
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

    switch (ev->kind) {
    case OH_DOMAIN_PAYMENT:
        rc = apply_payment(conn, src, ev, order, &c, res, err);
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
        rc = apply_refund(conn, src, ev, order, &c, res, err);
        break;
    case OH_DOMAIN_TRACKING:
        rc = apply_tracking(conn, src, ev, order, &c, err);
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
    return apply_save(conn, src, order, &c, err);
}

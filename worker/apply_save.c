/* apply_save: a batch's decisions written with one statement per table. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apply.h"
#include "pgarray.h"

#define APPLY_SAVE_MAXP  18

const db_stmt_t  apply_save_statements[] = {
    { "apply_save_orders",
      "UPDATE orderhooks.orders AS o SET status = v.status,"
      "   paid_minor = v.paid, refunded_minor = v.refunded,"
      "   payment_provider = coalesce(v.pp, o.payment_provider),"
      "   provider_payment_id = coalesce(o.provider_payment_id, v.ppid),"
      "   provider_order_id = coalesce(o.provider_order_id, v.poid),"
      "   tracking_number = coalesce(v.tn, o.tracking_number),"
      "   carrier = coalesce(v.carrier, o.carrier),"
      "   tracking_url = coalesce(v.url, o.tracking_url),"
      "   paid_at = coalesce(o.paid_at, v.paid_at),"
      "   shipped_at = coalesce(o.shipped_at, v.shipped_at),"
      "   delivered_at = coalesce(o.delivered_at, v.delivered_at),"
      "   cancelled_at = coalesce(o.cancelled_at, v.cancelled_at),"
      "   updated_at = now()"
      "  FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[],"
      "              $5::text[], $6::text[], $7::text[], $8::text[],"
      "              $9::text[], $10::text[], $11::timestamptz[],"
      "              $12::timestamptz[], $13::timestamptz[],"
      "              $14::timestamptz[])"
      "       AS v (id, status, paid, refunded, pp, ppid, poid, tn, carrier,"
      "             url, paid_at, shipped_at, delivered_at, cancelled_at)"
      " WHERE o.id = v.id", 14 },

    { "apply_save_history",
      "INSERT INTO orderhooks.order_status_history (order_id, from_status,"
      "        to_status, applied, reason, webhook_event_id)"
      " SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[],"
      "                      $4::boolean[], $5::text[], $6::bigint[])", 6 },

    /*
     * Payment states only move up: pending, authorized, failed, succeeded.
     * The reconciliation rows join the payments the upsert returns, so
     * they never look a payment up in the table.
     */
    { "apply_save_payments",
      "WITH p AS ("
      " INSERT INTO orderhooks.payments AS p (order_id, provider,"
      "        provider_payment_id, status, amount_minor, currency,"
      "        webhook_event_id)"
      " SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[],"
      "                      $4::text[], $5::bigint[], $6::text[],"
      "                      $7::bigint[])"
      " ON CONFLICT (provider, provider_payment_id) DO UPDATE SET"
      "   status = EXCLUDED.status, amount_minor = EXCLUDED.amount_minor,"
      "   currency = EXCLUDED.currency,"
      "   webhook_event_id = EXCLUDED.webhook_event_id, updated_at = now()"
      " WHERE array_position(ARRAY['pending','authorized','failed',"
      "       'succeeded'], EXCLUDED.status)"
      "     > array_position(ARRAY['pending','authorized','failed',"
      "       'succeeded'], p.status)"
      " RETURNING id, provider, provider_payment_id)"
      " INSERT INTO orderhooks.payment_reconciliation (order_id, payment_id,"
      "        expected_minor, expected_currency, received_minor,"
      "        received_currency, status, notes)"
      " SELECT v.order_id, p.id, v.exp, v.exp_cur, v.rec, v.rec_cur,"
      "        v.status, v.notes"
      "   FROM unnest($8::bigint[], $9::text[], $10::text[], $11::bigint[],"
      "               $12::text[], $13::bigint[], $14::text[], $15::text[],"
      "               $16::text[])"
      "        AS v (order_id, provider, ref, exp, exp_cur, rec, rec_cur,"
      "              status, notes)"
      "   JOIN p ON p.provider = v.provider AND p.provider_payment_id = v.ref"
      " ON CONFLICT (payment_id) DO NOTHING", 16 },

    /* a processed refund stays processed; a failed one is not pending */
    { "apply_save_refunds",
      "INSERT INTO orderhooks.refunds AS r (order_id, provider,"
      "        provider_refund_id, provider_payment_id, status,"
      "        amount_minor, currency, webhook_event_id, processed_at)"
      " SELECT v.*, CASE WHEN v.status = 'processed' THEN now() END"
      "   FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[],"
      "               $5::text[], $6::bigint[], $7::text[], $8::bigint[])"
      "        AS v (order_id, provider, refund_id, payment_ref, status,"
      "              amount, currency, webhook_id)"
      " ON CONFLICT (provider, provider_refund_id) DO UPDATE SET"
      "   status = EXCLUDED.status, amount_minor = EXCLUDED.amount_minor,"
      "   provider_payment_id = coalesce(EXCLUDED.provider_payment_id,"
      "                                  r.provider_payment_id),"
      "   webhook_event_id = EXCLUDED.webhook_event_id,"
      "   processed_at = EXCLUDED.processed_at, updated_at = now()"
      " WHERE r.status <> 'processed'"
      "   AND NOT (r.status = 'failed' AND EXCLUDED.status = 'pending')", 8 },

    /* the shipments, and the scans joined to the ids they come back with */
    { "apply_save_shipments",
      "WITH s AS ("
      " INSERT INTO orderhooks.shipments AS s (order_id, order_item_id,"
      "        tracking_number, carrier, tracking_url, status, is_return,"
      "        shipped_at, delivered_at)"
      " SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[],"
      "                      $4::text[], $5::text[], $6::text[],"
      "                      $7::boolean[], $8::timestamptz[],"
      "                      $9::timestamptz[])"
      " ON CONFLICT ON CONSTRAINT shipments_order_item_tracking_key"
      " DO UPDATE SET carrier = EXCLUDED.carrier,"
      "   tracking_url = EXCLUDED.tracking_url, status = EXCLUDED.status,"
      "   is_return = EXCLUDED.is_return,"
      "   shipped_at = coalesce(s.shipped_at, EXCLUDED.shipped_at),"
      "   delivered_at = coalesce(s.delivered_at, EXCLUDED.delivered_at),"
      "   updated_at = now()"
      " RETURNING id, order_id, order_item_id, tracking_number)"
      " INSERT INTO orderhooks.tracking_events (shipment_id, status_code,"
      "        status_label, description, location, occurred_at,"
      "        webhook_event_id)"
      " SELECT s.id, v.c, v.l, v.d, v.loc, v.t, v.wid"
      "   FROM unnest($10::bigint[], $11::text[], $12::text[], $13::text[],"
      "               $14::text[], $15::text[], $16::text[],"
      "               $17::timestamptz[], $18::bigint[])"
      "        AS v (order_id, item, tn, c, l, d, loc, t, wid)"
      "   JOIN s ON s.order_id = v.order_id AND s.tracking_number = v.tn"
      "    AND s.order_item_id IS NOT DISTINCT FROM v.item"
      " ON CONFLICT ON CONSTRAINT tracking_events_once_key DO NOTHING", 18 },

    { NULL, NULL, 0 }
};

/* Columns being gathered for one statement. */
typedef struct {
    pgarray_t   a[APPLY_SAVE_MAXP];
    int         n;
} apply_cols_t;


static void
apply_cols_init(apply_cols_t *c, int n)
{
    int  k;

    c->n = n;
    for (k = 0; k < n; k++) {
        pgarray_init(&c->a[k]);
    }
}


static void
apply_cols_int(apply_cols_t *c, int k, int64_t v)
{
    char  b[24];

    snprintf(b, sizeof(b), "%" PRId64, v);
    pgarray_add(&c->a[k], b);
}


/* Queues `name` over the gathered columns (freed) unless there are none. */
static void
apply_cols_send(db_pipe_t *pipe, const char *name, apply_cols_t *c)
{
    int  k;

    if (c->a[0].n > 0) {
        db_pipe_add_arrays(pipe, name, NULL, 0, c->a, c->n);
        return;
    }
    for (k = 0; k < c->n; k++) {
        pgarray_free(&c->a[k]);
    }
}


static void
apply_save_orders(db_pipe_t *pipe, const apply_set_t *set)
{
    const apply_order_t  *o;
    apply_cols_t          c;
    size_t                i;

    apply_cols_init(&c, 14);
    for (i = 0; i < set->norders; i++) {
        o = &set->orders[i];
        if (!o->dirty) {
            continue;
        }
        apply_cols_int(&c, 0, o->id);
        pgarray_add(&c.a[1], oh_status_name(o->status));
        apply_cols_int(&c, 2, o->paid_minor);
        apply_cols_int(&c, 3, o->refunded_minor);
        pgarray_add(&c.a[4], o->payment_provider);
        pgarray_add(&c.a[5], o->provider_payment_id);
        pgarray_add(&c.a[6], o->provider_order_id);
        pgarray_add(&c.a[7], o->tracking_number);
        pgarray_add(&c.a[8], o->carrier);
        pgarray_add(&c.a[9], o->tracking_url);
        pgarray_add(&c.a[10], o->paid_at);
        pgarray_add(&c.a[11], o->shipped_at);
        pgarray_add(&c.a[12], o->delivered_at);
        pgarray_add(&c.a[13], o->cancelled_at);
    }
    apply_cols_send(pipe, "apply_save_orders", &c);
}


static void
apply_save_history(db_pipe_t *pipe, const apply_set_t *set)
{
    const apply_history_t  *h;
    apply_cols_t            c;
    size_t                  i;

    apply_cols_init(&c, 6);
    for (i = 0; i < set->nhistory; i++) {
        h = &set->history[i];
        apply_cols_int(&c, 0, h->order_id);
        pgarray_add(&c.a[1], oh_status_name(h->from));
        pgarray_add(&c.a[2], oh_status_name(h->to));
        pgarray_add(&c.a[3], h->applied ? "t" : "f");
        pgarray_add(&c.a[4], h->reason);
        apply_cols_int(&c, 5, h->webhook_id);
    }
    apply_cols_send(pipe, "apply_save_history", &c);
}


static void
apply_save_payments(db_pipe_t *pipe, const apply_set_t *set)
{
    const apply_payment_t    *p;
    const apply_reconcile_t  *r;
    apply_cols_t              c;
    size_t                    i;

    apply_cols_init(&c, 16);
    for (i = 0; i < set->npayments; i++) {
        p = &set->payments[i];
        if (!p->dirty) {
            continue;
        }
        apply_cols_int(&c, 0, p->order_id);
        pgarray_add(&c.a[1], p->provider);
        pgarray_add(&c.a[2], p->ref);
        pgarray_add(&c.a[3], apply_pay_names[p->status]);
        apply_cols_int(&c, 4, p->amount_minor);
        pgarray_add(&c.a[5], p->currency);
        apply_cols_int(&c, 6, p->webhook_id);
    }
    for (i = 0; i < set->nreconciles; i++) {
        r = &set->reconciles[i];
        apply_cols_int(&c, 7, r->order_id);
        pgarray_add(&c.a[8], r->provider);
        pgarray_add(&c.a[9], r->ref);
        apply_cols_int(&c, 10, r->expected_minor);
        pgarray_add(&c.a[11], r->expected_currency);
        apply_cols_int(&c, 12, r->received_minor);
        pgarray_add(&c.a[13], r->received_currency);
        pgarray_add(&c.a[14], r->matched ? "matched" : "mismatch");
        pgarray_add(&c.a[15], r->matched ? NULL : r->note);
    }
    apply_cols_send(pipe, "apply_save_payments", &c);
}


static void
apply_save_refunds(db_pipe_t *pipe, const apply_set_t *set)
{
    const apply_refund_t  *r;
    apply_cols_t           c;
    size_t                 i;

    apply_cols_init(&c, 8);
    for (i = 0; i < set->nrefunds; i++) {
        r = &set->refunds[i];
        if (!r->dirty) {
            continue;
        }
        apply_cols_int(&c, 0, r->order_id);
        pgarray_add(&c.a[1], r->provider);
        pgarray_add(&c.a[2], r->refund_id);
        pgarray_add(&c.a[3], r->payment_ref);
        pgarray_add(&c.a[4], apply_refund_names[r->status]);
        apply_cols_int(&c, 5, r->amount_minor);
        pgarray_add(&c.a[6], r->currency);
        apply_cols_int(&c, 7, r->webhook_id);
    }
    apply_cols_send(pipe, "apply_save_refunds", &c);
}


static void
apply_save_shipments(db_pipe_t *pipe, const apply_set_t *set)
{
    const apply_shipment_t  *s;
    const apply_scans_t     *sc;
    const oh_scan_t         *scan;
    apply_cols_t             c;
    size_t                   i, j;

    apply_cols_init(&c, 18);
    for (i = 0; i < set->nshipments; i++) {
        s = &set->shipments[i];
        if (!s->dirty) {
            continue;
        }
        apply_cols_int(&c, 0, s->order_id);
        pgarray_add(&c.a[1], s->item);
        pgarray_add(&c.a[2], s->tracking_number);
        pgarray_add(&c.a[3], s->carrier);
        pgarray_add(&c.a[4], s->tracking_url);
        pgarray_add(&c.a[5], s->status);
        pgarray_add(&c.a[6], s->is_return ? "t" : "f");
        pgarray_add(&c.a[7], s->shipped_at);
        pgarray_add(&c.a[8], s->delivered_at);
    }
    for (i = 0; i < set->nscans; i++) {
        sc = &set->scans[i];
        s = &set->shipments[sc->shipment];
        for (j = 0; j < sc->ev->nscans; j++) {
            scan = &sc->ev->scans[j];
            apply_cols_int(&c, 9, s->order_id);
            pgarray_add(&c.a[10], s->item);
            pgarray_add(&c.a[11], s->tracking_number);
            pgarray_add(&c.a[12], scan->code);
            pgarray_add(&c.a[13], scan->label);
            pgarray_add(&c.a[14], scan->description);
            pgarray_add(&c.a[15], scan->location);
            pgarray_add(&c.a[16], scan->occurred_at);
            apply_cols_int(&c, 17, sc->webhook_id);
        }
    }
    apply_cols_send(pipe, "apply_save_shipments", &c);
}


void
apply_save(db_pipe_t *pipe, const apply_set_t *set)
{
    /* parents before the rows that refer to them */
    apply_save_orders(pipe, set);
    apply_save_history(pipe, set);
    apply_save_payments(pipe, set);
    apply_save_refunds(pipe, set);
    apply_save_shipments(pipe, set);
}

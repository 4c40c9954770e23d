/* apply_load: a batch's orders locked and the rows its events may change. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apply.h"
#include "pgarray.h"

enum { APPLY_R_ORDERS = 0, APPLY_R_PAYMENTS, APPLY_R_REFUNDS,
       APPLY_R_SHIPMENTS };

/*
 * The orders a batch refers to: by order number, or by provider payment or
 * order reference, or through a stored payment ($1: order numbers; $2, $3,
 * $4 one entry per reference: the reference, its provider when it is a
 * payment reference, the event's order number or NULL).  A reference is
 * looked up only for an event whose order number is absent or unknown,
 * the only events apply_find_order() matches by reference: a payment
 * webhook names its order, and probing three more indexes with its
 * reference cost about 60 % of these lookups' buffer reads.  The lock and
 * the reads below all use it, so they go out in one round trip.
 */
#define APPLY_ORDER_IDS                                                   \
    "WITH k AS ("                                                         \
    " SELECT ref, pr FROM unnest($2::text[], $3::text[], $4::text[])"     \
    "   AS k (ref, pr, num)"                                              \
    "  WHERE num IS NULL OR NOT EXISTS (SELECT FROM orderhooks.orders x"   \
    "   WHERE x.order_number = k.num))"                                   \
    "SELECT id FROM orderhooks.orders"                                    \
    " WHERE order_number = ANY ($1::text[])"                              \
    " UNION "                                                             \
    "SELECT id FROM orderhooks.orders"                                    \
    " WHERE provider_payment_id = ANY (ARRAY(SELECT ref FROM k))"         \
    " UNION "                                                             \
    "SELECT id FROM orderhooks.orders"                                    \
    " WHERE provider_order_id = ANY (ARRAY(SELECT ref FROM k))"           \
    " UNION "                                                             \
    "SELECT p.order_id FROM k"                                            \
    "  JOIN orderhooks.payments p ON p.provider = k.pr"                   \
    "   AND p.provider_payment_id = k.ref"

const db_stmt_t  apply_load_statements[] = {
    { "apply_lock_orders",
      "SELECT id, order_number, status, currency, total_minor, paid_minor,"
      "       refunded_minor, provider_payment_id, provider_order_id,"
      "       customer_email, customer_name, tracking_number, carrier,"
      "       tracking_url"
      "  FROM orderhooks.orders"
      /* an InitPlan: a row another worker updated meanwhile is rechecked
         against the ids alone, never dropped by a join's recheck */
      " WHERE id = ANY (ARRAY(" APPLY_ORDER_IDS "))"
      " ORDER BY id FOR UPDATE", 4 },

    { "apply_load_payments",
      "SELECT p.provider, p.provider_payment_id, p.status, p.order_id"
      "  FROM unnest($1::text[], $2::text[]) AS k (provider, ref)"
      "  JOIN orderhooks.payments p"
      "    ON p.provider = k.provider AND p.provider_payment_id = k.ref", 2 },

    /* runs after the lock, in its transaction: sees the locked orders */
    { "apply_load_refunds",
      "SELECT provider, provider_refund_id, provider_payment_id, order_id,"
      "       status, amount_minor, currency"
      "  FROM orderhooks.refunds"
      " WHERE order_id = ANY (ARRAY(" APPLY_ORDER_IDS "))"
      " UNION "
      "SELECT r.provider, r.provider_refund_id, r.provider_payment_id,"
      "       r.order_id, r.status, r.amount_minor, r.currency"
      "  FROM unnest($5::text[], $6::text[]) AS k (provider, id)"
      "  JOIN orderhooks.refunds r"
      "    ON r.provider = k.provider AND r.provider_refund_id = k.id", 6 },

    { "apply_load_shipments",
      "SELECT id, order_id, order_item_id, tracking_number, carrier,"
      "       tracking_url, status, is_return"
      "  FROM orderhooks.shipments"
      " WHERE order_id = ANY (ARRAY(" APPLY_ORDER_IDS "))", 4 },

    { NULL, NULL, 0 }
};

/* The order lookup's four parameters, built once per batch. */
typedef struct {
    pgarray_t    a[4];
    const char  *p[4];
} apply_keys_t;



static const char *
apply_load_text(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}


static int64_t
apply_load_int(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}


static int
apply_load_status(const char *s, const char *const *names, int n)
{
    int  i;

    for (i = 0; i < n; i++) {
        if (strcmp(s, names[i]) == 0) {
            return i;
        }
    }
    return -1;
}


static int
apply_keys_build(apply_keys_t *k, const apply_source_t *srcs,
    const oh_domain_event_t *const *evs, size_t nevs)
{
    size_t  i;

    for (i = 0; i < 4; i++) {
        pgarray_init(&k->a[i]);
    }
    for (i = 0; i < nevs; i++) {
        if (evs[i] == NULL) {
            continue;
        }
        if (evs[i]->order_number) {
            pgarray_add(&k->a[0], evs[i]->order_number);
        }
        if (evs[i]->payment_ref) {
            pgarray_add(&k->a[1], evs[i]->payment_ref);
            pgarray_add(&k->a[2], srcs[i].provider);
            pgarray_add(&k->a[3], evs[i]->order_number);
        }
        if (evs[i]->provider_order_ref) {
            pgarray_add(&k->a[1], evs[i]->provider_order_ref);
            pgarray_add(&k->a[2], NULL);
            pgarray_add(&k->a[3], evs[i]->order_number);
        }
    }
    for (i = 0; i < 4; i++) {
        k->p[i] = pgarray_text(&k->a[i]);
        if (k->p[i] == NULL) {
            return -1;
        }
    }
    return 0;
}


static void
apply_keys_free(apply_keys_t *k)
{
    int  i;

    for (i = 0; i < 4; i++) {
        pgarray_free(&k->a[i]);
    }
}


/* Queues `name` with the order keys, then `n` more array parameters. */
static void
apply_load_queue(db_pipe_t *pipe, const char *name, const apply_keys_t *k,
    pgarray_t *more, int n)
{
    db_pipe_add_arrays(pipe, name, k ? k->p : NULL, k ? 4 : 0, more, n);
}


static int
apply_parse_orders(apply_set_t *set, const PGresult *r, db_error_t *err)
{
    apply_order_t  *o;
    int             i, n = PQntuples(r);

    set->orders = calloc(n ? (size_t) n : 1, sizeof(apply_order_t));
    if (set->orders == NULL) {
        return db_error_oom(err);
    }
    set->norders = (size_t) n;
    for (i = 0; i < n; i++) {
        o = &set->orders[i];
        o->id = apply_load_int(r, i, 0);
        o->order_number = PQgetvalue(r, i, 1);
        o->status = oh_status_by_name(PQgetvalue(r, i, 2));
        o->currency = PQgetvalue(r, i, 3);
        o->total_minor = apply_load_int(r, i, 4);
        o->paid_minor = apply_load_int(r, i, 5);
        o->refunded_minor = apply_load_int(r, i, 6);
        o->provider_payment_id = apply_load_text(r, i, 7);
        o->provider_order_id = apply_load_text(r, i, 8);
        o->customer_email = apply_load_text(r, i, 9);
        o->customer_name = apply_load_text(r, i, 10);
        o->tracking_number = apply_load_text(r, i, 11);
        o->carrier = apply_load_text(r, i, 12);
        o->tracking_url = apply_load_text(r, i, 13);
    }
    return 0;
}


static int
apply_queue_payments(db_pipe_t *pipe, const apply_source_t *srcs,
    const oh_domain_event_t *const *evs, size_t nevs)
{
    pgarray_t  a[2];
    size_t     i;

    pgarray_init(&a[0]);
    pgarray_init(&a[1]);
    for (i = 0; i < nevs; i++) {
        if (evs[i] != NULL && evs[i]->kind == OH_DOMAIN_PAYMENT) {
            pgarray_add(&a[0], srcs[i].provider);
            pgarray_add(&a[1], evs[i]->payment_ref ? evs[i]->payment_ref
                                                   : srcs[i].event_id);
        }
    }
    if (a[0].n == 0) {
        pgarray_free(&a[0]);
        pgarray_free(&a[1]);
        return 0;
    }
    apply_load_queue(pipe, "apply_load_payments", NULL, a, 2);
    return 1;
}


static int
apply_parse_payments(apply_set_t *set, const PGresult *r, db_error_t *err)
{
    apply_payment_t  *p;
    int               i;

    for (i = 0; i < PQntuples(r); i++) {
        p = APPLY_PUSH(set, payments);
        if (p == NULL) {
            return db_error_oom(err);
        }
        p->provider = PQgetvalue(r, i, 0);
        p->ref = PQgetvalue(r, i, 1);
        p->status = apply_load_status(PQgetvalue(r, i, 2), apply_pay_names,
                                      4);
        p->order_id = apply_load_int(r, i, 3);
    }
    return 0;
}


static int
apply_queue_refunds(db_pipe_t *pipe, const apply_keys_t *k,
    const apply_source_t *srcs, const oh_domain_event_t *const *evs,
    size_t nevs)
{
    pgarray_t  a[2];
    size_t     i;
    int        any = 0;

    for (i = 0; i < nevs; i++) {
        any |= evs[i] != NULL && (evs[i]->kind == OH_DOMAIN_REFUND
                                  || evs[i]->kind == OH_DOMAIN_REFUND_TOTAL);
    }
    if (!any) {
        return 0;
    }
    pgarray_init(&a[0]);
    pgarray_init(&a[1]);
    for (i = 0; i < nevs; i++) {
        if (evs[i] != NULL && evs[i]->kind == OH_DOMAIN_REFUND) {
            pgarray_add(&a[0], srcs[i].provider);
            pgarray_add(&a[1], evs[i]->refund_id ? evs[i]->refund_id
                                                 : srcs[i].event_id);
        }
    }
    apply_load_queue(pipe, "apply_load_refunds", k, a, 2);
    return 1;
}


static int
apply_parse_refunds(apply_set_t *set, const PGresult *r, db_error_t *err)
{
    apply_refund_t  *f;
    int              i;

    for (i = 0; i < PQntuples(r); i++) {
        f = APPLY_PUSH(set, refunds);
        if (f == NULL) {
            return db_error_oom(err);
        }
        f->provider = PQgetvalue(r, i, 0);
        f->refund_id = PQgetvalue(r, i, 1);
        f->payment_ref = apply_load_text(r, i, 2);
        f->order_id = apply_load_int(r, i, 3);
        f->status = apply_load_status(PQgetvalue(r, i, 4),
                                      apply_refund_names, 3);
        f->amount_minor = apply_load_int(r, i, 5);
        f->currency = PQgetvalue(r, i, 6);
    }
    return 0;
}


static int
apply_queue_shipments(db_pipe_t *pipe, const apply_keys_t *k,
    const oh_domain_event_t *const *evs, size_t nevs)
{
    size_t  i;
    int     tracking = 0;

    for (i = 0; i < nevs; i++) {
        tracking |= evs[i] != NULL && evs[i]->kind == OH_DOMAIN_TRACKING;
    }
    if (!tracking) {
        return 0;
    }
    apply_load_queue(pipe, "apply_load_shipments", k, NULL, 0);
    return 1;
}


static int
apply_parse_shipments(apply_set_t *set, const PGresult *r, db_error_t *err)
{
    apply_shipment_t  *s;
    int                i;

    for (i = 0; i < PQntuples(r); i++) {
        s = APPLY_PUSH(set, shipments);
        if (s == NULL) {
            return db_error_oom(err);
        }
        s->id = apply_load_int(r, i, 0);
        s->order_id = apply_load_int(r, i, 1);
        s->item = apply_load_text(r, i, 2);
        s->tracking_number = PQgetvalue(r, i, 3);
        s->carrier = apply_load_text(r, i, 4);
        s->tracking_url = apply_load_text(r, i, 5);
        s->status = PQgetvalue(r, i, 6);
        s->is_return = PQgetvalue(r, i, 7)[0] == 't';
    }
    return 0;
}


int
apply_load(PGconn *conn, apply_set_t *set, const apply_source_t *srcs,
    const oh_domain_event_t *const *evs, size_t nevs, db_error_t *err)
{
    static int (*const parse[])(apply_set_t *, const PGresult *,
                                db_error_t *) = {
        apply_parse_orders, apply_parse_payments, apply_parse_refunds,
        apply_parse_shipments
    };
    apply_keys_t  k;
    db_pipe_t     pipe;
    PGresult     *res[4];
    int           slot[4], n = 0, i, rc;

    memset(set, 0, sizeof(*set));
    if (apply_keys_build(&k, srcs, evs, nevs) != 0) {
        apply_keys_free(&k);
        return db_error_oom(err);
    }
    if (db_pipe_begin(&pipe, conn, err) != 0) {
        apply_keys_free(&k);
        return -1;
    }
    /* the lock first: the reads after it see the locked rows */
    apply_load_queue(&pipe, "apply_lock_orders", &k, NULL, 0);
    slot[n++] = APPLY_R_ORDERS;
    if (apply_queue_payments(&pipe, srcs, evs, nevs)) {
        slot[n++] = APPLY_R_PAYMENTS;
    }
    if (apply_queue_refunds(&pipe, &k, srcs, evs, nevs)) {
        slot[n++] = APPLY_R_REFUNDS;
    }
    if (apply_queue_shipments(&pipe, &k, evs, nevs)) {
        slot[n++] = APPLY_R_SHIPMENTS;
    }
    rc = db_pipe_run(&pipe, res, n, err);
    apply_keys_free(&k);
    for (i = 0; i < n; i++) {
        set->results[slot[i]] = res[i];
    }
    for (i = 0; rc == 0 && i < n; i++) {
        rc = parse[slot[i]](set, res[i], err);
    }
    return rc;
}


void
apply_set_free(apply_set_t *set)
{
    size_t  i;

    for (i = 0; i < sizeof(set->results) / sizeof(set->results[0]); i++) {
        PQclear(set->results[i]);
    }
    free(set->orders);
    free(set->payments);
    free(set->refunds);
    free(set->shipments);
    free(set->history);
    free(set->reconciles);
    free(set->scans);
    memset(set, 0, sizeof(*set));
}

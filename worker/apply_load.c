/* apply_load: a batch's orders locked and the rows its events may change. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apply.h"
#include "pgarray.h"

enum { APPLY_R_ORDERS = 0, APPLY_R_PAYMENTS, APPLY_R_REFUNDS,
       APPLY_R_SHIPMENTS };

const db_stmt_t  apply_load_statements[] = {
    { "apply_lock_orders",
      "SELECT id, order_number, status, currency, total_minor, paid_minor,"
      "       refunded_minor, provider_payment_id, provider_order_id,"
      "       customer_email, customer_name, tracking_number, carrier,"
      "       tracking_url"
      "  FROM orderhooks.orders"
      /* an InitPlan: a row another worker updated meanwhile is rechecked
         against the ids alone, never dropped by a join's recheck */
      " WHERE id = ANY (ARRAY("
      "        SELECT id FROM orderhooks.orders"
      "         WHERE order_number = ANY ($1::text[])"
      "        UNION"
      "        SELECT id FROM orderhooks.orders"
      "         WHERE provider_payment_id = ANY ($2::text[])"
      "        UNION"
      "        SELECT id FROM orderhooks.orders"
      "         WHERE provider_order_id = ANY ($2::text[])"
      "        UNION"
      "        SELECT p.order_id"
      "          FROM unnest($3::text[], $4::text[]) AS k (pr, ref)"
      "          JOIN orderhooks.payments p ON p.provider = k.pr"
      "           AND p.provider_payment_id = k.ref))"
      " ORDER BY id FOR UPDATE", 4 },

    { "apply_load_payments",
      "SELECT p.provider, p.provider_payment_id, p.status, p.order_id"
      "  FROM unnest($1::text[], $2::text[]) AS k (provider, ref)"
      "  JOIN orderhooks.payments p"
      "    ON p.provider = k.provider AND p.provider_payment_id = k.ref", 2 },

    { "apply_load_refunds",
      "SELECT provider, provider_refund_id, provider_payment_id, order_id,"
      "       status, amount_minor, currency"
      "  FROM orderhooks.refunds WHERE order_id = ANY ($1::bigint[])"
      " UNION "
      "SELECT r.provider, r.provider_refund_id, r.provider_payment_id,"
      "       r.order_id, r.status, r.amount_minor, r.currency"
      "  FROM unnest($2::text[], $3::text[]) AS k (provider, id)"
      "  JOIN orderhooks.refunds r"
      "    ON r.provider = k.provider AND r.provider_refund_id = k.id", 3 },

    { "apply_load_shipments",
      "SELECT id, order_id, order_item_id, tracking_number, carrier,"
      "       tracking_url, status, is_return"
      "  FROM orderhooks.shipments WHERE order_id = ANY ($1::bigint[])", 1 },

    { NULL, NULL, 0 }
};

static int apply_load_run(PGconn *conn, apply_set_t *set, int slot,
    const char *name, pgarray_t *a, int n, db_error_t *err);
static void apply_load_queue(db_pipe_t *pipe, const char *name,
    pgarray_t *a, int n);
static int apply_load_orders(PGconn *conn, apply_set_t *set,
    const apply_source_t *srcs, const oh_domain_event_t *const *evs,
    size_t nevs, db_error_t *err);
static int apply_load_oom(db_error_t *err);


static int
apply_load_oom(db_error_t *err)
{
    snprintf(err->sqlstate, sizeof(err->sqlstate), "53200");
    snprintf(err->message, sizeof(err->message), "out of memory");
    return -1;
}


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


/* Runs `name` with `n` array parameters (freed); keeps the result. */
static int
apply_load_run(PGconn *conn, apply_set_t *set, int slot, const char *name,
    pgarray_t *a, int n, db_error_t *err)
{
    const char  *p[4];
    int          k, rc = 0;

    for (k = 0; k < n; k++) {
        p[k] = pgarray_text(&a[k]);
        if (p[k] == NULL) {
            rc = apply_load_oom(err);
        }
    }
    if (rc == 0) {
        set->results[slot] = db_exec(conn, name, n, p, 0, err);
        rc = set->results[slot] != NULL ? 0 : -1;
    }
    for (k = 0; k < n; k++) {
        pgarray_free(&a[k]);
    }
    return rc;
}


/* Queues `name` with `n` array parameters (freed). */
static void
apply_load_queue(db_pipe_t *pipe, const char *name, pgarray_t *a, int n)
{
    const char  *p[4];
    int          k, ok = 1;

    for (k = 0; k < n; k++) {
        p[k] = pgarray_text(&a[k]);
        ok = ok && p[k] != NULL;
    }
    if (ok) {
        db_pipe_add(pipe, name, n, p, 0);
    } else if (!pipe->failed) {
        (void) apply_load_oom(&pipe->err);
        pipe->failed = 1;
    }
    for (k = 0; k < n; k++) {
        pgarray_free(&a[k]);
    }
}


static int
apply_load_orders(PGconn *conn, apply_set_t *set,
    const apply_source_t *srcs, const oh_domain_event_t *const *evs,
    size_t nevs, db_error_t *err)
{
    pgarray_t       a[4];
    const PGresult *r;
    apply_order_t  *o;
    size_t          i;
    int             n;

    for (i = 0; i < 4; i++) {
        pgarray_init(&a[i]);
    }
    for (i = 0; i < nevs; i++) {
        if (evs[i] == NULL) {
            continue;
        }
        if (evs[i]->order_number) {
            pgarray_add(&a[0], evs[i]->order_number);
        }
        if (evs[i]->payment_ref) {
            pgarray_add(&a[1], evs[i]->payment_ref);
            pgarray_add(&a[2], srcs[i].provider);
            pgarray_add(&a[3], evs[i]->payment_ref);
        }
        if (evs[i]->provider_order_ref) {
            pgarray_add(&a[1], evs[i]->provider_order_ref);
        }
    }
    if (apply_load_run(conn, set, APPLY_R_ORDERS, "apply_lock_orders", a, 4,
                       err) != 0)
    {
        return -1;
    }
    r = set->results[APPLY_R_ORDERS];
    n = PQntuples(r);
    set->orders = calloc(n ? (size_t) n : 1, sizeof(apply_order_t));
    if (set->orders == NULL) {
        return apply_load_oom(err);
    }
    set->norders = (size_t) n;
    for (i = 0; i < (size_t) n; i++) {
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
    apply_load_queue(pipe, "apply_load_payments", a, 2);
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
            return apply_load_oom(err);
        }
        p->provider = PQgetvalue(r, i, 0);
        p->ref = PQgetvalue(r, i, 1);
        p->status = apply_load_status(PQgetvalue(r, i, 2), apply_pay_names,
                                      4);
        p->order_id = apply_load_int(r, i, 3);
    }
    return 0;
}


static void
apply_load_order_ids(const apply_set_t *set, pgarray_t *a)
{
    char    id[24];
    size_t  i;

    for (i = 0; i < set->norders; i++) {
        snprintf(id, sizeof(id), "%" PRId64, set->orders[i].id);
        pgarray_add(a, id);
    }
}


static int
apply_queue_refunds(db_pipe_t *pipe, const apply_set_t *set,
    const apply_source_t *srcs, const oh_domain_event_t *const *evs,
    size_t nevs)
{
    pgarray_t  a[3];
    size_t     i;
    int        any = 0;

    for (i = 0; i < nevs; i++) {
        any |= evs[i] != NULL && (evs[i]->kind == OH_DOMAIN_REFUND
                                  || evs[i]->kind == OH_DOMAIN_REFUND_TOTAL);
    }
    if (!any || set->norders == 0) {
        return 0;
    }
    for (i = 0; i < 3; i++) {
        pgarray_init(&a[i]);
    }
    apply_load_order_ids(set, &a[0]);
    for (i = 0; i < nevs; i++) {
        if (evs[i] != NULL && evs[i]->kind == OH_DOMAIN_REFUND) {
            pgarray_add(&a[1], srcs[i].provider);
            pgarray_add(&a[2], evs[i]->refund_id ? evs[i]->refund_id
                                                 : srcs[i].event_id);
        }
    }
    apply_load_queue(pipe, "apply_load_refunds", a, 3);
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
            return apply_load_oom(err);
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
apply_queue_shipments(db_pipe_t *pipe, const apply_set_t *set,
    const oh_domain_event_t *const *evs, size_t nevs)
{
    pgarray_t  a[1];
    size_t     i;
    int        tracking = 0;

    for (i = 0; i < nevs; i++) {
        tracking |= evs[i] != NULL && evs[i]->kind == OH_DOMAIN_TRACKING;
    }
    if (!tracking || set->norders == 0) {
        return 0;
    }
    pgarray_init(&a[0]);
    apply_load_order_ids(set, &a[0]);
    apply_load_queue(pipe, "apply_load_shipments", a, 1);
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
            return apply_load_oom(err);
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
    db_pipe_t  pipe;
    PGresult  *res[3];
    int        slot[3], n = 0, k;

    memset(set, 0, sizeof(*set));
    if (apply_load_orders(conn, set, srcs, evs, nevs, err) != 0) {
        return -1;
    }
    /* the rest in one round trip: they only need the locked orders */
    if (db_pipe_begin(&pipe, conn, err) != 0) {
        return -1;
    }
    if (apply_queue_payments(&pipe, srcs, evs, nevs)) {
        slot[n++] = APPLY_R_PAYMENTS;
    }
    if (apply_queue_refunds(&pipe, set, srcs, evs, nevs)) {
        slot[n++] = APPLY_R_REFUNDS;
    }
    if (apply_queue_shipments(&pipe, set, evs, nevs)) {
        slot[n++] = APPLY_R_SHIPMENTS;
    }
    if (db_pipe_run(&pipe, res, n, err) != 0) {
        for (k = 0; k < n; k++) {
            PQclear(res[k]);
        }
        return -1;
    }
    for (k = 0; k < n; k++) {
        set->results[slot[k]] = res[k];
    }
    if ((set->results[APPLY_R_PAYMENTS] != NULL
         && apply_parse_payments(set, set->results[APPLY_R_PAYMENTS], err)
            != 0)
        || (set->results[APPLY_R_REFUNDS] != NULL
            && apply_parse_refunds(set, set->results[APPLY_R_REFUNDS], err)
               != 0)
        || (set->results[APPLY_R_SHIPMENTS] != NULL
            && apply_parse_shipments(set, set->results[APPLY_R_SHIPMENTS],
                                     err) != 0))
    {
        return -1;
    }
    return 0;
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

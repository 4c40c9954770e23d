/* apply: domain events applied to orders under the order's row lock. */

#ifndef OH_WORKER_APPLY_H
#define OH_WORKER_APPLY_H

#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>
#include "db.h"
#include "oh_normalize.h"
#include "oh_transition.h"

/*
 * A batch is applied set-wise: apply_load() locks every order the events
 * may touch and reads the payments, refunds and shipments they may
 * change; apply_event() then decides each event in C, in claim order,
 * against that state; apply_save() writes the outcome with one statement
 * per table.  The decisions are the ones the row-by-row statements made,
 * taken on the locked rows' current values.
 */

extern const db_stmt_t  apply_load_statements[];
extern const db_stmt_t  apply_save_statements[];

/* Stored names, indexed by oh_pay_status_t and oh_refund_status_t. */
extern const char *const  apply_pay_names[];
extern const char *const  apply_refund_names[];

/* A locked order as this batch sees it (strings point into a result). */
typedef struct {
    int64_t       id;
    const char   *order_number;
    const char   *currency;
    const char   *provider_payment_id;
    const char   *provider_order_id;
    const char   *customer_email;
    const char   *customer_name;
    const char   *tracking_number;
    const char   *carrier;
    const char   *tracking_url;
    oh_status_t   status;
    int64_t       total_minor;
    int64_t       paid_minor;
    int64_t       refunded_minor;

    /* to write: set by the batch's events */
    int           dirty;
    const char   *payment_provider;        /* latest given */
    const char   *paid_at;                 /* first given ("now" or a time) */
    const char   *shipped_at;
    const char   *delivered_at;
    const char   *cancelled_at;
} apply_order_t;

/* A payment, keyed by provider and provider payment id. */
typedef struct {
    const char   *provider;
    const char   *ref;
    int64_t       order_id;
    int           status;                  /* oh_pay_status_t, -1: none */
    int           dirty;
    int64_t       amount_minor;
    const char   *currency;
    int64_t       webhook_id;
} apply_payment_t;

/* A refund, keyed by provider and provider refund id. */
typedef struct {
    const char   *provider;
    const char   *refund_id;
    const char   *payment_ref;
    int64_t       order_id;
    int           status;                  /* oh_refund_status_t, -1: none */
    int           dirty;
    int64_t       amount_minor;
    const char   *currency;
    int64_t       webhook_id;
} apply_refund_t;

/* A shipment, keyed by order, order item (may be NULL) and tracking. */
typedef struct {
    int64_t       id;                      /* 0: not stored yet */
    int64_t       order_id;
    const char   *item;
    const char   *tracking_number;
    const char   *carrier;
    const char   *tracking_url;
    const char   *status;
    int           is_return;
    int           dirty;
    const char   *shipped_at;              /* first given by the batch */
    const char   *delivered_at;
} apply_shipment_t;

/* A row of order_status_history. */
typedef struct {
    int64_t       order_id;
    oh_status_t   from, to;
    int           applied;
    const char   *reason;
    int64_t       webhook_id;
} apply_history_t;

#define APPLY_NOTE_MAX  160

/* A row of payment_reconciliation (its payment found by key). */
typedef struct {
    int64_t       order_id;
    const char   *provider;
    const char   *ref;
    int64_t       expected_minor;
    const char   *expected_currency;
    int64_t       received_minor;
    const char   *received_currency;
    int           matched;
    char          note[APPLY_NOTE_MAX];
} apply_reconcile_t;

/* The carrier scans of one tracking event, for one shipment. */
typedef struct {
    size_t                    shipment;    /* index into shipments */
    const oh_domain_event_t  *ev;
    int64_t                   webhook_id;
} apply_scans_t;

#define APPLY_LIST(type, name)  type *name; size_t n##name, cap_##name

/* Everything one batch reads and writes. */
typedef struct {
    PGresult     *results[4];              /* kept: strings point here */
    apply_order_t *orders;
    size_t        norders;
    APPLY_LIST(apply_payment_t, payments);
    APPLY_LIST(apply_refund_t, refunds);
    APPLY_LIST(apply_shipment_t, shipments);
    APPLY_LIST(apply_history_t, history);
    APPLY_LIST(apply_reconcile_t, reconciles);
    APPLY_LIST(apply_scans_t, scans);
    int           failed;                  /* an allocation failed */
} apply_set_t;

/* Where the event came from. */
typedef struct {
    int64_t       webhook_id;
    const char   *provider;        /* "stripe", ... */
    const char   *event_id;
    const char   *event_type;
    int           attempts;        /* tries before this one */
    int           early_ok;        /* may defer an event ahead of payment */
} apply_source_t;

/* What applying did, for the log. */
typedef struct {
    oh_status_t   from, to;        /* OH_STATUS_UNKNOWN: no transition */
    int           refused;         /* recorded in history, not applied */
    const char   *note;            /* e.g. "duplicate payment" */
    int           early;           /* ahead of payment: nothing done, try
                                      again later */
} apply_result_t;

/*
 * Locks every order the events may touch, in id order (so concurrent
 * workers never deadlock): by order number, and by provider payment or
 * order reference (orders and payments); then reads the payments, refunds
 * and shipments the events may change.  `evs[i]` (from `srcs[i]`) may be
 * NULL: skipped.  Returns 0, or -1 with `err` filled.  apply_set_free()
 * either way.
 */
int apply_load(PGconn *conn, apply_set_t *set, const apply_source_t *srcs,
    const oh_domain_event_t *const *evs, size_t nevs, db_error_t *err)
    __attribute__((warn_unused_result));

/* The locked order an event refers to, or NULL (not there yet). */
apply_order_t *apply_find_order(apply_set_t *set,
    const oh_domain_event_t *ev);

/*
 * Decides one event against its locked order and the batch's state:
 * payments, refunds, reconciliation, shipments and scans, the order's
 * new state and its history, all kept for apply_save().  A tracking
 * update or refund for an order still waiting for its payment is, on its
 * first try and when `src->early_ok`, left alone with `res->early` set:
 * the payment may be late or in another worker's batch.  Returns 0, or
 * -1 when memory ran out (the batch must be abandoned).
 */
int apply_event(apply_set_t *set, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *order, apply_result_t *res)
    __attribute__((warn_unused_result));

/* The shipment of `order` with this tracking number, or NULL. */
const apply_shipment_t *apply_shipment_of(const apply_set_t *set,
    const apply_order_t *order, const char *tracking_number);

/*
 * Queues on `pipe` the writes of what the batch's events decided, one
 * statement per table; the caller adds its own and runs the pipe.  Any
 * failure is the pipe's (roll back).
 */
void apply_save(db_pipe_t *pipe, const apply_set_t *set);

void apply_set_free(apply_set_t *set);

/* Room for one more element of a list; NULL when memory ran out. */
void *apply_list_push(void **list, size_t *n, size_t *cap, size_t size);

#define APPLY_PUSH(set, name)                                             \
    ((__typeof__((set)->name)) apply_list_push((void **) &(set)->name,    \
        &(set)->n##name, &(set)->cap_##name, sizeof(*(set)->name)))

#endif /* OH_WORKER_APPLY_H */

/* apply: domain events applied to orders under the order's row lock. */

#ifndef OH_WORKER_APPLY_H
#define OH_WORKER_APPLY_H

#include <stdint.h>
#include <libpq-fe.h>
#include "db.h"
#include "oh_normalize.h"
#include "oh_transition.h"

extern const db_stmt_t  apply_statements[];

/* A locked order as this batch sees it (strings point into a result). */
typedef struct {
    int64_t       id;
    const char   *order_number;
    const char   *currency;
    const char   *provider_payment_id;
    const char   *provider_order_id;
    oh_status_t   status;
    int64_t       total_minor;
    int64_t       paid_minor;
    int64_t       refunded_minor;
} apply_order_t;

/* Where the event came from. */
typedef struct {
    int64_t       webhook_id;
    const char   *provider;        /* "stripe", ... */
    const char   *event_id;
    const char   *event_type;
} apply_source_t;

/* What applying did, for the log. */
typedef struct {
    oh_status_t   from, to;        /* OH_STATUS_UNKNOWN: no transition */
    int           refused;         /* recorded in history, not applied */
    const char   *note;            /* e.g. "duplicate payment" */
} apply_result_t;

/*
 * Locks every order the events may touch, in id order (so concurrent
 * workers never deadlock): by order number, and by provider payment or
 * order reference (orders and payments).  Fills `orders` (allocated,
 * count in `*n`); the result must outlive them and is returned in `*keep`.
 */
int apply_lock_orders(PGconn *conn, const oh_domain_event_t *const *evs,
    size_t nevs, apply_order_t **orders, size_t *n, PGresult **keep,
    db_error_t *err) __attribute__((warn_unused_result));

/* The locked order an event refers to, or NULL (not there yet). */
apply_order_t *apply_find_order(apply_order_t *orders, size_t n,
    const oh_domain_event_t *ev);

/*
 * Applies one event to its locked order: rows for payments, refunds,
 * reconciliation, shipments and scans, the order's new state and its
 * history.  Returns 0, or -1 on a database error (`err` filled; the
 * transaction or savepoint must be rolled back, `order` may be stale).
 */
int apply_event(PGconn *conn, const apply_source_t *src,
    const oh_domain_event_t *ev, apply_order_t *order,
    apply_result_t *res, db_error_t *err)
    __attribute__((warn_unused_result));

#endif /* OH_WORKER_APPLY_H */

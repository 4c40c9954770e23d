/* mail_outbox: notifications written in the transaction that moves an order. */

#ifndef OH_WORKER_MAIL_OUTBOX_H
#define OH_WORKER_MAIL_OUTBOX_H

#include <stdint.h>
#include "apply.h"
#include "db.h"
#include "mail_render.h"
#include "worker.h"

extern const db_stmt_t  mail_outbox_statements[];

/*
 * The notification an applied event warrants, from the order's status
 * after it: order_confirmation when it became paid, refund_issued when it
 * became refunded, shipped / delivered when a tracking update leaves the
 * order in that status (once per shipment), else MAIL_KIND_NONE.
 */
mail_kind_t mail_outbox_kind(const oh_domain_event_t *ev,
    const apply_order_t *order, const apply_result_t *res);

/*
 * Called once per applied event, inside its transaction (after
 * apply_event).  When mail is on and the event warrants a notification
 * the order has not had yet, renders it and inserts it into
 * orderhooks.notifications (one per order, kind and shipment: a duplicate
 * is a no-op).  Orders without customer_email get none.  Returns 0, or -1
 * on a database error (`err` filled; roll back as for apply_event).
 */
int mail_outbox_add(const worker_t *w, int64_t webhook_id,
    const apply_order_t *order, const oh_domain_event_t *ev,
    const apply_result_t *res, db_error_t *err)
    __attribute__((warn_unused_result));

#endif /* OH_WORKER_MAIL_OUTBOX_H */

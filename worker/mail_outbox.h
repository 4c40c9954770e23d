/* mail_outbox: notifications written in the transaction that moves an order. */

#ifndef OH_WORKER_MAIL_OUTBOX_H
#define OH_WORKER_MAIL_OUTBOX_H

#include <stdint.h>
#include "apply.h"
#include "db.h"
#include "mail_render.h"
#include "pgarray.h"
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

/* The notifications one batch writes, gathered while it is decided. */
typedef struct {
    PGresult    *existing;         /* (order_id, kind, shipment_key) */
    pgarray_t    cols[9];
    int64_t     *order_ids;        /* added so far, with their keys */
    mail_kind_t *kinds;
    char       **keys;
    size_t       n, cap;
    int          failed;
} mail_outbox_t;

/*
 * Starts a batch: reads the notifications the batch's orders already
 * have.  Returns 0, or -1 on a database error (`err` filled).
 * mail_outbox_free() either way.
 */
int mail_outbox_begin(const worker_t *w, mail_outbox_t *ob,
    const apply_set_t *set, db_error_t *err)
    __attribute__((warn_unused_result));

/*
 * Called once per applied event, right after apply_event(), with the
 * order as that event left it.  When mail is on and the event warrants a
 * notification the order has not had yet, renders it for
 * mail_outbox_save() (one per order, kind and shipment).  Orders without
 * customer_email get none.  Returns 0, or -1 (`err` filled).
 */
int mail_outbox_add(const worker_t *w, mail_outbox_t *ob,
    const apply_set_t *set, int64_t webhook_id, const apply_order_t *order,
    const oh_domain_event_t *ev, const apply_result_t *res, db_error_t *err)
    __attribute__((warn_unused_result));

/*
 * Queues the insert of the gathered notifications into
 * orderhooks.notifications on `pipe`, in the batch's transaction, after
 * apply_save() (a duplicate of a stored one is a no-op).
 */
void mail_outbox_queue(mail_outbox_t *ob, db_pipe_t *pipe);

void mail_outbox_free(mail_outbox_t *ob);

#endif /* OH_WORKER_MAIL_OUTBOX_H */

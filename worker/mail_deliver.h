/* mail_deliver: due notifications claimed with a lease, sent, settled. */

#ifndef OH_WORKER_MAIL_DELIVER_H
#define OH_WORKER_MAIL_DELIVER_H

#include "db.h"
#include "worker.h"

extern const db_stmt_t  mail_deliver_statements[];

/*
 * Sends up to mail_batch_size due notifications, one at a time: each is
 * claimed in its own short statement (SKIP LOCKED; state 'sending' with
 * a lease of mail_lease, attempts + 1), sent with no transaction open,
 * then settled: 'sent', 'retry' after mail_backoff, or 'failed' (a
 * permanent refusal, or the backoff used up) with the server's answer in
 * last_error.  A notification whose sender died is claimed again once
 * its lease has run out.  When the server is unreachable, delivery
 * pauses for the first backoff step.  Sets `*claimed`.  Returns 0, or -1
 * on a database error (logged).
 */
int mail_deliver_batch(worker_t *w, int *claimed)
    __attribute__((warn_unused_result));

#endif /* OH_WORKER_MAIL_DELIVER_H */

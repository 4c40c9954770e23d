/* claim: one batch of due webhooks claimed, applied and settled. */

#ifndef OH_WORKER_CLAIM_H
#define OH_WORKER_CLAIM_H

#include "db.h"
#include "worker.h"

extern const db_stmt_t  claim_statements[];

/*
 * Claims up to batch_size due events (FOR UPDATE SKIP LOCKED), applies
 * each and records its outcome (done, retry, dead, ignored), all in one
 * transaction.  A database error inside an event rolls the batch back
 * and runs it again with a savepoint per event, so one bad event cannot
 * hold up the others.  Sets `*claimed` to the number of rows claimed.
 * Returns 0, or -1 when the connection or transaction failed (nothing
 * was committed; the caller reconnects).
 */
int claim_run_batch(worker_t *w, int *claimed)
    __attribute__((warn_unused_result));

#endif /* OH_WORKER_CLAIM_H */

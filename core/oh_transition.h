/* oh_transition: order statuses and the monotonic transition table. */

#ifndef OH_TRANSITION_H
#define OH_TRANSITION_H

#include <stddef.h>

/* Order statuses, as stored in orderhooks.orders.status. */
typedef enum {
    OH_STATUS_PENDING_PAYMENT = 0,
    OH_STATUS_PAID,
    OH_STATUS_PAYMENT_MISMATCH,
    OH_STATUS_IN_PRODUCTION,
    OH_STATUS_SHIPPED,
    OH_STATUS_DELIVERED,
    OH_STATUS_CANCELLED,
    OH_STATUS_RETURNED,
    OH_STATUS_REFUNDED,
    OH_STATUS_COUNT,
    OH_STATUS_UNKNOWN = -1
} oh_status_t;

#define OH_STATUS_NAMES                                                     \
    "pending_payment", "paid", "payment_mismatch", "in_production",        \
    "shipped", "delivered", "cancelled", "returned", "refunded"

typedef enum {
    OH_TRANSITION_APPLY = 0,       /* move the order to the new status */
    OH_TRANSITION_SAME,            /* already there: nothing to record */
    OH_TRANSITION_REFUSED          /* late / out of order: history only */
} oh_transition_t;

/* "paid" for OH_STATUS_PAID; NULL for an out-of-range value. */
const char *oh_status_name(oh_status_t status);

/* OH_STATUS_UNKNOWN when `name` is not a status. */
oh_status_t oh_status_by_name(const char *name);

/*
 * Whether an order in `from` may move to `to`.  Orders only move
 * forwards: pending_payment -> paid | payment_mismatch | cancelled;
 * payment_mismatch -> paid (resolved) | cancelled | refunded;
 * paid -> in_production | shipped | delivered | cancelled | refunded;
 * in_production -> shipped | delivered | cancelled | refunded;
 * shipped -> delivered | returned | refunded;
 * delivered -> returned | refunded; returned | cancelled -> refunded;
 * refunded is final.
 */
oh_transition_t oh_transition_check(oh_status_t from, oh_status_t to);

#endif /* OH_TRANSITION_H */

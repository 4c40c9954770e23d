/* oh_transition: order statuses and the monotonic transition table. */

#include <string.h>
#include "oh_transition.h"

static const char *const oh_status_names[OH_STATUS_COUNT] = {
    OH_STATUS_NAMES
};

#define B(s)  (1u << (s))

/* allowed[from]: the statuses an order in `from` may move to. */
static const unsigned oh_allowed[OH_STATUS_COUNT] = {
    [OH_STATUS_PENDING_PAYMENT]  = B(OH_STATUS_PAID)
                                 | B(OH_STATUS_PAYMENT_MISMATCH)
                                 | B(OH_STATUS_CANCELLED),
    [OH_STATUS_PAYMENT_MISMATCH] = B(OH_STATUS_PAID)
                                 | B(OH_STATUS_CANCELLED)
                                 | B(OH_STATUS_REFUNDED),
    [OH_STATUS_PAID]             = B(OH_STATUS_IN_PRODUCTION)
                                 | B(OH_STATUS_SHIPPED)
                                 | B(OH_STATUS_DELIVERED)
                                 | B(OH_STATUS_CANCELLED)
                                 | B(OH_STATUS_REFUNDED),
    [OH_STATUS_IN_PRODUCTION]    = B(OH_STATUS_SHIPPED)
                                 | B(OH_STATUS_DELIVERED)
                                 | B(OH_STATUS_CANCELLED)
                                 | B(OH_STATUS_REFUNDED),
    [OH_STATUS_SHIPPED]          = B(OH_STATUS_DELIVERED)
                                 | B(OH_STATUS_RETURNED)
                                 | B(OH_STATUS_REFUNDED),
    [OH_STATUS_DELIVERED]        = B(OH_STATUS_RETURNED)
                                 | B(OH_STATUS_REFUNDED),
    [OH_STATUS_CANCELLED]        = B(OH_STATUS_REFUNDED),
    [OH_STATUS_RETURNED]         = B(OH_STATUS_REFUNDED),
    [OH_STATUS_REFUNDED]         = 0,
};


const char *
oh_status_name(oh_status_t status)
{
    if (status < 0 || status >= OH_STATUS_COUNT) {
        return NULL;
    }
    return oh_status_names[status];
}


oh_status_t
oh_status_by_name(const char *name)
{
    int  i;

    if (name == NULL) {
        return OH_STATUS_UNKNOWN;
    }
    for (i = 0; i < OH_STATUS_COUNT; i++) {
        if (strcmp(name, oh_status_names[i]) == 0) {
            return (oh_status_t) i;
        }
    }
    return OH_STATUS_UNKNOWN;
}


oh_transition_t
oh_transition_check(oh_status_t from, oh_status_t to)
{
    if (from < 0 || from >= OH_STATUS_COUNT
        || to < 0 || to >= OH_STATUS_COUNT)
    {
        return OH_TRANSITION_REFUSED;
    }
    if (from == to) {
        return OH_TRANSITION_SAME;
    }
    return (oh_allowed[from] & B(to)) ? OH_TRANSITION_APPLY
                                      : OH_TRANSITION_REFUSED;
}

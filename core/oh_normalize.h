/* oh_normalize: provider payloads reduced to a few domain events. */

#ifndef OH_NORMALIZE_H
#define OH_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>
#include "oh_sig.h"
#include "oh_transition.h"

#define OH_TIME_MAX  40            /* "2025-01-10 14:20:00.123456+05:30" */

typedef enum {
    OH_NORM_OK = 0,                /* `out` holds a domain event */
    OH_NORM_IGNORED,               /* an event orderhooks does not handle */
    OH_NORM_MALFORMED,             /* can never be applied: dead at once */
    OH_NORM_ERROR                  /* allocation failure: try again */
} oh_norm_result_t;

typedef enum {
    OH_DOMAIN_PAYMENT = 0,         /* a payment's state */
    OH_DOMAIN_CHECKOUT_EXPIRED,    /* unpaid checkout abandoned */
    OH_DOMAIN_REFUND,              /* one refund's state */
    OH_DOMAIN_REFUND_TOTAL,        /* cumulative refunded amount */
    OH_DOMAIN_TRACKING             /* shipment state and carrier scans */
} oh_domain_kind_t;

typedef enum {
    OH_PAY_PENDING = 0,
    OH_PAY_AUTHORIZED,
    OH_PAY_SUCCEEDED,
    OH_PAY_FAILED
} oh_pay_status_t;

typedef enum {
    OH_REFUND_PENDING = 0,
    OH_REFUND_PROCESSED,
    OH_REFUND_FAILED
} oh_refund_status_t;

#define OH_CODE_MAX  64

typedef struct {
    char         code[OH_CODE_MAX];   /* "in_transit", "delivered", ... */
    const char  *label;
    const char  *description;
    const char  *location;
    char         occurred_at[OH_TIME_MAX];
} oh_scan_t;

/*
 * A normalised event.  String fields point into the parsed payload (or
 * into the struct) and are NULL when absent; they stay valid until
 * oh_domain_event_free().
 */
typedef struct {
    oh_domain_kind_t     kind;
    const char          *order_number;         /* the shop's reference */
    const char          *payment_ref;          /* provider payment id */
    const char          *provider_order_ref;   /* session / order id */

    /* payments and refunds */
    oh_pay_status_t      pay_status;
    int                  has_amount;
    int64_t              amount_minor;
    char                 currency[4];
    const char          *refund_id;
    oh_refund_status_t   refund_status;

    /* tracking */
    const char          *tracking_number;
    const char          *carrier;
    const char          *tracking_url;
    const char          *order_item_id;
    char                 shipped_at[OH_TIME_MAX];   /* "" when unknown */
    char                 delivered_at[OH_TIME_MAX];
    int                  is_return;
    oh_status_t          ship_target;  /* shipped / delivered / returned,
                                          or OH_STATUS_UNKNOWN */
    char                 ship_status[OH_CODE_MAX];  /* latest code */
    size_t               nscans;
    oh_scan_t           *scans;

    /* private */
    void                *json;
    char                 numbuf[3][32];
} oh_domain_event_t;

/*
 * Normalises one recorded webhook body.  `why` receives a short static
 * reason for IGNORED and MALFORMED.  On OH_NORM_OK the caller must call
 * oh_domain_event_free(); on any other result nothing needs freeing.
 */
oh_norm_result_t oh_normalize(oh_provider_t provider,
    const unsigned char *body, size_t len, oh_domain_event_t *out,
    const char **why);

void oh_domain_event_free(oh_domain_event_t *ev);

/*
 * Timestamps to text PostgreSQL reads as timestamptz with an explicit
 * offset: ISO 8601 ("2025-01-10T14:20:00Z", "...+05:30", fractions
 * kept), "YYYY-MM-DD HH:MM:SS" and Shiprocket's "DD MM YYYY HH:MM:SS"
 * (both taken in `default_offset`, e.g. "+05:30").  Returns 0, or -1.
 */
int oh_normalize_time(const char *in, const char *default_offset,
    char out[OH_TIME_MAX]);

/* Seconds since the epoch of a oh_normalize_time() result. */
int oh_normalize_time_epoch(const char *norm, int64_t *secs);

/* Unix seconds to "YYYY-MM-DD HH:MM:SS+00:00".  Returns 0, or -1. */
int oh_normalize_unix_time(int64_t secs, char out[OH_TIME_MAX]);

/* "Out For Delivery" / "out-for-delivery" -> "out_for_delivery". */
void oh_normalize_code(const char *in, char *out, size_t size);

/*
 * The order status a carrier status code implies: delivered ->
 * OH_STATUS_DELIVERED, RTO / return codes -> OH_STATUS_RETURNED, codes
 * before pickup (manifested, pickup scheduled, ...) -> OH_STATUS_UNKNOWN,
 * any other movement -> OH_STATUS_SHIPPED.  `code` is normalised.
 */
oh_status_t oh_normalize_ship_target(const char *code);

#endif /* OH_NORMALIZE_H */

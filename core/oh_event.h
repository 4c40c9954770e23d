/* oh_event: the idempotency key and type of a verified webhook. */

#ifndef OH_EVENT_H
#define OH_EVENT_H

#include <stddef.h>
#include "oh_sig.h"

#define OH_EVENT_ID_MAX    200
#define OH_EVENT_TYPE_MAX  100

typedef struct {
    char   event_id[OH_EVENT_ID_MAX + 1];
    char   event_type[OH_EVENT_TYPE_MAX + 1];  /* "" when unknown */
    int    id_from_body_hash;                  /* 1: "sha256:<hex>" */
} oh_event_ident_t;

/*
 * Event id per provider: Stripe $.id, Razorpay X-Razorpay-Event-Id,
 * Stitch svix-id / webhook-id, Shopify X-Shopify-Webhook-Id, GitHub
 * X-GitHub-Delivery, generic $.event_id; otherwise (absent, not a string,
 * longer than OH_EVENT_ID_MAX, body not JSON) "sha256:" + hex SHA-256 of
 * the body.  Type: Stripe $.type, Razorpay $.event, Stitch $.type,
 * Shopify X-Shopify-Topic, GitHub X-GitHub-Event, generic $.event or
 * $.type (or "tracking" when $.events is an array), Shiprocket
 * "tracking".  Returns 0, or -1 on allocation failure.
 */
int oh_event_identify(oh_provider_t provider, oh_header_get_pt get,
    void *data, const unsigned char *body, size_t len,
    oh_event_ident_t *out);

#endif /* OH_EVENT_H */

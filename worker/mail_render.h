/* mail_render: the notification templates, loaded at start-up, rendered. */

#ifndef OH_WORKER_MAIL_RENDER_H
#define OH_WORKER_MAIL_RENDER_H

#include <stddef.h>

/* The kinds of notification, as stored in notifications.kind. */
typedef enum {
    MAIL_KIND_CONFIRMATION = 0,    /* order_confirmation: paid */
    MAIL_KIND_SHIPPED,             /* shipped, per shipment */
    MAIL_KIND_DELIVERED,           /* delivered, per shipment */
    MAIL_KIND_REFUND,              /* refund_issued: order refunded */
    MAIL_KIND_COUNT,
    MAIL_KIND_NONE = -1
} mail_kind_t;

/* The placeholders every template may use, in this order. */
typedef enum {
    MAIL_V_ORDER_NUMBER = 0,
    MAIL_V_CUSTOMER_NAME,
    MAIL_V_CUSTOMER_EMAIL,
    MAIL_V_AMOUNT,                 /* "129.99 USD": the order total */
    MAIL_V_REFUND_AMOUNT,          /* refunded so far, same format */
    MAIL_V_TRACKING_NUMBER,
    MAIL_V_CARRIER,
    MAIL_V_TRACKING_URL,
    MAIL_V_SUPPORT_CONTACT,
    MAIL_V_COUNT
} mail_var_t;

typedef struct mail_templates_s  mail_templates_t;

/* One rendered notification (malloc'ed; html NULL without a template). */
typedef struct {
    char  *subject;
    char  *text;
    char  *html;
} mail_rendered_t;

/* "order_confirmation", ... */
const char *mail_kind_name(mail_kind_t kind);

/*
 * Loads <kind>.txt (required: a "Subject: ..." line, then the body) and
 * <kind>.html (optional) for every kind from `dir`.  Returns 0, or -1
 * with the file, line and reason in `err`.
 */
int mail_templates_load(const char *dir, mail_templates_t **out, char *err,
    size_t errsize) __attribute__((warn_unused_result));

void mail_templates_free(mail_templates_t *t);

/*
 * Renders `kind` with `values` (MAIL_V_COUNT entries, NULL or "" when
 * unknown).  Returns 0, or -1 when out of memory.
 */
int mail_render(const mail_templates_t *t, mail_kind_t kind,
    const char *const *values, mail_rendered_t *out)
    __attribute__((warn_unused_result));

void mail_rendered_free(mail_rendered_t *r);

#endif /* OH_WORKER_MAIL_RENDER_H */

/* mail_outbox: notifications written in the transaction that moves an order. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mail_message.h"
#include "mail_outbox.h"
#include "oh_money.h"

#define MAIL_AMOUNT_MAX  48

const db_stmt_t  mail_outbox_statements[] = {
    /* the order's details, unless it already has this notification */
    { "mail_outbox_order",
      "SELECT o.order_number, o.customer_email, o.customer_name,"
      "       o.currency, o.total_minor, o.refunded_minor,"
      "       coalesce(s.tracking_number, o.tracking_number),"
      "       coalesce(s.carrier, o.carrier),"
      "       coalesce(s.tracking_url, o.tracking_url)"
      "  FROM orderhooks.orders o"
      "  LEFT JOIN LATERAL (SELECT tracking_number, carrier, tracking_url"
      "                       FROM orderhooks.shipments"
      "                      WHERE order_id = o.id AND tracking_number = $3"
      "                      ORDER BY id LIMIT 1) s ON true"
      " WHERE o.id = $1 AND coalesce(o.customer_email, '') <> ''"
      "   AND NOT EXISTS (SELECT 1 FROM orderhooks.notifications n"
      "                    WHERE n.order_id = o.id AND n.kind = $2"
      "                      AND n.shipment_key = $3)", 3 },

    { "mail_outbox_insert",
      "INSERT INTO orderhooks.notifications (order_id, kind, shipment_key,"
      "        recipient, subject, body_text, body_html, message_id,"
      "        webhook_event_id)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
      " ON CONFLICT ON CONSTRAINT notifications_once_key DO NOTHING", 9 },

    { NULL, NULL, 0 }
};

static void mail_outbox_amount(const char *minor, const char *currency,
    char out[MAIL_AMOUNT_MAX]);
static int mail_outbox_insert(const worker_t *w, int64_t webhook_id,
    const apply_order_t *order, mail_kind_t kind, const char *key,
    const PGresult *r, db_error_t *err);


mail_kind_t
mail_outbox_kind(const oh_domain_event_t *ev, const apply_order_t *order,
    const apply_result_t *res)
{
    if (res->to != OH_STATUS_UNKNOWN && !res->refused) {
        if (res->to == OH_STATUS_PAID) {
            return MAIL_KIND_CONFIRMATION;
        }
        if (res->to == OH_STATUS_REFUNDED) {
            return MAIL_KIND_REFUND;
        }
    }
    if (ev->kind != OH_DOMAIN_TRACKING || ev->tracking_number == NULL) {
        return MAIL_KIND_NONE;
    }
    if (ev->ship_target == OH_STATUS_SHIPPED
        && order->status == OH_STATUS_SHIPPED)
    {
        return MAIL_KIND_SHIPPED;
    }
    if (ev->ship_target == OH_STATUS_DELIVERED
        && order->status == OH_STATUS_DELIVERED)
    {
        return MAIL_KIND_DELIVERED;
    }
    return MAIL_KIND_NONE;
}


/* "12999", "USD" -> "129.99 USD" (the currency's own decimals). */
static void
mail_outbox_amount(const char *minor, const char *currency,
    char out[MAIL_AMOUNT_MAX])
{
    int64_t  v = strtoll(minor, NULL, 10), div = 1;
    int      e = oh_currency_exponent(currency), i;

    for (i = 0; i < e; i++) {
        div *= 10;
    }
    if (e == 0) {
        snprintf(out, MAIL_AMOUNT_MAX, "%" PRId64 " %s", v, currency);
    } else {
        snprintf(out, MAIL_AMOUNT_MAX, "%" PRId64 ".%0*" PRId64 " %s",
                 v / div, e, v % div, currency);
    }
}


static int
mail_outbox_insert(const worker_t *w, int64_t webhook_id,
    const apply_order_t *order, mail_kind_t kind, const char *key,
    const PGresult *r, db_error_t *err)
{
    char              amount[MAIL_AMOUNT_MAX], refund[MAIL_AMOUNT_MAX];
    char              msgid[400], b[2][24];
    const char       *v[MAIL_V_COUNT], *p[9];
    mail_rendered_t   m;
    PGresult         *res;

    mail_outbox_amount(PQgetvalue(r, 0, 4), PQgetvalue(r, 0, 3), amount);
    mail_outbox_amount(PQgetvalue(r, 0, 5), PQgetvalue(r, 0, 3), refund);
    v[MAIL_V_ORDER_NUMBER] = PQgetvalue(r, 0, 0);
    v[MAIL_V_CUSTOMER_EMAIL] = PQgetvalue(r, 0, 1);
    v[MAIL_V_CUSTOMER_NAME] = PQgetvalue(r, 0, 2);
    v[MAIL_V_AMOUNT] = amount;
    v[MAIL_V_REFUND_AMOUNT] = refund;
    v[MAIL_V_TRACKING_NUMBER] = PQgetvalue(r, 0, 6);
    v[MAIL_V_CARRIER] = PQgetvalue(r, 0, 7);
    v[MAIL_V_TRACKING_URL] = PQgetvalue(r, 0, 8);
    v[MAIL_V_SUPPORT_CONTACT] = w->cfg->mail_support_contact;

    if (mail_message_id(w->cfg->mail_from, msgid, sizeof(msgid)) != 0) {
        snprintf(err->sqlstate, sizeof(err->sqlstate), "58000");
        snprintf(err->message, sizeof(err->message),
                 "cannot make a Message-ID");
        return -1;
    }
    if (mail_render(w->mail_templates, kind, v, &m) != 0) {
        snprintf(err->sqlstate, sizeof(err->sqlstate), "53200");
        snprintf(err->message, sizeof(err->message), "out of memory");
        return -1;
    }
    snprintf(b[0], sizeof(b[0]), "%" PRId64, order->id);
    snprintf(b[1], sizeof(b[1]), "%" PRId64, webhook_id);
    p[0] = b[0];
    p[1] = mail_kind_name(kind);
    p[2] = key;
    p[3] = v[MAIL_V_CUSTOMER_EMAIL];
    p[4] = m.subject;
    p[5] = m.text;
    p[6] = m.html;
    p[7] = msgid;
    p[8] = b[1];
    res = db_exec(w->conn, "mail_outbox_insert", 9, p, 0, err);
    mail_rendered_free(&m);
    if (res == NULL) {
        return -1;
    }
    PQclear(res);
    return 0;
}


int
mail_outbox_add(const worker_t *w, int64_t webhook_id,
    const apply_order_t *order, const oh_domain_event_t *ev,
    const apply_result_t *res, db_error_t *err)
{
    mail_kind_t   kind;
    const char   *p[3];
    char          id[24];
    PGresult     *r;
    int           rc = 0;

    if (w->mail_templates == NULL) {
        return 0;
    }
    kind = mail_outbox_kind(ev, order, res);
    if (kind == MAIL_KIND_NONE) {
        return 0;
    }
    snprintf(id, sizeof(id), "%" PRId64, order->id);
    p[0] = id;
    p[1] = mail_kind_name(kind);
    p[2] = kind == MAIL_KIND_SHIPPED || kind == MAIL_KIND_DELIVERED
           ? ev->tracking_number : "";
    r = db_exec(w->conn, "mail_outbox_order", 3, p, 0, err);
    if (r == NULL) {
        return -1;
    }
    if (PQntuples(r) == 1) {
        rc = mail_outbox_insert(w, webhook_id, order, kind, p[2], r, err);
    }
    PQclear(r);
    return rc;
}

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
    { "mail_outbox_existing",
      "SELECT order_id, kind, shipment_key FROM orderhooks.notifications"
      " WHERE order_id = ANY ($1::bigint[])", 1 },

    { "mail_outbox_insert",
      "INSERT INTO orderhooks.notifications (order_id, kind, shipment_key,"
      "        recipient, subject, body_text, body_html, message_id,"
      "        webhook_event_id)"
      " SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[],"
      "                      $4::text[], $5::text[], $6::text[],"
      "                      $7::text[], $8::text[], $9::bigint[])"
      " ON CONFLICT ON CONSTRAINT notifications_once_key DO NOTHING", 9 },

    { NULL, NULL, 0 }
};

static void mail_outbox_amount(const char *minor, const char *currency,
    char out[MAIL_AMOUNT_MAX]);
static int mail_outbox_render(const worker_t *w, mail_outbox_t *ob,
    const apply_set_t *set, int64_t webhook_id, const apply_order_t *order,
    mail_kind_t kind, const char *key, db_error_t *err);
static int mail_outbox_seen(const mail_outbox_t *ob, int64_t order_id,
    mail_kind_t kind, const char *key);
static int mail_outbox_remember(mail_outbox_t *ob, int64_t order_id,
    mail_kind_t kind, const char *key);
static int mail_outbox_fail(db_error_t *err, const char *state,
    const char *msg);


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
mail_outbox_fail(db_error_t *err, const char *state, const char *msg)
{
    snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
    snprintf(err->message, sizeof(err->message), "%s", msg);
    return -1;
}


int
mail_outbox_begin(const worker_t *w, mail_outbox_t *ob,
    const apply_set_t *set, db_error_t *err)
{
    pgarray_t    ids;
    const char  *p[1];
    char         id[24];
    size_t       i;
    int          k;

    memset(ob, 0, sizeof(*ob));
    for (k = 0; k < 9; k++) {
        pgarray_init(&ob->cols[k]);
    }
    if (w->mail_templates == NULL || set->norders == 0) {
        return 0;
    }
    pgarray_init(&ids);
    for (i = 0; i < set->norders; i++) {
        snprintf(id, sizeof(id), "%" PRId64, set->orders[i].id);
        pgarray_add(&ids, id);
    }
    p[0] = pgarray_text(&ids);
    if (p[0] == NULL) {
        pgarray_free(&ids);
        return db_error_oom(err);
    }
    ob->existing = db_exec(w->conn, "mail_outbox_existing", 1, p, 0, err);
    pgarray_free(&ids);
    return ob->existing != NULL ? 0 : -1;
}


static int
mail_outbox_seen(const mail_outbox_t *ob, int64_t order_id, mail_kind_t kind,
    const char *key)
{
    const char  *name = mail_kind_name(kind);
    size_t       i;
    int          r, n = ob->existing ? PQntuples(ob->existing) : 0;

    for (r = 0; r < n; r++) {
        if (strtoll(PQgetvalue(ob->existing, r, 0), NULL, 10) == order_id
            && strcmp(PQgetvalue(ob->existing, r, 1), name) == 0
            && strcmp(PQgetvalue(ob->existing, r, 2), key) == 0)
        {
            return 1;
        }
    }
    for (i = 0; i < ob->n; i++) {
        if (ob->order_ids[i] == order_id && ob->kinds[i] == kind
            && strcmp(ob->keys[i], key) == 0)
        {
            return 1;
        }
    }
    return 0;
}


static int
mail_outbox_remember(mail_outbox_t *ob, int64_t order_id, mail_kind_t kind,
    const char *key)
{
    size_t  ncap;
    void   *p;

    if (ob->n == ob->cap) {
        ncap = ob->cap ? ob->cap * 2 : 16;
        if ((p = realloc(ob->order_ids, ncap * sizeof(int64_t))) == NULL) {
            return -1;
        }
        ob->order_ids = p;
        if ((p = realloc(ob->kinds, ncap * sizeof(mail_kind_t))) == NULL) {
            return -1;
        }
        ob->kinds = p;
        if ((p = realloc(ob->keys, ncap * sizeof(char *))) == NULL) {
            return -1;
        }
        ob->keys = p;
        ob->cap = ncap;
    }
    ob->keys[ob->n] = strdup(key);
    if (ob->keys[ob->n] == NULL) {
        return -1;
    }
    ob->order_ids[ob->n] = order_id;
    ob->kinds[ob->n] = kind;
    ob->n++;
    return 0;
}


static int
mail_outbox_render(const worker_t *w, mail_outbox_t *ob,
    const apply_set_t *set, int64_t webhook_id, const apply_order_t *order,
    mail_kind_t kind, const char *key, db_error_t *err)
{
    char                     amount[MAIL_AMOUNT_MAX], refund[MAIL_AMOUNT_MAX];
    char                     msgid[400], num[2][24];
    const char              *v[MAIL_V_COUNT];
    const apply_shipment_t  *s;
    mail_rendered_t          m;

    s = apply_shipment_of(set, order, key);
    snprintf(num[0], sizeof(num[0]), "%" PRId64, order->total_minor);
    snprintf(num[1], sizeof(num[1]), "%" PRId64, order->refunded_minor);
    mail_outbox_amount(num[0], order->currency, amount);
    mail_outbox_amount(num[1], order->currency, refund);
    v[MAIL_V_ORDER_NUMBER] = order->order_number;
    v[MAIL_V_CUSTOMER_EMAIL] = order->customer_email;
    v[MAIL_V_CUSTOMER_NAME] = order->customer_name ? order->customer_name
                                                   : "";
#define MAIL_OUTBOX_SHIP(field)                                           \
    (s && s->field ? s->field : order->field ? order->field : "")
    v[MAIL_V_TRACKING_NUMBER] = MAIL_OUTBOX_SHIP(tracking_number);
    v[MAIL_V_CARRIER] = MAIL_OUTBOX_SHIP(carrier);
    v[MAIL_V_TRACKING_URL] = MAIL_OUTBOX_SHIP(tracking_url);
#undef MAIL_OUTBOX_SHIP
    v[MAIL_V_AMOUNT] = amount;
    v[MAIL_V_REFUND_AMOUNT] = refund;
    v[MAIL_V_SUPPORT_CONTACT] = w->cfg->mail_support_contact;

    if (mail_message_id(w->cfg->mail_from, msgid, sizeof(msgid)) != 0) {
        return mail_outbox_fail(err, "58000", "cannot make a Message-ID");
    }
    if (mail_render(w->mail_templates, kind, v, &m) != 0) {
        return db_error_oom(err);
    }
    snprintf(num[0], sizeof(num[0]), "%" PRId64, order->id);
    snprintf(num[1], sizeof(num[1]), "%" PRId64, webhook_id);
    pgarray_add(&ob->cols[0], num[0]);
    pgarray_add(&ob->cols[1], mail_kind_name(kind));
    pgarray_add(&ob->cols[2], key);
    pgarray_add(&ob->cols[3], v[MAIL_V_CUSTOMER_EMAIL]);
    pgarray_add(&ob->cols[4], m.subject);
    pgarray_add(&ob->cols[5], m.text);
    pgarray_add(&ob->cols[6], m.html);
    pgarray_add(&ob->cols[7], msgid);
    pgarray_add(&ob->cols[8], num[1]);
    mail_rendered_free(&m);
    if (mail_outbox_remember(ob, order->id, kind, key) != 0) {
        return db_error_oom(err);
    }
    return 0;
}


int
mail_outbox_add(const worker_t *w, mail_outbox_t *ob, const apply_set_t *set,
    int64_t webhook_id, const apply_order_t *order,
    const oh_domain_event_t *ev, const apply_result_t *res, db_error_t *err)
{
    mail_kind_t   kind;
    const char   *key;

    if (w->mail_templates == NULL || order->customer_email == NULL
        || order->customer_email[0] == '\0')
    {
        return 0;
    }
    kind = mail_outbox_kind(ev, order, res);
    if (kind == MAIL_KIND_NONE) {
        return 0;
    }
    key = kind == MAIL_KIND_SHIPPED || kind == MAIL_KIND_DELIVERED
          ? ev->tracking_number : "";
    if (mail_outbox_seen(ob, order->id, kind, key)) {
        return 0;
    }
    return mail_outbox_render(w, ob, set, webhook_id, order, kind, key, err);
}


void
mail_outbox_queue(mail_outbox_t *ob, db_pipe_t *pipe)
{
    if (ob->cols[0].n > 0) {
        db_pipe_add_arrays(pipe, "mail_outbox_insert", NULL, 0, ob->cols, 9);
    }
}


void
mail_outbox_free(mail_outbox_t *ob)
{
    size_t  i;
    int     k;

    for (k = 0; k < 9; k++) {
        pgarray_free(&ob->cols[k]);
    }
    for (i = 0; i < ob->n; i++) {
        free(ob->keys[i]);
    }
    free(ob->order_ids);
    free(ob->kinds);
    free(ob->keys);
    PQclear(ob->existing);
    memset(ob, 0, sizeof(*ob));
}

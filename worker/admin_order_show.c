/* admin_order_show: "order show", an order with everything attached. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_db.h"
#include "admin_money.h"
#include "admin_order.h"

/*
 * The whole picture of one order as a single JSON document (json, not
 * jsonb, so that keys keep the tables' column order).
 */
static const char  order_show_sql[] =
    "SELECT json_build_object("
    " 'order', row_to_json(o),"
    " 'payments', (SELECT coalesce(json_agg(p ORDER BY p.id), '[]')"
    "   FROM orderhooks.payments p WHERE p.order_id = o.id),"
    " 'refunds', (SELECT coalesce(json_agg(r ORDER BY r.id), '[]')"
    "   FROM orderhooks.refunds r WHERE r.order_id = o.id),"
    " 'reconciliation', (SELECT coalesce(json_agg(c ORDER BY c.id), '[]')"
    "   FROM orderhooks.payment_reconciliation c WHERE c.order_id = o.id),"
    " 'shipments', (SELECT coalesce(json_agg(s ORDER BY s.id), '[]')"
    "   FROM orderhooks.shipments s WHERE s.order_id = o.id),"
    " 'tracking_events', (SELECT coalesce(json_agg(t"
    "   ORDER BY t.occurred_at, t.id), '[]')"
    "   FROM orderhooks.tracking_events t"
    "   JOIN orderhooks.shipments s ON s.id = t.shipment_id"
    "   WHERE s.order_id = o.id),"
    " 'status_history', (SELECT coalesce(json_agg(h ORDER BY h.id), '[]')"
    "   FROM orderhooks.order_status_history h WHERE h.order_id = o.id))"
    " FROM orderhooks.orders o WHERE o.order_number = $1";

/* Sections printed after the order itself, in this order. */
static const struct {
    const char  *key;
    const char  *title;
} order_sections[] = {
    { "payments",        "Payments" },
    { "refunds",         "Refunds" },
    { "reconciliation",  "Reconciliation" },
    { "shipments",       "Shipments" },
    { "tracking_events", "Tracking events" },
    { "status_history",  "Status history" },
    { NULL, NULL }
};


static int order_show_usage(void);
static int order_show_fetch(PGconn *conn, const char *number, char **doc);
static int order_show_text(const char *doc);
static void order_show_order(const cJSON *order);
static void order_show_rows(const char *title, const cJSON *rows,
    const char *currency);
static int order_show_skip(const char *key);
static void order_show_quote(const char *s, char *buf, size_t size);
static const char *order_show_key(const cJSON *item, char *buf, size_t size);
static void order_show_value(const cJSON *row, const cJSON *item,
    const char *currency, char *buf, size_t size);


int
order_show_command(const admin_opts_t *opts, int argc, char **argv)
{
    static const struct option  longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    PGconn  *conn;
    char    *doc = NULL;
    int      c, json = 0, rc;

    cli_getopt_begin();
    while ((c = cli_getopt("order show", argc, argv, ":h", longopts)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'h': return order_show_usage();
        default:  return ADMIN_USAGE;
        }
    }
    if (cli_optind() != argc - 1) {
        return cli_usage("order show", "expected one <order_number>");
    }
    conn = db_connect(opts->conninfo);
    if (conn == NULL) {
        return ADMIN_FAIL;
    }
    rc = order_show_fetch(conn, argv[cli_optind()], &doc);
    PQfinish(conn);
    if (rc != ADMIN_OK) {
        return rc;
    }
    if (json) {
        printf("%s\n", doc);
    } else {
        rc = order_show_text(doc);
    }
    free(doc);
    return rc;
}


static int
order_show_usage(void)
{
    printf(
"Usage: orderhooks-admin order show <order_number> [--json]\n"
"\n"
"Prints the order, its payments, refunds, reconciliation records,\n"
"shipments, tracking events and status history.\n"
"\n"
"  --json  one JSON document (keys: order, payments, refunds,\n"
"          reconciliation, shipments, tracking_events, status_history)\n");
    return ADMIN_OK;
}


static int
order_show_fetch(PGconn *conn, const char *number, char **doc)
{
    const char  *params[] = { number };
    PGresult    *res;

    res = db_query(conn, "cannot read the order", order_show_sql, 1, params);
    if (res == NULL) {
        return ADMIN_FAIL;
    }
    if (PQntuples(res) == 0) {
        cli_error("no order %s", number);
        PQclear(res);
        return ADMIN_FAIL;
    }
    *doc = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (*doc == NULL) {
        cli_error("out of memory");
        return ADMIN_FAIL;
    }
    return ADMIN_OK;
}


static int
order_show_text(const char *doc)
{
    cJSON        *root;
    const cJSON  *order, *cur;
    const char   *currency;
    int           i;

    root = cJSON_Parse(doc);
    order = root ? cJSON_GetObjectItemCaseSensitive(root, "order") : NULL;
    if (order == NULL) {
        cli_error("cannot parse the order document");
        cJSON_Delete(root);
        return ADMIN_FAIL;
    }
    cur = cJSON_GetObjectItemCaseSensitive(order, "currency");
    currency = cJSON_IsString(cur) ? cur->valuestring : "";

    order_show_order(order);
    for (i = 0; order_sections[i].key != NULL; i++) {
        order_show_rows(order_sections[i].title,
                        cJSON_GetObjectItemCaseSensitive(root,
                            order_sections[i].key), currency);
    }
    cJSON_Delete(root);
    return ADMIN_OK;
}


static void
order_show_order(const cJSON *order)
{
    const cJSON  *item, *num, *id, *cur;
    char          value[256], key[64];

    num = cJSON_GetObjectItemCaseSensitive(order, "order_number");
    id = cJSON_GetObjectItemCaseSensitive(order, "id");
    cur = cJSON_GetObjectItemCaseSensitive(order, "currency");
    printf("Order %s (id %.0f)\n", cJSON_IsString(num) ? num->valuestring
           : "?", cJSON_IsNumber(id) ? id->valuedouble : 0.0);

    cJSON_ArrayForEach(item, order) {
        if (cJSON_IsNull(item) || strcmp(item->string, "id") == 0
            || strcmp(item->string, "order_number") == 0)
        {
            continue;
        }
        order_show_value(order, item, cJSON_IsString(cur)
                         ? cur->valuestring : "", value, sizeof(value));
        printf("  %-20s %s\n", order_show_key(item, key, sizeof(key)),
               value);
    }
}


/* One line per row: "#id key=value ...", NULLs and links left out. */
static void
order_show_rows(const char *title, const cJSON *rows, const char *currency)
{
    const cJSON  *row, *item, *id;
    char          value[256], key[64];

    printf("\n%s (%d)\n", title, cJSON_GetArraySize(rows));
    cJSON_ArrayForEach(row, rows) {
        id = cJSON_GetObjectItemCaseSensitive(row, "id");
        printf("  #%.0f", cJSON_IsNumber(id) ? id->valuedouble : 0.0);
        cJSON_ArrayForEach(item, row) {
            if (cJSON_IsNull(item) || order_show_skip(item->string)) {
                continue;
            }
            order_show_value(row, item, currency, value, sizeof(value));
            printf(" %s=%s", order_show_key(item, key, sizeof(key)), value);
        }
        printf("\n");
    }
}


static int
order_show_skip(const char *key)
{
    return strcmp(key, "id") == 0 || strcmp(key, "order_id") == 0
           || strcmp(key, "created_at") == 0
           || strcmp(key, "updated_at") == 0;
}


/* "total_minor" is shown as "total": its value is in major units. */
static const char *
order_show_key(const cJSON *item, char *buf, size_t size)
{
    size_t  len;

    len = strlen(item->string);
    if (cJSON_IsNumber(item) && len > 6
        && strcmp(item->string + len - 6, "_minor") == 0)
    {
        snprintf(buf, size, "%.*s", (int) (len - 6), item->string);
        return buf;
    }
    return item->string;
}


/*
 * Text of one field.  "<x>_minor" amounts are shown in major units of
 * "<x>_currency", else the row's "currency", else the order's; times
 * lose their fractional seconds.
 */
static void
order_show_value(const cJSON *row, const cJSON *item, const char *currency,
    char *buf, size_t size)
{
    const cJSON  *cur;
    const char   *key = item->string, *s;
    char          name[64], value[40];
    size_t        klen = strlen(key), tail;

    if (cJSON_IsNumber(item) && klen > 6
        && strcmp(key + klen - 6, "_minor") == 0)
    {
        snprintf(name, sizeof(name), "%.*s_currency", (int) (klen - 6), key);
        cur = cJSON_GetObjectItemCaseSensitive(row, name);
        if (!cJSON_IsString(cur)) {
            cur = cJSON_GetObjectItemCaseSensitive(row, "currency");
        }
        if (cJSON_IsString(cur)) {
            currency = cur->valuestring;
        }
        money_format((int64_t) item->valuedouble, currency, value,
                     sizeof(value));
        snprintf(buf, size, "%s %s", value, currency);
        return;
    }
    if (cJSON_IsNumber(item)) {
        snprintf(buf, size, "%.0f", item->valuedouble);
        return;
    }
    if (cJSON_IsBool(item)) {
        snprintf(buf, size, "%s", cJSON_IsTrue(item) ? "true" : "false");
        return;
    }
    if (!cJSON_IsString(item)) {
        s = cJSON_PrintUnformatted(item);
        snprintf(buf, size, "%s", s ? s : "?");
        free((void *) s);
        return;
    }
    s = item->valuestring;
    if (strlen(s) >= 19 && s[4] == '-' && s[10] == 'T' && s[13] == ':') {
        tail = s[19] == '.' ? strspn(s + 20, "0123456789") + 1 : 0;
        snprintf(buf, size, "%.10s %.8s%s", s, s + 11, s + 19 + tail);
        return;
    }
    order_show_quote(s, buf, size);
}


/* Text with spaces in double quotes; newlines shown as "\n". */
static void
order_show_quote(const char *s, char *buf, size_t size)
{
    size_t  o = 0;
    int     quote;

    quote = strpbrk(s, " \n\t") != NULL;
    if (quote && o + 1 < size) {
        buf[o++] = '"';
    }
    for (; *s != '\0' && o + 3 < size; s++) {
        if (*s == '\n' || *s == '\t') {
            buf[o++] = '\\';
            buf[o++] = *s == '\n' ? 'n' : 't';
        } else {
            buf[o++] = *s;
        }
    }
    if (quote) {
        buf[o++] = '"';
    }
    buf[o] = '\0';
}

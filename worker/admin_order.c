/* admin_order: "order create" (test orders) and the "order" dispatcher. */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "admin_db.h"
#include "admin_money.h"
#include "admin_order.h"
#include "oh_money.h"
#include "oh_transition.h"

typedef struct {
    const char  *number;
    const char  *email;
    const char  *total;
    char         currency[4];
    const char  *status;
    const char  *provider;
    const char  *payment_ref;
    const char  *order_ref;
    int64_t      total_minor;
} order_new_t;


static int order_usage(FILE *out);
static int order_create_usage(void);
static int order_create_args(int argc, char **argv, order_new_t *o);
static int order_create_check(order_new_t *o);
static int order_insert(PGconn *conn, const order_new_t *o, char *id,
    size_t size);
static int order_insert_history(PGconn *conn, const char *id,
    const char *status);


int
order_command(const admin_opts_t *opts, int argc, char **argv)
{
    if (argc < 2) {
        order_usage(stderr);
        return ADMIN_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        return order_usage(stdout);
    }
    if (strcmp(argv[1], "create") == 0) {
        return order_create_command(opts, argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "show") == 0) {
        return order_show_command(opts, argc - 1, argv + 1);
    }
    return cli_usage("order", "unknown subcommand 'order %s'", argv[1]);
}


static int
order_usage(FILE *out)
{
    fprintf(out,
"Usage: orderhooks-admin order create <order_number> --email E --total AMOUNT\n"
"                                     --currency CUR [--status STATUS]\n"
"                                     [--provider P] [--payment-ref R]\n"
"                                     [--provider-order-ref R]\n"
"       orderhooks-admin order show <order_number> [--json]\n"
"\n"
"'orderhooks-admin order create --help' and 'order show --help' say more.\n");
    return out == stdout ? ADMIN_OK : ADMIN_USAGE;
}


int
order_create_command(const admin_opts_t *opts, int argc, char **argv)
{
    order_new_t   o;
    PGconn       *conn;
    char          id[32], total[40];
    int           rc;

    memset(&o, 0, sizeof(o));
    o.status = "pending_payment";
    rc = order_create_args(argc, argv, &o);
    if (rc != -1) {
        return rc;
    }
    conn = db_connect(opts->conninfo);
    if (conn == NULL) {
        return ADMIN_FAIL;
    }
    if (db_begin(conn) != 0) {
        PQfinish(conn);
        return ADMIN_FAIL;
    }
    if (order_insert(conn, &o, id, sizeof(id)) != 0
        || order_insert_history(conn, id, o.status) != 0
        || db_commit(conn) != 0)
    {
        db_rollback(conn);
        PQfinish(conn);
        return ADMIN_FAIL;
    }
    PQfinish(conn);
    money_format(o.total_minor, o.currency, total, sizeof(total));
    printf("created order %s (id %s): total %s %s = %" PRId64
           " minor units, status %s\n", o.number, id, total, o.currency,
           o.total_minor, o.status);
    return ADMIN_OK;
}


static int
order_create_usage(void)
{
    printf(
"Usage: orderhooks-admin order create <order_number> --email E --total AMOUNT\n"
"           --currency CUR [--status STATUS] [--provider P]\n"
"           [--payment-ref R] [--provider-order-ref R]\n"
"\n"
"Inserts a test order as the shop's checkout would, plus its first\n"
"order_status_history row.\n"
"\n"
"  --email E               customer e-mail\n"
"  --total AMOUNT          expected total in major units, e.g. 129.99;\n"
"                          converted exactly to minor units (JPY: none,\n"
"                          BHD/KWD/...: three decimals)\n"
"  --currency CUR          ISO 4217 code, e.g. USD\n"
"  --status STATUS         initial status (default pending_payment)\n"
"  --provider P            payment provider, e.g. stripe\n"
"  --payment-ref R         provider payment id (payment intent, ...)\n"
"  --provider-order-ref R  provider order / checkout session id\n");
    return ADMIN_OK;
}


/* Returns -1 when the arguments are complete, else an exit code. */
static int
order_create_args(int argc, char **argv, order_new_t *o)
{
    static const struct option  longopts[] = {
        { "email",              required_argument, NULL, 'e' },
        { "total",              required_argument, NULL, 't' },
        { "currency",           required_argument, NULL, 'c' },
        { "status",             required_argument, NULL, 's' },
        { "provider",           required_argument, NULL, 'p' },
        { "payment-ref",        required_argument, NULL, 'r' },
        { "provider-order-ref", required_argument, NULL, 'o' },
        { "help",               no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char  *currency = NULL;
    int          c;

    cli_getopt_begin();
    while ((c = cli_getopt("order create", argc, argv, ":h", longopts))
           != -1)
    {
        switch (c) {
        case 'e': o->email = optarg; break;
        case 't': o->total = optarg; break;
        case 'c': currency = optarg; break;
        case 's': o->status = optarg; break;
        case 'p': o->provider = optarg; break;
        case 'r': o->payment_ref = optarg; break;
        case 'o': o->order_ref = optarg; break;
        case 'h': return order_create_usage();
        default:  return ADMIN_USAGE;
        }
    }
    if (cli_optind() != argc - 1) {
        return cli_usage("order create", "expected one <order_number>");
    }
    o->number = argv[cli_optind()];
    if (o->email == NULL || o->total == NULL || currency == NULL) {
        return cli_usage("order create",
                         "--email, --total and --currency are required");
    }
    if (oh_currency_normalize(currency, o->currency) != 0) {
        return cli_usage("order create", "invalid currency '%s'", currency);
    }
    return order_create_check(o);
}


static int
order_create_check(order_new_t *o)
{
    static const char  *statuses[] = { OH_STATUS_NAMES, NULL };
    int                 i, exp;

    if (o->number[0] == '\0') {
        return cli_usage("order create", "empty order number");
    }
    exp = oh_currency_exponent(o->currency);
    if (oh_money_parse(o->total, strlen(o->total), exp, &o->total_minor)
        != OH_MONEY_OK)
    {
        return cli_usage("order create", "invalid --total '%s' for %s "
                         "(a non-negative decimal, at most %d decimals)",
                         o->total, o->currency, exp);
    }
    for (i = 0; statuses[i] != NULL; i++) {
        if (strcmp(statuses[i], o->status) == 0) {
            return -1;
        }
    }
    return cli_usage("order create", "unknown status '%s'", o->status);
}


static int
order_insert(PGconn *conn, const order_new_t *o, char *id, size_t size)
{
    char         minor[24];
    const char  *params[8];
    PGresult    *res;

    snprintf(minor, sizeof(minor), "%" PRId64, o->total_minor);
    params[0] = o->number;
    params[1] = o->email;
    params[2] = o->status;
    params[3] = o->currency;
    params[4] = minor;
    params[5] = o->provider;
    params[6] = o->payment_ref;
    params[7] = o->order_ref;

    res = db_exec(conn,
        "INSERT INTO orderhooks.orders (order_number, customer_email,"
        " status, currency, total_minor, payment_provider,"
        " provider_payment_id, provider_order_id)"
        " VALUES ($1, $2, $3, $4, $5::bigint, $6, $7, $8) RETURNING id",
        8, params);
    if (!db_ok(res)) {
        if (strcmp(db_sqlstate(res), "23505") == 0) {
            cli_error("order %s already exists", o->number);
        } else {
            db_report("cannot create the order", res);
        }
        PQclear(res);
        return -1;
    }
    snprintf(id, size, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}


static int
order_insert_history(PGconn *conn, const char *id, const char *status)
{
    const char  *params[] = { id, status, cli_actor() };

    return db_run(conn, "cannot record the order's history",
                  "INSERT INTO orderhooks.order_status_history"
                  " (order_id, from_status, to_status, applied, reason,"
                  "  changed_by)"
                  " VALUES ($1::bigint, NULL, $2, true,"
                  " 'created by orderhooks-admin', $3)", 3, params);
}

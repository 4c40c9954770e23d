/* admin_reconcile: "reconcile resolve", closing a payment mismatch. */

#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "admin_db.h"

/* The order row lock orders this change with the workers' updates. */
static const char  reconcile_lock_sql[] =
    "SELECT id, status FROM orderhooks.orders WHERE order_number = $1"
    " FOR UPDATE";

/* Every open mismatch of the order; the note is appended to notes. */
static const char  reconcile_resolve_sql[] =
    "UPDATE orderhooks.payment_reconciliation"
    " SET status = 'resolved', resolved_at = now(), resolved_by = $2::text,"
    " notes = concat_ws(E'\\n', notes, $3::text)"
    " WHERE order_id = $1::bigint AND status = 'mismatch'";

/* payment_mismatch -> paid is the "resolved" transition (oh_transition). */
static const char  reconcile_paid_sql[] =
    "UPDATE orderhooks.orders SET status = 'paid',"
    " paid_at = coalesce(paid_at, now()), updated_at = now()"
    " WHERE id = $1::bigint";

static const char  reconcile_history_sql[] =
    "INSERT INTO orderhooks.order_status_history"
    " (order_id, from_status, to_status, applied, reason, changed_by)"
    " VALUES ($1::bigint, 'payment_mismatch', 'paid', true,"
    " 'reconciliation resolved: ' || $3::text, $2::text)";

typedef struct {
    const char  *number;
    const char  *note;
    const char  *by;
    int          keep_status;
} reconcile_args_t;


static int reconcile_usage(FILE *out);
static int reconcile_args(int argc, char **argv, reconcile_args_t *a);
static int reconcile_resolve(PGconn *conn, const reconcile_args_t *a);
static int reconcile_apply(PGconn *conn, const reconcile_args_t *a,
    const char *id, const char *status);


int
reconcile_command(const admin_opts_t *opts, int argc, char **argv)
{
    reconcile_args_t   a = { NULL, NULL, NULL, 0 };
    PGconn            *conn;
    int                rc;

    if (argc < 2) {
        reconcile_usage(stderr);
        return ADMIN_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        return reconcile_usage(stdout);
    }
    if (strcmp(argv[1], "resolve") != 0) {
        return cli_usage("reconcile", "unknown subcommand 'reconcile %s'",
                         argv[1]);
    }
    rc = reconcile_args(argc - 1, argv + 1, &a);
    if (rc != -1) {
        return rc;
    }
    conn = db_connect(opts->conninfo);
    if (conn == NULL) {
        return ADMIN_FAIL;
    }
    rc = reconcile_resolve(conn, &a);
    PQfinish(conn);
    return rc;
}


static int
reconcile_usage(FILE *out)
{
    fprintf(out,
"Usage: orderhooks-admin reconcile resolve <order_number> --note TEXT\n"
"                                          [--by NAME] [--keep-status]\n"
"\n"
"Marks the order's open payment mismatches 'resolved' (resolved_at now,\n"
"resolved_by NAME, the note appended to notes).  An order in\n"
"payment_mismatch then becomes 'paid' (recorded in its status history);\n"
"an order in any other status keeps it.\n"
"\n"
"  --note TEXT     why the mismatch is acceptable (required)\n"
"  --by NAME       who resolved it (default $USER)\n"
"  --keep-status   leave the order in payment_mismatch (e.g. while a\n"
"                  refund of the difference is pending)\n");
    return out == stdout ? ADMIN_OK : ADMIN_USAGE;
}


/* Returns -1 when the arguments are complete, else an exit code. */
static int
reconcile_args(int argc, char **argv, reconcile_args_t *a)
{
    static const struct option  longopts[] = {
        { "note",        required_argument, NULL, 'n' },
        { "by",          required_argument, NULL, 'b' },
        { "keep-status", no_argument,       NULL, 'k' },
        { "help",        no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int  c;

    cli_getopt_begin();
    while ((c = cli_getopt("reconcile", argc, argv, ":h", longopts)) != -1) {
        switch (c) {
        case 'n': a->note = optarg; break;
        case 'b': a->by = optarg; break;
        case 'k': a->keep_status = 1; break;
        case 'h': return reconcile_usage(stdout);
        default:  return ADMIN_USAGE;
        }
    }
    if (cli_optind() != argc - 1) {
        return cli_usage("reconcile", "expected one <order_number>");
    }
    a->number = argv[cli_optind()];
    if (a->note == NULL || a->note[0] == '\0') {
        return cli_usage("reconcile", "--note is required");
    }
    if (a->by == NULL || a->by[0] == '\0') {
        a->by = cli_actor();
    }
    return -1;
}


static int
reconcile_resolve(PGconn *conn, const reconcile_args_t *a)
{
    const char  *params[] = { a->number };
    PGresult    *res;
    int          rc;

    if (db_begin(conn) != 0) {
        return ADMIN_FAIL;
    }
    res = db_query(conn, "cannot lock the order", reconcile_lock_sql, 1,
                   params);
    if (res == NULL) {
        db_rollback(conn);
        return ADMIN_FAIL;
    }
    if (PQntuples(res) == 0) {
        cli_error("no order %s", a->number);
        rc = ADMIN_FAIL;
    } else {
        rc = reconcile_apply(conn, a, PQgetvalue(res, 0, 0),
                             PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    if (rc != ADMIN_OK || db_commit(conn) != 0) {
        db_rollback(conn);
        return ADMIN_FAIL;
    }
    return ADMIN_OK;
}


static int
reconcile_apply(PGconn *conn, const reconcile_args_t *a, const char *id,
    const char *status)
{
    const char  *params[] = { id, a->by, a->note };
    const char  *n;
    PGresult    *res;
    int          paid;

    res = db_query(conn, "cannot resolve the mismatch",
                   reconcile_resolve_sql, 3, params);
    if (res == NULL) {
        return ADMIN_FAIL;
    }
    n = PQcmdTuples(res);
    if (strcmp(n, "0") == 0) {
        cli_error("order %s has no open payment mismatch", a->number);
        PQclear(res);
        return ADMIN_FAIL;
    }
    printf("resolved %s mismatch%s of order %s\n", n,
           strcmp(n, "1") == 0 ? "" : "es", a->number);
    PQclear(res);

    paid = !a->keep_status && strcmp(status, "payment_mismatch") == 0;
    if (paid && (db_run(conn, "cannot mark the order paid",
                        reconcile_paid_sql, 1, params) != 0
                 || db_run(conn, "cannot record the order's history",
                           reconcile_history_sql, 3, params) != 0))
    {
        return ADMIN_FAIL;
    }
    printf("order %s: %s\n", a->number,
           paid ? "payment_mismatch -> paid" : status);
    return ADMIN_OK;
}

/* admin_notifications: "notifications list" and "notifications resend". */

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "admin_db.h"

#define NOTIF_LIST_DEFAULT  50
#define NOTIF_LIST_MAX      10000
#define NOTIF_ERROR_WIDTH   60

/* The channel the worker LISTENs on: a resend wakes idle workers. */
#define NOTIF_CHANNEL  "orderhooks_webhook_events"

/* The states of orderhooks.notifications, as in its CHECK constraint. */
static const char  *notif_states[] = {
    "pending", "sending", "retry", "sent", "failed", NULL
};

static const char  notif_list_sql[] =
    "SELECT n.id, to_char(n.created_at, 'YYYY-MM-DD HH24:MI:SS'),"
    " o.order_number, n.kind, n.state, n.attempts,"
    " to_char(CASE n.state WHEN 'sent' THEN n.sent_at"
    "              WHEN 'sending' THEN n.sending_until"
    "              ELSE n.next_attempt_at END, 'YYYY-MM-DD HH24:MI:SS'),"
    " n.recipient, coalesce(n.last_error, '')"
    " FROM orderhooks.notifications n"
    " JOIN orderhooks.orders o ON o.id = n.order_id"
    " WHERE ($1::text IS NULL OR n.state = $1)"
    " AND ($2::text IS NULL OR o.order_number = $2)"
    " ORDER BY n.id DESC LIMIT $3::integer";

/*
 * Back to the queue with the same Message-ID: due now, attempts
 * restarted, last_error kept until the next attempt.  A notification
 * being sent under a live lease is left alone.
 */
static const char  notif_resend_sql[] =
    "UPDATE orderhooks.notifications"
    " SET state = 'pending', attempts = 0, next_attempt_at = now(),"
    " sending_until = NULL, updated_at = now()"
    " WHERE id = $1::bigint"
    " AND (state IN ('sent', 'failed', 'retry')"
    "      OR (state = 'sending' AND sending_until <= now()))"
    " RETURNING kind, message_id";


static int notif_usage(FILE *out);
static int notif_list(const admin_opts_t *opts, int argc, char **argv);
static int notif_is_state(const char *state);
static void notif_list_print(const PGresult *res);
static int notif_resend(const admin_opts_t *opts, int argc, char **argv);
static int notif_refused(PGconn *conn, const char *id);


int
notifications_command(const admin_opts_t *opts, int argc, char **argv)
{
    if (argc < 2) {
        notif_usage(stderr);
        return ADMIN_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        return notif_usage(stdout);
    }
    if (strcmp(argv[1], "list") == 0) {
        return notif_list(opts, argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "resend") == 0) {
        return notif_resend(opts, argc - 1, argv + 1);
    }
    return cli_usage("notifications", "unknown subcommand 'notifications %s'",
                     argv[1]);
}


static int
notif_usage(FILE *out)
{
    fprintf(out,
"Usage: orderhooks-admin notifications list [--state S] [--order N]"
" [--limit N]\n"
"       orderhooks-admin notifications resend <id>\n"
"\n"
"list:   customer notifications, newest first (default limit %d, at most\n"
"        %d); --state is one of pending, sending, retry, sent, failed.\n"
"        'when' is sent_at for sent ones, the lease end while sending,\n"
"        else the next attempt.\n"
"resend: queue one notification again (sent, failed or retry) with the\n"
"        same Message-ID, due now, and wake the workers.\n",
            NOTIF_LIST_DEFAULT, NOTIF_LIST_MAX);
    return out == stdout ? ADMIN_OK : ADMIN_USAGE;
}


static int
notif_list(const admin_opts_t *opts, int argc, char **argv)
{
    static const struct option  longopts[] = {
        { "state", required_argument, NULL, 's' },
        { "order", required_argument, NULL, 'o' },
        { "limit", required_argument, NULL, 'l' },
        { "help",  no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char  *params[3] = { NULL, NULL, NULL };
    char         limit[24];
    long         n = NOTIF_LIST_DEFAULT;
    PGresult    *res;
    PGconn      *conn;
    int          c;

    cli_getopt_begin();
    while ((c = cli_getopt("notifications", argc, argv, ":h", longopts))
           != -1)
    {
        switch (c) {
        case 's': params[0] = optarg; break;
        case 'o': params[1] = optarg; break;
        case 'l':
            if (cli_parse_long(optarg, 1, NOTIF_LIST_MAX, &n) != 0) {
                return cli_usage("notifications",
                                 "invalid --limit '%s' (1-%d)", optarg,
                                 NOTIF_LIST_MAX);
            }
            break;
        case 'h': return notif_usage(stdout);
        default:  return ADMIN_USAGE;
        }
    }
    if (cli_optind() < argc) {
        return cli_usage("notifications", "unexpected argument '%s'",
                         argv[cli_optind()]);
    }
    if (params[0] != NULL && !notif_is_state(params[0])) {
        return cli_usage("notifications", "unknown state '%s'", params[0]);
    }
    snprintf(limit, sizeof(limit), "%ld", n);
    params[2] = limit;

    conn = db_connect(opts->conninfo);
    if (conn == NULL) {
        return ADMIN_FAIL;
    }
    res = db_query(conn, "cannot list notifications", notif_list_sql, 3,
                   params);
    PQfinish(conn);
    if (res == NULL) {
        return ADMIN_FAIL;
    }
    notif_list_print(res);
    PQclear(res);
    return ADMIN_OK;
}


static int
notif_is_state(const char *state)
{
    int  i;

    for (i = 0; notif_states[i] != NULL; i++) {
        if (strcmp(notif_states[i], state) == 0) {
            return 1;
        }
    }
    return 0;
}


static void
notif_list_print(const PGresult *res)
{
    int  r;

    printf("%-8s %-19s %-16s %-18s %-7s %3s %-19s %-24s %s\n", "id",
           "created_at", "order", "kind", "state", "try", "when",
           "recipient", "error");
    for (r = 0; r < PQntuples(res); r++) {
        printf("%-8s %-19s %-16s %-18s %-7s %3s %-19s %-24s %.*s\n",
               PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
               PQgetvalue(res, r, 2), PQgetvalue(res, r, 3),
               PQgetvalue(res, r, 4), PQgetvalue(res, r, 5),
               PQgetvalue(res, r, 6), PQgetvalue(res, r, 7),
               NOTIF_ERROR_WIDTH, PQgetvalue(res, r, 8));
    }
    printf("(%d notification%s)\n", PQntuples(res),
           PQntuples(res) == 1 ? "" : "s");
}


static int
notif_resend(const admin_opts_t *opts, int argc, char **argv)
{
    static const struct option  longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char  *params[1], *wake[1] = { NOTIF_CHANNEL };
    PGresult    *res;
    PGconn      *conn;
    long         id;
    int          c, rc = ADMIN_OK;

    cli_getopt_begin();
    while ((c = cli_getopt("notifications", argc, argv, ":h", longopts))
           != -1)
    {
        switch (c) {
        case 'h': return notif_usage(stdout);
        default:  return ADMIN_USAGE;
        }
    }
    if (cli_optind() != argc - 1
        || cli_parse_long(argv[cli_optind()], 1, LONG_MAX, &id) != 0)
    {
        return cli_usage("notifications", "expected one notification id");
    }
    params[0] = argv[cli_optind()];
    conn = db_connect(opts->conninfo);
    if (conn == NULL) {
        return ADMIN_FAIL;
    }
    res = db_query(conn, "cannot resend the notification", notif_resend_sql,
                   1, params);
    if (res == NULL) {
        rc = ADMIN_FAIL;
    } else if (PQntuples(res) == 0) {
        rc = notif_refused(conn, params[0]);
    } else {
        printf("notification %s (%s) is pending again, Message-ID %s\n",
               params[0], PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
        if (db_run(conn, "cannot wake the workers",
                   "SELECT pg_notify($1, '')", 1, wake) != 0)
        {
            rc = ADMIN_FAIL;
        }
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}


/* Says why nothing was queued. */
static int
notif_refused(PGconn *conn, const char *id)
{
    const char  *params[] = { id };
    PGresult    *res;
    int          rc = ADMIN_FAIL;

    res = db_query(conn, "cannot read the notification",
                   "SELECT state FROM orderhooks.notifications"
                   " WHERE id = $1::bigint", 1, params);
    if (res == NULL) {
        return ADMIN_FAIL;
    }
    if (PQntuples(res) == 0) {
        cli_error("no notification %s", id);
    } else if (strcmp(PQgetvalue(res, 0, 0), "pending") == 0) {
        printf("notification %s is already pending\n", id);
        rc = ADMIN_OK;
    } else {
        cli_error("notification %s is being sent right now; try again "
                  "after its lease", id);
    }
    PQclear(res);
    return rc;
}

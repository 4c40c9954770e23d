/* admin_events: "events stats" (webhook stats) and "events list". */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin.h"
#include "admin_db.h"

#define EVENTS_LIST_DEFAULT  50
#define EVENTS_LIST_MAX      10000
#define EVENTS_ERROR_WIDTH   60

/* The states of orderhooks.webhook_events, as in its CHECK constraint. */
static const char  *events_states[] = {
    "pending", "retry", "done", "ignored", "dead", "rejected", NULL
};

/* Counts per source (ROLLUP adds the all-sources row, source NULL). */
static const char  events_stats_sql[] =
    "SELECT source,"
    " count(*) FILTER (WHERE state = 'pending'),"
    " count(*) FILTER (WHERE state = 'retry'),"
    " count(*) FILTER (WHERE state = 'done'),"
    " count(*) FILTER (WHERE state = 'ignored'),"
    " count(*) FILTER (WHERE state = 'dead'),"
    " count(*) FILTER (WHERE state = 'rejected'),"
    " count(*)"
    " FROM orderhooks.webhook_events"
    " WHERE $1::interval IS NULL OR received_at >= now() - $1::interval"
    " GROUP BY ROLLUP (source) ORDER BY source NULLS LAST";

/* The backlog, whatever --since says: oldest unprocessed and due now. */
static const char  events_backlog_sql[] =
    "SELECT (SELECT count(*) FROM orderhooks.webhook_events"
    "         WHERE state IN ('pending', 'retry')"
    "         AND next_attempt_at <= now()),"
    " o.id, o.source,"
    " extract(epoch FROM date_trunc('second', now() - o.received_at))"
    "   ::bigint,"
    " justify_interval(date_trunc('second', now() - o.received_at))"
    " FROM (SELECT 1) one LEFT JOIN LATERAL"
    " (SELECT id, source, received_at FROM orderhooks.webhook_events"
    "   WHERE state IN ('pending', 'retry')"
    "   ORDER BY received_at, id LIMIT 1) o ON true";

static const char  events_list_sql[] =
    "SELECT id, to_char(received_at, 'YYYY-MM-DD HH24:MI:SS'), source,"
    " coalesce(event_type, ''), state, attempts,"
    " to_char(next_attempt_at, 'YYYY-MM-DD HH24:MI:SS'),"
    " coalesce(last_error, reject_reason, '')"
    " FROM orderhooks.webhook_events"
    " WHERE ($1::text IS NULL OR state = $1)"
    " AND ($2::text IS NULL OR source = $2)"
    " ORDER BY id DESC LIMIT $3::integer";


static int events_usage(FILE *out);
static int events_stats(const admin_opts_t *opts, int argc, char **argv);
static int events_check_interval(PGconn *conn, const char *since);
static void events_stats_text(const PGresult *counts,
    const PGresult *backlog, const char *since);
static int events_stats_json(const PGresult *counts,
    const PGresult *backlog, const char *since);
static int events_list(const admin_opts_t *opts, int argc, char **argv);
static int events_is_state(const char *state);
static void events_list_print(const PGresult *res);


int
events_command(const admin_opts_t *opts, int argc, char **argv)
{
    if (argc < 2) {
        events_usage(stderr);
        return ADMIN_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        return events_usage(stdout);
    }
    if (strcmp(argv[1], "stats") == 0) {
        return events_stats(opts, argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "list") == 0) {
        return events_list(opts, argc - 1, argv + 1);
    }
    return cli_usage("events", "unknown subcommand 'events %s'", argv[1]);
}


static int
events_usage(FILE *out)
{
    fprintf(out,
"Usage: orderhooks-admin events stats [--since INTERVAL] [--json]\n"
"       orderhooks-admin events list [--state S] [--source S] [--limit N]\n"
"\n"
"stats: webhook events counted by source and state (received within\n"
"       INTERVAL, a PostgreSQL interval such as '24 hours' or '7 days';\n"
"       default all), plus the backlog: events due now and the age of\n"
"       the oldest pending/retry event.\n"
"list:  the newest events first (default limit %d, at most %d); --state\n"
"       is one of pending, retry, done, ignored, dead, rejected.\n",
            EVENTS_LIST_DEFAULT, EVENTS_LIST_MAX);
    return out == stdout ? ADMIN_OK : ADMIN_USAGE;
}


static int
events_stats(const admin_opts_t *opts, int argc, char **argv)
{
    static const struct option  longopts[] = {
        { "since", required_argument, NULL, 's' },
        { "json",  no_argument,       NULL, 'j' },
        { "help",  no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char  *since = NULL, *params[1];
    PGresult    *counts, *backlog = NULL;
    PGconn      *conn;
    int          c, json = 0, rc = ADMIN_FAIL;

    cli_getopt_begin();
    while ((c = cli_getopt("events", argc, argv, ":h", longopts)) != -1) {
        switch (c) {
        case 's': since = optarg; break;
        case 'j': json = 1; break;
        case 'h': return events_usage(stdout);
        default:  return ADMIN_USAGE;
        }
    }
    if (cli_optind() < argc) {
        return cli_usage("events", "unexpected argument '%s'",
                         argv[cli_optind()]);
    }
    conn = db_connect(opts->conninfo);
    if (conn == NULL) {
        return ADMIN_FAIL;
    }
    if (since != NULL && (rc = events_check_interval(conn, since)) != 0) {
        PQfinish(conn);
        return rc;
    }
    params[0] = since;
    counts = db_query(conn, "cannot count webhook events", events_stats_sql,
                      1, params);
    if (counts != NULL) {
        backlog = db_query(conn, "cannot measure the backlog",
                           events_backlog_sql, 0, NULL);
    }
    if (backlog != NULL) {
        rc = ADMIN_OK;
        if (json) {
            rc = events_stats_json(counts, backlog, since);
        } else {
            events_stats_text(counts, backlog, since);
        }
    }
    PQclear(counts);
    PQclear(backlog);
    PQfinish(conn);
    return rc;
}


/* 0 when valid; a usage error for text PostgreSQL cannot read. */
static int
events_check_interval(PGconn *conn, const char *since)
{
    const char  *params[] = { since };
    PGresult    *res;
    int          rc = ADMIN_OK;

    res = db_exec(conn, "SELECT $1::interval", 1, params);
    if (!db_ok(res)) {
        if (strncmp(db_sqlstate(res), "22", 2) == 0) {
            rc = cli_usage("events", "invalid --since interval '%s'", since);
        } else {
            db_report("cannot check --since", res);
            rc = ADMIN_FAIL;
        }
    }
    PQclear(res);
    return rc;
}


static void
events_stats_text(const PGresult *counts, const PGresult *backlog,
    const char *since)
{
    const char  *src;
    int          r, s;

    printf("webhook events received %s%s\n", since ? "in the last " : "",
           since ? since : "at any time");
    printf("%-16s", "source");
    for (s = 0; events_states[s] != NULL; s++) {
        printf(" %9s", events_states[s]);
    }
    printf(" %9s\n", "total");
    for (r = 0; r < PQntuples(counts); r++) {
        src = db_value(counts, r, 0);
        printf("%-16s", src ? src : "(all)");
        for (s = 1; s <= 7; s++) {
            printf(" %9s", PQgetvalue(counts, r, s));
        }
        printf("\n");
    }
    printf("due now: %s\n", PQgetvalue(backlog, 0, 0));
    if (PQgetisnull(backlog, 0, 1)) {
        printf("oldest pending: none\n");
    } else {
        printf("oldest pending: event %s (%s), %s old\n",
               PQgetvalue(backlog, 0, 1), PQgetvalue(backlog, 0, 2),
               PQgetvalue(backlog, 0, 4));
    }
}


static int
events_stats_json(const PGresult *counts, const PGresult *backlog,
    const char *since)
{
    cJSON       *root, *by, *row, *oldest;
    const char  *src;
    char        *text;
    int          r, s;

    root = cJSON_CreateObject();
    by = cJSON_AddObjectToObject(root, "sources");
    cJSON_AddItemToObject(root, "since", since ? cJSON_CreateString(since)
                                               : cJSON_CreateNull());
    for (r = 0; by != NULL && r < PQntuples(counts); r++) {
        src = db_value(counts, r, 0);
        row = src ? cJSON_AddObjectToObject(by, src)
                  : cJSON_AddObjectToObject(root, "total");
        for (s = 0; row != NULL && events_states[s] != NULL; s++) {
            cJSON_AddNumberToObject(row, events_states[s],
                                    atof(PQgetvalue(counts, r, s + 1)));
        }
        cJSON_AddNumberToObject(row, "total", atof(PQgetvalue(counts, r, 7)));
    }
    cJSON_AddNumberToObject(root, "due_now", atof(PQgetvalue(backlog, 0, 0)));
    oldest = cJSON_AddObjectToObject(root, "oldest_pending");
    if (!PQgetisnull(backlog, 0, 1) && oldest != NULL) {
        cJSON_AddNumberToObject(oldest, "id", atof(PQgetvalue(backlog, 0, 1)));
        cJSON_AddStringToObject(oldest, "source", PQgetvalue(backlog, 0, 2));
        cJSON_AddNumberToObject(oldest, "age_seconds",
                                atof(PQgetvalue(backlog, 0, 3)));
    }
    text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (text == NULL) {
        cli_error("out of memory");
        return ADMIN_FAIL;
    }
    printf("%s\n", text);
    cJSON_free(text);
    return ADMIN_OK;
}


static int
events_list(const admin_opts_t *opts, int argc, char **argv)
{
    static const struct option  longopts[] = {
        { "state",  required_argument, NULL, 's' },
        { "source", required_argument, NULL, 'o' },
        { "limit",  required_argument, NULL, 'l' },
        { "help",   no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char  *params[3] = { NULL, NULL, NULL };
    char         limit[24];
    long         n = EVENTS_LIST_DEFAULT;
    PGresult    *res;
    PGconn      *conn;
    int          c;

    cli_getopt_begin();
    while ((c = cli_getopt("events", argc, argv, ":h", longopts)) != -1) {
        switch (c) {
        case 's': params[0] = optarg; break;
        case 'o': params[1] = optarg; break;
        case 'l':
            if (cli_parse_long(optarg, 1, EVENTS_LIST_MAX, &n) != 0) {
                return cli_usage("events", "invalid --limit '%s' (1-%d)",
                                 optarg, EVENTS_LIST_MAX);
            }
            break;
        case 'h': return events_usage(stdout);
        default:  return ADMIN_USAGE;
        }
    }
    if (cli_optind() < argc) {
        return cli_usage("events", "unexpected argument '%s'",
                         argv[cli_optind()]);
    }
    if (params[0] != NULL && !events_is_state(params[0])) {
        return cli_usage("events", "unknown state '%s'", params[0]);
    }
    snprintf(limit, sizeof(limit), "%ld", n);
    params[2] = limit;

    conn = db_connect(opts->conninfo);
    if (conn == NULL) {
        return ADMIN_FAIL;
    }
    res = db_query(conn, "cannot list webhook events", events_list_sql, 3,
                   params);
    PQfinish(conn);
    if (res == NULL) {
        return ADMIN_FAIL;
    }
    events_list_print(res);
    PQclear(res);
    return ADMIN_OK;
}


static int
events_is_state(const char *state)
{
    int  i;

    for (i = 0; events_states[i] != NULL; i++) {
        if (strcmp(events_states[i], state) == 0) {
            return 1;
        }
    }
    return 0;
}


static void
events_list_print(const PGresult *res)
{
    int  r;

    printf("%-8s %-19s %-10s %-28s %-8s %3s %-19s %s\n", "id", "received_at",
           "source", "event_type", "state", "try", "next_attempt_at",
           "error");
    for (r = 0; r < PQntuples(res); r++) {
        printf("%-8s %-19s %-10s %-28s %-8s %3s %-19s %.*s\n",
               PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
               PQgetvalue(res, r, 2), PQgetvalue(res, r, 3),
               PQgetvalue(res, r, 4), PQgetvalue(res, r, 5),
               PQgetvalue(res, r, 6), EVENTS_ERROR_WIDTH,
               PQgetvalue(res, r, 7));
    }
    printf("(%d event%s)\n", PQntuples(res), PQntuples(res) == 1 ? "" : "s");
}

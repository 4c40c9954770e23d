/* admin_replay: puts one event, or every dead event, back to pending. */

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "admin_db.h"

/* The channel the worker LISTENs on (sql/002_orders.sql's trigger). */
#define REPLAY_CHANNEL  "orderhooks_webhook_events"

/*
 * Back to the queue: due now, attempts restarted.  last_error is kept so
 * the reason of the earlier failure stays visible until the worker's next
 * attempt overwrites it; processed_at is cleared.  Rejected events (never
 * verified) and pending ones are left alone; done events only with
 * --force.  The row lock makes a replay wait for a worker holding it.
 */
static const char  replay_one_sql[] =
    "UPDATE orderhooks.webhook_events"
    " SET state = 'pending', attempts = 0, next_attempt_at = now(),"
    " processed_at = NULL"
    " WHERE id = $1::bigint"
    " AND (state IN ('retry', 'dead', 'ignored')"
    "      OR (state = 'done' AND $2::boolean))"
    " RETURNING source";

static const char  replay_dead_sql[] =
    "WITH r AS (UPDATE orderhooks.webhook_events"
    " SET state = 'pending', attempts = 0, next_attempt_at = now(),"
    " processed_at = NULL"
    " WHERE state = 'dead' AND ($1::text IS NULL OR source = $1)"
    " RETURNING id)"
    " SELECT count(*) FROM r";


static int replay_usage(void);
static int replay_one(PGconn *conn, const char *id, int force);
static int replay_refused(PGconn *conn, const char *id);
static int replay_dead(PGconn *conn, const char *source);
static int replay_notify(PGconn *conn);


int
replay_command(const admin_opts_t *opts, int argc, char **argv)
{
    static const struct option  longopts[] = {
        { "dead",   no_argument,       NULL, 'd' },
        { "source", required_argument, NULL, 's' },
        { "force",  no_argument,       NULL, 'f' },
        { "help",   no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char  *source = NULL;
    PGconn      *conn;
    long         id;
    int          c, dead = 0, force = 0, rc;

    cli_getopt_begin();
    while ((c = cli_getopt("replay", argc, argv, ":h", longopts)) != -1) {
        switch (c) {
        case 'd': dead = 1; break;
        case 's': source = optarg; break;
        case 'f': force = 1; break;
        case 'h': return replay_usage();
        default:  return ADMIN_USAGE;
        }
    }
    if (dead ? cli_optind() != argc : cli_optind() != argc - 1) {
        return cli_usage("replay", "expected either <event id> or --dead");
    }
    if (!dead && (source != NULL
                  || cli_parse_long(argv[cli_optind()], 1, LONG_MAX, &id)))
    {
        return cli_usage("replay", source ? "--source goes with --dead"
                         : "invalid event id '%s'", argv[cli_optind()]);
    }
    if (dead && force) {
        return cli_usage("replay", "--force goes with one event id");
    }
    conn = db_connect(opts->conninfo);
    if (conn == NULL) {
        return ADMIN_FAIL;
    }
    rc = dead ? replay_dead(conn, source)
              : replay_one(conn, argv[cli_optind()], force);
    if (rc == ADMIN_OK && replay_notify(conn) != 0) {
        rc = ADMIN_FAIL;
    }
    PQfinish(conn);
    return rc;
}


static int
replay_usage(void)
{
    printf(
"Usage: orderhooks-admin replay <event id> [--force]\n"
"       orderhooks-admin replay --dead [--source S]\n"
"\n"
"Puts webhook events back to 'pending' with attempts 0, due now, and\n"
"wakes the workers.  last_error is kept until the next attempt.\n"
"\n"
"  <event id>   one event in state dead, retry or ignored\n"
"  --force      also replay an event already 'done'\n"
"  --dead       every event in state dead\n"
"  --source S   with --dead: only events of this source\n"
"\n"
"Rejected events (failed verification) are never replayed.\n");
    return ADMIN_OK;
}


static int
replay_one(PGconn *conn, const char *id, int force)
{
    const char  *params[] = { id, force ? "true" : "false" };
    PGresult    *res;

    res = db_query(conn, "cannot replay the event", replay_one_sql, 2,
                   params);
    if (res == NULL) {
        return ADMIN_FAIL;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        return replay_refused(conn, id);
    }
    printf("event %s (%s) is pending again\n", id, PQgetvalue(res, 0, 0));
    PQclear(res);
    return ADMIN_OK;
}


/* Says why nothing was updated. */
static int
replay_refused(PGconn *conn, const char *id)
{
    const char  *params[] = { id };
    const char  *state;
    PGresult    *res;
    int          rc = ADMIN_FAIL;

    res = db_query(conn, "cannot read the event",
                   "SELECT state FROM orderhooks.webhook_events"
                   " WHERE id = $1::bigint", 1, params);
    if (res == NULL) {
        return ADMIN_FAIL;
    }
    if (PQntuples(res) == 0) {
        cli_error("no webhook event %s", id);
        PQclear(res);
        return ADMIN_FAIL;
    }
    state = PQgetvalue(res, 0, 0);
    if (strcmp(state, "pending") == 0) {
        printf("event %s is already pending\n", id);
        rc = ADMIN_OK;
    } else if (strcmp(state, "done") == 0) {
        cli_error("event %s is done; use --force to apply it again", id);
    } else {
        cli_error("event %s is %s and cannot be replayed", id, state);
    }
    PQclear(res);
    return rc;
}


static int
replay_dead(PGconn *conn, const char *source)
{
    const char  *params[] = { source };
    PGresult    *res;

    res = db_query(conn, "cannot replay dead events", replay_dead_sql, 1,
                   params);
    if (res == NULL) {
        return ADMIN_FAIL;
    }
    printf("replayed %s dead event%s%s%s\n", PQgetvalue(res, 0, 0),
           strcmp(PQgetvalue(res, 0, 0), "1") == 0 ? "" : "s",
           source ? " from " : "", source ? source : "");
    PQclear(res);
    return ADMIN_OK;
}


static int
replay_notify(PGconn *conn)
{
    const char  *params[] = { REPLAY_CHANNEL };

    return db_run(conn, "cannot wake the workers",
                  "SELECT pg_notify($1, '')", 1, params);
}

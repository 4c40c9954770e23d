/* admin_prune: deletes processed webhook events older than N days. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "admin_db.h"

#define PRUNE_BATCH      "5000"
#define PRUNE_MAX_DAYS   36500

/*
 * Only webhook_events rows are deleted, never payments, refunds,
 * reconciliation or orders: their webhook_event_id columns are plain
 * bigints (sql/002_orders.sql), so history keeps the id of a pruned
 * event.  Age is received_at.  Each batch is its own transaction.
 */
static const char  prune_cutoff_sql[] =
    "SELECT now() - make_interval(days => $1::integer)";

static const char  prune_count_sql[] =
    "SELECT state, count(*) FROM orderhooks.webhook_events"
    " WHERE state = ANY ($1::text[]) AND received_at < $2::timestamptz"
    " GROUP BY state ORDER BY state";

static const char  prune_batch_sql[] =
    "WITH d AS (DELETE FROM orderhooks.webhook_events WHERE id IN"
    " (SELECT id FROM orderhooks.webhook_events"
    "   WHERE state = ANY ($1::text[]) AND received_at < $2::timestamptz"
    "   ORDER BY id LIMIT $3::integer)"
    " RETURNING state)"
    " SELECT state, count(*) FROM d GROUP BY state";

/* Running totals per state, in the order of prune_states. */
typedef struct {
    long  counts[4];
    long  total;
} prune_tally_t;

static const char  *prune_states[] = {
    "done", "ignored", "rejected", "dead", NULL
};


static int prune_usage(void);
static int prune_cutoff(PGconn *conn, long days, char *buf, size_t size);
static void prune_add(prune_tally_t *t, const PGresult *res);
static int prune_count(PGconn *conn, const char *const *params,
    prune_tally_t *t);
static int prune_delete(PGconn *conn, const char *const *params,
    prune_tally_t *t);
static void prune_print(const char *verb, const prune_tally_t *t, long days,
    int dead);


int
prune_command(const admin_opts_t *opts, int argc, char **argv)
{
    static const struct option  longopts[] = {
        { "older-than",   required_argument, NULL, 'o' },
        { "dry-run",      no_argument,       NULL, 'n' },
        { "include-dead", no_argument,       NULL, 'd' },
        { "help",         no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char     *params[3];
    char            cutoff[64];
    prune_tally_t   tally;
    PGconn         *conn;
    long            days = -1;
    int             c, dry = 0, dead = 0, rc;

    cli_getopt_begin();
    while ((c = cli_getopt("prune", argc, argv, ":h", longopts)) != -1) {
        switch (c) {
        case 'o':
            if (cli_parse_long(optarg, 0, PRUNE_MAX_DAYS, &days) != 0) {
                return cli_usage("prune", "invalid --older-than '%s' "
                                 "(whole days, 0-%d)", optarg,
                                 PRUNE_MAX_DAYS);
            }
            break;
        case 'n': dry = 1; break;
        case 'd': dead = 1; break;
        case 'h': return prune_usage();
        default:  return ADMIN_USAGE;
        }
    }
    if (cli_optind() < argc) {
        return cli_usage("prune", "unexpected argument '%s'",
                         argv[cli_optind()]);
    }
    if (days < 0) {
        return cli_usage("prune", "--older-than <days> is required");
    }
    conn = db_connect(opts->conninfo);
    if (conn == NULL) {
        return ADMIN_FAIL;
    }
    memset(&tally, 0, sizeof(tally));
    params[0] = dead ? "{done,ignored,rejected,dead}"
                     : "{done,ignored,rejected}";
    params[1] = cutoff;
    params[2] = PRUNE_BATCH;
    rc = prune_cutoff(conn, days, cutoff, sizeof(cutoff));
    if (rc == 0) {
        rc = dry ? prune_count(conn, params, &tally)
                 : prune_delete(conn, params, &tally);
    }
    PQfinish(conn);
    if (rc != 0) {
        return ADMIN_FAIL;
    }
    prune_print(dry ? "would delete" : "deleted", &tally, days, dead);
    return ADMIN_OK;
}


static int
prune_usage(void)
{
    printf(
"Usage: orderhooks-admin prune --older-than DAYS [--dry-run] "
"[--include-dead]\n"
"\n"
"Deletes webhook events received more than DAYS days ago whose\n"
"processing is over: states done, ignored and rejected.  Pending and\n"
"retry events are never deleted, nor are payments, refunds,\n"
"reconciliation records or orders.\n"
"\n"
"  --older-than DAYS  age in whole days (received_at)\n"
"  --dry-run          print the counts only; delete nothing\n"
"  --include-dead     also delete dead events (kept by default so they\n"
"                     can still be inspected and replayed)\n");
    return ADMIN_OK;
}


/* One cut-off for the whole run, so batches agree on what "old" is. */
static int
prune_cutoff(PGconn *conn, long days, char *buf, size_t size)
{
    char         d[24];
    const char  *params[] = { d };
    PGresult    *res;

    snprintf(d, sizeof(d), "%ld", days);
    res = db_query(conn, "cannot compute the cut-off", prune_cutoff_sql, 1,
                   params);
    if (res == NULL) {
        return -1;
    }
    snprintf(buf, size, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}


static void
prune_add(prune_tally_t *t, const PGresult *res)
{
    long  n;
    int   r, s;

    for (r = 0; r < PQntuples(res); r++) {
        n = atol(PQgetvalue(res, r, 1));
        for (s = 0; prune_states[s] != NULL; s++) {
            if (strcmp(prune_states[s], PQgetvalue(res, r, 0)) == 0) {
                t->counts[s] += n;
            }
        }
        t->total += n;
    }
}


static int
prune_count(PGconn *conn, const char *const *params, prune_tally_t *t)
{
    PGresult  *res;

    res = db_query(conn, "cannot count old webhook events", prune_count_sql,
                   2, params);
    if (res == NULL) {
        return -1;
    }
    prune_add(t, res);
    PQclear(res);
    return 0;
}


/* Batches until one deletes nothing; earlier batches stay deleted. */
static int
prune_delete(PGconn *conn, const char *const *params, prune_tally_t *t)
{
    PGresult  *res;
    long       before;

    do {
        res = db_query(conn, "cannot delete old webhook events",
                       prune_batch_sql, 3, params);
        if (res == NULL) {
            return -1;
        }
        before = t->total;
        prune_add(t, res);
        PQclear(res);
    } while (t->total > before);
    return 0;
}


static void
prune_print(const char *verb, const prune_tally_t *t, long days, int dead)
{
    int  s;

    printf("%s %ld webhook event%s received more than %ld day%s ago (",
           verb, t->total, t->total == 1 ? "" : "s", days,
           days == 1 ? "" : "s");
    for (s = 0; prune_states[s] != NULL; s++) {
        if (s == 3 && !dead) {
            break;
        }
        printf("%s%s %ld", s ? ", " : "", prune_states[s], t->counts[s]);
    }
    printf(")\n");
}

/* db: the worker's PostgreSQL connection and prepared statements. */

#include <stdio.h>
#include <string.h>
#include "apply.h"
#include "claim.h"
#include "db.h"
#include "log.h"

static void db_fill_error(PGconn *conn, const PGresult *res,
    db_error_t *err);


static void
db_fill_error(PGconn *conn, const PGresult *res, db_error_t *err)
{
    const char  *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE)
                             : NULL;
    const char  *msg = res ? PQresultErrorField(res,
                                                PG_DIAG_MESSAGE_PRIMARY)
                           : NULL;

    snprintf(err->sqlstate, sizeof(err->sqlstate), "%s",
             state ? state : "08006");
    if (msg == NULL) {
        msg = PQerrorMessage(conn);
    }
    snprintf(err->message, sizeof(err->message), "%s", msg);
    err->message[strcspn(err->message, "\n")] = '\0';
}


int
db_prepare(PGconn *conn, const db_stmt_t *stmts)
{
    PGresult    *res;
    db_error_t   err;

    for (; stmts->name != NULL; stmts++) {
        res = PQprepare(conn, stmts->name, stmts->sql, stmts->nparams,
                        NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            db_fill_error(conn, res, &err);
            log_write(LOG_LEVEL_ERROR, "cannot prepare statement",
                      "statement", stmts->name, "sqlstate", err.sqlstate,
                      "error", err.message, NULL);
            PQclear(res);
            return -1;
        }
        PQclear(res);
    }
    return 0;
}


PGconn *
db_connect(const char *conninfo)
{
    const char *const  keys[] = { "dbname", "fallback_application_name",
                                  NULL };
    const char *const  vals[] = { conninfo, "orderhooks-worker", NULL };
    PGconn            *conn;
    PGresult          *res;
    char               msg[DB_ERR_MAX];

    conn = PQconnectdbParams(keys, vals, 1);
    if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
        snprintf(msg, sizeof(msg), "%s",
                 conn ? PQerrorMessage(conn) : "out of memory");
        msg[strcspn(msg, "\n")] = '\0';
        log_write(LOG_LEVEL_ERROR, "cannot connect to PostgreSQL",
                  "host", conn ? PQhost(conn) : NULL,
                  "port", conn ? PQport(conn) : NULL, "error", msg, NULL);
        PQfinish(conn);
        return NULL;
    }
    /*
     * The statements take arrays whose sizes vary batch by batch: with
     * the default, PostgreSQL plans them afresh on every execution (a
     * custom plan costs about as much as running one).  One generic plan
     * each; they are made again whenever ANALYZE changes a table's
     * statistics, so they follow the tables as they grow.
     */
    res = PQexec(conn, "SET plan_cache_mode = force_generic_plan");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        log_write(LOG_LEVEL_WARN, "cannot set plan_cache_mode",
                  "error", PQerrorMessage(conn), NULL);
    }
    PQclear(res);
    if (db_prepare(conn, claim_statements) != 0
        || db_prepare(conn, apply_load_statements) != 0
        || db_prepare(conn, apply_save_statements) != 0)
    {
        PQfinish(conn);
        return NULL;
    }
    log_write(LOG_LEVEL_INFO, "connected to PostgreSQL",
              "host", PQhost(conn), "port", PQport(conn),
              "db", PQdb(conn), NULL);
    return conn;
}


int
db_command(PGconn *conn, const char *sql, db_error_t *err)
{
    PGresult  *res = PQexec(conn, sql);
    int        rc = 0;

    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        db_fill_error(conn, res, err);
        rc = -1;
    }
    PQclear(res);
    return rc;
}


PGresult *
db_exec(PGconn *conn, const char *name, int nparams,
    const char *const *params, int binary, db_error_t *err)
{
    PGresult  *res;

    res = PQexecPrepared(conn, name, nparams, params, NULL, NULL, binary);
    switch (PQresultStatus(res)) {
    case PGRES_TUPLES_OK:
    case PGRES_COMMAND_OK:
        return res;
    default:
        db_fill_error(conn, res, err);
        PQclear(res);
        return NULL;
    }
}


int
db_pipe_begin(db_pipe_t *p, PGconn *conn, db_error_t *err)
{
    memset(p, 0, sizeof(*p));
    p->conn = conn;
    if (PQenterPipelineMode(conn) != 1) {
        db_fill_error(conn, NULL, err);
        return -1;
    }
    return 0;
}


void
db_pipe_add(db_pipe_t *p, const char *name, int nparams,
    const char *const *params, int binary)
{
    if (p->failed) {
        return;
    }
    if (PQsendQueryPrepared(p->conn, name, nparams, params, NULL, NULL,
                            binary) != 1)
    {
        db_fill_error(p->conn, NULL, &p->err);
        p->failed = 1;
        return;
    }
    p->queued++;
}


void
db_pipe_add_command(db_pipe_t *p, const char *sql)
{
    if (p->failed) {
        return;
    }
    if (PQsendQueryParams(p->conn, sql, 0, NULL, NULL, NULL, NULL, 0) != 1) {
        db_fill_error(p->conn, NULL, &p->err);
        p->failed = 1;
        return;
    }
    p->queued++;
}


int
db_pipe_run(db_pipe_t *p, PGresult **keep, int nkeep, db_error_t *err)
{
    PGresult  *res;
    int        i, ok = !p->failed;

    for (i = 0; i < nkeep; i++) {
        keep[i] = NULL;
    }
    if (p->failed) {
        *err = p->err;
    }
    if (PQpipelineSync(p->conn) != 1) {
        if (ok) {
            db_fill_error(p->conn, NULL, err);
        }
        (void) PQexitPipelineMode(p->conn);
        return -1;
    }
    /* each statement's result, then a NULL; the sync's result ends it */
    for (i = 0; ; ) {
        res = PQgetResult(p->conn);
        if (res == NULL) {
            if (PQstatus(p->conn) != CONNECTION_OK) {
                if (ok) {
                    db_fill_error(p->conn, NULL, err);
                }
                return -1;
            }
            i++;
            continue;
        }
        switch (PQresultStatus(res)) {
        case PGRES_PIPELINE_SYNC:
            PQclear(res);
            (void) PQexitPipelineMode(p->conn);
            return ok ? 0 : -1;
        case PGRES_TUPLES_OK:
        case PGRES_COMMAND_OK:
            if (i < nkeep) {
                keep[i] = res;
                res = NULL;
            }
            break;
        case PGRES_PIPELINE_ABORTED:
            break;
        default:
            if (ok) {
                db_fill_error(p->conn, res, err);
                ok = 0;
            }
            break;
        }
        PQclear(res);
    }
}


#define DB_PIPE_PARAMS_MAX  32

void
db_pipe_add_arrays(db_pipe_t *p, const char *name, const char *const *pre,
    int npre, pgarray_t *arrays, int n)
{
    const char  *params[DB_PIPE_PARAMS_MAX];
    int          k, ok = npre + n <= DB_PIPE_PARAMS_MAX;

    for (k = 0; ok && k < npre; k++) {
        params[k] = pre[k];
    }
    for (k = 0; ok && k < n; k++) {
        params[npre + k] = pgarray_text(&arrays[k]);
        ok = params[npre + k] != NULL;
    }
    if (ok) {
        db_pipe_add(p, name, npre + n, params, 0);
    } else if (!p->failed) {
        (void) db_error_oom(&p->err);
        p->failed = 1;
    }
    for (k = 0; k < n; k++) {
        pgarray_free(&arrays[k]);
    }
}


int
db_error_oom(db_error_t *err)
{
    snprintf(err->sqlstate, sizeof(err->sqlstate), "53200");
    snprintf(err->message, sizeof(err->message), "out of memory");
    return -1;
}


int
db_error_permanent(const db_error_t *err)
{
    return strncmp(err->sqlstate, "22", 2) == 0
           || strncmp(err->sqlstate, "23", 2) == 0;
}


int
db_lost(PGconn *conn)
{
    return PQstatus(conn) != CONNECTION_OK;
}

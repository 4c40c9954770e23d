/* admin_db: connecting to PostgreSQL and running parameterised queries. */

#include <stdio.h>
#include <string.h>

#include "admin_db.h"


static void db_notice(void *arg, const PGresult *res);
static void db_first_line(const char *msg, char *buf, size_t size);


PGconn *
db_connect(const char *conninfo)
{
    const char  *keys[] = { "dbname", "fallback_application_name", NULL };
    const char  *vals[] = { conninfo, ADMIN_PROG, NULL };
    char         reason[512];
    PGconn      *conn;

    /* expand_dbname: a conninfo string or URI in "dbname" is expanded. */
    conn = PQconnectdbParams(keys, vals, 1);
    if (conn == NULL) {
        cli_error("cannot connect to the database: out of memory");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        db_first_line(PQerrorMessage(conn), reason, sizeof(reason));
        cli_error("cannot connect to the database: %s", reason);
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeReceiver(conn, db_notice, NULL);
    return conn;
}


PGresult *
db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
    return PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
}


int
db_ok(const PGresult *res)
{
    ExecStatusType  st;

    st = PQresultStatus(res);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}


PGresult *
db_query(PGconn *conn, const char *what, const char *sql, int nparams,
    const char *const *params)
{
    PGresult  *res;

    res = db_exec(conn, sql, nparams, params);
    if (db_ok(res)) {
        return res;
    }
    db_report(what, res);
    PQclear(res);
    return NULL;
}


int
db_run(PGconn *conn, const char *what, const char *sql, int nparams,
    const char *const *params)
{
    PGresult  *res;

    res = db_query(conn, what, sql, nparams, params);
    if (res == NULL) {
        return -1;
    }
    PQclear(res);
    return 0;
}


int
db_begin(PGconn *conn)
{
    return db_run(conn, "BEGIN", "BEGIN", 0, NULL);
}


int
db_commit(PGconn *conn)
{
    return db_run(conn, "COMMIT", "COMMIT", 0, NULL);
}


void
db_rollback(PGconn *conn)
{
    PGresult  *res;

    /* A failed ROLLBACK means a lost connection, reported already. */
    res = PQexec(conn, "ROLLBACK");
    PQclear(res);
}


void
db_report(const char *what, const PGresult *res)
{
    const char  *primary;
    const char  *detail;
    char         line[512];

    primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (primary == NULL) {
        db_first_line(res ? PQresultErrorMessage(res) : "out of memory",
                      line, sizeof(line));
        primary = line[0] ? line : "connection lost";
    }
    detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    if (detail != NULL) {
        cli_error("%s: %s (%s)", what, primary, detail);
    } else {
        cli_error("%s: %s", what, primary);
    }
}


const char *
db_sqlstate(const PGresult *res)
{
    const char  *state;

    state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return state ? state : "";
}


const char *
db_value(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col)) {
        return NULL;
    }
    return PQgetvalue(res, row, col);
}


/* NOTICEs ("already exists, skipping") are noise; warnings are shown. */
static void
db_notice(void *arg, const PGresult *res)
{
    const char  *severity, *msg;

    (void) arg;
    severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity == NULL || strcmp(severity, "WARNING") != 0) {
        return;
    }
    msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    cli_error("warning: %s", msg ? msg : "(no message)");
}


/* libpq messages end in "\n" and may add hint lines: keep the first. */
static void
db_first_line(const char *msg, char *buf, size_t size)
{
    size_t  n;

    n = strcspn(msg, "\n");
    if (n >= size) {
        n = size - 1;
    }
    memcpy(buf, msg, n);
    buf[n] = '\0';
}

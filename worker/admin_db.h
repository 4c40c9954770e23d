/* admin_db: connecting to PostgreSQL and running parameterised queries. */

#ifndef OH_ADMIN_DB_H
#define OH_ADMIN_DB_H

#include <libpq-fe.h>

#include "admin_cli.h"

/*
 * Connects with `conninfo` (key=value or URI; NULL: libpq's PG* defaults).
 * On failure prints libpq's reason (never the conninfo) and returns NULL.
 */
PGconn *db_connect(const char *conninfo) ADMIN_WUR;

/* Runs one parameterised statement; the caller checks with db_ok. */
PGresult *db_exec(PGconn *conn, const char *sql, int nparams,
    const char *const *params) ADMIN_WUR;

/* Whether a result is COMMAND_OK or TUPLES_OK (false for NULL). */
int db_ok(const PGresult *res);

/*
 * Runs one parameterised statement (text parameters, NULL entries are SQL
 * NULL).  Returns the result, or NULL after printing the server's message
 * prefixed by `what`.
 */
PGresult *db_query(PGconn *conn, const char *what, const char *sql,
    int nparams, const char *const *params) ADMIN_WUR;

/* db_query for statements without a result the caller needs: 0 or -1. */
int db_run(PGconn *conn, const char *what, const char *sql, int nparams,
    const char *const *params) ADMIN_WUR;

/* BEGIN / COMMIT / ROLLBACK; the first two return 0 or -1. */
int db_begin(PGconn *conn) ADMIN_WUR;
int db_commit(PGconn *conn) ADMIN_WUR;
void db_rollback(PGconn *conn);

/* Prints "<what>: <server message>" for a failed result. */
void db_report(const char *what, const PGresult *res);

/* SQLSTATE of a failed result, "" when there is none. */
const char *db_sqlstate(const PGresult *res);

/* Text of a column, or NULL when the value is SQL NULL. */
const char *db_value(const PGresult *res, int row, int col);

#endif /* OH_ADMIN_DB_H */

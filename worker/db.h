/* db: the worker's PostgreSQL connection and prepared statements. */

#ifndef OH_WORKER_DB_H
#define OH_WORKER_DB_H

#include <libpq-fe.h>
#include "pgarray.h"

#define DB_ERR_MAX  256

typedef struct {
    const char  *name;
    const char  *sql;
    int          nparams;
} db_stmt_t;

/* An error kept for the event's last_error and the log. */
typedef struct {
    char  sqlstate[6];
    char  message[DB_ERR_MAX];
} db_error_t;

/*
 * Connects with `conninfo` ("" = libpq environment defaults), sets
 * fallback_application_name and prepares every worker statement.
 * Returns the connection, or NULL after logging why (host and port only,
 * never the conninfo).
 */
PGconn *db_connect(const char *conninfo);

/*
 * Prepares a NULL-terminated list of statements (for concerns that are
 * switched on by configuration).  Returns 0, or -1 (logged).
 */
int db_prepare(PGconn *conn, const db_stmt_t *stmts)
    __attribute__((warn_unused_result));

/* Runs a statement without parameters; returns 0, or -1 (err filled). */
int db_command(PGconn *conn, const char *sql, db_error_t *err)
    __attribute__((warn_unused_result));

/*
 * Runs prepared statement `name`; text parameters, results in `binary`
 * or text format.  Returns the result when its status is
 * PGRES_TUPLES_OK or PGRES_COMMAND_OK, else NULL with `err` filled.
 */
PGresult *db_exec(PGconn *conn, const char *name, int nparams,
    const char *const *params, int binary, db_error_t *err)
    __attribute__((warn_unused_result));

/*
 * Statements queued on a connection and sent in one round trip (libpq
 * pipeline mode); they run in order, and after a failure the rest are
 * skipped by the server.
 */
typedef struct {
    PGconn      *conn;
    int          queued;
    int          failed;           /* a send failed: `err` filled */
    db_error_t   err;
} db_pipe_t;

/* Enters pipeline mode.  Returns 0, or -1 (`err` filled). */
int db_pipe_begin(db_pipe_t *p, PGconn *conn, db_error_t *err)
    __attribute__((warn_unused_result));

/* Queues prepared statement `name` (text parameters; results in `binary`
 * or text format). */
void db_pipe_add(db_pipe_t *p, const char *name, int nparams,
    const char *const *params, int binary);

/* Queues a statement without parameters, e.g. "COMMIT". */
void db_pipe_add_command(db_pipe_t *p, const char *sql);

/*
 * Sends the queue and reads every result, then leaves pipeline mode.
 * The result of the i-th queued statement goes to keep[i] for i < nkeep
 * (the caller clears it; NULL when it failed or was skipped).  Returns 0,
 * or -1 with `err` holding the first failure.
 */
int db_pipe_run(db_pipe_t *p, PGresult **keep, int nkeep, db_error_t *err)
    __attribute__((warn_unused_result));

/*
 * Queues prepared statement `name` with `npre` text parameters followed
 * by the `n` array literals of `arrays` (which it frees); an allocation
 * failure fails the pipe instead.
 */
void db_pipe_add_arrays(db_pipe_t *p, const char *name,
    const char *const *pre, int npre, pgarray_t *arrays, int n);

/* Fills `err` for an allocation failure; returns -1. */
int db_error_oom(db_error_t *err);

/* Whether an error is about the data (SQLSTATE classes 22 and 23). */
int db_error_permanent(const db_error_t *err);

/* Whether the connection is gone. */
int db_lost(PGconn *conn);

#endif /* OH_WORKER_DB_H */

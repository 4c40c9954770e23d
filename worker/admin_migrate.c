/* admin_migrate: applies sql/NNN_*.sql in version order, once each. */

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "admin_db.h"

#ifndef OH_SQL_DIR
#define OH_SQL_DIR  "sql"
#endif

/* Session advisory lock serialising concurrent migrates ("ohmigrat"). */
#define MIGRATE_LOCK_KEY  "7955749843323889268"

#define MIGRATE_MAX_FILE  (16 * 1024 * 1024)

typedef struct {
    int    version;
    char  *file;            /* "002_orders.sql" */
    char  *name;            /* "orders" */
} migrate_file_t;

typedef struct {
    migrate_file_t  *files;
    size_t           n;
} migrate_set_t;


static int migrate_usage(void);
static int migrate_scan(const char *dir, migrate_set_t *set);
static int migrate_parse_name(const char *file, migrate_file_t *mf);
static int migrate_cmp(const void *a, const void *b);
static void migrate_free(migrate_set_t *set);
static int migrate_prepare(PGconn *conn);
static int migrate_is_applied(PGconn *conn, int version, int *applied);
static int migrate_apply_pending(PGconn *conn, const char *dir,
    const migrate_set_t *set);
static int migrate_apply(PGconn *conn, const char *dir,
    const migrate_file_t *mf);
static int migrate_exec_file(PGconn *conn, const migrate_file_t *mf,
    const char *sql);
static char *migrate_read(const char *dir, const char *file);
static int migrate_status(PGconn *conn, const migrate_set_t *set);
static int migrate_status_print(const PGresult *res, const migrate_set_t *set);


int
migrate_command(const admin_opts_t *opts, int argc, char **argv)
{
    static const struct option  longopts[] = {
        { "sql-dir", required_argument, NULL, 'd' },
        { "status",  no_argument,       NULL, 's' },
        { "help",    no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char     *dir;
    migrate_set_t   set = { NULL, 0 };
    PGconn         *conn;
    int             c, status = 0, rc;

    dir = getenv("ORDERHOOKS_SQL_DIR");
    if (dir == NULL || *dir == '\0') {
        dir = OH_SQL_DIR;
    }
    cli_getopt_begin();
    while ((c = cli_getopt("migrate", argc, argv, ":h", longopts)) != -1) {
        switch (c) {
        case 'd': dir = optarg; break;
        case 's': status = 1; break;
        case 'h': return migrate_usage();
        default:  return ADMIN_USAGE;
        }
    }
    if (cli_optind() < argc) {
        return cli_usage("migrate", "unexpected argument '%s'",
                         argv[cli_optind()]);
    }
    if (migrate_scan(dir, &set) != 0) {
        return ADMIN_FAIL;
    }
    conn = db_connect(opts->conninfo);
    if (conn == NULL) {
        migrate_free(&set);
        return ADMIN_FAIL;
    }
    if (status) {
        rc = migrate_status(conn, &set);
    } else {
        rc = migrate_apply_pending(conn, dir, &set);
    }
    PQfinish(conn);
    migrate_free(&set);
    return rc == 0 ? ADMIN_OK : ADMIN_FAIL;
}


static int
migrate_usage(void)
{
    printf(
"Usage: orderhooks-admin [--db CONNINFO] migrate [--sql-dir DIR] [--status]\n"
"\n"
"Applies every sql/NNN_<name>.sql file not yet recorded in\n"
"orderhooks.schema_migrations, in version order, each in its own\n"
"transaction together with the row recording it.  Re-running is a no-op;\n"
"concurrent runs wait for each other (advisory lock).\n"
"\n"
"  --sql-dir DIR  migrations directory (default $ORDERHOOKS_SQL_DIR, else\n"
"                 %s)\n"
"  --status       list applied and pending migrations; change nothing\n",
           OH_SQL_DIR);
    return ADMIN_OK;
}


static int
migrate_scan(const char *dir, migrate_set_t *set)
{
    DIR             *d;
    struct dirent   *de;
    migrate_file_t   mf, *grown;
    size_t           i;

    d = opendir(dir);
    if (d == NULL) {
        cli_error("cannot open migrations directory %s: %s", dir,
                  strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (migrate_parse_name(de->d_name, &mf) != 0) {
            continue;
        }
        grown = realloc(set->files, (set->n + 1) * sizeof(*grown));
        if (grown == NULL) {
            free(mf.file);
            free(mf.name);
            closedir(d);
            cli_error("out of memory");
            return -1;
        }
        set->files = grown;
        set->files[set->n++] = mf;
    }
    closedir(d);

    if (set->n == 0) {
        cli_error("no NNN_<name>.sql migrations in %s", dir);
        return -1;
    }
    qsort(set->files, set->n, sizeof(migrate_file_t), migrate_cmp);
    for (i = 1; i < set->n; i++) {
        if (set->files[i].version == set->files[i - 1].version) {
            cli_error("migrations %s and %s share version %d",
                      set->files[i - 1].file, set->files[i].file,
                      set->files[i].version);
            return -1;
        }
    }
    return 0;
}


/* "NNN_<name>.sql" -> version NNN, name <name>; -1 for other names. */
static int
migrate_parse_name(const char *file, migrate_file_t *mf)
{
    const char  *p;
    size_t       len, digits;
    long         v;

    len = strlen(file);
    digits = strspn(file, "0123456789");
    if (digits == 0 || digits > 9 || file[digits] != '_' || len < 5
        || strcmp(file + len - 4, ".sql") != 0 || len - 4 <= digits + 1)
    {
        return -1;
    }
    v = strtol(file, NULL, 10);
    p = file + digits + 1;

    mf->version = (int) v;
    mf->file = strdup(file);
    mf->name = strndup(p, (size_t) (file + len - 4 - p));
    if (mf->file == NULL || mf->name == NULL) {
        free(mf->file);
        free(mf->name);
        return -1;
    }
    return 0;
}


static int
migrate_cmp(const void *a, const void *b)
{
    const migrate_file_t  *x = a, *y = b;

    return (x->version > y->version) - (x->version < y->version);
}


static void
migrate_free(migrate_set_t *set)
{
    size_t  i;

    for (i = 0; i < set->n; i++) {
        free(set->files[i].file);
        free(set->files[i].name);
    }
    free(set->files);
    set->files = NULL;
    set->n = 0;
}


/* Takes the lock, then makes sure the bookkeeping table exists. */
static int
migrate_prepare(PGconn *conn)
{
    const char  *key[] = { MIGRATE_LOCK_KEY };

    if (db_run(conn, "cannot take the migration lock",
               "SELECT pg_advisory_lock($1::bigint)", 1, key) != 0
        || db_run(conn, "cannot create schema orderhooks",
                  "CREATE SCHEMA IF NOT EXISTS orderhooks", 0, NULL) != 0
        || db_run(conn, "cannot create orderhooks.schema_migrations",
                  "CREATE TABLE IF NOT EXISTS orderhooks.schema_migrations ("
                  " version    integer PRIMARY KEY,"
                  " name       text NOT NULL,"
                  " applied_at timestamptz NOT NULL DEFAULT now())",
                  0, NULL) != 0)
    {
        return -1;
    }
    return 0;
}


static int
migrate_is_applied(PGconn *conn, int version, int *applied)
{
    char         v[16];
    const char  *params[] = { v };
    PGresult    *res;

    snprintf(v, sizeof(v), "%d", version);
    res = db_query(conn, "cannot read orderhooks.schema_migrations",
                   "SELECT 1 FROM orderhooks.schema_migrations"
                   " WHERE version = $1::integer", 1, params);
    if (res == NULL) {
        return -1;
    }
    *applied = PQntuples(res) > 0;
    PQclear(res);
    return 0;
}


static int
migrate_apply_pending(PGconn *conn, const char *dir, const migrate_set_t *set)
{
    size_t  i, done = 0;
    int     applied;

    if (migrate_prepare(conn) != 0) {
        return -1;
    }
    for (i = 0; i < set->n; i++) {
        if (migrate_is_applied(conn, set->files[i].version, &applied) != 0) {
            return -1;
        }
        if (applied) {
            continue;
        }
        if (migrate_apply(conn, dir, &set->files[i]) != 0) {
            return -1;
        }
        printf("applied %s\n", set->files[i].file);
        done++;
    }
    if (done == 0) {
        printf("nothing to apply; schema is at version %d\n",
               set->files[set->n - 1].version);
    }
    /* The session lock is released when the connection closes. */
    return 0;
}


static int
migrate_apply(PGconn *conn, const char *dir, const migrate_file_t *mf)
{
    char  *sql;
    int    rc;

    sql = migrate_read(dir, mf->file);
    if (sql == NULL) {
        return -1;
    }
    if (db_begin(conn) != 0) {
        free(sql);
        return -1;
    }
    rc = migrate_exec_file(conn, mf, sql);
    free(sql);
    if (rc != 0) {
        db_rollback(conn);
        return -1;
    }
    return db_commit(conn);
}


/* The one place a whole file is sent: simple query, many statements. */
static int
migrate_exec_file(PGconn *conn, const migrate_file_t *mf, const char *sql)
{
    char         v[16], what[300];
    const char  *params[2];
    const char  *pos;
    PGresult    *res;
    long         line = 0, i, at;

    res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK
        && PQresultStatus(res) != PGRES_TUPLES_OK)
    {
        pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION)
                  : NULL;
        if (pos != NULL) {
            at = strtol(pos, NULL, 10);
            for (i = 0, line = 1; i < at - 1 && sql[i] != '\0'; i++) {
                line += sql[i] == '\n';
            }
            snprintf(what, sizeof(what), "migration %s failed at line %ld",
                     mf->file, line);
        } else {
            snprintf(what, sizeof(what), "migration %s failed", mf->file);
        }
        db_report(what, res);
        PQclear(res);
        return -1;
    }
    PQclear(res);

    snprintf(v, sizeof(v), "%d", mf->version);
    params[0] = v;
    params[1] = mf->name;
    snprintf(what, sizeof(what), "cannot record migration %s", mf->file);
    return db_run(conn, what,
                  "INSERT INTO orderhooks.schema_migrations (version, name)"
                  " VALUES ($1::integer, $2)", 2, params);
}


static char *
migrate_read(const char *dir, const char *file)
{
    char    path[PATH_MAX];
    char   *buf;
    FILE   *f;
    long    size;
    size_t  n;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    f = fopen(path, "rb");
    if (f == NULL) {
        cli_error("cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || size > MIGRATE_MAX_FILE || fseek(f, 0, SEEK_SET) != 0)
    {
        cli_error("cannot read %s: unreadable or larger than %d bytes",
                  path, MIGRATE_MAX_FILE);
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t) size + 1);
    if (buf == NULL) {
        cli_error("out of memory reading %s", path);
        fclose(f);
        return NULL;
    }
    n = fread(buf, 1, (size_t) size, f);
    fclose(f);
    buf[n] = '\0';
    if (n != (size_t) size || strlen(buf) != n) {
        cli_error("cannot read %s: short read or NUL byte", path);
        free(buf);
        return NULL;
    }
    return buf;
}


static int
migrate_status(PGconn *conn, const migrate_set_t *set)
{
    PGresult  *res;
    int        exists, rc;

    res = db_query(conn, "cannot look up orderhooks.schema_migrations",
                   "SELECT to_regclass('orderhooks.schema_migrations')"
                   " IS NOT NULL", 0, NULL);
    if (res == NULL) {
        return -1;
    }
    exists = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);

    /* Before the first migrate nothing is applied: an empty result. */
    res = db_query(conn, "cannot read orderhooks.schema_migrations",
                   exists
                   ? "SELECT version, name,"
                     " to_char(applied_at, 'YYYY-MM-DD HH24:MI:SSOF')"
                     " FROM orderhooks.schema_migrations ORDER BY version"
                   : "SELECT NULL::integer, NULL::text, NULL::text"
                     " WHERE false", 0, NULL);
    if (res == NULL) {
        return -1;
    }
    rc = migrate_status_print(res, set);
    PQclear(res);
    return rc;
}


/* Merges the applied rows (sorted) with the files (sorted) by version. */
static int
migrate_status_print(const PGresult *res, const migrate_set_t *set)
{
    size_t  f = 0;
    int     r = 0, rows, rv, pending = 0;

    rows = PQntuples(res);
    printf("%-8s %-32s %-8s %s\n", "version", "name", "state", "applied_at");
    while (f < set->n || r < rows) {
        rv = r < rows ? atoi(PQgetvalue(res, r, 0)) : INT_MAX;
        if (f < set->n && set->files[f].version < rv) {
            printf("%-8d %-32s %s\n", set->files[f].version,
                   set->files[f].name, "pending");
            pending++;
            f++;
            continue;
        }
        printf("%-8d %-32s %-8s %s%s\n", rv, PQgetvalue(res, r, 1),
               "applied", PQgetvalue(res, r, 2),
               f < set->n && set->files[f].version == rv
               ? "" : "  (file missing)");
        if (f < set->n && set->files[f].version == rv) {
            f++;
        }
        r++;
    }
    printf("%d pending\n", pending);
    return 0;
}

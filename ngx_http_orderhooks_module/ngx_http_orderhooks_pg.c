
/*
 * Copyright (C) orderhooks authors
 */

/* Per-worker pool of non-blocking libpq connections on nginx's event loop. */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_http_orderhooks_pg_int.h"


#define NGX_HTTP_ORDERHOOKS_BACKOFF_MIN    100
#define NGX_HTTP_ORDERHOOKS_BACKOFF_MAX    1000


static void ngx_http_orderhooks_pg_connect(
    ngx_http_orderhooks_pg_conn_t *conn);
static void ngx_http_orderhooks_pg_connect_poll(
    ngx_http_orderhooks_pg_conn_t *conn);
static ngx_int_t ngx_http_orderhooks_pg_register(
    ngx_http_orderhooks_pg_conn_t *conn);
static void ngx_http_orderhooks_pg_unregister(
    ngx_http_orderhooks_pg_conn_t *conn, ngx_uint_t closed);
static ngx_int_t ngx_http_orderhooks_pg_want_write(
    ngx_http_orderhooks_pg_conn_t *conn, ngx_uint_t want);
static void ngx_http_orderhooks_pg_event_handler(ngx_event_t *ev);
static void ngx_http_orderhooks_pg_read(ngx_http_orderhooks_pg_conn_t *conn);
static void ngx_http_orderhooks_pg_setup_next(
    ngx_http_orderhooks_pg_conn_t *conn);
static void ngx_http_orderhooks_pg_statement_done(
    ngx_http_orderhooks_pg_conn_t *conn);
static void ngx_http_orderhooks_pg_query_done(
    ngx_http_orderhooks_pg_conn_t *conn, PGresult *res);
static void ngx_http_orderhooks_pg_conn_failed(
    ngx_http_orderhooks_pg_conn_t *conn, const char *what);
static void ngx_http_orderhooks_pg_close(ngx_http_orderhooks_pg_conn_t *conn);
static void ngx_http_orderhooks_pg_schedule_reconnect(
    ngx_http_orderhooks_pg_pool_t *pool);
static void ngx_http_orderhooks_pg_reconnect_handler(ngx_event_t *ev);
static ngx_uint_t ngx_http_orderhooks_pg_alive(
    ngx_http_orderhooks_pg_pool_t *pool);
static void ngx_http_orderhooks_pg_fail_queued(
    ngx_http_orderhooks_pg_pool_t *pool);
static void ngx_http_orderhooks_pg_dispatch(
    ngx_http_orderhooks_pg_pool_t *pool);
static ngx_http_orderhooks_pg_job_t *ngx_http_orderhooks_pg_next(
    ngx_http_orderhooks_pg_pool_t *pool);
static ngx_int_t ngx_http_orderhooks_pg_send(
    ngx_http_orderhooks_pg_conn_t *conn, ngx_http_orderhooks_pg_job_t *job);
static void ngx_http_orderhooks_pg_notified(ngx_http_orderhooks_pg_job_t *job);
static void ngx_http_orderhooks_pg_job_timeout(ngx_event_t *ev);


char *
ngx_http_orderhooks_pg_conf(ngx_conf_t *cf, ngx_http_orderhooks_pg_conf_t *conf)
{
    ngx_int_t    n;
    ngx_str_t   *value, s;
    ngx_uint_t   i;

    value = cf->args->elts;

    if (value[1].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"orderhooks_db\" needs a connection string");
        return NGX_CONF_ERROR;
    }

    /* libpq wants a null-terminated string; the argument already is */
    conf->conninfo = value[1];

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "pool=", 5) == 0) {
            n = ngx_atoi(value[i].data + 5, value[i].len - 5);
            if (n == NGX_ERROR || n < 1 || n > 256) {
                goto invalid;
            }

            conf->size = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "batch=", 6) == 0) {
            n = ngx_atoi(value[i].data + 6, value[i].len - 6);
            if (n == NGX_ERROR || n < 1 || n > 1024) {
                goto invalid;
            }

            conf->batch = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "timeout=", 8) == 0) {
            s.data = value[i].data + 8;
            s.len = value[i].len - 8;

            conf->timeout = ngx_parse_time(&s, 0);
            if (conf->timeout == (ngx_msec_t) NGX_ERROR
                || conf->timeout == 0)
            {
                goto invalid;
            }

            continue;
        }

        goto invalid;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


ngx_http_orderhooks_pg_pool_t *
ngx_http_orderhooks_pg_pool_create(ngx_cycle_t *cycle,
    ngx_http_orderhooks_pg_conf_t *conf)
{
    ngx_uint_t                      i;
    ngx_http_orderhooks_pg_pool_t  *pool;

    pool = ngx_pcalloc(cycle->pool, sizeof(ngx_http_orderhooks_pg_pool_t));
    if (pool == NULL) {
        return NULL;
    }

    pool->conns = ngx_pcalloc(cycle->pool,
                              conf->size
                              * sizeof(ngx_http_orderhooks_pg_conn_t));
    if (pool->conns == NULL) {
        return NULL;
    }

    pool->conf = conf;
    pool->log = cycle->log;
    pool->backoff = NGX_HTTP_ORDERHOOKS_BACKOFF_MIN;

    ngx_queue_init(&pool->jobs);

    pool->reconnect.handler = ngx_http_orderhooks_pg_reconnect_handler;
    pool->reconnect.data = pool;
    pool->reconnect.log = cycle->log;
    pool->reconnect.cancelable = 1;

    for (i = 0; i < conf->size; i++) {
        pool->conns[i].pool = pool;

        pool->conns[i].batch = ngx_pcalloc(cycle->pool,
                                 conf->batch
                                 * sizeof(ngx_http_orderhooks_pg_job_t *));
        if (pool->conns[i].batch == NULL) {
            return NULL;
        }

        ngx_http_orderhooks_pg_connect(&pool->conns[i]);
    }

    return pool;
}


void
ngx_http_orderhooks_pg_pool_destroy(ngx_http_orderhooks_pg_pool_t *pool)
{
    ngx_uint_t  i;

    if (pool->reconnect.timer_set) {
        ngx_del_timer(&pool->reconnect);
    }

    for (i = 0; i < pool->conf->size; i++) {
        ngx_http_orderhooks_pg_close(&pool->conns[i]);

        if (pool->conns[i].buf) {
            ngx_free(pool->conns[i].buf);
            pool->conns[i].buf = NULL;
        }
    }
}


ngx_int_t
ngx_http_orderhooks_pg_post(ngx_http_orderhooks_pg_pool_t *pool,
    ngx_http_orderhooks_pg_job_t *job)
{
    if (pool->down && ngx_http_orderhooks_pg_alive(pool) == 0) {
        return NGX_DECLINED;
    }

    job->pool = pool;
    job->rc = NGX_ERROR;
    job->result = NULL;

    job->timer.handler = ngx_http_orderhooks_pg_job_timeout;
    job->timer.data = job;
    job->timer.log = job->log;

    ngx_add_timer(&job->timer, pool->conf->timeout);

    ngx_queue_insert_tail(&pool->jobs, &job->queue);
    job->queued = 1;
    pool->waiting++;

    ngx_http_orderhooks_pg_dispatch(pool);

    return NGX_OK;
}


void
ngx_http_orderhooks_pg_abandon(ngx_http_orderhooks_pg_job_t *job)
{
    ngx_uint_t                      i, j;
    ngx_http_orderhooks_pg_pool_t  *pool;

    pool = job->pool;

    if (pool == NULL) {
        return;
    }

    if (job->timer.timer_set) {
        ngx_del_timer(&job->timer);
    }

    if (job->queued) {
        ngx_queue_remove(&job->queue);
        job->queued = 0;
        pool->waiting--;
    }

    if (job->in_flight) {
        for (i = 0; i < pool->conf->size; i++) {
            for (j = 0; j < pool->conns[i].nbatch; j++) {
                if (pool->conns[i].batch[j] == job) {
                    pool->conns[i].batch[j] = NULL;
                }
            }
        }

        job->in_flight = 0;
    }

    job->abandoned = 1;
    job->pool = NULL;
}


void
ngx_http_orderhooks_pg_stats(ngx_http_orderhooks_pg_pool_t *pool,
    ngx_uint_t *up, ngx_uint_t *busy, ngx_uint_t *waiting)
{
    ngx_uint_t  i;

    *up = 0;
    *busy = 0;
    *waiting = pool->waiting;

    for (i = 0; i < pool->conf->size; i++) {
        switch (pool->conns[i].state) {

        case NGX_HTTP_ORDERHOOKS_CONN_BUSY:
            (*busy)++;
            /* fall through */

        case NGX_HTTP_ORDERHOOKS_CONN_IDLE:
            (*up)++;
            break;

        default:
            break;
        }
    }
}


static void
ngx_http_orderhooks_pg_connect(ngx_http_orderhooks_pg_conn_t *conn)
{
    ngx_http_orderhooks_pg_pool_t  *pool;

    static const char *const  keys[] = {
        "dbname", "fallback_application_name", "client_encoding", NULL
    };

    const char  *values[4];

    pool = conn->pool;

    /* later keywords win: UTF8 is forced, the application name is not */

    values[0] = (const char *) pool->conf->conninfo.data;
    values[1] = "orderhooks-nginx";
    values[2] = "UTF8";
    values[3] = NULL;

    conn->pg = PQconnectStartParams(keys, values, 1);

    if (conn->pg == NULL) {
        ngx_log_error(NGX_LOG_ALERT, pool->log, 0,
                      "orderhooks: out of memory starting a connection");
        ngx_http_orderhooks_pg_schedule_reconnect(pool);
        return;
    }

    if (PQstatus(conn->pg) == CONNECTION_BAD) {
        ngx_http_orderhooks_pg_conn_failed(conn, "connect");
        return;
    }

    conn->state = NGX_HTTP_ORDERHOOKS_CONN_CONNECTING;

    if (ngx_http_orderhooks_pg_register(conn) != NGX_OK) {
        ngx_http_orderhooks_pg_conn_failed(conn, "register");
        return;
    }

    ngx_http_orderhooks_pg_connect_poll(conn);
}


static void
ngx_http_orderhooks_pg_connect_poll(ngx_http_orderhooks_pg_conn_t *conn)
{
    PostgresPollingStatusType  rc;

    rc = PQconnectPoll(conn->pg);

    /* libpq may open a new socket, e.g. when it tries the next host */

    if (conn->c && PQsocket(conn->pg) != conn->c->fd) {
        ngx_http_orderhooks_pg_unregister(conn, 1);

        if (ngx_http_orderhooks_pg_register(conn) != NGX_OK) {
            ngx_http_orderhooks_pg_conn_failed(conn, "register");
            return;
        }
    }

    switch (rc) {

    case PGRES_POLLING_READING:
        (void) ngx_http_orderhooks_pg_want_write(conn, 0);
        return;

    case PGRES_POLLING_WRITING:
        if (ngx_http_orderhooks_pg_want_write(conn, 1) != NGX_OK) {
            ngx_http_orderhooks_pg_conn_failed(conn, "register");
        }
        return;

    case PGRES_POLLING_OK:
        break;

    default:
        ngx_http_orderhooks_pg_conn_failed(conn, "connect");
        return;
    }

    (void) ngx_http_orderhooks_pg_want_write(conn, 0);

    if (PQsetnonblocking(conn->pg, 1) != 0) {
        ngx_http_orderhooks_pg_conn_failed(conn, "set nonblocking");
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, conn->pool->log, 0,
                   "orderhooks: connected to %s", PQhost(conn->pg));

    conn->state = NGX_HTTP_ORDERHOOKS_CONN_SETUP;
    conn->setup_step = 0;

    ngx_http_orderhooks_pg_setup_next(conn);
}


/*
 * Reads are level-triggered so that data libpq left in the socket is
 * never forgotten; writes are watched only while libpq has unsent data.
 */

static ngx_int_t
ngx_http_orderhooks_pg_register(ngx_http_orderhooks_pg_conn_t *conn)
{
    int                fd;
    ngx_connection_t  *c;

    fd = PQsocket(conn->pg);
    if (fd == -1) {
        return NGX_ERROR;
    }

    c = ngx_get_connection(fd, conn->pool->log);
    if (c == NULL) {
        return NGX_ERROR;
    }

    c->data = conn;
    c->log = conn->pool->log;
    c->read->handler = ngx_http_orderhooks_pg_event_handler;
    c->write->handler = ngx_http_orderhooks_pg_event_handler;
    c->read->log = conn->pool->log;
    c->write->log = conn->pool->log;

    conn->c = c;

    if (ngx_add_event(c->read, NGX_READ_EVENT, NGX_LEVEL_EVENT) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_orderhooks_pg_unregister(ngx_http_orderhooks_pg_conn_t *conn,
    ngx_uint_t closed)
{
    ngx_connection_t  *c;

    c = conn->c;

    if (c == NULL) {
        return;
    }

    /* the socket is libpq's: nginx must never close it */

    if (c->read->active) {
        (void) ngx_del_event(c->read, NGX_READ_EVENT,
                             closed ? NGX_CLOSE_EVENT : 0);
    }

    if (c->write->active) {
        (void) ngx_del_event(c->write, NGX_WRITE_EVENT,
                             closed ? NGX_CLOSE_EVENT : 0);
    }

    if (c->read->timer_set) {
        ngx_del_timer(c->read);
    }

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    c->fd = (ngx_socket_t) -1;
    ngx_free_connection(c);

    conn->c = NULL;
}


static ngx_int_t
ngx_http_orderhooks_pg_want_write(ngx_http_orderhooks_pg_conn_t *conn,
    ngx_uint_t want)
{
    ngx_event_t  *wev;

    wev = conn->c->write;

    if (want && !wev->active) {
        return ngx_add_event(wev, NGX_WRITE_EVENT, NGX_LEVEL_EVENT);
    }

    if (!want && wev->active) {
        return ngx_del_event(wev, NGX_WRITE_EVENT, 0);
    }

    return NGX_OK;
}


static void
ngx_http_orderhooks_pg_event_handler(ngx_event_t *ev)
{
    ngx_connection_t               *c;
    ngx_http_orderhooks_pg_conn_t  *conn;

    c = ev->data;
    conn = c->data;

    if (conn->state == NGX_HTTP_ORDERHOOKS_CONN_CONNECTING) {
        ngx_http_orderhooks_pg_connect_poll(conn);
        return;
    }

    if (ev->write) {
        if (ngx_http_orderhooks_pg_flush(conn) == NGX_ERROR) {
            ngx_http_orderhooks_pg_conn_failed(conn, "send");
        }

        return;
    }

    ngx_http_orderhooks_pg_read(conn);
}


static void
ngx_http_orderhooks_pg_read(ngx_http_orderhooks_pg_conn_t *conn)
{
    PGresult  *res;

    if (!PQconsumeInput(conn->pg)) {
        ngx_http_orderhooks_pg_conn_failed(conn, "receive");
        return;
    }

    if (conn->c->write->active
        && ngx_http_orderhooks_pg_flush(conn) == NGX_ERROR)
    {
        ngx_http_orderhooks_pg_conn_failed(conn, "send");
        return;
    }

    if (conn->state == NGX_HTTP_ORDERHOOKS_CONN_IDLE) {

        /* nothing is expected: the server is telling us it goes away */

        if (PQstatus(conn->pg) == CONNECTION_BAD) {
            ngx_http_orderhooks_pg_conn_failed(conn, "idle connection");
        }

        return;
    }

    while (!PQisBusy(conn->pg)) {

        res = PQgetResult(conn->pg);

        if (res == NULL) {
            ngx_http_orderhooks_pg_statement_done(conn);
            return;
        }

        if (conn->result == NULL) {
            conn->result = res;

        } else {
            PQclear(res);
        }
    }

    if (PQstatus(conn->pg) == CONNECTION_BAD) {
        ngx_http_orderhooks_pg_conn_failed(conn, "receive");
    }
}


ngx_int_t
ngx_http_orderhooks_pg_flush(ngx_http_orderhooks_pg_conn_t *conn)
{
    int  rc;

    rc = PQflush(conn->pg);

    if (rc == -1) {
        return NGX_ERROR;
    }

    return ngx_http_orderhooks_pg_want_write(conn, rc == 1);
}


static void
ngx_http_orderhooks_pg_setup_next(ngx_http_orderhooks_pg_conn_t *conn)
{
    ngx_http_orderhooks_pg_stmt_t  *stmt;
    ngx_http_orderhooks_pg_pool_t  *pool;

    pool = conn->pool;

    if (conn->setup_step == 0) {

        /*
         * The insert trigger's NOTIFY would serialise our commits; this
         * session wakes the workers itself, after committing (004).
         */

        if (!PQsendQueryParams(conn->pg,
                               "SELECT set_config('orderhooks.notify',"
                               " 'off', false)", 0, NULL, NULL, NULL, NULL, 0))
        {
            ngx_http_orderhooks_pg_conn_failed(conn, "set up");
            return;
        }

        if (ngx_http_orderhooks_pg_flush(conn) == NGX_ERROR) {
            ngx_http_orderhooks_pg_conn_failed(conn, "send");
        }

        return;
    }

    if (conn->setup_step == 1) {
        stmt = &ngx_http_orderhooks_pg_insert;

    } else if (conn->setup_step <= NGX_HTTP_ORDERHOOKS_STMT_COUNT + 1) {
        stmt = &ngx_http_orderhooks_pg_stmts[conn->setup_step - 2];

    } else {
        conn->state = NGX_HTTP_ORDERHOOKS_CONN_IDLE;

        if (pool->down) {
            ngx_log_error(NGX_LOG_NOTICE, pool->log, 0,
                          "orderhooks: database at \"%s\" is reachable "
                          "again", PQhost(conn->pg));
            pool->down = 0;
        }

        pool->backoff = NGX_HTTP_ORDERHOOKS_BACKOFF_MIN;
        pool->failing = 0;

        ngx_http_orderhooks_pg_dispatch(pool);
        return;
    }

    if (!PQsendPrepare(conn->pg, stmt->name, stmt->sql, stmt->nparams,
                       stmt->types))
    {
        ngx_http_orderhooks_pg_conn_failed(conn, "prepare");
        return;
    }

    if (ngx_http_orderhooks_pg_flush(conn) == NGX_ERROR) {
        ngx_http_orderhooks_pg_conn_failed(conn, "send");
    }
}


static void
ngx_http_orderhooks_pg_statement_done(ngx_http_orderhooks_pg_conn_t *conn)
{
    PGresult   *res;
    ngx_str_t   msg;

    res = conn->result;
    conn->result = NULL;

    if (conn->state == NGX_HTTP_ORDERHOOKS_CONN_SETUP) {

        if (res == NULL || (PQresultStatus(res) != PGRES_COMMAND_OK
                            && PQresultStatus(res) != PGRES_TUPLES_OK))
        {
            if (!conn->pool->down) {
                ngx_log_error(NGX_LOG_ERR, conn->pool->log, 0,
                              "orderhooks: preparing statements failed "
                              "(has the schema been migrated?): %V",
                              ngx_http_orderhooks_pg_error(&msg,
                                  res ? PQresultErrorMessage(res)
                                      : PQerrorMessage(conn->pg)));
            }

            PQclear(res);

            /* no retry storm: a missing schema needs an operator */
            conn->pool->down = 1;
            ngx_http_orderhooks_pg_conn_failed(conn, NULL);
            return;
        }

        PQclear(res);

        conn->setup_step++;
        ngx_http_orderhooks_pg_setup_next(conn);
        return;
    }

    if (conn->nbatch == 1 && conn->batch[0]
        && conn->batch[0]->kind == NGX_HTTP_ORDERHOOKS_JOB_QUERY)
    {
        ngx_http_orderhooks_pg_query_done(conn, res);

    } else {
        ngx_http_orderhooks_pg_batch_done(conn, res);
        PQclear(res);
    }

    ngx_http_orderhooks_pg_dispatch(conn->pool);
}


static void
ngx_http_orderhooks_pg_query_done(ngx_http_orderhooks_pg_conn_t *conn,
    PGresult *res)
{
    ngx_str_t                      msg;
    ExecStatusType                 status;
    ngx_http_orderhooks_pg_job_t  *job;

    job = conn->batch[0];
    conn->batch[0] = NULL;
    conn->nbatch = 0;
    conn->state = NGX_HTTP_ORDERHOOKS_CONN_IDLE;

    if (job == NULL) {
        PQclear(res);
        return;
    }

    job->in_flight = 0;

    status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        ngx_http_orderhooks_pg_count(conn->pool,
                                     NGX_HTTP_ORDERHOOKS_DB_ERR_STATEMENT);

        ngx_log_error(NGX_LOG_ERR, conn->pool->log, 0,
                      "orderhooks: statement failed: %V",
                      ngx_http_orderhooks_pg_error(&msg,
                          res ? PQresultErrorMessage(res)
                              : PQerrorMessage(conn->pg)));
        job->result = res;
        ngx_http_orderhooks_pg_complete(job, NGX_ERROR);
        return;
    }

    job->result = res;
    ngx_http_orderhooks_pg_complete(job, NGX_OK);
}


/*
 * A connection broke or could not be made.  Jobs in flight have an unknown
 * outcome and fail (the provider retries; the unique key makes that safe);
 * queued jobs wait for another connection, unless none is left.
 */

static void
ngx_http_orderhooks_pg_conn_failed(ngx_http_orderhooks_pg_conn_t *conn,
    const char *what)
{
    ngx_str_t                       msg;
    ngx_uint_t                      i, n;
    ngx_http_orderhooks_pg_job_t   *done[1024];
    ngx_http_orderhooks_pg_pool_t  *pool;

    pool = conn->pool;

    if (what) {
        ngx_http_orderhooks_pg_count(pool,
                                     NGX_HTTP_ORDERHOOKS_DB_ERR_CONNECTION);
    }

    if (what && !pool->failing) {
        ngx_log_error(NGX_LOG_ERR, pool->log, 0,
                      "orderhooks: database at \"%s\" unavailable (%s): %V",
                      conn->pg ? PQhost(conn->pg) : "?", what,
                      ngx_http_orderhooks_pg_error(&msg,
                          conn->pg ? PQerrorMessage(conn->pg) : ""));
        pool->failing = 1;
    }

    if (what && (conn->state == NGX_HTTP_ORDERHOOKS_CONN_CONNECTING
                 || ngx_http_orderhooks_pg_alive(pool) <= 1))
    {
        pool->down = 1;
    }

    n = conn->nbatch;

    for (i = 0; i < n; i++) {
        done[i] = conn->batch[i];
        conn->batch[i] = NULL;
    }

    conn->nbatch = 0;

    ngx_http_orderhooks_pg_close(conn);
    ngx_http_orderhooks_pg_schedule_reconnect(pool);

    for (i = 0; i < n; i++) {
        if (done[i]) {
            done[i]->in_flight = 0;
            ngx_http_orderhooks_pg_complete(done[i], NGX_ERROR);
        }
    }

    if (pool->down && ngx_http_orderhooks_pg_alive(pool) == 0) {
        ngx_http_orderhooks_pg_fail_queued(pool);
        return;
    }

    /* webhooks held back for this connection's batch may go elsewhere */

    ngx_http_orderhooks_pg_dispatch(pool);
}


static void
ngx_http_orderhooks_pg_close(ngx_http_orderhooks_pg_conn_t *conn)
{
    ngx_uint_t  closed;

    /* when the server hung up, libpq has already closed the socket */

    closed = conn->c != NULL
             && (conn->pg == NULL || PQsocket(conn->pg) != conn->c->fd);

    ngx_http_orderhooks_pg_unregister(conn, closed);

    if (conn->result) {
        PQclear(conn->result);
        conn->result = NULL;
    }

    if (conn->pg) {
        PQfinish(conn->pg);
        conn->pg = NULL;
    }

    conn->state = NGX_HTTP_ORDERHOOKS_CONN_DOWN;
    conn->events = 0;
}


static void
ngx_http_orderhooks_pg_schedule_reconnect(ngx_http_orderhooks_pg_pool_t *pool)
{
    if (pool->reconnect.timer_set || ngx_exiting || ngx_quit) {
        return;
    }

    ngx_add_timer(&pool->reconnect, pool->down ? pool->backoff : 0);

    if (pool->down) {
        pool->backoff = ngx_min(pool->backoff * 2,
                                NGX_HTTP_ORDERHOOKS_BACKOFF_MAX);
    }
}


static void
ngx_http_orderhooks_pg_reconnect_handler(ngx_event_t *ev)
{
    ngx_uint_t                      i;
    ngx_http_orderhooks_pg_pool_t  *pool;

    pool = ev->data;

    for (i = 0; i < pool->conf->size; i++) {
        if (pool->conns[i].state == NGX_HTTP_ORDERHOOKS_CONN_DOWN) {
            ngx_http_orderhooks_pg_connect(&pool->conns[i]);
        }
    }
}


static ngx_uint_t
ngx_http_orderhooks_pg_alive(ngx_http_orderhooks_pg_pool_t *pool)
{
    ngx_uint_t  i, n;

    n = 0;

    for (i = 0; i < pool->conf->size; i++) {
        if (pool->conns[i].state == NGX_HTTP_ORDERHOOKS_CONN_IDLE
            || pool->conns[i].state == NGX_HTTP_ORDERHOOKS_CONN_BUSY)
        {
            n++;
        }
    }

    return n;
}


static void
ngx_http_orderhooks_pg_fail_queued(ngx_http_orderhooks_pg_pool_t *pool)
{
    ngx_queue_t                   *q;
    ngx_http_orderhooks_pg_job_t  *job;

    while (!ngx_queue_empty(&pool->jobs)) {
        q = ngx_queue_head(&pool->jobs);
        job = ngx_queue_data(q, ngx_http_orderhooks_pg_job_t, queue);

        ngx_queue_remove(q);
        job->queued = 0;
        pool->waiting--;

        ngx_http_orderhooks_pg_complete(job, NGX_BUSY);
    }
}


/*
 * While one batch of webhooks is being committed, the next one waits in
 * the queue and grows: a large commit costs about what a small one does,
 * so splitting webhooks over idle connections would only add commits.
 * Another connection starts a batch when a whole batch is waiting; other
 * statements never wait for a batch.
 */

static void
ngx_http_orderhooks_pg_dispatch(ngx_http_orderhooks_pg_pool_t *pool)
{
    ngx_uint_t                      i;
    ngx_http_orderhooks_pg_job_t   *job;
    ngx_http_orderhooks_pg_conn_t  *conn;

    for (i = 0; i < pool->conf->size && !ngx_queue_empty(&pool->jobs); i++) {
        conn = &pool->conns[i];

        if (conn->state != NGX_HTTP_ORDERHOOKS_CONN_IDLE) {
            continue;
        }

        job = ngx_http_orderhooks_pg_next(pool);
        if (job == NULL) {
            return;
        }

        if (ngx_http_orderhooks_pg_send(conn, job) != NGX_OK) {
            ngx_http_orderhooks_pg_conn_failed(conn, "send");
        }
    }
}


static ngx_http_orderhooks_pg_job_t *
ngx_http_orderhooks_pg_next(ngx_http_orderhooks_pg_pool_t *pool)
{
    ngx_uint_t                      i, hold;
    ngx_queue_t                    *q;
    ngx_http_orderhooks_pg_job_t   *job;

    hold = 0;

    if (pool->waiting < pool->conf->batch) {
        for (i = 0; i < pool->conf->size; i++) {
            if (pool->conns[i].state == NGX_HTTP_ORDERHOOKS_CONN_BUSY
                && pool->conns[i].events)
            {
                hold = 1;
                break;
            }
        }
    }

    for (q = ngx_queue_head(&pool->jobs);
         q != ngx_queue_sentinel(&pool->jobs);
         q = ngx_queue_next(q))
    {
        job = ngx_queue_data(q, ngx_http_orderhooks_pg_job_t, queue);

        if (job->kind != NGX_HTTP_ORDERHOOKS_JOB_EVENT || !hold) {
            return job;
        }
    }

    return NULL;
}


static ngx_int_t
ngx_http_orderhooks_pg_send(ngx_http_orderhooks_pg_conn_t *conn,
    ngx_http_orderhooks_pg_job_t *job)
{
    ngx_http_orderhooks_pg_stmt_t  *stmt;

    if (job->kind == NGX_HTTP_ORDERHOOKS_JOB_EVENT) {
        return ngx_http_orderhooks_pg_send_batch(conn);
    }

    ngx_queue_remove(&job->queue);
    job->queued = 0;
    conn->pool->waiting--;

    job->in_flight = 1;
    conn->batch[0] = job;
    conn->nbatch = 1;
    conn->state = NGX_HTTP_ORDERHOOKS_CONN_BUSY;

    stmt = &ngx_http_orderhooks_pg_stmts[job->stmt];

    if (!PQsendQueryPrepared(conn->pg, stmt->name, (int) job->nparams,
                             job->values, job->lengths, job->formats, 0))
    {
        return NGX_ERROR;
    }

    return ngx_http_orderhooks_pg_flush(conn);
}


void
ngx_http_orderhooks_pg_complete(ngx_http_orderhooks_pg_job_t *job,
    ngx_int_t rc)
{
    if (job->timer.timer_set) {
        ngx_del_timer(&job->timer);
    }

    job->rc = rc;
    job->pool = NULL;

    job->handler(job);
}


static void
ngx_http_orderhooks_pg_job_timeout(ngx_event_t *ev)
{
    ngx_http_orderhooks_pg_job_t   *job;
    ngx_http_orderhooks_pg_pool_t  *pool;

    job = ev->data;
    pool = job->pool;

    ngx_http_orderhooks_pg_count(pool, NGX_HTTP_ORDERHOOKS_DB_ERR_TIMEOUT);

    ngx_log_error(NGX_LOG_ERR, job->log, 0,
                  "orderhooks: no database answer within %M ms (%s)",
                  pool->conf->timeout,
                  job->queued ? "waiting for a connection"
                              : "statement still running");

    /* an in-flight statement may still commit; a retry is a duplicate */

    ngx_http_orderhooks_pg_abandon(job);
    job->abandoned = 0;

    job->rc = NGX_BUSY;
    job->handler(job);
}


/* libpq's messages end in a newline and may hold several lines: log one */

ngx_str_t *
ngx_http_orderhooks_pg_error(ngx_str_t *dst, const char *msg)
{
    u_char  *p;

    dst->data = (u_char *) msg;
    dst->len = ngx_strlen(msg);

    p = (u_char *) ngx_strlchr(dst->data, dst->data + dst->len, '\n');
    if (p) {
        dst->len = p - dst->data;
    }

    return dst;
}


void
ngx_http_orderhooks_pg_count(ngx_http_orderhooks_pg_pool_t *pool,
    ngx_http_orderhooks_db_err_e kind)
{
    if (pool->conf->errors) {
        (void) ngx_atomic_fetch_add(&pool->conf->errors[kind], 1);
    }
}


/*
 * After a commit that recorded webhooks: one pg_notify() wakes the
 * workers.  At most one is outstanding; commits meanwhile ask for one more,
 * sent when it returns, so no commit is left without a wake-up after it.
 */

void
ngx_http_orderhooks_pg_wake_workers(ngx_http_orderhooks_pg_pool_t *pool)
{
    ngx_http_orderhooks_pg_job_t  *job;

    if (pool->notify_busy) {
        pool->notify_again = 1;
        return;
    }

    job = &pool->notify;
    ngx_memzero(job, sizeof(ngx_http_orderhooks_pg_job_t));

    job->kind = NGX_HTTP_ORDERHOOKS_JOB_QUERY;
    job->stmt = NGX_HTTP_ORDERHOOKS_STMT_NOTIFY;
    job->handler = ngx_http_orderhooks_pg_notified;
    job->data = pool;
    job->log = pool->log;

    if (ngx_http_orderhooks_pg_post(pool, job) == NGX_OK) {
        pool->notify_busy = 1;
    }
}


static void
ngx_http_orderhooks_pg_notified(ngx_http_orderhooks_pg_job_t *job)
{
    ngx_http_orderhooks_pg_pool_t  *pool;

    pool = job->data;

    if (job->result) {
        PQclear(job->result);
        job->result = NULL;
    }

    pool->notify_busy = 0;

    if (pool->notify_again) {
        pool->notify_again = 0;
        ngx_http_orderhooks_pg_wake_workers(pool);
    }
}


/*
 * Copyright (C) orderhooks authors
 */

/* Per-worker pool of non-blocking libpq connections on nginx's event loop. */


#ifndef _NGX_HTTP_ORDERHOOKS_PG_H_INCLUDED_
#define _NGX_HTTP_ORDERHOOKS_PG_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <libpq-fe.h>


#define NGX_HTTP_ORDERHOOKS_EVENT_NPARAMS  7


typedef struct ngx_http_orderhooks_pg_pool_s  ngx_http_orderhooks_pg_pool_t;
typedef struct ngx_http_orderhooks_pg_job_s   ngx_http_orderhooks_pg_job_t;

typedef void (*ngx_http_orderhooks_pg_done_pt)(
    ngx_http_orderhooks_pg_job_t *job);


typedef struct {
    ngx_str_t                       conninfo;   /* null-terminated */
    ngx_uint_t                      size;       /* connections per worker */
    ngx_msec_t                      timeout;    /* wait for a connection */
    ngx_uint_t                      batch;      /* rows per INSERT */
    size_t                          batch_bytes;
    ngx_atomic_t                   *errors;     /* shared, or NULL */
} ngx_http_orderhooks_pg_conf_t;


typedef enum {
    NGX_HTTP_ORDERHOOKS_DB_ERR_CONNECTION = 0,
    NGX_HTTP_ORDERHOOKS_DB_ERR_STATEMENT,
    NGX_HTTP_ORDERHOOKS_DB_ERR_TIMEOUT,
    NGX_HTTP_ORDERHOOKS_DB_ERR_N
} ngx_http_orderhooks_db_err_e;


typedef enum {
    NGX_HTTP_ORDERHOOKS_JOB_EVENT = 0,  /* batched webhook_events insert */
    NGX_HTTP_ORDERHOOKS_JOB_QUERY       /* one prepared statement */
} ngx_http_orderhooks_job_kind_e;


typedef enum {
    NGX_HTTP_ORDERHOOKS_STMT_REJECT = 0,
    NGX_HTTP_ORDERHOOKS_STMT_HEALTH,
    NGX_HTTP_ORDERHOOKS_STMT_TRACK,
    NGX_HTTP_ORDERHOOKS_STMT_NOTIFY,
    NGX_HTTP_ORDERHOOKS_STMT_COUNT
} ngx_http_orderhooks_stmt_e;


struct ngx_http_orderhooks_pg_job_s {
    ngx_queue_t                     queue;
    ngx_http_orderhooks_job_kind_e  kind;
    ngx_http_orderhooks_stmt_e      stmt;       /* JOB_QUERY */

    /* EVENT: source, provider, event_id, event_type, remote_addr,
     * headers (JSON text), body; QUERY: the statement's parameters */
    ngx_uint_t                      nparams;
    const char                     *values[NGX_HTTP_ORDERHOOKS_EVENT_NPARAMS
                                           + 2];
    int                             lengths[NGX_HTTP_ORDERHOOKS_EVENT_NPARAMS
                                            + 2];
    int                             formats[NGX_HTTP_ORDERHOOKS_EVENT_NPARAMS
                                            + 2];

    /* outcome, valid in the done handler */
    ngx_int_t                       rc;         /* NGX_OK, NGX_BUSY,
                                                   NGX_ERROR */
    int64_t                         row_id;
    unsigned                        inserted:1;
    PGresult                       *result;     /* QUERY; handler clears */

    /* pool bookkeeping */
    ngx_http_orderhooks_pg_pool_t  *pool;
    ngx_event_t                     timer;
    ngx_uint_t                      retries;
    unsigned                        queued:1;
    unsigned                        in_flight:1;
    unsigned                        abandoned:1;
    unsigned                        solo:1;

    ngx_http_orderhooks_pg_done_pt  handler;
    void                           *data;
    ngx_log_t                      *log;
};


ngx_http_orderhooks_pg_pool_t *ngx_http_orderhooks_pg_pool_create(
    ngx_cycle_t *cycle, ngx_http_orderhooks_pg_conf_t *conf);
void ngx_http_orderhooks_pg_pool_destroy(ngx_http_orderhooks_pg_pool_t *pool);

/*
 * Queues a job.  NGX_OK: the handler will be called later (never from
 * inside this call).  NGX_DECLINED: the database is known to be down and
 * the caller should answer at once.
 */
ngx_int_t ngx_http_orderhooks_pg_post(ngx_http_orderhooks_pg_pool_t *pool,
    ngx_http_orderhooks_pg_job_t *job);

/* Detaches a job whose owner goes away; its handler is never called. */
void ngx_http_orderhooks_pg_abandon(ngx_http_orderhooks_pg_job_t *job);

char *ngx_http_orderhooks_pg_conf(ngx_conf_t *cf,
    ngx_http_orderhooks_pg_conf_t *conf);

/* For health and metrics: connections up, busy, jobs waiting. */
void ngx_http_orderhooks_pg_stats(ngx_http_orderhooks_pg_pool_t *pool,
    ngx_uint_t *up, ngx_uint_t *busy, ngx_uint_t *waiting);


#endif /* _NGX_HTTP_ORDERHOOKS_PG_H_INCLUDED_ */


/*
 * Copyright (C) orderhooks authors
 */

/* Internals shared by the connection pool's files. */


#ifndef _NGX_HTTP_ORDERHOOKS_PG_INT_H_INCLUDED_
#define _NGX_HTTP_ORDERHOOKS_PG_INT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_http_orderhooks_pg.h"


typedef enum {
    NGX_HTTP_ORDERHOOKS_CONN_DOWN = 0,
    NGX_HTTP_ORDERHOOKS_CONN_CONNECTING,
    NGX_HTTP_ORDERHOOKS_CONN_SETUP,
    NGX_HTTP_ORDERHOOKS_CONN_IDLE,
    NGX_HTTP_ORDERHOOKS_CONN_BUSY
} ngx_http_orderhooks_conn_state_e;


typedef struct {
    ngx_http_orderhooks_pg_pool_t     *pool;
    PGconn                            *pg;
    ngx_connection_t                  *c;
    ngx_http_orderhooks_conn_state_e   state;
    ngx_uint_t                         setup_step;

    ngx_http_orderhooks_pg_job_t     **batch;
    ngx_uint_t                         nbatch;
    PGresult                          *result;
    unsigned                           events:1;  /* a webhook batch */

    u_char                            *buf;     /* binary arrays */
    size_t                             buf_size;
} ngx_http_orderhooks_pg_conn_t;


struct ngx_http_orderhooks_pg_pool_s {
    ngx_http_orderhooks_pg_conf_t     *conf;
    ngx_log_t                         *log;
    ngx_http_orderhooks_pg_conn_t     *conns;
    ngx_queue_t                        jobs;
    ngx_uint_t                         waiting;
    ngx_event_t                        reconnect;
    ngx_msec_t                         backoff;
    unsigned                           down:1;
    unsigned                           failing:1;  /* outage logged */

    ngx_http_orderhooks_pg_job_t       notify;     /* wakes the workers */
    unsigned                           notify_busy:1;
    unsigned                           notify_again:1;
};


typedef struct {
    const char                        *name;
    const char                        *sql;
    int                                nparams;
    const Oid                         *types;
} ngx_http_orderhooks_pg_stmt_t;


ngx_int_t ngx_http_orderhooks_pg_flush(ngx_http_orderhooks_pg_conn_t *conn);
void ngx_http_orderhooks_pg_complete(ngx_http_orderhooks_pg_job_t *job,
    ngx_int_t rc);
ngx_str_t *ngx_http_orderhooks_pg_error(ngx_str_t *dst, const char *msg);
void ngx_http_orderhooks_pg_count(ngx_http_orderhooks_pg_pool_t *pool,
    ngx_http_orderhooks_db_err_e kind);
void ngx_http_orderhooks_pg_wake_workers(ngx_http_orderhooks_pg_pool_t *pool);

/* ngx_http_orderhooks_pg_batch.c */
ngx_int_t ngx_http_orderhooks_pg_send_batch(
    ngx_http_orderhooks_pg_conn_t *conn);
void ngx_http_orderhooks_pg_batch_done(ngx_http_orderhooks_pg_conn_t *conn,
    PGresult *res);
void ngx_http_orderhooks_pg_requeue_batch(ngx_http_orderhooks_pg_conn_t *conn,
    ngx_uint_t solo);

/* ngx_http_orderhooks_pg_stmt.c */
extern ngx_http_orderhooks_pg_stmt_t  ngx_http_orderhooks_pg_insert;
extern ngx_http_orderhooks_pg_stmt_t
    ngx_http_orderhooks_pg_stmts[NGX_HTTP_ORDERHOOKS_STMT_COUNT];


#endif /* _NGX_HTTP_ORDERHOOKS_PG_INT_H_INCLUDED_ */

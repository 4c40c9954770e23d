
/*
 * Copyright (C) orderhooks authors
 */

/* Batched recording: many webhooks in one INSERT, one answer each. */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_http_orderhooks_pg_int.h"


#define NGX_HTTP_ORDERHOOKS_TEXTOID   25
#define NGX_HTTP_ORDERHOOKS_BYTEAOID  17
#define NGX_HTTP_ORDERHOOKS_RETRIES   3


static ngx_int_t ngx_http_orderhooks_pg_build_arrays(
    ngx_http_orderhooks_pg_conn_t *conn, const char **values, int *lengths);


ngx_int_t
ngx_http_orderhooks_pg_send_batch(ngx_http_orderhooks_pg_conn_t *conn)
{
    int                             lengths[NGX_HTTP_ORDERHOOKS_EVENT_NPARAMS];
    int                             formats[NGX_HTTP_ORDERHOOKS_EVENT_NPARAMS];
    size_t                          bytes;
    ngx_uint_t                      i;
    const char                     *values[NGX_HTTP_ORDERHOOKS_EVENT_NPARAMS];
    ngx_queue_t                    *q, *next;
    ngx_http_orderhooks_pg_job_t   *job;
    ngx_http_orderhooks_pg_pool_t  *pool;

    pool = conn->pool;
    bytes = 0;
    conn->nbatch = 0;

    for (q = ngx_queue_head(&pool->jobs);
         q != ngx_queue_sentinel(&pool->jobs)
         && conn->nbatch < pool->conf->batch;
         q = next)
    {
        next = ngx_queue_next(q);
        job = ngx_queue_data(q, ngx_http_orderhooks_pg_job_t, queue);

        if (job->kind != NGX_HTTP_ORDERHOOKS_JOB_EVENT) {
            continue;
        }

        if (conn->nbatch > 0
            && (job->solo || conn->batch[0]->solo
                || bytes + (size_t) job->lengths[6] > pool->conf->batch_bytes))
        {
            break;
        }

        bytes += job->lengths[6];

        ngx_queue_remove(q);
        job->queued = 0;
        pool->waiting--;
        job->in_flight = 1;

        conn->batch[conn->nbatch++] = job;
    }

    conn->state = NGX_HTTP_ORDERHOOKS_CONN_BUSY;
    conn->events = 1;

    if (ngx_http_orderhooks_pg_build_arrays(conn, values, lengths) != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, pool->log, 0,
                      "orderhooks: out of memory building a batch");
        ngx_http_orderhooks_pg_requeue_batch(conn, 0);
        conn->state = NGX_HTTP_ORDERHOOKS_CONN_IDLE;
        conn->events = 0;
        return NGX_OK;
    }

    for (i = 0; i < NGX_HTTP_ORDERHOOKS_EVENT_NPARAMS; i++) {
        formats[i] = 1;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, pool->log, 0,
                   "orderhooks: recording %ui webhook(s)", conn->nbatch);

    if (!PQsendQueryPrepared(conn->pg, ngx_http_orderhooks_pg_insert.name,
                             NGX_HTTP_ORDERHOOKS_EVENT_NPARAMS, values,
                             lengths, formats, 0))
    {
        return NGX_ERROR;
    }

    return ngx_http_orderhooks_pg_flush(conn);
}


static ngx_int_t
ngx_http_orderhooks_pg_build_arrays(ngx_http_orderhooks_pg_conn_t *conn,
    const char **values, int *lengths)
{
    u_char                        *p, *start;
    size_t                         need;
    uint32_t                       v;
    ngx_uint_t                     i, k, hasnull;
    ngx_http_orderhooks_pg_job_t  *job;

    need = 0;

    for (k = 0; k < NGX_HTTP_ORDERHOOKS_EVENT_NPARAMS; k++) {
        need += 20;

        for (i = 0; i < conn->nbatch; i++) {
            job = conn->batch[i];
            need += 4 + (job->values[k] ? (size_t) job->lengths[k] : 0);
        }
    }

    if (need > conn->buf_size) {
        if (conn->buf) {
            ngx_free(conn->buf);
        }

        conn->buf_size = ngx_max(need, 64 * 1024);
        conn->buf = ngx_alloc(conn->buf_size, conn->pool->log);

        if (conn->buf == NULL) {
            conn->buf_size = 0;
            return NGX_ERROR;
        }
    }

    p = conn->buf;

#define ngx_http_orderhooks_put32(p, n)                                       \
    v = htonl((uint32_t) (n)); p = ngx_cpymem(p, &v, 4)

    for (k = 0; k < NGX_HTTP_ORDERHOOKS_EVENT_NPARAMS; k++) {
        start = p;

        hasnull = 0;
        for (i = 0; i < conn->nbatch; i++) {
            if (conn->batch[i]->values[k] == NULL) {
                hasnull = 1;
            }
        }

        ngx_http_orderhooks_put32(p, 1);
        ngx_http_orderhooks_put32(p, hasnull);
        ngx_http_orderhooks_put32(p, k == 6 ? NGX_HTTP_ORDERHOOKS_BYTEAOID
                                            : NGX_HTTP_ORDERHOOKS_TEXTOID);
        ngx_http_orderhooks_put32(p, conn->nbatch);
        ngx_http_orderhooks_put32(p, 1);

        for (i = 0; i < conn->nbatch; i++) {
            job = conn->batch[i];

            if (job->values[k] == NULL) {
                ngx_http_orderhooks_put32(p, -1);
                continue;
            }

            ngx_http_orderhooks_put32(p, job->lengths[k]);
            p = ngx_cpymem(p, job->values[k], job->lengths[k]);
        }

        values[k] = (const char *) start;
        lengths[k] = (int) (p - start);
    }

#undef ngx_http_orderhooks_put32

    return NGX_OK;
}


void
ngx_http_orderhooks_pg_batch_done(ngx_http_orderhooks_pg_conn_t *conn,
    PGresult *res)
{
    int                             row, rows;
    char                           *sqlstate;
    ngx_int_t                       ord, id;
    ngx_str_t                       msg;
    ngx_uint_t                      i, j, n, inserted;
    ngx_http_orderhooks_pg_job_t   *job, *done[1024];

    if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
        sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

        ngx_http_orderhooks_pg_count(conn->pool,
                                     NGX_HTTP_ORDERHOOKS_DB_ERR_STATEMENT);

        ngx_log_error(NGX_LOG_ERR, conn->pool->log, 0,
                      "orderhooks: recording %ui webhook(s) failed: "
                      "SQLSTATE %s: %V", conn->nbatch,
                      sqlstate ? sqlstate : "-",
                      ngx_http_orderhooks_pg_error(&msg,
                          res ? PQresultErrorMessage(res)
                              : PQerrorMessage(conn->pg)));

        /* isolate the row the database refused: retry each one alone */

        if (conn->nbatch > 1) {
            ngx_http_orderhooks_pg_requeue_batch(conn, 1);
            conn->state = NGX_HTTP_ORDERHOOKS_CONN_IDLE;
            conn->events = 0;
            return;
        }

        rows = 0;

    } else {
        rows = PQntuples(res);
    }

    n = conn->nbatch;

    for (i = 0; i < n; i++) {
        done[i] = conn->batch[i];
        conn->batch[i] = NULL;
    }

    conn->nbatch = 0;
    conn->state = NGX_HTTP_ORDERHOOKS_CONN_IDLE;
    conn->events = 0;
    inserted = 0;

    for (i = 0; i < n; i++) {
        job = done[i];

        if (job == NULL) {
            continue;
        }

        job->in_flight = 0;
        job->rc = NGX_ERROR;

        for (row = 0; row < rows; row++) {
            ord = ngx_atoi((u_char *) PQgetvalue(res, row, 0),
                           PQgetlength(res, row, 0));

            if (ord != (ngx_int_t) i + 1) {
                continue;
            }

            if (PQgetisnull(res, row, 1)) {
                break;
            }

            id = ngx_atoi((u_char *) PQgetvalue(res, row, 1),
                          PQgetlength(res, row, 1));

            job->row_id = id;
            job->inserted = (PQgetvalue(res, row, 2)[0] == 't');
            job->rc = NGX_OK;

            /* the same event twice in one batch: only the first is new */

            for (j = 0; j < i; j++) {
                if (done[j] && done[j]->row_id == id && done[j]->inserted) {
                    job->inserted = 0;
                }
            }

            break;
        }

        if (job->rc != NGX_OK && rows > 0
            && job->retries < NGX_HTTP_ORDERHOOKS_RETRIES)
        {
            /*
             * A concurrent transaction inserted the same event after our
             * snapshot was taken: ask again and the row will be visible.
             */

            job->retries++;
            ngx_queue_insert_head(&conn->pool->jobs, &job->queue);
            job->queued = 1;
            conn->pool->waiting++;
            done[i] = NULL;
        }
    }

    for (i = 0; i < n; i++) {
        if (done[i]) {
            inserted |= done[i]->inserted;
            ngx_http_orderhooks_pg_complete(done[i], done[i]->rc);
        }
    }

    if (inserted) {
        ngx_http_orderhooks_pg_wake_workers(conn->pool);
    }
}


void
ngx_http_orderhooks_pg_requeue_batch(ngx_http_orderhooks_pg_conn_t *conn,
    ngx_uint_t solo)
{
    ngx_uint_t                     i;
    ngx_http_orderhooks_pg_job_t  *job;

    /* back to the head of the queue, in their original order */

    for (i = conn->nbatch; i > 0; i--) {
        job = conn->batch[i - 1];
        conn->batch[i - 1] = NULL;

        if (job == NULL) {
            continue;
        }

        job->in_flight = 0;
        job->solo = solo;

        ngx_queue_insert_head(&conn->pool->jobs, &job->queue);
        job->queued = 1;
        conn->pool->waiting++;
    }

    conn->nbatch = 0;
}

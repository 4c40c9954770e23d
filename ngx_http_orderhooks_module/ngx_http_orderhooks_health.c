
/*
 * Copyright (C) orderhooks authors
 */

/* Health report: database, queue and sources as JSON, briefly cached. */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <oh_json.h>

#include "ngx_http_orderhooks_module.h"


/*
 * One per worker: the last answer of the health query, and the requests
 * waiting for the query in flight, so any number of probes cost at most
 * one query per worker per cache period.
 */

typedef struct {
    ngx_http_orderhooks_pg_job_t    job;
    ngx_queue_t                     waiters;
    ngx_msec_t                      sent;
    ngx_msec_t                      fetched;
    ngx_msec_t                      rtt;
    int64_t                         counts[4];  /* pending, retry, dead,
                                                   oldest pending age */
    unsigned                        busy:1;
    unsigned                        valid:1;
    unsigned                        reachable:1;
} ngx_http_orderhooks_health_t;


typedef struct {
    ngx_http_request_t             *request;
    ngx_queue_t                     queue;
    unsigned                        queued:1;
} ngx_http_orderhooks_health_waiter_t;


static ngx_http_orderhooks_health_t *ngx_http_orderhooks_health_state(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_orderhooks_health_wait(ngx_http_request_t *r,
    ngx_http_orderhooks_health_t *h);
static void ngx_http_orderhooks_health_done(ngx_http_orderhooks_pg_job_t *job);
static void ngx_http_orderhooks_health_store(ngx_http_orderhooks_health_t *h,
    ngx_http_orderhooks_pg_job_t *job);
static void ngx_http_orderhooks_health_cleanup(void *data);
static ngx_int_t ngx_http_orderhooks_health_send(ngx_http_request_t *r,
    ngx_http_orderhooks_health_t *h);
static u_char *ngx_http_orderhooks_health_sources(ngx_http_request_t *r,
    u_char *p);


ngx_int_t
ngx_http_orderhooks_health_handler(ngx_http_request_t *r)
{
    ngx_int_t                        rc;
    ngx_http_orderhooks_health_t    *h;
    ngx_http_orderhooks_loc_conf_t  *olcf;

    if (r->method != NGX_HTTP_GET && r->method != NGX_HTTP_HEAD) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    h = ngx_http_orderhooks_health_state(r);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_orderhooks_module);

    if (h->valid && ngx_current_msec - h->fetched < olcf->health_cache) {
        return ngx_http_orderhooks_health_send(r, h);
    }

    return ngx_http_orderhooks_health_wait(r, h);
}


static ngx_http_orderhooks_health_t *
ngx_http_orderhooks_health_state(ngx_http_request_t *r)
{
    ngx_http_orderhooks_health_t     *h;
    ngx_http_orderhooks_main_conf_t  *omcf;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_orderhooks_module);

    if (omcf->health) {
        return omcf->health;
    }

    /* the worker's lifetime: the cycle's pool */

    h = ngx_pcalloc(ngx_cycle->pool, sizeof(ngx_http_orderhooks_health_t));
    if (h == NULL) {
        return NULL;
    }

    ngx_queue_init(&h->waiters);

    h->job.kind = NGX_HTTP_ORDERHOOKS_JOB_QUERY;
    h->job.stmt = NGX_HTTP_ORDERHOOKS_STMT_HEALTH;
    h->job.nparams = 0;
    h->job.handler = ngx_http_orderhooks_health_done;
    h->job.data = h;
    h->job.log = ngx_cycle->log;

    omcf->health = h;

    return h;
}


static ngx_int_t
ngx_http_orderhooks_health_wait(ngx_http_request_t *r,
    ngx_http_orderhooks_health_t *h)
{
    ngx_pool_cleanup_t                   *cln;
    ngx_http_orderhooks_main_conf_t      *omcf;
    ngx_http_orderhooks_health_waiter_t  *w;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_orderhooks_module);

    if (!h->busy) {

        if (omcf->pool == NULL
            || ngx_http_orderhooks_pg_post(omcf->pool, &h->job) != NGX_OK)
        {
            /* known to be down: no need to wait for anything */
            h->valid = 1;
            h->reachable = 0;
            h->fetched = ngx_current_msec;

            return ngx_http_orderhooks_health_send(r, h);
        }

        h->busy = 1;
        h->sent = ngx_current_msec;
    }

    w = ngx_pcalloc(r->pool, sizeof(ngx_http_orderhooks_health_waiter_t));
    cln = ngx_pool_cleanup_add(r->pool, 0);

    if (w == NULL || cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    w->request = r;
    ngx_queue_insert_tail(&h->waiters, &w->queue);
    w->queued = 1;

    cln->handler = ngx_http_orderhooks_health_cleanup;
    cln->data = w;

    r->main->count++;

    return NGX_DONE;
}


static void
ngx_http_orderhooks_health_done(ngx_http_orderhooks_pg_job_t *job)
{
    ngx_queue_t                          *q;
    ngx_connection_t                     *c;
    ngx_http_request_t                   *r;
    ngx_http_orderhooks_health_t         *h;
    ngx_http_orderhooks_health_waiter_t  *w;

    h = job->data;

    ngx_http_orderhooks_health_store(h, job);

    while (!ngx_queue_empty(&h->waiters)) {
        q = ngx_queue_head(&h->waiters);
        w = ngx_queue_data(q, ngx_http_orderhooks_health_waiter_t, queue);

        ngx_queue_remove(q);
        w->queued = 0;

        r = w->request;
        c = r->connection;

        ngx_http_finalize_request(r, ngx_http_orderhooks_health_send(r, h));
        ngx_http_run_posted_requests(c);
    }
}


static void
ngx_http_orderhooks_health_store(ngx_http_orderhooks_health_t *h,
    ngx_http_orderhooks_pg_job_t *job)
{
    int        i;
    PGresult  *res;

    res = job->result;
    job->result = NULL;

    h->busy = 0;
    h->valid = 1;
    h->fetched = ngx_current_msec;
    h->rtt = ngx_current_msec - h->sent;
    h->reachable = 0;

    if (job->rc == NGX_OK && res && PQntuples(res) == 1
        && PQnfields(res) == 4)
    {
        h->reachable = 1;

        for (i = 0; i < 4; i++) {
            h->counts[i] = ngx_atoi((u_char *) PQgetvalue(res, 0, i),
                                    PQgetlength(res, 0, i));
        }
    }

    if (res) {
        PQclear(res);
    }
}


static void
ngx_http_orderhooks_health_cleanup(void *data)
{
    ngx_http_orderhooks_health_waiter_t  *w = data;

    if (w->queued) {
        ngx_queue_remove(&w->queue);
        w->queued = 0;
    }
}


static ngx_int_t
ngx_http_orderhooks_health_send(ngx_http_request_t *r,
    ngx_http_orderhooks_health_t *h)
{
    u_char                           *p, *start;
    size_t                            size;
    ngx_str_t                        *names;
    ngx_uint_t                        i, n, degraded, status, up, busy,
                                      waiting;
    ngx_http_orderhooks_loc_conf_t   *olcf;
    ngx_http_orderhooks_main_conf_t  *omcf;

    static ngx_str_t  cache_control = ngx_string("Cache-Control");
    static ngx_str_t  no_store = ngx_string("no-store");

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_orderhooks_module);
    omcf = ngx_http_get_module_main_conf(r, ngx_http_orderhooks_module);

    n = ngx_http_orderhooks_metrics_nsources(r);
    names = omcf->sources ? omcf->sources->elts : NULL;

    size = 512;

    for (i = 0; i < n; i++) {
        size += 128 + oh_json_escape_max(names[i].len);
    }

    start = ngx_pnalloc(r->pool, size);
    if (start == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    degraded = !h->reachable
               || h->counts[3] > (int64_t) olcf->health_max_age;

    status = h->reachable ? NGX_HTTP_OK : NGX_HTTP_SERVICE_UNAVAILABLE;

    p = ngx_sprintf(start, "{\"status\":\"%s\",\"database\":{"
                           "\"reachable\":%s",
                    degraded ? "degraded" : "ok",
                    h->reachable ? "true" : "false");

    if (h->reachable) {
        p = ngx_sprintf(p, ",\"round_trip_ms\":%M},\"queue\":{"
                           "\"pending\":%L,\"retry\":%L,\"dead\":%L,"
                           "\"oldest_pending_age_seconds\":%L}",
                        h->rtt, h->counts[0], h->counts[1], h->counts[2],
                        h->counts[3]);

    } else {
        p = ngx_sprintf(p, "},\"queue\":null");
    }

    up = 0;
    busy = 0;
    waiting = 0;

    if (omcf->pool) {
        ngx_http_orderhooks_pg_stats(omcf->pool, &up, &busy, &waiting);
    }

    p = ngx_sprintf(p, ",\"pool\":{\"open\":%ui,\"in_use\":%ui,"
                       "\"waiting\":%ui}",
                    up, busy, waiting);

    p = ngx_http_orderhooks_health_sources(r, p);

    p = ngx_sprintf(p, ",\"cache_age_ms\":%M}\n",
                    ngx_current_msec - h->fetched);

    if (ngx_http_orderhooks_add_header(r, &cache_control, &no_store)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_orderhooks_send_json(r, status, start, p - start);
}


static u_char *
ngx_http_orderhooks_health_sources(ngx_http_request_t *r, u_char *p)
{
    ngx_tm_t                              tm;
    ngx_uint_t                            i, n;
    ngx_http_orderhooks_source_health_t   sh;

    n = ngx_http_orderhooks_metrics_nsources(r);

    p = ngx_sprintf(p, ",\"sources\":[");

    for (i = 0; i < n; i++) {
        ngx_http_orderhooks_metrics_source_health(r, i, &sh);

        p = ngx_sprintf(p, "%s{\"source\":\"", i ? "," : "");
        p += oh_json_escape((char *) p, sh.name.data, sh.name.len);
        p = ngx_sprintf(p, "\",\"last_success\":");

        if (sh.last_success) {
            ngx_gmtime(sh.last_success, &tm);
            p = ngx_sprintf(p, "\"%4d-%02d-%02dT%02d:%02d:%02dZ\"",
                            tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                            tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);

        } else {
            p = ngx_sprintf(p, "null");
        }

        p = ngx_sprintf(p, ",\"recent_verification_failures\":%ui}",
                        sh.recent_failures);
    }

    return ngx_sprintf(p, "]");
}

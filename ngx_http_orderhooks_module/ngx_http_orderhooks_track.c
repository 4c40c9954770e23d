
/*
 * Copyright (C) orderhooks authors
 */

/* "Track your order": a customer's lookup by order number and email. */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <oh_track_query.h>

#include "ngx_http_orderhooks_module.h"


#define NGX_HTTP_ORDERHOOKS_TRACK_BODY_MAX  4096


typedef struct {
    ngx_http_request_t             *request;
    ngx_http_orderhooks_pg_job_t    job;
    oh_track_query_t                query;
} ngx_http_orderhooks_track_ctx_t;


static void ngx_http_orderhooks_track_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_orderhooks_track_lookup(ngx_http_request_t *r,
    u_char *form, size_t len);
static void ngx_http_orderhooks_track_done(ngx_http_orderhooks_pg_job_t *job);
static ngx_int_t ngx_http_orderhooks_track_found(ngx_http_request_t *r,
    PGresult *res);
static ngx_int_t ngx_http_orderhooks_track_error(ngx_http_request_t *r,
    ngx_uint_t status, const char *error, const char *message);
static ngx_int_t ngx_http_orderhooks_track_no_store(ngx_http_request_t *r);
static void ngx_http_orderhooks_track_finish(ngx_http_request_t *r,
    ngx_int_t rc);
static void ngx_http_orderhooks_track_cleanup(void *data);


ngx_int_t
ngx_http_orderhooks_track_handler(ngx_http_request_t *r)
{
    ngx_int_t                         rc;
    ngx_pool_cleanup_t               *cln;
    ngx_http_orderhooks_track_ctx_t  *ctx;

    static ngx_str_t  allow = ngx_string("Allow");
    static ngx_str_t  methods = ngx_string("GET, POST");

    if (r->method != NGX_HTTP_GET && r->method != NGX_HTTP_POST) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        if (ngx_http_orderhooks_add_header(r, &allow, &methods) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_orderhooks_track_error(r, NGX_HTTP_NOT_ALLOWED,
                                               "method_not_allowed",
                                               "Use GET or POST.");
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_orderhooks_track_ctx_t));
    cln = ngx_pool_cleanup_add(r->pool, 0);

    if (ctx == NULL || cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->request = r;
    cln->handler = ngx_http_orderhooks_track_cleanup;
    cln->data = ctx;

    ngx_http_set_ctx(r, ctx, ngx_http_orderhooks_module);

    if (r->method == NGX_HTTP_POST) {
        rc = ngx_http_read_client_request_body(r,
                                            ngx_http_orderhooks_track_body);

        if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            return rc;
        }

        return NGX_DONE;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    /* answered from here or from the database's callback, like a POST */

    r->main->count++;

    ngx_http_orderhooks_track_finish(r,
        ngx_http_orderhooks_track_lookup(r, r->args.data, r->args.len));

    return NGX_DONE;
}


static void
ngx_http_orderhooks_track_body(ngx_http_request_t *r)
{
    u_char       *form, *p;
    size_t        len;
    ngx_chain_t  *cl;

    len = 0;

    if (r->request_body) {
        for (cl = r->request_body->bufs; cl; cl = cl->next) {
            if (cl->buf->in_file) {
                len = NGX_HTTP_ORDERHOOKS_TRACK_BODY_MAX + 1;
                break;
            }

            len += cl->buf->last - cl->buf->pos;
        }
    }

    if (len > NGX_HTTP_ORDERHOOKS_TRACK_BODY_MAX) {
        ngx_http_orderhooks_metrics_track(r,
                                          NGX_HTTP_ORDERHOOKS_TRACK_INVALID);
        ngx_http_orderhooks_track_finish(r,
            ngx_http_orderhooks_track_error(r,
                NGX_HTTP_REQUEST_ENTITY_TOO_LARGE, "too_large",
                "The form is too large."));
        return;
    }

    form = ngx_pnalloc(r->pool, len + 1);
    if (form == NULL) {
        ngx_http_orderhooks_track_finish(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    p = form;

    if (r->request_body) {
        for (cl = r->request_body->bufs; cl; cl = cl->next) {
            p = ngx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
        }
    }

    ngx_http_orderhooks_track_finish(r,
        ngx_http_orderhooks_track_lookup(r, form, len));
}


/*
 * Validates the form, spends the order number's budget and starts the
 * query.  NGX_DONE: the database's callback answers.
 */

static ngx_int_t
ngx_http_orderhooks_track_lookup(ngx_http_request_t *r, u_char *form,
    size_t len)
{
    uint64_t                          retry;
    oh_track_status_t                 st;
    ngx_http_orderhooks_pg_job_t     *job;
    ngx_http_orderhooks_track_ctx_t  *ctx;
    ngx_http_orderhooks_loc_conf_t   *olcf;
    ngx_http_orderhooks_main_conf_t  *omcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_orderhooks_module);
    olcf = ngx_http_get_module_loc_conf(r, ngx_http_orderhooks_module);
    omcf = ngx_http_get_module_main_conf(r, ngx_http_orderhooks_module);

    st = oh_track_query_parse((char *) form, len, &ctx->query);

    if (st != OH_TRACK_OK) {
        ngx_http_orderhooks_metrics_track(r,
                                          NGX_HTTP_ORDERHOOKS_TRACK_INVALID);
        return ngx_http_orderhooks_track_error(r, NGX_HTTP_BAD_REQUEST,
                   oh_track_status_name(st),
                   "Enter your order number and the email address you "
                   "ordered with.");
    }

    if (olcf->track_limit_zone
        && ngx_http_orderhooks_limit_take(olcf->track_limit_zone,
               (u_char *) ctx->query.order_key,
               ngx_strlen(ctx->query.order_key), 0, &retry)
           != NGX_HTTP_ORDERHOOKS_LIMIT_PASS)
    {
        ngx_log_error(olcf->limit_log_level, r->connection->log, 0,
                      "orderhooks: limiting lookups of order \"%s\" in "
                      "zone \"%V\"", ctx->query.order,
                      &olcf->track_limit_zone->shm.name);

        ngx_http_orderhooks_metrics_track(r,
                                     NGX_HTTP_ORDERHOOKS_TRACK_RATE_LIMITED);

        if (ngx_http_orderhooks_track_no_store(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_orderhooks_limit_send(r, retry);
    }

    job = &ctx->job;
    job->kind = NGX_HTTP_ORDERHOOKS_JOB_QUERY;
    job->stmt = NGX_HTTP_ORDERHOOKS_STMT_TRACK;
    job->nparams = 2;
    job->values[0] = ctx->query.order;
    job->values[1] = ctx->query.email;
    job->handler = ngx_http_orderhooks_track_done;
    job->data = r;
    job->log = r->connection->log;

    if (omcf->pool == NULL
        || ngx_http_orderhooks_pg_post(omcf->pool, job) != NGX_OK)
    {
        ngx_http_orderhooks_metrics_track(r,
                                   NGX_HTTP_ORDERHOOKS_TRACK_DB_UNAVAILABLE);

        if (ngx_http_orderhooks_track_no_store(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_orderhooks_send_unavailable(r);
    }

    return NGX_DONE;
}


static void
ngx_http_orderhooks_track_done(ngx_http_orderhooks_pg_job_t *job)
{
    ngx_int_t            rc;
    PGresult            *res;
    ngx_http_request_t  *r;

    r = job->data;
    res = job->result;
    job->result = NULL;

    if (job->rc != NGX_OK || res == NULL) {
        ngx_http_orderhooks_metrics_track(r,
                                   NGX_HTTP_ORDERHOOKS_TRACK_DB_UNAVAILABLE);

        rc = ngx_http_orderhooks_track_no_store(r);
        if (rc == NGX_OK) {
            rc = ngx_http_orderhooks_send_unavailable(r);
        }

    } else if (PQntuples(res) == 0) {

        /* unknown order or another email: one answer, one penalty */

        ngx_http_orderhooks_metrics_track(r,
                                        NGX_HTTP_ORDERHOOKS_TRACK_NOT_FOUND);
        ngx_http_orderhooks_limit_fail(r);

        rc = ngx_http_orderhooks_track_error(r, NGX_HTTP_NOT_FOUND,
                 "not_found",
                 "We could not find an order with that number and email "
                 "address.");

    } else {
        ngx_http_orderhooks_metrics_track(r, NGX_HTTP_ORDERHOOKS_TRACK_FOUND);
        rc = ngx_http_orderhooks_track_found(r, res);
    }

    if (res) {
        PQclear(res);
    }

    ngx_http_orderhooks_track_finish(r, rc);
}


static ngx_int_t
ngx_http_orderhooks_track_found(ngx_http_request_t *r, PGresult *res)
{
    u_char  *p;
    size_t   len;

    len = PQgetlength(res, 0, 0);

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(p, PQgetvalue(res, 0, 0), len);
    p[len] = '\n';

    if (ngx_http_orderhooks_track_no_store(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_orderhooks_send_json(r, NGX_HTTP_OK, p, len + 1);
}


static ngx_int_t
ngx_http_orderhooks_track_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *error, const char *message)
{
    u_char  *p, *last;
    size_t   size;

    if (ngx_http_orderhooks_track_no_store(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    size = sizeof("{\"error\":\"\",\"message\":\"\"}\n")
           + ngx_strlen(error) + ngx_strlen(message);

    p = ngx_pnalloc(r->pool, size);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* both are constants without characters JSON would escape */
    last = ngx_sprintf(p, "{\"error\":\"%s\",\"message\":\"%s\"}\n",
                       error, message);

    return ngx_http_orderhooks_send_json(r, status, p, last - p);
}


static ngx_int_t
ngx_http_orderhooks_track_no_store(ngx_http_request_t *r)
{
    static ngx_str_t  name = ngx_string("Cache-Control");
    static ngx_str_t  value = ngx_string("no-store");

    return ngx_http_orderhooks_add_header(r, &name, &value);
}


static void
ngx_http_orderhooks_track_finish(ngx_http_request_t *r, ngx_int_t rc)
{
    ngx_connection_t  *c;

    if (rc == NGX_DONE) {
        return;
    }

    c = r->connection;

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


static void
ngx_http_orderhooks_track_cleanup(void *data)
{
    ngx_http_orderhooks_track_ctx_t  *ctx = data;

    ngx_http_orderhooks_pg_abandon(&ctx->job);

    if (ctx->job.result) {
        PQclear(ctx->job.result);
        ctx->job.result = NULL;
    }
}

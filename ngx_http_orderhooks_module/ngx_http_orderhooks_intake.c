
/*
 * Copyright (C) orderhooks authors
 */

/* Webhook intake: verify the raw body, record it, answer after commit. */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <oh_json.h>

#include "ngx_http_orderhooks_module.h"


#define NGX_HTTP_ORDERHOOKS_JSON_MAX  160


typedef struct {
    ngx_http_request_t             *request;
    ngx_http_orderhooks_pg_job_t    job;
    oh_sig_verifier_t               verifier;
    oh_sig_result_t                 verdict;
    oh_event_ident_t                ident;
    ngx_str_t                       body;
    ngx_str_t                       headers;
    ngx_str_t                       addr;
    u_char                          body_size[NGX_INT_T_LEN + 1];
} ngx_http_orderhooks_ctx_t;


static void ngx_http_orderhooks_intake_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_orderhooks_intake_read(ngx_http_request_t *r,
    ngx_http_orderhooks_ctx_t *ctx, ngx_uint_t feed);
static ngx_int_t ngx_http_orderhooks_intake_headers(ngx_http_request_t *r,
    ngx_http_orderhooks_ctx_t *ctx);
static ngx_uint_t ngx_http_orderhooks_redacted(ngx_str_t *key);
static void ngx_http_orderhooks_intake_addr(ngx_http_request_t *r,
    ngx_http_orderhooks_ctx_t *ctx);
static void ngx_http_orderhooks_intake_record(ngx_http_request_t *r,
    ngx_http_orderhooks_ctx_t *ctx);
static void ngx_http_orderhooks_intake_reject(ngx_http_request_t *r,
    ngx_http_orderhooks_ctx_t *ctx);
static void ngx_http_orderhooks_intake_recorded(
    ngx_http_orderhooks_pg_job_t *job);
static void ngx_http_orderhooks_intake_rejected(
    ngx_http_orderhooks_pg_job_t *job);
static ngx_int_t ngx_http_orderhooks_intake_send_rejection(
    ngx_http_request_t *r, ngx_http_orderhooks_ctx_t *ctx);
static void ngx_http_orderhooks_intake_finish(ngx_http_request_t *r,
    ngx_int_t rc);
static const char *ngx_http_orderhooks_header_get(void *data,
    const char *name, size_t *len);
static void ngx_http_orderhooks_intake_cleanup(void *data);


static ngx_str_t  ngx_http_orderhooks_redact[] = {
    ngx_string("authorization"),
    ngx_string("proxy-authorization"),
    ngx_string("cookie"),
    ngx_string("x-api-key"),
    ngx_null_string
};


ngx_int_t
ngx_http_orderhooks_intake_handler(ngx_http_request_t *r)
{
    ngx_int_t                         rc;
    ngx_pool_cleanup_t               *cln;
    ngx_http_orderhooks_ctx_t        *ctx;
    ngx_http_orderhooks_main_conf_t  *omcf;

    static ngx_str_t  allow = ngx_string("Allow");
    static ngx_str_t  post = ngx_string("POST");
    static u_char     not_allowed[] = "{\"error\":\"method_not_allowed\"}\n";

    if (r->method != NGX_HTTP_POST) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        if (ngx_http_orderhooks_add_header(r, &allow, &post) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_orderhooks_send_json(r, NGX_HTTP_NOT_ALLOWED,
                                             not_allowed,
                                             sizeof(not_allowed) - 1);
    }

    omcf = ngx_http_get_module_main_conf(r, ngx_http_orderhooks_module);
    if (omcf->pool == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_orderhooks_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->request = r;
    cln->handler = ngx_http_orderhooks_intake_cleanup;
    cln->data = ctx;

    ngx_http_set_ctx(r, ctx, ngx_http_orderhooks_module);

    rc = ngx_http_read_client_request_body(r, ngx_http_orderhooks_intake_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_orderhooks_intake_body(ngx_http_request_t *r)
{
    ngx_uint_t                       feed;
    ngx_http_orderhooks_ctx_t       *ctx;
    ngx_http_orderhooks_loc_conf_t  *olcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_orderhooks_module);
    olcf = ngx_http_get_module_loc_conf(r, ngx_http_orderhooks_module);

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        ctx->verdict = OH_SIG_EMPTY_BODY;
        feed = 0;

    } else {
        ctx->verdict = oh_sig_begin_keyed(&ctx->verifier, olcf->keys,
                                          ngx_http_orderhooks_header_get, r,
                                          (int64_t) ngx_time(),
                                          (int64_t) olcf->tolerance);
        feed = (ctx->verdict == OH_SIG_OK);
    }

    if (ngx_http_orderhooks_intake_read(r, ctx, feed) != NGX_OK) {
        ngx_http_orderhooks_intake_finish(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (feed) {
        ctx->verdict = oh_sig_final(&ctx->verifier);

    } else {
        oh_sig_cleanup(&ctx->verifier);
    }

    if (ctx->body.len == 0) {
        ctx->verdict = OH_SIG_EMPTY_BODY;
    }

    if (oh_event_identify(olcf->provider, ngx_http_orderhooks_header_get, r,
                          ctx->body.data, ctx->body.len, &ctx->ident)
        != 0
        || ngx_http_orderhooks_intake_headers(r, ctx) != NGX_OK)
    {
        ngx_http_orderhooks_intake_finish(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_orderhooks_intake_addr(r, ctx);

    if (ctx->verdict == OH_SIG_OK) {
        ngx_http_orderhooks_intake_record(r, ctx);

    } else {
        ngx_http_orderhooks_intake_reject(r, ctx);
    }
}


/*
 * Gathers the body into one buffer (libpq sends a parameter from one
 * buffer) and feeds the verifier on the way, whether nginx kept the body
 * in memory or spooled it to a temporary file.
 */

static ngx_int_t
ngx_http_orderhooks_intake_read(ngx_http_request_t *r,
    ngx_http_orderhooks_ctx_t *ctx, ngx_uint_t feed)
{
    u_char       *p;
    off_t         size;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (r->request_body == NULL) {
        return NGX_OK;
    }

    size = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        size += ngx_buf_size(cl->buf);
    }

    if (size == 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, (size_t) size);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ctx->body.data = p;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (b->in_file) {
            size = b->file_last - b->file_pos;

            n = ngx_read_file(b->file, p, (size_t) size, b->file_pos);

            if (n != (ssize_t) size) {
                ngx_log_error(NGX_LOG_CRIT, r->connection->log, 0,
                              "orderhooks: short read of the spooled body "
                              "from \"%V\"", &b->file->name);
                return NGX_ERROR;
            }

        } else {
            size = b->last - b->pos;
            ngx_memcpy(p, b->pos, (size_t) size);
        }

        if (feed) {
            oh_sig_update(&ctx->verifier, p, (size_t) size);
        }

        p += size;
    }

    ctx->body.len = p - ctx->body.data;

    return NGX_OK;
}


/* The request headers as a JSON object, credentials redacted. */

static ngx_int_t
ngx_http_orderhooks_intake_headers(ngx_http_request_t *r,
    ngx_http_orderhooks_ctx_t *ctx)
{
    u_char           *p;
    size_t            size;
    ngx_uint_t        i, j, n, first;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, **all;

    static u_char     redacted[] = "[redacted]";

    n = 0;
    size = sizeof("{}");

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        n += part->nelts;

        h = part->elts;
        for (i = 0; i < part->nelts; i++) {
            size += oh_json_escape_max(h[i].key.len + h[i].value.len)
                    + sizeof(redacted) + 8;
        }
    }

    all = ngx_palloc(r->pool, (n + 1) * sizeof(ngx_table_elt_t *));
    p = ngx_pnalloc(r->pool, size);

    if (all == NULL || p == NULL) {
        return NGX_ERROR;
    }

    n = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;
        for (i = 0; i < part->nelts; i++) {
            if (h[i].hash != 0) {
                all[n++] = &h[i];
            }
        }
    }

    ctx->headers.data = p;
    *p++ = '{';
    first = 1;

    for (i = 0; i < n; i++) {

        /* a repeated header was written with its first occurrence */

        for (j = 0; j < i; j++) {
            if (all[j]->key.len == all[i]->key.len
                && ngx_strncasecmp(all[j]->key.data, all[i]->key.data,
                                   all[i]->key.len) == 0)
            {
                break;
            }
        }

        if (j < i) {
            continue;
        }

        if (!first) {
            *p++ = ',';
        }

        first = 0;

        *p++ = '"';
        p += oh_json_escape((char *) p, all[i]->lowcase_key,
                            all[i]->key.len);
        *p++ = '"';
        *p++ = ':';
        *p++ = '"';

        if (ngx_http_orderhooks_redacted(&all[i]->key)) {
            p = ngx_cpymem(p, redacted, sizeof(redacted) - 1);
            *p++ = '"';
            continue;
        }

        p += oh_json_escape((char *) p, all[i]->value.data,
                            all[i]->value.len);

        for (j = i + 1; j < n; j++) {
            if (all[j]->key.len == all[i]->key.len
                && ngx_strncasecmp(all[j]->key.data, all[i]->key.data,
                                   all[i]->key.len) == 0)
            {
                *p++ = ',';
                *p++ = ' ';
                p += oh_json_escape((char *) p, all[j]->value.data,
                                    all[j]->value.len);
            }
        }

        *p++ = '"';
    }

    *p++ = '}';

    ctx->headers.len = p - ctx->headers.data;

    return NGX_OK;
}


static ngx_uint_t
ngx_http_orderhooks_redacted(ngx_str_t *key)
{
    ngx_str_t  *name;

    for (name = ngx_http_orderhooks_redact; name->len; name++) {
        if (name->len == key->len
            && ngx_strncasecmp(name->data, key->data, key->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* The client address as seen after realip; NULL for a unix socket. */

static void
ngx_http_orderhooks_intake_addr(ngx_http_request_t *r,
    ngx_http_orderhooks_ctx_t *ctx)
{
    switch (r->connection->sockaddr->sa_family) {

    case AF_INET:
#if (NGX_HAVE_INET6)
    case AF_INET6:
#endif
        ctx->addr = r->connection->addr_text;
        break;

    default:
        ngx_str_null(&ctx->addr);
    }
}


static void
ngx_http_orderhooks_intake_record(ngx_http_request_t *r,
    ngx_http_orderhooks_ctx_t *ctx)
{
    const char                       *provider;
    ngx_http_orderhooks_pg_job_t     *job;
    ngx_http_orderhooks_loc_conf_t   *olcf;
    ngx_http_orderhooks_main_conf_t  *omcf;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_orderhooks_module);
    omcf = ngx_http_get_module_main_conf(r, ngx_http_orderhooks_module);

    provider = oh_provider_name(olcf->provider);

    job = &ctx->job;
    job->kind = NGX_HTTP_ORDERHOOKS_JOB_EVENT;
    job->nparams = NGX_HTTP_ORDERHOOKS_EVENT_NPARAMS;
    job->handler = ngx_http_orderhooks_intake_recorded;
    job->data = r;
    job->log = r->connection->log;

    job->values[0] = (const char *) olcf->source.data;
    job->lengths[0] = (int) olcf->source.len;
    job->values[1] = provider;
    job->lengths[1] = (int) ngx_strlen(provider);
    job->values[2] = ctx->ident.event_id;
    job->lengths[2] = (int) ngx_strlen(ctx->ident.event_id);
    job->values[3] = ctx->ident.event_type[0] ? ctx->ident.event_type : NULL;
    job->lengths[3] = (int) ngx_strlen(ctx->ident.event_type);
    job->values[4] = (const char *) ctx->addr.data;
    job->lengths[4] = (int) ctx->addr.len;
    job->values[5] = (const char *) ctx->headers.data;
    job->lengths[5] = (int) ctx->headers.len;
    job->values[6] = (const char *) ctx->body.data;
    job->lengths[6] = (int) ctx->body.len;

    if (ngx_http_orderhooks_pg_post(omcf->pool, job) != NGX_OK) {
        ngx_http_orderhooks_metrics_webhook(r,
                                  NGX_HTTP_ORDERHOOKS_WEBHOOK_DB_UNAVAILABLE);
        ngx_http_orderhooks_intake_finish(r,
                                     ngx_http_orderhooks_send_unavailable(r));
    }
}


static void
ngx_http_orderhooks_intake_recorded(ngx_http_orderhooks_pg_job_t *job)
{
    u_char              *p, *last;
    ngx_http_request_t  *r;

    r = job->data;

    if (job->rc != NGX_OK) {
        ngx_http_orderhooks_metrics_webhook(r,
                                  NGX_HTTP_ORDERHOOKS_WEBHOOK_DB_UNAVAILABLE);
        ngx_http_orderhooks_intake_finish(r,
                                     ngx_http_orderhooks_send_unavailable(r));
        return;
    }

    ngx_http_orderhooks_metrics_webhook(r, job->inserted
                                 ? NGX_HTTP_ORDERHOOKS_WEBHOOK_RECORDED
                                 : NGX_HTTP_ORDERHOOKS_WEBHOOK_DUPLICATE);

    p = ngx_pnalloc(r->pool, NGX_HTTP_ORDERHOOKS_JSON_MAX);
    if (p == NULL) {
        ngx_http_orderhooks_intake_finish(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    last = ngx_slprintf(p, p + NGX_HTTP_ORDERHOOKS_JSON_MAX,
                        "{\"status\":\"%s\",\"id\":%L}\n",
                        job->inserted ? "recorded" : "duplicate",
                        (int64_t) job->row_id);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "orderhooks: webhook %s as row %L",
                   job->inserted ? "recorded" : "duplicate",
                   (int64_t) job->row_id);

    ngx_http_orderhooks_intake_finish(r,
        ngx_http_orderhooks_send_json(r, NGX_HTTP_OK, p, last - p));
}


/*
 * A request that failed verification is kept for operators (bounded body,
 * never under the event id's unique key) and answered 401, or 400 for an
 * empty body, whether or not the database took the record.
 */

static void
ngx_http_orderhooks_intake_reject(ngx_http_request_t *r,
    ngx_http_orderhooks_ctx_t *ctx)
{
    u_char                           *p, *last;
    const char                       *provider, *reason;
    ngx_http_orderhooks_pg_job_t     *job;
    ngx_http_orderhooks_loc_conf_t   *olcf;
    ngx_http_orderhooks_main_conf_t  *omcf;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_orderhooks_module);
    omcf = ngx_http_get_module_main_conf(r, ngx_http_orderhooks_module);

    provider = oh_provider_name(olcf->provider);
    reason = oh_sig_result_reason(ctx->verdict);

    ngx_log_error(olcf->reject_log_level, r->connection->log, 0,
                  "orderhooks: rejected %s webhook for source \"%V\": %s",
                  provider, &olcf->source, reason);

    ngx_http_orderhooks_metrics_webhook(r, ctx->verdict == OH_SIG_EMPTY_BODY
                          ? NGX_HTTP_ORDERHOOKS_WEBHOOK_EMPTY_BODY
                          : NGX_HTTP_ORDERHOOKS_WEBHOOK_INVALID_SIGNATURE);
    ngx_http_orderhooks_limit_fail(r);

    last = ngx_sprintf(ctx->body_size, "%uz", ctx->body.len);

    job = &ctx->job;
    job->kind = NGX_HTTP_ORDERHOOKS_JOB_QUERY;
    job->stmt = NGX_HTTP_ORDERHOOKS_STMT_REJECT;
    job->nparams = 9;
    job->handler = ngx_http_orderhooks_intake_rejected;
    job->data = r;
    job->log = r->connection->log;

    job->values[0] = (const char *) olcf->source.data;
    job->lengths[0] = (int) olcf->source.len;
    job->values[1] = provider;
    job->values[2] = ctx->body.len ? ctx->ident.event_id : NULL;
    job->values[3] = ctx->ident.event_type[0] ? ctx->ident.event_type : NULL;
    job->values[4] = ctx->addr.len ? (const char *) ctx->addr.data : NULL;
    job->values[5] = (const char *) ctx->headers.data;
    job->lengths[5] = (int) ctx->headers.len;
    job->values[6] = ctx->body.len ? (const char *) ctx->body.data : "";
    job->lengths[6] = (int) ngx_min(ctx->body.len, olcf->rejected_body_size);
    job->formats[6] = 1;
    job->values[7] = (const char *) ctx->body_size;
    job->lengths[7] = (int) (last - ctx->body_size);
    job->values[8] = reason;

    /* text parameters are null-terminated; the address is not */

    if (ctx->addr.len) {
        p = ngx_pnalloc(r->pool, ctx->addr.len + 1);
        if (p == NULL) {
            ngx_http_orderhooks_intake_finish(r,
                                             NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        *ngx_cpymem(p, ctx->addr.data, ctx->addr.len) = '\0';
        job->values[4] = (const char *) p;
    }

    *last = '\0';
    ctx->headers.data[ctx->headers.len] = '\0';

    if (ngx_http_orderhooks_pg_post(omcf->pool, job) != NGX_OK) {
        ngx_http_orderhooks_intake_finish(r,
                          ngx_http_orderhooks_intake_send_rejection(r, ctx));
    }
}


static void
ngx_http_orderhooks_intake_rejected(ngx_http_orderhooks_pg_job_t *job)
{
    ngx_http_request_t         *r;
    ngx_http_orderhooks_ctx_t  *ctx;

    r = job->data;
    ctx = ngx_http_get_module_ctx(r, ngx_http_orderhooks_module);

    if (job->result) {
        PQclear(job->result);
        job->result = NULL;
    }

    ngx_http_orderhooks_intake_finish(r,
                          ngx_http_orderhooks_intake_send_rejection(r, ctx));
}


static ngx_int_t
ngx_http_orderhooks_intake_send_rejection(ngx_http_request_t *r,
    ngx_http_orderhooks_ctx_t *ctx)
{
    u_char      *p, *last;
    ngx_uint_t   status;

    p = ngx_pnalloc(r->pool, NGX_HTTP_ORDERHOOKS_JSON_MAX);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->verdict == OH_SIG_EMPTY_BODY) {
        status = NGX_HTTP_BAD_REQUEST;
        last = ngx_slprintf(p, p + NGX_HTTP_ORDERHOOKS_JSON_MAX,
                            "{\"error\":\"empty_body\"}\n");

    } else {
        status = NGX_HTTP_UNAUTHORIZED;
        last = ngx_slprintf(p, p + NGX_HTTP_ORDERHOOKS_JSON_MAX,
                            "{\"error\":\"invalid_signature\","
                            "\"reason\":\"%s\"}\n",
                            oh_sig_result_reason(ctx->verdict));
    }

    return ngx_http_orderhooks_send_json(r, status, p, last - p);
}


static void
ngx_http_orderhooks_intake_finish(ngx_http_request_t *r, ngx_int_t rc)
{
    ngx_connection_t  *c;

    c = r->connection;

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


static const char *
ngx_http_orderhooks_header_get(void *data, const char *name, size_t *len)
{
    size_t               n;
    ngx_uint_t           i;
    ngx_list_part_t     *part;
    ngx_table_elt_t     *h;
    ngx_http_request_t  *r;

    r = data;
    n = ngx_strlen(name);

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len == n
                && ngx_strncasecmp(h[i].key.data, (u_char *) name, n) == 0)
            {
                *len = h[i].value.len;
                return (const char *) h[i].value.data;
            }
        }
    }

    return NULL;
}


static void
ngx_http_orderhooks_intake_cleanup(void *data)
{
    ngx_http_orderhooks_ctx_t  *ctx = data;

    ngx_http_orderhooks_pg_abandon(&ctx->job);

    if (ctx->job.result) {
        PQclear(ctx->job.result);
        ctx->job.result = NULL;
    }

    oh_sig_cleanup(&ctx->verifier);
}

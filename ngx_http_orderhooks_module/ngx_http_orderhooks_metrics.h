
/*
 * Copyright (C) orderhooks authors
 */

/* Counters shared by all nginx workers, and the Prometheus endpoint. */


#ifndef _NGX_HTTP_ORDERHOOKS_METRICS_H_INCLUDED_
#define _NGX_HTTP_ORDERHOOKS_METRICS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* the order of the names in ngx_http_orderhooks_metrics.c */

typedef enum {
    NGX_HTTP_ORDERHOOKS_WEBHOOK_RECORDED = 0,
    NGX_HTTP_ORDERHOOKS_WEBHOOK_DUPLICATE,
    NGX_HTTP_ORDERHOOKS_WEBHOOK_INVALID_SIGNATURE,
    NGX_HTTP_ORDERHOOKS_WEBHOOK_EMPTY_BODY,
    NGX_HTTP_ORDERHOOKS_WEBHOOK_RATE_LIMITED,
    NGX_HTTP_ORDERHOOKS_WEBHOOK_TOO_LARGE,
    NGX_HTTP_ORDERHOOKS_WEBHOOK_DB_UNAVAILABLE,
    NGX_HTTP_ORDERHOOKS_WEBHOOK_N
} ngx_http_orderhooks_webhook_e;


typedef enum {
    NGX_HTTP_ORDERHOOKS_TRACK_FOUND = 0,
    NGX_HTTP_ORDERHOOKS_TRACK_NOT_FOUND,
    NGX_HTTP_ORDERHOOKS_TRACK_INVALID,
    NGX_HTTP_ORDERHOOKS_TRACK_RATE_LIMITED,
    NGX_HTTP_ORDERHOOKS_TRACK_DB_UNAVAILABLE,
    NGX_HTTP_ORDERHOOKS_TRACK_N
} ngx_http_orderhooks_track_e;


/* Per source, for the health report. */
typedef struct {
    ngx_str_t                       name;
    time_t                          last_success;   /* 0: none yet */
    ngx_uint_t                      recent_failures;
} ngx_http_orderhooks_source_health_t;


#define NGX_HTTP_ORDERHOOKS_FAILURE_WINDOW  300     /* seconds */


/* Registers a webhook source at configuration time: its metrics slot. */
ngx_int_t ngx_http_orderhooks_metrics_source(ngx_conf_t *cf,
    ngx_str_t *source, ngx_uint_t *slot);
ngx_int_t ngx_http_orderhooks_metrics_init(ngx_conf_t *cf);
ngx_int_t ngx_http_orderhooks_metrics_init_process(ngx_cycle_t *cycle);

/* Lock-free updates: one atomic add each, from any worker. */
void ngx_http_orderhooks_metrics_webhook(ngx_http_request_t *r,
    ngx_http_orderhooks_webhook_e outcome);
void ngx_http_orderhooks_metrics_track(ngx_http_request_t *r,
    ngx_http_orderhooks_track_e outcome);

ngx_uint_t ngx_http_orderhooks_metrics_nsources(ngx_http_request_t *r);
void ngx_http_orderhooks_metrics_source_health(ngx_http_request_t *r,
    ngx_uint_t i, ngx_http_orderhooks_source_health_t *h);

ngx_int_t ngx_http_orderhooks_metrics_handler(ngx_http_request_t *r);


#endif /* _NGX_HTTP_ORDERHOOKS_METRICS_H_INCLUDED_ */


/*
 * Copyright (C) orderhooks authors
 */

/* Shared types of ngx_http_orderhooks_module: configuration and context. */


#ifndef _NGX_HTTP_ORDERHOOKS_MODULE_H_INCLUDED_
#define _NGX_HTTP_ORDERHOOKS_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <oh_sig.h>
#include <oh_event.h>

#include "ngx_http_orderhooks_pg.h"
#include "ngx_http_orderhooks_limit.h"
#include "ngx_http_orderhooks_metrics.h"


typedef struct {
    ngx_http_orderhooks_pg_conf_t   db;
    ngx_http_orderhooks_pg_pool_t  *pool;       /* per worker process */
    ngx_array_t                    *sources;    /* of ngx_str_t: metrics */
    ngx_shm_zone_t                 *metrics_zone;
    void                           *health;     /* per worker process */
    ngx_event_t                    *publish;    /* per worker process */
} ngx_http_orderhooks_main_conf_t;


typedef struct {
    ngx_int_t                       provider;   /* oh_provider_t */
    ngx_str_t                       source;
    ngx_array_t                    *secrets;    /* of oh_secret_t */
    oh_sig_keys_t                  *keys;       /* the secrets, keyed */
    time_t                          tolerance;
    size_t                          rejected_body_size;
    ngx_uint_t                      reject_log_level;

    ngx_uint_t                      metrics_slot;   /* of source */
    ngx_shm_zone_t                 *limit_zone;
    ngx_uint_t                      limit_log_level;
    ngx_shm_zone_t                 *track_limit_zone;
    ngx_msec_t                      health_cache;
    time_t                          health_max_age;
    ngx_flag_t                      track;          /* not inherited */
} ngx_http_orderhooks_loc_conf_t;


extern ngx_module_t  ngx_http_orderhooks_module;


ngx_int_t ngx_http_orderhooks_intake_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_orderhooks_health_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_orderhooks_track_handler(ngx_http_request_t *r);

ngx_int_t ngx_http_orderhooks_send_json(ngx_http_request_t *r,
    ngx_uint_t status, u_char *body, size_t len);
ngx_int_t ngx_http_orderhooks_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *body, size_t len);
ngx_int_t ngx_http_orderhooks_add_header(ngx_http_request_t *r,
    ngx_str_t *name, ngx_str_t *value);
ngx_int_t ngx_http_orderhooks_send_unavailable(ngx_http_request_t *r);

char *ngx_http_orderhooks_secret_resolve(ngx_conf_t *cf, ngx_str_t *value,
    ngx_str_t *secret);
char *ngx_http_orderhooks_secret_keys(ngx_conf_t *cf,
    ngx_http_orderhooks_loc_conf_t *olcf);


#endif /* _NGX_HTTP_ORDERHOOKS_MODULE_H_INCLUDED_ */


/*
 * Copyright (C) orderhooks authors
 */

/* Per-key request budgets in shared memory: zones, checks and 429s. */


#ifndef _NGX_HTTP_ORDERHOOKS_LIMIT_H_INCLUDED_
#define _NGX_HTTP_ORDERHOOKS_LIMIT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


typedef enum {
    NGX_HTTP_ORDERHOOKS_LIMIT_PASS = 0,
    NGX_HTTP_ORDERHOOKS_LIMIT_REQUESTS,     /* the request budget is spent */
    NGX_HTTP_ORDERHOOKS_LIMIT_FAILURES      /* the failure budget is spent */
} ngx_http_orderhooks_limit_e;


/* orderhooks_limit_zone: defines a zone; orderhooks_limit: refers to one */
char *ngx_http_orderhooks_limit_zone_conf(ngx_conf_t *cf);
char *ngx_http_orderhooks_limit_ref_conf(ngx_conf_t *cf, ngx_str_t *value,
    ngx_shm_zone_t **zone);

ngx_int_t ngx_http_orderhooks_limit_init(ngx_conf_t *cf);

/*
 * Takes one request from the key's budget; with `failures`, first turns
 * the key away when its failure budget is spent.  One short section
 * under the zone's lock.  A full zone evicts its least recently used
 * keys; a key that still cannot be stored passes.
 */
ngx_http_orderhooks_limit_e ngx_http_orderhooks_limit_take(
    ngx_shm_zone_t *zone, u_char *key, size_t len, ngx_uint_t failures,
    uint64_t *retry_ms);

/* Counts a failed request (bad signature, unknown order) for the client. */
void ngx_http_orderhooks_limit_fail(ngx_http_request_t *r);

/* 429 with Retry-After and a JSON body. */
ngx_int_t ngx_http_orderhooks_limit_send(ngx_http_request_t *r,
    uint64_t retry_ms);


#endif /* _NGX_HTTP_ORDERHOOKS_LIMIT_H_INCLUDED_ */

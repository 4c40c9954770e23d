
/*
 * Copyright (C) orderhooks authors
 */

/* Small JSON responses shared by every orderhooks handler. */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_orderhooks_module.h"


ngx_int_t
ngx_http_orderhooks_send_json(ngx_http_request_t *r, ngx_uint_t status,
    u_char *body, size_t len)
{
    static ngx_str_t  json = ngx_string("application/json");

    return ngx_http_orderhooks_send(r, status, &json, body, len);
}


/* A whole response from one buffer in the request's memory. */

ngx_int_t
ngx_http_orderhooks_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *body, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = len ? 1 : 0;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


ngx_int_t
ngx_http_orderhooks_add_header(ngx_http_request_t *r, ngx_str_t *name,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    /* zeroed so that fields newer nginx versions add start out empty */
    ngx_memzero(h, sizeof(ngx_table_elt_t));

    h->hash = 1;
    h->key = *name;
    h->value = *value;

    return NGX_OK;
}


ngx_int_t
ngx_http_orderhooks_send_unavailable(ngx_http_request_t *r)
{
    static ngx_str_t  name = ngx_string("Retry-After");
    static ngx_str_t  value = ngx_string("5");
    static u_char     body[] = "{\"error\":\"database_unavailable\"}\n";

    if (ngx_http_orderhooks_add_header(r, &name, &value) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_orderhooks_send_json(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                         body, sizeof(body) - 1);
}

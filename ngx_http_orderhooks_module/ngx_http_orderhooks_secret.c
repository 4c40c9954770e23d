
/*
 * Copyright (C) orderhooks authors
 */

/* Secrets: a literal, env:NAME or file:/path, resolved and keyed at load. */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_orderhooks_module.h"


#define NGX_HTTP_ORDERHOOKS_SECRET_FILE_MAX  4096


static char *ngx_http_orderhooks_secret_from_env(ngx_conf_t *cf,
    ngx_str_t *name, ngx_str_t *secret);
static char *ngx_http_orderhooks_secret_from_file(ngx_conf_t *cf,
    ngx_str_t *path, ngx_str_t *secret);
static void ngx_http_orderhooks_secret_trim(ngx_str_t *s);
static void ngx_http_orderhooks_secret_keys_free(void *data);


char *
ngx_http_orderhooks_secret_resolve(ngx_conf_t *cf, ngx_str_t *value,
    ngx_str_t *secret)
{
    ngx_str_t  rest;
    char      *rv;

    if (value->len > 4 && ngx_strncmp(value->data, "env:", 4) == 0) {
        rest.data = value->data + 4;
        rest.len = value->len - 4;
        rv = ngx_http_orderhooks_secret_from_env(cf, &rest, secret);

    } else if (value->len > 5 && ngx_strncmp(value->data, "file:", 5) == 0) {
        rest.data = value->data + 5;
        rest.len = value->len - 5;
        rv = ngx_http_orderhooks_secret_from_file(cf, &rest, secret);

    } else {
        *secret = *value;
        rv = NGX_CONF_OK;
    }

    if (rv != NGX_CONF_OK) {
        return rv;
    }

    if (secret->len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"orderhooks_secret\" \"%V\" is empty", value);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * Keys the location's HMACs once, in the master: every request copies the
 * keyed state instead of fetching HMAC and keying it again.
 */

char *
ngx_http_orderhooks_secret_keys(ngx_conf_t *cf,
    ngx_http_orderhooks_loc_conf_t *olcf)
{
    oh_sig_keys_t       *keys;
    ngx_pool_cleanup_t  *cln;

    keys = ngx_pcalloc(cf->pool, sizeof(oh_sig_keys_t));
    cln = ngx_pool_cleanup_add(cf->pool, 0);

    if (keys == NULL || cln == NULL) {
        return NGX_CONF_ERROR;
    }

    if (oh_sig_keys_init(keys, olcf->provider, olcf->secrets->elts,
                         olcf->secrets->nelts)
        != OH_SIG_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"orderhooks %s\": cannot prepare the HMAC keys",
                           oh_provider_name(olcf->provider));
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_orderhooks_secret_keys_free;
    cln->data = keys;

    olcf->keys = keys;

    return NGX_CONF_OK;
}


static char *
ngx_http_orderhooks_secret_from_env(ngx_conf_t *cf, ngx_str_t *name,
    ngx_str_t *secret)
{
    u_char  *p, *var;

    /* the master resolves it while reading the configuration */

    var = ngx_pnalloc(cf->temp_pool, name->len + 1);
    if (var == NULL) {
        return NGX_CONF_ERROR;
    }

    (void) ngx_cpystrn(var, name->data, name->len + 1);

    p = (u_char *) getenv((char *) var);
    if (p == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"orderhooks_secret\": environment variable "
                           "\"%V\" is not set", name);
        return NGX_CONF_ERROR;
    }

    secret->len = ngx_strlen(p);
    secret->data = ngx_pstrdup(cf->pool, &(ngx_str_t) { secret->len, p });
    if (secret->data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_http_orderhooks_secret_trim(secret);

    return NGX_CONF_OK;
}


static char *
ngx_http_orderhooks_secret_from_file(ngx_conf_t *cf, ngx_str_t *path,
    ngx_str_t *secret)
{
    u_char     *buf;
    ssize_t     n;
    ngx_fd_t    fd;
    ngx_str_t   name;

    name = *path;

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"orderhooks_secret\": cannot open \"%V\"",
                           &name);
        return NGX_CONF_ERROR;
    }

    buf = ngx_pnalloc(cf->pool, NGX_HTTP_ORDERHOOKS_SECRET_FILE_MAX);
    if (buf == NULL) {
        (void) ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_fd(fd, buf, NGX_HTTP_ORDERHOOKS_SECRET_FILE_MAX);

    (void) ngx_close_file(fd);

    if (n == -1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"orderhooks_secret\": cannot read \"%V\"",
                           &name);
        return NGX_CONF_ERROR;
    }

    if (n == NGX_HTTP_ORDERHOOKS_SECRET_FILE_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"orderhooks_secret\": \"%V\" is larger than "
                           "%d bytes", &name,
                           NGX_HTTP_ORDERHOOKS_SECRET_FILE_MAX - 1);
        return NGX_CONF_ERROR;
    }

    secret->data = buf;
    secret->len = n;

    ngx_http_orderhooks_secret_trim(secret);

    return NGX_CONF_OK;
}


/* editors and `echo` leave a newline after the secret: it is not part of it */

static void
ngx_http_orderhooks_secret_trim(ngx_str_t *s)
{
    while (s->len
           && (s->data[s->len - 1] == '\n' || s->data[s->len - 1] == '\r'
               || s->data[s->len - 1] == ' ' || s->data[s->len - 1] == '\t'))
    {
        s->len--;
    }
}


static void
ngx_http_orderhooks_secret_keys_free(void *data)
{
    oh_sig_keys_t  *keys = data;

    oh_sig_keys_free(keys);
}


/*
 * Copyright (C) orderhooks authors
 */

/* Per-key request budgets in shared memory: zones, checks and 429s. */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <oh_ratelimit.h>

#include "ngx_http_orderhooks_module.h"


#define NGX_HTTP_ORDERHOOKS_LIMIT_KEY_MAX   255
#define NGX_HTTP_ORDERHOOKS_LIMIT_EVICT     64


typedef struct {
    ngx_rbtree_node_t                   node;       /* key: crc32 */
    ngx_queue_t                         queue;      /* LRU, head: newest */
    oh_rl_state_t                       requests;
    oh_rl_state_t                       failures;
    u_short                             len;
    u_char                              data[1];
} ngx_http_orderhooks_limit_node_t;


typedef struct {
    ngx_rbtree_t                        rbtree;
    ngx_rbtree_node_t                   sentinel;
    ngx_queue_t                         queue;
} ngx_http_orderhooks_limit_sh_t;


typedef struct {
    ngx_http_orderhooks_limit_sh_t     *sh;
    ngx_slab_pool_t                    *shpool;
    oh_rl_conf_t                        requests;
    oh_rl_conf_t                        failures;
} ngx_http_orderhooks_limit_ctx_t;


static ngx_int_t ngx_http_orderhooks_limit_init_zone(ngx_shm_zone_t *zone,
    void *data);
static void ngx_http_orderhooks_limit_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static char *ngx_http_orderhooks_limit_param(ngx_conf_t *cf,
    ngx_str_t *value, ngx_http_orderhooks_limit_ctx_t *ctx);
static ngx_int_t ngx_http_orderhooks_limit_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_orderhooks_limit_key(ngx_http_request_t *r,
    u_char **key, size_t *len);
static ngx_http_orderhooks_limit_node_t *ngx_http_orderhooks_limit_lookup(
    ngx_http_orderhooks_limit_ctx_t *ctx, u_char *key, size_t len,
    uint64_t now);
static void ngx_http_orderhooks_limit_expire(
    ngx_http_orderhooks_limit_ctx_t *ctx, uint64_t now);
static void ngx_http_orderhooks_limit_free(
    ngx_http_orderhooks_limit_ctx_t *ctx,
    ngx_http_orderhooks_limit_node_t *ln);


char *
ngx_http_orderhooks_limit_zone_conf(ngx_conf_t *cf)
{
    u_char                           *p;
    ssize_t                           size;
    ngx_str_t                        *value, name, s;
    ngx_uint_t                        i;
    ngx_shm_zone_t                   *zone;
    ngx_http_orderhooks_limit_ctx_t  *ctx;

    value = cf->args->elts;

    p = (u_char *) ngx_strchr(value[1].data, ':');
    if (p == NULL || p == value[1].data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone \"%V\", expected name:size",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    name.data = value[1].data;
    name.len = p - value[1].data;

    s.data = p + 1;
    s.len = value[1].data + value[1].len - s.data;

    size = ngx_parse_size(&s);
    if (size == NGX_ERROR || size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone size \"%V\", at least %uz",
                           &value[1], 8 * ngx_pagesize);
        return NGX_CONF_ERROR;
    }

    ctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_orderhooks_limit_ctx_t));
    if (ctx == NULL) {
        return NGX_CONF_ERROR;
    }

    /*
     * 120r/m per client, a minute's worth at once: providers retry in
     * bursts after an outage; failures: 6r/m, 5 at once
     */

    ctx->requests.rate = 120000;
    ctx->requests.burst = 0;
    ctx->failures.rate = 6000;
    ctx->failures.burst = 5;

    for (i = 2; i < cf->args->nelts; i++) {
        if (ngx_http_orderhooks_limit_param(cf, &value[i], ctx)
            != NGX_CONF_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }
    }

    if (ctx->requests.burst == 0) {
        ctx->requests.burst = ngx_max(ctx->requests.rate / 1000, 1);
    }

    zone = ngx_shared_memory_add(cf, &name, size, &ngx_http_orderhooks_module);
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "orderhooks_limit_zone \"%V\" is duplicate",
                           &name);
        return NGX_CONF_ERROR;
    }

    zone->init = ngx_http_orderhooks_limit_init_zone;
    zone->data = ctx;

    return NGX_CONF_OK;
}


static char *
ngx_http_orderhooks_limit_param(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_orderhooks_limit_ctx_t *ctx)
{
    ngx_int_t   n;
    uint64_t   *rate, *burst;

    if (ngx_strncmp(value->data, "rate=", 5) == 0) {
        rate = &ctx->requests.rate;
        goto rate;
    }

    if (ngx_strncmp(value->data, "fail_rate=", 10) == 0) {
        rate = &ctx->failures.rate;
        goto rate;
    }

    if (ngx_strncmp(value->data, "burst=", 6) == 0) {
        burst = &ctx->requests.burst;
        n = ngx_atoi(value->data + 6, value->len - 6);
        goto burst;
    }

    if (ngx_strncmp(value->data, "fail_burst=", 11) == 0) {
        burst = &ctx->failures.burst;
        n = ngx_atoi(value->data + 11, value->len - 11);
        goto burst;
    }

    return NGX_CONF_ERROR;

rate:

    n = ngx_strchr(value->data, '=') - (char *) value->data + 1;

    if (oh_rl_parse_rate((char *) value->data + n, value->len - n, rate)
        != 0)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

burst:

    if (n == NGX_ERROR || n < 1 || n > 100000) {
        return NGX_CONF_ERROR;
    }

    *burst = (uint64_t) n;

    return NGX_CONF_OK;
}


char *
ngx_http_orderhooks_limit_ref_conf(ngx_conf_t *cf, ngx_str_t *value,
    ngx_shm_zone_t **zone)
{
    ngx_str_t  name;

    if (*zone != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    if (value->len <= 5 || ngx_strncmp(value->data, "zone=", 5) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\", expected zone=<name>",
                           value);
        return NGX_CONF_ERROR;
    }

    name.data = value->data + 5;
    name.len = value->len - 5;

    /* size 0: the zone may be defined further down the http block */

    *zone = ngx_shared_memory_add(cf, &name, 0, &ngx_http_orderhooks_module);
    if (*zone == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_orderhooks_limit_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PREACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_orderhooks_limit_handler;

    return NGX_OK;
}


static ngx_int_t
ngx_http_orderhooks_limit_init_zone(ngx_shm_zone_t *zone, void *data)
{
    ngx_http_orderhooks_limit_ctx_t  *octx = data;

    size_t                            len;
    ngx_http_orderhooks_limit_ctx_t  *ctx;

    ctx = zone->data;

    if (octx) {
        /* a reload: keep the budgets already spent */
        ctx->sh = octx->sh;
        ctx->shpool = octx->shpool;
        return NGX_OK;
    }

    ctx->shpool = (ngx_slab_pool_t *) zone->shm.addr;

    if (zone->shm.exists) {
        ctx->sh = ctx->shpool->data;
        return NGX_OK;
    }

    ctx->sh = ngx_slab_alloc(ctx->shpool,
                             sizeof(ngx_http_orderhooks_limit_sh_t));
    if (ctx->sh == NULL) {
        return NGX_ERROR;
    }

    ctx->shpool->data = ctx->sh;

    ngx_rbtree_init(&ctx->sh->rbtree, &ctx->sh->sentinel,
                    ngx_http_orderhooks_limit_rbtree_insert);
    ngx_queue_init(&ctx->sh->queue);

    len = sizeof(" in orderhooks_limit_zone \"\"") + zone->shm.name.len;

    ctx->shpool->log_ctx = ngx_slab_alloc(ctx->shpool, len);
    if (ctx->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(ctx->shpool->log_ctx, " in orderhooks_limit_zone \"%V\"%Z",
                &zone->shm.name);

    /* a full zone is handled by evicting keys, not worth a log line */
    ctx->shpool->log_nomem = 0;

    return NGX_OK;
}


static void
ngx_http_orderhooks_limit_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t                 **p;
    ngx_http_orderhooks_limit_node_t   *ln, *lnt;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else {
            ln = (ngx_http_orderhooks_limit_node_t *) node;
            lnt = (ngx_http_orderhooks_limit_node_t *) temp;

            p = (ngx_memn2cmp(ln->data, lnt->data, ln->len, lnt->len) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


/* PREACCESS: the client's budgets in the location's zone. */

static ngx_int_t
ngx_http_orderhooks_limit_handler(ngx_http_request_t *r)
{
    u_char                          *key;
    size_t                           len;
    uint64_t                         retry;
    ngx_http_orderhooks_limit_e      verdict;
    ngx_http_orderhooks_loc_conf_t  *olcf;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_orderhooks_module);

    /* the client's own request once, not internal redirects */

    if (olcf->limit_zone == NULL || r != r->main || r->internal) {
        return NGX_DECLINED;
    }

    if (ngx_http_orderhooks_limit_key(r, &key, &len) != NGX_OK) {
        return NGX_DECLINED;
    }

    verdict = ngx_http_orderhooks_limit_take(olcf->limit_zone, key, len, 1,
                                             &retry);

    if (verdict == NGX_HTTP_ORDERHOOKS_LIMIT_PASS) {
        return NGX_DECLINED;
    }

    ngx_log_error(olcf->limit_log_level, r->connection->log, 0,
                  "orderhooks: limiting %s from %V in zone \"%V\", "
                  "retry after %uL s",
                  verdict == NGX_HTTP_ORDERHOOKS_LIMIT_FAILURES
                  ? "failed requests" : "requests",
                  &r->connection->addr_text, &olcf->limit_zone->shm.name,
                  oh_rl_retry_after(retry));

    if (olcf->provider != OH_PROVIDER_UNKNOWN) {
        ngx_http_orderhooks_metrics_webhook(r,
                                  NGX_HTTP_ORDERHOOKS_WEBHOOK_RATE_LIMITED);

    } else if (olcf->track) {
        ngx_http_orderhooks_metrics_track(r,
                                  NGX_HTTP_ORDERHOOKS_TRACK_RATE_LIMITED);
    }

    ngx_http_finalize_request(r, ngx_http_orderhooks_limit_send(r, retry));

    return NGX_DONE;
}


/* The client address (after realip) in binary: 4 or 16 bytes. */

static ngx_int_t
ngx_http_orderhooks_limit_key(ngx_http_request_t *r, u_char **key,
    size_t *len)
{
    struct sockaddr_in   *sin;
#if (NGX_HAVE_INET6)
    struct sockaddr_in6  *sin6;
#endif

    switch (r->connection->sockaddr->sa_family) {

    case AF_INET:
        sin = (struct sockaddr_in *) r->connection->sockaddr;
        *key = (u_char *) &sin->sin_addr;
        *len = sizeof(struct in_addr);
        return NGX_OK;

#if (NGX_HAVE_INET6)
    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) r->connection->sockaddr;
        *key = (u_char *) &sin6->sin6_addr;
        *len = sizeof(struct in6_addr);
        return NGX_OK;
#endif

    default:
        /* a unix socket: no client to tell apart */
        return NGX_DECLINED;
    }
}


ngx_http_orderhooks_limit_e
ngx_http_orderhooks_limit_take(ngx_shm_zone_t *zone, u_char *key, size_t len,
    ngx_uint_t failures, uint64_t *retry_ms)
{
    uint64_t                           now;
    ngx_http_orderhooks_limit_e        verdict;
    ngx_http_orderhooks_limit_ctx_t   *ctx;
    ngx_http_orderhooks_limit_node_t  *ln;

    ctx = zone->data;
    now = (uint64_t) ngx_current_msec;
    verdict = NGX_HTTP_ORDERHOOKS_LIMIT_PASS;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    ln = ngx_http_orderhooks_limit_lookup(ctx, key, len, now);

    if (ln == NULL) {
        /* nothing could be evicted: serving beats refusing */

    } else if (failures
               && oh_rl_peek(&ctx->failures, &ln->failures, now, retry_ms)
                  != OH_RL_PASS)
    {
        verdict = NGX_HTTP_ORDERHOOKS_LIMIT_FAILURES;

    } else if (oh_rl_take(&ctx->requests, &ln->requests, now, retry_ms)
               != OH_RL_PASS)
    {
        verdict = NGX_HTTP_ORDERHOOKS_LIMIT_REQUESTS;
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return verdict;
}


void
ngx_http_orderhooks_limit_fail(ngx_http_request_t *r)
{
    u_char                            *key;
    size_t                             len;
    uint64_t                           now;
    ngx_http_orderhooks_limit_ctx_t   *ctx;
    ngx_http_orderhooks_loc_conf_t    *olcf;
    ngx_http_orderhooks_limit_node_t  *ln;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_orderhooks_module);

    if (olcf->limit_zone == NULL
        || ngx_http_orderhooks_limit_key(r, &key, &len) != NGX_OK)
    {
        return;
    }

    ctx = olcf->limit_zone->data;
    now = (uint64_t) ngx_current_msec;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    ln = ngx_http_orderhooks_limit_lookup(ctx, key, len, now);

    if (ln) {
        oh_rl_charge(&ctx->failures, &ln->failures, now);
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);
}


/*
 * Finds or creates the key's node and marks it most recently used.
 * Called with the zone locked.
 */

static ngx_http_orderhooks_limit_node_t *
ngx_http_orderhooks_limit_lookup(ngx_http_orderhooks_limit_ctx_t *ctx,
    u_char *key, size_t len, uint64_t now)
{
    size_t                             size;
    uint32_t                           hash;
    ngx_int_t                          rc;
    ngx_uint_t                         i;
    ngx_queue_t                       *q;
    ngx_rbtree_node_t                 *node, *sentinel;
    ngx_http_orderhooks_limit_node_t  *ln;

    len = ngx_min(len, NGX_HTTP_ORDERHOOKS_LIMIT_KEY_MAX);
    hash = ngx_crc32_short(key, len);

    node = ctx->sh->rbtree.root;
    sentinel = ctx->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash != node->key) {
            node = (hash < node->key) ? node->left : node->right;
            continue;
        }

        ln = (ngx_http_orderhooks_limit_node_t *) node;

        rc = ngx_memn2cmp(key, ln->data, len, (size_t) ln->len);

        if (rc == 0) {
            ngx_queue_remove(&ln->queue);
            ngx_queue_insert_head(&ctx->sh->queue, &ln->queue);
            return ln;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    ngx_http_orderhooks_limit_expire(ctx, now);

    size = offsetof(ngx_http_orderhooks_limit_node_t, data) + len;

    ln = ngx_slab_alloc_locked(ctx->shpool, size);

    /* full: evict the least recently used keys, whatever their state */

    for (i = 0; ln == NULL && i < NGX_HTTP_ORDERHOOKS_LIMIT_EVICT; i++) {

        if (ngx_queue_empty(&ctx->sh->queue)) {
            return NULL;
        }

        q = ngx_queue_last(&ctx->sh->queue);
        ngx_http_orderhooks_limit_free(ctx,
            ngx_queue_data(q, ngx_http_orderhooks_limit_node_t, queue));

        ln = ngx_slab_alloc_locked(ctx->shpool, size);
    }

    if (ln == NULL) {
        return NULL;
    }

    ln->node.key = hash;
    ln->len = (u_short) len;
    ngx_memcpy(ln->data, key, len);

    oh_rl_init(&ln->requests, now);
    oh_rl_init(&ln->failures, now);

    ngx_rbtree_insert(&ctx->sh->rbtree, &ln->node);
    ngx_queue_insert_head(&ctx->sh->queue, &ln->queue);

    return ln;
}


/* Drops up to two idle keys from the cold end, as limit_req does. */

static void
ngx_http_orderhooks_limit_expire(ngx_http_orderhooks_limit_ctx_t *ctx,
    uint64_t now)
{
    ngx_uint_t                         n;
    ngx_queue_t                       *q;
    ngx_http_orderhooks_limit_node_t  *ln;

    for (n = 0; n < 2 && !ngx_queue_empty(&ctx->sh->queue); n++) {

        q = ngx_queue_last(&ctx->sh->queue);
        ln = ngx_queue_data(q, ngx_http_orderhooks_limit_node_t, queue);

        if (!oh_rl_idle(&ctx->requests, &ln->requests, now)
            || !oh_rl_idle(&ctx->failures, &ln->failures, now))
        {
            return;
        }

        ngx_http_orderhooks_limit_free(ctx, ln);
    }
}


static void
ngx_http_orderhooks_limit_free(ngx_http_orderhooks_limit_ctx_t *ctx,
    ngx_http_orderhooks_limit_node_t *ln)
{
    ngx_queue_remove(&ln->queue);
    ngx_rbtree_delete(&ctx->sh->rbtree, &ln->node);
    ngx_slab_free_locked(ctx->shpool, ln);
}


ngx_int_t
ngx_http_orderhooks_limit_send(ngx_http_request_t *r, uint64_t retry_ms)
{
    u_char     *p, *last;
    uint64_t    secs;
    ngx_int_t   rc;
    ngx_str_t   value;

    static ngx_str_t  name = ngx_string("Retry-After");

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    secs = oh_rl_retry_after(retry_ms);

    p = ngx_pnalloc(r->pool, 2 * NGX_INT64_LEN + 48);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    value.data = p;
    value.len = ngx_sprintf(p, "%uL", secs) - p;

    if (ngx_http_orderhooks_add_header(r, &name, &value) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p += value.len;
    last = ngx_sprintf(p, "{\"error\":\"rate_limited\",\"retry_after\":%uL}\n",
                       secs);

    return ngx_http_orderhooks_send_json(r, NGX_HTTP_TOO_MANY_REQUESTS, p,
                                         last - p);
}

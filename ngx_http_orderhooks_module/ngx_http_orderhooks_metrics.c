
/*
 * Copyright (C) orderhooks authors
 */

/* Counters shared by all nginx workers, and the Prometheus endpoint. */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_orderhooks_module.h"


#define NGX_HTTP_ORDERHOOKS_BUCKETS       11
#define NGX_HTTP_ORDERHOOKS_WINDOW_SLOTS  5       /* minutes */
#define NGX_HTTP_ORDERHOOKS_PUBLISH       1000    /* ms */


typedef struct {
    ngx_atomic_t                        minute;
    ngx_atomic_t                        count;
} ngx_http_orderhooks_window_t;


typedef struct {
    ngx_atomic_t                        webhooks[
                                            NGX_HTTP_ORDERHOOKS_WEBHOOK_N];
    ngx_atomic_t                        buckets[NGX_HTTP_ORDERHOOKS_BUCKETS];
    ngx_atomic_t                        count;
    ngx_atomic_t                        sum_us;
    ngx_atomic_t                        last_success;
    ngx_http_orderhooks_window_t        failures[
                                            NGX_HTTP_ORDERHOOKS_WINDOW_SLOTS];
} ngx_http_orderhooks_metrics_source_t;


/* what each worker's pool reports: its own connections and queue */

typedef struct {
    ngx_atomic_t                        open;
    ngx_atomic_t                        in_use;
    ngx_atomic_t                        waiting;
} ngx_http_orderhooks_metrics_pool_t;


typedef struct {
    uint32_t                            layout;   /* crc32 of the sources */
    ngx_uint_t                          nsources;
    ngx_atomic_t                        track[NGX_HTTP_ORDERHOOKS_TRACK_N];
    ngx_atomic_t                        db_errors[
                                            NGX_HTTP_ORDERHOOKS_DB_ERR_N];
    ngx_http_orderhooks_metrics_pool_t  pools[NGX_MAX_PROCESSES];
    ngx_http_orderhooks_metrics_source_t  sources[1];
} ngx_http_orderhooks_metrics_sh_t;


static ngx_int_t ngx_http_orderhooks_metrics_init_zone(ngx_shm_zone_t *zone,
    void *data);
static uint32_t ngx_http_orderhooks_metrics_layout(ngx_array_t *sources);
static ngx_http_orderhooks_metrics_sh_t *ngx_http_orderhooks_metrics_sh(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_orderhooks_metrics_log(ngx_http_request_t *r);
static void ngx_http_orderhooks_metrics_observe(
    ngx_http_orderhooks_metrics_source_t *s, ngx_http_request_t *r);
static void ngx_http_orderhooks_metrics_publish(ngx_event_t *ev);
static void ngx_http_orderhooks_metrics_publish_pool(
    ngx_http_orderhooks_main_conf_t *omcf);
static u_char *ngx_http_orderhooks_metrics_label(u_char *p, ngx_str_t *v);
static u_char *ngx_http_orderhooks_metrics_webhooks(u_char *p,
    ngx_http_orderhooks_metrics_sh_t *sh, ngx_str_t *names);
static u_char *ngx_http_orderhooks_metrics_latency(u_char *p,
    ngx_http_orderhooks_metrics_sh_t *sh, ngx_str_t *names);
static u_char *ngx_http_orderhooks_metrics_others(u_char *p,
    ngx_http_orderhooks_metrics_sh_t *sh);


static char  *ngx_http_orderhooks_webhook_outcomes[] = {
    "recorded",
    "duplicate",
    "invalid_signature",
    "empty_body",
    "rate_limited",
    "too_large",
    "db_unavailable"
};


static char  *ngx_http_orderhooks_track_outcomes[] = {
    "found",
    "not_found",
    "invalid",
    "rate_limited",
    "db_unavailable"
};


static char  *ngx_http_orderhooks_db_error_kinds[] = {
    "connection",
    "statement",
    "timeout"
};


/* upper bounds in milliseconds, and as Prometheus prints them */

static ngx_msec_t  ngx_http_orderhooks_bucket_ms[] = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};

static char  *ngx_http_orderhooks_bucket_le[] = {
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5",
    "5", "10"
};


ngx_int_t
ngx_http_orderhooks_metrics_source(ngx_conf_t *cf, ngx_str_t *source,
    ngx_uint_t *slot)
{
    ngx_str_t                        *s;
    ngx_uint_t                        i;
    ngx_http_orderhooks_main_conf_t  *omcf;

    omcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_orderhooks_module);

    if (omcf->sources == NULL) {
        omcf->sources = ngx_array_create(cf->pool, 4, sizeof(ngx_str_t));
        if (omcf->sources == NULL) {
            return NGX_ERROR;
        }
    }

    s = omcf->sources->elts;

    for (i = 0; i < omcf->sources->nelts; i++) {
        if (s[i].len == source->len
            && ngx_strncmp(s[i].data, source->data, source->len) == 0)
        {
            *slot = i;
            return NGX_OK;
        }
    }

    s = ngx_array_push(omcf->sources);
    if (s == NULL) {
        return NGX_ERROR;
    }

    *s = *source;
    *slot = omcf->sources->nelts - 1;

    return NGX_OK;
}


/*
 * Postconfiguration, after every location was merged: the zone is sized
 * for the sources the configuration names.
 */

ngx_int_t
ngx_http_orderhooks_metrics_init(ngx_conf_t *cf)
{
    size_t                            size;
    ngx_uint_t                        n;
    ngx_http_handler_pt              *h;
    ngx_http_core_main_conf_t        *cmcf;
    ngx_http_orderhooks_main_conf_t  *omcf;

    static ngx_str_t  name = ngx_string("orderhooks_metrics");

    omcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_orderhooks_module);
    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_orderhooks_metrics_log;

    n = omcf->sources ? omcf->sources->nelts : 0;

    size = sizeof(ngx_http_orderhooks_metrics_sh_t)
           + n * sizeof(ngx_http_orderhooks_metrics_source_t);

    /* the slab pool's own pages and bookkeeping */
    size = ngx_align(2 * size + 8 * ngx_pagesize, ngx_pagesize);

    omcf->metrics_zone = ngx_shared_memory_add(cf, &name, size,
                                               &ngx_http_orderhooks_module);
    if (omcf->metrics_zone == NULL) {
        return NGX_ERROR;
    }

    omcf->metrics_zone->init = ngx_http_orderhooks_metrics_init_zone;
    omcf->metrics_zone->data = omcf;

    return NGX_OK;
}


static ngx_int_t
ngx_http_orderhooks_metrics_init_zone(ngx_shm_zone_t *zone, void *data)
{
    ngx_http_orderhooks_main_conf_t  *oomcf = data;

    size_t                             size;
    uint32_t                           layout;
    ngx_uint_t                         n;
    ngx_slab_pool_t                   *shpool;
    ngx_http_orderhooks_main_conf_t   *omcf;
    ngx_http_orderhooks_metrics_sh_t  *sh;

    omcf = zone->data;
    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    n = omcf->sources ? omcf->sources->nelts : 0;
    layout = ngx_http_orderhooks_metrics_layout(omcf->sources);

    sh = NULL;

    if (oomcf || zone->shm.exists) {
        sh = shpool->data;
    }

    /* a reload with the same sources keeps counting */

    if (sh && sh->layout == layout && sh->nsources == n) {
        return NGX_OK;
    }

    if (sh) {
        ngx_slab_free(shpool, sh);
    }

    size = sizeof(ngx_http_orderhooks_metrics_sh_t)
           + n * sizeof(ngx_http_orderhooks_metrics_source_t);

    sh = ngx_slab_calloc(shpool, size);
    if (sh == NULL) {
        return NGX_ERROR;
    }

    sh->layout = layout;
    sh->nsources = n;
    shpool->data = sh;

    return NGX_OK;
}


static uint32_t
ngx_http_orderhooks_metrics_layout(ngx_array_t *sources)
{
    uint32_t    crc;
    ngx_str_t  *s;
    ngx_uint_t  i;

    ngx_crc32_init(crc);

    if (sources) {
        s = sources->elts;

        for (i = 0; i < sources->nelts; i++) {
            ngx_crc32_update(&crc, s[i].data, s[i].len);
            ngx_crc32_update(&crc, (u_char *) "\n", 1);
        }
    }

    ngx_crc32_final(crc);

    return crc;
}


ngx_int_t
ngx_http_orderhooks_metrics_init_process(ngx_cycle_t *cycle)
{
    ngx_http_orderhooks_main_conf_t   *omcf;
    ngx_http_orderhooks_metrics_sh_t  *sh;

    omcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_orderhooks_module);
    if (omcf == NULL || omcf->metrics_zone == NULL) {
        return NGX_OK;
    }

    sh = ((ngx_slab_pool_t *) omcf->metrics_zone->shm.addr)->data;

    /* the pool counts its errors straight into shared memory */
    omcf->db.errors = sh->db_errors;

    if (omcf->db.conninfo.data == NULL || ngx_worker >= NGX_MAX_PROCESSES) {
        return NGX_OK;
    }

    omcf->publish = ngx_pcalloc(cycle->pool, sizeof(ngx_event_t));
    if (omcf->publish == NULL) {
        return NGX_ERROR;
    }

    omcf->publish->handler = ngx_http_orderhooks_metrics_publish;
    omcf->publish->data = omcf;
    omcf->publish->log = cycle->log;
    omcf->publish->cancelable = 1;

    ngx_add_timer(omcf->publish, NGX_HTTP_ORDERHOOKS_PUBLISH);

    return NGX_OK;
}


static void
ngx_http_orderhooks_metrics_publish(ngx_event_t *ev)
{
    ngx_http_orderhooks_main_conf_t  *omcf;

    omcf = ev->data;

    ngx_http_orderhooks_metrics_publish_pool(omcf);

    if (!ngx_exiting && !ngx_quit) {
        ngx_add_timer(ev, NGX_HTTP_ORDERHOOKS_PUBLISH);
    }
}


static void
ngx_http_orderhooks_metrics_publish_pool(ngx_http_orderhooks_main_conf_t *omcf)
{
    ngx_uint_t                           up, busy, waiting;
    ngx_http_orderhooks_metrics_sh_t    *sh;
    ngx_http_orderhooks_metrics_pool_t  *slot;

    if (omcf->pool == NULL || omcf->metrics_zone == NULL
        || ngx_worker >= NGX_MAX_PROCESSES)
    {
        return;
    }

    sh = ((ngx_slab_pool_t *) omcf->metrics_zone->shm.addr)->data;

    ngx_http_orderhooks_pg_stats(omcf->pool, &up, &busy, &waiting);

    slot = &sh->pools[ngx_worker];
    slot->open = up;
    slot->in_use = busy;
    slot->waiting = waiting;
}


static ngx_http_orderhooks_metrics_sh_t *
ngx_http_orderhooks_metrics_sh(ngx_http_request_t *r)
{
    ngx_http_orderhooks_main_conf_t  *omcf;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_orderhooks_module);

    if (omcf->metrics_zone == NULL) {
        return NULL;
    }

    return ((ngx_slab_pool_t *) omcf->metrics_zone->shm.addr)->data;
}


void
ngx_http_orderhooks_metrics_webhook(ngx_http_request_t *r,
    ngx_http_orderhooks_webhook_e outcome)
{
    ngx_uint_t                             minute, i;
    ngx_atomic_uint_t                      old;
    ngx_http_orderhooks_window_t          *w;
    ngx_http_orderhooks_loc_conf_t        *olcf;
    ngx_http_orderhooks_metrics_sh_t      *sh;
    ngx_http_orderhooks_metrics_source_t  *s;

    sh = ngx_http_orderhooks_metrics_sh(r);
    olcf = ngx_http_get_module_loc_conf(r, ngx_http_orderhooks_module);

    if (sh == NULL || olcf->metrics_slot >= sh->nsources) {
        return;
    }

    s = &sh->sources[olcf->metrics_slot];

    (void) ngx_atomic_fetch_add(&s->webhooks[outcome], 1);

    switch (outcome) {

    case NGX_HTTP_ORDERHOOKS_WEBHOOK_RECORDED:
    case NGX_HTTP_ORDERHOOKS_WEBHOOK_DUPLICATE:
        s->last_success = (ngx_atomic_uint_t) ngx_time();
        ngx_http_orderhooks_metrics_observe(s, r);
        break;

    case NGX_HTTP_ORDERHOOKS_WEBHOOK_INVALID_SIGNATURE:
        ngx_http_orderhooks_metrics_observe(s, r);

        /* a slot per minute; the first failure of a minute resets it */

        minute = ngx_time() / 60;
        i = minute % NGX_HTTP_ORDERHOOKS_WINDOW_SLOTS;
        w = &s->failures[i];

        old = w->minute;

        if (old != minute && ngx_atomic_cmp_set(&w->minute, old, minute)) {
            w->count = 0;
        }

        (void) ngx_atomic_fetch_add(&w->count, 1);
        break;

    case NGX_HTTP_ORDERHOOKS_WEBHOOK_EMPTY_BODY:
    case NGX_HTTP_ORDERHOOKS_WEBHOOK_DB_UNAVAILABLE:
        ngx_http_orderhooks_metrics_observe(s, r);
        break;

    default:
        break;
    }
}


/*
 * A body over client_max_body_size is refused by nginx itself, often
 * before the content handler runs: counted when the request is logged.
 */

static ngx_int_t
ngx_http_orderhooks_metrics_log(ngx_http_request_t *r)
{
    ngx_http_orderhooks_loc_conf_t  *olcf;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_orderhooks_module);

    if (olcf->provider != OH_PROVIDER_UNKNOWN && r == r->main
        && r->headers_out.status == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE)
    {
        ngx_http_orderhooks_metrics_webhook(r,
                                       NGX_HTTP_ORDERHOOKS_WEBHOOK_TOO_LARGE);
    }

    return NGX_OK;
}


/* The time from the request's first byte to its answer. */

static void
ngx_http_orderhooks_metrics_observe(ngx_http_orderhooks_metrics_source_t *s,
    ngx_http_request_t *r)
{
    ngx_uint_t   i;
    ngx_msec_t   ms;
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    ms = (ngx_msec_t) ((tp->sec - r->start_sec) * 1000
                       + (tp->msec - r->start_msec));

    if ((ngx_msec_int_t) ms < 0) {
        ms = 0;
    }

    for (i = 0; i < NGX_HTTP_ORDERHOOKS_BUCKETS; i++) {
        if (ms <= ngx_http_orderhooks_bucket_ms[i]) {
            (void) ngx_atomic_fetch_add(&s->buckets[i], 1);
            break;
        }
    }

    (void) ngx_atomic_fetch_add(&s->sum_us, ms * 1000);
    (void) ngx_atomic_fetch_add(&s->count, 1);
}


void
ngx_http_orderhooks_metrics_track(ngx_http_request_t *r,
    ngx_http_orderhooks_track_e outcome)
{
    ngx_http_orderhooks_metrics_sh_t  *sh;

    sh = ngx_http_orderhooks_metrics_sh(r);

    if (sh) {
        (void) ngx_atomic_fetch_add(&sh->track[outcome], 1);
    }
}


ngx_uint_t
ngx_http_orderhooks_metrics_nsources(ngx_http_request_t *r)
{
    ngx_http_orderhooks_metrics_sh_t  *sh;

    sh = ngx_http_orderhooks_metrics_sh(r);

    return sh ? sh->nsources : 0;
}


void
ngx_http_orderhooks_metrics_source_health(ngx_http_request_t *r,
    ngx_uint_t i, ngx_http_orderhooks_source_health_t *h)
{
    ngx_str_t                             *names;
    ngx_uint_t                             k, minute;
    ngx_http_orderhooks_main_conf_t       *omcf;
    ngx_http_orderhooks_metrics_sh_t      *sh;
    ngx_http_orderhooks_metrics_source_t  *s;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_orderhooks_module);
    sh = ngx_http_orderhooks_metrics_sh(r);

    names = omcf->sources->elts;
    s = &sh->sources[i];

    h->name = names[i];
    h->last_success = (time_t) s->last_success;
    h->recent_failures = 0;

    minute = ngx_time() / 60;

    for (k = 0; k < NGX_HTTP_ORDERHOOKS_WINDOW_SLOTS; k++) {
        if (s->failures[k].minute + NGX_HTTP_ORDERHOOKS_WINDOW_SLOTS
            > minute)
        {
            h->recent_failures += s->failures[k].count;
        }
    }
}


ngx_int_t
ngx_http_orderhooks_metrics_handler(ngx_http_request_t *r)
{
    u_char                            *p, *start;
    size_t                             size;
    ngx_int_t                          rc;
    ngx_str_t                         *names;
    ngx_uint_t                         i;
    ngx_http_orderhooks_main_conf_t   *omcf;
    ngx_http_orderhooks_metrics_sh_t  *sh;

    static ngx_str_t  type =
        ngx_string("text/plain; version=0.0.4; charset=utf-8");

    if (r->method != NGX_HTTP_GET && r->method != NGX_HTTP_HEAD) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    omcf = ngx_http_get_module_main_conf(r, ngx_http_orderhooks_module);
    sh = ngx_http_orderhooks_metrics_sh(r);

    if (sh == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* this worker's pool as of now; the others' as of their last second */
    ngx_http_orderhooks_metrics_publish_pool(omcf);

    names = omcf->sources ? omcf->sources->elts : NULL;

    size = 4096;

    for (i = 0; i < sh->nsources; i++) {
        size += (NGX_HTTP_ORDERHOOKS_WEBHOOK_N + NGX_HTTP_ORDERHOOKS_BUCKETS
                 + 3) * (2 * names[i].len + 128);
    }

    start = ngx_pnalloc(r->pool, size);
    if (start == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_http_orderhooks_metrics_webhooks(start, sh, names);
    p = ngx_http_orderhooks_metrics_latency(p, sh, names);
    p = ngx_http_orderhooks_metrics_others(p, sh);

    return ngx_http_orderhooks_send(r, NGX_HTTP_OK, &type, start, p - start);
}


/* A label value with backslash, quote and newline escaped. */

static u_char *
ngx_http_orderhooks_metrics_label(u_char *p, ngx_str_t *v)
{
    ngx_uint_t  i;

    for (i = 0; i < v->len; i++) {
        switch (v->data[i]) {
        case '\\':
        case '"':
            *p++ = '\\';
            *p++ = v->data[i];
            break;
        case '\n':
            *p++ = '\\';
            *p++ = 'n';
            break;
        default:
            *p++ = v->data[i];
        }
    }

    return p;
}


static u_char *
ngx_http_orderhooks_metrics_webhooks(u_char *p,
    ngx_http_orderhooks_metrics_sh_t *sh, ngx_str_t *names)
{
    ngx_uint_t  i, k;

    p = ngx_sprintf(p,
                "# HELP orderhooks_webhooks_total Webhook requests "
                "by source and outcome.\n"
                "# TYPE orderhooks_webhooks_total counter\n");

    for (i = 0; i < sh->nsources; i++) {
        for (k = 0; k < NGX_HTTP_ORDERHOOKS_WEBHOOK_N; k++) {
            p = ngx_sprintf(p, "orderhooks_webhooks_total{source=\"");
            p = ngx_http_orderhooks_metrics_label(p, &names[i]);
            p = ngx_sprintf(p, "\",outcome=\"%s\"} %uA\n",
                            ngx_http_orderhooks_webhook_outcomes[k],
                            sh->sources[i].webhooks[k]);
        }
    }

    return p;
}


static u_char *
ngx_http_orderhooks_metrics_latency(u_char *p,
    ngx_http_orderhooks_metrics_sh_t *sh, ngx_str_t *names)
{
    ngx_uint_t                             i, k;
    ngx_atomic_uint_t                      cum, count, sum;
    ngx_http_orderhooks_metrics_source_t  *s;

    p = ngx_sprintf(p,
                "# HELP orderhooks_intake_duration_seconds Time from a "
                "webhook's first byte to its answer.\n"
                "# TYPE orderhooks_intake_duration_seconds histogram\n");

    for (i = 0; i < sh->nsources; i++) {
        s = &sh->sources[i];

        /* read the count first: buckets never exceed it */
        count = s->count;
        sum = s->sum_us;
        cum = 0;

        for (k = 0; k < NGX_HTTP_ORDERHOOKS_BUCKETS; k++) {
            cum += s->buckets[k];

            p = ngx_sprintf(p, "orderhooks_intake_duration_seconds_bucket"
                               "{source=\"");
            p = ngx_http_orderhooks_metrics_label(p, &names[i]);
            p = ngx_sprintf(p, "\",le=\"%s\"} %uA\n",
                            ngx_http_orderhooks_bucket_le[k],
                            ngx_min(cum, count));
        }

        p = ngx_sprintf(p, "orderhooks_intake_duration_seconds_bucket"
                           "{source=\"");
        p = ngx_http_orderhooks_metrics_label(p, &names[i]);
        p = ngx_sprintf(p, "\",le=\"+Inf\"} %uA\n", count);

        p = ngx_sprintf(p, "orderhooks_intake_duration_seconds_sum"
                           "{source=\"");
        p = ngx_http_orderhooks_metrics_label(p, &names[i]);
        p = ngx_sprintf(p, "\"} %uA.%06uA\n", sum / 1000000, sum % 1000000);

        p = ngx_sprintf(p, "orderhooks_intake_duration_seconds_count"
                           "{source=\"");
        p = ngx_http_orderhooks_metrics_label(p, &names[i]);
        p = ngx_sprintf(p, "\"} %uA\n", count);
    }

    return p;
}


static u_char *
ngx_http_orderhooks_metrics_others(u_char *p,
    ngx_http_orderhooks_metrics_sh_t *sh)
{
    ngx_uint_t         i, n;
    ngx_core_conf_t   *ccf;
    ngx_atomic_uint_t  open, in_use, waiting;

    p = ngx_sprintf(p,
                "# HELP orderhooks_track_lookups_total Order lookups "
                "by outcome.\n"
                "# TYPE orderhooks_track_lookups_total counter\n");

    for (i = 0; i < NGX_HTTP_ORDERHOOKS_TRACK_N; i++) {
        p = ngx_sprintf(p, "orderhooks_track_lookups_total{outcome=\"%s\"}"
                           " %uA\n",
                        ngx_http_orderhooks_track_outcomes[i],
                        sh->track[i]);
    }

    p = ngx_sprintf(p,
                "# HELP orderhooks_db_errors_total Database failures "
                "by kind.\n"
                "# TYPE orderhooks_db_errors_total counter\n");

    for (i = 0; i < NGX_HTTP_ORDERHOOKS_DB_ERR_N; i++) {
        p = ngx_sprintf(p, "orderhooks_db_errors_total{kind=\"%s\"} %uA\n",
                        ngx_http_orderhooks_db_error_kinds[i],
                        sh->db_errors[i]);
    }

    ccf = (ngx_core_conf_t *) ngx_get_conf(ngx_cycle->conf_ctx,
                                           ngx_core_module);

    n = ngx_min((ngx_uint_t) ccf->worker_processes, NGX_MAX_PROCESSES);
    open = 0;
    in_use = 0;
    waiting = 0;

    for (i = 0; i < n; i++) {
        open += sh->pools[i].open;
        in_use += sh->pools[i].in_use;
        waiting += sh->pools[i].waiting;
    }

    p = ngx_sprintf(p,
                "# HELP orderhooks_db_connections_open Database "
                "connections open, all workers.\n"
                "# TYPE orderhooks_db_connections_open gauge\n"
                "orderhooks_db_connections_open %uA\n"
                "# HELP orderhooks_db_connections_in_use Database "
                "connections running a statement.\n"
                "# TYPE orderhooks_db_connections_in_use gauge\n"
                "orderhooks_db_connections_in_use %uA\n"
                "# HELP orderhooks_db_requests_waiting Requests waiting "
                "for a database connection.\n"
                "# TYPE orderhooks_db_requests_waiting gauge\n"
                "orderhooks_db_requests_waiting %uA\n",
                open, in_use, waiting);

    return p;
}

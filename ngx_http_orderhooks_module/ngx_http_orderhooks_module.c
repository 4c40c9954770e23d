
/*
 * Copyright (C) orderhooks authors
 */

/* Module definition: directives, configuration and process hooks. */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_orderhooks_module.h"


static void *ngx_http_orderhooks_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_orderhooks_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_orderhooks_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_orderhooks_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_orderhooks_db(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_orderhooks(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_orderhooks_secret(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_orderhooks_limit_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_orderhooks_limit(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_orderhooks_handler_conf(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_orderhooks_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_orderhooks_init_process(ngx_cycle_t *cycle);
static void ngx_http_orderhooks_exit_process(ngx_cycle_t *cycle);


static ngx_conf_enum_t  ngx_http_orderhooks_log_levels[] = {
    { ngx_string("info"), NGX_LOG_INFO },
    { ngx_string("notice"), NGX_LOG_NOTICE },
    { ngx_string("warn"), NGX_LOG_WARN },
    { ngx_string("error"), NGX_LOG_ERR },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_orderhooks_commands[] = {

    { ngx_string("orderhooks_db"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_orderhooks_db,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("orderhooks"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_orderhooks,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("orderhooks_source"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_orderhooks_loc_conf_t, source),
      NULL },

    { ngx_string("orderhooks_secret"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_orderhooks_secret,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("orderhooks_tolerance"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_orderhooks_loc_conf_t, tolerance),
      NULL },

    { ngx_string("orderhooks_rejected_body_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_orderhooks_loc_conf_t, rejected_body_size),
      NULL },

    { ngx_string("orderhooks_reject_log_level"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_orderhooks_loc_conf_t, reject_log_level),
      &ngx_http_orderhooks_log_levels },

    { ngx_string("orderhooks_limit_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_orderhooks_limit_zone,
      0,
      0,
      NULL },

    { ngx_string("orderhooks_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_orderhooks_limit,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_orderhooks_loc_conf_t, limit_zone),
      NULL },

    { ngx_string("orderhooks_limit_log_level"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_orderhooks_loc_conf_t, limit_log_level),
      &ngx_http_orderhooks_log_levels },

    { ngx_string("orderhooks_health"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_orderhooks_handler_conf,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      ngx_http_orderhooks_health_handler },

    { ngx_string("orderhooks_health_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_orderhooks_loc_conf_t, health_cache),
      NULL },

    { ngx_string("orderhooks_health_max_age"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_orderhooks_loc_conf_t, health_max_age),
      NULL },

    { ngx_string("orderhooks_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_orderhooks_handler_conf,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      ngx_http_orderhooks_metrics_handler },

    { ngx_string("orderhooks_track"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_orderhooks_handler_conf,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      ngx_http_orderhooks_track_handler },

    { ngx_string("orderhooks_track_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_orderhooks_limit,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_orderhooks_loc_conf_t, track_limit_zone),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_orderhooks_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_orderhooks_postconfiguration, /* postconfiguration */

    ngx_http_orderhooks_create_main_conf,  /* create main configuration */
    ngx_http_orderhooks_init_main_conf,    /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_orderhooks_create_loc_conf,   /* create location configuration */
    ngx_http_orderhooks_merge_loc_conf     /* merge location configuration */
};


ngx_module_t  ngx_http_orderhooks_module = {
    NGX_MODULE_V1,
    &ngx_http_orderhooks_module_ctx,       /* module context */
    ngx_http_orderhooks_commands,          /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_orderhooks_init_process,      /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_orderhooks_exit_process,      /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_orderhooks_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_orderhooks_main_conf_t  *omcf;

    omcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_orderhooks_main_conf_t));
    if (omcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     omcf->db.conninfo = { 0, NULL };
     *     omcf->db.errors = NULL;
     *     omcf->pool = NULL;
     *     omcf->sources = NULL;
     *     omcf->metrics_zone = NULL;
     *     omcf->health = NULL;
     *     omcf->publish = NULL;
     */

    omcf->db.size = NGX_CONF_UNSET_UINT;
    omcf->db.timeout = NGX_CONF_UNSET_MSEC;
    omcf->db.batch = NGX_CONF_UNSET_UINT;
    omcf->db.batch_bytes = NGX_CONF_UNSET_SIZE;

    return omcf;
}


static char *
ngx_http_orderhooks_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_orderhooks_main_conf_t  *omcf = conf;

    ngx_conf_init_uint_value(omcf->db.size, 4);
    ngx_conf_init_msec_value(omcf->db.timeout, 5000);
    ngx_conf_init_uint_value(omcf->db.batch, 64);
    ngx_conf_init_size_value(omcf->db.batch_bytes, 8 * 1024 * 1024);

    return NGX_CONF_OK;
}


static void *
ngx_http_orderhooks_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_orderhooks_loc_conf_t  *olcf;

    olcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_orderhooks_loc_conf_t));
    if (olcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     olcf->source = { 0, NULL };
     */

    olcf->provider = NGX_CONF_UNSET;
    olcf->secrets = NGX_CONF_UNSET_PTR;
    olcf->tolerance = NGX_CONF_UNSET;
    olcf->rejected_body_size = NGX_CONF_UNSET_SIZE;
    olcf->reject_log_level = NGX_CONF_UNSET_UINT;
    olcf->metrics_slot = NGX_CONF_UNSET_UINT;
    olcf->limit_zone = NGX_CONF_UNSET_PTR;
    olcf->limit_log_level = NGX_CONF_UNSET_UINT;
    olcf->track_limit_zone = NGX_CONF_UNSET_PTR;
    olcf->health_cache = NGX_CONF_UNSET_MSEC;
    olcf->health_max_age = NGX_CONF_UNSET;
    olcf->track = NGX_CONF_UNSET;

    return olcf;
}


static char *
ngx_http_orderhooks_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_orderhooks_loc_conf_t *prev = parent;
    ngx_http_orderhooks_loc_conf_t *conf = child;

    ngx_uint_t                        i;
    const char                       *name;
    oh_secret_t                      *secrets;
    ngx_http_orderhooks_main_conf_t  *omcf;

    /* the content handler belongs to one location: never inherited */
    if (conf->provider == NGX_CONF_UNSET) {
        conf->provider = OH_PROVIDER_UNKNOWN;
    }

    ngx_conf_merge_ptr_value(conf->secrets, prev->secrets, NULL);
    ngx_conf_merge_value(conf->tolerance, prev->tolerance, 300);
    ngx_conf_merge_size_value(conf->rejected_body_size,
                              prev->rejected_body_size, 4096);
    ngx_conf_merge_uint_value(conf->reject_log_level,
                              prev->reject_log_level, NGX_LOG_WARN);

    if (conf->source.data == NULL) {
        conf->source = prev->source;
    }

    ngx_conf_merge_ptr_value(conf->limit_zone, prev->limit_zone, NULL);
    ngx_conf_merge_uint_value(conf->limit_log_level, prev->limit_log_level,
                              NGX_LOG_WARN);
    ngx_conf_merge_ptr_value(conf->track_limit_zone, prev->track_limit_zone,
                             NULL);
    ngx_conf_merge_msec_value(conf->health_cache, prev->health_cache, 2000);
    ngx_conf_merge_value(conf->health_max_age, prev->health_max_age, 300);

    /* like the content handler, the track flag belongs to one location */
    if (conf->track == NGX_CONF_UNSET) {
        conf->track = 0;
    }

    if (conf->provider == OH_PROVIDER_UNKNOWN) {
        return NGX_CONF_OK;
    }

    name = oh_provider_name(conf->provider);

    if (conf->source.data == NULL) {
        conf->source.data = (u_char *) name;
        conf->source.len = ngx_strlen(name);
    }

    if (conf->secrets == NULL || conf->secrets->nelts == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"orderhooks %s\" needs at least one "
                           "\"orderhooks_secret\" in its location or above",
                           name);
        return NGX_CONF_ERROR;
    }

    if (conf->secrets->nelts > OH_SIG_MAX_SECRETS) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "too many \"orderhooks_secret\" for "
                           "\"orderhooks %s\", at most %d",
                           name, OH_SIG_MAX_SECRETS);
        return NGX_CONF_ERROR;
    }

    secrets = conf->secrets->elts;

    for (i = 0; i < conf->secrets->nelts; i++) {
        if (!oh_sig_secret_usable(conf->provider, &secrets[i])) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"orderhooks_secret\" number %ui cannot be "
                               "used by \"orderhooks %s\" (see "
                               "docs/signatures.md for its format)",
                               i + 1, name);
            return NGX_CONF_ERROR;
        }
    }

    if (ngx_http_orderhooks_secret_keys(cf, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    omcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_orderhooks_module);

    if (omcf->db.conninfo.data == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"orderhooks %s\" needs \"orderhooks_db\" "
                           "in the http block", name);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_orderhooks_metrics_source(cf, &conf->source,
                                           &conf->metrics_slot)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_orderhooks_db(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_orderhooks_main_conf_t  *omcf = conf;

    if (omcf->db.conninfo.data) {
        return "is duplicate";
    }

    return ngx_http_orderhooks_pg_conf(cf, &omcf->db);
}


static char *
ngx_http_orderhooks(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_orderhooks_loc_conf_t  *olcf = conf;

    ngx_str_t                 *value;
    oh_provider_t              provider;
    ngx_http_core_loc_conf_t  *clcf;

    if (olcf->provider != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    provider = oh_provider_by_name((const char *) value[1].data,
                                   value[1].len);
    if (provider == OH_PROVIDER_UNKNOWN) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid provider \"%V\", expected stripe, "
                           "razorpay, stitch, shiprocket, generic, shopify "
                           "or github", &value[1]);
        return NGX_CONF_ERROR;
    }

    olcf->provider = provider;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_orderhooks_intake_handler;

    return NGX_CONF_OK;
}


static char *
ngx_http_orderhooks_secret(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_orderhooks_loc_conf_t  *olcf = conf;

    char         *rv;
    ngx_str_t    *value, secret;
    oh_secret_t  *s;

    if (olcf->secrets == NGX_CONF_UNSET_PTR) {
        olcf->secrets = ngx_array_create(cf->pool, 2, sizeof(oh_secret_t));
        if (olcf->secrets == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    rv = ngx_http_orderhooks_secret_resolve(cf, &value[1], &secret);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    s = ngx_array_push(olcf->secrets);
    if (s == NULL) {
        return NGX_CONF_ERROR;
    }

    s->data = secret.data;
    s->len = secret.len;

    return NGX_CONF_OK;
}


static char *
ngx_http_orderhooks_limit_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_http_orderhooks_limit_zone_conf(cf);
}


static char *
ngx_http_orderhooks_limit(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t        *value;
    ngx_shm_zone_t  **zone;

    zone = (ngx_shm_zone_t **) ((char *) conf + cmd->offset);
    value = cf->args->elts;

    return ngx_http_orderhooks_limit_ref_conf(cf, &value[1], zone);
}


/* orderhooks_health, orderhooks_metrics, orderhooks_track */

static char *
ngx_http_orderhooks_handler_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_orderhooks_loc_conf_t  *olcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler) {
        return "is duplicate";
    }

    clcf->handler = (ngx_http_handler_pt) cmd->post;

    if (clcf->handler == ngx_http_orderhooks_track_handler) {
        olcf->track = 1;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_orderhooks_postconfiguration(ngx_conf_t *cf)
{
    if (ngx_http_orderhooks_limit_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_orderhooks_metrics_init(cf);
}


static ngx_int_t
ngx_http_orderhooks_init_process(ngx_cycle_t *cycle)
{
    ngx_http_orderhooks_main_conf_t  *omcf;

    if (ngx_http_orderhooks_metrics_init_process(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    /* cache manager and loader processes serve no requests */

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    omcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_orderhooks_module);
    if (omcf == NULL || omcf->db.conninfo.data == NULL) {
        return NGX_OK;
    }

    omcf->pool = ngx_http_orderhooks_pg_pool_create(cycle, &omcf->db);
    if (omcf->pool == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_orderhooks_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_orderhooks_main_conf_t  *omcf;

    omcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_orderhooks_module);
    if (omcf == NULL || omcf->pool == NULL) {
        return;
    }

    ngx_http_orderhooks_pg_pool_destroy(omcf->pool);
    omcf->pool = NULL;
}

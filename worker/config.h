/* config: the worker's settings, one table of names, types and defaults. */

#ifndef OH_WORKER_CONFIG_H
#define OH_WORKER_CONFIG_H

#include "oh_backoff.h"

#define CONFIG_STR_MAX  1024

typedef enum {
    LOG_LEVEL_DEBUG = 0,
    LOG_LEVEL_INFO,
    LOG_LEVEL_WARN,
    LOG_LEVEL_ERROR
} log_level_t;

/* STARTTLS on smtp:// URLs (smtps:// is always TLS). */
typedef enum {
    MAIL_TLS_REQUIRED = 0,
    MAIL_TLS_TRY,
    MAIL_TLS_OFF
} mail_tls_t;

/* Every setting; filled from config_table defaults, the file, then CLI. */
typedef struct {
    char          db[CONFIG_STR_MAX];        /* libpq conninfo */
    int           batch_size;
    int           poll_interval_ms;
    oh_backoff_t  backoff;                   /* backoff + backoff_jitter */
    int           listen;                    /* LISTEN/NOTIFY on/off */
    char          log_file[CONFIG_STR_MAX];  /* "" = stderr */
    log_level_t   log_level;
    int           reconnect_max_ms;
    int           early_retry_ms;            /* events ahead of payment */
    int           synchronous_commit;        /* of apply transactions */

    /* customer notifications (docs/notifications.md) */
    int           mail;                      /* outbox and delivery on/off */
    char          mail_url[CONFIG_STR_MAX];  /* smtp[s]://host[:port] */
    mail_tls_t    mail_tls;
    char          mail_ca_file[CONFIG_STR_MAX];  /* "" = system CAs */
    char          mail_username[CONFIG_STR_MAX];
    char          mail_password_file[CONFIG_STR_MAX];
    char          mail_from[CONFIG_STR_MAX];
    char          mail_reply_to[CONFIG_STR_MAX];
    char          mail_support_contact[CONFIG_STR_MAX];
    char          mail_templates[CONFIG_STR_MAX];    /* directory */
    int           mail_batch_size;
    int           mail_timeout_ms;
    int           mail_lease_ms;
    oh_backoff_t  mail_backoff;              /* jitter: backoff_jitter */
} worker_config_t;

/* Fills `cfg` with every default. */
void config_defaults(worker_config_t *cfg);

/*
 * Reads `path` ("name = value" lines, '#' comments) over `cfg`.  On error
 * writes a one-line reason to `err` and returns -1, leaving `cfg` in an
 * unspecified state (callers load into a copy).
 */
int config_load(worker_config_t *cfg, const char *path, char *err,
    size_t errsize) __attribute__((warn_unused_result));

/* Sets one setting by name from its text.  Returns 0 or -1 (see err). */
int config_set(worker_config_t *cfg, const char *name, const char *value,
    char *err, size_t errsize) __attribute__((warn_unused_result));

/*
 * Checks settings that depend on each other (mail_from when mail is on,
 * the URL scheme, mail_lease longer than mail_timeout).  Returns 0, or -1
 * with a one-line reason in `err`.
 */
int config_check(const worker_config_t *cfg, char *err, size_t errsize)
    __attribute__((warn_unused_result));

/*
 * Copies the reloadable settings of `next` into `cur`; names of settings
 * that changed but need a restart are reported through `err`.
 * Returns the number of such settings.
 */
int config_apply_reload(worker_config_t *cur, const worker_config_t *next,
    char *err, size_t errsize);

/* Prints the table: name, type, default, reloadable (tab separated). */
void config_print_table(void);

#endif /* OH_WORKER_CONFIG_H */

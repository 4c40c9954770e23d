/* config: the worker's settings, one table of names, types and defaults. */

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

typedef enum {
    CT_STRING, CT_INT, CT_MS, CT_BOOL, CT_BACKOFF, CT_PERCENT, CT_LEVEL,
    CT_TLS
} config_type_t;

typedef struct {
    const char     *name;
    config_type_t   type;
    size_t          offset;
    const char     *def;
    int             reloadable;
    int             min, max;
} config_entry_t;

#define OFF(f)  offsetof(worker_config_t, f)

/* The one table: docs/worker.md and packaging/ are checked against it. */
static const config_entry_t  config_table[] = {
    { "db", CT_STRING, OFF(db), "", 0, 0, 0 },
    { "batch_size", CT_INT, OFF(batch_size), "250", 1, 1, 10000 },
    { "poll_interval", CT_MS, OFF(poll_interval_ms), "5s", 1, 10,
      3600000 },
    { "listen", CT_BOOL, OFF(listen), "on", 0, 0, 1 },
    { "backoff", CT_BACKOFF, OFF(backoff), "5m,10m,20m,40m,80m", 1, 0, 0 },
    { "backoff_jitter", CT_PERCENT, OFF(backoff.jitter_pct), "10", 1, 0,
      50 },
    { "reconnect_max", CT_MS, OFF(reconnect_max_ms), "30s", 1, 100,
      3600000 },
    { "early_retry", CT_MS, OFF(early_retry_ms), "10s", 1, 0, 3600000 },
    { "synchronous_commit", CT_BOOL, OFF(synchronous_commit), "off", 1, 0,
      1 },
    { "log_file", CT_STRING, OFF(log_file), "", 1, 0, 0 },
    { "log_level", CT_LEVEL, OFF(log_level), "info", 1, 0, 0 },
    { "mail", CT_BOOL, OFF(mail), "off", 0, 0, 1 },
    { "mail_url", CT_STRING, OFF(mail_url), "smtp://127.0.0.1:25", 0, 0,
      0 },
    { "mail_tls", CT_TLS, OFF(mail_tls), "required", 0, 0, 0 },
    { "mail_ca_file", CT_STRING, OFF(mail_ca_file), "", 0, 0, 0 },
    { "mail_username", CT_STRING, OFF(mail_username), "", 0, 0, 0 },
    { "mail_password_file", CT_STRING, OFF(mail_password_file), "", 0, 0,
      0 },
    { "mail_from", CT_STRING, OFF(mail_from), "", 0, 0, 0 },
    { "mail_reply_to", CT_STRING, OFF(mail_reply_to), "", 0, 0, 0 },
    { "mail_support_contact", CT_STRING, OFF(mail_support_contact), "", 0,
      0, 0 },
    { "mail_templates", CT_STRING, OFF(mail_templates),
      "/etc/orderhooks/templates", 0, 0, 0 },
    { "mail_batch_size", CT_INT, OFF(mail_batch_size), "20", 1, 1, 1000 },
    { "mail_timeout", CT_MS, OFF(mail_timeout_ms), "30s", 1, 1000,
      600000 },
    { "mail_lease", CT_MS, OFF(mail_lease_ms), "5m", 1, 1000, 86400000 },
    { "mail_backoff", CT_BACKOFF, OFF(mail_backoff), "1m,5m,15m,1h,4h,12h",
      1, 0, 0 },
    { NULL, 0, 0, NULL, 0, 0, 0 }
};

static const char *const  config_type_names[] = {
    "string", "integer", "duration", "bool", "durations", "percent",
    "enum", "enum"
};

static const char *const  config_levels[] = {
    "debug", "info", "warn", "error", NULL
};

static const char *const  config_tls_names[] = {
    "required", "try", "off", NULL
};

static int config_parse_ms(const char *v, long *out);
static char *config_trim(char *s);
static size_t config_field_size(const config_entry_t *e);
static int config_set_entry(worker_config_t *cfg, const config_entry_t *e,
    const char *value, char *err, size_t errsize);


static int
config_parse_ms(const char *v, long *out)
{
    char  *end;
    long   n;

    errno = 0;
    n = strtol(v, &end, 10);
    if (errno != 0 || end == v || n < 0 || n > 86400000L) {
        return -1;
    }
    if (strcmp(end, "ms") == 0) {
        *out = n;
    } else if (strcmp(end, "s") == 0 || *end == '\0') {
        *out = n * 1000;
    } else if (strcmp(end, "m") == 0) {
        *out = n * 60000;
    } else {
        return -1;
    }
    return 0;
}


static int
config_set_entry(worker_config_t *cfg, const config_entry_t *e,
    const char *value, char *err, size_t errsize)
{
    char  *field = (char *) cfg + e->offset;
    char  *end;
    long   n;
    int    i;

    switch (e->type) {
    case CT_STRING:
        if (strlen(value) >= CONFIG_STR_MAX) {
            snprintf(err, errsize, "%s: value too long", e->name);
            return -1;
        }
        strcpy(field, value);
        return 0;
    case CT_INT:
    case CT_PERCENT:
        errno = 0;
        n = strtol(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0') {
            break;
        }
        goto range;
    case CT_MS:
        if (config_parse_ms(value, &n) != 0) {
            break;
        }
        goto range;
    case CT_BOOL:
        if (strcmp(value, "on") == 0 || strcmp(value, "true") == 0
            || strcmp(value, "1") == 0)
        {
            *(int *) field = 1;
            return 0;
        }
        if (strcmp(value, "off") == 0 || strcmp(value, "false") == 0
            || strcmp(value, "0") == 0)
        {
            *(int *) field = 0;
            return 0;
        }
        break;
    case CT_BACKOFF:
        if (oh_backoff_parse((oh_backoff_t *) field, value) == 0) {
            return 0;
        }
        break;
    case CT_LEVEL:
        for (i = 0; config_levels[i] != NULL; i++) {
            if (strcmp(value, config_levels[i]) == 0) {
                *(log_level_t *) field = (log_level_t) i;
                return 0;
            }
        }
        break;
    case CT_TLS:
        for (i = 0; config_tls_names[i] != NULL; i++) {
            if (strcmp(value, config_tls_names[i]) == 0) {
                *(mail_tls_t *) field = (mail_tls_t) i;
                return 0;
            }
        }
        break;
    }
    snprintf(err, errsize, "%s: invalid %s \"%.64s\"", e->name,
             config_type_names[e->type], value);
    return -1;

range:
    if (n < e->min || n > e->max) {
        snprintf(err, errsize, "%s: %ld out of range %d..%d", e->name, n,
                 e->min, e->max);
        return -1;
    }
    if (e->type == CT_PERCENT) {
        *(unsigned *) field = (unsigned) n;
    } else {
        *(int *) field = (int) n;
    }
    return 0;
}


int
config_set(worker_config_t *cfg, const char *name, const char *value,
    char *err, size_t errsize)
{
    const config_entry_t  *e;

    for (e = config_table; e->name != NULL; e++) {
        if (strcmp(e->name, name) == 0) {
            return config_set_entry(cfg, e, value, err, errsize);
        }
    }
    snprintf(err, errsize, "unknown setting \"%.64s\"", name);
    return -1;
}


void
config_defaults(worker_config_t *cfg)
{
    const config_entry_t  *e;
    char                   err[256];

    memset(cfg, 0, sizeof(*cfg));
    oh_backoff_default(&cfg->backoff);
    for (e = config_table; e->name != NULL; e++) {
        if (config_set_entry(cfg, e, e->def, err, sizeof(err)) != 0) {
            abort();               /* a broken table is a build bug */
        }
    }
}


static char *
config_trim(char *s)
{
    char  *end;

    while (isspace((unsigned char) *s)) {
        s++;
    }
    end = s + strlen(s);
    while (end > s && isspace((unsigned char) end[-1])) {
        *--end = '\0';
    }
    return s;
}


int
config_load(worker_config_t *cfg, const char *path, char *err,
    size_t errsize)
{
    FILE  *f;
    char   line[CONFIG_STR_MAX + 128], sub[256];
    char  *name, *value, *eq;
    int    lineno = 0, rc = 0;

    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errsize, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        name = config_trim(line);
        if (*name == '#' || *name == '\0') {
            continue;
        }
        eq = strchr(name, '=');
        if (eq == NULL) {
            snprintf(err, errsize, "%s:%d: expected name = value", path,
                     lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        name = config_trim(name);
        value = config_trim(eq + 1);
        if (config_set(cfg, name, value, sub, sizeof(sub)) != 0) {
            snprintf(err, errsize, "%s:%d: %s", path, lineno, sub);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}


static size_t
config_field_size(const config_entry_t *e)
{
    switch (e->type) {
    case CT_STRING:  return CONFIG_STR_MAX;
    case CT_BACKOFF: return sizeof(oh_backoff_t);
    case CT_PERCENT: return sizeof(unsigned);
    case CT_LEVEL:   return sizeof(log_level_t);
    case CT_TLS:     return sizeof(mail_tls_t);
    default:         return sizeof(int);
    }
}


int
config_check(const worker_config_t *cfg, char *err, size_t errsize)
{
    if (!cfg->mail) {
        return 0;
    }
    if (strchr(cfg->mail_from, '@') == NULL) {
        snprintf(err, errsize, "mail_from: an address is needed when mail "
                 "is on");
        return -1;
    }
    if (strncmp(cfg->mail_url, "smtp://", 7) != 0
        && strncmp(cfg->mail_url, "smtps://", 8) != 0)
    {
        snprintf(err, errsize, "mail_url: smtp:// or smtps:// expected");
        return -1;
    }
    if (cfg->mail_lease_ms <= cfg->mail_timeout_ms) {
        snprintf(err, errsize, "mail_lease must be longer than "
                 "mail_timeout");
        return -1;
    }
    return 0;
}


int
config_apply_reload(worker_config_t *cur, const worker_config_t *next,
    char *err, size_t errsize)
{
    const config_entry_t  *e;
    int                    fixed = 0, same;
    size_t                 used = 0;
    worker_config_t        out = *next;
    const char            *a, *b;

    err[0] = '\0';
    for (e = config_table; e->name != NULL; e++) {
        if (e->reloadable) {
            continue;
        }
        a = (const char *) cur + e->offset;
        b = (const char *) next + e->offset;
        same = e->type == CT_STRING ? strcmp(a, b) == 0
                                    : memcmp(a, b, config_field_size(e)) == 0;
        if (!same) {
            if (used < errsize) {
                used += (size_t) snprintf(err + used, errsize - used,
                                          "%s%s", fixed ? ", " : "",
                                          e->name);
            }
            fixed++;
        }
        /* a setting that needs a restart keeps its running value */
        memcpy((char *) &out + e->offset, a, config_field_size(e));
    }
    *cur = out;
    return fixed;
}


void
config_print_table(void)
{
    const config_entry_t  *e;

    for (e = config_table; e->name != NULL; e++) {
        printf("%s\t%s\t%s\t%s\n", e->name, config_type_names[e->type],
               e->def[0] ? e->def : "\"\"", e->reloadable ? "yes" : "no");
    }
}

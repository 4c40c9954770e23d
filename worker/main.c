/* main: orderhooks-worker's arguments, configuration, signals and loop. */

#include <errno.h>
#include <malloc.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include "claim.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "mail_deliver.h"
#include "mail_outbox.h"
#include "mail_render.h"
#include "mail_send.h"
#include "notify.h"
#include "service.h"
#include "worker.h"

#define MAIN_SET_MAX  32

/* What the command line asked for. */
typedef struct {
    const char  *config_path;
    const char  *db;
    int          once;
    int          check;
    int          nsets;
    char        *sets[MAIN_SET_MAX];   /* "name=value" */
} main_args_t;

enum { OPT_DB = 256, OPT_ONCE, OPT_SET, OPT_LIST_CONFIG, OPT_CHECK };

static const struct option  main_options[] = {
    { "config", required_argument, NULL, 'c' },
    { "db", required_argument, NULL, OPT_DB },
    { "once", no_argument, NULL, OPT_ONCE },
    { "set", required_argument, NULL, OPT_SET },
    { "check-config", no_argument, NULL, OPT_CHECK },
    { "list-config", no_argument, NULL, OPT_LIST_CONFIG },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static void main_usage(FILE *out);
static int main_parse_args(int argc, char **argv, main_args_t *a);
static int main_load_config(const main_args_t *a, worker_config_t *cfg);
static int main_signals(void);
static int main_handle_signals(int sigfd, const main_args_t *a,
    worker_config_t *cfg, worker_t *w);
static int main_mail_open(worker_t *w, const worker_config_t *cfg);
static mail_templates_t *main_load_templates(const worker_config_t *cfg,
    const char *msg);
static void main_reload_templates(worker_t *w, const worker_config_t *cfg);
static void main_mail_close(worker_t *w);
static int main_connect(worker_t *w, int sigfd, int once);
static int main_step_failed(worker_t *w, const main_args_t *a, int sigfd);
static int main_loop(worker_t *w, const main_args_t *a,
    worker_config_t *cfg, int sigfd);


uint32_t
worker_random(worker_t *w)
{
    w->rng ^= w->rng >> 12;
    w->rng ^= w->rng << 25;
    w->rng ^= w->rng >> 27;
    return (uint32_t) ((w->rng * 2685821657736338717ULL) >> 32);
}


static void
main_usage(FILE *out)
{
    fprintf(out,
        "usage: orderhooks-worker -c FILE [options]\n"
        "\n"
        "Applies recorded webhooks (orderhooks.webhook_events) to orders.\n"
        "\n"
        "  -c, --config FILE     configuration file (name = value lines)\n"
        "      --db CONNINFO     libpq connection string; overrides db\n"
        "      --once            drain the events that are due, then exit\n"
        "      --set NAME=VALUE  override one setting (repeatable)\n"
        "      --check-config    validate the configuration and exit\n"
        "      --list-config     print every setting: name, type, default,\n"
        "                        reloadable\n"
        "  -h, --help            this help\n"
        "\n"
        "Signals: SIGTERM/SIGINT finish the batch and exit; SIGHUP reloads\n"
        "the configuration (kept when invalid) and reopens log_file.\n"
        "Without -c the defaults apply (see --list-config); PG* variables\n"
        "and $ORDERHOOKS_DB are used when db is empty.\n");
}


static int
main_parse_args(int argc, char **argv, main_args_t *a)
{
    int  c;

    memset(a, 0, sizeof(*a));
    while ((c = getopt_long(argc, argv, "c:h", main_options, NULL)) != -1) {
        switch (c) {
        case 'c':
            a->config_path = optarg;
            break;
        case OPT_DB:
            a->db = optarg;
            break;
        case OPT_ONCE:
            a->once = 1;
            break;
        case OPT_SET:
            if (a->nsets == MAIN_SET_MAX || strchr(optarg, '=') == NULL) {
                fprintf(stderr, "orderhooks-worker: --set NAME=VALUE\n");
                return 2;
            }
            a->sets[a->nsets++] = optarg;
            break;
        case OPT_LIST_CONFIG:
            config_print_table();
            return 0;
        case OPT_CHECK:
            a->check = 1;
            break;
        case 'h':
            main_usage(stdout);
            return 0;
        default:
            main_usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        main_usage(stderr);
        return 2;
    }
    return -1;
}


/* Defaults, then the file, then $ORDERHOOKS_DB, --set and --db. */
static int
main_load_config(const main_args_t *a, worker_config_t *cfg)
{
    char         err[CONFIG_STR_MAX + 200], name[64];
    const char  *env, *eq;
    int          i;
    size_t       n;

    config_defaults(cfg);
    if (a->config_path != NULL
        && config_load(cfg, a->config_path, err, sizeof(err)) != 0)
    {
        log_write(LOG_LEVEL_ERROR, "invalid configuration", "error", err,
                  NULL);
        return -1;
    }
    env = getenv("ORDERHOOKS_DB");
    if (cfg->db[0] == '\0' && env != NULL
        && config_set(cfg, "db", env, err, sizeof(err)) != 0)
    {
        log_write(LOG_LEVEL_ERROR, "invalid $ORDERHOOKS_DB", NULL);
        return -1;
    }
    for (i = 0; i < a->nsets; i++) {
        eq = strchr(a->sets[i], '=');
        n = (size_t) (eq - a->sets[i]);
        if (n >= sizeof(name)) {
            n = sizeof(name) - 1;
        }
        memcpy(name, a->sets[i], n);
        name[n] = '\0';
        if (config_set(cfg, name, eq + 1, err, sizeof(err)) != 0) {
            log_write(LOG_LEVEL_ERROR, "invalid --set", "error", err, NULL);
            return -1;
        }
    }
    if (a->db != NULL && config_set(cfg, "db", a->db, err, sizeof(err)) != 0)
    {
        log_write(LOG_LEVEL_ERROR, "invalid --db", "error", err, NULL);
        return -1;
    }
    if (config_check(cfg, err, sizeof(err)) != 0) {
        log_write(LOG_LEVEL_ERROR, "invalid configuration", "error", err,
                  NULL);
        return -1;
    }
    return 0;
}


/* The templates of mail_templates, or NULL with `msg` and the error logged. */
static mail_templates_t *
main_load_templates(const worker_config_t *cfg, const char *msg)
{
    mail_templates_t  *t;
    char               err[CONFIG_STR_MAX + 300];

    if (mail_templates_load(cfg->mail_templates, &t, err, sizeof(err)) != 0)
    {
        log_write(LOG_LEVEL_ERROR, msg, "error", err, NULL);
        return NULL;
    }
    return t;
}


/* With mail on: the templates (errors reported now) and the sender. */
static int
main_mail_open(worker_t *w, const worker_config_t *cfg)
{
    char  err[CONFIG_STR_MAX + 300];

    if (!cfg->mail) {
        return 0;
    }
    w->mail_templates = main_load_templates(cfg,
                                            "invalid notification template");
    if (w->mail_templates == NULL) {
        return -1;
    }
    if (mail_sender_open(cfg, &w->mail_sender, err, sizeof(err)) != 0) {
        log_write(LOG_LEVEL_ERROR, "cannot set up mail delivery", "error",
                  err, NULL);
        return -1;
    }
    return 0;
}


static void
main_mail_close(worker_t *w)
{
    mail_templates_free((mail_templates_t *) w->mail_templates);
    w->mail_templates = NULL;
    mail_sender_close(w->mail_sender);
    w->mail_sender = NULL;
}


/* Signals are blocked and read from a signalfd between batches. */
static int
main_signals(void)
{
    sigset_t  set;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) {
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}


/*
 * A new set of templates replaces the old one only when all of it loads,
 * so a half-edited directory never goes out: the old set stays.  Batches
 * render while they run and signals are read between batches, so no
 * rendering holds the old set when it is freed.
 */
static void
main_reload_templates(worker_t *w, const worker_config_t *cfg)
{
    mail_templates_t  *t;

    if (w->mail_templates == NULL) {
        return;
    }
    t = main_load_templates(cfg,
                            "templates kept: invalid notification template");
    if (t == NULL) {
        return;
    }
    mail_templates_free((mail_templates_t *) w->mail_templates);
    w->mail_templates = t;
    log_write(LOG_LEVEL_INFO, "templates reloaded", "dir",
              cfg->mail_templates, NULL);
}


/* Returns 1 when the worker must stop. */
static int
main_handle_signals(int sigfd, const main_args_t *a, worker_config_t *cfg,
    worker_t *w)
{
    struct signalfd_siginfo  si;
    worker_config_t          next;
    char                     fixed[256];
    int                      stop = 0;

    while (read(sigfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
        if (si.ssi_signo != SIGHUP) {
            log_write(LOG_LEVEL_INFO, "stopping", "signal",
                      si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT", NULL);
            stop = 1;
            continue;
        }
        service_reloading();
        if (main_load_config(a, &next) != 0) {
            log_write(LOG_LEVEL_ERROR, "reload failed, configuration kept",
                      NULL);
        } else {
            if (config_apply_reload(cfg, &next, fixed, sizeof(fixed)) > 0) {
                log_write(LOG_LEVEL_WARN, "settings need a restart",
                          "settings", fixed, NULL);
            }
            log_write(LOG_LEVEL_INFO, "configuration reloaded", NULL);
        }
        if (log_configure(cfg->log_file, cfg->log_level) != 0) {
            log_write(LOG_LEVEL_ERROR, "cannot reopen log_file", "error",
                      strerror(errno), NULL);
        }
        main_reload_templates(w, cfg);
        service_ready();
    }
    return stop;
}


/* Connects (and LISTENs), retrying with growing pauses; 0 or -1 (stop). */
static int
main_connect(worker_t *w, int sigfd, int once)
{
    int  pause_ms = 100;

    for (;;) {
        w->conn = db_connect(w->cfg->db);
        if (w->conn != NULL
            && (w->mail_templates == NULL
                || (db_prepare(w->conn, mail_outbox_statements) == 0
                    && db_prepare(w->conn, mail_deliver_statements) == 0))
            && (!w->cfg->listen || once || notify_listen(w->conn) == 0))
        {
            return 0;
        }
        PQfinish(w->conn);
        w->conn = NULL;
        if (once) {
            return -1;
        }
        if (notify_wait(NULL, sigfd, pause_ms) == NOTIFY_SIGNAL) {
            return -1;
        }
        service_watchdog();
        pause_ms = pause_ms * 2 > w->cfg->reconnect_max_ms
                   ? w->cfg->reconnect_max_ms : pause_ms * 2;
    }
}


/*
 * A claim or mail step failed (logged where it failed): --once gives up;
 * the daemon drops a lost connection (main_connect reopens it) and pauses
 * a second before the next round.  Returns 1 when the worker must exit.
 */
static int
main_step_failed(worker_t *w, const main_args_t *a, int sigfd)
{
    if (a->once) {
        return 1;
    }
    if (db_lost(w->conn)) {
        PQfinish(w->conn);
        w->conn = NULL;
    }
    notify_wait(NULL, sigfd, 1000);
    return 0;
}


/*
 * Caught up: hand the batches' freed memory back before waiting.  Batches
 * of every size leave holes in the heap that glibc keeps mapped; without
 * this a long-running worker's RSS creeps up by a few bytes per event (see
 * bench/memory).  At most once a second: under a steady trickle the worker
 * is "caught up" after every small batch, and the pages trimmed would only
 * be faulted back in by the next one, on the latency path.  `idle`: a
 * whole poll interval passed without work; trim whatever the clock says.
 */
static void
main_trim_heap(int idle)
{
    static double  last;
    double         now = log_now_ms();

    if (!idle && last > 0 && now - last < 1000) {
        return;
    }
    last = now;
    malloc_trim(0);
}


static int
main_loop(worker_t *w, const main_args_t *a, worker_config_t *cfg, int sigfd)
{
    int              claimed, mailed = 0, wd = service_watchdog_ms();
    int              wait_ms;
    notify_result_t  nr;

    for (;;) {
        if (main_handle_signals(sigfd, a, cfg, w)) {
            return 0;
        }
        if (w->conn == NULL && main_connect(w, sigfd, a->once) != 0) {
            return a->once ? 1 : 0;
        }
        if (claim_run_batch(w, &claimed) != 0) {
            if (main_step_failed(w, a, sigfd) != 0) {
                return 1;
            }
            continue;
        }
        if (w->mail_templates != NULL && mail_deliver_batch(w, &mailed) != 0)
        {
            if (main_step_failed(w, a, sigfd) != 0) {
                return 1;
            }
            continue;
        }
        service_watchdog();
        if (claimed >= cfg->batch_size || mailed >= cfg->mail_batch_size) {
            continue;              /* more may be due right away */
        }
        if (a->once) {
            return 0;
        }
        main_trim_heap(0);
        wait_ms = cfg->poll_interval_ms;
        if (wd > 0 && wd < wait_ms) {
            wait_ms = wd;
        }
        nr = notify_wait(cfg->listen ? w->conn : NULL, sigfd, wait_ms);
        if (nr == NOTIFY_TIMEOUT) {
            main_trim_heap(1);
        }
        if (nr == NOTIFY_LOST) {
            log_write(LOG_LEVEL_ERROR, "connection lost", NULL);
            PQfinish(w->conn);
            w->conn = NULL;
        }
    }
}


int
main(int argc, char **argv)
{
    main_args_t      args;
    worker_config_t  cfg;
    worker_t         w;
    int              rc, sigfd;

    rc = main_parse_args(argc, argv, &args);
    if (rc >= 0) {
        return rc;
    }
    if (main_load_config(&args, &cfg) != 0) {
        return 2;
    }
    if (log_configure(cfg.log_file, cfg.log_level) != 0) {
        fprintf(stderr, "orderhooks-worker: cannot open log_file: %s\n",
                strerror(errno));
        return 2;
    }
    memset(&w, 0, sizeof(w));
    w.cfg = &cfg;
    if (main_mail_open(&w, &cfg) != 0) {
        main_mail_close(&w);
        return 2;
    }
    if (args.check) {
        main_mail_close(&w);
        printf("configuration ok\n");
        return 0;
    }
    sigfd = main_signals();
    if (sigfd < 0) {
        log_write(LOG_LEVEL_ERROR, "cannot set up signals", NULL);
        main_mail_close(&w);
        return 1;
    }

    w.rng = (uint64_t) time(NULL) ^ ((uint64_t) getpid() << 32) ^ 0x9e37u;
    log_write(LOG_LEVEL_INFO, "starting", "mode",
              args.once ? "once" : "daemon", NULL);
    if (!args.once) {
        if (main_connect(&w, sigfd, 0) != 0) {
            main_mail_close(&w);
            return 0;
        }
        service_ready();
    }
    rc = main_loop(&w, &args, &cfg, sigfd);
    service_stopping();
    PQfinish(w.conn);
    main_mail_close(&w);
    close(sigfd);
    {
        char  a[24], f[24];

        snprintf(a, sizeof(a), "%llu", (unsigned long long) w.applied);
        snprintf(f, sizeof(f), "%llu", (unsigned long long) w.failed);
        log_write(LOG_LEVEL_INFO, "stopped", "#settled", a, "#failed", f,
                  NULL);
    }
    return rc;
}

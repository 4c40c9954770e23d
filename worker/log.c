/* log: one JSON object per line on stderr (or a file), for journald. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "oh_json.h"

/* A line longer than this loses its fields (they are ids and messages). */
#define LOG_LINE_MAX  4096

typedef struct {
    char    buf[LOG_LINE_MAX];
    size_t  len;
    int     cut;
} log_line_t;

static const char *const  log_level_names[] = {
    "debug", "info", "warn", "error"
};

/* The sink is process state, set only by log_configure(). */
static FILE         *log_sink;
static log_level_t   log_min = LOG_LEVEL_INFO;

/* Lines of one batch, written at once by log_flush() (see log_hold()). */
#define LOG_HOLD_MAX  65536
_Static_assert(LOG_LINE_MAX <= LOG_HOLD_MAX, "a line fits the hold buffer");
static char          log_hold_buf[LOG_HOLD_MAX];
static size_t        log_hold_len;
static int           log_held;


int
log_configure(const char *path, log_level_t level)
{
    FILE  *f;

    if (path[0] != '\0') {
        f = fopen(path, "a");
        if (f == NULL) {
            return -1;
        }
        setvbuf(f, NULL, _IOLBF, 0);
    } else {
        f = NULL;
    }
    log_flush();
    if (log_sink != NULL) {
        fclose(log_sink);
    }
    log_sink = f;
    log_min = level;
    return 0;
}


int
log_enabled(log_level_t level)
{
    return level >= log_min;
}


/* Appends `n` bytes if they fit; a line that would overflow is cut. */
static void
log_put(log_line_t *l, const char *s, size_t n)
{
    if (n > sizeof(l->buf) - 2 - l->len) {
        n = sizeof(l->buf) - 2 - l->len;      /* keep room for "}\n" */
        l->cut = 1;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}


/* Appends `s` as a quoted JSON string, shortened when it would not fit. */
static void
log_put_string(log_line_t *l, const char *s)
{
    size_t  n = strlen(s), room;

    room = sizeof(l->buf) - 2 - l->len;
    if (room < 2) {
        l->cut = 1;
        return;
    }
    if (oh_json_escape_max(n) > room - 2) {
        n = (room - 2) / 6;
        l->cut = 1;
    }
    l->buf[l->len++] = '"';
    l->len += oh_json_escape(l->buf + l->len, (const unsigned char *) s, n);
    l->buf[l->len++] = '"';
}


static void
log_put_pair(log_line_t *l, const char *key, const char *value, int number)
{
    log_put(l, ",", 1);
    log_put_string(l, key);
    log_put(l, ":", 1);
    if (number && oh_json_is_number(value, strlen(value))) {
        log_put(l, value, strlen(value));
    } else {
        log_put_string(l, value);
    }
}


/* The line's opening: time, level and message, which every line keeps. */
static void
log_put_head(log_line_t *l, const char *ts, size_t tslen, log_level_t level,
    const char *msg)
{
    l->len = 0;
    l->cut = 0;
    log_put(l, ts, tslen);
    log_put_pair(l, "level", log_level_names[level], 0);
    log_put_pair(l, "msg", msg, 0);
}


static FILE *
log_out(void)
{
    return log_sink ? log_sink : stderr;
}


/* Writes out what is held. */
static void
log_write_held(void)
{
    if (log_hold_len > 0) {
        (void) !fwrite(log_hold_buf, 1, log_hold_len, log_out());
        log_hold_len = 0;
    }
}


/* Sends one finished line, or keeps it while lines are held. */
static void
log_emit(const char *line, size_t n)
{
    if (!log_held) {
        (void) !fwrite(line, 1, n, log_out());
        return;
    }
    if (n > sizeof(log_hold_buf) - log_hold_len) {
        log_write_held();        /* full: out with it, and go on holding */
    }
    memcpy(log_hold_buf + log_hold_len, line, n);
    log_hold_len += n;
}


void
log_write(log_level_t level, const char *msg, ...)
{
    log_line_t        l;
    char              ts[96];
    const char       *k, *v;
    struct timespec   now;
    struct tm         tm;
    va_list           ap;
    int               n;

    if (level < log_min) {
        return;
    }
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    n = snprintf(ts, sizeof(ts),
                 "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\"",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, (long) (now.tv_nsec / 1000000) % 1000);

    log_put_head(&l, ts, (size_t) n, level, msg);
    va_start(ap, msg);
    while ((k = va_arg(ap, const char *)) != NULL) {
        v = va_arg(ap, const char *);
        if (v != NULL) {
            log_put_pair(&l, k[0] == '#' ? k + 1 : k, v, k[0] == '#');
        }
    }
    va_end(ap);
    if (l.cut) {
        /* the room kept for this tail makes the cut line still JSON */
        log_put_head(&l, ts, (size_t) n, level, msg);
        log_put_pair(&l, "note", "line too long, fields left out", 0);
    }
    l.buf[l.len++] = '}';
    l.buf[l.len++] = '\n';
    log_emit(l.buf, l.len);
}


void
log_hold(void)
{
    log_held = 1;
}


void
log_flush(void)
{
    log_write_held();
    fflush(log_out());
    log_held = 0;
}


double
log_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

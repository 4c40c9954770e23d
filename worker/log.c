/* log: one JSON object per line on stderr (or a file), for journald. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "log.h"

static const char *const  log_level_names[] = {
    "debug", "info", "warn", "error"
};

/* The sink is process state, set only by log_configure(). */
static FILE         *log_sink;
static log_level_t   log_min = LOG_LEVEL_INFO;


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


void
log_write(log_level_t level, const char *msg, ...)
{
    cJSON            *o;
    char             *line, ts[96];
    const char       *k, *v;
    struct timespec   now;
    struct tm         tm;
    va_list           ap;

    if (level < log_min) {
        return;
    }
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, (long) (now.tv_nsec / 1000000) % 1000);

    o = cJSON_CreateObject();
    if (o == NULL) {
        return;
    }
    cJSON_AddStringToObject(o, "ts", ts);
    cJSON_AddStringToObject(o, "level", log_level_names[level]);
    cJSON_AddStringToObject(o, "msg", msg);
    va_start(ap, msg);
    while ((k = va_arg(ap, const char *)) != NULL) {
        v = va_arg(ap, const char *);
        if (v == NULL) {
            continue;
        }
        if (k[0] == '#') {
            cJSON_AddNumberToObject(o, k + 1, strtod(v, NULL));
        } else {
            cJSON_AddStringToObject(o, k, v);
        }
    }
    va_end(ap);

    line = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (line == NULL) {
        return;
    }
    fprintf(log_sink ? log_sink : stderr, "%s\n", line);
    free(line);
}


double
log_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

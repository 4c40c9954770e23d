/* log: one JSON object per line on stderr (or a file), for journald. */

#ifndef OH_WORKER_LOG_H
#define OH_WORKER_LOG_H

#include "config.h"

/*
 * Sends lines to `path` ("" = stderr) from `level` up.  Called at start
 * and on SIGHUP (which reopens the file).  Returns 0, or -1 with errno
 * when the file cannot be opened (the previous sink is kept).
 */
int log_configure(const char *path, log_level_t level)
    __attribute__((warn_unused_result));

/*
 * Writes {"ts":..,"level":..,"msg":.., key: value, ...}.  The variadic
 * part is pairs of const char * key and const char * value, ended by a
 * NULL key; a NULL value is left out.  Keys starting with '#' carry a
 * value that is a JSON number (the '#' is dropped).
 */
void log_write(log_level_t level, const char *msg, ...);

int log_enabled(log_level_t level);

/*
 * Keeps the lines written from now on in memory until log_flush(), which
 * writes them at once: a batch's hundred lines cost one write(), not a
 * hundred.  Lines that do not fit are written at once, in order.
 */
void log_hold(void);
void log_flush(void);

/* Milliseconds on the monotonic clock, for the durations log lines carry. */
double log_now_ms(void);

#endif /* OH_WORKER_LOG_H */

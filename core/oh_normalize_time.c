/* oh_normalize_time: timestamps and carrier status codes, normalised. */

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "oh_normalize.h"

static int oh_digits(const char *s, int n, int *out);
static int oh_valid_date(int y, int mo, int d, int h, int mi, int s);
static int oh_offset(const char *s, const char **end, char out[7]);


static int
oh_digits(const char *s, int n, int *out)
{
    int  v = 0, i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}


static int
oh_valid_date(int y, int mo, int d, int h, int mi, int s)
{
    static const int  mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
                                  30, 31 };
    int               leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1
        || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap)
        || h > 23 || mi > 59 || s > 60)
    {
        return -1;
    }
    return 0;
}


/* "Z", "+05:30", "+0530" or "+05" into "+05:30" form. */
static int
oh_offset(const char *s, const char **end, char out[7])
{
    int  h, m = 0;

    if (*s == 'Z' || *s == 'z') {
        memcpy(out, "+00:00", 7);
        *end = s + 1;
        return 0;
    }
    if ((*s != '+' && *s != '-') || oh_digits(s + 1, 2, &h) != 0) {
        return -1;
    }
    *end = s + 3;
    if (s[3] == ':') {
        if (oh_digits(s + 4, 2, &m) != 0) {
            return -1;
        }
        *end = s + 6;
    } else if (oh_digits(s + 3, 2, &m) == 0) {
        *end = s + 5;
    }
    if (h > 23 || m > 59) {
        return -1;
    }
    out[0] = *s;
    out[1] = (char) ('0' + h / 10);
    out[2] = (char) ('0' + h % 10);
    out[3] = ':';
    out[4] = (char) ('0' + m / 10);
    out[5] = (char) ('0' + m % 10);
    out[6] = '\0';
    return 0;
}


int
oh_normalize_time(const char *in, const char *default_offset,
    char out[OH_TIME_MAX])
{
    int          y, mo, d, h, mi, s, n;
    const char  *p, *end;
    char         frac[8] = "", off[7];

    if (in == NULL) {
        return -1;
    }
    if (oh_digits(in, 4, &y) == 0 && in[4] == '-') {
        if (oh_digits(in + 5, 2, &mo) || in[7] != '-'
            || oh_digits(in + 8, 2, &d)
            || (in[10] != 'T' && in[10] != 't' && in[10] != ' '))
        {
            return -1;
        }
    } else if (oh_digits(in, 2, &d) == 0 && in[2] == ' '
               && oh_digits(in + 3, 2, &mo) == 0 && in[5] == ' '
               && oh_digits(in + 6, 4, &y) == 0 && in[10] == ' ')
    {
        /* Shiprocket: DD MM YYYY HH:MM:SS */
    } else {
        return -1;
    }
    p = in + 11;
    if (oh_digits(p, 2, &h) || p[2] != ':' || oh_digits(p + 3, 2, &mi)
        || p[5] != ':' || oh_digits(p + 6, 2, &s)
        || oh_valid_date(y, mo, d, h, mi, s) != 0)
    {
        return -1;
    }
    p += 8;
    if (*p == '.') {
        for (n = 0, p++; *p >= '0' && *p <= '9'; p++) {
            if (n < 6) {
                frac[n++] = *p;
            }
        }
        if (n == 0) {
            return -1;
        }
        frac[n] = '\0';
    }
    if (*p == '\0') {
        if (default_offset == NULL
            || oh_offset(default_offset, &end, off) != 0 || *end != '\0')
        {
            return -1;
        }
    } else if (oh_offset(p, &end, off) != 0 || *end != '\0') {
        return -1;
    }
    snprintf(out, OH_TIME_MAX, "%04d-%02d-%02d %02d:%02d:%02d%s%s%s",
             y, mo, d, h, mi, s, frac[0] ? "." : "", frac, off);
    return 0;
}


int
oh_normalize_unix_time(int64_t secs, char out[OH_TIME_MAX])
{
    time_t     t = (time_t) secs;
    struct tm  tm;

    if (secs < 0 || secs > 253402300799LL || gmtime_r(&t, &tm) == NULL) {
        return -1;
    }
    if (strftime(out, OH_TIME_MAX, "%Y-%m-%d %H:%M:%S+00:00", &tm) == 0) {
        return -1;
    }
    return 0;
}


void
oh_normalize_code(const char *in, char *out, size_t size)
{
    size_t  n = 0;
    int     gap = 0;

    if (size == 0) {
        return;
    }
    for (; in != NULL && *in && n + 1 < size; in++) {
        unsigned char  c = (unsigned char) *in;

        if (isalnum(c)) {
            if (gap && n > 0 && n + 2 < size) {
                out[n++] = '_';
            }
            gap = 0;
            out[n++] = (char) tolower(c);
        } else {
            gap = 1;
        }
    }
    out[n] = '\0';
}


oh_status_t
oh_normalize_ship_target(const char *code)
{
    static const char *const  before_pickup[] = {
        "", "new", "pending", "label_created", "manifested",
        "manifest_generated", "awb_assigned", "pickup_scheduled",
        "pickup_generated", "pickup_queued", "out_for_pickup",
        "pickup_exception", "pickup_error", "pickup_rescheduled",
        "cancelled", "canceled", "info_received", NULL
    };
    const char *const        *b;

    if (strcmp(code, "delivered") == 0) {
        return OH_STATUS_DELIVERED;
    }
    if (strncmp(code, "rto", 3) == 0 || strncmp(code, "return", 6) == 0) {
        return OH_STATUS_RETURNED;
    }
    for (b = before_pickup; *b != NULL; b++) {
        if (strcmp(code, *b) == 0) {
            return OH_STATUS_UNKNOWN;
        }
    }
    return OH_STATUS_SHIPPED;
}


int
oh_normalize_time_epoch(const char *norm, int64_t *secs)
{
    struct tm    tm;
    const char  *p;
    int          oh, om, sign;

    memset(&tm, 0, sizeof(tm));
    if (strlen(norm) < 25
        || sscanf(norm, "%4d-%2d-%2d %2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
    {
        return -1;
    }
    p = norm + strlen(norm) - 6;
    sign = (*p == '-') ? -1 : 1;
    if (oh_digits(p + 1, 2, &oh) != 0 || oh_digits(p + 4, 2, &om) != 0) {
        return -1;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *secs = (int64_t) timegm(&tm) - sign * (oh * 3600 + om * 60);
    return 0;
}

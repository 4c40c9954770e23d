/* oh_normalize_tracking: generic tracking JSON and Shiprocket updates. */

#include <stdlib.h>
#include <string.h>
#include "oh_normalize_int.h"

/* Shiprocket reports local (India) time without an offset. */
#define OH_SHIPROCKET_OFFSET  "+05:30"

static oh_norm_result_t oh_tracking_scans(const cJSON *arr, int strict,
    const char *offset, int shiprocket, oh_domain_event_t *ev);
static void oh_tracking_target(oh_domain_event_t *ev);
static const char *oh_opt_time(const cJSON *root, const char *path,
    const char *offset, char out[OH_TIME_MAX], int *bad);


static const char *
oh_opt_time(const cJSON *root, const char *path, const char *offset,
    char out[OH_TIME_MAX], int *bad)
{
    const char  *s = oh_nj_str(root, path);

    out[0] = '\0';
    if (s != NULL && oh_normalize_time(s, offset, out) != 0) {
        *bad = 1;
    }
    return out;
}


/*
 * Fills ev->scans and ev->ship_status (the code of the latest scan).  A
 * shipped_at or delivered_at the payload did not give is taken from the
 * scans: the first scan past pickup, and the latest delivered scan when
 * delivered is the latest status.  Without them the worker would stamp
 * the order with its own clock, which for a backlog or a late webhook is
 * the time of processing, not of shipping.
 */
static oh_norm_result_t
oh_tracking_scans(const cJSON *arr, int strict, const char *offset,
    int shiprocket, oh_domain_event_t *ev)
{
    const cJSON      *it;
    int64_t           latest = INT64_MIN, shipped = INT64_MAX, t;
    size_t            n;
    oh_status_t       target;
    const oh_scan_t  *first_shipped = NULL, *last_delivered = NULL;

    if (!cJSON_IsArray(arr)) {
        return OH_NORM_OK;
    }
    n = (size_t) cJSON_GetArraySize(arr);
    if (n == 0) {
        return OH_NORM_OK;
    }
    ev->scans = calloc(n, sizeof(oh_scan_t));
    if (ev->scans == NULL) {
        return OH_NORM_ERROR;
    }
    cJSON_ArrayForEach(it, arr) {
        oh_scan_t   *sc = &ev->scans[ev->nscans];
        const char  *code, *when;

        code = shiprocket ? oh_nj_str(it, "sr-status-label")
                          : oh_nj_str(it, "status_code");
        if (code == NULL && shiprocket) {
            code = oh_nj_str(it, "status");
        }
        when = oh_nj_str(it, shiprocket ? "date" : "occurred_at");
        if (code == NULL || when == NULL
            || oh_normalize_time(when, offset, sc->occurred_at) != 0
            || oh_normalize_time_epoch(sc->occurred_at, &t) != 0)
        {
            if (strict) {
                return OH_NORM_MALFORMED;
            }
            continue;
        }
        oh_normalize_code(code, sc->code, sizeof(sc->code));
        sc->label = shiprocket ? oh_nj_str(it, "sr-status-label")
                               : oh_nj_str(it, "status_label");
        sc->description = oh_nj_str(it, shiprocket ? "activity"
                                                   : "description");
        sc->location = oh_nj_str(it, "location");
        if (t >= latest) {
            latest = t;
            memcpy(ev->ship_status, sc->code, sizeof(sc->code));
            last_delivered = NULL;
        }
        target = oh_normalize_ship_target(sc->code);
        if ((target == OH_STATUS_SHIPPED || target == OH_STATUS_DELIVERED)
            && t < shipped)
        {
            shipped = t;
            first_shipped = sc;
        }
        if (target == OH_STATUS_DELIVERED && t == latest) {
            last_delivered = sc;
        }
        ev->nscans++;
    }
    if (ev->shipped_at[0] == '\0' && first_shipped != NULL) {
        memcpy(ev->shipped_at, first_shipped->occurred_at, OH_TIME_MAX);
    }
    if (ev->delivered_at[0] == '\0' && last_delivered != NULL
        && strcmp(ev->ship_status, "delivered") == 0)
    {
        memcpy(ev->delivered_at, last_delivered->occurred_at, OH_TIME_MAX);
    }
    return OH_NORM_OK;
}


static void
oh_tracking_target(oh_domain_event_t *ev)
{
    ev->ship_target = oh_normalize_ship_target(ev->ship_status);
    if (ev->delivered_at[0] != '\0' && ev->ship_target != OH_STATUS_RETURNED)
    {
        ev->ship_target = OH_STATUS_DELIVERED;
        if (ev->ship_status[0] == '\0') {
            memcpy(ev->ship_status, "delivered", sizeof("delivered"));
        }
    }
    if (ev->is_return && ev->ship_target != OH_STATUS_UNKNOWN) {
        ev->ship_target = OH_STATUS_RETURNED;
    }
}


oh_norm_result_t
oh_normalize_tracking(const cJSON *root, oh_domain_event_t *ev,
    const char **why)
{
    const cJSON       *events = oh_nj_get(root, "events");
    int                bad = 0;
    oh_norm_result_t   rc;

    ev->kind = OH_DOMAIN_TRACKING;
    ev->order_number = oh_nj_str(root, "order_number");
    ev->tracking_number = oh_nj_str(root, "tracking_number");
    ev->carrier = oh_nj_str(root, "carrier");
    ev->tracking_url = oh_nj_str(root, "tracking_url");
    ev->order_item_id = oh_nj_id(root, "order_item_id", ev->numbuf[0],
                                 sizeof(ev->numbuf[0]));
    oh_opt_time(root, "shipped_at", "+00:00", ev->shipped_at, &bad);
    oh_opt_time(root, "delivered_at", "+00:00", ev->delivered_at, &bad);
    if (ev->order_number == NULL || ev->tracking_number == NULL || bad
        || (events != NULL && !cJSON_IsArray(events) && !cJSON_IsNull(events)))
    {
        *why = "tracking without order_number / tracking_number, or bad time";
        return OH_NORM_MALFORMED;
    }
    if (cJSON_IsArray(events)) {
        rc = oh_tracking_scans(events, 1, "+00:00", 0, ev);
        if (rc != OH_NORM_OK) {
            *why = "tracking event without status_code or valid occurred_at";
            return rc;
        }
    }
    if (ev->ship_status[0] == '\0' && ev->shipped_at[0] != '\0') {
        memcpy(ev->ship_status, "shipped", sizeof("shipped"));
    }
    oh_tracking_target(ev);
    return OH_NORM_OK;
}


oh_norm_result_t
oh_normalize_shiprocket(const cJSON *root, oh_domain_event_t *ev,
    const char **why)
{
    const cJSON       *ret = oh_nj_get(root, "is_return");
    const char        *cur;
    char               when[OH_TIME_MAX];
    int                bad = 0;
    oh_norm_result_t   rc;

    ev->kind = OH_DOMAIN_TRACKING;
    ev->tracking_number = oh_nj_id(root, "awb", ev->numbuf[0],
                                   sizeof(ev->numbuf[0]));
    ev->order_number = oh_nj_id(root, "order_id", ev->numbuf[1],
                                sizeof(ev->numbuf[1]));
    ev->carrier = oh_nj_str(root, "courier_name");
    ev->is_return = (cJSON_IsNumber(ret) && ret->valuedouble != 0)
                    || cJSON_IsTrue(ret);
    if (ev->tracking_number == NULL || ev->order_number == NULL) {
        *why = "shiprocket update without awb or order_id";
        return OH_NORM_MALFORMED;
    }
    rc = oh_tracking_scans(oh_nj_get(root, "scans"), 0,
                           OH_SHIPROCKET_OFFSET, 1, ev);
    if (rc != OH_NORM_OK) {
        *why = "out of memory";
        return rc;
    }
    /* the current status wins over the scans' order */
    cur = oh_nj_str(root, "current_status");
    if (cur != NULL) {
        oh_normalize_code(cur, ev->ship_status, sizeof(ev->ship_status));
    }
    if (strcmp(ev->ship_status, "delivered") == 0) {
        /* the time of the current status, else that of the scan */
        oh_opt_time(root, "current_timestamp", OH_SHIPROCKET_OFFSET, when,
                    &bad);
        if (!bad && when[0] != '\0') {
            memcpy(ev->delivered_at, when, OH_TIME_MAX);
        }
    } else {
        /* a scan's delivery that is no longer the current status */
        ev->delivered_at[0] = '\0';
    }
    oh_tracking_target(ev);
    return OH_NORM_OK;
}

/* oh_normalize_int: JSON helpers shared by the per-provider normalisers. */

#ifndef OH_NORMALIZE_INT_H
#define OH_NORMALIZE_INT_H

#include <cjson/cJSON.h>
#include "oh_normalize.h"

/* The node at a dotted path ("data.object.amount"), or NULL. */
const cJSON *oh_nj_get(const cJSON *root, const char *path);

/* The non-empty string at `path`, or NULL. */
const char *oh_nj_str(const cJSON *root, const char *path);

/*
 * A string or an integer number at `path` as text (numbers are printed
 * into `buf`): provider ids are sometimes numeric.  NULL when absent.
 */
const char *oh_nj_id(const cJSON *root, const char *path, char *buf,
    size_t size);

/*
 * Amount at `node` (a JSON number, or a decimal string) in minor units of
 * a currency with `exponent` decimals.  Returns 0, or -1 when it is
 * absent, not a number or not exact.
 */
int oh_nj_amount(const cJSON *node, int exponent, int64_t *minor);

/*
 * Sets ev->currency from the code at `cur_path` and ev->amount_minor
 * from the amount at `amt_path`, which is in minor units when `minor`
 * is set, else in major units.  Returns OH_NORM_OK or OH_NORM_MALFORMED.
 */
oh_norm_result_t oh_nj_money(const cJSON *root, const char *amt_path,
    const char *cur_path, int minor, oh_domain_event_t *ev);

oh_norm_result_t oh_normalize_stripe(const cJSON *root,
    oh_domain_event_t *ev, const char **why);
oh_norm_result_t oh_normalize_razorpay(const cJSON *root,
    oh_domain_event_t *ev, const char **why);
oh_norm_result_t oh_normalize_stitch(const cJSON *root,
    oh_domain_event_t *ev, const char **why);
oh_norm_result_t oh_normalize_generic(const cJSON *root,
    oh_domain_event_t *ev, const char **why);
oh_norm_result_t oh_normalize_tracking(const cJSON *root,
    oh_domain_event_t *ev, const char **why);
oh_norm_result_t oh_normalize_shiprocket(const cJSON *root,
    oh_domain_event_t *ev, const char **why);

#endif /* OH_NORMALIZE_INT_H */

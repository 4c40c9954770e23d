/* oh_normalize: provider payloads reduced to a few domain events. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oh_money.h"
#include "oh_normalize_int.h"


oh_norm_result_t
oh_normalize(oh_provider_t provider, const unsigned char *body, size_t len,
    oh_domain_event_t *out, const char **why)
{
    cJSON             *root;
    oh_norm_result_t   rc;

    memset(out, 0, sizeof(*out));
    out->ship_target = OH_STATUS_UNKNOWN;
    *why = NULL;

    if (provider == OH_PROVIDER_SHOPIFY || provider == OH_PROVIDER_GITHUB) {
        *why = "provider not handled";
        return OH_NORM_IGNORED;
    }

    root = cJSON_ParseWithLength((const char *) body, len);
    if (root == NULL) {
        *why = "body is not JSON";
        return OH_NORM_MALFORMED;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        *why = "body is not a JSON object";
        return OH_NORM_MALFORMED;
    }

    switch (provider) {
    case OH_PROVIDER_STRIPE:
        rc = oh_normalize_stripe(root, out, why);
        break;
    case OH_PROVIDER_RAZORPAY:
        rc = oh_normalize_razorpay(root, out, why);
        break;
    case OH_PROVIDER_STITCH:
        rc = oh_normalize_stitch(root, out, why);
        break;
    case OH_PROVIDER_SHIPROCKET:
        rc = oh_normalize_shiprocket(root, out, why);
        break;
    case OH_PROVIDER_GENERIC:
        rc = oh_normalize_generic(root, out, why);
        break;
    default:
        *why = "unknown provider";
        rc = OH_NORM_IGNORED;
        break;
    }

    if (rc != OH_NORM_OK) {
        free(out->scans);
        cJSON_Delete(root);
        out->scans = NULL;
        return rc;
    }
    out->json = root;
    return OH_NORM_OK;
}


void
oh_domain_event_free(oh_domain_event_t *ev)
{
    free(ev->scans);
    ev->scans = NULL;
    cJSON_Delete(ev->json);
    ev->json = NULL;
}


const cJSON *
oh_nj_get(const cJSON *root, const char *path)
{
    char         key[64];
    const char  *dot;
    size_t       n;

    while (root != NULL && *path != '\0') {
        dot = strchr(path, '.');
        n = dot ? (size_t) (dot - path) : strlen(path);
        if (n >= sizeof(key) || !cJSON_IsObject(root)) {
            return NULL;
        }
        memcpy(key, path, n);
        key[n] = '\0';
        root = cJSON_GetObjectItemCaseSensitive(root, key);
        path += n + (dot ? 1 : 0);
    }
    return root;
}


const char *
oh_nj_str(const cJSON *root, const char *path)
{
    const cJSON  *n = oh_nj_get(root, path);

    if (!cJSON_IsString(n) || n->valuestring[0] == '\0') {
        return NULL;
    }
    return n->valuestring;
}


const char *
oh_nj_id(const cJSON *root, const char *path, char *buf, size_t size)
{
    const cJSON  *n = oh_nj_get(root, path);
    int64_t       v;

    if (cJSON_IsString(n)) {
        return n->valuestring[0] ? n->valuestring : NULL;
    }
    if (!cJSON_IsNumber(n) || oh_nj_amount(n, 0, &v) != 0) {
        return NULL;
    }
    snprintf(buf, size, "%lld", (long long) v);
    return buf;
}


/*
 * cJSON keeps numbers as doubles only.  A double holds any decimal of at
 * most 15 significant digits exactly enough that cJSON's shortest print
 * ("%1.15g", checked by reading it back) reproduces that decimal, so the
 * printed text is parsed as a decimal; a print needing more digits may
 * have drifted and is refused.
 */
int
oh_nj_amount(const cJSON *node, int exponent, int64_t *minor)
{
    char         buf[64];
    const char  *p;
    int          sig = 0, lead = 1;

    if (cJSON_IsString(node)) {
        p = node->valuestring;
        return oh_money_parse(p, strlen(p), exponent, minor) == OH_MONEY_OK
               ? 0 : -1;
    }
    if (!cJSON_IsNumber(node)
        || !cJSON_PrintPreallocated((cJSON *) node, buf, sizeof(buf), 0))
    {
        return -1;
    }
    for (p = buf; *p && *p != 'e' && *p != 'E'; p++) {
        if (*p >= '1' && *p <= '9') {
            lead = 0;
        }
        if (*p >= '0' && *p <= '9' && !lead) {
            sig++;
        }
    }
    if (sig > 15) {
        return -1;
    }
    return oh_money_parse(buf, strlen(buf), exponent, minor) == OH_MONEY_OK
           ? 0 : -1;
}


oh_norm_result_t
oh_nj_money(const cJSON *root, const char *amt_path, const char *cur_path,
    int minor, oh_domain_event_t *ev)
{
    const char  *cur = oh_nj_str(root, cur_path);

    if (cur == NULL || oh_currency_normalize(cur, ev->currency) != 0) {
        return OH_NORM_MALFORMED;
    }
    if (oh_nj_amount(oh_nj_get(root, amt_path),
                     minor ? 0 : oh_currency_exponent(ev->currency),
                     &ev->amount_minor) != 0)
    {
        return OH_NORM_MALFORMED;
    }
    ev->has_amount = 1;
    return OH_NORM_OK;
}

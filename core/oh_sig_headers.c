/*
 * oh_sig_headers: each provider's signature headers, parsed into the
 * signatures (or the token) a verifier compares against, and the signed
 * prefix its HMACs start with.
 */

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "oh_sig_int.h"


static int oh_sig_header(oh_header_get_pt get, void *data, const char *name,
    oh_sig_str_t *out);
static int oh_sig_str_eq(oh_sig_str_t s, const char *lit);
static int oh_sig_parse_ts(oh_sig_str_t s, int64_t *ts);
static oh_sig_result_t oh_sig_add_sig(oh_sig_verifier_t *v,
    const unsigned char *mac);
static oh_sig_result_t oh_sig_begin_stripe(oh_sig_verifier_t *v,
    oh_header_get_pt get, void *data, int64_t now, int64_t tolerance,
    oh_sig_prefix_t *prefix);
static oh_sig_result_t oh_sig_stripe_item(oh_sig_verifier_t *v,
    oh_sig_str_t item, int64_t *ts, int *have_ts, size_t *nv1);
static oh_sig_result_t oh_sig_begin_stitch(oh_sig_verifier_t *v,
    oh_header_get_pt get, void *data, int64_t now, int64_t tolerance,
    oh_sig_prefix_t *prefix);
static oh_sig_result_t oh_sig_stitch_headers(oh_header_get_pt get,
    void *data, oh_sig_str_t *id, oh_sig_str_t *ts, oh_sig_str_t *sig);
static oh_sig_result_t oh_sig_stitch_list(oh_sig_verifier_t *v,
    oh_sig_str_t list);
static oh_sig_result_t oh_sig_begin_hex(oh_sig_verifier_t *v,
    oh_header_get_pt get, void *data, const char *name, const char *prefix);
static oh_sig_result_t oh_sig_begin_shopify(oh_sig_verifier_t *v,
    oh_header_get_pt get, void *data);


/* A header counts as present only when it is non-empty (as in the SDKs). */
static int
oh_sig_header(oh_header_get_pt get, void *data, const char *name,
    oh_sig_str_t *out)
{
    out->len = 0;
    out->data = get(data, name, &out->len);

    return out->data != NULL && out->len > 0;
}


static int
oh_sig_str_eq(oh_sig_str_t s, const char *lit)
{
    return s.len == strlen(lit) && memcmp(s.data, lit, s.len) == 0;
}


/* Unix seconds: ASCII digits only, no sign, no spaces. */
static int
oh_sig_parse_ts(oh_sig_str_t s, int64_t *ts)
{
    size_t   i;
    int64_t  n;

    if (s.len == 0 || s.len > OH_SIG_TS_DIGITS_MAX) {
        return 0;
    }

    n = 0;
    for (i = 0; i < s.len; i++) {
        if (s.data[i] < '0' || s.data[i] > '9') {
            return 0;
        }
        n = n * 10 + (s.data[i] - '0');
    }

    *ts = n;
    return 1;
}



static oh_sig_result_t
oh_sig_add_sig(oh_sig_verifier_t *v, const unsigned char *mac)
{
    if (v->nsigs == OH_SIG_MAX_SIGS) {
        return OH_SIG_MALFORMED;
    }

    memcpy(v->sigs[v->nsigs], mac, OH_SIG_MAC_LEN);
    v->siglens[v->nsigs] = OH_SIG_MAC_LEN;
    v->nsigs++;

    return OH_SIG_OK;
}


/*
 * Stripe-Signature: "t=<ts>,v1=<hex>[,v1=<hex>...]" with other schemes
 * (v0) ignored.  As in stripe-node, a v1 value that cannot match is
 * skipped, and only timestamps older than the tolerance are refused.
 */
static oh_sig_result_t
oh_sig_begin_stripe(oh_sig_verifier_t *v, oh_header_get_pt get, void *data,
    int64_t now, int64_t tolerance, oh_sig_prefix_t *prefix)
{
    int              have_ts;
    size_t           nv1;
    int64_t          ts;
    const char      *p, *end, *comma;
    oh_sig_str_t     h, item;
    oh_sig_result_t  rc;

    if (!oh_sig_header(get, data, "Stripe-Signature", &h)) {
        return OH_SIG_MISSING;
    }

    have_ts = 0;
    nv1 = 0;
    ts = 0;
    p = h.data;
    end = h.data + h.len;

    for ( ;; ) {
        comma = memchr(p, ',', (size_t) (end - p));
        if (comma == NULL) {
            comma = end;
        }

        item.data = p;
        item.len = (size_t) (comma - p);

        rc = oh_sig_stripe_item(v, item, &ts, &have_ts, &nv1);
        if (rc != OH_SIG_OK) {
            return rc;
        }

        if (comma == end) {
            break;
        }

        p = comma + 1;
    }

    if (!have_ts || nv1 == 0 || v->nsigs == 0) {
        return OH_SIG_MALFORMED;
    }

    if (now - ts > tolerance) {
        return OH_SIG_STALE;
    }

    prefix->tslen = (size_t) snprintf(prefix->ts, sizeof(prefix->ts), "%lld",
                                      (long long) ts);

    return OH_SIG_OK;
}


static oh_sig_result_t
oh_sig_stripe_item(oh_sig_verifier_t *v, oh_sig_str_t item, int64_t *ts,
    int *have_ts, size_t *nv1)
{
    const char     *eq, *eq2;
    oh_sig_str_t    key, val;
    unsigned char   mac[OH_SIG_MAC_LEN];

    eq = memchr(item.data, '=', item.len);
    if (eq == NULL) {
        return OH_SIG_OK;
    }

    key.data = item.data;
    key.len = (size_t) (eq - item.data);
    val.data = eq + 1;
    val.len = item.len - key.len - 1;

    if (oh_sig_str_eq(key, "t")) {
        if (*have_ts || !oh_sig_parse_ts(val, ts)) {
            return OH_SIG_MALFORMED;
        }

        *have_ts = 1;
        return OH_SIG_OK;
    }

    if (!oh_sig_str_eq(key, "v1")) {
        return OH_SIG_OK;
    }

    (*nv1)++;

    /* stripe-node keeps only the text up to a second '=' */
    eq2 = memchr(val.data, '=', val.len);
    if (eq2 != NULL) {
        val.len = (size_t) (eq2 - val.data);
    }

    if (!oh_sig_hex_decode(val, mac)) {
        return OH_SIG_OK;
    }

    return oh_sig_add_sig(v, mac);
}


/*
 * Svix / Standard Webhooks: "<id>.<ts>.<body>", timestamp within the
 * tolerance in both directions, signatures "v1,<base64>" separated by
 * spaces.
 */
static oh_sig_result_t
oh_sig_begin_stitch(oh_sig_verifier_t *v, oh_header_get_pt get, void *data,
    int64_t now, int64_t tolerance, oh_sig_prefix_t *prefix)
{
    int64_t          ts;
    oh_sig_str_t     id, tsh, sig;
    oh_sig_result_t  rc;

    rc = oh_sig_stitch_headers(get, data, &id, &tsh, &sig);
    if (rc != OH_SIG_OK) {
        return rc;
    }

    if (!oh_sig_parse_ts(tsh, &ts)) {
        return OH_SIG_MALFORMED;
    }

    if (now - ts > tolerance || ts - now > tolerance) {
        return OH_SIG_STALE;
    }

    rc = oh_sig_stitch_list(v, sig);
    if (rc != OH_SIG_OK) {
        return rc;
    }

    prefix->id = id;
    prefix->tslen = (size_t) snprintf(prefix->ts, sizeof(prefix->ts), "%lld",
                                      (long long) ts);

    return OH_SIG_OK;
}


/* svix-* when all three are present, else webhook-* (as svix does). */
static oh_sig_result_t
oh_sig_stitch_headers(oh_header_get_pt get, void *data, oh_sig_str_t *id,
    oh_sig_str_t *ts, oh_sig_str_t *sig)
{
    if (oh_sig_header(get, data, "svix-id", id)
        && oh_sig_header(get, data, "svix-timestamp", ts)
        && oh_sig_header(get, data, "svix-signature", sig))
    {
        return OH_SIG_OK;
    }

    if (oh_sig_header(get, data, "webhook-id", id)
        && oh_sig_header(get, data, "webhook-timestamp", ts)
        && oh_sig_header(get, data, "webhook-signature", sig))
    {
        return OH_SIG_OK;
    }

    return OH_SIG_MISSING;
}


static oh_sig_result_t
oh_sig_stitch_list(oh_sig_verifier_t *v, oh_sig_str_t list)
{
    size_t           n;
    const char      *p, *end, *sp, *c1, *c2;
    oh_sig_str_t     version, sig;
    unsigned char    mac[OH_SIG_MAC_LEN];
    oh_sig_result_t  rc;

    p = list.data;
    end = list.data + list.len;

    for ( ;; ) {
        sp = memchr(p, ' ', (size_t) (end - p));
        if (sp == NULL) {
            sp = end;
        }

        c1 = memchr(p, ',', (size_t) (sp - p));

        if (c1 != NULL) {
            version.data = p;
            version.len = (size_t) (c1 - p);

            c2 = memchr(c1 + 1, ',', (size_t) (sp - c1 - 1));
            sig.data = c1 + 1;
            sig.len = (size_t) ((c2 != NULL ? c2 : sp) - sig.data);

            if (oh_sig_str_eq(version, "v1")
                && oh_sig_b64_decode(sig, mac, sizeof(mac), &n)
                && n == OH_SIG_MAC_LEN)
            {
                rc = oh_sig_add_sig(v, mac);
                if (rc != OH_SIG_OK) {
                    return rc;
                }
            }
        }

        if (sp == end) {
            break;
        }

        p = sp + 1;
    }

    return v->nsigs > 0 ? OH_SIG_OK : OH_SIG_MALFORMED;
}


/* Razorpay, generic and GitHub: [prefix] + 64 lowercase hex digits. */
static oh_sig_result_t
oh_sig_begin_hex(oh_sig_verifier_t *v, oh_header_get_pt get, void *data,
    const char *name, const char *prefix)
{
    size_t          plen;
    oh_sig_str_t    h;
    unsigned char   mac[OH_SIG_MAC_LEN];

    if (!oh_sig_header(get, data, name, &h)) {
        return OH_SIG_MISSING;
    }

    plen = strlen(prefix);

    if (h.len < plen || memcmp(h.data, prefix, plen) != 0) {
        return OH_SIG_MALFORMED;
    }

    h.data += plen;
    h.len -= plen;

    if (!oh_sig_hex_decode(h, mac)) {
        return OH_SIG_MALFORMED;
    }

    return oh_sig_add_sig(v, mac);
}


/*
 * Shopify: base64 HMAC of the body; @shopify/shopify-api also requires
 * the topic, shop domain, API version and webhook id headers.
 */
static oh_sig_result_t
oh_sig_begin_shopify(oh_sig_verifier_t *v, oh_header_get_pt get, void *data)
{
    size_t          n;
    oh_sig_str_t    h, other;
    unsigned char   mac[OH_SIG_MAC_LEN];

    if (!oh_sig_header(get, data, "X-Shopify-Hmac-Sha256", &h)
        || !oh_sig_header(get, data, "X-Shopify-Topic", &other)
        || !oh_sig_header(get, data, "X-Shopify-Shop-Domain", &other)
        || !oh_sig_header(get, data, "X-Shopify-API-Version", &other)
        || !oh_sig_header(get, data, "X-Shopify-Webhook-Id", &other))
    {
        return OH_SIG_MISSING;
    }

    if (!oh_sig_b64_decode(h, mac, sizeof(mac), &n) || n != OH_SIG_MAC_LEN) {
        return OH_SIG_MALFORMED;
    }

    return oh_sig_add_sig(v, mac);
}


/*
 * Shiprocket sends the configured token in x-api-key.  SHA-256 digests
 * of both sides are compared so that neither length nor content leaks.
 */
oh_sig_result_t
oh_sig_begin_shiprocket(oh_sig_verifier_t *v, const oh_secret_t *secrets,
    size_t nsecrets, oh_header_get_pt get, void *data)
{
    int           match;
    size_t        i;
    oh_sig_str_t  h;

    if (!oh_sig_header(get, data, "x-api-key", &h)) {
        return OH_SIG_MISSING;
    }

    if (!EVP_Digest(h.data, h.len, v->token_digest, NULL, EVP_sha256(),
                    NULL))
    {
        return OH_SIG_ERROR;
    }

    match = 0;

    for (i = 0; i < nsecrets; i++) {
        if (secrets[i].len == 0) {
            continue;
        }

        if (!EVP_Digest(secrets[i].data, secrets[i].len,
                        v->secret_digests[v->nsecrets], NULL, EVP_sha256(),
                        NULL))
        {
            return OH_SIG_ERROR;
        }

        match |= CRYPTO_memcmp(v->token_digest,
                               v->secret_digests[v->nsecrets], 32) == 0;
        v->nsecrets++;
    }

    return match ? OH_SIG_OK : OH_SIG_MISMATCH;
}


oh_sig_result_t
oh_sig_parse(oh_sig_verifier_t *v, oh_header_get_pt get, void *data,
    int64_t now, int64_t tolerance, oh_sig_prefix_t *prefix)
{
    switch (v->provider) {
    case OH_PROVIDER_STRIPE:
        return oh_sig_begin_stripe(v, get, data, now, tolerance, prefix);
    case OH_PROVIDER_STITCH:
        return oh_sig_begin_stitch(v, get, data, now, tolerance, prefix);
    case OH_PROVIDER_RAZORPAY:
        return oh_sig_begin_hex(v, get, data, "X-Razorpay-Signature", "");
    case OH_PROVIDER_GENERIC:
        return oh_sig_begin_hex(v, get, data, "X-Signature", "");
    case OH_PROVIDER_GITHUB:
        return oh_sig_begin_hex(v, get, data, "X-Hub-Signature-256",
                                OH_SIG_GITHUB_PREFIX);
    case OH_PROVIDER_SHOPIFY:
        return oh_sig_begin_shopify(v, get, data);
    default:
        return OH_SIG_ERROR;
    }
}

/* oh_sig: webhook signature schemes, verified over streamed body bytes. */

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "oh_sig.h"

#define OH_SIG_MAC_LEN            32     /* HMAC-SHA256 */
#define OH_SIG_HEX_LEN            64
#define OH_SIG_B64_LEN            44
#define OH_SIG_TS_DIGITS_MAX      12     /* far beyond any real unix time */
#define OH_SIG_DEFAULT_TOLERANCE  300
#define OH_SIG_KEY_MAX            256    /* decoded Standard Webhooks key */
#define OH_SIG_B64_MAX            344    /* base64 of OH_SIG_KEY_MAX bytes */

#define OH_SIG_WHSEC              "whsec_"
#define OH_SIG_WHSEC_LEN          (sizeof(OH_SIG_WHSEC) - 1)
#define OH_SIG_GITHUB_PREFIX      "sha256="
#define OH_SIG_GITHUB_PREFIX_LEN  (sizeof(OH_SIG_GITHUB_PREFIX) - 1)


typedef struct {
    const char  *data;
    size_t       len;
} oh_sig_str_t;


/* What begin() feeds each HMAC before the body ("<id>.<ts>." or "<ts>."). */
typedef struct {
    oh_sig_str_t  id;                    /* empty for Stripe */
    char          ts[24];
    size_t        tslen;
} oh_sig_prefix_t;


static int oh_sig_header(oh_header_get_pt get, void *data, const char *name,
    oh_sig_str_t *out);
static int oh_sig_str_eq(oh_sig_str_t s, const char *lit);
static int oh_sig_parse_ts(oh_sig_str_t s, int64_t *ts);
static int oh_sig_hex_decode(oh_sig_str_t s, unsigned char *out);
static int oh_sig_b64_decode(oh_sig_str_t s, unsigned char *out,
    size_t outmax, size_t *outlen);
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
static oh_sig_result_t oh_sig_begin_shiprocket(oh_sig_verifier_t *v,
    const oh_secret_t *secrets, size_t nsecrets, oh_header_get_pt get,
    void *data);
static oh_sig_result_t oh_sig_parse(oh_sig_verifier_t *v,
    oh_header_get_pt get, void *data, int64_t now, int64_t tolerance,
    oh_sig_prefix_t *prefix);
static int oh_sig_stitch_key(const oh_secret_t *s, unsigned char *key,
    size_t *keylen);
static oh_sig_result_t oh_sig_start(oh_sig_verifier_t *v,
    oh_provider_t provider, const oh_secret_t *secrets, size_t nsecrets,
    const oh_sig_keys_t *keys, oh_header_get_pt get, void *data,
    int64_t now, int64_t tolerance);
static oh_sig_result_t oh_sig_add_mac(void **macs, size_t *nmacs,
    EVP_MAC *mac, const unsigned char *key, size_t keylen);
static oh_sig_result_t oh_sig_keys(void **macs, size_t *nmacs,
    oh_provider_t provider, const oh_secret_t *secrets, size_t nsecrets);
static oh_sig_result_t oh_sig_dup_keys(oh_sig_verifier_t *v,
    const oh_sig_keys_t *k);
static void oh_sig_feed_prefix(oh_sig_verifier_t *v,
    const oh_sig_prefix_t *prefix);
static oh_sig_result_t oh_sig_match(oh_sig_verifier_t *v);
static void oh_sig_release(oh_sig_verifier_t *v);


static const char  *oh_provider_names[OH_PROVIDER_COUNT] = {
    "stripe", "razorpay", "stitch", "shiprocket", "generic", "shopify",
    "github"
};


oh_provider_t
oh_provider_by_name(const char *name, size_t len)
{
    int  i;

    for (i = 0; i < OH_PROVIDER_COUNT; i++) {
        if (strlen(oh_provider_names[i]) == len
            && memcmp(oh_provider_names[i], name, len) == 0)
        {
            return (oh_provider_t) i;
        }
    }

    return OH_PROVIDER_UNKNOWN;
}


const char *
oh_provider_name(oh_provider_t provider)
{
    if (provider < 0 || provider >= OH_PROVIDER_COUNT) {
        return "unknown";
    }

    return oh_provider_names[provider];
}


const char *
oh_sig_result_reason(oh_sig_result_t rc)
{
    switch (rc) {
    case OH_SIG_OK:
        return "ok";
    case OH_SIG_MISSING:
        return "signature_missing";
    case OH_SIG_MALFORMED:
        return "signature_malformed";
    case OH_SIG_STALE:
        return "timestamp_out_of_tolerance";
    case OH_SIG_MISMATCH:
        return "signature_mismatch";
    case OH_SIG_EMPTY_BODY:
        return "empty_body";
    case OH_SIG_NO_SECRET:
        return "no_secret";
    case OH_SIG_ERROR:
        break;
    }

    return "internal_error";
}


int
oh_sig_secret_usable(oh_provider_t provider, const oh_secret_t *secret)
{
    unsigned char  key[OH_SIG_KEY_MAX];
    size_t         keylen;
    int            ok;

    if (secret == NULL || secret->data == NULL || secret->len == 0) {
        return 0;
    }

    if (provider != OH_PROVIDER_STITCH) {
        return 1;
    }

    ok = oh_sig_stitch_key(secret, key, &keylen);
    OPENSSL_cleanse(key, sizeof(key));

    return ok;
}


oh_sig_result_t
oh_sig_keys_init(oh_sig_keys_t *k, oh_provider_t provider,
    const oh_secret_t *secrets, size_t nsecrets)
{
    size_t           i;
    oh_sig_result_t  rc;

    memset(k, 0, sizeof(*k));
    k->provider = provider;
    k->secrets = secrets;
    k->nsecrets = nsecrets;

    if (provider < 0 || provider >= OH_PROVIDER_COUNT
        || nsecrets > OH_SIG_MAX_SECRETS)
    {
        return OH_SIG_ERROR;
    }

    for (i = 0; i < nsecrets; i++) {
        k->usable += oh_sig_secret_usable(provider, &secrets[i]);
    }

    if (provider == OH_PROVIDER_SHIPROCKET) {
        return OH_SIG_OK;               /* a token, compared per request */
    }

    rc = oh_sig_keys(k->macs, &k->nmacs, provider, secrets, nsecrets);
    if (rc != OH_SIG_OK) {
        oh_sig_keys_free(k);
    }

    return rc;
}


void
oh_sig_keys_free(oh_sig_keys_t *k)
{
    size_t  i;

    for (i = 0; i < k->nmacs && i < OH_SIG_MAX_SECRETS; i++) {
        EVP_MAC_CTX_free(k->macs[i]);
        k->macs[i] = NULL;
    }

    k->nmacs = 0;
    k->usable = 0;
}


oh_sig_result_t
oh_sig_begin(oh_sig_verifier_t *v, oh_provider_t provider,
    const oh_secret_t *secrets, size_t nsecrets, oh_header_get_pt get,
    void *data, int64_t now, int64_t tolerance)
{
    return oh_sig_start(v, provider, secrets, nsecrets, NULL, get, data, now,
                        tolerance);
}


oh_sig_result_t
oh_sig_begin_keyed(oh_sig_verifier_t *v, const oh_sig_keys_t *k,
    oh_header_get_pt get, void *data, int64_t now, int64_t tolerance)
{
    return oh_sig_start(v, k->provider, k->secrets, k->nsecrets, k, get,
                        data, now, tolerance);
}


/* begin() from the secrets, or from `keys` when they were keyed before. */
static oh_sig_result_t
oh_sig_start(oh_sig_verifier_t *v, oh_provider_t provider,
    const oh_secret_t *secrets, size_t nsecrets, const oh_sig_keys_t *keys,
    oh_header_get_pt get, void *data, int64_t now, int64_t tolerance)
{
    size_t           i, usable;
    oh_sig_prefix_t  prefix;
    oh_sig_result_t  rc;

    memset(v, 0, sizeof(*v));
    v->provider = provider;
    v->early = OH_SIG_OK;

    if (provider < 0 || provider >= OH_PROVIDER_COUNT
        || nsecrets > OH_SIG_MAX_SECRETS)
    {
        v->early = OH_SIG_ERROR;
        return OH_SIG_ERROR;
    }

    if (keys != NULL) {
        usable = keys->usable;

    } else {
        usable = 0;
        for (i = 0; i < nsecrets; i++) {
            usable += oh_sig_secret_usable(provider, &secrets[i]);
        }
    }

    if (usable == 0) {
        v->early = OH_SIG_NO_SECRET;
        return OH_SIG_NO_SECRET;
    }

    if (tolerance <= 0) {
        tolerance = OH_SIG_DEFAULT_TOLERANCE;
    }

    if (provider == OH_PROVIDER_SHIPROCKET) {
        rc = oh_sig_begin_shiprocket(v, secrets, nsecrets, get, data);

    } else {
        memset(&prefix, 0, sizeof(prefix));
        rc = oh_sig_parse(v, get, data, now, tolerance, &prefix);

        if (rc == OH_SIG_OK) {
            rc = (keys != NULL)
                 ? oh_sig_dup_keys(v, keys)
                 : oh_sig_keys(v->macs, &v->nmacs, provider, secrets,
                               nsecrets);
        }

        if (rc == OH_SIG_OK) {
            oh_sig_feed_prefix(v, &prefix);
            rc = v->early;
        }
    }

    if (rc != OH_SIG_OK) {
        v->early = rc;
        oh_sig_release(v);
    }

    return rc;
}


void
oh_sig_update(oh_sig_verifier_t *v, const void *buf, size_t len)
{
    size_t  i;

    if (v->early != OH_SIG_OK || len == 0) {
        return;
    }

    v->body_len += len;

    for (i = 0; i < v->nmacs; i++) {
        if (!EVP_MAC_update(v->macs[i], buf, len)) {
            v->early = OH_SIG_ERROR;
            return;
        }
    }
}


oh_sig_result_t
oh_sig_final(oh_sig_verifier_t *v)
{
    oh_sig_result_t  rc;

    rc = v->early;

    if (rc == OH_SIG_OK && v->body_len == 0) {
        rc = OH_SIG_EMPTY_BODY;
    }

    if (rc == OH_SIG_OK && v->provider != OH_PROVIDER_SHIPROCKET) {
        rc = oh_sig_match(v);
    }

    oh_sig_release(v);

    return rc;
}


void
oh_sig_cleanup(oh_sig_verifier_t *v)
{
    oh_sig_release(v);
}


oh_sig_result_t
oh_sig_verify(oh_provider_t provider, const oh_secret_t *secrets,
    size_t nsecrets, oh_header_get_pt get, void *data, const void *body,
    size_t len, int64_t now, int64_t tolerance)
{
    oh_sig_verifier_t  v;
    oh_sig_result_t    rc;

    rc = oh_sig_begin(&v, provider, secrets, nsecrets, get, data, now,
                      tolerance);
    if (rc != OH_SIG_OK) {
        oh_sig_cleanup(&v);
        return rc;
    }

    oh_sig_update(&v, body, len);

    return oh_sig_final(&v);
}


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


/*
 * Exactly 64 lowercase hex digits: the SDKs compare against Node's
 * lowercase digest('hex') string, so uppercase never matches there.
 */
static int
oh_sig_hex_decode(oh_sig_str_t s, unsigned char *out)
{
    char    buf[OH_SIG_HEX_LEN + 1];
    size_t  i, n;

    if (s.len != OH_SIG_HEX_LEN) {
        return 0;
    }

    for (i = 0; i < s.len; i++) {
        if (!((s.data[i] >= '0' && s.data[i] <= '9')
              || (s.data[i] >= 'a' && s.data[i] <= 'f')))
        {
            return 0;
        }
    }

    memcpy(buf, s.data, s.len);
    buf[s.len] = '\0';

    return OPENSSL_hexstr2buf_ex(out, OH_SIG_MAC_LEN, &n, buf, '\0') == 1
           && n == OH_SIG_MAC_LEN;
}


/*
 * Canonical padded base64 only: the input must be exactly what
 * EVP_EncodeBlock() produces for the decoded bytes, the same strings the
 * SDKs' comparisons accept.
 */
static int
oh_sig_b64_decode(oh_sig_str_t s, unsigned char *out, size_t outmax,
    size_t *outlen)
{
    unsigned char  raw[OH_SIG_B64_MAX / 4 * 3];
    unsigned char  again[OH_SIG_B64_MAX + 1];
    size_t         pad, n;
    int            ok;

    if (s.len == 0 || s.len % 4 != 0 || s.len > OH_SIG_B64_MAX) {
        return 0;
    }

    pad = (s.data[s.len - 1] == '=') + (s.data[s.len - 2] == '=');
    n = s.len / 4 * 3 - pad;

    ok = n > 0 && n <= outmax
         && EVP_DecodeBlock(raw, (const unsigned char *) s.data,
                            (int) s.len) == (int) (s.len / 4 * 3)
         && EVP_EncodeBlock(again, raw, (int) n) == (int) s.len
         && memcmp(again, s.data, s.len) == 0;

    if (ok) {
        memcpy(out, raw, n);
        *outlen = n;
    }

    OPENSSL_cleanse(raw, sizeof(raw));
    OPENSSL_cleanse(again, sizeof(again));

    return ok;
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
static oh_sig_result_t
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


static oh_sig_result_t
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


/* The Stitch HMAC key: the base64 after an optional "whsec_" prefix. */
static int
oh_sig_stitch_key(const oh_secret_t *s, unsigned char *key, size_t *keylen)
{
    oh_sig_str_t  b64;

    b64.data = (const char *) s->data;
    b64.len = s->len;

    if (b64.len > OH_SIG_WHSEC_LEN
        && memcmp(b64.data, OH_SIG_WHSEC, OH_SIG_WHSEC_LEN) == 0)
    {
        b64.data += OH_SIG_WHSEC_LEN;
        b64.len -= OH_SIG_WHSEC_LEN;
    }

    return oh_sig_b64_decode(b64, key, OH_SIG_KEY_MAX, keylen);
}


static oh_sig_result_t
oh_sig_add_mac(void **macs, size_t *nmacs, EVP_MAC *mac,
    const unsigned char *key, size_t keylen)
{
    EVP_MAC_CTX  *ctx;
    OSSL_PARAM    params[2];

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *) "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();

    ctx = EVP_MAC_CTX_new(mac);
    if (ctx == NULL) {
        return OH_SIG_ERROR;
    }

    if (!EVP_MAC_init(ctx, key, keylen, params)) {
        EVP_MAC_CTX_free(ctx);
        return OH_SIG_ERROR;
    }

    macs[(*nmacs)++] = ctx;

    return OH_SIG_OK;
}


/* One HMAC context per usable secret, appended to macs[]. */
static oh_sig_result_t
oh_sig_keys(void **macs, size_t *nmacs, oh_provider_t provider,
    const oh_secret_t *secrets, size_t nsecrets)
{
    size_t           i, keylen;
    EVP_MAC         *mac;
    unsigned char    key[OH_SIG_KEY_MAX];
    oh_sig_result_t  rc;

    mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
    if (mac == NULL) {
        return OH_SIG_ERROR;
    }

    rc = OH_SIG_OK;

    for (i = 0; i < nsecrets && rc == OH_SIG_OK; i++) {
        if (!oh_sig_secret_usable(provider, &secrets[i])) {
            continue;
        }

        if (provider != OH_PROVIDER_STITCH) {
            rc = oh_sig_add_mac(macs, nmacs, mac, secrets[i].data,
                                secrets[i].len);

        } else if (oh_sig_stitch_key(&secrets[i], key, &keylen)) {
            rc = oh_sig_add_mac(macs, nmacs, mac, key, keylen);
        }
    }

    OPENSSL_cleanse(key, sizeof(key));
    EVP_MAC_free(mac);

    return rc;
}


/* Copies of the keyed HMACs: the state after the key, not the key again. */
static oh_sig_result_t
oh_sig_dup_keys(oh_sig_verifier_t *v, const oh_sig_keys_t *k)
{
    size_t        i;
    EVP_MAC_CTX  *ctx;

    for (i = 0; i < k->nmacs; i++) {
        ctx = EVP_MAC_CTX_dup(k->macs[i]);
        if (ctx == NULL) {
            return OH_SIG_ERROR;
        }

        v->macs[v->nmacs++] = ctx;
    }

    return OH_SIG_OK;
}


static void
oh_sig_feed_prefix(oh_sig_verifier_t *v, const oh_sig_prefix_t *prefix)
{
    uint64_t  body_len;

    body_len = v->body_len;

    if (prefix->id.len > 0) {
        oh_sig_update(v, prefix->id.data, prefix->id.len);
        oh_sig_update(v, ".", 1);
    }

    if (prefix->tslen > 0) {
        oh_sig_update(v, prefix->ts, prefix->tslen);
        oh_sig_update(v, ".", 1);
    }

    v->body_len = body_len;     /* the prefix is not body */
}


/* Every secret's MAC against every signature, without an early exit. */
static oh_sig_result_t
oh_sig_match(oh_sig_verifier_t *v)
{
    int            found, failed;
    size_t         i, j, maclen;
    unsigned char  mac[EVP_MAX_MD_SIZE];

    found = 0;
    failed = 0;

    for (i = 0; i < v->nmacs; i++) {
        if (!EVP_MAC_final(v->macs[i], mac, &maclen, sizeof(mac))
            || maclen != OH_SIG_MAC_LEN)
        {
            failed = 1;
            continue;
        }

        for (j = 0; j < v->nsigs; j++) {
            found |= v->siglens[j] == OH_SIG_MAC_LEN
                     && CRYPTO_memcmp(mac, v->sigs[j], OH_SIG_MAC_LEN) == 0;
        }
    }

    OPENSSL_cleanse(mac, sizeof(mac));

    if (found) {
        return OH_SIG_OK;
    }

    return failed ? OH_SIG_ERROR : OH_SIG_MISMATCH;
}


/* Frees the HMAC contexts and wipes everything derived from secrets. */
static void
oh_sig_release(oh_sig_verifier_t *v)
{
    size_t  i;

    for (i = 0; i < v->nmacs && i < OH_SIG_MAX_SECRETS; i++) {
        EVP_MAC_CTX_free(v->macs[i]);
        v->macs[i] = NULL;
    }

    /* begin() zeroed the verifier: only the slots it filled need wiping */

    if (v->nsigs > 0 && v->nsigs <= OH_SIG_MAX_SIGS) {
        OPENSSL_cleanse(v->sigs, v->nsigs * sizeof(v->sigs[0]));
    }

    if (v->nsecrets > 0 && v->nsecrets <= OH_SIG_MAX_SECRETS) {
        OPENSSL_cleanse(v->secret_digests,
                        v->nsecrets * sizeof(v->secret_digests[0]));
    }

    if (v->provider == OH_PROVIDER_SHIPROCKET) {
        OPENSSL_cleanse(v->token_digest, sizeof(v->token_digest));
    }

    v->nmacs = 0;
    v->nsigs = 0;
    v->nsecrets = 0;

    if (v->early == OH_SIG_OK) {
        v->early = OH_SIG_ERROR;    /* a released verifier never says OK */
    }
}

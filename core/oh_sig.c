/*
 * oh_sig: webhook signature verification over streamed body bytes: the
 * secrets keyed into HMACs, the body fed, the constant-time match.  The
 * providers' headers are parsed in oh_sig_headers.c.
 */

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "oh_sig_int.h"


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

/* test_sig: the signature vectors and every verdict of oh_sig. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "oh_event.h"
#include "oh_sig.h"
#include "unit_vectors.h"

#define NOW          1777997699
#define BODY         "{\"id\":\"evt_1\",\"type\":\"order.paid\"}"
#define STRIPE_KEY   "whsec_unit_test_secret"
#define OTHER_KEY    "another_secret"
#define TOKEN        "x7Ahn34e38ZrpO2eaMbqS2oaPhcDIndZ"

/* base64 of the 24 bytes "stitch-unit-test-key-24b" and of another key */
#define STITCH_B64   "c3RpdGNoLXVuaXQtdGVzdC1rZXktMjRi"
#define STITCH_KEY   "whsec_" STITCH_B64
#define STITCH_RAW   "stitch-unit-test-key-24b"
#define STITCH_OTHER "whsec_b3RoZXItc3RpdGNoLWtleS0yNGJ5dGVz"


/* Builds a header object from name, value pairs ended by NULL. */
static cJSON *
headers(const char *name, ...)
{
    va_list      ap;
    cJSON       *h;
    const char  *value;

    h = cJSON_CreateObject();
    assert_non_null(h);

    va_start(ap, name);
    while (name != NULL) {
        value = va_arg(ap, const char *);
        assert_non_null(cJSON_AddStringToObject(h, name, value));
        name = va_arg(ap, const char *);
    }
    va_end(ap);

    return h;
}


static oh_sig_result_t
verify1(oh_provider_t provider, const char *secret, cJSON *h,
    const char *body, int64_t now, int64_t tolerance)
{
    oh_secret_t      s;
    oh_sig_result_t  rc;

    s.data = (const unsigned char *) secret;
    s.len = strlen(secret);

    rc = oh_sig_verify(provider, &s, 1, unit_header_get, h, body,
                       strlen(body), now, tolerance);
    cJSON_Delete(h);

    return rc;
}


/* "t=<ts>,v1=<hex of HMAC(secret, "<ts>.<body>")>" */
static void
stripe_sig(char *out, size_t size, const char *secret, long long ts,
    const char *body)
{
    char  msg[512], hex[65];

    snprintf(msg, sizeof(msg), "%lld.%s", ts, body);
    unit_hmac_hex(secret, strlen(secret), msg, strlen(msg), hex);
    snprintf(out, size, "t=%lld,v1=%s", ts, hex);
}


/* "v1,<base64 of HMAC(key, "<id>.<ts>.<body>")>" */
static void
stitch_sig(char *out, size_t size, const char *id, long long ts,
    const char *body)
{
    char  msg[512], b64[45];

    snprintf(msg, sizeof(msg), "%s.%lld.%s", id, ts, body);
    unit_hmac_b64(STITCH_RAW, strlen(STITCH_RAW), msg, strlen(msg), b64);
    snprintf(out, size, "v1,%s", b64);
}


static oh_sig_result_t
expected_reason(const char *name)
{
    if (strcmp(name, "wrong_secret") == 0
        || strcmp(name, "wrong_token") == 0
        || strcmp(name, "body_tampered_one_byte") == 0)
    {
        return OH_SIG_MISMATCH;
    }

    if (strncmp(name, "timestamp_too_", 14) == 0) {
        return OH_SIG_STALE;
    }

    if (strcmp(name, "signature_header_missing") == 0) {
        return OH_SIG_MISSING;
    }

    if (strncmp(name, "malformed_", 10) == 0
        || strcmp(name, "missing_sha256_prefix") == 0)
    {
        return OH_SIG_MALFORMED;
    }

    return OH_SIG_OK;     /* no specific reason known for this scenario */
}


/*
 * The verdict of oh_sig_begin_keyed() with `secrets` keyed once; the keys
 * verify twice, so a request never consumes them.
 */
static oh_sig_result_t
verify_keyed(const unit_case_t *c, const oh_secret_t *secrets, size_t n)
{
    int                i;
    oh_sig_keys_t      k;
    oh_sig_verifier_t  v;
    oh_sig_result_t    rc[2];

    assert_int_equal(oh_sig_keys_init(&k, c->provider, secrets, n),
                     OH_SIG_OK);

    for (i = 0; i < 2; i++) {
        rc[i] = oh_sig_begin_keyed(&v, &k, unit_header_get, c->headers,
                                   c->now, c->tolerance);
        if (rc[i] != OH_SIG_OK) {
            oh_sig_cleanup(&v);
            continue;
        }

        oh_sig_update(&v, c->body, c->body_len);
        rc[i] = oh_sig_final(&v);
    }

    oh_sig_keys_free(&k);
    assert_int_equal(k.nmacs, 0);
    assert_int_equal(rc[0], rc[1]);

    return rc[0];
}


static void
test_vector(void **state)
{
    unit_case_t       c;
    oh_sig_result_t   rc, want;
    oh_event_ident_t  ident;

    assert_int_equal(unit_case_read(*state, &c), 0);
    assert_int_not_equal(c.provider, OH_PROVIDER_UNKNOWN);

    rc = oh_sig_verify(c.provider, &c.secret, 1, unit_header_get, c.headers,
                       c.body, c.body_len, c.now, c.tolerance);
    assert_int_equal(verify_keyed(&c, &c.secret, 1), rc);

    if (c.valid) {
        assert_string_equal(oh_sig_result_reason(rc), "ok");

    } else {
        assert_int_not_equal(rc, OH_SIG_OK);

        want = expected_reason(c.name);
        if (want != OH_SIG_OK) {
            assert_string_equal(oh_sig_result_reason(rc),
                                oh_sig_result_reason(want));
        }
    }

    if (c.valid && c.event_id != NULL) {
        assert_int_equal(oh_event_identify(c.provider, unit_header_get,
                             c.headers, (const unsigned char *) c.body,
                             c.body_len, &ident), 0);
        assert_string_equal(ident.event_id, c.event_id);
        assert_int_equal(ident.id_from_body_hash, 0);
    }
}


static uint32_t
next_random(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}


/* Feeds the body in chunks; max_chunk 1 means one byte at a time. */
static oh_sig_result_t
verify_chunked(const unit_case_t *c, uint32_t seed, size_t max_chunk)
{
    size_t             off, n;
    oh_sig_verifier_t  v;
    oh_sig_result_t    rc;

    rc = oh_sig_begin(&v, c->provider, &c->secret, 1, unit_header_get,
                      c->headers, c->now, c->tolerance);
    if (rc != OH_SIG_OK) {
        oh_sig_cleanup(&v);
        return rc;
    }

    for (off = 0; off < c->body_len; off += n) {
        n = 1 + next_random(&seed) % max_chunk;
        if (n > c->body_len - off) {
            n = c->body_len - off;
        }

        oh_sig_update(&v, c->body + off, n);
        oh_sig_update(&v, c->body + off, 0);
    }

    return oh_sig_final(&v);
}


static void
test_vector_chunked(void **state)
{
    uint32_t         seed;
    unit_case_t      c;
    oh_sig_result_t  whole, rc;

    assert_int_equal(unit_case_read(*state, &c), 0);

    whole = oh_sig_verify(c.provider, &c.secret, 1, unit_header_get,
                          c.headers, c.body, c.body_len, c.now, c.tolerance);
    assert_int_equal(whole == OH_SIG_OK, c.valid);

    assert_int_equal(verify_chunked(&c, 1, 1), whole);

    for (seed = 1; seed <= 16; seed++) {
        rc = verify_chunked(&c, seed * 2654435761u, seed < 8 ? 7 : 4096);
        assert_int_equal(rc, whole);
    }
}


/* Every valid vector with its secret among others, and without it. */
static void
test_vector_rotation(void **state)
{
    int              i, valid;
    cJSON           *cases, *json;
    oh_secret_t      s[4];
    unit_case_t      c;
    oh_sig_result_t  rc;
    const char      *other1, *other2;

    cases = cJSON_GetObjectItemCaseSensitive(*state, "cases");
    valid = 0;

    cJSON_ArrayForEach(json, cases) {
        assert_int_equal(unit_case_read(json, &c), 0);
        if (!c.valid) {
            continue;
        }

        valid++;
        other1 = c.provider == OH_PROVIDER_STITCH ? STITCH_OTHER : OTHER_KEY;
        other2 = c.provider == OH_PROVIDER_STITCH ? STITCH_KEY : STRIPE_KEY;

        s[0].data = (const unsigned char *) other1;
        s[0].len = strlen(other1);
        s[1].data = (const unsigned char *) other2;
        s[1].len = strlen(other2);
        s[2] = c.secret;
        s[3] = s[0];

        for (i = 0; i < 2; i++) {
            rc = oh_sig_verify(c.provider, s + 1 + i, 2,
                               unit_header_get, c.headers, c.body,
                               c.body_len, c.now, c.tolerance);
            assert_int_equal(rc, OH_SIG_OK);
        }

        rc = oh_sig_verify(c.provider, s, 3, unit_header_get, c.headers,
                           c.body, c.body_len, c.now, c.tolerance);
        assert_int_equal(rc, OH_SIG_OK);
        assert_int_equal(verify_keyed(&c, s, 3), OH_SIG_OK);

        rc = oh_sig_verify(c.provider, s, 2, unit_header_get, c.headers,
                           c.body, c.body_len, c.now, c.tolerance);
        assert_int_equal(rc, OH_SIG_MISMATCH);
        assert_int_equal(verify_keyed(&c, s, 2), OH_SIG_MISMATCH);
    }

    assert_true(valid > 0);
}


static void
test_stripe_reasons(void **state)
{
    char  sig[128], sig2[512], bad[256];

    (void) state;

    stripe_sig(sig, sizeof(sig), STRIPE_KEY, NOW - 2, BODY);

    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", sig, NULL), BODY, NOW, 0),
                     OH_SIG_OK);
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("stripe-signature", sig, NULL), BODY, NOW, 0),
                     OH_SIG_OK);

    /* missing */
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("X-Signature", sig, NULL), BODY, NOW, 0),
                     OH_SIG_MISSING);
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", "", NULL), BODY, NOW, 0),
                     OH_SIG_MISSING);

    /* malformed: no t, bad t, two t, no v1, v1 not lowercase hex */
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", strchr(sig, ',') + 1, NULL),
                     BODY, NOW, 0), OH_SIG_MALFORMED);
    snprintf(bad, sizeof(bad), "t=17x%s", sig + 4);
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", bad, NULL), BODY, NOW, 0),
                     OH_SIG_MALFORMED);
    snprintf(bad, sizeof(bad), "t=%d,%s", NOW, sig);
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", bad, NULL), BODY, NOW, 0),
                     OH_SIG_MALFORMED);
    snprintf(bad, sizeof(bad), "t=%d,v0=%s", NOW - 2, strstr(sig, "v1=") + 3);
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", bad, NULL), BODY, NOW, 0),
                     OH_SIG_MALFORMED);
    snprintf(bad, sizeof(bad), "%s", sig);
    bad[strlen(bad) - 1] = '\0';
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", bad, NULL), BODY, NOW, 0),
                     OH_SIG_MALFORMED);
    snprintf(bad, sizeof(bad), "%s", sig);
    for (char *p = strstr(bad, "v1=") + 3; *p; p++) {
        *p = (char) (*p >= 'a' && *p <= 'f' ? *p - 'a' + 'A' : *p);
    }
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", bad, NULL), BODY, NOW, 0),
                     OH_SIG_MALFORMED);

    /* an unusable v1 next to a good one is skipped, as stripe-node does */
    snprintf(sig2, sizeof(sig2), "%s,%s", bad, strstr(sig, "v1="));
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", sig2, NULL), BODY, NOW, 0),
                     OH_SIG_OK);

    /* stale: 301 s old; 300 s is still inside; the future is accepted */
    stripe_sig(sig, sizeof(sig), STRIPE_KEY, NOW - 301, BODY);
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", sig, NULL), BODY, NOW, 0),
                     OH_SIG_STALE);
    stripe_sig(sig, sizeof(sig), STRIPE_KEY, NOW - 300, BODY);
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", sig, NULL), BODY, NOW, 0),
                     OH_SIG_OK);
    stripe_sig(sig, sizeof(sig), STRIPE_KEY, NOW + 3600, BODY);
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", sig, NULL), BODY, NOW, 0),
                     OH_SIG_OK);

    /* a configured tolerance replaces the default */
    stripe_sig(sig, sizeof(sig), STRIPE_KEY, NOW - 11, BODY);
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", sig, NULL), BODY, NOW, 10),
                     OH_SIG_STALE);
    stripe_sig(sig, sizeof(sig), STRIPE_KEY, NOW - 10, BODY);
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", sig, NULL), BODY, NOW, 10),
                     OH_SIG_OK);

    /* mismatch and empty body */
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, OTHER_KEY,
                     headers("Stripe-Signature", sig, NULL), BODY, NOW, 0),
                     OH_SIG_MISMATCH);
    stripe_sig(sig, sizeof(sig), STRIPE_KEY, NOW, "");
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", sig, NULL), "", NOW, 0),
                     OH_SIG_EMPTY_BODY);
}


/* Up to OH_SIG_MAX_SIGS v1 values are accepted; more is malformed. */
static void
test_stripe_many_signatures(void **state)
{
    int     i;
    char    good[256], list[2048], wrong[256];
    size_t  off;

    (void) state;

    stripe_sig(good, sizeof(good), STRIPE_KEY, NOW, BODY);
    stripe_sig(wrong, sizeof(wrong), OTHER_KEY, NOW, BODY);

    off = (size_t) snprintf(list, sizeof(list), "t=%d", NOW);
    for (i = 0; i < OH_SIG_MAX_SIGS - 1; i++) {
        off += (size_t) snprintf(list + off, sizeof(list) - off, ",%s",
                                 strstr(wrong, "v1="));
    }
    snprintf(list + off, sizeof(list) - off, ",%s", strstr(good, "v1="));

    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", list, NULL), BODY, NOW, 0),
                     OH_SIG_OK);

    snprintf(list + off, sizeof(list) - off, ",%s,%s", strstr(wrong, "v1="),
             strstr(good, "v1="));
    assert_int_equal(verify1(OH_PROVIDER_STRIPE, STRIPE_KEY,
                     headers("Stripe-Signature", list, NULL), BODY, NOW, 0),
                     OH_SIG_MALFORMED);
}


static oh_sig_result_t
stitch_verify(const char *prefix, const char *id, const char *ts,
    const char *sig, int64_t now)
{
    char  n_id[32], n_ts[32], n_sig[32];

    snprintf(n_id, sizeof(n_id), "%s-id", prefix);
    snprintf(n_ts, sizeof(n_ts), "%s-timestamp", prefix);
    snprintf(n_sig, sizeof(n_sig), "%s-signature", prefix);

    return verify1(OH_PROVIDER_STITCH, STITCH_KEY,
                   headers(n_id, id, n_ts, ts, n_sig, sig, NULL),
                   BODY, now, 0);
}


static void
test_stitch_reasons(void **state)
{
    char  sig[128], sig2[256], ts[32], bad[128];

    (void) state;

    stitch_sig(sig, sizeof(sig), "msg_1", NOW, BODY);
    snprintf(ts, sizeof(ts), "%d", NOW);

    assert_int_equal(stitch_verify("svix", "msg_1", ts, sig, NOW), OH_SIG_OK);
    assert_int_equal(stitch_verify("webhook", "msg_1", ts, sig, NOW),
                     OH_SIG_OK);
    assert_int_equal(stitch_verify("svix", "msg_2", ts, sig, NOW),
                     OH_SIG_MISMATCH);

    /* the key is the base64 after whsec_, which is optional */
    assert_int_equal(verify1(OH_PROVIDER_STITCH, STITCH_B64,
                     headers("svix-id", "msg_1", "svix-timestamp", ts,
                             "svix-signature", sig, NULL), BODY, NOW, 0),
                     OH_SIG_OK);

    /* an incomplete svix-* set falls back to webhook-*, else missing */
    assert_int_equal(verify1(OH_PROVIDER_STITCH, STITCH_KEY,
                     headers("svix-id", "msg_9", "svix-timestamp", ts,
                             "webhook-id", "msg_1", "webhook-timestamp", ts,
                             "webhook-signature", sig, NULL), BODY, NOW, 0),
                     OH_SIG_OK);
    assert_int_equal(verify1(OH_PROVIDER_STITCH, STITCH_KEY,
                     headers("svix-id", "msg_1", "svix-timestamp", ts, NULL),
                     BODY, NOW, 0), OH_SIG_MISSING);
    assert_int_equal(stitch_verify("svix", "", ts, sig, NOW),
                     OH_SIG_MISSING);

    /* timestamps: strict digits, 300 s both ways */
    assert_int_equal(stitch_verify("svix", "msg_1", "+1777997699", sig, NOW),
                     OH_SIG_MALFORMED);
    assert_int_equal(stitch_verify("svix", "msg_1", ts, sig, NOW + 300),
                     OH_SIG_OK);
    assert_int_equal(stitch_verify("svix", "msg_1", ts, sig, NOW - 300),
                     OH_SIG_OK);
    assert_int_equal(stitch_verify("svix", "msg_1", ts, sig, NOW + 301),
                     OH_SIG_STALE);
    assert_int_equal(stitch_verify("svix", "msg_1", ts, sig, NOW - 301),
                     OH_SIG_STALE);

    /* signature list: other versions and unusable entries are skipped */
    snprintf(bad, sizeof(bad), "v2,%s", sig + 3);
    assert_int_equal(stitch_verify("svix", "msg_1", ts, bad, NOW),
                     OH_SIG_MALFORMED);
    snprintf(bad, sizeof(bad), "%s", sig);
    bad[strlen(bad) - 1] = '\0';                   /* padding removed */
    assert_int_equal(stitch_verify("svix", "msg_1", ts, bad, NOW),
                     OH_SIG_MALFORMED);
    snprintf(sig2, sizeof(sig2), "%s  v2,abc %s", bad, sig);
    assert_int_equal(stitch_verify("svix", "msg_1", ts, sig2, NOW),
                     OH_SIG_OK);

    /* empty body, unusable secrets */
    stitch_sig(sig, sizeof(sig), "msg_1", NOW, "");
    assert_int_equal(verify1(OH_PROVIDER_STITCH, STITCH_KEY,
                     headers("svix-id", "msg_1", "svix-timestamp", ts,
                             "svix-signature", sig, NULL), "", NOW, 0),
                     OH_SIG_EMPTY_BODY);
    assert_int_equal(verify1(OH_PROVIDER_STITCH, "whsec_not*base64",
                     headers("svix-id", "msg_1", "svix-timestamp", ts,
                             "svix-signature", sig, NULL), BODY, NOW, 0),
                     OH_SIG_NO_SECRET);
}


static void
test_hex_schemes(void **state)
{
    char  hex[65], gh[80], upper[65];
    int   i;

    (void) state;

    unit_hmac_hex(OTHER_KEY, strlen(OTHER_KEY), BODY, strlen(BODY), hex);
    snprintf(gh, sizeof(gh), "sha256=%s", hex);
    for (i = 0; i < 65; i++) {
        upper[i] = (char) (hex[i] >= 'a' && hex[i] <= 'f'
                           ? hex[i] - 'a' + 'A' : hex[i]);
    }

    assert_int_equal(verify1(OH_PROVIDER_RAZORPAY, OTHER_KEY,
                     headers("X-Razorpay-Signature", hex, NULL), BODY, NOW,
                     0), OH_SIG_OK);
    assert_int_equal(verify1(OH_PROVIDER_GENERIC, OTHER_KEY,
                     headers("x-signature", hex, NULL), BODY, NOW, 0),
                     OH_SIG_OK);
    assert_int_equal(verify1(OH_PROVIDER_GITHUB, OTHER_KEY,
                     headers("X-Hub-Signature-256", gh, NULL), BODY, NOW, 0),
                     OH_SIG_OK);

    assert_int_equal(verify1(OH_PROVIDER_RAZORPAY, OTHER_KEY,
                     headers("X-Signature", hex, NULL), BODY, NOW, 0),
                     OH_SIG_MISSING);
    assert_int_equal(verify1(OH_PROVIDER_GITHUB, OTHER_KEY,
                     headers("X-Hub-Signature", gh, NULL), BODY, NOW, 0),
                     OH_SIG_MISSING);

    assert_int_equal(verify1(OH_PROVIDER_GENERIC, OTHER_KEY,
                     headers("X-Signature", upper, NULL), BODY, NOW, 0),
                     OH_SIG_MALFORMED);
    hex[63] = '\0';
    assert_int_equal(verify1(OH_PROVIDER_GENERIC, OTHER_KEY,
                     headers("X-Signature", hex, NULL), BODY, NOW, 0),
                     OH_SIG_MALFORMED);
    memcpy(gh, "SHA256=", 7);
    assert_int_equal(verify1(OH_PROVIDER_GITHUB, OTHER_KEY,
                     headers("X-Hub-Signature-256", gh, NULL), BODY, NOW, 0),
                     OH_SIG_MALFORMED);

    assert_int_equal(verify1(OH_PROVIDER_RAZORPAY, STRIPE_KEY,
                     headers("X-Razorpay-Signature", upper, NULL), BODY, NOW,
                     0), OH_SIG_MALFORMED);
    unit_hmac_hex(OTHER_KEY, strlen(OTHER_KEY), BODY, strlen(BODY), hex);
    assert_int_equal(verify1(OH_PROVIDER_RAZORPAY, STRIPE_KEY,
                     headers("X-Razorpay-Signature", hex, NULL), BODY, NOW,
                     0), OH_SIG_MISMATCH);
    unit_hmac_hex(OTHER_KEY, strlen(OTHER_KEY), "", 0, hex);
    assert_int_equal(verify1(OH_PROVIDER_GENERIC, OTHER_KEY,
                     headers("X-Signature", hex, NULL), "", NOW, 0),
                     OH_SIG_EMPTY_BODY);
}


static cJSON *
shopify_headers(const char *hmac, const char *topic)
{
    cJSON  *h;

    h = headers("X-Shopify-Hmac-Sha256", hmac,
                "X-Shopify-Shop-Domain", "shop.myshopify.com",
                "X-Shopify-API-Version", "2026-10",
                "X-Shopify-Webhook-Id", "b1", NULL);
    if (topic != NULL) {
        assert_non_null(cJSON_AddStringToObject(h, "X-Shopify-Topic", topic));
    }

    return h;
}


static void
test_shopify(void **state)
{
    char  b64[45], bad[45];

    (void) state;

    unit_hmac_b64(OTHER_KEY, strlen(OTHER_KEY), BODY, strlen(BODY), b64);

    assert_int_equal(verify1(OH_PROVIDER_SHOPIFY, OTHER_KEY,
                     shopify_headers(b64, "orders/paid"), BODY, NOW, 0),
                     OH_SIG_OK);
    assert_int_equal(verify1(OH_PROVIDER_SHOPIFY, STRIPE_KEY,
                     shopify_headers(b64, "orders/paid"), BODY, NOW, 0),
                     OH_SIG_MISMATCH);
    assert_int_equal(verify1(OH_PROVIDER_SHOPIFY, OTHER_KEY,
                     shopify_headers(b64, NULL), BODY, NOW, 0),
                     OH_SIG_MISSING);
    assert_int_equal(verify1(OH_PROVIDER_SHOPIFY, OTHER_KEY,
                     shopify_headers("", "orders/paid"), BODY, NOW, 0),
                     OH_SIG_MISSING);

    snprintf(bad, sizeof(bad), "%s", b64);
    bad[43] = '\0';
    assert_int_equal(verify1(OH_PROVIDER_SHOPIFY, OTHER_KEY,
                     shopify_headers(bad, "orders/paid"), BODY, NOW, 0),
                     OH_SIG_MALFORMED);
    bad[43] = '=';
    bad[0] = '*';
    assert_int_equal(verify1(OH_PROVIDER_SHOPIFY, OTHER_KEY,
                     shopify_headers(bad, "orders/paid"), BODY, NOW, 0),
                     OH_SIG_MALFORMED);
}


static void
test_shiprocket(void **state)
{
    cJSON        *h;
    oh_secret_t   s[3];

    (void) state;

    assert_int_equal(verify1(OH_PROVIDER_SHIPROCKET, TOKEN,
                     headers("X-Api-Key", TOKEN, NULL), BODY, NOW, 0),
                     OH_SIG_OK);
    assert_int_equal(verify1(OH_PROVIDER_SHIPROCKET, TOKEN,
                     headers("Authorization", TOKEN, NULL), BODY, NOW, 0),
                     OH_SIG_MISSING);
    assert_int_equal(verify1(OH_PROVIDER_SHIPROCKET, TOKEN,
                     headers("x-api-key", "x7Ahn34e38ZrpO2eaMbqS2oaPhcDIndz",
                             NULL), BODY, NOW, 0), OH_SIG_MISMATCH);
    assert_int_equal(verify1(OH_PROVIDER_SHIPROCKET, TOKEN,
                     headers("x-api-key", "x7Ahn34e38", NULL), BODY, NOW, 0),
                     OH_SIG_MISMATCH);
    assert_int_equal(verify1(OH_PROVIDER_SHIPROCKET, TOKEN,
                     headers("x-api-key", TOKEN "0", NULL), BODY, NOW, 0),
                     OH_SIG_MISMATCH);
    assert_int_equal(verify1(OH_PROVIDER_SHIPROCKET, TOKEN,
                     headers("x-api-key", TOKEN, NULL), "", NOW, 0),
                     OH_SIG_EMPTY_BODY);

    /* rotation: the token may be any of the configured ones */
    s[0].data = (const unsigned char *) OTHER_KEY;
    s[0].len = strlen(OTHER_KEY);
    s[1].data = (const unsigned char *) "";
    s[1].len = 0;
    s[2].data = (const unsigned char *) TOKEN;
    s[2].len = strlen(TOKEN);

    h = headers("x-api-key", TOKEN, NULL);
    assert_int_equal(oh_sig_verify(OH_PROVIDER_SHIPROCKET, s, 3,
                     unit_header_get, h, BODY, strlen(BODY), NOW, 0),
                     OH_SIG_OK);
    assert_int_equal(oh_sig_verify(OH_PROVIDER_SHIPROCKET, s, 2,
                     unit_header_get, h, BODY, strlen(BODY), NOW, 0),
                     OH_SIG_MISMATCH);
    cJSON_Delete(h);
}


static void
test_no_secret(void **state)
{
    int              i;
    char             sig[256];
    cJSON           *h;
    oh_secret_t      s[OH_SIG_MAX_SECRETS + 1];
    oh_sig_result_t  rc;

    (void) state;

    stripe_sig(sig, sizeof(sig), STRIPE_KEY, NOW, BODY);
    h = headers("Stripe-Signature", sig, NULL);

    for (i = 0; i <= OH_SIG_MAX_SECRETS; i++) {
        s[i].data = (const unsigned char *) STRIPE_KEY;
        s[i].len = strlen(STRIPE_KEY);
    }

    rc = oh_sig_verify(OH_PROVIDER_STRIPE, s, 0, unit_header_get, h, BODY,
                       strlen(BODY), NOW, 0);
    assert_int_equal(rc, OH_SIG_NO_SECRET);

    s[0].len = 0;
    rc = oh_sig_verify(OH_PROVIDER_STRIPE, s, 1, unit_header_get, h, BODY,
                       strlen(BODY), NOW, 0);
    assert_int_equal(rc, OH_SIG_NO_SECRET);

    /* an empty secret among good ones is skipped */
    rc = oh_sig_verify(OH_PROVIDER_STRIPE, s, OH_SIG_MAX_SECRETS,
                       unit_header_get, h, BODY, strlen(BODY), NOW, 0);
    assert_int_equal(rc, OH_SIG_OK);

    rc = oh_sig_verify(OH_PROVIDER_STRIPE, s, OH_SIG_MAX_SECRETS + 1,
                       unit_header_get, h, BODY, strlen(BODY), NOW, 0);
    assert_int_equal(rc, OH_SIG_ERROR);

    rc = oh_sig_verify(OH_PROVIDER_UNKNOWN, s + 1, 1, unit_header_get, h,
                       BODY, strlen(BODY), NOW, 0);
    assert_int_equal(rc, OH_SIG_ERROR);

    cJSON_Delete(h);

    assert_int_equal(oh_sig_secret_usable(OH_PROVIDER_STITCH, &s[0]), 0);
    assert_int_equal(oh_sig_secret_usable(OH_PROVIDER_GENERIC, &s[1]), 1);
    s[0].data = (const unsigned char *) "whsec_c3RpdGNo LXVuaXQ=";
    s[0].len = strlen((const char *) s[0].data);
    assert_int_equal(oh_sig_secret_usable(OH_PROVIDER_STITCH, &s[0]), 0);
    s[0].data = (const unsigned char *) STITCH_KEY;
    s[0].len = strlen(STITCH_KEY);
    assert_int_equal(oh_sig_secret_usable(OH_PROVIDER_STITCH, &s[0]), 1);
}


/* begin/update/final pairing: a released verifier never says OK. */
static void
test_lifecycle(void **state)
{
    char               sig[256];
    cJSON             *h;
    oh_secret_t        s;
    oh_sig_verifier_t  v;

    (void) state;

    s.data = (const unsigned char *) STRIPE_KEY;
    s.len = strlen(STRIPE_KEY);
    stripe_sig(sig, sizeof(sig), STRIPE_KEY, NOW, BODY);
    h = headers("Stripe-Signature", sig, NULL);

    assert_int_equal(oh_sig_begin(&v, OH_PROVIDER_STRIPE, &s, 1,
                     unit_header_get, h, NOW, 0), OH_SIG_OK);
    oh_sig_update(&v, BODY, strlen(BODY));
    oh_sig_cleanup(&v);
    oh_sig_cleanup(&v);
    assert_int_not_equal(oh_sig_final(&v), OH_SIG_OK);

    assert_int_equal(oh_sig_begin(&v, OH_PROVIDER_STRIPE, &s, 1,
                     unit_header_get, h, NOW, 0), OH_SIG_OK);
    oh_sig_update(&v, BODY, strlen(BODY));
    assert_int_equal(oh_sig_final(&v), OH_SIG_OK);
    assert_int_not_equal(oh_sig_final(&v), OH_SIG_OK);
    oh_sig_cleanup(&v);

    /* a refused begin keeps its verdict through update and final */
    assert_int_equal(oh_sig_begin(&v, OH_PROVIDER_STRIPE, &s, 1,
                     unit_header_get, h, NOW + 301, 0), OH_SIG_STALE);
    oh_sig_update(&v, BODY, strlen(BODY));
    assert_int_equal(oh_sig_final(&v), OH_SIG_STALE);

    cJSON_Delete(h);
}


static void
test_names(void **state)
{
    int          i, j;
    const char  *name;

    (void) state;

    for (i = 0; i < OH_PROVIDER_COUNT; i++) {
        name = oh_provider_name((oh_provider_t) i);
        assert_int_equal(oh_provider_by_name(name, strlen(name)), i);
    }

    assert_int_equal(oh_provider_by_name("stripe", 5), OH_PROVIDER_UNKNOWN);
    assert_int_equal(oh_provider_by_name("Stripe", 6), OH_PROVIDER_UNKNOWN);
    assert_int_equal(oh_provider_by_name("paypal", 6), OH_PROVIDER_UNKNOWN);
    assert_string_equal(oh_provider_name(OH_PROVIDER_UNKNOWN), "unknown");

    for (i = OH_SIG_OK; i <= OH_SIG_ERROR; i++) {
        for (j = i + 1; j <= OH_SIG_ERROR; j++) {
            assert_string_not_equal(oh_sig_result_reason(i),
                                    oh_sig_result_reason(j));
        }
    }

    assert_string_equal(oh_sig_result_reason(OH_SIG_MISMATCH),
                        "signature_mismatch");
}


static int
run_vectors(cJSON *doc)
{
    int                 n, i, failed;
    cJSON              *cases, *json, *count;
    struct CMUnitTest  *tests;

    cases = cJSON_GetObjectItemCaseSensitive(doc, "cases");
    count = cJSON_GetObjectItemCaseSensitive(doc, "count");
    n = cJSON_GetArraySize(cases);

    if (!cJSON_IsArray(cases) || n == 0
        || (cJSON_IsNumber(count) && count->valueint != n))
    {
        fprintf(stderr, "vectors: %s: no cases or count mismatch\n",
                unit_vectors_path());
        return 1;
    }

    tests = calloc((size_t) n * 2, sizeof(*tests));
    assert_non_null(tests);

    i = 0;
    cJSON_ArrayForEach(json, cases) {
        tests[i].name = cJSON_GetStringValue(
                            cJSON_GetObjectItemCaseSensitive(json, "id"));
        tests[i].test_func = test_vector;
        tests[i].initial_state = json;
        tests[n + i] = tests[i];
        tests[n + i].test_func = test_vector_chunked;
        i++;
    }

    failed = _cmocka_run_group_tests("signature vectors", tests, (size_t) n,
                                     NULL, NULL);

    printf("vectors: %d/%d cases passed (%s)\n", n - failed, n,
           unit_vectors_path());

    failed += _cmocka_run_group_tests("signature vectors, chunked body",
                                      tests + n, (size_t) n, NULL, NULL);
    free(tests);

    return failed;
}


int
main(void)
{
    int     failed;
    cJSON  *doc;

    struct CMUnitTest  rotation[] = {
        cmocka_unit_test_prestate(test_vector_rotation, NULL),
    };

    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_stripe_reasons),
        cmocka_unit_test(test_stripe_many_signatures),
        cmocka_unit_test(test_stitch_reasons),
        cmocka_unit_test(test_hex_schemes),
        cmocka_unit_test(test_shopify),
        cmocka_unit_test(test_shiprocket),
        cmocka_unit_test(test_no_secret),
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_names),
    };

    doc = unit_vectors_load();
    if (doc == NULL) {
        fprintf(stderr, "vectors: cannot read %s (set OH_VECTORS)\n",
                unit_vectors_path());
        return 1;
    }

    rotation[0].initial_state = doc;
    failed = run_vectors(doc);
    failed += _cmocka_run_group_tests("vector rotation", rotation, 1,
                                      NULL, NULL);
    failed += cmocka_run_group_tests_name("oh_sig verdicts", tests, NULL,
                                          NULL);

    cJSON_Delete(doc);

    return failed != 0;
}

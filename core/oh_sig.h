/* oh_sig: webhook signature schemes, verified over streamed body bytes. */

#ifndef OH_SIG_H
#define OH_SIG_H

#include <stddef.h>
#include <stdint.h>

#define OH_SIG_MAX_SECRETS  8
#define OH_SIG_MAX_SIGS     8      /* signatures accepted in one header */

typedef enum {
    OH_PROVIDER_STRIPE = 0,
    OH_PROVIDER_RAZORPAY,
    OH_PROVIDER_STITCH,            /* Svix / Standard Webhooks headers */
    OH_PROVIDER_SHIPROCKET,        /* x-api-key token, no signature */
    OH_PROVIDER_GENERIC,           /* X-Signature: hex HMAC-SHA256 */
    OH_PROVIDER_SHOPIFY,
    OH_PROVIDER_GITHUB,
    OH_PROVIDER_COUNT,
    OH_PROVIDER_UNKNOWN = -1
} oh_provider_t;

typedef enum {
    OH_SIG_OK = 0,
    OH_SIG_MISSING,                /* signature/token header absent */
    OH_SIG_MALFORMED,              /* header present but not parseable */
    OH_SIG_STALE,                  /* timestamp outside the tolerance */
    OH_SIG_MISMATCH,               /* no configured secret matches */
    OH_SIG_EMPTY_BODY,
    OH_SIG_NO_SECRET,              /* no usable secret configured */
    OH_SIG_ERROR                   /* internal: allocation or crypto */
} oh_sig_result_t;

/*
 * Header lookup supplied by the caller: returns the value of the first
 * header called `name` (ASCII case-insensitive) and its length, or NULL.
 */
typedef const char *(*oh_header_get_pt)(void *data, const char *name,
    size_t *len);

typedef struct {
    const unsigned char  *data;    /* the secret as the provider shows it */
    size_t                len;
} oh_secret_t;

/*
 * Streaming verifier.  The struct is public so callers can embed it (the
 * nginx module keeps it in the request context); its fields are private.
 * Every oh_sig_begin() must be paired with oh_sig_final() or
 * oh_sig_cleanup(), which release the HMAC contexts and wipe key material.
 */
typedef struct {
    oh_provider_t         provider;
    oh_sig_result_t       early;   /* verdict known before the body */
    size_t                nmacs;
    void                 *macs[OH_SIG_MAX_SECRETS];   /* EVP_MAC_CTX * */
    size_t                nsigs;
    unsigned char         sigs[OH_SIG_MAX_SIGS][64];
    size_t                siglens[OH_SIG_MAX_SIGS];
    unsigned char         token_digest[32];            /* shiprocket */
    unsigned char         secret_digests[OH_SIG_MAX_SECRETS][32];
    size_t                nsecrets;
    uint64_t              body_len;
} oh_sig_verifier_t;

oh_provider_t oh_provider_by_name(const char *name, size_t len);
const char *oh_provider_name(oh_provider_t provider);

/* Short stable reason, e.g. "signature_mismatch", for logs and rows. */
const char *oh_sig_result_reason(oh_sig_result_t rc);

/*
 * 1 when `secret` can key `provider`'s scheme (non-empty; for Stitch,
 * canonical base64 after an optional "whsec_"), else 0: lets the
 * configuration refuse a secret that oh_sig_begin() would skip.
 */
int oh_sig_secret_usable(oh_provider_t provider, const oh_secret_t *secret);

/*
 * Parses the provider's headers, checks the timestamp against `now`
 * (unix seconds) with `tolerance` seconds (0 means the provider default
 * of 300 s; Stitch refuses both directions, Stripe, like its SDK, only
 * too old), and prepares one HMAC per usable secret.  A non-OK result
 * is final; the body need not be fed.
 */
oh_sig_result_t oh_sig_begin(oh_sig_verifier_t *v, oh_provider_t provider,
    const oh_secret_t *secrets, size_t nsecrets, oh_header_get_pt get,
    void *data, int64_t now, int64_t tolerance);

void oh_sig_update(oh_sig_verifier_t *v, const void *buf, size_t len);

/* Constant-time verdict; releases the verifier. */
oh_sig_result_t oh_sig_final(oh_sig_verifier_t *v);

/* Releases a verifier that will not be finalised (idempotent). */
void oh_sig_cleanup(oh_sig_verifier_t *v);

/*
 * Secrets keyed once for one provider (at configuration time): a keyed
 * HMAC per usable secret, which oh_sig_begin_keyed() copies instead of
 * fetching HMAC and keying it again for every request.  `secrets` must
 * outlive the keys; oh_sig_keys_free() releases them.
 */
typedef struct {
    oh_provider_t         provider;
    const oh_secret_t    *secrets;
    size_t                nsecrets;
    size_t                usable;
    size_t                nmacs;
    void                 *macs[OH_SIG_MAX_SECRETS];   /* EVP_MAC_CTX * */
} oh_sig_keys_t;

oh_sig_result_t oh_sig_keys_init(oh_sig_keys_t *k, oh_provider_t provider,
    const oh_secret_t *secrets, size_t nsecrets);
void oh_sig_keys_free(oh_sig_keys_t *k);

/* oh_sig_begin() with the provider and secrets of `k`. */
oh_sig_result_t oh_sig_begin_keyed(oh_sig_verifier_t *v,
    const oh_sig_keys_t *k, oh_header_get_pt get, void *data, int64_t now,
    int64_t tolerance);

/* One-shot convenience over begin/update/final. */
oh_sig_result_t oh_sig_verify(oh_provider_t provider,
    const oh_secret_t *secrets, size_t nsecrets, oh_header_get_pt get,
    void *data, const void *body, size_t len, int64_t now,
    int64_t tolerance);

#endif /* OH_SIG_H */

/*
 * oh_sig_int.h: what oh_sig.c, oh_sig_headers.c and oh_sig_codec.c share;
 * not part of the verifier's interface (oh_sig.h).
 */
#ifndef OH_SIG_INT_H
#define OH_SIG_INT_H

#include <stddef.h>
#include <stdint.h>

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


/* The provider's headers: signatures into v, the signed prefix. */
oh_sig_result_t oh_sig_parse(oh_sig_verifier_t *v, oh_header_get_pt get,
    void *data, int64_t now, int64_t tolerance, oh_sig_prefix_t *prefix);
/* Shiprocket's x-api-key against the secrets (digests kept in v). */
oh_sig_result_t oh_sig_begin_shiprocket(oh_sig_verifier_t *v,
    const oh_secret_t *secrets, size_t nsecrets, oh_header_get_pt get,
    void *data);
/* Exactly OH_SIG_HEX_LEN lowercase hex digits into OH_SIG_MAC_LEN bytes. */
int oh_sig_hex_decode(oh_sig_str_t s, unsigned char *out);
/* Canonical padded base64 into at most outmax bytes. */
int oh_sig_b64_decode(oh_sig_str_t s, unsigned char *out, size_t outmax,
    size_t *outlen);

#endif

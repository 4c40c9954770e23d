/* oh_sig_codec: the strict hex and base64 decoding signatures need. */

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "oh_sig_int.h"

/*
 * Exactly 64 lowercase hex digits: the SDKs compare against Node's
 * lowercase digest('hex') string, so uppercase never matches there.
 */
int
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
int
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

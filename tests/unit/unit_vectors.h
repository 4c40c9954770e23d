/* unit_vectors: test helpers for the signature vectors and header sets. */

#ifndef UNIT_VECTORS_H
#define UNIT_VECTORS_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "oh_sig.h"

/* The vectors file: $OH_VECTORS, else ../shared/vectors/signatures.json. */
const char *unit_vectors_path(void);

/* The parsed vectors document (caller deletes it), or NULL. */
cJSON *unit_vectors_load(void);

/* oh_header_get_pt over a cJSON object of name -> string value. */
const char *unit_header_get(void *data, const char *name, size_t *len);

/* One case's fields; pointers borrow from the cJSON case object. */
typedef struct {
    const char     *id;
    const char     *name;
    oh_provider_t   provider;
    oh_secret_t     secret;
    cJSON          *headers;
    const char     *body;
    size_t          body_len;
    int64_t         now;
    int64_t         tolerance;     /* 0 when the vector says null */
    int             valid;
    const char     *event_id;      /* NULL when the vector has none */
} unit_case_t;

/* Fills `c` from a case object; returns 0, or -1 if a field is missing. */
int unit_case_read(const cJSON *json, unit_case_t *c);

/* Lowercase hex / base64 HMAC-SHA256 for building signed test requests. */
void unit_hmac_hex(const void *key, size_t keylen, const void *msg,
    size_t len, char out[65]);
void unit_hmac_b64(const void *key, size_t keylen, const void *msg,
    size_t len, char out[45]);

#endif /* UNIT_VECTORS_H */

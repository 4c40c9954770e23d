/* unit_vectors: test helpers for the signature vectors and header sets. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "unit_vectors.h"


const char *
unit_vectors_path(void)
{
    const char  *path;

    path = getenv("OH_VECTORS");

    return (path != NULL && path[0] != '\0')
           ? path : "../shared/vectors/signatures.json";
}


cJSON *
unit_vectors_load(void)
{
    FILE    *f;
    long     size;
    char    *buf;
    cJSON   *doc;

    f = fopen(unit_vectors_path(), "rb");
    if (f == NULL) {
        return NULL;
    }

    doc = NULL;
    buf = NULL;

    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0
        && fseek(f, 0, SEEK_SET) == 0
        && (buf = malloc((size_t) size)) != NULL
        && fread(buf, 1, (size_t) size, f) == (size_t) size)
    {
        doc = cJSON_ParseWithLength(buf, (size_t) size);
    }

    free(buf);
    fclose(f);

    return doc;
}


const char *
unit_header_get(void *data, const char *name, size_t *len)
{
    const cJSON  *h;

    cJSON_ArrayForEach(h, (const cJSON *) data) {
        if (h->string != NULL && strcasecmp(h->string, name) == 0
            && cJSON_IsString(h))
        {
            *len = strlen(h->valuestring);
            return h->valuestring;
        }
    }

    return NULL;
}


static const char *
unit_string(const cJSON *json, const char *name)
{
    const cJSON  *item;

    item = cJSON_GetObjectItemCaseSensitive(json, name);

    return cJSON_IsString(item) ? item->valuestring : NULL;
}


int
unit_case_read(const cJSON *json, unit_case_t *c)
{
    const char   *provider, *secret, *expect;
    const cJSON  *now, *tol;

    memset(c, 0, sizeof(*c));

    c->id = unit_string(json, "id");
    c->name = unit_string(json, "name");
    provider = unit_string(json, "provider");
    secret = unit_string(json, "secret");
    c->body = unit_string(json, "body");
    expect = unit_string(json, "expect");
    c->event_id = unit_string(json, "event_id");
    c->headers = cJSON_GetObjectItemCaseSensitive(json, "headers");
    now = cJSON_GetObjectItemCaseSensitive(json, "timestamp_now");
    tol = cJSON_GetObjectItemCaseSensitive(json, "tolerance_s");

    if (c->id == NULL || c->name == NULL || provider == NULL
        || secret == NULL || c->body == NULL || expect == NULL
        || !cJSON_IsObject(c->headers) || !cJSON_IsNumber(now))
    {
        return -1;
    }

    c->provider = oh_provider_by_name(provider, strlen(provider));
    c->secret.data = (const unsigned char *) secret;
    c->secret.len = strlen(secret);
    c->body_len = strlen(c->body);
    c->now = (int64_t) now->valuedouble;
    c->tolerance = cJSON_IsNumber(tol) ? (int64_t) tol->valuedouble : 0;
    c->valid = strcmp(expect, "valid") == 0;

    if (!c->valid && strcmp(expect, "invalid") != 0) {
        return -1;
    }

    return 0;
}


void
unit_hmac_hex(const void *key, size_t keylen, const void *msg, size_t len,
    char out[65])
{
    unsigned int   n, i;
    unsigned char  md[32];

    HMAC(EVP_sha256(), key, (int) keylen, msg, len, md, &n);

    for (i = 0; i < n; i++) {
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
}


void
unit_hmac_b64(const void *key, size_t keylen, const void *msg, size_t len,
    char out[45])
{
    unsigned int   n;
    unsigned char  md[32];

    HMAC(EVP_sha256(), key, (int) keylen, msg, len, md, &n);
    EVP_EncodeBlock((unsigned char *) out, md, (int) n);
}

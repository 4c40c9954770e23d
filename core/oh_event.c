/* oh_event: the idempotency key and type of a verified webhook. */

#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "oh_event.h"
#include "oh_json.h"

#define OH_EVENT_HASH_PREFIX  "sha256:"


/* The top-level body members an id or a type can come from. */
typedef enum {
    OH_EVENT_M_ID = 0,
    OH_EVENT_M_TYPE,
    OH_EVENT_M_EVENT,
    OH_EVENT_M_EVENT_ID,
    OH_EVENT_M_EVENTS,
    OH_EVENT_NMEMBERS
} oh_event_member_t;

static const char  *oh_event_member_names[OH_EVENT_NMEMBERS] = {
    "id", "type", "event", "event_id", "events"
};


typedef struct {
    const char  *data;
    size_t       len;
} oh_event_str_t;


static int oh_event_needs_json(oh_provider_t provider);
static void oh_event_members(const unsigned char *body, size_t len,
    oh_json_member_t *m, cJSON **root);
static oh_event_str_t oh_event_header(oh_header_get_pt get, void *data,
    const char *name);
static oh_event_str_t oh_event_json_string(const oh_json_member_t *m,
    oh_event_member_t which);
static oh_event_str_t oh_event_stitch_id(oh_header_get_pt get, void *data);
static oh_event_str_t oh_event_id_source(oh_provider_t provider,
    oh_header_get_pt get, void *data, const oh_json_member_t *m);
static oh_event_str_t oh_event_generic_type(const oh_json_member_t *m);
static oh_event_str_t oh_event_type_source(oh_provider_t provider,
    oh_header_get_pt get, void *data, const oh_json_member_t *m);
static int oh_event_copy(char *dst, size_t max, oh_event_str_t s);
static int oh_event_body_hash(char *dst, const unsigned char *body,
    size_t len);


int
oh_event_identify(oh_provider_t provider, oh_header_get_pt get, void *data,
    const unsigned char *body, size_t len, oh_event_ident_t *out)
{
    int               i, rc;
    cJSON            *root;
    oh_event_str_t    id, type;
    oh_json_member_t  m[OH_EVENT_NMEMBERS];

    memset(out, 0, sizeof(*out));

    for (i = 0; i < OH_EVENT_NMEMBERS; i++) {
        m[i].name = oh_event_member_names[i];
        m[i].type = OH_JSON_ABSENT;
        m[i].value = NULL;
        m[i].len = 0;
    }

    root = NULL;
    if (oh_event_needs_json(provider) && body != NULL && len > 0) {
        oh_event_members(body, len, m, &root);
    }

    id = oh_event_id_source(provider, get, data, m);
    type = oh_event_type_source(provider, get, data, m);

    rc = 0;

    if (!oh_event_copy(out->event_id, OH_EVENT_ID_MAX, id)) {
        out->id_from_body_hash = 1;
        rc = oh_event_body_hash(out->event_id, body, len);
    }

    if (!oh_event_copy(out->event_type, OH_EVENT_TYPE_MAX, type)) {
        out->event_type[0] = '\0';
    }

    cJSON_Delete(root);

    return rc;
}


static int
oh_event_needs_json(oh_provider_t provider)
{
    return provider == OH_PROVIDER_STRIPE
           || provider == OH_PROVIDER_RAZORPAY
           || provider == OH_PROVIDER_STITCH
           || provider == OH_PROVIDER_GENERIC;
}


/*
 * The wanted members: from the allocation-free scan, or, for a body it
 * leaves undecided (not strict JSON, escapes, deep nesting), from cJSON's
 * tree, which *root then holds until the caller has copied the values.
 */
static void
oh_event_members(const unsigned char *body, size_t len, oh_json_member_t *m,
    cJSON **root)
{
    int           i;
    const cJSON  *item;

    if (oh_json_members(body, len, m, OH_EVENT_NMEMBERS)) {
        return;
    }

    *root = cJSON_ParseWithLength((const char *) body, len);

    for (i = 0; i < OH_EVENT_NMEMBERS; i++) {
        m[i].type = OH_JSON_ABSENT;
        m[i].value = NULL;
        m[i].len = 0;

        if (!cJSON_IsObject(*root)) {
            continue;
        }

        item = cJSON_GetObjectItemCaseSensitive(*root, m[i].name);

        if (cJSON_IsString(item) && item->valuestring != NULL) {
            m[i].type = OH_JSON_STRING;
            m[i].value = item->valuestring;
            m[i].len = strlen(item->valuestring);

        } else if (cJSON_IsArray(item)) {
            m[i].type = OH_JSON_ARRAY;

        } else if (item != NULL) {
            m[i].type = OH_JSON_OTHER;
        }
    }
}


static oh_event_str_t
oh_event_header(oh_header_get_pt get, void *data, const char *name)
{
    oh_event_str_t  s;

    s.len = 0;
    s.data = get(data, name, &s.len);

    if (s.data == NULL) {
        s.len = 0;
    }

    return s;
}


/* A top-level string member of a JSON object, or an empty string. */
static oh_event_str_t
oh_event_json_string(const oh_json_member_t *m, oh_event_member_t which)
{
    oh_event_str_t  s;

    s.data = NULL;
    s.len = 0;

    if (m[which].type == OH_JSON_STRING) {
        s.data = m[which].value;
        s.len = m[which].len;
    }

    return s;
}


/* The same header set oh_sig verifies: svix-* when complete. */
static oh_event_str_t
oh_event_stitch_id(oh_header_get_pt get, void *data)
{
    oh_event_str_t  id;

    id = oh_event_header(get, data, "svix-id");

    if (id.len > 0
        && oh_event_header(get, data, "svix-timestamp").len > 0
        && oh_event_header(get, data, "svix-signature").len > 0)
    {
        return id;
    }

    return oh_event_header(get, data, "webhook-id");
}


static oh_event_str_t
oh_event_id_source(oh_provider_t provider, oh_header_get_pt get, void *data,
    const oh_json_member_t *m)
{
    oh_event_str_t  none;

    switch (provider) {
    case OH_PROVIDER_STRIPE:
        return oh_event_json_string(m, OH_EVENT_M_ID);
    case OH_PROVIDER_RAZORPAY:
        return oh_event_header(get, data, "X-Razorpay-Event-Id");
    case OH_PROVIDER_STITCH:
        return oh_event_stitch_id(get, data);
    case OH_PROVIDER_SHOPIFY:
        return oh_event_header(get, data, "X-Shopify-Webhook-Id");
    case OH_PROVIDER_GITHUB:
        return oh_event_header(get, data, "X-GitHub-Delivery");
    case OH_PROVIDER_GENERIC:
        return oh_event_json_string(m, OH_EVENT_M_EVENT_ID);
    default:
        none.data = NULL;
        none.len = 0;
        return none;
    }
}


static oh_event_str_t
oh_event_generic_type(const oh_json_member_t *m)
{
    oh_event_str_t  s;

    s = oh_event_json_string(m, OH_EVENT_M_EVENT);
    if (s.len > 0) {
        return s;
    }

    s = oh_event_json_string(m, OH_EVENT_M_TYPE);
    if (s.len > 0) {
        return s;
    }

    if (m[OH_EVENT_M_EVENTS].type == OH_JSON_ARRAY) {
        s.data = "tracking";
        s.len = sizeof("tracking") - 1;
    }

    return s;
}


static oh_event_str_t
oh_event_type_source(oh_provider_t provider, oh_header_get_pt get,
    void *data, const oh_json_member_t *m)
{
    oh_event_str_t  s;

    switch (provider) {
    case OH_PROVIDER_STRIPE:
    case OH_PROVIDER_STITCH:
        return oh_event_json_string(m, OH_EVENT_M_TYPE);
    case OH_PROVIDER_RAZORPAY:
        return oh_event_json_string(m, OH_EVENT_M_EVENT);
    case OH_PROVIDER_SHOPIFY:
        return oh_event_header(get, data, "X-Shopify-Topic");
    case OH_PROVIDER_GITHUB:
        return oh_event_header(get, data, "X-GitHub-Event");
    case OH_PROVIDER_GENERIC:
        return oh_event_generic_type(m);
    case OH_PROVIDER_SHIPROCKET:
        s.data = "tracking";
        s.len = sizeof("tracking") - 1;
        return s;
    default:
        s.data = NULL;
        s.len = 0;
        return s;
    }
}


/*
 * Copies an id or type of 1..max printable ASCII characters; anything
 * else (control bytes, non-ASCII, too long) is refused so that the value
 * is always safe to store and log.
 */
static int
oh_event_copy(char *dst, size_t max, oh_event_str_t s)
{
    size_t  i;

    if (s.data == NULL || s.len == 0 || s.len > max) {
        return 0;
    }

    for (i = 0; i < s.len; i++) {
        if (s.data[i] < 0x20 || s.data[i] > 0x7e) {
            return 0;
        }
    }

    memcpy(dst, s.data, s.len);
    dst[s.len] = '\0';

    return 1;
}


/* "sha256:" + 64 lowercase hex digits of the body. */
static int
oh_event_body_hash(char *dst, const unsigned char *body, size_t len)
{
    char           *hex;
    size_t          i, plen, n;
    unsigned char   md[32];

    plen = sizeof(OH_EVENT_HASH_PREFIX) - 1;
    memcpy(dst, OH_EVENT_HASH_PREFIX, plen);
    hex = dst + plen;

    if (!EVP_Digest(body != NULL ? body : (const unsigned char *) "", len,
                    md, NULL, EVP_sha256(), NULL)
        || !OPENSSL_buf2hexstr_ex(hex, 2 * sizeof(md) + 1, &n, md,
                                  sizeof(md), '\0'))
    {
        dst[0] = '\0';
        return -1;
    }

    /* OpenSSL writes uppercase digits; keys are lowercase like sha256sum */
    for (i = 0; hex[i] != '\0'; i++) {
        if (hex[i] >= 'A' && hex[i] <= 'F') {
            hex[i] = (char) (hex[i] - 'A' + 'a');
        }
    }

    return 0;
}

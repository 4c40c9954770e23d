/* fuzz_json_members: the allocation-free member scan agrees with cJSON. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "oh_json.h"

#define FUZZ_NMEMBERS  5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *name);
static void fuzz_compare(const cJSON *root, const oh_json_member_t *m);


static void
fuzz_fail(const char *what, const char *name)
{
    fprintf(stderr, "fuzz_json_members: property violated: %s (%s)\n",
            what, name);
    abort();
}


/*
 * Whenever the scan decides, cJSON must read the same document: an
 * object's first member of each wanted name with the same type, and the
 * same bytes for a string (the scan only decides escape-free values).
 */
static void
fuzz_compare(const cJSON *root, const oh_json_member_t *m)
{
    const cJSON  *item = NULL;
    const char   *s;

    if (cJSON_IsObject(root)) {
        item = cJSON_GetObjectItemCaseSensitive(root, m->name);
    }
    if (item == NULL) {
        if (m->type != OH_JSON_ABSENT) {
            fuzz_fail("member found that cJSON does not see", m->name);
        }
        return;
    }
    switch (m->type) {
    case OH_JSON_ABSENT:
        fuzz_fail("member missed", m->name);
        break;
    case OH_JSON_STRING:
        s = cJSON_GetStringValue(item);
        if (s == NULL) {
            fuzz_fail("string member that cJSON reads otherwise", m->name);
        }
        if (strlen(s) != m->len || memcmp(s, m->value, m->len) != 0) {
            fuzz_fail("string value differs", m->name);
        }
        break;
    case OH_JSON_ARRAY:
        if (!cJSON_IsArray(item)) {
            fuzz_fail("array member that cJSON reads otherwise", m->name);
        }
        break;
    case OH_JSON_OTHER:
        if (cJSON_IsString(item) || cJSON_IsArray(item)) {
            fuzz_fail("other member that cJSON reads as string/array",
                      m->name);
        }
        break;
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const  names[FUZZ_NMEMBERS] = {
        "id", "type", "event", "event_id", "events"
    };
    oh_json_member_t          m[FUZZ_NMEMBERS];
    cJSON                    *root;
    const char               *end = NULL;
    int                       i;

    memset(m, 0, sizeof(m));
    for (i = 0; i < FUZZ_NMEMBERS; i++) {
        m[i].name = names[i];
    }
    if (!oh_json_members(data, size, m, FUZZ_NMEMBERS)) {
        return 0;                  /* undecided: the caller uses cJSON */
    }

    /* decided means one strict JSON text, which cJSON reads whole */
    root = cJSON_ParseWithLengthOpts((const char *) data, size, &end, 0);
    if (root == NULL) {
        fuzz_fail("strict JSON that cJSON refuses", "-");
    }
    while (end < (const char *) data + size
           && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
    {
        end++;
    }
    if (end != (const char *) data + size) {
        fuzz_fail("cJSON stops before the end of a strict text", "-");
    }
    for (i = 0; i < FUZZ_NMEMBERS; i++) {
        fuzz_compare(root, &m[i]);
    }
    cJSON_Delete(root);
    return 0;
}

/* oh_template: placeholder templates for customer notifications. */

#ifndef OH_TEMPLATE_H
#define OH_TEMPLATE_H

#include <stddef.h>

/*
 * Syntax (a small subset of Mustache):
 *
 *   {{name}}                 the value of `name`; empty when missing
 *   {{#name}} ... {{/name}}  the part inside only when `name` has a value
 *   {{^name}} ... {{/name}}  the part inside only when it has none
 *   {{! comment }}           nothing
 *
 * Names are checked against the list given to oh_template_compile, so a
 * misspelt placeholder is an error when the template is loaded, not when
 * a message is rendered.  A line holding nothing but a section or comment
 * tag (and blanks) disappears entirely, so optional lines leave no gaps.
 */

typedef struct oh_template_s  oh_template_t;

#define OH_TEMPLATE_TEXT  0        /* values copied as they are */
#define OH_TEMPLATE_HTML  1        /* values escaped: & < > " ' */

/*
 * Compiles `len` bytes of `src` (copied).  `names` lists the `nnames`
 * placeholder names a template may use; values are later passed in the
 * same order.  Returns 0 and `*out`, or -1 with a one-line reason naming
 * the line in `err` ("line 3: unknown placeholder {{trackng_url}}").
 */
int oh_template_compile(const char *src, size_t len,
    const char *const *names, size_t nnames, oh_template_t **out,
    char *err, size_t errsize) __attribute__((warn_unused_result));

/*
 * Renders with `values` (indexed like `names`; NULL or "" is missing).
 * Returns a NUL-terminated malloc'ed string (length in `*len` when not
 * NULL), or NULL when out of memory.
 */
char *oh_template_render(const oh_template_t *t, const char *const *values,
    int mode, size_t *len) __attribute__((warn_unused_result));

void oh_template_free(oh_template_t *t);

#endif /* OH_TEMPLATE_H */

/* mail_render: the notification templates, loaded at start-up, rendered. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mail_render.h"
#include "oh_template.h"

#define MAIL_TEMPLATE_MAX  (256 * 1024)

typedef struct {
    oh_template_t  *subject;
    oh_template_t  *text;
    oh_template_t  *html;           /* NULL: text only */
} mail_template_set_t;

struct mail_templates_s {
    mail_template_set_t  kinds[MAIL_KIND_COUNT];
};

static const char *const  mail_kind_names[MAIL_KIND_COUNT] = {
    "order_confirmation", "shipped", "delivered", "refund_issued"
};

static const char *const  mail_var_names[MAIL_V_COUNT] = {
    "order_number", "customer_name", "customer_email", "amount",
    "refund_amount", "tracking_number", "carrier", "tracking_url",
    "support_contact"
};

static int mail_read_file(const char *path, char **data, size_t *len,
    char *err, size_t errsize);
static int mail_compile(const char *path, const char *src, size_t len,
    size_t first_line, oh_template_t **out, char *err, size_t errsize);
static int mail_load_text(const char *path, mail_template_set_t *set,
    char *err, size_t errsize);
static int mail_load_kind(const char *dir, mail_kind_t kind,
    mail_template_set_t *set, char *err, size_t errsize);


const char *
mail_kind_name(mail_kind_t kind)
{
    return kind >= 0 && kind < MAIL_KIND_COUNT ? mail_kind_names[kind]
                                               : NULL;
}


/* Reads a whole file; -1 with errno kept (ENOENT: no such template). */
static int
mail_read_file(const char *path, char **data, size_t *len, char *err,
    size_t errsize)
{
    FILE    *f;
    char    *buf;
    size_t   n;
    int      saved;

    f = fopen(path, "r");
    if (f == NULL) {
        saved = errno;
        snprintf(err, errsize, "%s: %s", path, strerror(saved));
        errno = saved;
        return -1;
    }
    buf = malloc(MAIL_TEMPLATE_MAX + 1);
    if (buf == NULL) {
        fclose(f);
        snprintf(err, errsize, "%s: out of memory", path);
        errno = ENOMEM;
        return -1;
    }
    n = fread(buf, 1, MAIL_TEMPLATE_MAX + 1, f);
    saved = ferror(f);
    fclose(f);
    if (saved || n > MAIL_TEMPLATE_MAX) {
        free(buf);
        snprintf(err, errsize, "%s: %s", path,
                 saved ? "read error" : "larger than 256 KiB");
        errno = EIO;
        return -1;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}


/* Compiles a part whose first line is `first_line` of the file. */
static int
mail_compile(const char *path, const char *src, size_t len,
    size_t first_line, oh_template_t **out, char *err, size_t errsize)
{
    char    why[256];
    size_t  line;
    int     at = 0;

    if (oh_template_compile(src, len, mail_var_names, MAIL_V_COUNT, out, why,
                            sizeof(why)) == 0)
    {
        return 0;
    }
    if (sscanf(why, "line %zu: %n", &line, &at) == 1 && at > 0) {
        snprintf(err, errsize, "%s:%zu: %s", path, line + first_line - 1,
                 why + at);
    } else {
        snprintf(err, errsize, "%s: %s", path, why);
    }
    return -1;
}


/* <kind>.txt: "Subject: ..." on line 1, an optional blank line, body. */
static int
mail_load_text(const char *path, mail_template_set_t *set, char *err,
    size_t errsize)
{
    char    *src, *subj, *nl, *body;
    size_t   len, slen, body_line = 2;
    int      rc = -1;

    if (mail_read_file(path, &src, &len, err, errsize) != 0) {
        return -1;
    }
    if (strncasecmp(src, "Subject:", 8) != 0) {
        snprintf(err, errsize, "%s:1: the first line must be "
                 "\"Subject: ...\"", path);
        goto done;
    }
    subj = src + 8;
    nl = memchr(subj, '\n', len - 8);
    body = nl ? nl + 1 : src + len;
    slen = (size_t) ((nl ? nl : src + len) - subj);
    while (slen > 0 && (*subj == ' ' || *subj == '\t')) {
        subj++;
        slen--;
    }
    while (slen > 0 && (subj[slen - 1] == '\r' || subj[slen - 1] == ' '
                        || subj[slen - 1] == '\t'))
    {
        slen--;
    }
    if (slen == 0) {
        snprintf(err, errsize, "%s:1: the subject is empty", path);
        goto done;
    }
    if (body[0] == '\n' || (body[0] == '\r' && body[1] == '\n')) {
        body += body[0] == '\n' ? 1 : 2;
        body_line++;
    }
    if (mail_compile(path, subj, slen, 1, &set->subject, err, errsize) != 0
        || mail_compile(path, body, (size_t) (src + len - body), body_line,
                        &set->text, err, errsize) != 0)
    {
        goto done;
    }
    rc = 0;
done:
    free(src);
    return rc;
}


static int
mail_load_kind(const char *dir, mail_kind_t kind, mail_template_set_t *set,
    char *err, size_t errsize)
{
    char    path[4096], *src;
    size_t  len;
    int     rc;

    snprintf(path, sizeof(path), "%s/%s.txt", dir, mail_kind_names[kind]);
    if (mail_load_text(path, set, err, errsize) != 0) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s/%s.html", dir, mail_kind_names[kind]);
    if (mail_read_file(path, &src, &len, err, errsize) != 0) {
        return errno == ENOENT ? 0 : -1;
    }
    rc = mail_compile(path, src, len, 1, &set->html, err, errsize);
    free(src);
    return rc;
}


int
mail_templates_load(const char *dir, mail_templates_t **out, char *err,
    size_t errsize)
{
    mail_templates_t  *t;
    int                k;

    *out = NULL;
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    for (k = 0; k < MAIL_KIND_COUNT; k++) {
        if (mail_load_kind(dir, (mail_kind_t) k, &t->kinds[k], err, errsize)
            != 0)
        {
            mail_templates_free(t);
            return -1;
        }
    }
    *out = t;
    return 0;
}


void
mail_templates_free(mail_templates_t *t)
{
    int  k;

    if (t == NULL) {
        return;
    }
    for (k = 0; k < MAIL_KIND_COUNT; k++) {
        oh_template_free(t->kinds[k].subject);
        oh_template_free(t->kinds[k].text);
        oh_template_free(t->kinds[k].html);
    }
    free(t);
}


int
mail_render(const mail_templates_t *t, mail_kind_t kind,
    const char *const *values, mail_rendered_t *out)
{
    const mail_template_set_t  *set = &t->kinds[kind];

    memset(out, 0, sizeof(*out));
    out->subject = oh_template_render(set->subject, values, OH_TEMPLATE_TEXT,
                                      NULL);
    out->text = oh_template_render(set->text, values, OH_TEMPLATE_TEXT,
                                   NULL);
    if (set->html != NULL) {
        out->html = oh_template_render(set->html, values, OH_TEMPLATE_HTML,
                                       NULL);
    }
    if (out->subject == NULL || out->text == NULL
        || (set->html != NULL && out->html == NULL))
    {
        mail_rendered_free(out);
        return -1;
    }
    return 0;
}


void
mail_rendered_free(mail_rendered_t *r)
{
    free(r->subject);
    free(r->text);
    free(r->html);
    memset(r, 0, sizeof(*r));
}

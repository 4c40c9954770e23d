/* oh_template: placeholder templates for customer notifications. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oh_template.h"

#define OH_TEMPLATE_DEPTH  8

typedef enum {
    OH_OP_TEXT = 0, OH_OP_VAR, OH_OP_OPEN, OH_OP_INVERT, OH_OP_CLOSE
} oh_template_op_type_t;

typedef struct {
    oh_template_op_type_t  type;
    size_t                 index;    /* placeholder, for tags */
    size_t                 off, len; /* text in src */
    size_t                 end;      /* OPEN/INVERT: op of the close tag */
} oh_template_op_t;

struct oh_template_s {
    char              *src;
    oh_template_op_t  *ops;
    size_t             nops, cap;
};

/* A tag as read from the source. */
typedef struct {
    char          sigil;             /* '#', '^', '/', '!' or 0 */
    const char   *name;
    size_t        name_len;
    size_t        start, end;        /* "{{" .. after "}}" */
} oh_template_tag_t;

typedef struct {
    char    *data;
    size_t   len, cap;
} oh_template_buf_t;

static int oh_template_add(oh_template_t *t, oh_template_op_type_t type,
    size_t index, size_t off, size_t len);
static size_t oh_template_line(const char *src, size_t pos);
static int oh_template_read_tag(const char *src, size_t len, size_t at,
    oh_template_tag_t *tag);
static int oh_template_lookup(const oh_template_tag_t *tag,
    const char *const *names, size_t nnames, size_t *index);
static int oh_template_put(oh_template_buf_t *b, const char *s, size_t n);
static int oh_template_put_value(oh_template_buf_t *b, const char *v,
    int mode);


static int
oh_template_add(oh_template_t *t, oh_template_op_type_t type, size_t index,
    size_t off, size_t len)
{
    oh_template_op_t  *ops;
    size_t             cap;

    if (t->nops == t->cap) {
        cap = t->cap ? t->cap * 2 : 16;
        ops = realloc(t->ops, cap * sizeof(*ops));
        if (ops == NULL) {
            return -1;
        }
        t->ops = ops;
        t->cap = cap;
    }
    t->ops[t->nops].type = type;
    t->ops[t->nops].index = index;
    t->ops[t->nops].off = off;
    t->ops[t->nops].len = len;
    t->ops[t->nops].end = 0;
    t->nops++;
    return 0;
}


static size_t
oh_template_line(const char *src, size_t pos)
{
    size_t  i, line = 1;

    for (i = 0; i < pos; i++) {
        line += src[i] == '\n';
    }
    return line;
}


/* Reads the tag starting at `at` ("{{"); -1 when "}}" is missing. */
static int
oh_template_read_tag(const char *src, size_t len, size_t at,
    oh_template_tag_t *tag)
{
    const char  *close, *b, *e;

    close = NULL;
    for (b = src + at + 2; b + 1 < src + len; b++) {
        if (b[0] == '}' && b[1] == '}') {
            close = b;
            break;
        }
    }
    if (close == NULL) {
        return -1;
    }
    b = src + at + 2;
    e = close;
    while (b < e && (*b == ' ' || *b == '\t')) {
        b++;
    }
    tag->sigil = 0;
    if (b < e && strchr("#^/!", *b) != NULL) {
        tag->sigil = *b++;
        while (b < e && (*b == ' ' || *b == '\t')) {
            b++;
        }
    }
    while (e > b && (e[-1] == ' ' || e[-1] == '\t')) {
        e--;
    }
    tag->name = b;
    tag->name_len = (size_t) (e - b);
    tag->start = at;
    tag->end = (size_t) (close - src) + 2;
    return 0;
}


static int
oh_template_lookup(const oh_template_tag_t *tag, const char *const *names,
    size_t nnames, size_t *index)
{
    size_t  i;

    for (i = 0; i < nnames; i++) {
        if (strlen(names[i]) == tag->name_len
            && memcmp(names[i], tag->name, tag->name_len) == 0)
        {
            *index = i;
            return 0;
        }
    }
    return -1;
}


int
oh_template_compile(const char *src, size_t len, const char *const *names,
    size_t nnames, oh_template_t **out, char *err, size_t errsize)
{
    oh_template_t      *t;
    oh_template_tag_t   tag;
    size_t              stack[OH_TEMPLATE_DEPTH], depth = 0;
    size_t              pos = 0, text = 0, ls, re, index = 0;
    const char         *p;
    oh_template_op_type_t  type;

    *out = NULL;
    t = calloc(1, sizeof(*t));
    if (t == NULL || (t->src = malloc(len + 1)) == NULL) {
        free(t);
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    memcpy(t->src, src, len);
    t->src[len] = '\0';
    src = t->src;

    for (;;) {
        p = pos < len ? strstr(src + pos, "{{") : NULL;
        if (p == NULL || (size_t) (p - src) >= len) {
            break;
        }
        if (oh_template_read_tag(src, len, (size_t) (p - src), &tag) != 0) {
            snprintf(err, errsize, "line %zu: \"{{\" without \"}}\"",
                     oh_template_line(src, (size_t) (p - src)));
            goto fail;
        }
        if (tag.sigil != '!'
            && oh_template_lookup(&tag, names, nnames, &index) != 0)
        {
            snprintf(err, errsize, "line %zu: unknown placeholder {{%.*s}}",
                     oh_template_line(src, tag.start),
                     (int) (tag.name_len > 64 ? 64 : tag.name_len),
                     tag.name);
            goto fail;
        }

        /* a section or comment tag alone on its line takes the line */
        ls = tag.start;
        re = tag.end;
        if (tag.sigil != 0) {
            while (ls > text && (src[ls - 1] == ' ' || src[ls - 1] == '\t'))
            {
                ls--;
            }
            while (re < len && (src[re] == ' ' || src[re] == '\t'
                                || src[re] == '\r'))
            {
                re++;
            }
            if ((ls == 0 || src[ls - 1] == '\n')
                && (re == len || src[re] == '\n'))
            {
                re += re < len;
            } else {
                ls = tag.start;
                re = tag.end;
            }
        }
        if (ls > text
            && oh_template_add(t, OH_OP_TEXT, 0, text, ls - text) != 0)
        {
            goto nomem;
        }
        text = re;
        pos = re;

        switch (tag.sigil) {
        case '!':
            continue;
        case '#':
        case '^':
            if (depth == OH_TEMPLATE_DEPTH) {
                snprintf(err, errsize, "line %zu: sections nested too deep",
                         oh_template_line(src, tag.start));
                goto fail;
            }
            stack[depth++] = t->nops;
            type = tag.sigil == '#' ? OH_OP_OPEN : OH_OP_INVERT;
            break;
        case '/':
            if (depth == 0 || t->ops[stack[depth - 1]].index != index) {
                snprintf(err, errsize, "line %zu: {{/%s}} closes %s%s%s",
                         oh_template_line(src, tag.start), names[index],
                         depth ? "{{#" : "no section",
                         depth ? names[t->ops[stack[depth - 1]].index] : "",
                         depth ? "}}" : "");
                goto fail;
            }
            t->ops[stack[--depth]].end = t->nops;
            type = OH_OP_CLOSE;
            break;
        default:
            type = OH_OP_VAR;
            break;
        }
        if (oh_template_add(t, type, index, tag.start, tag.end - tag.start)
            != 0)
        {
            goto nomem;
        }
    }
    if (depth > 0) {
        snprintf(err, errsize, "line %zu: {{#%s}} is never closed",
                 oh_template_line(src, t->ops[stack[depth - 1]].off),
                 names[t->ops[stack[depth - 1]].index]);
        goto fail;
    }
    if (len > text && oh_template_add(t, OH_OP_TEXT, 0, text, len - text)
                      != 0)
    {
        goto nomem;
    }
    *out = t;
    return 0;

nomem:
    snprintf(err, errsize, "out of memory");
fail:
    oh_template_free(t);
    return -1;
}


static int
oh_template_put(oh_template_buf_t *b, const char *s, size_t n)
{
    char    *d;
    size_t   cap;

    if (b->len + n + 1 > b->cap) {
        cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        d = realloc(b->data, cap);
        if (d == NULL) {
            return -1;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}


static int
oh_template_put_value(oh_template_buf_t *b, const char *v, int mode)
{
    const char  *rep;
    size_t       run;

    if (mode != OH_TEMPLATE_HTML) {
        return oh_template_put(b, v, strlen(v));
    }
    while (*v != '\0') {
        run = strcspn(v, "&<>\"'");
        if (run > 0 && oh_template_put(b, v, run) != 0) {
            return -1;
        }
        v += run;
        if (*v == '\0') {
            break;
        }
        switch (*v) {
        case '&':  rep = "&amp;"; break;
        case '<':  rep = "&lt;"; break;
        case '>':  rep = "&gt;"; break;
        case '"':  rep = "&quot;"; break;
        default:   rep = "&#39;"; break;
        }
        if (oh_template_put(b, rep, strlen(rep)) != 0) {
            return -1;
        }
        v++;
    }
    return 0;
}


char *
oh_template_render(const oh_template_t *t, const char *const *values,
    int mode, size_t *len)
{
    oh_template_buf_t        b = { NULL, 0, 0 };
    const oh_template_op_t  *op;
    const char              *v;
    size_t                   i;
    int                      has;

    if (oh_template_put(&b, "", 0) != 0) {
        return NULL;
    }
    for (i = 0; i < t->nops; i++) {
        op = &t->ops[i];
        v = op->type == OH_OP_TEXT ? NULL : values[op->index];
        has = v != NULL && v[0] != '\0';
        switch (op->type) {
        case OH_OP_TEXT:
            if (oh_template_put(&b, t->src + op->off, op->len) != 0) {
                goto nomem;
            }
            break;
        case OH_OP_VAR:
            if (has && oh_template_put_value(&b, v, mode) != 0) {
                goto nomem;
            }
            break;
        case OH_OP_OPEN:
        case OH_OP_INVERT:
            if (has != (op->type == OH_OP_OPEN)) {
                i = op->end;
            }
            break;
        case OH_OP_CLOSE:
            break;
        }
    }
    if (len != NULL) {
        *len = b.len;
    }
    return b.data;

nomem:
    free(b.data);
    return NULL;
}


void
oh_template_free(oh_template_t *t)
{
    if (t == NULL) {
        return;
    }
    free(t->ops);
    free(t->src);
    free(t);
}

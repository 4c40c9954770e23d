/* mail_message: RFC 5322 / MIME messages built from a stored notification. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "mail_message.h"

#define MAIL_QP_LINE    76
#define MAIL_WORD_MAX   45         /* bytes per RFC 2047 encoded word */
#define MAIL_BOUNDARY   "=_orderhooks_alt"

typedef struct {
    char    *data;
    size_t   len, cap;
    int      failed;
} mail_buf_t;

static void mail_put(mail_buf_t *b, const char *s, size_t n);
static void mail_puts(mail_buf_t *b, const char *s);
static void mail_header(mail_buf_t *b, const char *name, const char *value);
static void mail_subject(mail_buf_t *b, const char *subject);
static void mail_qp(mail_buf_t *b, const char *text);
static void mail_part_headers(mail_buf_t *b, const char *type);


static void
mail_put(mail_buf_t *b, const char *s, size_t n)
{
    char    *d;
    size_t   cap;

    if (b->failed) {
        return;
    }
    if (b->len + n + 1 > b->cap) {
        cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        d = realloc(b->data, cap);
        if (d == NULL) {
            b->failed = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}


static void
mail_puts(mail_buf_t *b, const char *s)
{
    mail_put(b, s, strlen(s));
}


/* "Name: value\r\n"; line breaks and controls in the value become spaces. */
static void
mail_header(mail_buf_t *b, const char *name, const char *value)
{
    const unsigned char  *p;
    char                  c;

    mail_puts(b, name);
    mail_puts(b, ": ");
    for (p = (const unsigned char *) value; *p != '\0'; p++) {
        c = (*p < 0x20 || *p == 0x7f) ? ' ' : (char) *p;
        mail_put(b, &c, 1);
    }
    mail_puts(b, "\r\n");
}


static void
mail_subject(mail_buf_t *b, const char *subject)
{
    const unsigned char  *p = (const unsigned char *) subject;
    unsigned char         enc[4 * MAIL_WORD_MAX / 3 + 8];
    size_t                n, len = strlen(subject);
    int                   ascii = 1;

    for (n = 0; n < len; n++) {
        ascii &= p[n] < 0x80;
    }
    if (ascii) {
        mail_header(b, "Subject", subject);
        return;
    }
    /* RFC 2047 words of at most 45 bytes, never splitting a character */
    mail_puts(b, "Subject:");
    while (len > 0) {
        n = len < MAIL_WORD_MAX ? len : MAIL_WORD_MAX;
        while (n < len && n > 1 && (p[n] & 0xc0) == 0x80) {
            n--;
        }
        EVP_EncodeBlock(enc, p, (int) n);
        mail_puts(b, " =?UTF-8?B?");
        mail_puts(b, (const char *) enc);
        mail_puts(b, "?=");
        p += n;
        len -= n;
        if (len > 0) {
            mail_puts(b, "\r\n");
        }
    }
    mail_puts(b, "\r\n");
}


/* Quoted-printable (RFC 2045), lines of text ending in LF or CRLF. */
static void
mail_qp(mail_buf_t *b, const char *text)
{
    const unsigned char  *p = (const unsigned char *) text;
    char                  hex[4];
    size_t                col = 0, need;
    int                   literal, eol;

    for (; *p != '\0'; p++) {
        if (*p == '\r' && p[1] == '\n') {
            continue;
        }
        if (*p == '\n') {
            mail_puts(b, "\r\n");
            col = 0;
            continue;
        }
        eol = p[1] == '\0' || p[1] == '\n'
              || (p[1] == '\r' && p[2] == '\n');
        literal = (*p >= 33 && *p <= 126 && *p != '=')
                  || ((*p == ' ' || *p == '\t') && !eol);
        need = literal ? 1 : 3;
        if (col + need > MAIL_QP_LINE - 1) {
            mail_puts(b, "=\r\n");
            col = 0;
        }
        if (literal) {
            mail_put(b, (const char *) p, 1);
        } else {
            snprintf(hex, sizeof(hex), "=%02X", *p);
            mail_put(b, hex, 3);
        }
        col += need;
    }
    if (col > 0) {
        mail_puts(b, "\r\n");
    }
}


static void
mail_part_headers(mail_buf_t *b, const char *type)
{
    mail_puts(b, "Content-Type: ");
    mail_puts(b, type);
    mail_puts(b, "; charset=UTF-8\r\n"
                 "Content-Transfer-Encoding: quoted-printable\r\n");
}


char *
mail_message_build(const mail_message_t *m, time_t now, size_t *len)
{
    mail_buf_t  b = { NULL, 0, 0, 0 };
    struct tm   tm;
    char        date[64];
    int         alt = m->html != NULL && m->html[0] != '\0';

    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    mail_header(&b, "Date", date);
    mail_header(&b, "From", m->from);
    mail_header(&b, "To", m->to);
    if (m->reply_to != NULL && m->reply_to[0] != '\0') {
        mail_header(&b, "Reply-To", m->reply_to);
    }
    mail_subject(&b, m->subject);
    mail_header(&b, "Message-ID", m->message_id);
    mail_puts(&b, "MIME-Version: 1.0\r\n"
                  "Auto-Submitted: auto-generated\r\n");
    if (!alt) {
        mail_part_headers(&b, "text/plain");
        mail_puts(&b, "\r\n");
        mail_qp(&b, m->text);
    } else {
        mail_puts(&b, "Content-Type: multipart/alternative; boundary=\""
                      MAIL_BOUNDARY "\"\r\n\r\n"
                      "--" MAIL_BOUNDARY "\r\n");
        mail_part_headers(&b, "text/plain");
        mail_puts(&b, "\r\n");
        mail_qp(&b, m->text);
        mail_puts(&b, "--" MAIL_BOUNDARY "\r\n");
        mail_part_headers(&b, "text/html");
        mail_puts(&b, "\r\n");
        mail_qp(&b, m->html);
        mail_puts(&b, "--" MAIL_BOUNDARY "--\r\n");
    }
    if (b.failed) {
        free(b.data);
        return NULL;
    }
    *len = b.len;
    return b.data;
}


int
mail_address(const char *in, char *out, size_t size)
{
    const char  *b = strchr(in, '<'), *e;
    size_t       n, i;

    if (b != NULL) {
        b++;
        e = strchr(b, '>');
        if (e == NULL) {
            return -1;
        }
    } else {
        b = in;
        while (*b == ' ' || *b == '\t') {
            b++;
        }
        e = b + strlen(b);
        while (e > b && (e[-1] == ' ' || e[-1] == '\t')) {
            e--;
        }
    }
    n = (size_t) (e - b);
    if (n == 0 || n >= size || memchr(b, '@', n) == NULL) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if ((unsigned char) b[i] <= 0x20 || b[i] == 0x7f
            || strchr("<>(),;:\\\"[]", b[i]) != NULL)
        {
            return -1;
        }
    }
    memcpy(out, b, n);
    out[n] = '\0';
    return 0;
}


int
mail_message_id(const char *from, char *out, size_t size)
{
    unsigned char  rnd[16];
    char           addr[MAIL_ADDRESS_MAX], hex[33];
    int            i, n;

    if (mail_address(from, addr, sizeof(addr)) != 0
        || RAND_bytes(rnd, sizeof(rnd)) != 1)
    {
        return -1;
    }
    for (i = 0; i < 16; i++) {
        snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    }
    n = snprintf(out, size, "<oh.%s%s>", hex, strrchr(addr, '@'));
    return n > 0 && (size_t) n < size ? 0 : -1;
}

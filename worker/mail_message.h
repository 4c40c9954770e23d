/* mail_message: RFC 5322 / MIME messages built from a stored notification. */

#ifndef OH_WORKER_MAIL_MESSAGE_H
#define OH_WORKER_MAIL_MESSAGE_H

#include <stddef.h>
#include <time.h>

#define MAIL_ADDRESS_MAX  320

/* What goes into one message; reply_to and html may be NULL or "". */
typedef struct {
    const char  *from;             /* "Shop <shop@example.com>" */
    const char  *reply_to;
    const char  *to;
    const char  *subject;          /* UTF-8; encoded when not ASCII */
    const char  *text;
    const char  *html;             /* multipart/alternative when set */
    const char  *message_id;       /* "<...@...>" */
} mail_message_t;

/*
 * The address in "Name <a@b>" or "a@b", for the SMTP envelope.  Returns
 * 0, or -1 when there is none or it holds spaces, controls or brackets.
 */
int mail_address(const char *in, char *out, size_t size)
    __attribute__((warn_unused_result));

/*
 * A new random Message-ID on the domain of `from`'s address
 * ("<oh.5f0c...@example.com>").  Returns 0, or -1.
 */
int mail_message_id(const char *from, char *out, size_t size)
    __attribute__((warn_unused_result));

/*
 * The whole message with CRLF line ends and quoted-printable bodies,
 * dated `now`.  Returns a malloc'ed string (length in `*len`), or NULL
 * when out of memory.
 */
char *mail_message_build(const mail_message_t *m, time_t now, size_t *len)
    __attribute__((warn_unused_result));

#endif /* OH_WORKER_MAIL_MESSAGE_H */

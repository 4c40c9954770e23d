/* mail_send: one message handed to the SMTP server with libcurl. */

#ifndef OH_WORKER_MAIL_SEND_H
#define OH_WORKER_MAIL_SEND_H

#include <stddef.h>
#include "config.h"

#define MAIL_ANSWER_MAX  300

typedef struct mail_sender_s  mail_sender_t;

typedef enum {
    MAIL_SEND_OK = 0,              /* the server accepted the message */
    MAIL_SEND_RETRY,               /* refused for now (4xx, auth, ...) */
    MAIL_SEND_PERMANENT,           /* refused for good (5xx recipient/data) */
    MAIL_SEND_UNREACHABLE          /* no server: connect, TLS, timeout */
} mail_send_result_t;

/*
 * Sets libcurl up and reads the password (mail_password_file, else
 * $ORDERHOOKS_MAIL_PASSWORD) when mail_username is set.  Returns 0, or
 * -1 with a reason in `err` (never the password).
 */
int mail_sender_open(const worker_config_t *cfg, mail_sender_t **out,
    char *err, size_t errsize) __attribute__((warn_unused_result));

/* Wipes the password and closes the connection. */
void mail_sender_close(mail_sender_t *s);

/*
 * Sends `len` bytes of `msg` from envelope address `from` to `rcpt`
 * over cfg->mail_url (TLS per mail_tls, mail_timeout).  `answer`
 * receives the server's last reply, or libcurl's reason.
 */
mail_send_result_t mail_send(mail_sender_t *s, const worker_config_t *cfg,
    const char *from, const char *rcpt, const char *msg, size_t len,
    char *answer, size_t answer_size);

#endif /* OH_WORKER_MAIL_SEND_H */

/* notify: waiting for new webhooks (LISTEN/NOTIFY), signals or a timeout. */

#ifndef OH_WORKER_NOTIFY_H
#define OH_WORKER_NOTIFY_H

#include <libpq-fe.h>

/* The channel the 002 migration's trigger notifies on each INSERT. */
#define NOTIFY_CHANNEL  "orderhooks_webhook_events"

typedef enum {
    NOTIFY_WOKEN = 0,              /* a notification arrived */
    NOTIFY_TIMEOUT,                /* poll again */
    NOTIFY_SIGNAL,                 /* `sigfd` is readable */
    NOTIFY_LOST                    /* the connection failed */
} notify_result_t;

/* LISTENs on the channel.  Returns 0, or -1 (logged). */
int notify_listen(PGconn *conn) __attribute__((warn_unused_result));

/*
 * Waits up to `timeout_ms` for a notification on `conn` (NULL: none, only
 * the signal fd and the timeout) or a signal on `sigfd`.  Drains every
 * pending notification.
 */
notify_result_t notify_wait(PGconn *conn, int sigfd, int timeout_ms);

#endif /* OH_WORKER_NOTIFY_H */

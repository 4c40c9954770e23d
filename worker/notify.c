/* notify: waiting for new webhooks (LISTEN/NOTIFY), signals or a timeout. */

#include <errno.h>
#include <poll.h>
#include "db.h"
#include "log.h"
#include "notify.h"

static int notify_drain(PGconn *conn);


int
notify_listen(PGconn *conn)
{
    db_error_t  err;

    if (db_command(conn, "LISTEN " NOTIFY_CHANNEL, &err) != 0) {
        log_write(LOG_LEVEL_ERROR, "LISTEN failed", "sqlstate",
                  err.sqlstate, "error", err.message, NULL);
        return -1;
    }
    return 0;
}


/* Returns how many notifications were pending, or -1 when lost. */
static int
notify_drain(PGconn *conn)
{
    PGnotify  *n;
    int        count = 0;

    if (!PQconsumeInput(conn)) {
        return -1;
    }
    while ((n = PQnotifies(conn)) != NULL) {
        count++;
        PQfreemem(n);
    }
    return count;
}


notify_result_t
notify_wait(PGconn *conn, int sigfd, int timeout_ms)
{
    struct pollfd  fds[2];
    int            nfds = 1, rc;

    if (conn != NULL) {
        rc = notify_drain(conn);
        if (rc < 0) {
            return NOTIFY_LOST;
        }
        if (rc > 0) {
            return NOTIFY_WOKEN;
        }
    }
    fds[0].fd = sigfd;
    fds[0].events = POLLIN;
    if (conn != NULL) {
        fds[1].fd = PQsocket(conn);
        fds[1].events = POLLIN;
        nfds = 2;
    }
    rc = poll(fds, (nfds_t) nfds, timeout_ms);
    if (rc < 0) {
        return errno == EINTR ? NOTIFY_TIMEOUT : NOTIFY_LOST;
    }
    if (rc == 0) {
        return NOTIFY_TIMEOUT;
    }
    if (fds[0].revents & POLLIN) {
        return NOTIFY_SIGNAL;
    }
    if (conn != NULL && fds[1].revents) {
        rc = notify_drain(conn);
        return rc < 0 ? NOTIFY_LOST : rc > 0 ? NOTIFY_WOKEN : NOTIFY_TIMEOUT;
    }
    return NOTIFY_TIMEOUT;
}

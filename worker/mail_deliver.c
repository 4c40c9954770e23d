/* mail_deliver: due notifications claimed with a lease, sent, settled. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "mail_deliver.h"
#include "mail_message.h"
#include "mail_send.h"
#include "oh_backoff.h"
#include "service.h"

/* One claimed notification (strings point into the claim's result). */
typedef struct {
    const char  *id, *kind, *recipient, *subject, *text, *html;
    const char  *message_id, *attempts, *order;
} mail_job_t;

typedef enum {
    MAIL_SENT = 0, MAIL_RETRY, MAIL_FAILED
} mail_state_t;

static const char *const  mail_state_names[] = { "sent", "retry", "failed" };

const db_stmt_t  mail_deliver_statements[] = {
    /* due, or left 'sending' by a sender whose lease ran out */
    { "mail_claim",
      "UPDATE orderhooks.notifications AS n"
      "   SET state = 'sending', attempts = n.attempts + 1,"
      "       sending_until = clock_timestamp() + make_interval(secs => $1),"
      "       updated_at = now()"
      " WHERE n.id = (SELECT id FROM orderhooks.notifications"
      "                WHERE (state IN ('pending', 'retry')"
      "                       AND next_attempt_at <= now())"
      "                   OR (state = 'sending' AND sending_until <= now())"
      "                ORDER BY next_attempt_at, id LIMIT 1"
      "                FOR UPDATE SKIP LOCKED)"
      " RETURNING n.id, n.kind, n.recipient, n.subject, n.body_text,"
      "           n.body_html, n.message_id, n.attempts,"
      "           (SELECT order_number FROM orderhooks.orders"
      "             WHERE id = n.order_id)", 1 },

    /* only while this sender still holds the claim (same attempt) */
    { "mail_settle",
      "UPDATE orderhooks.notifications"
      "   SET state = $2::text, sending_until = NULL,"
      "       sent_at = CASE WHEN $2::text = 'sent' THEN clock_timestamp()"
      "                 ELSE sent_at END,"
      "       next_attempt_at = CASE WHEN $2::text = 'retry'"
      "            THEN clock_timestamp() + make_interval(secs => $3)"
      "            ELSE next_attempt_at END,"
      "       last_error = $4, updated_at = now()"
      " WHERE id = $1 AND state = 'sending' AND attempts = $5", 5 },

    { NULL, NULL, 0 }
};

static int mail_deliver_one(worker_t *w, int *claimed);
static mail_send_result_t mail_deliver_send(worker_t *w,
    const mail_job_t *job, char *answer, size_t answer_size);
static mail_state_t mail_deliver_outcome(worker_t *w, const mail_job_t *job,
    mail_send_result_t sr, int64_t *delay);
static int mail_deliver_settle(worker_t *w, const mail_job_t *job,
    mail_state_t state, int64_t delay, const char *answer);
static void mail_deliver_log(const mail_job_t *job, mail_state_t state,
    int64_t delay, const char *answer, double ms);



static mail_send_result_t
mail_deliver_send(worker_t *w, const mail_job_t *job, char *answer,
    size_t answer_size)
{
    mail_message_t      m;
    char                from[MAIL_ADDRESS_MAX], rcpt[MAIL_ADDRESS_MAX];
    char               *msg;
    size_t              len;
    mail_send_result_t  sr;

    if (mail_address(job->recipient, rcpt, sizeof(rcpt)) != 0) {
        snprintf(answer, answer_size, "invalid recipient address");
        return MAIL_SEND_PERMANENT;
    }
    if (mail_address(w->cfg->mail_from, from, sizeof(from)) != 0) {
        snprintf(answer, answer_size, "invalid mail_from address");
        return MAIL_SEND_RETRY;
    }
    m.from = w->cfg->mail_from;
    m.reply_to = w->cfg->mail_reply_to;
    m.to = rcpt;
    m.subject = job->subject;
    m.text = job->text;
    m.html = job->html;
    m.message_id = job->message_id;
    msg = mail_message_build(&m, time(NULL), &len);
    if (msg == NULL) {
        snprintf(answer, answer_size, "out of memory");
        return MAIL_SEND_RETRY;
    }
    sr = mail_send(w->mail_sender, w->cfg, from, rcpt, msg, len, answer,
                   answer_size);
    free(msg);
    return sr;
}


static mail_state_t
mail_deliver_outcome(worker_t *w, const mail_job_t *job,
    mail_send_result_t sr, int64_t *delay)
{
    oh_backoff_t  b = w->cfg->mail_backoff;

    *delay = 0;
    switch (sr) {
    case MAIL_SEND_OK:
        return MAIL_SENT;
    case MAIL_SEND_PERMANENT:
        return MAIL_FAILED;
    case MAIL_SEND_UNREACHABLE:
        /* the others would fail the same way: wait before trying them */
        w->mail_paused_until = log_now_ms() + 1000.0 * b.delays[0];
        break;
    case MAIL_SEND_RETRY:
        break;
    }
    b.jitter_pct = w->cfg->backoff.jitter_pct;
    *delay = oh_backoff_delay(&b, (unsigned) atoi(job->attempts),
                              worker_random(w));
    return *delay < 0 ? MAIL_FAILED : MAIL_RETRY;
}


static int
mail_deliver_settle(worker_t *w, const mail_job_t *job, mail_state_t state,
    int64_t delay, const char *answer)
{
    char         d[24];
    const char  *p[5];
    db_error_t   err;
    PGresult    *res;

    snprintf(d, sizeof(d), "%" PRId64, delay);
    p[0] = job->id;
    p[1] = mail_state_names[state];
    p[2] = d;
    p[3] = state == MAIL_SENT ? NULL : answer;
    p[4] = job->attempts;
    res = db_exec(w->conn, "mail_settle", 5, p, 0, &err);
    if (res == NULL) {
        log_write(LOG_LEVEL_ERROR, "cannot settle notification",
                  "#notification_id", job->id, "sqlstate", err.sqlstate,
                  "error", err.message, NULL);
        return -1;
    }
    PQclear(res);
    return 0;
}


static void
mail_deliver_log(const mail_job_t *job, mail_state_t state, int64_t delay,
    const char *answer, double ms)
{
    char  d[24], t[32];

    snprintf(d, sizeof(d), "%" PRId64, delay);
    snprintf(t, sizeof(t), "%.3f", ms);
    log_write(state == MAIL_FAILED ? LOG_LEVEL_WARN : LOG_LEVEL_INFO,
              state == MAIL_SENT ? "notification sent"
              : state == MAIL_RETRY ? "notification retried"
              : "notification failed",
              "#notification_id", job->id, "order", job->order,
              "kind", job->kind, "message_id", job->message_id,
              "#attempt", job->attempts, "state", mail_state_names[state],
              "error", state == MAIL_SENT ? NULL : answer,
              "#retry_in_s", state == MAIL_RETRY ? d : NULL,
              "#duration_ms", t, NULL);
}


static int
mail_deliver_one(worker_t *w, int *claimed)
{
    char                lease[24], answer[MAIL_ANSWER_MAX];
    const char         *p[1];
    mail_job_t          job;
    mail_state_t        state;
    mail_send_result_t  sr;
    db_error_t          err;
    PGresult           *res;
    int64_t             delay;
    double              t0;
    int                 rc;

    *claimed = 0;
    snprintf(lease, sizeof(lease), "%.3f", w->cfg->mail_lease_ms / 1000.0);
    p[0] = lease;
    res = db_exec(w->conn, "mail_claim", 1, p, 0, &err);
    if (res == NULL) {
        log_write(LOG_LEVEL_ERROR, "cannot claim notifications", "sqlstate",
                  err.sqlstate, "error", err.message, NULL);
        return -1;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    *claimed = 1;
    job.id = PQgetvalue(res, 0, 0);
    job.kind = PQgetvalue(res, 0, 1);
    job.recipient = PQgetvalue(res, 0, 2);
    job.subject = PQgetvalue(res, 0, 3);
    job.text = PQgetvalue(res, 0, 4);
    job.html = PQgetisnull(res, 0, 5) ? NULL : PQgetvalue(res, 0, 5);
    job.message_id = PQgetvalue(res, 0, 6);
    job.attempts = PQgetvalue(res, 0, 7);
    job.order = PQgetvalue(res, 0, 8);

    t0 = log_now_ms();
    sr = mail_deliver_send(w, &job, answer, sizeof(answer));
    state = mail_deliver_outcome(w, &job, sr, &delay);
    rc = mail_deliver_settle(w, &job, state, delay, answer);
    if (rc == 0) {
        mail_deliver_log(&job, state, delay, answer, log_now_ms() - t0);
    }
    PQclear(res);
    service_watchdog();
    return rc;
}


int
mail_deliver_batch(worker_t *w, int *claimed)
{
    int  i, one;

    *claimed = 0;
    for (i = 0; i < w->cfg->mail_batch_size; i++) {
        if (log_now_ms() < w->mail_paused_until) {
            break;
        }
        if (mail_deliver_one(w, &one) != 0) {
            return -1;
        }
        if (!one) {
            break;
        }
        (*claimed)++;
    }
    return 0;
}

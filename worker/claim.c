/* claim: one batch of due webhooks claimed, applied and settled. */

#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "apply.h"
#include "claim.h"
#include "log.h"
#include "mail_outbox.h"
#include "oh_backoff.h"
#include "oh_normalize.h"
#include "pgarray.h"

#define CLAIM_ERR_MAX  300

typedef enum {
    CLAIM_DONE = 0, CLAIM_RETRY, CLAIM_DEAD, CLAIM_IGNORED
} claim_state_t;

static const char *const  claim_state_names[] = {
    "done", "retry", "dead", "ignored"
};

/* One claimed row and what became of it. */
typedef struct {
    int64_t              id;
    const char          *source, *provider, *event_id, *event_type;
    const unsigned char *body;
    size_t               body_len;
    int                  attempts;       /* before this try */
    oh_norm_result_t     norm;
    oh_domain_event_t    ev;
    claim_state_t        state;
    int64_t              delay;          /* seconds, for retry */
    char                 error[CLAIM_ERR_MAX];
    apply_result_t       res;
    const char          *order;
    char                 order_buf[128];
    double               ms;
} claim_row_t;

typedef struct {
    PGresult         *rows_res;
    claim_row_t      *rows;
    int               n;
} claim_batch_t;

const db_stmt_t  claim_statements[] = {
    { "claim_batch",
      "SELECT id, source, provider, event_id, coalesce(event_type, ''),"
      "       body, attempts"
      "  FROM orderhooks.webhook_events"
      " WHERE state IN ('pending', 'retry') AND next_attempt_at <= now()"
      " ORDER BY next_attempt_at, id"
      " LIMIT $1 FOR UPDATE SKIP LOCKED", 1 },
    { "claim_settle",
      "UPDATE orderhooks.webhook_events AS w"
      "   SET state = v.state, attempts = w.attempts + 1,"
      "       next_attempt_at = CASE WHEN v.state = 'retry'"
      "            THEN clock_timestamp() + make_interval(secs => v.delay)"
      "            ELSE w.next_attempt_at END,"
      "       processed_at = CASE WHEN v.state = 'retry' THEN NULL"
      "            ELSE clock_timestamp() END,"
      "       last_error = v.err"
      "  FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[])"
      "       AS v (id, state, delay, err)"
      " WHERE w.id = v.id", 4 },
    { NULL, NULL, 0 }
};

static int claim_fetch(worker_t *w, claim_batch_t *b, db_error_t *err);
static void claim_normalize(claim_row_t *r);
static void claim_fail(worker_t *w, claim_row_t *r, int permanent,
    const char *why);
static void claim_early(worker_t *w, claim_row_t *r);
static int claim_apply_set(worker_t *w, claim_row_t *rows, int n,
    claim_batch_t *commit, db_error_t *err);
static int claim_apply_all(worker_t *w, claim_batch_t *b, int careful,
    db_error_t *err);
/* Settles every claimed row and commits. */
static void claim_queue_settle(claim_batch_t *b, db_pipe_t *pipe);
static int claim_settle(worker_t *w, claim_batch_t *b, db_error_t *err);
static void claim_log(const claim_row_t *r);
static void claim_free(claim_batch_t *b);
static int claim_batch(worker_t *w, int careful, int *claimed);



static int
claim_fetch(worker_t *w, claim_batch_t *b, db_error_t *err)
{
    char         limit[16];
    const char  *p[1];
    PGresult    *res, *keep[3];
    db_pipe_t    pipe;
    int          i, nkeep, rc;
    uint32_t     v32;

    /* BEGIN and the claim in one round trip */
    snprintf(limit, sizeof(limit), "%d", w->cfg->batch_size);
    p[0] = limit;
    if (db_pipe_begin(&pipe, w->conn, err) != 0) {
        return -1;
    }
    db_pipe_add_command(&pipe, "BEGIN");
    if (!w->cfg->synchronous_commit) {
        /* why this is safe: docs/worker.md, "synchronous_commit" */
        db_pipe_add_command(&pipe, "SET LOCAL synchronous_commit = off");
    }
    db_pipe_add(&pipe, "claim_batch", 1, p, 1);
    nkeep = w->cfg->synchronous_commit ? 2 : 3;
    rc = db_pipe_run(&pipe, keep, nkeep, err);
    for (i = 0; i < nkeep - 1; i++) {
        PQclear(keep[i]);
    }
    if (rc != 0) {
        PQclear(keep[nkeep - 1]);
        return -1;
    }
    res = keep[nkeep - 1];
    b->rows_res = res;
    b->n = PQntuples(res);
    b->rows = calloc(b->n > 0 ? (size_t) b->n : 1, sizeof(claim_row_t));
    if (b->rows == NULL) {
        return db_error_oom(err);
    }
    for (i = 0; i < b->n; i++) {
        claim_row_t  *r = &b->rows[i];
        uint64_t      v64;

        memcpy(&v64, PQgetvalue(res, i, 0), 8);
        r->id = (int64_t) be64toh(v64);
        r->source = PQgetvalue(res, i, 1);
        r->provider = PQgetvalue(res, i, 2);
        r->event_id = PQgetvalue(res, i, 3);
        r->event_type = PQgetvalue(res, i, 4);
        r->body = (const unsigned char *) PQgetvalue(res, i, 5);
        r->body_len = (size_t) PQgetlength(res, i, 5);
        memcpy(&v32, PQgetvalue(res, i, 6), 4);
        r->attempts = (int) be32toh(v32);
    }
    return 0;
}


static void
claim_normalize(claim_row_t *r)
{
    const char     *why = NULL;
    oh_provider_t   prov;

    prov = oh_provider_by_name(r->provider, strlen(r->provider));
    r->norm = oh_normalize(prov, r->body, r->body_len, &r->ev, &why);
    r->order = r->norm == OH_NORM_OK ? r->ev.order_number : NULL;
    switch (r->norm) {
    case OH_NORM_OK:
        r->state = CLAIM_DONE;
        break;
    case OH_NORM_IGNORED:
        r->state = CLAIM_IGNORED;
        snprintf(r->error, sizeof(r->error), "%s", why);
        break;
    case OH_NORM_MALFORMED:
        r->state = CLAIM_DEAD;
        snprintf(r->error, sizeof(r->error), "malformed: %s", why);
        break;
    case OH_NORM_ERROR:
        r->state = CLAIM_RETRY;
        r->delay = 1;
        snprintf(r->error, sizeof(r->error), "out of memory");
        break;
    }
}


/* A failed try: retry after the backoff, or dead when used up. */
static void
claim_fail(worker_t *w, claim_row_t *r, int permanent, const char *why)
{
    int64_t  d;

    snprintf(r->error, sizeof(r->error), "%s", why);
    d = permanent ? -1 : oh_backoff_delay(&w->cfg->backoff,
                                          (unsigned) r->attempts + 1,
                                          worker_random(w));
    if (d < 0) {
        r->state = CLAIM_DEAD;
        return;
    }
    r->state = CLAIM_RETRY;
    r->delay = d;
}


/*
 * Applies `rows` as one set: their orders locked and read, each event
 * decided in claim order, the outcome written one statement per table.
 * A row whose order is not there yet is left to retry.
 */
/* Ahead of its order's payment: one more try after early_retry. */
static void
claim_early(worker_t *w, claim_row_t *r)
{
    r->state = CLAIM_RETRY;
    r->delay = (w->cfg->early_retry_ms + 999) / 1000;
    snprintf(r->error, sizeof(r->error), "order not paid yet: tried again "
             "once in case its payment is late");
}


static int
claim_apply_set(worker_t *w, claim_row_t *rows, int n, claim_batch_t *commit,
    db_error_t *err)
{
    const oh_domain_event_t  **evs;
    apply_source_t            *srcs;
    apply_order_t             *o;
    apply_set_t                set;
    mail_outbox_t              ob;
    db_pipe_t                  pipe;
    double                     t0 = log_now_ms(), ms;
    int                        i, any = 0, rc = -1;

    evs = calloc((size_t) n, sizeof(*evs));
    srcs = calloc((size_t) n, sizeof(*srcs));
    memset(&set, 0, sizeof(set));
    memset(&ob, 0, sizeof(ob));
    if (evs == NULL || srcs == NULL) {
        (void) db_error_oom(err);
        goto done;
    }
    for (i = 0; i < n; i++) {
        evs[i] = rows[i].norm == OH_NORM_OK ? &rows[i].ev : NULL;
        srcs[i].webhook_id = rows[i].id;
        srcs[i].provider = rows[i].provider;
        srcs[i].event_id = rows[i].event_id;
        srcs[i].event_type = rows[i].event_type[0] ? rows[i].event_type
                                                   : "unknown";
        srcs[i].attempts = rows[i].attempts;
        srcs[i].early_ok = w->cfg->early_retry_ms > 0;
        any |= evs[i] != NULL;
    }
    /* only ignored or malformed rows: nothing to lock or read */
    if (any && (apply_load(w->conn, &set, srcs, evs, (size_t) n, err) != 0
                || mail_outbox_begin(w, &ob, &set, err) != 0))
    {
        goto done;
    }
    for (i = 0; i < n; i++) {
        if (evs[i] == NULL) {
            continue;
        }
        o = apply_find_order(&set, evs[i]);
        if (o == NULL) {
            claim_fail(w, &rows[i], 0, "order not found");
            continue;
        }
        snprintf(rows[i].order_buf, sizeof(rows[i].order_buf), "%s",
                 o->order_number);
        rows[i].order = rows[i].order_buf;
        if (apply_event(&set, &srcs[i], evs[i], o, &rows[i].res) != 0) {
            (void) db_error_oom(err);
            goto done;
        }
        if (rows[i].res.early) {
            claim_early(w, &rows[i]);
            continue;
        }
        if (mail_outbox_add(w, &ob, &set, rows[i].id, o, evs[i],
                            &rows[i].res, err) != 0)
        {
            goto done;
        }
    }
    /* every write, and with `commit` the settle and COMMIT, at once */
    if (db_pipe_begin(&pipe, w->conn, err) == 0) {
        apply_save(&pipe, &set);
        mail_outbox_queue(&ob, &pipe);
        if (commit != NULL) {
            claim_queue_settle(commit, &pipe);
        }
        rc = db_pipe_run(&pipe, NULL, 0, err);
    }
done:
    ms = log_now_ms() - t0;
    for (i = 0; i < n; i++) {
        rows[i].ms = evs != NULL && evs[i] != NULL ? ms : 0;
    }
    mail_outbox_free(&ob);
    apply_set_free(&set);
    free(evs);
    free(srcs);
    return rc;
}


/*
 * The whole batch as one set; carefully, each event as a set of its own
 * under a savepoint, so one bad event fails alone.
 */
static int
claim_apply_all(worker_t *w, claim_batch_t *b, int careful, db_error_t *err)
{
    db_error_t   aerr;
    claim_row_t *r;
    int          i;

    if (!careful) {
        return claim_apply_set(w, b->rows, b->n, b, err);
    }
    for (i = 0; i < b->n; i++) {
        r = &b->rows[i];
        if (r->norm != OH_NORM_OK) {
            continue;
        }
        if (db_command(w->conn, "SAVEPOINT oh_event", err) != 0) {
            return -1;
        }
        if (claim_apply_set(w, r, 1, NULL, &aerr) != 0) {
            if (db_lost(w->conn)) {
                *err = aerr;
                return -1;
            }
            if (db_command(w->conn, "ROLLBACK TO SAVEPOINT oh_event", err)
                != 0)
            {
                return -1;
            }
            claim_fail(w, r, db_error_permanent(&aerr), aerr.message);
        }
        if (db_command(w->conn, "RELEASE SAVEPOINT oh_event", err) != 0) {
            return -1;
        }
    }
    return 0;
}


/* Queues the settle of every claimed row and the COMMIT on `pipe`. */
static void
claim_queue_settle(claim_batch_t *b, db_pipe_t *pipe)
{
    pgarray_t  a[4];
    char       num[24];
    int        i, k;

    for (k = 0; k < 4; k++) {
        pgarray_init(&a[k]);
    }
    for (i = 0; i < b->n; i++) {
        claim_row_t  *r = &b->rows[i];

        snprintf(num, sizeof(num), "%" PRId64, r->id);
        pgarray_add(&a[0], num);
        pgarray_add(&a[1], claim_state_names[r->state]);
        snprintf(num, sizeof(num), "%" PRId64, r->delay);
        pgarray_add(&a[2], num);
        pgarray_add(&a[3], r->state == CLAIM_DONE ? NULL : r->error);
    }
    db_pipe_add_arrays(pipe, "claim_settle", NULL, 0, a, 4);
    db_pipe_add_command(pipe, "COMMIT");
}


static int
claim_settle(worker_t *w, claim_batch_t *b, db_error_t *err)
{
    db_pipe_t  pipe;

    if (db_pipe_begin(&pipe, w->conn, err) != 0) {
        return -1;
    }
    claim_queue_settle(b, &pipe);
    return db_pipe_run(&pipe, NULL, 0, err);
}


static void
claim_log(const claim_row_t *r)
{
    char         id[24], ms[32], delay[24], tr[64];
    const char  *transition = NULL;
    log_level_t  level;

    level = r->state == CLAIM_DEAD ? LOG_LEVEL_WARN
            : r->state == CLAIM_RETRY ? LOG_LEVEL_INFO : LOG_LEVEL_INFO;
    if (!log_enabled(level)) {
        return;
    }
    snprintf(id, sizeof(id), "%" PRId64, r->id);
    snprintf(ms, sizeof(ms), "%.3f", r->ms);
    snprintf(delay, sizeof(delay), "%" PRId64, r->delay);
    if (r->res.to != OH_STATUS_UNKNOWN && r->state == CLAIM_DONE) {
        snprintf(tr, sizeof(tr), "%s->%s", oh_status_name(r->res.from),
                 oh_status_name(r->res.to));
        transition = tr;
    }
    log_write(level, r->state == CLAIM_DONE ? "event applied"
                     : r->state == CLAIM_IGNORED ? "event ignored"
                     : r->state == CLAIM_RETRY ? "event retried"
                     : "event dead",
              "#webhook_id", id, "event_id", r->event_id,
              "source", r->source, "provider", r->provider,
              "type", r->event_type, "order", r->order,
              "state", claim_state_names[r->state],
              "transition", transition,
              "refused", r->res.refused && transition ? "true" : NULL,
              "note", r->state == CLAIM_DONE ? r->res.note : NULL,
              "error", r->state == CLAIM_DONE ? NULL : r->error,
              "#retry_in_s", r->state == CLAIM_RETRY ? delay : NULL,
              "#duration_ms", ms, NULL);
}


static void
claim_free(claim_batch_t *b)
{
    int  i;

    for (i = 0; b->rows != NULL && i < b->n; i++) {
        if (b->rows[i].norm == OH_NORM_OK) {
            oh_domain_event_free(&b->rows[i].ev);
        }
    }
    free(b->rows);
    PQclear(b->rows_res);
    memset(b, 0, sizeof(*b));
}


static int
claim_batch(worker_t *w, int careful, int *claimed)
{
    claim_batch_t  b;
    db_error_t     err, ignore;
    int            i;

    memset(&b, 0, sizeof(b));
    *claimed = 0;
    if (claim_fetch(w, &b, &err) != 0) {
        goto fail;
    }
    *claimed = b.n;
    if (b.n == 0) {
        claim_free(&b);
        return db_command(w->conn, "COMMIT", &err) == 0 ? 0 : -1;
    }
    for (i = 0; i < b.n; i++) {
        claim_normalize(&b.rows[i]);
    }
    if (claim_apply_all(w, &b, careful, &err) != 0) {
        if (!careful && !db_lost(w->conn)) {
            log_write(LOG_LEVEL_WARN, "batch failed, retrying event by event",
                      "sqlstate", err.sqlstate, "error", err.message, NULL);
            claim_free(&b);
            (void) !db_command(w->conn, "ROLLBACK", &ignore);
            return 1;
        }
        goto fail;
    }
    /* the careful way settles and commits here; the fast one did */
    if (careful && claim_settle(w, &b, &err) != 0) {
        goto fail;
    }
    log_hold();
    for (i = 0; i < b.n; i++) {
        claim_log(&b.rows[i]);
        if (b.rows[i].state == CLAIM_RETRY || b.rows[i].state == CLAIM_DEAD) {
            w->failed++;
        } else {
            w->applied++;
        }
    }
    log_flush();
    claim_free(&b);
    return 0;

fail:
    log_write(LOG_LEVEL_ERROR, "batch rolled back", "sqlstate", err.sqlstate,
              "error", err.message, NULL);
    claim_free(&b);
    if (!db_lost(w->conn)) {
        (void) !db_command(w->conn, "ROLLBACK", &ignore);
    }
    return -1;
}


int
claim_run_batch(worker_t *w, int *claimed)
{
    int  rc = claim_batch(w, 0, claimed);

    if (rc == 1) {
        rc = claim_batch(w, 1, claimed);
    }
    return rc == 0 ? 0 : -1;
}

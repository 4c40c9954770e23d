/* worker: the state one worker process passes down to every concern. */

#ifndef OH_WORKER_H
#define OH_WORKER_H

#include <stdint.h>
#include <libpq-fe.h>
#include "config.h"

typedef struct mail_templates_s  mail_templates_t;
typedef struct mail_sender_s     mail_sender_t;

typedef struct {
    PGconn                 *conn;
    const worker_config_t  *cfg;
    uint64_t                rng;          /* jitter for backoff */
    uint64_t                applied;      /* counters since start */
    uint64_t                failed;
    const mail_templates_t *mail_templates;   /* NULL: mail off */
    mail_sender_t          *mail_sender;
    double                  mail_paused_until; /* monotonic ms */
} worker_t;

/* A 32-bit pseudo-random value for jitter (xorshift64*). */
uint32_t worker_random(worker_t *w);

#endif /* OH_WORKER_H */

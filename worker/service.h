/* service: systemd readiness, watchdog and status (sd_notify). */

#ifndef OH_WORKER_SERVICE_H
#define OH_WORKER_SERVICE_H

#include <stdint.h>

/* Half the watchdog interval in ms, or 0 when no watchdog is set. */
int service_watchdog_ms(void);

void service_ready(void);
void service_watchdog(void);
void service_reloading(void);
void service_stopping(void);
void service_status(const char *status);

#endif /* OH_WORKER_SERVICE_H */

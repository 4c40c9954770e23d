/* service: systemd readiness, watchdog and status (sd_notify). */

#include <stdio.h>
#include <systemd/sd-daemon.h>
#include "service.h"


int
service_watchdog_ms(void)
{
    uint64_t  usec = 0;

    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
        return 0;
    }
    return (int) (usec / 2000);
}


void
service_ready(void)
{
    (void) sd_notify(0, "READY=1\nSTATUS=processing webhooks");
}


void
service_watchdog(void)
{
    (void) sd_notify(0, "WATCHDOG=1");
}


void
service_reloading(void)
{
    (void) sd_notify(0, "RELOADING=1");
}


void
service_stopping(void)
{
    (void) sd_notify(0, "STOPPING=1");
}


void
service_status(const char *status)
{
    (void) sd_notifyf(0, "STATUS=%s", status);
}

/* admin_cli: error reporting and argument parsing shared by the commands. */

#ifndef OH_ADMIN_CLI_H
#define OH_ADMIN_CLI_H

#include <getopt.h>

#define ADMIN_PROG  "orderhooks-admin"

#if defined(__GNUC__)
#define ADMIN_PRINTF(f, a)  __attribute__((format(printf, f, a)))
#define ADMIN_WUR           __attribute__((warn_unused_result))
#else
#define ADMIN_PRINTF(f, a)
#define ADMIN_WUR
#endif

/* "orderhooks-admin: <message>\n" on stderr. */
void cli_error(const char *fmt, ...) ADMIN_PRINTF(1, 2);

/*
 * Like cli_error, then "Try 'orderhooks-admin <cmd> --help'.";
 * returns ADMIN_USAGE so callers can `return cli_usage(...)`.
 */
int cli_usage(const char *cmd, const char *fmt, ...) ADMIN_PRINTF(2, 3);

/* Restarts option parsing; call before a command's first cli_getopt. */
void cli_getopt_begin(void);

/*
 * getopt_long over a command's own argv (argv[0] is the command word).
 * `shortopts` must start with ':'.  Returns the option character, -1 at
 * the end, or '?' after printing a usage error for an unknown option or a
 * missing value.
 */
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
    const struct option *longopts);

/* Index of the first non-option argument after cli_getopt returned -1. */
int cli_optind(void);

/* Decimal integer in [min, max]; returns 0, or -1 when invalid. */
int cli_parse_long(const char *s, long min, long max, long *out) ADMIN_WUR;

/* Name recorded as the actor of an admin change: $USER or the uid. */
const char *cli_actor(void);

#endif /* OH_ADMIN_CLI_H */

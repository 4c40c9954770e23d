/* admin_cli: error reporting and argument parsing shared by the commands. */

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "admin_cli.h"


void
cli_error(const char *fmt, ...)
{
    va_list  ap;

    fprintf(stderr, "%s: ", ADMIN_PROG);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}


int
cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list  ap;

    fprintf(stderr, "%s: ", ADMIN_PROG);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s %s --help'.\n", ADMIN_PROG, cmd);
    return 2;
}


void
cli_getopt_begin(void)
{
    optind = 0;                  /* glibc: full re-initialisation */
    opterr = 0;
}


int
cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
    const struct option *longopts)
{
    int  c;

    c = getopt_long(argc, argv, shortopts, longopts, NULL);
    if (c != '?' && c != ':') {
        return c;
    }
    if (c == ':') {
        cli_usage(cmd, "option '%s' needs a value", argv[optind - 1]);
    } else if (optopt != 0 && (optind > argc || argv[optind - 1][1] != '-')) {
        cli_usage(cmd, "unknown option '-%c'", optopt);
    } else {
        cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
    }
    return '?';
}


int
cli_optind(void)
{
    return optind;
}


int
cli_parse_long(const char *s, long min, long max, long *out)
{
    char  *end;
    long   v;

    if (s == NULL || *s == '\0') {
        return -1;
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}


const char *
cli_actor(void)
{
    static char     uid[32];
    struct passwd  *pw;
    const char     *user;

    user = getenv("USER");
    if (user != NULL && *user != '\0') {
        return user;
    }
    pw = getpwuid(geteuid());
    if (pw != NULL) {
        return pw->pw_name;
    }
    snprintf(uid, sizeof(uid), "uid:%ld", (long) geteuid());
    return uid;
}

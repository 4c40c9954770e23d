/* admin_main: global options and dispatch of orderhooks-admin commands. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "admin_cli.h"

typedef int (*admin_command_pt)(const admin_opts_t *opts, int argc,
    char **argv);

typedef struct {
    const char        *name;
    admin_command_pt   run;
    const char        *summary;
} admin_command_t;

static const admin_command_t  admin_commands[] = {
    { "migrate",   migrate_command,
      "apply pending sql/ migrations (--status lists them)" },
    { "order",     order_command,
      "create a test order; show an order with its history" },
    { "events",    events_command,
      "webhook stats by state and source; list events" },
    { "replay",    replay_command,
      "put one event, or every dead event, back to pending" },
    { "reconcile", reconcile_command,
      "resolve a payment mismatch with a note" },
    { "prune",     prune_command,
      "delete processed webhook events older than N days" },
    { "notifications", notifications_command,
      "list customer notifications by state; resend one" },
    { NULL, NULL, NULL }
};


static int admin_usage(FILE *out);
static int admin_global_options(int argc, char **argv, admin_opts_t *opts,
    int *next);


int
main(int argc, char **argv)
{
    admin_opts_t            opts = { NULL };
    const admin_command_t  *cmd;
    int                     next = 1, rc;

    rc = admin_global_options(argc, argv, &opts, &next);
    if (rc != -1) {
        return rc;
    }
    if (next >= argc) {
        admin_usage(stderr);
        return ADMIN_USAGE;
    }
    for (cmd = admin_commands; cmd->name != NULL; cmd++) {
        if (strcmp(cmd->name, argv[next]) == 0) {
            return cmd->run(&opts, argc - next, argv + next);
        }
    }
    cli_error("unknown command '%s'", argv[next]);
    fprintf(stderr, "Try '%s --help'.\n", ADMIN_PROG);
    return ADMIN_USAGE;
}


/* Returns -1 to go on with the command at argv[*next], else an exit code. */
static int
admin_global_options(int argc, char **argv, admin_opts_t *opts, int *next)
{
    const char  *env;
    int          i;

    env = getenv("ORDERHOOKS_DB");
    if (env != NULL && *env != '\0') {
        opts->conninfo = env;
    }
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return admin_usage(stdout);
        }
        if (strcmp(argv[i], "--db") == 0) {
            if (++i == argc) {
                cli_error("option '--db' needs a value");
                return ADMIN_USAGE;
            }
            opts->conninfo = argv[i];
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            opts->conninfo = argv[i] + 5;
        } else {
            cli_error("unknown option '%s'", argv[i]);
            fprintf(stderr, "Try '%s --help'.\n", ADMIN_PROG);
            return ADMIN_USAGE;
        }
    }
    *next = i;
    return -1;
}


static int
admin_usage(FILE *out)
{
    const admin_command_t  *cmd;

    fprintf(out,
"Usage: %s [--db CONNINFO] <command> [options] [arguments]\n"
"\n"
"Administers the orderhooks database.\n"
"\n"
"  --db CONNINFO  libpq connection string or URI (default $ORDERHOOKS_DB,\n"
"                 else libpq's PG* environment defaults)\n"
"  -h, --help     show this help\n"
"\n"
"Commands:\n", ADMIN_PROG);
    for (cmd = admin_commands; cmd->name != NULL; cmd++) {
        fprintf(out, "  %-13s %s\n", cmd->name, cmd->summary);
    }
    fprintf(out,
"\n"
"'%s <command> --help' describes a command.\n"
"Exit status: 0 success, 1 failure, 2 usage error.\n", ADMIN_PROG);
    return out == stdout ? ADMIN_OK : ADMIN_USAGE;
}

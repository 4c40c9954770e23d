/* admin: the commands of orderhooks-admin and their shared option block. */

#ifndef OH_ADMIN_H
#define OH_ADMIN_H

/* Exit codes of every command. */
#define ADMIN_OK      0
#define ADMIN_FAIL    1
#define ADMIN_USAGE   2

/* Global options, filled once by main and passed down read-only. */
typedef struct {
    const char  *conninfo;    /* --db, else $ORDERHOOKS_DB, else NULL */
} admin_opts_t;

/*
 * Each command receives its own argv (argv[0] is the command word) and
 * returns one of the exit codes above, having printed any error once.
 */
int migrate_command(const admin_opts_t *opts, int argc, char **argv);
int order_command(const admin_opts_t *opts, int argc, char **argv);
int events_command(const admin_opts_t *opts, int argc, char **argv);
int replay_command(const admin_opts_t *opts, int argc, char **argv);
int reconcile_command(const admin_opts_t *opts, int argc, char **argv);
int prune_command(const admin_opts_t *opts, int argc, char **argv);
int notifications_command(const admin_opts_t *opts, int argc,
    char **argv);

#endif /* OH_ADMIN_H */

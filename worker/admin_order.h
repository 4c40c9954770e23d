/* admin_order: the "order create" and "order show" subcommands. */

#ifndef OH_ADMIN_ORDER_H
#define OH_ADMIN_ORDER_H

#include "admin.h"

/* argv[0] is "create" / "show"; return an admin exit code. */
int order_create_command(const admin_opts_t *opts, int argc, char **argv);
int order_show_command(const admin_opts_t *opts, int argc, char **argv);

#endif /* OH_ADMIN_ORDER_H */

/* SPDX-License-Identifier: MIT */
/*
 * wrctl.h: the admin CLI's subcommands, one file each.  Each takes the
 * arguments after its name (argv[0] is the subcommand) and returns the
 * process exit code.
 */
#ifndef WR_TOOLS_WRCTL_H
#define WR_TOOLS_WRCTL_H

/* The database to use: --database-url=URL, else $WR_DATABASE_URL, else "". */
const char *
wrctl_database_url(int argc, char **argv);
/* Directory holding migrations/, schema/ and content/: $WR_HOME or the source tree. */
const char *
wrctl_home(void);

int
wrctl_migrate(int argc, char **argv);     /* wrctl_migrate.c */
int
wrctl_token(int argc, char **argv);       /* wrctl_token.c: token issue|revoke */
int
wrctl_world(int argc, char **argv);       /* wrctl_world.c: world load [FILE] */
int
wrctl_watch(int argc, char **argv);       /* wrctl_watch.c: websocket client */
int
wrctl_dead(int argc, char **argv);        /* wrctl_dead.c: dead list|requeue ID */
int
wrctl_cache(int argc, char **argv);       /* wrctl_cache.c: cache rebuild */

#endif

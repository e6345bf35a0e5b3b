/* SPDX-License-Identifier: MIT */
/*
 * wrctl.h: the admin CLI's subcommands, one file each.  Each takes the
 * arguments after its name (argv[0] is the subcommand) and returns the
 * process exit code.
 */
#ifndef WR_TOOLS_WRCTL_H
#define WR_TOOLS_WRCTL_H

#include <stdint.h>

/* The database to use: --database-url=URL, else $WR_DATABASE_URL, else "". */
const char *
wrctl_database_url(int argc, char **argv);
/* Directory holding migrations/, schema/ and content/: $WR_HOME or the source tree. */
const char *
wrctl_home(void);

int
wrctl_migrate(int argc, char **argv); /* wrctl_migrate.c */
int
wrctl_token(int argc, char **argv); /* wrctl_token.c: token issue|revoke */
int
wrctl_world(int argc, char **argv); /* wrctl_world.c: world load [FILE] */
int
wrctl_watch(int argc, char **argv); /* wrctl_watch.c: websocket client */
int
wrctl_dead(int argc, char **argv); /* wrctl_dead.c: dead list|requeue ID */
int
wrctl_replay(int argc, char **argv); /* wrctl_replay.c: events out of event_log */
int
wrctl_verify(int argc, char **argv); /* wrctl_verify.c: re-run the journal */
int
wrctl_archive(int argc, char **argv); /* wrctl_archive.c: retention to files */
struct wr_db;
struct wr_error;
struct game_state;
struct json_object;
/* wrctl_verify.c: re-runs a journaled batch through its action at upto_ord (all if < 0). */
int
wrctl_rerun_batch(struct wr_db *db, int64_t batch, int64_t upto_ord, struct game_state *st,
		  struct json_object **ret_doc, struct wr_error *reterr);
/* wrctl_upcast.c: an event payload of version v read as the current version
 * (game_event_version), converted in place; -EPROTO if v is unknown. */
#define WRCTL_JOURNAL_VERSION 1 /* action_journal.v and journal_batches.v this build reads */
int
wrctl_upcast_needed(const char *type, int v);
int
wrctl_upcast(const char *type, int v, struct json_object *payload, struct wr_error *reterr);
/* Every versioned event type has an upcaster for each older version. */
int
wrctl_upcast_check(struct wr_error *reterr);
int
wrctl_snapshot(int argc, char **argv); /* wrctl_state.c: snapshot of canonical state */
int
wrctl_state(int argc, char **argv); /* wrctl_state.c: an aggregate as of an event */
int
wrctl_history(int argc, char **argv); /* wrctl_state.c: provenance of an item or purse */
int
wrctl_account(int argc, char **argv); /* wrctl_account.c: account list|lock|unlock */
int
wrctl_char(int argc, char **argv); /* wrctl_account.c: char rename|move */
int
wrctl_cache(int argc, char **argv); /* wrctl_cache.c: cache rebuild */

#endif

/* SPDX-License-Identifier: MIT */
/*
 * mobs.c: GET /v1/mobs (issue 13) -- where a service token's mobs are: each
 * mob it is granted ("mob:<id>") with its name, room, whether it is alive
 * and its hp, in one statement (schema/functions/wr_service_mobs.sql), at
 * most INGRESS_MAX_LIST_MOBS of them.  A player or admin token is refused
 * with not_a_service_token (403); a bad token is 401.
 */
#include <string.h>

#include <libpq-fe.h>

#include "command/command.h"
#include "command/store.h"
#include "core/secret.h"
#include "ingress/accounts.h"

#define INGRESS_MAX_LIST_MOBS "1000" /* mobs one GET /v1/mobs lists ("more": true past that) */

static const char sql_mobs[] =
	"SELECT m->>'kind', m FROM (SELECT wr_service_mobs($1, " INGRESS_MAX_LIST_MOBS ") AS m) x";

unsigned int
ingress_mobs(struct cmd_store *st, const char *token, struct wr_strbuf *out)
{
	char hash[WR_TOKEN_HASH_LEN + 1];
	const char *p[1] = {hash};
	struct cmd_conn *c;
	struct wr_error err = {0}, e2;
	PGresult *res = NULL;
	unsigned int status;

	if (!token || !*token) {
		cmd_json_error(out, "unauthorized", "a service token is required", -1);
		return cmd_status_for("unauthorized");
	}
	wr_token_hash(token, hash);
	c = cmd_store_acquire(st, &err);
	if (!c || cmd_read(c, sql_mobs, 1, p, &res, &e2) < 0) {
		if (c)
			(void) cmd_db_failed(c, "list mobs", &e2, &err);
		cmd_store_release(st, c);
		return cmd_fail(out, &err);
	}
	if (PQntuples(res) != 1 || PQnfields(res) != 2 || PQgetisnull(res, 0, 1)) {
		cmd_json_error(out, "unauthorized", "unknown, expired or revoked token", -1);
		status = cmd_status_for("unauthorized");
	} else if (strcmp(PQgetvalue(res, 0, 0), "service") != 0) {
		cmd_json_error(out, "not_a_service_token",
			       "GET /v1/mobs lists the mobs a service token is granted; this token is not one", -1);
		status = 403;
	} else {
		wr_strbuf_puts(out, PQgetvalue(res, 0, 1));
		status = 200;
	}
	PQclear(res);
	cmd_store_release(st, c);
	return status;
}

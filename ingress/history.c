/* SPDX-License-Identifier: MIT */
/*
 * history.c: GET /v1/history (issue 17) -- the last lines the token's
 * account typed, oldest first, at most 50 (schema/functions/wr_history.sql;
 * wr_submit records them).  Any live player token of the account reads it.
 */
#include <string.h>

#include <libpq-fe.h>

#include "command/command.h"
#include "command/store.h"
#include "core/secret.h"
#include "ingress/accounts.h"

static const char sql_history[] = "SELECT wr_history_read($1, wr_history_max())";

unsigned int
ingress_history(struct cmd_store *st, const char *token, struct wr_strbuf *out)
{
	char hash[WR_TOKEN_HASH_LEN + 1];
	const char *p[1] = {hash};
	struct cmd_conn *c;
	struct wr_error err = {0}, e2;
	PGresult *res = NULL;
	unsigned int status;

	if (!token || !*token) {
		cmd_json_error(out, "unauthorized", "a player token is required", -1);
		return cmd_status_for("unauthorized");
	}
	wr_token_hash(token, hash);
	c = cmd_store_acquire(st, &err);
	if (!c || cmd_read(c, sql_history, 1, p, &res, &e2) < 0) {
		if (c)
			(void) cmd_db_failed(c, "read history", &e2, &err);
		cmd_store_release(st, c);
		return cmd_fail(out, &err);
	}
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		cmd_json_error(out, "unauthorized", "unknown, expired or revoked player token", -1);
		status = cmd_status_for("unauthorized");
	} else {
		wr_strbuf_puts(out, PQgetvalue(res, 0, 0));
		status = 200;
	}
	PQclear(res);
	cmd_store_release(st, c);
	return status;
}

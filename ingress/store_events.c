/* SPDX-License-Identifier: MIT */
/*
 * store_events.c: the SQL of reading over HTTP (GET /v1/streams/...,
 * mailboxes), of /metrics, and the long-poll listener's own connection.
 *
 * Every read is one round trip: the token lookup, the authorisation
 * (wr_may_read, or inside wr_mailbox_read) and the rows go in one pipeline.
 * A pipeline without BEGIN runs as one implicit transaction, which is what
 * makes a mailbox read atomic: the rows, their acknowledgement and the
 * mailbox's new state commit together, or not at all.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command/store.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/util.h"
#include "ingress/ingress.h"

#define LISTEN_CHANNEL "wr_events"

/* $1 text token, $2 text stream.  One row: may the token read it. */
static const char sql_may_read[] = "SELECT wr_may_read($1, $2)";

/*
 * $1 text stream, $2 bigint after, $3 int limit, $4 text token.
 * Rows: stream, seq, event_id, type, actor_key, payload::text; seq order.
 * The uncorrelated wr_may_read() becomes a one-time filter: for a refused
 * token nothing is even read.  wr_read_floor() is the websocket's floor: a
 * room from the character's arrival, an instance from its creation (a
 * NULL floor only goes with a refusal).
 */
static const char sql_stream_read[] =
	"SELECT es.stream, es.seq, e.event_id, e.type, e.actor_key, e.payload::text"
	" FROM event_streams es JOIN event_log e ON e.event_id = es.event_id"
	" WHERE es.stream = $1 AND es.seq > greatest($2::bigint, (SELECT wr_read_floor($4, $1)))"
	" AND (SELECT wr_may_read($4, $1))"
	" ORDER BY es.seq LIMIT $3";

/* $1 text id, $2 text token, $3 bigint character, $4 int max.  One row: the status. */
static const char sql_mailbox_open[] = "SELECT wr_mailbox_open($1, $2, $3::bigint, $4::integer)";

/* $1 text id, $2 text token, $3 int limit.  Rows as sql_stream_read, event_id order. */
static const char sql_mailbox_read[] =
	"SELECT stream, seq, event_id, type, actor_key, payload FROM wr_mailbox_read($1, $2, $3::integer)";

/*
 * $1 text id, $2 text token.  Zero or one row: account_id, character_id,
 * room_id, whether the token may act for the character, and the instance
 * followed (the character's, before a read has recorded one).
 */
static const char sql_mailbox_state[] =
	"SELECT m.account_id, m.character_id, m.room_id, wr_may_act($2, 'char', m.character_id),"
	" coalesce(m.instance_id, (SELECT c.instance_id FROM characters c WHERE c.id = m.character_id))"
	" FROM mailboxes m WHERE m.id = $1";

/*
 * $1 text id, $2 text token.  Deletes the mailbox if the token's account
 * owns it and the token may act for its character: the same rights as a
 * read.  Pipelined after sql_mailbox_state, which tells 403 from 404.
 */
static const char sql_mailbox_delete[] =
	"DELETE FROM mailboxes m WHERE m.id = $1"
	" AND m.account_id = (SELECT t.account_id FROM access_tokens t"
	" WHERE t.token_hash = $2)"
	" AND wr_may_act($2, 'char', m.character_id)";

/* No parameters.  One row: rows in action_queue, rows in dead_actions. */
static const char sql_queue_depth[] = "SELECT (SELECT count(*) FROM action_queue), (SELECT count(*) FROM dead_actions)";

void
ingress_events_done(struct ingress_events *evs)
{
	free(evs->ev);
	PQclear(evs->res);
	*evs = (struct ingress_events){0};
}

/* Takes over res (on success and on failure). */
static int
events_from(PGresult *res, struct ingress_events *ret)
{
	int n = PQntuples(res);
	struct ingress_event *ev;

	if (PQnfields(res) != 6) {
		PQclear(res);
		return -EBADMSG;
	}
	ev = wr_xcalloc(n > 0 ? (size_t) n : 1, sizeof(*ev));
	for (int i = 0; i < n; i++) {
		if (PQgetisnull(res, i, 0) || PQgetisnull(res, i, 3) || PQgetisnull(res, i, 5) ||
		    wr_db_get_i64(res, i, 1, &ev[i].seq) < 0 || wr_db_get_i64(res, i, 2, &ev[i].event_id) < 0) {
			free(ev);
			PQclear(res);
			return -EBADMSG;
		}
		ev[i].stream = PQgetvalue(res, i, 0);
		ev[i].type = PQgetvalue(res, i, 3);
		ev[i].actor = PQgetisnull(res, i, 4) ? NULL : PQgetvalue(res, i, 4);
		ev[i].payload = PQgetvalue(res, i, 5);
		ev[i].payload_len = (size_t) PQgetlength(res, i, 5);
	}
	*ret = (struct ingress_events){.ev = ev, .n = (size_t) n, .res = res};
	return 0;
}

static void
clear_stmts(struct wr_db_stmt *stmts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		PQclear(stmts[i].res);
		stmts[i].res = NULL;
	}
}

static int
bad_shape(const char *what, struct wr_error *reterr)
{
	log_bug_self("unexpected result shape from %s", what);
	return wr_error_set(reterr, -EBADMSG, "internal", "internal error");
}

int
ingress_store_stream_read(struct cmd_conn *c, const char *secret, const char *stream, int64_t after, int limit,
			  enum ingress_access *ret_access, struct ingress_events *ret_evs, struct wr_error *reterr)
{
	char token[WR_TOKEN_HASH_LEN + 1]; /* the secret never goes to the database */
	char after_s[24], limit_s[16];
	const char *tparams[1] = {token}, *aparams[2] = {token, stream};
	const char *rparams[4] = {stream, after_s, limit_s, token};
	struct wr_db_stmt stmts[3];
	struct cmd_token tok;
	struct wr_error err;
	int r;

	wr_token_hash(secret, token);
	snprintf(after_s, sizeof(after_s), "%" PRId64, after);
	snprintf(limit_s, sizeof(limit_s), "%d", limit);
	for (;;) {
		stmts[0] = (struct wr_db_stmt){.sql = cmd_sql_token,
					       .nparams = 1,
					       .params = tparams,
					       .expect = PGRES_TUPLES_OK,
					       .name = CMD_STMT_TOKEN};
		stmts[1] = (struct wr_db_stmt){.sql = sql_may_read,
					       .nparams = 2,
					       .params = aparams,
					       .expect = PGRES_TUPLES_OK,
					       .name = "ing_may_read"};
		stmts[2] = (struct wr_db_stmt){.sql = sql_stream_read,
					       .nparams = 4,
					       .params = rparams,
					       .expect = PGRES_TUPLES_OK,
					       .name = "ing_stream_read"};
		r = wr_db_pipeline(&c->db, stmts, 3, &err);
		if (r >= 0 || !cmd_retry_after_stale(c, &err))
			break;
	}
	if (r < 0)
		return cmd_db_failed(c, "read stream", &err, reterr);
	if (cmd_parse_token_row(stmts[0].res, &tok) < 0 || PQntuples(stmts[1].res) != 1 ||
	    PQnfields(stmts[1].res) != 1) {
		clear_stmts(stmts, 3);
		return bad_shape("stream read", reterr);
	}
	if (!tok.found)
		*ret_access = INGRESS_ACCESS_BAD_TOKEN;
	else if (strcmp(PQgetvalue(stmts[1].res, 0, 0), "t") != 0)
		*ret_access = INGRESS_ACCESS_FORBIDDEN;
	else
		*ret_access = INGRESS_ACCESS_OK;
	if (*ret_access == INGRESS_ACCESS_OK) {
		r = events_from(stmts[2].res, ret_evs);
		stmts[2].res = NULL;
		if (r < 0) {
			clear_stmts(stmts, 3);
			return bad_shape("stream read", reterr);
		}
	}
	clear_stmts(stmts, 3);
	return 0;
}

int
ingress_store_mailbox_open(struct cmd_conn *c, const char *secret, int64_t char_id, int64_t max, char *ret_id,
			   const char **ret_status, struct wr_error *reterr)
{
	char token[WR_TOKEN_HASH_LEN + 1]; /* the secret never goes to the database */
	static const char *const answers[] = {"created", "unauthorized", "forbidden", "unknown_actor", "limit"};
	char char_s[24], max_s[24];
	const char *params[4] = {ret_id, token, char_s, max_s};
	PGresult *res = NULL;
	struct wr_error err;
	int r;

	wr_token_hash(secret, token);
	r = wr_random_hex(ret_id, INGRESS_MAILBOX_ID_LEN / 2);
	if (r < 0)
		return wr_error_set(reterr, r, "internal", "could not read random bytes");
	snprintf(char_s, sizeof(char_s), "%" PRId64, char_id);
	snprintf(max_s, sizeof(max_s), "%" PRId64, max);
	/* Not retried: a lost answer leaves the client without the id either way. */
	r = wr_db_exec(&c->db, sql_mailbox_open, 4, params, PGRES_TUPLES_OK, &res, &err);
	if (r < 0)
		return cmd_db_failed(c, "create mailbox", &err, reterr);
	r = -EBADMSG;
	for (size_t i = 0; i < WR_ELEMENTSOF(answers) && PQntuples(res) == 1 && PQnfields(res) == 1; i++) {
		if (strcmp(PQgetvalue(res, 0, 0), answers[i]) == 0) {
			*ret_status = answers[i];
			r = 0;
		}
	}
	PQclear(res);
	return r < 0 ? bad_shape("wr_mailbox_open()", reterr) : 0;
}

/* The access a token has to a mailbox, from sql_mailbox_state's row. */
static int
mailbox_access(PGresult *tokres, PGresult *state, enum ingress_access *ret_access, struct ingress_mailbox *ret_mb)
{
	struct cmd_token tok;
	int64_t account;

	if (cmd_parse_token_row(tokres, &tok) < 0 || PQnfields(state) != 5 || PQntuples(state) > 1)
		return -EBADMSG;
	if (!tok.found) {
		*ret_access = INGRESS_ACCESS_BAD_TOKEN;
		return 0;
	}
	/* Another account's mailbox is answered like one that does not exist. */
	if (PQntuples(state) == 0) {
		*ret_access = INGRESS_ACCESS_NOT_FOUND;
		return 0;
	}
	if (wr_db_get_i64(state, 0, 0, &account) < 0 || wr_db_get_i64(state, 0, 1, &ret_mb->char_id) < 0 ||
	    wr_db_get_i64(state, 0, 2, &ret_mb->room_id) < 0 || wr_db_get_i64(state, 0, 4, &ret_mb->instance_id) < 0)
		return -EBADMSG;
	if (account != tok.account_id)
		*ret_access = INGRESS_ACCESS_NOT_FOUND;
	else if (strcmp(PQgetvalue(state, 0, 3), "t") != 0)
		*ret_access = INGRESS_ACCESS_FORBIDDEN;
	else
		*ret_access = INGRESS_ACCESS_OK;
	return 0;
}

int
ingress_store_mailbox_read(struct cmd_conn *c, const char *secret, const char *id, int limit,
			   enum ingress_access *ret_access, struct ingress_mailbox *ret_mb,
			   struct ingress_events *ret_evs, struct wr_error *reterr)
{
	char token[WR_TOKEN_HASH_LEN + 1]; /* the secret never goes to the database */
	char limit_s[16];
	const char *tparams[1] = {token}, *rparams[3] = {id, token, limit_s}, *sparams[2] = {id, token};
	struct wr_db_stmt stmts[3];
	struct wr_error err;
	int r;

	wr_token_hash(secret, token);
	snprintf(limit_s, sizeof(limit_s), "%d", limit);
	stmts[0] = (struct wr_db_stmt){.sql = cmd_sql_token,
				       .nparams = 1,
				       .params = tparams,
				       .expect = PGRES_TUPLES_OK,
				       .name = CMD_STMT_TOKEN};
	stmts[1] = (struct wr_db_stmt){.sql = sql_mailbox_read,
				       .nparams = 3,
				       .params = rparams,
				       .expect = PGRES_TUPLES_OK,
				       .name = "ing_mailbox_read"};
	stmts[2] = (struct wr_db_stmt){.sql = sql_mailbox_state,
				       .nparams = 2,
				       .params = sparams,
				       .expect = PGRES_TUPLES_OK,
				       .name = "ing_mailbox_state"};
	/* Not retried after a lost connection: the acknowledgement may have committed. */
	r = wr_db_pipeline(&c->db, stmts, 3, &err);
	if (r < 0)
		return cmd_db_failed(c, "read mailbox", &err, reterr);
	if (mailbox_access(stmts[0].res, stmts[2].res, ret_access, ret_mb) < 0) {
		clear_stmts(stmts, 3);
		return bad_shape("mailbox read", reterr);
	}
	if (*ret_access == INGRESS_ACCESS_OK) {
		r = events_from(stmts[1].res, ret_evs);
		stmts[1].res = NULL;
		if (r < 0) {
			clear_stmts(stmts, 3);
			return bad_shape("wr_mailbox_read()", reterr);
		}
	} else if (PQntuples(stmts[1].res) != 0) {
		/* wr_mailbox_read() checks the same rights: it must have said nothing. */
		clear_stmts(stmts, 3);
		return bad_shape("wr_mailbox_read() for a refused token", reterr);
	}
	clear_stmts(stmts, 3);
	return 0;
}

int
ingress_store_mailbox_get(struct cmd_conn *c, const char *secret, const char *id, enum ingress_access *ret_access,
			  struct ingress_mailbox *ret_mb, struct wr_error *reterr)
{
	char token[WR_TOKEN_HASH_LEN + 1]; /* the secret never goes to the database */
	const char *tparams[1] = {token}, *sparams[2] = {id, token};
	struct wr_db_stmt stmts[2];
	struct wr_error err;
	int r;

	wr_token_hash(secret, token);
	for (;;) {
		stmts[0] = (struct wr_db_stmt){.sql = cmd_sql_token,
					       .nparams = 1,
					       .params = tparams,
					       .expect = PGRES_TUPLES_OK,
					       .name = CMD_STMT_TOKEN};
		stmts[1] = (struct wr_db_stmt){.sql = sql_mailbox_state,
					       .nparams = 2,
					       .params = sparams,
					       .expect = PGRES_TUPLES_OK,
					       .name = "ing_mailbox_state"};
		r = wr_db_pipeline(&c->db, stmts, 2, &err);
		if (r >= 0 || !cmd_retry_after_stale(c, &err))
			break;
	}
	if (r < 0)
		return cmd_db_failed(c, "look up mailbox", &err, reterr);
	r = mailbox_access(stmts[0].res, stmts[1].res, ret_access, ret_mb);
	clear_stmts(stmts, 2);
	return r < 0 ? bad_shape("mailbox lookup", reterr) : 0;
}

int
ingress_store_mailbox_delete(struct cmd_conn *c, const char *secret, const char *id, enum ingress_access *ret_access,
			     struct wr_error *reterr)
{
	char token[WR_TOKEN_HASH_LEN + 1]; /* the secret never goes to the database */
	const char *tparams[1] = {token}, *params[2] = {id, token};
	struct ingress_mailbox mb;
	struct wr_db_stmt stmts[3];
	struct wr_error err;
	int r;

	wr_token_hash(secret, token);
	stmts[0] = (struct wr_db_stmt){.sql = cmd_sql_token,
				       .nparams = 1,
				       .params = tparams,
				       .expect = PGRES_TUPLES_OK,
				       .name = CMD_STMT_TOKEN};
	stmts[1] = (struct wr_db_stmt){.sql = sql_mailbox_state,
				       .nparams = 2,
				       .params = params,
				       .expect = PGRES_TUPLES_OK,
				       .name = "ing_mailbox_state"};
	stmts[2] = (struct wr_db_stmt){.sql = sql_mailbox_delete,
				       .nparams = 2,
				       .params = params,
				       .expect = PGRES_COMMAND_OK,
				       .name = "ing_mailbox_delete"};
	r = wr_db_pipeline(&c->db, stmts, 3, &err);
	if (r < 0)
		return cmd_db_failed(c, "delete mailbox", &err, reterr);
	r = mailbox_access(stmts[0].res, stmts[1].res, ret_access, &mb);
	clear_stmts(stmts, 3);
	return r < 0 ? bad_shape("mailbox delete", reterr) : 0;
}

int
ingress_store_token(struct cmd_conn *c, const char *secret, struct cmd_token *ret_tok, struct wr_error *reterr)
{
	char token[WR_TOKEN_HASH_LEN + 1]; /* the secret never goes to the database */
	const char *params[1] = {token};
	PGresult *res = NULL;
	struct wr_error err;
	int r;

	wr_token_hash(secret, token);
	r = cmd_read_prepared(c, CMD_STMT_TOKEN, cmd_sql_token, 1, params, &res, &err);
	if (r < 0)
		return cmd_db_failed(c, "look up token", &err, reterr);
	r = cmd_parse_token_row(res, ret_tok);
	PQclear(res);
	return r < 0 ? bad_shape("token lookup", reterr) : 0;
}

int
ingress_store_queue_depth(struct cmd_conn *c, int64_t *ret_queued, int64_t *ret_dead, struct wr_error *reterr)
{
	PGresult *res = NULL;
	struct wr_error err;
	int r;

	r = cmd_read(c, sql_queue_depth, 0, NULL, &res, &err);
	if (r < 0)
		return cmd_db_failed(c, "count queued actions", &err, reterr);
	r = 0;
	if (PQnfields(res) != 2 || wr_db_get_i64(res, 0, 0, ret_queued) < 0 || wr_db_get_i64(res, 0, 1, ret_dead) < 0)
		r = bad_shape("queue depth", reterr);
	PQclear(res);
	return r;
}

/* ---- the listener's connection ------------------------------------------------ */

struct ingress_listener {
	struct wr_db db;
};

struct ingress_listener *
ingress_listener_open(const char *conninfo, struct wr_error *reterr)
{
	struct ingress_listener *l = wr_xcalloc(1, sizeof(*l));

	if (wr_db_init(&l->db, conninfo, "wr-ingress/listen", NULL, reterr) < 0) {
		free(l);
		return NULL;
	}
	if (wr_db_listen(&l->db, LISTEN_CHANNEL, reterr) < 0)
		return ingress_listener_close(l);
	return l;
}

struct ingress_listener *
ingress_listener_close(struct ingress_listener *l)
{
	if (!l)
		return NULL;
	wr_db_done(&l->db);
	free(l);
	return NULL;
}

int
ingress_listener_socket(const struct ingress_listener *l)
{
	return l->db.conn ? PQsocket(l->db.conn) : -1;
}

/* wr_db_notifies() callback: the listener has one channel, so only the payload counts. */
struct notify_ctx {
	void (*cb)(const char *payload, void *userdata);
	void *userdata;
};

static void
on_notify(const char *channel, const char *payload, void *userdata)
{
	struct notify_ctx *ctx = userdata;

	ctx->cb(payload, ctx->userdata);
}

int
ingress_listener_notifies(struct ingress_listener *l, void (*cb)(const char *payload, void *userdata), void *userdata,
			  struct wr_error *reterr)
{
	struct notify_ctx ctx = {.cb = cb, .userdata = userdata};

	return wr_db_notifies(&l->db, on_notify, &ctx, reterr);
}

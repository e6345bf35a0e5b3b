/* SPDX-License-Identifier: MIT */
/*
 * store.c: the small pool of connections a host's threads share (one
 * struct wr_db per thread at a time, handed out under a mutex, reconnected
 * when it breaks), and the SQL of the command path.  wr-ingress runs its
 * own reads on the same pool (ingress/store_events.c).
 *
 * A command request costs two round trips whatever its batch size: one
 * wr_command_begin() (token, actors, context and views in one statement,
 * issue 16) and one wr_submit() with its NOTIFY.  A request whose tell needs
 * names, or whose actor's view was not read ahead, reads the views in a
 * round trip of their own (wr_actor_view()).
 * Every statement of that path is prepared once per connection (issue 16:
 * struct wr_db_stmt's name, CMD_STMT_*), in the round trip of its first use.
 * Only reads are retried after a lost connection; a submission whose
 * outcome is unknown is reported as unavailable, never sent twice.
 * Group commit (issue 16, i16-http3, cmd_store_group_commit): concurrent
 * small submissions of distinct actors share one wr_submit() call; a group
 * the database refused (nothing committed) is sent again one by one.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "command/private.h"
#include "core/db.h"
#include "core/json.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/util.h"
#include "game/game.h"
#include "planner/view_json.h"

/* Per-session limits: ingress never holds a transaction open, and a request
 * must not wait long on a database that is struggling. */
/* wr.defer_notify (issue 16): wr_submit() leaves its NOTIFY to
 * wr_notify_pending(), which cmd_store_submit sends after the commit. */
static const char session_sql[] =
	"SET statement_timeout = '5s'; SET lock_timeout = '2s'; "
	"SET idle_in_transaction_session_timeout = '10s'; SET wr.defer_notify = on";

#define RECONNECT_BACKOFF_MS 1000

/* No parameters; returns one row. */
static const char sql_ping[] = "SELECT 1";

/* See command/store.h. */
const char cmd_sql_token[] =
	"SELECT t.account_id, t.kind, t.character_id, n.nchars, n.only_id "
	"FROM access_tokens t JOIN accounts a ON a.id = t.account_id "
	"CROSS JOIN LATERAL (SELECT count(*) AS nchars, "
	"CASE WHEN count(*) = 1 THEN min(c.id) END AS only_id "
	"FROM characters c WHERE c.account_id = t.account_id) n "
	"WHERE t.token_hash = $1 "
	"AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) "
	"AND a.disabled_at IS NULL";

/*
 * $1 jsonb: array of actor references, each a character name, "char:<id>"
 * or "mob:<id>" (the caller has checked that the digits are a valid id),
 * $2 text: the bearer token's hash (wr_token_hash).
 * Returns one row per reference, in order: ord (from 1), kind ('char' or
 * 'mob'), the id and account_id (NULL for mobs), and whether the token may
 * act for it (wr_may_act); id is NULL when nothing matches.  Names compare
 * with lower(), as the unique index characters_name_key does.
 */
static const char sql_resolve[] =
	"SELECT r.ord, x.kind, x.id, x.account_id, coalesce(wr_may_act($2, x.kind, x.id), false) "
	"FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS r(ref, ord) "
	"LEFT JOIN LATERAL ("
	"SELECT 'char' AS kind, ch.id, ch.account_id FROM characters ch "
	"WHERE ch.id = CASE WHEN r.ref LIKE 'char:%' THEN substr(r.ref, 6)::bigint END "
	"UNION ALL "
	"SELECT 'char', ch.id, ch.account_id FROM characters ch "
	"WHERE r.ref NOT LIKE 'char:%' AND r.ref NOT LIKE 'mob:%' AND lower(ch.name) = lower(r.ref) "
	"UNION ALL "
	"SELECT 'mob', m.id, NULL FROM mobs m "
	"WHERE m.id = CASE WHEN r.ref LIKE 'mob:%' THEN substr(r.ref, 5)::bigint END"
	") x ON true ORDER BY r.ord";

/* $1 text: the bearer token's hash, $2 jsonb: the actor references.  One row, one
 * jsonb column: schema/functions/wr_command_context.sql. */
static const char sql_context[] = "SELECT wr_command_context($1, $2::jsonb)";

/* $1 bigint[]: character ids (a mob's as minus its id), $2 text[]: lowercase
 * names for tell, $3 the token's account (a mob view's).  Returns
 * one row: the views (schema/functions/wr_actor_view.sql) and [[id, name]]
 * of the characters named.  Issue 16: wr_mob_view and the names only when
 * asked (CASE does not evaluate the branch not taken); wr_mob_view of no mob
 * cost 0.5 ms of a 1.5 ms statement. */
static const char sql_views[] =
	"SELECT wr_actor_view(ARRAY(SELECT x FROM unnest($1::bigint[]) x WHERE x > 0)) || "
	"CASE WHEN EXISTS (SELECT 1 FROM unnest($1::bigint[]) x WHERE x < 0) "
	"THEN wr_mob_view(ARRAY(SELECT -x FROM unnest($1::bigint[]) x WHERE x < 0), $3::bigint) "
	"ELSE '[]'::jsonb END, "
	"CASE WHEN cardinality($2::text[]) > 0 "
	"THEN coalesce((SELECT jsonb_agg(jsonb_build_array(c.id, c.name)) FROM characters c "
	"WHERE lower(c.name) = ANY($2::text[])), '[]') ELSE '[]'::jsonb END";

/* $1 text: the bearer token's hash, $2 jsonb: the actor references, $3
 * bigint: the default actor (NULL: none).  At most one row: the token's
 * columns, the references, the context and the views, in one statement
 * (schema/functions/wr_command_begin.sql, issue 16). */
static const char sql_begin_many[] =
	"SELECT account_id, kind, character_id, nchars, only_id, refs, context, view_ids, views "
	"FROM wr_command_begin($1, $2::jsonb, $3::bigint)";
/* The same for at most one reference: generic plans, planned once per
 * session (issue 16, i16-http3; wr_command_begin.sql says why not for more). */
static const char sql_begin[] =
	"SELECT account_id, kind, character_id, nchars, only_id, refs, context, view_ids, views "
	"FROM wr_command_begin_one($1, $2::jsonb, $3::bigint)";

/* $1 jsonb: array of planned actions (schema/functions/wr_submit.sql).
 * Returns one row per action, in array order: action id (NULL unless
 * queued or duplicate) and status: queued, duplicate or conflict for
 * actions; ok, not_found or too_many_aliases for alias changes. */
static const char sql_submit[] = "SELECT action_id, status FROM wr_submit($1::jsonb) ORDER BY n";
/* The same for at most CMD_SUBMIT_SMALL elements: generic plans, planned
 * once per session (issue 16, i16-http3; wr_submit.sql). */
static const char sql_submit_small[] = "SELECT action_id, status FROM wr_submit_small($1::jsonb) ORDER BY n";
#define CMD_SUBMIT_SMALL 32

/* The NOTIFY wr_submit() left pending, in a transaction of its own after the
 * submission's (schema/functions/wr_notify_pending.sql). */
static const char sql_notify[] = "SELECT wr_notify_pending()";
struct cmd_store {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	char *conninfo;             /* from malloc() */
	char *appname;              /* from malloc() */
	struct cmd_metrics metrics; /* members may be NULL */
	size_t size;
	struct cmd_conn *conns; /* from malloc(), size entries */
	/* Group commit (issue 16, i16-http3): cmd_store_group_commit(). */
	pthread_mutex_t glock;
	pthread_cond_t gdone;             /* a group was answered */
	struct submit_req *ghead, *gtail; /* submissions waiting for a leader, FIFO */
	size_t gactive;                   /* groups in flight */
	size_t gmax;                      /* elements per group; 0: no group commit */
	size_t gleaders;                  /* groups in flight at most */
	int gwait_ms;                     /* a leader waits this long for others */
};

/* libpq messages span several lines ("...\n\tThis probably means..."): one log line each. */
const char *
cmd_one_line(char *msg)
{
	char *w = msg;

	for (const char *r = msg; *r; r++) {
		if (*r == '\n' || *r == '\t' || *r == '\r') {
			if (w > msg && w[-1] != ' ')
				*w++ = ' ';
		} else
			*w++ = *r;
	}
	while (w > msg && w[-1] == ' ')
		w--;
	*w = '\0';
	return msg;
}

struct cmd_store *
cmd_store_new(const char *conninfo, size_t size, const char *appname, const struct cmd_metrics *metrics)
{
	struct cmd_store *st = wr_xcalloc(1, sizeof(*st));

	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->freed, NULL);
	pthread_mutex_init(&st->glock, NULL);
	pthread_cond_init(&st->gdone, NULL);
	st->gleaders = 1;
	st->conninfo = wr_xstrdup(conninfo ? conninfo : "");
	st->appname = wr_xstrdup(appname ? appname : "wr");
	if (metrics)
		st->metrics = *metrics;
	st->size = size ? size : 1;
	st->conns = wr_xcalloc(st->size, sizeof(*st->conns));
	return st;
}

struct cmd_store *
cmd_store_free(struct cmd_store *st)
{
	if (!st)
		return NULL;
	for (size_t i = 0; i < st->size; i++)
		if (st->conns[i].initialized)
			wr_db_done(&st->conns[i].db);
	free(st->conns);
	free(st->conninfo);
	free(st->appname);
	pthread_cond_destroy(&st->freed);
	pthread_cond_destroy(&st->gdone);
	pthread_mutex_destroy(&st->glock);
	pthread_mutex_destroy(&st->lock);
	free(st);
	return NULL;
}

void
cmd_store_count_queued(struct cmd_store *st, enum game_verb verb)
{
	if (st->metrics.queued)
		st->metrics.queued(verb);
}

/* Picks a free slot, preferring one that is already connected.  Caller holds lock. */
static struct cmd_conn *
pick_free(struct cmd_store *st)
{
	struct cmd_conn *any = NULL;

	for (size_t i = 0; i < st->size; i++) {
		struct cmd_conn *c = &st->conns[i];

		if (c->in_use)
			continue;
		if (c->initialized && wr_db_connected(&c->db))
			return c;
		if (!any)
			any = c;
	}
	return any;
}

static int
connect_slot(struct cmd_store *st, struct cmd_conn *c, struct wr_error *reterr)
{
	struct wr_error err;
	int64_t now = wr_mono_ms();
	int r;

	if (now < c->retry_at)
		return wr_error_set(reterr, -ECONNREFUSED, "unavailable", "database unavailable");
	if (!c->initialized) {
		/* On failure wr_db_init leaves c->db zeroed, settings included: init again next time. */
		r = wr_db_init(&c->db, st->conninfo, st->appname, session_sql, &err);
		c->initialized = r >= 0;
	} else
		r = wr_db_reconnect(&c->db, &err);
	if (r < 0) {
		c->retry_at = now + RECONNECT_BACKOFF_MS;
		if (!c->warned)
			log_warning("%s", cmd_one_line(err.msg));
		else
			log_debug("%s", cmd_one_line(err.msg));
		c->warned = true;
		return wr_error_set(reterr, r, "unavailable", "database unavailable");
	}
	if (c->warned)
		log_notice("connected to database again");
	c->warned = false;
	c->fresh = true;
	return 0;
}

struct cmd_conn *
cmd_store_acquire(struct cmd_store *st, struct wr_error *reterr)
{
	struct cmd_conn *c;

	pthread_mutex_lock(&st->lock);
	while (!(c = pick_free(st)))
		pthread_cond_wait(&st->freed, &st->lock);
	c->in_use = true;
	pthread_mutex_unlock(&st->lock);

	c->fresh = false;
	if (c->initialized && wr_db_connected(&c->db))
		return c;
	if (connect_slot(st, c, reterr) < 0) {
		cmd_store_release(st, c);
		return NULL;
	}
	return c;
}

void
cmd_store_release(struct cmd_store *st, struct cmd_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&st->lock);
	c->in_use = false;
	pthread_cond_signal(&st->freed);
	pthread_mutex_unlock(&st->lock);
}

/* Turns a database error into what the client is told: "unavailable" (503)
 * for a lost connection or a timeout, "internal" (500) for anything else. */
int
cmd_db_failed(struct cmd_conn *c, const char *what, struct wr_error *err, struct wr_error *reterr)
{
	bool transient = !wr_db_connected(&c->db) || wr_db_error_is_transient(err);

	log_warning("could not %s: %s%s%s%s", what, cmd_one_line(err->msg), err->sqlstate[0] ? " (SQLSTATE " : "",
		    err->sqlstate, err->sqlstate[0] ? ")" : "");
	if (transient)
		return wr_error_set(reterr, err->code < 0 ? err->code : -EIO, "unavailable", "database unavailable");
	return wr_error_set(reterr, err->code < 0 ? err->code : -EIO, "internal", "internal error");
}


/* Reads wr_command_context()'s one value into ctx (which then owns the JSON). */
static int
parse_context_text(const char *text, struct cmd_context *ctx)
{
	struct json_object *doc = NULL, *aliases;

	ctx->naliases = 0;
	if (wr_json_parse(text, strlen(text), 4, &doc, NULL) < 0)
		return -EBADMSG;
	aliases = wr_json_member(doc, "aliases", json_type_object);
	if (!aliases || !wr_json_member(doc, "last", json_type_object)) {
		json_object_put(doc);
		return -EBADMSG;
	}
	json_object_object_foreach (aliases, name, val) {
		if (ctx->naliases == PLANNER_MAX_ALIASES || !json_object_is_type(val, json_type_string))
			break;
		ctx->aliases[ctx->naliases++] =
			(struct planner_alias){.name = name, .expansion = json_object_get_string(val)};
	}
	ctx->doc = doc;
	return 0;
}

static int
parse_context(PGresult *res, struct cmd_context *ctx)
{
	if (PQntuples(res) != 1 || PQnfields(res) != 1)
		return -EBADMSG;
	return parse_context_text(PQgetvalue(res, 0, 0), ctx);
}

const char *
cmd_context_last(const struct cmd_context *ctx, int64_t char_id)
{
	struct json_object *last = ctx->doc ? wr_json_member(ctx->doc, "last", json_type_object) : NULL;
	struct json_object *line;
	char key[24];

	snprintf(key, sizeof(key), "%" PRId64, char_id);
	line = last ? wr_json_member(last, key, json_type_string) : NULL;
	return line ? json_object_get_string(line) : NULL;
}

void
cmd_context_done(struct cmd_context *ctx)
{
	if (ctx->doc)
		json_object_put(ctx->doc);
	ctx->doc = NULL;
	ctx->naliases = 0;
}

/*
 * A connection that sat idle in the pool may have died with the server
 * (restart, failover) without libpq noticing until now.  For reads it is
 * safe to reconnect once and send the statement again.
 */
bool
cmd_retry_after_stale(struct cmd_conn *c, const struct wr_error *err)
{
	if (c->fresh || (wr_db_connected(&c->db) && err->code != -ECONNRESET))
		return false;
	c->fresh = true;
	if (wr_db_reconnect(&c->db, NULL) < 0)
		return false;
	log_notice("reconnected to database after a lost connection");
	return true;
}

/* One statement in one round trip, prepared on the connection's first use of name. */
static int
exec_prepared(struct wr_db *db, const char *name, const char *sql, int nparams, const char *const *params,
	      PGresult **ret, struct wr_error *err)
{
	struct wr_db_stmt st = {
		.sql = sql, .nparams = nparams, .params = params, .expect = PGRES_TUPLES_OK, .name = name};
	int r = wr_db_pipeline(db, &st, 1, err);

	if (r >= 0)
		*ret = st.res;
	return r;
}

int
cmd_read(struct cmd_conn *c, const char *sql, int nparams, const char *const *params, PGresult **ret,
	 struct wr_error *err)
{
	return cmd_read_prepared(c, NULL, sql, nparams, params, ret, err);
}

int
cmd_read_prepared(struct cmd_conn *c, const char *name, const char *sql, int nparams, const char *const *params,
		  PGresult **ret, struct wr_error *err)
{
	int r;

	for (;;) {
		r = name ? exec_prepared(&c->db, name, sql, nparams, params, ret, err)
			 : wr_db_exec(&c->db, sql, nparams, params, PGRES_TUPLES_OK, ret, err);
		if (r >= 0 || !cmd_retry_after_stale(c, err))
			return r;
	}
}

int
cmd_store_ping(struct cmd_conn *c, struct wr_error *reterr)
{
	struct wr_error err;
	PGresult *res = NULL;
	int r;

	r = cmd_read(c, sql_ping, 0, NULL, &res, &err);
	if (r < 0)
		return cmd_db_failed(c, "check database", &err, reterr);
	PQclear(res);
	return 0;
}

int
cmd_parse_token_row(PGresult *res, struct cmd_token *ret)
{
	const char *kind;

	*ret = (struct cmd_token){.found = false};
	if (PQntuples(res) == 0)
		return 0;
	/* wr_command_begin()'s row has more columns after these five. */
	if (PQntuples(res) != 1 || PQnfields(res) < 5)
		return -EBADMSG;
	kind = PQgetvalue(res, 0, 1);
	if (strcmp(kind, "player") == 0)
		ret->kind = CMD_TOKEN_PLAYER;
	else if (strcmp(kind, "service") == 0)
		ret->kind = CMD_TOKEN_SERVICE;
	else if (strcmp(kind, "admin") == 0)
		ret->kind = CMD_TOKEN_ADMIN;
	else
		return -EBADMSG;
	if (wr_db_get_i64(res, 0, 0, &ret->account_id) < 0 || wr_db_get_i64(res, 0, 3, &ret->nchars) < 0)
		return -EBADMSG;
	if (!PQgetisnull(res, 0, 2) && wr_db_get_i64(res, 0, 2, &ret->pinned_char) < 0)
		return -EBADMSG;
	if (!PQgetisnull(res, 0, 4) && wr_db_get_i64(res, 0, 4, &ret->only_char) < 0)
		return -EBADMSG;
	ret->found = true;
	return 0;
}

static int
parse_resolve_rows(PGresult *res, struct cmd_actor_ref *refs, size_t nrefs)
{
	if ((size_t) PQntuples(res) != nrefs || PQnfields(res) != 5)
		return -EBADMSG;
	for (int row = 0; row < PQntuples(res); row++) {
		struct cmd_actor_ref *ref;
		int64_t ord;

		if (wr_db_get_i64(res, row, 0, &ord) < 0 || ord < 1 || (uint64_t) ord > nrefs)
			return -EBADMSG;
		ref = &refs[ord - 1];
		ref->kind = strncmp(ref->ref, "mob:", 4) == 0 ? CMD_ACTOR_MOB : CMD_ACTOR_CHAR;
		ref->id = 0;
		ref->account_id = 0;
		ref->may_act = false;
		if (PQgetisnull(res, row, 2))
			continue;
		ref->kind = strcmp(PQgetvalue(res, row, 1), "mob") == 0 ? CMD_ACTOR_MOB : CMD_ACTOR_CHAR;
		if (wr_db_get_i64(res, row, 2, &ref->id) < 0 ||
		    (ref->kind == CMD_ACTOR_CHAR && wr_db_get_i64(res, row, 3, &ref->account_id) < 0))
			return -EBADMSG;
		ref->may_act = strcmp(PQgetvalue(res, row, 4), "t") == 0;
	}
	return 0;
}

/* The actor references a request names, as the JSON array of strings the
 * statements take. */
static void
refs_to_json(struct wr_strbuf *sb, const struct cmd_actor_ref *refs, size_t nrefs)
{
	wr_strbuf_puts(sb, "[");
	for (size_t i = 0; i < nrefs; i++) {
		if (i > 0)
			wr_strbuf_puts(sb, ",");
		wr_strbuf_json_str(sb, refs[i].ref);
	}
	wr_strbuf_puts(sb, "]");
}

int
cmd_store_auth(struct cmd_conn *c, const char *secret, struct cmd_actor_ref *refs, size_t nrefs,
	       struct cmd_token *ret_tok, struct cmd_context *ret_ctx, struct wr_error *reterr)
{
	char token[WR_TOKEN_HASH_LEN + 1]; /* the secret never goes to the database */
	struct wr_strbuf refs_json = WR_STRBUF_INIT;
	const char *token_params[1] = {token};
	const char *resolve_params[2], *context_params[2];
	struct wr_db_stmt stmts[3];
	struct wr_error err;
	size_t nstmts = 1, iresolve = 0, icontext = 0;
	int r;

	wr_token_hash(secret, token);
	refs_to_json(&refs_json, refs, nrefs);
	resolve_params[0] = wr_strbuf_str(&refs_json);
	resolve_params[1] = token;
	context_params[0] = token;
	context_params[1] = wr_strbuf_str(&refs_json);

	for (;;) {
		nstmts = 1;
		stmts[0] = (struct wr_db_stmt){.sql = cmd_sql_token,
					       .nparams = 1,
					       .params = token_params,
					       .expect = PGRES_TUPLES_OK,
					       .name = CMD_STMT_TOKEN};
		if (nrefs > 0) {
			iresolve = nstmts++;
			stmts[iresolve] = (struct wr_db_stmt){.sql = sql_resolve,
							      .nparams = 2,
							      .params = resolve_params,
							      .expect = PGRES_TUPLES_OK,
							      .name = "cmd_resolve"};
		}
		if (ret_ctx) {
			icontext = nstmts++;
			stmts[icontext] = (struct wr_db_stmt){.sql = sql_context,
							      .nparams = 2,
							      .params = context_params,
							      .expect = PGRES_TUPLES_OK,
							      .name = "cmd_context"};
		}
		r = wr_db_pipeline(&c->db, stmts, nstmts, &err);
		if (r >= 0 || !cmd_retry_after_stale(c, &err))
			break;
	}
	if (r < 0) {
		r = cmd_db_failed(c, "look up token and actors", &err, reterr);
		goto out;
	}
	if (cmd_parse_token_row(stmts[0].res, ret_tok) < 0 ||
	    (nrefs > 0 && parse_resolve_rows(stmts[iresolve].res, refs, nrefs) < 0) ||
	    (ret_ctx && parse_context(stmts[icontext].res, ret_ctx) < 0)) {
		log_bug_self("unexpected result shape from token or actor lookup");
		r = wr_error_set(reterr, -EBADMSG, "internal", "internal error");
		goto out;
	}
	r = 0;
out:
	/* wr_db_pipeline leaves every res NULL when it fails. */
	for (size_t i = 0; i < nstmts; i++)
		PQclear(stmts[i].res);
	wr_strbuf_done(&refs_json);
	return r;
}

/* wr_command_begin()'s refs: [[kind, id, account_id, may_act], ...], one per reference in order. */
static int
parse_begin_refs(const char *text, struct cmd_actor_ref *refs, size_t nrefs)
{
	struct json_object *arr = NULL;
	int r = -EBADMSG;

	if (wr_json_parse(text, strlen(text), 4, &arr, NULL) < 0)
		return -EBADMSG;
	if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) != nrefs)
		goto out;
	for (size_t i = 0; i < nrefs; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		struct json_object *kind = json_object_array_get_idx(e, 0), *id = json_object_array_get_idx(e, 1);
		struct json_object *acct = json_object_array_get_idx(e, 2), *may = json_object_array_get_idx(e, 3);
		struct cmd_actor_ref *ref = &refs[i];

		if (!json_object_is_type(e, json_type_array) || json_object_array_length(e) != 4)
			goto out;
		ref->kind = strncmp(ref->ref, "mob:", 4) == 0 ? CMD_ACTOR_MOB : CMD_ACTOR_CHAR;
		ref->id = 0;
		ref->account_id = 0;
		ref->may_act = false;
		if (!id)
			continue; /* nothing matches */
		if (!json_object_is_type(id, json_type_int) || !json_object_is_type(kind, json_type_string) ||
		    !json_object_is_type(may, json_type_boolean))
			goto out;
		ref->kind = strcmp(json_object_get_string(kind), "mob") == 0 ? CMD_ACTOR_MOB : CMD_ACTOR_CHAR;
		ref->id = json_object_get_int64(id);
		if (ref->kind == CMD_ACTOR_CHAR) {
			if (!json_object_is_type(acct, json_type_int))
				goto out;
			ref->account_id = json_object_get_int64(acct);
		}
		ref->may_act = json_object_get_boolean(may);
	}
	r = 0;
out:
	json_object_put(arr);
	return r;
}

/* A bigint[]'s text, "{1,-2}", into a malloc'd array. */
static int
parse_id_array(const char *text, int64_t **ret, size_t *ret_n)
{
	size_t cap = 1, n = 0;
	const char *p = text;
	int64_t *ids;

	for (const char *q = text; *q; q++)
		cap += *q == ',';
	ids = wr_xcalloc(cap, sizeof(*ids));
	if (*p++ != '{')
		goto bad;
	while (*p && *p != '}') {
		char *end;

		errno = 0;
		ids[n] = strtoll(p, &end, 10);
		if (end == p || errno || n == cap)
			goto bad;
		n++;
		p = end;
		if (*p == ',')
			p++;
	}
	if (*p != '}' || p[1])
		goto bad;
	*ret = ids;
	*ret_n = n;
	return 0;
bad:
	free(ids);
	return -EBADMSG;
}

int
cmd_store_begin(struct cmd_conn *c, const char *secret, struct cmd_actor_ref *refs, size_t nrefs, int64_t default_char,
		struct cmd_token *ret_tok, struct cmd_context *ret_ctx, struct cmd_prefetch *ret_pre,
		struct wr_error *reterr)
{
	char token[WR_TOKEN_HASH_LEN + 1]; /* the secret never goes to the database */
	char dflt[24];
	struct wr_strbuf refs_json = WR_STRBUF_INIT;
	const char *params[3];
	PGresult *res = NULL;
	struct wr_error err;
	int r;

	*ret_pre = (struct cmd_prefetch){0};
	wr_token_hash(secret, token);
	refs_to_json(&refs_json, refs, nrefs);
	snprintf(dflt, sizeof(dflt), "%" PRId64, default_char);
	params[0] = token;
	params[1] = wr_strbuf_str(&refs_json);
	params[2] = default_char < 0 ? NULL : dflt;

	if (nrefs <= 1)
		r = cmd_read_prepared(c, "cmd_begin", sql_begin, 3, params, &res, &err);
	else
		r = cmd_read_prepared(c, "cmd_begin_many", sql_begin_many, 3, params, &res, &err);
	if (r < 0) {
		r = cmd_db_failed(c, "look up token and actors", &err, reterr);
		goto out;
	}
	*ret_tok = (struct cmd_token){.found = false};
	r = 0;
	if (PQntuples(res) == 0)
		goto out; /* no such token: nothing else was read */
	if (PQntuples(res) != 1 || PQnfields(res) != 9 || PQgetisnull(res, 0, 5) || PQgetisnull(res, 0, 6) ||
	    PQgetisnull(res, 0, 7) || PQgetisnull(res, 0, 8))
		goto bad;
	/* The token's five columns come first, as cmd_sql_token's. */
	if (cmd_parse_token_row(res, ret_tok) < 0 || parse_begin_refs(PQgetvalue(res, 0, 5), refs, nrefs) < 0 ||
	    parse_context_text(PQgetvalue(res, 0, 6), ret_ctx) < 0 ||
	    parse_id_array(PQgetvalue(res, 0, 7), &ret_pre->ids, &ret_pre->nids) < 0)
		goto bad;
	ret_pre->views = wr_xstrdup(PQgetvalue(res, 0, 8));
	goto out;
bad:
	*ret_tok = (struct cmd_token){.found = false};
	cmd_context_done(ret_ctx);
	cmd_prefetch_done(ret_pre);
	log_bug_self("unexpected result shape from wr_command_begin()");
	r = wr_error_set(reterr, -EBADMSG, "internal", "internal error");
out:
	PQclear(res);
	wr_strbuf_done(&refs_json);
	return r;
}

bool
cmd_prefetch_covers(const struct cmd_prefetch *pre, const int64_t *ids, size_t n)
{
	if (!pre->views)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t k = 0; k < pre->nids && !seen; k++)
			seen = pre->ids[k] == ids[i];
		if (!seen)
			return false;
	}
	return true;
}

void
cmd_prefetch_done(struct cmd_prefetch *pre)
{
	free(pre->ids);
	free(pre->views);
	*pre = (struct cmd_prefetch){0};
}

static int
decode_views(const char *text, const int64_t *ids, size_t n, struct planner_view *ret_views, bool *ret_found)
{
	struct json_object *arr = NULL;
	int r = -EBADMSG;

	for (size_t i = 0; i < n; i++)
		ret_found[i] = false;
	/* Trusted text, but the same strict parser costs nothing and checks depth. */
	if (wr_json_parse(text, strlen(text), 8, &arr, NULL) < 0)
		return -EBADMSG;
	if (!json_object_is_type(arr, json_type_array))
		goto out;
	for (size_t k = 0; k < json_object_array_length(arr); k++) {
		struct planner_view v;

		struct json_object *elem = json_object_array_get_idx(arr, k);
		int64_t id;

		if (planner_view_from_json(elem, &v) < 0)
			goto out;
		/* A mob's view (wr_mob_view) answers the id it was asked as: minus the mob's. */
		id = wr_json_member(elem, "mob", json_type_boolean) ? -v.character_id : v.character_id;
		for (size_t i = 0; i < n; i++) {
			if (ids[i] == id) {
				ret_views[i] = v;
				ret_found[i] = true;
			}
		}
	}
	r = 0;
out:
	json_object_put(arr);
	return r;
}

int
cmd_prefetch_views(const struct cmd_prefetch *pre, const int64_t *ids, size_t n, struct planner_view *ret_views,
		   bool *ret_found)
{
	if (decode_views(pre->views, ids, n, ret_views, ret_found) < 0) {
		log_bug_self("unexpected views from wr_command_begin()");
		return -EBADMSG;
	}
	return 0;
}

/* [[id, name], ...] of the characters tell named. */
static int
decode_world(const char *text, struct planner_seen *ret, size_t max, size_t *ret_n)
{
	struct json_object *arr = NULL;
	int r = -EBADMSG;

	*ret_n = 0;
	if (wr_json_parse(text, strlen(text), 4, &arr, NULL) < 0)
		return -EBADMSG;
	if (!json_object_is_type(arr, json_type_array))
		goto out;
	for (size_t k = 0; k < json_object_array_length(arr) && *ret_n < max; k++) {
		struct json_object *e = json_object_array_get_idx(arr, k);
		struct json_object *id = json_object_array_get_idx(e, 0), *name = json_object_array_get_idx(e, 1);
		struct planner_seen *s = &ret[(*ret_n)++];

		if (!json_object_is_type(id, json_type_int) || !json_object_is_type(name, json_type_string))
			goto out;
		*s = (struct planner_seen){.id = json_object_get_int64(id), .kind = PLANNER_CHAR, .quantity = 1};
		snprintf(s->name, sizeof(s->name), "%s", json_object_get_string(name));
		snprintf(s->keywords, sizeof(s->keywords), "%s", s->name);
	}
	r = 0;
out:
	json_object_put(arr);
	return r;
}

int
cmd_store_views(struct cmd_conn *c, const int64_t *ids, size_t n, int64_t account_id, const char *const *names,
		size_t nnames, struct planner_view *ret_views, bool *ret_found, struct planner_seen *ret_world,
		size_t *ret_nworld, struct wr_error *reterr)
{
	struct wr_strbuf arr = WR_STRBUF_INIT, nm = WR_STRBUF_INIT;
	char account[24];
	const char *params[3];
	PGresult *res = NULL;
	struct wr_error err;
	int r;

	*ret_nworld = 0;
	wr_strbuf_puts(&arr, "{");
	for (size_t i = 0; i < n; i++)
		wr_strbuf_printf(&arr, "%s%" PRId64, i > 0 ? "," : "", ids[i]);
	wr_strbuf_puts(&arr, "}");
	params[0] = wr_strbuf_str(&arr);
	/* A text[] literal: every element quoted, " and \ escaped. */
	wr_strbuf_puts(&nm, "{");
	for (size_t i = 0; i < nnames; i++) {
		wr_strbuf_puts(&nm, i > 0 ? ",\"" : "\"");
		for (const char *p = names[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				wr_strbuf_puts(&nm, "\\");
			wr_strbuf_append(&nm, p, 1);
		}
		wr_strbuf_puts(&nm, "\"");
	}
	wr_strbuf_puts(&nm, "}");
	params[1] = wr_strbuf_str(&nm);
	snprintf(account, sizeof(account), "%" PRId64, account_id);
	params[2] = account;

	r = cmd_read_prepared(c, "cmd_views", sql_views, 3, params, &res, &err);
	if (r < 0) {
		r = cmd_db_failed(c, "read actor views", &err, reterr);
		goto out;
	}
	if (PQntuples(res) != 1 || PQnfields(res) != 2 || PQgetisnull(res, 0, 0) ||
	    decode_views(PQgetvalue(res, 0, 0), ids, n, ret_views, ret_found) < 0 ||
	    (nnames > 0 && decode_world(PQgetvalue(res, 0, 1), ret_world, nnames, ret_nworld) < 0)) {
		log_bug_self("unexpected result from wr_actor_view()");
		r = wr_error_set(reterr, -EBADMSG, "internal", "internal error");
		goto out;
	}
	r = 0;
out:
	PQclear(res);
	wr_strbuf_done(&arr);
	wr_strbuf_done(&nm);
	return r;
}

/* One element of the wr_submit() array. */
static void
append_action(struct wr_strbuf *sb, const struct planner_action *a, const struct cmd_origin *o)
{
	if (o->alias_op != CMD_ALIAS_NONE) {
		wr_strbuf_printf(sb, "{\"alias_op\":\"%s\",\"account_id\":%" PRId64 ",\"name\":",
				 o->alias_op == CMD_ALIAS_SET ? "set" : "unset", o->account_id);
		wr_strbuf_json_str(sb, o->alias_name);
		if (o->alias_expansion) {
			wr_strbuf_puts(sb, ",\"expansion\":");
			wr_strbuf_json_str(sb, o->alias_expansion);
		}
		wr_strbuf_puts(sb, "}");
		return;
	}
	wr_strbuf_printf(sb, "{\"actor_key\":\"%s:%" PRId64 "\",\"account_id\":%" PRId64 ",\"verb\":",
			 a->actor_mob ? "mob" : "char", a->actor_mob ? a->actor_mob : a->actor_char, a->account_id);
	wr_strbuf_json_str(sb, game_verb_to_string(a->verb));
	wr_strbuf_printf(sb, ",\"instance_id\":%" PRId64 ",", a->instance_id);
	planner_action_to_json(sb, a);
	/* issue 13: a service's scheduled action (run_at, UTC) and its priority. */
	if (o->delay_ms > 0) {
		int64_t at = wr_now_ms() + o->delay_ms;
		time_t secs = (time_t) (at / 1000);
		struct tm tm;
		char when[40];

		gmtime_r(&secs, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		wr_strbuf_printf(sb, ",\"run_at\":\"%s.%03dZ\"", when, (int) (at % 1000));
	}
	wr_strbuf_printf(sb, ",\"priority\":%d,\"command_id\":", o->priority ? o->priority : 100);
	if (o->command_id)
		wr_strbuf_json_str(sb, o->command_id);
	else
		wr_strbuf_puts(sb, "null");
	wr_strbuf_puts(sb, ",\"input\":");
	wr_strbuf_json_str(sb, o->input ? o->input : "");
	wr_strbuf_printf(sb, ",\"part\":%d", o->part);
	if (o->last) {
		wr_strbuf_puts(sb, ",\"last\":");
		wr_strbuf_json_str(sb, o->last);
	}
	wr_strbuf_puts(sb, "}");
}

/* wr_submit()'s status column; -EBADMSG for a status it never returns. */
static int
parse_submit_status(const char *status, enum cmd_submit *ret)
{
	static const struct {
		const char *name;
		enum cmd_submit status;
	} map[] = {
		{"queued", CMD_SUBMIT_QUEUED},         {"duplicate", CMD_SUBMIT_DUPLICATE},
		{"conflict", CMD_SUBMIT_CONFLICT},     {"ok", CMD_SUBMIT_OK},
		{"not_found", CMD_SUBMIT_NOT_FOUND},   {"too_many_aliases", CMD_SUBMIT_TOO_MANY},
		{"actor_full", CMD_SUBMIT_ACTOR_FULL},
	};

	for (size_t i = 0; i < WR_ELEMENTSOF(map); i++) {
		if (strcmp(status, map[i].name) == 0) {
			*ret = map[i].status;
			return 0;
		}
	}
	return -EBADMSG;
}

/*
 * One wr_submit() call of n elements (json: the array).  On failure
 * *ret_rolled_back says whether nothing can have been committed: the server
 * refused the statement and the link is still up, so the elements may be
 * sent again (issue 16, group commit: each alone).
 */
static int
submit_once(struct cmd_conn *c, const char *json, size_t n, int64_t *ret_ids, enum cmd_submit *ret_status,
	    bool *ret_rolled_back, struct wr_error *reterr)
{
	const char *params[1] = {json};
	/* The notify follows the submission's commit (a sync between them), in
	 * the same round trip; its failure is not the submission's. */
	struct wr_db_stmt st[2] = {
		{.sql = n <= CMD_SUBMIT_SMALL ? sql_submit_small : sql_submit,
		 .nparams = 1,
		 .params = params,
		 .expect = PGRES_TUPLES_OK,
		 .name = n <= CMD_SUBMIT_SMALL ? "cmd_submit" : "cmd_submit_many",
		 .sync_after = true},
		{.sql = sql_notify, .expect = PGRES_TUPLES_OK, .name = "cmd_notify", .may_fail = true},
	};
	PGresult *res = NULL;
	struct wr_error err;
	int r;

	*ret_rolled_back = false;
	/* Not retried: if the link broke, the insert may have committed. */
	r = wr_db_pipeline(&c->db, st, 2, &err);
	res = st[0].res;
	PQclear(st[1].res);
	if (r < 0) {
		*ret_rolled_back = wr_db_connected(&c->db) && err.sqlstate[0] && strncmp(err.sqlstate, "08", 2) != 0;
		r = cmd_db_failed(c, "submit actions", &err, reterr);
		goto out;
	}
	if ((size_t) PQntuples(res) != n || PQnfields(res) != 2) {
		log_bug_self("wr_submit() returned %d rows for %zu actions", PQntuples(res), n);
		r = wr_error_set(reterr, -EBADMSG, "internal", "internal error");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *status = PQgetvalue(res, (int) i, 1);

		if (parse_submit_status(status, &ret_status[i]) < 0) {
			/* A status this code does not know is a schema/code mismatch: never a guess. */
			log_bug_self("wr_submit() returned an unknown status \"%.32s\" for action %zu", status, i);
			r = wr_error_set(reterr, -EBADMSG, "internal", "internal error");
			goto out;
		}
		ret_ids[i] = 0;
		if ((ret_status[i] == CMD_SUBMIT_QUEUED || ret_status[i] == CMD_SUBMIT_DUPLICATE) &&
		    wr_db_get_i64(res, (int) i, 0, &ret_ids[i]) < 0) {
			log_bug_self("wr_submit() returned a bad action id");
			r = wr_error_set(reterr, -EBADMSG, "internal", "internal error");
			goto out;
		}
	}
	r = 0;
out:
	PQclear(res);
	return r;
}

/* ---- group commit (issue 16, i16-http3) ------------------------------------------------ */

/* One request's submission, waiting for (or leading) a group. */
struct submit_req {
	struct submit_req *next; /* in the store's queue while queued */
	size_t n;
	int64_t *ret_ids;
	enum cmd_submit *ret_status;
	struct wr_error *reterr;
	struct wr_strbuf elems; /* its elements, comma-separated, without brackets */
	int64_t *actors;        /* from malloc(): its actors (a mob as minus its id) */
	size_t nactors;
	bool queued, done;
	int r;
};

void
cmd_store_group_commit(struct cmd_store *st, size_t max_elements, size_t leaders, int wait_ms)
{
	pthread_mutex_lock(&st->glock);
	st->gmax = max_elements;
	st->gleaders = leaders ? leaders : 1;
	st->gwait_ms = wait_ms > 0 ? wait_ms : 0;
	pthread_mutex_unlock(&st->glock);
}

static bool
shares_actor(const struct submit_req *a, const struct submit_req *b)
{
	for (size_t i = 0; i < a->nactors; i++)
		for (size_t j = 0; j < b->nactors; j++)
			if (a->actors[i] == b->actors[j])
				return true;
	return false;
}

/*
 * Runs the k submissions of a group as one wr_submit() call on c, so they
 * share one transaction and one commit flush, and hands each its rows.  If
 * the database refused the call (nothing committed), each is sent again
 * alone: one request's failure is never another's.  If the outcome is
 * unknown (a lost link), every member gets the error: none is told it was
 * queued.
 */
static void
run_group(struct cmd_conn *c, struct submit_req **m, size_t k)
{
	struct wr_strbuf arr = WR_STRBUF_INIT;
	int64_t *ids;
	enum cmd_submit *sub;
	struct wr_error err;
	bool rolled_back;
	size_t total = 0, at = 0;
	int r;

	wr_strbuf_puts(&arr, "[");
	for (size_t i = 0; i < k; i++) {
		if (i > 0)
			wr_strbuf_puts(&arr, ",");
		wr_strbuf_append(&arr, wr_strbuf_str(&m[i]->elems), m[i]->elems.len);
		total += m[i]->n;
	}
	wr_strbuf_puts(&arr, "]");
	if (k == 1) {
		/* Alone: its rows and its error are its own, nothing to send again. */
		m[0]->r = submit_once(c, wr_strbuf_str(&arr), m[0]->n, m[0]->ret_ids, m[0]->ret_status, &rolled_back,
				      m[0]->reterr);
		wr_strbuf_done(&arr);
		return;
	}
	ids = wr_xcalloc(total, sizeof(*ids));
	sub = wr_xcalloc(total, sizeof(*sub));
	r = submit_once(c, wr_strbuf_str(&arr), total, ids, sub, &rolled_back, &err);
	wr_strbuf_done(&arr);
	if (r == 0) {
		for (size_t i = 0; i < k; i++) {
			memcpy(m[i]->ret_ids, ids + at, m[i]->n * sizeof(*ids));
			memcpy(m[i]->ret_status, sub + at, m[i]->n * sizeof(*sub));
			at += m[i]->n;
			m[i]->r = 0;
		}
	} else if (rolled_back) {
		log_notice("a group of %zu submissions was refused: each is sent alone", k);
		for (size_t i = 0; i < k; i++)
			run_group(c, &m[i], 1);
	} else {
		for (size_t i = 0; i < k; i++) {
			*m[i]->reterr = err;
			m[i]->r = r;
		}
	}
	free(ids);
	free(sub);
}

/* Takes req and what of the queue fits with it (FIFO, no actor in two of
 * them, at most st->gmax elements) out of the queue.  Caller holds glock. */
static size_t
take_group(struct cmd_store *st, struct submit_req *req, struct submit_req **m, size_t most)
{
	struct submit_req **pp = &st->ghead, *prev = NULL;
	size_t k = 0, total = 0;

	m[k++] = req;
	total = req->n;
	while (*pp) {
		struct submit_req *q = *pp;
		bool fits = q == req || (k < most && total + q->n <= st->gmax);

		for (size_t i = 0; fits && i < k; i++)
			if (q != req && shares_actor(q, m[i]))
				fits = false;
		if (!fits) {
			prev = q;
			pp = &q->next;
			continue;
		}
		*pp = q->next;
		q->queued = false;
		q->next = NULL;
		if (q != req) {
			m[k++] = q;
			total += q->n;
		}
	}
	st->gtail = prev;
	return k;
}

int
cmd_store_submit(struct cmd_store *st, struct cmd_conn *c, const struct planner_action *acts,
		 const struct cmd_origin *origins, size_t n, int64_t *ret_ids, enum cmd_submit *ret_status,
		 struct wr_error *reterr)
{
	struct submit_req req = {.n = n, .ret_ids = ret_ids, .ret_status = ret_status, .reterr = reterr};
	struct submit_req **m = NULL;
	size_t k, most;

	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			wr_strbuf_puts(&req.elems, ",");
		append_action(&req.elems, &acts[i], &origins[i]);
	}
	pthread_mutex_lock(&st->glock);
	if (st->gmax == 0 || n > st->gmax) {
		/* No group commit, or a submission big enough to be worth its own call. */
		pthread_mutex_unlock(&st->glock);
		run_group(c, (struct submit_req *[]){&req}, 1);
		goto out;
	}
	req.actors = wr_xcalloc(n, sizeof(*req.actors));
	for (size_t i = 0; i < n; i++) {
		int64_t a = acts[i].actor_mob ? -acts[i].actor_mob : acts[i].actor_char;
		bool seen = origins[i].alias_op != CMD_ALIAS_NONE || a == 0;

		for (size_t j = 0; !seen && j < req.nactors; j++)
			seen = req.actors[j] == a;
		if (!seen)
			req.actors[req.nactors++] = a;
	}
	most = st->gmax;
	m = wr_xcalloc(most, sizeof(*m));
	req.queued = true;
	if (st->gtail)
		st->gtail->next = &req;
	else
		st->ghead = &req;
	st->gtail = &req;
	while (!req.done) {
		if (!req.queued || st->gactive >= st->gleaders) {
			pthread_cond_wait(&st->gdone, &st->glock);
			continue;
		}
		/* The leader: its own submission and whatever waits with it. */
		st->gactive++;
		if (st->gwait_ms > 0) {
			/* Tests (and a deliberate commit delay): let others join. */
			struct timespec ts = {.tv_sec = st->gwait_ms / 1000,
					      .tv_nsec = (st->gwait_ms % 1000) * 1000000L};

			pthread_mutex_unlock(&st->glock);
			nanosleep(&ts, NULL);
			pthread_mutex_lock(&st->glock);
		}
		k = take_group(st, &req, m, most);
		pthread_mutex_unlock(&st->glock);
		run_group(c, m, k);
		pthread_mutex_lock(&st->glock);
		for (size_t i = 0; i < k; i++)
			m[i]->done = true;
		st->gactive--;
		pthread_cond_broadcast(&st->gdone);
	}
	pthread_mutex_unlock(&st->glock);
out:
	free(m);
	free(req.actors);
	wr_strbuf_done(&req.elems);
	return req.r;
}

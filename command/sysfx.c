/* SPDX-License-Identifier: MIT */
/*
 * sysfx.c: a world system's effect (issue 13, docs/http-api.md "System
 * actors").  A service token granted "sys:<name>@<zone>" (wrctl token issue
 * --grant sys:storm@millbrook) submits {"actor":"sys:storm","room":..,
 * "effect":{"do":..}} to POST /v1/commands: one trigger step in the
 * content's vocabulary (content/README.md "Triggers"), checked here against
 * the content's shape and bounds, then resolved, scoped and queued by one
 * statement, wr_sys_submit() (schema/functions/wr_sys.sql), as an Action on
 * the system's own queue "sys:<name>" (verb script, GAME_SCRIPT_SYS).
 * Every refusal is a 4xx that changes nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command/private.h"
#include "command/store.h"
#include "command/sysfx.h"
#include "core/json.h"
#include "core/secret.h"
#include "core/util.h"

/* The content's step bounds (tools/wrctl_world_script.c check_step). */
#define SYS_TEXT_MAX 512
#define SYS_AMOUNT_MAX 1000000000LL
#define SYS_KEY_MAX 64
#define SYS_REF_MAX 128
#define SYS_FOR_S_MAX 86400 /* a spawn's stay: a day */

static const char *const item_members[] = {"actor", "effect", "room", "character", "id", "delay_ms", "priority", NULL};
/* A content step's members, less delay_ms: the command's own delay_ms schedules it. */
static const char *const effect_members[] = {"do",   "text", "amount", "room",  "dir", "name",
					     "item", "mob",  "count",  "for_s", NULL};

static bool
known(const char *const *list, const char *key)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], key) == 0)
			return true;
	return false;
}

static int
refuse(struct cmd_sys *s, unsigned int http, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
refuse(struct cmd_sys *s, unsigned int http, const char *code, const char *fmt, ...)
{
	va_list ap;

	s->http = http;
	snprintf(s->code, sizeof(s->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(s->message, sizeof(s->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A taxonomy tag / flag name: lowercase segments of [a-z0-9_-] joined by ':'. */
static bool
flag_valid(const char *p)
{
	bool seg = false;

	for (; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')
			seg = true;
		else if (*p == ':' && seg)
			seg = false;
		else
			return false;
	}
	return seg;
}

/* A string member: absent (NULL, 0), or a non-empty one-line string of at most max bytes. */
static int
get_str(struct cmd_sys *s, struct json_object *o, const char *where, const char *key, size_t max, bool required,
	const char **ret)
{
	struct json_object *v;

	*ret = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return required ? refuse(s, 400, "bad_input", "%s\"%s\" is required", where, key) : 0;
	if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0 ||
	    (size_t) json_object_get_string_len(v) > max)
		return refuse(s, 400,
			      strcmp(key, "text") == 0 && json_object_is_type(v, json_type_string) ? "too_long"
												   : "bad_input",
			      "%s\"%s\" must be a non-empty string of at most %zu bytes", where, key, max);
	if (!wr_utf8_valid(json_object_get_string(v), (size_t) json_object_get_string_len(v)))
		return refuse(s, 400, "bad_input", "%s\"%s\" is not UTF-8", where, key);
	for (const unsigned char *p = (const unsigned char *) json_object_get_string(v); *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return refuse(s, 400, "bad_input", "%s\"%s\" holds a control character", where, key);
	*ret = json_object_get_string(v);
	return 0;
}

/* The effect: one content step (content/README.md "Triggers"), its shape and bounds. */
static int
check_effect(struct cmd_sys *s, struct json_object *e)
{
	const char *kind, *v;
	enum game_fx fx;
	struct json_object *n;

	if (!e || !json_object_is_type(e, json_type_object))
		return refuse(s, 400, "bad_input", "member \"effect\" must be an object {\"do\": ..., ...}");
	if (get_str(s, e, "effect: ", "do", 16, true, &kind) < 0)
		return -EINVAL;
	fx = game_fx_from_string(kind);
	if (fx < 0)
		return refuse(
			s, 400, "bad_input",
			"effect: unknown effect \"%s\" (echo, tell, teleport, gold, item, open, close, lock, damage, "
			"heal, set, clear, spawn)",
			kind);
	if (fx == GAME_FX_SAY || fx == GAME_FX_EMOTE || fx == GAME_FX_CALL)
		return refuse(
			s, 422, "unsupported_effect",
			"effect \"%s\" is a trigger's own (a mob's words, a room's trigger chain), not a system's",
			kind);
	json_object_object_foreach (e, key, val) {
		(void) val;
		if (!known(effect_members, key))
			return refuse(s, 400, "bad_input",
				      strcmp(key, "delay_ms") == 0
					      ? "effect: \"delay_ms\" is the command's (schedule the effect with it)"
					      : "effect: unknown member \"%.64s\"",
				      key);
	}
	if (get_str(s, e, "effect: ", "text", SYS_TEXT_MAX, fx == GAME_FX_ECHO || fx == GAME_FX_TELL, &v) < 0)
		return -EINVAL;
	switch (fx) {
	case GAME_FX_TELEPORT:
		return get_str(s, e, "effect: ", "room", SYS_KEY_MAX, true, &v);
	case GAME_FX_ITEM:
		return get_str(s, e, "effect: ", "item", SYS_KEY_MAX, true, &v);
	case GAME_FX_GOLD:
	case GAME_FX_DAMAGE:
	case GAME_FX_HEAL:
		if (!json_object_object_get_ex(e, "amount", &n) || !json_object_is_type(n, json_type_int) ||
		    json_object_get_int64(n) < 1 || json_object_get_int64(n) > SYS_AMOUNT_MAX)
			return refuse(s, 400, "bad_input", "effect \"%s\" needs an \"amount\" from 1 to %lld", kind,
				      SYS_AMOUNT_MAX);
		return 0;
	case GAME_FX_OPEN:
	case GAME_FX_CLOSE:
	case GAME_FX_LOCK:
		if (get_str(s, e, "effect: ", "dir", 16, true, &v) < 0)
			return -EINVAL;
		return game_dir_from_string(v) < 0 ? refuse(s, 400, "bad_input", "effect: unknown direction \"%s\"", v)
						   : 0;
	case GAME_FX_SPAWN:
		/* issue 13: as a trigger's spawn step (tools/wrctl_world_script.c): count 1..8, for_s 1..a day */
		if (get_str(s, e, "effect: ", "mob", SYS_KEY_MAX, true, &v) < 0)
			return -EINVAL;
		if (json_object_object_get_ex(e, "count", &n) &&
		    (!json_object_is_type(n, json_type_int) || json_object_get_int64(n) < 1 ||
		     json_object_get_int64(n) > GAME_SPAWN_MAX))
			return refuse(s, 400, "bad_input", "effect \"spawn\": \"count\" must be from 1 to %d",
				      GAME_SPAWN_MAX);
		if (json_object_object_get_ex(e, "for_s", &n) &&
		    (!json_object_is_type(n, json_type_int) || json_object_get_int64(n) < 1 ||
		     json_object_get_int64(n) > SYS_FOR_S_MAX))
			return refuse(s, 400, "bad_input", "effect \"spawn\": \"for_s\" must be from 1 to %d",
				      SYS_FOR_S_MAX);
		return 0;
	case GAME_FX_SET:
	case GAME_FX_CLEAR:
		if (get_str(s, e, "effect: ", "name", 32, true, &v) < 0)
			return -EINVAL;
		return flag_valid(v) ? 0 : refuse(s, 400, "bad_input", "effect: \"%s\" is not a flag name", v);
	default:
		return 0;
	}
}

bool
cmd_sys_actor(struct json_object *doc)
{
	struct json_object *a =
		json_object_is_type(doc, json_type_object) ? wr_json_member(doc, "actor", json_type_string) : NULL;

	return a && strncmp(json_object_get_string(a), "sys:", 4) == 0;
}

int
cmd_sys_check(struct json_object *doc, const char *idempotency_key, struct cmd_sys *s)
{
	struct wr_error err;
	const char *name;

	*s = (struct cmd_sys){.http = 0};
	json_object_object_foreach (doc, key, val) {
		(void) val;
		if (!known(item_members, key))
			return refuse(
				s, 400, "bad_input",
				"unknown member \"%.64s\": a system's command has \"actor\", \"room\", \"effect\", and "
				"optionally \"character\", \"id\", \"delay_ms\", \"priority\"",
				key);
	}
	if (get_str(s, doc, "", "actor", SYS_REF_MAX, true, &s->actor) < 0)
		return -EINVAL;
	name = s->actor + 4;
	if (strlen(name) < 1 || strlen(name) > 32 ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(name))
		return refuse(s, 400, "bad_input", "invalid actor \"%.64s\": a system is sys:<1-32 of a-z, 0-9, _, ->",
			      s->actor);
	s->name = name;
	if (get_str(s, doc, "", "room", SYS_KEY_MAX, true, &s->room) < 0 ||
	    get_str(s, doc, "", "character", SYS_REF_MAX, false, &s->character) < 0 ||
	    get_str(s, doc, "", "id", CMD_MAX_COMMAND_ID, false, &s->id) < 0)
		return -EINVAL;
	if (wr_json_opt_i64(doc, "delay_ms", 0, CMD_MAX_DELAY_MS, &s->delay_ms, &err) < 0 ||
	    wr_json_opt_i64(doc, "priority", CMD_MIN_PRIORITY, CMD_MAX_PRIORITY, &s->priority, &err) < 0)
		return refuse(s, 400, "bad_input", "%s", err.msg);
	if (idempotency_key && s->id && strcmp(idempotency_key, s->id) != 0)
		return refuse(s, 400, "bad_input", "\"id\" and the Idempotency-Key header differ");
	if (idempotency_key)
		s->id = idempotency_key;
	s->effect = wr_json_member(doc, "effect", json_type_object);
	if (check_effect(s, s->effect ? s->effect : json_object_object_get(doc, "effect")) < 0)
		return -EINVAL;
	/* A spawn queues on its zone's spawn chain (wr_sys_submit): a delay there would hold up the zone's spawns. */
	if (s->delay_ms > 0 &&
	    game_fx_from_string(json_object_get_string(json_object_object_get(s->effect, "do"))) == GAME_FX_SPAWN)
		return refuse(s, 400, "bad_input", "a spawn runs at once: no \"delay_ms\"");
	return 0;
}

static const char sys_submit_sql[] =
	"SELECT http, code, message, action_id, replayed FROM wr_sys_submit($1, $2, $3, $4, $5::jsonb, $6::bigint,"
	" $7::integer, $8)";

unsigned int
cmd_sys_handle(struct cmd_conn *c, const char *secret, const struct cmd_sys *s, struct wr_strbuf *out)
{
	char token[WR_TOKEN_HASH_LEN + 1]; /* the secret never goes to the database */
	char delay[24], prio[24];
	const char *p[8];
	PGresult *res = NULL;
	struct wr_error err, ret;
	unsigned int http;

	wr_token_hash(secret, token);
	snprintf(delay, sizeof(delay), "%" PRId64, s->delay_ms);
	snprintf(prio, sizeof(prio), "%" PRId64, s->priority);
	p[0] = token;
	p[1] = s->name;
	p[2] = s->room;
	p[3] = s->character;
	p[4] = json_object_to_json_string_ext(s->effect, JSON_C_TO_STRING_PLAIN);
	p[5] = delay;
	p[6] = prio;
	p[7] = s->id;
	wr_strbuf_reset(out);
	if (wr_db_exec(&c->db, sys_submit_sql, 8, p, PGRES_TUPLES_OK, &res, &err) < 0) {
		(void) cmd_db_failed(c, "submit a system's effect", &err, &ret);
		return cmd_fail(out, &ret);
	}
	if (PQntuples(res) != 1 || PQnfields(res) != 5) {
		PQclear(res);
		wr_error_set(&ret, -EBADMSG, "internal", "unexpected answer from wr_sys_submit");
		return cmd_fail(out, &ret);
	}
	http = (unsigned int) strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	if (http == 202) {
		wr_strbuf_printf(out, "{\"status\":\"queued\",\"actor\":");
		cmd_json_str(out, s->actor);
		wr_strbuf_printf(out, ",\"action_ids\":[%s]%s}", PQgetvalue(res, 0, 3),
				 strcmp(PQgetvalue(res, 0, 4), "t") == 0 ? ",\"replayed\":true" : "");
	} else
		cmd_json_error(out, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), -1);
	PQclear(res);
	return http;
}

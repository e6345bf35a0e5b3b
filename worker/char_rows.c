/* SPDX-License-Identifier: MIT */
/*
 * The characters of a lock+load as typed rows (issue 16): decoded into the
 * rules' state with PQgetvalue, and written back as the journal's JSON text
 * (worker_encode_state_text), so verify and rerun read what they always did.
 * Split out of codec.c, which decodes the rest of the document.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "worker/worker.h"

/*
 * Issue 16: the characters of a lock+load as typed rows (wr_lock_chars(),
 * worker/store.c's lock+load statement), read with PQgetvalue, not json-c.
 * Row 0 is the document; the others are characters, in enum char_col order.
 */
enum char_col {
	CC_DOC,
	CC_ID,
	CC_NAME,
	CC_ROOM,
	CC_INSTANCE,
	CC_FULL,
	CC_LOCKED,
	CC_LEVEL,
	CC_HP,
	CC_MAX_HP,
	CC_GOLD,
	CC_FLAGS,
	CC_LIGHT,
	CC_XP,
	CC_HP_AT_MS,
	CC_FIGHTING,
	CC_FIGHT_ID,
	CC_FOLLOWING,
	CC_FOLLOWERS,
	CC_GROUP_ID,
	CC_GROUP_INVITE,
	CC_GROUP,
	CC_IN_WORLD,
	CC_AFK,
	CC_TITLE,
	CC_MUTED,
	CC_IGNORING,
	CC_DESCRIPTION,
	CC_CARRIED_WEIGHT,
	CC_WEIGHED,
	CC_POSSESSIONS,
	CC_CARRIED_COUNT,
	_CC_MAX,
};

static int64_t
cell_i64(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static int32_t
cell_i32(const PGresult *res, int row, int col)
{
	int64_t v = cell_i64(res, row, col);

	return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : (int32_t) v;
}

static bool
cell_bool(const PGresult *res, int row, int col)
{
	return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

/* NULL when SQL NULL; the text stays in res. */
static const char *
cell_str(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* The next element of a one-dimensional array's text ("{a,"b c",NULL}"); *pos
 * starts at 0.  A quoted element is unescaped into buf (cut at n - 1 bytes);
 * *isnull for an unquoted NULL.  false at the end, or when s is no array. */
static bool
array_next(const char *s, size_t *pos, char *buf, size_t n, bool *isnull)
{
	size_t i = *pos, o = 0, start;

	if (i == 0) {
		if (s[0] != '{')
			return false;
		i = 1;
	}
	if (s[i] == '}' || s[i] == '\0')
		return false;
	*isnull = false;
	if (s[i] == '"') {
		for (i++; s[i] && s[i] != '"'; i++) {
			if (s[i] == '\\' && s[i + 1])
				i++;
			if (o + 1 < n)
				buf[o++] = s[i];
		}
		if (s[i] == '"')
			i++;
	} else {
		for (start = i; s[i] && s[i] != ',' && s[i] != '}'; i++)
			if (o + 1 < n)
				buf[o++] = s[i];
		*isnull = i - start == 4 && strncmp(s + start, "NULL", 4) == 0;
	}
	buf[o] = '\0';
	if (s[i] == ',')
		i++;
	*pos = i;
	return true;
}

/* Up to max positive ids of a bigint[] cell into out; how many. */
static size_t
cell_ids(const PGresult *res, int row, int col, int64_t *out, size_t max)
{
	const char *s = cell_str(res, row, col);
	char buf[32];
	size_t pos = 0, n = 0;
	bool isnull;
	int64_t id;

	while (s && n < max && array_next(s, &pos, buf, sizeof(buf), &isnull))
		if (!isnull && wr_parse_i64(buf, 1, INT64_MAX, &id) == 0)
			out[n++] = id;
	return n;
}

/* Whether a text[] cell holds word. */
static bool
cell_has(const PGresult *res, int row, int col, const char *word)
{
	const char *s = cell_str(res, row, col);
	char buf[256];
	size_t pos = 0;
	bool isnull;

	while (s && array_next(s, &pos, buf, sizeof(buf), &isnull))
		if (!isnull && strcmp(buf, word) == 0)
			return true;
	return false;
}

/* One character row into ch, as decode_char() reads the same character's
 * JSON (worker_encode_char_rows()): others present only with what their row
 * of values holds.  A group's members are parsed into keep (their names stay
 * there). */
static int
decode_char_row(const PGresult *res, int row, struct game_char *ch, struct json_object *keep, struct wr_error *reterr)
{
	const char *group = cell_str(res, row, CC_GROUP);
	const char *name = cell_str(res, row, CC_NAME);

	*ch = (struct game_char){
		.id = cell_i64(res, row, CC_ID),
		.name = name ? name : "",
		.room_id = cell_i64(res, row, CC_ROOM),
		.instance_id = cell_i64(res, row, CC_INSTANCE),
		.invisible = cell_has(res, row, CC_FLAGS, "invisible"),
		.detect_invisible = cell_has(res, row, CC_FLAGS, "detect_invisible"),
		.light = cell_bool(res, row, CC_LIGHT),
		.group_id = cell_i64(res, row, CC_GROUP_ID),
		.quit = !PQgetisnull(res, row, CC_IN_WORLD) && !cell_bool(res, row, CC_IN_WORLD),
		.afk = cell_bool(res, row, CC_AFK),
		.title = cell_str(res, row, CC_TITLE),
	};
	if (!cell_bool(res, row, CC_FULL))
		return 0;
	ch->description = cell_str(res, row, CC_DESCRIPTION);
	ch->level = cell_i32(res, row, CC_LEVEL);
	ch->hp = cell_i32(res, row, CC_HP);
	ch->max_hp = cell_i32(res, row, CC_MAX_HP);
	ch->gold = cell_i64(res, row, CC_GOLD);
	ch->xp = cell_i64(res, row, CC_XP);
	ch->hp_at_ms = cell_i64(res, row, CC_HP_AT_MS);
	ch->fighting = cell_i64(res, row, CC_FIGHTING);
	ch->fight_id = cell_i64(res, row, CC_FIGHT_ID);
	ch->following = cell_i64(res, row, CC_FOLLOWING);
	ch->group_invite = cell_i64(res, row, CC_GROUP_INVITE);
	ch->carried_weight = cell_i64(res, row, CC_CARRIED_WEIGHT);
	ch->carried_count = cell_i32(res, row, CC_CARRIED_COUNT);
	ch->weighed = cell_bool(res, row, CC_WEIGHED);
	ch->possessions = cell_bool(res, row, CC_POSSESSIONS);
	ch->locked = cell_bool(res, row, CC_LOCKED);
	ch->nfollowers = cell_ids(res, row, CC_FOLLOWERS, ch->followers, GAME_MAX_FOLLOWERS);
	ch->nignoring = cell_ids(res, row, CC_IGNORING, ch->ignoring, GAME_MAX_IGNORE);
	if (cell_has(res, row, CC_MUTED, "gossip"))
		ch->muted |= GAME_CHANNEL_GOSSIP;
	if (cell_has(res, row, CC_MUTED, "ooc"))
		ch->muted |= GAME_CHANNEL_OOC;
	if (group) { /* rare: a locked member of a group */
		struct json_object *g = NULL, *wrap;
		int r = wr_json_parse(group, strlen(group), 4, &g, reterr);

		if (r < 0)
			return r;
		wrap = json_object_new_object();
		json_object_object_add(wrap, "group", g);
		json_object_array_add(keep, wrap);
		worker_decode_group(wrap, ch);
	}
	return 0;
}

int
worker_decode_char_rows(const PGresult *res, struct game_state *st, struct json_object *doc, struct wr_error *reterr)
{
	struct json_object *keep = json_object_new_array();
	int n = PQntuples(res), r = 0;

	/* The groups' names live as long as the document. */
	json_object_object_add(doc, "row_groups", keep);
	if (PQnfields(res) != _CC_MAX)
		return wr_error_set(reterr, -EBADMSG, "internal", "lock_load rows have %d columns, not %d",
				    PQnfields(res), (int) _CC_MAX);
	if (n - 1 > GAME_MAX_CHARS)
		return wr_error_set(reterr, -E2BIG, "internal", "batch touches too many rooms or characters");
	for (int i = 1; i < n && r >= 0; i++)
		r = decode_char_row(res, i, &st->chars[st->nchars++], keep, reterr);
	return r;
}

/* A cell as a JSON value: numbers as they are, booleans, NULL as null. */
static void
json_cell(struct wr_strbuf *sb, const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		wr_strbuf_append(sb, "null", 4);
	else if (PQftype(res, col) == 16 /* boolean */)
		wr_strbuf_puts(sb, PQgetvalue(res, row, col)[0] == 't' ? "true" : "false");
	else
		wr_strbuf_append(sb, PQgetvalue(res, row, col), (size_t) PQgetlength(res, row, col));
}

static void
json_text_cell(struct wr_strbuf *sb, const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		wr_strbuf_puts(sb, "null");
	else
		wr_strbuf_json_str(sb, PQgetvalue(res, row, col));
}

/* A text[] or bigint[] cell as a JSON array (strings or numbers). */
static void
json_array_cell(struct wr_strbuf *sb, const PGresult *res, int row, int col, bool strings)
{
	const char *s = cell_str(res, row, col);
	char buf[1024];
	size_t pos = 0;
	bool isnull, first = true;

	if (!s) {
		wr_strbuf_puts(sb, "null");
		return;
	}
	wr_strbuf_puts(sb, "[");
	while (array_next(s, &pos, buf, sizeof(buf), &isnull)) {
		if (!first)
			wr_strbuf_puts(sb, ",");
		first = false;
		if (isnull)
			wr_strbuf_puts(sb, "null");
		else if (strings)
			wr_strbuf_json_str(sb, buf);
		else
			wr_strbuf_puts(sb, buf);
	}
	wr_strbuf_puts(sb, "]");
}

/* The members of a full character's object, in wr_lock_load's order. */
static const struct {
	const char *key;
	enum char_col col;
	char kind; /* v: a value, s: text, a: text[], i: bigint[], j: json */
} char_members[] = {
	{"id", CC_ID, 'v'},
	{"name", CC_NAME, 's'},
	{"room_id", CC_ROOM, 'v'},
	{"instance_id", CC_INSTANCE, 'v'},
	{"level", CC_LEVEL, 'v'},
	{"hp", CC_HP, 'v'},
	{"max_hp", CC_MAX_HP, 'v'},
	{"gold", CC_GOLD, 'v'},
	{"flags", CC_FLAGS, 'a'},
	{"light", CC_LIGHT, 'v'},
	{"xp", CC_XP, 'v'},
	{"hp_at_ms", CC_HP_AT_MS, 'v'},
	{"fighting", CC_FIGHTING, 'v'},
	{"fight_id", CC_FIGHT_ID, 'v'},
	{"following", CC_FOLLOWING, 'v'},
	{"followers", CC_FOLLOWERS, 'i'},
	{"group_id", CC_GROUP_ID, 'v'},
	{"group_invite", CC_GROUP_INVITE, 'v'},
	{"group", CC_GROUP, 'j'},
	{"locked", CC_LOCKED, 'v'},
	{"in_world", CC_IN_WORLD, 'v'},
	{"afk", CC_AFK, 'v'},
	{"title", CC_TITLE, 's'},
	{"muted", CC_MUTED, 'a'},
	{"ignoring", CC_IGNORING, 'i'},
	{"description", CC_DESCRIPTION, 's'},
	{"carried_weight", CC_CARRIED_WEIGHT, 'v'},
	{"weighed", CC_WEIGHED, 'v'},
	{"possessions", CC_POSSESSIONS, 'v'},
	{"carried_count", CC_CARRIED_COUNT, 'v'},
};

/* Others present: their row of values (worker/world.c's other_keys). */
static const struct {
	enum char_col col;
	char kind;
} other_members[] = {{CC_ID, 'v'},    {CC_NAME, 's'},     {CC_ROOM, 'v'},     {CC_INSTANCE, 'v'}, {CC_FLAGS, 'a'},
		     {CC_LIGHT, 'v'}, {CC_GROUP_ID, 'v'}, {CC_IN_WORLD, 'v'}, {CC_AFK, 'v'},      {CC_TITLE, 's'}};

static void
json_member_cell(struct wr_strbuf *sb, const PGresult *res, int row, int col, char kind)
{
	switch (kind) {
	case 's':
		json_text_cell(sb, res, row, col);
		break;
	case 'a':
	case 'i':
		json_array_cell(sb, res, row, col, kind == 'a');
		break;
	case 'j':
		wr_strbuf_puts(sb, PQgetisnull(res, row, col) ? "null" : PQgetvalue(res, row, col));
		break;
	default:
		json_cell(sb, res, row, col);
	}
}

void
worker_encode_char_rows(struct wr_strbuf *sb, const PGresult *res)
{
	wr_strbuf_puts(sb, "[");
	for (int i = 1; i < PQntuples(res); i++) {
		if (i > 1)
			wr_strbuf_puts(sb, ",");
		if (cell_bool(res, i, CC_FULL)) {
			for (size_t k = 0; k < WR_ELEMENTSOF(char_members); k++) {
				wr_strbuf_append(sb, k ? ",\"" : "{\"", 2);
				wr_strbuf_puts(sb, char_members[k].key);
				wr_strbuf_append(sb, "\":", 2);
				json_member_cell(sb, res, i, char_members[k].col, char_members[k].kind);
			}
			wr_strbuf_puts(sb, "}");
			continue;
		}
		for (size_t k = 0; k < WR_ELEMENTSOF(other_members); k++) {
			wr_strbuf_puts(sb, k ? "," : "[");
			json_member_cell(sb, res, i, other_members[k].col, other_members[k].kind);
		}
		wr_strbuf_puts(sb, "]");
	}
	wr_strbuf_puts(sb, "]");
}

void
worker_encode_state_text(struct wr_strbuf *sb, const PGresult *res)
{
	const char *doc = PQgetvalue(res, 0, CC_DOC), *end = doc + PQgetlength(res, 0, CC_DOC);

	/* The document as wr_lock_load builds it without reads.rows: its
	 * characters in front (the journal's readers find them by name). */
	wr_strbuf_puts(sb, "{\"characters\":");
	worker_encode_char_rows(sb, res);
	wr_strbuf_puts(sb, ",");
	while (*doc == ' ' || *doc == '\n')
		doc++;
	if (*doc == '{')
		doc++;
	wr_strbuf_append(sb, doc, (size_t) (end - doc));
}

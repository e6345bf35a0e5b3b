/* SPDX-License-Identifier: MIT */
/*
 * telnet-render.c: frames to what a MUD client shows (telnet.c has the
 * design).  An event becomes the viewer's text (text_self, text_target or
 * text, docs/protocol.md "Events"), word-wrapped to the NAWS width with
 * \r\n line ends and ANSI colour unless switched off, plus the GMCP
 * messages its structured data makes: Room.Info, Char.Vitals, Char.Status,
 * Char.Items.List, Comm.Channel.Text.  Welcome, result and error frames
 * become lines; subscribed/unsubscribed frames move the resume positions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "game/rules.h"
#include "publisher/telnet-private.h"

/* Output ------------------------------------------------------------------- */

/* Data bytes (IAC escaped by libtelnet); \n becomes \r\n. */
void
tn_send_text(struct pub_conn *c, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n' || (i > 0 && s[i - 1] == '\r'))
			continue;
		telnet_send(c->telnet->tn, s + start, i - start);
		telnet_send(c->telnet->tn, "\r\n", 2);
		start = i + 1;
	}
	if (start < n)
		telnet_send(c->telnet->tn, s + start, n - start);
	if (n > 0)
		c->telnet->prompt_open = false;
}

void
tn_puts(struct pub_conn *c, const char *s)
{
	tn_send_text(c, s, strlen(s));
	lws_callback_on_writable(c->wsi);
}

/* Display columns of a UTF-8 run: one per code point (no East Asian widths). */
static size_t
columns(const char *s, size_t n)
{
	size_t cols = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char) s[i] & 0xC0) != 0x80)
			cols++;
	return cols;
}

/* Bytes of the first max columns of s[0..n), never cutting a code point. */
static size_t
columns_prefix(const char *s, size_t n, size_t max)
{
	size_t cols = 0, i = 0;

	while (i < n) {
		size_t j = i + 1;

		while (j < n && ((unsigned char) s[j] & 0xC0) == 0x80)
			j++;
		if (cols + 1 > max)
			break;
		cols++;
		i = j;
	}
	return i ? i : n;
}

static void
put_line(struct wr_strbuf *sb, const char *s, size_t n, const char *colour)
{
	if (colour)
		wr_strbuf_puts(sb, colour);
	wr_strbuf_append(sb, s, n);
	if (colour)
		wr_strbuf_puts(sb, ANSI_RESET);
	wr_strbuf_puts(sb, "\r\n");
}

/*
 * Appends text word-wrapped to width columns, each line ending in \r\n and
 * coloured on its own (so a wrapped line never carries an open colour).
 */
static void
wrap_text(struct wr_strbuf *sb, const char *text, size_t width, const char *colour)
{
	const char *p = text;

	do {
		size_t len = strcspn(p, "\n");
		const char *end = p + len, *line = p;

		if (len > 0 && end[-1] == '\r')
			end--;
		if (line == end)
			put_line(sb, "", 0, NULL);
		while (line < end) {
			const char *brk = NULL, *q = line;
			size_t cols = 0;

			/* The longest run of whole words that fits. */
			while (q < end) {
				const char *w = q;

				while (w < end && *w == ' ')
					w++;
				while (w < end && *w != ' ')
					w++;
				if (cols + columns(q, (size_t) (w - q)) > width)
					break;
				cols += columns(q, (size_t) (w - q));
				q = w;
				brk = q;
			}
			if (!brk) /* one word wider than the line: cut it */
				brk = line + columns_prefix(line, (size_t) (end - line), width);
			put_line(sb, line, (size_t) (brk - line), colour);
			line = brk;
			while (line < end && *line == ' ')
				line++;
		}
		p += len;
	} while (*p++ == '\n' && *p);
}

/* Wrapped text to the client, in colour unless it is switched off. */
void
tn_text(struct pub_conn *c, const char *text, const char *colour)
{
	struct pub_telnet_conn *t = c->telnet;
	struct wr_strbuf sb = WR_STRBUF_INIT;

	if (t->prompt_open)
		wr_strbuf_puts(&sb, "\r\n");
	wrap_text(&sb, text, (size_t) t->width, t->colour ? colour : NULL);
	telnet_send(t->tn, sb.buf, sb.len);
	t->prompt_open = false;
	t->printed = true;
	wr_strbuf_done(&sb);
}

static bool
supported(const struct pub_telnet_conn *t, const char *package)
{
	if (!t->gmcp)
		return false;
	if (!t->supports_given)
		return true;
	for (int i = 0; i < TN_MAX_SUPPORTS && t->supports[i][0]; i++) {
		size_t n = strlen(t->supports[i]);

		/* "Char" covers Char.Vitals; "Char.Items" covers Char.Items.List. */
		if (strncmp(package, t->supports[i], n) == 0 && (package[n] == '.' || package[n] == '\0'))
			return true;
	}
	return false;
}

/* Sends "package json" when the client takes it. */
void
tn_gmcp(struct pub_conn *c, const char *package, const char *json)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;

	if (!supported(c->telnet, package))
		return;
	wr_strbuf_printf(&sb, "%s%s%s", package, json ? " " : "", json ? json : "");
	telnet_subnegotiation(c->telnet->tn, TN_TELOPT_GMCP, sb.buf, sb.len);
	wr_strbuf_done(&sb);
}

static void
gmcp_obj(struct pub_conn *c, const char *package, struct json_object *obj)
{
	if (supported(c->telnet, package))
		tn_gmcp(c, package, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
}

static int64_t
hp_now(const struct pub_telnet_conn *t)
{
	return game_regen((int32_t) t->v.hp, (int32_t) t->v.max_hp, t->v.hp_at_ms, wr_now_ms());
}

void
tn_gmcp_vitals(struct pub_conn *c)
{
	struct pub_telnet_conn *t = c->telnet;
	char buf[96];

	if (!t->vitals_known)
		return;
	snprintf(buf, sizeof(buf), "{\"hp\":%lld,\"maxhp\":%lld}", (long long) hp_now(t), (long long) t->v.max_hp);
	tn_gmcp(c, "Char.Vitals", buf);
}

void
tn_gmcp_status(struct pub_conn *c)
{
	struct pub_telnet_conn *t = c->telnet;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(c->char_name ? c->char_name : ""));
	if (t->vitals_known) {
		json_object_object_add(o, "level", json_object_new_int64(t->v.level));
		json_object_object_add(o, "xp", json_object_new_int64(t->v.xp));
		json_object_object_add(o, "gold", json_object_new_int64(t->v.gold));
	}
	gmcp_obj(c, "Char.Status", o);
}

void
tn_load_vitals(struct pub_conn *c)
{
	struct wr_error err = {0};

	if (pub_store_vitals(&c->pub->store, c->char_id, &c->telnet->v, &err) < 0) {
		log_info_ctx(c->logctx, "could not read vitals: %s", err.msg);
		return;
	}
	c->telnet->vitals_known = true;
}

void
tn_prompt(struct pub_conn *c)
{
	struct pub_telnet_conn *t = c->telnet;
	char buf[128];

	if (t->vitals_known)
		snprintf(buf, sizeof(buf), "%s<%lld/%lldhp>%s ", t->colour ? ANSI_PROMPT : "", (long long) hp_now(t),
			 (long long) t->v.max_hp, t->colour ? ANSI_RESET : "");
	else
		snprintf(buf, sizeof(buf), "> ");
	telnet_send(t->tn, buf, strlen(buf));
	/* Go ahead: MUD clients take what came before it as the prompt. */
	telnet_iac(t->tn, TELNET_GA);
	t->prompt_open = true;
	t->printed = false;
}

/* Rendering ---------------------------------------------------------------- */

static const char *
str_of(struct json_object *obj, const char *key)
{
	struct json_object *v = wr_json_member(obj, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

static bool
i64_of(struct json_object *obj, const char *key, int64_t *ret)
{
	struct json_object *v = wr_json_member(obj, key, json_type_int);

	if (!v)
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

static struct tn_pos *
pos_find(struct pub_telnet_conn *t, const char *stream, bool add)
{
	struct tn_pos *free_slot = NULL;

	for (int i = 0; i < PUB_MAX_SUBS; i++) {
		if (strcmp(t->pos[i].stream, stream) == 0)
			return &t->pos[i];
		if (!t->pos[i].stream[0] && !free_slot)
			free_slot = &t->pos[i];
	}
	if (add && free_slot && strlen(stream) < PUB_STREAM_NAME) {
		snprintf(free_slot->stream, sizeof(free_slot->stream), "%s", stream);
		return free_slot;
	}
	return NULL;
}

static const char *
short_dir(const char *dir)
{
	static const char *const dirs[][2] = {
		{"north", "n"}, {"south", "s"},      {"east", "e"},       {"west", "w"},       {"up", "u"},
		{"down", "d"},  {"northeast", "ne"}, {"northwest", "nw"}, {"southeast", "se"}, {"southwest", "sw"},
	};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strcmp(dir, dirs[i][0]) == 0)
			return dirs[i][1];
	return dir;
}

/* The room's zone and exit targets, cached for TN_ROOM_CACHE_MS. */
static const struct pub_room_map *
room_map(struct pub *p, int64_t room_id)
{
	struct pub_telnet *pt = p->telnet;
	struct tn_room **bucket = &pt->rooms[(uint64_t) room_id % TN_ROOM_BUCKETS], *r;
	struct wr_error err = {0};
	int64_t now = wr_mono_ms();

	for (r = *bucket; r; r = r->next)
		if (r->map.room_id == room_id && now - r->fetched_ms < TN_ROOM_CACHE_MS)
			return &r->map;
	if (!p->db_up)
		return NULL;
	if (!r) {
		if (pt->nrooms >= TN_ROOM_CACHE_MAX) /* a world this big: start over rather than grow */
			for (size_t b = 0; b < TN_ROOM_BUCKETS; b++)
				while (pt->rooms[b]) {
					struct tn_room *x = pt->rooms[b];

					pt->rooms[b] = x->next;
					free(x);
					pt->nrooms--;
				}
		for (r = *bucket; r && r->map.room_id != room_id; r = r->next)
			;
		if (!r) {
			r = wr_xcalloc(1, sizeof(*r));
			r->next = *bucket;
			*bucket = r;
			pt->nrooms++;
		}
	}
	if (pub_store_room_map(&p->store, room_id, &r->map, &err) < 0) {
		if (err.code != -ENOENT)
			pub_db_failed(p, &err);
		r->fetched_ms = 0;
		return NULL;
	}
	r->fetched_ms = now;
	return &r->map;
}

static struct json_object *
items_json(struct json_object *list)
{
	struct json_object *arr = json_object_new_array();
	size_t n = list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *it = json_object_array_get_idx(list, i), *o;
		const char *name = str_of(it, "name");
		int64_t id = 0, q = 1;
		char ids[24];

		if (!name || !i64_of(it, "id", &id))
			continue;
		(void) i64_of(it, "quantity", &q);
		o = json_object_new_object();
		snprintf(ids, sizeof(ids), "%lld", (long long) id);
		json_object_object_add(o, "id", json_object_new_string(ids));
		json_object_object_add(o, "name", json_object_new_string(name));
		if (q > 1)
			json_object_object_add(o, "quantity", json_object_new_int64(q));
		json_object_array_add(arr, o);
	}
	return arr;
}

static void
gmcp_items(struct pub_conn *c, const char *location, struct json_object *list)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "location", json_object_new_string(location));
	json_object_object_add(o, "items", items_json(list));
	gmcp_obj(c, "Char.Items.List", o);
}

/* Char.Items.Add or .Remove of the inventory, one message per item moved. */
static void
gmcp_inv_change(struct pub_conn *c, const char *package, struct json_object *list)
{
	struct json_object *arr;
	size_t n;

	if (!supported(c->telnet, package))
		return;
	arr = items_json(list);
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "location", json_object_new_string("inv"));
		json_object_object_add(o, "item", json_object_get(json_object_array_get_idx(arr, i)));
		gmcp_obj(c, package, o);
	}
	json_object_put(arr);
}

static void
gmcp_room(struct pub_conn *c, struct json_object *room)
{
	const struct pub_room_map *map;
	struct json_object *o, *exits, *list;
	int64_t id = 0;
	size_t n;

	if (!room || !i64_of(room, "id", &id) || !supported(c->telnet, "Room.Info"))
		return;
	map = room_map(c->pub, id);
	o = json_object_new_object();
	exits = json_object_new_object();
	json_object_object_add(o, "num", json_object_new_int64(id));
	json_object_object_add(o, "name", json_object_new_string(str_of(room, "name") ? str_of(room, "name") : ""));
	json_object_object_add(o, "area", json_object_new_string(map ? map->zone : ""));
	/* The exits the viewer sees (none in the dark), with where they lead. */
	list = wr_json_member(room, "exits", json_type_array);
	n = list ? json_object_array_length(list) : 0;
	for (size_t i = 0; i < n; i++) {
		const char *dir = json_object_get_string(json_object_array_get_idx(list, i));

		for (int e = 0; map && dir && e < map->nexits; e++)
			if (strcmp(map->exits[e].dir, dir) == 0)
				json_object_object_add(exits, short_dir(dir), json_object_new_int64(map->exits[e].to));
	}
	json_object_object_add(o, "exits", exits);
	gmcp_obj(c, "Room.Info", o);
}

static void
gmcp_channel(struct pub_conn *c, const char *channel, const char *talker, const char *text)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "channel", json_object_new_string(channel));
	json_object_object_add(o, "talker", json_object_new_string(talker ? talker : "Someone"));
	json_object_object_add(o, "text", json_object_new_string(text));
	gmcp_obj(c, "Comm.Channel.Text", o);
}

static const char *
event_colour(const char *type)
{
	if (!strcmp(type, "Said") || !strcmp(type, "Shouted") || !strcmp(type, "Emoted"))
		return ANSI_TALK;
	if (!strcmp(type, "Told"))
		return ANSI_TELL;
	if (!strcmp(type, "DamageDealt") || !strcmp(type, "CharacterDied") || !strcmp(type, "ActionRejected"))
		return ANSI_HIT;
	return NULL;
}

/* What the structured data of an event changes: vitals, GMCP. */
static void
event_data(struct pub_conn *c, const char *type, struct json_object *data, const char *text, bool mine)
{
	struct pub_telnet_conn *t = c->telnet;
	struct json_object *items = wr_json_member(data, "items", json_type_array);
	const char *kind;
	int64_t id = 0;
	bool vitals = false, status = false;

	/* What leaves or joins the inventory (Char.Items.List comes with "inventory"). */
	if (items && mine && !strcmp(type, "ItemTaken"))
		gmcp_inv_change(c, "Char.Items.Add", items);
	else if (items && mine &&
		 (!strcmp(type, "ItemDropped") || !strcmp(type, "ItemPut") || !strcmp(type, "ItemGiven")))
		gmcp_inv_change(c, "Char.Items.Remove", items);
	else if (items && !mine && !strcmp(type, "ItemGiven") && i64_of(data, "target_id", &id) && id == c->char_id)
		gmcp_inv_change(c, "Char.Items.Add", items);

	if (!strcmp(type, "RoomDescribed")) {
		struct json_object *room = wr_json_member(data, "room", json_type_object);

		gmcp_room(c, room);
		if (room)
			gmcp_items(c, "room", wr_json_member(room, "items", json_type_array));
	} else if (!strcmp(type, "DamageDealt")) {
		kind = str_of(data, "target_kind");
		if (kind && !strcmp(kind, "char") && i64_of(data, "target_id", &id) && id == c->char_id &&
		    i64_of(data, "hp", &t->v.hp) && i64_of(data, "max_hp", &t->v.max_hp)) {
			t->v.hp_at_ms = wr_now_ms();
			vitals = true;
		}
	} else if (!strcmp(type, "Score")) {
		(void) i64_of(data, "hp", &t->v.hp);
		(void) i64_of(data, "max_hp", &t->v.max_hp);
		(void) i64_of(data, "level", &t->v.level);
		(void) i64_of(data, "gold", &t->v.gold);
		(void) i64_of(data, "xp", &t->v.xp);
		t->v.hp_at_ms = wr_now_ms();
		vitals = status = true;
	} else if (!strcmp(type, "LevelGained")) {
		(void) i64_of(data, "level", &t->v.level);
		(void) i64_of(data, "max_hp", &t->v.max_hp);
		vitals = status = true;
	} else if (!strcmp(type, "ExperienceGained")) {
		(void) i64_of(data, "total", &t->v.xp);
		status = true;
	} else if (!strcmp(type, "CharacterDied") && i64_of(data, "target_id", &id) && id == c->char_id) {
		tn_load_vitals(c);
		vitals = status = true;
	} else if (!strcmp(type, "Inventory")) {
		gmcp_items(c, "inv", wr_json_member(data, "items", json_type_array));
	} else if (!strcmp(type, "Said")) {
		gmcp_channel(c, "say", str_of(data, "speaker"), text);
	} else if (!strcmp(type, "Emoted")) {
		gmcp_channel(c, "emote", str_of(data, "actor_name"), text);
	} else if (!strcmp(type, "Told")) {
		gmcp_channel(c, "tell", str_of(data, "speaker"), text);
	} else if (!strcmp(type, "Shouted")) {
		gmcp_channel(c, "shout", str_of(data, "speaker"), text);
	} else if (!strcmp(type, "Gossiped") || !strcmp(type, "OocSaid")) { /* issue 17 */
		gmcp_channel(c, str_of(data, "channel") ? str_of(data, "channel") : "gossip", str_of(data, "speaker"),
			     text);
	} else if (!strcmp(type, "CharacterQuit") && i64_of(data, "character_id", &id) && id == c->char_id) {
		/* issue 17: the character left the world: goodbye, after what is queued. */
		pub_conn_close(c, LWS_CLOSE_STATUS_NORMAL, "Goodbye.");
	}
	if (vitals)
		tn_gmcp_vitals(c);
	if (status)
		tn_gmcp_status(c);
}

static bool
unseen_mine(struct pub_telnet_conn *t, int64_t ref)
{
	for (int i = 0; i < TN_UNSEEN_REFS; i++)
		if (t->unseen[i] == ref)
			return true;
	return false;
}

static void
render_event(struct pub_conn *c, struct json_object *f)
{
	struct pub_telnet_conn *t = c->telnet;
	struct json_object *data = wr_json_member(f, "data", json_type_object);
	const char *stream = str_of(f, "stream"), *type = str_of(f, "event"), *actor = str_of(f, "actor");
	const char *text = NULL, *colour;
	struct tn_pos *pos;
	int64_t seq = 0, target = 0, ref = 0;
	bool own = stream && !strcmp(stream, c->char_key);

	if (!stream || !type || !data || !i64_of(f, "seq", &seq))
		return;
	pos = pos_find(t, stream, true);
	if (pos)
		pos->seq = seq;
	/* docs/protocol.md "Events of someone unseen": our own copy came first. */
	if (i64_of(data, "unseen_ref", &ref)) {
		if (own) {
			t->unseen[t->unseen_next] = ref;
			t->unseen_next = (t->unseen_next + 1) % TN_UNSEEN_REFS;
		} else if (unseen_mine(t, ref)) {
			return;
		}
	}
	if (actor && (!strcmp(actor, c->char_key) ||
		      (!strncmp(actor, c->char_key, strlen(c->char_key)) && actor[strlen(c->char_key)] == ':')))
		text = str_of(data, "text_self");
	if (!text && i64_of(data, "target_id", &target) && target == c->char_id)
		text = str_of(data, "text_target");
	if (!text)
		text = str_of(data, "text");
	if (text && *text) {
		colour = event_colour(type);
		if (!strcmp(type, "RoomDescribed")) {
			/* The room's name, in colour, then the rest. */
			size_t n = strcspn(text, "\n");
			char *name = wr_xstrndup(text, n);

			tn_text(c, name, ANSI_ROOM);
			if (text[n] == '\n' && text[n + 1])
				tn_text(c, text + n + 1, NULL);
			free(name);
		} else {
			tn_text(c, text, colour);
		}
	}
	event_data(c, type, data, text ? text : "", actor && !strcmp(actor, c->char_key));
}

static void
render_welcome(struct pub_conn *c, struct json_object *f)
{
	struct pub_telnet_conn *t = c->telnet;
	struct json_object *streams = wr_json_member(f, "streams", json_type_object);
	struct json_object *cannot = wr_json_member(f, "cannot_resume", json_type_array);
	struct wr_strbuf sb = WR_STRBUF_INIT;
	size_t n = cannot ? json_object_array_length(cannot) : 0;

	if (streams) {
		json_object_object_foreach (streams, key, val) {
			struct tn_pos *pos = pos_find(t, key, true);

			if (pos)
				pos->seq = json_object_get_int64(val);
		}
	}
	wr_strbuf_printf(&sb, "Welcome, %s.", c->char_name ? c->char_name : "admin");
	tn_text(c, sb.buf, ANSI_SYSTEM);
	wr_strbuf_reset(&sb);
	if (t->resuming && n == 0) {
		tn_text(c, "Resuming: here is what happened while you were away.", ANSI_SYSTEM);
	} else if (t->resuming) {
		wr_strbuf_puts(&sb, "What happened while you were away could not all be replayed (");
		for (size_t i = 0; i < n; i++)
			wr_strbuf_printf(&sb, "%s%s", i ? ", " : "",
					 json_object_get_string(json_object_array_get_idx(cannot, i)));
		wr_strbuf_puts(&sb, "): you see the world as it is now.");
		tn_text(c, sb.buf, ANSI_SYSTEM);
	}
	wr_strbuf_done(&sb);
}

static void
render_result(struct pub_conn *c, struct json_object *f)
{
	struct json_object *err = wr_json_member(f, "error", json_type_object);
	struct json_object *alias = wr_json_member(f, "alias", json_type_object);
	struct json_object *aliases = wr_json_member(f, "aliases", json_type_object);
	struct wr_strbuf sb = WR_STRBUF_INIT;

	if (err && str_of(err, "message")) {
		tn_text(c, str_of(err, "message"), ANSI_ERROR);
	} else if (alias && str_of(alias, "name")) {
		wr_strbuf_printf(&sb, "Alias %s = %s", str_of(alias, "name"),
				 str_of(alias, "expansion") ? str_of(alias, "expansion") : "(removed)");
		tn_text(c, sb.buf, ANSI_SYSTEM);
	} else if (aliases) {
		wr_strbuf_puts(&sb, "Your aliases:");
		json_object_object_foreach (aliases, key, val)
			wr_strbuf_printf(&sb, "\n  %s = %s", key, json_object_get_string(val));
		if (json_object_object_length(aliases) == 0)
			wr_strbuf_puts(&sb, " none.");
		tn_text(c, sb.buf, ANSI_SYSTEM);
	}
	wr_strbuf_done(&sb);
}

/* One frame of the outbox, as text and GMCP. */
void
tn_render(struct pub_conn *c, struct pub_frame *fr)
{
	struct pub_telnet_conn *t = c->telnet;
	struct wr_error err = {0};
	const char *type, *stream;

	if (!fr->parsed && wr_json_parse((const char *) fr->data + LWS_PRE, fr->len, 64, &fr->parsed, &err) < 0) {
		log_bug_self("telnet: a frame did not parse: %s", err.msg);
		return;
	}
	type = str_of(fr->parsed, "type");
	stream = str_of(fr->parsed, "stream");
	if (!type)
		return;
	if (!strcmp(type, "event")) {
		render_event(c, fr->parsed);
	} else if (!strcmp(type, "welcome")) {
		render_welcome(c, fr->parsed);
	} else if (!strcmp(type, "result")) {
		render_result(c, fr->parsed);
	} else if (!strcmp(type, "error")) {
		tn_text(c, str_of(fr->parsed, "message") ? str_of(fr->parsed, "message") : "error", ANSI_ERROR);
	} else if (!strcmp(type, "subscribed") && stream) {
		struct tn_pos *pos = pos_find(t, stream, true);
		int64_t after = 0;

		if (pos && i64_of(fr->parsed, "after", &after))
			pos->seq = after;
	} else if (!strcmp(type, "unsubscribed") && stream) {
		struct tn_pos *pos = pos_find(t, stream, false);

		if (pos)
			pos->stream[0] = '\0';
	}
}

const char *
tn_goodbye(const struct pub_conn *c)
{
	switch (c->close_code) {
	case PUB_CLOSE_SLOW:
		return "Too much output was waiting for you, closing. Log in again soon to get what you missed.";
	case PUB_CLOSE_TRY_AGAIN:
		return "The server is having database trouble, closing. Log in again in a moment.";
	case PUB_CLOSE_UNAUTHORIZED:
		return "Your token is no longer valid, closing.";
	case LWS_CLOSE_STATUS_GOINGAWAY:
		return "The server is shutting down, closing. Log in again in a moment.";
	default:
		return c->close_reason;
	}
}

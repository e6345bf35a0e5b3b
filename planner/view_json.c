/* SPDX-License-Identifier: MIT */
#include "planner/view_json.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"

/* ---- views -------------------------------------------------------------------- */

static void
copy_str(char *dst, size_t n, struct json_object *obj, const char *key)
{
	struct json_object *v = wr_json_member(obj, key, json_type_string);

	snprintf(dst, n, "%s", v ? json_object_get_string(v) : "");
}

static const struct {
	const char *name;
	uint32_t flag;
} flag_names[] = {
	{"container", PLANNER_F_CONTAINER}, {"closed", PLANNER_F_CLOSED},     {"locked", PLANNER_F_LOCKED},
	{"money", PLANNER_F_MONEY},         {"wearable", PLANNER_F_WEARABLE}, {"weapon", PLANNER_F_WEAPON},
	{"shop", PLANNER_F_SHOP},
};

static int
decode_seen(struct json_object *o, struct planner_seen *s)
{
	static const char *const kinds[] = {"char", "mob", "item"};
	static const char *const wheres[] = {"room", "carried", "worn", "inside"};
	struct json_object *flags = wr_json_member(o, "flags", json_type_array);
	const char *kind = NULL, *where = NULL;
	int k = -1, w = -1;

	*s = (struct planner_seen){.quantity = 1};
	if (wr_json_get_i64(o, "id", 1, INT64_MAX, &s->id, NULL) < 0 ||
	    wr_json_get_str(o, "kind", 8, &kind, NULL) < 0 || wr_json_get_str(o, "where", 8, &where, NULL) < 0 ||
	    wr_json_opt_i64(o, "inside", 0, INT64_MAX, &s->inside, NULL) < 0 ||
	    wr_json_opt_i64(o, "quantity", 1, INT64_MAX, &s->quantity, NULL) < 0)
		return -EBADMSG;
	for (int i = 0; i < 3; i++)
		if (strcmp(kind, kinds[i]) == 0)
			k = i;
	for (int i = 0; i < 4; i++)
		if (strcmp(where, wheres[i]) == 0)
			w = i;
	if (k < 0 || w < 0 || (w == PLANNER_INSIDE && s->inside <= 0))
		return -EBADMSG;
	s->kind = (enum planner_kind) k;
	s->where = (enum planner_where) w;
	copy_str(s->name, sizeof(s->name), o, "name");
	copy_str(s->keywords, sizeof(s->keywords), o, "keywords");
	copy_str(s->slot, sizeof(s->slot), o, "slot");
	if (!s->keywords[0]) {
		size_t n = strnlen(s->name, sizeof(s->keywords) - 1);

		memcpy(s->keywords, s->name, n);
		s->keywords[n] = '\0';
	}
	for (size_t i = 0, n = flags ? json_object_array_length(flags) : 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(flags, i);

		for (size_t j = 0; f && json_object_is_type(f, json_type_string) && j < WR_ELEMENTSOF(flag_names); j++)
			if (strcmp(json_object_get_string(f), flag_names[j].name) == 0)
				s->flags |= flag_names[j].flag;
	}
	return 0;
}

int
planner_view_from_json(struct json_object *elem, struct planner_view *ret)
{
	static const char *const doors[] = {"none", "open", "closed", "locked"};
	struct planner_view *v = ret;
	struct json_object *exits, *dj, *seen;

	memset(v, 0, sizeof(*v));
	if (wr_json_get_i64(elem, "character_id", 1, INT64_MAX, &v->character_id, NULL) < 0 ||
	    wr_json_get_i64(elem, "account_id", 1, INT64_MAX, &v->account_id, NULL) < 0 ||
	    wr_json_get_i64(elem, "instance_id", 1, INT64_MAX, &v->instance_id, NULL) < 0 ||
	    wr_json_get_i64(elem, "room_id", 1, INT64_MAX, &v->room_id, NULL) < 0 ||
	    wr_json_opt_i64(elem, "gold", 0, INT64_MAX, &v->gold, NULL) < 0)
		return -EBADMSG;
	exits = wr_json_member(elem, "exits", json_type_object);
	if (!exits)
		return -EBADMSG;
	json_object_object_foreach (exits, key, val) {
		enum game_dir d = game_dir_from_string(key);

		(void) val;
		/* The exits table only allows the ten direction names. */
		if (d < 0 || wr_json_get_i64(exits, key, 1, INT64_MAX, &v->exits[d], NULL) < 0)
			return -EBADMSG;
	}
	dj = wr_json_member(elem, "doors", json_type_object);
	if (dj) {
		json_object_object_foreach (dj, dkey, dval) {
			enum game_dir d = game_dir_from_string(dkey);
			const char *st =
				json_object_is_type(dval, json_type_string) ? json_object_get_string(dval) : "";

			if (d < 0)
				return -EBADMSG;
			for (int i = 0; i < 4; i++)
				if (strcmp(st, doors[i]) == 0)
					v->doors[d] = (enum planner_door) i;
		}
	}
	dj = wr_json_member(elem, "door_names", json_type_object);
	if (dj) {
		json_object_object_foreach (dj, nkey, nval) {
			enum game_dir d = game_dir_from_string(nkey);

			if (d < 0)
				return -EBADMSG;
			if (json_object_is_type(nval, json_type_string))
				snprintf(v->door_names[d], sizeof(v->door_names[d]), "%s",
					 json_object_get_string(nval));
		}
	}
	/* issue 13: the room's custom commands. */
	dj = wr_json_member(elem, "commands", json_type_array);
	for (size_t i = 0, n = dj ? json_object_array_length(dj) : 0; i < n && v->ncommands < PLANNER_MAX_COMMANDS;
	     i++) {
		struct json_object *c = json_object_array_get_idx(dj, i);

		if (json_object_is_type(c, json_type_string) && json_object_get_string_len(c) < PLANNER_MAX_COMMAND)
			snprintf(v->commands[v->ncommands++], PLANNER_MAX_COMMAND, "%s", json_object_get_string(c));
	}
	seen = wr_json_member(elem, "seen", json_type_array);
	for (size_t i = 0, n = seen ? json_object_array_length(seen) : 0; i < n && v->nseen < PLANNER_MAX_VIEW; i++)
		if (decode_seen(json_object_array_get_idx(seen, i), &v->seen[v->nseen++]) < 0)
			return -EBADMSG;
	return 0;
}

/* ---- actions -------------------------------------------------------------------- */

static void
ids(struct wr_strbuf *sb, const char *key, const int64_t *id, size_t n)
{
	wr_strbuf_printf(sb, ",\"%s\":", key);
	wr_strbuf_json_ids(sb, id, n);
}

static void
opt_id(struct wr_strbuf *sb, const char *key, int64_t id)
{
	if (id)
		wr_strbuf_printf(sb, ",\"%s\":%" PRId64, key, id);
}

void
planner_action_to_json(struct wr_strbuf *sb, const struct planner_action *a)
{
	wr_strbuf_puts(sb, "\"args\":");
	planner_command_to_json(sb, a->cmd);
	wr_strbuf_printf(sb, ",\"plan\":{\"room\":%" PRId64, a->room_id);
	if (a->verb == GAME_VERB_MOVE)
		wr_strbuf_printf(sb, ",\"to\":%" PRId64, a->to_room_id);
	else
		opt_id(sb, "to", a->to_room_id);
	if (a->has_dir && a->verb != GAME_VERB_MOVE)
		wr_strbuf_printf(sb, ",\"dir\":\"%s\"", game_dir_to_string(a->dir));
	opt_id(sb, "target", a->target_char);
	opt_id(sb, "mob", a->target_mob);
	opt_id(sb, "container", a->container_id);
	opt_id(sb, "pile", a->pile_id);
	if (a->nitems)
		ids(sb, "items", a->items, a->nitems);
	opt_id(sb, "amount", a->amount);
	wr_strbuf_puts(sb, "}");
	ids(sb, "lock_instances", a->lock_instances, a->nlock_instances);
	ids(sb, "lock_rooms", a->lock_rooms, a->nlock_rooms);
	ids(sb, "lock_characters", a->lock_characters, a->nlock_characters);
	ids(sb, "lock_mobs", a->lock_mobs, a->nlock_mobs);
	ids(sb, "lock_items", a->lock_items, a->nlock_items);
}

/* ---- commands ------------------------------------------------------------------- */

static int
target_from_string(const char *s, struct planner_target *t, struct wr_error *reterr)
{
	char buf[PLANNER_MAX_WORD + 24], *word = buf;
	int64_t qty = 0;
	char *sp;
	int r;

	if (strlen(s) >= sizeof(buf))
		return wr_error_set(reterr, -E2BIG, "too_long", "target \"%.32s...\" is too long", s);
	snprintf(buf, sizeof(buf), "%s", s);
	sp = strchr(buf, ' ');
	if (sp) {
		*sp = '\0';
		if (wr_parse_i64(buf, 1, PLANNER_MAX_QUANTITY, &qty) < 0 || strspn(buf, "0123456789") != strlen(buf))
			return wr_error_set(reterr, -EINVAL, "bad_input",
					    "target \"%.64s\": one word, or a quantity and a word (\"3 apples\")", s);
		word = sp + 1;
	}
	r = planner_parse_target(word, t, reterr);
	if (r < 0)
		return r;
	t->quantity = qty;
	return 0;
}

/* An optional boolean member; absent or null leaves *ret alone. */
static int
opt_bool(struct json_object *obj, const char *key, bool *ret, struct wr_error *reterr)
{
	struct json_object *b;

	if (!json_object_object_get_ex(obj, key, &b) || json_object_is_type(b, json_type_null))
		return 0;
	if (!json_object_is_type(b, json_type_boolean))
		return wr_error_set(reterr, -EINVAL, "bad_input", "\"%s\" must be true or false", key);
	*ret = json_object_get_boolean(b);
	return 0;
}

static int
target_from_json(struct json_object *args, const char *key, struct planner_target *t, struct wr_error *reterr)
{
	struct json_object *v;
	const char *word = NULL;
	int64_t ord = 0;

	if (!json_object_object_get_ex(args, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		if (memchr(json_object_get_string(v), '\0', (size_t) json_object_get_string_len(v)))
			return wr_error_set(reterr, -EINVAL, "bad_input", "\"%s\" contains a NUL byte", key);
		return target_from_string(json_object_get_string(v), t, reterr);
	}
	if (!json_object_is_type(v, json_type_object))
		return wr_error_set(reterr, -EINVAL, "bad_input", "\"%s\" must be a string or an object", key);
	*t = (struct planner_target){.set = true};
	json_object_object_foreach (v, k, val) {
		(void) val;
		if (strcmp(k, "word") && strcmp(k, "ordinal") && strcmp(k, "quantity") && strcmp(k, "all") &&
		    strcmp(k, "self"))
			return wr_error_set(reterr, -EINVAL, "bad_input",
					    "\"%s\": unknown member \"%.32s\" (word, ordinal, quantity, all, self)",
					    key, k);
	}
	if (wr_json_opt_str(v, "word", PLANNER_MAX_WORD - 1, &word, reterr) < 0 ||
	    wr_json_opt_i64(v, "ordinal", 1, 9999, &ord, reterr) < 0 ||
	    wr_json_opt_i64(v, "quantity", 1, PLANNER_MAX_QUANTITY, &t->quantity, reterr) < 0)
		return -EINVAL;
	t->ordinal = (int32_t) ord;
	if (word) {
		snprintf(t->word, sizeof(t->word), "%s", word);
		for (char *p = t->word; *p; p++)
			*p = (char) tolower((unsigned char) *p);
	}
	if (opt_bool(v, "all", &t->all, reterr) < 0 || opt_bool(v, "self", &t->self, reterr) < 0)
		return -EINVAL;
	return 0;
}

int
planner_command_from_json(const char *verb, struct json_object *args, struct planner_command *ret,
			  struct wr_error *reterr)
{
	static const char *const keys[] = {"verb", "meta", "dir", "text", "object", "container", "recipient", "alias"};
	struct planner_command c = {0};
	const char *s = NULL;
	int r;

	if (strcmp(verb, "alias") == 0)
		c.meta = PLANNER_META_ALIAS;
	else if (strcmp(verb, "unalias") == 0)
		c.meta = PLANNER_META_UNALIAS;
	else if ((c.verb = game_verb_from_string(verb)) < 0)
		return wr_error_set(reterr, -ENOENT, "unknown_verb", "unknown command type \"%.32s\"", verb);
	if (args && !json_object_is_type(args, json_type_object))
		return wr_error_set(reterr, -EINVAL, "bad_input", "\"args\" must be an object");
	if (args) {
		json_object_object_foreach (args, key, val) {
			bool known = false;

			(void) val;
			for (size_t i = 0; i < WR_ELEMENTSOF(keys); i++)
				known = known || strcmp(key, keys[i]) == 0;
			if (!known)
				return wr_error_set(reterr, -EINVAL, "bad_input", "unknown member \"%.32s\" in args",
						    key);
		}
		/* "verb"/"meta" may repeat what the type says (planner_command_to_json writes them). */
		if (wr_json_opt_str(args, "verb", 16, &s, reterr) < 0)
			return -EINVAL;
		if (s && (c.meta != PLANNER_META_NONE || strcmp(s, verb) != 0))
			return wr_error_set(reterr, -EINVAL, "bad_input", "args say verb \"%.16s\", not \"%.16s\"", s,
					    verb);
		s = NULL;
		if (wr_json_opt_str(args, "meta", 16, &s, reterr) < 0)
			return -EINVAL;
		if (s && (c.meta == PLANNER_META_NONE || strcmp(s, verb) != 0))
			return wr_error_set(reterr, -EINVAL, "bad_input", "args say \"%.16s\", not \"%.16s\"", s, verb);
		s = NULL;
		if (wr_json_opt_str(args, "dir", 16, &s, reterr) < 0)
			return -EINVAL;
		if (s) {
			if ((c.dir = game_dir_from_string(s)) < 0)
				return wr_error_set(reterr, -EINVAL, "bad_input", "\"%.16s\" is not a direction", s);
			c.has_dir = true;
		}
		s = NULL;
		if (wr_json_opt_str(args, "text", GAME_MAX_SAY, &s, reterr) < 0)
			return -EINVAL;
		if (s)
			snprintf(c.text, sizeof(c.text), "%s", s);
		s = NULL;
		if (wr_json_opt_str(args, "alias", PLANNER_MAX_ALIAS_NAME - 1, &s, reterr) < 0)
			return -EINVAL;
		if (s)
			snprintf(c.alias, sizeof(c.alias), "%s", s);
		if ((r = target_from_json(args, "object", &c.object, reterr)) < 0 ||
		    (r = target_from_json(args, "container", &c.container, reterr)) < 0 ||
		    (r = target_from_json(args, "recipient", &c.recipient, reterr)) < 0)
			return r;
	}
	if (c.verb == GAME_VERB_MOVE && c.meta == PLANNER_META_NONE && !c.has_dir)
		return wr_error_set(reterr, -EINVAL, "bad_input", "move needs \"dir\"");
	r = planner_check(&c, reterr);
	if (r < 0)
		return r;
	*ret = c;
	return 0;
}

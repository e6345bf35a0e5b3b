/* SPDX-License-Identifier: MIT */
#include "planner/view_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"

static void
copy_str(char *dst, size_t n, struct json_object *obj, const char *key)
{
	struct json_object *v = wr_json_member(obj, key, json_type_string);

	snprintf(dst, n, "%s", v ? json_object_get_string(v) : "");
}

static int
decode_seen(struct json_object *list, struct planner_seen *out, size_t *n)
{
	size_t len = list ? json_object_array_length(list) : 0;

	*n = 0;
	for (size_t i = 0; i < len && *n < PLANNER_MAX_SEEN; i++) {
		struct json_object *o = json_object_array_get_idx(list, i);
		struct planner_seen *s = &out[(*n)++];

		if (wr_json_get_i64(o, "id", 1, INT64_MAX, &s->id, NULL) < 0)
			return -EBADMSG;
		copy_str(s->name, sizeof(s->name), o, "name");
		copy_str(s->keywords, sizeof(s->keywords), o, "keywords");
		if (!s->keywords[0])
			snprintf(s->keywords, sizeof(s->keywords), "%s", s->name);
	}
	return 0;
}

int
planner_view_from_json(struct json_object *elem, struct planner_view *ret)
{
	struct planner_view *v = ret;
	struct json_object *exits;

	memset(v, 0, sizeof(*v));
	if (wr_json_get_i64(elem, "character_id", 1, INT64_MAX, &v->character_id, NULL) < 0 ||
	    wr_json_get_i64(elem, "account_id", 1, INT64_MAX, &v->account_id, NULL) < 0 ||
	    wr_json_get_i64(elem, "instance_id", 1, INT64_MAX, &v->instance_id, NULL) < 0 ||
	    wr_json_get_i64(elem, "room_id", 1, INT64_MAX, &v->room_id, NULL) < 0)
		return -EBADMSG;
	exits = wr_json_member(elem, "exits", json_type_object);
	if (!exits)
		return -EBADMSG;
	json_object_object_foreach(exits, key, val)
	{
		enum game_dir d = game_dir_from_string(key);

		(void) val;
		/* The exits table only allows the ten direction names. */
		if (d < 0 || wr_json_get_i64(exits, key, 1, INT64_MAX, &v->exits[d], NULL) < 0)
			return -EBADMSG;
	}
	if (decode_seen(wr_json_member(elem, "characters", json_type_array), v->chars, &v->nchars) < 0 ||
	    decode_seen(wr_json_member(elem, "inventory", json_type_array), v->inventory, &v->ninventory) < 0)
		return -EBADMSG;
	return 0;
}

static void
ids(struct wr_strbuf *sb, const char *key, const int64_t *id, size_t n)
{
	wr_strbuf_printf(sb, ",\"%s\":[", key);
	for (size_t i = 0; i < n; i++)
		wr_strbuf_printf(sb, "%s%" PRId64, i ? "," : "", id[i]);
	wr_strbuf_puts(sb, "]");
}

void
planner_action_to_json(struct wr_strbuf *sb, const struct planner_action *a)
{
	wr_strbuf_puts(sb, "\"args\":{");
	switch (a->verb) {
	case GAME_VERB_MOVE:
		wr_strbuf_printf(sb, "\"dir\":\"%s\"", game_dir_to_string(a->dir));
		break;
	case GAME_VERB_SAY:
		wr_strbuf_puts(sb, "\"text\":");
		wr_strbuf_json_str(sb, a->text);
		break;
	case GAME_VERB_GIVE:
		wr_strbuf_puts(sb, "\"target\":");
		wr_strbuf_json_str(sb, a->target_word ? a->target_word : "");
		if (a->item_word) {
			wr_strbuf_puts(sb, ",\"item\":");
			wr_strbuf_json_str(sb, a->item_word);
		} else
			wr_strbuf_printf(sb, ",\"amount\":%" PRId64, a->amount);
		break;
	default:
		break;
	}
	wr_strbuf_printf(sb, "},\"plan\":{\"room\":%" PRId64, a->room_id);
	if (a->verb == GAME_VERB_MOVE)
		wr_strbuf_printf(sb, ",\"to\":%" PRId64, a->to_room_id);
	if (a->verb == GAME_VERB_GIVE)
		wr_strbuf_printf(sb, ",\"target\":%" PRId64 ",\"item\":%" PRId64, a->target_char, a->item_id);
	wr_strbuf_puts(sb, "}");
	ids(sb, "lock_rooms", a->lock_rooms, a->nlock_rooms);
	ids(sb, "lock_characters", a->lock_characters, a->nlock_characters);
	ids(sb, "lock_mobs", NULL, 0);
	ids(sb, "lock_items", a->lock_items, a->nlock_items);
}

int
planner_command_from_args(enum game_verb verb, struct json_object *args, struct planner_command *ret)
{
	struct planner_command c = {.verb = verb};
	const char *s = NULL;

	switch (verb) {
	case GAME_VERB_LOOK:
		break;
	case GAME_VERB_MOVE:
		if (wr_json_get_str(args, "dir", 16, &s, NULL) < 0 || (c.dir = game_dir_from_string(s)) < 0)
			return -EBADMSG;
		break;
	case GAME_VERB_SAY:
		if (wr_json_get_str(args, "text", GAME_MAX_SAY, &s, NULL) < 0 || !*s)
			return -EBADMSG;
		snprintf(c.text, sizeof(c.text), "%s", s);
		break;
	case GAME_VERB_GIVE:
		if (wr_json_get_str(args, "target", PLANNER_MAX_WORD - 1, &s, NULL) < 0 || !*s)
			return -EBADMSG;
		snprintf(c.target, sizeof(c.target), "%s", s);
		s = NULL;
		if (wr_json_opt_str(args, "item", PLANNER_MAX_WORD - 1, &s, NULL) < 0)
			return -EBADMSG;
		if (s)
			snprintf(c.item, sizeof(c.item), "%s", s);
		else if (wr_json_get_i64(args, "amount", 1, GAME_MAX_GOLD, &c.amount, NULL) < 0)
			return -EBADMSG;
		break;
	default:
		return -EBADMSG;
	}
	*ret = c;
	return 0;
}

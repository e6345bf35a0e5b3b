/* SPDX-License-Identifier: MIT */
/*
 * help.c: see help.h.
 */
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "command/help.h"
#include "core/json.h"
#include "core/log.h"
#include "game/game.h"
#include "planner/planner.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct json_object *topics; /* never freed: read once, used for the process's life */

static void
load(void)
{
	const char *home = getenv("WR_HOME");
	struct wr_strbuf path = WR_STRBUF_INIT;
	struct json_object *doc;

	wr_strbuf_printf(&path, "%s/content/help/help.json", home && *home ? home : WR_SOURCE_DIR);
	doc = json_object_from_file(wr_strbuf_str(&path));
	if (!doc || !wr_json_member(doc, "topics", json_type_object)) {
		log_warning("help: could not read topics from %s", wr_strbuf_str(&path));
		json_object_put(doc);
	} else {
		topics = json_object_get(wr_json_member(doc, "topics", json_type_object));
		json_object_put(doc);
	}
	wr_strbuf_done(&path);
}

static const char *
lookup(const char *topic, const char **ret_name)
{
	struct json_object *v = NULL;
	enum game_verb verb;

	if (json_object_object_get_ex(topics, topic, &v) && json_object_is_type(v, json_type_string)) {
		*ret_name = topic;
		return json_object_get_string(v);
	}
	/* A word the parser knows: "n", "i", "hit". */
	if (planner_verb_of_word(topic, &verb) < 0 || !game_verb_to_string(verb))
		return NULL;
	*ret_name = game_verb_to_string(verb);
	if (json_object_object_get_ex(topics, *ret_name, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

int
cmd_help(const char *topic, struct wr_strbuf *out)
{
	const char *text = NULL, *name = topic;
	struct json_object_iter it;

	pthread_once(&once, load);
	if (!topics)
		return -EIO;
	wr_strbuf_puts(out, ",\"help\":{\"topic\":");
	if (!*topic) {
		struct wr_strbuf idx = WR_STRBUF_INIT;

		wr_strbuf_puts(&idx, "Help is there on:");
		json_object_object_foreachC(topics, it) wr_strbuf_printf(&idx, " %s", it.key);
		wr_strbuf_puts(&idx, ". Type help <topic>.");
		wr_strbuf_json_str(out, "");
		wr_strbuf_puts(out, ",\"text\":");
		wr_strbuf_json_str(out, wr_strbuf_str(&idx));
		wr_strbuf_done(&idx);
		wr_strbuf_puts(out, "}");
		return 0;
	}
	text = lookup(topic, &name);
	if (!text) {
		out->len -= strlen(",\"help\":{\"topic\":");
		out->buf[out->len] = '\0';
		return -ENOENT;
	}
	wr_strbuf_json_str(out, name);
	wr_strbuf_puts(out, ",\"text\":");
	wr_strbuf_json_str(out, text);
	wr_strbuf_puts(out, "}");
	return 0;
}

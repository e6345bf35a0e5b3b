/* SPDX-License-Identifier: MIT */
/*
 * who.c: who -- the characters of the instance who acted lately, as the
 * actor sees them (an invisible one only to those who detect invisible).
 */
#include "game/game-private.h"
#include "game/rules.h"

static bool
listed(const struct game_who *w, const struct game_char *actor, int64_t now_ms)
{
	if (w->id == actor->id)
		return true; /* acting now */
	return game_is_online(w->active_ms, now_ms) && game_sees_invisible(actor, w->invisible);
}

int
game_apply_who(struct game_state *st, const struct game_action *a, struct game_char *actor, const struct game_env *env,
	       struct game_outcome *out)
{
	struct game_event *ev;
	struct game_str gs;
	const char *text, *json;
	int64_t n = 0;
	bool self = false;

	if (!st->who_read)
		return game_stale(out);
	for (size_t i = 0; i < st->nwho; i++)
		self = self || st->who[i].id == actor->id;
	game_str_begin(&gs, out);
	game_str_puts(&gs, "Players online:");
	for (size_t i = 0; i < st->nwho; i++) {
		if (!listed(&st->who[i], actor, env->now_ms))
			continue;
		game_str_printf(&gs, "\n  %s%s%s, level %d%s%s", st->who[i].name, st->who[i].title ? " " : "",
				st->who[i].title ? st->who[i].title : "", (int) st->who[i].level,
				st->who[i].invisible ? " (invisible)" : "",
				st->who[i].afk && st->who[i].id != actor->id ? " (afk)" : "");
		n++;
	}
	if (!self) {
		game_str_printf(&gs, "\n  %s%s%s, level %d%s", actor->name, actor->title ? " " : "",
				actor->title ? actor->title : "", (int) actor->level,
				actor->invisible ? " (invisible)" : "");
		n++;
	}
	game_str_printf(&gs, "\n%lld player%s.", (long long) n, n == 1 ? "" : "s");
	text = game_str_end(&gs);

	game_str_begin(&gs, out);
	game_str_puts(&gs, "[");
	n = 0;
	for (size_t i = 0; i < st->nwho; i++) {
		if (!listed(&st->who[i], actor, env->now_ms))
			continue;
		game_str_printf(&gs, "%s{\"id\":%lld,\"name\":", n++ ? "," : "", (long long) st->who[i].id);
		game_str_json(&gs, st->who[i].name);
		game_str_printf(&gs, ",\"level\":%d", (int) st->who[i].level);
		/* issue 17: present only when so, for older clients' sake */
		if (st->who[i].afk && st->who[i].id != actor->id)
			game_str_puts(&gs, ",\"afk\":true");
		if (st->who[i].title) {
			game_str_puts(&gs, ",\"title\":");
			game_str_json(&gs, st->who[i].title);
		}
		game_str_puts(&gs, "}");
	}
	if (!self) {
		game_str_printf(&gs, "%s{\"id\":%lld,\"name\":", n++ ? "," : "", (long long) actor->id);
		game_str_json(&gs, actor->name);
		game_str_printf(&gs, ",\"level\":%d}", (int) actor->level);
	}
	game_str_puts(&gs, "]");
	json = game_str_end(&gs);

	ev = game_event_new(out, "WhoListed");
	game_event_stream(ev, out, GAME_STREAM_CHAR, a->actor_char);
	game_field_str(ev, out, "text", text);
	game_field_raw(ev, out, "players", json);
	game_field_i64(ev, out, "count", n);
	game_field_i64(ev, out, "window_ms", game_rules.who_window_ms);
	return 0;
}

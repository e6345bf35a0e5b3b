/* SPDX-License-Identifier: MIT */
/*
 * channels.c: channels and ignoring (issue 17).  gossip and ooc are heard by
 * everyone online in the instance: one event on instance:<id> (the planner
 * locks the instance row, as for shout), of type Gossiped or OocSaid, whose
 * actor key names the speaker.  Muting is per account (accounts.muted_channels)
 * and ignoring per character (characters.ignoring): the rules refuse to talk
 * on a channel one has muted and refuse tells to one who ignores the teller
 * (talk.c); the publisher leaves muted channels' lines and ignored speakers'
 * lines out of each connection's frames (publisher/route.c), so the stream
 * itself stays one for all.
 */
#include <string.h>

#include "game/game-private.h"

static uint32_t
channel_bit(const char *name)
{
	return strcmp(name, "gossip") == 0 ? GAME_CHANNEL_GOSSIP : strcmp(name, "ooc") == 0 ? GAME_CHANNEL_OOC : 0;
}

int
game_apply_channel(struct game_state *st, const struct game_action *a, struct game_char *actor,
		   struct game_outcome *out)
{
	bool gossip = a->verb == GAME_VERB_GOSSIP;
	const char *name = gossip ? "gossip" : "ooc";
	struct game_event *ev;

	/* Without the instance lock its stream's seq could race: re-plan, which locks it. */
	if (!actor->instance_id || !game_instance_locked(st, actor->instance_id))
		return game_stale(out);
	if (actor->muted & channel_bit(name))
		return game_reject(out, a, "muted",
				   game_printf(out, "You have %s muted: unmute %s to talk on it.", name, name));
	ev = game_event_new(out, gossip ? "Gossiped" : "OocSaid");
	game_event_stream(ev, out, GAME_STREAM_INSTANCE, actor->instance_id);
	game_field_str(ev, out, "channel", name);
	game_field_str(ev, out, "message", game_printf(out, "%s", a->text));
	game_field_str(ev, out, "speaker", game_seen_name(actor));
	game_field_str(ev, out, "text", game_printf(out, "[%s] %s: %s", name, game_seen_name(actor), a->text));
	game_field_str(ev, out, "text_self", game_printf(out, "[%s] You: %s", name, a->text));
	return 0;
}

static const char *
muted_json(struct game_outcome *out, uint32_t muted)
{
	return game_printf(out, "[%s%s%s]", muted & GAME_CHANNEL_GOSSIP ? "\"gossip\"" : "",
			   (muted & GAME_CHANNEL_GOSSIP) && (muted & GAME_CHANNEL_OOC) ? "," : "",
			   muted & GAME_CHANNEL_OOC ? "\"ooc\"" : "");
}

int
game_apply_mute(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	bool mute = a->verb == GAME_VERB_MUTE;
	uint32_t bit = channel_bit(a->text);
	struct game_event *ev;

	(void) st;
	if (!bit)
		return game_reject(out, a, "no_channel",
				   game_printf(out, "There is no channel \"%.32s\": %s gossip or %s ooc.", a->text,
					       mute ? "mute" : "unmute", mute ? "mute" : "unmute"));
	if (((actor->muted & bit) != 0) == mute)
		return game_reject(out, a, "already",
				   game_printf(out, "You already have %s %s.", a->text, mute ? "muted" : "on"));
	actor->muted = mute ? actor->muted | bit : actor->muted & ~bit;
	actor->channels_set = true;
	actor->dirty = true;
	ev = game_event_new(out, "ChannelMuted");
	game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
	game_field_str(ev, out, "channel", a->text);
	game_field_i64(ev, out, "muted", mute);
	game_field_raw(ev, out, "muted_channels", muted_json(out, actor->muted));
	game_field_str(ev, out, "text",
		       mute ? game_printf(out, "You mute %s: its lines no longer reach you.", a->text)
			    : game_printf(out, "You listen to %s again.", a->text));
	return 0;
}

static const char *
ignoring_json(struct game_outcome *out, const struct game_char *c)
{
	struct game_str gs;

	game_str_begin(&gs, out);
	game_str_puts(&gs, "[");
	for (size_t i = 0; i < c->nignoring; i++)
		game_str_printf(&gs, "%s%lld", i ? "," : "", (long long) c->ignoring[i]);
	game_str_puts(&gs, "]");
	return game_str_end(&gs);
}

int
game_apply_ignore(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	bool ignore = a->verb == GAME_VERB_IGNORE;
	struct game_char *who = game_state_char(st, a->target_char);
	struct game_event *ev;

	if (a->target_char == actor->id)
		return game_reject(out, a, "self", "You cannot ignore yourself.");
	if (!who)
		return game_stale(out);
	if (game_ignores(actor, who->id) == ignore)
		return game_reject(
			out, a, "already",
			game_printf(out, ignore ? "You already ignore %s." : "You do not ignore %s.", who->name));
	if (ignore) {
		if (actor->nignoring >= GAME_MAX_IGNORE)
			return game_reject(out, a, "too_many",
					   game_printf(out, "You ignore %d players already: unignore one first.",
						       GAME_MAX_IGNORE));
		actor->ignoring[actor->nignoring++] = who->id;
	} else {
		size_t k = 0;

		for (size_t i = 0; i < actor->nignoring; i++)
			if (actor->ignoring[i] != who->id)
				actor->ignoring[k++] = actor->ignoring[i];
		actor->nignoring = k;
	}
	actor->channels_set = true;
	actor->dirty = true;
	ev = game_event_new(out, "IgnoreChanged");
	game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
	game_field_i64(ev, out, "target_id", who->id);
	game_field_i64(ev, out, "ignore", ignore);
	game_field_raw(ev, out, "ignoring", ignoring_json(out, actor));
	game_field_str(ev, out, "text",
		       ignore ? game_printf(out,
					    "You now ignore %s: their tells and channel lines no longer reach you.",
					    who->name)
			      : game_printf(out, "You no longer ignore %s.", who->name));
	return 0;
}

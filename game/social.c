/* SPDX-License-Identifier: MIT */
/*
 * social.c: playing together (issue 17): follow and unfollow.  A follower
 * walks where its leader walks: the leader's move asks, for each follower
 * in the room it left, for a move of the follower's own the same way
 * (follow.c, game_follow_leader), which the follower's rules check again.
 */
#include "game/game-private.h"

/* follow <someone> in the room; following oneself is unfollowing. */
int
game_apply_follow(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_char *leader = game_state_char(st, a->target_char);
	struct game_event *ev;

	if (a->target_char == actor->id)
		return game_apply_unfollow(st, a, actor, out);
	if (!leader || leader->room_id != actor->room_id)
		return game_reject(out, a, "not_here", "They are not here.");
	if (actor->following == leader->id)
		return game_reject(out, a, "already",
				   game_printf(out, "You already follow %s.", game_seen_name(leader)));
	actor->following = leader->id;
	actor->following_set = true;
	actor->dirty = true;
	ev = game_event_new(out, "FollowStarted");
	game_event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
	game_field_i64(ev, out, "character_id", actor->id);
	game_field_i64(ev, out, "target_id", leader->id);
	game_field_str(ev, out, "text",
		       game_printf(out, "%s now follows %s.", game_seen_name(actor), game_seen_name(leader)));
	game_field_str(ev, out, "text_self", game_printf(out, "You now follow %s.", game_seen_name(leader)));
	game_field_str(ev, out, "text_target", game_printf(out, "%s now follows you.", game_seen_name(actor)));
	return 0;
}

int
game_apply_unfollow(struct game_state *st, const struct game_action *a, struct game_char *actor,
		    struct game_outcome *out)
{
	struct game_event *ev;

	(void) st;
	if (!actor->following)
		return game_reject(out, a, "not_following", "You follow no one.");
	actor->following = 0;
	actor->following_set = true;
	actor->dirty = true;
	ev = game_event_new(out, "FollowStopped");
	game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
	game_field_i64(ev, out, "character_id", actor->id);
	game_field_str(ev, out, "text", "You stop following.");
	return 0;
}

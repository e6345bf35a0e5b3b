/* SPDX-License-Identifier: MIT */
/*
 * group.c: groups (issue 17).  A group is named by the id of the character
 * who made it (the first to invite); each member carries it (group_id).
 * group invite <player> marks the invitee (locked: the planner locks it, as
 * for tell); group accept joins the group invited to; group leave leaves it;
 * group lists the members; gtell speaks to every member's private stream.
 * A kill by a member shares its experience among the members in the room
 * (fight.c, game_share_xp); each other member's share arrives by a SHARE
 * follow-up, applied here.
 */
#include "game/game-private.h"

/* Every other member hears it by an action of its own, under its lock (its
 * stream's order is kept under that lock): a GROUP_HEAR follow-up each. */
static void
tell_members(const struct game_char *actor, const struct game_action *a, int64_t leaving, struct game_outcome *out)
{
	for (size_t i = 0; i < actor->ngroup; i++) {
		struct game_followup f = {
			.action = {.verb = GAME_VERB_GROUP_HEAR,
				   .actor_char = actor->group[i].id,
				   .room_id = actor->group[i].room_id ? actor->group[i].room_id : actor->room_id,
				   .target_char = actor->id,
				   .text = leaving ? NULL : a->text,
				   .amount = leaving},
			.lock_char = actor->group[i].id,
		};

		if (actor->group[i].id != actor->id)
			game_follow(out, &f);
	}
}

static const char *
leader_name(const struct game_char *c)
{
	for (size_t i = 0; i < c->ngroup; i++)
		if (c->group[i].id == c->group_id)
			return c->group[i].name;
	return NULL;
}

int
game_apply_group(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_event *ev;
	struct game_str gs;
	const char *leader = leader_name(actor);

	(void) st;
	if (!actor->group_id)
		return game_reject(out, a, "no_group", "You are not in a group.");
	game_str_begin(&gs, out);
	if (leader)
		game_str_printf(&gs, "%s's group:", leader);
	else
		game_str_puts(&gs, "Your group:");
	for (size_t i = 0; i < actor->ngroup; i++)
		game_str_printf(&gs, "%s %s%s", i ? "," : "", actor->group[i].name,
				actor->group[i].id == actor->group_id ? " (leader)" : "");
	game_str_puts(&gs, ".");
	ev = game_event_new(out, "GroupListed");
	game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
	game_field_i64(ev, out, "group_id", actor->group_id);
	game_field_i64(ev, out, "members", (int64_t) actor->ngroup);
	game_field_str(ev, out, "text", game_str_end(&gs));
	return 0;
}

int
game_apply_group_invite(struct game_state *st, const struct game_action *a, struct game_char *actor,
			struct game_outcome *out)
{
	struct game_char *to = game_state_char(st, a->target_char);
	int64_t group = actor->group_id ? actor->group_id : actor->id;
	struct game_event *ev;

	if (a->target_char == actor->id)
		return game_reject(out, a, "self", "You are always in your own company.");
	if (!to || !to->locked)
		return game_stale(out);
	if (to->group_id == group && actor->group_id)
		return game_reject(out, a, "already", game_printf(out, "%s is already in your group.", to->name));
	if (to->group_id)
		return game_reject(out, a, "in_a_group", game_printf(out, "%s is already in a group.", to->name));
	if (actor->ngroup >= GAME_MAX_GROUP)
		return game_reject(out, a, "group_full", "Your group is full.");
	if (!actor->group_id) {
		/* The first invitation makes the group: its inviter is its first member. */
		actor->group_id = group;
		actor->group[0] = (struct game_member){.id = actor->id, .name = actor->name, .room_id = actor->room_id};
		actor->ngroup = 1;
		actor->group_set = true;
		actor->dirty = true;
	}
	to->group_invite = group;
	to->group_set = true;
	to->dirty = true;
	ev = game_event_new(out, "GroupInvited");
	game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
	game_event_stream(ev, out, GAME_STREAM_CHAR, to->id);
	game_field_i64(ev, out, "group_id", group);
	game_field_i64(ev, out, "target_id", to->id);
	game_field_str(ev, out, "target", to->name);
	game_field_str(ev, out, "text",
		       game_printf(out, "%s invites you to join a group. Type 'group accept' to join.", actor->name));
	game_field_str(ev, out, "text_self", game_printf(out, "You invite %s to join your group.", to->name));
	game_field_str(ev, out, "text_target",
		       game_printf(out, "%s invites you to join a group. Type 'group accept' to join.", actor->name));
	return 0;
}

int
game_apply_group_accept(struct game_state *st, const struct game_action *a, struct game_char *actor,
			struct game_outcome *out)
{
	struct game_event *ev;

	(void) st;
	if (actor->group_id)
		return game_reject(out, a, "in_a_group", "You are already in a group. Type 'group leave' first.");
	if (!actor->group_invite)
		return game_reject(out, a, "not_invited", "Nobody has invited you to a group.");
	actor->group_id = actor->group_invite;
	actor->group_invite = 0;
	actor->group_set = true;
	actor->dirty = true;
	ev = game_event_new(out, "GroupJoined");
	game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
	game_field_i64(ev, out, "group_id", actor->group_id);
	game_field_i64(ev, out, "character_id", actor->id);
	game_field_str(ev, out, "text", game_printf(out, "%s joins the group.", actor->name));
	game_field_str(ev, out, "text_self", "You join the group.");
	return 0;
}

int
game_apply_group_leave(struct game_state *st, const struct game_action *a, struct game_char *actor,
		       struct game_outcome *out)
{
	struct game_event *ev;

	(void) st;
	if (!actor->group_id)
		return game_reject(out, a, "no_group", "You are not in a group.");
	ev = game_event_new(out, "GroupLeft");
	game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
	game_field_i64(ev, out, "group_id", actor->group_id);
	game_field_i64(ev, out, "character_id", actor->id);
	game_field_str(ev, out, "text", "You leave the group.");
	tell_members(actor, a, 1, out);
	actor->group_id = 0;
	actor->group_invite = 0;
	actor->ngroup = 0;
	actor->group_set = true;
	actor->dirty = true;
	return 0;
}

int
game_apply_gtell(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_event *ev;

	(void) st;
	if (!actor->group_id || actor->ngroup == 0)
		return game_reject(out, a, "no_group", "You are not in a group.");
	ev = game_event_new(out, "GroupTold");
	game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
	game_field_i64(ev, out, "group_id", actor->group_id);
	game_field_i64(ev, out, "members", (int64_t) actor->ngroup);
	game_field_str(ev, out, "message", game_printf(out, "%s", a->text));
	game_field_str(ev, out, "text", game_printf(out, "You tell the group, '%s'", a->text));
	tell_members(actor, a, 0, out);
	return 0;
}

/* A member hears a gtell or a leave (asked for by the speaker's action, run under the member's lock). */
int
game_apply_group_hear(struct game_state *st, const struct game_action *a, struct game_outcome *out)
{
	struct game_char *c = game_state_char(st, a->actor_char);
	struct game_char *from = game_state_char(st, a->target_char);
	const char *name = from && from->name ? from->name : "Someone";
	struct game_event *ev;

	if (!c || !c->locked)
		return game_stale(out);
	ev = game_event_new(out, a->amount ? "GroupLeft" : "GroupTold");
	game_event_stream(ev, out, GAME_STREAM_CHAR, c->id);
	game_field_i64(ev, out, "character_id", a->target_char);
	game_field_str(ev, out, "speaker", name);
	if (a->amount) {
		game_field_str(ev, out, "text", game_printf(out, "%s leaves the group.", name));
		return 0;
	}
	game_field_str(ev, out, "message", game_printf(out, "%s", a->text));
	game_field_str(ev, out, "text", game_printf(out, "%s tells the group, '%s'", name, a->text));
	return 0;
}

/* A member's share of a group kill (fight.c asked for it under the member's lock). */
int
game_apply_share(struct game_state *st, const struct game_action *a, struct game_outcome *out)
{
	struct game_char *c = game_state_char(st, a->actor_char);

	if (!c || !c->locked)
		return game_stale(out);
	game_gain_xp(c, a->amount, true, out);
	return 0;
}

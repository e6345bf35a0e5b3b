/* SPDX-License-Identifier: MIT */
/*
 * spawn.c: mobs that content triggers spawn (issue 13), a helper of
 * scripted.c.  A trigger's step {"do": "spawn", "mob": key, "count": n,
 * "for_s": s} makes n new mobs of the template in the trigger's room:
 *  - their ids are ones the worker reserved from the mobs' sequence when it
 *    loaded the batch (struct game_state.new_mob_ids; game_reads() asks for
 *    GAME_SPAWN_MAX of them for a spawn step), and the journal keeps that
 *    state, so a replay makes the same ids;
 *  - a spawned mob has no spawn room: killed, it does not respawn (its
 *    corpse and loot as usual), and its dead row goes when its corpse would
 *    decay (a GAME_SCRIPT_DESPAWN, as for_s asks for);
 *  - a zone (of one instance) holds at most GAME_SPAWN_ZONE_MAX live
 *    spawned mobs: a step past that makes none and says so (SpawnRefused).
 *    Spawn steps queue on one chain per zone ("sys:spawn:<zone>",
 *    game_queue_of), so the count each reads is the truth: no two spawn in
 *    one zone at once;
 *  - with for_s it goes again that much later if still alive
 *    (MobDespawned): what it carries falls to the floor of its room (the
 *    worker moves those rows; nothing is made or destroyed), and it is dead
 *    until its row goes two rounds later (so whoever fights it stops, as
 *    when it dies at other hands).
 * The mobs.spawned_by column names the trigger ("sys:trigger:<id>"), or the
 * world system whose effect it was ("sys:<name>", issue 13: a sys:<name>
 * actor's spawn, scripted.c sys_effect; its token may then drive them,
 * wr_may_act()).
 */
#include <string.h>

#include "game/game-private.h"
#include "game/rules.h"

#define DESPAWN_TRIES 16 /* a despawn follows a wandering mob to its new room at most this often */

void
game_despawn_later(int64_t mob, int64_t room, int64_t delay_ms, int64_t tries, struct game_outcome *out)
{
	struct game_followup f = {
		.action = {.verb = GAME_VERB_SCRIPT,
			   .room_id = room,
			   .script = GAME_SCRIPT_DESPAWN,
			   .target_mob = mob,
			   .amount = tries},
		.delay_ms = delay_ms,
		.lock_rooms = {room},
		.nlock_rooms = 1,
		.lock_mob = mob,
	};

	game_follow(out, &f);
}

static struct game_event *
spawn_event(struct game_outcome *out, const char *type, const struct game_room *room, const struct game_script *s)
{
	struct game_event *ev = game_event_new(out, type);

	game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
	game_field_str(ev, out, "trigger", s->name ? s->name : "");
	return ev;
}

void
game_spawn(struct game_state *st, struct game_room *room, const struct game_script *s, const struct game_effect *fx,
	   struct game_outcome *out)
{
	int32_t n = fx->count < 1 ? 1 : fx->count > GAME_SPAWN_MAX ? GAME_SPAWN_MAX : fx->count;
	const char *name = fx->mob_name ? fx->mob_name : "something";
	struct game_event *ev;
	/* A trigger's (s->id) or a world system's (s->id 0, s->name "sys:<name>"). */
	const char *by = s->id > 0 ? game_printf(out, "sys:trigger:%lld", (long long) s->id) : s->name;

	if (fx->mob_tpl <= 0 || !by)
		return;
	if (room->zone_spawned + n > GAME_SPAWN_ZONE_MAX) {
		ev = spawn_event(out, "SpawnRefused", room, s);
		game_field_i64(ev, out, "template_id", fx->mob_tpl);
		game_field_i64(ev, out, "count", n);
		game_field_i64(ev, out, "live", room->zone_spawned);
		game_field_i64(ev, out, "max", GAME_SPAWN_ZONE_MAX);
		game_field_str(ev, out, "text",
			       game_printf(out, "%s", "Nothing more answers: enough beasts roam here already."));
		return;
	}
	/* game_reads() reserved GAME_SPAWN_MAX ids for this step: none left is the worker's bug. */
	if (st->nnew_mob_ids - st->new_mob_ids_used < (size_t) n || st->nspawned + (size_t) n > GAME_MAX_NEW_MOBS) {
		out->overflow = true;
		return;
	}
	if (fx->text) {
		ev = spawn_event(out, "Echoed", room, s);
		game_field_str(ev, out, "text", game_printf(out, "%s", fx->text));
	}
	for (int32_t i = 0; i < n; i++) {
		int64_t id = st->new_mob_ids[st->new_mob_ids_used++];

		st->spawned[st->nspawned++] = (struct game_spawned){
			.id = id,
			.template_id = fx->mob_tpl,
			.instance_id = room->instance_id,
			.room_id = room->id,
			.trigger = s->id,
			.by = by,
		};
		if (room->nmobs < GAME_MAX_THINGS)
			room->mobs[room->nmobs++] = (struct game_thing){.id = id, .name = name, .quantity = 1};
		ev = spawn_event(out, "MobSpawned", room, s);
		game_field_i64(ev, out, "mob_id", id);
		game_field_i64(ev, out, "template_id", fx->mob_tpl);
		game_field_str(ev, out, "name", name);
		game_field_str(ev, out, "spawned_by", by);
		if (fx->for_ms > 0)
			game_field_i64(ev, out, "for_ms", fx->for_ms);
		game_field_str(ev, out, "text", game_cap(game_printf(out, "%s appears.", name)));
		if (fx->for_ms > 0)
			game_despawn_later(id, room->id, fx->for_ms, 0, out);
	}
	room->zone_spawned += n;
}

int
game_despawn(struct game_state *st, const struct game_action *a, const struct game_env *env, struct game_outcome *out)
{
	struct game_mob *m = game_state_mob(st, a->target_mob);
	struct game_room *room;
	struct game_event *ev;

	/* Gone already (its row deleted), or a mob of content: nothing to do. */
	if (!m || !m->locked || m->spawn_room || st->ndespawned >= GAME_MAX_MOBS)
		return 0;
	room = game_state_room(st, m->room_id);
	if (!room) {
		/* It walked on since: follow it to the room it is in now. */
		if (a->amount < DESPAWN_TRIES)
			game_despawn_later(m->id, m->room_id, 0, a->amount + 1, out);
		return 0;
	}
	st->despawned[st->ndespawned++] = (struct game_despawned){.id = m->id, .room_id = room->id};
	/* A dead one's row just goes (its corpse holds what it had): nobody sees it. */
	if (m->dead)
		return 0;
	for (size_t i = 0; i < room->nmobs; i++)
		if (room->mobs[i].id == m->id) {
			memmove(&room->mobs[i], &room->mobs[i + 1], (room->nmobs - i - 1) * sizeof(room->mobs[0]));
			room->nmobs--;
			break;
		}
	/* Dead for now (written back): a character fighting it sees it gone at its next
	 * round and stops; its row goes two rounds later. */
	st->despawned[st->ndespawned - 1].keep = true;
	m->dead = true;
	m->hp = 0;
	m->hp_at_ms = env->now_ms;
	m->fighting = 0;
	m->dirty = true;
	game_despawn_later(m->id, room->id, 2 * game_rules.round_ms, 0, out);
	ev = game_event_new(out, "MobDespawned");
	game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
	game_field_i64(ev, out, "mob_id", m->id);
	game_field_str(ev, out, "name", m->name);
	game_field_str(ev, out, "text", game_cap(game_printf(out, "%s slips away.", m->name)));
	return 0;
}

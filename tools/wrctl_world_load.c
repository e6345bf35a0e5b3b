/* SPDX-License-Identifier: MIT */
/*
 * wrctl_world_load.c: a validated world written in one transaction (see
 * wrctl_world.h).  Templates are upserted by key, rooms are created once per
 * (instance, template), and spawned mobs, items and characters are created
 * once and never moved or reset afterwards, so a load is idempotent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/db.h"
#include "core/error.h"
#include "core/invariant.h"
#include "core/util.h"
#include "tools/wrctl_world.h"

/* ---- loading ------------------------------------------------------------------------ */

/*
 * Every statement below returns exactly one row (id bigint, change text),
 * change being "inserted", "updated" or "" (already there and unchanged).
 * Upserts only write a row whose content differs, so a second load writes
 * nothing; the fallback SELECT sees the snapshot taken before the CTE ran.
 */

/* $1 key, $2 name, $3 death (jsonb) */
static const char *const sql_upsert_instance =
	"WITH up AS (INSERT INTO instances AS t (key, name, death) VALUES ($1, $2, $3::jsonb) "
	"ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, death = EXCLUDED.death "
	"WHERE (t.name, t.death) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.death) "
	"RETURNING id, CASE WHEN xmax = 0 THEN 'inserted' ELSE 'updated' END AS change) "
	"SELECT id, change FROM up UNION ALL "
	"SELECT id, '' FROM instances WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM up)";

/* $1 key, $2 name, $3 description, $4 tick_ms ("" = NULL, the rules' default) */
static const char *const sql_upsert_zone =
	"WITH up AS (INSERT INTO zones AS t (key, name, description, tick_ms) "
	"VALUES ($1, $2, $3, nullif($4, '')::integer) "
	"ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, "
	"tick_ms = EXCLUDED.tick_ms "
	"WHERE (t.name, t.description, t.tick_ms) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.description, "
	"EXCLUDED.tick_ms) "
	"RETURNING id, CASE WHEN xmax = 0 THEN 'inserted' ELSE 'updated' END AS change) "
	"SELECT id, change FROM up UNION ALL "
	"SELECT id, '' FROM zones WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM up)";

/*
 * flags and keywords arrive as a JSON array of strings and become text[] in
 * order through "ARRAY(SELECT e FROM jsonb_array_elements_text($n::jsonb)
 * WITH ORDINALITY AS a(e, i) ORDER BY i)", so no array literal is ever built.
 */

/* $1 key, $2 zone_id, $3 name, $4 description, $5 flags (JSON array), $6 on_enter (JSON array) */
static const char *const sql_upsert_room_template =
	"WITH up AS (INSERT INTO room_templates AS t (key, zone_id, name, description, flags, on_enter) "
	"VALUES ($1, $2, $3, $4, ARRAY(SELECT e FROM jsonb_array_elements_text($5::jsonb) "
	"WITH ORDINALITY AS a(e, i) ORDER BY i), $6::jsonb) "
	"ON CONFLICT (key) DO UPDATE SET zone_id = EXCLUDED.zone_id, name = EXCLUDED.name, "
	"description = EXCLUDED.description, flags = EXCLUDED.flags, on_enter = EXCLUDED.on_enter "
	"WHERE (t.zone_id, t.name, t.description, t.flags, t.on_enter) IS DISTINCT FROM "
	"(EXCLUDED.zone_id, EXCLUDED.name, EXCLUDED.description, EXCLUDED.flags, EXCLUDED.on_enter) "
	"RETURNING id, CASE WHEN xmax = 0 THEN 'inserted' ELSE 'updated' END AS change) "
	"SELECT id, change FROM up UNION ALL "
	"SELECT id, '' FROM room_templates WHERE key = $1 "
	"AND NOT EXISTS (SELECT 1 FROM up)";

/* $1 key, $2 name, $3 keywords (JSON array), $4 description, $5 level, $6 max_hp, $7 stats */
static const char *const sql_upsert_mob_template =
	"WITH up AS (INSERT INTO mob_templates AS t "
	"(key, name, keywords, description, level, max_hp, stats) "
	"VALUES ($1, $2, ARRAY(SELECT e FROM jsonb_array_elements_text($3::jsonb) "
	"WITH ORDINALITY AS a(e, i) ORDER BY i), $4, $5, $6, $7::jsonb) "
	"ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, keywords = EXCLUDED.keywords, "
	"description = EXCLUDED.description, level = EXCLUDED.level, "
	"max_hp = EXCLUDED.max_hp, stats = EXCLUDED.stats "
	"WHERE (t.name, t.keywords, t.description, t.level, t.max_hp, t.stats) "
	"IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.keywords, EXCLUDED.description, "
	"EXCLUDED.level, EXCLUDED.max_hp, EXCLUDED.stats) "
	"RETURNING id, CASE WHEN xmax = 0 THEN 'inserted' ELSE 'updated' END AS change) "
	"SELECT id, change FROM up UNION ALL "
	"SELECT id, '' FROM mob_templates WHERE key = $1 "
	"AND NOT EXISTS (SELECT 1 FROM up)";

/* $1 key, $2 name, $3 keywords (JSON array), $4 description, $5 kind, $6 slot (NULL),
 * $7 weight, $8 value, $9 stackable, $10 capacity, $11 stats */
static const char *const sql_upsert_item_template =
	"WITH up AS (INSERT INTO item_templates AS t "
	"(key, name, keywords, description, kind, slot, weight, value, stackable, capacity, stats) "
	"VALUES ($1, $2, ARRAY(SELECT e FROM jsonb_array_elements_text($3::jsonb) "
	"WITH ORDINALITY AS a(e, i) ORDER BY i), $4, $5, $6, $7, $8, $9, $10, $11::jsonb) "
	"ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, keywords = EXCLUDED.keywords, "
	"description = EXCLUDED.description, kind = EXCLUDED.kind, slot = EXCLUDED.slot, "
	"weight = EXCLUDED.weight, value = EXCLUDED.value, stackable = EXCLUDED.stackable, "
	"capacity = EXCLUDED.capacity, stats = EXCLUDED.stats "
	"WHERE (t.name, t.keywords, t.description, t.kind, t.slot, t.weight, t.value, "
	"t.stackable, t.capacity, t.stats) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.keywords, "
	"EXCLUDED.description, EXCLUDED.kind, EXCLUDED.slot, EXCLUDED.weight, EXCLUDED.value, "
	"EXCLUDED.stackable, EXCLUDED.capacity, EXCLUDED.stats) "
	"RETURNING id, CASE WHEN xmax = 0 THEN 'inserted' ELSE 'updated' END AS change) "
	"SELECT id, change FROM up UNION ALL "
	"SELECT id, '' FROM item_templates WHERE key = $1 "
	"AND NOT EXISTS (SELECT 1 FROM up)";

/* $1 instance_id, $2 template_id */
static const char *const sql_ensure_room =
	"WITH ins AS (INSERT INTO rooms (instance_id, template_id) VALUES ($1, $2) "
	"ON CONFLICT (instance_id, template_id) DO NOTHING RETURNING id) "
	"SELECT id, 'inserted' FROM ins UNION ALL "
	"SELECT id, '' FROM rooms WHERE instance_id = $1 AND template_id = $2 "
	"AND NOT EXISTS (SELECT 1 FROM ins)";

/*
 * $1 from_room_id, $2 dir, $3 to_room_id, $4 door, $5 key_template_id (NULL), $6 door_name (NULL).
 * Whether a door is open, closed or locked right now is game state: a reload
 * adds or removes doors but leaves the state of an existing door alone.
 */
static const char *const sql_upsert_exit =
	"WITH up AS (INSERT INTO exits AS t (from_room_id, dir, to_room_id, door, key_template_id, door_name) "
	"VALUES ($1, $2, $3, $4, $5, $6) "
	"ON CONFLICT (from_room_id, dir) DO UPDATE SET to_room_id = EXCLUDED.to_room_id, "
	"key_template_id = EXCLUDED.key_template_id, door_name = EXCLUDED.door_name, "
	"door = CASE WHEN (t.door = 'none') = (EXCLUDED.door = 'none') THEN t.door "
	"ELSE EXCLUDED.door END "
	"WHERE t.to_room_id <> EXCLUDED.to_room_id "
	"OR t.key_template_id IS DISTINCT FROM EXCLUDED.key_template_id "
	"OR t.door_name IS DISTINCT FROM EXCLUDED.door_name "
	"OR (t.door = 'none') <> (EXCLUDED.door = 'none') "
	"RETURNING from_room_id, CASE WHEN xmax = 0 THEN 'inserted' ELSE 'updated' END AS change) "
	"SELECT from_room_id, change FROM up UNION ALL "
	"SELECT from_room_id, '' FROM exits WHERE from_room_id = $1 AND dir = $2 "
	"AND NOT EXISTS (SELECT 1 FROM up)";

/* $1 name, $2 demo ("true"/"false"): the demo mark follows the content. */
static const char *const sql_ensure_account =
	"WITH ins AS (INSERT INTO accounts (name, demo) VALUES ($1, $2::boolean) "
	"ON CONFLICT (name) DO NOTHING RETURNING id), "
	"upd AS (UPDATE accounts SET demo = $2::boolean WHERE name = $1 AND demo <> $2::boolean "
	"AND NOT EXISTS (SELECT 1 FROM ins) RETURNING id) "
	"SELECT id, 'inserted' FROM ins UNION ALL SELECT id, 'updated' FROM upd UNION ALL "
	"SELECT id, '' FROM accounts WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM ins) "
	"AND NOT EXISTS (SELECT 1 FROM upd)";

/* $1 account_id, $2 name, $3 instance_id, $4 room_id, $5 description, $6 level,
 * $7 max_hp (also hp), $8 gold.  An existing character (any case) is left alone. */
static const char *const sql_ensure_character =
	"WITH ins AS (INSERT INTO characters "
	"(account_id, name, instance_id, room_id, description, level, hp, max_hp, gold) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) "
	"ON CONFLICT ((lower(name))) DO NOTHING RETURNING id) "
	"SELECT id, 'inserted' FROM ins UNION ALL "
	"SELECT id, '' FROM characters WHERE lower(name) = lower($2) "
	"AND NOT EXISTS (SELECT 1 FROM ins)";

/* $1 template_id, $2 instance_id, $3 room_id, $4 hp, $5 spawn_key */
static const char *const sql_ensure_mob =
	"WITH ins AS (INSERT INTO mobs (template_id, instance_id, room_id, hp, spawn_key, spawn_room_id) "
	"VALUES ($1, $2, $3, $4, $5, $3) ON CONFLICT (spawn_key) DO NOTHING RETURNING id) "
	"SELECT id, 'inserted' FROM ins UNION ALL "
	"SELECT id, '' FROM mobs WHERE spawn_key = $5 AND NOT EXISTS (SELECT 1 FROM ins)";

/* $1 template_id, $2 instance_id, $3 owner_character_id, $4 owner_mob_id,
 * $5 owner_room_id, $6 owner_item_id (one of $3-$6 non-NULL; 0 for a
 * container that is gone), $7 worn_slot, $8 quantity, $9 spawn_key.
 * A placement spawns once (migration 0018_spawns): an item whose key was
 * ever spawned is not created again, whatever became of it, and one whose
 * container is gone waits.  Returns (id, 'inserted'), (id, '') when it is
 * in the world, or (0, 'gone'). */
static const char *const sql_ensure_item =
	"WITH go AS (SELECT 1 WHERE coalesce($6::bigint, 1) > 0 "
	"AND NOT EXISTS (SELECT 1 FROM items WHERE spawn_key = $9)), "
	"s AS (INSERT INTO world_spawns (spawn_key) SELECT $9 FROM go ON CONFLICT DO NOTHING RETURNING 1), "
	"ins AS (INSERT INTO items (template_id, instance_id, owner_character_id, "
	"owner_mob_id, owner_room_id, owner_item_id, worn_slot, quantity, spawn_key) "
	"SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM s RETURNING id) "
	"SELECT id, 'inserted' FROM ins UNION ALL "
	"SELECT id, '' FROM items WHERE spawn_key = $9 AND NOT EXISTS (SELECT 1 FROM ins) UNION ALL "
	"SELECT 0, 'gone' WHERE NOT EXISTS (SELECT 1 FROM ins) AND NOT EXISTS (SELECT 1 FROM items WHERE spawn_key = $9)";

/* Two loads at once would only wait on each other's rows; serialise them. */
static const char *const sql_lock = "SELECT pg_advisory_xact_lock(hashtext('wrctl world load'))";

struct loader;

static int
loader_what(struct loader *ld, const char *fmt, ...) PRINTF_LIKE(2, 3);

struct loader {
	struct wr_db db;
	struct wr_error err;
	char what[160]; /* the object being written, for the error message */
	unsigned inserted;
	unsigned updated;
	unsigned gone; /* placements spawned before and taken since: not re-created */
};

/* Decimal text of an int64 for a statement parameter. */
struct num {
	char s[24];
};

static const char *
num(struct num *n, int64_t v)
{
	snprintf(n->s, sizeof(n->s), "%lld", (long long) v);
	return n->s;
}

static const char *
json_text(struct json_object *obj, const char *fallback)
{
	return obj ? json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN) : fallback;
}

static int
loader_what(struct loader *ld, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ld->what, sizeof(ld->what), fmt, ap);
	va_end(ap);
	return 0;
}

/* Runs one of the statements above and reads its (id, change) row. */
static int
write_row(struct loader *ld, const char *sql, int nparams, const char *const *params, int64_t *ret_id)
{
	PGresult *res = NULL;
	const char *change;
	int64_t id;
	int r;

	r = wr_db_exec(&ld->db, sql, nparams, params, PGRES_TUPLES_OK, &res, &ld->err);
	if (r < 0)
		return r;
	if (PQntuples(res) != 1 || PQnfields(res) != 2) {
		r = wr_error_set(&ld->err, -EBADMSG, "database", "expected one row, got %d", PQntuples(res));
		goto out;
	}
	r = wr_db_get_i64(res, 0, 0, &id);
	if (r < 0) {
		wr_error_set(&ld->err, r, "database", "unexpected id \"%s\"", PQgetvalue(res, 0, 0));
		goto out;
	}
	change = PQgetvalue(res, 0, 1);
	if (strcmp(change, "inserted") == 0)
		ld->inserted++;
	else if (strcmp(change, "updated") == 0)
		ld->updated++;
	else if (strcmp(change, "gone") == 0)
		ld->gone++;
	if (ret_id)
		*ret_id = id;
out:
	PQclear(res);
	return r;
}

static int
load_instances(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_instances; i++) {
		struct instance *in = &w->instances[i];
		const char *p[] = {in->e.key, in->name, json_text(in->death, "{}")};
		int r;

		loader_what(ld, "instance \"%s\"", in->e.key);
		r = write_row(ld, sql_upsert_instance, 3, p, &in->id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
load_zones(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_zones; i++) {
		struct zone *z = &w->zones[i];
		struct num tick;
		const char *p[] = {z->e.key, z->name, z->description, z->tick_ms > 0 ? num(&tick, z->tick_ms) : ""};
		int r;

		loader_what(ld, "zone \"%s\"", z->e.key);
		r = write_row(ld, sql_upsert_zone, 4, p, &z->id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
load_room_templates(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_rooms; i++) {
		struct room *rm = &w->rooms[i];
		struct num zone_id;
		const char *p[] = {rm->e.key,       num(&zone_id, rm->zone->id), rm->name,
				   rm->description, json_text(rm->flags, "[]"),  json_text(rm->on_enter, "[]")};
		int r;

		loader_what(ld, "room template \"%s\"", rm->e.key);
		r = write_row(ld, sql_upsert_room_template, 6, p, &rm->template_id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
load_mob_templates(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_mob_tpls; i++) {
		struct mob_tpl *t = &w->mob_tpls[i];
		struct num level, max_hp;
		const char *p[] = {t->e.key,
				   t->name,
				   json_text(t->keywords, "[]"),
				   t->description,
				   num(&level, t->level),
				   num(&max_hp, t->max_hp),
				   json_text(t->stats, "{}")};
		int r;

		loader_what(ld, "mob template \"%s\"", t->e.key);
		r = write_row(ld, sql_upsert_mob_template, 7, p, &t->id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
load_item_templates(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_item_tpls; i++) {
		struct item_tpl *t = &w->item_tpls[i];
		struct num weight, value, capacity;
		const char *p[] = {t->e.key,
				   t->name,
				   json_text(t->keywords, "[]"),
				   t->description,
				   t->kind,
				   t->slot,
				   num(&weight, t->weight),
				   num(&value, t->value),
				   t->stackable ? "true" : "false",
				   num(&capacity, t->capacity),
				   json_text(t->stats, "{}")};
		int r;

		loader_what(ld, "item template \"%s\"", t->e.key);
		r = write_row(ld, sql_upsert_item_template, 11, p, &t->id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
load_rooms(struct loader *ld, struct world *w)
{
	for (size_t k = 0; k < w->n_instances; k++) {
		for (size_t i = 0; i < w->n_rooms; i++) {
			struct room *rm = &w->rooms[i];
			struct num inst_id, tpl_id;
			const char *p[] = {num(&inst_id, w->instances[k].id), num(&tpl_id, rm->template_id)};
			int r;

			loader_what(ld, "room \"%s\" in instance \"%s\"", rm->e.key, w->instances[k].e.key);
			r = write_row(ld, sql_ensure_room, 2, p, &rm->ids[k]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int
load_exits(struct loader *ld, struct world *w)
{
	for (size_t k = 0; k < w->n_instances; k++) {
		for (size_t i = 0; i < w->n_exits; i++) {
			struct room_exit *ex = &w->exits[i];
			struct num from, to, key;
			const char *p[6];
			int r;

			/* world_validate() refuses a world with any exit unresolved. */
			if (NEVER(!ex->from || !ex->to || ex->dir < 0 || ex->door < 0 || ex->door >= _DOOR_MAX))
				return wr_error_set(&ld->err, -EINVAL, "bug", "exit %zu was not resolved", i);
			p[0] = num(&from, ex->from->ids[k]);
			p[1] = game_dir_to_string(ex->dir);
			p[2] = num(&to, ex->to->ids[k]);
			p[3] = world_door_names[ex->door];
			p[4] = ex->key_item ? num(&key, ex->key_item->id) : NULL;
			p[5] = ex->door_name;
			loader_what(ld, "exit \"%s\" of room \"%s\"", game_dir_to_string(ex->dir), ex->from->e.key);
			r = write_row(ld, sql_upsert_exit, 6, p, NULL);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static size_t
instance_index(const struct world *w, const struct instance *in)
{
	return (size_t) (in - w->instances);
}

static int
load_accounts(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_accounts; i++) {
		struct account *a = &w->accounts[i];
		const char *p[] = {a->e.key, a->demo ? "true" : "false"};
		int r;

		loader_what(ld, "account \"%s\"", a->e.key);
		r = write_row(ld, sql_ensure_account, 2, p, &a->id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
load_characters(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_characters; i++) {
		struct character *c = &w->characters[i];
		struct num acct, inst, room, level, max_hp, gold;
		const char *p[] = {num(&acct, c->account->id),
				   c->e.key,
				   num(&inst, c->inst->id),
				   num(&room, w->start_room->ids[instance_index(w, c->inst)]),
				   c->description,
				   num(&level, c->level),
				   num(&max_hp, c->max_hp),
				   num(&gold, c->gold)};
		int r;

		loader_what(ld, "character \"%s\"", c->e.key);
		r = write_row(ld, sql_ensure_character, 8, p, &c->id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
load_mobs(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_mobs; i++) {
		struct mob *m = &w->mobs[i];
		struct num tpl, inst, room, hp;
		const char *p[] = {num(&tpl, m->tpl->id), num(&inst, m->inst->id),
				   num(&room, m->room->ids[instance_index(w, m->inst)]), num(&hp, m->tpl->max_hp),
				   m->e.key};
		int r;

		loader_what(ld, "mob \"%s\"", m->e.key);
		r = write_row(ld, sql_ensure_mob, 5, p, &m->id);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Loads it->container first: containers come before what they hold. */
static int
load_item(struct loader *ld, struct world *w, struct item *it, int depth)
{
	struct num tpl, inst, owner, quantity;
	const char *p[9];
	int r;

	if (it->id)
		return 0;
	/* world_validate() refuses a world with any item unresolved, and nesting
	 * deeper than CONTAINER_DEPTH_MAX, which bounds this recursion. */
	if (NEVER(!it->tpl || !it->inst || depth > CONTAINER_DEPTH_MAX))
		return wr_error_set(&ld->err, -EINVAL, "bug", "item \"%s\" was not resolved", it->e.key);
	if (NEVER((it->owner_kind == OWNER_CHARACTER && !it->chr) || (it->owner_kind == OWNER_MOB && !it->mob) ||
		  (it->owner_kind == OWNER_ROOM && !it->room) || (it->owner_kind == OWNER_CONTAINER && !it->container)))
		return wr_error_set(&ld->err, -EINVAL, "bug", "item \"%s\" has no owner", it->e.key);
	if (it->owner_kind == OWNER_CONTAINER) {
		r = load_item(ld, w, it->container, depth + 1);
		if (r < 0)
			return r;
	}
	memset(p, 0, sizeof(p));
	p[0] = num(&tpl, it->tpl->id);
	p[1] = num(&inst, it->inst->id);
	if (it->owner_kind == OWNER_CHARACTER)
		p[2] = num(&owner, it->chr->id);
	else if (it->owner_kind == OWNER_MOB)
		p[3] = num(&owner, it->mob->id);
	else if (it->owner_kind == OWNER_ROOM)
		p[4] = num(&owner, it->room->ids[instance_index(w, it->inst)]);
	else
		p[5] = num(&owner, it->container->id);
	p[6] = it->worn ? it->tpl->slot : NULL;
	p[7] = num(&quantity, it->quantity);
	p[8] = it->e.key;
	loader_what(ld, "item \"%s\"", it->e.key);
	r = write_row(ld, sql_ensure_item, 9, p, &it->id);
	/* Gone: -1, so it is not tried again, and what it held (loaded with a
	 * container of -1) waits too. */
	if (r == 0 && it->id == 0)
		it->id = -1;
	return r;
}

static int
load_items(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_items; i++) {
		int r = load_item(ld, w, &w->items[i], 0);

		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- zone resets (issue 12, game/reset.c): zones' reset, doors' content state, item placements ---- */

/* $1 zone id, $2 reset_ms ("" = none), $3 mode */
static const char *const sql_zone_reset =
	"WITH up AS (UPDATE zones SET reset_ms = nullif($2, '')::integer, reset_mode = $3 "
	"WHERE id = $1 AND (reset_ms, reset_mode) IS DISTINCT FROM (nullif($2, '')::integer, $3) "
	"RETURNING id, 'updated'::text) "
	"SELECT * FROM up UNION ALL SELECT $1::bigint, '' WHERE NOT EXISTS (SELECT 1 FROM up)";

/* $1 from room, $2 dir, $3 the door content gives it */
static const char *const sql_exit_reset =
	"WITH up AS (UPDATE exits SET reset_door = $3 WHERE from_room_id = $1 AND dir = $2 "
	"AND reset_door IS DISTINCT FROM $3 RETURNING from_room_id, 'updated'::text) "
	"SELECT * FROM up UNION ALL SELECT $1::bigint, '' WHERE NOT EXISTS (SELECT 1 FROM up)";

/* $1 key, $2 template, $3 instance, $4 quantity, $5 room, $6 container key, $7 mob key, $8 worn slot.
 * What a zone reset restocks mirrors the placement, which counts as the change: never counted twice. */
static const char *const sql_item_spawn =
	"WITH up AS (INSERT INTO item_spawns AS s (key, template_id, instance_id, quantity, room_id, container_key, "
	"mob_key, worn_slot) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
	"ON CONFLICT (key) DO UPDATE SET template_id = EXCLUDED.template_id, instance_id = EXCLUDED.instance_id, "
	"quantity = EXCLUDED.quantity, room_id = EXCLUDED.room_id, container_key = EXCLUDED.container_key, "
	"mob_key = EXCLUDED.mob_key, worn_slot = EXCLUDED.worn_slot "
	"WHERE (s.template_id, s.instance_id, s.quantity, s.room_id, s.container_key, s.mob_key, s.worn_slot) "
	"IS DISTINCT FROM (EXCLUDED.template_id, EXCLUDED.instance_id, EXCLUDED.quantity, EXCLUDED.room_id, "
	"EXCLUDED.container_key, EXCLUDED.mob_key, EXCLUDED.worn_slot) "
	"RETURNING 0::bigint, ''::text) "
	"SELECT * FROM up UNION ALL SELECT 0::bigint, '' WHERE NOT EXISTS (SELECT 1 FROM up)";

static int
load_resets(struct loader *ld, struct world *w)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < w->n_zones; i++) {
		struct zone *z = &w->zones[i];
		struct num id, ms;
		const char *p[] = {num(&id, z->id), z->reset_s > 0 ? num(&ms, z->reset_s * 1000) : "", z->reset_mode};

		loader_what(ld, "reset of zone \"%s\"", z->e.key);
		r = write_row(ld, sql_zone_reset, 3, p, NULL);
	}
	for (size_t k = 0; r >= 0 && k < w->n_instances; k++)
		for (size_t i = 0; r >= 0 && i < w->n_exits; i++) {
			struct room_exit *ex = &w->exits[i];
			struct num from;
			const char *p[] = {num(&from, ex->from->ids[k]), game_dir_to_string(ex->dir),
					   world_door_names[ex->door]};

			loader_what(ld, "door reset of exit \"%s\" of room \"%s\"", p[1], ex->from->e.key);
			r = write_row(ld, sql_exit_reset, 3, p, NULL);
		}
	for (size_t i = 0; r >= 0 && i < w->n_items; i++) {
		struct item *it = &w->items[i];
		struct num tpl, inst, quantity, room;
		const char *p[8] = {it->e.key, num(&tpl, it->tpl->id), num(&inst, it->inst->id),
				    num(&quantity, it->quantity)};

		if (it->owner_kind == OWNER_CHARACTER)
			continue; /* a character's things are its own */
		if (it->owner_kind == OWNER_ROOM)
			p[4] = num(&room, it->room->ids[instance_index(w, it->inst)]);
		else if (it->owner_kind == OWNER_CONTAINER)
			p[5] = it->container->e.key;
		else
			p[6] = it->mob->e.key;
		p[7] = it->worn ? it->tpl->slot : NULL;
		loader_what(ld, "reset of item \"%s\"", it->e.key);
		r = write_row(ld, sql_item_spawn, 8, p, NULL);
	}
	return r;
}

static int (*const load_steps[])(struct loader *ld, struct world *w) = {
	load_instances,      load_zones, load_room_templates, load_mob_templates,
	load_item_templates, load_rooms, load_exits,          load_accounts,
	load_characters,     load_mobs,  load_items,          load_resets, /* issue 12 */
};

int
world_load(struct world *w, const char *conninfo)
{
	struct loader ld = {0};
	char suffix[128];
	bool in_tx = false;
	int r;

	r = wr_db_init(&ld.db, conninfo, "wrctl", NULL, &ld.err);
	if (r < 0) {
		/* wr_db_init keeps its copies of the settings even when it fails. */
		fprintf(stderr, "wrctl world: %s\n", ld.err.msg);
		wr_db_done(&ld.db);
		return r;
	}
	loader_what(&ld, "world");
	r = wr_db_exec(&ld.db, "BEGIN", 0, NULL, PGRES_COMMAND_OK, NULL, &ld.err);
	if (r < 0)
		goto out;
	in_tx = true;
	r = wr_db_exec(&ld.db, sql_lock, 0, NULL, PGRES_TUPLES_OK, NULL, &ld.err);
	for (size_t s = 0; r >= 0 && s < WR_ELEMENTSOF(load_steps); s++)
		r = load_steps[s](&ld, w);
	if (r >= 0) /* issue 13: triggers, tags, skies, hidden exits */
		r = world_load_script(&ld.db, w, &ld.err, ld.what, sizeof(ld.what));
	if (r < 0)
		goto out;
	loader_what(&ld, "world");
	r = wr_db_exec(&ld.db, "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL, &ld.err);
	in_tx = false;
	if (r < 0)
		goto out;
	snprintf(suffix, sizeof(suffix), " (changes: %u inserted, %u updated)%s", ld.inserted, ld.updated,
		 ld.gone ? "; placements taken since they spawned are not re-created" : "");
	world_print_counts(w, "loaded world", suffix);
out:
	if (r < 0) {
		fprintf(stderr, "wrctl world: could not load %s: %s\n", ld.what, ld.err.msg);
		if (in_tx && wr_db_exec(&ld.db, "ROLLBACK", 0, NULL, PGRES_COMMAND_OK, NULL, &ld.err) < 0)
			fprintf(stderr, "wrctl world: could not roll back: %s\n", ld.err.msg);
	}
	wr_db_done(&ld.db);
	return r;
}

/* SPDX-License-Identifier: MIT */
/*
 * wrctl_state.c: snapshots, time travel and provenance (issue 14).
 *
 *   wrctl snapshot                  canonical state (characters, items, mobs,
 *                                   doors) in one statement, so one MVCC
 *                                   snapshot, into state_snapshots with that
 *                                   snapshot (pg_current_snapshot) and the
 *                                   highest event id it shows
 *   wrctl state AGG --at EVENT      AGG (char:ID, item:ID, mob:ID) as it was
 *                                   after EVENT's action: the last journaled
 *                                   batch at or before it that locked AGG is
 *                                   re-run on its recorded state (through
 *                                   EVENT's action when it is that batch);
 *                                   if none did, the last snapshot before it
 *   wrctl history item:ID           every event that names the item (loot,
 *                                   takes, drops, puts, gives, corpses and
 *                                   piles) and where it is now
 *   wrctl history gold char:ID      every event that changed that purse, with
 *                                   the change, and the purse now
 *
 * A batch changes an aggregate only under its row lock, so the last batch
 * that locked it before EVENT holds its state until the next one: the
 * answer is exact without replaying the world.  docs/journal.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/util.h"
#include "tools/wrctl.h"
#include "worker/worker.h"

static const char *const sql_snapshot =
	"INSERT INTO state_snapshots (horizon, txid_xmin, snap, data)"
	" SELECT coalesce((SELECT max(event_id) FROM event_log), 0), pg_snapshot_xmin(pg_current_snapshot()),"
	"  pg_current_snapshot()::text, jsonb_build_object("
	"  'characters', (SELECT coalesce(jsonb_agg(to_jsonb(c) ORDER BY c.id), '[]') FROM characters c),"
	"  'items', (SELECT coalesce(jsonb_agg(to_jsonb(i) ORDER BY i.id), '[]') FROM items i),"
	"  'mobs', (SELECT coalesce(jsonb_agg(to_jsonb(m) ORDER BY m.id), '[]') FROM mobs m),"
	"  'exits', (SELECT coalesce(jsonb_agg(jsonb_build_object('from_room_id', x.from_room_id, 'dir', x.dir,"
	"   'door', x.door) ORDER BY x.from_room_id, x.dir), '[]') FROM exits x WHERE x.door <> 'none'))"
	" RETURNING id, horizon, jsonb_array_length(data->'characters'), jsonb_array_length(data->'items')";

int
wrctl_snapshot(int argc, char **argv)
{
	struct wr_error err = {0};
	struct wr_db db;
	PGresult *res = NULL;
	int rc = 1;

	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--database-url=", 15) != 0) {
			fprintf(stderr, "usage: wrctl snapshot\n");
			return 2;
		}
	if (wr_db_init(&db, wrctl_database_url(argc, argv), "wrctl-snapshot", "SET statement_timeout = 0", &err) < 0) {
		fprintf(stderr, "wrctl snapshot: %s\n", err.msg);
		return 1;
	}
	if (wr_db_exec(&db, "BEGIN ISOLATION LEVEL REPEATABLE READ", 0, NULL, PGRES_COMMAND_OK, NULL, &err) < 0 ||
	    wr_db_exec(&db, sql_snapshot, 0, NULL, PGRES_TUPLES_OK, &res, &err) < 0 ||
	    wr_db_exec(&db, "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL, &err) < 0) {
		fprintf(stderr, "wrctl snapshot: %s\n", err.msg);
		goto out;
	}
	printf("snapshot %s at event %s: %s characters, %s items\n", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
	       PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
	rc = 0;
out:
	PQclear(res);
	wr_db_done(&db);
	return rc;
}

enum agg { AGG_CHAR, AGG_ITEM, AGG_MOB };

static int
parse_agg(const char *s, enum agg *kind, int64_t *id)
{
	static const struct {
		const char *prefix;
		enum agg kind;
	} kinds[] = {{"char:", AGG_CHAR}, {"item:", AGG_ITEM}, {"mob:", AGG_MOB}};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncmp(s, kinds[i].prefix, 5) == 0 && s[4] == ':') {
			*kind = kinds[i].kind;
			return wr_parse_i64(s + strlen(kinds[i].prefix), 1, INT64_MAX, id);
		}
	return -EINVAL;
}

static void
print_agg(const struct game_state *st, enum agg kind, int64_t id, int64_t at)
{
	if (kind == AGG_CHAR)
		for (size_t i = 0; i < st->nchars; i++) {
			const struct game_char *c = &st->chars[i];

			if (c->id != id)
				continue;
			printf("{\"char\":%" PRId64 ",\"at_event\":%" PRId64 ",\"name\":\"%s\",\"room_id\":%" PRId64
			       ",\"hp\":%d,\"max_hp\":%d,\"gold\":%" PRId64 ",\"xp\":%" PRId64
			       ",\"level\":%d,\"fighting\":%" PRId64 "}\n",
			       id, at, c->name ? c->name : "", c->room_id, c->hp, c->max_hp, c->gold, c->xp, c->level,
			       c->fighting);
			return;
		}
	if (kind == AGG_ITEM)
		for (size_t i = 0; i < st->nitems; i++) {
			const struct game_item *it = &st->items[i];

			if (it->id != id)
				continue;
			printf("{\"item\":%" PRId64 ",\"at_event\":%" PRId64 ",\"template_id\":%" PRId64
			       ",\"quantity\":%" PRId64 ",\"owner_character_id\":%" PRId64 ",\"owner_room_id\":%" PRId64
			       ",\"owner_mob_id\":%" PRId64 ",\"owner_item_id\":%" PRId64 "}\n",
			       id, at, it->template_id, it->quantity, it->owner_char, it->owner_room, it->owner_mob,
			       it->owner_item);
			return;
		}
	if (kind == AGG_MOB)
		for (size_t i = 0; i < st->nmobs; i++) {
			const struct game_mob *m = &st->mobs[i];

			if (m->id != id)
				continue;
			printf("{\"mob\":%" PRId64 ",\"at_event\":%" PRId64 ",\"room_id\":%" PRId64
			       ",\"hp\":%d,\"max_hp\":%d,"
			       "\"fighting\":%" PRId64 "}\n",
			       id, at, m->room_id, m->hp, m->max_hp, m->fighting);
			return;
		}
	printf("{\"%s\":%" PRId64 ",\"at_event\":%" PRId64 ",\"gone\":true}\n",
	       kind == AGG_CHAR   ? "char"
	       : kind == AGG_ITEM ? "item"
				  : "mob",
	       id, at);
}

/* $1 event -> the batch of its action, its position, the batch's first event */
static const char *const sql_event_batch =
	"SELECT j.batch_id, j.ord, b.first_event FROM event_log e"
	" JOIN action_journal j ON j.action_id = e.action_id"
	" JOIN journal_batches b ON b.batch_id = j.batch_id WHERE e.event_id = $1::bigint";

/* $1 first event bound, $2 containment pattern -> the last batch that locked it
 * (its state parsed here: the journal keeps it as text since 0023, jsonb before) */
static const char *const sql_last_locked =
	"SELECT batch_id FROM journal_batches WHERE first_event <= $1::bigint"
	" AND coalesce(state_text::jsonb, state) @> $2::jsonb ORDER BY first_event DESC LIMIT 1";

/* $1 event, $2 key ('characters', 'items', 'mobs'), $3 id -> the row in the last snapshot before it */
static const char *const sql_from_snapshot =
	"SELECT s.id, x::text FROM state_snapshots s, jsonb_array_elements(s.data->$2) x"
	" WHERE s.horizon <= $1::bigint AND (x->>'id')::bigint = $3::bigint ORDER BY s.horizon DESC LIMIT 1";

int
wrctl_state(int argc, char **argv)
{
	static const char *const keys[] = {[AGG_CHAR] = "characters", [AGG_ITEM] = "items", [AGG_MOB] = "mobs"};
	const char *agg = NULL, *at = NULL;
	struct wr_error err = {0};
	struct game_state *st = NULL;
	struct json_object *doc = NULL;
	struct wr_db db;
	PGresult *res = NULL;
	enum agg kind = AGG_CHAR;
	int64_t id = 0, event = 0, batch = 0, ord = -1, first = 0, found = 0;
	char pattern[160], es[24], fs[24], ids[24];
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--at") && i + 1 < argc)
			at = argv[++i];
		else if (!strncmp(argv[i], "--at=", 5))
			at = argv[i] + 5;
		else if (!strncmp(argv[i], "--database-url=", 15))
			;
		else if (!agg)
			agg = argv[i];
		else
			at = NULL, i = argc;
	}
	if (!agg || !at || parse_agg(agg, &kind, &id) < 0 || wr_parse_i64(at, 1, INT64_MAX, &event) < 0) {
		fprintf(stderr, "usage: wrctl state char:ID|item:ID|mob:ID --at EVENT_ID\n");
		return 2;
	}
	if (wr_db_init(&db, wrctl_database_url(argc, argv), "wrctl-state", NULL, &err) < 0) {
		fprintf(stderr, "wrctl state: %s\n", err.msg);
		return 1;
	}
	snprintf(es, sizeof(es), "%" PRId64, event);
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	{
		const char *p[1] = {es};

		if (wr_db_exec(&db, sql_event_batch, 1, p, PGRES_TUPLES_OK, &res, &err) < 0)
			goto fail;
	}
	if (PQntuples(res) != 1 || wr_db_get_i64(res, 0, 0, &batch) < 0 || wr_db_get_i64(res, 0, 1, &ord) < 0 ||
	    wr_db_get_i64(res, 0, 2, &first) < 0) {
		fprintf(stderr,
			"wrctl state: event %s is not in the journal (no such event, or its day was archived)\n", es);
		goto out;
	}
	PQclear(res);
	res = NULL;
	snprintf(fs, sizeof(fs), "%" PRId64, first);
	snprintf(pattern, sizeof(pattern), "{\"%s\":[{\"id\":%" PRId64 ",\"locked\":true}]}", keys[kind], id);
	{
		const char *p[2] = {fs, pattern};

		if (wr_db_exec(&db, sql_last_locked, 2, p, PGRES_TUPLES_OK, &res, &err) < 0)
			goto fail;
	}
	if (PQntuples(res) == 1 && wr_db_get_i64(res, 0, 0, &found) == 0) {
		st = wr_xcalloc(1, sizeof(*st));
		if (wrctl_rerun_batch(&db, found, found == batch ? ord : -1, st, &doc, &err) < 0)
			goto fail;
		print_agg(st, kind, id, event);
		rc = 0;
		goto out;
	}
	PQclear(res);
	res = NULL;
	{
		const char *p[3] = {es, keys[kind], ids};

		if (wr_db_exec(&db, sql_from_snapshot, 3, p, PGRES_TUPLES_OK, &res, &err) < 0)
			goto fail;
	}
	if (PQntuples(res) != 1) {
		fprintf(stderr,
			"wrctl state: no journaled batch locked %s at or before event %s and no snapshot holds it"
			" (wrctl snapshot)\n",
			agg, es);
		goto out;
	}
	printf("{\"snapshot\":%s,\"at_event\":%s,\"row\":%s}\n", PQgetvalue(res, 0, 0), es, PQgetvalue(res, 0, 1));
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "wrctl state: %s\n", err.msg);
out:
	if (doc)
		json_object_put(doc);
	free(st);
	PQclear(res);
	wr_db_done(&db);
	return rc;
}

/* $1 item id (text) */
static const char *const sql_item_history =
	"SELECT e.event_id, to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), e.type,"
	" coalesce(e.actor_key, '-'), coalesce(e.payload->>'text', e.payload::text) FROM event_log e"
	" WHERE e.payload->'items' @> jsonb_build_array(jsonb_build_object('id', $1::text::bigint))"
	"  OR e.payload->'loot' @> jsonb_build_array(jsonb_build_object('id', $1::text::bigint))"
	"  OR e.payload->>'item_id' = $1::text OR e.payload->>'corpse_id' = $1::text"
	"  OR e.payload->>'pile_id' = $1::text OR e.payload->>'container_id' = $1::text"
	" ORDER BY e.event_id";

static const char *const sql_item_now =
	"SELECT coalesce('character ' || owner_character_id, 'room ' || owner_room_id, 'mob ' || owner_mob_id,"
	" 'item ' || owner_item_id) || ', quantity ' || quantity FROM items WHERE id = $1::text::bigint";

/* $1 character id (text): every purse change with its amount */
static const char *const sql_gold_history =
	"SELECT event_id, ts, type, actor, delta, text FROM ("
	" SELECT e.event_id, to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') ts, e.type,"
	"  coalesce(e.actor_key, '-') actor, coalesce(e.payload->>'text', '') text,"
	"  CASE WHEN e.type = 'GoldGiven' AND e.actor_key = 'char:' || $1 THEN -(e.payload->>'amount')::bigint"
	"   WHEN e.type = 'GoldGiven' AND e.payload->>'target_id' = $1 THEN (e.payload->>'amount')::bigint"
	"   WHEN e.type = 'CharacterDied' AND e.payload->>'character_id' = $1 THEN -(e.payload->>'gold_dropped')::bigint"
	"   WHEN e.type = 'ItemDropped' AND e.actor_key = 'char:' || $1 AND e.payload ? 'gold'"
	"    THEN -(e.payload->>'gold')::bigint"
	"   WHEN e.type IN ('ItemTaken', 'ItemDropped', 'ItemPut', 'ItemGiven')"
	"    AND (e.actor_key = 'char:' || $1 OR (e.type = 'ItemGiven' AND e.payload->>'target_id' = $1)) THEN"
	"    (SELECT sum((x->>'quantity')::bigint) FROM jsonb_array_elements(e.payload->'items') x"
	"     WHERE x->>'name' = 'gold coins')"
	"    * CASE WHEN e.type = 'ItemTaken' OR (e.type = 'ItemGiven' AND e.payload->>'target_id' = $1) THEN 1 ELSE -1 END"
	"  END delta"
	" FROM event_log e WHERE e.actor_key = 'char:' || $1 OR e.payload->>'target_id' = $1"
	"  OR e.payload->>'character_id' = $1) h"
	" WHERE delta IS NOT NULL AND delta <> 0 ORDER BY event_id";

int
wrctl_history(int argc, char **argv)
{
	struct wr_error err = {0};
	struct wr_db db;
	PGresult *res = NULL, *now = NULL;
	enum agg kind;
	int64_t id;
	bool gold = argc > 1 && !strcmp(argv[1], "gold");
	const char *agg = argc > (gold ? 2 : 1) ? argv[gold ? 2 : 1] : NULL;
	char ids[24];
	int rc = 1;

	if (!agg || parse_agg(agg, &kind, &id) < 0 || kind != (gold ? AGG_CHAR : AGG_ITEM)) {
		fprintf(stderr, "usage: wrctl history item:ID\n       wrctl history gold char:ID\n");
		return 2;
	}
	if (wr_db_init(&db, wrctl_database_url(argc, argv), "wrctl-history", "SET statement_timeout = 0", &err) < 0) {
		fprintf(stderr, "wrctl history: %s\n", err.msg);
		return 1;
	}
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	{
		const char *p[1] = {ids};

		if (wr_db_exec(&db, gold ? sql_gold_history : sql_item_history, 1, p, PGRES_TUPLES_OK, &res, &err) <
			    0 ||
		    wr_db_exec(&db, gold ? "SELECT gold::text FROM characters WHERE id = $1::bigint" : sql_item_now, 1,
			       p, PGRES_TUPLES_OK, &now, &err) < 0) {
			fprintf(stderr, "wrctl history: %s\n", err.msg);
			goto out;
		}
	}
	for (int i = 0; i < PQntuples(res); i++) {
		if (gold)
			printf("#%s %s %s %s %s%s\t%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			       PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4)[0] == '-' ? "" : "+",
			       PQgetvalue(res, i, 4), PQgetvalue(res, i, 5));
		else
			printf("#%s %s %s %s\t%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			       PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
	}
	if (gold)
		printf("now: %s gold\n", PQntuples(now) ? PQgetvalue(now, 0, 0) : "no such character,");
	else
		printf("now: %s\n", PQntuples(now) ? PQgetvalue(now, 0, 0) : "gone");
	rc = 0;
out:
	PQclear(res);
	PQclear(now);
	wr_db_done(&db);
	return rc;
}

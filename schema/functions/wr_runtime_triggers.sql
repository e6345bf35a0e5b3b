-- The triggers that keep the runtime rows from the event log (issue 12),
-- as caches that wr_cache_rebuild() can always build again:
--   ZoneReset     -> zone_runtime.data.reset_at_ms          (game/reset.c)
--   CombatStarted -> mob_runtime.data {last_target, attacked_by}
--   Poisoned      -> character_runtime.data.poisoned_until_ms (game/poison.c)
-- A schema file, re-applied after every migration: the triggers sit on the
-- event_log of today (partitioned by migrations/0014_journal.sql; a row
-- trigger on a partitioned table covers every partition).
--
-- A mob remembers who attacked it (attacked_by: the characters who started
-- a fight with it, most recent first, at most 8) and its last opponent
-- (last_target), from CombatStarted events.  Like every *_runtime row it
-- is a cache of the event log: wr_cache_rebuild() builds the same rows
-- from the events, so it can always be dropped and rebuilt.
CREATE OR REPLACE FUNCTION wr_zone_reset_recorded() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO zone_runtime AS z (zone_id, instance_id, data)
	VALUES ((NEW.payload->>'zone_id')::bigint, (NEW.payload->>'instance_id')::bigint,
	        jsonb_build_object('reset_at_ms', (NEW.payload->>'reset_at_ms')::bigint))
	ON CONFLICT (zone_id, instance_id) DO UPDATE
	SET data = z.data || jsonb_build_object('reset_at_ms', (NEW.payload->>'reset_at_ms')::bigint), _built_at = now();
	RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER event_log_zone_reset AFTER INSERT ON event_log
	FOR EACH ROW WHEN (NEW.type = 'ZoneReset') EXECUTE FUNCTION wr_zone_reset_recorded();

CREATE OR REPLACE FUNCTION wr_mob_remembers() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	mob bigint := (NEW.payload->>'mob_id')::bigint;
	who bigint := (NEW.payload->>'attacker_id')::bigint;
BEGIN
	IF mob IS NULL OR who IS NULL OR NOT EXISTS (SELECT 1 FROM mobs WHERE id = mob) THEN
		RETURN NULL;
	END IF;
	INSERT INTO mob_runtime AS r (mob_id, data)
	VALUES (mob, jsonb_build_object('last_target', who,
	                                'attacked_by', CASE WHEN NEW.actor_key LIKE 'char:%' THEN jsonb_build_array(who)
	                                                    ELSE '[]'::jsonb END))
	ON CONFLICT (mob_id) DO UPDATE
	SET data = jsonb_build_object('last_target', who,
	                              'attacked_by', CASE WHEN NEW.actor_key LIKE 'char:%' THEN
	                                  (SELECT jsonb_agg(x ORDER BY o) FROM (
	                                      SELECT who AS x, 0 AS o
	                                      UNION ALL
	                                      SELECT e::bigint, i FROM jsonb_array_elements_text(r.data->'attacked_by')
	                                          WITH ORDINALITY a(e, i) WHERE e::bigint <> who AND i < 8) s)
	                                  ELSE coalesce(r.data->'attacked_by', '[]') END),
	    _built_at = now();
	RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER event_log_mob_memory AFTER INSERT ON event_log
	FOR EACH ROW WHEN (NEW.type = 'CombatStarted') EXECUTE FUNCTION wr_mob_remembers();

-- Poison (game/poison.c): a character's runtime row says until when it is
-- poisoned (poisoned_until_ms: the latest end of its Poisoned events).
CREATE OR REPLACE FUNCTION wr_char_poisoned() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	who bigint := (NEW.payload->>'target_id')::bigint;
	until bigint := (NEW.payload->>'until_ms')::bigint;
BEGIN
	IF who IS NULL OR until IS NULL OR NOT EXISTS (SELECT 1 FROM characters WHERE id = who) THEN
		RETURN NULL;
	END IF;
	INSERT INTO character_runtime AS r (character_id, data)
	VALUES (who, jsonb_build_object('poisoned_until_ms', until))
	ON CONFLICT (character_id) DO UPDATE
	SET data = r.data || jsonb_build_object('poisoned_until_ms',
	                                        greatest(until, coalesce((r.data->>'poisoned_until_ms')::bigint, 0))),
	    _built_at = now();
	RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER event_log_poisoned AFTER INSERT ON event_log
	FOR EACH ROW WHEN (NEW.type = 'Poisoned') EXECUTE FUNCTION wr_char_poisoned();

-- wr_cache_rebuild() -> TABLE(runtime text, rows bigint)
-- Rebuilds every runtime row (the *_runtime tables: caches, never the
-- truth) from canonical data and the event log, in one transaction:
--   zone_runtime: per zone and instance, reset_at_ms of its last ZoneReset
--                 event (schema/functions/wr_runtime_triggers.sql keeps it so);
--   mob_runtime:  per mob, its memory from CombatStarted events: last_target
--                 (the last one it fought), attacked_by (characters who
--                 attacked it, most recent first, at most 8)
--                 (schema/functions/wr_runtime_triggers.sql keeps it so);
--   character_runtime: per character, poisoned_until_ms: the latest end
--                 of its Poisoned events (schema/functions/wr_runtime_triggers.sql);
--   room_runtime, item_runtime: nothing derives into them yet, so they are
--                 emptied.
-- Rows come back equal to the ones the triggers wrote, but for _built_at.
-- "wrctl cache rebuild" calls it.
CREATE OR REPLACE FUNCTION wr_cache_rebuild() RETURNS TABLE (runtime text, rows bigint)
LANGUAGE plpgsql AS $$
BEGIN
	-- The triggers write these rows as events land: hold them off while rebuilding.
	LOCK TABLE zone_runtime, mob_runtime, room_runtime, character_runtime, item_runtime IN EXCLUSIVE MODE;
	DELETE FROM zone_runtime;
	INSERT INTO zone_runtime (zone_id, instance_id, data)
	SELECT DISTINCT ON (z, i) z, i, jsonb_build_object('reset_at_ms', (e.payload->>'reset_at_ms')::bigint)
	FROM event_log e, LATERAL (SELECT (e.payload->>'zone_id')::bigint AS z, (e.payload->>'instance_id')::bigint AS i) k
	WHERE e.type = 'ZoneReset' AND EXISTS (SELECT 1 FROM zones WHERE id = z) AND EXISTS (SELECT 1 FROM instances WHERE id = i)
	ORDER BY z, i, e.event_id DESC;

	DELETE FROM mob_runtime;
	INSERT INTO mob_runtime (mob_id, data)
	SELECT f.mob, jsonb_build_object(
		'last_target', (SELECT (l.payload->>'attacker_id')::bigint FROM event_log l
		                WHERE l.type = 'CombatStarted' AND (l.payload->>'mob_id')::bigint = f.mob
		                  AND l.payload->'attacker_id' IS NOT NULL
		                ORDER BY l.event_id DESC LIMIT 1),
		'attacked_by', coalesce((SELECT jsonb_agg(a.who ORDER BY a.last DESC) FROM (
			SELECT (c.payload->>'attacker_id')::bigint AS who, max(c.event_id) AS last FROM event_log c
			WHERE c.type = 'CombatStarted' AND (c.payload->>'mob_id')::bigint = f.mob AND c.actor_key LIKE 'char:%'
			  AND c.payload->'attacker_id' IS NOT NULL
			GROUP BY 1 ORDER BY 2 DESC LIMIT 8) a), '[]'))
	FROM (SELECT DISTINCT (e.payload->>'mob_id')::bigint AS mob FROM event_log e
	      WHERE e.type = 'CombatStarted' AND e.payload->'attacker_id' IS NOT NULL) f
	WHERE EXISTS (SELECT 1 FROM mobs WHERE id = f.mob);

	DELETE FROM character_runtime;
	INSERT INTO character_runtime (character_id, data)
	SELECT (e.payload->>'target_id')::bigint, jsonb_build_object('poisoned_until_ms', max((e.payload->>'until_ms')::bigint))
	FROM event_log e
	WHERE e.type = 'Poisoned' AND e.payload->'until_ms' IS NOT NULL
	  AND EXISTS (SELECT 1 FROM characters WHERE id = (e.payload->>'target_id')::bigint)
	GROUP BY 1;

	DELETE FROM room_runtime;
	DELETE FROM item_runtime;
	RETURN QUERY
	SELECT 'zone_runtime', (SELECT count(*) FROM zone_runtime) UNION ALL
	SELECT 'mob_runtime', (SELECT count(*) FROM mob_runtime) UNION ALL
	SELECT 'room_runtime', 0::bigint UNION ALL
	SELECT 'character_runtime', (SELECT count(*) FROM character_runtime) UNION ALL
	SELECT 'item_runtime', 0::bigint;
END
$$;

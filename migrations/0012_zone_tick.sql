-- 0012: the living world (issue 12): zone ticks (game/zone.c).
--
-- A zone's tick period, from content.  NULL: the zone has no living world
-- yet (its content opts in by naming tick_ms), so worlds written before
-- the zone tick keep playing as they did.
ALTER TABLE zones ADD COLUMN tick_ms integer CHECK (tick_ms BETWEEN 50 AND 3600000);

-- At most one tick queued per zone chain, and none for a zone without tick_ms ("sys:zone:<zone id>").  A tick
-- asks for the next one only while a player is in its zone; a character
-- walking in or looking around asks for one too (to wake a sleeping zone),
-- and that one is dropped here when the zone is awake already.  Every
-- enqueuer holds the actor's advisory lock (wr_lock_actors) until commit,
-- so two wakes cannot both see an empty chain.  A tick being applied is
-- dequeued before its follow-ups are inserted (wr_commit_batch), so its
-- own next tick is never dropped.
CREATE OR REPLACE FUNCTION wr_zone_tick_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM action_queue q WHERE q.actor_key = NEW.actor_key AND q.verb = 'zone_tick')
	   OR NOT EXISTS (SELECT 1 FROM zones z WHERE z.id = (NEW.plan->>'zone')::bigint AND z.tick_ms IS NOT NULL) THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER action_queue_zone_tick_once BEFORE INSERT ON action_queue
	FOR EACH ROW WHEN (NEW.verb = 'zone_tick') EXECUTE FUNCTION wr_zone_tick_once();

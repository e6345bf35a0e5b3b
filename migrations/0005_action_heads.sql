-- 0005: explicit per-actor heads.  An actor's oldest queued action is its
-- head; only heads are claimable.  Claims used to find heads with an
-- anti-join, which walks every queued non-head row once actors progress
-- unevenly (200 ms per claim with 200k queued).  A partial index of heads
-- makes a claim read only what it can take.
ALTER TABLE action_queue ADD COLUMN is_head boolean NOT NULL DEFAULT false;
UPDATE action_queue q SET is_head = true
WHERE NOT EXISTS (SELECT 1 FROM action_queue p WHERE p.actor_key = q.actor_key AND p.id < q.id);
CREATE INDEX action_queue_head_idx ON action_queue (priority, run_at, id) WHERE is_head;
DROP INDEX action_queue_ready_idx;

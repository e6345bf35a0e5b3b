-- 0004: an index on run_at alone, so an idle worker can ask "when is the
-- next action due?" without scanning the queue (timers, combat rounds).
CREATE INDEX action_queue_run_at_idx ON action_queue (run_at);

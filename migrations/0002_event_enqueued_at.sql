-- 0002: when the action behind an event was enqueued, so enqueue -> commit
-- latency can be read from the log itself (benchmarks, metrics, audits).
ALTER TABLE event_log ADD COLUMN enqueued_at timestamptz;

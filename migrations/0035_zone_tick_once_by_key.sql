-- 0035: the zone tick's once-per-chain check reads the queue by actor
-- (action_queue_actor_idx) whatever the queue's statistics say (issue 16,
-- i16-backlog2).  Planned while the queue looked empty, it scanned the whole
-- queue at every tick a look or a move asks for (217 in 5 s of ./wr bench
-- e2e's 1,000/s, 20% looks); schema/functions/wr_claim.sql's wr_claim_runs
-- says why the statistics mislead.
ALTER FUNCTION wr_zone_tick_once() SET enable_seqscan = off;

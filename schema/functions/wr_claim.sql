-- wr_claim_heads(n integer) -> table(id, rooms, ord): the first n due heads
-- in claim order (priority, run_at, id; a head whose actor's follow-ups are
-- queued is among them: wr_claim_runs takes it only behind all of them,
-- issue 16), each with its rooms, ord its rank from 1.  A head
-- without rooms whose actor is a character or a mob (an action marked for
-- re-planning has none until it is planned again) counts as in its actor's
-- room: otherwise every claim would pick it, and all but one find it
-- locked.  A character's head whose rooms do not include the room the
-- character stands in (its plan is stale: it moved since) counts as in that
-- room only ("the room it stands in", below).  LANGUAGE sql and STABLE: inlined
-- into wr_claim_pick's statements.
CREATE OR REPLACE FUNCTION wr_claim_heads(n integer)
RETURNS TABLE (id bigint, rooms bigint[], ord integer)
LANGUAGE sql STABLE AS $$
	SELECT q.id, CASE WHEN ch.room_id IS NOT NULL AND ch.room_id <> ALL (q.lock_rooms) THEN ARRAY[ch.room_id]
	            WHEN q.lock_rooms <> '{}' THEN q.lock_rooms
	            WHEN q.actor_key ~ '^mob:[0-9]+$' THEN ARRAY(
		SELECT x.room_id FROM mobs x
		WHERE x.id = substring(q.actor_key FROM 5)::bigint AND x.room_id IS NOT NULL)
	            ELSE q.lock_rooms END,
	       (row_number() OVER (ORDER BY q.priority, q.run_at, q.id))::integer
	FROM (SELECT q.id, q.actor_key, q.lock_rooms, q.priority, q.run_at FROM action_queue q
	      WHERE q.is_head AND q.run_at <= now()
	      ORDER BY q.priority, q.run_at, q.id
	      LIMIT n) q
	-- a join, not a sub-select per head (~13 us each, 400 heads a claim)
	LEFT JOIN characters ch
	  ON ch.id = CASE WHEN q.actor_key ~ '^char:[0-9]+$' THEN substring(q.actor_key FROM 6)::bigint END
$$;

-- wr_claim_pick(k integer, cap integer) -> (o_ids bigint[], o_rooms bigint[]): the heads one claim may take, and its rooms
-- Issue 16, batches that do not collide.  A claim takes whole rooms, not the
-- oldest k heads of the world: walking the first due heads in claim order
-- (priority, run_at, id; at most 4k + 64 of them), it takes each head's
-- rooms (lock_rooms) with pg_try_advisory_xact_lock(1464991745, hashint8(room)),
-- never waiting, until the heads those rooms hold in that window reach k
-- (counted without overshooting: heads with one room), where k is a full
-- batch (wr.batch_max, the worker's batch-max; at most cap) whatever the
-- worker asked, unless 1 (a failure isolated); the result is every windowed head all of
-- whose rooms this transaction holds (a head without rooms always), in
-- claim order, at most k.  Two
-- workers' claims thus take disjoint rooms, and their lock phases
-- (wr_lock_load, SKIP LOCKED) find little of theirs held by the other.
-- The advisory locks are only a hint: the lock phase still locks every
-- aggregate in the global order, so a stale lock set, a head's run in
-- another room (wr_claim_runs cuts runs at rooms others hold), a hash
-- collision or a room locked without them costs a deferral, never a guarantee.  They last until the batch's transaction ends.
-- A room that another claim holds is skipped, never waited for: when every
-- due head needs one, the claim is empty (or only the heads without rooms)
-- and the worker naps briefly and claims again (issue 16: a claim that
-- waited for a hot room stalled the backlog's last slices).  A hot room is
-- still served: whoever holds it claims its oldest heads, and a claim
-- never keeps a room without taking its heads.
-- Alone (issue 16, a cheap claim): a session that claims holds a shared
-- session advisory lock (1464991746, 0), "a claimer is connected", taken at
-- its first claim.  When no other session holds that lock or a room lock,
-- nobody else claims: the claim is the oldest k due heads (the head index,
-- no window, no walk), and it takes their rooms, so a claimer that connects
-- meanwhile finds them held.  The one look at pg_locks that decides this is
-- the same that tells the walk which rooms others hold.
-- Four workers, not four small batches (issue 16): each claimer used to take
-- its fair share of the window's rooms (1 / claimers), so with 400 heads due
-- at most, four workers on two cores ran four batches of ~21, each paying a
-- batch's fixed cost (three round trips, the statements' overheads, the
-- commit's flush; ~14 ms of backend CPU), and a worker that found every
-- room held retried every 20 ms, a full window walk each time.  Now:
-- * Slots: with wr.claim_slots = S > 0 (the worker sets it: its claim-slots,
--   by default the machine's CPUs), at most S batches run at once.  A claim
--   takes a free slot, the transaction advisory lock (1464991747, 0..S-1),
--   or waits for one, (1464991747, its pid mod S), before anything else: it
--   holds no room or row then, so no cycle is possible; it is released with
--   the batch.  A worker beyond S waits without CPU, and claims the moment a
--   batch commits, what accumulated meanwhile.  Past lock_timeout it claims
--   without a slot.  The worker waits before its claim's BEGIN
--   (wr_claim_slot_wait, below), so its claim sees what came meanwhile.
-- * A full batch: the first claimer takes k = a full batch, the next one
--   what is left (no room share), so the batches that run are large.
-- The setting wr.claim_rooms = off (PGOPTIONS="-c wr.claim_rooms=off" for a
-- worker) hands every windowed head to wr_claim_runs, rooms or not: the claim
-- before issue 16's rooms, for A/B runs and for tests of the lock phase
-- under contention (worker-contention), which whole-room claims would keep
-- from ever colliding.
-- wr_claim_slot_wait() -> integer: the worker's wait for a claim slot
-- (wr_claim_pick's slots, above), before its claim's BEGIN, in a statement
-- and an implicit transaction of its own (issue 16, four workers, second
-- pass): it takes a free slot, or waits for (1464991747, its pid mod S), as
-- a session lock, and names it in the session setting wr.slot; the claim's
-- wr_claim_slot (below) turns it into the transaction's lock.  -1: no
-- slots, or past lock_timeout (the claim goes on without one).
-- Why before BEGIN: a claim that waited inside its statement kept the
-- transaction's now() and the statement's snapshot from before the wait,
-- so a waiter claimed only what had been due when it began to wait (the
-- heads enqueued meanwhile were invisible to its FOR UPDATE, while the
-- pick's own statements saw them and took their rooms): with four workers
-- the batches that ran were what one holder had left, not what had come.
-- A slot this session still holds from a claim that never ran (wr.slot
-- set) is let go first; a failed batch's reset drops it too
-- (worker/store.c), and a session's end in any case.
CREATE OR REPLACE FUNCTION wr_claim_slot_wait() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	-- batches at once (worker/store.c sets wr.claim_slots); 0: no limit
	slots integer := greatest(coalesce(nullif(current_setting('wr.claim_slots', true), '')::integer, 0), 0);
	old integer := nullif(current_setting('wr.slot', true), '')::integer;
	sl integer;
BEGIN
	IF old IS NOT NULL THEN
		WHILE EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = 1464991747
		              AND l.objid = old AND l.objsubid = 2 AND l.pid = pg_backend_pid() AND l.granted) LOOP
			PERFORM pg_advisory_unlock(1464991747, old);
		END LOOP;
		PERFORM set_config('wr.slot', '', false);
	END IF;
	-- wr.claim_rooms = off (the claim before issue 16's rooms, for A/B runs
	-- and worker-contention): no slot, as wr_claim_pick takes none then.
	IF slots = 0 OR current_setting('wr.claim_rooms', true) = 'off' THEN
		RETURN -1;
	END IF;
	FOR i IN 0 .. slots - 1 LOOP
		IF pg_try_advisory_lock(1464991747, i) THEN
			PERFORM set_config('wr.slot', i::text, false);
			RETURN i;
		END IF;
	END LOOP;
	sl := pg_backend_pid() % slots;
	BEGIN
		PERFORM pg_advisory_lock(1464991747, sl);
	EXCEPTION WHEN lock_not_available THEN
		RETURN -1; -- lock_timeout: claim without one
	END;
	PERFORM set_config('wr.slot', sl::text, false);
	RETURN sl;
END
$$;

-- wr_claim_slot() -> boolean: a claim slot for this transaction (released
-- with it): the one wr_claim_slot_wait took for this session (now held by
-- the transaction: taken again at once, the session's level let go), else
-- a free one, else it waits for (1464991747, its pid mod S) (a claim
-- called alone: the tests).  false: no slots, or past lock_timeout.
CREATE OR REPLACE FUNCTION wr_claim_slot() RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	-- batches at once (worker/store.c sets wr.claim_slots); 0: no limit
	slots integer := greatest(coalesce(nullif(current_setting('wr.claim_slots', true), '')::integer, 0), 0);
	mine integer := nullif(current_setting('wr.slot', true), '')::integer;
BEGIN
	IF mine IS NOT NULL THEN
		PERFORM set_config('wr.slot', '', false);
		PERFORM pg_advisory_xact_lock(1464991747, mine);
		PERFORM pg_advisory_unlock(1464991747, mine);
		RETURN true;
	END IF;
	FOR i IN 0 .. slots - 1 LOOP
		IF pg_try_advisory_xact_lock(1464991747, i) THEN
			RETURN true;
		END IF;
	END LOOP;
	IF slots > 0 THEN
		BEGIN
			PERFORM pg_advisory_xact_lock(1464991747, pg_backend_pid() % slots);
			RETURN true;
		EXCEPTION WHEN lock_not_available THEN
			NULL; -- lock_timeout: claim without one
		END;
	END IF;
	RETURN false;
END
$$;

DROP FUNCTION IF EXISTS wr_claim_pick(integer);
DROP FUNCTION IF EXISTS wr_claim_pick(integer, integer);
CREATE FUNCTION wr_claim_pick(k integer, cap integer, OUT o_ids bigint[], OUT o_rooms bigint[])
LANGUAGE plpgsql AS $$
DECLARE
	-- a full batch: the worker's batch-max (worker/store.c sets wr.batch_max)
	full_batch integer := least(greatest(coalesce(nullif(current_setting('wr.batch_max', true), '')::integer, 128), 1), 256);
	win integer;
	ids bigint[];      -- the windowed heads, in claim order
	nr integer[];      -- how many rooms each has
	flat bigint[];     -- their rooms, one after the other
	fi integer[];      -- for each of flat, its head's index in ids
	cnt jsonb;         -- room -> windowed heads whose only room it is
	mine bigint[] := '{}';
	refused bigint[] := '{}';
	held integer[];    -- the advisory keys of rooms other claims hold
	present boolean;   -- this session holds the claimer lock
	alone boolean;     -- no other session holds a claimer or room lock
	skip boolean;
	est integer;
	room bigint;
	i integer;
	p integer;         -- flat index of head i's first room
BEGIN
	o_ids := '{}';
	o_rooms := '{}';
	IF k < 1 THEN
		RETURN;
	END IF;
	win := least(k, 256) * 4 + 64;
	IF current_setting('wr.claim_rooms', true) = 'off' THEN
		-- wr_claim_runs takes the oldest k of them it can lock, whatever their rooms
		o_ids := ARRAY(SELECT h.id FROM wr_claim_heads(win) h ORDER BY h.ord);
		o_rooms := NULL;
		RETURN;
	END IF;
	-- A slot first (above), holding nothing else yet: the one the
	-- worker waited for before BEGIN (wr_claim_slot_wait), or one now.
	PERFORM wr_claim_slot();
	-- One look at the lock table: the room locks other claims hold,
	-- whether another claimer is connected.
	SELECT coalesce(array_agg((l.objid::bigint - CASE WHEN l.objid::bigint >= 2147483648 THEN 4294967296 ELSE 0 END)::integer)
			FILTER (WHERE l.classid = 1464991745 AND l.granted AND l.pid <> pg_backend_pid()), '{}'),
	       count(*) FILTER (WHERE l.pid <> pg_backend_pid()) = 0,
	       coalesce(bool_or(l.classid = 1464991746 AND l.pid = pg_backend_pid()), false)
	INTO held, alone, present
	FROM pg_locks l
	WHERE l.locktype = 'advisory' AND l.classid IN (1464991745, 1464991746) AND l.objsubid = 2;
	IF NOT present THEN
		PERFORM pg_advisory_lock_shared(1464991746, 0);
	END IF;
	IF alone THEN
		-- Alone: the oldest k due heads, and every room they need (k as
		-- the worker asked: one worker adapts its batch to the load).
		WITH h AS MATERIALIZED (
			SELECT * FROM wr_claim_heads(k)
		), t AS MATERIALIZED (
			SELECT x.r FROM (SELECT DISTINCT u.r FROM h, unnest(h.rooms) u(r)) x
			WHERE pg_try_advisory_xact_lock(1464991745, hashint8(x.r))
		)
		SELECT ARRAY(SELECT h.id FROM h WHERE h.rooms <@ ARRAY(SELECT t.r FROM t) ORDER BY h.ord),
		       ARRAY(SELECT t.r FROM t)
		INTO o_ids, o_rooms;
		RETURN;
	END IF;
	-- Not alone: a full batch, whatever the worker's adaptive k (a claim
	-- of 1 isolates a failure, worker.c's recover(): it stays 1), and no
	-- share of the rooms: the next claimer takes what is left (above).
	IF k > 1 THEN
		k := least(greatest(k, full_batch), cap);
	END IF;
	win := k * 4 + 64;
	WITH c AS MATERIALIZED (
		SELECT h.id, h.rooms AS lock_rooms, h.ord FROM wr_claim_heads(win) h
	), u AS MATERIALIZED (
		SELECT c.ord, u.r, u.n FROM c, unnest(c.lock_rooms) WITH ORDINALITY u(r, n)
	)
	SELECT (SELECT array_agg(c.id ORDER BY c.ord) FROM c),
	       (SELECT array_agg(cardinality(c.lock_rooms) ORDER BY c.ord) FROM c),
	       (SELECT array_agg(u.r ORDER BY u.ord, u.n) FROM u),
	       (SELECT array_agg(u.ord ORDER BY u.ord, u.n) FROM u),
	       (SELECT jsonb_object_agg(x.r, x.n)
		FROM (SELECT c.lock_rooms[1] AS r, count(*) AS n FROM c
		      WHERE cardinality(c.lock_rooms) = 1 GROUP BY 1) x)
	INTO ids, nr, flat, fi, cnt;
	IF ids IS NULL THEN
		RETURN;
	END IF;
	-- Walk the heads in order, taking their rooms, while the heads
	-- the rooms held cover are fewer than k by a count that never
	-- overshoots: per room held the heads whose only room it is (a
	-- move needs two; it comes along when both are held).  One pass:
	-- no recount, whatever is refused.
	est := 0; -- heads without rooms come along, but every claim sees them: not counted
	-- A head needing a room other claims hold (the look above) is passed
	-- over before any of its rooms is taken, so a move whose second room
	-- is held does not leave its first one held for nothing until the
	-- batch ends.
	refused := ARRAY(SELECT DISTINCT x.r FROM unnest(flat) x(r) WHERE hashint8(x.r) = ANY (held));
	i := 0;
	p := 1;
	WHILE est < k AND i < cardinality(ids) LOOP
		i := i + 1;
		skip := false;
		FOR j IN p .. p + nr[i] - 1 LOOP
			skip := skip OR flat[j] = ANY (refused);
		END LOOP;
		IF skip THEN
			p := p + nr[i];
			CONTINUE;
		END IF;
		FOR j IN p .. p + nr[i] - 1 LOOP
			room := flat[j];
			CONTINUE WHEN room = ANY (mine);
			IF room = ANY (refused)
			   OR NOT pg_try_advisory_xact_lock(1464991745, hashint8(room)) THEN
				refused := refused || room;
				EXIT;
			END IF;
			mine := mine || room;
			est := est + coalesce((cnt ->> room::text)::integer, 0);
		END LOOP;
		p := p + nr[i];
	END LOOP;
	-- Every head all of whose rooms it holds: nothing (or the heads
	-- without rooms) when other claims hold every room the heads need.
	o_ids := ARRAY(SELECT ids[s.j] FROM generate_subscripts(ids, 1) s(j)
		       WHERE s.j NOT IN (SELECT x.f FROM unnest(flat, fi) x(r, f) WHERE x.r <> ALL (mine))
		       ORDER BY s.j LIMIT k);
	o_rooms := mine;
END
$$;

-- wr_claim_rooms_try(rooms bigint[]) -> boolean
-- Takes the rooms' claim locks (wr_claim_pick's advisory keys) that no other
-- claim holds, never waiting; true when this transaction holds them all.
-- For an actor's run that leaves the rooms its head's claim took.
CREATE OR REPLACE FUNCTION wr_claim_rooms_try(p_rooms bigint[]) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	room bigint;
BEGIN
	FOREACH room IN ARRAY p_rooms LOOP
		IF NOT pg_try_advisory_xact_lock(1464991745, hashint8(room)) THEN
			RETURN false;
		END IF;
	END LOOP;
	RETURN true;
END
$$;

-- wr_claim_runs(k integer, m integer, cap integer) -> setof action_queue
-- Issue 16: an actor's run.  Claims up to k heads (the rules: wr_claim, below),
-- and behind each head up to m - 1 of the same actor's next queued actions,
-- by id: the run stops at the first one that is not due yet or that another
-- transaction holds, so what is claimed of an actor is always a prefix of its
-- queue.  Rows come heads first (in wr_claim's order), then every run's
-- second action, then every third ..., at most cap rows (cutting the end
-- cuts runs' tails only).  The worker applies them in that order, so an
-- actor's actions one after the other, and leaves the rest of a run queued
-- (untouched: it returns to the queue at commit) as soon as one action of it
-- does not finish in the batch (worker/worker.c); after commit wr_dequeue
-- makes the oldest one left the head.  A character's follow-ups
-- ("char:<id>:follow") come first: its own head and run only in a claim
-- that holds every follow-up it has queued, placed behind them.  Only the holder of an actor's head
-- claims its later actions, so two workers never hold parts of one actor's
-- queue.  The rows returned are the locked versions (not the statement
-- snapshot's).  m = 1: heads only (wr_claim).
-- The room it stands in (issue 16, i16-backlog4): a character's row whose
-- plan names no room the character stands in now (NULL rooms included) is
-- stale: it moved since, or the row is marked for a re-plan, and the rules
-- answer GAME_STALE before they look at any room (game/dispatch.c).  Such a
-- row counts as in that room only, for the claim's room locks (wr_claim_heads,
-- the run's rooms below) and in the lock_rooms returned (the queue row keeps
-- its own): the worker then locks the room its in-batch re-plan needs
-- (worker.c's replan_here; the look a move queued is claimed there too),
-- not the one the actor left.  A backlog planned from one snapshot makes
-- every action of an actor stale after its first move: the old rooms only
-- made claims take rooms the actor had left, and the room the re-plan needed
-- was locked by chance (i16-backlog4: slow actors' runs cut at every look and
-- stale give; the last 10% of a 200,000 drain at 37-40% of the first).
-- enable_seqscan = off (issue 16, i16-backlog2): every read of the queue here
-- is by key (the heads' ids, an actor's run, its follow-ups), once per head.
-- The queue's statistics are whatever it held when last analyzed (often
-- nothing: ./wr bench e2e analyzes it empty), so the planner saw a one-page
-- table and scanned it whole for every head, in a plan this session keeps
-- while the queue grows: under ./wr bench e2e's 1,000/s a claim of 100 heads
-- read 31,000 buffers (80 ms), and the slower claims let the queue grow
-- (tests/integration/claim-scan.sh).
DROP FUNCTION IF EXISTS wr_claim_runs(integer, integer, integer);
CREATE FUNCTION wr_claim_runs(k integer, m integer, cap integer) RETURNS SETOF action_queue
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
	-- plpgsql, not sql: its plan is cached per session (an sql function's
	-- body is planned again at every call: ~1 ms of a 3 ms claim, issue 16).
	RETURN QUERY
	WITH pk AS MATERIALIZED (
		-- The heads in rooms no other claim holds, and those rooms
		-- (wr_claim_pick, above): picked once.
		SELECT * FROM wr_claim_pick(least(k, cap), cap)
	), h AS MATERIALIZED (
		-- Each by its primary key, with how many follow-ups its actor has queued.
		SELECT q AS r, q.id, q.actor_key, q.priority, q.run_at,
		       (SELECT count(*) FROM action_queue f WHERE f.actor_key = q.actor_key || ':follow') AS nf,
		       ch.room_id AS cur
		FROM action_queue q
		LEFT JOIN characters ch
		  ON ch.id = CASE WHEN q.actor_key ~ '^char:[0-9]+$' THEN substring(q.actor_key FROM 6)::bigint END
		WHERE q.id = ANY ((SELECT pk.o_ids FROM pk)::bigint[]) AND q.is_head AND q.run_at <= now()
		ORDER BY q.priority, q.run_at, q.id
		-- the pick's heads (it may take more than k: a full batch when
		-- other workers claim), or k of the window (wr.claim_rooms = off)
		LIMIT least(CASE WHEN (SELECT pk.o_rooms FROM pk) IS NULL THEN k
		                 ELSE cardinality((SELECT pk.o_ids FROM pk)) END, cap)
		FOR UPDATE OF q SKIP LOCKED
	), hr AS MATERIALIZED (
		SELECT h.r, h.id, h.actor_key, h.nf, h.cur, row_number() OVER (ORDER BY h.priority, h.run_at, h.id) AS hrank FROM h
	), c AS MATERIALIZED (
		-- Each head's next m - 1 queued actions, due or not.
		SELECT hr.hrank, hr.actor_key, hr.nf, hr.cur, o.id, row_number() OVER (PARTITION BY hr.hrank ORDER BY o.id) AS pos
		FROM hr CROSS JOIN LATERAL (
			SELECT o.id FROM action_queue o
			WHERE o.actor_key = hr.actor_key AND o.id > hr.id
			ORDER BY o.id LIMIT greatest(m - 1, 0)) o
	), cc AS MATERIALIZED (
		-- Only as many as the claim can return (cap, the heads first): the
		-- rows the final ORDER BY ... LIMIT cap keeps, each run's a prefix.
		-- (Issue 16: 128 heads' runs of 31 locked ~4,000 rows FOR UPDATE
		-- to return 256, ~190 ms of a 300 ms claim in a backlog.)
		SELECT c.* FROM c ORDER BY c.pos, c.hrank
		LIMIT greatest(cap - (SELECT count(*) FROM hr), 0)
	), l AS MATERIALIZED (
		-- Those due and free, locked (the due test sees the locked version),
		-- in rooms the claim holds or can take now (wr_claim_rooms_try): a
		-- run into a room another claim holds stops there, since the lock
		-- phase would only defer it.
		-- Its rooms: the room its actor stands in when the plan's rooms
		-- leave it out (below; written out, not a function: a call per row
		-- cost ~70 us).
		SELECT o AS r, o.id, cc.cur FROM action_queue o JOIN cc ON cc.id = o.id
		WHERE o.id = ANY (ARRAY(SELECT cc.id FROM cc)) AND o.run_at <= now()
		  AND ((SELECT pk.o_rooms FROM pk) IS NULL
		       OR CASE WHEN cc.cur IS NOT NULL AND cc.cur <> ALL (o.lock_rooms) THEN ARRAY[cc.cur]
		               ELSE o.lock_rooms END <@ (SELECT pk.o_rooms FROM pk)
		       OR wr_claim_rooms_try(CASE WHEN cc.cur IS NOT NULL AND cc.cur <> ALL (o.lock_rooms)
		                                  THEN ARRAY[cc.cur] ELSE o.lock_rooms END))
		FOR UPDATE OF o SKIP LOCKED
	), cut AS (
		-- Each run's first action not due or not ours: the run ends before it.
		SELECT cc.hrank, min(cc.pos) AS pos FROM cc WHERE cc.id NOT IN (SELECT l.id FROM l)
		GROUP BY cc.hrank
	), x0 AS (
		SELECT hr.hrank, hr.actor_key, hr.nf, 0::bigint AS pos, hr.r, hr.cur FROM hr
		UNION ALL
		SELECT cc.hrank, cc.actor_key, cc.nf, cc.pos, l.r, l.cur
		FROM cc JOIN l ON l.id = cc.id LEFT JOIN cut ON cut.hrank = cc.hrank
		WHERE cut.pos IS NULL OR cc.pos < cut.pos
	), fc AS (
		-- Each character's follow-ups in this claim.
		SELECT left(x0.actor_key, -length(':follow')) AS actor_key, count(*) AS n FROM x0
		WHERE x0.actor_key LIKE 'char:%:follow' GROUP BY 1
	), x AS (
		-- A character whose follow-ups are queued comes along only when
		-- this claim holds them all, and behind them (issue 16: a move's
		-- look no longer costs its actor a batch of its own; what a move
		-- shows still comes before the command typed after it).  The
		-- worker holds the character back if one of them does not finish.
		SELECT x0.hrank, x0.pos + coalesce(fc.n, 0) AS pos, x0.r, x0.cur FROM x0 LEFT JOIN fc ON fc.actor_key = x0.actor_key
		WHERE x0.nf = coalesce(fc.n, 0)
	), y AS MATERIALIZED (
		-- A character's row whose rooms do not include the one it stands
		-- in (a stale plan: it moved since; or none, marked) is returned
		-- with that room as its only room: the worker locks where the
		-- re-plan will need, not where the old plan was.
		SELECT CASE WHEN x.cur IS NULL OR x.cur = ANY ((x.r).lock_rooms) THEN x.r
		            ELSE jsonb_populate_record(x.r, jsonb_build_object('lock_rooms', ARRAY[x.cur])) END AS r,
		       x.pos, x.hrank
		FROM x ORDER BY x.pos, x.hrank LIMIT cap
	)
	SELECT (y.r).* FROM y ORDER BY y.pos, y.hrank;
END
$$;

-- wr_claim(k integer) -> setof action_queue
-- Claims up to k due actions, FOR UPDATE SKIP LOCKED, in (priority, run_at, id)
-- order.  Only an actor's head (its oldest queued action, see wr_dequeue) is
-- claimable: while an actor's earlier action is queued (claimed by another
-- worker or not), its later ones wait, which gives per-actor submission
-- order with any number of workers.  The rows stay locked until the caller's transaction ends; the
-- caller deletes them in the same transaction that applies them.
-- A character's follow-ups (a move's triggers and auto-look) queue under
-- "char:<id>:follow", written in the same transaction as the move; while
-- any is queued, the character's own next action waits for them (it is
-- claimed only behind all of them, in the same claim), so what a move
-- shows always comes before the command typed after it.
-- It is wr_claim_runs(k, 1, k): heads only (the tests that look at the
-- queue as one worker would claim it use it; the worker claims runs).
CREATE OR REPLACE FUNCTION wr_claim(k integer) RETURNS SETOF action_queue
LANGUAGE sql AS $$
	SELECT * FROM wr_claim_runs(k, 1, k)
$$;

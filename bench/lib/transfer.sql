-- bench/lib/transfer.sql: the transfer benchmark (bench/transfer.sh), after
-- SpacetimeDB's keynote method: a 2-row transfer between two accounts chosen
-- uniformly or Zipf-skewed.  In the engine a transfer is `give 1 coins
-- <character>`, a room-local action, so both parties share a room: the giver
-- is drawn over all the bench characters, the receiver over the giver's
-- room-mates, each by the same distribution (rank 1 hottest).  The peer
-- baseline applies the very same pairs with a plain stored procedure.
-- Loaded after bench_acct is filled; lives only in the bench's database.

-- Cumulative Zipf weights j^-alpha over ranks 1..n (not normalised: a draw
-- over 1..m scales its uniform number by cum[m]).
CREATE TABLE bench_zipf (j int PRIMARY KEY, cum float8 NOT NULL);
CREATE INDEX ON bench_zipf (cum);

CREATE FUNCTION bench_zipf_fill(p_n int, p_alpha float8) RETURNS void LANGUAGE sql AS $$
	INSERT INTO bench_zipf
	SELECT j, sum(power(j, -p_alpha)) OVER (ORDER BY j) FROM generate_series(1, p_n) j
$$;

-- A rank in 1..m: uniform, or Zipf (the smallest j whose cumulative weight
-- reaches a uniform draw scaled to cum[m]).
CREATE FUNCTION bench_draw(p_dist text, p_m int) RETURNS int LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	x float8;
BEGIN
	IF p_m < 1 THEN
		RAISE EXCEPTION 'bench_draw: empty range';
	END IF;
	IF p_dist = 'uniform' THEN
		RETURN 1 + floor(random() * p_m)::int;
	END IF;
	x := random() * (SELECT cum FROM bench_zipf WHERE j = p_m);
	RETURN coalesce((SELECT j FROM bench_zipf WHERE cum >= x ORDER BY cum LIMIT 1), p_m);
END
$$;

-- The pairs: p_n per distribution, numbered 1..p_n.
CREATE TABLE bench_pairs (dist text NOT NULL, i int NOT NULL, giver bigint NOT NULL, receiver bigint NOT NULL,
	PRIMARY KEY (dist, i));

CREATE FUNCTION bench_pairs_fill(p_dist text, p_n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	total int := (SELECT count(*) FROM bench_acct);
	g bench_acct;
	m int;
	r int;
	s int;
BEGIN
	FOR i IN 1 .. p_n LOOP
		-- zipf-recv: the giver uniform, the receiver Zipf (lock contention
		-- without one hot actor's queue).  Once: in a WHERE a volatile call runs per row.
		r := bench_draw(CASE WHEN p_dist = 'zipf-recv' THEN 'uniform' ELSE p_dist END, total);
		SELECT * INTO STRICT g FROM bench_acct WHERE k = r;
		m := (SELECT count(*) FROM bench_acct WHERE room = g.room);
		s := bench_draw(CASE WHEN p_dist = 'zipf-recv' THEN 'zipf' ELSE p_dist END, m - 1); -- a room-mate's slot, the giver's own skipped
		IF s >= g.slot THEN
			s := s + 1;
		END IF;
		INSERT INTO bench_pairs SELECT p_dist, i, g.id, a.id FROM bench_acct a WHERE a.room = g.room AND a.slot = s;
	END LOOP;
END
$$;

-- The engine's side: pairs p_from..p_to of one distribution as `give 1
-- coins <receiver>` actions, planned as the planner plans them (the room
-- and both characters locked), through wr_enqueue().  Nobody moves, so no
-- plan goes stale.  Records each id with its enqueue transaction.
CREATE TABLE bench_ids (id bigint PRIMARY KEY, phase text NOT NULL, txid xid8 NOT NULL DEFAULT pg_current_xact_id());

CREATE FUNCTION bench_enqueue_pairs(p_phase text, p_dist text, p_from int, p_to int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	m jsonb;
	k int;
BEGIN
	SELECT jsonb_agg(jsonb_build_object('actor_key', 'char:' || g.id, 'verb', 'give',
		'args', jsonb_build_object('object', jsonb_build_object('word', 'coins', 'quantity', 1),
		                           'recipient', jsonb_build_object('word', lower(r.name))),
		'plan', jsonb_build_object('room', g.room, 'target', r.id, 'amount', 1),
		'instance_id', g.instance_id, 'lock_rooms', jsonb_build_array(g.room),
		'lock_characters', jsonb_build_array(least(g.id, r.id), greatest(g.id, r.id)),
		'lock_items', '[]'::jsonb) ORDER BY p.i)
	INTO m
	FROM bench_pairs p JOIN bench_acct g ON g.id = p.giver JOIN bench_acct r ON r.id = p.receiver
	WHERE p.dist = p_dist AND p.i BETWEEN p_from AND p_to;
	IF m IS NULL THEN
		RETURN 0;
	END IF;
	INSERT INTO bench_ids (id, phase) SELECT id, p_phase FROM wr_enqueue(m) AS id;
	GET DIAGNOSTICS k = ROW_COUNT;
	RETURN k;
END
$$;

-- Commit time of a transaction (fresh cluster: epoch 0).
CREATE FUNCTION bench_committed(x xid8) RETURNS timestamptz LANGUAGE sql STABLE AS $$
	SELECT pg_xact_commit_timestamp((x::text::bigint % 4294967296)::text::xid)
$$;

-- The peer baseline: plain PostgreSQL.  One row per account, one event row
-- per transfer, durable (logged tables, fsync on).
CREATE TABLE bench_accounts (id bigint PRIMARY KEY, gold bigint NOT NULL);
CREATE TABLE bench_transfer_events (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(),
	giver bigint NOT NULL, receiver bigint NOT NULL, amount bigint NOT NULL);

-- One transfer: lock both rows in id order, move the gold, log one event.
CREATE FUNCTION bench_transfer(p_from bigint, p_to bigint, p_amount bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM bench_accounts WHERE id IN (p_from, p_to) ORDER BY id FOR UPDATE;
	UPDATE bench_accounts SET gold = gold - p_amount WHERE id = p_from AND gold >= p_amount;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	UPDATE bench_accounts SET gold = gold + p_amount WHERE id = p_to;
	INSERT INTO bench_transfer_events (giver, receiver, amount) VALUES (p_from, p_to, p_amount);
	RETURN true;
END
$$;

-- The batching client's call: the transfers of pairs p_i (in that order) in
-- one transaction.  Every account of the batch is locked in id order first,
-- so that two clients' batches cannot deadlock (locking pair by pair in id
-- order is not enough once a transaction holds earlier pairs' rows).
CREATE FUNCTION bench_transfer_batch(p_dist text, p_i int[]) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	r record;
	n int := 0;
BEGIN
	PERFORM 1 FROM bench_accounts
	WHERE id IN (SELECT p.giver FROM bench_pairs p WHERE p.dist = p_dist AND p.i = ANY(p_i)
	             UNION SELECT p.receiver FROM bench_pairs p WHERE p.dist = p_dist AND p.i = ANY(p_i))
	ORDER BY id FOR UPDATE;
	FOR r IN SELECT p.giver, p.receiver FROM unnest(p_i) WITH ORDINALITY u(i, o)
	         JOIN bench_pairs p ON p.dist = p_dist AND p.i = u.i ORDER BY u.o LOOP
		IF bench_transfer(r.giver, r.receiver, 1) THEN
			n := n + 1;
		END IF;
	END LOOP;
	RETURN n;
END
$$;

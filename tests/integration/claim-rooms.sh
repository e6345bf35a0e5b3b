#!/bin/sh
# Issue 16, batches that do not collide (wr_claim_pick,
# schema/functions/wr_claim.sql): concurrent claims take disjoint rooms.
# Actions are enqueued with made-up actors ("t:...") and lock sets over two
# rooms; sessions claim with wr_claim and hold their transaction open the
# way a worker holds its batch.  No worker runs.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
r1=$(sql "SELECT min(id) FROM rooms")
r2=$(sql "SELECT min(id) FROM rooms WHERE id > $r1")
enq() { # actor rooms(comma-separated) [priority] -> action id
	sql "SELECT wr_enqueue(jsonb_build_array(jsonb_build_object('actor_key', 't:$1', 'verb', 'say',
	       'args', jsonb_build_object('text', '$1'), 'instance_id', 1, 'priority', ${3:-100},
	       'lock_rooms', jsonb_build_array($2))))" | tr -d '[] '
}
hold() { # k seconds outfile [setup]: claims k in a session that stays open, then rolls back
	psql "$WR_DATABASE_URL" -XAtq >"$3" 2>&1 <<SQL &
${4:-}
BEGIN;
SELECT string_agg(actor_key, ',' ORDER BY actor_key) FROM wr_claim($1);
SELECT pg_sleep($2);
ROLLBACK;
SQL
}
claim_now() { # k [setup] -> the claimed actors, in a transaction rolled back at once
	psql "$WR_DATABASE_URL" -XAtq -c "${2:-SELECT 1}" -c "BEGIN" \
		-c "SELECT coalesce(string_agg(actor_key, ',' ORDER BY actor_key), '-') FROM wr_claim($1)" \
		-c "ROLLBACK" 2>&1 | tail -n 1
}

# Interleaved: the oldest k heads of the world are in both rooms.
for i in 1 2 3; do enq "a$i" "$r1" >/dev/null; enq "b$i" "$r2" >/dev/null; done
is "$(claim_now 3 "SET wr.claim_rooms = off")" "t:a1,t:a2,t:b1" "with wr.claim_rooms = off: the oldest 3 heads, rooms or not"

# Alone (no other session has claimed or holds a room), a claim is the
# oldest k heads, no walk over a window, and it takes their rooms: a
# claimer that connects meanwhile finds them held, and gets nothing at once.
is "$(claim_now 3)" "t:a1,t:a2,t:b1" "alone, a claim of 3 is the oldest 3 heads, rooms or not"
hold 3 2 "$T_DIR/w1.out"; w1=$!
wait_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991745" 2 >/dev/null
t0=$(date +%s%N)
is "$(claim_now 3)" "-" "while it holds both rooms, a second claim gets nothing"
t1=$(date +%s%N)
[ $(((t1 - t0) / 1000000)) -lt 700 ]; ok $? "and does not wait for them ($(((t1 - t0) / 1000000)) ms)"
wait "$w1"
is "$(sed -n 1p "$T_DIR/w1.out")" "t:a1,t:a2,t:b1" "the first claim, alone, had the oldest 3"

# Another claimer connected (a worker between batches): claims take whole rooms.
psql "$WR_DATABASE_URL" -XAtq -c "SET application_name = 'claim-peer'" \
	-c "SELECT pg_advisory_lock_shared(1464991746, 0)" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
peer=$!
wait_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991746" 1 >/dev/null
is "$(claim_now 3)" "t:a1,t:a2,t:a3" "with another claimer connected, a claim of 3 takes the oldest head's room, all of it"
hold 3 2 "$T_DIR/w1.out"; w1=$!
wait_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991745" 1 >/dev/null
is "$(claim_now 3)" "t:b1,t:b2,t:b3" "while it holds the first room, a second claim takes the other room's heads"
wait "$w1"
is "$(sed -n 1p "$T_DIR/w1.out")" "t:a1,t:a2,t:a3" "the first claim had the first room's"

# A move over both rooms is not claimed while another claim holds one of them.
enq m1 "$r2, $r1" >/dev/null
hold 3 2 "$T_DIR/w1.out"; w1=$!
wait_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991745" 1 >/dev/null
is "$(claim_now 4 "SET lock_timeout = '200ms'")" "t:b1,t:b2,t:b3" \
	"a second claim leaves out a move into the room the first claim holds"
wait "$w1"
is "$(sed -n 1p "$T_DIR/w1.out")" "t:a1,t:a2,t:a3" "(the first claim had the first room's heads)"
# Issue 16, four workers: no fair share of the rooms any more (it made four
# workers run four small batches): with another claimer connected, a claim
# takes a full batch, both rooms here, and the next claimer what is left.
is "$(claim_now 7)" "t:a1,t:a2,t:a3,t:b1,t:b2,t:b3,t:m1" \
	"with another claimer connected but holding nothing now, a claim of 7 takes a full batch: both rooms and the move"
# A full batch is wr.batch_max (the worker's batch-max), whatever k the
# worker's adaptive size asked for (at most the claim's cap): 6 here.
is "$(sql "SET wr.batch_max = 6; BEGIN; SELECT count(*) FROM wr_claim_runs(2, 1, 10); ROLLBACK")" 6 \
	"with another claimer connected, a claim asking for 2 takes a full batch (wr.batch_max = 6): 6"
is "$(sql "SET wr.batch_max = 6; BEGIN; SELECT count(*) FROM wr_claim_runs(2, 1, 4); ROLLBACK")" 4 \
	"never more than the claim's cap (4)"
is "$(sql "SET wr.batch_max = 6; BEGIN; SELECT count(*) FROM wr_claim_runs(1, 1, 10); ROLLBACK")" 1 \
	"a claim of 1 (a failure isolated) stays 1"

# Slots (wr.claim_slots): at most that many batches at once.  A claim
# beyond them waits for one to end, holding nothing meanwhile, then claims;
# within them it does not wait.
# claim_while_held HOLDER CLAIMER: a first claim (settings HOLDER) holds its
# batch 1.5 s; meanwhile a second (settings CLAIMER) claims.  Sets out (the
# second's heads) and ms (how long its claim took).
claim_while_held() {
	hold 3 1.5 "$T_DIR/w1.out" "$1;"
	w1=$!
	wait_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991745" 1 >/dev/null
	t0=$(date +%s%N)
	out=$(claim_now 3 "$2")
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	wait "$w1"
}
claim_while_held "SET wr.claim_slots = 1" "SET wr.claim_slots = 1"
is "$(sed -n 1p "$T_DIR/w1.out")" "t:a1,t:a2,t:a3" "(one slot: the first claim had the first room's heads)"
is "$out" "t:a1,t:a2,t:a3" "one slot: a second claim waits for the first batch to end, then claims its heads"
[ "$ms" -ge 900 ]; ok $? "and it waited for the slot (${ms} ms, the first holds it 1.5 s)"
claim_while_held "SET wr.claim_slots = 2" "SET wr.claim_slots = 2"
is "$out" "t:b1,t:b2,t:b3" "two slots: a second claim takes the other room at once"
[ "$ms" -lt 700 ]; ok $? "without waiting (${ms} ms)"
claim_while_held "SET wr.claim_slots = 1" "SET wr.claim_slots = 1; SET lock_timeout = '200ms'"
is "$out" "t:b1,t:b2,t:b3" \
	"one slot, a slot wait past lock_timeout: the claim goes on without one, no error"

# The worker waits for its slot before its claim's BEGIN (wr_claim_slot_wait,
# issue 16, four workers, second pass): what is enqueued during the wait is
# in its claim.  (Waiting inside the claim's statement, the claim had the
# transaction's now() and the statement's snapshot from before the wait: a
# head enqueued meanwhile was neither due nor visible to its FOR UPDATE.)
hold 3 1.5 "$T_DIR/w1.out" "SET wr.claim_slots = 1;"
w1=$!
wait_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991745" 1 >/dev/null
psql "$WR_DATABASE_URL" -XAtq -c "SET wr.claim_slots = 1" -c "SELECT wr_claim_slot_wait()" -c "BEGIN" \
	-c "SELECT coalesce(string_agg(actor_key, ',' ORDER BY actor_key), '-') FROM wr_claim(10)" \
	-c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991747 AND pid = pg_backend_pid()" \
	-c "ROLLBACK" >"$T_DIR/w2.out" 2>&1 &
w2=$!
wait_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991747 AND NOT granted" 1 >/dev/null
c1=$(enq c1 "$r2")
wait "$w1" "$w2"
is "$(sed -n 1p "$T_DIR/w2.out")" "0" "(the worker's slot wait: slot 0, after the first batch ended)"
is "$(sed -n 2p "$T_DIR/w2.out")" "t:a1,t:a2,t:a3,t:b1,t:b2,t:b3,t:c1,t:m1" \
	"a slot waiter's claim has the head enqueued while it waited (t:c1)"
is "$(sed -n 3p "$T_DIR/w2.out")" "1" "and holds the slot once, for its transaction"
sql "DELETE FROM action_queue WHERE id = $c1" >/dev/null
# A slot waited for by a claim that never ran is let go by the next wait,
# not held twice (and a failed batch's reset drops it: worker/store.c).
is "$(psql "$WR_DATABASE_URL" -XAtq -c "SET wr.claim_slots = 1" -c "SELECT wr_claim_slot_wait()" \
	-c "SELECT wr_claim_slot_wait()" \
	-c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991747 AND pid = pg_backend_pid()" \
	2>&1 | tr '\n' ' ')" "0 0 1 " "a second wait without a claim between: the slot held once"

sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'claim-peer'" >/dev/null
wait "$peer"
is "$(claim_now 7)" "t:a1,t:a2,t:a3,t:b1,t:b2,t:b3,t:m1" "alone, a claim takes the move with both rooms"

# A move whose second room another claim holds is passed over without
# taking its first: a claim that gets nothing holds no room.
sql "DELETE FROM action_queue" >/dev/null
enq m2 "$r1, $r2" >/dev/null
psql "$WR_DATABASE_URL" -XAtq -c "BEGIN" -c "SELECT pg_advisory_xact_lock(1464991745, hashint8($r2::bigint))" \
	-c "SELECT pg_sleep(2)" -c "ROLLBACK" >/dev/null 2>&1 &
w1=$!
wait_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991745" 1 >/dev/null
out=$(psql "$WR_DATABASE_URL" -XAtq -c "SET lock_timeout = '200ms'" -c "BEGIN" \
	-c "SELECT count(*) FROM wr_claim(3)" \
	-c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991745 AND pid = pg_backend_pid()" \
	-c "ROLLBACK" 2>&1 | tr '\n' ' ')
is "$out" "0 0 " "a move into a held room: nothing claimed, no room held"
wait "$w1"
is "$(claim_now 3)" "t:m2" "and the move is claimed once both rooms are free"

# A head without rooms is claimed whoever holds the rooms.
sql "DELETE FROM action_queue" >/dev/null
for i in 1 2 3; do enq "h$i" "$r1" >/dev/null; done
enq z1 "" >/dev/null
hold 3 2 "$T_DIR/w1.out"; w1=$!
wait_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991745" 1 >/dev/null
is "$(claim_now 3)" "t:z1" "a head without rooms is claimed while its room-mates' room is held"
wait "$w1"

# A character's head without rooms (marked for re-planning) counts as in
# the character's room: another claim holding that room keeps it.
sql "DELETE FROM action_queue" >/dev/null
alice=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
aroom=$(sql "SELECT room_id FROM characters WHERE id = $alice")
sql "SELECT wr_enqueue(jsonb_build_array(jsonb_build_object('actor_key', 'char:$alice', 'verb', 'say',
       'args', jsonb_build_object('text', 'x'), 'instance_id', 1, 'plan', jsonb_build_object('replan', true))))" >/dev/null
psql "$WR_DATABASE_URL" -XAtq -c "BEGIN" -c "SELECT pg_advisory_xact_lock(1464991745, hashint8($aroom::bigint))" \
	-c "SELECT pg_sleep(2)" -c "ROLLBACK" >/dev/null 2>&1 &
w1=$!
wait_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991745" 1 >/dev/null
is "$(claim_now 3 "SET lock_timeout = '200ms'")" "-" "a character's head without rooms waits while its room is held"
wait "$w1"
is "$(claim_now 3)" "char:$alice" "and is claimed once the room is free"

# An actor's run (wr_claim_runs) takes the rooms it moves into when free,
# and stops at its first action needing a room another claim holds: the
# lock phase would only defer it.
sql "DELETE FROM action_queue" >/dev/null
enq r "$r1" >/dev/null; enq r "$r1" >/dev/null; enq r "$r1, $r2" >/dev/null; enq r "$r1" >/dev/null
is "$(sql "BEGIN; SELECT count(*) FROM wr_claim_runs(1, 4, 10); ROLLBACK")" 4 \
	"a run of 4 whose third action moves into a free room: all 4 claimed"
psql "$WR_DATABASE_URL" -XAtq -c "BEGIN" -c "SELECT pg_advisory_xact_lock(1464991745, hashint8($r2::bigint))" \
	-c "SELECT pg_sleep(2)" -c "ROLLBACK" >/dev/null 2>&1 &
w1=$!
wait_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991745" 1 >/dev/null
is "$(sql "BEGIN; SELECT count(*) FROM wr_claim_runs(1, 4, 10); ROLLBACK")" 2 \
	"the same run while another claim holds that room: 2 claimed"
wait "$w1"

# The hot room: every head in one room.  A second claim does not wait for
# the room (issue 16: waiting claims stalled the backlog's last slices): it
# is empty at once and holds no room; the next claim after the first ends
# gets the room's oldest heads.
sql "DELETE FROM action_queue" >/dev/null
for i in 1 2 3 4 5 6; do enq "h$i" "$r1" >/dev/null; done
hold 3 1.5 "$T_DIR/w1.out"; w1=$!
wait_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991745" 1 >/dev/null
t0=$(date +%s%N)
out=$(psql "$WR_DATABASE_URL" -XAtq -c "BEGIN" \
	-c "SELECT coalesce(string_agg(actor_key, ',' ORDER BY actor_key), '-') FROM wr_claim(3)" \
	-c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991745 AND pid = pg_backend_pid()" \
	-c "ROLLBACK" 2>&1 | tr '\n' ' ')
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
is "$out" "- 0 " "the hot room: while a claim holds it, a second claim is empty and holds no room"
[ "$ms" -lt 700 ]; ok $? "it did not wait for the room (${ms} ms, the first holds it 1.5 s)"
wait "$w1"
is "$(sed -n 1p "$T_DIR/w1.out")" "t:h1,t:h2,t:h3" "(the first claim had the room's oldest heads)"
is "$(claim_now 3)" "t:h1,t:h2,t:h3" "once the first claim ends, the next gets the room's oldest heads"
is "$(sql "SELECT count(*) FROM action_queue")" 6 "nothing claimed or lost along the way"
finish

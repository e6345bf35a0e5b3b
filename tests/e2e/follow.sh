#!/bin/sh
# follow / unfollow through the real services (issue 17, acceptance 3, the
# follow part): Bob and Carol follow Alice; Alice walks through four rooms
# and each follower walks the same rooms in the same order, each move an
# action of its own; unfollow stops it; following a mob or someone absent
# is refused.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# About following, not the living world: the cat must stay on the square it is
# followed from, and the queue must drain, so no zone ticks.
quiet_world
SQUARE=$(sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = 'millbrook.square'")
sql "INSERT INTO characters (account_id, name, instance_id, room_id)
     SELECT account_id, 'Carol', instance_id, room_id FROM characters WHERE name = 'Bob'" >/dev/null
sql "UPDATE characters SET room_id = $SQUARE" >/dev/null
ALICE=$("$WRCTL" token issue alice --character=Alice)
BOB=$("$WRCTL" token issue bob --character=Bob)
CAROL=$("$WRCTL" token issue bob --character=Carol)
A=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
B=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
C=$(sql "SELECT id FROM characters WHERE name = 'Carol'")
services_start 2
room_key() { sql "SELECT t.key FROM characters c JOIN rooms r ON r.id = c.room_id JOIN room_templates t ON t.id = r.template_id WHERE c.id = $1"; }
walked() { # character id -> the rooms its CharacterMoved events name, in order
	sql "SELECT string_agg(e.payload->>'to_room', ' ' ORDER BY s.seq) FROM event_log e
	     JOIN event_streams s ON s.event_id = e.event_id WHERE s.stream = 'char:$1' AND e.type = 'CharacterMoved'"
}

act "$BOB" "follow alice"
is "$(types)" "FollowStarted" "Bob follows Alice"
is "$(ev text_self) / $(ev text_target) / $(sql "SELECT payload->>'text' FROM event_log WHERE action_id = $ACT")" \
	"You now follow Alice. / Bob now follows you. / Bob now follows Alice." "and says so, to Bob, Alice and the room"
act "$CAROL" "follow ali"
is "$(sql "SELECT string_agg(following::text, ',' ORDER BY id) FROM characters WHERE id IN ($B, $C)")" "$A,$A" \
	"both follow Alice (in the database)"
act "$BOB" "follow alice"
is "$(types) $(ev reason)" "ActionRejected already" "following twice is refused"
r=$(post "$BOB" '{"input":"follow cat"}')
is "${r%% *}" 422 "following a mob is refused"
has "$r" "you can only follow other players" "and says why"

for dir in north north south east; do
	act "$ALICE" "$dir"
done
is "$(room_key "$A") $(room_key "$B") $(room_key "$C")" "millbrook.temple millbrook.temple millbrook.temple" \
	"after four moves all three are in the temple"
is "$(walked "$B")" "$(walked "$A")" "Bob walked Alice's rooms in her order"
is "$(walked "$C")" "$(walked "$A")" "so did Carol"
is "$(echo "$(walked "$A")" | wc -w | tr -d ' ')" 4 "four rooms"
is "$(sql "SELECT count(DISTINCT e.action_id) FROM event_log e JOIN event_streams s ON s.event_id = e.event_id
	WHERE s.stream IN ('char:$B', 'char:$C') AND e.type = 'CharacterMoved'")" 8 "each follower's move is an action of its own"
is "$(sql "SELECT count(*) FROM event_log e JOIN event_streams s ON s.event_id = e.event_id
	WHERE s.stream = 'char:$B' AND e.type = 'CharacterMoved' AND e.actor_key LIKE 'char:$B%'")" 4 \
	"and Bob's own (his follow-up queue's)"

act "$BOB" "unfollow"
is "$(ev text)" "You stop following." "Bob stops following"
act "$ALICE" "west"
is "$(room_key "$A") $(room_key "$B") $(room_key "$C")" "millbrook.north_street millbrook.temple millbrook.north_street" \
	"Alice walks on with Carol; Bob stays"
act "$BOB" "unfollow"
is "$(types) $(ev reason)" "ActionRejected not_following" "unfollowing when following nobody is refused"
wait_sql "SELECT count(*) FROM action_queue" 0 || diag "the queue did not empty"
is "$(sql "SELECT count(*) FROM dead_actions")" 0 "no action died"
finish

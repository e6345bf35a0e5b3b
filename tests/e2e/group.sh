#!/bin/sh
# group through the real services (issue 17, acceptance 3, the group part):
# Alice invites Bob and Carol, they accept and follow her; the group of
# three walks through four rooms in order (each follower's step an action of
# its own) to the stables; Alice kills the rat, and its 25 experience is
# shared among the three in the room: Alice 9 (the remainder is the
# killer's), Bob 8, Carol 8 -- in characters.xp and in the events.  gtell
# reaches every member; refusals are clear.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
SQUARE=$(sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = 'millbrook.square'")
sql "INSERT INTO characters (account_id, name, instance_id, room_id)
     SELECT account_id, 'Carol', instance_id, room_id FROM characters WHERE name = 'Bob'" >/dev/null
sql "UPDATE characters SET room_id = $SQUARE, xp = 0" >/dev/null
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
act "$CAROL" "follow alice"
act "$ALICE" "group"
is "$(types) $(ev reason)" "ActionRejected no_group" "group before any: not in a group"
act "$ALICE" "group invite bob"
is "$(types)" "GroupInvited" "Alice invites Bob"
is "$(ev text_target)" "Alice invites you to join a group. Type 'group accept' to join." "Bob reads how to join"
act "$ALICE" "group invite carol"
act "$CAROL" "group accept"
is "$(ev text)" "You join the group." "Carol joins"
act "$BOB" "group accept"
is "$(sql "SELECT string_agg(coalesce(group_id::text, '-'), ',' ORDER BY id) FROM characters WHERE id IN ($A, $B, $C)")" \
	"$A,$A,$A" "all three are in Alice's group (in the database)"
act "$BOB" "group accept"
is "$(ev reason)" "in_a_group" "accepting twice is refused"
r=$(post "$ALICE" '{"input":"group invite nobody"}')
is "${r%% *}" 422 "inviting someone not playing is refused"
has "$r" 'nobody called \"nobody\" is playing' "and says why"
act "$ALICE" "group"
is "$(ev text)" "Alice's group: Alice (leader), Bob, Carol." "group lists the three"
act "$CAROL" "gtell ready when you are"
is "$(ev text)" "You tell the group, 'ready when you are'" "the teller reads her own line"
wait_sql "SELECT count(*) FROM action_queue WHERE verb = 'group_hear'" 0 200; ok $? "the members hear it"
is "$(sql "SELECT string_agg(s.stream || '=' || (e.payload->>'text'), '|' ORDER BY s.stream) FROM event_log e
	JOIN event_streams s ON s.event_id = e.event_id WHERE e.type = 'GroupTold' AND s.stream <> 'char:$C'")" \
	"char:$A=Carol tells the group, 'ready when you are'|char:$B=Carol tells the group, 'ready when you are'" \
	"gtell reaches every other member's stream"

for dir in north south south west; do
	act "$ALICE" "$dir"
done
is "$(room_key "$A") $(room_key "$B") $(room_key "$C")" "millbrook.stables millbrook.stables millbrook.stables" \
	"after four moves the group stands in the stables"
is "$(walked "$B")" "$(walked "$A")" "Bob walked Alice's four rooms in her order"
is "$(walked "$C")" "$(walked "$A")" "so did Carol"
is "$(echo "$(walked "$A")" | wc -w | tr -d ' ')" 4 "four rooms"

act "$ALICE" "kill rat"
is "$(types)" "CombatStarted" "Alice attacks the rat"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'MobDied'" 1 600; ok $? "the rat dies"
wait_sql "SELECT count(*) FROM action_queue WHERE verb = 'share'" 0 200; ok $? "the shares ran"
is "$(sql "SELECT payload->>'text' FROM event_log WHERE type = 'ExperienceShared'")" \
	"The experience is shared: Alice 9, Bob 8, Carol 8." "the room hears every share"
is "$(sql "SELECT string_agg(x->>'character_id' || '=' || (x->>'xp'), ',') FROM event_log e,
	jsonb_array_elements(e.payload->'shares') x WHERE e.type = 'ExperienceShared'")" "$A=9,$B=8,$C=8" \
	"ExperienceShared names each share"
is "$(sql "SELECT string_agg(xp::text, ',' ORDER BY id) FROM characters WHERE id IN ($A, $B, $C)")" "9,8,8" \
	"characters.xp: 9, 8, 8 (25 in all)"
for who in "$A:9" "$B:8" "$C:8"; do
	id=${who%%:*}
	is "$(sql "SELECT string_agg(e.payload->>'xp' || ' ' || (e.payload->>'text'), '|') FROM event_log e
		JOIN event_streams s ON s.event_id = e.event_id
		WHERE s.stream = 'char:$id' AND e.type = 'ExperienceGained'")" "${who#*:} You gain ${who#*:} experience (your share)." \
		"character $id is told its share"
done
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'ExperienceGained' AND actor_key = 'char:$B'")" 1 \
	"Bob's share is an action of his own (his events)"

act "$BOB" "group leave"
is "$(ev text)" "You leave the group." "Bob leaves"
wait_sql "SELECT count(*) FROM action_queue WHERE verb = 'group_hear'" 0 200
is "$(sql "SELECT string_agg(s.stream, ' ' ORDER BY s.stream) FROM event_log e JOIN event_streams s ON s.event_id = e.event_id
	WHERE e.type = 'GroupLeft' AND e.payload->>'text' = 'Bob leaves the group.'")" "char:$A char:$C" \
	"Alice and Carol hear that Bob left"
act "$BOB" "gtell hello?"
is "$(ev reason)" "no_group" "gtell outside a group is refused"
wait_sql "SELECT count(*) FROM action_queue WHERE verb NOT IN ('decay', 'respawn') AND NOT $LIVING" 0 || diag "the queue did not empty"
is "$(sql "SELECT count(*) FROM dead_actions")" 0 "no action died"
finish

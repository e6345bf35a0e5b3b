#!/bin/sh
# quit through the real services (issue 17, acceptance 3, the quit part):
# Alice quits; the room hears "Alice has left the realm.", Bob's who and
# look no longer list her, tell refuses her; her next command brings her
# back with an arrival the room sees, and who and look list her again.
# afk and title show in who and look.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
SQUARE=$(sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = 'millbrook.square'")
sql "UPDATE characters SET room_id = $SQUARE" >/dev/null
ALICE=$("$WRCTL" token issue alice --character=Alice)
BOB=$("$WRCTL" token issue bob --character=Bob)
A=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
services_start 1

act "$ALICE" "say hello"
act "$BOB" "who"
has "$(ev text)" "Alice, level" "before: Bob's who lists Alice"
act "$BOB" "look"
has "$(ev text)" "Alice is here." "before: Bob's look shows Alice"

act "$ALICE" "quit"
is "$(types)" "CharacterQuit" "quit: one event"
is "$(ev text_self) / $(sql "SELECT payload->>'text' FROM event_log WHERE action_id = $ACT")" \
	"You leave the realm. Goodbye! / Alice has left the realm." "quit: Alice and the room are told"
is "$(sql "SELECT string_agg(s.stream, ' ' ORDER BY s.stream) FROM event_streams s JOIN event_log e ON e.event_id = s.event_id
	WHERE e.action_id = $ACT")" "char:$A room:$SQUARE" "quit: on the room's stream and Alice's own"
is "$(sql "SELECT in_world FROM characters WHERE id = $A")" f "quit: out of the world in the database"
act "$BOB" "who"
case "$(ev text)" in *Alice*) ok 1 "after quit: Bob's who no longer lists Alice"; diag "$(ev text)" ;;
*) ok 0 "after quit: Bob's who no longer lists Alice" ;; esac
act "$BOB" "look"
case "$(ev text)" in *Alice*) ok 1 "after quit: Bob's look no longer shows Alice"; diag "$(ev text)" ;;
*) ok 0 "after quit: Bob's look no longer shows Alice" ;; esac
r=$(post "$BOB" '{"input":"look alice"}')
is "${r%% *}" 422 "after quit: Bob cannot look at Alice"

act "$ALICE" "look"
is "$(types)" "CharacterReturned,RoomDescribed" "coming back: an arrival, then the look"
is "$(sql "SELECT payload->>'text' FROM event_log WHERE action_id = $ACT AND type = 'CharacterReturned'")" \
	"Alice has entered the realm." "coming back: the room reads it"
is "$(sql "SELECT in_world FROM characters WHERE id = $A")" t "coming back: in the world again"
act "$BOB" "who"
has "$(ev text)" "Alice, level" "after coming back: Bob's who lists Alice"
act "$BOB" "look"
has "$(ev text)" "Alice is here." "after coming back: Bob's look shows Alice"

act "$ALICE" "title the Brave"
is "$(ev text)" "You are now Alice the Brave." "title: set"
act "$ALICE" "afk"
act "$BOB" "who"
has "$(ev text)" "Alice the Brave, level 1 (afk)" "who: title and afk"
act "$BOB" "look"
has "$(ev text)" "Alice the Brave is here." "look: the title"
act "$ALICE" "title $(printf '%061d' 0)"
is "$(types) $(ev reason ActionRejected)" "AwayChanged,ActionRejected too_long" "a 61-character title is refused (the command first clears afk)"
is "$(sql "SELECT title || ' ' || afk FROM characters WHERE id = $A")" "the Brave false" \
	"and changes nothing (afk was cleared by that command)"
wait_sql "SELECT count(*) FROM action_queue" 0 || diag "the queue did not empty"
is "$(sql "SELECT count(*) FROM dead_actions")" 0 "no action died"
finish

#!/bin/sh
# Issue 16 (i16-actions): lock+load reads a locked room's others present
# (characters neither locked nor read) only where an action of the batch
# reads them (game_reads()'s "others": a look, not a say) and in every room
# that can be dark, whose light is read by every action (vision.c).
#   1. A say on the lit square, Bob and Dora standing there: the batch's
#      journal state (what the rules saw) holds neither.
#   2. A look there lists Dora: the look's batch read the others.
#   3. In the dark store cellar, lit only by the torch Bob holds: Alice's say
#      names her (Bob was read, though a say reads no others); without
#      Bob's light she would be "Someone".
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
room() { sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = '$1'"; }
A_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
B_ID=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
SQUARE=$(room millbrook.square)
CELLAR=$(room millbrook.store_cellar)
sql "UPDATE characters SET room_id = $SQUARE, in_world = true WHERE id IN ($A_ID, $B_ID);
     INSERT INTO characters (account_id, name, instance_id, room_id, gold) SELECT account_id, 'Dora', 1, $SQUARE, 10 FROM characters WHERE id = $B_ID" >/dev/null
ALICE=$("$WRCTL" token issue alice)
services_start 1

# The journal's state of the batch that applied the last action.
state() {
	sql "SELECT b.state_text FROM journal_batches b JOIN action_journal j ON j.batch_id = b.batch_id
	     WHERE j.action_id = $ACT"
}

# 1.
act "$ALICE" "say nobody needs to see you"
is "$(types)" "Said" "a say on the square"
s=$(state)
case "$s" in *Alice*) ok 0 "the say's batch read its speaker" ;; *) ok 1 "the say's batch read its speaker" ;; esac
case "$s" in *Dora* | *Bob*) ok 1 "the say's batch read no others present"; diag "$(echo "$s" | cut -c1-400)" ;;
*) ok 0 "the say's batch read no others present" ;; esac

# 2.
act "$ALICE" "look"
has "$(ev text)" "Dora" "a look lists Dora"
case "$(state)" in *Dora*) ok 0 "the look's batch read the others present" ;;
*) ok 1 "the look's batch read the others present" ;; esac

# 3.
sql "UPDATE characters SET room_id = $CELLAR WHERE id IN ($A_ID, $B_ID);
     INSERT INTO items (template_id, instance_id, owner_character_id, worn_slot, quantity)
     SELECT id, 1, $B_ID, 'hold', 1 FROM item_templates WHERE key = 'millbrook.torch'" >/dev/null
act "$ALICE" "say who holds the torch"
is "$(types)" "Said" "a say in the cellar"
shared="SELECT e.payload FROM event_log e JOIN event_streams s ON s.event_id = e.event_id
        WHERE e.action_id = $ACT AND s.stream = 'room:$CELLAR'"
is "$(sql "SELECT p->>'speaker' FROM ($shared) x(p)")" "Alice" "Bob's torch lights the dark cellar: the room hears Alice"
is "$(sql "SELECT coalesce(p->>'actor_visible', 'absent') FROM ($shared) x(p)")" "absent" "and she is not concealed"
finish

#!/bin/sh
# Doors, darkness, on-enter triggers, auto-look and who through all three
# services on a throwaway PostgreSQL: commands over HTTP, two workers,
# events over websockets.  Alice finds the cellar key in the stables, is
# refused the locked trapdoor, unlocks and opens it (both rooms hear it),
# climbs down into the dark cellar (a trigger fires, the auto-look shows
# darkness), cannot see the coins there, holds her torch and sees the room,
# climbs back up, closes the trapdoor and is refused the way down.  Bob,
# waiting in the store, hears the door and lists who is online.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# The cellar rat is aggressive in the starter world, and Millbrook ticks while
# Alice explores the cellar: this test is about doors, light and triggers, not
# a fight, so its rat only watches.
sql "UPDATE mob_templates SET stats = stats - 'aggressive' WHERE key = 'millbrook.cellar_rat'" >/dev/null

# The loader refuses what the rules could not use: a named door that is no
# door, too many triggers, a trigger without its text.
cat >"$T_DIR/bad.json" <<'EOF'
{"zones": [{"key": "t", "name": "T", "rooms": [
  {"key": "t.a", "name": "A", "description": "A.", "exits": {"north": {"to": "t.b", "door_name": "gate"}},
   "on_enter": [{"text": "1"}, {"text": "2"}, {"text": "3"}, {"text": "4"}, {"text": "5"}]},
  {"key": "t.b", "name": "B", "description": "B.", "exits": {"south": "t.a"}, "on_enter": [{"room_text": "$n"}]}]}]}
EOF
"$WRCTL" world check "$T_DIR/bad.json" >"$T_DIR/check.out" 2>&1; rc=$?
errs=$(grep -c -e '"door_name" without a door' -e 'at most 4 triggers' -e 'missing member "text"' "$T_DIR/check.out")
is "$rc $errs" "1 3" "world check: door_name without a door, 5 triggers, a trigger without text"

ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
services_start 2

A_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
B_ID=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
room() { sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = '$1'"; }
STORE=$(room millbrook.general_store)
CELLAR=$(room millbrook.store_cellar)
door() { sql "SELECT string_agg(door, ',' ORDER BY from_room_id) FROM exits
              WHERE (from_room_id, dir) IN (($STORE, 'down'), ($CELLAR, 'up'))"; }
is "$(door)" "locked,locked" "the trapdoor starts locked, on both sides"

"$WRCTL" watch --url="$WS" --token="$ALICE" --json >"$T_DIR/alice.out" 2>"$T_DIR/alice.err" &
T_PIDS="$T_PIDS $!"
"$WRCTL" watch --url="$WS" --token="$BOB" --json >"$T_DIR/bob.out" 2>"$T_DIR/bob.err" &
T_PIDS="$T_PIDS $!"
wait_grep '"welcome"' "$T_DIR/alice.out" && wait_grep '"welcome"' "$T_DIR/bob.out"; ok $? "both players are watching"
is "$(sql "SELECT count(*) FROM action_queue") $(sql "SELECT count(*) FROM event_log")" "0 0" "nobody has acted yet"
wait_sql "SELECT count(*) FROM character_presence WHERE character_id IN ($A_ID, $B_ID)" 2
ok $? "connected players count as online for who before they act (the publisher stamps presence)"

# What the actions after the last one (its follow-ups) wrote, as type@stream.
after() { # the living world's own events (a cat wandering by) are not follow-ups
	sql "SELECT string_agg(e.type || '@' || split_part(s.stream, ':', 1), ',' ORDER BY e.event_id, s.stream)
	     FROM event_log e JOIN event_streams s USING (event_id) WHERE e.action_id > $ACT AND NOT $LIVING"
}

# Bob goes ahead to the store; Alice fetches the key from the stables.
act "$BOB" "west"
act "$BOB" "west"
is "$(sql "SELECT room_id FROM characters WHERE id = $B_ID")" "$STORE" "Bob waits in the general store"
has "$(sql "SELECT payload->>'text' FROM event_log WHERE action_id > $ACT AND type = 'RoomDescribed'")" \
	"Pell's General Store" "his move is followed by an auto-look of the store"
has "$(sql "SELECT payload->>'text' FROM event_log WHERE action_id > $ACT AND type = 'RoomDescribed'")" \
	"down (closed)" "which shows the trapdoor shut"
act "$ALICE" "south"
act "$ALICE" "west"
act "$ALICE" "get key"
is "$(ev text)" "You get a small iron key." "Alice finds the cellar key in the stables"
act "$ALICE" "east"
act "$ALICE" "north"
act "$ALICE" "west"
act "$ALICE" "west"
is "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" "$STORE" "Alice is in the store"

act "$ALICE" "down"
is "$(ev reason) $(ev text)" "door_locked The iron-bound trapdoor is closed." "down: refused, the trapdoor is closed"
is "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" "$STORE" "down: she stays in the store"

act "$ALICE" "open door"
is "$(ev reason) $(ev text)" "locked The iron-bound trapdoor is locked." "open door: it is locked"
act "$ALICE" "unlock trapdoor"
is "$(types)" "DoorUnlocked,DoorUnlocked" "unlock trapdoor: one DoorUnlocked per side"
is "$(ev text)" "You unlock the iron-bound trapdoor below." "unlock trapdoor: the text"
is "$(sql "SELECT string_agg(s.stream, ',' ORDER BY s.stream) FROM event_streams s JOIN event_log e USING (event_id)
           WHERE e.action_id = $ACT")" "$(echo "room:$STORE room:$CELLAR" | tr ' ' '\n' | sort | paste -sd,)" \
	"unlock trapdoor: on the streams of both rooms"
is "$(door)" "closed,closed" "unlock trapdoor: both exit rows are closed, not locked"
act "$ALICE" "unlock trapdoor"
is "$(ev reason)" "already_unlocked" "unlock again: already unlocked"
act "$ALICE" "open down"
is "$(types)" "DoorOpened,DoorOpened" "open down: DoorOpened on both sides"
is "$(door)" "open,open" "open down: both exit rows are open"
wait_grep 'Alice opens the iron-bound trapdoor below' "$T_DIR/bob.out"; ok $? "Bob's websocket shows her opening it"

act "$ALICE" "down"
is "$(types)" "CharacterLeft,CharacterArrived,CharacterMoved" "down: the move is the move alone"
is "$(ev text CharacterMoved)" "You go down, into darkness." "down: into darkness"
is "$(after)" "TriggerFired@char,TriggerFired@room,RoomDescribed@char" \
	"down: then the cellar's trigger (her own copy first, then the room's: the dark room does not see her), then the auto-look"
is "$(sql "SELECT count(*) FROM event_log WHERE action_id > $ACT AND type = 'TriggerFired' AND actor_key IS NULL
           AND payload->>'text_target' IS NULL AND payload->>'target_id' IS NULL AND payload::text NOT LIKE '%Alice%'")" \
	"1" "down: the dark cellar's trigger names no one"
is "$(sql "SELECT payload->>'text_target' FROM event_log WHERE action_id > $ACT AND type = 'TriggerFired'
           AND actor_key IS NOT NULL")" \
	"The ladder groans under your weight, and something small scurries off into the dark." \
	"down: the trigger's text for the one entering"
is "$(sql "SELECT actor_key FROM event_log WHERE action_id > $ACT AND type = 'RoomDescribed'")" "char:$A_ID:follow" \
	"down: follow-ups run as Alice's own follow-up queue"
has "$(sql "SELECT payload->>'text' FROM event_log WHERE action_id > $ACT AND type = 'RoomDescribed'")" \
	"pitch black" "down: the auto-look shows darkness"
wait_grep '"TriggerFired"' "$T_DIR/alice.out"; ok $? "Alice's websocket gets the trigger"
wait_grep 'pitch black' "$T_DIR/alice.out"; ok $? "and the darkness"

act "$ALICE" "look"
has "$(ev text)" "pitch black" "look: still darkness"
act "$ALICE" "get coins"
is "$(ev reason) $(ev text)" "not_seen It is too dark to see that." "get coins: too dark to see them"
act "$ALICE" "hold torch"
is "$(types)" "ItemWorn" "hold torch: she holds it"
is "$(after)" "RoomDescribed@char" "hold torch: the room lights up, and a look follows on its own"
has "$(sql "SELECT payload->>'text' FROM event_log WHERE action_id > $ACT AND type = 'RoomDescribed'")" \
	"The Store Cellar" "hold torch: the look shows the cellar"
act "$ALICE" "look"
has "$(ev text)" "The Store Cellar" "look with the torch: the cellar"
has "$(ev text)" "A fat cellar rat is here." "look with the torch: and its rat"
act "$ALICE" "get coins"
is "$(ev text)" "You get 12 gold coins." "get coins: now she sees them"

act "$ALICE" "up"
is "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" "$STORE" "up: back in the store"
act "$ALICE" "close down"
is "$(types)" "DoorClosed,DoorClosed" "close down: DoorClosed on both sides"
is "$(door)" "closed,closed" "close down: both exit rows are closed"
act "$ALICE" "down"
is "$(ev reason) $(ev text)" "door_closed The iron-bound trapdoor is closed." "down: refused, the trapdoor is closed"
act "$ALICE" "lock down"
is "$(types) $(door)" "DoorLocked,DoorLocked locked,locked" "lock down: locked again on both sides"

# Four moves in one batch, two workers: each move's auto-look comes before the next move.
r=$(post "$ALICE" '[{"input":"east"},{"input":"west"},{"input":"east"},{"input":"west"}]')
ACT=$(json 'd["results"][0]["action_ids"][0]' "${r#* }")
wait_sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING" 0 || diag "the moves are still queued"
is "$(sql "SELECT string_agg(e.type, ',' ORDER BY s.seq) FROM event_streams s JOIN event_log e USING (event_id)
           WHERE s.stream = 'char:$A_ID' AND e.action_id >= $ACT")" \
	"CharacterMoved,RoomDescribed,CharacterMoved,RoomDescribed,CharacterMoved,RoomDescribed,CharacterMoved,RoomDescribed" \
	"four moves: each is followed by its own look before the next move"

# The gate itself: while a follow-up of Alice's is queued, her own next action is claimable
# only behind it, in the same claim (issue 16: before, not at all until the follow-up ran).
kill -STOP $PID_worker_1 $PID_worker_2
r=$(post "$ALICE" '{"input":"say after the look"}')
SAY=$(json 'd["action_ids"][0]' "${r#* }")
LOOK=$(sql "SELECT wr_enqueue(jsonb_build_array(wrtest.action('char:$A_ID:follow', 'look', NULL,
       jsonb_build_object('room', room_id), ARRAY[room_id], ARRAY[id], instance_id => instance_id, priority => 50)))
     FROM characters WHERE id = $A_ID")
is "$(sql "BEGIN; SELECT string_agg(actor_key || ' ' || verb, ',') FROM wr_claim(10) WHERE NOT $LIVING; ROLLBACK;")" "char:$A_ID:follow look,char:$A_ID say" \
	"wr_claim: her follow-up first, her say queued before it only behind it"
kill -CONT $PID_worker_1 $PID_worker_2
wait_sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING" 0; ok $? "then both run"
is "$(sql "SELECT string_agg(type, ',' ORDER BY event_id) FROM event_log WHERE action_id IN ($SAY, $LOOK)")" \
	"RoomDescribed,Said" "the look before the say"

act "$BOB" "close backpack"
is "$(types) $(sql "SELECT container_state FROM items i JOIN item_templates t ON t.id = i.template_id
                    WHERE t.key = 'millbrook.backpack'")" "ContainerClosed closed" "close backpack: closed and written"
act "$BOB" "open backpack"
is "$(types) $(sql "SELECT coalesce(container_state, 'open') FROM items i JOIN item_templates t ON t.id = i.template_id
                    WHERE t.key = 'millbrook.backpack'")" "ContainerOpened open" "open backpack: open again"

act "$BOB" "who"
is "$(types)" "WhoListed" "who: WhoListed"
is "$(ev text)" "Players online:
  Alice, level 1
  Bob, level 1
2 players." "who: both are online, with their levels"
sql "UPDATE characters SET flags = '{invisible}' WHERE id = $A_ID" >/dev/null
act "$BOB" "who"
is "$(ev count)" "1" "who: an invisible Alice is not listed"
act "$BOB" "look"
case "$(ev text)" in *Alice*) ok 1 "look: Bob does not see invisible Alice" ;; *) ok 0 "look: Bob does not see invisible Alice" ;; esac
r=$(post "$BOB" '{"input":"look alice"}')
is "$(json 'd["results"][0]["error"]["code"] if "results" in d else d["error"]["code"]' "${r#* }")" "not_here" \
	"look alice: she cannot be named (the planner's view leaves her out)"
wait_grep '"WhoListed"' "$T_DIR/bob.out"; ok $? "Bob's websocket gets the who list"
# An invisible Alice drops the key where Bob stands: the room hears "Someone",
# and nothing on the room stream (actor, names, ids) says who.
is "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" "$STORE" "Alice is in the store with Bob"
# And a text client for Alice, as a player reads it.
"$WRCTL" watch --url="$WS" --token="$ALICE" >"$T_DIR/alice.txt" 2>"$T_DIR/alice-txt.err" &
T_PIDS="$T_PIDS $!"
wait_grep 'connected as Alice' "$T_DIR/alice.txt"
act "$ALICE" "drop key"
is "$(sql "SELECT count(*) FROM event_log e JOIN event_streams s USING (event_id)
           WHERE e.action_id = $ACT AND e.type = 'ItemDropped' AND s.stream = 'room:$STORE'
             AND e.actor_key IS NULL AND e.payload->>'actor_visible' = 'false'
             AND e.payload->>'text' = 'Someone drops a small iron key.' AND e.payload->>'text_self' IS NULL")" "1" \
	"invisible drop: the room's ItemDropped has no actor and reads Someone"
is "$(sql "SELECT count(*) FROM event_log e JOIN event_streams s USING (event_id)
           WHERE e.action_id = $ACT AND s.stream LIKE 'room:%'
             AND (e.payload::text LIKE '%Alice%' OR e.payload::text ~ '_id\": $A_ID[,}]'
                  OR coalesce(e.actor_key, '') LIKE 'char:$A_ID%')")" "0" \
	"invisible drop: no room event carries her name or id"
is "$(sql "SELECT e.payload->>'text_self' FROM event_log e JOIN event_streams s USING (event_id)
           WHERE e.action_id = $ACT AND s.stream = 'char:$A_ID'")" "You drop a small iron key." \
	"invisible drop: her own copy on her private stream"
wait_grep 'Someone drops a small iron key' "$T_DIR/bob.out"; ok $? "Bob's websocket shows Someone dropping the key"
line=$(grep 'Someone drops a small iron key' "$T_DIR/bob.out")
case "$line" in *Alice* | *"char:$A_ID"* | *"_id\":$A_ID,"* | *"_id\":$A_ID\}"*) ok 1 "Bob's event names neither Alice nor her id"; diag "$line" ;;
*) ok 0 "Bob's event names neither Alice nor her id" ;; esac
case "$line" in *'"actor":null'*) ok 0 "Bob's event has a null actor" ;; *) ok 1 "Bob's event has a null actor"; diag "$line" ;; esac
wait_grep 'You drop a small iron key' "$T_DIR/alice.out"; ok $? "Alice's websocket shows her own drop"
is "$(sql "SELECT count(DISTINCT e.payload->>'unseen_ref') || ' ' || count(*) FROM event_log e
           WHERE e.action_id = $ACT AND e.type = 'ItemDropped'")" "1 2" \
	"her copy and the room's event carry one unseen_ref"
act "$ALICE" "say done dropping"
wait_grep "You say, 'done dropping'" "$T_DIR/alice.txt"
is "$(grep -c 'You drop a small iron key' "$T_DIR/alice.txt") $(grep -c 'Someone drops a small iron key' "$T_DIR/alice.txt")" "1 0" \
	"Alice's text client shows her drop once: the shared copy of her own unseen_ref is skipped"

# A mob acting through a service token does not see her either: its view leaves her out.
RAT=$(sql "SELECT m.id FROM mobs m JOIN mob_templates t ON t.id = m.template_id WHERE m.room_id = $CELLAR LIMIT 1")
is "$(sql "BEGIN; UPDATE mobs SET room_id = $STORE WHERE id = $RAT;
           SELECT string_agg(e->>'name', ',' ORDER BY e->>'name') FROM jsonb_array_elements(wr_mob_view(ARRAY[$RAT::bigint], 0)->0->'seen') e
           WHERE e->>'kind' = 'char'; ROLLBACK;")" "Bob" "wr_mob_view: a mob in the store sees Bob, not invisible Alice"

case "$(grep '"WhoListed"' "$T_DIR/alice.out")" in '') ok 0 "who is private: Alice's socket has none" ;; *) ok 1 "who is private" ;; esac

r=$(post "$ALICE" '{"type":"trigger","args":{}}')
is "${r%% *} $(json 'd["error"]["code"]' "${r#* }")" "400 unknown_verb" "a trigger cannot be sent from outside"

is "$(sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING")" "0" "every action was applied"
is "$(sql "SELECT count(*) FROM dead_actions")" "0" "no action was dead-lettered"
finish

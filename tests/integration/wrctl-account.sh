#!/bin/sh
# Moderation (docs/accounts.md): wrctl account list|lock|unlock and wrctl
# char rename|move, each with its event, and every refusal changing nothing.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
ALICE=$("$WRCTL" token issue alice --character=Alice)
BOB=$("$WRCTL" token issue bob --character=Bob)
BOB_ID=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
ALICE_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
BOB_ROOM=$(sql "SELECT room_id FROM characters WHERE name = 'Bob'")
services_start 1
room_event() { # room type -> the text of its last event of that type
	sql "SELECT e.payload->>'text' FROM event_log e JOIN event_streams s ON s.event_id = e.event_id
	     WHERE s.stream = 'room:$1' AND e.type = '$2' ORDER BY e.event_id DESC LIMIT 1"
}

is "$("$WRCTL" account create scripts)" "created account scripts" "account create: an account for service tokens"
"$WRCTL" account create SCRIPTS 2>/dev/null
is "$? $(sql "SELECT count(*) FROM accounts")" "1 3" "a taken name (any case) is refused"
"$WRCTL" account create 'bad name' 2>/dev/null
is "$? $(sql "SELECT count(*) FROM accounts")" "2 3" "a malformed name is refused"
S=$("$WRCTL" token issue scripts --service --grant char:Bob)
is "$(post "$S" '{"actor":"Bob","input":"say from a script"}' | cut -c1-3)" 202 "docs/http-api.md's service token example works"
sql "DELETE FROM token_grants; DELETE FROM access_tokens WHERE account_id = (SELECT id FROM accounts WHERE name = 'scripts'); DELETE FROM accounts WHERE name = 'scripts'" >/dev/null
"$WRCTL" account list >"$T_DIR/list" || bail "account list failed"
is "$(awk 'NR > 1 {print $1 ":" $3 ":" $6}' "$T_DIR/list" | tr '\n' ' ')" "alice:active:Alice bob:active:Bob " \
	"account list: names, state and characters"
is "$(post "$BOB" '{"input":"say before"}' | cut -c1-3)" 202 "bob plays"

# A websocket of Bob's, to see it closed by the lock.
PYTHONPATH="$WR_HOME/tests/lib" python3 - "$WS" "$BOB" >"$T_DIR/ws.out" 2>&1 <<'PY' &
import sys, time
from wsclient import WS
ws = WS(sys.argv[1])
ws.send({"type": "hello", "token": sys.argv[2]})
deadline = time.time() + 20
while time.time() < deadline:
    f = ws.recv(1)
    if f and f.get("type") == "welcome":
        print("welcome", flush=True)
    if f and f.get("type") in ("_close", "_eof"):
        print("close %s" % f.get("code"), flush=True)
        break
PY
WSPID=$!
wait_grep welcome "$T_DIR/ws.out" || bail "bob's socket was not welcomed: $(cat "$T_DIR/ws.out")"

is "$("$WRCTL" account lock Bob)" "locked Bob: 0 sessions revoked, 1 characters taken from the world" "lock bob (any case)"
is "$(sql "SELECT disabled_at IS NOT NULL FROM accounts WHERE name = 'bob'")" t "the account is disabled"
is "$(post "$BOB" '{"input":"say after"}' | cut -c1-3)" 401 "its tokens stop working"
wait "$WSPID"
is "$(tail -1 "$T_DIR/ws.out")" "close 4401" "its websocket is closed with 4401"
is "$(room_event "$BOB_ROOM" CharacterRemoved)" "Bob is taken from the world by the powers that be." \
	"its room sees it taken from the world"
"$WRCTL" account lock bob 2>/dev/null
is "$?" 1 "locking twice fails"
"$WRCTL" account lock nobody 2>/dev/null
is "$?" 1 "locking an unknown account fails"
is "$("$WRCTL" account list --locked | awk 'NR > 1 {print $1}')" bob "account list --locked"
is "$("$WRCTL" account unlock bob)" "unlocked bob" "unlock"
is "$(post "$BOB" '{"input":"say again"}' | cut -c1-3)" 202 "an unlocked account's tokens work again"

# ---- rename
is "$("$WRCTL" char rename alice Alicia)" "renamed alice to Alicia" "char rename"
ALICE_ROOM=$(sql "SELECT room_id FROM characters WHERE id = $ALICE_ID")
is "$(sql "SELECT name FROM characters WHERE id = $ALICE_ID") / $(room_event "$ALICE_ROOM" CharacterRenamed)" \
	"Alicia / Alice is now known as Alicia." "the name changed and the room was told"
"$WRCTL" char rename Alicia BOB 2>/dev/null
is "$? $(sql "SELECT name FROM characters WHERE id = $ALICE_ID")" "1 Alicia" "a taken name (any case) is refused"
"$WRCTL" char rename Alicia 'x y' 2>/dev/null
is "$?" 2 "a malformed name is refused"
"$WRCTL" char rename Nobody Someone 2>/dev/null
is "$?" 1 "renaming an unknown character fails"

# ---- move
INN=$(sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = 'millbrook.inn'")
is "$("$WRCTL" char move alicia millbrook.inn)" "moved alicia to millbrook.inn" "char move"
is "$(sql "SELECT room_id FROM characters WHERE id = $ALICE_ID")" "$INN" "the character is in the new room"
is "$(room_event "$ALICE_ROOM" CharacterLeft) / $(room_event "$INN" CharacterArrived)" \
	"Alicia vanishes. / Alicia appears out of thin air." "both rooms were told"
is "$(sql "SELECT e.payload->>'to_room' FROM event_log e JOIN event_streams s ON s.event_id = e.event_id
	WHERE s.stream = 'char:$ALICE_ID' AND e.type = 'CharacterMoved' ORDER BY e.event_id DESC LIMIT 1")" "$INN" \
	"its own stream has CharacterMoved (the publisher follows it)"
"$WRCTL" char move alicia millbrook.inn 2>/dev/null
is "$?" 1 "moving to the room it is in fails"
"$WRCTL" char move alicia millbrook.nowhere 2>/dev/null
is "$? $(sql "SELECT room_id FROM characters WHERE id = $ALICE_ID")" "1 $INN" "moving to an unknown room changes nothing"
is "$(post "$ALICE" '{"input":"look"}' | cut -c1-3)" 202 "the moved character plays on"
wait_sql "SELECT count(*) FROM action_queue" 0 || diag "the queue did not empty"
is "$(sql "SELECT count(*) FROM dead_actions")" 0 "no action died"
finish

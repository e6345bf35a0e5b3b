#!/bin/sh
# Issue 15, finding 4: history before arrival.  Over HTTP a player used to
# read a room's whole history (GET /v1/streams/room:N/events?after=0) as soon
# as one of its characters walked in, and an instance's shouts from before
# the character existed; the websocket already refused that.  Now every read
# path (plain, long-poll; mailboxes start at the heads) applies the floor.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
ROOM=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
INST=$(sql "SELECT instance_id FROM characters WHERE name = 'Alice'")
DIR=$(sql "SELECT dir FROM exits WHERE from_room_id = $ROOM AND door = 'none' ORDER BY dir LIMIT 1")
NEXT=$(sql "SELECT to_room_id FROM exits WHERE from_room_id = $ROOM AND dir = '$DIR'")
[ -n "$NEXT" ] || bail "no open exit from Alice's room"
# Bob waits in the next room and talks there before anyone else comes.
sql "UPDATE characters SET room_id = $NEXT WHERE name = 'Bob'" >/dev/null
ALICE=$("$WRCTL" token issue alice --character=Alice)
BOB=$("$WRCTL" token issue bob)
ADMIN=$("$WRCTL" token issue alice --admin)
services_start 1

texts() { # token path -> the texts of the events read, comma-separated
	get "$1" "$2" >"$T_DIR/r"
	r=$(cat "$T_DIR/r")
	[ "${r%% *}" = 200 ] || { echo "HTTP ${r%% *}"; return; }
	json '",".join(e["data"].get("text", e["data"].get("text_self", e["event"])) for e in d["events"])' "${r#* }"
}

act "$BOB" "say early secret in the next room"
act "$BOB" "shout early shout before Dora"
has "$(texts "$ADMIN" "/v1/streams/room:$NEXT/events?after=0")" "early secret" "admin reads the whole room"

# ---- a character walks in: the room from its arrival on
act "$ALICE" "go $DIR"
is "$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")" "$NEXT" "Alice walked into Bob's room"
act "$BOB" "say after Alice came"
got=$(texts "$ALICE" "/v1/streams/room:$NEXT/events?after=0")
case "$got" in *"early secret"*) ok 1 "Alice does not read what was said before she arrived"; diag "$got" ;;
*) ok 0 "Alice does not read what was said before she arrived" ;; esac
has "$got" "after Alice came" "Alice reads what was said after she arrived"
got=$(texts "$ALICE" "/v1/streams/room:$NEXT/events?after=0&wait=1")
case "$got" in *"early secret"*) ok 1 "long-poll: no history either"; diag "$got" ;; *) ok 0 "long-poll: no history either" ;; esac
has "$(texts "$BOB" "/v1/streams/room:$NEXT/events?after=0")" "early secret" "Bob, there all along, reads it"

# ---- a character created after a shout: the instance from its creation on
sql "INSERT INTO characters (account_id, name, instance_id, room_id)
     SELECT account_id, 'Dora', instance_id, $NEXT FROM characters WHERE name = 'Alice'" >/dev/null
DORA=$("$WRCTL" token issue alice --character=Dora)
got=$(texts "$DORA" "/v1/streams/instance:$INST/events?after=0")
case "$got" in *"early shout"*) ok 1 "Dora does not read shouts from before she existed"; diag "$got" ;;
*) ok 0 "Dora does not read shouts from before she existed" ;; esac
got=$(texts "$DORA" "/v1/streams/room:$NEXT/events?after=0")
case "$got" in *"early secret"*|*"after Alice came"*) ok 1 "Dora (never moved) reads no room event older than herself"; diag "$got" ;;
*) ok 0 "Dora (never moved) reads no room event older than herself" ;; esac
has "$(texts "$ALICE" "/v1/streams/instance:$INST/events?after=0")" "early shout" "Alice, who existed, reads the shout"
act "$BOB" "say hello Dora"
has "$(texts "$DORA" "/v1/streams/room:$NEXT/events?after=0")" "hello Dora" "Dora reads what is said after she exists"

# ---- an account token (not pinned) with two characters: the earlier floor of the two
ACC=$("$WRCTL" token issue alice)
has "$(texts "$ACC" "/v1/streams/room:$NEXT/events?after=0")" "after Alice came" "account token: from its earliest character's arrival"
got=$(texts "$ACC" "/v1/streams/room:$NEXT/events?after=0")
case "$got" in *"early secret"*) ok 1 "account token: still nothing from before"; diag "$got" ;; *) ok 0 "account token: still nothing from before" ;; esac

# ---- mailboxes start at the heads
r=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $DORA" --data-binary '{"actor":"Dora"}' "$HTTP/v1/mailboxes")
MB=$(json 'd["mailbox"]' "$(cat "$T_DIR/resp")")
got=$(texts "$DORA" "/v1/mailbox/$MB/messages")
case "$got" in *early*|*"after Alice"*) ok 1 "a new mailbox reads no history"; diag "$got" ;; *) ok 0 "a new mailbox reads no history" ;; esac
finish

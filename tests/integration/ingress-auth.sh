#!/bin/sh
# Who may act and read: player, service (grants), admin, revoked, expired
# and disabled tokens, for commands, stream reads and mailboxes.  Every
# refusal enqueues nothing.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
# A second character for alice's account, in Alice's room.
sql "INSERT INTO characters (account_id, name, instance_id, room_id)
     SELECT account_id, 'Carol', instance_id, room_id FROM characters WHERE name = 'Alice'" >/dev/null
ALICE_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
BOB_ID=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
ROOM=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
OTHER_ROOM=$(sql "SELECT min(id) FROM rooms WHERE id <> $ROOM")
MOB=$(sql "SELECT min(id) FROM mobs")
MOB2=$(sql "SELECT max(id) FROM mobs")

ALICE=$("$WRCTL" token issue alice)
PINNED=$("$WRCTL" token issue alice --character=Alice)
BOB=$("$WRCTL" token issue bob)
# Scripts get their own account; its tokens act only through grants.
sql "INSERT INTO accounts (name) VALUES ('scripts')" >/dev/null
SERVICE=$("$WRCTL" token issue scripts --service --grant char:Bob --grant "mob:$MOB")
SERVICE_ACC=$("$WRCTL" token issue scripts --service --grant account:alice)
ADMIN=$("$WRCTL" token issue alice --admin)
REVOKED=$("$WRCTL" token issue alice)
printf '%s\n' "$REVOKED" | "$WRCTL" token revoke - || bail "could not revoke a token"
EXPIRED=$("$WRCTL" token issue alice --label=expired)
sql "UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE label = 'expired'" >/dev/null
[ -n "$ALICE" ] && [ -n "$SERVICE" ] && [ -n "$SERVICE_ACC" ] && [ -n "$ADMIN" ] || bail "could not issue tokens"
services_start 0

queued() { sql "SELECT count(*) FROM action_queue"; }
code() { printf '%s' "$1" | sed -n 's/.*"code":"\([a-z_]*\)".*/\1/p' | head -n 1; }

refused() { # description token body status code
	before=$(queued)
	r=$(post "$2" "$3")
	is "${r%% *} $(code "${r#* }")" "$4 $5" "$1: $4 $5"
	is "$(queued)" "$before" "$1: nothing enqueued"
}
accepted() { # description token body
	before=$(queued)
	r=$(post "$2" "$3")
	is "${r%% *}" "202" "$1: 202"
	is "$(queued)" "$((before + 1))" "$1: one action queued"
}

# ---- commands
refused "player for another account's character" "$ALICE" '{"actor":"Bob","input":"look"}' 403 forbidden
refused "player with two characters, actor missing" "$ALICE" '{"input":"look"}' 400 bad_input
accepted "player for its second character" "$ALICE" '{"actor":"Carol","input":"look"}'
refused "pinned token for the account's other character" "$PINNED" '{"actor":"Carol","input":"look"}' 403 forbidden
accepted "pinned token, actor omitted" "$PINNED" '{"input":"look"}'
refused "service token for an ungranted character" "$SERVICE" '{"actor":"Alice","input":"look"}' 403 forbidden
refused "service token without an actor" "$SERVICE" '{"input":"look"}' 400 bad_input
accepted "service token for a granted character" "$SERVICE" '{"actor":"Bob","input":"say beep"}'
accepted "service token through an account grant" "$SERVICE_ACC" "{\"actor\":\"char:$ALICE_ID\",\"input\":\"look\"}"
refused "account grant does not reach another account" "$SERVICE_ACC" '{"actor":"Bob","input":"look"}' 403 forbidden
refused "service token for a granted mob, a verb mobs do not use" "$SERVICE" "{\"actor\":\"mob:$MOB\",\"input\":\"look\"}" 422 unsupported_actor
accepted "service token for a granted mob" "$SERVICE" "{\"actor\":\"mob:$MOB\",\"input\":\"say grr\"}"
refused "service token for an ungranted mob" "$SERVICE" "{\"actor\":\"mob:$MOB2\",\"input\":\"look\"}" 403 forbidden
refused "service token for a mob that does not exist" "$SERVICE" '{"actor":"mob:99999","input":"look"}' 404 unknown_actor
refused "player token for a mob" "$ALICE" "{\"actor\":\"mob:$MOB\",\"input\":\"look\"}" 403 forbidden
refused "admin token submitting" "$ADMIN" '{"actor":"Alice","input":"look"}' 403 forbidden
refused "revoked token" "$REVOKED" '{"actor":"Alice","input":"look"}' 401 unauthorized
refused "expired token" "$EXPIRED" '{"actor":"Alice","input":"look"}' 401 unauthorized

before=$(queued)
r=$(post "$SERVICE" '[{"actor":"Bob","input":"look","id":"1"},{"actor":"Alice","input":"look","id":"2"},{"actor":"Carol","input":"look","id":"3"}]')
is "$(json '[x["status"] if x["status"] == "queued" else x["error"]["code"] for x in d["results"]]' "${r#* }")" \
	"['queued', 'forbidden', 'forbidden']" "service batch: granted item queued, the others refused one by one"
is "$(queued)" "$((before + 1))" "service batch: one action queued"
is "$(sql "SELECT account_id FROM action_queue WHERE actor_key = 'char:$BOB_ID' ORDER BY id DESC LIMIT 1")" \
	"$(sql "SELECT account_id FROM characters WHERE id = $BOB_ID")" "a service's action carries its character's account"

# ---- reading streams
reads() { # description token stream status
	r=$(get "$2" "/v1/streams/$3/events")
	is "${r%% *}" "$4" "$1: $4"
}
reads "player reads its character's stream" "$ALICE" "char:$ALICE_ID" 200
reads "player reads its character's room" "$ALICE" "room:$ROOM" 200
reads "player may not read another account's character" "$ALICE" "char:$BOB_ID" 403
reads "player may not read a room none of its characters is in" "$ALICE" "room:$OTHER_ROOM" 403
reads "pinned token may not read the other character's stream" "$PINNED" "char:$(sql "SELECT id FROM characters WHERE name = 'Carol'")" 403
reads "service reads a granted character's stream" "$SERVICE" "char:$BOB_ID" 200
reads "service reads a granted character's room" "$SERVICE" "room:$ROOM" 200
reads "service may not read an ungranted character's stream" "$SERVICE" "char:$ALICE_ID" 403
reads "admin reads any character" "$ADMIN" "char:$BOB_ID" 200
reads "admin reads any room" "$ADMIN" "room:$OTHER_ROOM" 200
reads "admin reads any stream name" "$ADMIN" "instance:1" 200
reads "revoked token" "$REVOKED" "char:$ALICE_ID" 401
reads "bad stream name" "$ALICE" "room%3B12" 400
r=$(curl -s -o /dev/null -w '%{http_code}' "$HTTP/v1/streams/char:$ALICE_ID/events")
is "$r" "401" "no token: 401"
r=$(get "$ALICE" "/v1/streams/char:$BOB_ID/events")
case "$r" in *'"events"'*) ok 1 "a refusal reveals no events"; diag "$r" ;; *) ok 0 "a refusal reveals no events" ;; esac

# ---- mailboxes
mbox() { # token body -> "STATUS BODY"
	curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $1" --data-binary "$2" "$HTTP/v1/mailboxes"
	printf ' '; cat "$T_DIR/resp"
}
r=$(mbox "$ALICE" '{"actor":"Alice"}')
is "${r%% *}" "201" "player creates a mailbox for its character: 201"
MB=$(json 'd["mailbox"]' "${r#* }")
r=$(mbox "$ALICE" '{"actor":"Bob"}'); is "${r%% *}" "403" "player may not create a mailbox for another account's character"
r=$(mbox "$ADMIN" '{"actor":"Alice"}'); is "${r%% *}" "403" "admin token may not create a mailbox"
r=$(mbox "$REVOKED" '{"actor":"Alice"}'); is "${r%% *}" "401" "revoked token may not create a mailbox"
r=$(mbox "$SERVICE" '{"actor":"Bob"}'); is "${r%% *}" "201" "service creates a mailbox for a granted character"
SMB=$(json 'd["mailbox"]' "${r#* }")
r=$(mbox "$SERVICE" '{"actor":"Alice"}'); is "${r%% *}" "403" "service may not create one for an ungranted character"
r=$(get "$BOB" "/v1/mailbox/$MB/messages"); is "${r%% *}" "404" "another account's mailbox is not found"
r=$(get "$BOB" "/v1/mailbox/$SMB/messages"); is "${r%% *}" "404" "a service's mailbox belongs to the service's account, not the character's"
r=$(get "$SERVICE" "/v1/mailbox/$SMB/messages"); is "${r%% *}" "200" "the service reads its mailbox"
r=$(get "$REVOKED" "/v1/mailbox/$MB/messages"); is "${r%% *}" "401" "revoked token may not read a mailbox"
before=$(queued)
r=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $BOB" -d 'look' -H 'Content-Type: text/plain' "$HTTP/v1/mailbox/$MB/actions")
is "$r" "404" "another account may not act through a mailbox"
r=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" -d '{"actor":"Carol","input":"look"}' "$HTTP/v1/mailbox/$MB/actions")
is "$r" "403" "a mailbox acts only for its own character"
is "$(queued)" "$before" "refused mailbox actions enqueue nothing"
r=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $BOB" "$HTTP/v1/mailbox/$MB")
is "$r" "404" "another account may not delete a mailbox"
is "$(sql "SELECT count(*) FROM mailboxes WHERE id = '$MB'")" "1" "and it is still there"
r=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $ALICE" "$HTTP/v1/mailbox/$MB")
is "$r" "200" "the owner deletes its mailbox"
is "$(sql "SELECT count(*) FROM mailboxes WHERE id = '$MB'")" "0" "and it is gone"

# A disabled account's tokens stop working at once.
sql "UPDATE accounts SET disabled_at = now() WHERE name = 'alice'" >/dev/null
refused "disabled account" "$ALICE" '{"actor":"Alice","input":"look"}' 401 unauthorized
reads "disabled account may not read" "$ALICE" "char:$ALICE_ID" 401
grep -q 'bug=self' "$T_DIR/ingress.log"; [ $? -ne 0 ]; ok $? "wr-ingress logged no bug of its own"
finish

#!/bin/sh
# Per-account command history over HTTP (issue 17): GET /v1/history returns
# the lines the token's account typed, oldest first, the last 50 only, from
# any character of the account; another account's lines never; a request
# without a live player token is refused with 401.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
sql "INSERT INTO characters (account_id, name, instance_id, room_id)
     SELECT account_id, 'Carol', instance_id, room_id FROM characters WHERE name = 'Bob'" >/dev/null
ALICE=$("$WRCTL" token issue alice --character=Alice)
BOB=$("$WRCTL" token issue bob --character=Bob)
CAROL=$("$WRCTL" token issue bob --character=Carol)
services_start 1

r=$(get "$BOB" /v1/history)
is "$r" '200 {"account" : "bob", "lines" : []}' "an account that typed nothing: an empty history"
post "$BOB" '{"input":"say one"}' >/dev/null
post "$CAROL" '{"input":"nod"}' >/dev/null
post "$ALICE" '{"input":"say not for bob"}' >/dev/null
r=$(get "$BOB" /v1/history)
is "${r%% *}" 200 "GET /v1/history: 200"
is "$(json '" | ".join(x["line"] + "@" + x["character"] for x in d["lines"])' "${r#* }")" "say one@Bob | nod@Carol" \
	"the account's lines from both its characters, oldest first"
has "$(json 'd["lines"][0]["at"]' "${r#* }")" "20" "each with when"
r=$(get "$ALICE" /v1/history)
is "$(json '[x["line"] for x in d["lines"]]' "${r#* }")" "['say not for bob']" "Alice's account sees only its own"

i=0
while [ $i -lt 55 ]; do
	post "$BOB" "{\"input\":\"say line $i\"}" >/dev/null
	i=$((i + 1))
done
r=$(get "$BOB" /v1/history)
is "$(json 'len(d["lines"])' "${r#* }")" 50 "only the last 50 lines are kept"
is "$(json 'd["lines"][0]["line"] + " .. " + d["lines"][-1]["line"]' "${r#* }")" "say line 5 .. say line 54" \
	"the oldest ones went first"
is "$(sql "SELECT count(*) FROM account_history h JOIN accounts a ON a.id = h.account_id WHERE a.name = 'bob'")" 50 \
	"and the table holds no more"

# 0031 (issue 16): the table's foreign keys are gone; their ON DELETE actions
# are triggers.  A deleted character's lines stay its account's, without it ...
sql "INSERT INTO account_history (account_id, character_id, line)
     SELECT account_id, id, 'carol was here' FROM characters WHERE name = 'Carol'" >/dev/null
is "$(sql "SELECT status FROM wr_character_delete((SELECT account_id FROM characters WHERE name = 'Carol'), 'Carol')")" \
	ok "Carol is deleted"
is "$(sql "SELECT coalesce(character_id::text, 'null') FROM account_history WHERE line = 'carol was here'")" null \
	"her history line stays, its character cleared (ON DELETE SET NULL)"
# ... and a deleted account's lines go with it (ON DELETE CASCADE); another's stay.
sql "INSERT INTO accounts (name) VALUES ('gone');
     INSERT INTO account_history (account_id, line) SELECT id, 'gone soon' FROM accounts WHERE name = 'gone';
     DELETE FROM accounts WHERE name = 'gone'" >/dev/null
is "$(sql "SELECT count(*) FROM account_history WHERE line = 'gone soon'")" 0 \
	"a deleted account's history goes with it (ON DELETE CASCADE)"
is "$(sql "SELECT count(*) FROM account_history WHERE line = 'carol was here'")" 1 "and only its own"

# A line being written holds its character (as the keys' checks did, 0031):
# the character cannot be deleted until that transaction ends.
sql "INSERT INTO characters (account_id, name, instance_id, room_id)
     SELECT account_id, 'Dave', instance_id, room_id FROM characters WHERE name = 'Alice'" >/dev/null
psql "$WR_DATABASE_URL" -XAtqc "BEGIN; SELECT wr_history_add_many(ARRAY(SELECT id FROM characters WHERE name = 'Dave'),
	ARRAY['say held']); SELECT pg_sleep(3); COMMIT" >/dev/null 2>&1 &
HOLDER=$!
sleep 1
r=$(psql "$WR_DATABASE_URL" -XAtqc "SET lock_timeout = '300ms'; DELETE FROM characters WHERE name = 'Dave'" 2>&1)
has "$r" "lock timeout" "deleting a character whose line is being written waits for it"
wait "$HOLDER"
is "$(sql "SELECT count(*) FROM account_history h JOIN characters c ON c.id = h.character_id WHERE c.name = 'Dave'")" 1 \
	"and the line is there, with its character"

r=$(get "not-a-token" /v1/history)
is "${r%% *}" 401 "an unknown token: 401"
r=$(curl -s -o /dev/null -w '%{http_code}' "$HTTP/v1/history")
is "$r" 401 "no token: 401"
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $BOB" "$HTTP/v1/history")
is "$r" 405 "POST: 405"
finish

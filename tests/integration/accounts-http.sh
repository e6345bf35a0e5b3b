#!/bin/sh
# Accounts, sessions and characters over HTTP (docs/accounts.md): every
# refusal with its code and status and nothing written; sessions that
# expire, refresh (once), log out and die with a password change; attempt
# limits (429 + Retry-After); and no password in any log of the run,
# PostgreSQL's with log_statement=all included.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
psql "$PGADMIN" -qc "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
# Minimum argon2id limits keep this test fast; ingress2 below checks the default's.
INGRESS_ARGS="--signup-attempts=100 --login-attempts=1000 --login-failures=100 --password-limits=minimum"
services_start 1

PW='correct horse battery'
PW2='stapler of destiny 42'

# req METHOD PATH [BODY] [TOKEN] -> "status body"; headers in $T_DIR/hdr
req() {
	set -- "$1" "$2" "${3:-}" "${4:-}" "${BASE:-$HTTP}"
	if [ -n "$3" ]; then
		curl -s -D "$T_DIR/hdr" -o "$T_DIR/resp" -w '%{http_code}' -X "$1" ${4:+-H "Authorization: Bearer $4"} \
			-H 'Content-Type: application/json' --data-binary "$3" "$5$2"
	else
		curl -s -D "$T_DIR/hdr" -o "$T_DIR/resp" -w '%{http_code}' -X "$1" ${4:+-H "Authorization: Bearer $4"} "$5$2"
	fi
	printf ' '; cat "$T_DIR/resp"
}
code() { printf '%s' "$1" | sed -n 's/.*"code":"\([a-z_]*\)".*/\1/p' | head -n 1; }
field() { json "d$1" "${2#* }"; }
accounts() { sql "SELECT count(*) FROM accounts"; }
refused() { # description method path body token status code
	before=$(sql "SELECT (SELECT count(*) FROM accounts) || '/' || (SELECT count(*) FROM characters) || '/' || (SELECT count(*) FROM access_tokens WHERE revoked_at IS NULL)")
	r=$(req "$2" "$3" "$4" "$5")
	is "${r%% *} $(code "${r#* }")" "$6 $7" "$1: $6 $7"
	is "$(sql "SELECT (SELECT count(*) FROM accounts) || '/' || (SELECT count(*) FROM characters) || '/' || (SELECT count(*) FROM access_tokens WHERE revoked_at IS NULL)")" \
		"$before" "$1: nothing written"
}

# ---- sign up
r=$(req POST /v1/accounts "{\"name\":\"Wanderer\",\"password\":\"$PW\"}")
is "${r%% *}" 201 "sign up: 201"
TOKEN=$(field '["token"]' "$r"); REFRESH=$(field '["refresh_token"]' "$r")
is "$(field '["account"]["name"]' "$r") $(field '["characters"]' "$r") $(field '["expires_in"]' "$r")" \
	"Wanderer [] 900" "sign up: the account, no characters yet, a 15-minute token"
is "$(sql "SELECT password_hash LIKE '\$argon2id\$v=19\$%' FROM accounts WHERE name = 'Wanderer'")" t \
	"the password is stored as an argon2id hash"
is "$(sql "SELECT kind || ' ' || label || ' ' || (t.expires_at > now() AND t.expires_at < now() + interval '16 minutes') FROM access_tokens t JOIN sessions s ON s.access_hash = t.token_hash JOIN accounts a ON a.id = s.account_id WHERE a.name = 'Wanderer'")" \
	"player session true" "the session is an expiring player token"

LONG=$(python3 -c 'print("x" * 129)')
refused "password too short" POST /v1/accounts '{"name":"Shorty","password":"abc12"}' "" 422 weak_password
refused "a common password" POST /v1/accounts '{"name":"Commoner","password":"Password1"}' "" 422 weak_password
refused "a password of one character" POST /v1/accounts '{"name":"Samey","password":"aaaaaaaaaaaa"}' "" 422 weak_password
refused "a password holding the name" POST /v1/accounts '{"name":"Narcis","password":"i am narcis!!"}' "" 422 weak_password
refused "a password too long" POST /v1/accounts "{\"name\":\"Verbose\",\"password\":\"$LONG\"}" "" 400 password_too_long
refused "a name too short" POST /v1/accounts "{\"name\":\"Al\",\"password\":\"$PW\"}" "" 400 bad_name
refused "a name too long" POST /v1/accounts "{\"name\":\"Abcdefghijklmnopq\",\"password\":\"$PW\"}" "" 400 bad_name
refused "a name with a space" POST /v1/accounts "{\"name\":\"Al Bo\",\"password\":\"$PW\"}" "" 400 bad_name
refused "a name starting with a digit" POST /v1/accounts "{\"name\":\"9lives\",\"password\":\"$PW\"}" "" 400 bad_name
refused "a reserved name, any case" POST /v1/accounts "{\"name\":\"AdMin\",\"password\":\"$PW\"}" "" 422 reserved_name
refused "an offensive name" POST /v1/accounts "{\"name\":\"Hitlerfan\",\"password\":\"$PW\"}" "" 422 reserved_name
refused "a taken name, other case" POST /v1/accounts "{\"name\":\"WANDERER\",\"password\":\"$PW\"}" "" 409 name_taken
refused "a world-file account's name" POST /v1/accounts "{\"name\":\"Alice\",\"password\":\"$PW\"}" "" 409 name_taken
refused "no password" POST /v1/accounts '{"name":"Nopass"}' "" 400 bad_input
refused "an unknown member" POST /v1/accounts "{\"name\":\"Extra\",\"password\":\"$PW\",\"admin\":true}" "" 400 bad_input
refused "not JSON" POST /v1/accounts 'name=x' "" 400 bad_json

# ---- characters
refused "characters without a session" GET /v1/characters "" "" 401 unauthorized
r=$(req POST /v1/characters '{"name":"Zephyr"}' "$TOKEN")
is "${r%% *} $(field '["character"]["name"]' "$r")" "201 Zephyr" "create a character"
ZID=$(field '["character"]["id"]' "$r")
is "$(sql "SELECT t.key || ' ' || c.hp || '/' || c.max_hp || ' ' || c.gold FROM characters c JOIN rooms r ON r.id = c.room_id JOIN room_templates t ON t.id = r.template_id WHERE c.id = $ZID")" \
	"millbrook.square 20/20 10" "it starts in the start room with the rules' stats"
is "$(sql "SELECT string_agg(t.key || ' x' || i.quantity, ',') FROM items i JOIN item_templates t ON t.id = i.template_id WHERE i.owner_character_id = $ZID")" \
	"millbrook.bread x1" "it carries the starting kit"
SQUARE=$(sql "SELECT room_id FROM characters WHERE id = $ZID")
is "$(sql "SELECT e.payload->>'text' FROM event_log e JOIN event_streams s ON s.event_id = e.event_id WHERE s.stream = 'room:$SQUARE' AND e.type = 'CharacterArrived' AND e.payload->>'character_id' = '$ZID'")" \
	"Zephyr appears, new to the realm." "its arrival is an event of the start room"
refused "a taken character name" POST /v1/characters '{"name":"alice"}' "$TOKEN" 409 name_taken
refused "a reserved character name" POST /v1/characters '{"name":"Wizard"}' "$TOKEN" 422 reserved_name
refused "a bad character name" POST /v1/characters '{"name":"x"}' "$TOKEN" 400 bad_name
is "$(req POST /v1/characters '{"name":"Yarrow"}' "$TOKEN" | cut -c1-3) $(req POST /v1/characters '{"name":"Xanthe"}' "$TOKEN" | cut -c1-3)" \
	"201 201" "a second and third character"
refused "a fourth character (rules: 3)" POST /v1/characters '{"name":"Willow"}' "$TOKEN" 409 too_many_characters
r=$(req GET /v1/characters "" "$TOKEN")
is "${r%% *} $(json '[[c["name"] for c in d["characters"]], d["max"]]' "${r#* }")" "200 [['Zephyr', 'Yarrow', 'Xanthe'], 3]" "list the characters"

# ---- log in, pick a character, play
refused "a wrong password" POST /v1/sessions "{\"name\":\"Wanderer\",\"password\":\"wrong password\"}" "" 401 bad_credentials
refused "an unknown account" POST /v1/sessions "{\"name\":\"Nobody9\",\"password\":\"$PW\"}" "" 401 bad_credentials
refused "a character of another account" POST /v1/sessions "{\"name\":\"wanderer\",\"password\":\"$PW\",\"character\":\"Alice\"}" "" 404 unknown_character
r=$(req POST /v1/sessions "{\"name\":\"wanderer\",\"password\":\"$PW\",\"character\":\"zephyr\"}")
is "${r%% *} $(field '["character"]["name"]' "$r")" "201 Zephyr" "log in (any case) and pick a character"
PLAY=$(field '["token"]' "$r"); PLAY_REFRESH=$(field '["refresh_token"]' "$r")
r=$(post "$PLAY" '{"input":"look"}')
is "${r%% *}" 202 "the session token submits commands for its character"
r=$(get "$PLAY" "/v1/streams/char:$ZID/events")
is "${r%% *}" 200 "and reads its character's stream"

# ---- refresh: rotates; the old pair dies; a refresh token works once
r=$(req POST /v1/sessions/refresh "{\"refresh_token\":\"$PLAY_REFRESH\"}")
is "${r%% *} $(field '["character"]["name"]' "$r")" "201 Zephyr" "refresh keeps the character"
PLAY2=$(field '["token"]' "$r"); PLAY2_REFRESH=$(field '["refresh_token"]' "$r")
is "$(post "$PLAY" '{"input":"look"}' | cut -c1-3) $(post "$PLAY2" '{"input":"look"}' | cut -c1-3)" "401 202" \
	"after a refresh the old access token is revoked, the new one works"
refused "a refresh token used twice" POST /v1/sessions/refresh "{\"refresh_token\":\"$PLAY_REFRESH\"}" "" 401 unauthorized
refused "a made-up refresh token" POST /v1/sessions/refresh '{"refresh_token":"abc"}' "" 401 unauthorized
r=$(req POST /v1/sessions/refresh "{\"refresh_token\":\"$PLAY2_REFRESH\",\"character\":\"Yarrow\"}")
is "${r%% *} $(field '["character"]["name"]' "$r")" "201 Yarrow" "refresh with a character picks another one"
PLAY3=$(field '["token"]' "$r")

# ---- expiry
sql "UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = encode(sha256(convert_to('$PLAY3', 'UTF8')), 'hex')" >/dev/null
refused "an expired session token (commands)" POST /v1/commands '{"input":"look"}' "$PLAY3" 401 unauthorized
refused "an expired session token (characters)" GET /v1/characters "" "$PLAY3" 401 unauthorized

# ---- log out
r=$(req POST /v1/sessions "{\"name\":\"Wanderer\",\"password\":\"$PW\"}")
OUT=$(field '["token"]' "$r"); OUT_REFRESH=$(field '["refresh_token"]' "$r")
r=$(req DELETE /v1/sessions "" "$OUT")
is "${r%% *}" 200 "log out"
refused "a logged-out token" GET /v1/characters "" "$OUT" 401 unauthorized
refused "log out twice" DELETE /v1/sessions "" "$OUT" 401 unauthorized
refused "the refresh token of a logged-out session" POST /v1/sessions/refresh "{\"refresh_token\":\"$OUT_REFRESH\"}" "" 401 unauthorized
refused "log out without a token" DELETE /v1/sessions "" "" 401 unauthorized

# ---- password change: revokes every session
r=$(req POST /v1/sessions "{\"name\":\"Wanderer\",\"password\":\"$PW\"}")
S1=$(field '["token"]' "$r")
r=$(req POST /v1/sessions "{\"name\":\"Wanderer\",\"password\":\"$PW\"}")
S2=$(field '["token"]' "$r"); S2_REFRESH=$(field '["refresh_token"]' "$r")
refused "password change, wrong current password" POST /v1/accounts/password "{\"password\":\"nope nope nope\",\"new_password\":\"$PW2\"}" "$S1" 401 bad_credentials
refused "password change to a weak one" POST /v1/accounts/password "{\"password\":\"$PW\",\"new_password\":\"short\"}" "$S1" 422 weak_password
r=$(req POST /v1/accounts/password "{\"password\":\"$PW\",\"new_password\":\"$PW2\"}" "$S1")
is "${r%% *} $(field '["status"]' "$r")" "200 changed" "change the password"
is "$(req GET /v1/characters "" "$S1" | cut -c1-3) $(req GET /v1/characters "" "$S2" | cut -c1-3) $(post "$S2" '{"actor":"Zephyr","input":"look"}' | cut -c1-3)" \
	"401 401 401" "every session of the account is revoked"
refused "a refresh token from before the change" POST /v1/sessions/refresh "{\"refresh_token\":\"$S2_REFRESH\"}" "" 401 unauthorized
refused "the old password" POST /v1/sessions "{\"name\":\"Wanderer\",\"password\":\"$PW\"}" "" 401 bad_credentials
r=$(req POST /v1/sessions "{\"name\":\"Wanderer\",\"password\":\"$PW2\"}")
is "${r%% *}" 201 "the new password logs in"
S3=$(field '["token"]' "$r")

# ---- delete a character: its items leave the world through an event
NITEMS=$(sql "SELECT count(*) FROM items WHERE owner_character_id = $ZID")
r=$(req DELETE /v1/characters/zephyr "" "$S3")
is "${r%% *} $(field '["items_removed"]' "$r")" "200 $NITEMS" "delete a character"
is "$(sql "SELECT count(*) FROM characters WHERE id = $ZID")/$(sql "SELECT count(*) FROM items WHERE owner_character_id = $ZID")" "0/0" "it and its items are gone"
is "$(sql "SELECT jsonb_array_length(e.payload->'items') FROM event_log e JOIN event_streams s ON s.event_id = e.event_id WHERE s.stream = 'room:$SQUARE' AND e.type = 'CharacterDeleted'")" \
	"$NITEMS" "a CharacterDeleted event in its room names the items"
refused "delete a character twice" DELETE /v1/characters/Zephyr "" "$S3" 404 unknown_character
refused "delete another account's character" DELETE /v1/characters/Alice "" "$S3" 404 unknown_character
is "$(req POST /v1/characters '{"name":"Willow"}' "$S3" | cut -c1-3)" 201 "after a delete there is room for another"

# ---- locked accounts
sql "UPDATE accounts SET disabled_at = now() WHERE name = 'Wanderer'" >/dev/null
refused "a locked account" POST /v1/sessions "{\"name\":\"Wanderer\",\"password\":\"$PW2\"}" "" 403 account_locked
sql "UPDATE accounts SET disabled_at = NULL WHERE name = 'Wanderer'" >/dev/null

# ---- attempt limits: a second ingress with small ones
svc ingress2 "$BUILD/ingress/wr-ingress" --port=0 --port-file="$T_DIR/ingress2.port" \
	--signup-attempts=2 --login-attempts=1000 --login-failures=3 --login-window=60
svc ingress3 "$BUILD/ingress/wr-ingress" --port=0 --port-file="$T_DIR/ingress3.port" --login-attempts=2 \
	--password-limits=minimum
wait_file "$T_DIR/ingress2.port" && wait_file "$T_DIR/ingress3.port" || bail "second ingress did not start"
BASE="http://127.0.0.1:$(cat "$T_DIR/ingress2.port")"
req POST /v1/accounts "{\"name\":\"Limited1\",\"password\":\"$PW\"}" >/dev/null
req POST /v1/accounts "{\"name\":\"Limited2\",\"password\":\"$PW\"}" >/dev/null
is "$(sql "SELECT password_hash LIKE '\$argon2id\$v=19\$m=65536,t=2,p=1\$%' FROM accounts WHERE name = 'Limited1'")" t \
	"by default, libsodium's interactive limits (64 MiB, 2 passes)"
refused "a third sign-up from one address" POST /v1/accounts "{\"name\":\"Limited3\",\"password\":\"$PW\"}" "" 429 rate_limited
RA=$(sed -n 's/^Retry-After: *\([0-9]*\).*/\1/ip' "$T_DIR/hdr")
ok "$([ "${RA:-0}" -ge 1 ] && [ "${RA:-0}" -le 600 ]; echo $?)" "429 comes with Retry-After (got ${RA:-none})"
for i in 1 2 3; do req POST /v1/sessions '{"name":"Limited1","password":"wrong guess one"}' >/dev/null; done
refused "a fourth failed log-in for one account" POST /v1/sessions "{\"name\":\"Limited1\",\"password\":\"$PW\"}" "" 429 rate_limited
RA=$(sed -n 's/^Retry-After: *\([0-9]*\).*/\1/ip' "$T_DIR/hdr")
ok "$([ "${RA:-0}" -ge 1 ] && [ "${RA:-0}" -le 60 ]; echo $?)" "per account: 429 with Retry-After within the window (got ${RA:-none})"
is "$(req POST /v1/sessions "{\"name\":\"Limited2\",\"password\":\"$PW\"}" | cut -c1-3)" 201 "another account from the same address still logs in"
BASE="http://127.0.0.1:$(cat "$T_DIR/ingress3.port")"
req POST /v1/sessions "{\"name\":\"Wanderer\",\"password\":\"$PW2\"}" >/dev/null
req POST /v1/sessions "{\"name\":\"Wanderer\",\"password\":\"$PW2\"}" >/dev/null
refused "a third log-in from one address" POST /v1/sessions "{\"name\":\"Wanderer\",\"password\":\"$PW2\"}" "" 429 rate_limited
BASE=""

# ---- no password, and no session secret, in any log
sleep 0.3
for f in "$T_DIR"/*.log; do
	for s in "$PW" "$PW2" "wrong guess one"; do
		ok "$(grep -qF "$s" "$f"; [ $? -eq 1 ]; echo $?)" "no password in $(basename "$f")"
	done
done
ok "$(grep -q "wr_account_signup" "$T_DIR/postgresql.log"; echo $?)" "log_statement=all did log the statements"
for s in "$REFRESH" "$PLAY_REFRESH" "$OUT_REFRESH"; do
	ok "$(grep -qF "$s" "$T_DIR/postgresql.log"; [ $? -eq 1 ]; echo $?)" "no refresh token in postgresql.log"
done
finish

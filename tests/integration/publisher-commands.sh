#!/bin/sh
# Commands on the websocket (docs/protocol.md "Commands") through the real
# publisher, ingress, workers and PostgreSQL, with a real websocket client
# (wrctl watch --send, libwebsockets): say/get/ambiguous/unknown verb/alias
# answered with the same per-item objects as POST /v1/commands, acks that
# are committed actions, events on the same socket, retries by id, bad
# frames, a revoked token, the queue bounds, the rate limit, and a client
# that goes away while its command runs.
. "$(dirname "$0")/../lib/harness.sh"
# A socket the publisher ends (revoked token) must not kill the script that writes to it.
trap "" PIPE

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
ALICE=$("$WRCTL" token issue alice 2>/dev/null | tail -1)
BOB=$("$WRCTL" token issue bob 2>/dev/null | tail -1)
[ -n "$ALICE" ] && [ -n "$BOB" ] || bail "no tokens"
services_start 2
ALICE_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
BOB_ID=$(sql "SELECT id FROM characters WHERE name = 'Bob'")

# ws_open NAME FD TOKEN [URL]: a watch that sends what is written to fd FD.
ws_open() {
	mkfifo "$T_DIR/$1.in"
	"$WRCTL" watch --url="${4:-$WS}" --token="$3" --json --send <"$T_DIR/$1.in" >"$T_DIR/$1.out" 2>"$T_DIR/$1.err" &
	T_PIDS="$T_PIDS $!"
	eval "PID_WS_$1=$!"
	eval "exec $2>\"\$T_DIR/\$1.in\""
	wait_grep '"welcome"' "$T_DIR/$1.out" || bail "$1 was not welcomed: $(cat "$T_DIR/$1.err")"
}
# send FD FRAME
send() { printf '%s\n' "$2" >&"$1"; }
# result NAME ID: waits for the result frame of ID and prints it.
result() {
	wait_grep "\"type\":\"result\",\"id\":\"$2\"" "$T_DIR/$1.out" 150 || { echo "{}"; return; }
	grep "\"type\":\"result\",\"id\":\"$2\"" "$T_DIR/$1.out" | tail -1
}
# nth_result NAME ID N: waits for the Nth result frame of ID and prints it.
nth_result() {
	_w=0
	while [ "$(grep -c "\"type\":\"result\",\"id\":\"$2\"" "$T_DIR/$1.out")" -lt "$3" ]; do
		_w=$((_w + 1)); [ "$_w" -gt 150 ] && { echo "{}"; return; }
		sleep 0.1
	done
	grep "\"type\":\"result\",\"id\":\"$2\"" "$T_DIR/$1.out" | sed -n "$3p"
}
# The same item through HTTP: POST /v1/commands with a one-item batch, results[0].
http_item() { # token item-json
	r=$(post "$1" "[$2]")
	json 'json.dumps(d["results"][0], sort_keys=True)' "${r#* }"
}
# A socket result without "type" and "id", for comparing with http_item.
as_item() { json 'json.dumps({k: v for k, v in d.items() if k not in ("type", "id")}, sort_keys=True)' "$1"; }
nactions() { sql "SELECT (SELECT count(*) FROM action_queue) + (SELECT count(DISTINCT action_id) FROM event_log)"; }
drained() { wait_sql "SELECT count(*) FROM action_queue" 0; }

ws_open alice 3 "$ALICE"
ws_open bob 4 "$BOB"

# say: queued, committed, and its events come back on the same socket.
send 3 '{"type":"command","id":"c1","input":"say hello over the socket"}'
r=$(result alice c1)
is "$(json 'd["status"]' "$r")" queued "say: result queued"
aid=$(json 'd["action_ids"][0]' "$r")
is "$(sql "SELECT count(*) FROM command_ids WHERE actor_key = 'char:$ALICE_ID' AND command_id = 'c1'
           AND $aid = ANY(action_ids)")" 1 "the ack's action id is committed under command id c1"
wait_grep "You say, 'hello over the socket'" "$T_DIR/alice.out"; ok $? "the said text arrives on the same socket"
wait_grep "Alice says, 'hello over the socket'" "$T_DIR/bob.out"; ok $? "and on Bob's"
is "$(sql "SELECT count(*) FROM event_log WHERE action_id = $aid AND type = 'Said'")" 1 "the Said event is the acked action's"

# A retry by the same id is the same command: the original ids, replayed.
send 3 '{"type":"command","id":"c1","input":"say hello over the socket"}'
r=$(nth_result alice c1 2)
is "$(json 'd.get("replayed")' "$r")" True "a retry of c1 is replayed"
is "$(json 'd["action_ids"][0]' "$r")" "$aid" "with the original action id"
send 3 '{"type":"command","id":"c1","input":"say something else"}'
r=$(nth_result alice c1 3)
is "$(json 'd["error"]["code"]' "$r")" idempotency_conflict "c1 with other input: idempotency_conflict"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'Said' AND payload->>'message' LIKE 'hello over%'")" 1 \
	"said once for three frames with id c1"

# One connection's commands run in the order sent, even with two command
# threads: eight says written at once are queued, applied and answered in order.
frames=""
for i in 1 2 3 4 5 6 7 8; do
	frames="$frames{\"type\":\"command\",\"id\":\"o$i\",\"input\":\"say order $i\"}
"
done
printf '%s' "$frames" >&3
result alice o8 >/dev/null
is "$(grep -o '"type":"result","id":"o[0-9]"' "$T_DIR/alice.out" | tr -dc '0-9\n' | tr '\n' ' ')" "1 2 3 4 5 6 7 8 " \
	"results of eight commands sent at once come back in the order sent"
is "$(sql "SELECT string_agg(c.command_id, ' ' ORDER BY c.action_ids[1]) FROM command_ids c
           WHERE c.actor_key = 'char:$ALICE_ID' AND c.command_id LIKE 'o_'")" "o1 o2 o3 o4 o5 o6 o7 o8" \
	"their action ids are in the order sent"
wait_grep "You say, 'order 8'" "$T_DIR/alice.out"
is "$(grep -o "You say, 'order [0-9]'" "$T_DIR/alice.out" | tr -dc '0-9\n' | tr '\n' ' ')" "1 2 3 4 5 6 7 8 " \
	"and the says are heard in that order"

# The id is the HTTP command id: a command posted over HTTP and resent on the socket is the same command.
r=$(post "$ALICE" '{"input":"say first over http","id":"x1"}')
hid=$(json 'd["action_ids"][0]' "${r#* }")
send 3 '{"type":"command","id":"x1","input":"say first over http"}'
r=$(result alice x1)
is "$(json 'str(d["action_ids"][0]) + " " + str(d.get("replayed"))' "$r")" "$hid True" \
	"HTTP's command x1 resent on the socket: replayed, the same action id"

# A structured get: the coins lying in the start room go into Alice's purse.
drained
gold0=$(sql "SELECT gold FROM characters WHERE id = $ALICE_ID")
send 3 '{"type":"command","id":"g1","command":{"type":"get","args":{"object":"coins"}}}'
r=$(result alice g1)
is "$(json 'd["status"]' "$r")" queued "structured get coins: queued"
drained
[ "$(sql "SELECT gold FROM characters WHERE id = $ALICE_ID")" -gt "$gold0" ]; ok $? "Alice has more gold"
wait_grep '"event":"ItemTaken"' "$T_DIR/alice.out"; ok $? "ItemTaken arrives on the socket"

# Ambiguity: the same per-item object as HTTP, candidates included; nothing queued.
sql "UPDATE items SET owner_room_id = NULL, owner_character_id = $ALICE_ID
     WHERE spawn_key IN ('millbrook.market.dagger', 'millbrook.stables.key')" >/dev/null
n0=$(nactions)
send 3 '{"type":"command","id":"a1","input":"give small to bob"}'
r=$(result alice a1)
is "$(json 'd["error"]["code"]' "$r")" ambiguous "give small: ambiguous"
is "$(json '" ".join(c["ref"] for c in d["error"]["candidates"])' "$r")" "small.1 small.2" "candidates small.1 small.2"
is "$(json '" ".join(str(c["id"] > 0) + c["kind"] for c in d["error"]["candidates"])' "$r")" "Trueitem Trueitem" \
	"candidates carry id and kind"
is "$(as_item "$r")" "$(http_item "$ALICE" '{"input":"give small to bob"}')" "the same object as POST /v1/commands"
is "$(nactions)" "$n0" "nothing queued for an ambiguous command"

# Unknown verb: a structured error, nothing queued, no command id kept.
send 3 '{"type":"command","id":"u1","input":"xyzzy now"}'
r=$(result alice u1)
is "$(json 'd["status"] + " " + d["error"]["code"]' "$r")" "error unknown_verb" "xyzzy: unknown_verb"
is "$(as_item "$r")" "$(http_item "$ALICE" '{"input":"xyzzy now"}')" "the same object as POST /v1/commands"
is "$(nactions)" "$n0" "nothing queued for an unknown verb"
is "$(sql "SELECT count(*) FROM command_ids WHERE command_id = 'u1'")" 0 "no command id kept for it"

# Aliases: set (status ok with the alias), then used.
send 3 '{"type":"command","id":"al1","input":"alias hh say hi from an alias"}'
r=$(result alice al1)
is "$(json 'd["status"] + " " + d["alias"]["name"] + "=" + d["alias"]["expansion"]' "$r")" \
	"ok hh=say hi from an alias" "alias hh: ok with the alias"
send 3 '{"type":"command","id":"al2","input":"hh"}'
r=$(result alice al2)
is "$(json 'd["status"]' "$r")" queued "hh: queued"
wait_grep "Alice says, 'hi from an alias'" "$T_DIR/bob.out"; ok $? "the alias expanded to its say"

# Bad frames: a bad_request error (with the id when it is usable), nothing queued, the connection stays.
drained
n0=$(nactions)
long_id=$(printf 'x%.0s' $(seq 65))
long_input=$(printf 'y%.0s' $(seq 2049))
send 3 '{"type":"command","input":"say no id"}'
send 3 "{\"type\":\"command\",\"id\":\"$long_id\",\"input\":\"say long id\"}"
send 3 '{"type":"command","id":"b3","input":"say both","command":{"type":"say","args":{"text":"x"}}}'
send 3 '{"type":"command","id":"b4"}'
send 3 "{\"type\":\"command\",\"id\":\"b5\",\"input\":\"say $long_input\"}"
send 3 "{\"type\":\"command\",\"id\":\"b6\",\"command\":{\"type\":\"say\",\"args\":{\"text\":\"x\"},\"actor\":\"char:$BOB_ID\"}}"
send 3 '{"type":"command","id":"b7","input":"say x","actor":"Bob"}'
send 3 '{"type":"command","id":7,"input":"say number id"}'
send 3 '{"type":"ping"}'
wait_grep '"pong"' "$T_DIR/alice.out"; ok $? "the connection stays open after bad frames"
is "$(grep -c '"type":"error","code":"bad_request"' "$T_DIR/alice.out")" 8 "eight bad frames, eight bad_request errors"
is "$(grep '"code":"bad_request"' "$T_DIR/alice.out" | grep -o '"id":"b[0-9]"' | tr '\n' ' ')" \
	'"id":"b3" "id":"b4" "id":"b5" "id":"b6" "id":"b7" ' "errors name the usable ids"
is "$(grep '"type":"result"' "$T_DIR/alice.out" | grep -c '"id":"\(b[0-9]\|xx*\)"')" 0 "bad frames get no result"
sleep 0.3
is "$(nactions)" "$n0" "nothing queued for bad frames"
is "$(sql "SELECT count(*) FROM command_ids WHERE command_id LIKE 'b%' OR command_id LIKE 'xx%'")" 0 \
	"no command ids kept for bad frames"

# A revoked token fails like in HTTP (or the connection is ended): nothing queued.
ws_open alice2 5 "$ALICE"
printf '%s\n' "$ALICE" | "$WRCTL" token revoke - >/dev/null 2>&1 || bail "could not revoke"
n0=$(nactions)
send 5 '{"type":"command","id":"rv1","input":"say after revocation"}'
_w=0
while ! grep -q '"id":"rv1"' "$T_DIR/alice2.out" && ! grep -q 'closed' "$T_DIR/alice2.err"; do
	_w=$((_w + 1)); [ "$_w" -gt 150 ] && break
	sleep 0.1
done
if grep -q '"id":"rv1"' "$T_DIR/alice2.out"; then
	is "$(json 'd["error"]["code"]' "$(grep '"id":"rv1"' "$T_DIR/alice2.out")")" unauthorized "revoked token: unauthorized"
else
	grep -q '4401' "$T_DIR/alice2.err"; ok $? "revoked token: the connection was ended with 4401"
fi
is "$(nactions)" "$n0" "nothing queued with a revoked token"
ALICE=$("$WRCTL" token issue alice 2>/dev/null | tail -1)

# Bounds: one command thread, one command in flight per connection and two
# in all.  While a lock holds the first command in the database, a second one
# on the same connection is refused "busy", one on another connection is
# queued, and a third connection's is refused "busy" (the overall bound).
# The second connection goes away before its command has run: its late
# result is dropped.  (Each step takes milliseconds; the window is q1's
# lock_timeout, 2 s.)
svc publisher2 "$BUILD/publisher/wr-publisher" --port=0 --port-file="$T_DIR/publisher2.port" \
	--command-threads=1 --command-queue=2 --command-queue-per-conn=1 --log-level=debug
wait_file "$T_DIR/publisher2.port" || bail "publisher2 did not start"
WS2="ws://127.0.0.1:$(cat "$T_DIR/publisher2.port")/"
ws_open alice3 6 "$ALICE" "$WS2"
ws_open bob3 7 "$BOB" "$WS2"
ws_open alice4 8 "$ALICE" "$WS2"
n0=$(sql "SELECT count(*) FROM command_ids")
psql "$WR_DATABASE_URL" -Xqc "BEGIN; LOCK TABLE action_queue IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT" \
	>/dev/null 2>&1 &
HOLDER=$!
wait_sql "SELECT count(*) FROM pg_locks WHERE relation = 'action_queue'::regclass AND mode = 'AccessExclusiveLock' AND granted" 1 \
	|| bail "no lock"
send 6 '{"type":"command","id":"q1","input":"say held up"}'
# (Workers may wait for the lock too: look for the submission.)
wait_sql "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%wr_submit%'" t \
	|| bail "q1 does not wait for the lock"
send 6 '{"type":"command","id":"q2","input":"say too soon"}'
r=$(result alice3 q2)
is "$(json 'd["status"] + " " + d["error"]["code"]' "$r")" "error busy" "second command of a connection: busy"
send 8 '{"type":"command","id":"q4","input":"say gone"}'
wait_grep 'command "q4" queued' "$T_DIR/publisher2.log"; ok $? "q4 is accepted (2 commands in all now)"
send 7 '{"type":"command","id":"q3","input":"say me too"}'
r=$(result bob3 q3)
is "$(json 'd["status"] + " " + d["error"]["code"]' "$r")" "error busy" "a command past the overall bound: busy"
grep -q '"id":"q4"' "$T_DIR/alice4.out"; [ $? -ne 0 ]; ok $? "q4 is waiting (not answered yet)"
kill "$PID_WS_alice4" 2>/dev/null
wait "$HOLDER"
r=$(result alice3 q1)
case "$(json 'd["status"]' "$r")" in
queued | error) ok 0 "the held command is answered once the lock goes ($(json 'd["status"]' "$r"))" ;;
*) ok 1 "the held command is answered once the lock goes"; diag "$r" ;;
esac
send 6 '{"type":"command","id":"q5","input":"say free again"}'
r=$(result alice3 q5)
is "$(json 'd["status"]' "$r")" queued "after the bound frees up, commands queue again"
wait_grep 'command "q4" for a closed connection dropped' "$T_DIR/publisher2.log"; ok $? "q4's late result is dropped"
check "the publisher is alive after q4's late result" curl -sf "http://127.0.0.1:$(cat "$T_DIR/publisher2.port")/healthz"
diag "q4 (its client gone) committed: $(sql "SELECT count(*) FROM command_ids WHERE command_id = 'q4'")"
is "$(sql "SELECT count(*) FROM command_ids WHERE command_id IN ('q2', 'q3')")" 0 "busy commands left nothing"

# Rate limit: burst 3, 1 a second, per token; past it "rate_limited" with retry_after.
svc publisher3 "$BUILD/publisher/wr-publisher" --port=0 --port-file="$T_DIR/publisher3.port" \
	--command-rate=1 --command-burst=3
wait_file "$T_DIR/publisher3.port" || bail "publisher3 did not start"
ws_open bob5 9 "$BOB" "ws://127.0.0.1:$(cat "$T_DIR/publisher3.port")/"
i=0
while [ $i -lt 10 ]; do i=$((i + 1)); send 9 "{\"type\":\"command\",\"id\":\"r$i\",\"input\":\"say burst $i\"}"; done
_w=0
while [ "$(grep -c '"type":"result"' "$T_DIR/bob5.out")" -lt 10 ]; do
	_w=$((_w + 1)); [ "$_w" -gt 150 ] && break
	sleep 0.1
done
limited=$(grep -c '"code":"rate_limited"' "$T_DIR/bob5.out")
queued=$(grep -c '"status":"queued"' "$T_DIR/bob5.out")
is "$((limited + queued))" 10 "ten commands, ten results"
[ "$limited" -ge 4 ] && [ "$queued" -ge 3 ]; ok $? "a burst past the bound is refused: $queued queued, $limited rate_limited"
is "$(grep '"rate_limited"' "$T_DIR/bob5.out" | python3 -c 'import json,sys; print(all(json.loads(l)["error"]["retry_after"] >= 1 for l in sys.stdin))')" \
	True "rate_limited results carry retry_after"
is "$(sql "SELECT count(*) FROM command_ids WHERE actor_key = 'char:$BOB_ID' AND command_id ~ '^r[0-9]+$'")" "$queued" \
	"exactly the queued ones were committed"

drained; ok $? "every action was applied"
is "$(sql "SELECT count(*) FROM dead_actions")" 0 "no action was dead-lettered"
finish

#!/bin/sh
# The limits that are not about one body (those are in ingress-bad-input):
# requests per second per token (429 with Retry-After, then recovery), long-
# polls waiting at once (503), mailboxes per account (409).  The service
# keeps serving throughout.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
ALICE_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
RL=$("$WRCTL" token issue alice)
OTHER=$("$WRCTL" token issue alice)
W1=$("$WRCTL" token issue alice)
W2=$("$WRCTL" token issue alice)
W3=$("$WRCTL" token issue alice)
MB=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
# rate 1/s: slow enough that even a sanitizer build sends a burst faster
# than it refills.  metrics-public: the scrapes below are not limited.
INGRESS_ARGS="--rate=1 --burst=5 --max-waiters=2 --max-mailboxes=2 --metrics-public=true"
services_start 1

# ---- rate: 1 per second, burst 5
t0=$(date +%s.%N)
codes=""
for i in $(seq 1 12); do
	codes="$codes $(curl -s -D "$T_DIR/h$i" -o "$T_DIR/b$i" -w '%{http_code}' -H "Authorization: Bearer $RL" \
		"$HTTP/v1/streams/char:$ALICE_ID/events")"
done
elapsed=$(python3 -c "print(int($(date +%s.%N) - $t0) + 1)")
diag "12 quick requests in under ${elapsed}s:$codes"
case "$codes" in " 200 200 200 200 200"*) ok 0 "the burst of 5 is served" ;; *) ok 1 "the burst of 5 is served" ;; esac
case "$codes" in *429*) ok 0 "past the burst: 429" ;; *) ok 1 "past the burst: 429" ;; esac
n200=$(echo "$codes" | tr ' ' '\n' | grep -c '^200$')
[ "$n200" -le $((5 + elapsed)) ]; ok $? "no more than the burst plus what refilled meanwhile is served ($n200)"
first=$(echo "$codes" | tr ' ' '\n' | grep -v '^$' | grep -n '^429$' | head -n 1 | cut -d: -f1)
retry=$(sed -n 's/^Retry-After: *\([0-9]*\).*/\1/ip' "$T_DIR/h${first:-1}" | tr -d '\r')
[ -n "$retry" ] && [ "$retry" -ge 1 ]; ok $? "429 carries Retry-After ($retry s)"
grep -q '"code":"rate_limited"' "$T_DIR/b${first:-1}"; ok $? "429 carries the JSON error rate_limited"
r=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OTHER" "$HTTP/v1/streams/char:$ALICE_ID/events")
is "$r" "200" "another token of the same account is not limited"

RC=$("$WRCTL" token issue alice)
codes=""
for i in $(seq 1 8); do
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $RC" -d "{\"input\":\"say rated $i\"}" "$HTTP/v1/commands")"
done
diag "8 quick commands:$codes"
case "$codes" in " 202 202 202 202 202"*429*) ok 0 "commands are limited the same way" ;; *) ok 1 "commands are limited the same way" ;; esac
n202=$(echo "$codes" | tr ' ' '\n' | grep -c '^202$')
wait_sql "SELECT count(*) FROM event_log WHERE payload->>'message' LIKE 'rated %'" "$n202"
wait_sql "SELECT count(*) FROM action_queue" 0
is "$(sql "SELECT count(*) FROM event_log WHERE payload->>'message' LIKE 'rated %'")" "$n202" \
	"exactly the $n202 accepted commands were applied: a 429 queues nothing"

# Recovery: after Retry-After seconds there is a token again.  The bucket may
# have refilled since the burst, so spend tokens until a 429 says how long to
# wait: a 200 here carries no Retry-After, and sleeping 0 s after it proves
# nothing (the next request would find the bucket it just emptied).
retry=""
for i in $(seq 1 20); do
	code=$(curl -s -D "$T_DIR/h" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $RL" \
		"$HTTP/v1/streams/char:$ALICE_ID/events")
	[ "$code" = 429 ] || continue
	retry=$(sed -n 's/^Retry-After: *\([0-9]*\).*/\1/ip' "$T_DIR/h" | tr -d '\r')
	break
done
[ -n "$retry" ]; ok $? "spending the refilled tokens ends in a 429 with Retry-After (${retry:-none} s)"
sleep "${retry:-1}"
r=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $RL" "$HTTP/v1/streams/char:$ALICE_ID/events")
is "$r" "200" "after Retry-After (${retry:-0} s) the token is served again"

codes=""
for i in $(seq 1 10); do
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer made-up-token" "$HTTP/v1/commands" -d '{"input":"look"}')"
done
diag "10 quick requests with an unknown token:$codes"
case "$codes" in " 401 401 401 401 401"*429*) ok 0 "unknown tokens are limited too: 401s, then 429" ;; *) ok 1 "unknown tokens are limited too" ;; esac
curl -s -o "$T_DIR/metrics" "$HTTP/metrics"
grep -q 'wr_ingress_rate_limited_total [1-9]' "$T_DIR/metrics"; ok $? "/metrics counts the 429s"

# ---- long-polls waiting at once: 2
waiters() { curl -s "$HTTP/metrics" | sed -n 's/^wr_ingress_longpoll_waiters //p'; }
curl -s -o "$T_DIR/w1" -w '%{http_code}' -H "Authorization: Bearer $W1" "$HTTP/v1/streams/char:$ALICE_ID/events?wait=20" >"$T_DIR/w1.status" &
P1=$!
curl -s -o "$T_DIR/w2" -w '%{http_code}' -H "Authorization: Bearer $W2" "$HTTP/v1/streams/char:$ALICE_ID/events?wait=20" >"$T_DIR/w2.status" &
P2=$!
i=0
while [ "$(waiters)" != 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "$(waiters)" "2" "two long-polls are waiting"
curl -s -D "$T_DIR/headers" -o "$T_DIR/resp" -H "Authorization: Bearer $W3" "$HTTP/v1/streams/char:$ALICE_ID/events?wait=20" >/dev/null
head -n 1 "$T_DIR/headers" | grep -q ' 503'; ok $? "a third long-poll: 503"
grep -q '"code":"too_many_waiters"' "$T_DIR/resp"; ok $? "503 carries the JSON error too_many_waiters"
grep -qi '^Retry-After: 1' "$T_DIR/headers"; ok $? "503 carries Retry-After"
r=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $W3" "$HTTP/v1/streams/char:$ALICE_ID/events")
is "$r" "200" "a read without wait is still served"
# A private event for Alice (a move) wakes both.
post "$OTHER" '{"input":"north"}' >/dev/null
wait $P1; wait $P2
is "$(cat "$T_DIR/w1.status") $(cat "$T_DIR/w2.status")" "200 200" "the waiting long-polls are answered"
is "$(json 'len(d["events"]) > 0' "$(cat "$T_DIR/w1")")" "True" "with the new event"
is "$(waiters)" "0" "nobody waits any more"

# ---- mailboxes per account: 2
mbox() { curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $1" -d '{}' "$HTTP/v1/mailboxes"; }
is "$(mbox "$MB")" "201" "first mailbox: 201"
FIRST=$(json 'd["mailbox"]' "$(cat "$T_DIR/resp")")
is "$(mbox "$MB")" "201" "second mailbox: 201"
is "$(mbox "$MB")" "409" "third mailbox: 409"
grep -q '"code":"too_many_mailboxes"' "$T_DIR/resp"; ok $? "409 carries the JSON error too_many_mailboxes"
is "$(mbox "$BOB")" "201" "the limit is per account: Bob may create one"
r=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $MB" "$HTTP/v1/mailbox/$FIRST")
is "$r" "200" "delete one"
is "$(mbox "$MB")" "201" "then there is room for another"
is "$(sql "SELECT count(*) FROM mailboxes WHERE account_id = (SELECT id FROM accounts WHERE name = 'alice')")" "2" \
	"the account owns 2 mailboxes"

r=$(curl -s -o /dev/null -w '%{http_code}' "$HTTP/healthz")
is "$r" "200" "the service still answers"
kill -0 "$PID_ingress" 2>/dev/null; ok $? "wr-ingress is still running"
grep -q 'bug=self' "$T_DIR/ingress.log"; [ $? -ne 0 ]; ok $? "wr-ingress logged no bug of its own"
finish

#!/bin/sh
# Issue 15, finding 3: work before authentication.  A made-up token used to
# cost a JSON parse and database statements, and rate limits keyed on the
# presented string, so rotating tokens was unlimited.  Now the token is
# looked up before anything else (one statement), an unknown one is
# remembered for a while (no statement), and each client address may spend
# auth-fail-burst failures (then auth-fail-rate a second): rotating tokens
# gets 429 and costs no statement.  X-Forwarded-For counts only from
# trusted-proxies.  Statements are counted with log_statement = 'all'.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
ALICE=$("$WRCTL" token issue alice)
sql "ALTER DATABASE wr SET log_statement = 'all'" >/dev/null
INGRESS_ARGS="--auth-fail-burst=5 --auth-fail-rate=1 --trusted-proxies=127.0.0.1" services_start 0
code() { printf '%s' "$1" | sed -n 's/.*"code":"\([a-z_]*\)".*/\1/p' | head -n 1; }
LOG="$T_DIR/postgresql.log"
# statements between two marks in the server log
mark() { sql "SELECT 'mark $1'" >/dev/null; }
between() {
	sleep 0.3
	awk -v a="mark $1" -v b="mark $2" 'index($0, a) { on = 1; next } index($0, b) { on = 0 } on && /LOG:  (statement|execute)/' "$LOG" | grep -vc "SELECT 'mark"
}
curl -s -o /dev/null "$HTTP/healthz"
r=$(post "$ALICE" '{"input":"look"}'); is "${r%% *}" "202" "Alice's token works (and is now known good)"

# ---- rotating made-up tokens, each with a body that does not even parse
mark 1
t0=$(date +%s%N)
n=0; : >"$T_DIR/codes"
while [ $n -lt 40 ]; do
	n=$((n + 1))
	curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer made-up-$n-$$" \
		-H 'Content-Type: application/json' --data-binary '{not json' "$HTTP/v1/commands" >>"$T_DIR/codes"
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
mark 2
counts=$(sort "$T_DIR/codes" | uniq -c | tr -s ' ' | tr '\n' ';')
# 5 at once, then one a second: the loop's own time buys a few more.
most=$((5 + ms / 1000 + 1))
u=$(grep -c '^401' "$T_DIR/codes"); l=$(grep -c '^429' "$T_DIR/codes")
ok "$([ "$u" -ge 5 ] && [ "$u" -le "$most" ] && [ $((u + l)) -eq 40 ] && echo 0 || echo 1)" \
	"40 rotating tokens: 5 401s plus one a second (at most $most), the rest 429 ($counts ${ms} ms)"
is "$(head -n 5 "$T_DIR/codes" | tr '\n' ' ')" "401 401 401 401 401 " "the first five are 401"
grep -q '^400' "$T_DIR/codes"; ok $((! $?)) "no body was parsed before the token (no 400 bad_json)"
s=$(between 1 2)
ok "$([ "$s" -le "$u" ] && echo 0 || echo 1)" "40 rotating tokens cost one statement per 401 and none per 429 ($s statements, $u 401s)"

# ---- and reads with rotating tokens once the budget is spent: no statement at all
mark 5
n=0; : >"$T_DIR/codes2"
while [ $n -lt 20 ]; do
	n=$((n + 1))
	curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer read-$n-$$" "$HTTP/v1/streams/room:1/events" >>"$T_DIR/codes2"
done
mark 6
u2=$(grep -c '^401' "$T_DIR/codes2")
ok "$([ "$(grep -c '^429' "$T_DIR/codes2")" -ge 15 ] && echo 0 || echo 1)" "20 more rotating reads: mostly 429 ($u2 401s)"
s=$(between 5 6)
ok "$([ "$s" -le "$u2" ] && echo 0 || echo 1)" "... and no statement for a 429 ($s statements)"

# ---- the same unknown token again: remembered, no statement
sleep 3   # refill a few failures
r=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer again-$$" "$HTTP/v1/streams/room:1/events")
is "$r" "401" "a new unknown token: 401 (looked up once)"
mark 3
for i in 1 2; do
	r=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer again-$$" "$HTTP/v1/streams/room:1/events")
	is "$r" "401" "the same unknown token again: 401 ($i)"
done
mark 4
is "$(between 3 4)" "0" "... without a statement"

# ---- a known-good token from the same address still works
r=$(post "$ALICE" '{"input":"look"}'); is "${r%% *}" "202" "Alice (seen lately) is not locked out by the flood"

# ---- X-Forwarded-For: believed from a trusted proxy, per client
bad_from() { curl -s -o /dev/null -w '%{http_code}\n' -H "X-Forwarded-For: $1" -H "Authorization: Bearer $2" "$HTTP/v1/streams/room:1/events"; }
n=0; : >"$T_DIR/c2"
while [ $n -lt 10 ]; do n=$((n + 1)); bad_from "198.51.100.7" "xff-$n-$$" >>"$T_DIR/c2"; done
is "$(head -n 5 "$T_DIR/c2" | tr '\n' ' ')" "401 401 401 401 401 " "client 198.51.100.7 (via the trusted proxy): 5 401s"
ok "$([ "$(grep -c 429 "$T_DIR/c2")" -ge 3 ] && echo 0 || echo 1)" "... then 429s ($(grep -c 429 "$T_DIR/c2") of 5)"
is "$(bad_from "203.0.113.9" "other-$$")" "401" "another client behind the same proxy has its own budget"
r=$(bad_from "127.0.0.2, 203.0.113.10" "spoof-$$")
is "$r" "401" "only the rightmost X-Forwarded-For entry counts"
finish

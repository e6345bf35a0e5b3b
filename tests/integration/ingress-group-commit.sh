#!/bin/sh
# Issue 16 (i16-http3): group commit.  Concurrent requests of other actors
# share one wr_submit() call and one commit; each is answered only after
# that commit.  One request's bad input (a command id reused with another
# command, or a row the database refuses) is that request's error alone: the
# others are queued and acknowledged, the bad one changes nothing.  A group
# whose commit is lost (its connection killed mid-call) answers no one 2xx.
# The server logs every statement: "bind cmd_submit" once per call (also
# for a call that fails).
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
sql "ALTER DATABASE \"$(sql 'SELECT current_database()')\" SET log_min_duration_statement = 0" >/dev/null
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
BOB_ID=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
# A leader waits 1 s for others: two requests sent together share its call.
INGRESS_ARGS="--group-commit=32 --group-commit-leaders=1 --group-commit-wait-ms=1000"
services_start 0
LOG=$T_DIR/postgresql.log
calls() { grep -c 'bind cmd_submit:' "$LOG" || true; }
queued() { sql "SELECT count(*) FROM action_queue WHERE input = '$1'"; }
# send NAME TOKEN BODY: in the background, "STATUS BODY" into $T_DIR/NAME.out
send() {
	rm -f "$T_DIR/$1.out"
	(curl -s -o "$T_DIR/$1.body" -w '%{http_code}' -H "Authorization: Bearer $2" \
		-H 'Content-Type: application/json' --data-binary "$3" "$HTTP/v1/commands" >"$T_DIR/$1.code"
	printf '%s %s' "$(cat "$T_DIR/$1.code")" "$(cat "$T_DIR/$1.body")" >"$T_DIR/$1.out") &
	SENT="$SENT $!"
	# Let one HTTP thread take this connection before the next one comes:
	# a thread that accepts two at once serves them one after the other.
	sleep 0.2
}
# Waits for the requests send started (not for the services: no bare wait).
sent() { for p in $SENT; do wait "$p"; done; SENT=""; }
SENT=""
got() { cat "$T_DIR/$1.out"; }

r=$(post "$ALICE" '{"input":"say first","id":"k1"}')
is "${r%% *}" "202" "Alice's command k1 alone: 202"

# 1. A conflicting command id (Alice) and a good command (Bob) in one call.
c0=$(calls)
send a "$ALICE" '{"input":"say other","id":"k1"}'
send b "$BOB" '{"input":"say grouped","id":"k1"}'
sent
is "$(($(calls) - c0))" "1" "two concurrent requests: one wr_submit call"
is "$(got b | cut -c1-3)" "202" "Bob's good command in the group: 202"
case "$(got b)" in *'"status":"queued"'*) ok 0 "Bob's answer says queued" ;; *) ok 1 "Bob's answer says queued"; diag "$(got b)" ;; esac
bid=$(json 'd["action_ids"][0]' "$(got b | cut -c5-)")
is "$(sql "SELECT input FROM action_queue WHERE id = ${bid:-0}")" "say grouped" "Bob's answer names his own queued action"
is "$(got a | cut -c1-3)" "409" "Alice's reused id in the same group: 409"
case "$(got a)" in *idempotency_conflict*) ok 0 "with idempotency_conflict" ;; *) ok 1 "with idempotency_conflict"; diag "$(got a)" ;; esac
is "$(queued 'say other')" "0" "Alice's conflicting command is not queued"
is "$(queued 'say first') $(queued 'say grouped')" "1 1" "the two good commands are queued once each"
is "$(sql "SELECT count(*) FROM command_ids WHERE command_id = 'k1'")" "2" "k1: Alice's original and Bob's, nothing else"
is "$(sql "SELECT count(*) FROM account_history WHERE line = 'say other'")" "0" "the conflict left no history line"

# 2. A row the database refuses (a test trigger) fails the group's call:
#    each request is sent again alone, and only the bad one fails.
sql "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN IF NEW.input = 'say boom' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END \$\$;
CREATE TRIGGER test_refuse BEFORE INSERT ON action_queue FOR EACH ROW EXECUTE FUNCTION test_refuse()" >/dev/null
c0=$(calls)
send a "$ALICE" '{"input":"say boom"}'
send b "$BOB" '{"input":"say fine"}'
sent
is "$(($(calls) - c0))" "3" "the group's call, then each request alone"
is "$(got b | cut -c1-3)" "202" "Bob's good command: 202"
is "$(queued 'say fine')" "1" "Bob's command is queued"
is "$(got a | cut -c1-3)" "500" "Alice's refused command: 500"
case "$(got a)" in *'"internal"'*) ok 0 "with code internal" ;; *) ok 1 "with code internal"; diag "$(got a)" ;; esac
is "$(queued 'say boom')" "0" "Alice's refused command is not queued"
is "$(sql "SELECT count(*) FROM account_history WHERE line IN ('say boom')")" "0" "and left no history line"
grep -q 'a group of 2 submissions was refused' "$T_DIR/ingress.log"; ok $? "the ingress logged the retry one by one"
sql "DROP TRIGGER test_refuse ON action_queue" >/dev/null

# 3. The group's connection is killed while its call waits (a session holds
#    Bob's actor lock): neither request is told 2xx, neither is queued.
(psql "$WR_DATABASE_URL" -XAtq -c "BEGIN; SELECT pg_advisory_xact_lock(hashtextextended('char:$BOB_ID', 0));
	SELECT pg_sleep(4); COMMIT;" >/dev/null 2>&1) &
HOLDER=$!
wait_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted" "1" 30 || diag "the lock holder did not start"
c0=$(calls)
send a "$ALICE" '{"input":"say lost one"}'
send b "$BOB" '{"input":"say lost two"}'
wait_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'wr-ingress' AND wait_event_type = 'Lock'" "1" 18 ||
	diag "the group's call never waited for the lock"
n=$(sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
	WHERE application_name = 'wr-ingress' AND wait_event_type = 'Lock'")
is "$n" "1" "the group's connection is terminated mid-call"
for j in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
	[ -s "$T_DIR/a.out" ] && [ -s "$T_DIR/b.out" ] && break
	sleep 0.2
done
is "$(($(calls) - c0))" "1" "both requests were in that one call"
is "$(got a | cut -c1-3) $(got b | cut -c1-3)" "503 503" "no 2xx for work that was not committed: 503 to both"
wait "$HOLDER"
is "$(queued 'say lost one') $(queued 'say lost two')" "0 0" "and nothing of theirs is queued"

# 4. Four keep-alive connections opened at once (an MHD thread accepts them
#    in one burst): their commands still run at once, one call for all.
c0=$(calls)
t=$(python3 - "$(cat "$T_DIR/ingress.port")" "$ALICE" "$BOB" <<'PY'
import socket, sys, time
port, alice, bob = int(sys.argv[1]), sys.argv[2], sys.argv[3]
conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
time.sleep(0.3)
t0 = time.monotonic()
for i, c in enumerate(conns):
    body = ('{"actor":"%s","input":"say burst %d"}' % ("Alice" if i % 2 == 0 else "Bob", i)).encode()
    tok = alice if i % 2 == 0 else bob
    c.sendall(b"POST /v1/commands HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok.encode() +
              b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
codes = []
for c in conns:
    c.settimeout(20)
    data = b""
    while b"\r\n\r\n" not in data:
        data += c.recv(4096)
    codes.append(data.split(b" ")[1].decode())
print("%s %.1f" % (",".join(codes), time.monotonic() - t0))
PY
)
is "${t% *}" "202,202,202,202" "four commands on four connections accepted together: 202 each"
is "$(($(calls) - c0))" "2" "in two calls (Alice's two and Bob's two never share one)"
ok "$(awk -v s="${t#* }" 'BEGIN { print (s < 3.5) ? 0 : 1 }')" "answered in ${t#* } s: at once, not one connection after the other (4 x 1 s)"

# The service is fine after it: a new request is queued.
r=$(post "$BOB" '{"input":"say after"}')
is "${r%% *}" "202" "after the kill, the next request: 202"
grep -q 'bug=self' "$T_DIR/ingress.log"; [ $? -ne 0 ]; ok $? "wr-ingress logged no bug of its own"
finish

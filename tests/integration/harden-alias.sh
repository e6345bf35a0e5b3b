#!/bin/sh
# Issue 15, finding 1: the alias bomb.  Four levels of aliases, each naming
# the level below as often as 512 bytes allow, the bottom one nothing but
# ";": one typed word used to become ~2.5 billion pieces and hold an ingress
# thread for minutes.  Now such an alias is refused when it is defined, and
# one already stored (defined before the fix) is refused when typed, fast.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
ALICE=$("$WRCTL" token issue alice)
ACC=$(sql "SELECT account_id FROM characters WHERE name = 'Alice'")
services_start 0

code() { printf '%s' "$1" | sed -n 's/.*"code":"\([a-z_]*\)".*/\1/p' | head -n 1; }
semis=$(python3 -c 'print(";" * 500)')
refs() { python3 -c "import sys; print(';'.join(['$1'] * 170))"; }

# ---- at definition time
r=$(post "$ALICE" "{\"input\":\"alias z $semis\"}")
is "${r%% *} $(code "${r#* }")" "422 alias_too_big" "defining 500 empty pieces: 422 alias_too_big"
is "$(sql "SELECT count(*) FROM account_aliases WHERE account_id = $ACC")" "0" "nothing stored"
r=$(post "$ALICE" '{"input":"alias o look"}')
is "${r%% *}" "200" "an ordinary alias is accepted"
wait_sql "SELECT count(*) FROM account_aliases WHERE account_id = $ACC AND name = 'o'" 1 || diag "alias o not stored"
r=$(post "$ALICE" "{\"input\":\"alias many $(refs o)\"}")
is "${r%% *} $(code "${r#* }")" "422 alias_too_big" "170 references to an alias: 422 alias_too_big"

# ---- stored before the fix: refused when typed, within a second
sql "INSERT INTO account_aliases (account_id, name, expansion) VALUES
     ($ACC, 'b1', '$semis'), ($ACC, 'b2', '$(refs b1)'), ($ACC, 'b3', '$(refs b2)'), ($ACC, 'b4', '$(refs b3)')" >/dev/null
for w in b1 b4; do
	t0=$(date +%s%N)
	r=$(curl -s --max-time 10 -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" \
		-H 'Content-Type: application/json' --data-binary "{\"input\":\"$w\"}" "$HTTP/v1/commands")
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	is "$r $(code "$(cat "$T_DIR/resp")")" "400 too_much_expansion" "typing $w: 400 too_much_expansion"
	ok "$([ "$ms" -lt 1000 ] && echo 0 || echo 1)" "typing $w is answered within a second (${ms} ms)"
done
is "$(sql "SELECT count(*) FROM action_queue")" "0" "the bomb queued nothing"
r=$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$HTTP/healthz")
is "$r" "200" "the ingress still answers"
finish

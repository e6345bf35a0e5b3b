#!/bin/sh
# Newcomer papercuts of issue 17 in wrctl: it finds the cluster `./wr up`
# runs under var/ by itself, and `wrctl watch --send` ends when its input
# does (after the results of what it sent).
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
ALICE=$("$WRCTL" token issue alice --character=Alice)
services_start 1

# ---- watch --send ends at the end of its input
printf '%s\n' '{"type":"command","id":"c1","input":"say one"}' '{"type":"command","id":"c2","input":"say two"}' |
	timeout 30 "$WRCTL" watch --url="$WS" --token="$ALICE" --json --send >"$T_DIR/send.out" 2>"$T_DIR/send.err"
is "$?" 0 "watch --send exits 0 when its input ends"
is "$(grep -c '"type":"result"' "$T_DIR/send.out")" 2 "after the results of both commands"
is "$(sql "SELECT count(*) FROM command_ids WHERE command_id IN ('c1', 'c2')")" 2 "both were submitted"
printf '%s\n' "$ALICE" >"$T_DIR/token"
timeout 30 "$WRCTL" watch --url="$WS" --token-file="$T_DIR/token" --json --send </dev/null >"$T_DIR/empty.out" 2>&1
is "$?" 0 "watch --send with empty input exits 0"
has "$(cat "$T_DIR/empty.out")" '"type":"welcome"' "after the welcome (the token read from --token-file)"
t0=$(date +%s)
timeout 10 "$WRCTL" watch --url="$WS" --token="$ALICE" --json --timeout=2 </dev/null >/dev/null 2>&1
is "$? $(( $(date +%s) - t0 >= 2 ))" "0 1" "without --send the end of stdin ends nothing (--timeout does)"

# ---- wrctl finds ./var's cluster: a home whose var/run holds this test's socket
mkdir -p "$T_DIR/home/var" "$T_DIR/nohome"
ln -s "$T_DIR" "$T_DIR/home/var/run"
env -u WR_DATABASE_URL -u PGHOST -u PGDATABASE WR_HOME="$T_DIR/home" "$WRCTL" token issue alice --label=found \
	>/dev/null 2>"$T_DIR/var.err"
is "$? $(sql "SELECT count(*) FROM access_tokens WHERE label = 'found'")" "0 1" \
	"with no WR_DATABASE_URL, wrctl uses the cluster under \$WR_HOME/var/run"
env -u WR_DATABASE_URL -u PGHOST -u PGDATABASE PGPORT=1 WR_HOME="$T_DIR/nohome" "$WRCTL" token issue alice \
	--label=lost >/dev/null 2>&1
is "$? $(sql "SELECT count(*) FROM access_tokens WHERE label = 'lost'")" "1 0" "without one it uses the libpq defaults"
finish

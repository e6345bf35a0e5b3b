#!/bin/sh
# A real MUD client on wr-telnet: TinTin++ (Debian tintin++) in a tmux
# pane, driven by send-keys and read by capture-pane.  Alice logs in with
# her token (not echoed), looks, talks with Bob who plays over the websocket
# (wrctl watch --send) in the same room -- each sees the other -- walks
# away and back, drops the connection, and logs in again to get what Bob
# said meanwhile.  Then, on a gateway with --ingress-url, an account
# logs in with its name and password and picks one of its characters.
. "$WR_HOME/tests/lib/harness.sh"

TT=$(command -v tt++ || echo /usr/games/tt++)
[ -x "$TT" ] && command -v tmux >/dev/null 2>&1 || { echo "1..0 # SKIP tt++ or tmux not installed (./wr installs them)"; exit 0; }

pg_start_world
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
[ -n "$ALICE" ] && [ -n "$BOB" ] || bail "no tokens"
services_start 1
telnet_start

TSOCK="$T_DIR/tmux.sock"
trap 'tmux -S "$TSOCK" kill-server 2>/dev/null; t_cleanup' EXIT
# TinTin++ with a home of its own (no user config), in a wide pane.
tmux -S "$TSOCK" new-session -d -s tt -x 160 -y 50 \
	"env HOME=$T_DIR TERM=xterm $TT -G -e '#session alice 127.0.0.1 $TELNET_PORT'" ||
	bail "tmux did not start"
pane() { tmux -S "$TSOCK" capture-pane -p -J -t tt -S -3000; }
keys() { tmux -S "$TSOCK" send-keys -t tt -l "$1" && tmux -S "$TSOCK" send-keys -t tt Enter; }
wait_pane() { # text [tenths]
	_w=0
	while ! pane | grep -qF -- "$1"; do
		_w=$((_w + 1)); [ "$_w" -gt "${2:-100}" ] && return 1
		sleep 0.1
	done
}
count_pane() { pane | grep -cF -- "$1"; }

# Bob on the websocket: frames to bob.out, commands from fd 3.
mkfifo "$T_DIR/bob.in"
"$WRCTL" watch --url="$WS" --token="$BOB" --json --send <"$T_DIR/bob.in" >"$T_DIR/bob.out" 2>"$T_DIR/bob.err" &
T_PIDS="$T_PIDS $!"
exec 3>"$T_DIR/bob.in"
wait_grep '"welcome"' "$T_DIR/bob.out" || bail "Bob was not welcomed: $(cat "$T_DIR/bob.err")"
bob_says() { printf '{"type":"command","id":"b%s","input":"say %s"}\n' "$1" "$2" >&3; }

wait_pane "token:"; ok $? "TinTin++ connects: the banner and the token prompt"
keys "$ALICE"
wait_pane "Welcome, Alice."; ok $? "logs in with the token"
pane | grep -qF -- "$ALICE"; ok $((1 - $?)) "the token was not echoed (WILL ECHO)"
wait_pane "Millbrook Square"; ok $? "the room is shown on arrival"
wait_pane "hp>"; ok $? "a prompt with vitals"

keys "look"
wait_pane "Bob is here."; ok $? "look: Alice sees Bob, who plays over the websocket"

keys "say hello bob"
wait_pane "You say, 'hello bob'"; ok $? "Alice reads her own say (text_self)"
wait_grep "Alice says, 'hello bob'" "$T_DIR/bob.out"; ok $? "Bob's websocket gets Alice's say"

bob_says 1 "hi alice"
wait_pane "Bob says, 'hi alice'"; ok $? "Alice's TinTin++ shows Bob's say"

keys "south"
wait_pane "South Street"; ok $? "Alice walks south"
wait_grep "Alice leaves south" "$T_DIR/bob.out"; ok $? "Bob sees her leave"
keys "north"
wait_grep "Alice arrives" "$T_DIR/bob.out"; ok $? "and comes back"
is "$(sql "SELECT r.id = c.room_id FROM characters c, characters b JOIN rooms r ON r.id = b.room_id
           WHERE c.name = 'Alice' AND b.name = 'Bob'")" "t" "Alice is in Bob's room again"

# Drop the connection; Bob talks meanwhile; log in again.
keys "#zap"
wait_grep "telnet positions kept" "$T_DIR/telnet.log"; ok $? "the gateway keeps her positions"
bob_says 2 "are you still there"
wait_grep "Bob says, 'are you still there'" "$T_DIR/bob.out" || diag "Bob's own say did not come back"
before=$(count_pane "are you still there")
keys "#session alice 127.0.0.1 $TELNET_PORT"
wait_pane "token:" && sleep 0.3
keys "$ALICE"
wait_pane "Resuming"; ok $? "logging in again resumes"
_w=0
while [ "$(count_pane "are you still there")" -le "$before" ] && [ "$_w" -lt 100 ]; do _w=$((_w + 1)); sleep 0.1; done
is "$(count_pane "Bob says, 'are you still there'")" "1" "what Bob said while she was away is shown, once"

keys "quit"
wait_pane "Goodbye."; ok $? "quit says goodbye"
wait_sql "SELECT in_world FROM characters WHERE name = 'Alice'" f; ok $? "quit on telnet is the game's quit: Alice left the world (issue 17)"

# ---- An account instead of a token (docs/telnet.md "Logging in"): a
# gateway with --ingress-url; the name, the password (not echoed), the
# account's characters numbered, one picked, and playing with Bob.
PW='tintin plays along'
SIGNUP=$(curl -s -H 'Content-Type: application/json' -d "{\"name\":\"Rowan\",\"password\":\"$PW\"}" "$HTTP/v1/accounts")
ROWAN=$(printf '%s' "$SIGNUP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') || bail "no sign-up: $SIGNUP"
for c in Thistle Sorrel; do
	curl -s -o /dev/null -H "Authorization: Bearer $ROWAN" -H 'Content-Type: application/json' -d "{\"name\":\"$c\"}" \
		"$HTTP/v1/characters"
done
svc telnet2 "$BUILD/publisher/wr-telnet" --telnet-port=0 --telnet-port-file="$T_DIR/telnet2.port" --ingress-url="$HTTP"
wait_file "$T_DIR/telnet2.port" || bail "wr-telnet 2 did not start: $(cat "$T_DIR/telnet2.log")"
keys "#session rowan 127.0.0.1 $(cat "$T_DIR/telnet2.port")"
wait_pane "name (or token):"; ok $? "with --ingress-url the gateway asks for an account name"
keys "Rowan"
wait_pane "password:"; ok $? "then the password"
keys "$PW"
wait_pane "2. Sorrel"; ok $? "the account's characters, numbered"
keys "2"
wait_pane "Welcome, Sorrel."; ok $? "logs in as the one picked"
pane | grep -qF -- "$PW"; ok $((1 - $?)) "the password was not echoed (WILL ECHO)"
keys "say hello from an account"
wait_grep "Sorrel says, 'hello from an account'" "$T_DIR/bob.out"; ok $? "Bob's websocket hears her"
keys "quit"
for f in "$T_DIR"/*.log; do
	grep -qF -- "$PW" "$f"; ok $((1 - $?)) "no password in $(basename "$f")"
done
[ "$T_FAILED" -eq 0 ] || pane | tail -40 | sed 's/^/# /'
finish

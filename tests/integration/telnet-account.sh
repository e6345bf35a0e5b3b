#!/bin/sh
# Account log-in over telnet (docs/telnet.md "Logging in"): wr-telnet with
# --ingress-url asks for a name, then a password with echo off (WILL
# ECHO), and has wr-ingress check it (POST /v1/sessions), never the
# database; a character list when the account has several; a token still
# works at the same prompt; a dropped account log-in resumes.  Refusals each get their line: a wrong
# password (three closes the connection), a locked account, too many
# attempts -- counted per player address (X-Forwarded-For from the
# gateway, a trusted proxy of the ingress), not per gateway.  No password
# in any log, PostgreSQL's with log_statement=all included.
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tests/lib/pubtest.sh"

pg_start_world
psql "$PGADMIN" -qc "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
ALICE=$("$WRCTL" token issue alice)
[ -n "$ALICE" ] || bail "no token"
# Sessions of 10 s, and a gateway that rechecks tokens every second: a
# playing session must be renewed (refresh token) or it is closed.
INGRESS_ARGS="--password-limits=minimum --trusted-proxies=127.0.0.1 --signup-attempts=100 --login-attempts=1000 --login-failures=100 --session-ttl=10"
services_start 1
TELNET_ARGS="--ingress-url=$HTTP --token-recheck-ms=1000" telnet_start
# A second ingress with a small per-address limit, and a gateway using it.
svc ingress2 "$BUILD/ingress/wr-ingress" --port=0 --port-file="$T_DIR/ingress2.port" --password-limits=minimum \
	--trusted-proxies=127.0.0.1 --login-attempts=2
wait_file "$T_DIR/ingress2.port" || bail "ingress2 did not start: $(cat "$T_DIR/ingress2.log")"
svc telnet2 "$BUILD/publisher/wr-telnet" --telnet-port=0 --telnet-port-file="$T_DIR/telnet2.port" \
	--ingress-url="http://127.0.0.1:$(cat "$T_DIR/ingress2.port")"
wait_file "$T_DIR/telnet2.port" || bail "wr-telnet 2 did not start: $(cat "$T_DIR/telnet2.log")"

PW='correct horse battery'
PW2='stapler of destiny 42'
WRONG='wrong guess number one'

# signup NAME PASSWORD CHARACTER... : an account and its characters over HTTP
signup() {
	_name=$1 _pw=$2; shift 2
	_tok=$(curl -s -H 'Content-Type: application/json' -d "{\"name\":\"$_name\",\"password\":\"$_pw\"}" \
		"$HTTP/v1/accounts" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
	[ -n "$_tok" ] || bail "could not sign up $_name"
	for _c in "$@"; do
		_st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $_tok" \
			-H 'Content-Type: application/json' -d "{\"name\":\"$_c\"}" "$HTTP/v1/characters")
		[ "$_st" = 201 ] || bail "could not create $_c ($_st)"
	done
}
signup Rowan "$PW" Thistle
signup Wren "$PW2" Ash Birch
signup Locky "$PW" Latch
signup Drifter "$PW"
signup Limit "$PW" Limber
sql "UPDATE accounts SET disabled_at = now() WHERE name = 'Locky'" >/dev/null

py_checks "$TELNET_PORT" "$(cat "$T_DIR/telnet2.port")" "$ALICE" "$PW" "$PW2" "$WRONG" <<'PY'
import sys
import time
from telnetclient import Telnet
from wsclient import check, sql

port, port2, alice, pw, pw2, wrong = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]

# Name, password (hidden), then straight into the one character.
t = Telnet(port, gmcp=True)
check(t.wait_text("Log in with your account name and password"), "the banner says how to log in", t.text[-200:])
check(t.wait_text("name (or token):") and t.echo_off is False, "the name prompt; the name is shown as typed")
check(t.login_account("rowan", pw) is True, "echo is off (WILL ECHO) while the password is typed")
check(t.wait_text("Welcome, Thistle."), "logged in (any case) as the account's one character", t.text[-300:])
check(t.echo_off is False, "echo is back on once logged in")
check(pw not in t.text, "the password is not echoed back")
here = int(sql("SELECT room_id FROM characters WHERE name = 'Thistle'"))
info = t.wait_gmcp("Room.Info", 1)
check(info is not None and info["num"] == here, "Room.Info of the room the character is in", info, here)
start = len(t.text)
t.send_line("look")
check(t.wait_text("Millbrook Square", 10, start) and t.wait_gmcp("Room.Info", 2) is not None,
      "look: the room is described again", t.text[start:])
t.close()

# Several characters: a numbered list, picked by number (or name).
t = Telnet(port, gmcp=False)
t.login_account("Wren", pw2)
check(t.wait_text("1. Ash") and t.wait_text("2. Birch") and t.wait_text("character (number or name):"),
      "an account with two characters lists them", t.text[-300:])
start = len(t.text)
t.send_line("7")
check(t.wait_text("No such character", 5, start), "a number out of the list is refused with a line")
t.send_line("2")
check(t.wait_text("Welcome, Birch."), "the second one picked by number", t.text[-300:])
t.close()
t = Telnet(port, gmcp=False)
t.login_account("wren", pw2)
t.wait_text("character (number or name):")
t.send_line("ash")
check(t.wait_text("Welcome, Ash."), "or by name, any case", t.text[-300:])
t.close()

# Resume: Thistle dropped above; Birch speaks in her room; logging in again (any case) replays it.
t = Telnet(port, gmcp=False)
t.login_account("Wren", pw2)
t.wait_text("character (number or name):")
t.send_line("Birch")
t.wait_text("Welcome, Birch.")
t.send_line("say are you there thistle")
check(t.wait_text("You say, 'are you there thistle'"), "Birch speaks in the start room")
t.close()
t = Telnet(port, gmcp=False)
t.login_account("ROWAN", pw)
check(t.wait_text("Welcome, Thistle.") and t.wait_text("Resuming") and
      t.wait_text("Birch says, 'are you there thistle'"),
      "an account log-in resumes like a token's: what was missed is shown", t.text[-400:])
check(t.text.count("are you there thistle") == 1, "once")
t.close()

# A wrong password: a clear line and the name prompt again; the third closes.
t = Telnet(port, gmcp=False)
t.login_account("Rowan", wrong)
check(t.wait_text("Wrong name or password.") and t.wait_text("name (or token):", 10, t.text.index("Wrong")),
      "a wrong password is refused and the name is asked again", t.text[-200:])
check(t.echo_off is False, "echo is back on at the name prompt")
start = len(t.text)
t.send_line("Nosuchname")
t.wait_text("password:", 10, start)
t.send_line(wrong)
check(t.wait_text("Wrong name or password.", 10, start), "an unknown name gets the same line")
start = len(t.text)
t.login_account("Rowan", wrong)
check(t.wait_text("Too many failed log-ins.", 10, start) and t.wait(lambda: t.eof, 5),
      "the third wrong password closes the connection", t.text[start:])
check("Welcome" not in t.text, "never logged in")

# A locked account, and an account with no character yet.
t = Telnet(port, gmcp=False)
t.login_account("Locky", pw)
check(t.wait_text("This account is locked.") and t.wait(lambda: t.eof, 5), "a locked account: a line, then closed",
      t.text[-200:])
t = Telnet(port, gmcp=False)
t.login_account("Drifter", pw)
check(t.wait_text("no characters yet") and t.wait(lambda: t.eof, 5), "no character yet: says where to make one",
      t.text[-200:])

# A token still works at the same prompt.
t = Telnet(port, gmcp=False)
t.wait_text("name (or token):")
t.send_line(alice)
check(t.wait_text("Welcome, Alice."), "a token at the name prompt logs in as before", t.text[-200:])
t.close()

# The session (10 s here) is renewed while playing: still playing after 13 s.
t = Telnet(port, gmcp=False)
t.login_account("Wren", pw2)
t.wait_text("character (number or name):")
t.send_line("1")
check(t.wait_text("Welcome, Ash.") and t.wait_text("Millbrook Square"), "Ash logs in")
time.sleep(13)
t.poll(0.5)
start = len(t.text)
try:
    t.send_line("look")
except OSError:
    pass
check(t.wait_text("Millbrook Square", 10, start) and not t.eof,
      "after the session's 10 s, the connection still plays (its token was renewed)", t.text[start:])
t.close()

# The ingress's per-address limit (2 here) counts the player's address, not the gateway's.
for i in range(2):
    t = Telnet(port2, gmcp=False, source="127.0.0.2")
    t.login_account("Limit", pw)
    check(t.wait_text("Welcome, Limber."), "log-in %d from 127.0.0.2" % (i + 1), t.text[-200:])
    t.close()
t = Telnet(port2, gmcp=False, source="127.0.0.2")
t.login_account("Limit", pw)
check(t.wait_text("Too many log-in attempts: try again in") and t.wait(lambda: t.eof, 5),
      "the third from the same player address: too many attempts, with when to retry", t.text[-200:])
t = Telnet(port2, gmcp=False, source="127.0.0.3")
t.login_account("Limit", pw)
check(t.wait_text("Welcome, Limber."), "another player's address, through the same gateway, still logs in",
      t.text[-200:])
t.close()
PY

grep -q "telnet session renewed" "$T_DIR/telnet.log"; ok $? "the gateway renewed the session with its refresh token"
# ---- no password in any log
sleep 0.3
for f in "$T_DIR"/*.log; do
	for s in "$PW" "$PW2" "$WRONG"; do
		ok "$(grep -qF -- "$s" "$f"; [ $? -eq 1 ]; echo $?)" "no password in $(basename "$f")"
	done
done
ok "$(grep -q "wr_account_login\|password_hash\|FROM accounts" "$T_DIR/postgresql.log"; echo $?)" \
	"log_statement=all did log the log-in statements"
finish

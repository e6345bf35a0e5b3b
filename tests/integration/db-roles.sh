#!/bin/sh
# Least privilege in the database (issue 15, finding 11): each service's
# role (migrations/0016_roles.sql) is refused what is outside its grants,
# the services work as their roles, and ./wr's embedded cluster cannot be
# reached by other local users.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
as_role() { # role sql -> prints the SQLSTATE of the error, or "ok"
	out=$(psql "$(role_url "$1")" -XAtq -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "$2" 2>&1)
	case "$out" in
	*ERROR:*) echo "$out" | sed -n 's/.*ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p' | head -1 ;;
	*) echo ok ;;
	esac
}
refused() { # role sql description
	is "$(as_role "$1" "$2")" 42501 "$3"
}
allowed() { # role sql description
	is "$(as_role "$1" "$2")" ok "$3"
}
alice=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
gold=$(sql "SELECT gold FROM characters WHERE id = $alice")

refused wr_ingress "UPDATE characters SET gold = gold + 1000 WHERE id = $alice" "the ingress cannot UPDATE characters"
refused wr_ingress "INSERT INTO event_log (type, payload) VALUES ('Forged', '{}')" "the ingress cannot write events"
refused wr_ingress "UPDATE access_tokens SET kind = 'admin'" "the ingress cannot promote tokens"
refused wr_ingress "DELETE FROM action_queue" "the ingress cannot delete queued actions"
refused wr_publisher "UPDATE characters SET room_id = room_id" "the publisher cannot UPDATE characters"
refused wr_publisher "DELETE FROM event_log" "the publisher cannot delete events"
refused wr_publisher "INSERT INTO access_tokens (token_hash, account_id, kind) SELECT 'x', id, 'admin' FROM accounts LIMIT 1" \
	"the publisher cannot mint tokens"
refused wr_publisher "INSERT INTO mailboxes SELECT * FROM mailboxes" "the publisher cannot open mailboxes"
refused wr_worker "INSERT INTO access_tokens (token_hash, account_id, kind) SELECT 'x', id, 'admin' FROM accounts LIMIT 1" \
	"the worker cannot mint tokens"
refused wr_worker "UPDATE accounts SET disabled_at = NULL" "the worker cannot change accounts"
refused wr_worker "CREATE TABLE evil (x int)" "the worker cannot create tables"
refused wr_admin "DROP TABLE characters" "wrctl's role cannot drop tables (only the migrator owns them)"
refused wr_admin "CREATE TABLE evil (x int)" "nor create them"
is "$(sql "SELECT gold FROM characters WHERE id = $alice")" "$gold" "nothing refused changed anything"
allowed wr_ingress "SELECT count(*) FROM characters" "the ingress reads the world"
allowed wr_publisher "INSERT INTO character_presence (character_id, instance_id) VALUES ($alice, 1)
	ON CONFLICT (character_id) DO UPDATE SET active_at = now()" "the publisher stamps presence"

# The services, each as its role: a command goes in, is applied, and reaches a websocket.
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
WR_TEST_ROLES=1
services_start 1
"$WRCTL" watch --url="$WS" --token="$BOB" --json >"$T_DIR/bob.out" 2>"$T_DIR/bob.err" &
T_PIDS="$T_PIDS $!"
wait_grep '"welcome"' "$T_DIR/bob.out"; ok $? "Bob watches, through the publisher as wr_publisher"
r=$(post "$ALICE" '{"input":"say least privilege"}')
case "$r" in 202*) ok 0 "a command is accepted by the ingress as wr_ingress" ;; *) ok 1 "a command is accepted by the ingress as wr_ingress"; diag "$r" ;; esac
wait_grep "least privilege" "$T_DIR/bob.out"; ok $? "applied by the worker as wr_worker and delivered"
is "$(sql "SELECT string_agg(DISTINCT usename, ',' ORDER BY usename) FROM pg_stat_activity WHERE application_name LIKE 'wr-%'")" \
	"wr_ingress,wr_publisher,wr_worker" "the services' sessions are their roles"
! grep -q "permission denied" "$T_DIR/ingress.log" "$T_DIR/publisher.log" "$T_DIR"/worker-*.log; ok $? "no permission errors in the service logs"

# ./wr's embedded cluster: not reachable by another local user.
if [ "$(id -u)" -ne 0 ]; then
	diag "not root: skipping the embedded cluster checks (they need another user to try)"
else
	V=$T_DIR/var
	mkdir -p "$V"
	WR_DATABASE_URL= WR_VAR_DIR=$V "$WR_HOME/wr" db >"$T_DIR/wrdb.out" 2>&1; ok $? "./wr db starts the embedded cluster"
	is "$(stat -c %a "$V/run")" 700 "its socket directory is mode 0700"
	! grep -q trust "$V/pg/pg_hba.conf"; ok $? "no trust authentication"
	psql "postgresql:///postgres?host=$V/run&user=postgres" -XAtqc "SELECT 1" >/dev/null 2>&1; ok $? "its owner connects"
	! runuser -u nobody -- psql "postgresql:///postgres?host=$V/run&user=postgres" -XAtqc "SELECT 1" >"$T_DIR/nobody.out" 2>&1
	ok $? "another local user (nobody) cannot connect"
	diag "nobody got: $(head -1 "$T_DIR/nobody.out")"
	as_pg "$T_PG/pg_ctl" -D "$V/pg" -m immediate stop >/dev/null 2>&1
fi
finish

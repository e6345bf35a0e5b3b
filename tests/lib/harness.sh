# tests/lib/harness.sh: sourced by shell tests.  TAP output, a throwaway
# PostgreSQL per test (unix socket in a temp dir, no ports), and the services.
#
# Environment from meson: WR_BUILD_DIR, WR_HOME (source tree).
# WR_TEST_KEEP=1 keeps the temp dir; WR_REQUIRE_PG=1 fails instead of skipping
# when the PostgreSQL server binaries are missing.

set -u
BUILD=${WR_BUILD_DIR:?WR_BUILD_DIR not set}
export WR_HOME=${WR_HOME:?WR_HOME not set}
WRCTL=$BUILD/tools/wrctl
T_N=0
T_FAILED=0
T_PIDS=""
T_DIR=""
T_PG=""

echo "TAP version 13"

ok() { # cond-status description
	T_N=$((T_N + 1))
	# printf, not echo: dash's echo would interpret backslashes in the description.
	if [ "$1" -eq 0 ]; then printf 'ok %s - %s\n' "$T_N" "$2"; else printf 'not ok %s - %s\n' "$T_N" "$2"; T_FAILED=$((T_FAILED + 1)); fi
}
check() { # description command...
	d=$1; shift
	if "$@" >/dev/null 2>&1; then ok 0 "$d"; else ok 1 "$d"; fi
}
is() { # got expected description
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "# expected: $2"; echo "# got:      $1"; fi
}
diag() { echo "# $*"; }
bail() { echo "Bail out! $*"; exit 1; }

finish() {
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
}

t_cleanup() {
	for p in $T_PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $T_PIDS; do wait "$p" 2>/dev/null || true; done
	if [ -n "$T_PG" ]; then
		as_pg "$T_PG/pg_ctl" -D "$T_DIR/data" -m immediate stop >/dev/null 2>&1 || true
	fi
	if [ -n "$T_DIR" ]; then
		if [ "${WR_TEST_KEEP:-0}" = 1 ] || [ "$T_FAILED" -ne 0 ]; then
			echo "# kept $T_DIR (server log: $T_DIR/postgresql.log, service logs: $T_DIR/*.log)"
		else
			rm -rf "$T_DIR"
		fi
	fi
}
trap t_cleanup EXIT
# A test stopped by a signal (meson's time-out sends SIGTERM) still stops its
# server and services, and keeps its directory for the logs: without these
# traps sh would exit without running the EXIT trap.
t_signal() { echo "# stopped by signal $1"; T_FAILED=$((T_FAILED + 1)); exit $((128 + $1)); }
trap 't_signal 15' TERM
trap 't_signal 2' INT

. "$WR_HOME/tests/lib/pg.sh" # as_pg, pg_bindir, pg_datadir, pg_datadir_world

# pg_up DATADIR-FUNCTION: a throwaway PostgreSQL on a data directory that the
# function (pg_datadir or pg_datadir_world) copies into $T_DIR/data; sets
# PGADMIN.  Test settings: durability off, since a test's data dies with it.
pg_up() {
	T_PG=$(pg_bindir) || {
		if [ "${WR_REQUIRE_PG:-0}" = 1 ]; then bail "postgres server binaries not found"; fi
		echo "1..0 # SKIP postgres not found"; T_PG=""; exit 0
	}
	T_DIR=$(mktemp -d /tmp/wrtest.XXXXXX)
	"$1" "$T_PG" "$BUILD" "$T_DIR" || bail "could not make the data directory ($1)"
	# T_PG_TCP=1: also listen on TCP 127.0.0.1 at a free port (T_PG_PORT), for tests that
	# put something between the services and the server (tests/lib/pgproxy.py).
	_listen="listen_addresses=''" T_PG_PORTARG=""
	if [ "${T_PG_TCP:-0}" = 1 ]; then
		T_PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		_listen="listen_addresses='127.0.0.1' -c port=$T_PG_PORT" T_PG_PORTARG=" port=$T_PG_PORT"
	fi
	# T_PG_OPTS: further "-c name=value" server options (lock-load-plan: pg_stat_statements).
	as_pg "$T_PG/pg_ctl" -D "$T_DIR/data" -w -l "$T_DIR/postgresql.log" \
		-o "-k $T_DIR -c $_listen -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${T_PG_OPTS:-}" \
		start >/dev/null || bail "postgres did not start; see $T_DIR/postgresql.log"
	PGADMIN="host=$T_DIR$T_PG_PORTARG user=postgres dbname=postgres"
}

# Starts a throwaway PostgreSQL with an empty database "wr" and exports
# WR_DATABASE_URL for it: for the tests of migrating and loading themselves.
pg_start() {
	pg_up pg_datadir
	psql "$PGADMIN" -qc "CREATE DATABASE wr" >/dev/null || bail "createdb failed"
	export WR_DATABASE_URL="host=$T_DIR$T_PG_PORTARG user=postgres dbname=wr"
}

# What most tests begin with: database "wr" migrated, the starter world
# loaded, and wrtest.action() (tests/lib/action.sql).  It is a copy of the
# world template that the first test of a run builds (tests/lib/pg.sh).
pg_start_world() {
	pg_up pg_datadir_world
	export WR_DATABASE_URL="host=$T_DIR$T_PG_PORTARG user=postgres dbname=wr"
}

sql() { psql "$WR_DATABASE_URL" -XAtqc "$1"; }

# The starter world is alive (docs/world.md): while a player is online in
# Millbrook or the Whisperwood, a zone tick is always queued for its zone,
# and mobs' decisions, resets' restocks and poison run on chains of their
# own.  LIVING is a SQL condition on action_queue (or event_log) naming
# exactly those chains, for tests that wait for the players' work to drain:
# "... FROM action_queue WHERE NOT $LIVING".
# (An event without an actor, a room's copy of a trigger say, is not the living world's.)
LIVING="(coalesce(actor_key, '') LIKE 'sys:zone:%' OR coalesce(actor_key, '') LIKE 'sys:reset:%'
         OR coalesce(actor_key, '') LIKE 'sys:poison:%' OR coalesce(actor_key, '') LIKE 'mob:%')"
# For a test about something else (the services, the queue, the journal)
# that needs a quiet world: no zone ticks, so no mob acts on its own and
# nothing is reset.  Call it right after pg_start_world, before any player acts.
quiet_world() { sql "UPDATE zones SET tick_ms = NULL" >/dev/null || bail "quiet_world failed"; }

# What must be conserved: every item counted per template (key=quantity,...)
# and all the gold in the world (purses plus coin piles).
# Conservation: items per template and coins, minus what kills made.  The
# sources are a mob's death (MobDied names its loot and gold) and a zone
# reset's restocks (ItemReset names each item it makes), and a shop's wares
# and till (ItemBought, ItemSold name the item and the gold); the sink is
# food eaten or drunk (ItemEaten names it); decay
# destroys nothing but the corpse (its contents fall out), and corpses are
# left out.  So these stay equal across any play.
world_items() {
	sql "SELECT string_agg(t.key || '=' || q, ',' ORDER BY t.key)
	     FROM (SELECT template_id, sum(q) q
	           FROM (SELECT template_id, quantity AS q FROM items
	                 UNION ALL
	                 SELECT (l->>'template_id')::bigint, -1 FROM event_log e, jsonb_array_elements(e.payload->'loot') l
	                 WHERE e.type = 'MobDied'
	                 UNION ALL
	                 -- A zone reset's restocks (game/reset.c) are a source too, each named in its event.
	                 SELECT (payload->>'template_id')::bigint, -(payload->>'quantity')::bigint FROM event_log
	                 WHERE type IN ('ItemReset', 'ItemBought')
	                 UNION ALL
	                 -- Eaten and drunk: a sink, each named in its event.
	                 SELECT (payload->>'template_id')::bigint, (payload->>'quantity')::bigint FROM event_log
	                 WHERE type = 'ItemEaten') x
	           GROUP BY template_id HAVING sum(q) <> 0) s
	     JOIN item_templates t ON t.id = s.template_id WHERE t.kind <> 'money' AND t.stats->'corpse' IS NULL"
}
world_coins() {
	sql "SELECT (SELECT sum(gold) FROM characters) +
	            coalesce((SELECT sum(i.quantity) FROM items i JOIN item_templates t ON t.id = i.template_id
	                      WHERE t.kind = 'money'), 0) -
	            coalesce((SELECT sum((payload->>'gold')::bigint) FROM event_log WHERE type = 'MobDied'), 0) -
	            coalesce((SELECT sum((e.payload->>'quantity')::bigint) FROM event_log e
	                      JOIN item_templates t ON t.id = (e.payload->>'template_id')::bigint
	                      WHERE e.type = 'ItemReset' AND t.kind = 'money'), 0) +
	            -- A shop's till: what buyers pay leaves the world, what sellers get enters it (game/shop.c).
	            coalesce((SELECT sum((payload->>'gold')::bigint) FROM event_log WHERE type = 'ItemBought'), 0) -
	            coalesce((SELECT sum((payload->>'gold')::bigint) FROM event_log WHERE type = 'ItemSold'), 0)"
}

# The database URL a service connects with as its own role (migrations/0016_roles.sql).
role_url() { # role
	echo "$WR_DATABASE_URL user=$1"
}

# Starts a service in the background: name, command...  Output to $T_DIR/name.log.
# The services connect as their roles (wr_ingress, wr_publisher,
# wr_worker), as under ./wr up, so every test also checks that the schema
# grants what its services need; WR_TEST_ROLES=0 connects them as the
# superuser instead.
svc() {
	name=$1; shift
	if [ "${WR_TEST_ROLES:-1}" = 1 ] && ! case " $* " in *" --database-url="*) true ;; *) false ;; esac; then
		case "$1" in
		*/wr-ingress) set -- "$@" --database-url="$(role_url wr_ingress)" ;;
		*/wr-publisher | */wr-telnet) set -- "$@" --database-url="$(role_url wr_publisher)" ;;
		*/wr-worker*) set -- "$@" --database-url="$(role_url wr_worker)" ;;
		esac
	fi
	"$@" >>"$T_DIR/$name.log" 2>&1 &
	T_PIDS="$T_PIDS $!"
	eval "PID_$(echo "$name" | tr -c 'a-zA-Z0-9\n' _)=$!"
}

wait_file() { # file [tenths]
	_w=0
	while [ ! -s "$1" ]; do
		_w=$((_w + 1)); [ "$_w" -gt "${2:-100}" ] && return 1
		sleep 0.1
	done
}

# Polls a query every 0.1 s: wait_sql waits until it prints VALUE,
# wait_sql_not until it prints something else.  Status 1 on time-out.
wait_sql() { # query value [tenths]
	_w=0
	while [ "$(sql "$1")" != "$2" ]; do
		_w=$((_w + 1)); [ "$_w" -gt "${3:-100}" ] && return 1
		sleep 0.1
	done
}
wait_sql_not() { # query value [tenths]
	_w=0
	while [ "$(sql "$1")" = "$2" ]; do
		_w=$((_w + 1)); [ "$_w" -gt "${3:-100}" ] && return 1
		sleep 0.1
	done
}

wait_grep() { # pattern file [tenths]
	_w=0
	while ! grep -q -- "$1" "$2" 2>/dev/null; do
		_w=$((_w + 1)); [ "$_w" -gt "${3:-100}" ] && return 1
		sleep 0.1
	done
}

# Ingress + publisher on free ports, N workers; exports HTTP and WS.
# INGRESS_ARGS (word-split) are extra wr-ingress options: "--rate=5 --burst=5".
services_start() { # workers
	# shellcheck disable=SC2086
	svc ingress "$BUILD/ingress/wr-ingress" --port=0 --port-file="$T_DIR/ingress.port" ${INGRESS_ARGS:-}
	svc publisher "$BUILD/publisher/wr-publisher" --port=0 --port-file="$T_DIR/publisher.port"
	n=0
	while [ "$n" -lt "${1:-2}" ]; do n=$((n + 1)); svc "worker-$n" "$BUILD/worker/wr-worker"; done
	wait_file "$T_DIR/ingress.port" || bail "ingress did not start: $(cat "$T_DIR/ingress.log")"
	wait_file "$T_DIR/publisher.port" || bail "publisher did not start: $(cat "$T_DIR/publisher.log")"
	HTTP="http://127.0.0.1:$(cat "$T_DIR/ingress.port")"
	WS="ws://127.0.0.1:$(cat "$T_DIR/publisher.port")/"
}

# wr-telnet (docs/telnet.md) on a free port, after services_start; exports
# TELNET_PORT.  TELNET_ARGS (word-split) are extra wr-telnet options.
telnet_start() {
	# shellcheck disable=SC2086
	svc telnet "$BUILD/publisher/wr-telnet" --telnet-port=0 --telnet-port-file="$T_DIR/telnet.port" ${TELNET_ARGS:-}
	wait_file "$T_DIR/telnet.port" || bail "wr-telnet did not start: $(cat "$T_DIR/telnet.log")"
	TELNET_PORT=$(cat "$T_DIR/telnet.port")
}

# post TOKEN BODY -> prints "STATUS BODY"
post() {
	curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' --data-binary "$2" "$HTTP/v1/commands"
	printf ' '; cat "$T_DIR/resp"
}

# get TOKEN PATH -> prints "STATUS BODY" (PATH starts with /)
get() {
	curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $1" "$HTTP$2"
	printf ' '; cat "$T_DIR/resp"
}

# One player command at a time, for the end-to-end tests of the rules.
# act TOKEN INPUT: queues one command and waits until it and the follow-ups it
# asked for (triggers and the auto-look, queued as "char:<id>:follow" in the
# same commit) are applied; sets ACT to its action id (0 when refused).
act() {
	r=$(post "$1" "{\"input\":\"$2\"}")
	ACT=$(json 'd["action_ids"][0]' "${r#* }" 2>/dev/null)
	case "$r" in
	202*) wait_sql "SELECT count(*) FROM action_queue WHERE id = $ACT OR actor_key LIKE 'char:%:follow'" 0 ||
		diag "\"$2\" still queued" ;;
	*) diag "\"$2\": $r"; ACT=0 ;;
	esac
}
# ev FIELD [TYPE]: a payload field (text_self, then text, for "text") of the last action's event.
ev() {
	if [ "$1" = text ]; then f="coalesce(payload->>'text_self', payload->>'text')"; else f="payload->>'$1'"; fi
	sql "SELECT $f FROM event_log WHERE action_id = $ACT ${2:+AND type = '$2'} ORDER BY event_id LIMIT 1"
}
# The event types the last action wrote, in order.
types() { sql "SELECT string_agg(type, ',' ORDER BY event_id) FROM event_log WHERE action_id = $ACT"; }
# has TEXT PART NAME: a check that TEXT contains PART.
has() { case "$1" in *"$2"*) ok 0 "$3" ;; *) ok 1 "$3"; diag "expected to contain: $2"; diag "got: $1" ;; esac; }

# json EXPR BODY -> prints EXPR evaluated in Python with d = the parsed body
json() {
	python3 -c 'import json, sys; d = json.loads(sys.argv[2]); print(eval(sys.argv[1]))' "$1" "$2"
}

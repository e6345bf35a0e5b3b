#!/bin/sh
# Migrations apply to an empty database, re-applying is a no-op, and an
# applied migration that changed is refused.
. "$WR_HOME/tests/lib/harness.sh"

pg_start
out=$("$WRCTL" migrate); ok $? "migrate applies to an empty database"
case "$out" in *"1 applied"*|*" applied, 0 already"*) ok 0 "first run applies the migrations" ;; *) ok 1 "first run applies the migrations"; diag "$out" ;; esac
for t in instances zones room_templates rooms exits characters mob_templates mobs item_templates items \
	accounts access_tokens room_runtime character_runtime mob_runtime item_runtime action_queue \
	dead_actions event_log event_streams stream_counters schema_migrations; do
	is "$(sql "SELECT to_regclass('$t') IS NOT NULL")" "t" "table $t exists"
done
is "$(sql "SELECT count(*) FROM information_schema.columns WHERE table_name = 'character_runtime' AND column_name IN ('_cache_version', '_built_at')")" "2" "runtime tables carry _cache_version and _built_at"

# pg_dump >= 15.14 writes a random \restrict key per run: leave it out.
dump() { pg_dump -s "$WR_DATABASE_URL" | grep -v '^\\\(un\)\{0,1\}restrict ' >"$1"; }
dump "$T_DIR/before.sql"
before=$(sql "SELECT string_agg(version || ':' || checksum || ':' || applied_at, ',') FROM schema_migrations")
out=$("$WRCTL" migrate); ok $? "migrate runs again"
case "$out" in *" 0 applied"*) ok 0 "second run applies no migration" ;; *) ok 1 "second run applies no migration"; diag "$out" ;; esac
dump "$T_DIR/after.sql"
cmp -s "$T_DIR/before.sql" "$T_DIR/after.sql"; ok $? "schema is identical after re-applying"
is "$(sql "SELECT string_agg(version || ':' || checksum || ':' || applied_at, ',') FROM schema_migrations")" "$before" "schema_migrations is untouched"

# A changed migration is refused, and nothing else is applied.
mkdir -p "$T_DIR/home"
cp -r "$WR_HOME/migrations" "$WR_HOME/schema" "$T_DIR/home/"
first=$(ls "$T_DIR/home/migrations" | head -n 1)
echo "-- edited after the fact" >>"$T_DIR/home/migrations/$first"
out=$(WR_HOME="$T_DIR/home" "$WRCTL" migrate 2>&1); [ $? -ne 0 ]; ok $? "a changed migration is refused"
case "$out" in *"changed after it was applied"*) ok 0 "the error says which migration changed" ;; *) ok 1 "the error names the change"; diag "$out" ;; esac

# Concurrent runs serialise on the advisory lock.
psql "$PGADMIN" -qc "CREATE DATABASE wr2" >/dev/null
u2="host=$T_DIR user=postgres dbname=wr2"
"$WRCTL" migrate --database-url="$u2" >"$T_DIR/m1" 2>&1 & p1=$!
"$WRCTL" migrate --database-url="$u2" >"$T_DIR/m2" 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
[ $r1 -eq 0 ] && [ $r2 -eq 0 ]; ok $? "two concurrent migrate runs both succeed"
is "$(psql "$u2" -XAtqc "SELECT count(*) FROM schema_migrations")" "$(ls "$WR_HOME/migrations" | wc -l | tr -d ' ')" "each migration is recorded once"
finish

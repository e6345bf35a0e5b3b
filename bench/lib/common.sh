# bench/lib/common.sh: what the bench/*.sh scripts share.  It lives in a
# directory of its own because `./wr bench NAME` runs any bench/NAME.sh.
# Sourced once the script has set ROOT, BUILD, KEEP and UNSAFE (0 or 1).
#
# A throwaway PostgreSQL started from the test template (tests/lib/pg.sh) but
# with production-like settings, clean-up on any exit, the header that says
# which machine, server and code were measured, and a sampler of what chosen
# backends are doing.  The caller puts the pids of what it starts in PIDS;
# cleanup stops them, then the server, then removes DIR unless KEEP=1.

. "$ROOT/tests/lib/pg.sh" # as_pg, pg_bindir, pg_datadir

DIR=""
PG=""
PIDS=""
SAMPLER=""

# Prints the comment block at the top of the script (its option list).
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit "${1:-2}"; }
die() { echo "bench: $*" >&2; exit 1; }
num() { case $2 in '' | *[!0-9]*) die "$1 wants a number, got \"$2\"" ;; esac; }
sql() { psql "$WR_DATABASE_URL" -X -v ON_ERROR_STOP=1 -Atqc "$1"; }
fx() { awk "BEGIN { printf \"$1\", $2 }"; } # printf-format awk-expression

# Signals are ignored while it runs: `timeout` sends TERM to the script and
# then to its whole process group, so a second TERM arrives while the first
# one's clean-up runs; with the default action back it killed the script
# before `pg_ctl stop`, leaving the server running.
cleanup() {
	trap - EXIT
	trap "" INT TERM HUP PIPE
	for p in $PIDS $SAMPLER; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS $SAMPLER; do wait "$p" 2>/dev/null || true; done
	if [ -n "$PG" ]; then
		as_pg "$PG/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
	fi
	if [ -n "$DIR" ]; then
		if [ "$KEEP" = 1 ]; then echo "kept $DIR (server log: $DIR/postgresql.log, service logs: $DIR/*.log)"; else rm -rf "$DIR"; fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
# `./wr bench ... | head` must not leave a server running when head exits.
trap 'exit 141' PIPE

# Makes DIR; copies each program into DIR/bin so that a rebuild during the
# run does not change what is measured.  Run the copies from there.
bench_dir() { # program...
	DIR=$(mktemp -d /tmp/wrbench.XXXXXX)
	mkdir -p "$DIR/bin"
	cp "$@" "$DIR/bin/"
}

# Starts the server on a unix socket in DIR, creates database "wr" and
# exports WR_DATABASE_URL.  Durability as in production unless UNSAFE=1;
# sizes for a 2-24 GB machine; further "-c name=value" options as arguments,
# then WR_BENCH_PG_OPTIONS (e.g. "-c shared_preload_libraries=auto_explain
# -c auto_explain.log_min_duration=20ms" to see a bench's slow plans in
# DIR/postgresql.log with --keep).
bench_pg_start() { # [-c name=value ...]
	PGBIN=$(pg_bindir) || die "PostgreSQL server binaries not found (install postgresql)"
	pg_datadir "$PGBIN" "$BUILD" "$DIR" || die "initdb failed"
	if [ "$UNSAFE" = 1 ]; then
		mode="UNSAFE: fsync=off, synchronous_commit=off, full_page_writes=off"
		durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	else
		mode="safe: fsync=on, synchronous_commit=on, full_page_writes=on"
		durability="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
	fi
	PG=$PGBIN
	as_pg "$PG/pg_ctl" -D "$DIR/data" -w -t 120 -l "$DIR/postgresql.log" -o "-k $DIR -c listen_addresses='' $durability \
		-c shared_buffers=1GB -c effective_cache_size=4GB -c work_mem=16MB -c maintenance_work_mem=256MB \
		-c max_wal_size=4GB -c min_wal_size=1GB -c checkpoint_timeout=10min -c checkpoint_completion_target=0.9 \
		-c log_autovacuum_min_duration=0 -c log_checkpoints=on $* ${WR_BENCH_PG_OPTIONS:-}" \
		start >/dev/null || { PG=""; die "PostgreSQL did not start; see $DIR/postgresql.log"; }
	ADMIN="host=$DIR user=postgres dbname=postgres"
	psql "$ADMIN" -Xqc "CREATE DATABASE wr" >/dev/null
	export WR_DATABASE_URL="host=$DIR user=postgres dbname=wr"
}

# CPU in use over one second, in % of all CPUs.
busy() {
	set -- $(head -1 /proc/stat); a=$(($2 + $3 + $4 + $7 + $8)); t=$((a + $5 + $6))
	sleep 1
	set -- $(head -1 /proc/stat); b=$(($2 + $3 + $4 + $7 + $8)); u=$((b + $5 + $6))
	echo $(( (b - a) * 100 / (u - t > 0 ? u - t : 1) ))
}

# The lines every result starts with: machine, server, code, load.  Sets
# t_start and mem.
bench_header() { # title [server settings worth naming]
	t_start=$(date +%s)
	mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)
	echo "== $1"
	echo "machine: $(nproc) CPUs ($cpu), $mem RAM; $(uname -sr)"
	echo "server:  PostgreSQL $(sql 'SHOW server_version'), $mode;" \
		"shared_buffers=$(sql 'SHOW shared_buffers')${2:+, $2}"
	echo "code:    $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown) ($(git -C "$ROOT" log -1 --format=%s 2>/dev/null | cut -c1-60))"
	idle_pct=$(busy)
	echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min); CPU busy before the start: $idle_pct%"
	[ "$idle_pct" -gt 15 ] && echo "         WARNING: something else is using the CPUs; every number below is skewed"
	echo "data:    $DIR ($(df -PT "$DIR" | awk 'NR == 2 { print $2 }'))"
}

# The sampler: bench_sample(phase, seconds, application_name pattern) records
# the state of the matching backends every 50 ms until bench_stop names the
# phase.  idle = waiting for the client to send something; in-tx = inside a
# transaction between statements; cpu = running SQL; Lock:* = waiting for a
# lock (with the wr_ function of the statement that waits); slot = a claim
# waiting for a batch slot (wr_claim_pick, wr.claim_slots; not counted as a
# lock wait); IO:WAL* = commit flush.
bench_sampler_install() {
	sql "
CREATE TABLE bench_waits (phase text NOT NULL, what text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE bench_stop (phase text NOT NULL);
CREATE PROCEDURE bench_sample(p_phase text, p_seconds float8, p_app text) LANGUAGE plpgsql AS \$\$
DECLARE
	t0 timestamptz := clock_timestamp();
BEGIN
	WHILE clock_timestamp() < t0 + p_seconds * interval '1 second'
	      AND NOT EXISTS (SELECT 1 FROM bench_stop WHERE phase = p_phase) LOOP
		INSERT INTO bench_waits
		SELECT p_phase, CASE WHEN state = 'idle' THEN 'idle'
			WHEN state LIKE 'idle in transaction%' THEN 'in-tx'
			WHEN wait_event IS NULL THEN 'cpu'
			WHEN wait_event = 'advisory' AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid
				AND NOT l.granted AND l.locktype = 'advisory' AND l.classid = 1464991747) THEN 'slot'
			WHEN wait_event_type = 'Lock' THEN wait_event_type || ':' || wait_event
				|| coalesce(' in ' || substring(query FROM 'wr_[a-z_]+'), '')
			ELSE wait_event_type || ':' || wait_event END
		FROM pg_stat_activity a WHERE application_name LIKE p_app AND backend_type = 'client backend';
		COMMIT;
		PERFORM pg_sleep(0.05);
		COMMIT;
	END LOOP;
END
\$\$;
" >/dev/null || die "could not create the sampler"
}

# The sampler commits 20 times a second; asynchronously, so that it does not
# add its own flushes to the WAL it is watching others wait for.
sampler_start() { # phase application_name-pattern max-seconds
	PGOPTIONS="-c synchronous_commit=off" psql "$WR_DATABASE_URL" -X -Atqc "CALL bench_sample('$1', $3, '$2')" \
		>/dev/null 2>"$DIR/sampler.err" &
	SAMPLER=$!
}

sampler_stop() { # phase
	sql "INSERT INTO bench_stop VALUES ('$1')" >/dev/null
	wait "$SAMPLER" 2>/dev/null || true
	SAMPLER=""
}

# Share of the samples of one phase in each state, largest first.
waits() { # phase
	sql "SELECT coalesce(string_agg(what || ' ' || pct || '%', ', ' ORDER BY n DESC), 'no samples')
	     FROM (SELECT what, n, round(100.0 * n / sum(n) OVER ())::int AS pct
	           FROM (SELECT what, count(*) n FROM bench_waits WHERE phase = '$1' GROUP BY what) a) t
	     WHERE pct >= 1"
}

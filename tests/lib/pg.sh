# tests/lib/pg.sh: the throwaway-PostgreSQL plumbing that tests/lib/harness.sh
# and bench/lib/common.sh share.  Sourced; it only defines functions.
#
# Every throwaway server starts from one initdb'd cluster per build dir
# ($BUILD/tests/pg-template), made once under flock and then copied, because
# initdb costs about a second and the copy a few milliseconds.  Most tests
# start from a second template made from the first: database "wr" migrated
# and the starter world loaded ($BUILD/tests/pg-world-KEY, pg_datadir_world),
# since migrating and loading cost every test a few seconds on a busy machine.
# The `setup` suite's first test builds it; any test builds it if missing.

# Runs a PostgreSQL server command as the owner of the data directory:
# PostgreSQL refuses to run as root.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Prints the directory of initdb, pg_ctl and postgres (Debian keeps them off
# PATH); status 1 when there is none.
pg_bindir() {
	for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
	done
	return 1
}

# pg_datadir BINDIR BUILD DIR: DIR/data becomes a copy of the template
# cluster, and DIR (which will also hold the socket and the server log) is
# handed to the postgres user when running as root.  Status 1 if initdb or
# the copy failed.  Callers may run it under `||`, where set -e is off, so
# every step checks its own status.
pg_datadir() {
	_tmpl=$2/tests/pg-template
	mkdir -p "$2/tests"
	(
		flock 9
		if [ ! -f "$_tmpl/PG_VERSION" ]; then
			rm -rf "$_tmpl.tmp"; mkdir -p "$_tmpl.tmp"
			if [ "$(id -u)" -eq 0 ]; then chown postgres "$_tmpl.tmp"; fi
			as_pg "$1/initdb" -D "$_tmpl.tmp" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
				>/dev/null || exit 1
			mv "$_tmpl.tmp" "$_tmpl" || exit 1
		fi
	) 9>"$2/tests/pg-template.lock" || return 1
	cp -a "$_tmpl" "$3/data" || return 1
	if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$3"; fi
	chmod 700 "$3/data"
}

# pg_world_key BUILD: prints the name of the world template's version, a hash
# of everything that goes into it: migrations/, schema/ and content/ (names
# and bytes), the wrctl binary that applies them, tests/lib/action.sql, this
# file and the server's version.  Any change to one of them makes a new
# template, so a stale one can never stand in for what the tree would build.
pg_world_key() {
	{
		(cd "$WR_HOME" && find migrations schema content -type f | LC_ALL=C sort | xargs sha256sum) &&
			sha256sum "$1/tools/wrctl" "$WR_HOME/tests/lib/action.sql" "$WR_HOME/tests/lib/pg.sh" &&
			"$(pg_bindir)/postgres" --version
	} | sha256sum | cut -c1-16
}

# pg_world_build BINDIR BUILD DEST: a cluster in DEST (which must not exist)
# whose database "wr" is migrated, holds the starter world and the test
# helpers of tests/lib/action.sql, and was stopped cleanly.  Status 1, with
# the reason on stderr, if a step failed.
pg_world_build() {
	_wd=$(mktemp -d /tmp/wrtemplate.XXXXXX) || return 1
	_wok=1
	pg_datadir "$1" "$2" "$_wd" &&
		as_pg "$1/pg_ctl" -D "$_wd/data" -w -l "$_wd/postgresql.log" \
			-o "-k $_wd -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
			start >/dev/null &&
		psql "host=$_wd user=postgres dbname=postgres" -Xqc "CREATE DATABASE wr" >/dev/null &&
		WR_DATABASE_URL="host=$_wd user=postgres dbname=wr" "$2/tools/wrctl" migrate >/dev/null &&
		WR_DATABASE_URL="host=$_wd user=postgres dbname=wr" "$2/tools/wrctl" world load >/dev/null &&
		psql "host=$_wd user=postgres dbname=wr" -Xq -v ON_ERROR_STOP=1 -f "$WR_HOME/tests/lib/action.sql" >/dev/null &&
		_wok=0
	# A clean stop: the copies start without crash recovery.
	as_pg "$1/pg_ctl" -D "$_wd/data" -w -m fast stop >/dev/null 2>&1 || _wok=1
	if [ "$_wok" -eq 0 ]; then
		mv "$_wd/data" "$3" || _wok=1
	else
		echo "the world template could not be built; server log:" >&2
		tail -20 "$_wd/postgresql.log" >&2
	fi
	rm -rf "$_wd"
	return "$_wok"
}

# pg_datadir_world BINDIR BUILD DIR: pg_datadir, but DIR/data is a copy of
# the world template $BUILD/tests/pg-world-KEY (pg_world_key): database "wr"
# migrated, the starter world loaded, the test helpers in.  The first caller
# builds it under flock, and removes the templates of other keys; the copies
# are made under a shared lock, so no template is removed while one is read.
pg_datadir_world() {
	_key=$(pg_world_key "$2") || return 1
	_wt=$2/tests/pg-world-$_key
	mkdir -p "$2/tests"
	(
		flock -s 9
		if [ ! -f "$_wt/PG_VERSION" ]; then
			flock 9 # exclusive; not atomic, so look again
			if [ ! -f "$_wt/PG_VERSION" ]; then
				for _old in "$2"/tests/pg-world-*; do
					[ -e "$_old" ] && rm -rf "$_old"
				done
				pg_world_build "$1" "$2" "$_wt.tmp" && mv "$_wt.tmp" "$_wt" || exit 1
			fi
			flock -s 9
		fi
		cp -a "$_wt" "$3/data"
	) 9>"$2/tests/pg-world.lock" || return 1
	if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$3"; fi
	chmod 700 "$3/data"
}

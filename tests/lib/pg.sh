# tests/lib/pg.sh: the throwaway-PostgreSQL plumbing that tests/lib/harness.sh
# and bench/lib/common.sh share.  Sourced; it only defines functions.
#
# Every throwaway server starts from one initdb'd cluster per build dir
# ($BUILD/tests/pg-template), made once under flock and then copied, because
# initdb costs about a second and the copy a few milliseconds.

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

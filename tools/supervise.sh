# tools/supervise.sh: sourced by ./wr (and its test).  supervise NAME LOG
# COMMAND... runs COMMAND in the background with its output appended to LOG
# and starts it again whenever it exits, after 1 s, then 2, 4, ... up to
# SUPERVISE_MAX_DELAY (30) seconds; a run that lasted SUPERVISE_RESET (30)
# seconds or more starts the back-off over.  Each restart is said on
# stderr, as systemd's Restart=on-failure (deploy/) logs it.  The
# supervisor's pid is in SUPERVISED_PID; TERM or INT to it stops the
# command (TERM, then waits for it) and then the supervisor.
supervise() { # name log command...
	_sv_name=$1; _sv_log=$2; shift 2
	(
		child=""
		stop() {
			[ -n "$child" ] && kill "$child" 2>/dev/null
			[ -n "$child" ] && wait "$child" 2>/dev/null
			exit 0
		}
		trap stop TERM INT
		delay=1
		while :; do
			started=$(date +%s)
			"$@" >>"$_sv_log" 2>&1 &
			child=$!
			wait "$child"
			rc=$?
			child=""
			[ $(($(date +%s) - started)) -ge "${SUPERVISE_RESET:-30}" ] && delay=1
			printf 'wr: %s exited (status %s); restarting it in %ss (log: %s)\n' "$_sv_name" "$rc" "$delay" \
				"$_sv_log" >&2
			sleep "$delay" &
			child=$!
			wait "$child"
			child=""
			delay=$((delay * 2))
			[ "$delay" -gt "${SUPERVISE_MAX_DELAY:-30}" ] && delay=${SUPERVISE_MAX_DELAY:-30}
		done
	) &
	SUPERVISED_PID=$!
}

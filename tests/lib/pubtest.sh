# tests/lib/pubtest.sh: sourced by the publisher tests after harness.sh.
# Runs python3 test code that uses tests/lib/wsclient.py and turns its
# "T <0|1> description" lines into TAP checks (other lines pass through).

export PYTHONPATH="$WR_HOME/tests/lib${PYTHONPATH:+:$PYTHONPATH}"

# py_checks SCRIPT-ON-STDIN ARGS...: runs python3 - ARGS, one TAP check per T line.
py_checks() {
	python3 -u - "$@" >"$T_DIR/py.out" 2>"$T_DIR/py.err"
	_rc=$?
	_seen=0
	while IFS= read -r _line; do
		case "$_line" in
		"T "*) _seen=1; _st=${_line#T }; _st=${_st%% *}; ok "$_st" "${_line#T ? }" ;;
		*) echo "$_line" ;;
		esac
	done <"$T_DIR/py.out"
	if [ "$_rc" -ne 0 ]; then
		ok 1 "the python test code ran to its end (status $_rc)"
		sed 's/^/# /' "$T_DIR/py.err" | tail -20
	fi
	[ "$_seen" -eq 1 ] || ok 1 "the python test code made checks"
}

# publisher NAME ARGS...: starts a wr-publisher on a free port; sets WS_<NAME>.
publisher() {
	_n=$1; shift
	svc "pub-$_n" "$BUILD/publisher/wr-publisher" --port=0 --port-file="$T_DIR/pub-$_n.port" "$@"
	wait_file "$T_DIR/pub-$_n.port" || bail "publisher $_n did not start: $(cat "$T_DIR/pub-$_n.log")"
	eval "WS_$_n=ws://127.0.0.1:$(cat "$T_DIR/pub-$_n.port")/"
}

# rss_kb PID: resident set size in KiB.
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# say_sql ROOM_ID N ACTOR: N Said events in room ROOM_ID written the way the
# worker writes them (wr_commit_batch with seqs continuing the counter, under
# the room row's lock), one transaction per batch of at most 50.
say_sql() {
	sql "DO \$\$
	DECLARE left int := $2; k int; head bigint; b jsonb;
	BEGIN
	WHILE left > 0 LOOP
		k := least(left, 50);
		PERFORM 1 FROM rooms WHERE id = $1 FOR UPDATE;
		head := coalesce((SELECT last_seq FROM stream_counters WHERE stream = 'room:$1'), 0);
		b := jsonb_build_object(
			'events', (SELECT jsonb_agg(jsonb_build_object('type', 'Said', 'actor_key', '$3',
				'payload', jsonb_build_object('text', 'line ' || (head + i)),
				'streams', jsonb_build_array(jsonb_build_object('stream', 'room:$1', 'seq', head + i)))
				ORDER BY i) FROM generate_series(1, k) i),
			'counters', jsonb_build_object('room:$1', head + k));
		PERFORM wr_commit_batch(b);
		COMMIT;
		left := left - k;
	END LOOP;
	END \$\$" >/dev/null
}

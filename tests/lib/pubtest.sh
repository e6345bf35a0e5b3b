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

# ingress_worker: wr-ingress on a free port (sets HTTP) and one wr-worker.
ingress_worker() {
	svc ingress "$BUILD/ingress/wr-ingress" --port=0 --port-file="$T_DIR/ingress.port"
	svc worker "$BUILD/worker/wr-worker"
	wait_file "$T_DIR/ingress.port" || bail "ingress did not start: $(cat "$T_DIR/ingress.log")"
	HTTP="http://127.0.0.1:$(cat "$T_DIR/ingress.port")"
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

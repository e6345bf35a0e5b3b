#!/bin/sh
# tests/fault/run.sh: fault injection loops (issue 15; SQLite's and
# PostgreSQL's practice).  On a build with -Dfault_injection=true (and
# ASan+UBSan: build-fault), for each scenario and each kind of fault, runs
# the scenario with the Nth call of that kind failing (core/fault.h), for
# N = 1, 2, ... until N passes the last call, and checks after each run:
#   - no crash: the service is still up and exits cleanly on SIGTERM
#     (except an allocation fault, which aborts by design: wr_xmalloc);
#   - no leak and no undefined behaviour: no ASan/LSan/UBSan report;
#   - all or nothing: the retried request has exactly one effect, every
#     queued action is applied exactly once, items and coins are conserved.
#
#   ./wr fault                       (builds build-fault, then runs this)
#   WR_BUILD_DIR=build-fault WR_HOME=. tests/fault/run.sh [scenario...]
# Scenarios: submit (ingress), batch (worker), hello (publisher: hello and
# resume).  WR_FAULT_MAX (default 60) bounds N per scenario and kind;
# WR_FAULT_KINDS (default "pq write alloc") picks the kinds.
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tests/lib/pubtest.sh"

MAXN=${WR_FAULT_MAX:-60}
KINDS=${WR_FAULT_KINDS:-pq write alloc} # which kinds to loop over (each scenario skips the ones it has no point for)
SCENARIOS=${*:-submit batch hello}
pg_start_world
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
SAN=$T_DIR/san
mkdir -p "$SAN"
export ASAN_OPTIONS="log_path=$SAN/asan:detect_leaks=1:handle_abort=0"
export UBSAN_OPTIONS="log_path=$SAN/ubsan:print_stacktrace=1"
ITEMS0=$(world_items) COINS0=$(world_coins)
TRIED=0

reports() { find "$SAN" -type f | wc -l; }
# start NAME KIND N COMMAND...: a service with the Nth call of KIND failing.
start() {
	_n=$1 _k=$2 _at=$3; shift 3
	rm -f "$T_DIR/$_n.port"
	: >"$T_DIR/$_n.log"
	WR_FAULT_KIND=$_k WR_FAULT_AT=$_at "$@" >>"$T_DIR/$_n.log" 2>&1 &
	eval "P_$_n=$!"
}
# stop NAME: SIGTERM, wait; status 0 if it exited cleanly (0, or killed by
# the SIGTERM itself before its handler was installed), else its status.
stop() {
	eval "_p=\$P_$1"
	kill "$_p" 2>/dev/null
	wait "$_p"
	_st=$?
	case $_st in 0 | 143) return 0 ;; *) diag "$1 exited with status $_st: $(tail -2 "$T_DIR/$1.log" | tr '\n' ' ')"; return 1 ;; esac
}
alive() { eval "kill -0 \$P_$1" 2>/dev/null; }
injected() { grep -q "wr-fault: injected" "$T_DIR/$1.log"; }
aborted() { grep -q "out of memory allocating" "$T_DIR/$1.log"; }

# A service without faults, for what a scenario does not test.
svc ingress "$BUILD/ingress/wr-ingress" --port=0 --port-file="$T_DIR/ingress.port"
wait_file "$T_DIR/ingress.port" || bail "ingress did not start"
HTTP="http://127.0.0.1:$(cat "$T_DIR/ingress.port")"
CLEAN_HTTP=$HTTP

# submit: POST /v1/commands with an Idempotency-Key; the client retries
# once after any failure (restarting the ingress if it aborted).
submit() { # kind
	n=0 bad=0 injected_n=0
	while [ "$n" -lt "$MAXN" ]; do
		n=$((n + 1))
		start fi "$1" "$n" "$BUILD/ingress/wr-ingress" --port=0 --port-file="$T_DIR/fi.port"
		wait_file "$T_DIR/fi.port" 50 || { aborted fi && injected_n=$((injected_n + 1)) && continue; bad=$((bad + 1)); diag "submit $1 N=$n: ingress did not start"; continue; }
		H="http://127.0.0.1:$(cat "$T_DIR/fi.port")"
		body="{\"input\":\"say fault $1 $n\"}"
		r1=$(curl -s -m 20 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ALICE" -H "Idempotency-Key: f-$1-$n" \
			-H 'Content-Type: application/json' --data-binary "$body" "$H/v1/commands")
		# The client retries, as docs/http-api.md asks: same key, after a 503 or a lost answer.
		r2=$r1 try=0
		while [ "$r2" != 202 ] && [ "$try" -lt 8 ]; do
			try=$((try + 1))
			sleep 0.5
			if ! alive fi; then
				aborted fi || { bad=$((bad + 1)); diag "submit $1 N=$n: ingress died"; }
				H=$CLEAN_HTTP
			fi
			r2=$(curl -s -m 20 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ALICE" -H "Idempotency-Key: f-$1-$n" \
				-H 'Content-Type: application/json' --data-binary "$body" "$H/v1/commands")
		done
		q=$(sql "SELECT count(*) FROM action_queue WHERE args->>'text' = 'fault $1 $n'")
		if [ "$r2" != 202 ] || [ "$q" != 1 ]; then
			bad=$((bad + 1)); diag "submit $1 N=$n: first $r1, last of $try retries $r2, queued $q (want 202, queued 1)"
		fi
		if injected fi; then injected_n=$((injected_n + 1)); fi
		if alive fi; then stop fi || { bad=$((bad + 1)); diag "submit $1 N=$n: unclean exit"; }; else wait "$P_fi" 2>/dev/null; fi
		TRIED=$((TRIED + 1))
		injected fi || aborted fi || break
	done
	ok "$bad" "submit, $1 faults: N = 1..$n ($injected_n injected): the retry is accepted once, no duplicate, no loss"
}

# batch: three commands of Alice's that move coins and one say of Bob's,
# applied by a worker whose Nth call fails (restarted without faults if it
# aborted): each applied once, the world conserved.
batch() { # kind
	n=0 bad=0 injected_n=0
	while [ "$n" -lt "$MAXN" ]; do
		n=$((n + 1))
		# Refused ones (422: no coins to drop) queue nothing; the rest move coins.
		for c in "get coins" "drop 3 coins" "get coins" "drop 2 coins"; do
			post "$ALICE" "{\"input\":\"$c\"}" >/dev/null
		done
		r=$(post "$BOB" "{\"input\":\"say batch $1 $n\"}"); say_id=$(json 'd["action_ids"][0]' "${r#* }" 2>/dev/null)
		[ -n "$say_id" ] || { bad=$((bad + 1)); diag "batch $1 N=$n: say refused: $r"; say_id=0; }
		start fw "$1" "$n" "$BUILD/worker/wr-worker"
		_w=0
		while [ "$(sql "SELECT count(*) FROM action_queue")" != 0 ] && alive fw && [ "$_w" -lt 150 ]; do
			_w=$((_w + 1)); sleep 0.1
		done
		if ! alive fw; then
			aborted fw || { bad=$((bad + 1)); diag "batch $1 N=$n: worker died"; }
			start fw2 none 0 "$BUILD/worker/wr-worker"
			wait_sql "SELECT count(*) FROM action_queue" 0 150 || { bad=$((bad + 1)); diag "batch $1 N=$n: queue not drained"; }
			stop fw2 || { bad=$((bad + 1)); diag "batch $1 N=$n: unclean exit of the worker without faults"; }
		fi
		e=$(sql "SELECT count(*) FROM event_log WHERE action_id = $say_id")
		d=$(sql "SELECT count(*) FROM dead_actions")
		it=$(world_items) co=$(world_coins)
		if [ "$e" != 1 ] || [ "$d" != 0 ] || [ "$it" != "$ITEMS0" ] || [ "$co" != "$COINS0" ]; then
			bad=$((bad + 1)); diag "batch $1 N=$n: say events $e (want 1), dead $d, items $it, coins $co (want $COINS0)"
		fi
		if injected fw; then injected_n=$((injected_n + 1)); fi
		if alive fw; then stop fw || { bad=$((bad + 1)); diag "batch $1 N=$n: unclean exit"; }; else wait "$P_fw" 2>/dev/null; fi
		TRIED=$((TRIED + 1))
		injected fw || aborted fw || break
	done
	ok "$bad" "worker batch, $1 faults: N = 1..$n ($injected_n injected): each action applied once, items and coins conserved"
}

# hello: a hello, live events, a resume after a gap; then, fault spent, a
# resume that must deliver exactly the missing events in order.
hello() { # kind
	n=0 bad=0 injected_n=0
	while [ "$n" -lt "$MAXN" ]; do
		n=$((n + 1))
		start fp "$1" "$n" "$BUILD/publisher/wr-publisher" --port=0 --port-file="$T_DIR/fp.port"
		wait_file "$T_DIR/fp.port" 50 || { aborted fp && injected_n=$((injected_n + 1)) && continue; bad=$((bad + 1)); diag "hello $1 N=$n: publisher did not start"; continue; }
		out=$(python3 - "ws://127.0.0.1:$(cat "$T_DIR/fp.port")/" "$BOB" 2>&1 <<'PY'
import sys, time
from wsclient import WS, events, order_problems, sql, say_sql, heads
url, tok = sys.argv[1:3]
room = sql("SELECT room_id FROM characters WHERE name = 'Bob'")
alice = sql("SELECT id FROM characters WHERE name = 'Alice'")
rkey = "room:" + room
def hello(resume=None, tries=1):
    h = {"type": "hello", "token": tok}
    if resume is not None:
        h["resume"] = resume
    for i in range(tries):
        try:
            c = WS(url, hello=h)
            w = c.recv(10)
            if w and w.get("type") == "welcome":
                return c, w
        except OSError:
            pass
        time.sleep(0.5)
    return None, None
bad = []
c, w = hello()
last = None
if c:
    say_sql(room, 3, "char:" + alice)
    got = c.drain(quiet=0.8)
    if order_problems([w] + got):
        bad.append("order: %s" % order_problems([w] + got)[:2])
    last = heads([w] + got)
    c.close()
if last is None:
    c, w = hello(tries=8)   # the fault is spent: this one must work
    if not c:
        bad.append("no hello worked")
    else:
        last = w["streams"]
        c.close()
if last is not None:
    say_sql(room, 5, "char:" + alice)
    final = int(sql("SELECT last_seq FROM stream_counters WHERE stream = '%s'" % rkey))
    want = [(rkey, q) for q in range(last[rkey] + 1, final + 1)]
    for attempt in range(4):
        c, w = hello(last, tries=4)
        if not c:
            continue
        frames, _ = c.recv_until(lambda f: f.get("type") == "event" and f["stream"] == rkey and f["seq"] == final, 15)
        evs = [(e["stream"], e["seq"]) for e in events(frames) if e["stream"] == rkey]
        c.close()
        if evs == want:
            break
        # a write fault may cut this connection: what it did get must be a prefix, in order
        if evs != want[:len(evs)]:
            bad.append("resume got %s, want a prefix of %s" % (evs[:5], want[:5]))
            break
    else:
        bad.append("no resume delivered the %d missing events" % len(want))
print("BAD " + "; ".join(bad) if bad else "GOOD")
PY
)
		case "$out" in *GOOD*) ;; *) aborted fp || { bad=$((bad + 1)); diag "hello $1 N=$n: $(echo "$out" | tail -2)"; } ;; esac
		if injected fp; then injected_n=$((injected_n + 1)); fi
		if alive fp; then
			[ "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(cat "$T_DIR/fp.port")/healthz")" = 200 ] ||
				{ bad=$((bad + 1)); diag "hello $1 N=$n: /healthz not 200 after the fault"; }
			stop fp || { bad=$((bad + 1)); diag "hello $1 N=$n: unclean exit"; }
		else
			aborted fp || { bad=$((bad + 1)); diag "hello $1 N=$n: publisher died"; }
			wait "$P_fp" 2>/dev/null
		fi
		TRIED=$((TRIED + 1))
		injected fp || aborted fp || break
	done
	ok "$bad" "publisher hello and resume, $1 faults: N = 1..$n ($injected_n injected): no crash, resume exact"
}

for s in $SCENARIOS; do
	case $s in
	submit) for k in $KINDS; do submit $k; done ;;
	batch) for k in $KINDS; do [ "$k" = write ] || batch $k; done ;; # the worker writes no sockets
	hello) for k in $KINDS; do hello $k; done ;;
	*) bail "unknown scenario $s" ;;
	esac
done
is "$(reports)" 0 "no sanitizer report (ASan, LeakSanitizer, UBSan) in $TRIED runs"
[ "$(reports)" -eq 0 ] || for f in "$SAN"/*; do diag "== $f"; head -30 "$f" | sed 's/^/# /'; done
diag "runs: $TRIED"
finish
